/*
 * fork then execve, and vfork then execve: wait4 in the parent sees the new
 * image's exit status or the signal that killed it, and the child's pid.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *how, pid_t pid)
{
	int status;
	struct rusage ru;
	pid_t got = wait4(pid, &status, 0, &ru);
	if (WIFEXITED(status))
		printf("%s: same pid %s, exit %d\n", how, got == pid ? "yes" : "no", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: same pid %s, killed by %s\n", how, got == pid ? "yes" : "no", strsignal(WTERMSIG(status)));
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc > 1 && strcmp(argv[1], "kill") == 0) {
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
		return 99;
	}
	char *self = argv[0];
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execve(self, (char *[]){self, "exit", "42", NULL}, (char *[]){NULL});
		_exit(127);
	}
	report("fork+exec", pid);
	pid = fork();
	if (pid == 0) {
		execve(self, (char *[]){self, "kill", NULL}, (char *[]){NULL});
		_exit(127);
	}
	report("fork+exec killed", pid);
	pid = vfork();
	if (pid == 0) {
		execve(self, (char *[]){self, "exit", "7", NULL}, (char *[]){NULL});
		_exit(127);
	}
	report("vfork+exec", pid);
	pid = vfork();
	if (pid == 0) {
		execve("./no-such-program", (char *[]){"x", NULL}, (char *[]){NULL});
		_exit(127);
	}
	report("vfork+failed exec", pid);
	return 0;
}
