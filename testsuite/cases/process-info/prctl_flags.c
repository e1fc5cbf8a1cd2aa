/*
 * prctl's process flags: the dumpable flag (0 or 1, kept across the
 * calls), no_new_privs (set once, then read back), the capability
 * bounding set, keepcaps, the seccomp mode, the timer slack set and read
 * back, THP disabling, and the clear_child_tid address glibc set.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
/* CAP_CHOWN, from linux/capability.h, which musl does not ship. */
#define CAP_CHOWN 0

static void report(const char *what, long r)
{
	printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

int main(void)
{
	report("get dumpable", prctl(PR_GET_DUMPABLE));
	report("set dumpable 0", prctl(PR_SET_DUMPABLE, 0));
	report("get dumpable", prctl(PR_GET_DUMPABLE));
	report("set dumpable 2", prctl(PR_SET_DUMPABLE, 2));
	report("set dumpable 1", prctl(PR_SET_DUMPABLE, 1));
	report("get no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	report("set no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	report("get no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	report("set no_new_privs bad", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
	report("capbset_read CAP_CHOWN", prctl(PR_CAPBSET_READ, CAP_CHOWN) >= 0);
	report("capbset_read 999", prctl(PR_CAPBSET_READ, 999));
	report("get keepcaps", prctl(PR_GET_KEEPCAPS));
	report("get seccomp", prctl(PR_GET_SECCOMP));
	report("set timerslack", prctl(PR_SET_TIMERSLACK, 100000));
	report("get timerslack", prctl(PR_GET_TIMERSLACK));
	report("get thp", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	unsigned long addr = 0;
	report("tid address", prctl(PR_GET_TID_ADDRESS, &addr));
	printf("set by glibc or musl: %s\n", addr != 0 ? "yes" : "no");
	return 0;
}
