/*
 * execve's errors: a missing file or directory in the path (ENOENT), no
 * execute permission or a directory (EACCES), neither ELF nor `#!`
 * (ENOEXEC), an empty `#!` line (ENOEXEC), a missing interpreter (ENOENT),
 * an argument longer than MAX_ARG_STRLEN (E2BIG), a bad pointer (EFAULT).
 * The caller carries on after each failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void make(const char *name, const char *text, mode_t mode)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(name);
		exit(1);
	}
	close(fd);
	chmod(name, mode);
}

static void try(const char *what, const char *path, char **args)
{
	errno = 0;
	int r = execve(path, args, (char *[]){NULL});
	printf("%-22s %d %s\n", what, r, strerror(errno));
}

int main(void)
{
	char *args[] = {"x", NULL};
	make("noexec", "#!/bin/sh\n", 0644);
	make("garbage", "just some text\n", 0755);
	make("empty", "", 0755);
	make("blank-shebang", "#!   \n", 0755);
	make("no-interp", "#!/no/such/interpreter\n", 0755);
	mkdir("dir", 0755);
	try("missing", "./missing", args);
	try("missing dir", "./nodir/prog", args);
	try("not a dir", "./garbage/prog", args);
	try("no execute bit", "./noexec", args);
	try("directory", "./dir", args);
	try("garbage", "./garbage", args);
	try("empty file", "./empty", args);
	try("blank #!", "./blank-shebang", args);
	try("missing interpreter", "./no-interp", args);
	char *big = malloc(200000);
	memset(big, 'a', 199999);
	big[199999] = 0;
	try("argument too long", "./garbage", (char *[]){"x", big, NULL});
	try("bad argv pointer", "./garbage", (char *[]){"x", (char *)8, NULL});
	unlink("noexec");
	unlink("garbage");
	unlink("empty");
	unlink("blank-shebang");
	unlink("no-interp");
	rmdir("dir");
	printf("still here\n");
	return 0;
}
