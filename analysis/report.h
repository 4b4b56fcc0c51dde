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
};

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
	struct rp_options opt;
};

struct rp_model *rp_build(struct rs_set *const *sets, size_t nsets,
			  const struct rp_options *o);
void rp_free(struct rp_model *m);

/* Print in m->opt.format; 0, or -1 when writing failed. */
int rp_show(FILE *f, const struct rp_model *m);
int rp_compare(FILE *f, const struct rp_model *m);

int rp_parse_format(const char *s, enum rp_format *f);
const char *rp_correction_name(enum rp_correction c);

/* x with sig significant digits, no exponent below 1e15; "-" for NAN. */
const char *rp_fmt_sig(char *buf, size_t len, double x, int sig);


#endif
