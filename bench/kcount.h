/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel event counts: kprobes through the perf "kprobe" PMU and
 * tracepoints by id, both opened with perf_event_open() and only counted
 * (no sampling, no trace buffer).  See kcount.c for why.
 */
#ifndef PT_KCOUNT_H
#define PT_KCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>

enum pt_kc_kind { PT_KC_KPROBE, PT_KC_TRACEPOINT };

/* What to count: filled in by pt_kc_parse() from a name of --events. */
struct pt_kc_spec {
	enum pt_kc_kind kind;
	bool system;			/* every CPU, every task; false: "@task" */
	char symbol[96];		/* kprobe: function; may gain a .suffix */
	char tp[96];			/* tracepoint: "subsys/event" */
	char filter[64];		/* tracepoint filter, "" for none */
};

/*
 * Is name one of ours ("kprobe:SYM", "tp:SUB:EV", "tp:tlb:tlb_flush:REASON",
 * each with an optional "@task")?  0: yes, spec filled; 1: not ours (a
 * libpfm4 name); -1: ours but malformed, message in err.
 */
int pt_kc_parse(const char *name, struct pt_kc_spec *spec, char *err, size_t errlen);

/*
 * Prepare the perf_event_attr of spec; on failure, why it cannot be
 * counted on this kernel (the missing option, the absent symbol, not
 * root...) is in reason and -1 is returned; -2 when the function is not in
 * this kernel's symbol table at all.  attr refers to a copy of the
 * symbol's name that lives as long as the process.
 */
int pt_kc_attr(struct pt_kc_spec *spec, struct perf_event_attr *attr,
	       char *reason, size_t rlen);

/* Why perf_event_open() of a kprobe or tracepoint failed with err. */
void pt_kc_open_failed(const struct pt_kc_spec *spec, int err, char *reason, size_t rlen);

/* The tracefs mount point ("" if none), mounting it when root and unmounted. */
const char *pt_tracefs(char *why, size_t whylen);

/* The names the "path" alias of --events stands for, NULL-terminated. */
extern const char *const pt_path_events[];

#endif
