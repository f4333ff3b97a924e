/*
 * replay.c: a plain main() for a fuzz target, so the saved corpus is a regression test
 * without libFuzzer. Each argument is a file or a directory of files; every regular file is
 * fed to LLVMFuzzerTestOneInput once. Prints one TAP test. With no argument it replays
 * tests/fuzz/corpus/<program name>.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Present when built with a sanitizer: report which input it died on. */
extern void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

static const char *target = "?";
static char current[4096];

static void
say(const char *s)
{
	ssize_t r = write(STDOUT_FILENO, s, strlen(s));
	(void)r;
}

static void
died(void)
{
	say("not ok 1 - replay ");
	say(target);
	say(": crashed on ");
	say(current);
	say("\n1..1\n");
}

static void
on_signal(int sig)
{
	died();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
fail(const char *what, const char *path)
{
	printf("not ok 1 - replay %s: %s %s\n1..1\n", target, what, path);
	return 1;
}

/* Feed one file. Returns 0, or -1 if it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long size;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	/* exactly the file's size, so a read past the input is caught by ASan */
	if ((buf = malloc(size > 0 ? (size_t)size : 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (n != (size_t)size) {
		free(buf);
		return -1;
	}
	snprintf(current, sizeof(current), "%s", path);
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int
main(int argc, char *argv[])
{
	char defdir[512];
	char *defargv[3];
	unsigned long count = 0;
	const char *slash;

	setvbuf(stdout, NULL, _IOLBF, 0);
	target = (slash = strrchr(argv[0], '/')) != NULL ? slash + 1 : argv[0];
	if (__sanitizer_set_death_callback != NULL)
		__sanitizer_set_death_callback(died);
	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	if (argc < 2) {
		snprintf(defdir, sizeof(defdir), "tests/fuzz/corpus/%s", target);
		defargv[0] = argv[0];
		defargv[1] = defdir;
		defargv[2] = NULL;
		argv = defargv;
		argc = 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;
		unsigned long before = count;

		if (stat(argv[i], &st) == -1)
			return fail("cannot open", argv[i]);
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) == -1)
				return fail("cannot read", argv[i]);
			count++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL)
			return fail("cannot open", argv[i]);
		while ((de = readdir(d)) != NULL) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
				continue;
			if (replay_file(path) == -1) {
				closedir(d);
				return fail("cannot read", path);
			}
			count++;
		}
		closedir(d);
		if (count == before)
			return fail("no inputs in", argv[i]);
	}
	printf("ok 1 - replay %s: %lu inputs\n1..1\n", target, count);
	return 0;
}
