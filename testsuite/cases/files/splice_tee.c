/*
 * splice from a file into a pipe and from the pipe into another file, with
 * and without offsets (a file offset given is advanced, the file's own
 * left alone); tee duplicates a pipe's data into another pipe without
 * consuming it; splice with neither end a pipe, or an offset on the pipe
 * end, is EINVAL; readahead and sync_file_range on a file succeed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void report(const char *what, long r)
{
	printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

int main(void)
{
	int f = open("src.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	write(f, "0123456789abcdefghij", 20);
	lseek(f, 0, SEEK_SET);
	int p[2], q[2];
	pipe(p);
	pipe(q);

	report("splice file -> pipe, 8 bytes at the file offset", splice(f, NULL, p[1], NULL, 8, 0));
	printf("file offset now %ld\n", (long)lseek(f, 0, SEEK_CUR));
	off_t off = 12;
	report("splice file at 12 -> pipe", splice(f, &off, p[1], NULL, 4, 0));
	printf("offset argument now %lld, file offset %ld\n", (long long)off, (long)lseek(f, 0, SEEK_CUR));
	report("tee pipe -> pipe", tee(p[0], q[1], 100, 0));
	char buf[64] = {0};
	ssize_t n = read(q[0], buf, sizeof buf - 1);
	printf("the copy: %.*s\n", (int)n, buf);

	int out = open("dst.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	off_t at = 3;
	report("splice pipe -> file at 3", splice(p[0], NULL, out, &at, 100, 0));
	printf("offset argument now %lld\n", (long long)at);
	memset(buf, 0, sizeof buf);
	n = pread(out, buf, sizeof buf - 1, 0);
	printf("dst.txt: %zd bytes, from 3: %s\n", n, buf + 3);

	report("splice file -> file", splice(f, NULL, out, NULL, 4, 0));
	off = 0;
	report("splice with an offset on the pipe", splice(p[0], &off, out, NULL, 4, 0));
	report("tee of a file", tee(f, q[1], 4, 0));
	report("readahead", readahead(f, 0, 4096));
	report("sync_file_range", sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE));
	report("sync_file_range with bad flags", sync_file_range(out, 0, 0, 0x100));
	unlink("src.txt");
	unlink("dst.txt");
	return 0;
}
