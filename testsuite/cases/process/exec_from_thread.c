/*
 * execve from a second thread while the main thread is blocked in pause:
 * the other threads vanish, the new image runs with the process's pid, and
 * the parent's wait sees its status.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *self;
static char pid_text[32];

static void *execer(void *arg)
{
	(void)arg;
	execve(self, (char *[]){self, "child", pid_text, NULL}, (char *[]){NULL});
	perror("execve");
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc > 2) {
		printf("new image, same pid: %s\n", atoi(argv[2]) == getpid() ? "yes" : "no");
		return 5;
	}
	self = argv[0];
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		snprintf(pid_text, sizeof pid_text, "%d", (int)getpid());
		pthread_t t;
		pthread_create(&t, NULL, execer, NULL);
		for (;;)
			pause();
	}
	int status;
	waitpid(child, &status, 0);
	printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
