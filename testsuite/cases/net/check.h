/*
 * Shared by the net cases: print each call's result as `expr = N` or
 * `expr = -1 ENAME` (errno names, which do not differ between libcs), and
 * small helpers for loopback sockets on ephemeral ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *ename(int e)
{
	static char other[16];
	switch (e) {
#define E(x) case x: return #x;
	E(EPERM) E(ENOENT) E(EBADF) E(EACCES) E(EFAULT) E(EINVAL) E(EPIPE)
	E(EAGAIN) E(ENOTSOCK) E(EDESTADDRREQ) E(EMSGSIZE) E(EPROTOTYPE)
	E(ENOPROTOOPT) E(EPROTONOSUPPORT) E(ESOCKTNOSUPPORT) E(EOPNOTSUPP)
	E(EAFNOSUPPORT) E(EADDRINUSE) E(EADDRNOTAVAIL) E(ENETUNREACH)
	E(ECONNRESET) E(EISCONN) E(ENOTCONN) E(ECONNREFUSED) E(EINPROGRESS)
	E(EALREADY) E(ENAMETOOLONG)
#undef E
	}
	snprintf(other, sizeof other, "E#%d", e);
	return other;
}

static long report(const char *what, long r)
{
	int e = errno;
	if (r < 0)
		printf("%s = %ld %s\n", what, r, ename(e));
	else
		printf("%s = %ld\n", what, r);
	fflush(stdout);
	errno = e;
	return r;
}

#define T(expr) report(#expr, (long)(expr))
/* Like T, for calls whose success value varies between runs (fds, ports). */
#define OK(expr) report(#expr, (long)(expr) < 0 ? -1 : 0)

/* 127.0.0.1 port `port` (host order). */
static inline struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A listening TCP socket on 127.0.0.1 and an ephemeral port; *port gets it. */
static inline int listener(int *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return s;
}
