/*
 * A store through a NULL pointer: the process dies of SIGSEGV (no handler).
 * ninux adds its own diagnostic on stderr, so stderr is not compared; the
 * runner instead requires ninux's stderr to name SIGSEGV.
 */
#include <stdio.h>

int main(void)
{
	printf("about to write through NULL\n");
	fflush(stdout);
	*(volatile int *)0 = 1;
	printf("not reached\n");
	return 0;
}
