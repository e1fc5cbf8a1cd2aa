/*
 * Shared by the files cases: print each call's result as `expr = N` or
 * `expr = -1 ENAME`, so output is comparable between glibc, musl, Linux and
 * ninux (errno names, not strerror texts, which differ between libcs).
 * The runner rebuilds a case when this header changes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *ename(int e)
{
	static char other[16];
	switch (e) {
#define E(x) case x: return #x;
	E(EPERM) E(ENOENT) E(EIO) E(EBADF) E(EACCES) E(EFAULT) E(EBUSY)
	E(EEXIST) E(EXDEV) E(ENOTDIR) E(EISDIR) E(EINVAL) E(EMFILE) E(EFBIG)
	E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(ERANGE) E(ENAMETOOLONG)
	E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(EOPNOTSUPP) E(ETXTBSY) E(EOVERFLOW)
#undef E
	}
	snprintf(other, sizeof other, "E#%d", e);
	return other;
}

/* Prints and returns a call's result; errno is read before printf can touch it. */
static long report(const char *what, long r)
{
	int e = errno;
	if (r < 0)
		printf("%s = %ld %s\n", what, r, ename(e));
	else
		printf("%s = %ld\n", what, r);
	fflush(stdout);
	errno = e;
	return r;
}

#define T(expr) report(#expr, (long)(expr))

/* A whole file's contents, quoted, or the errno of the failed open. */
static void show_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("%s: %s\n", path, ename(errno));
		return;
	}
	printf("%s: \"", path);
	int c;
	while ((c = fgetc(f)) != EOF) {
		if (c >= 32 && c < 127 && c != '"' && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	printf("\"\n");
	fclose(f);
}
