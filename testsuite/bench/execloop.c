/*
 * execloop N: execs itself N times (no fork), then exits 0. Times exec
 * alone, apart from fork: the cost of a re-exec'd ninux starting up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	if (n <= 0)
		return 0;
	char left[32];
	snprintf(left, sizeof left, "%ld", n - 1);
	char *next_argv[] = {argv[0], left, NULL};
	execv(argv[0], next_argv);
	perror("execv");
	return 1;
}
