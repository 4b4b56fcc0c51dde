// SPDX-License-Identifier: GPL-2.0
/*
 * Loading result sets.  A result set is the only input ptstat has, and a
 * comparison of kernels is only as good as the numbers it reads: every
 * field used later is checked here, and each problem is reported with the
 * file and the field, so that "ptstat: results/a/mmap.json:
 * metrics.ops_per_sec.samples[2]: not a finite number" is all a user needs
 * to find it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/result.h"
#include "resultset.h"

/* ---- allocation -------------------------------------------------------- */

static void __attribute__((noreturn)) out_of_memory(void)
{
	fprintf(stderr, "ptstat: out of memory\n");
	exit(1);
}

void *rs_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *rs_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *rs_xrealloc(void *p, size_t n, size_t size)
{
	void *q;

	if (size && n > SIZE_MAX / size)
		out_of_memory();
	q = realloc(p, n && size ? n * size : 1);
	if (!q)
		out_of_memory();
	return q;
}

char *rs_xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		out_of_memory();
	return d;
}

char *rs_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		out_of_memory();
	return s;
}

/* ---- messages ---------------------------------------------------------- */

static void bad(const char *file, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "ptstat: FILE: FIELD: what is wrong" */
static void bad(const char *file, const char *field, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ptstat: %s: ", file);
	if (field)
		fprintf(stderr, "%s: ", field);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}


const char *rs_better_str(enum rs_better b)
{
	switch (b) {
	case RS_HIGHER:
		return "higher";
	case RS_LOWER:
		return "lower";
	case RS_INFO:
		break;
	}
	return "info";
}

/* ---- field access with checks -------------------------------------------- */

/* obj.key as a string; reports and returns NULL when missing or mistyped. */
static const char *get_string(const char *file, const json_t *obj,
			      const char *key, const char *field, bool nonempty)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		bad(file, field, "missing");
		return NULL;
	}
	if (!json_is_string(v)) {
		bad(file, field, "is %s, want a string", pt_json_kind(v));
		return NULL;
	}
	if (nonempty && !*json_string_value(v)) {
		bad(file, field, "is empty");
		return NULL;
	}
	return json_string_value(v);
}

/*
 * A whole number >= 1: ptbench writes reps and tasks as integers, but a
 * tool that rewrote the file may have made them 5.0, which means the same.
 */
static int get_count(const char *file, const json_t *v, const char *field,
		     long *out)
{
	double d;

	if (!json_is_number(v)) {
		bad(file, field, "is %s, want a whole number", pt_json_kind(v));
		return -1;
	}
	d = json_number_value(v);
	if (!(d >= 1 && d <= 1e9 && d == floor(d))) {
		bad(file, field, "is %g, want a whole number of at least 1", d);
		return -1;
	}
	*out = (long)d;
	return 0;
}

/* ---- the description of an entry ---------------------------------------- */

/*
 * Options of ptbench run that set how long it ran, what it counted besides
 * the metrics, or where the result went.
 */
static bool run_length_opt(const char *arg, bool *takes_value)
{
	static const char *const with_value[] = {
		"--duration", "--iterations", "--reps", "--warmup", "--events",
		"--output", "-o", "--label",
	};
	static const char *const flags[] = { "--quiet", "-q" };

	*takes_value = false;
	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++) {
		size_t len = strlen(with_value[i]);

		/* "--reps 5", or "--reps=5": only long options take a '='. */
		if (!strncmp(arg, with_value[i], len) &&
		    (arg[len] == 0 || (arg[len] == '=' && arg[1] == '-'))) {
			*takes_value = arg[len] == 0;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcmp(arg, flags[i]))
			return true;
	return false;
}

static void append(char **buf, size_t *len, const char *s)
{
	size_t add = strlen(s);

	*buf = rs_xrealloc(*buf, *len + add + 1, 1);
	memcpy(*buf + *len, s, add + 1);
	*len += add;
}

/*
 * "mmap-churn --size 128M --touch none": what the entry measures, in the
 * words of its command line, without the run length and the output file
 * (those say how it was measured, and differ between a quick and a full
 * run of the same entry).
 */
static char *entry_desc(const json_t *command, const char *bench)
{
	size_t i = 1, n = json_array_size(command), len = 0;
	char *buf = NULL;

	if (!n)
		return rs_xstrdup(bench);
	if (i < n && !strcmp(json_string_value(json_array_get(command, i)), "run"))
		i++;
	for (; i < n; i++) {
		const char *arg = json_string_value(json_array_get(command, i));
		bool takes_value;

		if (run_length_opt(arg, &takes_value)) {
			i += takes_value;
			continue;
		}
		if (len)
			append(&buf, &len, " ");
		if (!*arg || strpbrk(arg, " \t'\"")) {
			append(&buf, &len, "'");
			append(&buf, &len, arg);
			append(&buf, &len, "'");
		} else {
			append(&buf, &len, arg);
		}
	}
	return buf ? buf : rs_xstrdup(bench);
}

/* ---- one result file ----------------------------------------------------- */

static void free_entry(struct rs_entry *e)
{
	for (size_t i = 0; i < e->nmetrics; i++) {
		free(e->metrics[i].name);
		free(e->metrics[i].unit);
		free(e->metrics[i].samples);
	}
	free(e->metrics);
	free(e->file);
	free(e->label);
	free(e->bench);
	free(e->desc);
	free(e->free_path);
	free(e->flush_path);
	free(e->path_counts);
	json_decref(e->params);
	json_decref(e->kernel);
	free(e->started);
	memset(e, 0, sizeof(*e));
}

/*
 * A null sample is a repetition that gave no value (ptbench writes null
 * and a warning): it is left out, so m->n counts the numbers only; *len
 * is the array's length, one per repetition.
 */
static int load_samples(const char *file, const char *name, const json_t *arr,
			struct rs_metric *m, size_t *len)
{
	char field[320];

	snprintf(field, sizeof(field), "metrics.%s.samples", name);
	if (!json_is_array(arr)) {
		bad(file, field, arr ? "is %s, want an array of numbers" : "missing",
		    arr ? pt_json_kind(arr) : "");
		return -1;
	}
	*len = json_array_size(arr);
	if (!*len) {
		bad(file, field, "is empty");
		return -1;
	}
	m->samples = rs_xcalloc(*len, sizeof(double));
	m->n = 0;
	for (size_t i = 0; i < *len; i++) {
		json_t *v = json_array_get(arr, i);

		if (json_is_null(v))
			continue;
		if (!json_is_number(v) || !isfinite(json_number_value(v))) {
			snprintf(field, sizeof(field), "metrics.%s.samples[%zu]", name, i);
			bad(file, field, "not a finite number or null (%s)", pt_json_kind(v));
			return -1;
		}
		m->samples[m->n++] = json_number_value(v);
	}
	return 0;
}

static int load_metric(const char *file, const char *name, const json_t *obj,
		       size_t reps, struct rs_metric *m)
{
	char field[320];
	const char *unit, *better;
	size_t len;

	snprintf(field, sizeof(field), "metrics.%s", name);
	m->name = rs_xstrdup(name);
	if (!json_is_object(obj)) {
		bad(file, field, "is %s, want an object", pt_json_kind(obj));
		return -1;
	}
	snprintf(field, sizeof(field), "metrics.%s.unit", name);
	unit = get_string(file, obj, "unit", field, false);
	if (!unit)
		return -1;
	m->unit = rs_xstrdup(unit);
	snprintf(field, sizeof(field), "metrics.%s.better", name);
	better = get_string(file, obj, "better", field, false);
	if (!better)
		return -1;
	if (!strcmp(better, "higher")) {
		m->better = RS_HIGHER;
	} else if (!strcmp(better, "lower")) {
		m->better = RS_LOWER;
	} else if (!strcmp(better, "info")) {
		m->better = RS_INFO;
	} else {
		bad(file, field, "is '%s', want higher, lower or info", better);
		return -1;
	}
	if (load_samples(file, name, json_object_get(obj, "samples"), m, &len))
		return -1;
	if (len != reps) {
		snprintf(field, sizeof(field), "metrics.%s.samples", name);
		bad(file, field, "has %zu values, but params.reps is %zu", len, reps);
		return -1;
	}
	return 0;
}

static int load_metrics(const char *file, const json_t *root, struct rs_entry *e)
{
	json_t *metrics = json_object_get(root, "metrics"), *v;
	const char *name;

	if (!metrics) {
		bad(file, "metrics", "missing");
		return -1;
	}
	if (!json_is_object(metrics) || !json_object_size(metrics)) {
		bad(file, "metrics", "is %s, want a non-empty object",
		    json_is_object(metrics) ? "empty" : pt_json_kind(metrics));
		return -1;
	}
	e->metrics = rs_xcalloc(json_object_size(metrics), sizeof(*e->metrics));
	json_object_foreach(metrics, name, v) {
		struct rs_metric *m = &e->metrics[e->nmetrics++];

		if (load_metric(file, name, v, e->reps, m))
			return -1;
		if (!m->n) {
			/* No repetition gave a value: nothing to show or judge. */
			free(m->name);
			free(m->unit);
			free(m->samples);
			memset(m, 0, sizeof(*m));
			e->nmetrics--;
		}
	}
	return 0;
}

static int load_params(const char *file, const json_t *root, struct rs_entry *e)
{
	json_t *params = json_object_get(root, "params"), *v;
	long reps;

	if (!json_is_object(params)) {
		bad(file, "params", params ? "is %s, want an object" : "missing",
		    params ? pt_json_kind(params) : "");
		return -1;
	}
	e->params = json_incref(params);
	v = json_object_get(params, "reps");
	if (!v) {
		bad(file, "params.reps", "missing");
		return -1;
	}
	if (get_count(file, v, "params.reps", &reps))
		return -1;
	e->reps = (size_t)reps;
	e->tasks = -1;
	v = json_object_get(params, "tasks");
	if (v && !json_is_null(v) && get_count(file, v, "params.tasks", &e->tasks))
		return -1;
	return 0;
}

static int check_command(const char *file, const json_t *command)
{
	size_t i;
	json_t *v;

	if (!command)
		return 0;
	if (!json_is_array(command)) {
		bad(file, "command", "is %s, want an array of strings", pt_json_kind(command));
		return -1;
	}
	json_array_foreach(command, i, v) {
		if (!json_is_string(v)) {
			char field[64];

			snprintf(field, sizeof(field), "command[%zu]", i);
			bad(file, field, "is %s, want a string", pt_json_kind(v));
			return -1;
		}
	}
	return 0;
}

/* .kernel is optional (system.json says the same), but typed when there. */
static int check_kernel(const char *file, const json_t *kernel)
{
	static const char *const keys[] = { "release", "tlb_flush_mode", "table_free" };

	if (!kernel)
		return 0;
	if (!json_is_object(kernel)) {
		bad(file, "kernel", "is %s, want an object", pt_json_kind(kernel));
		return -1;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(kernel, keys[i]);
		char field[64];

		if (v && !json_is_string(v) && !json_is_null(v)) {
			snprintf(field, sizeof(field), "kernel.%s", keys[i]);
			bad(file, field, "is %s, want a string", pt_json_kind(v));
			return -1;
		}
	}
	return 0;
}

static double path_count(const json_t *side, const char *what)
{
	return json_number_value(json_object_get(json_object_get(json_object_get(side, "counts"),
								 what), "count"));
}

/* .paths is optional (older results have none), but typed when there. */
static int load_paths(const char *file, const json_t *paths, struct rs_entry *e)
{
	const json_t *fr, *fl, *fp, *lp;

	if (!paths || json_is_null(paths))
		return 0;
	fr = json_object_get(paths, "free");
	fl = json_object_get(paths, "flush");
	fp = json_object_get(fr, "path");
	lp = json_object_get(fl, "path");
	if (!json_is_object(paths) || !json_is_string(fp) || !json_is_string(lp)) {
		bad(file, "paths", "want {\"free\": {\"path\": STRING, ...}, \"flush\": {\"path\": STRING, ...}}");
		return -1;
	}
	e->free_path = rs_xstrdup(json_string_value(fp));
	e->flush_path = rs_xstrdup(json_string_value(lp));
	if (strcmp(e->free_path, "unknown") && strcmp(e->flush_path, "unknown"))
		e->path_counts = rs_xasprintf("%.0f direct, %.0f rcu tables; %.0f IPI, %.0f PV flushes",
					      path_count(fr, "direct_tables"),
					      path_count(fr, "rcu_tables"),
					      path_count(fl, "ipi_flushes"),
					      path_count(fl, "pv_flushes"));
	return 0;
}

static int load_header(const char *file, const json_t *root, struct rs_entry *e)
{
	const char *schema, *s;

	schema = get_string(file, root, "schema", "schema", false);
	if (!schema)
		return -1;
	if (strcmp(schema, PT_SCHEMA_RESULT)) {
		bad(file, "schema", "is '%s', this ptstat reads only '%s'", schema,
		    PT_SCHEMA_RESULT);
		return -1;
	}
	s = get_string(file, root, "bench", "bench", true);
	if (!s)
		return -1;
	e->bench = rs_xstrdup(s);
	s = get_string(file, root, "label", "label", true);
	if (!s)
		return -1;
	e->label = rs_xstrdup(s);
	if (check_command(file, json_object_get(root, "command")) ||
	    check_kernel(file, json_object_get(root, "kernel")))
		return -1;
	e->desc = entry_desc(json_object_get(root, "command"), e->bench);
	e->kernel = json_incref(json_object_get(root, "kernel"));
	s = json_string_value(json_object_get(root, "started"));
	e->started = s ? rs_xstrdup(s) : NULL;
	return load_paths(file, json_object_get(root, "paths"), e);
}

static void report_parse_error(const char *file, const json_error_t *jerr)
{
	/* ptbench never writes them, but a tool that rewrote the file might. */
	bool not_finite = strstr(jerr->text, "NaN") || strstr(jerr->text, "nfinity") ||
			  strstr(jerr->text, "overflow");

	if (jerr->line <= 0) {
		bad(file, NULL, "%s", jerr->text);
		return;
	}
	bad(file, NULL, "not valid JSON (line %d, column %d): %s%s", jerr->line,
	    jerr->column, jerr->text, not_finite ?
	    " (NaN and infinities are not JSON numbers: every sample must be finite)" : "");
}

/* A result parsed (root, or NULL and jerr) into e; root is released. */
static int entry_from_json(const char *file, json_t *root, const json_error_t *jerr,
			   struct rs_entry *e)
{
	int rc = -1;

	e->file = rs_xstrdup(file);
	if (!root) {
		report_parse_error(file, jerr);
		return -1;
	}
	if (!json_is_object(root)) {
		bad(file, NULL, "the document is %s, want an object", pt_json_kind(root));
		goto out;
	}
	if (load_header(file, root, e) || load_params(file, root, e) ||
	    load_metrics(file, root, e))
		goto out;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static int load_entry(const char *file, struct rs_entry *e)
{
	json_error_t jerr;

	return entry_from_json(file, json_load_file(file, JSON_REJECT_DUPLICATES, &jerr), &jerr,
			       e);
}

int rs_entry_parse(struct rs_entry *e, const char *name, const char *text, size_t len)
{
	json_error_t jerr;

	return entry_from_json(name, json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr), &jerr,
			       e);
}

void rs_entry_free(struct rs_entry *e)
{
	free_entry(e);
}

/* ---- the kernel a set ran on ---------------------------------------------- */

/* obj.a.b as a string, or NULL; *bad_type is set when it exists mistyped. */
static const char *get_path(const json_t *obj, const char *a, const char *b,
			    bool *bad_type)
{
	json_t *v = json_object_get(obj, a);

	if (v && b)
		v = json_object_get(v, b);
	if (v && !json_is_string(v) && !json_is_null(v))
		*bad_type = true;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void set_kernel(struct rs_set *set, const char *rel, const char *tlb,
		       const char *tf)
{
	if (!set->kernel && rel && *rel)
		set->kernel = rs_xstrdup(rel);
	if (!set->tlb_flush && tlb && *tlb)
		set->tlb_flush = rs_xstrdup(tlb);
	if (!set->table_free && tf && *tf)
		set->table_free = rs_xstrdup(tf);
}

/*
 * Emulated or not: runners/vm.sh adds .vm (accel, tcg_threads) to the
 * guest's system.json; without it, sysinfo's TLB-flush evidence names
 * QEMU's TCG CPUID signature when it found one.
 */
static void load_accel(struct rs_set *set, const json_t *root)
{
	const json_t *vm = json_object_get(root, "vm");
	const char *acc = json_string_value(json_object_get(vm, "accel"));
	const char *thr = json_string_value(json_object_get(vm, "tcg_threads"));
	const char *ev = json_string_value(json_object_get(json_object_get(root, "tlb_flush"),
							   "evidence"));

	if (acc && *acc)
		set->accel = rs_xstrdup(acc);
	else if (json_is_true(json_object_get(vm, "emulated_timings")) ||
		 (ev && strstr(ev, "TCGTCGTCGTCG")))
		set->accel = rs_xstrdup("tcg");
	else
		set->accel = rs_xstrdup("native");
	set->tcg = !strcmp(set->accel, "tcg");
	if (set->tcg && thr && *thr)
		set->tcg_threads = rs_xstrdup(thr);
}

uint64_t rs_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	if (!h)
		h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The same configuration, the same 16 hex digits. */
static char *config_hash(const json_t *options)
{
	char *text = json_dumps(options, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h;

	if (!text)
		return NULL;
	h = rs_fnv1a(0, text, strlen(text));
	free(text);
	return rs_xasprintf("%016" PRIx64, h);
}

static char *dup_or_null(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && *s ? rs_xstrdup(s) : NULL;
}

/* system.json's facts for the exports: host name, kernel version, config. */
static void load_facts(struct rs_set *set, const json_t *root)
{
	const json_t *options = json_object_get(json_object_get(root, "config"), "options");

	set->host = dup_or_null(json_object_get(root, "hostname"));
	set->kversion = dup_or_null(json_object_get(json_object_get(root, "kernel"), "version"));
	if (json_is_object(options) && json_object_size(options))
		set->config_hash = config_hash(options);
}

/* system.json parsed (root, or NULL and jerr) into set; root is released. */
static void system_from_json(struct rs_set *set, const char *file, json_t *root,
			     const json_error_t *jerr)
{
	static const char *const fields[][2] = {
		{ "kernel", "release" }, { "tlb_flush", "mode" }, { "table_free", "mode" },
	};
	const char *val[3];

	if (!root) {
		report_parse_error(file, jerr);
		set->problems++;
		return;
	}
	if (!json_is_object(root)) {
		bad(file, NULL, "the document is %s, want an object; ignored", pt_json_kind(root));
		set->problems++;
		json_decref(root);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		bool mistyped = false;

		val[i] = get_path(root, fields[i][0], fields[i][1], &mistyped);
		if (mistyped) {
			char field[64];

			snprintf(field, sizeof(field), "%s.%s", fields[i][0], fields[i][1]);
			bad(file, field, "is not a string; ignored");
			set->problems++;
		}
	}
	set_kernel(set, val[0], val[1], val[2]);
	load_accel(set, root);
	load_facts(set, root);
	json_decref(root);
}

static void load_system(struct rs_set *set)
{
	char *file = rs_xasprintf("%s/system.json", set->dir);
	json_error_t jerr;
	json_t *root = json_load_file(file, 0, &jerr);

	/* No system.json is no problem; one that does not parse is. */
	if (root || access(file, F_OK) == 0)
		system_from_json(set, file, root, &jerr);
	free(file);
}

void rs_system_parse(struct rs_set *set, const char *name, const char *text, size_t len)
{
	json_error_t jerr;

	system_from_json(set, name, json_loadb(text, len, 0, &jerr), &jerr);
}

static const char *entry_kernel(const struct rs_entry *e, const char *key)
{
	bool ignored = false;

	return get_path(e->kernel, key, NULL, &ignored);
}

/*
 * Without system.json, the short form every result carries.  A result
 * from another kernel than the set's is worth a word: the set would then
 * mix two kernels in one column.
 */
static void kernel_from_entries(struct rs_set *set)
{
	for (size_t i = 0; i < set->nentries; i++)
		set_kernel(set, entry_kernel(&set->entries[i], "release"),
			   entry_kernel(&set->entries[i], "tlb_flush_mode"),
			   entry_kernel(&set->entries[i], "table_free"));
	rs_set_unknown(set);
	for (size_t i = 0; i < set->nentries; i++) {
		const char *rel = entry_kernel(&set->entries[i], "release");

		if (rel && strcmp(set->kernel, "?") && strcmp(rel, set->kernel))
			fprintf(stderr, "ptstat: warning: %s: kernel.release: %s, but the set "
				"%s ran on %s\n", set->entries[i].file, rel, set->label,
				set->kernel);
	}
}

void rs_set_unknown(struct rs_set *set)
{
	if (!set->kernel)
		set->kernel = rs_xstrdup("?");
	if (!set->tlb_flush)
		set->tlb_flush = rs_xstrdup("?");
	if (!set->table_free)
		set->table_free = rs_xstrdup("?");
	if (!set->accel)
		set->accel = rs_xstrdup("unknown");
}

/* Without meta.json and system.json: the earliest start, the version. */
static void facts_from_entries(struct rs_set *set)
{
	bool from_meta = set->started;

	for (size_t i = 0; i < set->nentries; i++) {
		const struct rs_entry *e = &set->entries[i];
		const char *ver = entry_kernel(e, "version");

		if (!set->kversion && ver && *ver)
			set->kversion = rs_xstrdup(ver);
		/* ISO 8601 UTC of one form: text order is time order. */
		if (!from_meta && e->started &&
		    (!set->started || strcmp(e->started, set->started) < 0)) {
			free(set->started);
			set->started = rs_xstrdup(e->started);
		}
	}
}

char *rs_set_title(const struct rs_set *set)
{
	const char *tf = set->obs_free ? set->obs_free : set->table_free;
	const char *fl = set->obs_flush ? set->obs_flush : set->tlb_flush;
	bool tf_known = strcmp(tf, "?");

	return rs_xasprintf("%s: %s%s %s%s %s%s%s", set->label,
			    strcmp(set->kernel, "?") ? "" : "kernel ", set->kernel,
			    strcmp(fl, "?") ? "" : "flush ", fl,
			    tf_known ? tf : "table-free ?", tf_known ? "-free" : "",
			    set->obs_free || set->obs_flush ? " (counted)" : "");
}

/* ---- the entries that failed (meta.json) ---------------------------------- */

static void free_failed(struct rs_failed *f)
{
	free(f->label);
	free(f->src);
	for (size_t i = 0; i < f->nmessages; i++)
		free(f->messages[i]);
	free(f->messages);
}

/* One item of "failed"; -1 after a message when it is not usable. */
static int load_failed_one(const char *file, size_t i, const json_t *o, struct rs_failed *f)
{
	const json_t *round = json_object_get(o, "round"), *status = json_object_get(o, "status");
	const json_t *src = json_object_get(o, "src"), *msgs = json_object_get(o, "messages"), *v;
	const char *label = json_string_value(json_object_get(o, "label"));
	char field[64];
	long n;
	size_t j;

	snprintf(field, sizeof(field), "failed[%zu]", i);
	if (!json_is_object(o) || !label || !*label) {
		bad(file, field, "want {\"label\": STRING, \"round\", \"status\", \"src\", "
		    "\"messages\"}; left out");
		return -1;
	}
	f->label = rs_xstrdup(label);
	f->status = -1;
	snprintf(field, sizeof(field), "failed[%zu].round", i);
	if (round && !json_is_null(round) && !get_count(file, round, field, &n))
		f->round = n;
	if (json_is_integer(status) && json_integer_value(status) >= 0 &&
	    json_integer_value(status) <= 255)
		f->status = (int)json_integer_value(status);
	if (json_is_string(src) && *json_string_value(src))
		f->src = rs_xstrdup(json_string_value(src));
	if (!json_is_array(msgs))
		return 0;
	f->messages = rs_xcalloc(json_array_size(msgs), sizeof(*f->messages));
	json_array_foreach(msgs, j, v)
		if (json_is_string(v))
			f->messages[f->nmessages++] = rs_xstrdup(json_string_value(v));
	return 0;
}

/*
 * meta.json's "failed" list (runners/run.sh through ptstat set fail).
 * meta.json is optional, and so is the list; a list of the wrong shape is
 * reported and counted as a problem.  Parsed (root, or NULL and jerr) into
 * set; root is released.
 */
static void meta_from_json(struct rs_set *set, const char *file, json_t *root,
			   const json_error_t *jerr)
{
	const json_t *failed, *v;
	size_t i;

	if (!root) {
		report_parse_error(file, jerr);
		set->problems++;
		return;
	}
	v = json_object_get(root, "started");
	if (json_string_value(v) && *json_string_value(v))
		set->started = rs_xstrdup(json_string_value(v));
	v = json_object_get(root, "host");
	if (json_string_value(v) && *json_string_value(v)) {
		free(set->host);
		set->host = rs_xstrdup(json_string_value(v));
	}
	set->suite = dup_or_null(json_object_get(json_object_get(root, "suite"), "name"));
	failed = json_object_get(root, "failed");
	if (failed && !json_is_array(failed) && !json_is_null(failed)) {
		bad(file, "failed", "is %s, want an array; ignored", pt_json_kind(failed));
		set->problems++;
	} else if (json_is_array(failed)) {
		set->failed = rs_xcalloc(json_array_size(failed), sizeof(*set->failed));
		json_array_foreach(failed, i, v) {
			struct rs_failed *f = &set->failed[set->nfailed];

			if (load_failed_one(file, i, v, f)) {
				free_failed(f);
				memset(f, 0, sizeof(*f));
				set->problems++;
				continue;
			}
			set->nfailed++;
		}
	}
	json_decref(root);
}

static void load_meta(struct rs_set *set)
{
	char *file = rs_xasprintf("%s/meta.json", set->dir);
	json_error_t jerr;
	json_t *root = json_load_file(file, 0, &jerr);

	/* No meta.json is no problem; one that does not parse is. */
	if (root || access(file, F_OK) == 0)
		meta_from_json(set, file, root, &jerr);
	free(file);
}

void rs_meta_parse(struct rs_set *set, const char *name, const char *text, size_t len)
{
	json_error_t jerr;

	meta_from_json(set, name, json_loadb(text, len, 0, &jerr), &jerr);
}

/* ---- the directory ------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	/* Version order: entry-2t before entry-16t. */
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every *.json of a set is a result except the set's own records:
 * system.json (ptbench sysinfo) and meta.json (ptstat set); hidden files
 * are work in progress (run.sh's per-round files).
 */
static bool is_result_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".json") &&
	       strcmp(name, "system.json") && strcmp(name, "meta.json");
}

/* The result files of dir, sorted; NULL after a message on error. */
static char **list_results(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (!d) {
		fprintf(stderr, "ptstat: %s: %s\n", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d))) {
		if (!is_result_name(de->d_name))
			continue;
		names = rs_xrealloc(names, n + 1, sizeof(*names));
		names[n++] = rs_xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*count = n;
	return names ? names : rs_xcalloc(1, sizeof(*names));
}

static char *dir_label(const char *dir)
{
	char *copy = rs_xstrdup(dir), *end, *base, *label, *real;

	end = copy + strlen(copy);
	while (end > copy + 1 && end[-1] == '/')
		*--end = 0;
	base = strrchr(copy, '/');
	base = base && base[1] ? base + 1 : copy;
	if (strcmp(base, ".") && strcmp(base, "..") && strcmp(base, "/")) {
		label = rs_xstrdup(base);
		free(copy);
		return label;
	}
	/* "." names nothing: take the name the directory really has. */
	real = realpath(dir, NULL);
	free(copy);
	if (!real)
		return rs_xstrdup(dir);
	base = strrchr(real, '/');
	label = rs_xstrdup(base && base[1] ? base + 1 : real);
	free(real);
	return label;
}

static bool duplicate_label(const struct rs_set *set, const struct rs_entry *e)
{
	const struct rs_entry *other = rs_find_entry(set, e->label);

	if (!other)
		return false;
	bad(e->file, "label", "'%s' is also the label of %s; entries are matched by label",
	    e->label, other->file);
	return true;
}

static void load_file(struct rs_set *set, const char *name)
{
	char *path = rs_xasprintf("%s/%s", set->dir, name);
	struct rs_entry e = { 0 };
	struct stat st;

	if (stat(path, &st)) {
		bad(path, NULL, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		bad(path, NULL, "not a regular file");
		goto fail;
	}
	if (load_entry(path, &e) || duplicate_label(set, &e))
		goto fail;
	set->entries = rs_xrealloc(set->entries, set->nentries + 1, sizeof(e));
	set->entries[set->nentries++] = e;
	free(path);
	return;
fail:
	free_entry(&e);
	set->problems++;
	free(path);
}

static bool is_directory(const char *dir)
{
	struct stat st;

	if (stat(dir, &st)) {
		fprintf(stderr, "ptstat: %s: cannot read the result set: %s\n", dir,
			strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ptstat: %s: not a directory (a result set is a directory "
			"of ptbench results)\n", dir);
		return false;
	}
	return true;
}

/* The one path the results agree on (none and unknown aside), or "mixed". */
static char *observed(const struct rs_set *set, bool free_side)
{
	const char *seen = NULL, *p;

	for (size_t i = 0; i < set->nentries; i++) {
		p = free_side ? set->entries[i].free_path : set->entries[i].flush_path;
		if (!p || !strcmp(p, "none") || !strcmp(p, "unknown"))
			continue;
		if (seen && strcmp(seen, p))
			return rs_xstrdup("mixed");
		seen = p;
	}
	return seen ? rs_xstrdup(seen) : NULL;
}

static void observed_paths(struct rs_set *set)
{
	set->obs_free = observed(set, true);
	set->obs_flush = observed(set, false);
}

struct rs_set *rs_load(const char *dir)
{
	struct rs_set *set;
	char **names;
	size_t n = 0;

	if (!is_directory(dir))
		return NULL;
	names = list_results(dir, &n);
	if (!names)
		return NULL;
	set = rs_xcalloc(1, sizeof(*set));
	set->dir = rs_xstrdup(dir);
	set->label = dir_label(dir);
	for (size_t i = 0; i < n; i++)
		load_file(set, names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!n) {
		fprintf(stderr, "ptstat: %s: no result file (a result set holds ptbench "
			"result *.json files besides system.json)\n", dir);
		goto err;
	}
	if (!set->nentries) {
		fprintf(stderr, "ptstat: %s: no valid result file (%zu left out)\n", dir, n);
		goto err;
	}
	load_system(set);
	load_meta(set);
	kernel_from_entries(set);
	facts_from_entries(set);
	observed_paths(set);
	return set;
err:
	rs_free(set);
	return NULL;
}

/* Two sets from one directory would share a label: number the repeats. */
static void unique_labels(struct rs_set **sets, size_t n)
{
	for (size_t k = 1; k < n; k++)
		for (size_t j = 0; j < k; j++)
			if (!strcmp(sets[k]->label, sets[j]->label)) {
				char *l = rs_xasprintf("%s#%zu", sets[k]->label, k + 1);

				free(sets[k]->label);
				sets[k]->label = l;
				break;
			}
}

struct rs_set **rs_load_sets(const char *const *dirs, size_t n, unsigned *problems)
{
	struct rs_set **sets = rs_xcalloc(n ? n : 1, sizeof(*sets));
	bool ok = true;

	for (size_t k = 0; k < n; k++) {
		sets[k] = rs_load(dirs[k]);
		if (sets[k])
			*problems += sets[k]->problems;
		else
			ok = false;
	}
	if (ok) {
		unique_labels(sets, n);
		return sets;
	}
	for (size_t k = 0; k < n; k++)
		rs_free(sets[k]);
	free(sets);
	return NULL;
}

void rs_free(struct rs_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nentries; i++)
		free_entry(&set->entries[i]);
	free(set->entries);
	free(set->dir);
	free(set->label);
	free(set->kernel);
	free(set->tlb_flush);
	free(set->table_free);
	free(set->obs_free);
	free(set->obs_flush);
	free(set->accel);
	free(set->tcg_threads);
	free(set->started);
	free(set->host);
	free(set->suite);
	free(set->kversion);
	free(set->config_hash);
	for (size_t i = 0; i < set->nfailed; i++)
		free_failed(&set->failed[i]);
	free(set->failed);
	free(set);
}

const struct rs_entry *rs_find_entry(const struct rs_set *set, const char *label)
{
	for (size_t i = 0; i < set->nentries; i++)
		if (!strcmp(set->entries[i].label, label))
			return &set->entries[i];
	return NULL;
}

const struct rs_metric *rs_find_metric(const struct rs_entry *e, const char *name)
{
	for (size_t i = 0; i < e->nmetrics; i++)
		if (!strcmp(e->metrics[i].name, name))
			return &e->metrics[i];
	return NULL;
}

static const char *const run_length[] = {
	"duration_s", "iterations", "reps", "warmup_s", "events",
};

bool rs_run_length_param(const char *key)
{
	for (size_t i = 0; i < sizeof(run_length) / sizeof(run_length[0]); i++)
		if (!strcmp(key, run_length[i]))
			return true;
	return false;
}

char *rs_params_key(const struct rs_entry *e, bool without_tasks)
{
	json_t *p = json_deep_copy(e->params);
	char *key;

	if (!p)
		out_of_memory();
	for (size_t i = 0; i < sizeof(run_length) / sizeof(run_length[0]); i++)
		json_object_del(p, run_length[i]);
	if (without_tasks)
		json_object_del(p, "tasks");
	key = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(p);
	if (!key)
		out_of_memory();
	return key;
}
