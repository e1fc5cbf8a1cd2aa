/*
 * `..` after a symlink is the parent of where the link points, not the
 * directory holding the link (Linux's physical `..`, where Plan 9's names
 * are lexical): for stat and open, and for the directory of a name made
 * (mkdir, open O_CREAT). `..` below a missing directory is ENOENT, below
 * a file ENOTDIR; at the root it stays there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where `p` leads: the last element of the directory it opens. */
static void show(const char *p)
{
	struct stat st;
	int r = stat(p, &st);
	char where[256] = "-";
	if (r == 0) {
		int fd = open(p, O_RDONLY | O_DIRECTORY);
		char link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, where, sizeof where - 1);
		where[n > 0 ? n : 0] = 0;
		close(fd);
	}
	const char *last = strrchr(where, '/');
	printf("%-20s %s %s\n", p, r ? strerror(errno) : "ok", last ? last : where);
}

int main(void)
{
	mkdir("pd", 0755);
	mkdir("pd/a", 0755);
	mkdir("pd/a/b", 0755);
	mkdir("pd/t", 0755);
	mkdir("pd/t/u", 0755);
	symlink("../t/u", "pd/a/link");
	close(open("pd/a/file", O_CREAT | O_WRONLY, 0644));
	chdir("pd");
	show("a/link/..");
	show("a/link/../u");
	show("a/link/../../a");
	show("a/b/../b");
	show("a/missing/..");
	show("a/file/..");
	show("/../..");
	mkdir("a/link/../made", 0755);
	show("t/made");
	close(open("a/link/../f", O_CREAT | O_WRONLY, 0644));
	printf("t/f made through the link: %s\n", access("t/f", F_OK) == 0 ? "yes" : "no");
	printf("a/f made instead: %s\n", access("a/f", F_OK) == 0 ? "wrongly" : "not at all");
	unlink("t/f");
	rmdir("t/made");
	return 0;
}
