// SPDX-License-Identifier: GPL-2.0
/*
 * `ptbench run BENCH ARGS': the input's lines are the words after "run",
 * the benchmark's name first.  pt_run_parse() (bench/main.c), then the
 * checks run makes before it measures, for a machine of 8 CPUs as
 * ptbench plan --cpus 8 makes them (pt_run_check()).  Nothing runs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../bench/internal.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_string(data, size), *argv[MAX_ARGS + 1], *save = NULL, *w;
	const struct pt_bench *b;
	struct pt_harness h = { 0 };
	struct pt_run run = { 0 };
	struct pt_check_err e;
	int argc = 0, r;

	for (w = strtok_r(s, "\n", &save); w && argc < MAX_ARGS; w = strtok_r(NULL, "\n", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	b = argc ? pt_bench_find(argv[0]) : NULL;
	if (!b) {
		free(s);
		return 0;
	}
	run.bench = b;
	run.h = &h;
	run.params = calloc(1, b->params_size ? b->params_size : 1);
	if (!run.params)
		abort();
	r = pt_run_parse(b, argc - 1, argv + 1, &h.o, run.params, &e);
	if (r < 0 && (!e.msg[0] || e.first >= argc - 1 || e.last >= argc - 1 ||
		      (e.first < 0) != (e.last < 0) || e.last < e.first))
		abort();	/* a message that names no argument it was given */
	if (!r && pt_run_check(&run, &h.o, 8, NULL, &e) && !e.msg[0])
		abort();
	free(run.params);
	free(s);
	return 0;
}
