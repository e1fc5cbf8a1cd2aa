/*
 * Moves the program break with the raw brk syscall, the way malloc's main
 * arena does: grow in 1 MiB steps to 64 MiB, touch every page, shrink back,
 * and check that a request below the start is refused (brk returns the old
 * break instead of failing with an errno).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static uintptr_t raw_brk(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

int main(void)
{
	uintptr_t start = raw_brk(0);
	printf("initial break nonzero: %s\n", start ? "yes" : "no");
	uintptr_t cur = start;
	int grew = 1;
	for (int i = 1; i <= 64; i++) {
		uintptr_t want = start + ((uintptr_t)i << 20);
		cur = raw_brk(want);
		if (cur != want) {
			grew = 0;
			break;
		}
		/* The new MiB must be zero and writable. */
		unsigned char *chunk = (unsigned char *)(want - (1 << 20));
		for (int j = 0; j < (1 << 20); j += 4096) {
			if (chunk[j] != 0)
				grew = 0;
			chunk[j] = (unsigned char)i;
		}
	}
	printf("grew to 64 MiB in 1 MiB steps: %s\n", grew ? "yes" : "no");
	int kept = 1;
	for (int i = 1; i <= 64 && grew; i++)
		kept &= *(unsigned char *)(start + ((uintptr_t)(i - 1) << 20)) == (unsigned char)i;
	printf("contents kept: %s\n", kept ? "yes" : "no");
	uintptr_t shrunk = raw_brk(start + 4096);
	printf("shrink: %s\n", shrunk == start + 4096 ? "yes" : "no");
	uintptr_t below = raw_brk(start - (1 << 20) * 64);
	printf("below start refused: %s\n", below == start + 4096 ? "yes" : "no");
	uintptr_t again = raw_brk(start + (8 << 20));
	unsigned char *regrown = (unsigned char *)(start + (4 << 20));
	printf("regrown region is zero: %s\n", again == start + (8 << 20) && regrown[0] == 0 ? "yes" : "no");
	return 0;
}
