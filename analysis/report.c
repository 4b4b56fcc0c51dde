// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat show and compare: the model (entries matched across sets, the
 * tests, the verdicts) and its printers in text, Markdown, CSV, JSON and
 * kernbench's format.
 *
 * The verdict rule is the one a kernel developer can defend on a shared
 * machine: a change counts only when it is statistically significant after
 * correcting for the number of metrics compared (with many metrics, some
 * p-values fall below alpha by chance) AND large enough to matter, because
 * runs on different boots of one machine differ by a few percent whatever
 * the kernel, and no number of repetitions within one run shows that.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "../common/wrap.h"

/* ---- small helpers -------------------------------------------------------- */

/* A growing string. */
struct sb {
	char *s;
	size_t len;
};

static void sb_printf(struct sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b->s = rs_xrealloc(b->s, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The string built so far, handed over to the caller ("" if nothing). */
static char *sb_take(struct sb *b)
{
	char *s = b->s ? b->s : rs_xstrdup("");

	b->s = NULL;
	b->len = 0;
	return s;
}

const char *rp_fmt_sig(char *buf, size_t len, double x, int sig)
{
	int dec;
	char *end;

	if (isnan(x)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (x == 0 || !isfinite(x) || fabs(x) >= 1e15 || fabs(x) < 1e-4) {
		snprintf(buf, len, "%.*g", sig, x);
		return buf;
	}
	/* %g would switch to 1.23457e+06 for a million ops/s: print digits. */
	dec = sig - 1 - (int)floor(log10(fabs(x)));
	snprintf(buf, len, "%.*f", dec > 0 ? dec : 0, x);
	if (dec > 0) {
		end = buf + strlen(buf);
		while (end[-1] == '0')
			*--end = 0;
		if (end[-1] == '.')
			*--end = 0;
	}
	return buf;
}

/* A p-value: three decimals, or two digits and an exponent when tiny. */
static const char *fmt_p(char *buf, size_t len, double p)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else if (p >= 0.001 || p == 0)
		snprintf(buf, len, "%.3f", p);
	else
		snprintf(buf, len, "%.1e", p);
	return buf;
}

char *rp_fmt_mean_sd(const struct rp_cell *c, bool plus_minus)
{
	char a[48], b[48];

	if (!c->m)
		return rs_xstrdup("-");
	if (c->s.n < 2)
		return rs_xasprintf("%s (n=1)", rp_fmt_sig(a, sizeof(a), c->s.mean, 6));
	return rs_xasprintf(plus_minus ? "%s \u00b1 %s" : "%s (%s)",
			    rp_fmt_sig(a, sizeof(a), c->s.mean, 6),
			    rp_fmt_sig(b, sizeof(b), c->s.sd, 5));
}

const char *rp_fmt_pct(char *buf, size_t len, double pct)
{
	if (isnan(pct))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.2f%%", pct);
	return buf;
}

int rp_stat_option(struct rp_options *o, const char *name, const char *val, char *err,
		   size_t errlen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(val, &end);
	if (!*val || *end || errno || !isfinite(d))
		d = NAN;
	if (!strcmp(name, "alpha")) {
		if (!(d > 0 && d < 1)) {
			snprintf(err, errlen, "--alpha must be a number between 0 and 1, not '%s'",
				 val);
			return -1;
		}
		o->alpha = d;
	} else if (!strcmp(name, "min-change")) {
		if (!(d >= 0)) {
			snprintf(err, errlen, "--min-change must be a percentage of at least 0, "
				 "not '%s'", val);
			return -1;
		}
		o->min_change = d;
	} else if (!strcmp(name, "correction")) {
		if (strcmp(val, "bh") && strcmp(val, "holm")) {
			snprintf(err, errlen, "--correction must be bh or holm, not '%s'", val);
			return -1;
		}
		o->correction = strcmp(val, "holm") ? RP_BH : RP_HOLM;
	} else {
		snprintf(err, errlen, "no statistics option --%s", name);
		return -1;
	}
	return 0;
}

int rp_parse_format(const char *s, enum rp_format *f)
{
	static const char *const names[] = {
		[RP_TEXT] = "text", [RP_MARKDOWN] = "markdown", [RP_CSV] = "csv",
		[RP_JSON] = "json", [RP_KERNBENCH] = "kernbench",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*f = (enum rp_format)i;
			return 0;
		}
	}
	return -1;
}

const char *rp_correction_name(enum rp_correction c)
{
	return c == RP_HOLM ? "Holm" : "Benjamini-Hochberg";
}

/* ---- the model: matching ------------------------------------------------ */

static struct rp_entry *find_entry(struct rp_model *m, const char *label)
{
	for (size_t i = 0; i < m->nentries; i++)
		if (!strcmp(m->entries[i].label, label))
			return &m->entries[i];
	return NULL;
}

/* Entries in the baseline's order, then those the baseline lacks. */
static struct rp_entry *add_entry(struct rp_model *m, const struct rs_entry *e)
{
	struct rp_entry *ent = find_entry(m, e->label);

	if (ent)
		return ent;
	m->entries = rs_xrealloc(m->entries, m->nentries + 1, sizeof(*ent));
	ent = &m->entries[m->nentries++];
	memset(ent, 0, sizeof(*ent));
	ent->label = e->label;
	ent->bench = e->bench;
	ent->desc = e->desc;
	ent->in = rs_xcalloc(m->nsets, sizeof(*ent->in));
	return ent;
}

static struct rp_row *add_row(const struct rp_model *m, struct rp_entry *ent,
			      const struct rs_metric *met)
{
	struct rp_row *r;

	for (size_t i = 0; i < ent->nrows; i++)
		if (!strcmp(ent->rows[i].name, met->name))
			return &ent->rows[i];
	ent->rows = rs_xrealloc(ent->rows, ent->nrows + 1, sizeof(*r));
	r = &ent->rows[ent->nrows++];
	r->name = met->name;
	r->unit = met->unit;
	r->better = met->better;
	r->cell = rs_xcalloc(m->nsets, sizeof(*r->cell));
	r->test = rs_xcalloc(m->nsets, sizeof(*r->test));
	return r;
}

static void match(struct rp_model *m)
{
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_set *set = m->sets[k];

		for (size_t i = 0; i < set->nentries; i++) {
			const struct rs_entry *e = &set->entries[i];
			struct rp_entry *ent = add_entry(m, e);

			ent->in[k] = e;
			for (size_t j = 0; j < e->nmetrics; j++) {
				struct rp_row *r = add_row(m, ent, &e->metrics[j]);

				r->cell[k].m = &e->metrics[j];
				/* Loading checked the samples: this cannot fail. */
				pt_summarize(e->metrics[j].samples, e->metrics[j].n,
					     &r->cell[k].s);
			}
		}
	}
}

/* ---- the model: tests and verdicts -------------------------------------- */

static double change_pct(double base, double x)
{
	if (base == 0)
		return x == 0 ? 0 : NAN;
	return (x - base) / fabs(base) * 100;
}

/* A comparison with every figure missing, until the tests fill them in. */
static struct rp_test no_test(enum rp_verdict v)
{
	return (struct rp_test){ .v = v, .change_pct = NAN, .ci_lo = NAN, .ci_hi = NAN,
				 .welch_p = NAN, .mwu_p = NAN, .adj_p = NAN, .mde_pct = NAN };
}

static void test_one(struct rp_row *r, size_t k)
{
	const struct rp_cell *a = &r->cell[0], *b = &r->cell[k];
	struct rp_test *t = &r->test[k];
	struct pt_welch w;
	struct pt_mwu u;
	int rc;

	*t = no_test(RP_SAME);
	if (!a->m || !b->m) {
		t->v = RP_MISSING;
		t->missing = a->m ? k : 0;
		return;
	}
	if (strcmp(a->m->unit, b->m->unit) || a->m->better != b->m->better) {
		t->v = RP_MISMATCH;
		return;
	}
	t->change_pct = change_pct(a->s.mean, b->s.mean);
	if (a->s.n < 2 || b->s.n < 2) {
		t->v = RP_N1;
		return;
	}
	rc = pt_welch(a->m->samples, a->s.n, b->m->samples, b->s.n, 0.95, &w);
	if (rc >= 0) {
		t->welch_p = w.p;
		t->ci_lo = w.ci_lo;
		t->ci_hi = w.ci_hi;
		t->degenerate = rc == 1;
	}
	if (!pt_mann_whitney(a->m->samples, a->s.n, b->m->samples, b->s.n, &u))
		t->mwu_p = u.p;
	t->v = r->better == RS_INFO ? RP_INFO : RP_SAME;
}

static enum rp_verdict judge(const struct rp_model *m, const struct rp_row *r, size_t k)
{
	const struct rp_test *t = &r->test[k];
	double diff = r->cell[k].s.mean - r->cell[0].s.mean;
	/* A baseline mean of 0 has no percentage: any difference is large. */
	bool large = isnan(t->change_pct) ? diff != 0 :
		     fabs(t->change_pct) >= m->opt.min_change;

	if (!(t->adj_p < m->opt.alpha) || !large)
		return RP_SAME;
	return (diff > 0) == (r->better == RS_HIGHER) ? RP_BETTER : RP_WORSE;
}

/*
 * One family for the correction: every judged comparison of the report,
 * over all entries, metrics and sets, since the report as a whole is what
 * a reader takes a "worse" from.
 */
void rp_adjust(double *const *p, double *const *adj, size_t n, enum rp_correction c)
{
	double *in = rs_xcalloc(n ? n : 1, sizeof(*in));
	double *out = rs_xcalloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		in[i] = *p[i];
	if (c == RP_HOLM)
		pt_adjust_holm(in, n, out);
	else
		pt_adjust_bh(in, n, out);
	for (size_t i = 0; i < n; i++)
		*adj[i] = out[i];
	free(in);
	free(out);
}

static void adjust(struct rp_model *m)
{
	double **p = NULL, **adj = NULL;
	size_t n = 0;

	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++)
			for (size_t k = 1; k < m->nsets; k++) {
				struct rp_test *t = &m->entries[i].rows[j].test[k];

				if (t->v != RP_SAME || isnan(t->welch_p))
					continue;
				p = rs_xrealloc(p, n + 1, sizeof(*p));
				adj = rs_xrealloc(adj, n + 1, sizeof(*adj));
				p[n] = &t->welch_p;
				adj[n++] = &t->adj_p;
			}
	rp_adjust(p, adj, n, m->opt.correction);
	m->ntests = n;
	free(p);
	free(adj);
}

/*
 * The smallest change each judged comparison could have found.  Its alpha
 * is the per-test level a single changed metric meets when the others did
 * not change: alpha / m, m the comparisons in the correction.  That is
 * Holm's first step and Benjamini-Hochberg's smallest one; with many real
 * changes BH lets a metric through at up to alpha, and the figure is then
 * pessimistic.  The raw alpha would promise more than the verdict keeps.
 */
static void mde(struct rp_model *m, struct rp_row *r, size_t k)
{
	const struct pt_summary *a = &r->cell[0].s, *b = &r->cell[k].s;
	struct rp_test *t = &r->test[k];
	double d, target;

	if ((t->v != RP_SAME && t->v != RP_BETTER && t->v != RP_WORSE) || isnan(t->welch_p) ||
	    a->mean == 0)
		return;
	d = pt_welch_mde(a->sd, a->n, b->sd, b->n, m->mde_alpha, RP_MDE_POWER);
	t->mde_pct = d / fabs(a->mean) * 100;
	if (t->v != RP_SAME || !(m->opt.min_change > 0) || !(t->mde_pct > m->opt.min_change))
		return;
	t->mde_short = true;
	m->nshort++;
	target = m->opt.min_change / 100 * fabs(a->mean);
	t->mde_reps = pt_mde_reps(a->sd, b->sd, m->mde_alpha, RP_MDE_POWER, target,
				  RP_MDE_MAX_REPS);
}

static void run_tests(struct rp_model *m)
{
	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++) {
			m->entries[i].rows[j].test[0] = no_test(RP_BASELINE);
			for (size_t k = 1; k < m->nsets; k++)
				test_one(&m->entries[i].rows[j], k);
		}
	adjust(m);
	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++)
			for (size_t k = 1; k < m->nsets; k++) {
				struct rp_row *r = &m->entries[i].rows[j];

				if (r->test[k].v == RP_SAME)
					r->test[k].v = judge(m, r, k);
			}
	m->mde_alpha = m->opt.alpha / (m->ntests ? (double)m->ntests : 1);
	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++)
			for (size_t k = 1; k < m->nsets; k++)
				mde(m, &m->entries[i].rows[j], k);
}

/* ---- the model: notes ---------------------------------------------------- */

static void add_note(struct rp_entry *ent, char *note)
{
	ent->notes = rs_xrealloc(ent->notes, ent->nnotes + 1, sizeof(*ent->notes));
	ent->notes[ent->nnotes++] = note;
}

/* "a, b": the labels of the sets where pick() holds; "" if none. */
static char *set_list(const struct rp_model *m, const struct rp_row *r,
		      bool (*pick)(const struct rp_row *, size_t))
{
	struct sb b = { 0 };

	for (size_t k = 0; k < m->nsets; k++)
		if (pick(r, k))
			sb_printf(&b, "%s%s", b.len ? ", " : "", m->sets[k]->label);
	return sb_take(&b);
}

static bool has_one_sample(const struct rp_row *r, size_t k)
{
	return r->cell[k].m && r->cell[k].s.n < 2;
}

static bool has_zero_variance(const struct rp_row *r, size_t k)
{
	return r->cell[k].m && r->cell[k].s.n >= 2 && r->cell[k].s.sd == 0;
}

static bool is_degenerate(const struct rp_row *r, size_t k)
{
	return k && r->test[k].degenerate;
}

static bool is_mismatch(const struct rp_row *r, size_t k)
{
	return k && r->test[k].v == RP_MISMATCH;
}

static void row_notes(const struct rp_model *m, struct rp_entry *ent,
		      const struct rp_row *r)
{
	char *one = set_list(m, r, has_one_sample);
	char *zero = set_list(m, r, has_zero_variance);
	char *degen = set_list(m, r, is_degenerate);
	char *mism = set_list(m, r, is_mismatch);

	if (*one && m->nsets == 1)
		add_note(ent, rs_xasprintf("%s: n=1: no standard deviation", r->name));
	else if (*one)
		add_note(ent, rs_xasprintf("%s: n=1 in %s: no standard deviation, "
					   "no verdict", r->name, one));
	/* Constant counts (tables freed) are expected; a constant time is not. */
	if (*zero && r->better != RS_INFO)
		add_note(ent, rs_xasprintf("%s: zero variance%s%s: every repetition gave "
					   "the same value%s", r->name,
					   m->nsets > 1 ? " in " : "", m->nsets > 1 ? zero : "",
					   *degen ? "; Welch's test is degenerate (p = 1 if "
					   "the means are equal, else 0)" : ""));
	if (*mism)
		add_note(ent, rs_xasprintf("%s: unit or direction differ from %s in %s: "
					   "not compared", r->name, m->sets[0]->label, mism));
	free(one);
	free(zero);
	free(degen);
	free(mism);
}

/* "size: 134217728 in a, 268435456 in b" for each parameter that differs. */
static char *params_diff(const struct rs_entry *a, const char *la,
			 const struct rs_entry *b, const char *lb)
{
	struct sb s = { 0 };
	const char *key;
	json_t *va, *vb;
	char *da, *db;

	json_object_foreach(a->params, key, va) {
		vb = json_object_get(b->params, key);
		if (rs_run_length_param(key) || (vb && json_equal(va, vb)))
			continue;
		da = json_dumps(va, JSON_ENCODE_ANY | JSON_COMPACT);
		db = vb ? json_dumps(vb, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		sb_printf(&s, "%s%s: %s in %s, %s in %s", s.len ? "; " : "", key,
			  da ? da : "?", la, db ? db : "missing", lb);
		free(da);
		free(db);
	}
	json_object_foreach(b->params, key, vb) {
		if (rs_run_length_param(key) || json_object_get(a->params, key))
			continue;
		sb_printf(&s, "%s%s: missing in %s", s.len ? "; " : "", key, la);
	}
	return s.len ? sb_take(&s) : NULL;
}

/*
 * Entries are matched by label; a label that ran with other parameters in
 * another set is not the same measurement, and the reader must know.
 */
static void params_notes(const struct rp_model *m, struct rp_entry *ent)
{
	size_t first = 0;

	while (first < m->nsets && !ent->in[first])
		first++;
	for (size_t k = first + 1; k < m->nsets; k++) {
		char *d;

		if (!ent->in[k])
			continue;
		d = params_diff(ent->in[first], m->sets[first]->label, ent->in[k],
				m->sets[k]->label);
		if (d)
			add_note(ent, rs_xasprintf("parameters differ: %s", d));
		free(d);
	}
}

static void make_notes(struct rp_model *m)
{
	for (size_t i = 0; i < m->nentries; i++) {
		params_notes(m, &m->entries[i]);
		for (size_t j = 0; j < m->entries[i].nrows; j++)
			row_notes(m, &m->entries[i], &m->entries[i].rows[j]);
	}
}

/* ---- the model: the sets as a whole ---------------------------------------- */

/* "a, b": the sets that ran under TCG (tcg) or not, the latter with their accelerator. */
static char *tcg_list(struct rs_set *const *sets, size_t n, bool tcg)
{
	struct sb b = { 0 };

	for (size_t k = 0; k < n; k++) {
		if (sets[k]->tcg != tcg)
			continue;
		sb_printf(&b, "%s%s", b.len ? ", " : "", sets[k]->label);
		if (!tcg)
			sb_printf(&b, " (%s)", sets[k]->accel);
	}
	return sb_take(&b);
}

int rp_check_mixed(struct rs_set *const *sets, size_t n, bool allow_mixed)
{
	char *tcg = tcg_list(sets, n, true), *other = tcg_list(sets, n, false);
	int rc = 0;

	if (*tcg && *other && !allow_mixed) {
		fprintf(stderr, "ptstat: %s ran under TCG (emulated) and %s did not: their "
			"timings cannot be compared (add --allow-mixed to compare anyway)\n",
			tcg, other);
		rc = 2;
	}
	free(tcg);
	free(other);
	return rc;
}

/*
 * Emulated timings are read differently: the counts carry over to
 * hardware, the times only roughly.  Single-threaded TCG (the default,
 * and assumed when a set does not say) makes remote flushes wait for the
 * host to schedule the other vCPU.
 */
static char *emulation_note(struct rs_set *const *sets, size_t n)
{
	char *tcg = tcg_list(sets, n, true), *other = tcg_list(sets, n, false);
	bool single = false;
	struct sb b = { 0 };

	for (size_t k = 0; k < n; k++)
		if (sets[k]->tcg && (!sets[k]->tcg_threads || strcmp(sets[k]->tcg_threads, "multi")))
			single = true;
	if (!*tcg)
		goto out;
	sb_printf(&b, "NOTE: emulated timings. %s ran in QEMU under TCG. Read the counts "
		  "first: the free and flush path of each result (paths) and the tables, "
		  "flushes and shootdowns per operation are counted in the guest kernel and "
		  "carry over to hardware. The timings come second: TCG emulates every "
		  "instruction, so only large differences mean something.", tcg);
	if (single)
		sb_printf(&b, " Single-threaded TCG runs every vCPU on one host thread: a "
			  "remote flush waits until QEMU schedules the other vCPU, so "
			  "remote-flush latencies (gup-fast, pt-teardown with --tasks 2, "
			  "tlb-shootdown) are scheduling artefacts, about 100x native where "
			  "local work is about 10x.");
	if (*other)
		sb_printf(&b, " MIXED: %s did not run under TCG (--allow-mixed): their timings "
			  "are not comparable with the emulated ones.", other);
out:
	free(tcg);
	free(other);
	return b.len ? sb_take(&b) : NULL;
}

char *rp_failed_line(const struct rs_set *set, const struct rs_failed *f)
{
	struct sb b = { 0 };

	sb_printf(&b, "FAILED: %s", f->label);
	if (f->round)
		sb_printf(&b, " (round %ld)", f->round);
	sb_printf(&b, " in set %s (", set->label);
	if (f->status >= 0)
		sb_printf(&b, "exit %d", f->status);
	else
		sb_printf(&b, "exit status unknown");
	if (f->src)
		sb_printf(&b, ", %s", f->src);
	sb_printf(&b, ")");
	if (f->nmessages)
		sb_printf(&b, ": %s", f->messages[f->nmessages - 1]);
	return sb_take(&b);
}

/* The free path a set's name says it takes ("rcu", "direct"), or NULL. */
static const char *label_path(const struct rs_set *set)
{
	size_t n = strlen(set->label);

	if (n > 4 && !strcmp(set->label + n - 4, "-rcu"))
		return "rcu";
	if (n > 7 && !strcmp(set->label + n - 7, "-direct"))
		return "direct";
	return NULL;
}

/*
 * The labels against the counts: a set labelled with one free path whose
 * results counted another, and two sets labelled differently that counted
 * the same one.  NULL when nothing is wrong.
 */
static char *paths_note(struct rp_model *m)
{
	struct sb b = { 0 };

	for (size_t i = 0; i < m->nsets; i++) {
		const struct rs_set *a = m->sets[i];
		const char *la = label_path(a);

		if (!la || !a->obs_free)
			continue;
		if (strcmp(la, a->obs_free))
			sb_printf(&b, " LABEL: %s is labelled %s, but its results counted the "
				  "free path %s.", a->label, la, a->obs_free);
		for (size_t j = i + 1; j < m->nsets; j++) {
			const struct rs_set *c = m->sets[j];
			const char *lc = label_path(c);

			if (!lc || !strcmp(la, lc) || !c->obs_free || strcmp(a->obs_free, c->obs_free))
				continue;
			m->same_path = true;
			sb_printf(&b, " SAME PATH: %s (labelled %s) and %s (labelled %s) both "
				  "counted the free path %s: this is not a comparison of the two "
				  "free paths.", a->label, la, c->label, lc, a->obs_free);
		}
	}
	if (!b.len)
		return NULL;
	{
		char *body = sb_take(&b), *note = rs_xasprintf("PATHS:%s", body);

		free(body);
		return note;
	}
}

static void add_set_note(struct rp_model *m, char *note)
{
	if (!note)
		return;
	m->set_notes = rs_xrealloc(m->set_notes, m->nset_notes + 1, sizeof(*m->set_notes));
	m->set_notes[m->nset_notes++] = note;
}

static void set_level(struct rp_model *m)
{
	add_set_note(m, paths_note(m));
	add_set_note(m, emulation_note(m->sets, m->nsets));
	for (size_t k = 0; k < m->nsets; k++)
		for (size_t i = 0; i < m->sets[k]->nfailed; i++) {
			m->failed = rs_xrealloc(m->failed, m->nfailed + 1, sizeof(*m->failed));
			m->failed[m->nfailed++] = rp_failed_line(m->sets[k], &m->sets[k]->failed[i]);
		}
}

struct rp_model *rp_build(struct rs_set *const *sets, size_t nsets,
			  const struct rp_options *o)
{
	struct rp_model *m = rs_xcalloc(1, sizeof(*m));

	m->sets = sets;
	m->nsets = nsets;
	m->opt = *o;
	m->titles = rs_xcalloc(nsets, sizeof(*m->titles));
	for (size_t k = 0; k < nsets; k++)
		m->titles[k] = rs_set_title(sets[k]);
	match(m);
	run_tests(m);
	make_notes(m);
	set_level(m);
	return m;
}

void rp_free(struct rp_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nentries; i++) {
		struct rp_entry *ent = &m->entries[i];

		for (size_t j = 0; j < ent->nrows; j++) {
			free(ent->rows[j].cell);
			free(ent->rows[j].test);
		}
		for (size_t j = 0; j < ent->nnotes; j++)
			free(ent->notes[j]);
		free(ent->notes);
		free(ent->rows);
		free(ent->in);
	}
	for (size_t k = 0; k < m->nsets; k++)
		free(m->titles[k]);
	free(m->titles);
	for (size_t i = 0; i < m->nset_notes; i++)
		free(m->set_notes[i]);
	free(m->set_notes);
	for (size_t i = 0; i < m->nfailed; i++)
		free(m->failed[i]);
	free(m->failed);
	free(m->entries);
	free(m);
}

/* ---- words shared by the printers ---------------------------------------- */

/* narrow: "no change" where columns are tight. */
static const char *verdict_str(const struct rp_model *m, const struct rp_test *t,
			       bool narrow, char *buf, size_t len)
{
	switch (t->v) {
	case RP_BASELINE:
		return "baseline";
	case RP_BETTER:
		return "better";
	case RP_WORSE:
		return "worse";
	case RP_SAME:
		return narrow ? "no change" : "no significant change";
	case RP_INFO:
		return narrow ? "info" : "info: not judged";
	case RP_N1:
		return narrow ? "n=1" : "n=1: no verdict";
	case RP_MISMATCH:
		return narrow ? "units differ" : "unit or direction differ: not compared";
	case RP_MISSING:
		break;
	}
	snprintf(buf, len, "missing in %s", m->sets[t->missing]->label);
	return buf;
}

/* "" when the entry is in every set, else "only in a" or "missing in b, c". */
static char *presence(const struct rp_model *m, const struct rp_entry *ent)
{
	struct sb b = { 0 };
	size_t have = 0, last = 0;

	for (size_t k = 0; k < m->nsets; k++)
		if (ent->in[k]) {
			have++;
			last = k;
		}
	if (have == m->nsets)
		return rs_xstrdup("");
	if (have == 1)
		return rs_xasprintf("only in %s", m->sets[last]->label);
	for (size_t k = 0; k < m->nsets; k++)
		if (!ent->in[k])
			sb_printf(&b, "%s%s", b.len ? ", " : "missing in ", m->sets[k]->label);
	return sb_take(&b);
}

/* "mmap-churn-1t (mmap-churn --size 128M)  [only in a]" */
static char *heading(const struct rp_model *m, const struct rp_entry *ent)
{
	char *pres = presence(m, ent), *h;
	const char *sep = *pres ? "  -- " : "";

	if (!strcmp(ent->label, ent->desc))
		h = rs_xasprintf("%s%s%s", ent->label, sep, pres);
	else
		h = rs_xasprintf("%s (%s)%s%s", ent->label, ent->desc, sep, pres);
	free(pres);
	return h;
}

/* kernbench's metrics by kernbench's names ("Elapsed Time"), others as they are. */
static const char *kernbench_name(const char *metric)
{
	static const char *const names[][2] = {
		{ "elapsed_s", "Elapsed Time" }, { "user_s", "User Time" },
		{ "system_s", "System Time" }, { "percent_cpu", "Percent CPU" },
		{ "context_switches", "Context Switches" }, { "sleeps", "Sleeps" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(metric, names[i][0]))
			return names[i][1];
	return metric;
}

/* "270007 (2564.1)", "270007 (n=1)", or "-" when not in that set. */
static char *mean_sd(const struct rp_cell *c, int sig_mean, int sig_sd)
{
	char a[48], b[48];

	if (!c->m)
		return rs_xstrdup("-");
	if (c->s.n < 2)
		return rs_xasprintf("%s (n=1)", rp_fmt_sig(a, sizeof(a), c->s.mean, sig_mean));
	return rs_xasprintf("%s (%s)", rp_fmt_sig(a, sizeof(a), c->s.mean, sig_mean),
			    rp_fmt_sig(b, sizeof(b), c->s.sd, sig_sd));
}

static char *rule_text(const struct rp_model *m)
{
	return rs_xasprintf(
		"Verdict: a change is significant when Welch's t-test p-value, adjusted "
		"with %s over the %zu comparison%s of higher- or lower-is-better metrics, "
		"is below alpha = %g AND the means differ by at least %g%%; a smaller "
		"difference is within the noise between runs on a shared machine. "
		"Significant changes are better or worse by the metric's direction; "
		"anything else is no significant change. info metrics are not judged. "
		"Each set is compared with the baseline %s; mean (sd) is the mean and "
		"sample standard deviation (n-1) over the repetitions.",
		rp_correction_name(m->opt.correction), m->ntests, m->ntests == 1 ? "" : "s",
		m->opt.alpha, m->opt.min_change, m->sets[0]->label);
}

/* "7.4", "12", "0.52": a detectable change needs no more than two digits. */
static const char *fmt_mde(char *buf, size_t len, double pct)
{
	return rp_fmt_sig(buf, len, pct, 2);
}

char *rp_verdict_text(const struct rp_model *m, const struct rp_row *r, size_t k,
		      bool narrow)
{
	const struct rp_test *t = &r->test[k];
	char buf[64], d[48];
	const char *v = verdict_str(m, t, narrow, buf, sizeof(buf));

	if (t->v != RP_SAME || isnan(t->mde_pct))
		return rs_xstrdup(v);
	fmt_mde(d, sizeof(d), t->mde_pct);
	if (!t->mde_short)
		return rs_xasprintf("%s (would detect ≥ %s%%)", v, d);
	return rs_xasprintf("%s (would detect ≥ %s%%; too few reps to see %g%%)", v, d,
			    m->opt.min_change);
}

static char *mde_text(const struct rp_model *m)
{
	return rs_xasprintf(
		"Smallest detectable change: \"would detect ≥ X%%\" after a no change is the "
		"change, in percent of the baseline mean, that the comparison would have "
		"found with probability %g: (t(1 - a/2, df) + t(%g, df)) x se, where se = "
		"sqrt(sd_a^2/n_a + sd_b^2/n_b) and df (Welch-Satterthwaite) come from both "
		"sets' n and sd, taken as the true ones. a is the per-test level alpha/m = "
		"%g/%zu = %.2g, the level a single changed metric must pass when the others "
		"did not change (Holm's first step, and Benjamini-Hochberg's smallest); "
		"with many real changes Benjamini-Hochberg lets a metric pass at up to "
		"alpha, and the figure is then pessimistic. A no change rules out changes "
		"of that size, not smaller ones.",
		RP_MDE_POWER, RP_MDE_POWER, m->opt.alpha, m->ntests ? m->ntests : 1,
		m->mde_alpha);
}

/* "now 3 and 5 reps": the repetitions a comparison has. */
static void reps_now(struct sb *b, const struct rp_row *r, size_t k)
{
	if (r->cell[0].s.n == r->cell[k].s.n)
		sb_printf(b, "now %zu", r->cell[0].s.n);
	else
		sb_printf(b, "now %zu and %zu", r->cell[0].s.n, r->cell[k].s.n);
}

/*
 * The comparisons that ran too few repetitions for --min-change, at most
 * max of them (then a line saying how many more), each a line; *head is
 * the sentence before them.  NULL when there are none.
 */
#define SHORT_LIST_MAX	20

static char **short_list(const struct rp_model *m, size_t *n, char **head)
{
	char **lines = rs_xcalloc(SHORT_LIST_MAX + 1, sizeof(*lines));
	size_t most = 0, shown = 0;
	bool beyond = false;
	char d[48];

	*n = 0;
	if (!m->nshort) {
		free(lines);
		*head = NULL;
		return NULL;
	}
	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++)
			for (size_t k = 1; k < m->nsets; k++) {
				const struct rp_row *r = &m->entries[i].rows[j];
				const struct rp_test *t = &r->test[k];
				struct sb b = { 0 };

				if (!t->mde_short)
					continue;
				if (!t->mde_reps)
					beyond = true;
				else if (t->mde_reps > most)
					most = t->mde_reps;
				if (shown++ >= SHORT_LIST_MAX)
					continue;
				sb_printf(&b, "- %s %s (%s): would detect ≥ %s%%; ", m->entries[i].label,
					  r->name, m->sets[k]->label, fmt_mde(d, sizeof(d), t->mde_pct));
				if (t->mde_reps)
					sb_printf(&b, "%zu reps a set would detect %g%% (", t->mde_reps,
						  m->opt.min_change);
				else
					sb_printf(&b, "more than %d reps a set to detect %g%% (",
						  RP_MDE_MAX_REPS, m->opt.min_change);
				reps_now(&b, r, k);
				sb_printf(&b, ")");
				lines[(*n)++] = sb_take(&b);
			}
	if (shown > SHORT_LIST_MAX)
		lines[(*n)++] = rs_xasprintf("- and %zu more (mde_pct and reps_for_min_change "
					     "in --format json or csv)", shown - SHORT_LIST_MAX);
	if (beyond)
		*head = rs_xasprintf("Too few repetitions: %zu comparison%s could not have found "
				     "a change of --min-change %g%%. With the same standard "
				     "deviations, some would need more than %d repetitions a set:",
				     m->nshort, m->nshort == 1 ? "" : "s", m->opt.min_change,
				     RP_MDE_MAX_REPS);
	else
		*head = rs_xasprintf("Too few repetitions: %zu comparison%s could not have found "
				     "a change of --min-change %g%%. With the same standard "
				     "deviations, %zu repetitions a set would bring every one "
				     "down to %g%%:", m->nshort, m->nshort == 1 ? "" : "s",
				     m->opt.min_change, most, m->opt.min_change);
	return lines;
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

char *rp_footer_text(const struct rp_model *m)
{
	char *rule = rule_text(m), *md = mde_text(m), *head, **lines;
	struct sb b = { 0 };
	size_t n;

	sb_printf(&b, "%s", rule);
	if (m->nsets > 1)
		sb_printf(&b, "\n\n%s", md);
	lines = short_list(m, &n, &head);
	if (head)
		sb_printf(&b, "\n\n%s", head);
	for (size_t i = 0; i < n; i++)
		sb_printf(&b, "\n%s", lines[i]);
	free_lines(lines, n);
	free(head);
	free(rule);
	free(md);
	return sb_take(&b);
}

/* The footer of the text formats: paragraphs filled, list lines as they are. */
static void footer_print(FILE *f, const struct rp_model *m)
{
	char *rule = rule_text(m), *md = mde_text(m), *head, **lines;
	size_t n;

	pt_wrap(f, rule, 0);
	fprintf(f, "\n");
	pt_wrap(f, md, 0);
	lines = short_list(m, &n, &head);
	if (head) {
		fprintf(f, "\n");
		pt_wrap(f, head, 0);
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	free_lines(lines, n);
	free(head);
	free(rule);
	free(md);
}

/* ---- text grids ------------------------------------------------------------ */

/*
 * Rows of cells with per-column widths computed over the whole report, so
 * that every entry's block lines up with the others.  A cell may span
 * several columns (a set's header over its mean, change and verdict); a raw
 * row (a heading, a note) is printed as it is and sets no width.
 */
struct grid_row {
	char *raw;
	char **cell;		/* [ncols]; NULL: empty or covered by a span */
	size_t *span;		/* [ncols] */
};

struct grid {
	size_t ncols;
	const char *align;	/* 'l' or 'r' per column */
	const size_t *gap;	/* spaces before each column */
	struct grid_row *rows;
	size_t nrows;
	size_t *width;
};

static struct grid_row *grid_add(struct grid *g)
{
	struct grid_row *r;

	g->rows = rs_xrealloc(g->rows, g->nrows + 1, sizeof(*g->rows));
	r = &g->rows[g->nrows++];
	r->raw = NULL;
	r->cell = rs_xcalloc(g->ncols, sizeof(*r->cell));
	r->span = rs_xcalloc(g->ncols, sizeof(*r->span));
	return r;
}

/* Takes ownership of s. */
static void grid_raw(struct grid *g, char *s)
{
	grid_add(g)->raw = s;
}

static void grid_set(struct grid_row *r, size_t col, size_t span, char *s)
{
	free(r->cell[col]);
	r->cell[col] = s;
	r->span[col] = span;
}

/* Columns a UTF-8 string takes ("≥" is three bytes, one column). */
static size_t disp_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static size_t span_width(const struct grid *g, size_t col, size_t span)
{
	size_t w = g->width[col];

	for (size_t c = col + 1; c < col + span; c++)
		w += g->gap[c] + g->width[c];
	return w;
}

static void grid_widths(struct grid *g)
{
	g->width = rs_xcalloc(g->ncols, sizeof(*g->width));
	for (size_t i = 0; i < g->nrows; i++)
		for (size_t c = 0; c < g->ncols; c++)
			if (g->rows[i].cell[c] && g->rows[i].span[c] == 1 &&
			    disp_len(g->rows[i].cell[c]) > g->width[c])
				g->width[c] = disp_len(g->rows[i].cell[c]);
	/* A span wider than its columns widens the last one. */
	for (size_t i = 0; i < g->nrows; i++)
		for (size_t c = 0; c < g->ncols; c++) {
			size_t s = g->rows[i].span[c], have, need;

			if (!g->rows[i].cell[c] || s < 2)
				continue;
			have = span_width(g, c, s);
			need = disp_len(g->rows[i].cell[c]);
			if (need > have)
				g->width[c + s - 1] += need - have;
		}
}

static void grid_print_row(FILE *f, const struct grid *g, const struct grid_row *r,
			   const char *indent)
{
	struct sb line = { 0 };
	char *s;

	sb_printf(&line, "%s", indent);
	for (size_t c = 0; c < g->ncols;) {
		size_t span = r->cell[c] ? r->span[c] : 1;
		int w = (int)span_width(g, c, span);
		const char *text = r->cell[c] ? r->cell[c] : "";
		int pad = w - (int)disp_len(text);

		sb_printf(&line, "%*s", c ? (int)g->gap[c] : 0, "");
		sb_printf(&line, "%*s%s%*s", g->align[c] == 'r' ? pad : 0, "", text,
			  g->align[c] == 'r' ? 0 : pad, "");
		c += span;
	}
	s = sb_take(&line);
	for (size_t n = strlen(s); n && s[n - 1] == ' '; n--)
		s[n - 1] = 0;
	fprintf(f, "%s\n", s);
	free(s);
}

static void grid_print(FILE *f, struct grid *g, const char *indent)
{
	grid_widths(g);
	for (size_t i = 0; i < g->nrows; i++) {
		if (g->rows[i].raw)
			fprintf(f, "%s\n", g->rows[i].raw);
		else
			grid_print_row(f, g, &g->rows[i], indent);
	}
}

static void grid_free(struct grid *g)
{
	for (size_t i = 0; i < g->nrows; i++) {
		for (size_t c = 0; c < g->ncols; c++)
			free(g->rows[i].cell[c]);
		free(g->rows[i].cell);
		free(g->rows[i].span);
		free(g->rows[i].raw);
	}
	free(g->rows);
	free(g->width);
}

static void add_notes(struct grid *g, const struct rp_entry *ent, const char *prefix)
{
	for (size_t j = 0; j < ent->nnotes; j++)
		grid_raw(g, rs_xasprintf("%snote: %s", prefix, ent->notes[j]));
}

/* ---- the sets, before the tables ------------------------------------------- */

/*
 * "direct (counted)": the path the set's results counted where they say,
 * else system.json's (or the results' own record of sysinfo's rules);
 * both when they disagree.
 */
static char *path_cell(const char *counted, const char *detected)
{
	if (!counted)
		return rs_xstrdup(detected);
	if (!strcmp(detected, "?") || !strcmp(counted, detected))
		return rs_xasprintf("%s (counted)", counted);
	return rs_xasprintf("%s (counted; sysinfo: %s)", counted, detected);
}

static char *accel_cell(const struct rs_set *set)
{
	if (set->tcg && set->tcg_threads)
		return rs_xasprintf("tcg (%s-threaded)", set->tcg_threads);
	return rs_xstrdup(set->accel);
}

enum { T_SET, T_KERNEL, T_FLUSH, T_FREE, T_ACCEL, T_DIR, T_NCOLS };

/*
 * Which set is which, once: the columns of the tables are then headed by
 * the label alone.
 */
static void sets_text(FILE *f, const struct rp_model *m)
{
	static const char *const head[T_NCOLS] = {
		"set", "kernel", "TLB flush", "table free", "accel", "directory",
	};
	static const size_t gap[T_NCOLS] = { 0, 2, 2, 2, 2, 2 };
	struct grid g = { .ncols = T_NCOLS, .align = "llllll", .gap = gap };
	struct grid_row *gr = grid_add(&g);

	if (m->nsets > 1)
		fprintf(f, "Sets (%s is the baseline):\n", m->sets[0]->label);
	else
		fprintf(f, "Set:\n");
	for (size_t c = 0; c < T_NCOLS; c++)
		grid_set(gr, c, 1, rs_xstrdup(head[c]));
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_set *set = m->sets[k];

		gr = grid_add(&g);
		grid_set(gr, T_SET, 1, rs_xstrdup(set->label));
		grid_set(gr, T_KERNEL, 1, rs_xstrdup(set->kernel));
		grid_set(gr, T_FLUSH, 1, path_cell(set->obs_flush, set->tlb_flush));
		grid_set(gr, T_FREE, 1, path_cell(set->obs_free, set->table_free));
		grid_set(gr, T_ACCEL, 1, accel_cell(set));
		grid_set(gr, T_DIR, 1, rs_xstrdup(set->dir));
	}
	grid_print(f, &g, "  ");
	grid_free(&g);
}

/* FAILED lines, then the notes about the sets, each followed by a blank line. */
static void preamble_text(FILE *f, const struct rp_model *m)
{
	for (size_t i = 0; i < m->nfailed; i++)
		fprintf(f, "%s\n", m->failed[i]);
	if (m->nfailed)
		fprintf(f, "\n");
	for (size_t i = 0; i < m->nset_notes; i++) {
		pt_wrap(f, m->set_notes[i], 0);
		fprintf(f, "\n");
	}
}

/* ---- show ------------------------------------------------------------------ */

enum { S_NAME, S_UNIT, S_N, S_MEAN, S_SD, S_CV, S_MIN, S_MAX, S_NCOLS };

static char *fmt_cv(double cv)
{
	return isnan(cv) ? rs_xstrdup("-") : rs_xasprintf("%.2f%%", cv * 100);
}

static void show_text_row(struct grid *g, const struct rp_row *r)
{
	const struct pt_summary *s = &r->cell[0].s;
	struct grid_row *gr = grid_add(g);
	char buf[48];

	grid_set(gr, S_NAME, 1, rs_xstrdup(r->name));
	grid_set(gr, S_UNIT, 1, rs_xstrdup(r->unit));
	grid_set(gr, S_N, 1, rs_xasprintf("%zu", s->n));
	grid_set(gr, S_MEAN, 1, rs_xstrdup(rp_fmt_sig(buf, sizeof(buf), s->mean, 6)));
	grid_set(gr, S_SD, 1, rs_xstrdup(rp_fmt_sig(buf, sizeof(buf), s->sd, 5)));
	grid_set(gr, S_CV, 1, fmt_cv(s->cv));
	grid_set(gr, S_MIN, 1, rs_xstrdup(rp_fmt_sig(buf, sizeof(buf), s->min, 6)));
	grid_set(gr, S_MAX, 1, rs_xstrdup(rp_fmt_sig(buf, sizeof(buf), s->max, 6)));
}

static void show_text(FILE *f, const struct rp_model *m)
{
	static const char *const head[S_NCOLS] = {
		"metric", "unit", "n", "mean", "sd", "CV", "min", "max",
	};
	static const size_t gap[S_NCOLS] = { 0, 2, 2, 2, 2, 2, 2, 2 };
	struct grid g = { .ncols = S_NCOLS, .align = "llrrrrrr", .gap = gap };

	preamble_text(f, m);
	sets_text(f, m);
	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];
		struct grid_row *gr;

		grid_raw(&g, rs_xstrdup(""));
		grid_raw(&g, heading(m, ent));
		gr = grid_add(&g);
		for (size_t c = 0; c < S_NCOLS; c++)
			grid_set(gr, c, 1, rs_xstrdup(head[c]));
		for (size_t j = 0; j < ent->nrows; j++)
			show_text_row(&g, &ent->rows[j]);
		add_notes(&g, ent, "  ");
	}
	grid_print(f, &g, "  ");
	grid_free(&g);
	fprintf(f, "\n");
	pt_wrap(f, "mean and sd: mean and sample standard deviation (n-1) over the "
		"repetitions; CV: coefficient of variation, sd / |mean|.", 0);
}

static void md_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' || *s == '_')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void md_notes(FILE *f, const struct rp_entry *ent)
{
	if (!ent->nnotes)
		return;
	fprintf(f, "\n");
	for (size_t j = 0; j < ent->nnotes; j++) {
		fprintf(f, "- note: ");
		md_escape(f, ent->notes[j]);
		fprintf(f, "\n");
	}
}

static void md_heading(FILE *f, const struct rp_model *m, const struct rp_entry *ent)
{
	char *pres = presence(m, ent);

	fprintf(f, "\n### ");
	md_escape(f, ent->label);
	if (*pres) {
		fprintf(f, " (");
		md_escape(f, pres);
		fprintf(f, ")");
	}
	fprintf(f, "\n\n`%s`\n\n", ent->desc);
	free(pres);
}

/* FAILED lines and notes about the sets as paragraphs, then the set table. */
static void md_sets(FILE *f, const struct rp_model *m)
{
	for (size_t i = 0; i < m->nfailed; i++) {
		fprintf(f, "\n**");
		md_escape(f, m->failed[i]);
		fprintf(f, "**\n");
	}
	for (size_t i = 0; i < m->nset_notes; i++) {
		fprintf(f, "\n");
		md_escape(f, m->set_notes[i]);
		fprintf(f, "\n");
	}
	fprintf(f, "\n| set | kernel | TLB flush | table free | accel | directory |\n"
		"| --- | --- | --- | --- | --- | --- |\n");
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_set *set = m->sets[k];
		char *cells[] = {
			rs_xstrdup(set->label), rs_xstrdup(set->kernel),
			path_cell(set->obs_flush, set->tlb_flush),
			path_cell(set->obs_free, set->table_free), accel_cell(set),
			rs_xstrdup(set->dir),
		};

		fprintf(f, "|");
		for (size_t c = 0; c < sizeof(cells) / sizeof(cells[0]); c++) {
			fprintf(f, " ");
			md_escape(f, cells[c]);
			fprintf(f, "%s |", !c && !k && m->nsets > 1 ? " (baseline)" : "");
			free(cells[c]);
		}
		fprintf(f, "\n");
	}
}

static void show_markdown(FILE *f, const struct rp_model *m)
{
	char b[6][48];

	fprintf(f, "## ptstat show: ");
	md_escape(f, m->sets[0]->label);
	fprintf(f, "\n");
	md_sets(f, m);
	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];

		md_heading(f, m, ent);
		fprintf(f, "| metric | unit | n | mean | sd | CV | min | max |\n"
			"| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (size_t j = 0; j < ent->nrows; j++) {
			const struct rp_row *r = &ent->rows[j];
			const struct pt_summary *s = &r->cell[0].s;
			char *cv = fmt_cv(s->cv);

			fprintf(f, "| ");
			md_escape(f, r->name);
			fprintf(f, " | ");
			md_escape(f, r->unit);
			fprintf(f, " | %zu | %s | %s | %s | %s | %s |\n", s->n,
				rp_fmt_sig(b[0], 48, s->mean, 6), rp_fmt_sig(b[1], 48, s->sd, 5),
				cv, rp_fmt_sig(b[2], 48, s->min, 6),
				rp_fmt_sig(b[3], 48, s->max, 6));
			free(cv);
		}
		md_notes(f, ent);
	}
	fprintf(f, "\nmean and sd: mean and sample standard deviation (n-1) over the "
		"repetitions; CV: coefficient of variation, sd / |mean|.\n");
}

/* RFC 4180: quote when the field holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

/* A number at full precision; empty when it does not exist. */
static void csv_num(FILE *f, double x, bool last)
{
	if (isfinite(x))
		fprintf(f, "%.17g", x);
	fputc(last ? '\n' : ',', f);
}

static void csv_set(FILE *f, const struct rs_set *set)
{
	csv_field(f, set->label, false);
	csv_field(f, set->kernel, false);
	csv_field(f, set->tlb_flush, false);
	csv_field(f, set->table_free, false);
}

/* n, mean, sd, cv_pct, min, max; n 0 and nothing else when absent. */
static void csv_summary(FILE *f, const struct rp_cell *c, bool last)
{
	if (!c->m) {
		fprintf(f, "0,,,,,%c", last ? '\n' : ',');
		return;
	}
	fprintf(f, "%zu,", c->s.n);
	csv_num(f, c->s.mean, false);
	csv_num(f, c->s.sd, false);
	csv_num(f, c->s.cv * 100, false);
	csv_num(f, c->s.min, false);
	csv_num(f, c->s.max, last);
}

static void csv_entry_metric(FILE *f, const struct rp_entry *ent, const struct rp_row *r)
{
	csv_field(f, ent->label, false);
	csv_field(f, ent->bench, false);
	csv_field(f, ent->desc, false);
	csv_field(f, r->name, false);
	csv_field(f, r->unit, false);
	csv_field(f, rs_better_str(r->better), false);
}

/*
 * What is said about the sets as a whole goes before the header row, one
 * line each, starting with "# " (pandas: comment='#'); nothing when there
 * is nothing to say, so the header is then the first line.
 */
static void csv_comments(FILE *f, const struct rp_model *m)
{
	for (size_t i = 0; i < m->nfailed; i++)
		fprintf(f, "# %s\n", m->failed[i]);
	for (size_t i = 0; i < m->nset_notes; i++)
		fprintf(f, "# %s\n", m->set_notes[i]);
}

static void show_csv(FILE *f, const struct rp_model *m)
{
	csv_comments(f, m);
	fprintf(f, "set,kernel,tlb_flush,table_free,entry,bench,description,metric,unit,"
		"better,n,mean,sd,cv_pct,min,max\n");
	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++) {
			const struct rp_row *r = &m->entries[i].rows[j];

			csv_set(f, m->sets[0]);
			csv_entry_metric(f, &m->entries[i], r);
			csv_summary(f, &r->cell[0], true);
		}
}

/* ---- JSON ------------------------------------------------------------------ */

/* jansson has no NaN: a figure that does not exist is null. */
static json_t *jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *json_set_obj(const struct rs_set *set)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:b, s:s?}",
			 "label", set->label, "dir", set->dir, "kernel", set->kernel,
			 "tlb_flush", set->tlb_flush, "table_free", set->table_free,
			 "observed_free", set->obs_free, "observed_flush", set->obs_flush,
			 "accel", set->accel, "emulated", set->tcg,
			 "tcg_threads", set->tcg_threads);
}

/*
 * The notes about the sets, and the entries that failed, at the top; each
 * failed entry with the line the text formats print (m->failed is built
 * in the same order).
 */
static void json_set_level(json_t *root, const struct rp_model *m)
{
	json_t *notes = json_array(), *failed = json_array();
	size_t n = 0;

	for (size_t i = 0; i < m->nset_notes; i++)
		json_array_append_new(notes, json_string(m->set_notes[i]));
	for (size_t k = 0; k < m->nsets; k++)
		for (size_t i = 0; i < m->sets[k]->nfailed; i++) {
			const struct rs_failed *fl = &m->sets[k]->failed[i];
			json_t *msgs = json_array();

			for (size_t j = 0; j < fl->nmessages; j++)
				json_array_append_new(msgs, json_string(fl->messages[j]));
			json_array_append_new(failed, json_pack(
				"{s:s, s:s, s:o, s:o, s:o, s:o, s:s}", "set", m->sets[k]->label,
				"label", fl->label,
				"round", fl->round ? json_integer(fl->round) : json_null(),
				"status", fl->status >= 0 ? json_integer(fl->status) : json_null(),
				"src", fl->src ? json_string(fl->src) : json_null(),
				"messages", msgs, "text", m->failed[n++]));
		}
	json_object_set_new(root, "notes", notes);
	json_object_set_new(root, "same_path", json_boolean(m->same_path));
	json_object_set_new(root, "failed", failed);
}

/* [{set, free, flush, counts}] of one entry: what each set's result counted. */
static json_t *json_entry_paths(const struct rp_model *m, const struct rp_entry *ent)
{
	json_t *a = json_array();

	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_entry *e = ent->in[k];

		if (!e || !e->free_path)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s?}", "set", m->sets[k]->label,
						   "free", e->free_path, "flush", e->flush_path,
						   "counts", e->path_counts));
	}
	return a;
}

static json_t *json_summary(const struct rp_model *m, const struct rp_cell *c, size_t k)
{
	json_t *o = json_object();

	json_object_set_new(o, "set", json_string(m->sets[k]->label));
	json_object_set_new(o, "n", json_integer(c->m ? (json_int_t)c->s.n : 0));
	json_object_set_new(o, "mean", jnum(c->m ? c->s.mean : NAN));
	json_object_set_new(o, "sd", jnum(c->m ? c->s.sd : NAN));
	json_object_set_new(o, "cv_pct", jnum(c->m ? c->s.cv * 100 : NAN));
	json_object_set_new(o, "min", jnum(c->m ? c->s.min : NAN));
	json_object_set_new(o, "max", jnum(c->m ? c->s.max : NAN));
	return o;
}

static json_t *json_notes(const struct rp_entry *ent)
{
	json_t *a = json_array();

	for (size_t j = 0; j < ent->nnotes; j++)
		json_array_append_new(a, json_string(ent->notes[j]));
	return a;
}

static json_t *json_metric_head(const struct rp_row *r)
{
	return json_pack("{s:s, s:s, s:s}", "name", r->name, "unit", r->unit,
			 "better", rs_better_str(r->better));
}

static int json_print(FILE *f, json_t *root)
{
	int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(15));

	json_decref(root);
	fputc('\n', f);
	return rc;
}

/*
 * ptstat show --format json:
 * {"schema": "ptstat-show/1",
 *  "set": {label, dir, kernel, tlb_flush, table_free},
 *  "entries": [{label, bench, description, notes: [string],
 *               metrics: [{name, unit, better, n, mean, sd, cv_pct, min, max}]}]}
 * sd and cv_pct are null when n = 1.
 */
static int show_json(FILE *f, const struct rp_model *m)
{
	json_t *root = json_object(), *entries = json_array();

	json_object_set_new(root, "schema", json_string("ptstat-show/1"));
	json_object_set_new(root, "set", json_set_obj(m->sets[0]));
	json_set_level(root, m);
	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];
		json_t *e = json_pack("{s:s, s:s, s:s}", "label", ent->label, "bench", ent->bench,
				      "description", ent->desc);
		json_t *metrics = json_array();

		for (size_t j = 0; j < ent->nrows; j++) {
			json_t *o = json_metric_head(&ent->rows[j]);
			json_t *s = json_summary(m, &ent->rows[j].cell[0], 0);

			json_object_del(s, "set");
			json_object_update(o, s);
			json_decref(s);
			json_array_append_new(metrics, o);
		}
		json_object_set_new(e, "notes", json_notes(ent));
		json_object_set_new(e, "metrics", metrics);
		json_array_append_new(entries, e);
	}
	json_object_set_new(root, "entries", entries);
	return json_print(f, root);
}

/* ---- kernbench ------------------------------------------------------------- */

/*
 * "Optimal load -j 2": the name kernbench gives a load, for a result of
 * workloads/kernbench (params.title as it printed it, else from
 * params.load and params.jobs); the entry's label for anything else.
 */
/* The entry's result in the first set that has it. */
static const struct rs_entry *first_in(const struct rp_model *m, const struct rp_entry *ent)
{
	for (size_t k = 0; k < m->nsets; k++)
		if (ent->in[k])
			return ent->in[k];
	return NULL;
}

static char *kernbench_title(const struct rp_model *m, const struct rp_entry *ent)
{
	static const char *const loads[][2] = {
		{ "single", "Single threaded" }, { "half", "Half" }, { "optimal", "Optimal" },
		{ "maximal", "Maximal" }, { "custom", "Custom" },
	};
	const struct rs_entry *e = first_in(m, ent);
	const char *load, *title;
	json_t *jobs;

	if (!e || strcmp(e->bench, "kernbench"))
		return rs_xstrdup(ent->label);
	title = json_string_value(json_object_get(e->params, "title"));
	if (title && *title)
		return rs_xstrdup(title);
	load = json_string_value(json_object_get(e->params, "load"));
	jobs = json_object_get(e->params, "jobs");
	for (size_t i = 0; load && i < sizeof(loads) / sizeof(loads[0]); i++) {
		if (strcmp(load, loads[i][0]))
			continue;
		if (json_is_number(jobs))
			return rs_xasprintf("%s load -j %g", loads[i][1], json_number_value(jobs));
		return rs_xasprintf("%s load -j", loads[i][1]);
	}
	return rs_xstrdup(ent->label);
}

/* kernbench's order of the loads; other entries after them, as they were. */
static const char *const kb_loads[] = { "single", "half", "optimal", "maximal", "custom" };

#define KB_NLOADS	(sizeof(kb_loads) / sizeof(kb_loads[0]))

static size_t kernbench_rank(const struct rp_model *m, const struct rp_entry *ent)
{
	const struct rs_entry *e = first_in(m, ent);
	const char *load;

	if (!e || strcmp(e->bench, "kernbench"))
		return KB_NLOADS + 1;
	load = json_string_value(json_object_get(e->params, "load"));
	for (size_t i = 0; load && i < KB_NLOADS; i++)
		if (!strcmp(load, kb_loads[i]))
			return i;
	return KB_NLOADS;
}

/* The entries in kernbench_rank() order, stable. Caller frees. */
static size_t *kernbench_order(const struct rp_model *m)
{
	size_t *idx = rs_xcalloc(m->nentries, sizeof(*idx)), n = 0;

	for (size_t rank = 0; rank <= KB_NLOADS + 1; rank++)
		for (size_t i = 0; i < m->nentries; i++)
			if (kernbench_rank(m, &m->entries[i]) == rank)
				idx[n++] = i;
	return idx;
}

/* "Elapsed Time 400.498 (0.179679)": kernbench prints six digits. */
static char *kernbench_line(const struct rp_row *r, const struct rp_cell *c)
{
	char a[48], b[48];

	if (!c->m)
		return rs_xasprintf("%s -", kernbench_name(r->name));
	if (c->s.n < 2)
		return rs_xasprintf("%s %s (n=1: no standard deviation)", kernbench_name(r->name),
				    rp_fmt_sig(a, sizeof(a), c->s.mean, 6));
	return rs_xasprintf("%s %s (%s)", kernbench_name(r->name),
			    rp_fmt_sig(a, sizeof(a), c->s.mean, 6),
			    rp_fmt_sig(b, sizeof(b), c->s.sd, 6));
}

static void show_kernbench(FILE *f, const struct rp_model *m)
{
	size_t *order = kernbench_order(m);

	preamble_text(f, m);
	/*
	 * Headed by the entry's label ("Average kb-optimal Run"), which names
	 * the set's own result; compare uses kernbench's name of the load.
	 */
	for (size_t o = 0; o < m->nentries; o++) {
		const struct rp_entry *ent = &m->entries[order[o]];

		fprintf(f, "%sAverage %s Run (std deviation):\n", o ? "\n" : "", ent->label);
		for (size_t j = 0; j < ent->nrows; j++) {
			char *line = kernbench_line(&ent->rows[j], &ent->rows[j].cell[0]);

			fprintf(f, "%s\n", line);
			free(line);
		}
	}
	free(order);
}

int rp_show(FILE *f, const struct rp_model *m)
{
	switch (m->opt.format) {
	case RP_TEXT:
		show_text(f, m);
		break;
	case RP_MARKDOWN:
		show_markdown(f, m);
		break;
	case RP_CSV:
		show_csv(f, m);
		break;
	case RP_JSON:
		if (show_json(f, m))
			return -1;
		break;
	case RP_KERNBENCH:
		show_kernbench(f, m);
		break;
	}
	return ferror(f) ? -1 : 0;
}

/* ---- compare: text -------------------------------------------------------- */

/* Columns of a non-baseline set after its mean (sd). */
enum { C_CHANGE, C_VERDICT, C_CI, C_WELCH, C_MWU, C_ADJ, C_NEXTRA };

struct layout {
	size_t first;		/* columns before the sets */
	size_t extra;		/* C_VERDICT + 1, or C_NEXTRA when verbose */
	size_t ncols;
};

/* The first column of set k. */
static size_t set_col(const struct layout *l, size_t k)
{
	return k ? l->first + 1 + (k - 1) * (1 + l->extra) : l->first;
}

static size_t set_span(const struct layout *l, size_t k)
{
	return k ? 1 + l->extra : 1;
}

/* The CI of the difference, relative to the baseline mean like the change. */
char *rp_fmt_ci_pct(const struct rp_test *t, double base)
{
	char a[32], b[32];

	if (isnan(t->ci_lo) || base == 0)
		return rs_xstrdup("-");
	return rs_xasprintf("[%s, %s]", rp_fmt_pct(a, sizeof(a), t->ci_lo / fabs(base) * 100),
			    rp_fmt_pct(b, sizeof(b), t->ci_hi / fabs(base) * 100));
}

static void compare_cells(const struct rp_model *m, const struct layout *l,
			  struct grid_row *gr, const struct rp_row *r, size_t k,
			  char *(*cell)(const struct rp_row *, const struct rp_cell *))
{
	const struct rp_test *t = &r->test[k];
	size_t c = set_col(l, k) + 1;
	char buf[64];

	grid_set(gr, c - 1, 1, cell(r, &r->cell[k]));
	if (!k)
		return;
	grid_set(gr, c + C_CHANGE, 1, rs_xstrdup(rp_fmt_pct(buf, sizeof(buf), t->change_pct)));
	grid_set(gr, c + C_VERDICT, 1, rp_verdict_text(m, r, k, true));
	if (l->extra <= C_CI)
		return;
	grid_set(gr, c + C_CI, 1, rp_fmt_ci_pct(t, r->cell[0].s.mean));
	grid_set(gr, c + C_WELCH, 1, rs_xstrdup(fmt_p(buf, sizeof(buf), t->welch_p)));
	grid_set(gr, c + C_MWU, 1, rs_xstrdup(fmt_p(buf, sizeof(buf), t->mwu_p)));
	grid_set(gr, c + C_ADJ, 1, rs_xstrdup(fmt_p(buf, sizeof(buf), t->adj_p)));
}

static char *text_cell(const struct rp_row *r, const struct rp_cell *c)
{
	return mean_sd(c, 6, 5);
}

static void set_headers(const struct rp_model *m, const struct layout *l, struct grid *g)
{
	struct grid_row *gr = grid_add(g);

	for (size_t k = 0; k < m->nsets; k++)
		grid_set(gr, set_col(l, k), set_span(l, k), rs_xstrdup(m->sets[k]->label));
}

static void sub_headers(const struct rp_model *m, const struct layout *l, struct grid *g)
{
	static const char *const names[C_NEXTRA] = {
		"change", "verdict", "95% CI", "p Welch", "p MWU", "p adj",
	};
	struct grid_row *gr = grid_add(g);

	for (size_t k = 0; k < m->nsets; k++) {
		grid_set(gr, set_col(l, k), 1, rs_xstrdup("mean (sd)"));
		for (size_t x = 0; k && x < l->extra; x++)
			grid_set(gr, set_col(l, k) + 1 + x, 1, rs_xstrdup(names[x]));
	}
}

static size_t *layout_gaps(const struct layout *l, size_t nsets, size_t set_gap)
{
	size_t *gap = rs_xcalloc(l->ncols, sizeof(*gap));

	for (size_t c = 1; c < l->ncols; c++)
		gap[c] = 2;
	for (size_t k = 0; k < nsets; k++)
		gap[set_col(l, k)] = set_gap;
	return gap;
}

static char *layout_align(const struct layout *l, size_t nsets)
{
	char *align = rs_xcalloc(l->ncols + 1, 1);

	memset(align, 'l', l->ncols);
	for (size_t k = 1; k < nsets; k++)
		align[set_col(l, k) + 1 + C_CHANGE] = 'r';
	return align;
}

/* "direct / ipi": the free and flush path a result counted; NULL: none said. */
static char *entry_paths(const struct rs_entry *e)
{
	if (!e || !e->free_path)
		return NULL;
	return rs_xasprintf("%s / %s", e->free_path, e->flush_path);
}

static bool any_paths(const struct rp_model *m, const struct rp_entry *ent)
{
	for (size_t k = 0; k < m->nsets; k++)
		if (ent->in[k] && ent->in[k]->free_path)
			return true;
	return false;
}

/* The row that says which path each set's result drove, by its counts. */
static void paths_row(const struct rp_model *m, const struct layout *l, struct grid *g,
		      const struct rp_entry *ent)
{
	struct grid_row *gr;
	char *p;

	if (!any_paths(m, ent))
		return;
	gr = grid_add(g);
	grid_set(gr, 0, 1, rs_xstrdup("path: free / flush"));
	grid_set(gr, 1, 1, rs_xstrdup("counted"));
	for (size_t k = 0; k < m->nsets; k++) {
		p = entry_paths(ent->in[k]);
		grid_set(gr, set_col(l, k), 1, p ? p : rs_xstrdup("?"));
	}
}

static void compare_text(FILE *f, const struct rp_model *m)
{
	struct layout l = { .first = 2, .extra = m->opt.verbose ? C_NEXTRA : C_VERDICT + 1 };
	struct grid g = { 0 };
	size_t *gap;
	char *align;

	l.ncols = set_col(&l, m->nsets - 1) + set_span(&l, m->nsets - 1);
	gap = layout_gaps(&l, m->nsets, 3);
	align = layout_align(&l, m->nsets);
	g = (struct grid){ .ncols = l.ncols, .align = align, .gap = gap };
	preamble_text(f, m);
	sets_text(f, m);
	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];

		grid_raw(&g, rs_xstrdup(""));
		grid_raw(&g, heading(m, ent));
		set_headers(m, &l, &g);
		if (m->opt.verbose)
			sub_headers(m, &l, &g);
		paths_row(m, &l, &g, ent);
		for (size_t j = 0; j < ent->nrows; j++) {
			const struct rp_row *r = &ent->rows[j];
			struct grid_row *gr = grid_add(&g);

			grid_set(gr, 0, 1, rs_xstrdup(r->name));
			grid_set(gr, 1, 1, rs_xstrdup(r->unit));
			for (size_t k = 0; k < m->nsets; k++)
				compare_cells(m, &l, gr, r, k, text_cell);
		}
		add_notes(&g, ent, "  ");
	}
	grid_print(f, &g, "  ");
	grid_free(&g);
	free(gap);
	free(align);
	fprintf(f, "\n");
	footer_print(f, m);
}

/* ---- compare: kernbench ---------------------------------------------------- */

static bool has_notes(const struct rp_model *m)
{
	for (size_t i = 0; i < m->nentries; i++)
		if (m->entries[i].nnotes)
			return true;
	return false;
}

/*
 * The table kernel patches paste (DESIGN.md): per load kernbench's
 * heading, the set labels over a row of '=' as long as each, then one line
 * per metric with each set's "NAME MEAN (SD)" side by side, every set in
 * its own column, columns four spaces apart at their widest.  No change
 * or verdict columns: they are in the other formats.  The sets' table and
 * the notes about the sets come first, the entries' notes after the
 * blocks, so that each block can be pasted as it is.
 */
static void compare_kernbench(FILE *f, const struct rp_model *m)
{
	size_t *gap = rs_xcalloc(m->nsets, sizeof(*gap)), *order = kernbench_order(m);
	char *align = rs_xcalloc(m->nsets + 1, 1);
	struct grid g = { .ncols = m->nsets, .align = align, .gap = gap };

	memset(align, 'l', m->nsets);
	for (size_t k = 1; k < m->nsets; k++)
		gap[k] = 4;
	preamble_text(f, m);
	sets_text(f, m);
	for (size_t o = 0; o < m->nentries; o++) {
		const struct rp_entry *ent = &m->entries[order[o]];
		char *pres = presence(m, ent), *title = kernbench_title(m, ent);
		struct grid_row *labels, *rule;

		grid_raw(&g, rs_xstrdup(""));
		grid_raw(&g, rs_xasprintf("Average %s Run (std deviation):%s%s", title,
					  *pres ? "  -- " : "", pres));
		free(pres);
		free(title);
		/* grid_add() may move the rows: fill each before adding the next. */
		labels = grid_add(&g);
		for (size_t k = 0; k < m->nsets; k++)
			grid_set(labels, k, 1, rs_xstrdup(m->sets[k]->label));
		rule = grid_add(&g);
		for (size_t k = 0; k < m->nsets; k++) {
			size_t len = disp_len(m->sets[k]->label);
			char *eq = rs_xcalloc(len + 1, 1);

			memset(eq, '=', len);
			grid_set(rule, k, 1, eq);
		}
		for (size_t j = 0; j < ent->nrows; j++) {
			struct grid_row *gr = grid_add(&g);

			for (size_t k = 0; k < m->nsets; k++)
				grid_set(gr, k, 1, kernbench_line(&ent->rows[j], &ent->rows[j].cell[k]));
		}
	}
	grid_print(f, &g, "");
	grid_free(&g);
	free(gap);
	free(align);
	free(order);
	/* Notes after the blocks, so that each block keeps kernbench's form. */
	if (has_notes(m))
		fprintf(f, "\n");
	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nnotes; j++)
			fprintf(f, "note: %s: %s\n", m->entries[i].label, m->entries[i].notes[j]);
}

/* ---- compare: markdown ------------------------------------------------------ */

static void md_compare_head(FILE *f, const struct rp_model *m)
{
	fprintf(f, "| metric | unit |");
	for (size_t k = 0; k < m->nsets; k++) {
		fprintf(f, " ");
		md_escape(f, m->sets[k]->label);
		fprintf(f, "%s |", k ? "" : " (baseline)");
		if (!k)
			continue;
		fprintf(f, " change %s | verdict %s |", m->sets[k]->label, m->sets[k]->label);
		if (m->opt.verbose)
			fprintf(f, " 95%% CI %s | p Welch | p MWU | p adj |", m->sets[k]->label);
	}
	fprintf(f, "\n| --- | --- |");
	for (size_t k = 0; k < m->nsets; k++)
		fprintf(f, " ---: |%s%s", k ? " ---: | --- |" : "",
			k && m->opt.verbose ? " ---: | ---: | ---: | ---: |" : "");
	fprintf(f, "\n");
}

/* The counted paths, the evidence in the cell after them. */
static void md_paths_row(FILE *f, const struct rp_model *m, const struct rp_entry *ent)
{
	if (!any_paths(m, ent))
		return;
	fprintf(f, "| path: free / flush | counted |");
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rs_entry *e = ent->in[k];
		char *p = entry_paths(e);

		fprintf(f, " ");
		md_escape(f, p ? p : "?");
		if (e && e->path_counts) {
			fprintf(f, " (");
			md_escape(f, e->path_counts);
			fprintf(f, ")");
		}
		fprintf(f, " |%s%s", k ? " | |" : "", k && m->opt.verbose ? " | | | |" : "");
		free(p);
	}
	fprintf(f, "\n");
}

static void md_compare_row(FILE *f, const struct rp_model *m, const struct rp_row *r)
{
	char buf[64], p[3][32];

	fprintf(f, "| ");
	md_escape(f, r->name);
	fprintf(f, " | ");
	md_escape(f, r->unit);
	fprintf(f, " |");
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rp_test *t = &r->test[k];
		char *ms = mean_sd(&r->cell[k], 6, 5), *ci, *v;

		fprintf(f, " %s |", ms);
		free(ms);
		if (!k)
			continue;
		fprintf(f, " %s | ", rp_fmt_pct(buf, sizeof(buf), t->change_pct));
		v = rp_verdict_text(m, r, k, false);
		md_escape(f, v);
		free(v);
		fprintf(f, " |");
		if (!m->opt.verbose)
			continue;
		ci = rp_fmt_ci_pct(t, r->cell[0].s.mean);
		fprintf(f, " %s | %s | %s | %s |", ci, fmt_p(p[0], 32, t->welch_p),
			fmt_p(p[1], 32, t->mwu_p), fmt_p(p[2], 32, t->adj_p));
		free(ci);
	}
	fprintf(f, "\n");
}

static void compare_markdown(FILE *f, const struct rp_model *m)
{
	char *rule, *md, *head, **lines;
	size_t n;

	fprintf(f, "## ptstat compare:");
	for (size_t k = 0; k < m->nsets; k++) {
		fprintf(f, "%s", k ? " vs " : " ");
		md_escape(f, m->sets[k]->label);
	}
	fprintf(f, "\n");
	md_sets(f, m);
	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];

		md_heading(f, m, ent);
		md_compare_head(f, m);
		md_paths_row(f, m, ent);
		for (size_t j = 0; j < ent->nrows; j++)
			md_compare_row(f, m, &ent->rows[j]);
		md_notes(f, ent);
	}
	rule = rule_text(m);
	md = mde_text(m);
	fprintf(f, "\n");
	md_escape(f, rule);
	fprintf(f, "\n\n");
	md_escape(f, md);
	fprintf(f, "\n");
	lines = short_list(m, &n, &head);
	if (head) {
		fprintf(f, "\n");
		md_escape(f, head);
		fprintf(f, "\n\n");
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "- ");
		md_escape(f, lines[i] + 2);
		fprintf(f, "\n");
	}
	free_lines(lines, n);
	free(head);
	free(rule);
	free(md);
}

/* ---- compare: CSV ----------------------------------------------------------- */

static void csv_compare_row(FILE *f, const struct rp_model *m, const struct rp_entry *ent,
			    const struct rp_row *r, size_t k)
{
	const struct rp_test *t = &r->test[k];
	char buf[64];

	csv_set(f, m->sets[k]);
	csv_field(f, k ? m->sets[0]->label : "", false);
	csv_entry_metric(f, ent, r);
	csv_summary(f, &r->cell[k], false);
	csv_num(f, t->change_pct, false);
	csv_num(f, t->ci_lo, false);
	csv_num(f, t->ci_hi, false);
	csv_num(f, t->welch_p, false);
	csv_num(f, t->mwu_p, false);
	csv_num(f, t->adj_p, false);
	if (!r->cell[k].m) {
		snprintf(buf, sizeof(buf), "missing in %s", m->sets[k]->label);
		csv_field(f, buf, false);
	} else {
		csv_field(f, verdict_str(m, t, false, buf, sizeof(buf)), false);
	}
	fprintf(f, "%g,%g,", m->opt.alpha, m->opt.min_change);
	csv_field(f, rp_correction_name(m->opt.correction), false);
	csv_num(f, t->mde_pct, false);
	if (t->mde_reps)
		fprintf(f, "%zu", t->mde_reps);
	fputc('\n', f);
}

static void compare_csv(FILE *f, const struct rp_model *m)
{
	csv_comments(f, m);
	fprintf(f, "set,kernel,tlb_flush,table_free,baseline,entry,bench,description,metric,"
		"unit,better,n,mean,sd,cv_pct,min,max,change_pct,ci_lo,ci_hi,welch_p,mwu_p,"
		"adj_p,verdict,alpha,min_change_pct,correction,mde_pct,reps_for_min_change\n");
	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++)
			for (size_t k = 0; k < m->nsets; k++)
				csv_compare_row(f, m, &m->entries[i], &m->entries[i].rows[j], k);
}

/* ---- compare: JSON ---------------------------------------------------------- */

static json_t *json_comparison(const struct rp_model *m, const struct rp_row *r, size_t k)
{
	const struct rp_test *t = &r->test[k];
	json_t *o = json_object();
	char buf[64];

	json_object_set_new(o, "set", json_string(m->sets[k]->label));
	json_object_set_new(o, "change_pct", jnum(t->change_pct));
	json_object_set_new(o, "ci_lo", jnum(t->ci_lo));
	json_object_set_new(o, "ci_hi", jnum(t->ci_hi));
	json_object_set_new(o, "welch_p", jnum(t->welch_p));
	json_object_set_new(o, "mwu_p", jnum(t->mwu_p));
	json_object_set_new(o, "adj_p", jnum(t->adj_p));
	json_object_set_new(o, "verdict",
			    json_string(verdict_str(m, t, false, buf, sizeof(buf))));
	json_object_set_new(o, "mde_pct", jnum(t->mde_pct));
	json_object_set_new(o, "reps_for_min_change",
			    t->mde_short && t->mde_reps ? json_integer((json_int_t)t->mde_reps)
							: json_null());
	return o;
}

static json_t *json_compare_metric(const struct rp_model *m, const struct rp_row *r)
{
	json_t *o = json_metric_head(r), *per = json_array(), *cmp = json_array();

	for (size_t k = 0; k < m->nsets; k++) {
		json_array_append_new(per, json_summary(m, &r->cell[k], k));
		if (k)
			json_array_append_new(cmp, json_comparison(m, r, k));
	}
	json_object_set_new(o, "per_set", per);
	json_object_set_new(o, "comparisons", cmp);
	return o;
}

static json_t *json_presence(const struct rp_model *m, const struct rp_entry *ent,
			     bool present)
{
	json_t *a = json_array();

	for (size_t k = 0; k < m->nsets; k++)
		if (!ent->in[k] == !present)
			json_array_append_new(a, json_string(m->sets[k]->label));
	return a;
}

/*
 * ptstat compare --format json (documented in ptstat compare --help too):
 * {"schema": "ptstat-compare/1", "alpha": 0.05, "min_change_pct": 2,
 *  "correction": "bh" | "holm", "n_tests": N (p-values in the correction),
 *  "baseline": label,
 *  "sets": [{label, dir, kernel, tlb_flush, table_free, observed_free,
 *            observed_flush}],  (baseline first; observed_*: from the counts)
 *  "entries": [{label, bench, description, present_in: [label],
 *     missing_in: [label], notes: [string],
 *     paths: [{set, free, flush, counts}]  (the paths each set's result counted),
 *     metrics: [{name, unit, better,
 *        per_set: [{set, n, mean, sd, cv_pct, min, max}]  (one per set, n 0 if absent),
 *        comparisons: [{set, change_pct, ci_lo, ci_hi, welch_p, mwu_p, adj_p,
 *                       verdict}]  (one per non-baseline set)}]}]}
 * ci_lo and ci_hi bound mean(set) - mean(baseline) in the metric's unit;
 * a figure that does not exist is null.  verdict: "better", "worse",
 * "no significant change", "info: not judged", "n=1: no verdict",
 * "unit or direction differ: not compared", "missing in LABEL".
 */
static int compare_json(FILE *f, const struct rp_model *m)
{
	json_t *root = json_object(), *sets = json_array(), *entries = json_array();

	json_object_set_new(root, "schema", json_string("ptstat-compare/1"));
	json_object_set_new(root, "alpha", json_real(m->opt.alpha));
	json_object_set_new(root, "min_change_pct", json_real(m->opt.min_change));
	json_object_set_new(root, "correction",
			    json_string(m->opt.correction == RP_HOLM ? "holm" : "bh"));
	json_object_set_new(root, "n_tests", json_integer((json_int_t)m->ntests));
	json_object_set_new(root, "mde_alpha", json_real(m->mde_alpha));
	json_object_set_new(root, "mde_power", json_real(RP_MDE_POWER));
	json_object_set_new(root, "baseline", json_string(m->sets[0]->label));
	json_set_level(root, m);
	for (size_t k = 0; k < m->nsets; k++)
		json_array_append_new(sets, json_set_obj(m->sets[k]));
	json_object_set_new(root, "sets", sets);
	for (size_t i = 0; i < m->nentries; i++) {
		const struct rp_entry *ent = &m->entries[i];
		json_t *e = json_pack("{s:s, s:s, s:s}", "label", ent->label, "bench", ent->bench,
				      "description", ent->desc);
		json_t *metrics = json_array();

		json_object_set_new(e, "present_in", json_presence(m, ent, true));
		json_object_set_new(e, "missing_in", json_presence(m, ent, false));
		json_object_set_new(e, "notes", json_notes(ent));
		json_object_set_new(e, "paths", json_entry_paths(m, ent));
		for (size_t j = 0; j < ent->nrows; j++)
			json_array_append_new(metrics, json_compare_metric(m, &ent->rows[j]));
		json_object_set_new(e, "metrics", metrics);
		json_array_append_new(entries, e);
	}
	json_object_set_new(root, "entries", entries);
	return json_print(f, root);
}

int rp_compare(FILE *f, const struct rp_model *m)
{
	switch (m->opt.format) {
	case RP_TEXT:
		compare_text(f, m);
		break;
	case RP_MARKDOWN:
		compare_markdown(f, m);
		break;
	case RP_CSV:
		compare_csv(f, m);
		break;
	case RP_JSON:
		if (compare_json(f, m))
			return -1;
		break;
	case RP_KERNBENCH:
		compare_kernbench(f, m);
		break;
	}
	return ferror(f) ? -1 : 0;
}
