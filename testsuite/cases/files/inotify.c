/*
 * inotify: a watch on a directory reports files created, written, moved
 * and removed in it, with their names, in order; a watch on a file
 * reports its modification; IN_ONLYDIR refuses a file, a bad mask is
 * EINVAL, removing a watch reports IN_IGNORED, and a nonblocking read with
 * nothing queued is EAGAIN. And dnotify: F_NOTIFY on a directory signals
 * SIGIO when a file is created in it, and is ENOTDIR on a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static int wd_dir, wd_file;
static volatile sig_atomic_t sigio;

static void on_sigio(int sig)
{
	(void)sig;
	sigio++;
}

static void drain(int fd)
{
	char buf[4096] __attribute__((aligned(8)));
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			return;
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (char *q = buf; q < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)q;
			const char *who = e->wd == wd_dir ? "dir" : e->wd == wd_file ? "file" : "?";
			printf("%s:", who);
			if (e->mask & IN_CREATE) printf(" CREATE");
			if (e->mask & IN_MODIFY) printf(" MODIFY");
			if (e->mask & IN_CLOSE_WRITE) printf(" CLOSE_WRITE");
			if (e->mask & IN_MOVED_FROM) printf(" MOVED_FROM");
			if (e->mask & IN_MOVED_TO) printf(" MOVED_TO");
			if (e->mask & IN_DELETE) printf(" DELETE");
			if (e->mask & IN_ISDIR) printf(" ISDIR");
			if (e->mask & IN_IGNORED) printf(" IGNORED");
			printf(" %s%s\n", e->len ? e->name : "", e->len && e->mask & (IN_MOVED_FROM | IN_MOVED_TO) ? (e->cookie ? " (cookie)" : " (no cookie)") : "");
			q += sizeof *e + e->len;
		}
	}
}

int main(void)
{
	mkdir("watched", 0755);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	printf("inotify_init1: %s, cloexec %d\n", fd >= 0 ? "ok" : strerror(errno), fcntl(fd, F_GETFD));
	char buf[64];
	ssize_t n = read(fd, buf, sizeof buf);
	printf("empty read: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	wd_dir = inotify_add_watch(fd, "watched", IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE);
	printf("watch dir: %s\n", wd_dir > 0 ? "ok" : strerror(errno));
	int f = open("watched/a", O_CREAT | O_WRONLY, 0644);
	write(f, "x", 1);
	close(f);
	rename("watched/a", "watched/b");
	mkdir("watched/sub", 0755);
	unlink("watched/b");
	rmdir("watched/sub");
	drain(fd);

	f = open("plain", O_CREAT | O_WRONLY, 0644);
	close(f);
	wd_file = inotify_add_watch(fd, "plain", IN_MODIFY);
	printf("watch file: %s\n", wd_file > 0 ? "ok" : strerror(errno));
	f = open("plain", O_WRONLY | O_APPEND);
	write(f, "more", 4);
	close(f);
	drain(fd);
	int r = inotify_add_watch(fd, "plain", IN_MODIFY | IN_ONLYDIR);
	printf("IN_ONLYDIR on a file: %d %s\n", r, strerror(errno));
	r = inotify_add_watch(fd, "watched", 0);
	printf("empty mask: %d %s\n", r, strerror(errno));
	r = inotify_add_watch(fd, "missing", IN_MODIFY);
	printf("missing path: %d %s\n", r, strerror(errno));
	printf("rm_watch: %d\n", inotify_rm_watch(fd, wd_file));
	drain(fd);

	mkdir("dnotified", 0755);
	signal(SIGIO, on_sigio);
	int dfd = open("dnotified", O_RDONLY);
	r = fcntl(dfd, F_NOTIFY, DN_CREATE | DN_MULTISHOT);
	printf("F_NOTIFY: %d\n", r);
	close(open("dnotified/new", O_CREAT | O_WRONLY, 0644));
	for (int i = 0; i < 1000 && !sigio; i++)
		usleep(1000);
	printf("SIGIO for a file created: %s\n", sigio ? "yes" : "no");
	f = open("dnotified/new", O_RDONLY);
	r = fcntl(f, F_NOTIFY, DN_CREATE);
	printf("F_NOTIFY on a file: %d %s\n", r, strerror(errno));
	close(f);
	close(dfd);
	unlink("dnotified/new");
	rmdir("dnotified");
	unlink("plain");
	rmdir("watched");
	return 0;
}
