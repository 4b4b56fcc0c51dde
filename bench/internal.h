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

/*
 * main.c: the checks `ptbench run BENCH ARGS' makes before it measures,
 * shared with `ptbench plan' so that the two can never disagree.
 */
struct pt_check_err {
	char msg[512];		/* what is wrong, without "ptbench run BENCH: " */
	bool hint;		/* a usage error: run adds "(see ptbench run BENCH --help)" */
	int first, last;	/* the arguments it is about (argv indices); -1: none */
};

/* The common options before any is given: --duration 3, --reps 5... */
void pt_common_defaults(struct pt_common *c);
/*
 * Fill c and params (zeroed, b->params_size bytes) from the defaults and
 * argv, the options after "ptbench run BENCH"; refuse --mode processes for
 * a threads-only benchmark.  0; 1 when --help was asked; -1 bad input;
 * -2 a built-in default does not parse.  e says why.
 */
int pt_run_parse(const struct pt_bench *b, int argc, char **argv, struct pt_common *c,
		 void *params, struct pt_check_err *e);
/*
 * The rest of what run checks before it measures, allocating nothing of
 * the benchmark's: the task count, the benchmark's validate() (run->bench,
 * run->params and run->h set; run->h->error takes its message), the
 * placement, the memory the benchmark needs, the --events list.  ncpus 0:
 * for this machine (its topology, MemAvailable), *cpus (when cpus is not
 * NULL) gets the CPU of each task; ncpus > 0: for a machine of that many
 * CPUs, the placement checked by count and CPU numbers, memory not
 * checked.  0, or -1 with e set.
 */
int pt_run_check(struct pt_run *run, const struct pt_common *c, int ncpus, int **cpus,
		 struct pt_check_err *e);

/* plan.c: ptbench plan (argv[1] is "plan"). */
int pt_cmd_plan(int argc, char **argv);

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
