/*
 * chroot: absolute paths then start at the new root, which lists only its
 * own entries; what was mounted below the old root (/proc) is not there;
 * ".." at the new root stays there. Missing directories are ENOENT,
 * files ENOTDIR. (Run as root, as the suite is; otherwise EPERM for all.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
	DIR *d = opendir(dir);
	char *names[16];
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && n < 16)
		names[n++] = strdup(e->d_name);
	qsort(names, n, sizeof *names, by_name);
	printf("%s:", dir);
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

int main(void)
{
	mkdir("jail", 0755);
	mkdir("jail/sub", 0755);
	FILE *f = fopen("jail/marker", "w");
	fputs("inside the jail\n", f);
	fclose(f);

	int r = chroot("no-such-dir");
	printf("chroot of a missing directory: %d %s\n", r, strerror(errno));
	r = chroot("jail/marker");
	printf("chroot of a file: %d %s\n", r, strerror(errno));
	r = chroot("jail");
	printf("chroot: %d %s\n", r, r ? strerror(errno) : "");
	if (r)
		return 0;
	chdir("/");
	char buf[64] = {0};
	int fd = open("/marker", O_RDONLY);
	read(fd, buf, sizeof buf - 1);
	printf("/marker: %s", buf);
	list("/");
	list("/..");
	list("/sub/../..");
	printf("/proc: %s\n", access("/proc/self", F_OK) == 0 ? "there" : "not there");
	char cwd[64];
	printf("cwd: %s\n", getcwd(cwd, sizeof cwd));
	unlink("/marker");
	rmdir("/sub");
	return 0;
}
