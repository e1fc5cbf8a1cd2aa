/*
 * EACCES from the mode bits once the process is no longer root: as root,
 * make files and directories with chosen modes; drop to nobody (65534)
 * with setgroups/setresgid/setresuid; then open for reading and writing,
 * search through a 0700 directory, create and remove in a directory
 * without write permission, access(2), execve of a file without x bits,
 * chmod, chown and utimensat of others' files (EPERM, EACCES), and the way
 * back to root refused (EPERM). (Hard links are left out:
 * Linux's protected_hardlinks answers EPERM before the directory check.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	write(fd, text, strlen(text));
	close(fd);
	chmod(path, mode);
}

static void ids(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("uid %u %u %u gid %u %u %u groups %d\n", r, e, s, gr, ge, gs,
	       getgroups(0, NULL));
	/* /proc/self/status says the same. */
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) ||
		    !strncmp(line, "Groups:", 7))
			fputs(line, stdout);
	if (f)
		fclose(f);
}

int main(void)
{
	umask(0);
	/* The run's directory is root's 0700: let nobody search it. */
	T(chmod(".", 0755));
	T(mkdir("open", 0755));
	put("open/r", "readable", 0644);
	put("open/secret", "secret", 0600);
	put("open/w", "writable", 0666);
	T(mkdir("closed", 0700));
	put("closed/f", "hidden", 0644);
	T(mkdir("ro", 0555));
	T(mkdir("shared", 0777));
	put("noexec", "#!/bin/sh\nexit 0\n", 0644);

	gid_t some[2] = {5, 7};
	T(setgroups(2, some));
	ids();
	T(setgroups(0, NULL));
	T(setresgid(65534, 65534, 65534));
	T(setresuid(65534, 65534, 0)); /* keeps a saved root */
	ids();
	T(seteuid(0)); /* back through the saved id */
	ids();
	T(setresuid(65534, 65534, 65534));
	ids();

	int fd;
	T(fd = open("open/r", O_RDONLY));
	T(close(fd));
	T(open("open/r", O_WRONLY));
	T(open("open/r", O_RDWR));
	T(open("open/secret", O_RDONLY));
	T(fd = open("open/w", O_RDWR));
	T(close(fd));
	T(open("open/w", O_RDONLY | O_TRUNC));
	T(open("closed/f", O_RDONLY));
	T(open("closed/missing", O_RDONLY));
	T(open("closed", O_RDONLY | O_DIRECTORY));
	T(fd = open("open", O_RDONLY | O_DIRECTORY));
	T(close(fd));
	struct stat st;
	T(stat("closed/f", &st));
	T(stat("closed", &st));
	T(chdir("closed"));
	T(open("open/new", O_WRONLY | O_CREAT, 0644));
	T(mkdir("ro/d", 0755));
	/* The name is looked up before the directory's permission. */
	T(mkdir("open/r", 0755));
	T(unlink("open/missing"));
	T(rmdir("open/missing"));
	T(symlink("x", "open/r"));
	T(rename("open/missing", "shared/x"));
	T(unlink("open/r"));
	T(rename("open/r", "shared/r"));
	T(symlink("r", "open/l"));
	T(rmdir("ro"));
	T(fd = open("shared/mine", O_WRONLY | O_CREAT, 0600));
	T(close(fd));
	T(fstatat(AT_FDCWD, "shared/mine", &st, 0));
	printf("mine: owner %u group %u mode %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
	/* Only the owner changes modes and times; chown keeps the owner. */
	T(chmod("open/w", 0600));
	T(chmod("shared/mine", 0640));
	T(chown("shared/mine", 65534, 65534));
	T(chown("shared/mine", -1, 0));
	T(chown("shared/mine", 0, -1));
	T(chown("open/w", -1, 65534));
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	T(utimensat(AT_FDCWD, "open/w", old, 0));
	T(utimensat(AT_FDCWD, "open/w", NULL, 0)); /* "now": write permission will do */
	T(utimensat(AT_FDCWD, "open/r", NULL, 0));
	T(utimensat(AT_FDCWD, "shared/mine", old, 0));
	T(fstatat(AT_FDCWD, "shared/mine", &st, 0));
	printf("mine: mode %o mtime %ld\n", st.st_mode & 07777, (long)st.st_mtime);
	T(symlink("mine", "shared/ln"));
	T(mkfifo("shared/fifo", 0600));
	T(fstatat(AT_FDCWD, "shared/ln", &st, AT_SYMLINK_NOFOLLOW));
	printf("ln: owner %u group %u\n", st.st_uid, st.st_gid);
	T(fstatat(AT_FDCWD, "shared/fifo", &st, 0));
	printf("fifo: owner %u group %u\n", st.st_uid, st.st_gid);
	T(unlink("shared/ln"));
	T(unlink("shared/fifo"));
	T(mkdir("shared/d", 0700));
	T(rmdir("shared/d"));
	T(unlink("shared/mine"));
	T(access("open/r", R_OK));
	T(access("open/r", W_OK));
	T(access("open/secret", R_OK));
	T(access("closed/f", F_OK));
	T(access("noexec", X_OK));
	char *argv[] = {"noexec", NULL};
	T(execve("./noexec", argv, NULL));
	T(setresuid(0, 0, 0));
	T(setuid(0));
	T(setgroups(0, NULL));
	ids();
	return 0;
}
