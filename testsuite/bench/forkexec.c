/*
 * forkexec N PROG: N times fork, execv PROG, wait; exits non-zero if any
 * child fails. The benchmark's process-creation workload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: forkexec N PROG\n");
		return 2;
	}
	long n = atol(argv[1]);
	char *child_argv[] = {argv[2], NULL};
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			execv(argv[2], child_argv);
			_exit(127);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "child %ld failed: status %#x\n", i, status);
			return 1;
		}
	}
	printf("%ld children\n", n);
	return 0;
}
