/* A library the dlopen case loads at run time: a constructor and a
 * destructor that print, thread-local storage (initialised and zeroed),
 * and an ifunc whose resolver picks an implementation by CPU feature. */
#include <stdio.h>

static __thread int counter = 40;
static __thread char scratch[64];

__attribute__((constructor)) static void plug_init(void)
{
	printf("plug: constructor ran\n");
	fflush(stdout);
}

__attribute__((destructor)) static void plug_fini(void)
{
	printf("plug: destructor ran\n");
	fflush(stdout);
}

/* Each thread starts from the TLS image: 40, and a zeroed buffer. */
int plug_bump(void)
{
	scratch[0]++;
	return ++counter + scratch[0];
}

static int twice_sse2(int x) { return x + x; }
static int twice_plain(int x) { return 2 * x; }

/* An IRELATIVE relocation: ld.so calls the resolver while relocating. */
static int (*resolve_twice(void))(int)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse2") ? twice_sse2 : twice_plain;
}
int plug_twice(int x) __attribute__((ifunc("resolve_twice")));
