/* pthread_kill to a thread blocked in read(): the handler runs on that
 * thread (its own tid and stack), the read fails with EINTR there, and the
 * main thread, which blocks the signal, never sees it. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fds[2];
static volatile pid_t handler_tid, reader_tid;
static volatile int started;

static void on_usr1(int sig)
{
	(void)sig;
	handler_tid = (pid_t)syscall(SYS_gettid);
}

static void *reader(void *arg)
{
	(void)arg;
	reader_tid = (pid_t)syscall(SYS_gettid);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	started = 1;
	char c;
	ssize_t r = read(fds[0], &c, 1);
	printf("reader: read=%zd EINTR: %s\n", r, r < 0 && errno == EINTR ? "yes" : "no");
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pipe(fds) != 0)
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, reader, NULL);
	while (!started)
		usleep(1000);
	usleep(50000); /* let it block in read */
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	printf("handler ran on the reader: %s\n", handler_tid == reader_tid ? "yes" : "no");
	/* Process-directed, blocked by the only thread left: pending, then taken. */
	kill(getpid(), SIGUSR1);
	int sig = 0;
	sigwait(&set, &sig);
	printf("sigwait got %d\n", sig);
	return 0;
}
