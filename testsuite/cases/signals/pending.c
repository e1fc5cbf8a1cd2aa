/* sigprocmask blocking then sigpending: a raised, blocked signal is pending
 * and its handler has not run; unblocking delivers it before sigprocmask
 * returns. sigtimedwait takes a blocked pending signal without a handler,
 * and times out with EAGAIN when none is pending. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile int hits;

static void on_usr1(int sig)
{
	(void)sig;
	hits++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	sigpending(&pend);
	printf("pending USR1: %s USR2: %s hits=%d\n", sigismember(&pend, SIGUSR1) ? "yes" : "no",
	       sigismember(&pend, SIGUSR2) ? "pending" : "none", hits);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	printf("after unblock: hits=%d\n", hits);
	sigpending(&pend);
	printf("still pending: %s\n", sigismember(&pend, SIGUSR1) ? "USR1" : "none");

	raise(SIGUSR2);
	siginfo_t info;
	sigset_t two;
	sigemptyset(&two);
	sigaddset(&two, SIGUSR2);
	int s = sigwaitinfo(&two, &info);
	printf("sigwaitinfo=%d signo=%d code=%d hits=%d\n", s, info.si_signo, info.si_code, hits);
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	s = sigtimedwait(&two, &info, &ts);
	printf("sigtimedwait empty=%d EAGAIN: %s\n", s, s < 0 && errno == EAGAIN ? "yes" : "no");
	return 0;
}
