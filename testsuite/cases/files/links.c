/*
 * link and linkat: hard links share one file (data and link count), the
 * count falls as names go, directories cannot be linked, and linkat follows
 * a symlink only with AT_SYMLINK_FOLLOW.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void nlink(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		printf("  %s: %s\n", path, ename(errno));
	else
		printf("  %s: nlink=%ld %s\n", path, (long)st.st_nlink,
		       S_ISLNK(st.st_mode) ? "symlink" : S_ISREG(st.st_mode) ? "file" : "other");
}

int main(void)
{
	int fd;
	T(fd = open("a", O_RDWR | O_CREAT | O_EXCL, 0644));
	T(write(fd, "shared", 6));
	nlink("a");
	T(link("a", "b"));
	nlink("a");
	nlink("b");
	T(mkdir("d", 0755));
	T(link("a", "d/c"));
	nlink("d/c");
	struct stat st, st2;
	T(fstat(fd, &st));
	printf("fstat nlink=%ld\n", (long)st.st_nlink);
	T(stat("a", &st));
	T(stat("d/c", &st2));
	printf("same inode: %s\n", st.st_ino == st2.st_ino ? "yes" : "no");
	T(pwrite(fd, "S", 1, 0)); /* seen through every name */
	show_file("b");
	show_file("d/c");
	T(unlink("a"));
	nlink("b");
	T(write(fd, "+", 1)); /* the open file lives on */
	show_file("b");
	T(close(fd));

	T(link("b", "b"));
	T(link("b", "d/c"));
	T(link("missing", "x"));
	T(link("b", "missing/x"));
	T(link("d", "d2"));
	T(link("b/", "x"));
	T(link("b", "x/"));

	T(symlink("b", "sym"));
	T(link("sym", "hard-sym")); /* link(2) does not follow */
	nlink("hard-sym");
	nlink("sym");
	int dfd;
	T(dfd = open("d", O_RDONLY | O_DIRECTORY));
	T(linkat(AT_FDCWD, "sym", dfd, "followed", AT_SYMLINK_FOLLOW));
	nlink("d/followed");
	nlink("b");
	T(linkat(dfd, "c", AT_FDCWD, "e", 0));
	nlink("e");
	T(linkat(dfd, "c", AT_FDCWD, "f", 0x1234));
	T(close(dfd));

	T(unlink("b"));
	T(unlink("d/c"));
	T(unlink("d/followed"));
	nlink("e");
	show_file("e");
	return 0;
}
