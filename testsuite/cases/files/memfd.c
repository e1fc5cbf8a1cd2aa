/*
 * memfd_create: an anonymous file that reads and writes like any other,
 * is named "/memfd:NAME (deleted)" in /proc/self/fd, is shared through
 * MAP_SHARED with a forked child, and takes seals when made with
 * MFD_ALLOW_SEALING. Bad flags and over-long names are EINVAL; a file
 * that is not a memfd has no seals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, long r)
{
	printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

int main(void)
{
	int fd = memfd_create("ninux-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	printf("memfd_create: %s\n", fd >= 0 ? "a file" : strerror(errno));
	printf("close-on-exec: %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	report("write", write(fd, "hello memfd", 11));
	struct stat st;
	fstat(fd, &st);
	printf("size %ld, regular %d, links %ld\n", (long)st.st_size, S_ISREG(st.st_mode),
	       (long)st.st_nlink);
	char link[256] = {0}, path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof link - 1);
	printf("named %s\n", link);

	ftruncate(fd, 4096);
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pid_t pid = fork();
	if (pid == 0) {
		strcpy(m, "written by the child");
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("the mapping shows: %s\n", m);
	char buf[32] = {0};
	pread(fd, buf, 20, 0);
	printf("pread shows: %s\n", buf);

	report("add seals", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
	report("seals", fcntl(fd, F_GET_SEALS));
	report("ftruncate when sealed", ftruncate(fd, 100));

	int plain = memfd_create("plain", 0);
	printf("close-on-exec without MFD_CLOEXEC: %d\n", fcntl(plain, F_GETFD) & FD_CLOEXEC);
	report("seal without MFD_ALLOW_SEALING", fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE));
	report("unknown flags", memfd_create("x", 0x1000));
	char name[300];
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = 0;
	report("a 299-byte name", memfd_create(name, 0));
	int file = open("/proc/self/exe", O_RDONLY);
	report("seals of another file", fcntl(file, F_GET_SEALS));
	return 0;
}
