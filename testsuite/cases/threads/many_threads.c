/*
 * Creates and joins 2000 short-lived threads, 16 alive at a time, and a batch
 * of detached ones: thread stacks and TLS blocks must be recycled correctly and
 * exiting threads must release their tid (CLONE_CHILD_CLEARTID) for join.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#define TOTAL 2000
#define BATCH 16
#define DETACHED 200

static atomic_long ran;
static atomic_long detached_ran;
static __thread int tls_value;

static void *short_lived(void *arg)
{
	tls_value += (int)(long)arg;
	atomic_fetch_add(&ran, tls_value == (int)(long)arg ? 1 : 1000000);
	return arg;
}

static void *detached(void *arg)
{
	(void)arg;
	atomic_fetch_add(&detached_ran, 1);
	return NULL;
}

int main(void)
{
	long checksum = 0;
	for (int base = 0; base < TOTAL; base += BATCH) {
		pthread_t t[BATCH];
		for (int i = 0; i < BATCH; i++)
			if (pthread_create(&t[i], NULL, short_lived, (void *)(long)(base + i)) != 0) {
				perror("pthread_create");
				return 1;
			}
		for (int i = 0; i < BATCH; i++) {
			void *ret;
			pthread_join(t[i], &ret);
			checksum += (long)ret;
		}
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < DETACHED; i++) {
		pthread_t t;
		if (pthread_create(&t, &attr, detached, NULL) != 0) {
			perror("pthread_create detached");
			return 1;
		}
	}
	/* Detached threads cannot be joined; wait for their count, bounded. */
	for (int i = 0; i < 5000 && atomic_load(&detached_ran) < DETACHED; i++)
		usleep(1000);
	printf("joined=%ld checksum=%ld detached=%ld\n", atomic_load(&ran), checksum,
	       atomic_load(&detached_ran));
	return 0;
}
