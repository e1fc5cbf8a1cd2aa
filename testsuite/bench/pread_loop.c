/*
 * The cost of a syscall that does host I/O: N raw pread64 calls of 4 KiB
 * at offset 0 of the file named by argv[1] (page-cache hot after the first),
 * through the syscall instruction, timed around the loop. Prints ns per
 * call; natively it is the kernel's own cost, under ninux that plus the
 * fast path and the host call it makes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static char buf[4096] __attribute__((aligned(64)));

static long raw_pread(int fd)
{
	long ret;
	register long r10 __asm__("r10") = 0;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_pread64), "D"((long)fd), "S"(buf), "d"(sizeof buf), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: pread_loop FILE [N]\n");
		return 2;
	}
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	if (n <= 0)
		n = 1;
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	long want = raw_pread(fd);
	if (want <= 0) {
		fprintf(stderr, "pread_loop: %s: nothing to read\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < 1000; i++) /* warm up: page in, fill caches */
		raw_pread(fd);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long bad = 0;
	for (long i = 0; i < n; i++)
		bad += raw_pread(fd) != want;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("ns_per_call %.1f\niterations %ld\nshort_reads %ld\n", ns / n, n, bad);
	return bad != 0;
}
