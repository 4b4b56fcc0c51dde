// SPDX-License-Identifier: GPL-2.0
/*
 * The value parsers of ptbench's command line (bench/parse.c): sizes,
 * whole numbers, seconds, CPU lists, choices; and what they must agree on.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_string(data, size), err[256], name[32];
	uint64_t u, z;
	int cpus[64], n;
	double d;

	if (!pt_parse_uint(s, &u, err, sizeof(err))) {
		/* A plain number is a size in bytes, the same number. */
		if (pt_parse_size(s, &z, err, sizeof(err)) || z != u)
			abort();
	}
	if (!pt_parse_size(s, &z, err, sizeof(err)) && !strchr("0123456789", s[0]))
		abort();
	if (!pt_parse_seconds(s, &d, err, sizeof(err)) &&
	    !(isfinite(d) && d > 0 && d <= 86400.0 * 7))
		abort();
	n = pt_parse_cpulist(s, cpus, 64, err, sizeof(err));
	for (int i = 0; i < n; i++) {
		if (cpus[i] < 0 || cpus[i] > 65535)
			abort();
		for (int k = 0; k < i; k++)
			if (cpus[k] == cpus[i])
				abort();
	}
	n = pt_choice_index("none|pmd|all", s);
	if (n >= 0 && strcmp(pt_choice_name("none|pmd|all", n, name, sizeof(name)), s))
		abort();
	pt_choice_index(s, "pmd");
	pt_choice_name(s, (int)(size % 5), name, sizeof(name));
	free(s);
	return 0;
}
