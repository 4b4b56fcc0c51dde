// SPDX-License-Identifier: GPL-2.0
/*
 * Two-sample statistics for ptstat: summaries, Welch's t-test, the
 * Mann-Whitney U test and p-value adjustment for many comparisons.
 * The t and normal distributions come from GSL; only the exact null
 * distribution of U is computed here, because GSL has none.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "stats.h"

/* Largest sample size for which the exact U distribution is counted. */
#define MW_EXACT_MAX	20

static bool all_finite(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return false;
	return true;
}

int pt_summarize(const double *x, size_t n, struct pt_summary *s)
{
	if (!n || !all_finite(x, n))
		return -1;

	s->n = n;
	s->mean = gsl_stats_mean(x, 1, n);
	gsl_stats_minmax(&s->min, &s->max, x, 1, n);
	s->sd = NAN;
	s->cv = NAN;
	if (n < 2)
		return 0;
	s->sd = gsl_stats_sd_m(x, 1, n, s->mean);
	if (s->mean != 0)
		s->cv = s->sd / fabs(s->mean);
	return 0;
}

/* Mean and sample variance (n-1); the caller has checked n >= 2. */
static int mean_var(const double *x, size_t n, double *mean, double *var)
{
	if (!all_finite(x, n))
		return -1;
	*mean = gsl_stats_mean(x, 1, n);
	*var = gsl_stats_variance_m(x, 1, n, *mean);
	return 0;
}

/*
 * Welch-Satterthwaite degrees of freedom from the squared standard errors
 * va = var_a / na and vb = var_b / nb (not both 0), written with the
 * ratios va/se2 and vb/se2 so that squaring tiny variances cannot
 * underflow to 0/0.
 */
static double welch_df(double va, size_t na, double vb, size_t nb)
{
	double se2 = va + vb;

	va /= se2;
	vb /= se2;
	return 1 / (va * va / (na - 1) + vb * vb / (nb - 1));
}

int pt_welch(const double *a, size_t na, const double *b, size_t nb,
	     double conf, struct pt_welch *w)
{
	double ma, mb, va, vb, se2, se, q;

	if (na < 2 || nb < 2 || !(conf > 0 && conf < 1))
		return -1;
	if (mean_var(a, na, &ma, &va) || mean_var(b, nb, &mb, &vb))
		return -1;

	w->diff = mb - ma;
	/* From here on va and vb are the squared standard errors of the means. */
	va /= na;
	vb /= nb;
	se2 = va + vb;
	if (se2 == 0) {
		/* Constant samples: the means either match or they do not. */
		w->t = NAN;
		w->df = NAN;
		w->p = w->diff == 0 ? 1 : 0;
		w->ci_lo = w->ci_hi = w->diff;
		return 1;
	}

	se = sqrt(se2);
	w->t = w->diff / se;
	w->df = welch_df(va, na, vb, nb);
	w->p = fmin(1, 2 * gsl_cdf_tdist_Q(fabs(w->t), w->df));
	q = gsl_cdf_tdist_Qinv((1 - conf) / 2, w->df);
	w->ci_lo = w->diff - q * se;
	w->ci_hi = w->diff + q * se;
	return 0;
}

double pt_welch_mde(double sd_a, size_t na, double sd_b, size_t nb, double alpha,
		    double power)
{
	double va, vb, df;

	if (na < 2 || nb < 2 || !(sd_a >= 0 && sd_b >= 0) || !isfinite(sd_a) ||
	    !isfinite(sd_b) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1))
		return NAN;
	va = sd_a * sd_a / na;
	vb = sd_b * sd_b / nb;
	if (va + vb == 0)
		return 0;
	df = welch_df(va, na, vb, nb);
	return (gsl_cdf_tdist_Qinv(alpha / 2, df) + gsl_cdf_tdist_Pinv(power, df)) *
	       sqrt(va + vb);
}

/*
 * The detectable effect only shrinks as n grows (the standard error falls
 * as 1/sqrt(n), the degrees of freedom rise): double n until it is small
 * enough, then bisect.
 */
size_t pt_mde_reps(double sd_a, double sd_b, double alpha, double power, double target,
		   size_t max)
{
	size_t lo = 2, hi = 2;

	if (!(target >= 0) || max < 2 || isnan(pt_welch_mde(sd_a, 2, sd_b, 2, alpha, power)))
		return 0;
	while (!(pt_welch_mde(sd_a, hi, sd_b, hi, alpha, power) <= target)) {
		if (hi >= max)
			return 0;
		lo = hi + 1;
		hi = hi > max / 2 ? max : 2 * hi;
	}
	/* The answer is in [lo, hi]: the mde at hi is small enough. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pt_welch_mde(sd_a, mid, sd_b, mid, alpha, power) <= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return hi;
}

struct mw_obs {
	double v;
	bool in_a;
};

static int mw_obs_cmp(const void *x, const void *y)
{
	double u = ((const struct mw_obs *)x)->v;
	double v = ((const struct mw_obs *)y)->v;

	return (u > v) - (u < v);
}

/*
 * Two-sided exact p-value of U = u for samples of na and nb values without
 * ties.  cnt[j][k] is the number of orderings of i values of a and j of b
 * in which k (a, b) pairs have a > b; adding a new largest value either
 * comes from a, beating all j values of b, or from b, beating nothing:
 *
 *	cnt(i, j, k) = cnt(i - 1, j, k - j) + cnt(i, j - 1, k)
 *
 * The table is updated in place for i = 1..na, k descending so that
 * cnt(i - 1, j, k - j) is still the old value when it is read.  The counts
 * reach C(40, 20) < 2^38, well inside 64 bits.
 */
static int mw_exact_p(size_t na, size_t nb, double u, double *p)
{
	size_t kmax = na * nb, w = kmax + 1, k0 = (size_t)u;
	uint64_t *cnt, *last;
	double lo = 0, hi = 0, total = 0;

	cnt = calloc((nb + 1) * w, sizeof(*cnt));
	if (!cnt)
		return -1;
	/* i = 0: only b values, no pair has a > b. */
	for (size_t j = 0; j <= nb; j++)
		cnt[j * w] = 1;
	for (size_t i = 1; i <= na; i++) {
		for (size_t j = 1; j <= nb; j++) {
			uint64_t *c = cnt + j * w, *left = c - w;

			for (size_t k = i * j + 1; k-- > 0;)
				c[k] = (k >= j ? c[k - j] : 0) + left[k];
		}
	}

	last = cnt + nb * w;
	for (size_t k = 0; k <= kmax; k++) {
		total += last[k];
		if (k <= k0)
			lo += last[k];
		if (k >= k0)
			hi += last[k];
	}
	free(cnt);
	*p = fmin(1, 2 * fmin(lo, hi) / total);
	return 0;
}

/*
 * Normal approximation: the variance of U shrinks with ties (tie_sum is
 * the sum of t^3 - t over groups of t equal values), and U is moved 0.5
 * toward its mean because it is discrete.
 */
static double mw_normal_p(size_t na, size_t nb, double u, double tie_sum)
{
	double n = (double)na + nb, nab = (double)na * nb;
	double var = nab / 12 * ((n + 1) - tie_sum / (n * (n - 1)));
	double d = fmax(0, fabs(u - nab / 2) - 0.5);

	/* Every value equal: nothing tells the samples apart. */
	if (!(var > 0))
		return 1;
	return fmin(1, 2 * gsl_cdf_ugaussian_Q(d / sqrt(var)));
}

int pt_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		    struct pt_mwu *m)
{
	size_t n = na + nb;
	struct mw_obs *obs;
	double rank_a = 0, tie_sum = 0;

	if (!na || !nb || !all_finite(a, na) || !all_finite(b, nb))
		return -1;
	obs = malloc(n * sizeof(*obs));
	if (!obs)
		return -1;
	for (size_t i = 0; i < na; i++)
		obs[i] = (struct mw_obs){ a[i], true };
	for (size_t i = 0; i < nb; i++)
		obs[na + i] = (struct mw_obs){ b[i], false };
	qsort(obs, n, sizeof(*obs), mw_obs_cmp);

	/* Tied values share the mean of the ranks i + 1 .. j they span. */
	for (size_t i = 0, j; i < n; i = j) {
		size_t from_a = 0;
		double t;

		for (j = i; j < n && obs[j].v == obs[i].v; j++)
			from_a += obs[j].in_a;
		t = j - i;
		rank_a += from_a * (i + 1 + j) / 2.0;
		tie_sum += t * t * t - t;
	}
	free(obs);

	m->u = rank_a - (double)na * (na + 1) / 2;
	m->exact = tie_sum == 0 && na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX;
	if (m->exact)
		return mw_exact_p(na, nb, m->u, &m->p);
	m->p = mw_normal_p(na, nb, m->u, tie_sum);
	return 0;
}

struct p_rank {
	double p;
	size_t i;
};

/* By p, then by position so that the order does not depend on qsort. */
static int p_rank_cmp(const void *x, const void *y)
{
	const struct p_rank *r = x, *s = y;

	if (r->p != s->p)
		return r->p < s->p ? -1 : 1;
	return (r->i > s->i) - (r->i < s->i);
}

/*
 * Sorts the non-NAN p-values with their positions and sets every adj[] to
 * NAN, so the callers only fill in the valid ones.  The copy is taken
 * before adj[] is written, which keeps adj == p working.  Returns the
 * number of valid values, or 0 with *out NULL if there are none or the
 * memory is missing (then everything stays NAN rather than half done).
 */
static size_t p_sort(const double *p, size_t n, double *adj,
		     struct p_rank **out)
{
	struct p_rank *r;
	size_t m = 0;

	*out = NULL;
	r = malloc((n ? n : 1) * sizeof(*r));
	for (size_t i = 0; r && i < n; i++)
		if (!isnan(p[i]))
			r[m++] = (struct p_rank){ p[i], i };
	for (size_t i = 0; i < n; i++)
		adj[i] = NAN;
	if (!m) {
		free(r);
		return 0;
	}
	qsort(r, m, sizeof(*r), p_rank_cmp);
	*out = r;
	return m;
}

/*
 * Step-up: the value of rank k is the smallest p(j) * m / j over j >= k,
 * which makes the adjusted values monotone in p.
 */
void pt_adjust_bh(const double *p, size_t n, double *adj)
{
	struct p_rank *r;
	size_t m = p_sort(p, n, adj, &r);
	double run = 1;

	for (size_t k = m; k > 0; k--) {
		run = fmin(run, r[k - 1].p * m / k);
		adj[r[k - 1].i] = run;
	}
	free(r);
}

/*
 * Step-down: rank k (from 1) is multiplied by m - k + 1, and no value may
 * be smaller than the one before it.
 */
void pt_adjust_holm(const double *p, size_t n, double *adj)
{
	struct p_rank *r;
	size_t m = p_sort(p, n, adj, &r);
	double run = 0;

	for (size_t k = 1; k <= m; k++) {
		run = fmax(run, fmin(1, r[k - 1].p * (m - k + 1)));
		adj[r[k - 1].i] = run;
	}
	free(r);
}
