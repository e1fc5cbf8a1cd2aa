/* SA_NODEFER re-entrancy: a handler that raises its own signal is entered
 * again at once; without SA_NODEFER the second delivery waits until the
 * first handler returns. The log shows the nesting. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile char log_buf[64];
static volatile int log_len;
static volatile int depth, entries;

static void on_sig(int sig)
{
	(void)sig;
	int me = ++depth;
	log_buf[log_len++] = '(';
	log_buf[log_len++] = '0' + me;
	if (++entries == 1)
		raise(sig);
	log_buf[log_len++] = ')';
	depth--;
}

static void run(int flags, const char *name)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	log_len = 0;
	entries = 0;
	raise(SIGUSR1);
	log_buf[log_len] = 0;
	printf("%s: %s\n", name, (const char *)log_buf);
}

int main(void)
{
	run(SA_NODEFER, "nodefer");
	run(0, "deferred");
	return 0;
}
