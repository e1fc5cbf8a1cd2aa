/*
 * Anonymous mapping patterns a libc and a GC use: zero-filled fresh pages,
 * munmap of a hole, MAP_FIXED over a hole, MAP_FIXED_NOREPLACE refusal,
 * mprotect round trips, mremap growing in place or moving with the data, and
 * the errors Linux gives for misaligned or empty requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long page;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAILED");
}

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

int main(void)
{
	page = sysconf(_SC_PAGESIZE);
	size_t len = 16 * page;
	unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap anonymous", a != MAP_FAILED);
	if (a == MAP_FAILED)
		return 1;
	check("fresh pages are zero", all_bytes(a, len, 0));
	check("page aligned", ((uintptr_t)a & (page - 1)) == 0);
	memset(a, 0xab, len);

	/* Punch a hole of two pages and refill it with MAP_FIXED. */
	check("munmap hole", munmap(a + 4 * page, 2 * page) == 0);
	check("neighbours survive the hole",
	      all_bytes(a, 4 * page, 0xab) && all_bytes(a + 6 * page, 10 * page, 0xab));
	void *f = mmap(a + 4 * page, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED refills the hole", f == a + 4 * page && all_bytes(f, 2 * page, 0));

	errno = 0;
	void *n = mmap(a, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	check("MAP_FIXED_NOREPLACE over a mapping is EEXIST", n == MAP_FAILED && errno == EEXIST);

	check("mprotect read-only", mprotect(a, page, PROT_READ) == 0 && a[0] == 0xab);
	check("mprotect back to read-write", mprotect(a, page, PROT_READ | PROT_WRITE) == 0);
	a[0] = 1;
	check("write after mprotect", a[0] == 1);

	errno = 0;
	/* Raw syscalls: musl rounds a misaligned mprotect address itself. */
	check("munmap misaligned is EINVAL", syscall(SYS_munmap, a + 1, page) == -1 && errno == EINVAL);
	errno = 0;
	check("mmap of length 0 is EINVAL",
	      mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
		      errno == EINVAL);
	errno = 0;
	check("mprotect misaligned is EINVAL",
	      syscall(SYS_mprotect, a + 1, page, PROT_READ) == -1 && errno == EINVAL);

	/* Grow by a large factor with MREMAP_MAYMOVE: contents must follow the move. */
	a[len - 1] = 0x5a;
	unsigned char *b = mremap(a, len, 1024 * page, MREMAP_MAYMOVE);
	check("mremap grow", b != MAP_FAILED);
	if (b == MAP_FAILED)
		return 1;
	check("mremap keeps contents", b[0] == 1 && b[len - 1] == 0x5a && all_bytes(b + page, 3 * page, 0xab));
	check("mremap new tail is zero", all_bytes(b + len, 1024 * page - len, 0));
	unsigned char *c = mremap(b, 1024 * page, 2 * page, 0);
	check("mremap shrink in place", c == b && c[0] == 1);
	errno = 0;
	check("mremap without MAYMOVE into a used range fails or stays",
	      mremap(c, 2 * page, 4 * page, 0) != MAP_FAILED || errno == ENOMEM);
	check("munmap all", munmap(c, 4 * page) == 0);

	/* Many small mappings, unmapped in reverse: exercises the guest memory map. */
	void *maps[256];
	int okmaps = 1;
	for (int i = 0; i < 256; i++) {
		maps[i] = mmap(NULL, page * (1 + i % 7), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (maps[i] == MAP_FAILED)
			okmaps = 0;
		else
			memset(maps[i], i, page);
	}
	for (int i = 255; i >= 0; i--)
		if (maps[i] != MAP_FAILED) {
			okmaps &= all_bytes(maps[i], page, (unsigned char)i);
			okmaps &= munmap(maps[i], page * (1 + i % 7)) == 0;
		}
	check("256 small mappings", okmaps);
	return 0;
}
