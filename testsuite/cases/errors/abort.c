/* abort(3): SIGABRT raised with tgkill after unblocking it; death by signal 6. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("about to abort\n");
	fflush(stdout);
	abort();
}
