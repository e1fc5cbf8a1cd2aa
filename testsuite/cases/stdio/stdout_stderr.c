/*
 * Output on both stdout and stderr through unbuffered write(2), including a
 * 1 MiB single write that fills the pipe several times over and so blocks
 * until the reader drains it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		exit(1);
}

int main(void)
{
	say(1, "to stdout 1\n");
	say(2, "to stderr 1\n");
	size_t len = 1 << 20;
	char *big = malloc(len);
	for (size_t i = 0; i < len; i++)
		big[i] = (i % 64 == 63) ? '\n' : (char)('0' + i % 10);
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(1, big + done, len - done);
		if (n <= 0)
			return 1;
		done += (size_t)n;
	}
	say(2, "to stderr 2\n");
	say(1, "to stdout 2\n");
	return 0;
}
