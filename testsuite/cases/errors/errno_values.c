/*
 * The errno a failing syscall reports, for errors that every layer below a
 * Linux program must reproduce exactly: missing paths, bad descriptors, bad
 * pointers, bad arguments, wrong file types.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void expect(const char *what, long r, int want)
{
	int got = errno;
	printf("%s: %s\n", what, r == -1 && got == want ? "yes" : "no");
	if (!(r == -1 && got == want))
		printf("  (returned %ld, errno %d %s)\n", r, got, strerror(got));
	errno = 0;
}

int main(void)
{
	errno = 0;
	expect("open missing file is ENOENT", open("no/such/file", O_RDONLY), ENOENT);
	expect("open below a regular file is ENOTDIR",
	       (close(open("plain", O_CREAT | O_WRONLY, 0644)), open("plain/x", O_RDONLY)), ENOTDIR);
	expect("O_DIRECTORY on a file is ENOTDIR", open("plain", O_RDONLY | O_DIRECTORY), ENOTDIR);
	expect("O_CREAT|O_EXCL on existing is EEXIST", open("plain", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	expect("close of a bad fd is EBADF", close(9999), EBADF);
	expect("read of a bad fd is EBADF", read(9999, NULL, 0), EBADF);
	expect("write from a bad pointer is EFAULT", syscall(SYS_write, 1, (void *)8, 4), EFAULT);
	expect("stat through a bad pointer is EFAULT", syscall(SYS_newfstatat, AT_FDCWD, (void *)8, NULL, 0), EFAULT);
	expect("mkdir of an existing directory is EEXIST", mkdir(".", 0755), EEXIST);
	expect("rmdir of a non-empty directory is ENOTEMPTY",
	       (mkdir("d", 0755), close(open("d/f", O_CREAT | O_WRONLY, 0644)), rmdir("d")), ENOTEMPTY);
	expect("unlink of a directory is EISDIR", unlink("d"), EISDIR);
	expect("chdir to a file is ENOTDIR", chdir("plain"), ENOTDIR);
	expect("lseek on a pipe is ESPIPE", ({
		       int p[2];
		       pipe(p);
		       lseek(p[0], 0, SEEK_SET);
	       }),
	       ESPIPE);
	expect("kill with signal 999 is EINVAL", kill(getpid(), 999), EINVAL);
	expect("mmap with neither private nor shared is EINVAL",
	       (long)mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
	expect("fcntl with a bad command is EINVAL", fcntl(0, 12345), EINVAL);
	unlink("d/f");
	rmdir("d");
	unlink("plain");
	return 0;
}
