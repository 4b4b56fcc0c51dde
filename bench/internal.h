/* SPDX-License-Identifier: GPL-2.0 */
/* Harness-private declarations: nothing here is for benchmarks. */
#ifndef PT_INTERNAL_H
#define PT_INTERNAL_H

#include <signal.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "ptbench.h"

/* Exit statuses. */
#define PT_EXIT_FAIL	1	/* the run failed (a task, the kernel, I/O) */
#define PT_EXIT_USAGE	2	/* bad input: nothing was run, nothing written */

struct pt_counters;
struct pt_paths;

/* The options every benchmark takes. */
struct pt_common {
	double duration;	/* seconds per repetition; 0 in iteration mode */
	uint64_t iterations;
	unsigned reps;
	double warmup;		/* seconds; 0: no warm-up */
	unsigned tasks;
	bool tasks_given;
	bool processes;
	bool oversubscribe;
	bool no_aslr;
	bool quiet;
	const char *pin;
	const char *events;
	const char *out;
	const char *label;
};

struct pt_harness {
	struct pt_common o;
	int argc;
	char **argv;
	char started[32];
	int *cpus;			/* per task */
	struct pt_counters *ctr;
	json_t *params;
	json_t *metrics;
	json_t *checks;
	json_t *warnings;
	json_t *findings;
	json_t *unsupported;		/* metrics this run cannot give */
	struct pt_paths *paths;		/* paths.c: totals of the path counts */
	json_t *paths_json;		/* the decision, after the last repetition */
	char error[512];		/* pt_error() */
	int signo;			/* the signal that ended the run, 0 if none */
	sigset_t sigs;			/* the signals the controller waits for */
};

/*
 * util.c: read the whole of a file (a /proc one, whose size is not known
 * ahead) into *buf, grown as needed (*cap bytes), NUL-terminated.  Its
 * length, or -errno.
 */
ssize_t pt_slurp(const char *path, char **buf, size_t *cap);

/* The benchmarks, sorted by name; from the "pt_benches" section. */
const struct pt_bench *const *pt_benches(size_t *count);
const struct pt_bench *pt_bench_find(const char *name);

/* harness.c: run every repetition; returns an exit status. */
int pt_harness_run(struct pt_run *run);

/* output.c */
int pt_out_prepare(const char *path, char *err, size_t errlen);
int pt_out_commit(json_t *doc, char *err, size_t errlen);
void pt_out_abort(void);
json_t *pt_result_doc(struct pt_run *run);
void pt_print_summary(struct pt_run *run, FILE *f);
void pt_iso_time(char *buf, size_t len);

#endif
