/*
 * The synthesized /proc: /proc/self/exe must name the guest binary (not
 * ninux), /proc/self/cwd the working directory, and /proc/self/stat must start
 * with our pid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	(void)argc;
	char exe[4096], real[4096], cwd[4096], link[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	printf("/proc/self/exe is argv[0]: %s\n",
	       realpath(argv[0], real) && strcmp(real, exe) == 0 ? "yes" : "no");
	n = readlink("/proc/self/cwd", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	printf("/proc/self/cwd is getcwd: %s\n",
	       getcwd(cwd, sizeof cwd) && strcmp(cwd, link) == 0 ? "yes" : "no");
	FILE *f = fopen("/proc/self/stat", "r");
	long pid = -1;
	if (!f || fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	printf("/proc/self/stat starts with getpid: %s\n", pid == getpid() ? "yes" : "no");
	return 0;
}
