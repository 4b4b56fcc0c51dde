/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data model's one owner: the schema names, the one way a file of this
 * project reaches the disk (whole or not at all), and the reading and
 * checking of a ptbench/1 result.  Linked into ptbench and ptstat.
 */
#ifndef PT_RESULT_H
#define PT_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define PT_SCHEMA_RESULT	"ptbench/1"		/* one run: results/README.md */
#define PT_SCHEMA_SET		"ptbench-set/1"		/* a set's meta.json */
#define PT_SCHEMA_PLAN		"ptbench-plan/1"	/* a planned suite run */

/*
 * How every JSON file is written: indent 2, keys in insertion order, reals
 * with 10 significant digits (ptbench's samples have no more; 594.1 stays
 * 594.1, not 594.10000000000002).
 */
#define PT_JSON_FLAGS	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

/*
 * Write path atomically: fill() writes the contents to f (returning 0, or
 * non-zero on failure), into a temporary file ".NAME.XXXXXX" beside path,
 * which is synced, made mode 0644 and renamed over path.  Returns 0, or -1
 * with errno set (EIO when fill failed without saying why); on failure the
 * temporary file is gone and any existing path untouched.
 */
int pt_write_atomic(const char *path, int (*fill)(FILE *f, void *arg), void *arg);

/* len bytes of buf, through pt_write_atomic(). */
int pt_write_buf_atomic(const char *path, const char *buf, size_t len);

/* doc as PT_JSON_FLAGS and a newline, through pt_write_atomic(). */
int pt_json_write_atomic(const char *path, json_t *doc);

/*
 * The same in two steps, for a writer that must know the path is writable
 * before long work (ptbench run -o, ptstat -o): open creates the temporary
 * file, commit syncs and renames it, abort removes it.  Both end the
 * struct's life; abort after commit, or twice, does nothing.
 */
struct pt_atomic {
	char *path;
	char *tmp;
	FILE *f;
	int slot;	/* in the table the signal handler cleans up, or -1 */
};

int pt_atomic_open(struct pt_atomic *a, const char *path);
int pt_atomic_commit(struct pt_atomic *a);
void pt_atomic_abort(struct pt_atomic *a);

/*
 * On SIGINT, SIGTERM and SIGHUP, remove the temporary files still open and
 * die of the signal.  For programs that have no signal handling of their
 * own (ptstat); ptbench's harness takes its signals and aborts itself.
 * Signals that are ignored stay ignored.
 */
void pt_atomic_cleanup_on_signals(void);

/* Now as ISO 8601 UTC, "2026-12-01T06:10:46Z" (at least 21 bytes). */
void pt_now_iso(char *buf, size_t len);

/*
 * Read path and check it is a ptbench/1 result with the fields
 * results/README.md promises.  Returns the document, or NULL with
 * "FIELD: what is wrong" (or the parse error) in err.
 */
/* What a JSON value is, for messages: "a string", "an object", "missing"... */
const char *pt_json_kind(const json_t *v);

json_t *pt_result_read(const char *path, char *err, size_t errlen);
/* The same on the n bytes of JSON text at text (the fuzz targets'). */
json_t *pt_result_parse(const char *text, size_t n, char *err, size_t errlen);
int pt_result_check(const json_t *doc, char *err, size_t errlen);

/*
 * The rules that name a run's paths from its counts (results/README.md,
 * "paths"), shared by ptbench and the tools that sum counts over rounds:
 * the free path from the tables queued for RCU, freed directly and the
 * sync IPIs (none, sync-ipi, mixed, rcu, direct); the flush path from the
 * paravirtual and all native remote flushes (pv, ipi, none).
 */
const char *pt_free_path_of(double rcu, double direct, double sync);
const char *pt_flush_path_of(double pv, double native);

/* Read a JSON object from path; NULL with the reason in err. */
json_t *pt_json_read(const char *path, char *err, size_t errlen);
/* The same on the n bytes of JSON text at text. */
json_t *pt_json_parse(const char *text, size_t n, char *err, size_t errlen);

#endif
