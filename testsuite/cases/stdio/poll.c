/*
 * poll and ppoll: a pipe with data is readable, an empty one times out, a
 * closed write end reads as POLLHUP, a bad fd is POLLNVAL, a negative fd is
 * ignored, a regular file is always ready.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, int r, struct pollfd *p, int n) {
	printf("%s = %d", what, r);
	if (r < 0)
		printf(" (%s)", strerror(errno));
	for (int i = 0; i < n; i++)
		printf(" [%d]=%#x", i, p[i].revents);
	printf("\n");
}

int main(void) {
	int fds[2];
	if (pipe(fds))
		return 1;
	struct pollfd p[4] = {{.fd = fds[0], .events = POLLIN}};
	show("empty pipe, 10 ms", poll(p, 1, 10), p, 1);
	write(fds[1], "x", 1);
	show("pipe with data", poll(p, 1, 1000), p, 1);
	p[1] = (struct pollfd){.fd = fds[1], .events = POLLOUT};
	p[2] = (struct pollfd){.fd = 999, .events = POLLIN};
	p[3] = (struct pollfd){.fd = -1, .events = POLLIN};
	show("mixed", poll(p, 4, 0), p, 4);
	int f = open("poll-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct pollfd pf = {.fd = f, .events = POLLIN | POLLOUT};
	show("regular file", poll(&pf, 1, -1), &pf, 1);
	close(fds[1]);
	char c;
	read(fds[0], &c, 1);
	show("write end closed", poll(p, 1, 1000), p, 1);
	struct timespec ts = {0, 5000000};
	sigset_t none;
	sigemptyset(&none);
	int e[2];
	pipe(e);
	struct pollfd q = {.fd = e[0], .events = POLLIN};
	show("ppoll timeout", ppoll(&q, 1, &ts, &none), &q, 1);
	return 0;
}
