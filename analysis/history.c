// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat history: result sets of one suite over time (nightly runs, say),
 * one time series per entry and metric, and the change points in it.
 *
 * The statistics are those of ptstat compare (report.c): Welch's t-test,
 * the p-values adjusted over every test with Benjamini-Hochberg or Holm,
 * a change only when the adjusted p is below alpha and the means differ
 * by --min-change.  What a run is compared with differs: the pooled
 * repetitions of up to --window runs before it, since the last change
 * point (or one --baseline set).  A change point restarts the window, so
 * which runs a test pools depends on the change points found, and which
 * are found depends on the tests: the tests are repeated, each round with
 * the windows restarted at the change points the round before found,
 * until a round finds the ones it started from.  A change point whose next
 * run is back at the level before it is a one-run spike: flagged, left out
 * of the later windows, and no restart.
 *
 * The directory is written as ptstat report writes its own (reportdir.c):
 * in a hidden sibling, renamed into place once whole.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/result.h"
#include "../common/wrap.h"
#include "export.h"
#include "html.h"
#include "plot.h"
#include "report.h"
#include "reportdir.h"
#include "write.h"

#define PROG			"ptstat history"
#define HI_SCHEMA		"ptbench-history/1"
#define HI_WINDOW		5	/* --window's default */
#define HI_WINDOW_MAX		100000
#define HI_MAX_ROUNDS		50	/* of the change-point search */
#define HI_MAX_PLOTS		60	/* series drawn; change points first */

static void history_help(FILE *f)
{
	fputs("Usage: ptstat history OUTDIR SET SET... [options]\n"
"\n"
"The history of one suite over time: result sets of the same suite run again\n"
"and again (nightly, or once per patch of a series), one time series per entry\n"
"(matched by label) and metric, and the change points in them.\n"
"\n"
"The sets are put in the order of their start time (meta.json's \"started\",\n"
"else the earliest result's; ISO 8601 UTC), sets that started at the same\n"
"time in command-line order. When a set's start time is missing or not one,\n"
"every set keeps its command-line order and a note says so.\n"
"\n"
"For each run (set), entry and metric: the mean, the standard deviation, n and\n"
"the 95% confidence interval of the mean. Each run is compared with a WINDOW\n"
"of the runs before it: the pooled repetitions of up to N runs (--window,\n"
"default 5) before it, going back no further than the last change point.\n"
"A CHANGE POINT is a run that differs from its window as ptstat compare\n"
"judges a change: Welch's t-test p-value, adjusted with Benjamini-Hochberg\n"
"(or Holm) over every test of the history (every run after the first of every\n"
"higher- or lower-is-better metric), is below alpha AND the means differ by at\n"
"least --min-change percent of the window's mean; better or worse by the\n"
"metric's direction. After a change point the window restarts AT that run: the\n"
"next run is compared with it alone, the one after with it and the next, and\n"
"so on. So a step that persists is flagged once, at the run where it happened,\n"
"not again in the runs after it. A run that is off once and then back (the\n"
"next run's mean nearer the window's than this run's) is a ONE-RUN SPIKE: it\n"
"is flagged, said to be one, and left out of the later windows, and the\n"
"window does not restart at it; so the run after it, back at the old level,\n"
"is no change. The last run cannot tell yet: it counts as a step. Since the windows depend on the change\n"
"points and the change points on the tests, the tests are repeated: first\n"
"with no change point, then with the windows restarted at the change points\n"
"the previous round found, until a round finds the ones it started from (at\n"
"most 50 rounds; a note says when they did not settle). Beside \"no change\",\n"
"the smallest change the test would have found (power 0.8, at the per-test\n"
"level alpha/m, m the tests), as ptstat compare gives it: \"would detect >= X%\"\n"
"(\"too few reps\" when X is above --min-change).\n"
"\n"
"With --baseline LABEL every run after that set is compared with it alone (the\n"
"branch point), without windows; runs before it are shown, not compared.\n"
"info metrics (counts) are shown, with their change against the window, and\n"
"never judged.\n"
"\n"
"OUTDIR gets:\n"
"  history.txt    the change points first, then a table per entry and metric:\n"
"                 run, start time, kernel, mean \xc2\xb1 sd, n, the change against\n"
"                 what it was compared with (and which runs), the verdict\n"
"  history.json   the same as data a dashboard can poll, schema\n"
"                 ptbench-history/1: sets (label, started, kernel...), the\n"
"                 change points, series per entry and metric with their points\n"
"                 (mean, sd, n, CI, against, change, p-values, verdict,\n"
"                 change_point) and the options used\n"
"  plots/         one time-series plot per higher- or lower-is-better metric\n"
"                 (at most 60, those with a change point first): the mean of\n"
"                 each run with its 95% confidence interval, the change points\n"
"                 marked, the mean between change points dashed; PNG, SVG, the\n"
"                 gnuplot script and its data\n"
"  index.html     all of it on one page in ptstat report's style: the change\n"
"                 points first, the sets, then per metric its plot and table\n"
"The directory is built in a hidden directory beside it (.OUTDIR.XXXXXX) and\n"
"renamed into place once complete: an existing OUTDIR is replaced only by a\n"
"whole new one, and a failure, SIGINT, SIGTERM or SIGHUP leaves it as it was.\n"
"history.txt (or history.json with --format json) is also printed on standard\n"
"output.\n"
"\n"
"Options:\n"
"  --window N          runs pooled into a window, at most (default 5; >= 1)\n"
"  --baseline LABEL    compare every later run with this set instead\n"
"  --alpha P           significance level (default 0.05), as ptstat compare\n"
"  --min-change PCT    smallest change that counts (default 2)\n"
"  --correction bh|holm\n"
"                      multiple-comparison correction (default bh)\n"
"  --format text|json  what to print on standard output (default text)\n"
"  --title TEXT        the title of index.html\n"
"  -j, --jobs N        gnuplot processes at once (default: one per CPU)\n"
"  --allow-mixed       take sets run under QEMU TCG (emulated) with sets that\n"
"                      were not; refused otherwise\n"
"  -h, --help          this help\n"
"\n"
"Exit status: 0 written; 1 written but a result file was left out, or it\n"
"could not be written or rendered (OUTDIR is then as it was); 2 bad usage or\n"
"input (an unknown option, fewer than two sets, a set that does not load,\n"
"--window not a whole number of at least 1, an unknown --baseline, OUTDIR not\n"
"writable, TCG sets mixed with others), nothing written.\n", f);
}

/* ---- the model ------------------------------------------------------------- */

struct hi_options {
	struct rp_options ro;
	unsigned long window;
	const char *baseline;
	const char *title;
	long jobs;
	bool json;
};

enum hv {
	HV_FIRST,	/* no earlier run with the metric: nothing to compare with */
	HV_BEFORE,	/* before --baseline: not compared */
	HV_BASELINE,
	HV_SAME,
	HV_BETTER,
	HV_WORSE,
	HV_INFO,
	HV_N1,		/* one sample on a side: no test */
	HV_MISSING,	/* not in this run, or (with --baseline) not in the baseline */
	HV_MISMATCH,	/* unit or direction differ from the series' */
};

/* One run of a series: what it was compared with, and the verdict. */
struct hi_point {
	enum hv v;
	size_t from, to;	/* the runs compared with: those in [from, to] with the metric */
	size_t nwin;		/* how many runs that is; 0: none */
	struct pt_summary w;	/* their pooled repetitions */
	double lo, hi;		/* the 95% confidence interval of this run's mean */
	double change_pct;	/* against the pooled mean */
	double ci_lo, ci_hi;	/* the 95% CI of the difference (Welch), in units */
	double welch_p, adj_p, mde_pct;
	bool degenerate, mde_short;
};

struct hi_series {
	const struct rp_entry *ent;
	const struct rp_row *row;
	struct hi_point *pt;	/* [nsets] */
	bool *cp;		/* [nsets]: where the windows restart */
	/*
	 * [nsets]: a change point whose next run is back at the level before
	 * it: flagged, left out of the windows, and no restart.
	 */
	bool *spike;
	size_t ncp;
	char *plot;		/* base name in plots/; NULL: not drawn */
	char *id;		/* its anchor in index.html */
};

struct history {
	struct rp_model *m;
	const struct hi_options *o;
	long base;		/* --baseline's position, -1: windows */
	struct hi_series *s;
	size_t ns;
	size_t ntests;
	double mde_alpha;
	unsigned rounds;
	bool settled;
	bool by_time;		/* ordered by start time (else command-line order) */
	char **notes;
	size_t nnotes;
	size_t ncp;
	char **plots;		/* base names, for pl_render() */
	size_t nplots, unplotted;
	char *title;
	char date[32];
};

static void add_note(struct history *h, char *note)
{
	h->notes = rs_xrealloc(h->notes, h->nnotes + 1, sizeof(*h->notes));
	h->notes[h->nnotes++] = note;
}

static bool is_change(enum hv v)
{
	return v == HV_BETTER || v == HV_WORSE;
}

/* The run has the metric, with the series' unit and direction. */
static bool usable(const struct rp_row *r, size_t k)
{
	const struct rs_metric *m = r->cell[k].m;

	return m && !strcmp(m->unit, r->unit) && m->better == r->better;
}

static double change_pct(double base, double x)
{
	if (base == 0)
		return x == 0 ? 0 : NAN;
	return (x - base) / fabs(base) * 100;
}

static void clear_point(struct hi_point *p, enum hv v)
{
	*p = (struct hi_point){ .v = v, .change_pct = NAN, .ci_lo = NAN, .ci_hi = NAN,
				.welch_p = NAN, .adj_p = NAN, .mde_pct = NAN,
				.w = { .mean = NAN, .sd = NAN, .cv = NAN } };
}

/* In a window: usable, and not a one-run spike (skip may be NULL). */
static bool pooled(const struct rp_row *r, const bool *skip, size_t j)
{
	return usable(r, j) && !(skip && skip[j]);
}

/*
 * Run k of r against the pooled repetitions of the runs in [from, to] that
 * are usable and not spikes (skip).
 */
static void test_point(const struct rp_row *r, const bool *skip, size_t k, size_t from,
		       size_t to, struct hi_point *p)
{
	const struct rp_cell *c = &r->cell[k];
	size_t n = 0, nwin = 0;
	struct pt_welch w;
	double *x;
	int rc;

	for (size_t j = from; j <= to; j++)
		if (pooled(r, skip, j))
			n += r->cell[j].s.n;
	x = rs_xcalloc(n ? n : 1, sizeof(*x));
	n = 0;
	for (size_t j = from; j <= to; j++)
		if (pooled(r, skip, j)) {
			memcpy(x + n, r->cell[j].m->samples, r->cell[j].s.n * sizeof(*x));
			n += r->cell[j].s.n;
			nwin++;
		}
	p->from = from;
	p->to = to;
	p->nwin = nwin;
	/* Loading checked the samples: this cannot fail. */
	pt_summarize(x, n, &p->w);
	p->change_pct = change_pct(p->w.mean, c->s.mean);
	if (r->better == RS_INFO) {
		p->v = HV_INFO;
	} else if (n < 2 || c->s.n < 2) {
		p->v = HV_N1;
	} else {
		rc = pt_welch(x, n, c->m->samples, c->s.n, 0.95, &w);
		if (rc >= 0) {
			p->welch_p = w.p;
			p->ci_lo = w.ci_lo;
			p->ci_hi = w.ci_hi;
			p->degenerate = rc == 1;
		}
		p->v = HV_SAME;
	}
	free(x);
}

/* The run's own figures and its place in the series, before any test. */
static bool start_point(const struct rp_row *r, size_t k, struct hi_point *p)
{
	clear_point(p, HV_MISSING);
	if (!r->cell[k].m)
		return false;
	if (!usable(r, k)) {
		p->v = HV_MISMATCH;
		return false;
	}
	pl_mean_ci(&r->cell[k], &p->lo, &p->hi);
	return true;
}

static void compute_baseline(const struct history *h, struct hi_series *s)
{
	size_t b = (size_t)h->base;

	for (size_t k = 0; k < h->m->nsets; k++) {
		struct hi_point *p = &s->pt[k];

		if (!start_point(s->row, k, p))
			continue;
		if (k < b)
			p->v = HV_BEFORE;
		else if (k == b)
			p->v = HV_BASELINE;
		else if (!usable(s->row, b))
			p->v = HV_MISSING;
		else
			test_point(s->row, NULL, k, b, b, p);
	}
}

/*
 * Up to --window usable runs before k, none before the last change point
 * before k (the window starts at it), one-run spikes left out.
 */
static void compute_window(const struct history *h, struct hi_series *s)
{
	for (size_t k = 0; k < h->m->nsets; k++) {
		struct hi_point *p = &s->pt[k];
		size_t start = 0, from = k, taken = 0;

		if (!start_point(s->row, k, p))
			continue;
		for (size_t j = k; j-- > 0;)
			if (s->cp[j]) {
				start = j;
				break;
			}
		for (size_t j = k; j-- > start && taken < h->o->window;)
			if (pooled(s->row, s->spike, j)) {
				from = j;
				taken++;
			}
		if (!taken) {
			p->v = HV_FIRST;
			continue;
		}
		/* The last run in it before k ends the window. */
		{
			size_t to = k - 1;

			while (!pooled(s->row, s->spike, to))
				to--;
			test_point(s->row, s->spike, k, from, to, p);
		}
	}
}

/* One family, as report.c's: every test of the history. */
static void adjust(struct history *h)
{
	double **p = NULL, **adj = NULL;
	size_t n = 0;

	for (size_t i = 0; i < h->ns; i++)
		for (size_t k = 0; k < h->m->nsets; k++) {
			struct hi_point *pt = &h->s[i].pt[k];

			if (pt->v != HV_SAME || isnan(pt->welch_p))
				continue;
			p = rs_xrealloc(p, n + 1, sizeof(*p));
			adj = rs_xrealloc(adj, n + 1, sizeof(*adj));
			p[n] = &pt->welch_p;
			adj[n++] = &pt->adj_p;
		}
	rp_adjust(p, adj, n, h->o->ro.correction);
	h->ntests = n;
	free(p);
	free(adj);
}

/* report.c's rule: adjusted p below alpha and at least --min-change. */
static void judge(const struct history *h, const struct hi_series *s, size_t k)
{
	struct hi_point *p = &s->pt[k];
	double diff = s->row->cell[k].s.mean - p->w.mean;
	bool large = isnan(p->change_pct) ? diff != 0 :
		     fabs(p->change_pct) >= h->o->ro.min_change;

	if (p->v != HV_SAME || !(p->adj_p < h->o->ro.alpha) || !large)
		return;
	p->v = (diff > 0) == (s->row->better == RS_HIGHER) ? HV_BETTER : HV_WORSE;
}

/* The smallest change the test could have found, as report.c's mde(). */
static void mde(const struct history *h, const struct hi_series *s, size_t k)
{
	struct hi_point *p = &s->pt[k];
	const struct pt_summary *b = &s->row->cell[k].s;
	double d;

	if ((p->v != HV_SAME && !is_change(p->v)) || isnan(p->welch_p) || p->w.mean == 0)
		return;
	d = pt_welch_mde(p->w.sd, p->w.n, b->sd, b->n, h->mde_alpha, RP_MDE_POWER);
	p->mde_pct = d / fabs(p->w.mean) * 100;
	p->mde_short = p->v == HV_SAME && h->o->ro.min_change > 0 &&
		       p->mde_pct > h->o->ro.min_change;
}

/* One round: windows from the change points in cp, the tests, the verdicts. */
static void one_round(struct history *h)
{
	for (size_t i = 0; i < h->ns; i++) {
		if (h->base >= 0)
			compute_baseline(h, &h->s[i]);
		else
			compute_window(h, &h->s[i]);
	}
	adjust(h);
	for (size_t i = 0; i < h->ns; i++)
		for (size_t k = 0; k < h->m->nsets; k++)
			judge(h, &h->s[i], k);
}

/*
 * Is change point k of s a one-run spike?  Yes when the next run with the
 * metric is back: its mean nearer the window k was compared with than k's
 * own.  The last run cannot tell yet: a step until a next run says.
 */
static bool is_spike(const struct history *h, const struct hi_series *s, size_t k)
{
	const struct rp_row *r = s->row;
	size_t n = k + 1;

	while (n < h->m->nsets && !usable(r, n))
		n++;
	if (n >= h->m->nsets || !s->pt[k].nwin)
		return false;
	return fabs(r->cell[n].s.mean - s->pt[k].w.mean) <
	       fabs(r->cell[n].s.mean - r->cell[k].s.mean);
}

/* cp and spike from the verdicts of the round; true when that changed them. */
static bool take_change_points(struct history *h)
{
	bool changed = false;

	for (size_t i = 0; i < h->ns; i++)
		for (size_t k = 0; k < h->m->nsets; k++) {
			struct hi_series *s = &h->s[i];
			bool c = is_change(s->pt[k].v);
			bool sp = c && h->base < 0 && is_spike(h, s, k);

			changed |= (c && !sp) != s->cp[k] || sp != s->spike[k];
			s->cp[k] = c && !sp;
			s->spike[k] = sp;
		}
	return changed;
}

static void find_change_points(struct history *h)
{
	for (h->rounds = 1; ; h->rounds++) {
		one_round(h);
		if (h->base >= 0) {
			take_change_points(h);
			h->settled = true;
			break;
		}
		/*
		 * The last round keeps the windows it ran with, so that what is
		 * shown is what was tested.
		 */
		if (h->rounds == HI_MAX_ROUNDS)
			break;
		if (!take_change_points(h)) {
			h->settled = true;
			break;
		}
	}
	h->mde_alpha = h->o->ro.alpha / (h->ntests ? (double)h->ntests : 1);
	for (size_t i = 0; i < h->ns; i++) {
		h->s[i].ncp = 0;
		for (size_t k = 0; k < h->m->nsets; k++) {
			mde(h, &h->s[i], k);
			h->s[i].ncp += is_change(h->s[i].pt[k].v);
		}
		h->ncp += h->s[i].ncp;
	}
	if (!h->settled)
		add_note(h, rs_xasprintf("NOTE: the change points did not settle in %d "
					 "rounds (each round restarts the windows at the "
					 "change points of the round before): the verdicts "
					 "shown are those of the last round, with the windows "
					 "it ran with.", HI_MAX_ROUNDS));
}

/* "e3-mmap-churn": an anchor from anything, unique by its number. */
static char *anchor(const char *prefix, size_t i, const char *a, const char *b)
{
	char *id = b ? rs_xasprintf("%s%zu-%s-%s", prefix, i, a, b) :
		   rs_xasprintf("%s%zu-%s", prefix, i, a);

	for (char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			*c = '_';
	if (strlen(id) > 100)
		id[100] = 0;
	return id;
}

static size_t entry_index(const struct history *h, const struct rp_entry *ent)
{
	return (size_t)(ent - h->m->entries);
}

/* Which series get a plot: judged ones, those with a change point first. */
static void choose_plots(struct history *h)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < h->ns; i++) {
			struct hi_series *s = &h->s[i];
			size_t have = 0;

			if (s->row->better == RS_INFO || (pass == 0) != (s->ncp > 0))
				continue;
			for (size_t k = 0; k < h->m->nsets; k++)
				have += usable(s->row, k);
			if (!have)
				continue;
			if (h->nplots == HI_MAX_PLOTS) {
				h->unplotted++;
				continue;
			}
			s->plot = anchor("history-", h->nplots, s->ent->label, s->row->name);
			h->plots = rs_xrealloc(h->plots, h->nplots + 1, sizeof(*h->plots));
			h->plots[h->nplots++] = s->plot;
		}
	if (h->unplotted)
		add_note(h, rs_xasprintf("NOTE: %zu judged metric%s not plotted: at most %d "
					 "plots are drawn, those with a change point first; "
					 "their tables are complete.", h->unplotted,
					 h->unplotted == 1 ? " is" : "s are", HI_MAX_PLOTS));
}

static struct history *build(struct rs_set *const *sets, size_t nsets,
			     const struct hi_options *o, long base, const char *unordered)
{
	struct history *h = rs_xcalloc(1, sizeof(*h));

	h->o = o;
	h->base = base;
	h->by_time = !unordered;
	if (unordered)
		add_note(h, rs_xasprintf("NOTE: no start time for %s: the sets are in "
					 "command-line order, not in the order they ran.",
					 unordered));
	h->m = rp_build(sets, nsets, &o->ro);
	for (size_t i = 0; i < h->m->nentries; i++)
		for (size_t j = 0; j < h->m->entries[i].nrows; j++) {
			struct hi_series *s;

			h->s = rs_xrealloc(h->s, h->ns + 1, sizeof(*h->s));
			s = &h->s[h->ns];
			*s = (struct hi_series){ .ent = &h->m->entries[i],
						 .row = &h->m->entries[i].rows[j] };
			s->pt = rs_xcalloc(nsets, sizeof(*s->pt));
			s->cp = rs_xcalloc(nsets, sizeof(*s->cp));
			s->spike = rs_xcalloc(nsets, sizeof(*s->spike));
			s->id = anchor("m", h->ns, s->ent->label, s->row->name);
			h->ns++;
		}
	find_change_points(h);
	choose_plots(h);
	pt_now_iso(h->date, sizeof(h->date));
	h->title = o->title ? rs_xstrdup(o->title) :
		   rs_xasprintf("ptbench history: %s to %s", sets[0]->label,
				sets[nsets - 1]->label);
	return h;
}

static void history_free(struct history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ns; i++) {
		free(h->s[i].pt);
		free(h->s[i].cp);
		free(h->s[i].spike);
		free(h->s[i].plot);
		free(h->s[i].id);
	}
	free(h->s);
	for (size_t i = 0; i < h->nnotes; i++)
		free(h->notes[i]);
	free(h->notes);
	free(h->plots);
	free(h->title);
	rp_free(h->m);
	free(h);
}

/* ---- words ------------------------------------------------------------------- */

static const char *set_label(const struct history *h, size_t k)
{
	return h->m->sets[k]->label;
}

static const char *better_words(enum rs_better b)
{
	return b == RS_HIGHER ? "higher is better" : b == RS_LOWER ? "lower is better" :
	       "info, not judged";
}

/* The verdict as history.json names it. */
static const char *verdict_key(enum hv v)
{
	static const char *const k[] = {
		[HV_FIRST] = "first", [HV_BEFORE] = "before baseline",
		[HV_BASELINE] = "baseline", [HV_SAME] = "no change", [HV_BETTER] = "better",
		[HV_WORSE] = "worse", [HV_INFO] = "info", [HV_N1] = "n=1",
		[HV_MISSING] = "missing", [HV_MISMATCH] = "mismatch",
	};

	return k[v];
}

/* index.html's verdict classes (html.c's). */
static const char *verdict_class(enum hv v)
{
	switch (v) {
	case HV_BETTER:
		return "better";
	case HV_WORSE:
		return "worse";
	case HV_SAME:
		return "same";
	case HV_INFO:
		return "info";
	case HV_BASELINE:
	case HV_BEFORE:
	case HV_FIRST:
		return "baseline";
	case HV_N1:
		return "n1";
	case HV_MISSING:
		return "missing";
	case HV_MISMATCH:
		break;
	}
	return "mismatch";
}

/* "no change (would detect ≥ 7.4%)", "WORSE: change point", ... Caller frees. */
static char *verdict_text(const struct history *h, const struct hi_series *s, size_t k)
{
	const struct hi_point *p = &s->pt[k];
	const char *what = h->base >= 0 ? "against the baseline" :
			   s->spike[k] ? "one-run spike (the next run is back)" : "change point";
	char d[48];

	switch (p->v) {
	case HV_BETTER:
		return rs_xasprintf("BETTER: %s", what);
	case HV_WORSE:
		return rs_xasprintf("WORSE: %s", what);
	case HV_SAME:
		if (isnan(p->mde_pct))
			return rs_xstrdup("no change");
		rp_fmt_sig(d, sizeof(d), p->mde_pct, 2);
		if (!p->mde_short)
			return rs_xasprintf("no change (would detect \u2265 %s%%)", d);
		return rs_xasprintf("no change (would detect \u2265 %s%%; too few reps to "
				    "see %g%%)", d, h->o->ro.min_change);
	case HV_FIRST:
		return rs_xstrdup("first: nothing before it");
	case HV_BEFORE:
		return rs_xstrdup("before the baseline");
	case HV_BASELINE:
		return rs_xstrdup("baseline");
	case HV_INFO:
		return rs_xstrdup("info");
	case HV_N1:
		return rs_xstrdup("n=1: no test");
	case HV_MISSING:
		return rs_xstrdup(s->row->cell[k].m ? "missing in the baseline" : "missing");
	case HV_MISMATCH:
		break;
	}
	return rs_xstrdup("unit or direction differ: not compared");
}

/* "n1..n3", "n4", "-": the runs a point was compared with. */
static char *against_text(const struct history *h, const struct hi_point *p)
{
	if (!p->nwin)
		return rs_xstrdup("-");
	if (p->from == p->to)
		return rs_xstrdup(set_label(h, p->from));
	return rs_xasprintf("%s..%s (%zu)", set_label(h, p->from), set_label(h, p->to),
			    p->nwin);
}


static const char *started(const struct rs_set *s)
{
	return s->started ? s->started : "-";
}

/* The rule in one paragraph, for history.txt and index.html. */
static char *rule_text(const struct history *h)
{
	char *against = h->base >= 0 ?
		rs_xasprintf("Each run after %s is compared with %s alone (--baseline).",
			     set_label(h, (size_t)h->base), set_label(h, (size_t)h->base)) :
		rs_xasprintf("Each run is compared with its window: the pooled repetitions "
			     "of up to %lu run%s before it, since the last change point (the "
			     "window restarts at a change point).", h->o->window,
			     h->o->window == 1 ? "" : "s");
	char *t = rs_xasprintf("%s A %s when Welch's t-test p-value, adjusted with %s over "
			       "the %zu test%s of higher- or lower-is-better metrics, is below "
			       "alpha = %g AND the means differ by at least %g%%; better or "
			       "worse by the metric's direction. info metrics are not judged.",
			       against, h->base >= 0 ? "run differs from the baseline" :
			       "run is a change point", rp_correction_name(h->o->ro.correction),
			       h->ntests, h->ntests == 1 ? "" : "s", h->o->ro.alpha,
			       h->o->ro.min_change);

	free(against);
	return t;
}

/* ---- history.txt --------------------------------------------------------------- */

/* Columns of text: the widths in characters, not bytes (± and ≥ are two or three). */
struct grid {
	char **cell;		/* [nrows * ncols] */
	size_t ncols, nrows;
	const char *align;	/* 'l' or 'r' per column */
};

static void grid_row(struct grid *g, ...)
{
	va_list ap;

	g->cell = rs_xrealloc(g->cell, (g->nrows + 1) * g->ncols, sizeof(*g->cell));
	va_start(ap, g);
	for (size_t c = 0; c < g->ncols; c++)
		g->cell[g->nrows * g->ncols + c] = va_arg(ap, char *);
	va_end(ap);
	g->nrows++;
}

static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void grid_print(FILE *f, struct grid *g, const char *indent)
{
	size_t *w = rs_xcalloc(g->ncols, sizeof(*w));

	for (size_t r = 0; r < g->nrows; r++)
		for (size_t c = 0; c < g->ncols; c++)
			if (width(g->cell[r * g->ncols + c]) > w[c])
				w[c] = width(g->cell[r * g->ncols + c]);
	for (size_t r = 0; r < g->nrows; r++) {
		size_t pad = 0;

		fputs(indent, f);
		for (size_t c = 0; c < g->ncols; c++) {
			const char *s = g->cell[r * g->ncols + c];
			size_t sw = width(s);
			bool last = c + 1 == g->ncols;

			if (g->align[c] == 'r') {
				fprintf(f, "%*s%*s%s", (int)pad, "", (int)(w[c] - sw), "", s);
				pad = 2;
			} else {
				fprintf(f, "%*s%s", (int)pad, "", s);
				pad = last ? 0 : w[c] - sw + 2;
			}
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < g->nrows * g->ncols; i++)
		free(g->cell[i]);
	free(g->cell);
	free(w);
	g->cell = NULL;
	g->nrows = 0;
}

static void text_sets(FILE *f, const struct history *h)
{
	struct grid g = { .ncols = 5, .align = "rllll" };

	fprintf(f, "Result sets, %s:\n", h->by_time ? "oldest first" : "in command-line order");
	grid_row(&g, rs_xstrdup("#"), rs_xstrdup("set"), rs_xstrdup("started"),
		 rs_xstrdup("kernel"), rs_xstrdup("host"));
	for (size_t k = 0; k < h->m->nsets; k++) {
		const struct rs_set *s = h->m->sets[k];

		grid_row(&g, rs_xasprintf("%zu", k + 1), rs_xasprintf("%s%s", s->label,
			 (long)k == h->base ? " (baseline)" : ""), rs_xstrdup(started(s)),
			 rs_xstrdup(s->kernel), rs_xstrdup(s->host ? s->host : "-"));
	}
	grid_print(f, &g, "  ");
}

/* "worse +10.00% mmap-churn ns_per_op (ns) at n4 (DATE) against n1..n3: adjusted p 3.2e-06" */
static char *change_line(const struct history *h, const struct hi_series *s, size_t k)
{
	const struct hi_point *p = &s->pt[k];
	char pct[32], *ag = against_text(h, p), *line;

	rp_fmt_pct(pct, sizeof(pct), p->change_pct);
	line = rs_xasprintf("%s %s %s %s (%s, %s) at %s (%s) against %s: adjusted p %.2g%s",
			    p->v == HV_WORSE ? "WORSE " : "BETTER", pct, s->ent->label,
			    s->row->name, s->row->unit, better_words(s->row->better),
			    set_label(h, k), started(h->m->sets[k]), ag, p->adj_p,
			    s->spike[k] ? "; a one-run spike: the next run is back" : "");
	free(ag);
	return line;
}

static void text_changes(FILE *f, const struct history *h)
{
	if (h->base >= 0)
		fprintf(f, "Changes against the baseline %s: %zu\n",
			set_label(h, (size_t)h->base), h->ncp);
	else
		fprintf(f, "Change points: %zu\n", h->ncp);
	for (size_t k = 0; k < h->m->nsets; k++)
		for (size_t i = 0; i < h->ns; i++) {
			char *line;

			if (!is_change(h->s[i].pt[k].v))
				continue;
			line = change_line(h, &h->s[i], k);
			fprintf(f, "  %s\n", line);
			free(line);
		}
	if (!h->ncp)
		fprintf(f, "  none: no higher- or lower-is-better metric moved by %g%% or more "
			"with an adjusted p below %g\n", h->o->ro.min_change, h->o->ro.alpha);
}

static void text_series(FILE *f, const struct history *h, const struct hi_series *s)
{
	struct grid g = { .ncols = 8, .align = "lllrrrll" };

	fprintf(f, "  %s  %s, %s\n", s->row->name, s->row->unit, better_words(s->row->better));
	grid_row(&g, rs_xstrdup("run"), rs_xstrdup("started"), rs_xstrdup("kernel"),
		 rs_xstrdup("mean \u00b1 sd"), rs_xstrdup("n"), rs_xstrdup("change"),
		 rs_xstrdup(h->base >= 0 ? "against" : "window"), rs_xstrdup("verdict"));
	for (size_t k = 0; k < h->m->nsets; k++) {
		const struct rp_cell *c = &s->row->cell[k];
		const struct hi_point *p = &s->pt[k];
		char pct[32];

		grid_row(&g, rs_xstrdup(set_label(h, k)), rs_xstrdup(started(h->m->sets[k])),
			 rs_xstrdup(h->m->sets[k]->kernel), rp_fmt_mean_sd(c, true),
			 c->m ? rs_xasprintf("%zu", c->s.n) : rs_xstrdup("-"),
			 rs_xstrdup(p->nwin ? rp_fmt_pct(pct, sizeof(pct), p->change_pct) : "-"),
			 against_text(h, p), verdict_text(h, s, k));
	}
	grid_print(f, &g, "    ");
}

static int fill_text(FILE *f, void *arg)
{
	const struct history *h = arg;
	char *rule = rule_text(h);

	fprintf(f, "%s\n", h->title);
	fprintf(f, "%zu result sets, %zu entries, %zu series; ptstat history, %s %s\n\n",
		h->m->nsets, h->m->nentries, h->ns, PACKAGE_NAME, PACKAGE_VERSION);
	for (size_t i = 0; i < h->m->nfailed; i++)
		pt_wrap(f, h->m->failed[i], 0);
	for (size_t i = 0; i < h->m->nset_notes; i++)
		pt_wrap(f, h->m->set_notes[i], 0);
	for (size_t i = 0; i < h->nnotes; i++)
		pt_wrap(f, h->notes[i], 0);
	if (h->m->nfailed + h->m->nset_notes + h->nnotes)
		fputc('\n', f);
	text_changes(f, h);
	fputc('\n', f);
	text_sets(f, h);
	for (size_t i = 0; i < h->ns; i++) {
		const struct rp_entry *ent = h->s[i].ent;

		if (i && ent == h->s[i - 1].ent)
			continue;
		fprintf(f, "\n%s", ent->label);
		if (strcmp(ent->label, ent->desc))
			fprintf(f, " (%s)", ent->desc);
		fputc('\n', f);
		for (size_t j = 0; j < ent->nnotes; j++)
			fprintf(f, "  note: %s\n", ent->notes[j]);
		/* The judged metrics first, then the counts. */
		for (int info = 0; info < 2; info++)
			for (size_t j = i; j < h->ns && h->s[j].ent == ent; j++)
				if ((h->s[j].row->better == RS_INFO) == info)
					text_series(f, h, &h->s[j]);
	}
	fputc('\n', f);
	pt_wrap(f, rule, 0);
	free(rule);
	return ferror(f) ? -1 : 0;
}

/* ---- history.json ------------------------------------------------------------------ */

static json_t *jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *json_options(const struct history *h)
{
	return json_pack("{s:s, s:o, s:o, s:f, s:f, s:s, s:b}",
			 "mode", h->base >= 0 ? "baseline" : "window",
			 "window", h->base >= 0 ? json_null() :
			 json_integer((json_int_t)h->o->window),
			 "baseline", h->base >= 0 ? json_string(set_label(h, (size_t)h->base)) :
			 json_null(),
			 "alpha", h->o->ro.alpha, "min_change_pct", h->o->ro.min_change,
			 "correction", h->o->ro.correction == RP_HOLM ? "holm" : "bh",
			 "allow_mixed", h->o->ro.allow_mixed);
}

static json_t *json_sets(const struct history *h)
{
	json_t *a = json_array();

	for (size_t k = 0; k < h->m->nsets; k++) {
		const struct rs_set *s = h->m->sets[k];

		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:o, s:s, s:o, s:o, s:o, "
						   "s:o, s:s, s:b}",
						   "index", (int)k, "label", s->label,
						   "dir", s->dir, "started", jstr(s->started),
						   "kernel", s->kernel, "kernel_version",
						   jstr(s->kversion), "host", jstr(s->host),
						   "suite", jstr(s->suite), "config_hash",
						   jstr(s->config_hash), "accel", s->accel,
						   "tcg", s->tcg));
	}
	return a;
}

static json_t *json_labels(const struct history *h, const struct hi_series *s,
			   const struct hi_point *p)
{
	json_t *a = json_array();

	for (size_t j = p->from; p->nwin && j <= p->to; j++)
		if (pooled(s->row, h->base < 0 ? s->spike : NULL, j))
			json_array_append_new(a, json_string(set_label(h, j)));
	return a;
}

static json_t *json_point(const struct history *h, const struct hi_series *s, size_t k)
{
	const struct rp_cell *c = &s->row->cell[k];
	const struct hi_point *p = &s->pt[k];
	bool has = c->m != NULL;
	json_t *o = json_pack("{s:s, s:i, s:s, s:b}", "set", set_label(h, k), "index", (int)k,
			      "verdict", verdict_key(p->v), "change_point", is_change(p->v));

	json_object_set_new(o, "spike", json_boolean(s->spike[k]));

	json_object_set_new(o, "n", has ? json_integer((json_int_t)c->s.n) : json_null());
	json_object_set_new(o, "mean", has ? jnum(c->s.mean) : json_null());
	json_object_set_new(o, "sd", has ? jnum(c->s.sd) : json_null());
	json_object_set_new(o, "ci95_lo", has ? jnum(p->lo) : json_null());
	json_object_set_new(o, "ci95_hi", has ? jnum(p->hi) : json_null());
	json_object_set_new(o, "against", json_labels(h, s, p));
	json_object_set_new(o, "against_n", p->nwin ? json_integer((json_int_t)p->w.n) :
			    json_null());
	json_object_set_new(o, "against_mean", p->nwin ? jnum(p->w.mean) : json_null());
	json_object_set_new(o, "against_sd", p->nwin ? jnum(p->w.sd) : json_null());
	json_object_set_new(o, "change_pct", jnum(p->change_pct));
	json_object_set_new(o, "diff_ci95_lo", jnum(p->ci_lo));
	json_object_set_new(o, "diff_ci95_hi", jnum(p->ci_hi));
	json_object_set_new(o, "welch_p", jnum(p->welch_p));
	json_object_set_new(o, "adj_p", jnum(p->adj_p));
	json_object_set_new(o, "degenerate", json_boolean(p->degenerate));
	json_object_set_new(o, "mde_pct", jnum(p->mde_pct));
	json_object_set_new(o, "too_few_reps", json_boolean(p->mde_short));
	return o;
}

static json_t *json_plot(const struct hi_series *s)
{
	char *png, *svg, *gp, *dat;
	json_t *o;

	if (!s->plot)
		return json_null();
	png = rs_xasprintf("plots/%s.png", s->plot);
	svg = rs_xasprintf("plots/%s.svg", s->plot);
	gp = rs_xasprintf("plots/%s.gp", s->plot);
	dat = rs_xasprintf("plots/%s.dat", s->plot);
	o = json_pack("{s:s, s:s, s:s, s:s}", "png", png, "svg", svg, "script", gp,
		      "data", dat);
	free(png);
	free(svg);
	free(gp);
	free(dat);
	return o;
}

static json_t *json_change(const struct history *h, const struct hi_series *s, size_t k)
{
	const struct hi_point *p = &s->pt[k];
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:s, s:o, s:o, s:o, s:o, "
			 "s:o, s:o, s:o}",
			 "entry", s->ent->label, "metric", s->row->name, "unit", s->row->unit,
			 "better", rs_better_str(s->row->better), "verdict", verdict_key(p->v),
			 "set", set_label(h, k), "index", (int)k,
			 "started", jstr(h->m->sets[k]->started), "series", s->id,
			 "against", json_labels(h, s, p), "mean", jnum(s->row->cell[k].s.mean),
			 "against_mean", jnum(p->w.mean), "change_pct", jnum(p->change_pct),
			 "diff_ci95_lo", jnum(p->ci_lo), "diff_ci95_hi", jnum(p->ci_hi),
			 "adj_p", jnum(p->adj_p));
	json_object_set_new(o, "spike", json_boolean(s->spike[k]));
	return o;
}

static json_t *json_strings(char *const *s, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(s[i]));
	return a;
}

static json_t *history_json(const struct history *h)
{
	json_t *root = json_object(), *cps = json_array(), *series = json_array(), *notes, *mine;

	for (size_t k = 0; k < h->m->nsets; k++)
		for (size_t i = 0; i < h->ns; i++)
			if (is_change(h->s[i].pt[k].v))
				json_array_append_new(cps, json_change(h, &h->s[i], k));
	for (size_t i = 0; i < h->ns; i++) {
		const struct hi_series *s = &h->s[i];
		json_t *pts = json_array(), *o;

		for (size_t k = 0; k < h->m->nsets; k++)
			json_array_append_new(pts, json_point(h, s, k));
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i, s:o, s:o}",
			      "id", s->id, "entry", s->ent->label, "bench", s->ent->bench,
			      "desc", s->ent->desc, "metric", s->row->name, "unit", s->row->unit,
			      "better", rs_better_str(s->row->better),
			      "judged", s->row->better != RS_INFO, "change_points", (int)s->ncp,
			      "plot", json_plot(s), "points", pts);
		json_array_append_new(series, o);
	}
	notes = json_strings(h->m->set_notes, h->m->nset_notes);
	mine = json_strings(h->notes, h->nnotes);
	json_array_extend(notes, mine);
	json_decref(mine);
	json_object_set_new(root, "schema", json_string(HI_SCHEMA));
	json_object_set_new(root, "generator", json_string("ptstat history (" PACKAGE_NAME " "
							     PACKAGE_VERSION ")"));
	json_object_set_new(root, "generated", json_string(h->date));
	json_object_set_new(root, "title", json_string(h->title));
	json_object_set_new(root, "options", json_options(h));
	json_object_set_new(root, "order", json_string(h->by_time ? "started" : "command line"));
	json_object_set_new(root, "tests", json_integer((json_int_t)h->ntests));
	json_object_set_new(root, "mde_alpha", jnum(h->mde_alpha));
	json_object_set_new(root, "mde_power", json_real(RP_MDE_POWER));
	json_object_set_new(root, "rounds", json_integer(h->rounds));
	json_object_set_new(root, "settled", json_boolean(h->settled));
	json_object_set_new(root, "notes", notes);
	json_object_set_new(root, "failed", json_strings(h->m->failed, h->m->nfailed));
	json_object_set_new(root, "sets", json_sets(h));
	json_object_set_new(root, "change_points", cps);
	json_object_set_new(root, "series", series);
	return root;
}

static int fill_json(FILE *f, void *arg)
{
	json_t *doc = history_json(arg);
	int rc = json_dumpf(doc, f, PT_JSON_FLAGS);

	json_decref(doc);
	if (!rc)
		rc = fputc('\n', f) == EOF;
	return rc || ferror(f) ? -1 : 0;
}

/* ---- plots ----------------------------------------------------------------------- */

static FILE *open_in(const char *dir, const char *base, const char *ext)
{
	char *path = rs_xasprintf("%s/%s.%s", dir, base, ext);
	FILE *f = fopen(path, "w");

	if (!f)
		fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(errno));
	free(path);
	return f;
}

static int close_in(FILE *f, const char *dir, const char *base, const char *ext)
{
	int bad = ferror(f);

	if (fclose(f) || bad) {
		fprintf(stderr, PROG ": writing %s/%s.%s failed\n", dir, base, ext);
		return -1;
	}
	return 0;
}

/*
 * The data: index 0 the runs (x mean ci_lo ci_hi sd n), index 1 the mean
 * of each stretch between change points (or the baseline's), then the
 * change points worse, better, and their labels, each block only when it
 * has a line.  blocks[] gets the index of each (-1: not written).
 */
enum { B_RUNS, B_LEVEL, B_WORSE, B_BETTER, B_LABELS, B_N };

/* A level line; the block's separator and heading before the first. */
static void level_line(FILE *f, bool *opened, double x0, double x1, double y)
{
	if (!*opened)
		fprintf(f, "\n\n# the mean of the runs between change points (or the "
			"baseline's): x y, two points a line\n");
	*opened = true;
	fprintf(f, "%.17g %.17g\n%.17g %.17g\n\n", x0, y, x1, y);
}

/* The mean of the runs in [from, to] a window would pool, pooled. */
static double pooled_mean(const struct rp_row *r, const bool *skip, size_t from, size_t to)
{
	double sum = 0;
	size_t n = 0;

	for (size_t j = from; j <= to; j++)
		if (pooled(r, skip, j)) {
			for (size_t i = 0; i < r->cell[j].s.n; i++)
				sum += r->cell[j].m->samples[i];
			n += r->cell[j].s.n;
		}
	return n ? sum / (double)n : NAN;
}

static void plot_data(FILE *f, const struct history *h, const struct hi_series *s,
		      int *blocks)
{
	const struct rp_row *r = s->row;
	size_t T = h->m->nsets;
	bool level = false;
	int nb = 0;

	fprintf(f, "# x set mean ci95_lo ci95_hi sd n\n");
	for (size_t k = 0; k < T; k++)
		if (usable(r, k)) {
			fprintf(f, "%zu ", k + 1);
			pl_gp_str(f, set_label(h, k));
			fprintf(f, " %.17g %.17g %.17g %.17g %zu\n", r->cell[k].s.mean,
				s->pt[k].lo, s->pt[k].hi, isnan(r->cell[k].s.sd) ? 0 :
				r->cell[k].s.sd, r->cell[k].s.n);
		}
	blocks[B_RUNS] = nb++;
	if (h->base >= 0) {
		if (usable(r, (size_t)h->base))
			level_line(f, &level, (double)h->base + 1 - 0.3, (double)T + 0.3,
				   r->cell[h->base].s.mean);
	} else {
		size_t start = 0;

		for (size_t k = 0; k <= T; k++) {
			size_t last = k;

			if (k < T && (!s->cp[k] || k == start))
				continue;
			/* The stretch [start, k - 1], its usable runs' pooled mean. */
			while (last > start && !usable(r, last - 1))
				last--;
			if (last > start) {
				size_t first = start;

				while (!usable(r, first))
					first++;
				level_line(f, &level, (double)first + 1 - 0.3, (double)last + 0.3,
					   pooled_mean(r, s->spike, start, last - 1));
			}
			start = k;
		}
	}
	blocks[B_LEVEL] = level ? nb++ : -1;
	for (int b = B_WORSE; b <= B_LABELS; b++) {
		bool any = false;

		for (size_t k = 0; k < T; k++) {
			const struct hi_point *p = &s->pt[k];
			char pct[32];

			if (!is_change(p->v) || (b == B_WORSE && p->v != HV_WORSE) ||
			    (b == B_BETTER && p->v != HV_BETTER))
				continue;
			if (!any)
				fprintf(f, "\n\n# %s\n", b == B_WORSE ? "change points: worse" :
					b == B_BETTER ? "change points: better" :
					"labels: x y text");
			any = true;
			fprintf(f, "%zu %.17g", k + 1, r->cell[k].s.mean);
			if (b == B_LABELS) {
				fputc(' ', f);
				pl_gp_str(f, rp_fmt_pct(pct, sizeof(pct), p->change_pct));
			}
			fputc('\n', f);
		}
		blocks[b] = any ? nb++ : -1;
	}
}

static void plot_script(FILE *f, const struct history *h, const struct hi_series *s,
			const int *blocks)
{
	const struct rp_row *r = s->row;
	const char *base = s->plot;
	double lo = INFINITY, hi = -INFINITY;
	size_t T = h->m->nsets;
	char *title = rs_xasprintf("%s: %s (%s)\n%s", s->ent->label, r->name,
				   better_words(r->better), s->ent->desc);
	char *ylabel = rs_xasprintf("%s (%s)", r->name, r->unit);
	size_t labels = 0;

	fprintf(f, "# Written by ptstat history. Render again with: gnuplot %s.gp\n"
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"\tset terminal pngcairo size 960,540 noenhanced font 'sans,11'\n"
		"} else {\n"
		"\tset terminal png size 960,540 noenhanced\n"
		"}\n"
		"set output '%s.png'\n"
		"set encoding utf8\n"
		"set title ", base, base);
	pl_gp_str(f, title);
	fprintf(f, "\nset xlabel ");
	pl_gp_str(f, h->by_time ? "result set, oldest first" : "result set, in command-line order");
	fprintf(f, "\nset ylabel ");
	pl_gp_str(f, ylabel);
	for (size_t k = 0; k < T; k++)
		labels += strlen(set_label(h, k));
	fprintf(f, "\nset key outside below left vertical Left reverse noautotitle\n"
		"set grid ytics\nset border 3\nset tics nomirror\n"
		"set xrange [0.5:%zu.5]\nset offsets 0, 0, graph 0.12, graph 0.08\n"
		"set xtics %s(", T, labels > 80 ? "rotate by -30 " : "");
	for (size_t k = 0; k < T; k++) {
		fprintf(f, "%s", k ? ", " : "");
		pl_gp_str(f, set_label(h, k));
		fprintf(f, " %zu", k + 1);
	}
	fprintf(f, ")\n");
	for (size_t k = 0; k < T; k++)
		if (usable(r, k)) {
			lo = fmin(lo, fmin(s->pt[k].lo, r->cell[k].s.mean));
			hi = fmax(hi, fmax(s->pt[k].hi, r->cell[k].s.mean));
		}
	/* A constant series leaves gnuplot no range to scale to. */
	if (lo == hi)
		fprintf(f, "set yrange [%.17g:%.17g]\n", lo - (lo ? fabs(lo) * 0.1 : 1),
			hi + (hi ? fabs(hi) * 0.1 : 1));
	if (fmax(fabs(lo), fabs(hi)) >= 1e5 && fmax(fabs(lo), fabs(hi)) < 1e13)
		fprintf(f, "set format y '%%.0f'\n");
	/*
	 * A dotted line just before each change point where the window
	 * restarts (not against a baseline, not before a one-run spike).
	 */
	for (size_t k = 0; h->base < 0 && k < T; k++)
		if (is_change(s->pt[k].v) && !s->spike[k])
			fprintf(f, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 3 lw 1.5 "
				"lc rgb '%s'\n", (double)k + 0.5, (double)k + 0.5,
				s->pt[k].v == HV_WORSE ? "#c62828" : "#2e7d32");
	fprintf(f, "plot '%s.dat' index %d using 1:3:4:5 with yerrorlines lc rgb '#0b57b0' "
		"lw 1.5 pt 7 ps 1 title ", base, blocks[B_RUNS]);
	pl_gp_str(f, "mean of each run, with its 95% confidence interval");
	if (blocks[B_LEVEL] >= 0) {
		fprintf(f, ", \\\n     '%s.dat' index %d using 1:2 with lines dt 2 lw 2 "
			"lc rgb '#777777' title ", base, blocks[B_LEVEL]);
		pl_gp_str(f, h->base >= 0 ? "the baseline's mean" :
			  "mean of the runs between change points");
	}
	for (int b = B_WORSE; b <= B_BETTER; b++) {
		if (blocks[b] < 0)
			continue;
		fprintf(f, ", \\\n     '%s.dat' index %d using 1:2 with points pt 6 ps 3 lw 2.5 "
			"lc rgb '%s' title ", base, blocks[b],
			b == B_WORSE ? "#c62828" : "#2e7d32");
		pl_gp_str(f, b == B_WORSE ? h->base >= 0 ? "worse than the baseline" :
			  "change point: worse" : h->base >= 0 ? "better than the baseline" :
			  "change point: better");
	}
	if (blocks[B_LABELS] >= 0)
		fprintf(f, ", \\\n     '%s.dat' index %d using 1:2:3 with labels left "
			"offset 1.6,1.2 font ',10' textcolor rgb '#333333' notitle", base,
			blocks[B_LABELS]);
	fprintf(f, "\nset terminal svg size 960,540 noenhanced font 'sans,11' "
		"background rgb 'white'\n"
		"set output '%s.svg'\n"
		"replot\n"
		"unset output\n", base);
	free(title);
	free(ylabel);
}

static int write_plots(const struct history *h, const char *dir)
{
	for (size_t i = 0; i < h->ns; i++) {
		const struct hi_series *s = &h->s[i];
		int blocks[B_N];
		FILE *f;

		if (!s->plot)
			continue;
		if (rd_stopped())
			return -1;
		f = open_in(dir, s->plot, "dat");
		if (!f)
			return -1;
		plot_data(f, h, s, blocks);
		if (close_in(f, dir, s->plot, "dat"))
			return -1;
		f = open_in(dir, s->plot, "gp");
		if (!f)
			return -1;
		plot_script(f, h, s, blocks);
		if (close_in(f, dir, s->plot, "gp"))
			return -1;
	}
	return 0;
}

/* ---- index.html ------------------------------------------------------------------- */

static const char page_css[] =
".hist table { width: 100%; font-size: 14px; }\n"
".hist td { white-space: nowrap; }\n"
".hist td.v { white-space: normal; }\n"
".hist td:first-child { font-weight: 600; }\n"
"tr.cp td { border-top: 2px solid #888; }\n"
".metric { margin: 12px 0 26px; }\n"
"h4 { font-size: 15px; margin: 14px 0 6px; }\n"
"h4 small { font-weight: normal; color: #555; margin-left: 8px; }\n"
".fig.series img { max-width: 100%; height: auto; border: 1px solid #e2e2e2; }\n"
"p.rule { color: #333; }\n";

static void h_el_free(FILE *f, const char *tag, const char *cls, char *text)
{
	ht_el(f, tag, cls, text);
	free(text);
}

static void page_head(FILE *f, const struct history *h)
{
	char *rule = rule_text(h);

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
	      "<meta name=\"generator\" content=\"ptstat history (" PACKAGE_NAME " "
	      PACKAGE_VERSION ")\" />\n<title>", f);
	ht_esc(f, h->title);
	fprintf(f, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n<div class=\"page\">\n"
		"<div class=\"head\">\n", ht_css(), page_css);
	ht_el(f, "h1", NULL, h->title);
	fputs("\n<p class=\"meta\">", f);
	ht_esc(f, h->date);
	fprintf(f, " &#183; ptstat history, " PACKAGE_NAME " " PACKAGE_VERSION " &#183; %zu "
		"result sets, ", h->m->nsets);
	ht_esc(f, h->by_time ? "oldest first" : "in command-line order");
	fputs("</p>\n<p class=\"meta rule\">", f);
	ht_esc(f, rule);
	fputs(" (<a href=\"#statistics\">what this means</a>)</p>\n</div>\n", f);
	free(rule);
}

static void notes_box(FILE *f, const struct history *h)
{
	const struct rp_model *m = h->m;

	if (m->nfailed) {
		fprintf(f, "<div class=\"box failed\">\n<h2>%zu entr%s failed in a run</h2>\n"
			"<ul>\n", m->nfailed, m->nfailed == 1 ? "y" : "ies");
		for (size_t i = 0; i < m->nfailed; i++) {
			ht_el(f, "li", NULL, m->failed[i]);
			fputc('\n', f);
		}
		fputs("</ul>\n</div>\n", f);
	}
	if (!m->nset_notes && !h->nnotes)
		return;
	fprintf(f, "<div class=\"box notes%s\">\n", m->same_path ? " alarm" : "");
	for (size_t i = 0; i < m->nset_notes; i++) {
		ht_el(f, "p", "notice", m->set_notes[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < h->nnotes; i++) {
		ht_el(f, "p", "notice", h->notes[i]);
		fputc('\n', f);
	}
	fputs("</div>\n", f);
}

static void count(const struct history *h, size_t *c)
{
	for (size_t i = 0; i < h->ns; i++)
		for (size_t k = 0; k < h->m->nsets; k++)
			c[h->s[i].pt[k].v]++;
}

static void changes_section(FILE *f, const struct history *h)
{
	size_t c[HV_MISMATCH + 1] = { 0 };

	count(h, c);
	fprintf(f, "<h2>%s</h2>\n<div class=\"summary\">", h->base >= 0 ?
		"Changes against the baseline" : "Change points");
	fprintf(f, "<span class=\"pill worse\">%zu worse</span>", c[HV_WORSE]);
	fprintf(f, "<span class=\"pill better\">%zu better</span>", c[HV_BETTER]);
	fprintf(f, "<span class=\"pill same\">%zu no change</span>", c[HV_SAME]);
	fprintf(f, "<span class=\"pill info\">%zu info, not judged</span>", c[HV_INFO]);
	fputs("</div>\n", f);
	if (!h->ncp) {
		fprintf(f, "<p>None: no higher- or lower-is-better metric moved by %g%% or more "
			"with an adjusted p below %g.</p>\n", h->o->ro.min_change,
			h->o->ro.alpha);
		return;
	}
	fputs("<ul class=\"changes\">\n", f);
	for (size_t k = 0; k < h->m->nsets; k++)
		for (size_t i = 0; i < h->ns; i++) {
			const struct hi_series *s = &h->s[i];
			const struct hi_point *p = &s->pt[k];
			char pct[32];

			if (!is_change(p->v))
				continue;
			fprintf(f, "<li><span class=\"%s\"><strong>%s</strong> %s</span> at "
				"<strong>", verdict_class(p->v), verdict_class(p->v),
				rp_fmt_pct(pct, sizeof(pct), p->change_pct));
			ht_esc(f, set_label(h, k));
			fputs("</strong> (", f);
			ht_esc(f, started(h->m->sets[k]));
			fprintf(f, "): <a href=\"#%s\">", s->id);
			ht_esc(f, s->ent->label);
			fputs("</a> <code>", f);
			ht_esc(f, s->row->name);
			fputs("</code> against ", f);
			h_el_free(f, "span", NULL, against_text(h, p));
			fprintf(f, ", adjusted p %.2g%s</li>\n", p->adj_p,
				s->spike[k] ? "; a one-run spike: the next run is back" : "");
		}
	fputs("</ul>\n", f);
}

static void sets_section(FILE *f, const struct history *h)
{
	fprintf(f, "<h2>Result sets, %s</h2>\n<table>\n<thead><tr><th>#</th><th>set</th>"
		"<th>started</th><th>kernel</th><th>host</th><th>accelerator</th>"
		"<th>entries</th><th>directory</th></tr></thead>\n<tbody>\n",
		h->by_time ? "oldest first" : "in command-line order");
	for (size_t k = 0; k < h->m->nsets; k++) {
		const struct rs_set *s = h->m->sets[k];

		fprintf(f, "<tr><td class=\"num\">%zu</td><td><strong>", k + 1);
		ht_esc(f, s->label);
		fprintf(f, "</strong>%s</td>", (long)k == h->base ?
			" <small>(baseline)</small>" : "");
		ht_el(f, "td", NULL, started(s));
		ht_el(f, "td", NULL, s->kernel);
		ht_el(f, "td", NULL, s->host ? s->host : "-");
		ht_el(f, "td", NULL, s->tcg ? "tcg (emulated)" : s->accel);
		fprintf(f, "<td class=\"num\">%zu</td>", s->nentries);
		ht_el(f, "td", NULL, s->dir);
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

/* As html.c's: the verdict, and under a "no change" what it could have seen. */
static void verdict_cell(FILE *f, const struct history *h, const struct hi_series *s,
			 size_t k)
{
	const struct hi_point *p = &s->pt[k];
	char d[48];

	fprintf(f, "<td class=\"v %s\">", verdict_class(p->v));
	if (p->v != HV_SAME) {
		h_el_free(f, "span", NULL, verdict_text(h, s, k));
	} else {
		fputs("no change", f);
		if (isfinite(p->mde_pct))
			fprintf(f, "<small>would detect &#8805; %s%%</small>",
				rp_fmt_sig(d, sizeof(d), p->mde_pct, 2));
		if (p->mde_short)
			fprintf(f, "<small>too few reps to see %g%%</small>",
				h->o->ro.min_change);
	}
	fputs("</td>", f);
}

static void series_table(FILE *f, const struct history *h, const struct hi_series *s)
{
	fprintf(f, "<div class=\"hist\">\n<table>\n<thead><tr><th>run</th><th>started</th>"
		"<th>kernel</th><th>mean &#177; sd</th><th>n</th><th>95%% CI of the mean</th>"
		"<th>change</th><th>%s</th><th>verdict</th></tr></thead>\n<tbody>\n",
		h->base >= 0 ? "against" : "window");
	for (size_t k = 0; k < h->m->nsets; k++) {
		const struct rp_cell *c = &s->row->cell[k];
		const struct hi_point *p = &s->pt[k];
		char pct[32], a[48], b[48];

		fprintf(f, "<tr%s>", is_change(p->v) ? " class=\"cp\"" : "");
		ht_el(f, "td", NULL, set_label(h, k));
		ht_el(f, "td", NULL, started(h->m->sets[k]));
		ht_el(f, "td", NULL, h->m->sets[k]->kernel);
		h_el_free(f, "td", "num", rp_fmt_mean_sd(c, true));
		h_el_free(f, "td", "num", c->m ? rs_xasprintf("%zu", c->s.n) : rs_xstrdup("-"));
		h_el_free(f, "td", "num", c->m && c->s.n >= 2 ?
			  rs_xasprintf("[%s, %s]", rp_fmt_sig(a, sizeof(a), p->lo, 6),
				       rp_fmt_sig(b, sizeof(b), p->hi, 6)) : rs_xstrdup("-"));
		ht_el(f, "td", "num chg", p->nwin ? rp_fmt_pct(pct, sizeof(pct), p->change_pct) :
		     "-");
		h_el_free(f, "td", NULL, against_text(h, p));
		verdict_cell(f, h, s, k);
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</div>\n", f);
}

static void series_section(FILE *f, const struct history *h, const struct hi_series *s)
{
	fprintf(f, "<div class=\"metric\" id=\"%s\">\n<h4><code>", s->id);
	ht_esc(f, s->row->name);
	fputs("</code><small>", f);
	ht_esc(f, s->row->unit);
	fputs(", ", f);
	ht_esc(f, better_words(s->row->better));
	if (s->ncp)
		fprintf(f, "; %zu change point%s", s->ncp, s->ncp == 1 ? "" : "s");
	fputs("</small></h4>\n", f);
	if (s->plot) {
		fprintf(f, "<div class=\"fig series\"><a href=\"plots/%s.svg\"><img "
			"src=\"plots/%s.png\" alt=\"", s->plot, s->plot);
		ht_esc(f, s->ent->label);
		fputs(": ", f);
		ht_esc(f, s->row->name);
		fputs(" over the runs\" width=\"960\" height=\"540\" loading=\"lazy\" /></a>"
		      "</div>\n", f);
	}
	series_table(f, h, s);
	fputs("</div>\n", f);
}

static void entry_section(FILE *f, const struct history *h, size_t first)
{
	const struct rp_entry *ent = h->s[first].ent;
	size_t e = entry_index(h, ent), ninfo = 0;
	char *id = anchor("e", e, ent->label, NULL);

	fprintf(f, "<div class=\"entry\" id=\"%s\">\n<h3>", id);
	ht_esc(f, ent->label);
	if (strcmp(ent->label, ent->desc))
		ht_el(f, "code", NULL, ent->desc);
	fputs("</h3>\n", f);
	if (ent->nnotes) {
		fputs("<ul class=\"entry-notes\">\n", f);
		for (size_t j = 0; j < ent->nnotes; j++) {
			ht_el(f, "li", NULL, ent->notes[j]);
			fputc('\n', f);
		}
		fputs("</ul>\n", f);
	}
	for (size_t i = first; i < h->ns && h->s[i].ent == ent; i++) {
		if (h->s[i].row->better == RS_INFO)
			ninfo++;
		else
			series_section(f, h, &h->s[i]);
	}
	if (ninfo) {
		fprintf(f, "<input type=\"checkbox\" class=\"toggle\" id=\"info-%s\" />"
			"<label class=\"toggle\" for=\"info-%s\">%zu info metric%s (counts: "
			"shown, not judged)</label>\n<div class=\"toggled\">\n", id, id, ninfo,
			ninfo == 1 ? "" : "s");
		for (size_t i = first; i < h->ns && h->s[i].ent == ent; i++)
			if (h->s[i].row->better == RS_INFO)
				series_section(f, h, &h->s[i]);
		fputs("</div>\n", f);
	}
	fputs("</div>\n", f);
	free(id);
}

static void entries_section(FILE *f, const struct history *h)
{
	fputs("<h2>Metrics</h2>\n<div class=\"entries\">", f);
	for (size_t i = 0; i < h->ns; i++) {
		const struct rp_entry *ent = h->s[i].ent;
		size_t ncp = 0;
		char *id;

		if (i && ent == h->s[i - 1].ent)
			continue;
		for (size_t j = i; j < h->ns && h->s[j].ent == ent; j++)
			ncp += h->s[j].ncp;
		id = anchor("e", entry_index(h, ent), ent->label, NULL);
		fprintf(f, "<a href=\"#%s\" class=\"%s\">", id, ncp ? "worse" : "plain");
		ht_esc(f, ent->label);
		fputs("</a>", f);
		free(id);
	}
	fputs("</div>\n", f);
	for (size_t i = 0; i < h->ns; i++)
		if (!i || h->s[i].ent != h->s[i - 1].ent)
			entry_section(f, h, i);
}

static void footer(FILE *f, const struct history *h)
{
	fputs("<div class=\"foot\">\n<h2 id=\"statistics\">How to read this page</h2>\n<dl>\n",
	      f);
	fputs("<dt>mean &#177; sd, 95% CI of the mean</dt><dd>Over the repetitions of one run: "
	      "the mean, the sample standard deviation (n&#160;&#8722;&#160;1) and the "
	      "t-based confidence interval of the mean (the error bars of the plots).</dd>\n",
	      f);
	if (h->base >= 0) {
		fputs("<dt>against</dt><dd>Every run after the baseline ", f);
		ht_el(f, "strong", NULL, set_label(h, (size_t)h->base));
		fputs(" is compared with it alone (--baseline: the branch point); the runs "
		      "before it are shown, not compared.</dd>\n", f);
	} else {
		fprintf(f, "<dt>window</dt><dd>What a run is compared with: the pooled "
			"repetitions of up to %lu run%s before it, going back no further than "
			"the last change point. After a change point the window restarts at "
			"that run, so a step that persists is flagged once, where it happened; "
			"a run that is off once and then back gives two change points.</dd>\n",
			h->o->window, h->o->window == 1 ? "" : "s");
		fprintf(f, "<dt>change point</dt><dd>A run that differs from its window: "
			"Welch's t-test p-value, adjusted over the %zu tests of this page, below "
			"alpha = %g <em>and</em> a difference of the means of at least %g%% of "
			"the window's mean, <span class=\"better\">better</span> or <span "
			"class=\"worse\">worse</span> by the metric's direction. The windows "
			"depend on the change points and the change points on the tests: the "
			"tests were repeated, each time with the windows restarted at the "
			"change points found the time before, until they %s (%u "
			"round%s).</dd>\n", h->ntests, h->o->ro.alpha, h->o->ro.min_change,
			h->settled ? "settled" : "had not settled", h->rounds,
			h->rounds == 1 ? "" : "s");
	}
	fprintf(f, "<dt>correction</dt><dd>%s over every test of the page: %s</dd>\n",
		rp_correction_name(h->o->ro.correction), h->o->ro.correction == RP_HOLM ?
		"Holm's step-down bounds the chance of any false finding." :
		"Benjamini-Hochberg bounds the expected share of false findings among the "
		"changes reported (--correction holm is stricter).");
	fprintf(f, "<dt>would detect &#8805; X%%</dt><dd>Under \"no change\": the smallest "
		"change, in percent of the window's mean, that Welch's test would have found "
		"with probability %g at the per-test level alpha/m = %g/%zu = %.2g, given "
		"the repetitions and standard deviations of the run and its window, as "
		"ptstat compare computes it. \"No change\" rules out changes of that size, "
		"not smaller ones.</dd>\n", RP_MDE_POWER, h->o->ro.alpha,
		h->ntests ? h->ntests : 1, h->mde_alpha);
	fputs("<dt>info</dt><dd>Counts (tables freed, flushes per operation): shown with "
	      "their change, never judged.</dd>\n</dl>\n<h2>Files</h2>\n<ul>\n"
	      "<li><a href=\"history.txt\">history.txt</a>: the change points and every "
	      "table as text</li>\n<li><a href=\"history.json\">history.json</a>: "
	      "everything on this page as data (schema " HI_SCHEMA ")</li>\n", f);
	if (h->nplots)
		fprintf(f, "<li>plots/: %zu plots, each as PNG, SVG, its gnuplot script and "
			"data</li>\n", h->nplots);
	fputs("</ul>\n</div>\n", f);
}

static int fill_html(FILE *f, void *arg)
{
	const struct history *h = arg;

	page_head(f, h);
	notes_box(f, h);
	changes_section(f, h);
	sets_section(f, h);
	entries_section(f, h);
	footer(f, h);
	fputs("</div>\n</body>\n</html>\n", f);
	return ferror(f) ? -1 : 0;
}

/* ---- the directory ------------------------------------------------------------------ */

static int write_in(const char *dir, const char *name, int (*fill)(FILE *, void *),
		    void *arg)
{
	char *path = rs_xasprintf("%s/%s", dir, name);
	int rc = pt_write_atomic(path, fill, arg);

	if (rc)
		fprintf(stderr, PROG ": writing %s failed: %s\n", path, strerror(errno));
	free(path);
	return rc;
}

static int fill_dir(const char *tmp, void *arg)
{
	struct history *h = arg;
	char *plots = rs_xasprintf("%s/plots", tmp);
	int rc = -1;

	if (write_in(tmp, "history.txt", fill_text, h) || rd_stopped() ||
	    write_in(tmp, "history.json", fill_json, h) || rd_stopped())
		goto out;
	if (h->nplots && (pl_make_dir(plots) || write_plots(h, plots) ||
			  pl_render(plots, h->plots, h->nplots, h->o->jobs) || rd_stopped()))
		goto out;
	if (write_in(tmp, "index.html", fill_html, h))
		goto out;
	rc = 0;
out:
	free(plots);
	return rc;
}

static int print_done(const char *dir, void *arg)
{
	struct history *h = arg;
	int rc = 0;

	if ((h->o->json ? fill_json(stdout, h) : fill_text(stdout, h)) || fflush(stdout)) {
		fprintf(stderr, PROG ": writing the standard output failed: %s\n",
			strerror(errno));
		rc = 1;
	}
	fprintf(stderr, PROG ": the history is in %s (open %s/index.html): %zu %s\n", dir,
		dir, h->ncp, h->base >= 0 ? "changes against the baseline" :
		h->ncp == 1 ? "change point" : "change points");
	return rc;
}

/* ---- the order of the sets -------------------------------------------------------- */

/* "2026-12-01T06:10:46Z", with or without fractions of a second, as seconds. */
static bool parse_time(const char *s, double *t)
{
	struct tm tm = { 0 };
	const char *end;
	double frac = 0, scale = 0.1;

	if (!s)
		return false;
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return false;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
			frac += (*end - '0') * scale;
	}
	if (strcmp(end, "Z"))
		return false;
	*t = (double)timegm(&tm) + frac;
	return true;
}

struct when {
	double t;
	size_t k;	/* the command-line position */
};

static int cmp_when(const void *a, const void *b)
{
	const struct when *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->k > y->k) - (x->k < y->k);
}

/*
 * sets in the order of their start; false, with the order untouched and
 * *missing naming the sets that have none, when one has none.
 */
static bool order_sets(struct rs_set **sets, size_t n, char **missing)
{
	struct when *w = rs_xcalloc(n, sizeof(*w));
	struct rs_set **copy = rs_xcalloc(n, sizeof(*copy));
	bool ok = true;
	char *list = NULL, *next;

	for (size_t k = 0; k < n; k++) {
		w[k].k = k;
		if (parse_time(sets[k]->started, &w[k].t))
			continue;
		ok = false;
		next = rs_xasprintf("%s%s%s%s%s%s", list ? list : "", list ? ", " : "",
				    sets[k]->label, sets[k]->started ? " (\"" : "",
				    sets[k]->started ? sets[k]->started : "",
				    sets[k]->started ? "\")" : "");
		free(list);
		list = next;
	}
	if (ok) {
		qsort(w, n, sizeof(*w), cmp_when);
		memcpy(copy, sets, n * sizeof(*copy));
		for (size_t k = 0; k < n; k++)
			sets[k] = copy[w[k].k];
	}
	*missing = list;
	free(w);
	free(copy);
	return ok;
}

/* ---- the command ------------------------------------------------------------------- */

static long find_baseline(struct rs_set *const *sets, size_t n, const char *label)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(sets[k]->label, label))
			return (long)k;
	return -1;
}

static int bad_baseline(struct rs_set *const *sets, size_t n, const char *label)
{
	char *list = rs_xstrdup(""), *next;
	int rc;

	for (size_t k = 0; k < n; k++) {
		next = rs_xasprintf("%s%s%s", list, k ? ", " : "", sets[k]->label);
		free(list);
		list = next;
	}
	rc = pw_fail(PROG, "--baseline %s: no set has that label (the sets: %s)", label, list);
	free(list);
	return rc;
}

/* --alpha, --min-change, --correction as every judging command takes them. */
static int stat_option(struct rp_options *o, const char *name, const char *val)
{
	char err[256];

	if (!val || !rp_stat_option(o, name, val, err, sizeof(err)))
		return 0;
	return pw_usage(PROG, "%s", err);
}

static int parse(int argc, char **argv, struct hi_options *o, const char ***pos, int *npos,
		 bool *help)
{
	const char *window = NULL, *alpha = NULL, *min_change = NULL, *correction = NULL;
	const char *format = NULL, *jobs = NULL;
	const struct pw_opt opts[] = {
		{ "window", 0, &window, NULL },
		{ "baseline", 0, &o->baseline, NULL },
		{ "alpha", 0, &alpha, NULL },
		{ "min-change", 0, &min_change, NULL },
		{ "correction", 0, &correction, NULL },
		{ "format", 0, &format, NULL },
		{ "title", 0, &o->title, NULL },
		{ "jobs", 'j', &jobs, NULL },
		{ "allow-mixed", 0, NULL, &o->ro.allow_mixed },
		{ "help", 'h', NULL, help },
		{ NULL, 0, NULL, NULL },
	};
	unsigned long u;

	*pos = rs_xcalloc((size_t)argc + 1, sizeof(**pos));
	if (pw_parse(PROG, opts, argc, argv, *pos, npos, NULL, NULL))
		return 2;
	if (*help)
		return 0;
	if (window && pw_ulong(window, 1, HI_WINDOW_MAX, &o->window))
		return pw_usage(PROG, "--window must be a whole number from 1 to %d, not '%s'",
				HI_WINDOW_MAX, window);
	if (stat_option(&o->ro, "alpha", alpha) || stat_option(&o->ro, "min-change", min_change) ||
	    stat_option(&o->ro, "correction", correction))
		return 2;
	if (format && strcmp(format, "text") && strcmp(format, "json"))
		return pw_usage(PROG, "--format must be text or json, not '%s'", format);
	o->json = format && !strcmp(format, "json");
	if (jobs) {
		if (pw_ulong(jobs, 1, 4096, &u))
			return pw_usage(PROG, "--jobs must be a whole number from 1 to 4096, "
					"not '%s'", jobs);
		o->jobs = (long)u;
	}
	if (o->title && !*o->title)
		return pw_usage(PROG, "--title must not be empty");
	if (*npos < 3)
		return pw_usage(PROG, "the output directory and at least two result sets are "
				"needed");
	return 0;
}

int px_history(int argc, char **argv)
{
	struct hi_options o = { .ro = RP_OPTIONS_DEFAULT, .window = HI_WINDOW };
	struct rs_set **sets = NULL;
	struct history *h = NULL;
	const char **pos = NULL;
	unsigned problems = 0;
	char *missing = NULL;
	bool help = false, by_time;
	size_t nsets = 0;
	long base = -1;
	int npos = 0, rc;

	rc = parse(argc, argv, &o, &pos, &npos, &help);
	if (rc || help) {
		if (help)
			history_help(stdout);
		goto out;
	}
	rc = 2;
	/* Where the output goes is checked first: a typo there wastes no work. */
	if (rd_check_dir(PROG, pos[0]))
		goto out;
	nsets = (size_t)npos - 1;
	sets = rs_load_sets(pos + 1, nsets, &problems);
	if (!sets) {
		nsets = 0;
		goto out;
	}
	if (rp_check_mixed(sets, nsets, o.ro.allow_mixed))
		goto out;
	by_time = order_sets(sets, nsets, &missing);
	if (o.baseline) {
		base = find_baseline(sets, nsets, o.baseline);
		if (base < 0) {
			rc = bad_baseline(sets, nsets, o.baseline);
			goto out;
		}
	}
	h = build(sets, nsets, &o, base, by_time ? NULL : missing);
	{
		struct rd_writer wr = { .prog = PROG, .dir = pos[0], .fill = fill_dir,
					.done = print_done, .arg = h };

		rc = rd_build(&wr);
	}
	if (!rc && problems) {
		fprintf(stderr, PROG ": %u problem%s found in the input (see above): the "
			"history lacks what was left out\n", problems, problems == 1 ? "" : "s");
		rc = 1;
	}
out:
	history_free(h);
	for (size_t k = 0; k < nsets; k++)
		rs_free(sets[k]);
	free(sets);
	free(pos);
	free(missing);
	return rc;
}
