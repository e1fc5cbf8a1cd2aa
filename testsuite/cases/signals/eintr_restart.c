/*
 * EINTR or restart: a timer signal interrupts blocking calls. With
 * SA_RESTART, read on a pipe, write to a full pipe, wait4 and a futex wait
 * (sem_wait) carry on to completion; without it they fail with EINTR.
 * nanosleep, poll, select, epoll_wait and pause fail with EINTR either way,
 * as Linux never restarts them after a handler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static int release_fd = -1;
static sem_t *release_sem;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
	/* The third tick lets a restarted call finish. */
	if (ticks == 3) {
		if (release_fd >= 0) {
			char c = 'x';
			write(release_fd, &c, 1);
		}
		if (release_sem)
			sem_post(release_sem);
	}
}

static void arm(int restart)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	ticks = 0;
	struct itimerval it = {{0, 20000}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
	struct itimerval it = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &it, NULL);
	release_fd = -1;
	release_sem = NULL;
}

static const char *errname(int err)
{
	return err == EINTR ? "EINTR" : err == EAGAIN ? "EAGAIN" : strerror(err);
}

static void report(const char *call, int restart, long r, int err)
{
	printf("%-12s %-10s -> %s (after %s ticks)\n", call, restart ? "SA_RESTART" : "plain",
	       r < 0 ? errname(err) : "completed", ticks >= 3 ? "3+" : ticks >= 1 ? "1+" : "0");
}

int main(void)
{
	for (int restart = 0; restart < 2; restart++) {
		int p[2];
		pipe(p);
		char c;
		release_fd = p[1];
		arm(restart);
		long r = read(p[0], &c, 1);
		int err = errno;
		disarm();
		report("read", restart, r, err);
		close(p[0]);
		close(p[1]);

		/* write into a full pipe: the third tick drains it from a child. */
		pipe(p);
		fcntl(p[1], F_SETFL, O_NONBLOCK);
		char buf[4096] = {0};
		while (write(p[1], buf, sizeof buf) > 0)
			;
		fcntl(p[1], F_SETFL, 0);
		fflush(stdout);
		pid_t drain = fork();
		if (drain == 0) {
			close(p[1]);
			usleep(70000);
			while (read(p[0], buf, sizeof buf) > 0)
				;
			_exit(0);
		}
		arm(restart);
		r = write(p[1], buf, 1);
		err = errno;
		disarm();
		report("write", restart, r, err);
		close(p[1]);
		close(p[0]);
		waitpid(drain, NULL, 0);

		fflush(stdout);
		pid_t child = fork();
		if (child == 0) {
			usleep(70000);
			_exit(0);
		}
		arm(restart);
		int status;
		r = waitpid(child, &status, 0);
		err = errno;
		disarm();
		report("wait4", restart, r, err);
		if (r < 0)
			waitpid(child, &status, 0);

		sem_t sem;
		sem_init(&sem, 0, 0);
		release_sem = &sem;
		arm(restart);
		r = sem_wait(&sem);
		err = errno;
		disarm();
		report("sem_wait", restart, r, err);

		arm(restart);
		struct timespec ts = {1, 0};
		r = nanosleep(&ts, NULL);
		err = errno;
		disarm();
		report("nanosleep", restart, r, err);

		pipe(p);
		arm(restart);
		struct pollfd pfd = {p[0], POLLIN, 0};
		r = poll(&pfd, 1, 1000);
		err = errno;
		disarm();
		report("poll", restart, r, err);

		arm(restart);
		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(p[0], &rd);
		struct timeval tv = {1, 0};
		r = select(p[0] + 1, &rd, NULL, NULL, &tv);
		err = errno;
		disarm();
		report("select", restart, r, err);

		int ep = epoll_create1(0);
		struct epoll_event ev = {.events = EPOLLIN};
		epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
		arm(restart);
		r = epoll_wait(ep, &ev, 1, 1000);
		err = errno;
		disarm();
		report("epoll_wait", restart, r, err);
		close(ep);
		close(p[0]);
		close(p[1]);

		arm(restart);
		r = pause();
		err = errno;
		disarm();
		report("pause", restart, r, err);
	}
	return 0;
}
