/*
 * /proc/self/fd/N, /dev/fd/N and /dev/stdin as Linux magic links: opening
 * one reopens the fd's own file (a pipe's read end, a file already
 * unlinked, a file renamed since), with its own offset; stat follows to the
 * fd's file; readlink shows `pipe:[ino]` or the path; O_NOFOLLOW refuses
 * the link itself.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static char path[64];

static const char *fdpath(const char *dir, int fd)
{
	snprintf(path, sizeof path, "%s/%d", dir, fd);
	return path;
}

int main(void)
{
	int p[2], r, f, g;
	char buf[32];
	struct stat a, b;

	T(pipe(p));
	T(write(p[1], "through", 7));
	T(r = open(fdpath("/dev/fd", p[0]), O_RDONLY));
	memset(buf, 0, sizeof buf);
	T(read(r, buf, sizeof buf - 1));
	printf("read \"%s\"\n", buf);
	T(fstat(p[0], &a));
	T(stat(fdpath("/proc/self/fd", p[0]), &b));
	printf("same pipe: %d, fifo: %d\n", a.st_ino == b.st_ino, S_ISFIFO(b.st_mode));
	memset(buf, 0, sizeof buf);
	T(readlink(fdpath("/proc/self/fd", p[0]), buf, sizeof buf - 1));
	printf("pipe link starts \"%.6s\", ends \"%s\"\n", buf, buf + strlen(buf) - 1);
	T(close(r));

	/* stdin as the pipe's read end. */
	T(dup2(p[0], 0));
	T(write(p[1], "stdin", 5));
	T(r = open("/dev/stdin", O_RDONLY));
	memset(buf, 0, sizeof buf);
	T(read(r, buf, sizeof buf - 1));
	printf("read \"%s\"\n", buf);
	T(close(r));

	/* A file unlinked and one renamed after opening. */
	T(f = open("gone", O_RDWR | O_CREAT | O_TRUNC, 0644));
	T(write(f, "unlinked", 8));
	T(unlink("gone"));
	T(g = open(fdpath("/proc/self/fd", f), O_RDONLY));
	memset(buf, 0, sizeof buf);
	T(read(g, buf, sizeof buf - 1)); /* its own offset: from 0 */
	printf("read \"%s\"\n", buf);
	T(close(g));
	T(close(f));

	T(f = open("before", O_RDWR | O_CREAT | O_TRUNC, 0644));
	T(write(f, "renamed", 7));
	T(rename("before", "after"));
	T(g = open(fdpath("/dev/fd", f), O_RDONLY));
	memset(buf, 0, sizeof buf);
	T(read(g, buf, sizeof buf - 1));
	printf("read \"%s\"\n", buf);
	memset(buf, 0, sizeof buf);
	T(readlink(fdpath("/proc/self/fd", f), buf, sizeof buf - 1));
	printf("link ends with \"%s\"\n", strrchr(buf, '/') ? strrchr(buf, '/') : buf);
	T(close(g));

	T(open(fdpath("/proc/self/fd", f), O_RDONLY | O_NOFOLLOW));
	T(open(fdpath("/proc/self/fd", 99), O_RDONLY));
	T(open(fdpath("/dev/fd", f), O_RDONLY | O_DIRECTORY));
	T(close(f));
	T(unlink("after"));
	return 0;
}
