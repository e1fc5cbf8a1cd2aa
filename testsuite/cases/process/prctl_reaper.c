/*
 * prctl: PR_SET/GET_CHILD_SUBREAPER and PR_SET/GET_PDEATHSIG. A middle
 * process forks a grandchild that asks for SIGUSR1 when its parent dies;
 * the middle process exits; the grandchild catches SIGUSR1, sees itself
 * reparented to the subreaper (us), and exits with a code we reap.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

int main(void)
{
	int v = -1;
	prctl(PR_GET_CHILD_SUBREAPER, &v);
	printf("subreaper before: %d\n", v);
	printf("set subreaper: %d\n", prctl(PR_SET_CHILD_SUBREAPER, 1));
	prctl(PR_GET_CHILD_SUBREAPER, &v);
	printf("subreaper after: %d\n", v);
	prctl(PR_GET_PDEATHSIG, &v);
	printf("pdeathsig before: %d\n", v);
	printf("bad pdeathsig: %d\n", prctl(PR_SET_PDEATHSIG, 100));

	pid_t me = getpid();
	int pfd[2];
	pipe(pfd);
	fflush(stdout);
	pid_t middle = fork();
	if (middle == 0) {
		pid_t g = fork();
		if (g == 0) {
			signal(SIGUSR1, on_usr1);
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			int d = 0;
			prctl(PR_GET_PDEATHSIG, &d);
			char ok = 1;
			write(pfd[1], &ok, 1);
			while (!got)
				pause();
			/* 40 + 1 if reparented to the subreaper, + 2 if it was SIGUSR1. */
			_exit(40 + (getppid() == me) + 2 * (got == SIGUSR1) + 4 * (d == SIGUSR1));
		}
		char c;
		read(pfd[0], &c, 1);
		_exit(3);
	}
	int status;
	waitpid(middle, &status, 0);
	printf("middle exited %d\n", WEXITSTATUS(status));
	pid_t g = wait(&status);
	printf("reaped grandchild: %s, exit %d\n", g > 0 ? "yes" : "no", WEXITSTATUS(status));
	return 0;
}
