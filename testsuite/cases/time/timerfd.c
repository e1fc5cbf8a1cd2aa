/*
 * timerfd: a relative one-shot expiry read as one 8-byte count, a periodic
 * timer counting several expiries, an absolute expiry on CLOCK_MONOTONIC,
 * non-blocking reads before expiry (EAGAIN), poll readiness, gettime after
 * disarming, and the errors Linux gives.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static struct itimerspec ms(long value, long interval)
{
	struct itimerspec its = {
		.it_value = {value / 1000, (value % 1000) * 1000000},
		.it_interval = {interval / 1000, (interval % 1000) * 1000000},
	};
	return its;
}

int main(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = ms(30, 0), cur;
	timerfd_settime(fd, 0, &its, NULL);
	timerfd_gettime(fd, &cur);
	printf("armed: remaining %s\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 ? "in (0, 30ms]" : "wrong");
	uint64_t n = 0;
	ssize_t r = read(fd, &n, sizeof n);
	printf("one-shot: read %zd, expirations %llu\n", r, (unsigned long long)n);
	timerfd_gettime(fd, &cur);
	printf("after expiry: value %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

	/* Periodic: 10 ms period, read after ~65 ms: at least 5 expiries. */
	its = ms(10, 10);
	timerfd_settime(fd, 0, &its, NULL);
	usleep(65000);
	read(fd, &n, sizeof n);
	printf("periodic: at least 5 expirations: %s\n", n >= 5 ? "yes" : "no");
	struct itimerspec old;
	its = ms(0, 0);
	timerfd_settime(fd, 0, &its, &old);
	printf("disarm: old interval %ld ms\n", old.it_interval.tv_nsec / 1000000);
	timerfd_gettime(fd, &cur);
	printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	close(fd);

	/* Non-blocking, absolute, with poll. */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	its = ms(0, 0);
	its.it_value = now;
	its.it_value.tv_nsec += 40000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
	r = read(fd, &n, sizeof n);
	printf("before expiry: %zd %s\n", r, r < 0 ? strerror(errno) : "");
	struct pollfd p = {fd, POLLIN, 0};
	int ready = poll(&p, 1, 0);
	printf("poll now: %d\n", ready);
	ready = poll(&p, 1, 2000);
	printf("poll later: %d revents %s\n", ready, p.revents == POLLIN ? "POLLIN" : "other");
	r = read(fd, &n, sizeof n);
	printf("absolute: read %zd, expirations %llu\n", r, (unsigned long long)n);
	r = read(fd, &n, 4);
	printf("short buffer: %zd %s\n", r, r < 0 ? strerror(errno) : "");
	close(fd);

	{
		int rc = timerfd_create(12345, 0);
		printf("bad clock: %d %s\n", rc, strerror(errno));
	}
	{
		int rc = timerfd_create(CLOCK_MONOTONIC, 0x1);
		printf("bad flags: %d %s\n", rc, strerror(errno));
	}
	its = ms(0, 0);
	its.it_value.tv_nsec = 1000000000;
	fd = timerfd_create(CLOCK_REALTIME, 0);
	{
		int rc = timerfd_settime(fd, 0, &its, NULL);
		printf("bad nsec: %d %s\n", rc, strerror(errno));
	}
	{
		int rc = timerfd_gettime(1, &cur);
		printf("not a timerfd: %d %s\n", rc, strerror(errno));
	}
	return 0;
}
