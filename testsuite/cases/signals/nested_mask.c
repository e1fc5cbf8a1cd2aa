/* Nested signals and the mask inside a handler: SIGUSR1's handler blocks
 * SIGUSR2 (sa_mask) and itself; SIGUSR2 raised inside stays pending until
 * the handler returns, while SIGHUP (not blocked) nests at once. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile char order[32];
static volatile int n;
static volatile int usr2_pending_inside, mask_ok;

static void on_usr1(int sig)
{
	(void)sig;
	order[n++] = '1';
	sigset_t now, pend;
	sigprocmask(SIG_BLOCK, NULL, &now);
	mask_ok = sigismember(&now, SIGUSR1) && sigismember(&now, SIGUSR2) && !sigismember(&now, SIGHUP);
	raise(SIGUSR2);
	sigpending(&pend);
	usr2_pending_inside = sigismember(&pend, SIGUSR2);
	raise(SIGHUP);
	order[n++] = '/';
}

static void on_usr2(int sig)
{
	(void)sig;
	order[n++] = '2';
}

static void on_hup(int sig)
{
	(void)sig;
	order[n++] = 'H';
}

static void set(int sig, void (*fn)(int), int also_block)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (also_block)
		sigaddset(&sa.sa_mask, also_block);
	sigaction(sig, &sa, NULL);
}

int main(void)
{
	set(SIGUSR1, on_usr1, SIGUSR2);
	set(SIGUSR2, on_usr2, 0);
	set(SIGHUP, on_hup, 0);
	raise(SIGUSR1);
	order[n] = 0;
	sigset_t after;
	sigprocmask(SIG_BLOCK, NULL, &after);
	printf("order=%s mask-inside: %s usr2-pending-inside: %s\n", (const char *)order, mask_ok ? "yes" : "no",
	       usr2_pending_inside ? "yes" : "no");
	printf("mask restored: %s\n", !sigismember(&after, SIGUSR1) && !sigismember(&after, SIGUSR2) ? "yes" : "no");
	return 0;
}
