/*
 * capget as root reports the capabilities the process holds (the same
 * sets natively and under ninux, whatever the host grants root), answers
 * a version probe with the version it prefers, and reads another
 * process's; capset can drop effective capabilities. personality(2)
 * reports PER_LINUX, records what is set (uname then says i686 under
 * PER_LINUX32) and returns the old value.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

/* linux/capability.h's, which musl does not ship. */
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
struct cap_header {
	unsigned version;
	int pid;
};
struct cap_data {
	unsigned effective, permitted, inheritable;
};

int main(void)
{
	struct cap_header h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct cap_data d[2] = {{0}};
	long r = syscall(SYS_capget, &h, d);
	printf("capget: %ld, effective %x %x, permitted %x %x, inheritable %x\n", r,
	       d[0].effective, d[1].effective, d[0].permitted, d[1].permitted, d[0].inheritable);
	h.version = 0x1234;
	r = syscall(SYS_capget, &h, NULL);
	printf("version probe: %ld, version %x\n", r, h.version);
	h.version = _LINUX_CAPABILITY_VERSION_3;
	h.pid = getppid();
	r = syscall(SYS_capget, &h, d);
	printf("the parent's: %ld\n", r);
	h.pid = 0;
	d[0].effective = d[1].effective = 0;
	r = syscall(SYS_capset, &h, d);
	printf("capset dropping the effective set: %ld\n", r);
	r = syscall(SYS_capget, &h, d);
	printf("effective now %x %x\n", d[0].effective, d[1].effective);

	printf("personality: %#x\n", personality(0xffffffff));
	printf("set PER_LINUX32: old %#x\n", personality(PER_LINUX32));
	struct utsname u;
	uname(&u);
	printf("machine %s\n", u.machine);
	printf("set ADDR_NO_RANDOMIZE: old %#x\n", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
	printf("personality: %#x\n", personality(0xffffffff));
	uname(&u);
	printf("machine %s\n", u.machine);
	return 0;
}
