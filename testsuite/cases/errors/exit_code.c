/* exit(42) after buffered output: atexit handlers run, stdio is flushed. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void)
{
	printf("atexit handler ran\n");
}

int main(void)
{
	atexit(bye);
	printf("buffered, not flushed yet");
	exit(42);
}
