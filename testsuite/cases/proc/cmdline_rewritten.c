/*
 * /proc/self/cmdline is read from the process's memory, as Linux reads
 * it: a program that rewrites its argument strings in place (as ps shows
 * daemons renamed) sees the new text, and one that overwrites the final
 * NUL (setproctitle writing past argv into the environment area) sees the
 * text up to the first NUL after it. environ is read from memory too.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t r = fd < 0 ? -1 : read(fd, buf, size);
	if (fd >= 0)
		close(fd);
	return r < 0 ? 0 : (size_t)r;
}

/* Shows the bytes after argv[0] (whose path differs between runs). */
static void show(const char *what, const char *buf, size_t n)
{
	size_t i = strnlen(buf, n) + 1;
	printf("%s (%zu bytes after argv[0]):", what, n < i ? 0 : n - i);
	for (; i < n; i++)
		putchar(buf[i] ? buf[i] : '|');
	putchar('\n');
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	if (argc < 3 || !environ[0])
		return 2;
	/* Same length: argv[1] "first" becomes "FIRST". */
	for (char *p = argv[1]; *p; p++)
		*p = (char)(*p - 'a' + 'A');
	show("renamed", buf, slurp("/proc/self/cmdline", buf, sizeof buf));

	/* The environment string gets a recognizable value first. */
	char *env = environ[0];
	size_t envlen = strlen(env);
	memset(env, 'e', envlen);
	size_t got = slurp("/proc/self/environ", buf, sizeof buf);
	printf("environ starts with the rewritten string: %s\n",
	       got > envlen && strspn(buf, "e") == envlen && buf[envlen] == 0 ? "yes" : "no");

	/* Every NUL of the argument area becomes a space, the last one '+':
	 * the title now runs on into the environment area, which starts right
	 * after it, and Linux shows it up to its first NUL. */
	size_t skip = strlen(argv[0]);
	for (int i = 0; i < argc - 1; i++)
		argv[i][strlen(argv[i])] = ' ';
	argv[argc - 1][strlen(argv[argc - 1])] = '+';
	size_t n = slurp("/proc/self/cmdline", buf, sizeof buf);
	printf("overflowed:");
	for (size_t i = skip; i < n; i++) {
		size_t run = strspn(buf + i, "e");
		if (run == envlen) {
			printf("<the environment string>");
			i += run - 1;
		} else {
			putchar(buf[i] ? buf[i] : '|');
		}
	}
	putchar('\n');
	return 0;
}
