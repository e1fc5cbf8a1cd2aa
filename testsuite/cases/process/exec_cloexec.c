/*
 * The fd table across execve: an O_CLOEXEC fd and one marked FD_CLOEXEC
 * later are closed, a plain fd and a dup2 of it are kept at their numbers
 * and still share their offset with the old image's (the parent reads on
 * after the child), a pipe is kept, and /dev/null opened by path too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0)
		printf("fd %d: %s\n", fd, strerror(errno));
	else
		printf("fd %d: open, FD_CLOEXEC %s\n", fd, flags & FD_CLOEXEC ? "set" : "clear");
}

static void child(void)
{
	for (int fd = 3; fd <= 9; fd++)
		show(fd);
	char buf[16] = {0};
	printf("read fd 4: \"%.*s\"\n", (int)read(4, buf, 3), buf);
	printf("read dup fd 7: \"%.*s\"\n", (int)read(7, buf, 3), buf);
	printf("read pipe fd 8: \"%.*s\"\n", (int)read(8, buf, 5), buf);
	printf("write /dev/null fd 9: %d\n", (int)write(9, "xyz", 3));
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		child();
		return 0;
	}
	int f = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(f, "0123456789abcdef", 16);
	close(f);
	int a = open("data", O_RDONLY | O_CLOEXEC);      /* 3: closed */
	int b = open("data", O_RDONLY);                  /* 4: kept */
	int c = open("data", O_RDONLY);                  /* 5: closed by F_SETFD */
	fcntl(c, F_SETFD, FD_CLOEXEC);
	int p[2];
	pipe(p);
	dup2(p[0], 8);                                    /* 8: kept */
	dup2(p[1], 11);
	close(p[0]);
	close(p[1]);
	dup2(b, 7);                                       /* 7: a dup of 4 */
	int n = open("/dev/null", O_WRONLY);
	dup2(n, 9);                                       /* 9: kept */
	close(n);
	printf("fds %d %d %d\n", a, b, c);
	char buf[4];
	read(b, buf, 2); /* the child starts at offset 2 */
	write(11, "piped", 5);
	close(11);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execve(argv[0], (char *[]){argv[0], "child", NULL}, (char *[]){NULL});
		perror("execve");
		_exit(1);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* The child read 6 bytes through fds sharing this offset. */
	printf("parent reads on: \"%.*s\"\n", (int)read(b, buf, 3), buf);
	unlink("data");
	return 0;
}
