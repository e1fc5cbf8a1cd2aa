/*
 * A non-main thread calls exit(7) while main is blocked joining a thread that
 * never returns: exit_group must take the whole process down with that status.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *exiter(void *arg)
{
	(void)arg;
	printf("exiting from a thread\n");
	fflush(stdout);
	exit(7);
}

int main(void)
{
	pthread_t s, e;
	pthread_create(&s, NULL, sleeper, NULL);
	pthread_create(&e, NULL, exiter, NULL);
	pthread_join(s, NULL);
	printf("not reached\n");
	return 0;
}
