/*
 * Allocates ~200 MiB with malloc (glibc and musl both mmap a block that big),
 * touches every page with a position-dependent pattern and checksums it back,
 * so lost, shared or zero-filled pages show up as a different sum.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE (200UL << 20)

int main(void)
{
	uint64_t *p = malloc(SIZE);
	if (!p) {
		perror("malloc");
		return 1;
	}
	size_t n = SIZE / sizeof *p;
	for (size_t i = 0; i < n; i++)
		p[i] = i * 0x9e3779b97f4a7c15ULL;
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (sum ^ p[i]) * 0x100000001b3ULL;
	printf("size=%lu checksum=%016llx\n", SIZE, (unsigned long long)sum);
	free(p);
	return 0;
}
