/*
 * sendfile from a file into a pipe and into another file, with and without
 * an offset (an offset given is advanced, the file's own left alone), short
 * at the end of the file, and its errors: a negative offset, a directory,
 * an fd not open for reading or writing, an O_APPEND output.
 * copy_file_range between files with and without offsets, and its errors:
 * flags, a pipe, a directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

static void report(const char *what, long r)
{
	printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

static void show(const char *what, int fd)
{
	char buf[64] = {0};
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = '.';
	printf("%s: %zd bytes: %s\n", what, n, buf);
}

int main(void)
{
	int f = open("src.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	write(f, "0123456789abcdefghij", 20);
	lseek(f, 0, SEEK_SET);
	int p[2];
	pipe(p);

	report("sendfile file -> pipe, 8 bytes at the file offset", sendfile(p[1], f, NULL, 8));
	printf("file offset now %ld\n", (long)lseek(f, 0, SEEK_CUR));
	off_t off = 12;
	report("sendfile file at 12 -> pipe", sendfile(p[1], f, &off, 4));
	printf("offset argument now %lld, file offset %ld\n", (long long)off, (long)lseek(f, 0, SEEK_CUR));
	char buf[64] = {0};
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	printf("the pipe: %.*s\n", (int)n, buf);

	int out = open("dst.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	report("sendfile file -> file", sendfile(out, f, NULL, 5));
	show("dst.txt", out);
	off = 18;
	report("sendfile past the end", sendfile(out, f, &off, 10));
	printf("offset argument now %lld\n", (long long)off);
	report("sendfile of nothing", sendfile(out, f, NULL, 0));
	off = -1;
	report("sendfile at a negative offset", sendfile(out, f, &off, 4));
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	report("sendfile from a directory", sendfile(out, dir, NULL, 4));
	int wronly = open("src.txt", O_WRONLY);
	report("sendfile from a write-only fd", sendfile(out, wronly, NULL, 4));
	int rdonly = open("dst.txt", O_RDONLY);
	report("sendfile into a read-only fd", sendfile(rdonly, f, NULL, 4));
	int append = open("dst.txt", O_WRONLY | O_APPEND);
	report("sendfile into an O_APPEND fd", sendfile(append, f, NULL, 2));
	show("dst.txt", out);

	int copy = open("copy.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	loff_t in_at = 2, out_at = 4;
	report("copy_file_range with offsets", copy_file_range(f, &in_at, copy, &out_at, 6, 0));
	printf("offsets now %lld %lld\n", (long long)in_at, (long long)out_at);
	show("copy.txt", copy);
	lseek(f, 10, SEEK_SET);
	lseek(copy, 0, SEEK_SET);
	report("copy_file_range at the files' offsets", copy_file_range(f, NULL, copy, NULL, 3, 0));
	printf("file offsets now %ld %ld\n", (long)lseek(f, 0, SEEK_CUR), (long)lseek(copy, 0, SEEK_CUR));
	show("copy.txt", copy);
	report("copy_file_range with flags", copy_file_range(f, NULL, copy, NULL, 3, 1));
	report("copy_file_range into a pipe", copy_file_range(f, NULL, p[1], NULL, 3, 0));
	report("copy_file_range from a directory", copy_file_range(dir, NULL, copy, NULL, 3, 0));
	unlink("src.txt");
	unlink("dst.txt");
	unlink("copy.txt");
	return 0;
}
