/*
 * Four threads run at once, each with its own thread-local counter and its own
 * kernel thread id; main joins them in order and prints their results, so the
 * output order is fixed even though the threads interleave.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 4

static __thread unsigned long tls_counter;

struct work {
	int index;
	unsigned long sum;
	pid_t tid;
	int tls_private;
};

static void *worker(void *arg)
{
	struct work *w = arg;
	/* Every thread starts with a zeroed TLS block of its own. */
	int fresh = tls_counter == 0;
	for (unsigned long i = 0; i < 1000000; i++) {
		tls_counter += i % (w->index + 2);
		w->sum += i * (w->index + 1);
	}
	w->tls_private = fresh && tls_counter != 0;
	w->tid = (pid_t)syscall(SYS_gettid);
	return (void *)(long)(w->index * 10);
}

int main(void)
{
	pthread_t threads[NTHREADS];
	struct work work[NTHREADS] = {0};
	tls_counter = 12345;
	for (int i = 0; i < NTHREADS; i++) {
		work[i].index = i;
		if (pthread_create(&threads[i], NULL, worker, &work[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	pid_t pid = getpid();
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		if (pthread_join(threads[i], &ret) != 0) {
			perror("pthread_join");
			return 1;
		}
		int distinct = work[i].tid != pid && work[i].tid > 0;
		for (int j = 0; j < i; j++)
			distinct &= work[j].tid != work[i].tid;
		printf("thread %d: sum=%lu ret=%ld tls-private=%s tid-distinct=%s\n", i,
		       work[i].sum, (long)ret, work[i].tls_private ? "yes" : "no",
		       distinct ? "yes" : "no");
	}
	printf("main tls untouched: %s\n", tls_counter == 12345 ? "yes" : "no");
	printf("main gettid is getpid: %s\n", syscall(SYS_gettid) == pid ? "yes" : "no");
	return 0;
}
