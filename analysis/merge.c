// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat merge: the rounds of one suite entry (runners/run.sh --rounds)
 * into one ptbench/1 result with all the samples, in round order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../common/result.h"
#include "resultset.h"
#include "write.h"

#define PROG "ptstat merge"

static void merge_help(FILE *f)
{
	fputs("Usage: ptstat merge -o OUT [--reps N] ROUND.json...\n"
"\n"
"Merges the rounds of one suite entry, ptbench/1 results of the same\n"
"benchmark, label and parameters (runners/run.sh runs each entry's\n"
"repetitions in rounds spread over the whole run), into one ptbench/1 result\n"
"OUT, written atomically. In OUT:\n"
"  metrics      the samples of every metric concatenated in round order;\n"
"  counters     the same, for a counter supported in every round; else the\n"
"               first round's unsupported one, or {supported: false, reason:\n"
"               \"not counted in every round\"};\n"
"  params.reps  the total number of repetitions;\n"
"  checks       merged by name: ok only if ok in every round; the detail\n"
"               when all rounds agree, else \"round 1: ...; round 2: ...\";\n"
"  warnings     those of every round, each once, in order;\n"
"  findings     those of every round (an earlier round wins a name);\n"
"  paths        the counts summed over the rounds (they are totals over the\n"
"               repetitions) and the free and flush paths named again from\n"
"               the sums by ptbench's rules; a path unknown in a round is\n"
"               unknown, with that round's reason; null unless every round\n"
"               has paths;\n"
"  rounds       [{command, started, reps}], one per round, in order.\n"
"Everything else (command, started, params, placement, kernel,\n"
"unsupported_metrics, ...) is round 1's. The derived per-operation metrics\n"
"(rcu_tables_per_op, ...) are metrics: their samples are concatenated.\n"
"\n"
"Refused, with the file and the field named: a round that is not a valid\n"
"ptbench/1 result; one whose bench, label or params (but for reps and the\n"
"run length: duration_s, iterations, warmup_s, events) differ from round\n"
"1's; a metric missing in a round or with another unit or direction; and\n"
"with --reps, totals other than N samples of every metric and supported\n"
"counter. OUT is then not written.\n"
"\n"
"Options:\n"
"  -o, --output OUT  the merged result (required)\n"
"  --reps N          the number of repetitions the rounds must add up to\n"
"  -h, --help        this help\n"
"\n"
"Exit status: 0 written; 1 OUT could not be written; 2 bad usage or input.\n", f);
}

struct rounds {
	json_t **doc;
	const char **file;
	size_t n;
};

/* params without reps and the run length: what must agree between rounds */
static json_t *params_key(const json_t *doc)
{
	json_t *p = json_deep_copy(json_object_get(doc, "params"));
	void *tmp;
	const char *k;
	json_t *v;

	json_object_foreach_safe(p, tmp, k, v)
		if (rs_run_length_param(k))
			json_object_del(p, k);
	return p;
}

static int same_entry(const struct rounds *r, size_t i)
{
	static const char *const keys[] = { "bench", "label" };
	json_t *a, *b;
	bool eq;

	for (size_t k = 0; k < 2; k++) {
		const char *x = json_string_value(json_object_get(r->doc[0], keys[k]));
		const char *y = json_string_value(json_object_get(r->doc[i], keys[k]));

		if (strcmp(x, y))
			return pw_fail(PROG, "%s: %s: is '%s', but '%s' in %s", r->file[i],
				       keys[k], y, x, r->file[0]);
	}
	a = params_key(r->doc[0]);
	b = params_key(r->doc[i]);
	eq = json_equal(a, b);
	json_decref(a);
	json_decref(b);
	if (!eq)
		return pw_fail(PROG, "%s: params: differ from %s's (other than reps and the "
			       "run length)", r->file[i], r->file[0]);
	return 0;
}

static void append_samples(json_t *to, const json_t *from)
{
	json_array_extend(json_object_get(to, "samples"), json_object_get(from, "samples"));
}

/* Every metric of any round, in every round, samples concatenated. */
static json_t *merge_metrics(const struct rounds *r)
{
	json_t *out = json_object(), *m;
	const char *name;

	for (size_t i = 0; i < r->n; i++)
		json_object_foreach(json_object_get(r->doc[i], "metrics"), name, m) {
			if (json_object_get(out, name))
				continue;
			for (size_t j = 0; j < r->n; j++) {
				json_t *o = json_object_get(json_object_get(r->doc[j], "metrics"), name);

				if (!o) {
					pw_fail(PROG, "%s: metrics.%s: missing (%s has it)", r->file[j],
						name, r->file[i]);
					goto fail;
				}
				if (!json_equal(json_object_get(o, "unit"), json_object_get(m, "unit")) ||
				    !json_equal(json_object_get(o, "better"), json_object_get(m, "better"))) {
					pw_fail(PROG, "%s: metrics.%s: another unit or direction than in %s",
						r->file[j], name, r->file[i]);
					goto fail;
				}
			}
			json_object_set_new(out, name, json_deep_copy(json_object_get(
					json_object_get(r->doc[0], "metrics"), name)));
			json_array_clear(json_object_get(json_object_get(out, name), "samples"));
			for (size_t j = 0; j < r->n; j++)
				append_samples(json_object_get(out, name), json_object_get(
					json_object_get(r->doc[j], "metrics"), name));
		}
	return out;
fail:
	json_decref(out);
	return NULL;
}

static json_t *counter_of(const struct rounds *r, size_t j, const char *name)
{
	return json_object_get(json_object_get(r->doc[j], "counters"), name);
}

static json_t *merge_counter(const struct rounds *r, const char *name)
{
	json_t *out;

	for (size_t j = 0; j < r->n; j++)
		if (json_is_false(json_object_get(counter_of(r, j, name), "supported")))
			return json_deep_copy(counter_of(r, j, name));
	for (size_t j = 0; j < r->n; j++)
		if (!counter_of(r, j, name))
			return json_pack("{s:b, s:s}", "supported", 0,
					 "reason", "not counted in every round");
	out = json_deep_copy(counter_of(r, 0, name));
	json_array_clear(json_object_get(out, "samples"));
	for (size_t j = 0; j < r->n; j++)
		append_samples(out, counter_of(r, j, name));
	return out;
}

static json_t *merge_counters(const struct rounds *r)
{
	json_t *out = json_object(), *c;
	const char *name;

	for (size_t i = 0; i < r->n; i++)
		json_object_foreach(json_object_get(r->doc[i], "counters"), name, c)
			if (!json_object_get(out, name))
				json_object_set_new(out, name, merge_counter(r, name));
	return out;
}

static bool array_has(const json_t *arr, const json_t *v)
{
	size_t i;
	json_t *x;

	json_array_foreach(arr, i, x)
		if (json_equal(x, v))
			return true;
	return false;
}

/* One check: ok in every round, the common detail or each round's. */
static json_t *merge_check(const struct rounds *r, const char *name)
{
	json_t *details = json_array(), *all = json_array(), *c;
	bool ok = true;
	char *joined = NULL;
	json_t *out;
	size_t k;

	for (size_t j = 0; j < r->n; j++)
		json_array_foreach(json_object_get(r->doc[j], "checks"), k, c) {
			const char *d = json_string_value(json_object_get(c, "detail"));

			if (strcmp(json_string_value(json_object_get(c, "name")), name))
				continue;
			ok = ok && json_is_true(json_object_get(c, "ok"));
			if (!array_has(details, json_object_get(c, "detail")))
				json_array_append(details, json_object_get(c, "detail"));
			json_array_append_new(all, json_sprintf("round %zu: %s", j + 1, d));
		}
	if (json_array_size(details) != 1) {
		size_t len = 1;

		json_array_foreach(all, k, c)
			len += json_string_length(c) + 2;
		joined = rs_xcalloc(1, len);
		json_array_foreach(all, k, c) {
			if (k)
				strcat(joined, "; ");
			strcat(joined, json_string_value(c));
		}
	}
	out = json_pack("{s:s, s:b, s:s}", "name", name, "ok", ok, "detail",
			joined ? joined : json_string_value(json_array_get(details, 0)));
	free(joined);
	json_decref(details);
	json_decref(all);
	return out;
}

static json_t *merge_checks(const struct rounds *r)
{
	json_t *names = json_array(), *out = json_array(), *c;
	size_t k;

	for (size_t j = 0; j < r->n; j++)
		json_array_foreach(json_object_get(r->doc[j], "checks"), k, c)
			if (!array_has(names, json_object_get(c, "name")))
				json_array_append(names, json_object_get(c, "name"));
	json_array_foreach(names, k, c)
		json_array_append_new(out, merge_check(r, json_string_value(c)));
	json_decref(names);
	return out;
}

static json_t *merge_warnings(const struct rounds *r)
{
	json_t *out = json_array(), *w;
	size_t k;

	for (size_t j = 0; j < r->n; j++)
		json_array_foreach(json_object_get(r->doc[j], "warnings"), k, w)
			if (!array_has(out, w))
				json_array_append(out, w);
	return out;
}

static json_t *merge_findings(const struct rounds *r)
{
	json_t *out = json_object(), *v;
	const char *k;

	for (size_t j = 0; j < r->n; j++)
		json_object_foreach(json_object_get(r->doc[j], "findings"), k, v)
			if (!json_object_get(out, k))
				json_object_set(out, k, v);
	return out;
}

static json_t *round_list(const struct rounds *r)
{
	json_t *out = json_array();

	for (size_t j = 0; j < r->n; j++) {
		json_t *d = r->doc[j];

		json_array_append_new(out, json_pack("{s:O, s:O, s:O}",
			"command", json_object_get(d, "command"),
			"started", json_object_get(d, "started"),
			"reps", json_object_get(json_object_get(d, "params"), "reps")));
	}
	return out;
}

/* A count of every round summed; null when a round lacks it. */
static json_t *sum_count(const struct rounds *r, const char *side, const char *name,
			 const json_t *first)
{
	double sum = 0;

	for (size_t j = 0; j < r->n; j++) {
		json_t *c = json_object_get(json_object_get(json_object_get(json_object_get(
				json_object_get(r->doc[j], "paths"), side), "counts"), name), "count");

		if (!json_is_number(c))
			return json_null();
		sum += json_number_value(c);
	}
	return json_pack("{s:f, s:O}", "count", sum, "from", json_object_get(first, "from"));
}

static double count_of(const json_t *counts, const char *name)
{
	return json_number_value(json_object_get(json_object_get(counts, name), "count"));
}

/* paths.SIDE over the rounds: the first unknown one, or the summed counts. */
static json_t *merge_side(const struct rounds *r, const char *side)
{
	json_t *counts = json_object(), *c;
	const char *name;
	const char *path;

	for (size_t j = 0; j < r->n; j++) {
		json_t *s = json_object_get(json_object_get(r->doc[j], "paths"), side);

		path = json_string_value(json_object_get(s, "path"));
		if (!path || (strcmp(path, "unknown") && !json_is_object(json_object_get(s, "counts")))) {
			json_decref(counts);
			return NULL;
		}
		if (!strcmp(path, "unknown")) {
			json_decref(counts);
			return json_deep_copy(s);
		}
	}
	json_object_foreach(json_object_get(json_object_get(json_object_get(r->doc[0], "paths"),
							    side), "counts"), name, c)
		json_object_set_new(counts, name, json_is_null(c) ? json_null() :
				    sum_count(r, side, name, c));
	if (!strcmp(side, "free"))
		path = pt_free_path_of(count_of(counts, "rcu_tables"),
				       count_of(counts, "direct_tables"),
				       count_of(counts, "sync_ipis"));
	else
		path = pt_flush_path_of(count_of(counts, "pv_flushes"),
					count_of(counts, "pv_flushes") +
					count_of(counts, "ipi_flushes"));
	return json_pack("{s:s, s:o}", "path", path, "counts", counts);
}

static json_t *merge_paths(const struct rounds *r)
{
	json_t *fr = merge_side(r, "free"), *fl = merge_side(r, "flush");

	if (fr && fl)
		return json_pack("{s:o, s:o}", "free", fr, "flush", fl);
	json_decref(fr);
	json_decref(fl);
	return json_null();
}

/* With --reps N: every metric and supported counter has N samples. */
static int check_total(const json_t *doc, unsigned long want)
{
	static const char *const parts[] = { "metrics", "counters" };
	const char *name;
	json_t *v;

	for (size_t p = 0; p < 2; p++)
		json_object_foreach(json_object_get(doc, parts[p]), name, v) {
			size_t n = json_array_size(json_object_get(v, "samples"));

			if (json_is_false(json_object_get(v, "supported")) || n == want)
				continue;
			return pw_fail(PROG, "the rounds do not add up to %lu samples: %s.%s has %zu",
				       want, parts[p], name, n);
		}
	return 0;
}

static json_t *merge(const struct rounds *r)
{
	json_t *doc = json_deep_copy(r->doc[0]), *metrics = merge_metrics(r);
	json_int_t reps = 0;

	if (!metrics) {
		json_decref(doc);
		return NULL;
	}
	for (size_t j = 0; j < r->n; j++)
		reps += (json_int_t)json_number_value(json_object_get(
				json_object_get(r->doc[j], "params"), "reps"));
	json_object_set_new(json_object_get(doc, "params"), "reps", json_integer(reps));
	json_object_set_new(doc, "metrics", metrics);
	json_object_set_new(doc, "counters", merge_counters(r));
	if (json_object_get(doc, "paths"))
		json_object_set_new(doc, "paths", merge_paths(r));
	json_object_set_new(doc, "checks", merge_checks(r));
	json_object_set_new(doc, "warnings", merge_warnings(r));
	json_object_set_new(doc, "findings", merge_findings(r));
	json_object_set_new(doc, "rounds", round_list(r));
	return doc;
}

static int load_rounds(struct rounds *r, const char **files, int n)
{
	char err[512];

	r->doc = rs_xcalloc((size_t)n, sizeof(*r->doc));
	r->file = files;
	for (int i = 0; i < n; i++) {
		r->doc[i] = pt_result_read(files[i], err, sizeof(err));
		r->n = (size_t)i + !!r->doc[i];
		if (!r->doc[i])
			return pw_fail(PROG, "%s: %s", files[i], err);
		if (i && same_entry(r, (size_t)i))
			return 2;
	}
	return 0;
}

int pw_merge(int argc, char **argv)
{
	const char *out = NULL, *reps_s = NULL, **files = rs_xcalloc((size_t)argc + 1,
								   sizeof(*files));
	struct rounds r = { 0 };
	unsigned long reps = 0;
	bool help = false;
	json_t *doc = NULL;
	int nfiles, rc;
	struct pw_opt opts[] = {
		{ "output", 'o', &out, NULL }, { "reps", 0, &reps_s, NULL },
		{ "help", 'h', NULL, &help }, { NULL, 0, NULL, NULL },
	};

	rc = pw_parse(PROG, opts, argc, argv, files, &nfiles, NULL, NULL);
	if (rc || help) {
		if (help)
			merge_help(stdout);
		goto out;
	}
	rc = 2;
	if (!out || !*out) {
		pw_usage(PROG, "-o OUT is needed: the merged result");
		goto out;
	}
	if (!nfiles) {
		pw_usage(PROG, "no round to merge");
		goto out;
	}
	if (reps_s && pw_ulong(reps_s, 1, 1000000000, &reps)) {
		pw_usage(PROG, "--reps must be a whole number of at least 1, not '%s'", reps_s);
		goto out;
	}
	if (load_rounds(&r, files, nfiles))
		goto out;
	doc = merge(&r);
	if (!doc || (reps && check_total(doc, reps)))
		goto out;
	rc = pw_write(PROG, out, doc);
out:
	json_decref(doc);
	for (size_t j = 0; j < r.n; j++)
		json_decref(r.doc[j]);
	free(r.doc);
	free(files);
	return rc;
}
