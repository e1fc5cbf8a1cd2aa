/*
 * execve of a `#!` script whose interpreter is this program with one
 * argument: the interpreter gets [interp, arg, script as named, args…]. A
 * script whose interpreter is itself a script nests the same way; blanks
 * around the interpreter and its argument are dropped, and the argument is
 * one word however many blanks it holds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void make(const char *name, const char *text)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(name);
		_exit(1);
	}
	close(fd);
}

static void run(char *path, char **args)
{
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		execve(path, args, (char *[]){"S=1", NULL});
		perror("execve");
		_exit(1);
	}
	int status;
	waitpid(child, &status, 0);
	printf("-- exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strncmp(argv[1], "interp", 6) == 0) {
		/* argv[0] is this program's path: not shown (it is the runner's). */
		for (int i = 1; i < argc; i++)
			printf("argv[%d]=\"%s\"\n", i, argv[i]);
		return 0;
	}
	char line[512];
	snprintf(line, sizeof line, "#!%s interp-arg\necho not run\n", argv[0]);
	make("s.sh", line);
	snprintf(line, sizeof line, "#! \t%s   interp with  blanks \t \nx\n", argv[0]);
	make("blanks.sh", line);
	make("nested.sh", "#!./s.sh nested-arg\n");
	run("./s.sh", (char *[]){"s.sh", "one", "two words", NULL});
	run("s.sh", (char *[]){"ignored-argv0", NULL});
	run("./blanks.sh", (char *[]){"b", "x", NULL});
	run("./nested.sh", (char *[]){"n", "last", NULL});
	unlink("s.sh");
	unlink("blanks.sh");
	unlink("nested.sh");
	return 0;
}
