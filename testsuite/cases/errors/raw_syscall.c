/*
 * The syscall instruction itself, from inline asm rather than libc: a raw
 * write and getpid, then the register contract of the x86-64 syscall ABI —
 * every register except rax, rcx and r11 is preserved, rcx holds the return
 * address and r11 the flags — which a trap-and-emulate layer must reproduce.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

/* Written from asm by symbol name, so not static. */
uint64_t ninux_after[12], ninux_rcx_after, ninux_r11_after, ninux_flags_before, ninux_ret_label;

int main(void)
{
	static const char msg[] = "raw write through the syscall instruction\n";
	long n = raw3(SYS_write, 1, (long)msg, sizeof msg - 1);
	printf("raw write returned %ld\n", n);
	printf("raw getpid matches libc: %s\n", raw3(SYS_getpid, 0, 0, 0) == getpid() ? "yes" : "no");
	printf("raw bad fd returns -EBADF: %s\n", raw3(SYS_close, 12345, 0, 0) == -9 ? "yes" : "no");

	/*
	 * Load marker values, do getpid, and store what the registers hold after.
	 * Results go to globals addressed rip-relative, because the pushes move rsp
	 * and every general register is in use.
	 */
	__asm__ volatile(
		"push %%rbx\n\t"
		"push %%rbp\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"mov $0x1111111111111111, %%rbx\n\t"
		"mov $0x2222222222222222, %%rbp\n\t"
		"mov $0x3333333333333333, %%rdi\n\t"
		"mov $0x4444444444444444, %%rsi\n\t"
		"mov $0x5555555555555555, %%rdx\n\t"
		"mov $0x6666666666666666, %%r8\n\t"
		"mov $0x7777777777777777, %%r9\n\t"
		"mov $0x8888888888888888, %%r10\n\t"
		"mov $0x9999999999999999, %%r12\n\t"
		"mov $0xaaaaaaaaaaaaaaaa, %%r13\n\t"
		"mov $0xbbbbbbbbbbbbbbbb, %%r14\n\t"
		"mov $0xcccccccccccccccc, %%r15\n\t"
		"lea 1f(%%rip), %%rax\n\t"
		"mov %%rax, ninux_ret_label(%%rip)\n\t"
		"pushfq\n\t"
		"pop %%rax\n\t"
		"mov %%rax, ninux_flags_before(%%rip)\n\t"
		"mov %[nr], %%eax\n\t"
		"syscall\n"
		"1:\n\t"
		"mov %%rcx, ninux_rcx_after(%%rip)\n\t"
		"mov %%r11, ninux_r11_after(%%rip)\n\t"
		"mov %%rbx, ninux_after+0(%%rip)\n\t"
		"mov %%rbp, ninux_after+8(%%rip)\n\t"
		"mov %%rdi, ninux_after+16(%%rip)\n\t"
		"mov %%rsi, ninux_after+24(%%rip)\n\t"
		"mov %%rdx, ninux_after+32(%%rip)\n\t"
		"mov %%r8, ninux_after+40(%%rip)\n\t"
		"mov %%r9, ninux_after+48(%%rip)\n\t"
		"mov %%r10, ninux_after+56(%%rip)\n\t"
		"mov %%r12, ninux_after+64(%%rip)\n\t"
		"mov %%r13, ninux_after+72(%%rip)\n\t"
		"mov %%r14, ninux_after+80(%%rip)\n\t"
		"mov %%r15, ninux_after+88(%%rip)\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbp\n\t"
		"pop %%rbx\n\t"
		:
		: [nr] "i"(SYS_getpid)
		: "rax", "rcx", "r11", "rdi", "rsi", "rdx", "r8", "r9", "r10", "memory", "cc");
	static const char *names[12] = {"rbx", "rbp", "rdi", "rsi", "rdx", "r8",
					"r9",  "r10", "r12", "r13", "r14", "r15"};
	static const uint64_t want[12] = {
		0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
		0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0x8888888888888888,
		0x9999999999999999, 0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb, 0xcccccccccccccccc};
	for (int i = 0; i < 12; i++)
		printf("%s preserved: %s\n", names[i], ninux_after[i] == want[i] ? "yes" : "no");
	printf("rcx holds the return address: %s\n", ninux_rcx_after == ninux_ret_label ? "yes" : "no");
	printf("r11 holds rflags: %s\n", ninux_r11_after == ninux_flags_before ? "yes" : "no");
	return 0;
}
