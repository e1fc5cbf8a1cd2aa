/* A static `true`: the child the process-creation workload executes. */
int main(void)
{
	return 0;
}
