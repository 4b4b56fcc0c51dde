/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing of command-line values; every function is pure and unit-tested. */
#ifndef PT_PARSE_H
#define PT_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * "4096", "4K", "2m", "1G", "1T" (powers of two; an optional trailing
 * "B" or "iB" is accepted).  Returns 0, or -1 with a reason in err.
 */
int pt_parse_size(const char *s, uint64_t *out, char *err, size_t errlen);
/* Unsigned decimal integer, no sign, no suffix. */
int pt_parse_uint(const char *s, uint64_t *out, char *err, size_t errlen);
/* Seconds: a finite, positive decimal number ("0.5", "10"). */
int pt_parse_seconds(const char *s, double *out, char *err, size_t errlen);
/*
 * CPU list "0,2,4-7": fills cpus[] (at most max entries) in the order
 * given, no duplicates allowed.  Returns the count, or -1 with err.
 */
int pt_parse_cpulist(const char *s, int *cpus, int max, char *err, size_t errlen);
/* Index of word in a '|'-separated list of choices, or -1. */
int pt_choice_index(const char *choices, const char *word);
/* The i-th choice copied into buf (for help and JSON). */
const char *pt_choice_name(const char *choices, int index, char *buf, size_t len);

#endif
