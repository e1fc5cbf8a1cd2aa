/*
 * Clocks: CLOCK_MONOTONIC never goes backwards over many reads, the realtime
 * clocks agree with each other, and the process CPU clock advances with work.
 * Raw syscalls as well as the libc entry points (which may use the vDSO).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
	struct timespec prev, now;
	int monotonic = clock_gettime(CLOCK_MONOTONIC, &prev) == 0;
	for (int i = 0; i < 10000 && monotonic; i++) {
		if (i % 2)
			monotonic &= clock_gettime(CLOCK_MONOTONIC, &now) == 0;
		else
			monotonic &= syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now) == 0;
		monotonic &= ns(now) >= ns(prev) && now.tv_nsec < 1000000000L;
		prev = now;
	}
	printf("CLOCK_MONOTONIC non-decreasing: %s\n", monotonic ? "yes" : "no");

	struct timespec rt;
	struct timeval tv;
	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv, NULL);
	time_t t = time(NULL);
	/* 2020-01-01: any later date is plausible for a machine running this. */
	printf("CLOCK_REALTIME after 2020: %s\n", rt.tv_sec > 1577836800 ? "yes" : "no");
	printf("gettimeofday agrees within 2s: %s\n",
	       tv.tv_sec - rt.tv_sec <= 2 && tv.tv_sec >= rt.tv_sec ? "yes" : "no");
	/* time() reads the coarse clock, which lags the fine one by up to a
	 * tick: just after a second begins it may still say the last one. */
	printf("time agrees within 2s: %s\n", t - rt.tv_sec <= 2 && t >= rt.tv_sec - 1 ? "yes" : "no");

	struct timespec c0, c1, res;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	volatile unsigned long spin = 0;
	for (unsigned long i = 0; i < 50000000UL; i++)
		spin += i;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	printf("process CPU clock advances: %s\n", ns(c1) > ns(c0) ? "yes" : "no");
	printf("CLOCK_MONOTONIC resolution 1ns: %s\n",
	       clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1 ? "yes" : "no");
	/* The monotonic clock cannot be set, by anyone. */
	struct timespec zero = {0, 0};
	int set = clock_settime(CLOCK_MONOTONIC, &zero);
	printf("clock_settime(CLOCK_MONOTONIC): %d %s\n", set, set ? "refused" : "allowed");
	return 0;
}
