/*
 * /proc/self and the links in it name the guest, not ninux: exe is the
 * program, cwd the working directory, root "/", self our pid and
 * thread-self our pid's task of this thread.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *link_of(const char *path)
{
	static char buf[4096];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

int main(int argc, char **argv)
{
	(void)argc;
	char real[4096], cwd[4096], want[64];
	const char *exe = link_of("/proc/self/exe");
	printf("exe is the program: %s\n",
	       realpath(argv[0], real) && strcmp(real, exe) == 0 ? "yes" : "no");
	printf("exe basename: %s\n", strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe);
	printf("cwd: %s\n", link_of("/proc/self/cwd"));
	printf("cwd is getcwd: %s\n",
	       getcwd(cwd, sizeof cwd) && strcmp(cwd, link_of("/proc/self/cwd")) == 0 ? "yes" : "no");
	printf("root: %s\n", link_of("/proc/self/root"));
	snprintf(want, sizeof want, "%d", getpid());
	printf("self is getpid: %s\n", strcmp(link_of("/proc/self"), want) == 0 ? "yes" : "no");
	snprintf(want, sizeof want, "%d/task/%d", getpid(), gettid());
	printf("thread-self is pid/task/tid: %s\n",
	       strcmp(link_of("/proc/thread-self"), want) == 0 ? "yes" : "no");
	snprintf(want, sizeof want, "/proc/%d/exe", getpid());
	printf("/proc/PID/exe is /proc/self/exe: %s\n",
	       strcmp(link_of(want), link_of("/proc/self/exe")) == 0 ? "yes" : "no");
	return 0;
}
