/*
 * rt_sigreturn restores every register: callee-saved ones, all sixteen XMM
 * registers and MXCSR are set before a raw tgkill, clobbered by the handler,
 * and must come back. The handler starts with a fresh MXCSR (0x1f80) and may
 * edit the saved context: r12 and xmm3 changed through the ucontext show up
 * after the return.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

/* q[0..6): rbx rbp r12 r13 r14 r15; q[6..38): xmm0..15; q[38]: mxcsr; q[39]: mxcsr to put back. */
static unsigned long in[40], out[40], saved_rbp;
static volatile unsigned handler_mxcsr;

static void handler(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)info;
	unsigned m;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	handler_mxcsr = m;
	__asm__ volatile("mov $-1, %%rbx\n\tmov $-1, %%r12\n\tmov $-1, %%r13\n\tmov $-1, %%r14\n\tmov $-1, %%r15\n\t"
			 "pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\tpcmpeqd %%xmm2, %%xmm2\n\t"
			 "pcmpeqd %%xmm3, %%xmm3\n\tpcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\t"
			 "pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\tpcmpeqd %%xmm8, %%xmm8\n\t"
			 "pcmpeqd %%xmm9, %%xmm9\n\tpcmpeqd %%xmm10, %%xmm10\n\tpcmpeqd %%xmm11, %%xmm11\n\t"
			 "pcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\tpcmpeqd %%xmm14, %%xmm14\n\t"
			 "pcmpeqd %%xmm15, %%xmm15\n\t"
			 ::: "rbx", "r12", "r13", "r14", "r15", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			 "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[REG_R12] = 0xabcdef;
	uc->uc_mcontext.fpregs->_xmm[3].element[0] = 0x5a5a5a5a;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	for (int i = 0; i < 38; i++)
		in[i] = 0x1111111111111111UL * (unsigned long)(i % 15 + 1) + (unsigned long)i;
	in[38] = 0x7f80; /* round toward zero: not the default */
	in[39] = 0x1f80;
	/* Calls first: they may clobber the register variables below. */
	long pid = getpid(), tid = syscall(SYS_gettid);
	register unsigned long *pin __asm__("r8") = in;
	register unsigned long *pout __asm__("r9") = out;
	register unsigned long *psave __asm__("r10") = &saved_rbp;
	__asm__ volatile(
		"mov %%rbp, (%%r10)\n\t"
		"mov 0(%%r8), %%rbx\n\tmov 8(%%r8), %%rbp\n\tmov 16(%%r8), %%r12\n\t"
		"mov 24(%%r8), %%r13\n\tmov 32(%%r8), %%r14\n\tmov 40(%%r8), %%r15\n\t"
		"movdqu 48(%%r8), %%xmm0\n\tmovdqu 64(%%r8), %%xmm1\n\tmovdqu 80(%%r8), %%xmm2\n\t"
		"movdqu 96(%%r8), %%xmm3\n\tmovdqu 112(%%r8), %%xmm4\n\tmovdqu 128(%%r8), %%xmm5\n\t"
		"movdqu 144(%%r8), %%xmm6\n\tmovdqu 160(%%r8), %%xmm7\n\tmovdqu 176(%%r8), %%xmm8\n\t"
		"movdqu 192(%%r8), %%xmm9\n\tmovdqu 208(%%r8), %%xmm10\n\tmovdqu 224(%%r8), %%xmm11\n\t"
		"movdqu 240(%%r8), %%xmm12\n\tmovdqu 256(%%r8), %%xmm13\n\tmovdqu 272(%%r8), %%xmm14\n\t"
		"movdqu 288(%%r8), %%xmm15\n\tldmxcsr 304(%%r8)\n\t"
		"mov $234, %%eax\n\tsyscall\n\t"
		"mov %%rbx, 0(%%r9)\n\tmov %%rbp, 8(%%r9)\n\tmov %%r12, 16(%%r9)\n\t"
		"mov %%r13, 24(%%r9)\n\tmov %%r14, 32(%%r9)\n\tmov %%r15, 40(%%r9)\n\t"
		"movdqu %%xmm0, 48(%%r9)\n\tmovdqu %%xmm1, 64(%%r9)\n\tmovdqu %%xmm2, 80(%%r9)\n\t"
		"movdqu %%xmm3, 96(%%r9)\n\tmovdqu %%xmm4, 112(%%r9)\n\tmovdqu %%xmm5, 128(%%r9)\n\t"
		"movdqu %%xmm6, 144(%%r9)\n\tmovdqu %%xmm7, 160(%%r9)\n\tmovdqu %%xmm8, 176(%%r9)\n\t"
		"movdqu %%xmm9, 192(%%r9)\n\tmovdqu %%xmm10, 208(%%r9)\n\tmovdqu %%xmm11, 224(%%r9)\n\t"
		"movdqu %%xmm12, 240(%%r9)\n\tmovdqu %%xmm13, 256(%%r9)\n\tmovdqu %%xmm14, 272(%%r9)\n\t"
		"movdqu %%xmm15, 288(%%r9)\n\tstmxcsr 304(%%r9)\n\tldmxcsr 312(%%r8)\n\t"
		"mov (%%r10), %%rbp\n\t"
		: "+r"(pin), "+r"(pout), "+r"(psave)
		: "D"(pid), "S"(tid), "d"((long)SIGUSR1)
		: "rax", "rbx", "rcx", "r11", "r12", "r13", "r14", "r15", "memory", "xmm0", "xmm1", "xmm2",
		  "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
		  "xmm14", "xmm15");

	static const char *names[6] = { "rbx", "rbp", "r12", "r13", "r14", "r15" };
	for (int i = 0; i < 6; i++) {
		unsigned long want = i == 2 ? 0xabcdef : in[i];
		printf("%s restored: %s\n", names[i], out[i] == want ? "yes" : "no");
	}
	for (int x = 0; x < 16; x++) {
		unsigned long lo = in[6 + 2 * x], hi = in[7 + 2 * x];
		if (x == 3)
			lo = (lo & ~0xffffffffUL) | 0x5a5a5a5a;
		printf("xmm%d restored: %s\n", x, out[6 + 2 * x] == lo && out[7 + 2 * x] == hi ? "yes" : "no");
	}
	printf("mxcsr restored: %s\n", (unsigned)out[38] == 0x7f80 ? "yes" : "no");
	printf("handler mxcsr: %#x\n", handler_mxcsr);
	return 0;
}
