/* A socket survives execve: the new image still has it as a socket (send,
 * getsockopt, getsockname work on it) and dups of it stay one socket. */
#include "check.h"
#include <stdlib.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	if (argc == 3) {
		int fd = atoi(argv[2]), type;
		socklen_t len = sizeof type;
		T(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len));
		printf("child: SO_TYPE %d\n", type);
		struct sockaddr_in a;
		len = sizeof a;
		T(getsockname(fd, (struct sockaddr *)&a, &len));
		printf("child: family %d\n", a.sin_family);
		T(send(fd, "from the new image", 18, 0));
		T(send(20, "+dup", 4, 0));
		return 0;
	}
	int port;
	int l = listener(&port);
	struct sockaddr_in a = loopback(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0)
		return 1;
	int s = accept(l, NULL, NULL);
	if (dup2(c, 20) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		char fd[16];
		snprintf(fd, sizeof fd, "%d", c);
		execl("/proc/self/exe", argv[0], "child", fd, (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child exit %d\n", WEXITSTATUS(st));
	fflush(stdout);
	close(c);
	close(20);
	char b[64];
	int n = 0, k;
	while ((k = recv(s, b + n, sizeof b - n, 0)) > 0)
		n += k;
	printf("parent read %d: %.*s\n", n, n, b);
	return 0;
}
