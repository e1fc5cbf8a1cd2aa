/*
 * Loopback TCP, measured by the guest itself: a forked server and its
 * client in one process tree. Prints the bulk throughput (MiB/s) of
 * sending BULK_MIB MiB, and the rate of 1-byte request/response round
 * trips. Runs natively and under ninux alike:
 *
 *   cc -O2 -static -o net_loopback net_loopback.c
 *   ./net_loopback [MiB] [round-trips]
 *   ninux run -- ./net_loopback [MiB] [round-trips]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	long trips = argc > 2 ? atol(argv[2]) : 50000;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		die("listen");
	static char buf[1 << 16];
	pid_t pid = fork();
	if (pid == 0) {
		/* Server: drain the bulk connection, then echo single bytes. */
		int c = accept(l, NULL, NULL);
		while (read(c, buf, sizeof buf) > 0)
			;
		close(c);
		c = accept(l, NULL, NULL);
		int one = 1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char b;
		while (read(c, &b, 1) == 1)
			if (write(c, &b, 1) != 1)
				break;
		_exit(0);
	}
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		die("connect");
	double t0 = now();
	for (long left = mib << 20; left > 0;) {
		ssize_t n = write(c, buf, left < (long)sizeof buf ? left : (long)sizeof buf);
		if (n <= 0)
			die("write");
		left -= n;
	}
	close(c);
	double bulk = now() - t0;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		die("connect");
	int one = 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	t0 = now();
	char b = 'x';
	for (long i = 0; i < trips; i++)
		if (write(c, &b, 1) != 1 || read(c, &b, 1) != 1)
			die("round trip");
	double rr = now() - t0;
	close(c);
	waitpid(pid, NULL, 0);
	printf("tcp loopback throughput: %.0f MiB/s (%ld MiB in %.3f s)\n", mib / bulk, mib, bulk);
	printf("tcp 1-byte request/response: %.0f round trips/s (%ld in %.3f s)\n", trips / rr, trips, rr);
	return 0;
}
