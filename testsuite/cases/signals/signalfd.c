/*
 * signalfd: a blocked signal read from a signalfd (raise: SI_TKILL from
 * ourselves; kill from a child: SI_USER with the child's pid; sigqueue:
 * SI_QUEUE with its value), nothing left pending afterwards, EAGAIN when
 * empty, poll readiness, a mask changed on an existing signalfd, and errors.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *code(int c)
{
	switch (c) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_QUEUE: return "SI_QUEUE";
	default: return "other";
	}
}

static void read_one(int fd, const char *what, pid_t expect_pid)
{
	struct signalfd_siginfo si;
	ssize_t r = read(fd, &si, sizeof si);
	if (r != sizeof si) {
		printf("%s: read %zd %s\n", what, r, r < 0 ? strerror(errno) : "");
		return;
	}
	printf("%s: signo %u code %s pid %s int %d\n", what, si.ssi_signo, code(si.ssi_code),
	       (pid_t)si.ssi_pid == expect_pid ? "expected" : "other", si.ssi_int);
}

int main(void)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	printf("signalfd: %s\n", fd >= 0 ? "ok" : strerror(errno));

	struct signalfd_siginfo si;
	ssize_t r = read(fd, &si, sizeof si);
	printf("empty: %zd %s\n", r, r < 0 ? strerror(errno) : "");

	raise(SIGUSR1);
	struct pollfd p = {fd, POLLIN, 0};
	printf("poll: %d\n", poll(&p, 1, 1000));
	read_one(fd, "raise", getpid());
	sigset_t pend;
	sigpending(&pend);
	printf("still pending: %d\n", sigismember(&pend, SIGUSR1));

	pid_t parent = getpid();
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		kill(parent, SIGUSR2);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	read_one(fd, "kill from child", child);

	union sigval v = {.sival_int = 77};
	sigqueue(getpid(), SIGUSR1, v);
	read_one(fd, "sigqueue", getpid());

	/* A new mask on the same fd: SIGUSR2 only. */
	sigset_t only2;
	sigemptyset(&only2);
	sigaddset(&only2, SIGUSR2);
	printf("remask: %d\n", signalfd(fd, &only2, 0) == fd);
	raise(SIGUSR1);
	r = read(fd, &si, sizeof si);
	printf("SIGUSR1 not read: %zd %s\n", r, r < 0 ? strerror(errno) : "");
	sigpending(&pend);
	printf("SIGUSR1 pending: %d\n", sigismember(&pend, SIGUSR1));
	int got;
	sigwait(&mask, &got);
	printf("sigwait took %d\n", got);

	r = read(fd, &si, 10);
	printf("short buffer: %zd %s\n", r, r < 0 ? strerror(errno) : "");
	{
		int rc = signalfd(1, &mask, 0);
		printf("bad fd: %d %s\n", rc, strerror(errno));
	}
	{
		int rc = signalfd(-1, &mask, 0x1);
		printf("bad flags: %d %s\n", rc, strerror(errno));
	}
	return 0;
}
