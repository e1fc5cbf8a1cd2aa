/*
 * Status encoding as a parent sees it: wait4's raw status word for exit,
 * death by signal, stop (SIGSTOP and SIGTSTP, default action) and continue
 * (WUNTRACED, WCONTINUED); waitid's siginfo (CLD_EXITED, CLD_KILLED,
 * CLD_STOPPED, CLD_CONTINUED) for P_PID, P_PGID and P_ALL, with WNOHANG
 * finding nothing and WNOWAIT leaving the child waitable.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *code_name(int code)
{
	switch (code) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	default: return "?";
	}
}

static void show_info(const char *what, pid_t pid, siginfo_t *si)
{
	printf("%s: signo %d code %s pid %s status %d\n", what, si->si_signo,
	       code_name(si->si_code), si->si_pid == pid ? "same" : "other", si->si_status);
}

/* A child in its own process group (so job-control stops are not discarded
 * as they are for an orphaned group) that runs `body`. */
static pid_t child(void (*body)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		body();
		_exit(0);
	}
	setpgid(pid, pid);
	return pid;
}

static void exit3(void) { _exit(3); }
static void term_self(void) { signal(SIGTERM, SIG_DFL); kill(getpid(), SIGTERM); pause(); }
/* Exits only once the parent has seen it continued (else the parent's
 * WCONTINUED wait could find it already exited). */
static int gate[2];
static void stop_self(void)
{
	char c;
	kill(getpid(), SIGSTOP);
	read(gate[0], &c, 1);
	_exit(5);
}
static void tstp_self(void) { kill(getpid(), SIGTSTP); _exit(6); }
static void wait_forever(void) { for (;;) pause(); }

int main(void)
{
	int status;
	siginfo_t si;

	pid_t pid = child(exit3);
	waitpid(pid, &status, 0);
	printf("exit 3: status 0x%04x exited %d code %d\n", status, WIFEXITED(status), WEXITSTATUS(status));

	pid = child(term_self);
	waitpid(pid, &status, 0);
	printf("SIGTERM: status 0x%04x signaled %d sig %d\n", status, WIFSIGNALED(status), WTERMSIG(status));

	pipe(gate);
	pid = child(stop_self);
	waitpid(pid, &status, WUNTRACED);
	printf("SIGSTOP: status 0x%04x stopped %d sig %d\n", status, WIFSTOPPED(status), WSTOPSIG(status));
	kill(pid, SIGCONT);
	waitpid(pid, &status, WCONTINUED);
	printf("SIGCONT: status 0x%04x continued %d\n", status, WIFCONTINUED(status));
	write(gate[1], "x", 1);
	waitpid(pid, &status, 0);
	printf("after continue: exit %d\n", WEXITSTATUS(status));

	pid = child(tstp_self);
	waitpid(pid, &status, WUNTRACED);
	printf("SIGTSTP: status 0x%04x stopped %d sig %d\n", status, WIFSTOPPED(status), WSTOPSIG(status));
	kill(pid, SIGCONT);
	waitpid(pid, &status, 0);
	printf("after continue: exit %d\n", WEXITSTATUS(status));

	/* waitid */
	pid = child(exit3);
	memset(&si, 0x55, sizeof si);
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	show_info("waitid WNOWAIT", pid, &si);
	memset(&si, 0, sizeof si);
	int r = waitid(P_PID, pid, &si, WEXITED);
	show_info("waitid again", pid, &si);
	printf("waitid returned %d\n", r);

	pid = child(wait_forever);
	memset(&si, 0x55, sizeof si);
	r = waitid(P_PID, pid, &si, WEXITED | WNOHANG);
	printf("WNOHANG: returned %d si_pid %d si_signo %d\n", r, si.si_pid, si.si_signo);
	kill(pid, SIGSTOP);
	waitid(P_PGID, pid, &si, WSTOPPED);
	show_info("waitid P_PGID stopped", pid, &si);
	kill(pid, SIGCONT);
	waitid(P_PID, pid, &si, WCONTINUED);
	show_info("waitid continued", pid, &si);
	kill(pid, SIGKILL);
	waitid(P_ALL, 0, &si, WEXITED);
	show_info("waitid P_ALL killed", pid, &si);

	r = waitid(P_ALL, 0, &si, WEXITED);
	printf("no children: %d %s\n", r, r < 0 ? strerror(errno) : "");
	r = waitid(P_PID, 1, &si, 0);
	printf("no options: %d %s\n", r, r < 0 ? strerror(errno) : "");
	r = waitid(7, 1, &si, WEXITED);
	printf("bad idtype: %d %s\n", r, r < 0 ? strerror(errno) : "");
	return 0;
}
