/*
 * Writes to a read-only page with a SIGSEGV handler installed: the guest must
 * get a real signal frame with si_addr naming the page and SEGV_ACCERR, and
 * siglongjmp out of the handler must resume normally. Repeated to catch a
 * frame or mask that leaks from one delivery to the next.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	fault_addr = info->si_addr;
	fault_code = info->si_code;
	siglongjmp(env, 1);
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) != 0)
		return 1;
	char *p = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	int caught = 0;
	for (int i = 0; i < 3; i++) {
		if (sigsetjmp(env, 1) == 0) {
			*(volatile char *)(p + page + 8 * i) = 1;
			printf("round %d: write did not fault\n", i);
		} else {
			caught++;
			printf("round %d: caught SIGSEGV addr-matches=%s code=%s\n", i,
			       fault_addr == p + page + 8 * i ? "yes" : "no",
			       fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other");
		}
	}
	sigset_t mask;
	sigprocmask(SIG_BLOCK, NULL, &mask);
	printf("SIGSEGV unblocked after siglongjmp: %s\n", sigismember(&mask, SIGSEGV) ? "no" : "yes");
	mprotect(p, 2 * page, PROT_READ | PROT_WRITE);
	p[page] = 42;
	printf("write after mprotect: %d\n", p[page]);
	return caught == 3 ? 0 : 1;
}
