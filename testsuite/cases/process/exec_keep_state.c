/*
 * What execve keeps and what it resets: the working directory, the umask,
 * resource limits, the signal mask, ignored signals (SIGINT stays
 * ignored) while caught ones (SIGUSR1) go back to the default; a pending
 * blocked signal stays pending.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_usr1(int sig)
{
	(void)sig;
}

static const char *disposition(int sig)
{
	struct sigaction sa;
	sigaction(sig, NULL, &sa);
	return sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "handler";
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		char buf[4096];
		const char *cwd = getcwd(buf, sizeof buf);
		const char *base = cwd ? strrchr(cwd, '/') + 1 : "(error)";
		printf("cwd ends in: %s\n", base);
		mode_t m = umask(0);
		printf("umask: %03o\n", (unsigned)m);
		struct rlimit r;
		getrlimit(RLIMIT_NOFILE, &r);
		printf("RLIMIT_NOFILE soft: %llu\n", (unsigned long long)r.rlim_cur);
		printf("SIGINT: %s, SIGUSR1: %s, SIGTERM: %s\n", disposition(SIGINT), disposition(SIGUSR1),
		       disposition(SIGTERM));
		sigset_t now, pending;
		sigprocmask(SIG_BLOCK, NULL, &now);
		printf("SIGUSR2 %s, SIGHUP %s\n", sigismember(&now, SIGUSR2) ? "blocked" : "unblocked",
		       sigismember(&now, SIGHUP) ? "blocked" : "unblocked");
		sigpending(&pending);
		printf("SIGUSR2 %s\n", sigismember(&pending, SIGUSR2) ? "pending" : "not pending");
		raise(SIGINT);
		printf("survived SIGINT\n");
		return 0;
	}
	mkdir("sub", 0755);
	if (chdir("sub") != 0)
		return 1;
	umask(027);
	struct rlimit r = {200, 1024};
	setrlimit(RLIMIT_NOFILE, &r);
	signal(SIGINT, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR2);
	char *self = argv[0];
	fflush(stdout);
	execve(self, (char *[]){self, "child", NULL}, (char *[]){NULL});
	perror("execve");
	return 1;
}
