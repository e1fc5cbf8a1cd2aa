/*
 * Resource limits are inherited from the parent, so the guest must see the
 * runner's limits, not whatever ninux set for itself.
 */
#include <stdio.h>
#include <sys/resource.h>

static void show(const char *name, int which)
{
	struct rlimit r;
	if (getrlimit(which, &r) != 0) {
		printf("%s: error\n", name);
		return;
	}
	printf("%s: cur=", name);
	if (r.rlim_cur == RLIM_INFINITY)
		printf("unlimited");
	else
		printf("%llu", (unsigned long long)r.rlim_cur);
	printf(" max=");
	if (r.rlim_max == RLIM_INFINITY)
		printf("unlimited\n");
	else
		printf("%llu\n", (unsigned long long)r.rlim_max);
}

int main(void)
{
	show("NOFILE", RLIMIT_NOFILE);
	show("STACK", RLIMIT_STACK);
	show("CORE", RLIMIT_CORE);
	show("AS", RLIMIT_AS);
	return 0;
}
