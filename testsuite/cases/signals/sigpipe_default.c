/* A write to a pipe whose reader is gone: the default action of SIGPIPE
 * kills the writer. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		return 1;
	close(fds[0]);
	/* Rust and shells may leave SIGPIPE ignored: this case wants the default. */
	signal(SIGPIPE, SIG_DFL);
	printf("writing to a closed pipe\n");
	fflush(stdout);
	if (write(fds[1], "x", 1) < 0)
		perror("write");
	printf("still alive\n");
	return 0;
}
