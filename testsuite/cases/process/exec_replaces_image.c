/*
 * What execve ends of the old image, seen from the new one: its memory (an
 * address it had mapped is free), its POSIX timers (an armed one never
 * fires), its alternate signal stack, its /proc/self identity (exe,
 * cmdline, comm); what it keeps: an armed interval timer (ITIMER_REAL
 * fires in the new image). A chain of 40 execs keeps the fd count and the
 * number of mappings steady. A vfork parent goes on as soon as its child
 * execs (the child then blocks on a pipe only the parent fills), and an
 * ELF header with nothing valid after it fails with ENOEXEC, the caller
 * carrying on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIXED ((void *)0x200000000UL)
#define CHAIN 40

static int count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void show_identity(void)
{
	char buf[256];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	const char *base = strrchr(buf, '/');
	printf("exe ends in: %s\n", base ? base + 1 : buf);
	int fd = open("/proc/self/cmdline", O_RDONLY);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = ' ';
	buf[n > 0 ? n : 0] = 0;
	const char *args = strchr(buf, ' ');
	printf("cmdline args:%s\n", args ? args : "");
	fd = open("/proc/self/comm", O_RDONLY);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	printf("comm: %s", buf);
}

static void on_alarm(int sig)
{
	(void)sig;
	printf("interval timer fired in the new image\n");
	exit(0);
}

static int new_image(char **argv)
{
	show_identity();
	void *p = mmap(FIXED, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("old mapping gone: %s\n", p == FIXED ? "yes" : "no");
	stack_t ss;
	sigaltstack(NULL, &ss);
	printf("altstack disabled: %s\n", ss.ss_flags & SS_DISABLE ? "yes" : "no");
	/* The POSIX timer would have sent SIGUSR1 (default: terminate) by now. */
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
	printf("no POSIX timer fired\n");
	fflush(stdout);
	signal(SIGALRM, on_alarm);
	for (;;)
		pause();
	(void)argv;
}

static int chain(char **argv, int left)
{
	static char arg[16];
	if (left == 0) {
		printf("after %d execs: fds %d, maps %s\n", CHAIN, count_fds(),
		       count_maps() == atoi(argv[3]) ? "steady" : "grew");
		return 0;
	}
	if (left == CHAIN) {
		static char maps[16];
		snprintf(maps, sizeof maps, "%d", count_maps());
		argv[3] = maps;
		printf("before: fds %d\n", count_fds());
		fflush(stdout);
	}
	snprintf(arg, sizeof arg, "%d", left - 1);
	execv("/proc/self/exe", (char *[]){argv[0], "chain", arg, argv[3], NULL});
	perror("execv");
	return 1;
}

static int vfork_release(char *self)
{
	int p[2];
	if (pipe(p) != 0)
		return 1;
	pid_t pid = vfork();
	if (pid == 0) {
		dup2(p[0], 0);
		execv(self, (char *[]){self, "reader", NULL});
		_exit(127);
	}
	/* Reached only once the child has exec'd: it waits for this line. */
	close(p[0]);
	dprintf(p[1], "from the vfork parent\n");
	close(p[1]);
	int status;
	waitpid(pid, &status, 0);
	printf("reader exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

static void bad_elf(char *self)
{
	int fd = open("not-really.elf", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char junk[512];
	memset(junk, 0xee, sizeof junk);
	memcpy(junk, "\x7f" "ELF\2\1\1", 7);
	write(fd, junk, sizeof junk);
	close(fd);
	execv("./not-really.elf", (char *[]){"not-really.elf", NULL});
	printf("bad ELF: %s, caller carries on\n", strerror(errno));
	unlink("not-really.elf");
	(void)self;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "new") == 0)
		return new_image(argv);
	if (argc > 3 && strcmp(argv[1], "chain") == 0)
		return chain(argv, atoi(argv[2]));
	if (argc > 1 && strcmp(argv[1], "reader") == 0) {
		char line[64];
		if (fgets(line, sizeof line, stdin))
			printf("reader got: %s", line);
		return 3;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	bad_elf(argv[0]);
	vfork_release(argv[0]);
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = {argv[0], "chain", "40", "0", NULL};
		return chain(args, CHAIN);
	}
	int status;
	waitpid(pid, &status, 0);

	if (mmap(FIXED, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0) != FIXED)
		return 1;
	static char altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	sigaltstack(&ss, NULL);
	timer_t timer;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	timer_create(CLOCK_MONOTONIC, &ev, &timer);
	struct itimerspec in50ms = {.it_value = {0, 50 * 1000 * 1000}};
	timer_settime(timer, 0, &in50ms, NULL);
	struct itimerval in300ms = {.it_value = {0, 300 * 1000}};
	setitimer(ITIMER_REAL, &in300ms, NULL);
	execv(argv[0], (char *[]){argv[0], "new", "x y", NULL});
	perror("execv");
	return 1;
}
