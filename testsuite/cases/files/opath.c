/*
 * An O_PATH fd holds the file it was opened on, not its name: fstat through
 * it after the name is renamed, reused by another file, and unlinked still
 * shows that file. A path walked afresh after each change shows what the
 * name holds now (a symlink, then a directory, then a file).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void put(const char *name, const char *text, int len)
{
	int w;
	T(w = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644));
	T(write(w, text, len));
	T(close(w));
}

int main(void)
{
	struct stat a, b;
	int fd;
	put("f", "hello", 5);
	T(stat("f", &a));
	T(fd = open("f", O_PATH));
	T(rename("f", "g"));
	T(fstat(fd, &b));
	printf("after rename: same %d nlink %ld size %ld\n", a.st_ino == b.st_ino,
	       (long)b.st_nlink, (long)b.st_size);
	put("f", "another file", 12);
	T(fstat(fd, &b));
	printf("name reused: same %d nlink %ld size %ld\n", a.st_ino == b.st_ino,
	       (long)b.st_nlink, (long)b.st_size);
	T(stat("f", &b));
	printf("the name now: size %ld\n", (long)b.st_size);
	T(unlink("g"));
	T(fstatat(fd, "", &b, AT_EMPTY_PATH));
	printf("after unlink: same %d nlink %ld size %ld\n", a.st_ino == b.st_ino,
	       (long)b.st_nlink, (long)b.st_size);
	T(close(fd));

	T(symlink("f", "n"));
	T(lstat("n", &b));
	printf("n is a symlink: %d\n", S_ISLNK(b.st_mode));
	T(unlink("n"));
	T(mkdir("n", 0755));
	T(lstat("n", &b));
	printf("n is a directory: %d\n", S_ISDIR(b.st_mode));
	T(rmdir("n"));
	put("n", "x", 1);
	T(lstat("n", &b));
	printf("n is a file: %d size %ld\n", S_ISREG(b.st_mode), (long)b.st_size);
	T(stat("n/", &b));
	T(unlink("n"));
	T(unlink("f"));
	return 0;
}
