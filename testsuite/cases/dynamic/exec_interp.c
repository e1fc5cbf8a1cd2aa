/* execve of dynamically linked programs: the program itself again (its
 * interpreter found, the child's output seen), then a copy of it whose
 * PT_INTERP names a missing file, which fails with ENOENT while the
 * caller carries on. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char image[1 << 22];

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("child: %s\n", argv[1]);
		return 5;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "self", "exec'd", (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("child status: %d\n", WEXITSTATUS(status));

	int fd = open("/proc/self/exe", O_RDONLY);
	ssize_t n = read(fd, image, sizeof image);
	close(fd);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
	Elf64_Phdr *ph = (Elf64_Phdr *)(image + eh->e_phoff);
	int patched = 0;
	for (int i = 0; n > 0 && i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP && ph[i].p_filesz > 12) {
			strcpy(image + ph[i].p_offset, "/nonexistent");
			patched = 1;
		}
	}
	printf("interpreter patched: %s\n", patched ? "yes" : "no");
	fd = open("noloader", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	write(fd, image, n);
	close(fd);
	char *args[] = {"noloader", "x", NULL};
	execv("./noloader", args);
	printf("execve with a missing interpreter: %s\n", strerror(errno));
	unlink("noloader");
	return 0;
}
