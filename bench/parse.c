// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static int digits(const char *s, uint64_t *out, const char **end,
		  char *err, size_t errlen)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p)) {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10) {
			snprintf(err, errlen, "'%s' is too large", s);
			return -1;
		}
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return 0;
}

int pt_parse_uint(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char *end;

	if (digits(s, out, &end, err, errlen))
		return -1;
	if (*end) {
		snprintf(err, errlen, "'%s' is not a whole number", s);
		return -1;
	}
	return 0;
}

int pt_parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char *end;
	unsigned shift = 0;
	uint64_t v;

	if (digits(s, &v, &end, err, errlen))
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	}
	if (shift && (!strcmp(end, "iB") || !strcmp(end, "ib")))
		end += 2;
	else if (!strcmp(end, "B") || !strcmp(end, "b"))
		end++;
	if (*end) {
		snprintf(err, errlen,
			 "bad size '%s': use a number with an optional K, M, G or T suffix",
			 s);
		return -1;
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		snprintf(err, errlen, "size '%s' overflows 64 bits", s);
		return -1;
	}
	*out = v << shift;
	return 0;
}

int pt_parse_seconds(const char *s, double *out, char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v <= 0 ||
	    !(isdigit((unsigned char)*s) || *s == '.')) {
		snprintf(err, errlen, "bad duration '%s': want positive seconds, e.g. 0.5 or 10", s);
		return -1;
	}
	if (v > 86400.0 * 7) {
		snprintf(err, errlen, "duration '%s' is longer than a week", s);
		return -1;
	}
	*out = v;
	return 0;
}

static int cpu_number(const char *s, const char **end, char *err, size_t errlen)
{
	uint64_t v;

	if (digits(s, &v, end, err, errlen))
		return -1;
	if (v > 65535) {
		snprintf(err, errlen, "CPU number %llu is out of range", (unsigned long long)v);
		return -1;
	}
	return (int)v;
}

static int add_cpu(int cpu, int *cpus, int n, int max, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		if (cpus[i] == cpu) {
			snprintf(err, errlen, "CPU %d is listed twice", cpu);
			return -1;
		}
	}
	if (n >= max) {
		snprintf(err, errlen, "too many CPUs in the list (at most %d)", max);
		return -1;
	}
	cpus[n] = cpu;
	return n + 1;
}

int pt_parse_cpulist(const char *s, int *cpus, int max, char *err, size_t errlen)
{
	const char *p = s;
	int n = 0;

	if (!*s) {
		snprintf(err, errlen, "empty CPU list");
		return -1;
	}
	for (;;) {
		int lo, hi;

		lo = cpu_number(p, &p, err, errlen);
		if (lo < 0)
			goto bad;
		hi = lo;
		if (*p == '-') {
			hi = cpu_number(p + 1, &p, err, errlen);
			if (hi < 0)
				goto bad;
			if (hi < lo) {
				snprintf(err, errlen, "bad CPU range %d-%d in '%s'", lo, hi, s);
				return -1;
			}
		}
		for (int c = lo; c <= hi; c++) {
			n = add_cpu(c, cpus, n, max, err, errlen);
			if (n < 0)
				return -1;
		}
		if (!*p)
			return n;
		if (*p != ',')
			break;
		p++;
	}
bad:
	snprintf(err, errlen, "bad CPU list '%s': want e.g. 0,2,4-7", s);
	return -1;
}

int pt_choice_index(const char *choices, const char *word)
{
	size_t wl = strlen(word);
	int i = 0;

	for (const char *p = choices; p; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == wl && !strncmp(p, word, wl))
			return i;
		p = bar ? bar + 1 : NULL;
	}
	return -1;
}

const char *pt_choice_name(const char *choices, int index, char *buf, size_t len)
{
	const char *p = choices;

	for (int i = 0; i < index && p; i++) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	if (!p || !len) {
		if (len)
			buf[0] = 0;
		return buf;
	}
	snprintf(buf, len, "%.*s", (int)strcspn(p, "|"), p);
	return buf;
}
