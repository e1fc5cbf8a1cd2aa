/*
 * Two threads hand a token back and forth through one mutex and two condition
 * variables: every hand-off is a futex wait and wake between real threads.
 */
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t to_ping = PTHREAD_COND_INITIALIZER;
static pthread_cond_t to_pong = PTHREAD_COND_INITIALIZER;
static int turn; /* 0: ping's turn, 1: pong's turn */
static long pongs;

static void *pong(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		while (turn != 1)
			pthread_cond_wait(&to_pong, &lock);
		pongs++;
		turn = 0;
		pthread_cond_signal(&to_ping);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;
	long pings = 0;
	if (pthread_create(&t, NULL, pong, NULL) != 0)
		return 1;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		while (turn != 0)
			pthread_cond_wait(&to_ping, &lock);
		pings++;
		turn = 1;
		pthread_cond_signal(&to_pong);
		pthread_mutex_unlock(&lock);
	}
	pthread_join(t, NULL);
	printf("pings=%ld pongs=%ld\n", pings, pongs);
	return pings == ROUNDS && pongs == ROUNDS ? 0 : 1;
}
