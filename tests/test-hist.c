// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the latency histogram (bench/hist.c). */
#include "config.h"

#include <stdint.h>

#include "../bench/ptbench.h"
#include "tap.h"

static struct pt_hist h, h2;

int main(void)
{
	/* Every value lands in a bucket whose bounds hold it, within 1/128. */
	int bad = 0;

	for (uint64_t v = 0; v < 1u << 20; v += 7) {
		unsigned i = pt_hist_index(v);

		if (pt_hist_lower(i) > v || (i + 1 < PT_HIST_BUCKETS && pt_hist_lower(i + 1) <= v))
			bad++;
	}
	ok(!bad, "values 0..1M fall inside their bucket (%d misplaced)", bad);
	ok(pt_hist_index(UINT64_MAX) < PT_HIST_BUCKETS, "UINT64_MAX has a bucket (%u)",
	   pt_hist_index(UINT64_MAX));
	is_u64(pt_hist_lower(pt_hist_index(127)), 127, "127 is exact");
	is_u64(pt_hist_lower(pt_hist_index(1000)), 1000, "1000 is in [1000, 1004)");
	is_u64(pt_hist_lower(pt_hist_index(1000) + 1), 1004, "the next bucket starts at 1004");
	is_u64(pt_hist_lower(pt_hist_index(100000)), 99840, "100000 is in [99840, 100352)");
	{
		int wide = 0;

		/* No bucket above the exact range is wider than 1/128 of its start. */
		for (unsigned i = PT_HIST_SUB; i + 1 < PT_HIST_BUCKETS - 64; i++)
			if ((pt_hist_lower(i + 1) - pt_hist_lower(i)) * 128 > pt_hist_lower(i))
				wide++;
		ok(!wide, "every bucket is at most 1/128 wide (%d wider)", wide);
	}

	/* 1..1000 once each: the median is 500, p99 990 (within a bucket). */
	for (uint64_t v = 1; v <= 1000; v++)
		pt_hist_add(&h, v);
	is_u64(h.count, 1000, "count");
	is_near(pt_hist_quantile(&h, 0.5), 500, 500.0 / 128, "p50 of 1..1000");
	is_near(pt_hist_quantile(&h, 0.99), 990, 990.0 / 128, "p99 of 1..1000");
	is_near(pt_hist_quantile(&h, 0.0), 1, 0, "p0 is the minimum");
	is_near(pt_hist_quantile(&h, 1.0), 1000, 1000.0 / 128, "p100 is the maximum");

	/* A bimodal distribution: 90 at 100 ns, 10 at 1 ms: p50 100, p95 1 ms. */
	for (int i = 0; i < 90; i++)
		pt_hist_add(&h2, 100);
	for (int i = 0; i < 10; i++)
		pt_hist_add(&h2, 1000000);
	is_near(pt_hist_quantile(&h2, 0.5), 100, 0, "bimodal p50 (exact range)");
	is_near(pt_hist_quantile(&h2, 0.9), 100, 0, "bimodal p90");
	is_near(pt_hist_quantile(&h2, 0.95), 1e6, 1e6 / 128, "bimodal p95");

	/* Interpolation: values spread inside buckets give distinct quantiles. */
	{
		static struct pt_hist h3;

		for (uint64_t v = 0; v < 100; v++)
			pt_hist_add(&h3, 1000000 + v * 70);	/* two 4096-wide buckets */
		ok(pt_hist_quantile(&h3, 0.25) < pt_hist_quantile(&h3, 0.75),
		   "quantiles inside one bucket are distinct (%.1f < %.1f)",
		   pt_hist_quantile(&h3, 0.25), pt_hist_quantile(&h3, 0.75));
		is_near(pt_hist_quantile(&h3, 0.5), 1003500, 8192, "p50 inside the bucket");
	}

	pt_hist_merge(&h2, &h);
	is_u64(h2.count, 1100, "merged count");
	pt_hist_reset(&h);
	ok(h.count == 0 && isnan(pt_hist_quantile(&h, 0.5)), "empty histogram has no quantile");
	return tap_done();
}
