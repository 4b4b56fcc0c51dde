// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the comparison statistics (analysis/stats.c).
 *
 * Every reference value is computed independently of stats.c: by hand where
 * the comment shows the arithmetic, otherwise with SciPy 1.10.1 / NumPy
 * 1.24.2 (Debian 12 python3-scipy, used only as a calculator, not a
 * dependency of ptbench):
 *
 *   summaries	numpy mean(), std(ddof=1)
 *   Welch	scipy.stats.ttest_ind(b, a, equal_var=False) for t and p;
 *		SciPy 1.10 reports neither df nor an interval, so df is the
 *		Welch-Satterthwaite formula in NumPy (checked to reproduce
 *		scipy's p through scipy.stats.t.sf) and the interval is
 *		diff -+ q * se with q solving scipy.stats.t.sf(q, df) =
 *		(1 - conf) / 2 (scipy.optimize.brentq, xtol 1e-15).  Not
 *		scipy.stats.t.ppf: in 1.10.1 it is off by 1.1e-9 relative at
 *		df = 100/17 (its own t.sf, and a quadrature of the density,
 *		put the 0.975 point where GSL does).
 *   U, p	scipy.stats.mannwhitneyu(a, b, alternative='two-sided',
 *		method='exact' or 'asymptotic', use_continuity=True); its U is
 *		that of the first sample, as in stats.h
 *
 * Values are compared with a relative tolerance of 1e-12 for arithmetic
 * (means, t, df, exact counts) and 1e-10 for the t and normal
 * distributions, where GSL and SciPy use different algorithms (they agree
 * to about 1e-13 on these inputs; the margin is for other GSL builds).
 */
#include "config.h"

#include <stddef.h>

#include "../analysis/stats.h"
#include "tap.h"

#define N(x)	(sizeof(x) / sizeof((x)[0]))

/* Relative comparison; `want' is a constant, so using it twice is fine. */
#define is_rel(got, want, rel, what) \
	is_near(got, want, (rel) * fabs(want), what)

#define ARITH	1e-12
#define DIST	1e-10

/*
 * Textbook example, by hand:
 *   a = 1 2 3 4 5	mean 3, squares about it 4+1+0+1+4 = 10, var 10/4 = 2.5
 *   b = 4 6 8 10 12	mean 8, squares 16+4+0+4+16 = 40, var 40/4 = 10
 *   diff = 8 - 3 = 5
 *   se^2 = 2.5/5 + 10/5 = 0.5 + 2 = 2.5, t = 5 / sqrt(2.5) = sqrt(10)
 *   df = 2.5^2 / (0.5^2/4 + 2^2/4) = 6.25 / 1.0625 = 100/17
 *   sd(a) = sqrt(2.5), cv(a) = sqrt(2.5) / 3
 * p and the intervals: scipy (p = 0.020038891119415168).
 */
static const double t1a[] = { 1, 2, 3, 4, 5 };
static const double t1b[] = { 4, 6, 8, 10, 12 };

static void test_textbook(void)
{
	struct pt_summary s;
	struct pt_welch w;

	ok(pt_summarize(t1a, N(t1a), &s) == 0, "summarize 1..5");
	ok(s.n == 5, "n");
	is_rel(s.mean, 3.0, ARITH, "mean of 1..5 (hand)");
	is_rel(s.sd, sqrt(2.5), ARITH, "sd of 1..5 = sqrt(2.5) (hand)");
	is_rel(s.cv, sqrt(2.5) / 3, ARITH, "cv of 1..5 (hand)");
	ok(s.min == 1 && s.max == 5, "min 1, max 5");
	ok(pt_summarize(t1b, N(t1b), &s) == 0, "summarize 4..12");
	is_rel(s.sd, sqrt(10.0), ARITH, "sd of 4,6,..12 = sqrt(10) (hand)");
	is_rel(s.cv, 0.39528470752104744, ARITH, "cv of 4,6,..12 (numpy)");

	ok(pt_welch(t1a, N(t1a), t1b, N(t1b), 0.95, &w) == 0, "welch textbook");
	is_rel(w.diff, 5.0, ARITH, "diff (hand)");
	is_rel(w.t, sqrt(10.0), ARITH, "t = sqrt(10) (hand)");
	is_rel(w.df, 100.0 / 17, ARITH, "df = 100/17 (hand)");
	is_rel(w.p, 0.020038891119415168, DIST, "p (scipy)");
	is_rel(w.ci_lo, 1.112258356263025, DIST, "95% ci low (scipy t.sf inverted)");
	is_rel(w.ci_hi, 8.887741643736975, DIST, "95% ci high (scipy t.sf inverted)");
	ok(pt_welch(t1a, N(t1a), t1b, N(t1b), 0.90, &w) == 0, "welch 90%%");
	is_rel(w.ci_lo, 1.9165222323588638, DIST, "90% ci low (scipy t.sf inverted)");
	is_rel(w.ci_hi, 8.0834777676411367, DIST, "90% ci high (scipy t.sf inverted)");

	/* Swapping the samples flips the sign of everything but p. */
	ok(pt_welch(t1b, N(t1b), t1a, N(t1a), 0.95, &w) == 0, "welch swapped");
	is_rel(w.t, -sqrt(10.0), ARITH, "swapped t");
	is_rel(w.ci_lo, -8.887741643736975, DIST, "swapped ci low");
	is_rel(w.p, 0.020038891119415168, DIST, "swapped p");
}

/* Unequal n (8 vs 12) and unequal variances (sd 1.13 vs 4.51). */
static const double t2a[] = {
	101.2, 99.8, 100.5, 102.1, 98.9, 100.0, 101.7, 99.4,
};
static const double t2b[] = {
	104.9, 97.3, 108.2, 103.5, 95.8, 110.4, 102.6, 106.1,
	99.0, 107.7, 101.3, 105.5,
};

static void test_unequal(void)
{
	struct pt_summary s;
	struct pt_welch w;

	ok(pt_summarize(t2a, N(t2a), &s) == 0, "summarize a (n=8)");
	is_rel(s.mean, 100.45, ARITH, "mean a (numpy)");
	is_rel(s.sd, 1.1326328367379863, ARITH, "sd a (numpy)");
	is_rel(s.cv, 0.011275588220388117, ARITH, "cv a (numpy)");
	ok(s.min == 98.9 && s.max == 102.1, "min/max a");
	ok(pt_summarize(t2b, N(t2b), &s) == 0, "summarize b (n=12)");
	is_rel(s.mean, 103.52499999999999, ARITH, "mean b (numpy)");
	is_rel(s.sd, 4.5094093545909919, ARITH, "sd b (numpy)");
	is_rel(s.cv, 0.043558651094817602, ARITH, "cv b (numpy)");

	ok(pt_welch(t2a, N(t2a), t2b, N(t2b), 0.95, &w) == 0, "welch 8 vs 12");
	is_rel(w.diff, 3.0749999999999886, ARITH, "diff (numpy)");
	is_rel(w.t, 2.2577837776348049, ARITH, "t (scipy)");
	is_rel(w.df, 12.997470411883878, ARITH, "df (numpy Welch-Satterthwaite)");
	is_rel(w.p, 0.041805771493392402, DIST, "p (scipy)");
	is_rel(w.ci_lo, 0.13261680381635355, DIST, "95% ci low (scipy t.sf inverted)");
	is_rel(w.ci_hi, 6.0173831961836237, DIST, "95% ci high (scipy t.sf inverted)");
}

static void test_welch_edges(void)
{
	static const double c5[] = { 5, 5, 5 }, c5b[] = { 5, 5, 5, 5 };
	static const double c7[] = { 7, 7 }, v678[] = { 6, 7, 8 };
	static const double with_nan[] = { 1, 2, NAN }, with_inf[] = { 1, INFINITY };
	struct pt_summary s;
	struct pt_welch w;

	/* Identical samples: diff 0, t 0, p 1; ci symmetric (scipy t.sf inverted). */
	ok(pt_welch(t2a, N(t2a), t2a, N(t2a), 0.95, &w) == 0, "identical samples");
	ok(w.diff == 0 && w.t == 0, "identical: diff %g, t %g", w.diff, w.t);
	is_near(w.p, 1.0, 1e-12, "identical: p = 1 (scipy)");
	is_rel(w.df, 14.0, ARITH, "identical: df = 2 * (8 - 1) (hand)");
	is_rel(w.ci_hi, 1.214627915267106, DIST, "identical: ci high (scipy t.sf inverted)");
	is_rel(w.ci_lo, -1.214627915267106, DIST, "identical: ci low");

	/* Both constant: a degenerate test, reported with return value 1. */
	ok(pt_welch(c5, N(c5), c5b, N(c5b), 0.95, &w) == 1, "constant, equal means: returns 1");
	ok(w.p == 1 && w.diff == 0, "constant, equal means: p = 1, diff 0");
	ok(isnan(w.t) && isnan(w.df), "constant: t and df are NAN");
	ok(w.ci_lo == 0 && w.ci_hi == 0, "constant, equal means: ci [0, 0]");
	ok(pt_welch(c5, N(c5), c7, N(c7), 0.95, &w) == 1, "constant, different means: returns 1");
	ok(w.p == 0 && w.diff == 2, "constant, different means: p = 0, diff 2");
	ok(w.ci_lo == 2 && w.ci_hi == 2, "constant, different means: ci [2, 2]");

	/*
	 * One side constant is not degenerate: se^2 = 1/3 from b alone, so
	 * t = 2 * sqrt(3) and df = nb - 1 = 2 (hand).  With 2 degrees of
	 * freedom the t quantile has a closed form, q = (2P - 1) /
	 * sqrt(2 P (1 - P)), P = 0.975: q = 0.95 / sqrt(0.04875), and the
	 * interval is 2 -+ q / sqrt(3) (hand); p from scipy.
	 */
	ok(pt_welch(c5, N(c5), v678, N(v678), 0.95, &w) == 0, "one side constant");
	is_rel(w.t, 2 * sqrt(3.0), ARITH, "one constant: t = 2 sqrt(3) (hand)");
	is_rel(w.df, 2.0, ARITH, "one constant: df = 2 (hand)");
	is_rel(w.p, 0.074179900227448525, DIST, "one constant: p (scipy)");
	is_rel(w.ci_lo, -0.48413771175032982, DIST, "one constant: ci low (scipy t.sf inverted)");
	is_rel(w.ci_hi, 4.4841377117503303, DIST, "one constant: ci high (scipy t.sf inverted)");
	is_rel(w.ci_hi, 2 + 0.95 / sqrt(0.04875) / sqrt(3.0), ARITH,
	       "one constant: ci high, df = 2 closed form (hand)");

	/* Too few values, and values that are not numbers. */
	ok(pt_welch(t1a, 1, t1b, N(t1b), 0.95, &w) == -1, "welch na = 1: -1");
	ok(pt_welch(t1a, N(t1a), t1b, 1, 0.95, &w) == -1, "welch nb = 1: -1");
	ok(pt_welch(t1a, 0, t1b, 0, 0.95, &w) == -1, "welch empty: -1");
	ok(pt_welch(with_nan, N(with_nan), t1b, N(t1b), 0.95, &w) == -1, "welch NAN: -1");
	ok(pt_welch(t1a, N(t1a), with_inf, N(with_inf), 0.95, &w) == -1, "welch INFINITY: -1");
	ok(pt_welch(t1a, N(t1a), t1b, N(t1b), 1.0, &w) == -1, "welch conf 1: -1");
	ok(pt_welch(t1a, N(t1a), t1b, N(t1b), NAN, &w) == -1, "welch conf NAN: -1");

	ok(pt_summarize(t1a, 0, &s) == -1, "summarize n = 0: -1");
	ok(pt_summarize(with_nan, N(with_nan), &s) == -1, "summarize NAN: -1");
	ok(pt_summarize(with_inf, N(with_inf), &s) == -1, "summarize INFINITY: -1");
	ok(pt_summarize(c7, 1, &s) == 0 && s.mean == 7 && isnan(s.sd) && isnan(s.cv),
	   "summarize n = 1: mean 7, sd and cv NAN");
	{
		static const double pm[] = { -1, 1 };

		ok(pt_summarize(pm, N(pm), &s) == 0 && s.mean == 0 && isnan(s.cv),
		   "summarize mean 0: cv NAN");
		is_rel(s.sd, sqrt(2.0), ARITH, "sd of -1, 1 = sqrt(2) (hand)");
	}
}

static void test_mwu_exact(void)
{
	static const double lo5[] = { 1, 2, 3, 4, 5 }, hi5[] = { 6, 7, 8, 9, 10 };
	static const double sa[] = { 2, 5, 7 }, sb[] = { 1, 3, 4, 6 };
	static const double m2a[] = { 3.1, 4.7, 2.2, 5.9, 6.3, 1.8, 4.1 };
	static const double m2b[] = { 5.2, 6.8, 7.4, 3.9, 8.1, 6.6, 9.0, 5.5, 7.9 };
	/* numpy default_rng(1) normal(100, 5) and (103, 5), rounded to 0.01. */
	static const double m3a[] = {
		101.73, 104.11, 101.65, 93.48, 104.53, 102.23, 97.32, 102.91,
		101.82, 101.47, 100.14, 102.73, 96.32, 99.19, 97.59, 102.99,
		100.20, 98.54, 96.09, 98.71,
	};
	static const double m3b[] = {
		103.04, 101.62, 109.47, 108.03, 89.44, 93.55, 102.13, 100.89,
		104.07, 104.09, 113.59, 97.44, 101.11, 113.21, 106.23, 106.32,
		100.43, 94.76, 103.84, 103.55,
	};
	struct pt_mwu m;

	/*
	 * Fully separated 5 vs 5: of the C(10, 5) = 252 equally likely
	 * orderings one gives U = 25 and one U = 0, so p = 2/252 (hand);
	 * scipy exact: 0.0079365079365079361.
	 */
	ok(pt_mann_whitney(hi5, 5, lo5, 5, &m) == 0, "mwu 5 vs 5 separated");
	ok(m.exact, "5 vs 5 without ties is exact");
	is_rel(m.u, 25.0, ARITH, "U = 25 (every pair a > b)");
	is_rel(m.p, 2.0 / 252, ARITH, "exact p = 2/252 (hand, scipy)");
	ok(pt_mann_whitney(lo5, 5, hi5, 5, &m) == 0 && m.u == 0, "reversed: U = 0");
	is_rel(m.p, 2.0 / 252, ARITH, "reversed: exact p = 2/252");

	/*
	 * a = 2 5 7, b = 1 3 4 6: U = 1 + 3 + 4 = 8 (pairs won by 2, 5, 7).
	 * The counts of U = 0..12 over C(7, 3) = 35 orderings are the
	 * coefficients of the Gaussian binomial [7 choose 3]:
	 * 1 1 2 3 4 4 5 4 4 3 2 1 1, so P(U >= 8) = (4+3+2+1+1)/35 = 11/35
	 * and p = 22/35 (hand; scipy exact 0.62857142857142856).
	 */
	ok(pt_mann_whitney(sa, N(sa), sb, N(sb), &m) == 0 && m.exact, "mwu 3 vs 4 exact");
	is_rel(m.u, 8.0, ARITH, "3 vs 4: U = 8 (hand)");
	is_rel(m.p, 22.0 / 35, ARITH, "3 vs 4: p = 22/35 (hand)");

	/* 7 vs 9, no ties: scipy exact U 8, p 0.011538461538461539. */
	ok(pt_mann_whitney(m2a, N(m2a), m2b, N(m2b), &m) == 0 && m.exact, "mwu 7 vs 9 exact");
	is_rel(m.u, 8.0, ARITH, "7 vs 9: U (scipy)");
	is_rel(m.p, 0.011538461538461539, ARITH, "7 vs 9: exact p (scipy)");

	/* 20 vs 20, the largest exact case: scipy exact U 129, p 0.0558884...  */
	ok(pt_mann_whitney(m3a, N(m3a), m3b, N(m3b), &m) == 0 && m.exact, "mwu 20 vs 20 exact");
	is_rel(m.u, 129.0, ARITH, "20 vs 20: U (scipy)");
	is_rel(m.p, 0.055888438903383041, ARITH, "20 vs 20: exact p (scipy)");

	/* Single values: U = 1, two orderings, p = 2 * 1/2 = 1 (hand). */
	ok(pt_mann_whitney(hi5, 1, lo5, 1, &m) == 0 && m.exact && m.u == 1 && m.p == 1,
	   "1 vs 1: U = 1, p = 1");
}

static void test_mwu_normal(void)
{
	static const double ta[] = { 1, 2, 2, 3, 3, 3, 4 };
	static const double tb[] = { 2, 3, 4, 4, 5, 5, 6, 7 };
	static const double c4a[] = { 4, 4, 4 }, c4b[] = { 4, 4 };
	static const double bad[] = { 1, NAN };
	double odd[21], even[22];
	struct pt_mwu m;

	/*
	 * Ties, 7 vs 8, by hand.  Pooled, ranked:
	 *   1 -> 1; 2 (a a b) -> 3; 3 (a a a b) -> 6.5; 4 (a b b) -> 10;
	 *   5 (b b) -> 12.5; 6 -> 14; 7 -> 15
	 *   rank sum of a = 1 + 2*3 + 3*6.5 + 10 = 36.5, U = 36.5 - 7*8/2 = 8.5
	 *   ties: (27-3) + (64-4) + (27-3) + (8-2) = 114
	 *   var = 56/12 * (16 - 114/210) = 72.1333, |8.5 - 28| - 0.5 = 19
	 *   z = 19 / sqrt(72.1333) = 2.23711, p = 2 Q(z) = 0.02528
	 * scipy asymptotic, use_continuity: U 8.5, p 0.025279736885893914.
	 */
	ok(pt_mann_whitney(ta, N(ta), tb, N(tb), &m) == 0, "mwu with ties");
	ok(!m.exact, "ties use the normal approximation");
	is_rel(m.u, 8.5, ARITH, "ties: U = 8.5 (hand)");
	is_rel(m.p, 0.025279736885893914, DIST, "ties: p (scipy asymptotic)");

	/* 21 odd vs 22 even numbers: no ties, too large to count exactly. */
	for (int i = 0; i < 21; i++)
		odd[i] = 2 * i + 1;
	for (int i = 0; i < 22; i++)
		even[i] = 2 * i + 2;
	ok(pt_mann_whitney(odd, N(odd), even, N(even), &m) == 0 && !m.exact,
	   "21 vs 22 uses the normal approximation");
	/* Odd 2i+1 beats the i even numbers below it: 0 + 1 + .. + 20 = 210. */
	is_rel(m.u, 210.0, ARITH, "21 vs 22: U = 210 (hand, scipy)");
	is_rel(m.p, 0.61842922901919173, DIST, "21 vs 22: p (scipy asymptotic)");

	/* Identical samples: U is its mean 8*8/2 = 32, p = 1 (scipy). */
	ok(pt_mann_whitney(t2a, N(t2a), t2a, N(t2a), &m) == 0, "mwu identical samples");
	is_rel(m.u, 32.0, ARITH, "identical: U = 32");
	ok(m.p == 1, "identical: p = 1 (got %.9g)", m.p);

	/* Everything tied: the variance is 0, p = 1, U = 3*2/2 (scipy). */
	ok(pt_mann_whitney(c4a, N(c4a), c4b, N(c4b), &m) == 0 && !m.exact, "mwu all tied");
	ok(m.u == 3 && m.p == 1, "all tied: U = 3, p = 1 (got %g, %g)", m.u, m.p);

	ok(pt_mann_whitney(ta, 0, tb, N(tb), &m) == -1, "mwu a empty: -1");
	ok(pt_mann_whitney(ta, N(ta), tb, 0, &m) == -1, "mwu b empty: -1");
	ok(pt_mann_whitney(ta, N(ta), bad, N(bad), &m) == -1, "mwu NAN: -1");
}

/*
 * p = 0.01 0.04 0.03 0.005, by hand.  Sorted: 0.005 0.01 0.03 0.04 (m = 4).
 *   BH, from the largest: 0.04*4/4 = 0.04; 0.03*4/3 = 0.04;
 *	0.01*4/2 = 0.02; 0.005*4/1 = 0.02 -> 0.02 0.04 0.04 0.02
 *   Holm, from the smallest: 4*0.005 = 0.02; 3*0.01 = 0.03;
 *	2*0.03 = 0.06; 1*0.04 = 0.04, raised to 0.06 -> 0.03 0.06 0.06 0.02
 * The same with NANs in between must give the same, NANs left in place.
 */
static void test_adjust(void)
{
	static const double p[] = { 0.01, 0.04, 0.03, 0.005 };
	static const double bh[] = { 0.02, 0.04, 0.04, 0.02 };
	static const double holm[] = { 0.03, 0.06, 0.06, 0.02 };
	static const double pn[] = { NAN, 0.01, 0.04, NAN, 0.03, 0.005, NAN };
	static const double big[] = { 0.7, 0.8 };
	double adj[7];
	char what[64];

	pt_adjust_bh(p, N(p), adj);
	for (size_t i = 0; i < N(p); i++) {
		snprintf(what, sizeof(what), "BH p[%zu] (hand)", i);
		is_rel(adj[i], bh[i], 1e-12, what);
	}
	pt_adjust_holm(p, N(p), adj);
	for (size_t i = 0; i < N(p); i++) {
		snprintf(what, sizeof(what), "Holm p[%zu] (hand)", i);
		is_rel(adj[i], holm[i], 1e-12, what);
	}

	pt_adjust_bh(pn, N(pn), adj);
	ok(isnan(adj[0]) && isnan(adj[3]) && isnan(adj[6]), "BH keeps NANs");
	ok(fabs(adj[1] - 0.02) < 1e-12 && fabs(adj[2] - 0.04) < 1e-12 &&
	   fabs(adj[4] - 0.04) < 1e-12 && fabs(adj[5] - 0.02) < 1e-12,
	   "BH skips NANs: m = 4, not 7");
	pt_adjust_holm(pn, N(pn), adj);
	ok(isnan(adj[0]) && isnan(adj[3]) && isnan(adj[6]), "Holm keeps NANs");
	ok(fabs(adj[1] - 0.03) < 1e-12 && fabs(adj[2] - 0.06) < 1e-12 &&
	   fabs(adj[4] - 0.06) < 1e-12 && fabs(adj[5] - 0.02) < 1e-12,
	   "Holm skips NANs: m = 4, not 7");

	/* Capped at 1: Holm 2*0.7 = 1.4 -> 1, then 0.8 raised to 1 (hand). */
	pt_adjust_holm(big, N(big), adj);
	ok(adj[0] == 1 && adj[1] == 1, "Holm capped at 1 (%g %g)", adj[0], adj[1]);
	/* BH: 0.8*2/2 = 0.8; 0.7*2/1 = 1.4, lowered to 0.8 (hand). */
	pt_adjust_bh(big, N(big), adj);
	ok(fabs(adj[0] - 0.8) < 1e-12 && fabs(adj[1] - 0.8) < 1e-12, "BH monotone (%g %g)",
	   adj[0], adj[1]);

	/* Only NANs, and nothing at all. */
	pt_adjust_bh(pn, 1, adj);
	ok(isnan(adj[0]), "BH of a lone NAN is NAN");
	pt_adjust_holm(pn, 1, adj);
	ok(isnan(adj[0]), "Holm of a lone NAN is NAN");
	pt_adjust_bh(p, 0, adj);
	pt_adjust_holm(p, 0, adj);
	ok(1, "n = 0 does not crash");

	/* In place, adj == p. */
	{
		double q[] = { 0.01, 0.04, 0.03, 0.005 };

		pt_adjust_bh(q, N(q), q);
		ok(fabs(q[0] - 0.02) < 1e-12 && fabs(q[1] - 0.04) < 1e-12 &&
		   fabs(q[2] - 0.04) < 1e-12 && fabs(q[3] - 0.02) < 1e-12, "BH in place");
	}
}

/*
 * Minimum detectable effect, (t(1 - alpha/2, df) + t(power, df)) * se.
 * The references are computed without GSL, with mpmath 1.3.0 (Debian 12
 * python3-mpmath, 40 digits): the t tail as the regularized incomplete
 * beta function, P(T > t) = I(df / (df + t^2); df/2, 1/2) / 2, inverted
 * by bisection (the script is in the commit message that added this).  At
 * df = 8 the quantiles agree with the printed tables: t(0.975, 8) =
 * 2.306004, t(0.8, 8) = 0.888890 (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2
 * gives 2.306 and 0.889).
 *
 *   sd 1 and 1, n 5 and 5: se = sqrt(2/5), df = 8 (hand),
 *	mde = (2.306004135204167 + 0.888889517767020) * 0.632455532 =
 *	2.020628165080906
 *   the textbook samples (sd sqrt(2.5) and sqrt(10), n 5): se = sqrt(2.5),
 *	df = 100/17: 5.321947878814589; at alpha 0.05/6: 7.595173864356133
 *   sd 2 with n 3 against sd 1 with n 7: df 2.442185514612452,
 *	5.650563457772975
 */
static void test_mde(void)
{
	is_rel(pt_welch_mde(1, 5, 1, 5, 0.05, 0.8), 2.020628165080906, DIST,
	       "mde sd 1/1 n 5/5 (mpmath; t tables at df 8)");
	is_rel(pt_welch_mde(sqrt(2.5), 5, sqrt(10.0), 5, 0.05, 0.8), 5.321947878814589, DIST,
	       "mde textbook, df 100/17 (mpmath)");
	is_rel(pt_welch_mde(sqrt(2.5), 5, sqrt(10.0), 5, 0.05 / 6, 0.8), 7.595173864356133, DIST,
	       "mde textbook at alpha/6 (mpmath)");
	is_rel(pt_welch_mde(2, 3, 1, 7, 0.05, 0.8), 5.650563457772975, DIST,
	       "mde sd 2/1, n 3/7 (mpmath)");
	/* The sides swapped give the same (se and df are symmetric). */
	is_rel(pt_welch_mde(1, 7, 2, 3, 0.05, 0.8), 5.650563457772975, DIST,
	       "mde is symmetric in the sides");
	/* Scale: the mde is in the unit of the samples (hand: 10 x). */
	is_rel(pt_welch_mde(10, 5, 10, 5, 0.05, 0.8), 20.20628165080906, DIST,
	       "mde scales with the standard deviation");
	ok(pt_welch_mde(0, 5, 0, 5, 0.05, 0.8) == 0, "mde of two constant sides is 0");
	ok(isnan(pt_welch_mde(1, 1, 1, 5, 0.05, 0.8)), "mde with n = 1 is NAN");
	ok(isnan(pt_welch_mde(NAN, 5, 1, 5, 0.05, 0.8)), "mde of a NAN sd is NAN");
	ok(isnan(pt_welch_mde(1, 5, 1, 5, 0, 0.8)), "mde at alpha 0 is NAN");
	ok(isnan(pt_welch_mde(1, 5, 1, 5, 0.05, 1)), "mde at power 1 is NAN");

	/*
	 * Repetitions (mpmath, by counting n up): sd 1 and 1, alpha 0.05,
	 * target 1: n = 16 gives 1.0239, n = 17 gives 0.99124, so 17.  sd 0.8
	 * and 1.5, alpha 0.01, target 0.5: n = 137 gives 0.50008, n = 138
	 * gives 0.49823, so 138.
	 */
	ok(pt_mde_reps(1, 1, 0.05, 0.8, 1, 1000000) == 17, "reps for mde 1 at sd 1: 17 (%zu)",
	   pt_mde_reps(1, 1, 0.05, 0.8, 1, 1000000));
	ok(pt_mde_reps(0.8, 1.5, 0.01, 0.8, 0.5, 1000000) == 138,
	   "reps for mde 0.5 at sd 0.8/1.5, alpha 0.01: 138 (%zu)",
	   pt_mde_reps(0.8, 1.5, 0.01, 0.8, 0.5, 1000000));
	ok(pt_mde_reps(0.8, 1.5, 0.01, 0.8, 0.5, 137) == 0, "reps capped: 0 when max is short");
	ok(pt_mde_reps(0.8, 1.5, 0.01, 0.8, 0.5, 138) == 138, "reps at exactly max");
	ok(pt_mde_reps(1, 1, 0.05, 0.8, 100, 1000) == 2, "reps: 2 when 2 already do");
	ok(pt_mde_reps(0, 0, 0.05, 0.8, 0, 1000) == 2, "reps: constant sides need 2");
	ok(pt_mde_reps(1, 1, 0.05, 0.8, 0, 1000000) == 0, "reps: a target of 0 is never met");
	ok(pt_mde_reps(NAN, 1, 0.05, 0.8, 1, 1000) == 0, "reps: NAN sd gives 0");
}

int main(void)
{
	test_textbook();
	test_unequal();
	test_welch_edges();
	test_mwu_exact();
	test_mwu_normal();
	test_adjust();
	test_mde();
	return tap_done();
}
