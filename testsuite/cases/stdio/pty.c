/*
 * A pseudo-terminal pair: posix_openpt, grantpt, unlockpt, ptsname, the
 * slave opened by that name is a tty whose ttyname is the same name (stat
 * by path and by fd agree), line discipline (a written newline reads
 * back as CR LF on the master, a line written to the master reads on the
 * slave), window size set on the master and read on the slave, raw mode
 * through termios, tcdrain and tcflush, FIONBIO, FIONREAD, and openpty.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static void show(const char *what, const char *buf, ssize_t n)
{
	printf("%s: %zd bytes:", what, n);
	for (ssize_t i = 0; i < n; i++)
		printf(" %02x", (unsigned char)buf[i]);
	printf("\n");
}

/* Reads until `want` bytes came or a second passed: the tty layer hands
 * data over asynchronously, in pieces. */
static ssize_t drain(int fd, char *buf, size_t want)
{
	size_t got = 0;
	while (got < want) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 1000) <= 0)
			break;
		ssize_t n = read(fd, buf + got, want - got);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0) {
		printf("no pty: %s\n", strerror(errno));
		return 0;
	}
	printf("grantpt %d, unlockpt %d\n", grantpt(m), unlockpt(m));
	char name[64];
	strncpy(name, ptsname(m), sizeof name - 1);
	printf("ptsname under /dev/pts/: %s\n", strncmp(name, "/dev/pts/", 9) == 0 ? "yes" : "no");
	int s = open(name, O_RDWR | O_NOCTTY);
	printf("slave opened: %s, isatty %d, master isatty %d\n", s >= 0 ? "yes" : strerror(errno),
	       isatty(s), isatty(m));
	char *tn = ttyname(s);
	printf("ttyname is ptsname: %s\n", tn && strcmp(tn, name) == 0 ? "yes" : "no");

	int on = 1;
	printf("FIONBIO %d\n", ioctl(m, FIONBIO, &on));
	char buf[64];
	ssize_t n = read(m, buf, sizeof buf);
	printf("nonblocking read with nothing written: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	on = 0;
	ioctl(m, FIONBIO, &on);

	write(s, "out\n", 4);
	n = drain(m, buf, 5);
	show("slave wrote out\\n, master read", buf, n);
	write(m, "in\n", 3);
	n = drain(s, buf, 3);
	show("master wrote in\\n, slave read", buf, n);
	n = drain(m, buf, 4);
	show("and its echo", buf, n);

	struct winsize ws = {.ws_row = 33, .ws_col = 99};
	ioctl(m, TIOCSWINSZ, &ws);
	memset(&ws, 0, sizeof ws);
	ioctl(s, TIOCGWINSZ, &ws);
	printf("window %dx%d\n", ws.ws_row, ws.ws_col);

	struct termios t;
	tcgetattr(s, &t);
	printf("canonical %d, echo %d\n", !!(t.c_lflag & ICANON), !!(t.c_lflag & ECHO));
	cfmakeraw(&t);
	printf("raw: tcsetattr %d\n", tcsetattr(s, TCSANOW, &t));
	write(s, "raw\n", 4);
	n = drain(m, buf, 4);
	show("raw slave wrote raw\\n, master read", buf, n);
	printf("tcdrain %d, tcflush %d\n", tcdrain(s), tcflush(s, TCIOFLUSH));

	write(s, "abc", 3);
	struct pollfd p = {.fd = m, .events = POLLIN};
	poll(&p, 1, 1000);
	int avail = -1;
	for (int i = 0; i < 100 && avail < 3; i++) {
		ioctl(m, FIONREAD, &avail);
		if (avail < 3)
			usleep(1000);
	}
	printf("FIONREAD %d\n", avail);
	close(s);
	close(m);

	int a, b;
	printf("openpty %d\n", openpty(&a, &b, NULL, NULL, NULL));
	write(b, "x", 1);
	n = drain(a, buf, 1);
	show("openpty pair", buf, n);
	tn = ttyname(b);
	printf("its ttyname under /dev/pts/: %s\n", tn && strncmp(tn, "/dev/pts/", 9) == 0 ? "yes" : "no");
	return 0;
}
