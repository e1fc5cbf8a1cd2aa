/* An ifunc in the program itself (an IRELATIVE relocation ld.so resolves
 * before main) choosing by the host CPU's features, read through CPUID by
 * __builtin_cpu_supports; the choice is printed as a property of the
 * result, not of the CPU, so native and ninux runs agree on any machine. */
#include <stdio.h>
#include <string.h>

static const char *which = "unresolved";

static size_t count_avx2(const char *s) { return strlen(s); }
static size_t count_plain(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static size_t (*resolve_count(void))(const char *)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2")) {
		which = "avx2";
		return count_avx2;
	}
	which = "plain";
	return count_plain;
}
size_t count(const char *s) __attribute__((ifunc("resolve_count")));

int main(void)
{
	int avx2 = __builtin_cpu_supports("avx2");
	printf("count(\"hello, ifunc\") = %zu\n", count("hello, ifunc"));
	/* The resolver ran before main and agrees with a check made now. */
	printf("resolver matches cpuid: %s\n",
	       strcmp(which, avx2 ? "avx2" : "plain") == 0 ? "yes" : "no");
	return 0;
}
