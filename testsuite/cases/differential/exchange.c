/*
 * A helper for tools/tests/run_namespace.rs, not a conformance case:
 * `exchange A B` swaps A and B with renameat2(RENAME_EXCHANGE) and
 * prints the result, then each name's first line (or that it is a
 * directory), so a test can run it on a rootfs tar's copy-on-write layer.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>

static void show(const char *p)
{
	struct stat st;
	char line[64] = {0};
	if (stat(p, &st) < 0) {
		printf("%s: errno %d\n", p, errno);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		printf("%s: dir\n", p);
		return;
	}
	FILE *f = fopen(p, "r");
	if (f && fgets(line, sizeof line, f))
		printf("%s: %s", p, line);
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long r = syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], 2);
	printf("exchange %s %s = %ld %s\n", argv[1], argv[2], r, r < 0 ? strerror(errno) : "");
	show(argv[1]);
	show(argv[2]);
	return 0;
}
