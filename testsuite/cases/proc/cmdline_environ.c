/*
 * /proc/self/cmdline and /proc/self/environ are the program's argv and
 * envp, NUL-separated (run with arguments, one of them empty); auxv holds
 * the auxiliary vector getauxval reads.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;
	if (fd < 0)
		return 0;
	/* Small reads, to exercise reading at offsets. */
	while (n < size && (r = read(fd, buf + n, size - n < 7 ? size - n : 7)) > 0)
		n += r;
	close(fd);
	return n;
}

/* Whether `buf` is exactly the strings of `v`, each NUL-terminated. */
static int same(const char *buf, size_t n, char **v)
{
	size_t at = 0;
	for (; *v; v++) {
		size_t len = strlen(*v) + 1;
		if (at + len > n || memcmp(buf + at, *v, len) != 0)
			return 0;
		at += len;
	}
	return at == n;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	size_t n = slurp("/proc/self/cmdline", buf, sizeof buf);
	printf("cmdline is argv: %s\n", same(buf, n, argv) ? "yes" : "no");
	printf("arguments:");
	for (size_t at = strlen(buf) + 1; at < n; at += strlen(buf + at) + 1)
		printf(" [%s]", buf + at);
	printf("\n");
	n = slurp("/proc/self/environ", buf, sizeof buf);
	printf("environ is envp: %s\n", same(buf, n, environ) ? "yes" : "no");
	n = slurp("/proc/self/auxv", buf, sizeof buf);
	unsigned long *av = (unsigned long *)buf;
	int entry = 0, pagesz = 0;
	for (size_t i = 0; i + 1 < n / sizeof *av && av[i] != AT_NULL; i += 2) {
		entry |= av[i] == AT_ENTRY && av[i + 1] == getauxval(AT_ENTRY);
		pagesz |= av[i] == AT_PAGESZ && av[i + 1] == getauxval(AT_PAGESZ);
	}
	printf("auxv has getauxval's AT_ENTRY and AT_PAGESZ: %s\n", entry && pagesz ? "yes" : "no");
	(void)argc;
	return 0;
}
