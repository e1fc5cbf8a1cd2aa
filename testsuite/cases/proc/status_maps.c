/*
 * What a program reads about itself: the Name line of status and the comm
 * in stat are its name, maps has an r-xp line for its text naming the
 * program, and /proc/sys/kernel/ostype is Linux.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	(void)argc;
	char line[8192], exe[4096], name[32];
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	snprintf(name, 16, "%s", base);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;

	FILE *f = fopen("/proc/self/status", "r");
	int name_ok = 0, pid_ok = 0;
	while (f && fgets(line, sizeof line, f)) {
		char want[64];
		snprintf(want, sizeof want, "Name:\t%s\n", name);
		name_ok |= strcmp(line, want) == 0;
		snprintf(want, sizeof want, "Pid:\t%d\n", getpid());
		pid_ok |= strcmp(line, want) == 0;
	}
	if (f)
		fclose(f);
	printf("status Name is the program: %s\n", name_ok ? "yes" : "no");
	printf("status Pid is getpid: %s\n", pid_ok ? "yes" : "no");

	f = fopen("/proc/self/stat", "r");
	char want[64];
	snprintf(want, sizeof want, "%d (%s) ", getpid(), name);
	printf("stat starts with pid (name): %s\n",
	       f && fgets(line, sizeof line, f) && strncmp(line, want, strlen(want)) == 0 ? "yes" : "no");
	if (f)
		fclose(f);

	f = fopen("/proc/self/maps", "r");
	uintptr_t here = (uintptr_t)&main;
	int text = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8], path[4096] = "";
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095s", &lo, &hi, perms, path) < 3)
			continue;
		if (lo <= here && here < hi && strcmp(perms, "r-xp") == 0 && strcmp(path, exe) == 0)
			text = 1;
	}
	if (f)
		fclose(f);
	printf("maps has the text as r-xp with the program: %s\n", text ? "yes" : "no");

	f = fopen("/proc/sys/kernel/ostype", "r");
	printf("ostype: %s", f && fgets(line, sizeof line, f) ? line : "?\n");
	if (f)
		fclose(f);
	return 0;
}
