/* sigsuspend waiting for a SIGUSR1 sent by a forked child: the handler runs
 * with the suspend mask in force, sigsuspend returns EINTR, and the old mask
 * (SIGUSR1 blocked) is back afterwards. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int got, usr2_blocked_in_handler;

static void on_usr1(int sig)
{
	(void)sig;
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
	got++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t child = fork();
	if (child == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	sigset_t wait_mask;
	sigemptyset(&wait_mask);
	sigaddset(&wait_mask, SIGUSR2);
	int r = sigsuspend(&wait_mask);
	int e = errno;
	sigset_t after;
	sigprocmask(SIG_BLOCK, NULL, &after);
	printf("sigsuspend=%d EINTR: %s handler ran: %s\n", r, e == EINTR ? "yes" : "no", got == 1 ? "yes" : "no");
	printf("suspend mask in handler: %s\n", usr2_blocked_in_handler ? "yes" : "no");
	printf("SIGUSR1 blocked again: %s\n", sigismember(&after, SIGUSR1) ? "yes" : "no");
	int status;
	waitpid(child, &status, 0);
	printf("child exited: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
