#define _GNU_SOURCE
/* TCP between two processes (fork) on 127.0.0.1 and ::1 with the options
 * real servers set, a large transfer checked by sum, sendmsg/recvmsg with
 * several iovecs, sendmmsg/recvmmsg, and UDP with sendto/recvfrom. */
#include "check.h"
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define BIG (4 << 20)

static void tcp(int family)
{
	int l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1, v;
	socklen_t len = sizeof v;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t alen;
	if (family == AF_INET) {
		struct sockaddr_in a = loopback(0);
		memcpy(&ss, &a, sizeof a);
		alen = sizeof a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		alen = sizeof *a;
		T(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
	}
	T(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	T(getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &v, &len));
	printf("SO_REUSEADDR %d\n", v != 0);
	if (T(bind(l, (struct sockaddr *)&ss, alen)) < 0)
		return; /* a host without ::1 */
	T(listen(l, 8));
	T(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
	printf("SO_ACCEPTCONN %d\n", v);
	T(getsockname(l, (struct sockaddr *)&ss, &alen));
	printf("family %d len %d\n", ss.ss_family, (int)alen);
	pid_t pid = fork();
	if (pid == 0) {
		int c = socket(family, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&ss, alen) < 0)
			_exit(2);
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char *buf = malloc(BIG);
		for (int i = 0; i < BIG; i++)
			buf[i] = (char)(i * 7 + i / 4096);
		for (int off = 0; off < BIG;) {
			int n = write(c, buf + off, BIG - off);
			if (n <= 0)
				_exit(3);
			off += n;
		}
		shutdown(c, SHUT_WR);
		char ack[3];
		_exit(read(c, ack, 3) == 3 ? 0 : 4);
	}
	struct sockaddr_storage peer;
	socklen_t plen = sizeof peer;
	int a = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	printf("accepted: %s, peer family %d len %d\n", a >= 0 ? "yes" : ename(errno), peer.ss_family, (int)plen);
	T(getsockopt(a, SOL_SOCKET, SO_TYPE, &v, &len));
	printf("SO_TYPE %d\n", v);
	T(getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &v, &len));
	T(setsockopt(a, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
	struct timeval tv = {5, 0};
	T(setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	struct linger lg = {1, 2};
	T(setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	unsigned long sum = 0, total = 0;
	static char buf[65536];
	for (;;) {
		int n = read(a, buf, sizeof buf);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		total += n;
	}
	printf("received %lu bytes, sum %lx\n", total, sum);
	T(write(a, "ack", 3));
	int st;
	waitpid(pid, &st, 0);
	printf("client exit %d\n", WEXITSTATUS(st));
	close(a);
	close(l);
}

static void udp(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int r = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = loopback(0);
	socklen_t alen = sizeof a;
	T(bind(r, (struct sockaddr *)&a, sizeof a));
	T(getsockname(r, (struct sockaddr *)&a, &alen));
	T(sendto(s, "one", 3, 0, (struct sockaddr *)&a, sizeof a));
	char b[16];
	struct sockaddr_in from;
	socklen_t flen = sizeof from;
	T(recvfrom(r, b, sizeof b, 0, (struct sockaddr *)&from, &flen));
	printf("from loopback: %d len %d\n", from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), (int)flen);
	T(connect(s, (struct sockaddr *)&a, sizeof a));
	/* sendmsg with two iovecs, recvmsg into two. */
	struct iovec out[2] = {{"ab", 2}, {"cde", 3}};
	struct msghdr m = {.msg_iov = out, .msg_iovlen = 2};
	T(sendmsg(s, &m, 0));
	char x[2], y[8];
	struct iovec in[2] = {{x, 2}, {y, 8}};
	struct msghdr m2 = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = in, .msg_iovlen = 2};
	T(recvmsg(r, &m2, 0));
	printf("iovecs %.2s %.3s namelen %d\n", x, y, (int)m2.msg_namelen);
	/* A datagram bigger than the buffer: MSG_TRUNC. */
	T(send(s, "0123456789", 10, 0));
	T(recv(r, b, 4, MSG_TRUNC));
	/* sendmmsg / recvmmsg */
	struct iovec v3[3] = {{"m1", 2}, {"m22", 3}, {"m333", 4}};
	struct mmsghdr mm[3];
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &v3[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	T(sendmmsg(s, mm, 3, 0));
	char rb[3][8];
	struct iovec rv[3] = {{rb[0], 8}, {rb[1], 8}, {rb[2], 8}};
	struct mmsghdr rm[3];
	memset(rm, 0, sizeof rm);
	for (int i = 0; i < 3; i++) {
		rm[i].msg_hdr.msg_iov = &rv[i];
		rm[i].msg_hdr.msg_iovlen = 1;
	}
	T(recvmmsg(r, rm, 3, MSG_WAITFORONE, NULL));
	printf("lens %d %d %d\n", rm[0].msg_len, rm[1].msg_len, rm[2].msg_len);
	T(recv(r, b, sizeof b, MSG_DONTWAIT));
}

int main(void)
{
	tcp(AF_INET);
	tcp(AF_INET6);
	udp();
	return 0;
}
