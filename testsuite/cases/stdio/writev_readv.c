/*
 * Scatter/gather I/O: writev of several buffers (one empty) to stdout and to a
 * pipe, then readv from the pipe into buffers of different sizes, checking the
 * bytes land across the boundaries in order.
 */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	struct iovec out[4] = {
		{"alpha ", 6},
		{"", 0},
		{"beta ", 5},
		{"gamma\n", 6},
	};
	ssize_t n = writev(1, out, 4);
	int fds[2];
	if (pipe(fds) != 0)
		return 1;
	ssize_t w = writev(fds[1], out, 4);
	char a[3], b[7], c[32];
	struct iovec in[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
	ssize_t r = readv(fds[0], in, 3);
	char line[128];
	snprintf(line, sizeof line, "writev=%zd pipe writev=%zd readv=%zd a=%.3s b=%.7s c=%.*s", n, w,
		 r, a, b, (int)(r > 10 ? r - 10 : 0), c);
	/* c ends with the newline from "gamma\n". */
	fputs(line, stdout);
	/* A large writev: 64 iovecs of 1 KiB each, as one pipe buffer's worth. */
	static char big[64][1024];
	struct iovec many[64];
	for (int i = 0; i < 64; i++) {
		memset(big[i], 'a' + i % 26, sizeof big[i]);
		big[i][1023] = '\n';
		many[i].iov_base = big[i];
		many[i].iov_len = sizeof big[i];
	}
	fflush(stdout);
	/* A blocking writev to a pipe returns only when all of it is written. */
	ssize_t total = writev(1, many, 64);
	printf("big writev=%zd\n", total);
	return 0;
}
