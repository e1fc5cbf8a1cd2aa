/*
 * Syscall numbers Linux does not implement return -ENOSYS, natively and under
 * ninux: 600 and 100000 are past the end of the x86-64 table (Linux 6.18 ends
 * below 470), and -1 is the number a tracer uses to skip a call. (The hole
 * 335..423 is not safe to probe: 335 is uretprobe since Linux 6.11 and raises
 * SIGILL when called outside a probe.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void try(long nr)
{
	errno = 0;
	long r = syscall(nr, 1, 2, 3, 4, 5, 6);
	printf("syscall(%ld) = %ld errno=%s\n", nr, r, errno == ENOSYS ? "ENOSYS" : "other");
}

int main(void)
{
	try(600);
	try(-1);
	try(100000);
	/* The process carries on normally afterwards. */
	printf("getpid still works: %s\n", syscall(SYS_getpid) == getpid() ? "yes" : "no");
	return 0;
}
