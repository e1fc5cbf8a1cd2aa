/* TCP error paths: ECONNREFUSED, EADDRINUSE, ENOTCONN, EPIPE with and
 * without SIGPIPE (MSG_NOSIGNAL), EAGAIN on non-blocking sockets,
 * non-blocking connect with EINPROGRESS and SO_ERROR, and bad arguments. */
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

static volatile int pipes;
static void on_pipe(int sig)
{
	(void)sig;
	pipes++;
}

int main(void)
{
	int port, err;
	socklen_t len = sizeof err;
	int l = listener(&port);
	if (l < 0)
		return 1;

	/* A port nobody listens on: take one and close it. */
	int closedport;
	int c0 = listener(&closedport);
	close(c0);
	struct sockaddr_in dead = loopback(closedport);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	T(connect(s, (struct sockaddr *)&dead, sizeof dead));
	close(s);

	/* EADDRINUSE: bind to the listener's port. */
	struct sockaddr_in taken = loopback(port);
	s = socket(AF_INET, SOCK_STREAM, 0);
	T(bind(s, (struct sockaddr *)&taken, sizeof taken));
	/* ENOTCONN */
	char b[8];
	struct sockaddr_in peer;
	socklen_t plen = sizeof peer;
	T(getpeername(s, (struct sockaddr *)&peer, &plen));
	T(send(s, "x", 1, MSG_NOSIGNAL));
	T(recv(s, b, 1, 0));
	T(shutdown(s, SHUT_RDWR));
	T(shutdown(s, 7));
	close(s);

	/* Bad arguments. */
	T(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	T(socket(12345, SOCK_STREAM, 0));
	T(connect(0, (struct sockaddr *)&taken, sizeof taken));
	T(connect(99, (struct sockaddr *)&taken, sizeof taken));
	s = socket(AF_INET, SOCK_STREAM, 0);
	T(connect(s, (struct sockaddr *)&taken, 3));
	struct sockaddr_in6 six;
	memset(&six, 0, sizeof six);
	six.sin6_family = AF_INET6;
	T(connect(s, (struct sockaddr *)&six, sizeof six));
	T(setsockopt(s, SOL_SOCKET, 12345, &err, sizeof err));
	close(s);

	/* Non-blocking connect: EINPROGRESS (or at once on loopback), then
	 * writable with SO_ERROR 0; to the dead port, SO_ERROR ECONNREFUSED. */
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(s, (struct sockaddr *)&taken, sizeof taken);
	printf("nonblocking connect: %s\n", r == 0 || errno == EINPROGRESS ? "ok" : ename(errno));
	struct pollfd p = {.fd = s, .events = POLLOUT};
	T(poll(&p, 1, 5000));
	T(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len));
	printf("SO_ERROR = %s\n", err ? ename(err) : "0");
	int a = accept(l, NULL, NULL);
	/* EAGAIN: nothing to read yet on either side. */
	T(recv(s, b, sizeof b, 0));
	T(recv(a, b, sizeof b, MSG_DONTWAIT));
	/* EPIPE: the peer is gone; first with MSG_NOSIGNAL, then with a
	 * SIGPIPE handler. */
	close(a);
	usleep(50000);
	send(s, "x", 1, MSG_NOSIGNAL); /* may succeed: the RST comes back after */
	usleep(50000);
	T(send(s, "x", 1, MSG_NOSIGNAL));
	signal(SIGPIPE, on_pipe);
	T(send(s, "x", 1, 0));
	printf("SIGPIPE handled %d time(s)\n", pipes);
	close(s);

	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(s, (struct sockaddr *)&dead, sizeof dead);
	if (r < 0 && errno == EINPROGRESS) {
		p.fd = s;
		p.events = POLLOUT;
		poll(&p, 1, 5000);
		getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
		printf("dead port: SO_ERROR = %s\n", err ? ename(err) : "0");
	} else {
		printf("dead port: SO_ERROR = %s\n", ename(errno));
	}
	/* accept on a non-blocking listener with nothing waiting. */
	T(fcntl(l, F_SETFL, O_NONBLOCK));
	T(accept(l, NULL, NULL));
	T(listen(s, 1) == 0 ? 0 : -1);
	return 0;
}
