/*
 * The cost of one trapped syscall: N raw getpid calls through the syscall
 * instruction (no libc wrapper, no vDSO), timed with CLOCK_MONOTONIC around
 * the loop so the timer's own cost is amortized away. Prints ns per call.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static long raw_getpid(void)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	if (n <= 0)
		n = 1;
	long check = raw_getpid();
	for (int i = 0; i < 1000; i++) /* warm up: page in, fill caches, patch sites */
		raw_getpid();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long bad = 0;
	for (long i = 0; i < n; i++)
		bad += raw_getpid() != check;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("ns_per_call %.1f\niterations %ld\nmismatches %ld\n", ns / n, n, bad);
	return bad != 0;
}
