/*
 * epoll readiness: level-triggered reports stay until drained, edge-
 * triggered ones come once per new arrival, EPOLLONESHOT disarms until
 * EPOLL_CTL_MOD, a closed write end shows EPOLLHUP, a pipe's write end is
 * EPOLLOUT until full, an eventfd is readable while non-zero; the user data
 * comes back as given; epoll_ctl's errors; epoll_pwait2's timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int ep;

static void show(const char *what, int timeout)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, timeout);
	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++) {
		printf(" [data %llu:", (unsigned long long)ev[i].data.u64);
		if (ev[i].events & EPOLLIN) printf(" IN");
		if (ev[i].events & EPOLLOUT) printf(" OUT");
		if (ev[i].events & EPOLLHUP) printf(" HUP");
		if (ev[i].events & EPOLLERR) printf(" ERR");
		printf("]");
	}
	printf("\n");
}

static void add(int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		printf("add %d: %s\n", fd, strerror(errno));
}

int main(void)
{
	ep = epoll_create1(EPOLL_CLOEXEC);
	int p[2];
	pipe2(p, O_NONBLOCK);
	add(p[0], EPOLLIN, 1000);
	show("empty", 0);
	write(p[1], "ab", 2);
	show("level, data", 0);
	show("level, still", 0);
	char c[64];
	read(p[0], c, sizeof c);
	show("drained", 0);

	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 2000};
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	write(p[1], "x", 1);
	show("edge, data", 0);
	show("edge, again", 0);
	write(p[1], "y", 1);
	show("edge, more data", 0);
	read(p[0], c, sizeof c);

	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = 3000;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	write(p[1], "z", 1);
	show("oneshot", 0);
	show("oneshot, disarmed", 0);
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	show("oneshot, rearmed", 0);
	read(p[0], c, sizeof c);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);

	add(p[1], EPOLLOUT, 4000);
	show("write end", 0);
	static char big[1 << 16];
	while (write(p[1], big, sizeof big) > 0)
		;
	show("write end, full", 0);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);
	add(p[0], EPOLLIN, 5000);
	close(p[1]);
	show("writer closed", 0);
	while (read(p[0], big, sizeof big) > 0)
		;
	show("writer closed, drained", 0);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	close(p[0]);

	int efd = eventfd(0, EFD_NONBLOCK);
	add(efd, EPOLLIN | EPOLLOUT, 6000);
	show("eventfd zero", 0);
	uint64_t one = 1;
	write(efd, &one, sizeof one);
	show("eventfd one", 0);

	int r = epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	printf("add twice: %d %s\n", r, strerror(errno));
	r = epoll_ctl(ep, EPOLL_CTL_MOD, 0 + 1000, &ev);
	printf("mod bad fd: %d %s\n", r, strerror(errno));
	int q[2];
	pipe(q);
	r = epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &ev);
	printf("mod not added: %d %s\n", r, strerror(errno));
	r = epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev);
	printf("add itself: %d %s\n", r, strerror(errno));
	r = epoll_wait(ep, &ev, 0, 0);
	printf("maxevents 0: %d %s\n", r, strerror(errno));

	add(q[0], EPOLLIN, 7000);
	struct timespec ts = {0, 30000000}, t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct epoll_event out[4];
	epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);
	r = syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("epoll_pwait2 30ms: %d after at least 29ms: %s\n", r, ms >= 29 ? "yes" : "no");
	write(q[1], "q", 1);
	r = syscall(SYS_epoll_pwait2, ep, out, 4, NULL, NULL, 8);
	printf("epoll_pwait2 forever with data: %d data %llu\n", r, (unsigned long long)out[0].data.u64);
	return 0;
}
