/*
 * truncate and ftruncate: shrinking, growing with zeros, the offset left
 * where it was, errors on directories, read-only fds, negative lengths;
 * fsync and fdatasync on files, directories and bad fds.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void size(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		printf("  %s: %s\n", path, ename(errno));
	else
		printf("  %s: size %lld\n", path, (long long)st.st_size);
}

int main(void)
{
	int fd;
	T(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	T(write(fd, "0123456789", 10));
	T(ftruncate(fd, 4));
	size("f");
	T(lseek(fd, 0, SEEK_CUR)); /* still 10 */
	T(write(fd, "X", 1)); /* leaves a hole 4..10 */
	show_file("f");
	T(ftruncate(fd, 20));
	show_file("f");
	T(ftruncate(fd, 0));
	size("f");
	T(ftruncate(fd, -1));
	T(fsync(fd));
	T(fdatasync(fd));
	T(close(fd));

	T(truncate("f", 3));
	show_file("f");
	T(truncate("f", 6));
	show_file("f");
	T(truncate("f", -5));
	T(truncate("missing", 0));
	T(truncate("f/", 0));
	T(mkdir("d", 0755));
	T(truncate("d", 0));
	T(symlink("f", "l"));
	T(truncate("l", 1)); /* follows the link */
	show_file("f");

	T(fd = open("f", O_RDONLY));
	T(ftruncate(fd, 0));
	T(fsync(fd));
	T(close(fd));
	T(fd = open("d", O_RDONLY | O_DIRECTORY));
	T(ftruncate(fd, 0));
	T(fsync(fd));
	T(close(fd));
	T(ftruncate(99, 0));
	T(fsync(99));
	T(fd = open("f", O_WRONLY | O_APPEND));
	T(ftruncate(fd, 0));
	T(write(fd, "ab", 2));
	show_file("f");
	T(close(fd));
	return 0;
}
