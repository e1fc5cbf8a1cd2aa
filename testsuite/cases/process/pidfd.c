/*
 * pidfds: clone(CLONE_PIDFD) returning a close-on-exec pidfd, poll on it
 * becoming readable when the child exits, waitid(P_PIDFD), pidfd_open of a
 * running child, pidfd_send_signal killing it, and the errors Linux gives.
 * Raw syscalls: the C libraries' wrappers are newer than some hosts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int main(void)
{
	int pidfd = -1;
	fflush(stdout);
	/* clone as fork: no new stack, the child returns 0 on the copy. */
	long pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (pid == 0) {
		usleep(50000);
		_exit(7);
	}
	printf("clone: pidfd %s, close-on-exec %d\n", pidfd > 2 ? "valid" : "missing",
	       (fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0);
	struct pollfd p = {pidfd, POLLIN, 0};
	printf("poll while running: %d\n", poll(&p, 1, 0));
	int ready = poll(&p, 1, 5000);
	printf("poll until exit: %d revents %s\n", ready, p.revents & POLLIN ? "POLLIN" : "other");
	siginfo_t si = {0};
	int r = syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL);
	printf("waitid P_PIDFD: %d code %s status %d pid %s\n", r, si.si_code == CLD_EXITED ? "CLD_EXITED" : "other",
	       si.si_status, si.si_pid == pid ? "same" : "other");
	close(pidfd);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	printf("pidfd_open: %s\n", pidfd >= 0 ? "ok" : strerror(errno));
	r = syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
	printf("pidfd_send_signal: %d\n", r);
	int status;
	waitpid(pid, &status, 0);
	printf("child killed by %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	r = syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
	printf("signal after reaping: %d %s\n", r, r < 0 ? strerror(errno) : "");
	close(pidfd);

	r = syscall(SYS_pidfd_open, getpid(), 0x1);
	printf("bad flags: %d %s\n", r, r < 0 ? strerror(errno) : "");
	r = syscall(SYS_pidfd_open, 0, 0);
	printf("pid 0: %d %s\n", r, r < 0 ? strerror(errno) : "");
	r = syscall(SYS_pidfd_send_signal, 1, SIGTERM, NULL, 0);
	printf("not a pidfd: %d %s\n", r, r < 0 ? strerror(errno) : "");
	r = syscall(SYS_waitid, P_PIDFD, 1, &si, WEXITED, NULL);
	printf("waitid not a pidfd: %d %s\n", r, r < 0 ? strerror(errno) : "");

	/* A /proc/PID directory fd stands for the process too. */
	char dir[32];
	snprintf(dir, sizeof dir, "/proc/%d", getpid());
	int procfd = open(dir, O_RDONLY | O_DIRECTORY);
	r = syscall(SYS_pidfd_send_signal, procfd, 0, NULL, 0);
	printf("signal 0 through /proc/PID: %d %s\n", r, r < 0 ? strerror(errno) : "");
	close(procfd);
	return 0;
}
