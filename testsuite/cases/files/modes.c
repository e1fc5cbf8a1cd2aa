/*
 * Permissions: umask applied to open, creat, mkdir and symlink-free
 * creations; chmod, fchmod and fchmodat (through links, set-id and sticky
 * bits); access and faccessat answers that follow the mode bits (as root,
 * read and write are always granted and execute needs some x bit).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void perm(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		printf("  %s: %s\n", path, ename(errno));
	else
		printf("  %s: %04o\n", path, st.st_mode & 07777);
}

static void access_all(const char *path)
{
	printf("  access %s: F=%d R=%d W=%d X=%d RW=%d\n", path, access(path, F_OK),
	       access(path, R_OK), access(path, W_OK), access(path, X_OK), access(path, R_OK | W_OK));
}

int main(void)
{
	printf("root: %s\n", geteuid() == 0 ? "yes" : "no");
	T(umask(022));
	T(umask(027)); /* returns the old mask */
	T(close(open("u027", O_WRONLY | O_CREAT, 0777)));
	perm("u027");
	T(mkdir("d027", 0777));
	perm("d027");
	T(umask(0));
	T(close(open("u000", O_WRONLY | O_CREAT, 0666)));
	perm("u000");
	T(close(creat("c000", 0751)));
	perm("c000");
	T(mkdir("d000", 01777));
	perm("d000");
	T(umask(0777));
	T(close(open("u777", O_WRONLY | O_CREAT, 0666)));
	perm("u777");
	T(mkdir("d777", 0777));
	perm("d777");
	T(umask(022));
	/* An existing file's mode is not changed by O_CREAT. */
	T(close(open("u000", O_WRONLY | O_CREAT, 0600)));
	perm("u000");

	T(chmod("u027", 0600));
	perm("u027");
	T(chmod("u027", 04755));
	perm("u027");
	T(chmod("u027", 02711));
	perm("u027");
	T(chmod("d027", 01755));
	perm("d027");
	T(chmod("missing", 0644));
	T(chmod("u027/", 0644));
	T(symlink("u000", "link"));
	T(chmod("link", 0640)); /* follows the link */
	perm("u000");
	int fd, dfd;
	T(fd = open("u000", O_RDONLY));
	T(fchmod(fd, 0604));
	perm("u000");
	T(close(fd));
	T(fchmod(fd, 0604));
	T(dfd = open("d027", O_RDONLY | O_DIRECTORY));
	T(close(openat(dfd, "in", O_WRONLY | O_CREAT, 0644)));
	T(fchmodat(dfd, "in", 0400, 0));
	perm("d027/in");
	T(fchmodat(AT_FDCWD, "link", 0644, 0));
	perm("u000");
	T(fchmodat(dfd, "missing", 0644, 0));
	T(close(dfd));

	/* access, faccessat. */
	T(chmod("u027", 0700));
	access_all("u027");
	T(chmod("u027", 0400));
	access_all("u027");
	T(chmod("u027", 0000));
	access_all("u027");
	T(chmod("u027", 0001));
	access_all("u027");
	access_all("d027");
	access_all("missing");
	access_all("link");
	access_all("u027/x");
	T(access("u027", 8));
	T(faccessat(AT_FDCWD, "u000", R_OK, 0));
	T(faccessat(AT_FDCWD, "link", F_OK, AT_SYMLINK_NOFOLLOW));
	T(symlink("missing", "dangling"));
	T(faccessat(AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
	T(faccessat(AT_FDCWD, "dangling", F_OK, 0));
	T(faccessat(AT_FDCWD, "u000", F_OK, 0x1234));
	return 0;
}
