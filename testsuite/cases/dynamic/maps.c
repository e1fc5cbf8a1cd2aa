/* What a dynamically linked program sees of itself: /proc/self/exe, its
 * interpreter and libc in /proc/self/maps (executable, file-backed), the
 * auxv entries ld.so relies on, and its own text in the maps. */
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Whether the maps line of `path`'s code names its device and inode as
 * stat does. */
static int maps_id_matches(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int ok = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8], name[400];
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %399s", &lo, &hi, perms, &off, &maj,
			   &min, &ino, name) == 8 &&
		    strcmp(perms, "r-xp") == 0 && strcmp(name, path) == 0)
			ok = maj == major(st.st_dev) && min == minor(st.st_dev) && ino == st.st_ino;
	}
	if (f)
		fclose(f);
	return ok;
}

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
	printf("maps names the program's device and inode: %s\n", n > 0 && maps_id_matches(exe) ? "yes" : "no");
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
