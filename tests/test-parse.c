// SPDX-License-Identifier: GPL-2.0
/* Unit tests of bench/parse.c: sizes, numbers, durations, CPU lists. */
#include "config.h"

#include <stdint.h>

#include "../bench/parse.h"
#include "tap.h"

static void sizes(void)
{
	static const struct { const char *in; uint64_t want; } good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "4K", 4096 }, { "4k", 4096 },
		{ "2M", 2ull << 20 }, { "1G", 1ull << 30 }, { "1T", 1ull << 40 },
		{ "3MiB", 3ull << 20 }, { "512B", 512 }, { "16777215T", 16777215ull << 40 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "K", "-1", "1.5M", "4X", "4KK", "4 K", "16777216T",
		"18446744073709551616", "99999999999999999999", "0x10", "1Gi",
	};
	char err[128];
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		ok(!pt_parse_size(good[i].in, &v, err, sizeof(err)) && v == good[i].want,
		   "size '%s' = %llu (got %llu)", good[i].in,
		   (unsigned long long)good[i].want, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ok(pt_parse_size(bad[i], &v, err, sizeof(err)) == -1 && err[0],
		   "size '%s' refused: %s", bad[i], err);
	}
}

static void numbers(void)
{
	char err[128];
	uint64_t v;
	double d;

	ok(!pt_parse_uint("42", &v, err, sizeof(err)) && v == 42, "uint 42");
	ok(pt_parse_uint("4K", &v, err, sizeof(err)) == -1, "uint refuses a suffix: %s", err);
	ok(pt_parse_uint("-3", &v, err, sizeof(err)) == -1, "uint refuses a sign: %s", err);
	ok(!pt_parse_seconds("0.5", &d, err, sizeof(err)) && d == 0.5, "seconds 0.5");
	ok(!pt_parse_seconds("10", &d, err, sizeof(err)) && d == 10, "seconds 10");
	ok(pt_parse_seconds("0", &d, err, sizeof(err)) == -1, "seconds 0 refused: %s", err);
	ok(pt_parse_seconds("-1", &d, err, sizeof(err)) == -1, "seconds -1 refused");
	ok(pt_parse_seconds("nan", &d, err, sizeof(err)) == -1, "seconds nan refused");
	ok(pt_parse_seconds("inf", &d, err, sizeof(err)) == -1, "seconds inf refused");
	ok(pt_parse_seconds("1s", &d, err, sizeof(err)) == -1, "seconds 1s refused");
	ok(pt_parse_seconds("1e9", &d, err, sizeof(err)) == -1, "seconds 1e9 refused: %s", err);
}

static void cpulists(void)
{
	int cpus[8], n;
	char err[128];

	n = pt_parse_cpulist("0,2,4-6", cpus, 8, err, sizeof(err));
	ok(n == 5 && cpus[0] == 0 && cpus[1] == 2 && cpus[2] == 4 && cpus[4] == 6,
	   "cpulist 0,2,4-6 -> %d cpus", n);
	n = pt_parse_cpulist("3", cpus, 8, err, sizeof(err));
	ok(n == 1 && cpus[0] == 3, "cpulist 3");
	ok(pt_parse_cpulist("1,1", cpus, 8, err, sizeof(err)) == -1, "duplicate refused: %s", err);
	ok(pt_parse_cpulist("3-1", cpus, 8, err, sizeof(err)) == -1, "reversed range refused: %s", err);
	ok(pt_parse_cpulist("0-9", cpus, 8, err, sizeof(err)) == -1, "too many refused: %s", err);
	ok(pt_parse_cpulist("a", cpus, 8, err, sizeof(err)) == -1, "word refused: %s", err);
	ok(pt_parse_cpulist("1,", cpus, 8, err, sizeof(err)) == -1, "trailing comma refused");
	ok(pt_parse_cpulist("", cpus, 8, err, sizeof(err)) == -1, "empty refused");
}

static void choices(void)
{
	char buf[16];

	ok(pt_choice_index("none|pmd|all", "pmd") == 1, "choice pmd is 1");
	ok(pt_choice_index("none|pmd|all", "all") == 2, "choice all is 2");
	ok(pt_choice_index("none|pmd|all", "pm") == -1, "prefix is not a choice");
	ok(pt_choice_index("none|pmd|all", "") == -1, "empty is not a choice");
	ok(!strcmp(pt_choice_name("none|pmd|all", 2, buf, sizeof(buf)), "all"), "name of 2");
	ok(!strcmp(pt_choice_name("none|pmd|all", 0, buf, sizeof(buf)), "none"), "name of 0");
}

int main(void)
{
	sizes();
	numbers();
	cpulists();
	choices();
	return tap_done();
}
