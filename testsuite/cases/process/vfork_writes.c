/*
 * A vfork child borrows its parent's memory: what it writes before it
 * execs or exits is there when the parent goes on. busybox's spawn() and
 * glibc's posix_spawn learn of a failed exec that way, so the parent sees
 * ENOENT from posix_spawn and the errno the child stored. The parent
 * waits for its child alone, not for a grandchild the child forked (busybox
 * timeout's watcher).
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static volatile int global;
static volatile char big[3 * 4096];

int main(void)
{
	volatile int local = 1;
	volatile int failed = 0;
	char *heap = malloc(100);
	strcpy(heap, "parent");

	pid_t pid = vfork();
	if (pid == 0) {
		global = 42;
		local = 7;
		big[0] = 'a';
		big[sizeof big - 1] = 'z';
		strcpy(heap, "child");
		_exit(3);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("after exit: global %d, local %d, big %c%c, heap %s, status %d\n",
	       global, local, big[0], big[sizeof big - 1], heap, WEXITSTATUS(status));

	/* The busybox spawn() pattern: the child stores why exec failed. */
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {"no-such-program", NULL};
		execv("/no/such/dir/no-such-program", argv);
		failed = errno;
		_exit(111);
	}
	waitpid(pid, &status, 0);
	printf("failed exec: errno %s, status %d\n", strerror(failed), WEXITSTATUS(status));

	/* The parent's memory the child did not write stays the parent's. */
	global = 5;
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {"true", NULL};
		execv("/bin/true", argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("after exec: global %d, status %d\n", global, WEXITSTATUS(status));

	/* The grandchild waits for the parent: a parent still waiting for
	 * it would never go on. */
	int gate[2];
	pipe(gate);
	pid = vfork();
	if (pid == 0) {
		if (fork() == 0) {
			char c;
			close(gate[1]);
			_exit(read(gate[0], &c, 1) == 1 ? 0 : 1);
		}
		_exit(4);
	}
	waitpid(pid, &status, 0);
	write(gate[1], "x", 1);
	printf("parent went on while the grandchild lived, status %d\n", WEXITSTATUS(status));

	char *args[] = {"no-such-program", NULL};
	int r = posix_spawn(&pid, "/no/such/dir/no-such-program", NULL, NULL, args, environ);
	printf("posix_spawn of a missing program: %s\n", r ? strerror(r) : "success");
	if (r == 0) {
		waitpid(pid, &status, 0);
		printf("  and the child exited %d\n", WEXITSTATUS(status));
	}
	r = posix_spawnp(&pid, "no-such-program-anywhere", NULL, NULL, args, environ);
	printf("posix_spawnp of a missing program: %s\n", r ? strerror(r) : "success");
	return 0;
}
