/* The smallest guest: one line on stdout through stdio, exit 0. */
#include <stdio.h>

int main(void)
{
	puts("hello, world");
	return 0;
}
