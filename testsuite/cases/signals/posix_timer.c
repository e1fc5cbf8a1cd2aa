/*
 * POSIX timers: SIGEV_SIGNAL with a value caught by an SA_SIGINFO handler
 * (SI_TIMER, the value), timer_gettime while armed, a periodic timer's
 * overrun count while its signal is blocked, SIGEV_THREAD_ID aimed at
 * another thread, and SIGEV_NONE polled by timer_gettime.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught, caught_code, caught_value;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	caught++;
	caught_code = si->si_code;
	caught_value = si->si_value.sival_int;
}

static pid_t worker_tid;
static volatile int worker_got;

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = syscall(SYS_gettid);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	siginfo_t si;
	int sig = sigwaitinfo(&set, &si);
	worker_got = sig == SIGRTMIN + 1 && si.si_code == SI_TIMER ? si.si_value.sival_int : -1;
	return NULL;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);

	timer_t t;
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 1234;
	printf("create: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &t));
	struct itimerspec its = {.it_value = {0, 20000000}}, cur;
	timer_settime(t, 0, &its, NULL);
	timer_gettime(t, &cur);
	printf("armed: %s\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 ? "yes" : "no");
	while (!caught)
		pause();
	printf("caught %d code %s value %d\n", (int)caught, caught_code == SI_TIMER ? "SI_TIMER" : "other", (int)caught_value);

	/* Periodic with the signal blocked: one pending signal, overruns counted. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &block, NULL);
	its.it_value.tv_nsec = 5000000;
	its.it_interval.tv_nsec = 5000000;
	timer_settime(t, 0, &its, NULL);
	usleep(60000);
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_nsec = 0;
	caught = 0;
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	int overrun = timer_getoverrun(t);
	timer_settime(t, 0, &its, NULL);
	printf("periodic: caught %d, overrun at least 5: %s\n", (int)caught, overrun >= 5 ? "yes" : "no");
	printf("delete: %d\n", timer_delete(t));
	{
		int rc = timer_gettime(t, &cur);
		printf("deleted: %d %s\n", rc, strerror(errno));
	}

	/* SIGEV_THREAD_ID: the signal goes to the worker thread. */
	sigset_t rt1;
	sigemptyset(&rt1);
	sigaddset(&rt1, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &rt1, NULL);
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	while (!worker_tid)
		usleep(1000);
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGRTMIN + 1;
	ev.sigev_value.sival_int = 99;
	/* sigev_notify_thread_id: the union after signo and notify. */
	*(pid_t *)((char *)&ev + 16) = worker_tid;
	printf("thread timer: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &t));
	its.it_value.tv_nsec = 10000000;
	timer_settime(t, 0, &its, NULL);
	pthread_join(th, NULL);
	printf("worker got value %d\n", worker_got);
	timer_delete(t);

	/* SIGEV_NONE: only timer_gettime tells. */
	ev.sigev_notify = SIGEV_NONE;
	timer_create(CLOCK_MONOTONIC, &ev, &t);
	its.it_value.tv_sec = 100;
	its.it_value.tv_nsec = 0;
	timer_settime(t, 0, &its, NULL);
	timer_gettime(t, &cur);
	printf("SIGEV_NONE remaining > 99 s: %s\n", cur.it_value.tv_sec >= 99 ? "yes" : "no");
	timer_delete(t);

	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 1000;
	{
		int rc = timer_create(CLOCK_MONOTONIC, &ev, &t);
		printf("bad signal: %d %s\n", rc, strerror(errno));
	}
	return 0;
}
