/* dlopen of a library found through the program's $ORIGIN run path: its
 * constructor prints, its symbols resolve, its TLS is per thread (the main
 * thread and two new threads each start from the TLS image), its ifunc is
 * resolved, and dlclose runs its destructor. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static int (*bump)(void);

static void *worker(void *arg)
{
	int a = bump(), b = bump();
	printf("thread %ld: %d %d\n", (long)arg, a, b);
	return NULL;
}

int main(void)
{
	printf("before dlopen\n");
	fflush(stdout);
	void *h = dlopen("libplug.so", RTLD_NOW);
	if (!h) {
		printf("dlopen: no (%s)\n", dlerror());
		return 1;
	}
	bump = (int (*)(void))dlsym(h, "plug_bump");
	int (*twice)(int) = (int (*)(int))dlsym(h, "plug_twice");
	printf("dlsym: %s\n", bump && twice ? "yes" : "no");
	if (!bump || !twice)
		return 1;
	int a = bump(), b = bump();
	printf("main: %d %d\n", a, b);
	for (long i = 1; i <= 2; i++) {
		pthread_t t;
		pthread_create(&t, NULL, worker, (void *)i);
		pthread_join(t, NULL);
	}
	printf("main again: %d\n", bump());
	printf("ifunc twice(21) = %d\n", twice(21));
	printf("missing symbol: %s\n", dlsym(h, "plug_absent") ? "found" : "absent");
	fflush(stdout);
	dlclose(h);
	printf("after dlclose\n");
	void *none = dlopen("libnothere.so", RTLD_NOW);
	printf("dlopen of a missing library fails: %s\n", none ? "no" : "yes");
	return 0;
}
