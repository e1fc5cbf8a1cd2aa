/*
 * Pipe capacity and atomicity: a new pipe holds 65536 bytes (F_GETPIPE_SZ,
 * and non-blocking writes stop there with EAGAIN), F_SETPIPE_SZ rounds up
 * to a power of two pages, and four writers each writing 300 blocks of PIPE_BUF bytes
 * never interleave inside a block. O_DIRECT makes a packet pipe: each read
 * returns one write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int p[2];
	pipe2(p, O_NONBLOCK);
	printf("PIPE_BUF %d, F_GETPIPE_SZ %d\n", PIPE_BUF, fcntl(p[1], F_GETPIPE_SZ));
	static char buf[1 << 20];
	long total = 0;
	ssize_t n;
	while ((n = write(p[1], buf, 1000)) > 0)
		total += n;
	printf("filled with %ld bytes, then %s\n", total, errno == EAGAIN ? "EAGAIN" : strerror(errno));
	read(p[0], buf, 3000);
	n = write(p[1], buf, 5000);
	printf("after reading 3000 bytes, a write of 5000: %zd\n", n);
	n = write(p[1], buf, 100);
	printf("full again: %zd %s\n", n, n < 0 ? "EAGAIN" : "");
	close(p[0]);
	close(p[1]);

	pipe(p);
	int sz = fcntl(p[1], F_SETPIPE_SZ, 100000);
	printf("F_SETPIPE_SZ 100000 -> %d, now %d\n", sz, fcntl(p[0], F_GETPIPE_SZ));
	int devnull = open("/dev/null", O_WRONLY);
	int r = fcntl(devnull, F_GETPIPE_SZ);
	printf("F_GETPIPE_SZ of a non-pipe: %d %s\n", r, strerror(errno));
	r = fcntl(1000, F_GETPIPE_SZ);
	printf("F_GETPIPE_SZ of a closed fd: %d %s\n", r, strerror(errno));
	close(p[0]);
	close(p[1]);

	pipe(p);
	enum { WRITERS = 4, BLOCKS = 300 };
	for (int w = 0; w < WRITERS; w++) {
		if (fork() == 0) {
			close(p[0]);
			char block[PIPE_BUF];
			memset(block, 'a' + w, sizeof block);
			for (int i = 0; i < BLOCKS; i++)
				if (write(p[1], block, sizeof block) != sizeof block)
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	long got = 0, torn = 0, per[WRITERS] = {0};
	static char stream[WRITERS * BLOCKS * PIPE_BUF];
	while ((n = read(p[0], stream + got, sizeof stream - got)) > 0)
		got += n;
	for (long off = 0; off + PIPE_BUF <= got; off += PIPE_BUF) {
		char c = stream[off];
		for (int i = 1; i < PIPE_BUF; i++)
			if (stream[off + i] != c) {
				torn++;
				break;
			}
		if (c >= 'a' && c < 'a' + WRITERS)
			per[c - 'a']++;
	}
	int ok = 0, status;
	while (wait(&status) > 0)
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("read %ld bytes from %d writers (%d ok), %ld torn blocks, per writer %ld %ld %ld %ld\n", got,
	       WRITERS, ok, torn, per[0], per[1], per[2], per[3]);
	close(p[0]);

	pipe2(p, O_DIRECT);
	write(p[1], "one", 3);
	write(p[1], "second", 6);
	n = read(p[0], buf, sizeof buf);
	printf("O_DIRECT: first read %zd", n);
	n = read(p[0], buf, sizeof buf);
	printf(", second read %zd\n", n);
	return 0;
}
