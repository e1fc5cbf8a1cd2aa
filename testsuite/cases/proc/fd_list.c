/*
 * /proc/self/fd lists the open fds (names only compared): stdio, the files
 * this program opened and the directory being read; a closed fd goes away.
 * fds the test runner may leak into the native run are skipped.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void list(int a, int b, int c)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		perror("opendir");
		return;
	}
	int mine = dirfd(d), fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd < 3 || fd == a || fd == b || fd == c || fd == mine)
			fds[n++] = fd;
	}
	qsort(fds, n, sizeof fds[0], cmp);
	/* By role, since fd numbers depend on what the runner left open. */
	printf("fds:");
	for (int i = 0; i < n; i++) {
		if (fds[i] < 3)
			printf(" %d", fds[i]);
		else
			printf(" %s", fds[i] == a ? "a" : fds[i] == b ? "b" : fds[i] == c ? "c" : "dir");
	}
	printf("\n");
	closedir(d);
}

int main(void)
{
	int a = open("/proc/self/status", O_RDONLY);
	int b = open(".", O_RDONLY | O_DIRECTORY);
	int c = open("/dev/null", O_WRONLY);
	list(a, b, c);
	char path[64], target[4096];
	snprintf(path, sizeof path, "/proc/self/fd/%d", c);
	ssize_t n = readlink(path, target, sizeof target - 1);
	target[n > 0 ? n : 0] = 0;
	printf("fd c -> %s\n", target);
	/* An fd's link says how it was opened, and reports 64 bytes, no
	 * blocks; the links procfs makes up report none. */
	int rw = open("/dev/null", O_RDWR);
	int fds[] = {a, c, rw};
	for (int i = 0; i < 3; i++) {
		struct stat st;
		snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
		lstat(path, &st);
		printf("link of an fd opened %s: mode %o, size %ld, blocks %ld\n",
		       i == 0 ? "to read" : i == 1 ? "to write" : "to read and write",
		       st.st_mode & 0777, (long)st.st_size, (long)st.st_blocks);
	}
	close(rw);
	struct stat st;
	lstat("/proc/self/exe", &st);
	printf("/proc/self/exe: size %ld\n", (long)st.st_size);
	lstat("/proc/self", &st);
	printf("/proc/self: size %ld\n", (long)st.st_size);
	close(b);
	list(a, -1, c);
	return 0;
}
