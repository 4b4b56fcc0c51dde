// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the latency histogram (bench/hist.c). */
#include "config.h"

#include <stdint.h>

#include "../bench/ptbench.h"
#include "tap.h"

static struct pt_hist h, h2;

int main(void)
{
	/* Every value lands in a bucket whose bounds hold it, within 1/32. */
	int bad = 0;

	for (uint64_t v = 0; v < 1u << 20; v += 7) {
		unsigned i = pt_hist_index(v);

		if (pt_hist_lower(i) > v || (i + 1 < PT_HIST_BUCKETS && pt_hist_lower(i + 1) <= v))
			bad++;
	}
	ok(!bad, "values 0..1M fall inside their bucket (%d misplaced)", bad);
	ok(pt_hist_index(UINT64_MAX) < PT_HIST_BUCKETS, "UINT64_MAX has a bucket (%u)",
	   pt_hist_index(UINT64_MAX));
	is_u64(pt_hist_lower(pt_hist_index(31)), 31, "31 is exact");
	is_u64(pt_hist_lower(pt_hist_index(1000)), 992, "1000 is in [992, 1024)");

	/* 1..1000 once each: the median is 500, p99 990 (within 1/32). */
	for (uint64_t v = 1; v <= 1000; v++)
		pt_hist_add(&h, v);
	is_u64(h.count, 1000, "count");
	is_near(pt_hist_quantile(&h, 0.5), 500, 500.0 / 32, "p50 of 1..1000");
	is_near(pt_hist_quantile(&h, 0.99), 990, 990.0 / 32, "p99 of 1..1000");
	is_near(pt_hist_quantile(&h, 0.0), 1, 0, "p0 is the minimum");
	is_near(pt_hist_quantile(&h, 1.0), 1000, 1000.0 / 32, "p100 is the maximum");

	/* A bimodal distribution: 90 at 100 ns, 10 at 1 ms: p50 100, p95 1 ms. */
	for (int i = 0; i < 90; i++)
		pt_hist_add(&h2, 100);
	for (int i = 0; i < 10; i++)
		pt_hist_add(&h2, 1000000);
	is_near(pt_hist_quantile(&h2, 0.5), 100, 100.0 / 32, "bimodal p50");
	is_near(pt_hist_quantile(&h2, 0.9), 100, 100.0 / 32, "bimodal p90");
	is_near(pt_hist_quantile(&h2, 0.95), 1e6, 1e6 / 32, "bimodal p95");

	pt_hist_merge(&h2, &h);
	is_u64(h2.count, 1100, "merged count");
	pt_hist_reset(&h);
	ok(h.count == 0 && isnan(pt_hist_quantile(&h, 0.5)), "empty histogram has no quantile");
	return tap_done();
}
