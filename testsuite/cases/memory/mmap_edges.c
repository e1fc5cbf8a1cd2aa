/* mmap, munmap, mremap and msync on arguments at the edges: lengths that
 * overflow when rounded, offsets past 2^64, both MS_ASYNC and MS_SYNC, a
 * writable shared mapping of a read-only fd. Each answers Linux's errno
 * (msync rounds -1 to 0 and succeeds), never a crash. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerror(errno) : "ok");
}

int main(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	show("munmap of a huge length", syscall(SYS_munmap, 0x10000, -1L));
	show("msync of length -1", syscall(SYS_msync, 0x10000, -1L, MS_SYNC));
	show("msync with MS_SYNC|MS_ASYNC", syscall(SYS_msync, 0x10000, 4096, MS_SYNC | MS_ASYNC));
	show("msync of unmapped memory", syscall(SYS_msync, 0x10000, 4096, MS_SYNC));
	show("msync unaligned", syscall(SYS_msync, 0x10001, 4096, MS_SYNC));
	show("mmap at offset -4096", syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, -4096L));
	show("mremap of a huge length", syscall(SYS_mremap, 0x10000, -1L, -1L, 0, 0));
	void *p = mmap(0, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	show("mremap growing to a huge length",
	     syscall(SYS_mremap, p, 4096, -1L, MREMAP_MAYMOVE, 0));
	show("msync of a file mapping", syscall(SYS_msync, p, 4096, MS_SYNC));
	show("shared writable mapping of a read-only fd",
	     syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	show("munmap of a file mapping", munmap(p, 8192));
	return 0;
}
