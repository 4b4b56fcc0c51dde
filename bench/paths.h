/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which page-table free path and which TLB flush path a run drove, from
 * the in-kernel counts (kcount.c), and the metrics derived from them.
 */
#ifndef PT_PATHS_H
#define PT_PATHS_H

#include <stdbool.h>
#include <jansson.h>

struct pt_run;
struct pt_counters;

/* One count: known (counted, or structurally zero), its value, and why not. */
struct pt_pcount {
	bool known;
	double n;
	const char *why;	/* when !known */
	const char *from;	/* what it was counted from */
};

struct pt_path_input {
	struct pt_pcount rcu;		/* tables queued by tlb_remove_table() */
	struct pt_pcount direct;	/* tables freed right after the flush */
	struct pt_pcount sync;		/* tlb_remove_table_sync_one() IPIs */
	struct pt_pcount pv;		/* kvm_flush_tlb_multi() */
	struct pt_pcount native;	/* native_flush_tlb_multi(), all callers */
};

/* Fill in from the counters' last repetition. */
void pt_paths_read(const struct pt_counters *c, struct pt_path_input *in);

/*
 * The decision: {"free": {"path": rcu|direct|sync-ipi|mixed|none|unknown,
 * "counts" | "reason"}, "flush": {"path": ipi|pv|none|unknown, ...}}.
 * A pure function of its input, so tests can feed it recorded counts.
 */
json_t *pt_paths_decide(const struct pt_path_input *in);

/* After each repetition's report(): the derived metrics, and the totals. */
void pt_paths_report(struct pt_run *run);
/* After the last repetition: the "paths" object (new reference). */
json_t *pt_paths_finish(struct pt_run *run);
void pt_paths_free(struct pt_run *run);

#endif
