/*
 * Calls that make or remove a name, given `.`, `..` or the root as the
 * last element: Linux walks to the directory holding it, then refuses
 * each in its own way (mkdir and the other creators EEXIST, rmdir EINVAL,
 * ENOTEMPTY or EBUSY, unlink EISDIR, rename EBUSY, open with O_CREAT
 * EEXIST or EISDIR). A trailing slash on a new name that is not a
 * directory is ENOENT. Nothing is made or removed: `..` is never taken to
 * mean the directory it leads to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T(call, p)                                                            \
	do {                                                                  \
		errno = 0;                                                    \
		int r_ = (call);                                              \
		printf("%-8s %-12s %s\n", #call, p, r_ < 0 ? strerror(errno) : "ok"); \
		if (r_ > 2)                                                   \
			close(r_);                                            \
	} while (0)

int main(void)
{
	mkdir("d", 0755);
	mkdir("d/sub", 0755);
	mkdir("d/sub/empty", 0755);
	chdir("d/sub/empty");
	const char *p[] = {"/", "//", "/.", "/..", "..", ".", "./", "../empty/.",
			   "../..", "../../sub/..", "no/..", "no/."};
	int n = sizeof p / sizeof *p;
	for (int i = 0; i < n; i++)
		T(mkdir(p[i], 0755), p[i]);
	for (int i = 0; i < n; i++)
		T(rmdir(p[i]), p[i]);
	for (int i = 0; i < n; i++)
		T(unlink(p[i]), p[i]);
	for (int i = 0; i < n; i++)
		T(rename("none", p[i]), p[i]);
	for (int i = 0; i < n; i++)
		T(rename(p[i], "x"), p[i]);
	for (int i = 0; i < n; i++)
		T(symlink("t", p[i]), p[i]);
	for (int i = 0; i < n; i++)
		T(mknod(p[i], S_IFIFO | 0600, 0), p[i]);
	for (int i = 0; i < n; i++)
		T(open(p[i], O_CREAT | O_EXCL | O_WRONLY, 0600), p[i]);
	for (int i = 0; i < n; i++)
		T(open(p[i], O_CREAT | O_RDONLY, 0600), p[i]);
	for (int i = 0; i < n; i++)
		T(link("/proc/self/exe", p[i]), p[i]);

	/* A trailing slash: only mkdir makes such a name. */
	T(symlink("t", "new/"), "new/");
	T(mknod("new/", S_IFIFO | 0600, 0), "new/");
	T(open("new/", O_CREAT | O_WRONLY, 0600), "new/");
	T(mkdir("new/", 0755), "new/");
	T(rmdir("new/"), "new/");

	/* The directories are all still there. */
	struct stat st;
	printf("empty %s, sub %s, d %s\n", stat(".", &st) ? "gone" : "there",
	       stat("..", &st) ? "gone" : "there", stat("../..", &st) ? "gone" : "there");
	chdir("../../..");
	rmdir("d/sub/empty");
	rmdir("d/sub");
	return rmdir("d") ? 1 : 0;
}
