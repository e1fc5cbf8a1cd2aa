/*
 * open, openat and creat flags: O_CREAT|O_EXCL, O_TRUNC, O_APPEND writing at
 * the end, O_DIRECTORY on a file, O_NOFOLLOW on a symlink, a trailing slash
 * on a file, a missing directory, writing a directory, over-long names.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
	int fd;
	T(fd = open("f", O_WRONLY | O_CREAT | O_EXCL, 0644));
	T(write(fd, "hello", 5));
	T(close(fd));
	T(open("f", O_WRONLY | O_CREAT | O_EXCL, 0644));
	T(fd = open("f", O_RDONLY | O_CREAT, 0644)); /* exists: just opened */
	T(close(fd));
	show_file("f");

	T(fd = open("f", O_WRONLY | O_TRUNC));
	T(write(fd, "ab", 2));
	T(close(fd));
	show_file("f");
	/* O_TRUNC with O_RDONLY is unspecified by POSIX; Linux truncates. */

	T(fd = open("f", O_WRONLY | O_APPEND));
	T(lseek(fd, 0, SEEK_SET));
	T(write(fd, "cd", 2));
	T(lseek(fd, 0, SEEK_CUR));
	T(pwrite(fd, "Z", 1, 0)); /* Linux: pwrite on O_APPEND appends too */
	T(close(fd));
	show_file("f");

	T(fd = open("f", O_RDWR | O_APPEND));
	char b[8] = {0};
	T(read(fd, b, 2));
	printf("read %s\n", b);
	T(write(fd, "!", 1));
	T(lseek(fd, 0, SEEK_CUR));
	T(close(fd));
	show_file("f");

	T(fd = creat("c", 0600));
	T(write(fd, "x", 1));
	T(read(fd, b, 1)); /* creat is write-only */
	T(close(fd));
	T(fd = creat("c", 0600)); /* truncates */
	T(close(fd));
	struct stat st;
	T(stat("c", &st));
	printf("c size %lld\n", (long long)st.st_size);

	T(mkdir("d", 0755));
	T(open("f", O_RDONLY | O_DIRECTORY));
	T(fd = open("d", O_RDONLY | O_DIRECTORY));
	T(close(fd));
	T(open("d", O_WRONLY));
	T(open("d", O_RDWR));
	T(open("d", O_WRONLY | O_CREAT, 0644));
	T(fd = open("d", O_RDONLY));
	T(read(fd, b, 1));
	T(write(fd, "x", 1));
	T(close(fd));
	T(open("d/", O_RDONLY));
	T(open("f/", O_RDONLY));
	T(open("f/", O_RDONLY | O_CREAT, 0644));
	T(open("new/", O_RDONLY | O_CREAT, 0644));
	T(open("f/x", O_RDONLY));
	T(open("nodir/x", O_RDONLY));
	T(open("nodir/x", O_WRONLY | O_CREAT, 0644));
	T(open("missing", O_RDONLY));
	T(open("", O_RDONLY));

	T(symlink("f", "lf"));
	T(symlink("missing", "dangling"));
	T(open("lf", O_RDONLY | O_NOFOLLOW));
	T(fd = open("lf", O_RDONLY));
	T(read(fd, b, 3));
	T(close(fd));
	T(open("dangling", O_RDONLY));
	T(fd = open("dangling", O_WRONLY | O_CREAT, 0644)); /* creates the target */
	T(close(fd));
	T(access("missing", F_OK));
	T(open("lf", O_WRONLY | O_CREAT | O_EXCL, 0644));
	T(symlink("d", "ld"));
	T(fd = open("ld/", O_RDONLY | O_NOFOLLOW)); /* trailing slash follows */
	T(close(fd));

	char name[300];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = 0;
	T(open(name, O_RDONLY));
	T(open(name, O_WRONLY | O_CREAT, 0644));
	char *path = malloc(PATH_MAX + 10);
	for (int i = 0; i < PATH_MAX + 8; i += 2)
		path[i] = 'a', path[i + 1] = '/';
	path[PATH_MAX + 8] = 0;
	T(open(path, O_RDONLY));

	int dfd;
	T(dfd = open("d", O_RDONLY | O_DIRECTORY));
	T(fd = openat(dfd, "in", O_WRONLY | O_CREAT | O_EXCL, 0644));
	T(close(fd));
	T(openat(dfd, "in", O_WRONLY | O_CREAT | O_EXCL, 0644));
	T(fd = openat(AT_FDCWD, "d/in", O_RDONLY));
	T(close(fd));
	int ffd;
	T(ffd = open("f", O_RDONLY));
	T(openat(ffd, "x", O_RDONLY));
	T(openat(99, "x", O_RDONLY));
	T(fd = openat(99, "/dev/null", O_RDONLY)); /* absolute: dirfd ignored */
	T(close(fd));
	T(close(ffd));
	T(close(dfd));
	return 0;
}
