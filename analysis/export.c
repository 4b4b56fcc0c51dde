// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat export: the comparison model rendered for dashboards (export.h
 * says what each format holds).  Every figure comes from rp_build(): the
 * means and spreads of its cells, the verdicts and adjusted p-values of its
 * tests; this file only lays them out in other people's formats.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>
#include <jansson.h>

#include "export.h"
#include "write.h"
#include "../common/result.h"

#define PROG "ptstat export"

static const struct {
	const char *name, *type, *file;
} formats[EX_NFORMATS] = {
	[EX_INFLUX] = { "influx", "text/plain; charset=utf-8", "influx.lp" },
	[EX_OPENMETRICS] = { "openmetrics", "text/plain; version=0.0.4; charset=utf-8",
			     "metrics.prom" },
	[EX_KCIDB] = { "kcidb", "application/json", "kcidb.json" },
	[EX_BMF] = { "bmf", "application/json", "bmf.json" },
	[EX_GITHUB_BIGGER] = { "github-bigger", "application/json",
			       "github-bigger-is-better.json" },
	[EX_GITHUB_SMALLER] = { "github-smaller", "application/json",
				"github-smaller-is-better.json" },
};

int ex_parse_format(const char *name, enum ex_format *f)
{
	for (size_t i = 0; i < EX_NFORMATS; i++)
		if (!strcmp(name, formats[i].name)) {
			*f = (enum ex_format)i;
			return 0;
		}
	return -1;
}

const char *ex_format_name(enum ex_format f)
{
	return formats[f].name;
}

const char *ex_content_type(enum ex_format f)
{
	return formats[f].type;
}

const char *ex_file_name(enum ex_format f)
{
	return formats[f].file;
}

bool ex_origin_ok(const char *origin)
{
	size_t n = strlen(origin);

	if (!n || n > 64)
		return false;
	for (const char *p = origin; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			return false;
	return true;
}

/* ---- the model, loaded ------------------------------------------------------- */

int ex_open(const char *prog, const char *const *dirs, size_t n, const struct rp_options *ro,
	    struct ex_input *in)
{
	memset(in, 0, sizeof(*in));
	in->sets = rs_load_sets(dirs, n, &in->problems);
	if (!in->sets)
		return 2;
	in->nsets = n;
	if (rp_check_mixed(in->sets, n, ro->allow_mixed)) {
		ex_close(in);
		return 2;
	}
	if (in->problems) {
		fprintf(stderr, "%s: %u problem%s in the input (see above): refused, so that a "
			"dashboard never gets a set with results left out\n", prog, in->problems,
			in->problems == 1 ? "" : "s");
		ex_close(in);
		return 2;
	}
	in->m = rp_build(in->sets, n, ro);
	return 0;
}

void ex_close(struct ex_input *in)
{
	if (in->m)
		rp_free(in->m);
	for (size_t k = 0; in->sets && k < in->nsets; k++)
		rs_free(in->sets[k]);
	free(in->sets);
	memset(in, 0, sizeof(*in));
}

/* ---- figures shared by the formats ------------------------------------------- */

/* The half-width of the 95% confidence interval of a cell's mean; NAN if n < 2. */
static double ci_half(const struct pt_summary *s)
{
	if (s->n < 2 || !isfinite(s->sd))
		return NAN;
	return gsl_cdf_tdist_Pinv(0.975, (double)(s->n - 1)) * s->sd / sqrt((double)s->n);
}

/* A word for a tag or label: baseline, better, worse, same, info, ... */
static const char *verdict_word(enum rp_verdict v)
{
	static const char *const words[] = {
		[RP_BASELINE] = "baseline", [RP_BETTER] = "better", [RP_WORSE] = "worse",
		[RP_SAME] = "same", [RP_INFO] = "info", [RP_N1] = "n1",
		[RP_MISSING] = "missing", [RP_MISMATCH] = "mismatch",
	};

	return words[v];
}

static const char *free_path(const struct rs_set *s)
{
	return s->obs_free ? s->obs_free : s->table_free;
}

static const char *flush_path(const struct rs_set *s)
{
	return s->obs_flush ? s->obs_flush : s->tlb_flush;
}

/* rs_fnv1a of s and a separator, so ("ab", "c") and ("a", "bc") differ. */
static uint64_t fnv(uint64_t h, const char *s)
{
	return rs_fnv1a(rs_fnv1a(h, s, strlen(s)), "\x1f", 1);
}

/* Seconds since the epoch of "2026-12-01T10:01:44Z" (with optional fraction); -1 if not one. */
static int parse_iso(const char *s, int64_t *sec, long *nsec)
{
	struct tm tm = { 0 };
	const char *p;
	long frac = 0, scale = 100000000;

	if (!s)
		return -1;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(p, "Z") && strcmp(p, "+00:00"))
		return -1;
	*sec = (int64_t)timegm(&tm);
	*nsec = frac;
	return 0;
}

/* Should set k be in this document? */
static bool wanted(const struct ex_options *o, size_t k)
{
	return o->only_set < 0 || (size_t)o->only_set == k;
}

/* ---- InfluxDB line protocol ------------------------------------------------------ */

/*
 * Tag keys and values, measurement names: a backslash before commas,
 * spaces and equals signs (measurements: commas and spaces).  A tag value
 * cannot end in a backslash or be empty: such tags are left out by the
 * caller or get a trailing '_'.
 */
static void lp_escape(FILE *f, const char *s, bool measurement)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r') {
			fputc(' ', f);
			continue;
		}
		if (*s == ',' || *s == ' ' || (!measurement && *s == '='))
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void lp_tag(FILE *f, const char *key, const char *val)
{
	size_t n;

	if (!val || !*val || !strcmp(val, "?"))
		return;
	fprintf(f, ",%s=", key);
	lp_escape(f, val, false);
	n = strlen(val);
	if (val[n - 1] == '\\')
		fputc('_', f);
}

static void lp_str_field(FILE *f, bool *first, const char *key, const char *val)
{
	fprintf(f, "%s%s=\"", *first ? " " : ",", key);
	for (; *val; val++) {
		if (*val == '"' || *val == '\\')
			fputc('\\', f);
		fputc(*val == '\n' ? ' ' : *val, f);
	}
	fputc('"', f);
	*first = false;
}

static void lp_num_field(FILE *f, bool *first, const char *key, double v)
{
	if (!isfinite(v))
		return;
	fprintf(f, "%s%s=%.17g", *first ? " " : ",", key, v);
	*first = false;
}

/* The series key of a point: the same set, entry and metric, the same tags. */
static void lp_tags(FILE *f, const struct rs_set *s, const struct rp_entry *ent,
		    const struct rp_row *r)
{
	lp_tag(f, "set", s->label);
	lp_tag(f, "entry", ent->label);
	lp_tag(f, "bench", ent->bench);
	lp_tag(f, "metric", r->name);
	lp_tag(f, "unit", r->unit);
	lp_tag(f, "direction", rs_better_str(r->better));
	lp_tag(f, "kernel", s->kernel);
	lp_tag(f, "flush_path", flush_path(s));
	lp_tag(f, "free_path", free_path(s));
	lp_tag(f, "host", s->host);
	lp_tag(f, "suite", s->suite);
	lp_tag(f, "accel", s->accel);
}

static int influx(FILE *f, const struct rp_model *m, const struct ex_options *o)
{
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_set *s = m->sets[k];
		int64_t sec;
		long nsec;

		if (!wanted(o, k))
			continue;
		if (parse_iso(s->started, &sec, &nsec)) {
			fprintf(stderr, "%s: %s: no start time in ISO 8601 UTC (meta.json "
				"\"started\" or the results' \"started\"): the points need one to "
				"be the same when the set is sent again\n", PROG, s->dir);
			return -1;
		}
		for (size_t i = 0; i < m->nentries; i++) {
			const struct rp_entry *ent = &m->entries[i];

			for (size_t j = 0; j < ent->nrows; j++) {
				const struct rp_row *r = &ent->rows[j];
				const struct rp_cell *c = &r->cell[k];
				const struct rp_test *t = &r->test[k];
				double h = ci_half(&c->s);
				bool first = true;

				if (!c->m)
					continue;
				fputs("ptbench", f);
				lp_tags(f, s, ent, r);
				lp_num_field(f, &first, "mean", c->s.mean);
				lp_num_field(f, &first, "sd", c->s.sd);
				fprintf(f, ",n=%zui", c->s.n);
				lp_num_field(f, &first, "min", c->s.min);
				lp_num_field(f, &first, "max", c->s.max);
				lp_num_field(f, &first, "ci_lo", c->s.mean - h);
				lp_num_field(f, &first, "ci_hi", c->s.mean + h);
				if (k > 0) {
					lp_str_field(f, &first, "baseline", m->sets[0]->label);
					lp_num_field(f, &first, "change_pct", t->change_pct);
					lp_num_field(f, &first, "p_adj", t->adj_p);
					lp_num_field(f, &first, "mde_pct", t->mde_pct);
					lp_str_field(f, &first, "verdict", verdict_word(t->v));
				}
				fprintf(f, " %" PRId64 "%09ld\n", sec, nsec);
				if (!o->samples)
					continue;
				for (size_t x = 0; x < c->m->n; x++) {
					fputs("ptbench_sample", f);
					lp_tags(f, s, ent, r);
					fprintf(f, ",rep=%zu value=%.17g %" PRId64 "%09ld\n", x + 1,
						c->m->samples[x], sec, nsec);
				}
			}
		}
	}
	return 0;
}

/* ---- Prometheus text exposition (Pushgateway) -------------------------------------- */

/*
 * The metric name with its unit the Prometheus way: base units (seconds,
 * bytes) in the name, values scaled to them.  "ns_per_op" in ns becomes
 * ptbench_seconds_per_op (x 1e-9), "free_us_p99" ptbench_free_seconds_p99,
 * "held_kib_peak" in KiB ptbench_held_bytes_peak (x 1024), "ops_per_sec"
 * ptbench_ops_per_second; other units (counts, pages, interrupts) stay as
 * the name says them.
 */
static const struct {
	const char *unit, *word, *base;
	double scale;
} om_units[] = {
	{ "ns", "ns", "seconds", 1e-9 },
	{ "us", "us", "seconds", 1e-6 },
	{ "ms", "ms", "seconds", 1e-3 },
	{ "s", "s", "seconds", 1 },
	{ "KiB", "kib", "bytes", 1024 },
	{ "MiB", "mib", "bytes", 1048576 },
	{ "B", "b", "bytes", 1 },
};

/* name with the whole word `word` (between '_' or the ends) replaced; NULL if absent */
static char *replace_word(const char *name, const char *word, const char *by)
{
	size_t wl = strlen(word);

	for (const char *p = name; (p = strstr(p, word)); p++) {
		bool start = p == name || p[-1] == '_';
		bool end = p[wl] == '\0' || p[wl] == '_';

		if (start && end)
			return rs_xasprintf("%.*s%s%s", (int)(p - name), name, by, p + wl);
	}
	return NULL;
}

static char *om_name(const char *metric, const char *unit, double *scale)
{
	char *base = NULL, *tmp, *name;

	*scale = 1;
	for (size_t i = 0; i < sizeof(om_units) / sizeof(om_units[0]); i++) {
		if (strcmp(unit, om_units[i].unit))
			continue;
		base = replace_word(metric, om_units[i].word, om_units[i].base);
		if (!base)
			base = rs_xasprintf("%s_%s", metric, om_units[i].base);
		*scale = om_units[i].scale;
		break;
	}
	if (!base)
		base = rs_xstrdup(metric);
	tmp = replace_word(base, "sec", "second");
	if (tmp) {
		free(base);
		base = tmp;
	}
	name = rs_xasprintf("ptbench_%s", base);
	free(base);
	for (char *p = name; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == ':'))
			*p = '_';
	return name;
}

static void om_label(FILE *f, bool *first, const char *key, const char *val)
{
	if (!val || !*val || !strcmp(val, "?"))
		return;
	fprintf(f, "%s%s=\"", *first ? "{" : ",", key);
	for (; *val; val++) {
		if (*val == '\\' || *val == '"')
			fputc('\\', f);
		if (*val == '\n')
			fputs("\\n", f);
		else
			fputc(*val, f);
	}
	fputc('"', f);
	*first = false;
}

static void om_labels(FILE *f, const struct rs_set *s, const struct rp_entry *ent,
		      const struct rp_row *r, const char *stat)
{
	bool first = true;

	om_label(f, &first, "set", s->label);
	om_label(f, &first, "entry", ent->label);
	om_label(f, &first, "bench", ent->bench);
	om_label(f, &first, "metric", r->name);
	om_label(f, &first, "direction", rs_better_str(r->better));
	om_label(f, &first, "kernel", s->kernel);
	om_label(f, &first, "flush_path", flush_path(s));
	om_label(f, &first, "free_path", free_path(s));
	om_label(f, &first, "host", s->host);
	om_label(f, &first, "suite", s->suite);
	om_label(f, &first, "accel", s->accel);
	om_label(f, &first, "stat", stat);
	fputs(first ? "" : "}", f);
}

/* A family per metric name: its samples must be together, after one TYPE line. */
static int openmetrics(FILE *f, const struct rp_model *m, const struct ex_options *o)
{
	char **done = rs_xcalloc(1, sizeof(*done));
	size_t ndone = 0;

	for (size_t i = 0; i < m->nentries; i++) {
		for (size_t j = 0; j < m->entries[i].nrows; j++) {
			const struct rp_row *r0 = &m->entries[i].rows[j];
			double scale;
			char *name = om_name(r0->name, r0->unit, &scale);
			bool seen = false, any = false;

			for (size_t d = 0; d < ndone && !seen; d++)
				seen = !strcmp(done[d], name);
			if (seen) {
				free(name);
				continue;
			}
			done = rs_xrealloc(done, ndone + 1, sizeof(*done));
			done[ndone++] = name;
			/* Every row of this metric name, in every entry and set. */
			for (size_t ii = i; ii < m->nentries; ii++) {
				const struct rp_entry *ent = &m->entries[ii];

				for (size_t jj = 0; jj < ent->nrows; jj++) {
					const struct rp_row *r = &ent->rows[jj];
					double sc;
					char *n2 = om_name(r->name, r->unit, &sc);
					bool same = !strcmp(n2, name);

					free(n2);
					if (!same)
						continue;
					for (size_t k = 0; k < m->nsets; k++) {
						const struct rp_cell *c = &r->cell[k];
						const struct {
							const char *stat;
							double v;
						} st[] = {
							{ "mean", c->s.mean * sc },
							{ "sd", c->s.sd * sc },
							{ "min", c->s.min * sc },
							{ "max", c->s.max * sc },
							{ "ci_lo", (c->s.mean - ci_half(&c->s)) * sc },
							{ "ci_hi", (c->s.mean + ci_half(&c->s)) * sc },
							{ "n", (double)c->s.n },
						};

						if (!c->m || !wanted(o, k))
							continue;
						if (!any) {
							fprintf(f, "# HELP %s ptbench metric %s (%s, %s "
								"is better), by stat\n", name, r->name,
								r->unit, rs_better_str(r->better));
							fprintf(f, "# TYPE %s gauge\n", name);
							any = true;
						}
						for (size_t x = 0; x < sizeof(st) / sizeof(st[0]); x++) {
							if (!isfinite(st[x].v))
								continue;
							fputs(name, f);
							om_labels(f, m->sets[k], ent, r, st[x].stat);
							fprintf(f, " %.17g\n", st[x].v);
						}
					}
				}
			}
		}
	}
	/* The comparison: one family, the change in percent and the verdict. */
	for (size_t k = 1, any = 0; k < m->nsets; k++) {
		if (!wanted(o, k))
			continue;
		for (size_t i = 0; i < m->nentries; i++) {
			const struct rp_entry *ent = &m->entries[i];

			for (size_t j = 0; j < ent->nrows; j++) {
				const struct rp_row *r = &ent->rows[j];
				const struct rp_test *t = &r->test[k];
				bool first = true;

				if (!r->cell[k].m || !isfinite(t->change_pct))
					continue;
				if (!any++)
					fputs("# HELP ptbench_change_ratio change of the mean against "
					      "the baseline set (0.05: 5% higher), with the verdict\n"
					      "# TYPE ptbench_change_ratio gauge\n", f);
				fputs("ptbench_change_ratio", f);
				om_label(f, &first, "set", m->sets[k]->label);
				om_label(f, &first, "baseline", m->sets[0]->label);
				om_label(f, &first, "entry", ent->label);
				om_label(f, &first, "metric", r->name);
				om_label(f, &first, "direction", rs_better_str(r->better));
				om_label(f, &first, "verdict", verdict_word(t->v));
				fprintf(f, "} %.17g\n", t->change_pct / 100);
			}
		}
	}
	for (size_t d = 0; d < ndone; d++)
		free(done[d]);
	free(done);
	return 0;
}

/* ---- KCIDB v5.3 ------------------------------------------------------------------- */

/* A test path word: [a-zA-Z0-9_-], anything else '_'. */
static char *path_word(const char *s)
{
	char *w = rs_xstrdup(*s ? s : "_");

	for (char *p = w; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
			*p = '_';
	return w;
}

static void set_num(json_t *o, const char *key, double v)
{
	if (isfinite(v))
		json_object_set_new(o, key, json_real(v));
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v && *v && strcmp(v, "?"))
		json_object_set_new(o, key, json_string(v));
}

/* The KCIDB date-time of a set's start ("2026-12-01T10:01:44Z" is one already). */
static void set_time(json_t *o, const struct rs_set *s)
{
	int64_t sec;
	long nsec;

	if (!parse_iso(s->started, &sec, &nsec))
		json_object_set_new(o, "start_time", json_string(s->started));
}

static char *kernel_id(const char *origin, const struct rs_set *s, bool with_config)
{
	uint64_t h = fnv(0, s->kernel);

	h = fnv(h, s->kversion ? s->kversion : "");
	if (with_config)
		h = fnv(h, s->config_hash ? s->config_hash : "");
	return rs_xasprintf("%s:ptbench-%s-%016" PRIx64, origin, with_config ? "build" : "checkout",
			    h);
}

static json_t *kcidb_checkout(const char *origin, const struct rs_set *s)
{
	json_t *c = json_object(), *misc = json_object();
	char *id = kernel_id(origin, s, false);

	json_object_set_new(c, "id", json_string(id));
	json_object_set_new(c, "origin", json_string(origin));
	free(id);
	json_object_set_new(c, "comment", json_string(s->kernel));
	set_time(c, s);
	json_object_set_new(c, "valid", json_true());
	set_str(misc, "kernel_release", s->kernel);
	set_str(misc, "kernel_version", s->kversion);
	json_object_set_new(c, "misc", misc);
	return c;
}

static json_t *kcidb_build(const char *origin, const struct rs_set *s)
{
	json_t *b = json_object(), *misc = json_object();
	char *id = kernel_id(origin, s, true), *ck = kernel_id(origin, s, false);

	json_object_set_new(b, "id", json_string(id));
	json_object_set_new(b, "origin", json_string(origin));
	json_object_set_new(b, "checkout_id", json_string(ck));
	free(id);
	free(ck);
	json_object_set_new(b, "comment", json_string(s->kernel));
	set_str(misc, "config_hash", s->config_hash);
	set_str(misc, "tlb_flush", s->tlb_flush);
	set_str(misc, "table_free", s->table_free);
	json_object_set_new(b, "misc", misc);
	return b;
}

/* Stable across exports of the same set: its label, its start, the entry and metric. */
static char *test_id(const char *origin, const struct rs_set *s, const char *entry,
		     const char *metric)
{
	uint64_t h = fnv(fnv(fnv(fnv(0, s->label), s->started ? s->started : ""), entry),
			 metric ? metric : "");

	return rs_xasprintf("%s:ptbench-test-%016" PRIx64, origin, h);
}

static json_t *kcidb_env(const struct rs_set *s)
{
	json_t *env = json_object(), *misc = json_object();

	if (s->host)
		json_object_set_new(env, "comment", json_string(s->host));
	set_str(misc, "host", s->host);
	set_str(misc, "accel", s->accel);
	set_str(misc, "tcg_threads", s->tcg_threads);
	json_object_set_new(env, "misc", misc);
	return env;
}

static json_t *kcidb_test(const char *origin, const struct rp_model *m, size_t k,
			  const struct rp_entry *ent, const struct rp_row *r)
{
	const struct rs_set *s = m->sets[k];
	const struct rp_cell *c = &r->cell[k];
	const struct rp_test *t = &r->test[k];
	json_t *o = json_object(), *num = json_object(), *misc = json_object();
	char *id = test_id(origin, s, ent->label, r->name), *bid = kernel_id(origin, s, true);
	char *we = path_word(ent->label), *wm = path_word(r->name);
	char *path = rs_xasprintf("ptbench.%s.%s", we, wm);
	double h = ci_half(&c->s);

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "origin", json_string(origin));
	json_object_set_new(o, "build_id", json_string(bid));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "status", json_string("DONE"));
	set_time(o, s);
	json_object_set_new(o, "comment", json_string(ent->desc));
	json_object_set_new(num, "value", json_real(c->s.mean));
	json_object_set_new(num, "unit", json_string(r->unit));
	json_object_set_new(o, "number", num);
	json_object_set_new(o, "environment", kcidb_env(s));
	json_object_set_new(misc, "set", json_string(s->label));
	set_str(misc, "suite", s->suite);
	json_object_set_new(misc, "entry", json_string(ent->label));
	json_object_set_new(misc, "bench", json_string(ent->bench));
	json_object_set_new(misc, "metric", json_string(r->name));
	json_object_set_new(misc, "direction", json_string(rs_better_str(r->better)));
	json_object_set_new(misc, "n", json_integer((json_int_t)c->s.n));
	set_num(misc, "sd", c->s.sd);
	set_num(misc, "min", c->s.min);
	set_num(misc, "max", c->s.max);
	set_num(misc, "ci95_lo", c->s.mean - h);
	set_num(misc, "ci95_hi", c->s.mean + h);
	set_str(misc, "flush_path", flush_path(s));
	set_str(misc, "free_path", free_path(s));
	if (k > 0) {
		char *words = rp_verdict_text(m, r, k, false);

		json_object_set_new(misc, "baseline", json_string(m->sets[0]->label));
		set_num(misc, "change_pct", t->change_pct);
		set_num(misc, "change_ci95_lo", t->ci_lo);
		set_num(misc, "change_ci95_hi", t->ci_hi);
		set_num(misc, "p_adj", t->adj_p);
		set_num(misc, "mde_pct", t->mde_pct);
		json_object_set_new(misc, "verdict", json_string(verdict_word(t->v)));
		json_object_set_new(misc, "verdict_text", json_string(words));
		free(words);
	}
	json_object_set_new(o, "misc", misc);
	free(id);
	free(bid);
	free(we);
	free(wm);
	free(path);
	return o;
}

/* An entry that failed in the run: a test with status ERROR and its last messages. */
static json_t *kcidb_failed(const char *origin, const struct rs_set *s, const struct rs_failed *fl)
{
	json_t *o = json_object(), *misc = json_object();
	char *id = test_id(origin, s, fl->label, NULL), *bid = kernel_id(origin, s, true);
	char *we = path_word(fl->label), *path = rs_xasprintf("ptbench.%s", we);
	size_t len = 0;
	char *log;

	for (size_t i = 0; i < fl->nmessages; i++)
		len += strlen(fl->messages[i]) + 1;
	log = rs_xcalloc(len + 1, 1);
	for (size_t i = 0; i < fl->nmessages; i++) {
		strcat(log, fl->messages[i]);
		strcat(log, "\n");
	}
	/* The schema bounds log_excerpt at 16 KiB: the end is what tells. */
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "origin", json_string(origin));
	json_object_set_new(o, "build_id", json_string(bid));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "status", json_string("ERROR"));
	set_time(o, s);
	if (len)
		json_object_set_new(o, "log_excerpt",
				    json_string(len > 16384 ? log + len - 16384 : log));
	json_object_set_new(misc, "set", json_string(s->label));
	json_object_set_new(misc, "entry", json_string(fl->label));
	json_object_set_new(misc, "exit_status", json_integer(fl->status));
	set_str(misc, "source", fl->src);
	json_object_set_new(o, "misc", misc);
	free(log);
	free(id);
	free(bid);
	free(we);
	free(path);
	return o;
}

/* Append o to arr unless an object with its id is there (two sets, one kernel). */
static void add_unique(json_t *arr, json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "id")), id)) {
			json_decref(o);
			return;
		}
	json_array_append_new(arr, o);
}

static json_t *kcidb(const struct rp_model *m, const struct ex_options *o)
{
	const char *origin = o->origin ? o->origin : "ptbench";
	json_t *doc = json_object(), *ver = json_object();
	json_t *checkouts = json_array(), *builds = json_array(), *tests = json_array();

	json_object_set_new(ver, "major", json_integer(5));
	json_object_set_new(ver, "minor", json_integer(3));
	json_object_set_new(doc, "version", ver);
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_set *s = m->sets[k];

		if (!wanted(o, k))
			continue;
		add_unique(checkouts, kcidb_checkout(origin, s));
		add_unique(builds, kcidb_build(origin, s));
		for (size_t i = 0; i < m->nentries; i++)
			for (size_t j = 0; j < m->entries[i].nrows; j++)
				if (m->entries[i].rows[j].cell[k].m)
					json_array_append_new(tests,
						kcidb_test(origin, m, k, &m->entries[i],
							   &m->entries[i].rows[j]));
		for (size_t i = 0; i < s->nfailed; i++)
			json_array_append_new(tests, kcidb_failed(origin, s, &s->failed[i]));
	}
	json_object_set_new(doc, "checkouts", checkouts);
	json_object_set_new(doc, "builds", builds);
	json_object_set_new(doc, "tests", tests);
	return doc;
}

/* ---- Bencher (BMF) and github-action-benchmark: one run ---------------------------- */

/*
 * Both formats hold one run: with several sets, the set only_set, else the
 * last (the new one of a comparison), its verdicts against the first.
 */
static size_t the_run(const struct rp_model *m, const struct ex_options *o)
{
	return o->only_set >= 0 ? (size_t)o->only_set : m->nsets - 1;
}

/* "mmap-churn-none (mmap-churn --size 128M)": the entry and what it ran. */
static char *bench_name(const struct rp_entry *ent)
{
	if (ent->desc && strcmp(ent->desc, ent->label))
		return rs_xasprintf("%s (%s)", ent->label, ent->desc);
	return rs_xstrdup(ent->label);
}

static json_t *bmf(const struct rp_model *m, const struct ex_options *o)
{
	json_t *doc = json_object();
	size_t k = the_run(m, o);

	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];
		char *name = bench_name(ent);
		json_t *b = json_object();

		for (size_t j = 0; j < ent->nrows; j++) {
			const struct rp_cell *c = &ent->rows[j].cell[k];
			double h = ci_half(&c->s);
			json_t *v;

			if (!c->m)
				continue;
			v = json_object();
			json_object_set_new(v, "value", json_real(c->s.mean));
			set_num(v, "lower_value", c->s.mean - h);
			set_num(v, "upper_value", c->s.mean + h);
			json_object_set_new(b, ent->rows[j].name, v);
		}
		if (json_object_size(b))
			json_object_set_new(doc, name, b);
		else
			json_decref(b);
		free(name);
	}
	return doc;
}

static json_t *github(const struct rp_model *m, const struct ex_options *o,
		      enum rs_better want)
{
	json_t *doc = json_array();
	size_t k = the_run(m, o);

	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];

		for (size_t j = 0; j < ent->nrows; j++) {
			const struct rp_row *r = &ent->rows[j];
			const struct rp_cell *c = &r->cell[k];
			double h = ci_half(&c->s);
			char sd[32], hb[32], *name, *extra, *verdict = NULL;
			json_t *v;

			if (!c->m || r->better != want)
				continue;
			if (k > 0)
				verdict = rp_verdict_text(m, r, k, false);
			rp_fmt_sig(sd, sizeof(sd), c->s.sd, 4);
			rp_fmt_sig(hb, sizeof(hb), h, 4);
			name = rs_xasprintf("%s %s", ent->label, r->name);
			extra = rs_xasprintf("n=%zu sd=%s%s%s%s", c->s.n, sd,
					     verdict ? "\nvs " : "",
					     verdict ? m->sets[0]->label : "",
					     verdict ? ": " : "");
			if (verdict) {
				char *e2 = rs_xasprintf("%s%s", extra, verdict);

				free(extra);
				extra = e2;
			}
			v = json_object();
			json_object_set_new(v, "name", json_string(name));
			json_object_set_new(v, "unit", json_string(r->unit));
			json_object_set_new(v, "value", json_real(c->s.mean));
			if (isfinite(h)) {
				char *range = rs_xasprintf("± %s", hb);

				json_object_set_new(v, "range", json_string(range));
				free(range);
			}
			json_object_set_new(v, "extra", json_string(extra));
			json_array_append_new(doc, v);
			free(name);
			free(extra);
			free(verdict);
		}
	}
	return doc;
}

/* ---- rendering ---------------------------------------------------------------------- */

char *ex_render(const struct rp_model *m, const struct ex_options *o, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	json_t *doc = NULL;
	FILE *f;
	int rc = 0;

	if (o->only_set >= (long)m->nsets) {
		fprintf(stderr, "%s: no set %ld in the model\n", PROG, o->only_set);
		return NULL;
	}
	if (o->format == EX_KCIDB && o->origin && !ex_origin_ok(o->origin)) {
		fprintf(stderr, "%s: origin '%s': KCIDB origins are 1 to 64 of a-z, 0-9 and "
			"'_'\n", PROG, o->origin);
		return NULL;
	}
	switch (o->format) {
	case EX_KCIDB:
		doc = kcidb(m, o);
		break;
	case EX_BMF:
		doc = bmf(m, o);
		break;
	case EX_GITHUB_BIGGER:
	case EX_GITHUB_SMALLER:
		doc = github(m, o, o->format == EX_GITHUB_BIGGER ? RS_HIGHER : RS_LOWER);
		break;
	default:
		break;
	}
	f = open_memstream(&buf, &n);
	if (!f) {
		perror(PROG ": open_memstream");
		json_decref(doc);
		return NULL;
	}
	if (doc)
		rc = json_dumpf(doc, f, PT_JSON_FLAGS & ~JSON_REAL_PRECISION(10)) ||
		     fputc('\n', f) == EOF;
	else if (o->format == EX_INFLUX)
		rc = influx(f, m, o);
	else
		rc = openmetrics(f, m, o);
	json_decref(doc);
	if (fclose(f) || rc) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

/* ---- ptstat export ------------------------------------------------------------------ */

static void export_help(FILE *f)
{
	fputs("Usage: ptstat export --format FORMAT [-o FILE] [options] SET...\n"
"\n"
"Writes result sets, or a comparison of them (the first set the baseline, as\n"
"in ptstat compare), in a dashboard's format. Every figure is the one ptstat\n"
"compare computes; the same set gives the same document.\n"
"\n"
"Formats:\n"
"  influx          InfluxDB line protocol. Measurement ptbench, one point per\n"
"                  set, entry and metric: fields mean, sd, n (integer), min,\n"
"                  max, ci_lo, ci_hi (the 95% CI of the mean) and, for a set\n"
"                  compared with the baseline, baseline, change_pct, p_adj,\n"
"                  mde_pct, verdict (better, worse, same, info, n1, missing,\n"
"                  mismatch). Tags: set, entry, bench, metric, unit,\n"
"                  direction, kernel, flush_path, free_path (counted where the\n"
"                  results counted them), host, suite, accel. Timestamp: the\n"
"                  set's start in ns, so a set sent again overwrites its own\n"
"                  points. --samples adds measurement ptbench_sample, a point\n"
"                  per repetition (tag rep).\n"
"  openmetrics     Prometheus text for a Pushgateway: a gauge family per\n"
"                  metric, units the Prometheus way (ns_per_op in ns becomes\n"
"                  ptbench_seconds_per_op in seconds, held_kib_peak\n"
"                  ptbench_held_bytes_peak in bytes, ops_per_sec\n"
"                  ptbench_ops_per_second), label stat = mean, sd, min, max,\n"
"                  ci_lo, ci_hi or n; ptbench_change_ratio{verdict=...} for a\n"
"                  set compared with the baseline.\n"
"  kcidb           KernelCI KCIDB I/O v5.3: per set a checkout (the kernel:\n"
"                  release, version) and a build (its config hash), and a test\n"
"                  per entry and metric: path ptbench.ENTRY.METRIC, status\n"
"                  DONE, number {value: mean, unit}, and in misc direction,\n"
"                  n, sd, the 95% CI, and against the baseline change_pct,\n"
"                  p_adj, mde_pct and the verdict. An entry that failed in the\n"
"                  run is a test with status ERROR and its last messages. Ids\n"
"                  are ORIGIN:... and the same for the same set.\n"
"  bmf             Bencher Metric Format: benchmark \"ENTRY (COMMAND)\",\n"
"                  measure = the metric, value = mean, lower_value and\n"
"                  upper_value = its 95% CI.\n"
"  github-bigger   github-action-benchmark, tool customBiggerIsBetter: the\n"
"                  higher-is-better metrics as [{name, unit, value, range,\n"
"                  extra}], range \"± CI half-width\", extra n, sd, verdict.\n"
"  github-smaller  the same for customSmallerIsBetter (lower is better).\n"
"bmf and github-* hold one run: the last set (in a comparison the new one,\n"
"with its verdict against the first), or the one --set names. Info metrics\n"
"(not performance figures) are in influx, openmetrics, kcidb and bmf, not in\n"
"github-* (which judges every figure it gets).\n"
"\n"
"Options:\n"
"  --format FORMAT   one of the formats above (required)\n"
"  -o, --output FILE write FILE (atomically: whole or not at all) instead of\n"
"                    standard output\n"
"  --origin ORIGIN   kcidb: the submitting CI system, 1 to 64 of a-z, 0-9,\n"
"                    '_' (default: ptbench)\n"
"  --samples         influx: a point per repetition as well\n"
"  --set LABEL       only the set LABEL (its statistics still against the\n"
"                    first set)\n"
"  --alpha A, --min-change P, --correction bh|holm, --allow-mixed\n"
"                    as in ptstat compare\n"
"  -h, --help        this help\n"
"\n"
"A set whose files have problems (see ptstat show) is refused, so that a\n"
"dashboard never gets a set with results left out.\n"
"Exit status: 0 written; 1 writing failed; 2 bad usage or input.\n", f);
}

int ex_set_index(const char *prog, const struct rp_model *m, const char *label, long *k)
{
	*k = -1;
	if (!label)
		return 0;
	for (size_t i = 0; i < m->nsets; i++)
		if (!strcmp(m->sets[i]->label, label))
			*k = (long)i;
	if (*k < 0)
		return pw_usage(prog, "--set %s: no set of that label among the %zu given", label,
				m->nsets);
	return 0;
}

int px_export(int argc, char **argv)
{
	const char *format = NULL, *output = NULL, *origin = NULL, *set = NULL;
	const char *alpha = NULL, *minc = NULL, *corr = NULL;
	bool help = false, samples = false, allow_mixed = false;
	const struct pw_opt opts[] = {
		{ "format", 0, &format, NULL }, { "output", 'o', &output, NULL },
		{ "origin", 0, &origin, NULL }, { "set", 0, &set, NULL },
		{ "alpha", 0, &alpha, NULL }, { "min-change", 0, &minc, NULL },
		{ "correction", 0, &corr, NULL }, { "samples", 0, NULL, &samples },
		{ "allow-mixed", 0, NULL, &allow_mixed }, { "help", 'h', NULL, &help },
		{ NULL, 0, NULL, NULL },
	};
	const char **pos = rs_xcalloc((size_t)argc + 1, sizeof(*pos));
	struct rp_options ro = RP_OPTIONS_DEFAULT;
	struct ex_options eo = { .only_set = -1 };
	struct ex_input in = { 0 };
	int npos = 0, rc;
	char *doc = NULL;
	size_t len = 0;

	rc = pw_parse(PROG, opts, argc, argv, pos, &npos, NULL, NULL);
	if (rc)
		goto out;
	if (help) {
		export_help(stdout);
		goto out;
	}
	rc = 2;
	if (!format) {
		pw_usage(PROG, "--format is required: influx, openmetrics, kcidb, bmf, "
			 "github-bigger or github-smaller");
		goto out;
	}
	if (ex_parse_format(format, &eo.format)) {
		pw_usage(PROG, "unknown format '%s': influx, openmetrics, kcidb, bmf, "
			 "github-bigger or github-smaller", format);
		goto out;
	}
	if (origin && !ex_origin_ok(origin)) {
		pw_usage(PROG, "--origin '%s': a KCIDB origin is 1 to 64 of a-z, 0-9 and '_'",
			 origin);
		goto out;
	}
	eo.origin = origin;
	eo.samples = samples;
	if (ex_stat_options(PROG, alpha, minc, corr, &ro))
		goto out;
	ro.allow_mixed = allow_mixed;
	if (!npos) {
		pw_usage(PROG, "no result set given");
		goto out;
	}
	if (ex_open(PROG, pos, (size_t)npos, &ro, &in))
		goto out;
	if (ex_set_index(PROG, in.m, set, &eo.only_set))
		goto out;
	doc = ex_render(in.m, &eo, &len);
	if (!doc)
		goto out;
	rc = 0;
	if (output) {
		if (pt_write_buf_atomic(output, doc, len)) {
			fprintf(stderr, "%s: writing %s failed\n", PROG, output);
			rc = 1;
		}
	} else if (fwrite(doc, 1, len, stdout) != len || fflush(stdout)) {
		fprintf(stderr, "%s: writing the standard output failed\n", PROG);
		rc = 1;
	}
out:
	free(doc);
	ex_close(&in);
	free(pos);
	return rc;
}

int ex_stat_options(const char *prog, const char *alpha, const char *min_change,
		    const char *correction, struct rp_options *ro)
{
	const char *names[] = { "alpha", "min-change", "correction" };
	const char *vals[] = { alpha, min_change, correction };
	char err[160];

	for (size_t i = 0; i < 3; i++)
		if (vals[i] && rp_stat_option(ro, names[i], vals[i], err, sizeof(err)))
			return pw_usage(prog, "%s", err);
	return 0;
}
