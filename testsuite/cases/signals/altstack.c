/* sigaltstack with SA_ONSTACK: the handler runs on the alternate stack and
 * sigaltstack reports SS_ONSTACK there; a handler without SA_ONSTACK runs on
 * the normal stack; SS_AUTODISARM disarms the stack while the handler runs
 * and rt_sigreturn gives it back. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char *alt;
static size_t alt_size = 1 << 16;
static volatile int on_alt, reported_onstack, reported_disabled;

static void handler(int sig)
{
	(void)sig;
	char here;
	uintptr_t p = (uintptr_t)&here;
	on_alt = p >= (uintptr_t)alt && p < (uintptr_t)alt + alt_size;
	stack_t now;
	sigaltstack(NULL, &now);
	reported_onstack = (now.ss_flags & SS_ONSTACK) != 0;
	reported_disabled = (now.ss_flags & SS_DISABLE) != 0;
}

static void install(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

int main(void)
{
	alt = malloc(alt_size);
	stack_t ss = { .ss_sp = alt, .ss_size = alt_size, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) != 0)
		return 1;
	install(SA_ONSTACK);
	raise(SIGUSR1);
	printf("SA_ONSTACK: on-alt=%d reports-onstack=%d\n", on_alt, reported_onstack);
	install(0);
	raise(SIGUSR1);
	printf("no SA_ONSTACK: on-alt=%d reports-onstack=%d\n", on_alt, reported_onstack);

	ss.ss_flags = SS_AUTODISARM;
	if (sigaltstack(&ss, NULL) != 0) {
		printf("SS_AUTODISARM unsupported\n");
		return 0;
	}
	install(SA_ONSTACK);
	raise(SIGUSR1);
	stack_t after;
	sigaltstack(NULL, &after);
	printf("SS_AUTODISARM: on-alt=%d disabled-inside=%d rearmed-after: %s\n", on_alt,
	       reported_disabled, (after.ss_flags & SS_DISABLE) == 0 && after.ss_sp == alt ? "yes" : "no");
	return 0;
}
