/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics for comparing two sets of repetitions.  Distributions come
 * from GSL; nothing here hand-rolls a t or normal CDF.
 */
#ifndef PT_STATS_H
#define PT_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct pt_summary {
	size_t n;
	double mean;
	double sd;		/* sample standard deviation (n-1); NAN if n < 2 */
	double cv;		/* sd / |mean|; NAN if n < 2 or mean == 0 */
	double min, max;
};

/* Returns 0, or -1 if n == 0 or a sample is not finite. */
int pt_summarize(const double *x, size_t n, struct pt_summary *s);

/*
 * Welch's unequal-variance t-test of b against a (a is the baseline).
 * diff = mean(b) - mean(a); [ci_lo, ci_hi] is its `conf' (e.g. 0.95)
 * confidence interval with the Welch-Satterthwaite degrees of freedom;
 * p is two-sided.
 * Returns 0; -1 if either side has n < 2.  When both variances are zero
 * the test is degenerate: p = 1 if the means are equal, 0 otherwise, df
 * and t are NAN, the interval is [diff, diff], and the return value is 1
 * so the caller can say so.
 */
struct pt_welch {
	double diff, t, df, p, ci_lo, ci_hi;
};
int pt_welch(const double *a, size_t na, const double *b, size_t nb,
	     double conf, struct pt_welch *w);

/*
 * Mann-Whitney U test, two-sided.  u is U of sample a (the number of pairs
 * with a > b, ties counting one half).  p is exact (by counting the
 * permutation distribution) when there are no ties and na * nb is small
 * (na, nb <= 20), else the normal approximation with tie correction and
 * continuity correction.  Returns 0, or -1 if either side is empty.
 */
struct pt_mwu {
	double u, p;
	bool exact;
};
int pt_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		    struct pt_mwu *m);

/*
 * Multiple-comparison adjustment of n p-values (NAN entries are skipped and
 * stay NAN, and do not count in n): Benjamini-Hochberg (false discovery
 * rate) or Holm (family-wise error), adjusted values monotone and <= 1.
 */
void pt_adjust_bh(const double *p, size_t n, double *adj);
void pt_adjust_holm(const double *p, size_t n, double *adj);

#endif
