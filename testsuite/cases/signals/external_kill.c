/* Signals from another process to a child blocked in read(): SIGTERM's
 * default action kills it (the parent sees WIFSIGNALED), SIGTSTP stops it
 * (WIFSTOPPED) and SIGCONT resumes it, an ignored SIGINT changes nothing, a
 * handled SIGUSR1 interrupts the read with EINTR. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig)
{
	(void)sig;
}

static pid_t start_reader(int *ready_fd)
{
	int fds[2], ready[2];
	if (pipe(fds) != 0 || pipe(ready) != 0)
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		char c;
		for (;;) {
			ssize_t r = read(fds[0], &c, 1);
			if (r < 0 && errno == EINTR) {
				static const char msg[] = "child: read interrupted\n";
				if (write(1, msg, sizeof msg - 1) < 0)
					_exit(3);
				continue;
			}
			_exit(4);
		}
	}
	close(ready[1]);
	*ready_fd = ready[0];
	return pid;
}

int main(void)
{
	int ready;
	pid_t child = start_reader(&ready);
	char c;
	if (read(ready, &c, 1) != 1)
		return 1;
	usleep(100000);
	kill(child, SIGINT);
	kill(child, SIGUSR1);
	usleep(100000);
	int status;
	kill(child, SIGTSTP);
	waitpid(child, &status, WUNTRACED);
	printf("stopped: %s by %d\n", WIFSTOPPED(status) ? "yes" : "no", WIFSTOPPED(status) ? WSTOPSIG(status) : 0);
	kill(child, SIGCONT);
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	printf("killed: %s by %d\n", WIFSIGNALED(status) ? "yes" : "no", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return 0;
}
