/* SIGPIPE ignored: the write fails with EPIPE. SIGPIPE caught: the handler
 * runs and the write still fails with EPIPE. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int hits;

static void on_pipe(int sig)
{
	(void)sig;
	hits++;
}

int main(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		return 1;
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	ssize_t r = write(fds[1], "x", 1);
	printf("ignored: write=%zd EPIPE: %s\n", r, r < 0 && errno == EPIPE ? "yes" : "no");
	signal(SIGPIPE, on_pipe);
	r = write(fds[1], "x", 1);
	printf("caught: write=%zd EPIPE: %s hits=%d\n", r, r < 0 && errno == EPIPE ? "yes" : "no", hits);
	return 0;
}
