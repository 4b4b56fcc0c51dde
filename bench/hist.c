// SPDX-License-Identifier: GPL-2.0
/*
 * Log-linear latency histogram: values below 128 are exact, above that each
 * power of two is split in 128 buckets, so a bucket is at most 1/128 (0.8%)
 * wide relative to its value.  Recording is O(1) and allocation-free, which
 * is what lets benchmarks time every operation.  Quantiles interpolate
 * linearly inside the bucket, so they move smoothly between repetitions
 * instead of jumping from bucket to bucket.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ptbench.h"

void pt_hist_reset(struct pt_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void pt_hist_merge(struct pt_hist *dst, const struct pt_hist *src)
{
	for (unsigned i = 0; i < PT_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
}

uint64_t pt_hist_lower(unsigned index)
{
	unsigned shift;

	if (index < PT_HIST_SUB)
		return index;
	shift = (index >> PT_HIST_SUB_BITS) - 1;
	return ((uint64_t)PT_HIST_SUB | (index & (PT_HIST_SUB - 1))) << shift;
}

/* Value of the k-th (0-based) of the n values in bucket i, spread evenly. */
static double bucket_value(unsigned index, uint64_t k, uint64_t n)
{
	double lo = (double)pt_hist_lower(index), width;

	if (index < PT_HIST_SUB)
		return lo;
	width = index + 1 < PT_HIST_BUCKETS ?
		(double)(pt_hist_lower(index + 1) - pt_hist_lower(index)) : 0;
	return lo + width * ((double)k + 0.5) / (double)n;
}

double pt_hist_quantile(const struct pt_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return NAN;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	/* The smallest value with at least ceil(q * count) values at or below it. */
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < PT_HIST_BUCKETS; i++) {
		if (seen + h->bucket[i] >= rank)
			return bucket_value(i, rank - seen - 1, h->bucket[i]);
		seen += h->bucket[i];
	}
	return NAN;
}
