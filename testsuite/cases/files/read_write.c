/*
 * The data path on a regular file: read, write, pread, pwrite, readv,
 * writev, lseek with SEEK_SET/CUR/END, reading at and past EOF, holes that
 * read back as zeros, and the errors of bad offsets and wrong access modes.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"

static void show(const char *what, const char *buf, long n)
{
	printf("%s: \"", what);
	for (long i = 0; i < n; i++)
		if (buf[i] >= 32 && buf[i] < 127)
			putchar(buf[i]);
		else
			printf("\\x%02x", (unsigned char)buf[i]);
	printf("\"\n");
}

int main(void)
{
	int fd;
	char buf[64];
	long n;
	T(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	T(write(fd, "0123456789", 10));
	T(lseek(fd, 0, SEEK_CUR));
	T(read(fd, buf, sizeof buf)); /* at EOF */
	T(lseek(fd, 2, SEEK_SET));
	n = T(read(fd, buf, 3));
	show("read@2", buf, n);
	T(lseek(fd, 0, SEEK_CUR));
	T(lseek(fd, -2, SEEK_CUR));
	T(lseek(fd, -1, SEEK_END));
	n = T(read(fd, buf, 5));
	show("read@-1", buf, n);
	T(lseek(fd, -11, SEEK_END));
	T(lseek(fd, -1, SEEK_SET));
	T(lseek(fd, 0, 7));
	T(lseek(fd, 0, SEEK_CUR)); /* unchanged by the failures */

	/* pread/pwrite leave the offset alone. */
	n = T(pread(fd, buf, 4, 6));
	show("pread@6", buf, n);
	T(pread(fd, buf, 4, 100));
	T(pread(fd, buf, 4, -1));
	T(pwrite(fd, "AB", 2, 1));
	T(lseek(fd, 0, SEEK_CUR));

	/* A hole: write past EOF, the gap reads as zeros. */
	T(lseek(fd, 20, SEEK_SET));
	T(write(fd, "end", 3));
	struct stat st;
	T(fstat(fd, &st));
	printf("size %lld\n", (long long)st.st_size);
	n = T(pread(fd, buf, sizeof buf, 0));
	show("whole", buf, n);
	T(pwrite(fd, "P", 1, 30));
	T(fstat(fd, &st));
	printf("size %lld\n", (long long)st.st_size);
	n = T(pread(fd, buf, 8, 23));
	show("hole2", buf, n);
	T(lseek(fd, 1000, SEEK_SET)); /* seeking past EOF alone does not grow */
	T(read(fd, buf, 1));
	T(fstat(fd, &st));
	printf("size %lld\n", (long long)st.st_size);

	/* Vectors. */
	struct iovec w[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
	T(lseek(fd, 0, SEEK_SET));
	T(writev(fd, w, 3));
	T(lseek(fd, 0, SEEK_CUR));
	char a[3], b[5];
	struct iovec r[2] = {{a, 3}, {b, 5}};
	T(lseek(fd, 0, SEEK_SET));
	T(readv(fd, r, 2));
	show("iov0", a, 3);
	show("iov1", b, 5);
	T(lseek(fd, -3, SEEK_END));
	T(readv(fd, r, 2)); /* short: only 3 bytes left */
	show("iov0", a, 3);
	T(readv(fd, r, 2));
	T(writev(fd, w, 0));
	volatile int minus = -1; /* a variable: no compile-time warning */
	T(readv(fd, r, minus));

	/* Wrong access modes and bad fds. */
	T(close(fd));
	T(fd = open("f", O_RDONLY));
	T(write(fd, "x", 1));
	T(pwrite(fd, "x", 1, 0));
	T(writev(fd, w, 1));
	T(close(fd));
	T(fd = open("f", O_WRONLY));
	T(read(fd, buf, 1));
	T(pread(fd, buf, 1, 0));
	T(close(fd));
	T(read(fd, buf, 1));
	T(write(fd, "x", 1));
	T(lseek(fd, 0, SEEK_SET));
	T(read(-1, buf, 1));
	T(read(0, buf, 0));

	/* Large transfer in one go, read back in odd chunks. */
	static char big[200000], back[200000];
	for (unsigned i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7 + i / 251);
	T(fd = open("big", O_RDWR | O_CREAT | O_EXCL, 0600));
	T(write(fd, big, sizeof big));
	T(lseek(fd, 0, SEEK_SET));
	long got = 0;
	while ((n = read(fd, back + got, 4093)) > 0)
		got += n;
	printf("read back %ld bytes, %s\n", got, memcmp(big, back, sizeof big) ? "different" : "same");
	T(close(fd));
	return 0;
}
