/* AF_UNIX: socketpair (stream, datagram, seqpacket), SCM_RIGHTS passing an open
 * file between two processes, a path-named stream socket in the current
 * directory (bind, connect, getsockname, EADDRINUSE, ENOENT), a short name in
 * a directory deeper than sun_path could spell, an abstract name, and
 * MSG_PEEK / MSG_WAITALL. */
#include "check.h"
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

static int send_fd(int s, int fd)
{
	char byte = 'F';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return sendmsg(s, &m, 0);
}

static int recv_fd(int s)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -2;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static struct sockaddr_un named(const char *path, socklen_t *len)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (path[0] == '@') {
		memcpy(a.sun_path + 1, path + 1, strlen(path) - 1);
		*len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	} else {
		strcpy(a.sun_path, path);
		*len = sizeof a;
	}
	return a;
}

/* Binds a datagram socket at `a`, sends it `msg` from another and prints
 * what arrived under `label`; returns the bound socket. */
static int dgram_echo(const char *label, const struct sockaddr_un *a, socklen_t len,
		      const char *msg)
{
	char b[64];
	int r = socket(AF_UNIX, SOCK_DGRAM, 0);
	T(bind(r, (const struct sockaddr *)a, len));
	int w = socket(AF_UNIX, SOCK_DGRAM, 0);
	T(sendto(w, msg, strlen(msg), 0, (const struct sockaddr *)a, len));
	int n = recv(r, b, sizeof b, 0);
	printf("%s read %d: %.*s\n", label, n, n > 0 ? n : 0, b);
	return r;
}

int main(void)
{
	int sv[2];
	char b[64];
	T(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? 0 : -1);
	T(write(sv[0], "ping", 4));
	T(recv(sv[1], b, sizeof b, MSG_PEEK));
	T(read(sv[1], b, sizeof b));
	printf("got %.4s\n", b);
	T(socketpair(AF_INET, SOCK_STREAM, 0, sv));
	/* SOCK_SEQPACKET keeps message boundaries. */
	T(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0 ? 0 : -1);
	T(write(sv[0], "ab", 2));
	T(write(sv[0], "cde", 3));
	T(read(sv[1], b, sizeof b));
	T(read(sv[1], b, sizeof b));

	/* SCM_RIGHTS: the child opens a pipe, passes its read end, writes. */
	T(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 ? 0 : -1);
	pid_t pid = fork();
	if (pid == 0) {
		int p[2];
		if (pipe(p) < 0 || send_fd(sv[1], p[0]) != 1)
			_exit(1);
		close(p[0]);
		write(p[1], "through a passed fd", 19);
		_exit(0);
	}
	int got = recv_fd(sv[0]);
	printf("received fd: %s\n", got >= 0 ? "yes" : "no");
	int n = read(got, b, sizeof b);
	printf("read %d: %.*s\n", n, n > 0 ? n : 0, b);
	printf("cloexec: %d\n", fcntl(got, F_GETFD) & FD_CLOEXEC);
	int st;
	waitpid(pid, &st, 0);
	printf("child exit %d\n", WEXITSTATUS(st));

	/* A path in the current directory. */
	socklen_t len;
	unlink("sock");
	struct sockaddr_un a = named("sock", &len);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	T(bind(l, (struct sockaddr *)&a, len));
	T(listen(l, 4));
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	T(bind(l2, (struct sockaddr *)&a, len));
	struct sockaddr_un got_a;
	socklen_t glen = sizeof got_a;
	T(getsockname(l, (struct sockaddr *)&got_a, &glen));
	printf("name %s len %d\n", got_a.sun_path, (int)glen);
	pid = fork();
	if (pid == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, len) < 0)
			_exit(2);
		write(c, "hello over a path, ", 19);
		write(c, "in two writes", 13);
		_exit(0);
	}
	int c = accept(l, NULL, NULL);
	n = recv(c, b, 32, MSG_WAITALL);
	printf("accepted, read %d: %.*s\n", n, n > 0 ? n : 0, b);
	waitpid(pid, &st, 0);
	struct sockaddr_un none = named("no/such/dir/sock", &len);
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	T(connect(c2, (struct sockaddr *)&none, len));
	unlink("sock");

	/* A short name in a deep directory: natively only the name given
	 * counts against sun_path's 108 bytes, however deep the directory. */
	const char *deep = "deep-directory-with-a-long-name-to-push-the-full-path-past-108-bytes";
	char cwd[4096];
	T(getcwd(cwd, sizeof cwd) ? 0 : -1);
	for (int i = 0; i < 3; i++) {
		mkdir(deep, 0755);
		T(chdir(deep));
	}
	unlink("dsock");
	struct sockaddr_un ds = named("dsock", &len);
	dgram_echo("deep", &ds, len, "deep");
	int dc = socket(AF_UNIX, SOCK_DGRAM, 0);
	T(connect(dc, (struct sockaddr *)&ds, len));
	T(unlink("dsock"));
	for (int i = 0; i < 3; i++) {
		T(chdir(".."));
		T(rmdir(deep));
	}
	T(chdir(cwd));

	/* An abstract name. Abstract names are shared by every process in the
	 * network namespace, and runs of this case overlap: each takes a name
	 * of its own (the same length every time), and prints the part all
	 * runs share. */
	char abstract[64];
	const char *prefix = "@ninux-conformance-abstract-";
	snprintf(abstract, sizeof abstract, "%s%08x", prefix, (unsigned)getpid());
	struct sockaddr_un ab = named(abstract, &len);
	int d = dgram_echo("abstract", &ab, len, "dgram");
	glen = sizeof got_a;
	T(getsockname(d, (struct sockaddr *)&got_a, &glen));
	/* An abstract name is not NUL-terminated: compare exactly its bytes. */
	int alen = (int)glen - (int)offsetof(struct sockaddr_un, sun_path) - 1;
	int same = alen == (int)strlen(abstract) - 1 &&
		   memcmp(got_a.sun_path + 1, abstract + 1, alen) == 0;
	printf("abstract name %.*s... (%s) len %d\n", (int)strlen(prefix) - 1, abstract + 1,
	       same ? "as bound" : "not as bound", (int)glen);
	return 0;
}
