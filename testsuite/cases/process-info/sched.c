/*
 * Scheduling as the host's scheduler answers it for a guest process: nice
 * values (getpriority's raw 20 - nice, setpriority, nice), policies and
 * their parameters, the round-robin interval, CPU affinity set and read
 * back, the I/O priority, sched_getattr's structure, and the NUMA memory
 * policy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	errno = 0;
	int before = getpriority(PRIO_PROCESS, 0), r;
	printf("getpriority: errno %d\n", errno);
	printf("setpriority +3: %d\n", setpriority(PRIO_PROCESS, 0, before + 3));
	printf("nice went up by %d\n", getpriority(PRIO_PROCESS, 0) - before);
	printf("nice(1) went up by %d\n", nice(1) - before);
	r = setpriority(PRIO_PROCESS, 0, -20);
	printf("lowering it: %s\n", r == 0 || errno == EACCES ? "as allowed" : strerror(errno));
	printf("policy %d, FIFO priorities %d..%d\n", sched_getscheduler(0),
	       sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO));
	struct sched_param sp = {0};
	printf("sched_getparam: %d, priority %d\n", sched_getparam(0, &sp), sp.sched_priority);
	sp.sched_priority = 0;
	r = sched_setscheduler(0, SCHED_BATCH, &sp);
	printf("to SCHED_BATCH: %d, now %d\n", r, sched_getscheduler(0));
	sp.sched_priority = 50;
	r = sched_setscheduler(0, SCHED_OTHER, &sp);
	printf("SCHED_OTHER with priority 50: %d %s\n", r, strerror(errno));
	struct timespec ts;
	printf("sched_rr_get_interval: %d\n", sched_rr_get_interval(0, &ts));
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	printf("sched_setaffinity to CPU 0: %d\n", sched_setaffinity(0, sizeof set, &set));
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof set, &set);
	printf("CPUs now %d, CPU 0 among them: %s\n", CPU_COUNT(&set), CPU_ISSET(0, &set) ? "yes" : "no");
	printf("ioprio_get: %ld\n", syscall(SYS_ioprio_get, 1, 0));
	unsigned char attr[56] = {0};
	long got = syscall(SYS_sched_getattr, 0, attr, sizeof attr, 0);
	unsigned size, policy;
	memcpy(&size, attr, 4);
	memcpy(&policy, attr + 4, 4);
	printf("sched_getattr: %ld, size %u, policy %u\n", got, size, policy);
	r = syscall(SYS_sched_getparam, 0, (void *)8);
	printf("sched_getparam of a bad pointer: %d %s\n", r, strerror(errno));

	int mode = -1;
	unsigned long nodes[2] = {0};
	r = syscall(SYS_get_mempolicy, &mode, nodes, 128, 0, 0);
	printf("get_mempolicy: %d, mode %d\n", r, mode);
	r = syscall(SYS_set_mempolicy, 0, NULL, 0);
	printf("set_mempolicy to the default: %d\n", r);
	return 0;
}
