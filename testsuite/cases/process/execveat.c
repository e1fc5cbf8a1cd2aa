/*
 * execveat: relative to a directory fd, fexecve (AT_EMPTY_PATH on an fd of
 * the program itself), and AT_SYMLINK_NOFOLLOW refusing a final symlink
 * with ELOOP; bad flags are EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int execveat_(int dirfd, const char *path, char **argv, char **envp, int flags)
{
	return syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

static void wait_child(const char *how, pid_t pid)
{
	int status;
	waitpid(pid, &status, 0);
	printf("%s: exit %d\n", how, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("new image via %s\n", argv[1]);
		return 3;
	}
	char *self = argv[0];
	char *slash = strrchr(self, '/');
	char dir[4096];
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - self), self);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	symlink(self, "link");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execveat_(dfd, slash + 1, (char *[]){"x", "dirfd", NULL}, (char *[]){NULL}, 0);
		_exit(99);
	}
	wait_child("dirfd + name", pid);
	pid = fork();
	if (pid == 0) {
		int fd = open(self, O_RDONLY | O_CLOEXEC);
		fexecve(fd, (char *[]){"x", "fexecve", NULL}, (char *[]){NULL});
		_exit(99);
	}
	wait_child("fexecve", pid);
	pid = fork();
	if (pid == 0) {
		execveat_(AT_FDCWD, "link", (char *[]){"x", "symlink", NULL}, (char *[]){NULL}, 0);
		_exit(99);
	}
	wait_child("through a symlink", pid);
	errno = 0;
	int r = execveat_(AT_FDCWD, "link", (char *[]){"x", NULL}, (char *[]){NULL}, AT_SYMLINK_NOFOLLOW);
	printf("AT_SYMLINK_NOFOLLOW on a symlink: %d %s\n", r, strerror(errno));
	errno = 0;
	r = execveat_(AT_FDCWD, "link", (char *[]){"x", NULL}, (char *[]){NULL}, 0x4);
	printf("bad flags: %d %s\n", r, strerror(errno));
	errno = 0;
	r = execveat_(dfd, "", (char *[]){"x", NULL}, (char *[]){NULL}, 0);
	printf("empty path without AT_EMPTY_PATH: %d %s\n", r, strerror(errno));
	unlink("link");
	return 0;
}
