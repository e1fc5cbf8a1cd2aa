/*
 * mknod and mkfifo for a named pipe: the node's type in stat and in a
 * directory listing's d_type, EEXIST on a second create, removal by unlink.
 * (Opening the fifo would block without a second process.)
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
	struct stat st;
	umask(022);
	T(mkfifo("p", 0666));
	if (T(stat("p", &st)) == 0)
		printf("fifo: %s perm=%04o\n", S_ISFIFO(st.st_mode) ? "yes" : "no", st.st_mode & 07777);
	T(mkfifo("p", 0666));
	T(mknod("q", S_IFIFO | 0600, 0));
	if (T(lstat("q", &st)) == 0)
		printf("fifo: %s perm=%04o\n", S_ISFIFO(st.st_mode) ? "yes" : "no", st.st_mode & 07777);
	T(mknod("r", S_IFREG | 0644, 0)); /* a plain file, like creat */
	if (T(lstat("r", &st)) == 0)
		printf("reg: %s size=%lld\n", S_ISREG(st.st_mode) ? "yes" : "no", (long long)st.st_size);
	T(mkfifo("missing/p", 0666));
	T(open("p", O_RDONLY | O_NONBLOCK) >= 0);
	T(unlink("p"));
	T(unlink("q"));
	T(unlink("r"));
	T(access("p", F_OK));
	return 0;
}
