/* alarm() interrupting a blocking read on an empty pipe: without SA_RESTART
 * the read fails with EINTR; with SA_RESTART it is restarted and reads the
 * byte the handler wrote. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fds[2];
static volatile int hits;

static void on_alarm(int sig)
{
	(void)sig;
	hits++;
	if (write(fds[1], "x", 1) != 1)
		hits += 100;
}

static void arm(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

int main(void)
{
	char c;
	if (pipe(fds) != 0)
		return 1;
	arm(0);
	alarm(1);
	ssize_t r = read(fds[0], &c, 1);
	printf("no SA_RESTART: read=%zd EINTR: %s hits=%d\n", r, r < 0 && errno == EINTR ? "yes" : "no", hits);
	/* Drain the byte the handler wrote. */
	if (read(fds[0], &c, 1) != 1)
		return 1;
	arm(SA_RESTART);
	alarm(1);
	r = read(fds[0], &c, 1);
	printf("SA_RESTART: read=%zd byte=%c hits=%d\n", r, r == 1 ? c : '?', hits);
	printf("alarm left: %u\n", alarm(0));
	return 0;
}
