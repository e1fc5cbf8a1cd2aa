/*
 * A SA_SIGINFO handler for SIGUSR1 sent by raise (tgkill/tkill: SI_TKILL),
 * kill (SI_USER) and sigqueue (SI_QUEUE with a value): si_signo, si_code,
 * si_pid, the handler's three arguments, and that it ran before the sending
 * call returned.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <ucontext.h>

static volatile int hits, got_signo, got_code, got_pid, got_value, arg_sig, ctx_ok;

static void on_usr1(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	hits++;
	arg_sig = sig;
	got_signo = info->si_signo;
	got_code = info->si_code;
	got_pid = info->si_pid;
	got_value = info->si_value.sival_int;
	/* The interrupted context: a real instruction pointer and the mask from before. */
	ctx_ok = uc->uc_mcontext.gregs[REG_RIP] != 0 && !sigismember(&uc->uc_sigmask, SIGUSR1);
}

static const char *code_name(int code)
{
	switch (code) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_QUEUE: return "SI_QUEUE";
	default: return "other";
	}
}

static void report(const char *how)
{
	printf("%s: hits=%d sig=%d signo=%d code=%s pid-matches=%s context: %s\n", how, hits, arg_sig,
	       got_signo, code_name(got_code), got_pid == getpid() ? "yes" : "no", ctx_ok ? "yes" : "no");
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		return 1;
	raise(SIGUSR1);
	report("raise");
	kill(getpid(), SIGUSR1);
	report("kill");
	union sigval v = { .sival_int = 4242 };
	sigqueue(getpid(), SIGUSR1, v);
	report("sigqueue");
	printf("sigqueue value: %d\n", got_value);
	return hits == 3 ? 0 : 1;
}
