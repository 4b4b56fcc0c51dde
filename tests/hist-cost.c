// SPDX-License-Identifier: GPL-2.0
/*
 * What per-operation latency recording costs: one clock read plus one
 * histogram insert, as the benchmarks do around each timed operation.
 * Prints nanoseconds per recording (tests/overhead.sh compares it with the
 * cheapest operation that is timed this way).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "../bench/ptbench.h"

static struct pt_hist h;

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000000ul;
	uint64_t start, prev, t;

	start = prev = pt_now_ns();
	for (unsigned long i = 0; i < n; i++) {
		/* Two clock reads per timed operation, one insert. */
		t = pt_now_ns();
		pt_hist_add(&h, t - prev);
		prev = pt_now_ns();
	}
	printf("%.2f\n", (double)(pt_now_ns() - start) / (double)n);
	return h.count == n ? 0 : 1;
}
