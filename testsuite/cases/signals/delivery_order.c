/*
 * Delivery order and masks: with everything blocked, standard signals
 * raised in a scrambled order are each pending once however often raised,
 * real-time signals queue every instance with its value; unblocking
 * delivers the standard ones lowest number first, then the real-time ones
 * by number and, within one number, in the order sent. (Every pending
 * signal gets its frame before any handler runs, so the handlers run in
 * the reverse order: the last frame built is on top.) A handler's sa_mask
 * holds back another signal until it returns.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int seen[64];
static int values[64];
static volatile int n;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (n < 64) {
		seen[n] = sig;
		values[n] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
		n++;
	}
}

static void catch(int sig, int also_block)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (also_block)
		sigaddset(&sa.sa_mask, also_block);
	sigaction(sig, &sa, NULL);
}

static const char *nm(int sig)
{
	static char buf[16];
	if (sig >= SIGRTMIN) {
		snprintf(buf, sizeof buf, "RTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	switch (sig) {
	case SIGHUP: return "HUP";
	case SIGUSR1: return "USR1";
	case SIGUSR2: return "USR2";
	case SIGALRM: return "ALRM";
	case SIGTERM: return "TERM";
	case SIGWINCH: return "WINCH";
	default: snprintf(buf, sizeof buf, "%d", sig); return buf;
	}
}

static void show(const char *what)
{
	printf("%s:", what);
	for (int i = 0; i < n; i++) {
		printf(" %s", nm(seen[i]));
		if (values[i] >= 0)
			printf("(%d)", values[i]);
	}
	printf("\n");
	n = 0;
}

int main(void)
{
	int sigs[] = {SIGUSR2, SIGHUP, SIGUSR1, SIGTERM, SIGALRM, SIGWINCH};
	for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++)
		catch(sigs[i], 0);
	catch(SIGRTMIN, 0);
	catch(SIGRTMIN + 2, 0);
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		raise(sigs[i]);
		raise(sigs[i]);
	}
	union sigval v;
	for (int i = 0; i < 3; i++) {
		v.sival_int = 20 + i;
		sigqueue(getpid(), SIGRTMIN + 2, v);
		v.sival_int = 10 + i;
		sigqueue(getpid(), SIGRTMIN, v);
	}
	sigset_t pend;
	sigpending(&pend);
	printf("pending:");
	for (int s = 1; s < 65; s++)
		if (sigismember(&pend, s))
			printf(" %s", nm(s));
	printf("\n");
	sigprocmask(SIG_SETMASK, &old, NULL);
	show("delivered");

	/* SIGUSR1's handler blocks SIGUSR2: raised inside, it waits. */
	catch(SIGUSR1, SIGUSR2);
	sigprocmask(SIG_BLOCK, &all, NULL);
	raise(SIGUSR2);
	raise(SIGUSR1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	show("USR1 first, blocking USR2");
	return 0;
}
