/*
 * File-backed mappings of a file in the (fresh) working directory: a
 * MAP_SHARED write must reach the file as read(2) sees it, a MAP_PRIVATE
 * write must not, and a mapping past EOF reads zeros up to the page end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = open("mapped.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	char buf[100];
	memset(buf, 'x', sizeof buf);
	if (write(fd, buf, sizeof buf) != sizeof buf || ftruncate(fd, 2 * page) != 0)
		return 1;
	char *shared = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *private = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (shared == MAP_FAILED || private == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("mapped content: %.5s\n", shared);
	memcpy(shared + page, "shared write", 12);
	memcpy(private, "private write", 13);
	msync(shared, 2 * page, MS_SYNC);
	char back[16] = {0};
	pread(fd, back, 12, page);
	printf("read sees shared write: %s\n", back);
	pread(fd, back, 13, 0);
	printf("read does not see private write: %s\n", back[0] == 'x' ? "yes" : "no");
	printf("private mapping sees shared write on untouched page: %s\n",
	       memcmp(private + page, "shared write", 12) == 0 ? "yes" : "no");
	munmap(shared, 2 * page);
	munmap(private, 2 * page);

	/* A 100-byte file mapped as a page: the tail of the page reads as zeros. */
	if (ftruncate(fd, 100) != 0)
		return 1;
	unsigned char *small = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
	int zeros = 1;
	for (long i = 100; i < page; i++)
		zeros &= small[i] == 0;
	printf("tail of last page is zero: %s\n", zeros ? "yes" : "no");
	close(fd);
	unlink("mapped.dat");
	return 0;
}
