/* What a dynamically linked program sees of itself: /proc/self/exe, its
 * interpreter and libc in /proc/self/maps (executable, file-backed), the
 * auxv entries ld.so relies on, and its own text in the maps. */
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static int mapped_exec(const char *needle)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, needle) && strstr(line, " r-xp "))
			found = 1;
	if (f)
		fclose(f);
	return found;
}

static int count_objects(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	++*(int *)data;
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	const char *base = strrchr(argv[0], '/');
	printf("exe names the program: %s\n", n > 0 && strstr(exe, base ? base : argv[0]) ? "yes" : "no");
	printf("interpreter mapped executable: %s\n", mapped_exec("/ld-linux-x86-64.so.2") ? "yes" : "no");
	printf("libc mapped executable: %s\n", mapped_exec("/libc.so.6") ? "yes" : "no");
	printf("program mapped executable: %s\n", mapped_exec(base ? base : argv[0]) ? "yes" : "no");
	printf("AT_BASE set: %s\n", getauxval(AT_BASE) ? "yes" : "no");
	printf("AT_ENTRY is the program's: %s\n",
	       getauxval(AT_ENTRY) != getauxval(AT_BASE) ? "yes" : "no");
	printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
	int objects = 0;
	dl_iterate_phdr(count_objects, &objects);
	/* the program, the vDSO, libc and ld.so */
	printf("loaded objects at least 3: %s\n", objects >= 3 ? "yes" : "no");
	return 0;
}
