/*
 * getdents64: every name once, "." and ".." included, the right d_type,
 * the same listing whatever the buffer size, EINVAL for a buffer too small
 * for one entry, ENOTDIR on a file, a rewind with lseek, and names removed
 * or added between two listings. Names are sorted before printing, since
 * directory order is the filesystem's own.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *type_name(int t)
{
	switch (t) {
	case DT_REG: return "reg";
	case DT_DIR: return "dir";
	case DT_LNK: return "lnk";
	case DT_FIFO: return "fifo";
	case DT_UNKNOWN: return "unknown";
	}
	return "other";
}

/* Lists fd from its current position with a `bufsize`-byte buffer. */
static void list(int fd, size_t bufsize, const char *label)
{
	char *buf = malloc(bufsize), *names[256];
	int count = 0, calls = 0;
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
		calls++;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			char *line = malloc(300);
			snprintf(line, 300, "%s %s", d->d_name, type_name(d->d_type));
			if (count < 256)
				names[count++] = line;
			off += d->d_reclen;
		}
	}
	if (n < 0)
		printf("%s: getdents64 = %s\n", label, ename(errno));
	qsort(names, count, sizeof *names, cmp);
	printf("%s (buffer %zu, %s):", label, bufsize, calls > 1 ? "several calls" : "one call");
	for (int i = 0; i < count; i++) {
		printf(" %s,", names[i]);
		free(names[i]);
	}
	printf("\n");
	free(buf);
}

int main(void)
{
	T(mkdir("d", 0755));
	T(close(open("d/file", O_WRONLY | O_CREAT, 0644)));
	T(mkdir("d/sub", 0755));
	T(symlink("file", "d/link"));
	T(symlink("nowhere", "d/dangling"));
	char name[64];
	for (int i = 0; i < 24; i++) {
		snprintf(name, sizeof name, "d/n%02d-%.*s", i, i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		T(close(open(name, O_WRONLY | O_CREAT, 0644)));
	}
	int fd;
	T(fd = open("d", O_RDONLY | O_DIRECTORY));
	list(fd, 32768, "big");
	size_t sizes[] = {64, 100, 200, 333};
	for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		T(lseek(fd, 0, SEEK_SET));
		list(fd, sizes[i], "small");
	}
	char tiny[16];
	T(lseek(fd, 0, SEEK_SET));
	T(syscall(SYS_getdents64, fd, tiny, sizeof tiny));
	T(syscall(SYS_getdents64, fd, tiny, 0));
	list(fd, 4096, "at end");
	T(syscall(SYS_getdents64, fd, tiny, sizeof tiny)); /* EOF: 0 */

	/* A fresh open sees changes made since. */
	T(unlink("d/file"));
	T(rmdir("d/sub"));
	T(close(open("d/new", O_WRONLY | O_CREAT, 0644)));
	T(close(fd));
	T(fd = open("d", O_RDONLY | O_DIRECTORY));
	list(fd, 4096, "after changes");
	T(close(fd));

	T(mkdir("empty", 0755));
	T(fd = open("empty", O_RDONLY | O_DIRECTORY));
	list(fd, 4096, "empty");
	T(close(fd));

	T(fd = open("d/new", O_RDONLY));
	T(syscall(SYS_getdents64, fd, tiny, sizeof tiny));
	T(close(fd));
	T(syscall(SYS_getdents64, 99, tiny, sizeof tiny));

	/* The same through libc's readdir. */
	DIR *dir = opendir("d");
	int entries = 0;
	while (readdir(dir))
		entries++;
	printf("readdir entries: %d\n", entries);
	rewinddir(dir);
	entries = 0;
	while (readdir(dir))
		entries++;
	printf("after rewinddir: %d\n", entries);
	closedir(dir);
	return 0;
}
