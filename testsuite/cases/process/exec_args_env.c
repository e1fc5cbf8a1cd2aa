/*
 * execve of another static program (this one, run again with "child"): the
 * new image gets exactly the argv and envp given (an empty string, one with
 * a space, one with a non-ASCII byte), not the old environment, and the same
 * pid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		printf("argc=%d\n", argc);
		for (int i = 3; i < argc; i++)
			printf("argv[%d]=\"%s\"\n", i, argv[i]);
		int n = 0;
		for (char **e = environ; *e; e++, n++)
			printf("env: %s\n", *e);
		printf("environment strings: %d\n", n);
		printf("same pid: %s\n", atoi(argv[2]) == getpid() ? "yes" : "no");
		return 0;
	}
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	char *args[] = {argv[0], "child", pid, "", "two words", "caf\xc3\xa9", NULL};
	char *env[] = {"A=1", "B=x y", "EMPTY=", NULL};
	fflush(stdout);
	execve(argv[0], args, env);
	perror("execve");
	return 1;
}
