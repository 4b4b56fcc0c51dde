/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result sets: a directory results/<label>/ with an optional system.json
 * (ptbench sysinfo) and one ptbench/1 result per suite entry.  Loading
 * validates every field ptstat reads, so the reports never meet a missing
 * field or a non-finite sample.
 */
#ifndef PT_RESULTSET_H
#define PT_RESULTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum rs_better {
	RS_HIGHER,
	RS_LOWER,
	RS_INFO,	/* not a performance figure: shown, never judged */
};

struct rs_metric {
	char *name;
	char *unit;
	enum rs_better better;
	double *samples;
	size_t n;
};

struct rs_entry {
	char *file;		/* the path, for messages */
	char *label;		/* .label: how entries are matched across sets */
	char *bench;
	char *desc;		/* "mmap-churn --size 128M": the command, run length left out */
	json_t *params;		/* .params, a reference */
	json_t *kernel;		/* .kernel, a reference, or NULL */
	long tasks;		/* .params.tasks, or -1 when absent */
	size_t reps;
	struct rs_metric *metrics;
	size_t nmetrics;
	char *started;		/* .started (ISO 8601 UTC), NULL if absent */
	char *free_path;	/* .paths.free.path ("direct", "rcu", ...), NULL if absent */
	char *flush_path;	/* .paths.flush.path, NULL if absent */
	char *path_counts;	/* "4352 direct, 0 rcu tables; 69 IPI, 0 PV flushes", or NULL */
};

/*
 * An entry that failed in the run (meta.json's "failed", written by the
 * runner): it has no result, and the reports say so on their first lines.
 */
struct rs_failed {
	char *label;
	long round;		/* the round it failed in; 0 when not given */
	int status;		/* its exit status; -1 when not given */
	char *src;		/* "FILE:LINE" where it failed, or NULL */
	char **messages;	/* its last messages, oldest first */
	size_t nmessages;
};

struct rs_set {
	char *dir;
	char *label;		/* basename of dir */
	char *kernel;		/* release; "?" when unknown */
	char *tlb_flush;	/* "pv-kvm", "ipi", ...; "?" when unknown */
	char *table_free;	/* "rcu", "direct", ...; "?" when unknown */
	/*
	 * Observed in the results' paths (the counts), over the results that
	 * freed tables or flushed: a path, "mixed" when results disagree, NULL
	 * when none says.  They win over system.json in the set's title.
	 */
	char *obs_free;
	char *obs_flush;
	/*
	 * How the set ran: system.json's .vm.accel ("kvm", "tcg") for a set
	 * run by runners/vm.sh; "tcg" when sysinfo found QEMU's TCG CPUID
	 * signature; "native" when system.json says neither; "unknown"
	 * without a readable system.json.  tcg: the timings are emulated.
	 * tcg_threads: .vm.tcg_threads ("single", "multi") under TCG, NULL
	 * when not said (single-threaded TCG is then assumed).
	 */
	char *accel;
	char *tcg_threads;
	bool tcg;
	/*
	 * Facts the exports carry, NULL when no file says: started is
	 * meta.json's "started", else the earliest result's; host is
	 * meta.json's "host", else system.json's "hostname"; suite is
	 * meta.json's suite.name; kversion is the kernel's version string
	 * (uname -v); config_hash names the kernel configuration that
	 * system.json recorded (16 hex digits of a 64-bit FNV-1a over its
	 * options as compact JSON with sorted keys), so two sets built from
	 * the same configuration carry the same hash.
	 */
	char *started;
	char *host;
	char *suite;
	char *kversion;
	char *config_hash;
	struct rs_failed *failed;	/* meta.json's "failed" entries */
	size_t nfailed;
	struct rs_entry *entries;
	size_t nentries;
	unsigned problems;	/* files reported and left out */
};

/*
 * Load the set in dir.  Every problem is reported on stderr as
 * "ptstat: FILE: FIELD: what is wrong"; a bad file is left out and counted
 * in ->problems.  Returns NULL (after saying why) when the set has nothing
 * to show: no directory, no result file, or no valid one.
 */
struct rs_set *rs_load(const char *dir);
void rs_free(struct rs_set *set);

/*
 * What rs_load() does with each file, on the len bytes of text at text
 * (for the fuzz targets), name standing for the file in messages: a
 * result into e, zeroed before (0, or -1 after a message; rs_entry_free()
 * it either way); system.json's and meta.json's facts into set, a problem
 * counted in set->problems.
 */
int rs_entry_parse(struct rs_entry *e, const char *name, const char *text, size_t len);
void rs_entry_free(struct rs_entry *e);
void rs_system_parse(struct rs_set *set, const char *name, const char *text, size_t len);
void rs_meta_parse(struct rs_set *set, const char *name, const char *text, size_t len);
/* What rs_load() says when no file does: kernel, paths "?", accel "unknown". */
void rs_set_unknown(struct rs_set *set);

/*
 * rs_load() of each directory, labels made unique ("base#2" for a second
 * set from a directory of the same name) and their problems added to
 * *problems; NULL when one of them does not load (it said why).
 */
struct rs_set **rs_load_sets(const char *const *dirs, size_t n, unsigned *problems);

/*
 * "a: 6.18.44 pv-kvm rcu-free": how column headers and legends name a set;
 * the paths are those counted in its results where they say, else
 * system.json's ("counted" is appended when they come from counts).
 */
char *rs_set_title(const struct rs_set *set);

const struct rs_entry *rs_find_entry(const struct rs_set *set, const char *label);
const struct rs_metric *rs_find_metric(const struct rs_entry *e, const char *name);

const char *rs_better_str(enum rs_better b);

/*
 * The parameters of an entry that define what it measures: .params without
 * the run length (duration, iterations, reps, warm-up, events), and
 * without the task count when without_tasks is set.  Compact JSON with
 * sorted keys, so equal strings mean equal parameters.  Caller frees.
 */
char *rs_params_key(const struct rs_entry *e, bool without_tasks);
bool rs_run_length_param(const char *key);

/*
 * 64-bit FNV-1a of the n bytes at p continued from h (0: start), for names
 * that must be the same for the same input (config_hash, the export ids,
 * the spool's item names).  Not a cryptographic hash: nothing here needs
 * one.
 */
uint64_t rs_fnv1a(uint64_t h, const void *p, size_t n);

/* malloc that reports and exits: ptstat has nothing to free up. */
void *rs_xmalloc(size_t size);
void *rs_xcalloc(size_t n, size_t size);
void *rs_xrealloc(void *p, size_t n, size_t size);
char *rs_xstrdup(const char *s);
char *rs_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
