/*
 * Reads stdin to EOF with read(2) in odd-sized chunks and prints the byte
 * count and an FNV-1a hash: a short read, a lost or repeated chunk, or an EOF
 * reported early all change the output.
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	static unsigned char buf[65521];
	uint64_t hash = 0xcbf29ce484222325ULL;
	unsigned long long total = 0;
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0) {
			perror("read");
			return 1;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			hash = (hash ^ buf[i]) * 0x100000001b3ULL;
		total += (unsigned long long)n;
	}
	printf("bytes=%llu fnv1a=%016llx\n", total, (unsigned long long)hash);
	return 0;
}
