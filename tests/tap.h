/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal test reporter for the C unit tests: one line per assertion. */
#ifndef PT_TAP_H
#define PT_TAP_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_failed, tap_run;

#define ok(cond, ...) do {						\
	tap_run++;							\
	if (cond) {							\
		printf("ok %d - ", tap_run);				\
	} else {							\
		tap_failed++;						\
		printf("not ok %d - %s:%d: ", tap_run, __FILE__, __LINE__); \
	}								\
	printf(__VA_ARGS__);						\
	putchar('\n');							\
} while (0)

#define is_u64(got, want, what) do {					\
	unsigned long long g_ = (got), w_ = (want);			\
	ok(g_ == w_, "%s: got %llu, want %llu", what, g_, w_);		\
} while (0)

#define is_near(got, want, tol, what) do {				\
	double g_ = (got), w_ = (want);					\
	ok(fabs(g_ - w_) <= (tol), "%s: got %.9g, want %.9g", what, g_, w_); \
} while (0)

static inline int tap_done(void)
{
	printf("%d tests, %d failed\n", tap_run, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
