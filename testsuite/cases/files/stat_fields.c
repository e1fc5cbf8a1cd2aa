/*
 * stat, lstat, fstat, fstatat (newfstatat) and statx: the fields that are
 * stable from run to run (type, permissions, size, link count, owner as
 * "is it me"), through symlinks or not, and the errors of bad paths.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

/* Linux's struct statx, declared here: older musl has no statx wrapper. */
struct statx_buf {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	char rest[256 - 64];
};
#define BASIC 0x7ffu /* BASIC */
#define statx(dirfd, path, flags, mask, buf) syscall(SYS_statx, dirfd, path, flags, mask, buf)

static void show(const char *what, const struct stat *st)
{
	const char *type = S_ISREG(st->st_mode) ? "reg" : S_ISDIR(st->st_mode) ? "dir"
		: S_ISLNK(st->st_mode) ? "lnk" : "other";
	/* A symlink's and a directory's size are filesystem-specific. */
	long long size = S_ISREG(st->st_mode) ? (long long)st->st_size : -1;
	printf("  %s: %s perm=%04o size=%lld nlink=%ld mine=%d/%d blksize>0=%d\n", what, type,
	       st->st_mode & 07777, size, S_ISDIR(st->st_mode) ? -1L : (long)st->st_nlink,
	       st->st_uid == getuid(), st->st_gid == getgid(), st->st_blksize > 0);
}

static void show_statx(const char *what, const struct statx_buf *sx)
{
	printf("  %s: basic=%d mode=%06o size=%lld nlink=%d mine=%d\n", what,
	       (sx->stx_mask & BASIC) == BASIC, sx->stx_mode,
	       S_ISREG(sx->stx_mode) ? (long long)sx->stx_size : -1,
	       S_ISDIR(sx->stx_mode) ? -1 : (int)sx->stx_nlink, sx->stx_uid == getuid());
}

int main(void)
{
	struct stat st, st2;
	struct statx_buf sx;
	int fd;
	umask(022);
	T(fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0640));
	T(write(fd, "12345", 5));
	T(fstat(fd, &st));
	show("fstat f", &st);
	T(stat("f", &st2));
	show("stat f", &st2);
	printf("same ino/dev: %s\n", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev ? "yes" : "no");
	T(mkdir("d", 0751));
	T(stat("d", &st));
	show("stat d", &st);
	T(symlink("f", "l"));
	T(stat("l", &st));
	show("stat l", &st);
	T(lstat("l", &st));
	show("lstat l", &st);
	printf("lstat l size = strlen(target): %s\n", st.st_size == 1 ? "yes" : "no");
	T(lstat("f", &st));
	show("lstat f", &st);
	T(symlink("nowhere", "dangling"));
	T(stat("dangling", &st));
	T(lstat("dangling", &st));
	show("lstat dangling", &st);

	int dfd;
	T(dfd = open("d", O_RDONLY | O_DIRECTORY));
	T(close(openat(dfd, "in", O_WRONLY | O_CREAT, 0600)));
	T(fstatat(dfd, "in", &st, 0));
	show("fstatat d/in", &st);
	T(fstatat(AT_FDCWD, "l", &st, AT_SYMLINK_NOFOLLOW));
	show("fstatat l nofollow", &st);
	T(fstatat(AT_FDCWD, "l", &st, 0));
	show("fstatat l", &st);
	T(fstatat(fd, "", &st, AT_EMPTY_PATH));
	show("fstatat fd empty", &st);
	T(fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH));
	show("fstatat cwd empty", &st);
	T(fstatat(AT_FDCWD, "", &st, 0));
	T(fstatat(fd, "x", &st, 0));
	T(fstatat(dfd, "in", &st, 0x4000000));
	T(fstatat(99, "in", &st, 0));

	T(statx(AT_FDCWD, "f", 0, BASIC, &sx));
	show_statx("statx f", &sx);
	T(statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, BASIC, &sx));
	show_statx("statx l nofollow", &sx);
	T(statx(dfd, "in", 0, BASIC, &sx));
	show_statx("statx d/in", &sx);
	T(statx(fd, "", AT_EMPTY_PATH, BASIC, &sx));
	show_statx("statx fd", &sx);
	T(statx(AT_FDCWD, "missing", 0, BASIC, &sx));

	T(stat("missing", &st));
	T(stat("f/x", &st));
	T(stat("f/", &st));
	T(stat("", &st));
	T(lstat("l/", &st)); /* trailing slash follows the link, to a file */
	T(stat("d/", &st));
	show("stat d/", &st);
	T(fstat(99, &st));
	T(fstat(0, &st) == 0 && S_ISCHR(st.st_mode) ? 1 : 0); /* /dev/null stdin */
	T(ftruncate(fd, 3));
	T(fstat(fd, &st));
	show("fstat f after ftruncate", &st);
	T(close(fd));
	T(close(dfd));
	return 0;
}
