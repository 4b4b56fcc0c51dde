// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat check: is a file a valid ptbench/1 result (with the label and the
 * repetitions a runner expects)?  The runners ask this instead of testing
 * the schema themselves, so the schema stays known to C alone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write.h"
#include "../common/result.h"

#define PROG "ptstat check"

static void check_help(FILE *f)
{
	fputs("Usage: ptstat check [--label LABEL] [--reps N] [-q] RESULT.json...\n"
"\n"
"Checks that each file is a valid ptbench/1 result: JSON, the schema, and\n"
"every field results/README.md promises, of the right type (the checks\n"
"'ptstat show' makes when it reads a set). With --label, its label must be\n"
"LABEL; with --reps, params.reps must be N. Prints nothing for a valid file;\n"
"for another, \"ptstat check: FILE: what is wrong\" (unless -q).\n"
"\n"
"Options:\n"
"  --label LABEL  the label the result must have\n"
"  --reps N       the repetitions it must hold\n"
"  -q, --quiet    no message, the exit status only\n"
"  -h, --help     this help\n"
"\n"
"Exit status: 0 every file is valid; 1 a file is not; 2 bad usage.\n", f);
}

static int check_one(const char *path, const char *label, long reps, bool quiet)
{
	char err[512];
	json_t *doc = pt_result_read(path, err, sizeof(err));
	const char *l;
	json_t *r;
	int rc = 0;

	if (!doc) {
		if (!quiet)
			fprintf(stderr, "%s: %s: %s\n", PROG, path, err);
		return 1;
	}
	l = json_string_value(json_object_get(doc, "label"));
	r = json_object_get(json_object_get(doc, "params"), "reps");
	if (label && (!l || strcmp(l, label))) {
		if (!quiet)
			fprintf(stderr, "%s: %s: label: '%s', want '%s'\n", PROG, path,
				l ? l : "", label);
		rc = 1;
	} else if (reps >= 0 && (!json_is_integer(r) || json_integer_value(r) != reps)) {
		if (!quiet)
			fprintf(stderr, "%s: %s: params.reps: %lld, want %ld\n", PROG, path,
				json_is_integer(r) ? (long long)json_integer_value(r) : -1LL, reps);
		rc = 1;
	}
	json_decref(doc);
	return rc;
}

int pw_check(int argc, char **argv)
{
	const char *label = NULL, *reps_s = NULL;
	bool help = false, quiet = false;
	const struct pw_opt opts[] = {
		{ "label", 0, &label, NULL }, { "reps", 0, &reps_s, NULL },
		{ "quiet", 'q', NULL, &quiet }, { "help", 'h', NULL, &help },
		{ NULL, 0, NULL, NULL },
	};
	const char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	unsigned long reps = 0;
	int npos = 0, rc;

	if (!pos) {
		perror(PROG);
		return 1;
	}
	rc = pw_parse(PROG, opts, argc, argv, pos, &npos, NULL, NULL);
	if (rc || help) {
		if (help)
			check_help(stdout);
		free(pos);
		return rc;
	}
	if (reps_s && pw_ulong(reps_s, 1, 99999, &reps)) {
		free(pos);
		return pw_usage(PROG, "--reps must be a whole number from 1 to 99999, not '%s'", reps_s);
	}
	if (!npos) {
		free(pos);
		return pw_usage(PROG, "no result file to check");
	}
	for (int i = 0; i < npos; i++)
		if (check_one(pos[i], label, reps_s ? (long)reps : -1, quiet))
			rc = 1;
	free(pos);
	return rc;
}
