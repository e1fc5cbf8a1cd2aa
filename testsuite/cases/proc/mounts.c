/*
 * What df and mount need of the mount table: getmntent(3) reads
 * /proc/self/mounts (a line starting with '#' would be a comment), the
 * root is listed with the device stat(2) gives it, mountinfo's
 * major:minor for the root is that device too, statfs(2) of the root
 * counts blocks, and /proc says it is procfs.
 */
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

int main(void)
{
	struct stat root;
	stat("/", &root);
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	int entries = 0, root_listed = 0, root_dev = 0;
	while (f && (m = getmntent(f))) {
		struct stat st;
		entries++;
		if (strcmp(m->mnt_dir, "/") == 0) {
			root_listed = 1;
			if (stat(m->mnt_dir, &st) == 0 && st.st_dev == root.st_dev)
				root_dev = 1;
		}
	}
	printf("entries: %s\n", entries > 0 ? "some" : "none");
	printf("root listed: %s, with its device: %s\n", root_listed ? "yes" : "no",
	       root_dev ? "yes" : "no");

	FILE *mi = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	int mi_root = 0;
	while (mi && fgets(line, sizeof line, mi)) {
		unsigned id, parent, major, minor;
		char rootdir[1024], point[1024];
		if (sscanf(line, "%u %u %u:%u %1023s %1023s", &id, &parent, &major, &minor,
			   rootdir, point) == 6 &&
		    strcmp(point, "/") == 0 && makedev(major, minor) == root.st_dev)
			mi_root = 1;
	}
	printf("mountinfo root device matches: %s\n", mi_root ? "yes" : "no");

	struct statfs sf;
	printf("statfs /: %s\n",
	       statfs("/", &sf) == 0 && sf.f_blocks > 0 && sf.f_bsize > 0 ? "counts blocks" : "empty");
	printf("statfs /proc: %s\n",
	       statfs("/proc", &sf) == 0 && sf.f_type == 0x9fa0 ? "procfs" : "something else");
	return 0;
}
