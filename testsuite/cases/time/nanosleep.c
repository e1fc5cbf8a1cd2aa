/*
 * Short sleeps: nanosleep and clock_nanosleep (relative and absolute) sleep
 * at least as long as asked. No upper bound is checked: a loaded machine may
 * oversleep, and this suite makes no timing assertions beyond Linux's promise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
	long long t0 = now_ns();
	struct timespec req = {0, 20 * 1000 * 1000};
	int r = nanosleep(&req, NULL);
	long long slept = now_ns() - t0;
	printf("nanosleep 20ms: returned %d, slept at least 20ms: %s\n", r,
	       slept >= 20000000LL ? "yes" : "no");

	t0 = now_ns();
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
	slept = now_ns() - t0;
	printf("clock_nanosleep relative: returned %d, slept at least 20ms: %s\n", r,
	       slept >= 20000000LL ? "yes" : "no");

	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += 30 * 1000 * 1000;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
	long long after = now_ns();
	printf("clock_nanosleep absolute: returned %d, woke after deadline: %s\n", r,
	       after >= deadline.tv_sec * 1000000000LL + deadline.tv_nsec ? "yes" : "no");

	struct timespec bad = {0, 1000000000L};
	errno = 0;
	printf("nanosleep with tv_nsec=1e9 is EINVAL: %s\n",
	       nanosleep(&bad, NULL) == -1 && errno == EINVAL ? "yes" : "no");
	return 0;
}
