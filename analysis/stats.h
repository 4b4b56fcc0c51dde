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
 * Minimum detectable effect of Welch's test: the smallest true difference
 * of the means that a two-sided test at level alpha finds with probability
 * power, for na and nb values with standard deviations sd_a and sd_b:
 *
 *	se = sqrt(sd_a^2 / na + sd_b^2 / nb), df by Welch-Satterthwaite,
 *	mde = (t(1 - alpha / 2, df) + t(power, df)) * se
 *
 * t(q, df) being the q quantile of Student's t.  This is the usual
 * approximation: the standard deviations are taken as the true ones, and
 * the chance of rejecting on the wrong side is neglected.  Returns 0 when
 * both standard deviations are 0 (Welch's test is degenerate: any
 * difference is found), NAN when na or nb < 2, a standard deviation is
 * negative or not finite, or alpha or power is outside (0, 1).
 */
double pt_welch_mde(double sd_a, size_t na, double sd_b, size_t nb, double alpha,
		    double power);

/*
 * The smallest number of repetitions n, the same on both sides, at which
 * pt_welch_mde(sd_a, n, sd_b, n, alpha, power) <= target: how long a run
 * must be to see a change of target, the spread staying what it was.
 * 2 when it is already so at n = 2; 0 when even max repetitions are not
 * enough or an argument is out of range.
 */
size_t pt_mde_reps(double sd_a, double sd_b, double alpha, double power, double target,
		   size_t max);

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
