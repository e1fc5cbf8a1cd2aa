/*
 * The ids a new image's auxv gives (AT_UID, AT_EUID, AT_GID, AT_EGID,
 * AT_SECURE) are the process's own after setresuid/setresgid, not those it
 * started with: first with real and effective ids apart (AT_SECURE set),
 * then with every id dropped to 1000. Needs root to change ids; without it
 * the case only prints the ids it has.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static void show(const char *when)
{
	printf("%s: uid %lu euid %lu gid %lu egid %lu secure %lu\n", when, getauxval(AT_UID),
	       getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID), getauxval(AT_SECURE));
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "split") == 0) {
		show("real and effective apart");
		fflush(stdout);
		if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) {
			perror("drop");
			return 1;
		}
		execv(argv[0], (char *[]){argv[0], "dropped", NULL});
		perror("execv");
		return 1;
	}
	if (argc > 1) {
		show("all dropped");
		return 0;
	}
	show("start");
	if (getuid() != 0)
		return 0;
	fflush(stdout);
	if (setresgid(2000, 0, 0) != 0 || setresuid(2000, 0, 0) != 0) {
		perror("split");
		return 1;
	}
	execv(argv[0], (char *[]){argv[0], "split", NULL});
	perror("execv");
	return 1;
}
