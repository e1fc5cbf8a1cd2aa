/*
 * Directories and the working directory: getcwd, chdir, fchdir, mkdir,
 * mkdirat, rmdir (ENOTEMPTY, EEXIST, ENOTDIR), unlink and unlinkat (EISDIR,
 * AT_REMOVEDIR), and *at calls through directory fds opened before a chdir,
 * which must keep naming the directory they were opened on.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void cwd(void)
{
	char buf[4096];
	if (getcwd(buf, sizeof buf))
		printf("  cwd %s\n", buf);
	else
		printf("  getcwd: %s\n", ename(errno));
}

int main(void)
{
	char small[4];
	T(getcwd(small, sizeof small) ? 0 : -1); /* ERANGE */
	T(mkdir("a", 0755));
	T(mkdir("a", 0755));
	T(mkdir("a/b", 0755));
	T(mkdir("a/b/c/d", 0755));
	T(mkdir("a/b/", 0755));
	T(mkdir("a/x/", 0755)); /* a trailing slash is allowed on a new dir */
	T(close(open("a/f", O_WRONLY | O_CREAT, 0644)));
	T(mkdir("a/f", 0755));
	T(mkdir("a/f/g", 0755));
	T(mkdir("", 0755));

	int top, adir;
	T(top = open(".", O_RDONLY | O_DIRECTORY));
	T(adir = open("a", O_RDONLY | O_DIRECTORY));
	T(chdir("a/b"));
	cwd();
	/* Relative *at paths still start at the directories opened above. */
	T(mkdirat(adir, "m", 0700));
	T(mkdirat(top, "top-m", 0700));
	T(mkdirat(AT_FDCWD, "here", 0700));
	T(close(openat(adir, "m/file", O_WRONLY | O_CREAT, 0600)));
	struct stat st;
	T(fstatat(top, "a/m/file", &st, 0));
	T(fstatat(AT_FDCWD, "here", &st, 0));
	T(fstatat(AT_FDCWD, "../m", &st, 0));
	T(chdir(".."));
	cwd();
	T(chdir("f"));
	T(chdir("missing"));
	T(chdir(""));
	T(fchdir(top));
	cwd();
	T(fchdir(adir));
	cwd();
	int ffd;
	T(ffd = open("f", O_RDONLY));
	T(fchdir(ffd));
	T(fchdir(99));
	T(chdir("/"));
	cwd();
	T(fchdir(top));
	cwd();
	T(chdir("a/b/../x/."));
	cwd();
	T(chdir("../.."));
	cwd();

	/* Removing. */
	T(rmdir("a"));
	T(rmdir("a/f"));
	T(rmdir("a/missing"));
	T(rmdir("a/x/."));
	T(rmdir("a/x/"));
	T(unlink("a/b"));
	T(unlink("a/f/"));
	T(unlink("a/f"));
	T(unlink("a/f"));
	T(unlinkat(adir, "m", 0));
	T(unlinkat(adir, "m", AT_REMOVEDIR));
	T(unlinkat(adir, "m/file", AT_REMOVEDIR));
	T(unlinkat(adir, "m/file", 0));
	T(unlinkat(adir, "m", AT_REMOVEDIR));
	T(unlinkat(adir, "b", 0x1234));
	T(unlinkat(top, "top-m", AT_REMOVEDIR));
	T(unlinkat(ffd, "x", 0));
	T(rmdir("a/b/here"));
	T(rmdir("a/b"));
	T(symlink("a", "la"));
	T(rmdir("la"));
	T(unlink("la"));
	T(rmdir("a"));
	T(rmdir("."));
	T(rmdir("a"));
	T(access("a", F_OK));

	/* The cwd removed under the process. */
	T(mkdir("gone", 0755));
	T(chdir("gone"));
	T(rmdir("../gone"));
	T(close(open("x", O_WRONLY | O_CREAT, 0644)));
	T(mkdir("y", 0755));
	T(fchdir(top));
	T(access("gone", F_OK));
	T(close(ffd));
	T(close(adir));
	T(close(top));
	return 0;
}
