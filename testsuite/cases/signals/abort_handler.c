/* abort() with a SIGABRT handler that returns: the handler runs, and abort
 * still kills the process with SIGABRT. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_abrt(int sig)
{
	(void)sig;
	static const char msg[] = "SIGABRT handler ran\n";
	if (write(1, msg, sizeof msg - 1) < 0)
		_exit(3);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_abrt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
	abort();
}
