/*
 * Linux preserves every register but rax, rcx and r11 across `syscall`:
 * vector registers held live across inline syscalls (getcwd, write, getpid)
 * must come back as they were, the AVX-512 ones too (zmm16-31, the upper
 * halves of zmm0-15, the opmasks), which ninux's own code may use while it
 * answers. On a CPU without AVX-512, ymm0-15 are checked alone.
 * A signal handler that runs while a read waits, and changes them, leaves
 * them as they were once it returns: the frame keeps them.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static char buf[4096];

/* One raw syscall with a sentinel in the registers; 1 if any changed. */
__attribute__((target("avx512f"))) static int avx512_round(long nr)
{
	unsigned long long in[8] = {0x0123456789abcdefULL, 2, 3, 4, 5, 6, 7, 0xfedcba9876543210ULL};
	unsigned long long z1[8], z16[8], z31[8], k[2];
	long r;
	__asm__ volatile(
		"vmovdqu64 (%[in]), %%zmm1\n\t"
		"vmovdqu64 (%[in]), %%zmm16\n\t"
		"vmovdqu64 (%[in]), %%zmm31\n\t"
		"mov $0x5a5a5a5a, %%ecx\n\t"
		"kmovw %%ecx, %%k3\n\t"
		"mov %[nr], %%rax\n\t"
		"mov %[buf], %%rdi\n\t"
		"mov $4096, %%esi\n\t"
		"syscall\n\t"
		"vmovdqu64 %%zmm1, (%[z1])\n\t"
		"vmovdqu64 %%zmm16, (%[z16])\n\t"
		"vmovdqu64 %%zmm31, (%[z31])\n\t"
		"kmovw %%k3, %%ecx\n\t"
		"mov %%rcx, (%[k])\n\t"
		: "=&a"(r)
		: [in] "r"(in), [z1] "r"(z1), [z16] "r"(z16), [z31] "r"(z31), [k] "r"(k), [nr] "r"(nr),
		  [buf] "r"(buf)
		: "rdi", "rsi", "rcx", "r11", "memory", "xmm1", "xmm16", "xmm31", "k3");
	return memcmp(in, z1, 64) || memcmp(in, z16, 64) || memcmp(in, z31, 64) ||
	       (k[0] & 0xffff) != 0x5a5a;
}

__attribute__((target("avx"))) static int avx_round(long nr)
{
	unsigned long long in[4] = {0x0123456789abcdefULL, 2, 3, 0xfedcba9876543210ULL};
	unsigned long long y7[4], y15[4];
	long r;
	__asm__ volatile(
		"vmovdqu (%[in]), %%ymm7\n\t"
		"vmovdqu (%[in]), %%ymm15\n\t"
		"mov %[nr], %%rax\n\t"
		"mov %[buf], %%rdi\n\t"
		"mov $4096, %%esi\n\t"
		"syscall\n\t"
		"vmovdqu %%ymm7, (%[y7])\n\t"
		"vmovdqu %%ymm15, (%[y15])\n\t"
		: "=&a"(r)
		: [in] "r"(in), [y7] "r"(y7), [y15] "r"(y15), [nr] "r"(nr), [buf] "r"(buf)
		: "rdi", "rsi", "rcx", "r11", "memory", "xmm7", "xmm15");
	return memcmp(in, y7, 32) || memcmp(in, y15, 32);
}

static int pipefd[2];

/* Clobbers what the interrupted code holds, then lets its read finish. */
__attribute__((target("avx512f"))) static void on_alarm(int sig)
{
	(void)sig;
	__asm__ volatile("vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n\t"
			 "vpternlogd $0xff, %%zmm2, %%zmm2, %%zmm2\n\t"
			 "kxnorw %%k3, %%k3, %%k3" ::: "xmm16", "xmm2", "k3");
	write(pipefd[1], "x", 1);
}

/* A read that a SIGALRM handler interrupts (SA_RESTART); 1 if the
 * registers held across it changed. */
__attribute__((target("avx512f"))) static int avx512_signal_round(void)
{
	unsigned long long in[8] = {0x0123456789abcdefULL, 2, 3, 4, 5, 6, 7, 0xfedcba9876543210ULL};
	unsigned long long z2[8], z16[8], k[1];
	char c;
	long r;
	struct itimerval t = {.it_value = {.tv_usec = 20000}};
	setitimer(ITIMER_REAL, &t, NULL);
	__asm__ volatile(
		"vmovdqu64 (%[in]), %%zmm2\n\t"
		"vmovdqu64 (%[in]), %%zmm16\n\t"
		"mov $0x5a5a, %%ecx\n\t"
		"kmovw %%ecx, %%k3\n\t"
		"xor %%eax, %%eax\n\t"
		"mov %[fd], %%edi\n\t"
		"mov %[c], %%rsi\n\t"
		"mov $1, %%edx\n\t"
		"syscall\n\t"
		"vmovdqu64 %%zmm2, (%[z2])\n\t"
		"vmovdqu64 %%zmm16, (%[z16])\n\t"
		"kmovw %%k3, %%ecx\n\t"
		"mov %%rcx, (%[k])\n\t"
		: "=&a"(r)
		: [in] "r"(in), [z2] "r"(z2), [z16] "r"(z16), [k] "r"(k), [fd] "r"(pipefd[0]), [c] "r"(&c)
		: "rdi", "rsi", "rdx", "rcx", "r11", "memory", "xmm2", "xmm16", "k3");
	return r != 1 || memcmp(in, z2, 64) || memcmp(in, z16, 64) || (k[0] & 0xffff) != 0x5a5a;
}

int main(void)
{
	/* getcwd copies a path, uname a record, getpid nothing. */
	static const struct { const char *name; long nr; } calls[] = {
		{"getcwd", 79}, {"getpid", 39}, {"uname", 63},
	};
	int avx512 = __builtin_cpu_supports("avx512f");
	int avx = __builtin_cpu_supports("avx");
	for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		int changed = 0;
		for (int round = 0; round < 100; round++) {
			if (avx512)
				changed |= avx512_round(calls[i].nr);
			else if (avx)
				changed |= avx_round(calls[i].nr);
		}
		printf("%s: vector registers %s\n", calls[i].name, changed ? "changed" : "kept");
	}
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	sigaction(SIGALRM, &sa, NULL);
	pipe(pipefd);
	int changed = 0;
	for (int round = 0; round < 5 && avx512; round++)
		changed |= avx512_signal_round();
	printf("read interrupted by a handler: vector registers %s\n", changed ? "changed" : "kept");
	return 0;
}
