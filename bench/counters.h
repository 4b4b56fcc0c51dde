/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-repetition counters: perf events encoded by libpfm4, the TLB and CAL
 * rows of /proc/interrupts, and getrusage.
 */
#ifndef PT_COUNTERS_H
#define PT_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct pt_counters;

/*
 * spec: "default", "none", or a comma-separated list of libpfm4 event names,
 * kprobe:FUNCTION[@task], tp:SUBSYSTEM:EVENT[:REASON][@task] and "path" (the
 * path counters, kcount.c); "default" is a portable set plus "path".
 * Returns NULL with a message in err on bad input (empty name, bad list).
 * An event libpfm4 does not know, or perf_event_open refuses, is not an
 * error: it is reported {"supported": false, "reason": ...}.
 */
struct pt_counters *pt_counters_new(const char *spec, char *err, size_t errlen);

/* Check spec as pt_counters_new() does, opening nothing: 0, or -1 with err. */
int pt_counters_check(const char *spec, char *err, size_t errlen);

/*
 * Start a repetition: read the totals of the perf events (opened by
 * pt_counters_new() for the calling thread with inherit set, so tasks
 * created afterwards are counted), snapshot the interrupt rows, getrusage
 * (self and children), /proc/vmstat, /proc/softirqs and /proc/meminfo.
 */
void pt_counters_start(struct pt_counters *c);
/* End a repetition (every task out of its measured loop): read and record
 * one sample per counter, getrusage excepted. */
void pt_counters_stop(struct pt_counters *c);
/* After every task has been joined or reaped: record getrusage (self and
 * reaped children; a child's usage shows only once it is reaped). */
void pt_counters_stop_late(struct pt_counters *c);
/*
 * During a repetition, from the controller (never from a timed task): note
 * /proc/meminfo's MemFree and PageTables, whose peaks against the start
 * become meminfo:held_kib_peak and meminfo:pagetables_kib_peak.
 */
void pt_counters_sample(struct pt_counters *c);
/* Forget the last repetition (the warm-up). */
void pt_counters_discard(struct pt_counters *c);

/* Delta of the last recorded repetition; false if unsupported. */
bool pt_counters_last(const struct pt_counters *c, const char *name, double *value);

/* A kprobe counter whose function this kernel does not have at all. */
bool pt_counters_absent(const struct pt_counters *c, const char *name);
/* Why a counter is unsupported (or not asked for); NULL if supported. */
const char *pt_counters_reason(const struct pt_counters *c, const char *name);

/* name -> {"supported": true, "unit": ..., "samples": [...]} or
 *         {"supported": false, "reason": "..."} */
json_t *pt_counters_json(const struct pt_counters *c);
void pt_counters_free(struct pt_counters *c);

#endif
