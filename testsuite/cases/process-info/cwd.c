/*
 * The working directory: the runner starts each run in a fresh directory and
 * replaces its path with <cwd> in the output, so getcwd is comparable. Also
 * mkdir/chdir/relative open, and chdir("..") coming back.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char buf[4096];
	printf("getcwd=%s\n", getcwd(buf, sizeof buf) ? buf : "(error)");
	if (mkdir("sub", 0755) != 0 || chdir("sub") != 0) {
		perror("mkdir/chdir");
		return 1;
	}
	printf("after chdir=%s\n", getcwd(buf, sizeof buf) ? buf : "(error)");
	int fd = open("file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "hi\n", 3) != 3)
		return 1;
	close(fd);
	if (chdir("..") != 0)
		return 1;
	printf("after chdir ..=%s\n", getcwd(buf, sizeof buf) ? buf : "(error)");
	struct stat st;
	printf("sub/file size=%lld\n", stat("sub/file", &st) == 0 ? (long long)st.st_size : -1LL);
	unlink("sub/file");
	rmdir("sub");
	return 0;
}
