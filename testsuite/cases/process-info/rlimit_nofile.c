/*
 * RLIMIT_NOFILE bounds fd allocation: open, pipe and dup fail with EMFILE at
 * the limit, dup2 beyond it is EBADF, F_DUPFD beyond it EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
int main(void)
{
	struct rlimit r = {10, 10};
	setrlimit(RLIMIT_NOFILE, &r);
	int last = -1, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0) last = fd;
	printf("open stops at %d: %s\n", last, strerror(errno));
	int rc = dup2(0, 10); printf("dup2 to 10: %d %s\n", rc, strerror(errno));
	rc = fcntl(0, F_DUPFD, 10); printf("F_DUPFD 10: %d %s\n", rc, strerror(errno));
	int p[2]; rc = pipe(p); printf("pipe: %d %s\n", rc, strerror(errno));
	close(9); rc = dup(0); printf("dup after close: %d\n", rc);
	return 0;
}
