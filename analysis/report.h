/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tables of ptstat show and ptstat compare.  rp_build() matches the
 * entries and metrics of the sets by label and name, summarizes every
 * metric and runs the tests of each set against the first (the baseline);
 * the printers only lay the result out.  plot.c uses the same model.
 */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "resultset.h"
#include "stats.h"

enum rp_format { RP_TEXT, RP_MARKDOWN, RP_CSV, RP_JSON, RP_KERNBENCH };
enum rp_correction { RP_BH, RP_HOLM };

struct rp_options {
	enum rp_format format;
	double alpha;		/* significance level of the adjusted Welch p */
	double min_change;	/* percent: smaller changes are never significant */
	enum rp_correction correction;
	bool verbose;		/* text, markdown: CI and p-values as well */
	bool allow_mixed;	/* --allow-mixed: see rp_check_mixed() */
};

enum rp_verdict {
	RP_BASELINE,	/* the baseline's own column */
	RP_BETTER,
	RP_WORSE,
	RP_SAME,	/* no significant change */
	RP_INFO,	/* an info metric: not judged */
	RP_N1,		/* a side has one sample: no test, no verdict */
	RP_MISSING,	/* the metric is missing in a set (test->missing) */
	RP_MISMATCH,	/* unit or direction differ between the sets */
};

/* One metric of one entry in one set. */
struct rp_cell {
	const struct rs_metric *m;	/* NULL: not in this set */
	struct pt_summary s;
};

/* One set against the baseline; NAN where a figure does not exist. */
struct rp_test {
	enum rp_verdict v;
	double change_pct;	/* (mean - baseline) / |baseline| * 100 */
	double ci_lo, ci_hi;	/* 95% CI of mean - baseline mean (Welch) */
	double welch_p, mwu_p, adj_p;
	bool degenerate;	/* both variances zero: Welch gave p 0 or 1 */
	size_t missing;		/* RP_MISSING: index of the set without it */
	/*
	 * The smallest change, in percent of |baseline mean|, that this
	 * comparison would have found (power 0.8, two-sided Welch at the
	 * per-test level rp_model.mde_alpha): pt_welch_mde().  For every
	 * judged metric with n >= 2 on both sides and a baseline mean not 0;
	 * NAN otherwise.
	 */
	double mde_pct;
	/*
	 * RP_SAME with mde_pct above --min-change: the repetitions per set
	 * (the standard deviations kept) that would bring mde_pct down to
	 * --min-change; 0 when not so, or beyond RP_MDE_MAX_REPS.
	 */
	size_t mde_reps;
	bool mde_short;		/* RP_SAME and mde_pct > --min-change: too few reps */
};

#define RP_MDE_POWER		0.8
#define RP_MDE_MAX_REPS		1000000

struct rp_row {
	const char *name, *unit;
	enum rs_better better;
	struct rp_cell *cell;	/* [nsets] */
	struct rp_test *test;	/* [nsets]; [0] is the baseline's */
};

struct rp_entry {
	const char *label, *bench, *desc;
	const struct rs_entry **in;	/* [nsets]; NULL: not in that set */
	struct rp_row *rows;
	size_t nrows;
	char **notes;
	size_t nnotes;
};

struct rp_model {
	struct rs_set *const *sets;
	size_t nsets;
	char **titles;		/* rs_set_title() of each set */
	struct rp_entry *entries;
	size_t nentries;
	size_t ntests;		/* p-values in the multiple-comparison correction */
	double mde_alpha;	/* the per-test alpha of mde_pct: alpha / ntests */
	size_t nshort;		/* comparisons with mde_short */
	/*
	 * Notes about the sets as a whole, printed before the tables in every
	 * format: "NOTE: emulated timings. ..." when a set ran under TCG.
	 */
	char **set_notes;
	size_t nset_notes;
	/*
	 * Sets named ...-rcu or ...-direct say which free path they are meant
	 * to take: two of them labelled differently that counted the same
	 * path are not a comparison of the two paths (a set note says so).
	 */
	bool same_path;
	/* "FAILED: L in set S (exit 139, FILE:LINE): message", one per entry */
	char **failed;
	size_t nfailed;
	struct rp_options opt;
};

struct rp_model *rp_build(struct rs_set *const *sets, size_t nsets,
			  const struct rp_options *o);
void rp_free(struct rp_model *m);

/* Print in m->opt.format; 0, or -1 when writing failed. */
int rp_show(FILE *f, const struct rp_model *m);
int rp_compare(FILE *f, const struct rp_model *m);

/*
 * TCG timings are compared only with TCG timings: when some sets ran
 * under TCG and others did not, and allow_mixed is false, say so on
 * stderr ("ptstat: a ran under TCG (emulated) and b (kvm) did not: ...")
 * and return 2 (ptstat's exit status for refused input); else 0.
 * compare, plot and report call it before building the model.
 */
int rp_check_mixed(struct rs_set *const *sets, size_t n, bool allow_mixed);

/* The FAILED line of an entry that failed in set (rp_model.failed). Caller frees. */
char *rp_failed_line(const struct rs_set *set, const struct rs_failed *f);

/*
 * The verdict of set k against the baseline as the text tables print it,
 * with the smallest detectable change after a "no change": "no change
 * (would detect ≥ 7.4%)", "no change (would detect ≥ 12%; too few reps
 * to see 2%)".  narrow: "no change", else "no significant change".
 * Caller frees.
 */
char *rp_verdict_text(const struct rp_model *m, const struct rp_row *r, size_t k,
		      bool narrow);

/*
 * The footer: the verdict rule, then how the smallest detectable change
 * is computed and, when some comparisons ran too few repetitions for
 * --min-change, which ones and how many would do ("\n" between
 * paragraphs and list lines).  Caller frees.
 */
char *rp_footer_text(const struct rp_model *m);

int rp_parse_format(const char *s, enum rp_format *f);

/*
 * The options every judging command shares: name "alpha", "min-change" or
 * "correction" with its value into o; -1 with the message ("--alpha must
 * be ...") in err when the value is not one.
 */
int rp_stat_option(struct rp_options *o, const char *name, const char *val, char *err,
		   size_t errlen);
/* rp_options' defaults: alpha 0.05, --min-change 2%, Benjamini-Hochberg. */
#define RP_OPTIONS_DEFAULT { .format = RP_TEXT, .alpha = 0.05, .min_change = 2, \
			     .correction = RP_BH }
const char *rp_correction_name(enum rp_correction c);

/*
 * A cell's mean and standard deviation, 6 and 5 significant digits:
 * "42304.9 (5273.2)", or "42304.9 \u00b1 5273.2" with plus_minus;
 * "42304.9 (n=1)", "-" for no cell.  Caller frees.
 */
char *rp_fmt_mean_sd(const struct rp_cell *c, bool plus_minus);

/*
 * Adjust the p-values *p[i] of n tests as one family (Benjamini-Hochberg
 * or Holm), each into *adj[i]: the report's and the history's correction.
 */
void rp_adjust(double *const *p, double *const *adj, size_t n, enum rp_correction c);

/* "+1.25%", "-" for NAN. */
const char *rp_fmt_pct(char *buf, size_t len, double pct);
/* "[-1.20%, +3.40%]": t's CI in percent of |base|; "-" when none.  Caller frees. */
char *rp_fmt_ci_pct(const struct rp_test *t, double base);

/* x with sig significant digits, no exponent below 1e15; "-" for NAN. */
const char *rp_fmt_sig(char *buf, size_t len, double x, int sig);


#endif
