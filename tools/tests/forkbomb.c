/*
 * A bounded fork bomb for `ninux run --max-procs`: the first process forks
 * until fork fails (at most 100 times), every child forks up to four
 * grandchildren, and all of them sleep. The first process prints why its
 * fork failed on stdout and every pid of the run on stderr, then exits
 * without killing anyone: the run's end must.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int pfd[2];

static void note_pid(void)
{
	char line[32];
	int n = snprintf(line, sizeof line, "%d\n", getpid());
	write(pfd[1], line, n);
}

static void child(int depth)
{
	note_pid();
	for (int i = 0; depth < 2 && i < 4; i++)
		if (fork() == 0) {
			child(depth + 1);
			_exit(0);
		}
	for (;;)
		pause();
}

int main(void)
{
	pipe(pfd);
	for (int i = 0; i < 100; i++) {
		pid_t p = fork();
		if (p == 0) {
			child(1);
			_exit(0);
		}
		if (p < 0) {
			printf("fork failed: %s\n", strerror(errno));
			break;
		}
		usleep(2000);
	}
	fflush(stdout);
	close(pfd[1]);
	usleep(100000);
	char buf[16384];
	int n = read(pfd[0], buf, sizeof buf);
	if (n > 0)
		fwrite(buf, 1, n, stderr);
	return 0;
}
