/*
 * mincore says which pages of a mapping are resident (the touched ones),
 * refuses an unaligned start (EINVAL) and a range running past the
 * mapping (ENOMEM); mlock and munlock take any range within mappings,
 * whole pages around it, and refuse unmapped memory; mlockall without
 * flags is EINVAL. (mlockall proper is left out: ninux's own memory counts
 * against RLIMIT_MEMLOCK.)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void report(const char *what, long r)
{
	printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0] = 1;
	m[2 * pg] = 1;
	unsigned char vec[4];
	report("mincore", mincore(m, 4 * pg, vec));
	printf("resident: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
	report("mincore of an unaligned start", mincore(m + 1, pg, vec));
	munmap(m + 3 * pg, pg);
	report("mincore past the mapping", mincore(m, 4 * pg, vec));
	report("mlock of part of a page", mlock(m + 10, 100));
	report("munlock", munlock(m + 10, 100));
	report("mlock of unmapped memory", mlock(m + 3 * pg, pg));
	report("mlockall without flags", mlockall(0));
	report("munlockall", munlockall());
	return 0;
}
