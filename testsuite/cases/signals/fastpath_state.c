/* What a syscall must leave alone, checked around raw `syscall`
 * instructions (the shape ninux rewrites into a call to its fast path):
 * every register but rax, rcx and r11, the vector registers, MXCSR's
 * rounding mode, the red zone below rsp. Signals arrive meanwhile (an
 * interval timer whose handler clobbers vector registers), and a blocking
 * read interrupted by one restarts under SA_RESTART, from a site whose
 * 5-byte shape makes a rewrite cover the syscall instruction itself. */
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;

static unsigned mxcsr(void) {
    unsigned v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void set_mxcsr(unsigned v) {
    __asm__ volatile("ldmxcsr %0" ::"m"(v));
}

static void on_alarm(int sig) {
    (void)sig;
    /* Clobber vector registers in the handler: the interrupted code must
     * get its own back. */
    volatile double d = 1.0;
    for (int i = 0; i < 50; i++)
        d = d * 1.000001 + 0.5;
    __asm__ volatile("pxor %%xmm8, %%xmm8\n\tpxor %%xmm15, %%xmm15" ::: "xmm8", "xmm15");
    ticks++;
}

/* getppid through a raw syscall with xmm8/xmm15 live across it and the
 * callee-saved registers checked; returns the number of registers lost. */
static int one_syscall(void) {
    uint64_t a[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    uint64_t b[2] = {0x1111222233334444ULL, 0x5555666677778888ULL};
    uint64_t out8[2], out15[2];
    uint64_t rbx_after, r12_after, r15_after, red_after;
    __asm__ volatile(
        "movdqu (%[a]), %%xmm8\n\t"
        "movdqu (%[b]), %%xmm15\n\t"
        "mov $0x5a5a5a5a5a5a5a5a, %%rbx\n\t"
        "mov $0x1212121212121212, %%r12\n\t"
        "mov $0x7f7f7f7f7f7f7f7f, %%r15\n\t"
        "movq $0x3c3c3c3c, -64(%%rsp)\n\t"
        "mov $110, %%eax\n\t"
        "syscall\n\t"
        "mov %%rbx, %[rbx]\n\t"
        "mov %%r12, %[r12]\n\t"
        "mov %%r15, %[r15]\n\t"
        "mov -64(%%rsp), %%rax\n\t"
        "mov %%rax, %[red]\n\t"
        "movdqu %%xmm8, (%[o8])\n\t"
        "movdqu %%xmm15, (%[o15])\n\t"
        : [rbx] "=m"(rbx_after), [r12] "=m"(r12_after), [r15] "=m"(r15_after),
          [red] "=m"(red_after)
        : [a] "r"(a), [b] "r"(b), [o8] "r"(out8), [o15] "r"(out15)
        : "rax", "rcx", "r11", "rbx", "r12", "r15", "xmm8", "xmm15", "memory");
    int lost = 0;
    lost += rbx_after != 0x5a5a5a5a5a5a5a5aULL;
    lost += r12_after != 0x1212121212121212ULL;
    lost += r15_after != 0x7f7f7f7f7f7f7f7fULL;
    lost += red_after != 0x3c3c3c3c;
    lost += memcmp(out8, a, 16) != 0;
    lost += memcmp(out15, b, 16) != 0;
    return lost;
}

/* A raw syscall in the shape `L: mov rax, reg; syscall`, L a branch
 * target: a window of exactly 5 bytes, so a rewrite's jump covers the
 * syscall itself and restarts must resume elsewhere. */
static long moved_syscall(long nr, long a0, long a1, long a2) {
    long ret;
    __asm__ volatile("jmp 1f\n\t"
                     "1: mov %[nr], %%rax\n\t"
                     "syscall\n\t"
                     : "=&a"(ret)
                     : [nr] "r"(nr), "D"(a0), "S"(a1), "d"(a2)
                     : "rcx", "r11", "memory");
    return ret;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    /* Round upward (RC = 10), not the default to nearest. */
    set_mxcsr((mxcsr() & ~0x6000u) | 0x4000u);

    struct itimerval it = {{0, 500}, {0, 500}};
    setitimer(ITIMER_REAL, &it, NULL);
    long lost = 0;
    long ppid = getppid();
    for (int i = 0; i < 200000 && ticks < 200; i++) {
        lost += one_syscall();
        lost += moved_syscall(110, 0, 0, 0) != ppid;
    }
    /* A blocking read that signals interrupt: SA_RESTART restarts it until
     * the writer (a child, after 50 ms) writes. */
    int p[2];
    if (pipe(p) < 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        usleep(50000);
        write(p[1], "x", 1);
        _exit(0);
    }
    char c = 0;
    /* The read restarts (SA_RESTART) through the moved shape. */
    long n = moved_syscall(0, p[0], (long)&c, 1);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);

    printf("registers lost across syscalls: %ld\n", lost);
    printf("handler ran: %s\n", ticks > 0 ? "yes" : "no");
    printf("rounding mode kept: %s\n", (mxcsr() & 0x6000u) == 0x4000u ? "yes" : "no");
    printf("restarted read: %ld '%c'\n", n, c);
    return 0;
}
