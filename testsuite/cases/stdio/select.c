/*
 * select and pselect: a pipe with data is readable, an empty one times out,
 * a pipe's write end is writable, a closed read end's writer... and a bad fd
 * is EBADF; the returned count is the number of bits set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

static void show(const char *what, int r, int fd, fd_set *rd, fd_set *wr) {
	printf("%s = %d", what, r);
	if (r < 0)
		printf(" (%s)", strerror(errno));
	else
		printf(" read=%d write=%d", rd && FD_ISSET(fd, rd), wr && FD_ISSET(fd, wr));
	printf("\n");
}

int main(void) {
	int p[2];
	if (pipe(p))
		return 1;
	fd_set rd, wr;
	struct timeval tv = {0, 10000};
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	show("empty pipe", select(p[0] + 1, &rd, NULL, NULL, &tv), p[0], &rd, NULL);
	write(p[1], "x", 1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	int n = select(p[1] + 1, &rd, &wr, NULL, NULL);
	printf("data and room = %d read=%d write=%d\n", n, FD_ISSET(p[0], &rd), FD_ISSET(p[1], &wr));
	/* A number certainly closed: whoever started us may hold any other. */
	int bad = dup(0);
	close(bad);
	FD_ZERO(&rd);
	FD_SET(bad, &rd);
	tv = (struct timeval){0, 0};
	show("bad fd", select(bad + 1, &rd, NULL, NULL, &tv), bad, &rd, NULL);
	close(p[1]);
	char c;
	read(p[0], &c, 1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timespec ts = {1, 0};
	sigset_t none;
	sigemptyset(&none);
	show("writer gone (pselect)", pselect(p[0] + 1, &rd, NULL, NULL, &ts, &none), p[0], &rd, NULL);
	return 0;
}
