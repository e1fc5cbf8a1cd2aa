/*
 * dup, dup2, dup3 and fcntl: duplicates share one open file description
 * (offset and status flags), close-on-exec is per descriptor, and the
 * lowest free number is taken.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
	int fd, d1, d2;
	char c;
	T(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	T(write(fd, "abcdef", 6));
	T(lseek(fd, 1, SEEK_SET));
	T(d1 = dup(fd));
	T(read(d1, &c, 1));
	printf("read '%c'\n", c);
	T(lseek(fd, 0, SEEK_CUR)); /* moved by the read on the dup */
	T(d2 = dup2(fd, 10));
	T(lseek(d2, 4, SEEK_SET));
	T(lseek(d1, 0, SEEK_CUR));
	T(dup2(fd, fd)); /* same fd: returned as is */
	T(dup2(99, 11));
	T(dup2(fd, -1));
	T(dup3(fd, fd, 0));
	T(dup3(fd, 12, O_CLOEXEC));
	T(fcntl(12, F_GETFD));
	T(fcntl(d2, F_GETFD));
	T(close(d1));
	T(dup(fd)); /* lowest free: d1's number again */
	T(dup2(d2, 12)); /* replaces 12, without close-on-exec */
	T(fcntl(12, F_GETFD));

	/* FD flags. */
	T(fcntl(fd, F_GETFD));
	T(fcntl(fd, F_SETFD, FD_CLOEXEC));
	T(fcntl(fd, F_GETFD));
	T(fcntl(d2, F_GETFD)); /* per descriptor, not shared */
	T(fcntl(fd, F_SETFD, 0));
	T(fcntl(fd, F_GETFD));
	T(d1 = fcntl(fd, F_DUPFD_CLOEXEC, 20));
	T(fcntl(d1, F_GETFD));
	T(fcntl(fd, F_DUPFD, 20)); /* 20 taken: 21 */
	T(fcntl(fd, F_DUPFD, -1));
	T(fcntl(fd, F_DUPFD, 1 << 30));

	/* Status flags are shared. */
	T(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	T(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
	T(fcntl(d2, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	T(write(d2, "G", 1)); /* appended */
	T(lseek(fd, 0, SEEK_CUR));
	T(fcntl(fd, F_SETFL, O_RDONLY)); /* access mode is not changed */
	T(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	T(pwrite(fd, "A", 1, 0)); /* no O_APPEND any more */
	show_file("f");
	int ro;
	T(ro = open("f", O_RDONLY));
	T(fcntl(ro, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	T(fcntl(ro, F_SETFL, O_RDWR));
	T(write(ro, "x", 1));

	T(fcntl(99, F_GETFD));
	T(fcntl(fd, 9999));
	T(close(99));
	T(close(-1));
	T(close(fd));
	T(close(fd));
	T(read(d2, &c, 1)); /* still open through the dup */
	return 0;
}
