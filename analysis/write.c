// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat merge, record and set: the dispatch, and the option parsing and
 * messages they share.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../common/result.h"
#include "export.h"
#include "write.h"

int pw_command(const char *name, int argc, char **argv)
{
	if (!strcmp(name, "merge"))
		return pw_merge(argc, argv);
	if (!strcmp(name, "record"))
		return pw_record(argc, argv);
	if (!strcmp(name, "set"))
		return pw_set(argc, argv);
	if (!strcmp(name, "check"))
		return pw_check(argc, argv);
	if (!strcmp(name, "export"))
		return px_export(argc, argv);
	if (!strcmp(name, "submit"))
		return px_submit(argc, argv);
	if (!strcmp(name, "history"))
		return px_history(argc, argv);
	return -1;
}

void pw_usage_lines(FILE *f)
{
	fputs("       ptstat merge -o OUT [--reps N] ROUND.json...\n"
"       ptstat record kernbench --out DIR --label LABEL ... -- COMMAND...\n"
"       ptstat set start|fail|ok|finish|vm DIR [options]\n"
"       ptstat check [--label LABEL] [--reps N] [-q] RESULT.json...\n"
"       ptstat export --format FORMAT [-o FILE] SET...\n"
"       ptstat submit --to URL [--flush] [SET...]\n"
"       ptstat history OUTDIR SET...\n", f);
}

static void vmsg(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
}

int pw_usage(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(prog, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", prog);
	return 2;
}

int pw_fail(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(prog, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static const struct pw_opt *find(const struct pw_opt *opts, const char *arg,
				 const char **eq)
{
	*eq = NULL;
	if (arg[1] != '-') {
		for (; opts->name; opts++)
			if (opts->short_name && arg[1] == opts->short_name && !arg[2])
				return opts;
		return NULL;
	}
	*eq = strchr(arg, '=');
	for (; opts->name; opts++) {
		size_t len = *eq ? (size_t)(*eq - arg - 2) : strlen(arg + 2);

		if (strlen(opts->name) == len && !strncmp(arg + 2, opts->name, len))
			return opts;
	}
	return NULL;
}

static int take(const char *prog, const struct pw_opt *o, const char *eq,
		int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	if ((o->value && *o->value) || (o->flag && *o->flag))
		return pw_usage(prog, "--%s given twice", o->name);
	if (o->flag) {
		if (eq)
			return pw_usage(prog, "--%s takes no value", o->name);
		*o->flag = true;
		return 0;
	}
	if (eq) {
		*o->value = eq + 1;
	} else if (*i + 1 < argc) {
		*o->value = argv[++*i];
	} else {
		return pw_usage(prog, "%s needs a value", arg);
	}
	return 0;
}

int pw_parse(const char *prog, const struct pw_opt *opts, int argc, char **argv,
	     const char **pos, int *npos, char ***rest, int *nrest)
{
	*npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq;
		const struct pw_opt *o;

		if (!strcmp(arg, "--")) {
			if (!rest) {
				while (++i < argc)
					pos[(*npos)++] = argv[i];
				return 0;
			}
			*rest = argv + i + 1;
			*nrest = argc - i - 1;
			return 0;
		}
		if (arg[0] != '-' || !arg[1]) {
			pos[(*npos)++] = arg;
			continue;
		}
		o = find(opts, arg, &eq);
		if (!o)
			return pw_usage(prog, "unknown option '%s'", arg);
		if (take(prog, o, eq, argc, argv, &i))
			return 2;
	}
	return 0;
}

int pw_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end || errno || *out < min || *out > max ? -1 : 0;
}

int pw_double(const char *s, double *out)
{
	char *end;

	/* strtod would take blanks, hex, "inf" and "nan": none is a figure here. */
	if (!s || !(*s == '-' || *s == '+' || *s == '.' || (*s >= '0' && *s <= '9')) ||
	    strpbrk(s, "xXnN"))
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end || errno || !isfinite(*out) ? -1 : 0;
}

json_t *pw_number(const char *s)
{
	unsigned long u;
	double d;

	if (strlen(s) < 16 && !pw_ulong(s, 0, 999999999999999UL, &u))
		return json_integer((json_int_t)u);
	if (s[0] == '-' && strlen(s) < 17 && !pw_ulong(s + 1, 0, 999999999999999UL, &u))
		return json_integer(-(json_int_t)u);
	if (pw_double(s, &d))
		return NULL;
	return json_real(d);
}

int pw_write(const char *prog, const char *path, json_t *doc)
{
	if (!pt_json_write_atomic(path, doc))
		return 0;
	fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
	return 1;
}
