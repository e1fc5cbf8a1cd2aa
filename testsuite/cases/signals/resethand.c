/* SA_RESETHAND: the handler runs once and the disposition is SIG_DFL again;
 * without SA_NODEFER the signal is blocked while its handler runs. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile int hits, blocked_inside;

static void on_usr2(int sig)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	blocked_inside = sigismember(&now, sig);
	hits++;
}

int main(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &old);
	printf("hits=%d blocked-inside=%d reset-to-default: %s\n", hits, blocked_inside,
	       old.sa_handler == SIG_DFL ? "yes" : "no");
	/* Ignore it now: a second raise must not run the handler. */
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	printf("hits after ignored raise=%d\n", hits);
	return 0;
}
