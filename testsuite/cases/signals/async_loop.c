/* Signals that arrive while guest code runs without syscalls (a timer
 * interrupting a busy loop) are delivered at once, and the loop's registers
 * (integer and SSE) survive every interruption. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile int ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
	/* Clobber FP state the loop relies on. */
	volatile double x = 1.0;
	for (int i = 0; i < 100; i++)
		x = x * 1.5 + 0.25;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	unsigned long n = 0, sum = 0;
	double d = 0;
	while (ticks < 5) {
		n++;
		sum += n;
		d += 0.5;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	/* sum of 1..n, and d = n/2, must match their formulas. */
	unsigned long want = n * (n + 1) / 2;
	printf("ticks>=5: %s sum intact: %s double intact: %s\n", ticks >= 5 ? "yes" : "no",
	       sum == want ? "yes" : "no", d == (double)n / 2 ? "yes" : "no");
	struct itimerval now;
	getitimer(ITIMER_REAL, &now);
	printf("timer disarmed: %s\n", now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0 ? "yes" : "no");
	return 0;
}
