/*
 * rename, renameat and renameat2(RENAME_NOREPLACE): moving files and
 * directories, replacing a file, a directory onto an empty directory, the
 * errors for non-empty targets, type mismatches, moving a directory into
 * itself, and renaming a name onto itself or a hard link of itself.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define NOREPLACE 1 /* RENAME_NOREPLACE; older musl lacks renameat2 */
#define renameat2(a, b, c, d, f) syscall(SYS_renameat2, a, b, c, d, f)

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, text, strlen(text));
	close(fd);
}

int main(void)
{
	put("f1", "one");
	put("f2", "two");
	T(rename("f1", "g"));
	show_file("f1");
	show_file("g");
	T(rename("g", "f2")); /* replaces */
	show_file("f2");
	show_file("g");
	T(rename("missing", "x"));
	T(rename("f2", "nodir/x"));
	T(rename("f2", "f2")); /* itself */
	show_file("f2");
	T(link("f2", "hard"));
	T(rename("f2", "hard")); /* the same file: nothing happens */
	show_file("f2");
	show_file("hard");
	T(unlink("hard"));

	T(mkdir("d", 0755));
	T(mkdir("e", 0755));
	put("d/in", "in");
	T(rename("d", "e")); /* onto an empty dir */
	show_file("e/in");
	T(access("d", F_OK));
	T(mkdir("d", 0755));
	T(rename("d", "e")); /* onto a non-empty dir */
	T(rename("f2", "e")); /* file onto a dir */
	T(rename("e", "f2")); /* dir onto a file */
	T(rename("e", "e/sub")); /* into itself */
	T(mkdir("e/sub", 0755));
	T(rename("e", "e/sub/deeper"));
	T(rename("e/sub", "e/sub"));
	T(rename("e/sub", "top"));
	T(rename("f2/", "x"));
	T(rename("e/", "e2"));
	T(rename("e2/in/", "x"));
	T(rename("e2", "."));
	T(rename(".", "x"));

	/* Symlinks are renamed themselves, not their targets. */
	T(symlink("f2", "l"));
	T(rename("l", "l2"));
	char buf[16] = {0};
	T(readlink("l2", buf, sizeof buf - 1));
	printf("l2 -> %s\n", buf);
	show_file("f2");

	/* renameat with dirfds. */
	int a, b;
	T(mkdir("da", 0755));
	T(mkdir("db", 0755));
	T(a = open("da", O_RDONLY | O_DIRECTORY));
	T(b = open("db", O_RDONLY | O_DIRECTORY));
	put("da/x", "x");
	T(renameat(a, "x", b, "y"));
	show_file("db/y");
	T(renameat(a, "x", b, "y"));
	T(renameat(AT_FDCWD, "f2", b, "f"));
	show_file("db/f");

	/* RENAME_NOREPLACE. */
	put("p", "p");
	put("q", "q");
	T(renameat2(AT_FDCWD, "p", AT_FDCWD, "q", NOREPLACE));
	show_file("p");
	show_file("q");
	T(renameat2(AT_FDCWD, "p", AT_FDCWD, "r", NOREPLACE));
	show_file("r");
	T(renameat2(a, "nothing", b, "z", NOREPLACE));
	T(renameat2(AT_FDCWD, "q", b, "y", NOREPLACE));
	T(renameat2(AT_FDCWD, "q", AT_FDCWD, "q", NOREPLACE));
	T(renameat2(AT_FDCWD, "q", AT_FDCWD, "s", 0));
	T(renameat2(AT_FDCWD, "s", AT_FDCWD, "t", 0x80));
	T(close(a));
	T(close(b));
	return 0;
}
