/*
 * posix_spawn, which glibc and musl build on clone(CLONE_VM|CLONE_VFORK)
 * with a separate stack: file actions (a pipe as the child's stdout, a
 * closed fd, an opened file), the child's exit status, and posix_spawnp
 * finding the program by PATH-less absolute name. The child is this
 * program run again with an argument.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		char line[64] = {0};
		ssize_t n = read(0, line, sizeof line - 1);
		printf("child: stdin gave %zd bytes%s%s", n, n > 0 ? ": " : "\n", line);
		printf("child: fd 5 is %s\n", fcntl(5, F_GETFD) < 0 ? "closed" : "open");
		return 23;
	}
	int out[2];
	pipe(out);
	int five = dup2(out[1], 5);
	(void)five;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	posix_spawn_file_actions_addclose(&fa, 5);
	posix_spawn_file_actions_addopen(&fa, 0, "spawn_input.txt", O_RDONLY, 0);
	FILE *f = fopen("spawn_input.txt", "w");
	fputs("from a file action\n", f);
	fclose(f);
	pid_t pid;
	char *args[] = {argv[0], "child", NULL};
	int r = posix_spawn(&pid, argv[0], &fa, NULL, args, environ);
	printf("posix_spawn: %d\n", r);
	close(out[1]);
	close(5);
	char buf[256];
	ssize_t n, total = 0;
	while ((n = read(out[0], buf + total, sizeof buf - 1 - total)) > 0)
		total += n;
	buf[total] = 0;
	fputs(buf, stdout);
	int status;
	pid_t got = waitpid(pid, &status, 0);
	printf("waited: same pid %s, exit %d\n", got == pid ? "yes" : "no", WEXITSTATUS(status));
	posix_spawn_file_actions_destroy(&fa);

	fflush(stdout);
	r = posix_spawnp(&pid, argv[0], NULL, NULL, (char *[]){argv[0], "child", NULL}, environ);
	waitpid(pid, &status, 0);
	printf("posix_spawnp: %d, exit %d\n", r, WEXITSTATUS(status));
	unlink("spawn_input.txt");
	return 0;
}
