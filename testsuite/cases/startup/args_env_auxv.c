/*
 * Dumps what the kernel hands a new process: argv, envp and the auxiliary
 * vector, plus the layout of the initial stack (argv, then envp, then auxv).
 * Only values that are stable from one run to the next are printed; pointers
 * are checked against what they must point at, never printed.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;
extern void _start(void);
/* Linker-defined: the ELF header of this image, mapped with the first segment. */
extern const Elf64_Ehdr __ehdr_start __attribute__((weak));

/* Prints a string with non-printable bytes escaped, so odd arguments survive. */
static void print_escaped(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			putchar(*p);
		else
			printf("\\x%02x", *p);
	}
}

static const char *yesno(int v)
{
	return v ? "yes" : "no";
}

int main(int argc, char **argv, char **envp)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]);
		printf("argv[%d] len=%zu ", i, len);
		if (len > 200)
			printf("(long)\n");
		else {
			print_escaped(argv[i]);
			putchar('\n');
		}
	}
	printf("argv[argc] is NULL: %s\n", yesno(argv[argc] == NULL));
	/* The initial stack puts envp right after argv's terminating NULL. */
	printf("envp follows argv: %s\n", yesno(envp == argv + argc + 1));
	printf("environ is envp: %s\n", yesno(environ == envp));
	int n = 0;
	for (char **e = envp; *e; e++, n++) {
		printf("env[%d] ", n);
		print_escaped(*e);
		putchar('\n');
	}

	/* ...and auxv right after envp's terminating NULL. */
	char **end = envp;
	while (*end)
		end++;
	Elf64_auxv_t *auxv = (Elf64_auxv_t *)(end + 1);
	int agree = 1, count = 0;
	for (Elf64_auxv_t *a = auxv; a->a_type != AT_NULL; a++, count++) {
		/* glibc answers AT_HWCAP* from its own CPU probe, not from auxv. */
		if (a->a_type == AT_HWCAP || a->a_type == AT_HWCAP2 || a->a_type == AT_IGNORE)
			continue;
		if (getauxval(a->a_type) != a->a_un.a_val)
			agree = 0;
	}
	printf("auxv follows envp and agrees with getauxval: %s\n", yesno(agree && count > 0));

	printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
	printf("AT_CLKTCK=%lu\n", getauxval(AT_CLKTCK));
	/* The raw word from the stack: glibc's getauxval(AT_HWCAP) is synthesized. */
	unsigned long hwcap = 0;
	int have_hwcap = 0;
	for (Elf64_auxv_t *a = auxv; a->a_type != AT_NULL; a++)
		if (a->a_type == AT_HWCAP) {
			hwcap = a->a_un.a_val;
			have_hwcap = 1;
		}
	printf("AT_HWCAP present=%s value=%#lx\n", yesno(have_hwcap), hwcap);
	printf("AT_UID=%lu AT_EUID=%lu AT_GID=%lu AT_EGID=%lu\n", getauxval(AT_UID),
	       getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID));
	printf("AT_UID matches getuid: %s\n", yesno(getauxval(AT_UID) == getuid()));
	printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
	printf("AT_PHENT=%lu\n", getauxval(AT_PHENT));
	printf("AT_PHNUM matches the ELF header: %s\n",
	       yesno(&__ehdr_start && getauxval(AT_PHNUM) == __ehdr_start.e_phnum));
	printf("AT_PHDR points at the program headers: %s\n",
	       yesno(&__ehdr_start &&
		     getauxval(AT_PHDR) == (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff));
	printf("AT_ENTRY is _start: %s\n", yesno(getauxval(AT_ENTRY) == (uintptr_t)_start));
	/* A static image has no interpreter, so the kernel reports base 0. */
	printf("AT_BASE=%#lx\n", getauxval(AT_BASE));
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	int nonzero = 0;
	for (int i = 0; rnd && i < 16; i++)
		nonzero |= rnd[i];
	printf("AT_RANDOM non-null with non-zero bytes: %s\n", yesno(rnd && nonzero));
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	printf("AT_EXECFN=%s\n", execfn ? execfn : "(null)");
	printf("AT_EXECFN is argv[0]: %s\n", yesno(execfn && strcmp(execfn, argv[0]) == 0));
	const char *platform = (const char *)getauxval(AT_PLATFORM);
	printf("AT_PLATFORM=%s\n", platform ? platform : "(null)");
	return 0;
}
