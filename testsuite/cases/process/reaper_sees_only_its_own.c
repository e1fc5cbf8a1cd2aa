/*
 * A subreaper reaps exactly the processes it made or inherited: its child,
 * and the grandchild orphaned to it, which looks up many directories
 * before it exits (under ninux that makes it watch them, and an exit that
 * leaves its slow-to-close watches to a helper process would orphan the
 * helper to us too).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int look_around(void)
{
	static const char *tops[] = {"/usr/share", "/usr/lib", "/usr/include", "/etc"};
	int dirs = 0;
	for (unsigned i = 0; i < sizeof tops / sizeof *tops; i++) {
		DIR *d = opendir(tops[i]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char path[4096];
			struct stat st;
			snprintf(path, sizeof path, "%s/%s", tops[i], e->d_name);
			if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
				dirs++;
		}
		if (d)
			closedir(d);
	}
	return dirs;
}

int main(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("prctl");
		return 1;
	}
	int pfd[2];
	pipe(pfd);
	pid_t middle = fork();
	if (middle == 0) {
		if (fork() == 0) {
			char c;
			read(pfd[0], &c, 1); /* until the middle process is gone */
			_exit(look_around() > 64 ? 5 : 6);
		}
		_exit(3);
	}
	int status, reaped = 0, codes = 0;
	waitpid(middle, &status, 0);
	reaped++;
	codes += WEXITSTATUS(status);
	close(pfd[0]);
	write(pfd[1], "x", 1);
	pid_t p;
	while ((p = wait(&status)) > 0) {
		reaped++;
		codes += WIFEXITED(status) ? WEXITSTATUS(status) : 100;
	}
	printf("reaped %d processes, exit codes summing to %d (%s)\n", reaped, codes,
	       errno == ECHILD ? "then ECHILD" : strerror(errno));
	return 0;
}
