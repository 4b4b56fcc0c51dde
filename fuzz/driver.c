// SPDX-License-Identifier: GPL-2.0
/*
 * Runs saved inputs through a fuzz target without libFuzzer: the target's
 * LLVMFuzzerTestOneInput() on each file named, one TAP line per file.  A
 * crash, a sanitizer report or an abort ends the program (make check
 * fails); an input the parser refuses is a pass.
 *
 * Without arguments, as a test of make check, tests/fuzz-regress-NAME runs
 * the files of $top_srcdir/tests/fuzz-regress/NAME (inputs that crashed
 * once) and of $top_srcdir/fuzz/corpus/NAME.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Not every target has one. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			uint8_t *b = realloc(buf, cap = cap ? 2 * cap : 4096);

			if (!b)
				abort();
			buf = b;
		}
		got = fread(buf + n, 1, cap - n, f);
		if (!got)
			break;
		n += got;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

static int no_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* The files of dir, sorted, appended to list[*n]; a missing dir is none unless must. */
static void add_dir(char ***list, int *n, const char *dir, bool must)
{
	struct dirent **ents;
	int k = scandir(dir, &ents, no_dot, alphasort);

	if (k < 0 && errno == ENOENT && !must)
		return;
	if (k < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		exit(2);
	}
	*list = realloc(*list, (size_t)(*n + k + 1) * sizeof(**list));
	if (!*list)
		abort();
	for (int i = 0; i < k; i++) {
		if (asprintf(&(*list)[(*n)++], "%s/%s", dir, ents[i]->d_name) < 0)
			abort();
		free(ents[i]);
	}
	(*list)[*n] = NULL;
	free(ents);
}

/* argv[0] "tests/fuzz-regress-NAME": the saved inputs of NAME. */
static void default_inputs(int *argc, char ***argv)
{
	const char *top = getenv("top_srcdir"), *base = strrchr((*argv)[0], '/');
	const char *prefix = "fuzz-regress-";
	static char **list;	/* a root for the leak checker, to the end */
	char dir[4096];
	int n = 1;

	list = malloc(2 * sizeof(*list));
	base = base ? base + 1 : (*argv)[0];
	if (!list || strncmp(base, prefix, strlen(prefix)) || !top) {
		fprintf(stderr, "Usage: %s FILE... (or as tests/fuzz-regress-NAME with "
			"top_srcdir set)\n", (*argv)[0]);
		exit(2);
	}
	base += strlen(prefix);
	list[0] = (*argv)[0];
	list[1] = NULL;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz-regress/%s", top, base);
	add_dir(&list, &n, dir, false);
	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", top, base);
	add_dir(&list, &n, dir, true);
	*argc = n;
	*argv = list;
}

int main(int argc, char **argv)
{
	int failed = 0, fd;
	FILE *tap;

	if (argc < 2)
		default_inputs(&argc, &argv);
	/* A target may send standard output to /dev/null: TAP goes to a copy. */
	fd = dup(STDOUT_FILENO);
	tap = fd < 0 ? NULL : fdopen(fd, "w");
	if (!tap) {
		perror("dup");
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	fprintf(tap, "1..%d\n", argc - 1);
	fflush(tap);
	for (int i = 1; i < argc; i++) {
		size_t size = 0;
		uint8_t *data = slurp(argv[i], &size);

		if (!data) {
			fprintf(tap, "not ok %d - %s: %s\n", i, argv[i], strerror(errno));
			failed = 1;
			continue;
		}
		/* What the target prints goes before the line that says it passed. */
		fprintf(stderr, "# %s (%zu bytes)\n", argv[i], size);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		fprintf(tap, "ok %d - %s\n", i, argv[i]);
		fflush(tap);
	}
	fclose(tap);
	return failed;
}
