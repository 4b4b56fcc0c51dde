/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ptstat commands that write the data model instead of reading it:
 * merge (rounds into one result), record (a result of an outside workload)
 * and set (a set's meta.json, system.json's vm object).  Each writes
 * through common/atomic.c and exits 2 on bad usage or input.
 */
#ifndef PT_WRITE_H
#define PT_WRITE_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* Run ptstat NAME if it is one of them; -1 if it is not. */
int pw_command(const char *name, int argc, char **argv);

/* The lines of ptstat --help that name them. */
void pw_usage_lines(FILE *f);

int pw_merge(int argc, char **argv);
int pw_record(int argc, char **argv);
int pw_set(int argc, char **argv);
int pw_check(int argc, char **argv);

/* ---- shared by the three ---------------------------------------------------- */

/* An option: --name VALUE (or --name=VALUE, -s VALUE) into *value, or a flag. */
struct pw_opt {
	const char *name;
	char short_name;
	const char **value;	/* takes a value */
	bool *flag;		/* else a flag */
};

/*
 * Options anywhere, the rest into pos[] (room for argc); "--" ends the
 * options, and with rest set everything after it goes to *rest, *nrest.
 * Returns 0, or 2 after a message naming the problem.  An option given
 * twice is an error.
 */
int pw_parse(const char *prog, const struct pw_opt *opts, int argc, char **argv,
	     const char **pos, int *npos, char ***rest, int *nrest);

/* "PROG: MESSAGE (see PROG --help)"; returns 2 */
int pw_usage(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "PROG: MESSAGE"; returns 2 */
int pw_fail(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A whole number in [min, max]; -1 if s is not one. */
int pw_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/* A finite number; -1 if s is not one (leading or trailing blanks included). */
int pw_double(const char *s, double *out);
/* s as a JSON integer when it is written as one, else a real; NULL if no number. */
json_t *pw_number(const char *s);

/* Write doc to path atomically; a message and 1 when that fails. */
int pw_write(const char *prog, const char *path, json_t *doc);

#endif
