/*
 * System V IPC between a parent and a forked child: a message queue
 * (typed messages, receive by type, IPC_NOWAIT on an empty queue, the
 * queue's counts in IPC_STAT), a semaphore set (SETALL, GETALL, SETVAL,
 * GETVAL, a child blocked in semop woken by the parent, semtimedop timing
 * out), and a shared memory segment (written by the child, read by the
 * parent, nattch counted, detached, removed). Private keys only, removed
 * at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct msg {
	long type;
	char text[32];
};

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

int main(void)
{
	/* Message queues. */
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	printf("msgget: %s\n", q >= 0 ? "ok" : strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		struct msg m = {2, "second type"};
		msgsnd(q, &m, sizeof m.text, 0);
		m.type = 1;
		strcpy(m.text, "first type");
		msgsnd(q, &m, sizeof m.text, 0);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	struct msqid_ds qs;
	msgctl(q, IPC_STAT, &qs);
	printf("messages queued: %lu\n", (unsigned long)qs.msg_qnum);
	struct msg got;
	ssize_t n = msgrcv(q, &got, sizeof got.text, 1, 0);
	printf("type 1: %zd bytes, %s\n", n, got.text);
	n = msgrcv(q, &got, sizeof got.text, 0, 0);
	printf("any type: type %ld, %s\n", got.type, got.text);
	n = msgrcv(q, &got, sizeof got.text, 0, IPC_NOWAIT);
	printf("empty queue, IPC_NOWAIT: %zd %s\n", n, strerror(errno));
	printf("remove queue: %d\n", msgctl(q, IPC_RMID, NULL));
	n = msgrcv(q, &got, sizeof got.text, 0, IPC_NOWAIT);
	printf("removed queue: %zd %s\n", n, strerror(errno));

	/* Semaphores. */
	int s = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	unsigned short vals[3] = {1, 2, 3};
	union semun arg = {.array = vals};
	printf("SETALL: %d\n", semctl(s, 0, SETALL, arg));
	unsigned short back[3] = {0};
	arg.array = back;
	semctl(s, 0, GETALL, arg);
	printf("GETALL: %u %u %u\n", back[0], back[1], back[2]);
	arg.val = 0;
	semctl(s, 0, SETVAL, arg);
	printf("GETVAL after SETVAL 0: %d\n", semctl(s, 0, GETVAL));
	struct semid_ds ss;
	arg.buf = &ss;
	semctl(s, 0, IPC_STAT, arg);
	printf("semaphores in the set: %lu\n", (unsigned long)ss.sem_nsems);
	pid = fork();
	if (pid == 0) {
		struct sembuf down = {0, -1, 0};
		int r = semop(s, &down, 1); /* waits for the parent */
		_exit(r == 0 ? 7 : 1);
	}
	int waiting = 0;
	for (int i = 0; i < 2000 && waiting == 0; i++) {
		waiting = semctl(s, 0, GETNCNT);
		if (waiting == 0)
			usleep(1000);
	}
	printf("processes waiting for it to rise: %d\n", waiting);
	struct sembuf up = {0, 1, 0};
	semop(s, &up, 1);
	int status;
	waitpid(pid, &status, 0);
	printf("child woken: exit %d\n", WEXITSTATUS(status));
	struct sembuf down = {1, -5, 0};
	struct timespec ts = {0, 20000000};
	int r = semtimedop(s, &down, 1, &ts);
	printf("semtimedop that cannot proceed: %d %s\n", r, strerror(errno));
	printf("remove set: %d\n", semctl(s, 0, IPC_RMID));

	/* Shared memory. */
	int m = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	char *p = shmat(m, NULL, 0);
	printf("shmat: %s\n", p != (void *)-1 ? "ok" : strerror(errno));
	struct shmid_ds ms;
	shmctl(m, IPC_STAT, &ms);
	printf("size %zu, attached %lu\n", ms.shm_segsz, (unsigned long)ms.shm_nattch);
	pid = fork();
	if (pid == 0) {
		strcpy(p, "from the child");
		strcpy(p + 9000, "near the end");
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("parent reads: %s, %s\n", p, p + 9000);
	printf("shmdt: %d\n", shmdt(p));
	r = shmdt(p);
	printf("shmdt again: %d %s\n", r, strerror(errno));
	shmctl(m, IPC_STAT, &ms);
	printf("attached now %lu\n", (unsigned long)ms.shm_nattch);
	printf("remove segment: %d\n", shmctl(m, IPC_RMID, NULL));
	return 0;
}
