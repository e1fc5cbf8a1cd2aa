/*
 * symlink, readlink and readlinkat: relative and absolute-free targets,
 * dangling links, links to directories in the middle of a path, readlink's
 * silent truncation without a NUL, EINVAL on a non-link, and ELOOP for a
 * self-loop and for a chain one hop longer than Linux's limit of 40.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

static void link_of(const char *path)
{
	char buf[256];
	long n = readlink(path, buf, sizeof buf);
	if (n < 0)
		printf("readlink %s: %s\n", path, ename(errno));
	else
		printf("readlink %s -> \"%.*s\"\n", path, (int)n, buf);
}

int main(void)
{
	T(mkdir("d", 0755));
	T(mkdir("d/sub", 0755));
	T(close(open("d/sub/file", O_WRONLY | O_CREAT, 0644)));
	T(symlink("sub/file", "d/rel"));
	T(symlink("d/sub", "tosub"));
	T(symlink("../d", "d/sub/up"));
	T(symlink("nowhere", "dangling"));
	T(symlink("", "empty"));
	T(symlink("x", "d/sub/file/x"));
	T(symlink("x", "missing/x"));
	T(symlink("x", "tosub"));
	link_of("d/rel");
	link_of("tosub");
	link_of("dangling");
	link_of("d/sub/file");
	link_of("missing");
	link_of("tosub/");  /* the directory it points to: not a link */
	link_of("tosub/up");

	struct stat st;
	T(stat("d/rel", &st));
	T(stat("tosub/file", &st));
	T(stat("tosub/up/sub/up/rel", &st));
	T(stat("tosub/up/rel", &st));
	T(stat("dangling", &st));
	T(lstat("dangling", &st));
	T(stat("dangling/", &st));
	T(access("tosub/file", F_OK));

	/* readlink truncates silently, without a NUL. */
	char buf[8];
	memset(buf, '#', sizeof buf);
	T(readlink("d/rel", buf, 4));
	printf("buf \"%.8s\"\n", buf);
	T(syscall(SYS_readlink, "d/rel", buf, 0)); /* raw: musl special-cases 0 */

	int dfd;
	T(dfd = open("d", O_RDONLY | O_DIRECTORY));
	char big[64] = {0};
	T(readlinkat(dfd, "rel", big, sizeof big));
	printf("readlinkat rel -> %s\n", big);
	T(readlinkat(dfd, "sub", big, sizeof big));
	T(readlinkat(AT_FDCWD, "tosub", big, sizeof big));
	T(symlinkat("sub", dfd, "at-link"));
	link_of("d/at-link");
	T(close(dfd));

	/* Loops. */
	T(symlink("self", "self"));
	T(stat("self", &st));
	T(open("self", O_RDONLY));
	T(lstat("self", &st));
	T(symlink("pong", "ping"));
	T(symlink("ping", "pong"));
	T(stat("ping/x", &st));

	/* A chain: c0 -> c1 -> ... -> c40 -> target. Linux follows 40 links. */
	T(close(open("target", O_WRONLY | O_CREAT, 0644)));
	char from[16], to[16];
	for (int i = 0; i <= 40; i++) {
		snprintf(from, sizeof from, "c%d", i);
		if (i == 40)
			snprintf(to, sizeof to, "target");
		else
			snprintf(to, sizeof to, "c%d", i + 1);
		if (symlink(to, from) != 0)
			printf("symlink %s: %s\n", from, ename(errno));
	}
	T(stat("c1", &st)); /* 40 links */
	T(stat("c0", &st)); /* 41 links */
	T(open("c1", O_RDONLY) >= 0);
	T(open("c0", O_RDONLY));
	T(lstat("c0", &st));

	/* Writing through a link writes the target. */
	int fd;
	T(fd = open("d/rel", O_WRONLY | O_APPEND));
	T(write(fd, "via link", 8));
	T(close(fd));
	show_file("d/sub/file");
	T(unlink("d/rel"));
	show_file("d/sub/file");

	/* A trailing "." or "/" names the directory a link points to; on a
	 * link to a file it is ENOTDIR. */
	T(symlink("d", "dlink"));
	T(lstat("dlink", &st) == 0 && S_ISLNK(st.st_mode));
	T(lstat("dlink/.", &st) == 0 && S_ISDIR(st.st_mode));
	T(lstat("dlink/", &st) == 0 && S_ISDIR(st.st_mode));
	T(symlink("target", "flink"));
	T(lstat("flink/.", &st));
	T(stat("flink/", &st));
	return 0;
}
