/*
 * The differential test's interpreter: `fsops DIR` creates DIR, works in it,
 * reads file operations from stdin (one per line) and prints each one's
 * result, then dumps the tree. Everything printed is stable between two runs
 * and between Linux and ninux: no fd numbers, inode numbers or times, and no
 * directory or symlink sizes (filesystem-specific).
 *
 *   open S PATH FLAGS   FLAGS: letters r w (access), c x t a (O_CREAT, O_EXCL,
 *                       O_TRUNC, O_APPEND), d (O_DIRECTORY), n (O_NOFOLLOW)
 *   creat S PATH | close S | write S LEN | pwrite S LEN OFF | read S LEN
 *   lseek S OFF WHENCE(0-2) | ftruncate S LEN | fstat S
 *   rename A B | link A B | symlink TARGET A | unlink A | mkdir A | rmdir A
 *   readlink A | stat A | lstat A | getdents A
 * S is a slot 0-3 holding an fd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ename(int e)
{
	static char other[16];
	switch (e) {
#define E(x) case x: return #x;
	E(EPERM) E(ENOENT) E(EIO) E(EBADF) E(EACCES) E(EBUSY) E(EEXIST) E(EXDEV)
	E(ENOTDIR) E(EISDIR) E(EINVAL) E(EMFILE) E(EFBIG) E(ESPIPE) E(EROFS)
	E(EMLINK) E(ERANGE) E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY) E(ELOOP)
	E(EOPNOTSUPP)
#undef E
	}
	snprintf(other, sizeof other, "E#%d", e);
	return other;
}

static void result(long r)
{
	if (r < 0)
		printf(" = -1 %s\n", ename(errno));
	else
		printf(" = %ld\n", r);
}

static void quoted(const char *p, long n)
{
	putchar('"');
	for (long i = 0; i < n; i++)
		if (p[i] >= 32 && p[i] < 127 && p[i] != '"' && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", (unsigned char)p[i]);
	putchar('"');
}

static void show_stat(long r, const struct stat *st)
{
	if (r < 0)
		return result(r);
	const char *t = S_ISREG(st->st_mode) ? "reg" : S_ISDIR(st->st_mode) ? "dir"
		: S_ISLNK(st->st_mode) ? "lnk" : "other";
	printf(" = 0 %s %04o", t, st->st_mode & 07777);
	if (S_ISREG(st->st_mode))
		printf(" size=%lld nlink=%ld", (long long)st->st_size, (long)st->st_nlink);
	printf("\n");
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir, "." and ".." left out; returns the count or -1. */
static int names(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **v = NULL;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		v = realloc(v, (n + 1) * sizeof *v);
		v[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(v, n, sizeof *v, cmp);
	*out = v;
	return n;
}

static void dump(const char *dir)
{
	char **v;
	int n = names(dir, &v);
	for (int i = 0; i < n; i++) {
		char path[512], buf[4096];
		snprintf(path, sizeof path, "%s/%s", dir, v[i]);
		struct stat st;
		if (lstat(path, &st) != 0) {
			printf("%s: lstat %s\n", path, ename(errno));
		} else if (S_ISLNK(st.st_mode)) {
			long k = readlink(path, buf, sizeof buf);
			printf("%s -> %.*s\n", path, (int)(k < 0 ? 0 : k), buf);
		} else if (S_ISDIR(st.st_mode)) {
			printf("%s/ %04o\n", path, st.st_mode & 07777);
			dump(path);
		} else {
			int fd = open(path, O_RDONLY);
			long k = fd < 0 ? -1 : read(fd, buf, sizeof buf);
			close(fd);
			printf("%s %04o nlink=%ld size=%lld ", path, st.st_mode & 07777,
			       (long)st.st_nlink, (long long)st.st_size);
			quoted(buf, k < 0 ? 0 : k);
			printf("\n");
		}
		free(v[i]);
	}
	if (n > 0)
		free(v);
}

static int flags_of(const char *s)
{
	int r = strchr(s, 'r') != NULL, w = strchr(s, 'w') != NULL;
	int f = r && w ? O_RDWR : w ? O_WRONLY : O_RDONLY;
	if (strchr(s, 'c')) f |= O_CREAT;
	if (strchr(s, 'x')) f |= O_EXCL;
	if (strchr(s, 't')) f |= O_TRUNC;
	if (strchr(s, 'a')) f |= O_APPEND;
	if (strchr(s, 'd')) f |= O_DIRECTORY;
	if (strchr(s, 'n')) f |= O_NOFOLLOW;
	return f;
}

int main(int argc, char **argv)
{
	if (argc != 2 || (mkdir(argv[1], 0755) != 0 && errno != EEXIST) || chdir(argv[1]) != 0) {
		perror("fsops: usage: fsops DIR");
		return 2;
	}
	umask(022);
	int fds[4] = {-1, -1, -1, -1};
	char line[512], op[32], a[256], b[256], c[32];
	static char data[70000];
	int step = 0;
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = 0;
		a[0] = b[0] = c[0] = 0;
		if (sscanf(line, "%31s %255s %255s %31s", op, a, b, c) < 1)
			continue;
		int s = atoi(a) & 3;
		long x = atol(b), y = atol(c);
		struct stat st;
		long r;
		step++;
		fputs(line, stdout);
		if (!strcmp(op, "open")) {
			if (fds[s] >= 0)
				close(fds[s]);
			r = fds[s] = open(b, flags_of(c), 0644);
			result(r < 0 ? -1 : 0);
		} else if (!strcmp(op, "creat")) {
			if (fds[s] >= 0)
				close(fds[s]);
			r = fds[s] = creat(b, 0644);
			result(r < 0 ? -1 : 0);
		} else if (!strcmp(op, "close")) {
			result(close(fds[s]));
			fds[s] = -1;
		} else if (!strcmp(op, "write") || !strcmp(op, "pwrite")) {
			long n = x < 0 || x > 65536 ? 0 : x;
			memset(data, 'A' + step % 26, n);
			result(op[0] == 'p' ? pwrite(fds[s], data, n, y) : write(fds[s], data, n));
		} else if (!strcmp(op, "read")) {
			long n = x < 0 || x > 65536 ? 0 : x;
			r = read(fds[s], data, n);
			result(r);
			if (r > 0) {
				printf("  ");
				quoted(data, r);
				printf("\n");
			}
		} else if (!strcmp(op, "lseek")) {
			/* A directory's end offset is the file system's own business
			 * (ext4 says LLONG_MAX, or 0 once removed): not compared. */
			if (y == SEEK_END && fstat(fds[s], &st) == 0 && S_ISDIR(st.st_mode))
				printf(" = not compared (a directory's end)\n");
			else
				result(lseek(fds[s], x, (int)y));
		} else if (!strcmp(op, "ftruncate")) {
			result(ftruncate(fds[s], x));
		} else if (!strcmp(op, "fstat")) {
			r = fstat(fds[s], &st);
			show_stat(r, &st);
		} else if (!strcmp(op, "rename")) {
			result(rename(a, b));
		} else if (!strcmp(op, "link")) {
			result(link(a, b));
		} else if (!strcmp(op, "symlink")) {
			result(symlink(a, b));
		} else if (!strcmp(op, "unlink")) {
			result(unlink(a));
		} else if (!strcmp(op, "mkdir")) {
			result(mkdir(a, 0755));
		} else if (!strcmp(op, "rmdir")) {
			result(rmdir(a));
		} else if (!strcmp(op, "readlink")) {
			char buf[256];
			r = readlink(a, buf, sizeof buf);
			result(r);
			if (r >= 0)
				printf("  -> %.*s\n", (int)r, buf);
		} else if (!strcmp(op, "stat") || !strcmp(op, "lstat")) {
			r = op[0] == 'l' ? lstat(a, &st) : stat(a, &st);
			show_stat(r, &st);
		} else if (!strcmp(op, "getdents")) {
			char **v;
			int n = names(a, &v);
			result(n < 0 ? -1 : n);
			for (int i = 0; i < n; i++) {
				printf("  %s\n", v[i]);
				free(v[i]);
			}
			if (n > 0)
				free(v);
		} else {
			printf(" : unknown op\n");
		}
		fflush(stdout);
	}
	printf("--- tree\n");
	dump(".");
	return 0;
}
