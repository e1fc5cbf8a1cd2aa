/*
 * Process and credential ids. The runner is the parent in both runs (ninux
 * runs the guest in its own process), so getppid must equal NINUX_TEST_PPID;
 * the credentials are the runner's own and are printed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = getpid();
	printf("getpid positive: %s\n", pid > 0 ? "yes" : "no");
	printf("getpid stable: %s\n", getpid() == pid ? "yes" : "no");
	printf("gettid is getpid: %s\n", syscall(SYS_gettid) == pid ? "yes" : "no");
	const char *want = getenv("NINUX_TEST_PPID");
	printf("getppid is the runner: %s\n",
	       want && atol(want) == (long)getppid() ? "yes" : "no");
	printf("uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(), (int)geteuid(), (int)getgid(),
	       (int)getegid());
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	printf("resuid=%d,%d,%d\n", (int)r, (int)e, (int)s);
	printf("getpgid(0) is getpgrp: %s\n", getpgid(0) == getpgrp() ? "yes" : "no");
	/* A session id may be 0 (a process in the kernel's first session, as
	 * under some CI launchers), so compare with the runner's instead. */
	pid_t sid = getsid(0);
	printf("getsid succeeds: %s\n", sid >= 0 ? "yes" : "no");
	printf("getsid is the runner's: %s\n", sid == getsid(getppid()) ? "yes" : "no");
	return 0;
}
