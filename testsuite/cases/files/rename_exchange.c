/*
 * renameat2(RENAME_EXCHANGE) in a host directory (the runner binds the
 * working directory because the case lists it afterwards): two files swap,
 * a file and a directory swap, and the errors: a missing name, EXCHANGE
 * with NOREPLACE, an ancestor, a trailing slash on a file.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define NOREPLACE 1
#define EXCHANGE 2 /* older musl lacks renameat2 and its flags */
#define renameat2(a, b, c, d, f) syscall(SYS_renameat2, a, b, c, d, f)

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, text, strlen(text));
	close(fd);
}

int main(void)
{
	put("a", "one");
	put("b", "two");
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "b", EXCHANGE));
	show_file("a");
	show_file("b");

	/* An open file follows its inode, not its name. */
	int fd;
	char buf[8] = {0};
	T(fd = open("a", O_RDONLY));
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "b", EXCHANGE));
	T(read(fd, buf, sizeof buf - 1));
	printf("read %s\n", buf);
	T(close(fd));

	/* A file and a directory, across directories with dirfds. */
	T(mkdir("d", 0755));
	put("d/in", "in");
	T(mkdir("e", 0755));
	int e;
	T(e = open("e", O_RDONLY | O_DIRECTORY));
	put("e/f", "f");
	T(renameat2(AT_FDCWD, "d", e, "f", EXCHANGE));
	show_file("d");
	show_file("e/f/in");
	T(renameat2(AT_FDCWD, "d", e, "f", EXCHANGE));
	show_file("d/in");

	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "missing", EXCHANGE));
	T(renameat2(AT_FDCWD, "missing", AT_FDCWD, "a", EXCHANGE));
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "b", EXCHANGE | NOREPLACE));
	T(renameat2(AT_FDCWD, "d", AT_FDCWD, "d/in", EXCHANGE));
	T(renameat2(AT_FDCWD, "d/in", AT_FDCWD, "d", EXCHANGE));
	T(renameat2(AT_FDCWD, "a/", AT_FDCWD, "d", EXCHANGE));
	T(renameat2(AT_FDCWD, "d/", AT_FDCWD, "e/", EXCHANGE));
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "a", EXCHANGE));
	show_file("a");
	T(close(e));
	return 0;
}
