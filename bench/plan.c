// SPDX-License-Identifier: GPL-2.0
/*
 * ptbench plan: a suite file read, checked and expanded into the exact
 * runs it makes, printed as JSON; nothing runs.  Every entry's options go
 * through the checks `ptbench run' makes (pt_run_parse(), pt_run_check()),
 * so a typo in the last entry is refused before the first one runs.
 *
 * The suite language is the one runners/run.sh parsed in bash, with the
 * same rules and messages: a line is split into words at blanks, every
 * word is checked against what it may hold, and nothing is evaluated.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "../common/result.h"
#include "internal.h"
#include "parse.h"

#define PLAN_MAX_COUNT	99999	/* reps and rounds: 1 to this */
#define PLAN_MAX_CPUS	65536
#define PLAN_LABEL_MAX	100
#define PLAN_STARTUP_MS	100	/* a ptbench process starting, per run */
#define KB_BUILD_MS	90000	/* one tinyconfig build on 2 CPUs, roughly */

struct words {
	char **w;
	size_t n, cap;
};

struct entry {
	char *label;
	char *bench;
	struct words opts;
	const char *file;		/* as shown; owned by plan.files */
	unsigned line;
	const struct pt_bench *b;	/* NULL: a kernbench entry */
	long long dur_ms, warm_ms;	/* ptbench: per repetition, per round */
	unsigned kb_runs;		/* kernbench: runs per load */
};

struct plan {
	int cpus;
	bool cpus_given;
	unsigned reps, rounds;			/* from the command line; 0: none */
	unsigned suite_reps, suite_rounds;	/* from the suite; 0: none */
	const char *arg;			/* SUITE_FILE as given */
	char *shown, *real, *name;
	struct words files;			/* every name shown, owned */
	struct words inc_real, inc_show;	/* the files being read */
	struct entry *parsed, *ent;
	size_t nparsed, capparsed, nent, capent;
};

/* ---- small helpers ------------------------------------------------------ */

static void *must(void *p)
{
	if (!p) {
		fprintf(stderr, "ptbench plan: out of memory\n");
		exit(PT_EXIT_FAIL);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	return must(strdup(s));
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return must(n < 0 ? NULL : s);
}

static void words_push(struct words *w, char *s)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 8;
		w->w = must(realloc(w->w, w->cap * sizeof(*w->w)));
	}
	w->w[w->n++] = s;
}

static void words_free(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->w[i]);
	free(w->w);
	*w = (struct words){ 0 };
}

static void words_pop(struct words *w)
{
	free(w->w[--w->n]);
}

/* The words joined by sep. */
static char *words_join(char *const *w, size_t n, const char *sep)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(w[i]) + strlen(sep);
	s = p = must(malloc(len));
	*p = 0;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? sep : "", w[i]);
	return s;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* Does every character of s (non-empty) belong to set? */
static bool all_in(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

#define ALNUM	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define DIGITS	"0123456789"

/* A whole number from 1 to 99999 without a leading 0, as run.sh wants. */
static bool count_word(const char *s, unsigned *out)
{
	if (!all_in(s, DIGITS) || s[0] == '0' || strlen(s) > 5)
		return false;
	*out = (unsigned)atoi(s);
	return true;
}

/*
 * A word quoted for a message: 'WORD', or $'...' with escapes when it
 * holds a character that does not print (bash's printf %q).
 */
static const char *show(char *buf, size_t len, const char *w)
{
	static const char esc[] = "\a\b\t\n\v\f\r\033", name[] = "abtnvfrE";
	bool plain = true;
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)w; *p; p++)
		plain &= *p >= 0x20 && *p < 0x7f;
	if (plain) {
		snprintf(buf, len, "'%s'", w);
		return buf;
	}
	o += (size_t)snprintf(buf, len, "$'");
	for (const unsigned char *p = (const unsigned char *)w; *p && o + 6 < len; p++) {
		const char *e = *p ? strchr(esc, *p) : NULL;

		if (e)
			o += (size_t)snprintf(buf + o, len - o, "\\%c", name[e - esc]);
		else if (*p == '\'' || *p == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\%03o", *p);
		else
			buf[o++] = (char)*p;
	}
	snprintf(buf + o, len - o, "'");
	return buf;
}

/* "ptbench plan: FILE:LINE: message" (LINE 0: "FILE: message"); -1. */
static int perr(const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (line)
		fprintf(stderr, "ptbench plan: %s:%u: ", file, line);
	else
		fprintf(stderr, "ptbench plan: %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static const char *keep(struct plan *p, char *s)
{
	words_push(&p->files, s);
	return s;
}

/* dirname(3) of a copy. */
static char *dir_of(const char *path)
{
	char *copy = xstrdup(path), *d = xstrdup(dirname(copy));

	free(copy);
	return d;
}

/* ---- reading a suite ------------------------------------------------------ */

/* The benchmarks a suite may name: ptbench list's, then kernbench. */
static char *bench_names(void)
{
	size_t n, len = sizeof("kernbench");
	const struct pt_bench *const *all = pt_benches(&n);
	char *s, *o;

	for (size_t i = 0; i < n; i++)
		len += strlen(all[i]->name) + 1;
	s = o = must(malloc(len));
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "%s ", all[i]->name);
	strcpy(o, "kernbench");
	return s;
}

/* Refuse what an option word of a suite may not say. */
static int check_word(const char *file, unsigned line, const char *w, const char *prev,
		      bool kernbench)
{
	char sw[512], sc[16];
	size_t bad = strspn(w, ALNUM "._,:=+/@-");

	show(sw, sizeof(sw), w);
	if (w[bad]) {
		char c[2] = { w[bad], 0 };

		if (strchr("'\"\\$`;|&<>()", c[0]))
			return perr(file, line,
				    "forbidden character '%s' in %s: options are plain words, never shell syntax",
				    c, sw);
		return perr(file, line,
			    "character %s not allowed in %s (option words use letters, digits and . _ , : = + / -)",
			    show(sc, sizeof(sc), c), sw);
	}
	if (kernbench) {
		/* workloads/kernbench takes its own short options (-n 3 -f ...). */
		if (!strcmp(w, "--out") || starts(w, "--out=") || !strcmp(w, "--label") ||
		    starts(w, "--label=") || !strcmp(w, "-h") || !strcmp(w, "--help"))
			return perr(file, line,
				    "%s: the runner sets --out and --label of kernbench itself (and a suite entry cannot ask for --help)",
				    sw);
		if (strchr(w, '@'))
			return perr(file, line, "%s: @ALL and @SWEEP are not replaced in kernbench entries",
				    sw);
		return 0;
	}
	if (!strcmp(w, "--reps") || starts(w, "--reps="))
		return perr(file, line,
			    "%s: the runner sets --reps (use a 'reps N' line, or run.sh --reps)", sw);
	if (!strcmp(w, "-o") || !strcmp(w, "--output") || starts(w, "--output=") ||
	    !strcmp(w, "--label") || starts(w, "--label=") || !strcmp(w, "-q") ||
	    !strcmp(w, "--quiet") || !strcmp(w, "--no-aslr") || !strcmp(w, "-h") ||
	    !strcmp(w, "--help"))
		return perr(file, line,
			    "%s: the runner sets -o, --label, -q and --no-aslr itself (and a suite entry cannot ask for --help)",
			    sw);
	if (w[0] == '-' && w[1] && w[1] != '-' && !strchr(DIGITS, w[1]))
		return perr(file, line, "%s: use long options (--name) in suites", sw);
	if (!strchr(w, '@') || !strcmp(w, "@ALL") || (starts(w, "--") && ends(w, "=@ALL")) ||
	    !strcmp(w, "--tasks=@SWEEP"))
		return 0;
	if (!strcmp(w, "@SWEEP")) {
		if (prev && !strcmp(prev, "--tasks"))
			return 0;
		return perr(file, line, "@SWEEP is only allowed as the value of --tasks");
	}
	return perr(file, line, "%s: unknown token (only @ALL, and @SWEEP after --tasks, are replaced)",
		    sw);
}

static bool is_sweep(const char *w)
{
	return !strcmp(w, "@SWEEP") || !strcmp(w, "--tasks=@SWEEP");
}

static int parse_suite(struct plan *p, const char *path, const char *shown, bool top);

static int parse_include(struct plan *p, const char *dir, const char *shown, unsigned n,
			 const struct words *w)
{
	const char *target, *tshown;
	char sw[512], *tpath, *real, *d;
	struct stat st;
	int ret;

	if (w->n != 2)
		return perr(shown, n, "include takes one file name, got %zu words", w->n - 1);
	target = w->w[1];
	if (!all_in(target, ALNUM "._+/-"))
		return perr(shown, n, "include %s: file names use letters, digits and . _ + / -",
			    show(sw, sizeof(sw), target));
	if (target[0] == '/') {
		tshown = keep(p, xstrdup(target));
		tpath = xstrdup(target);
	} else {
		d = dir_of(shown);
		tshown = keep(p, xasprintf("%s/%s", d, target));
		if (starts(tshown, "./"))
			tshown += 2;
		free(d);
		tpath = xasprintf("%s/%s", dir, target);
	}
	if (stat(tpath, &st) || !S_ISREG(st.st_mode) || access(tpath, R_OK)) {
		free(tpath);
		return perr(shown, n, "include %s: no such readable file", tshown);
	}
	real = realpath(tpath, NULL);
	if (!real) {
		free(tpath);
		return perr(shown, n, "include %s: %s", tshown, strerror(errno));
	}
	for (size_t i = 0; i < p->inc_real.n; i++) {
		if (!strcmp(p->inc_real.w[i], real)) {
			char *chain = words_join(p->inc_show.w + i, p->inc_show.n - i, " -> ");

			perr(shown, n, "include cycle: %s -> %s", chain, tshown);
			free(chain);
			free(real);
			free(tpath);
			return -1;
		}
	}
	words_push(&p->inc_real, real);
	words_push(&p->inc_show, xstrdup(tshown));
	ret = parse_suite(p, tpath, tshown, false);
	words_pop(&p->inc_real);
	words_pop(&p->inc_show);
	free(tpath);
	return ret;
}

static int parse_count(struct plan *p, const char *shown, unsigned n, const struct words *w,
		       bool top, bool seen_entry)
{
	bool reps = !strcmp(w->w[0], "reps");
	unsigned v, *slot = reps ? &p->suite_reps : &p->suite_rounds;

	if (w->n != 2 || !count_word(w->w[1], &v))
		return perr(shown, n, "%s takes one whole number from 1 to 99999", w->w[0]);
	if (seen_entry)
		return perr(shown, n, "%s must come before the first entry or include", w->w[0]);
	if (!top)
		return 0;
	if (*slot)
		return perr(shown, n, "a second %s line", w->w[0]);
	*slot = v;
	return 0;
}

static int parse_entry(struct plan *p, const char *shown, unsigned n, struct words *w)
{
	const char *label = w->w[0], *bench;
	const struct pt_bench *b = NULL;
	unsigned sweeps = 0;
	struct entry *e;
	char sw[512];

	if (!all_in(label, ALNUM "._-"))
		return perr(shown, n, "bad label %s: use letters, digits, '.', '_' and '-'",
			    show(sw, sizeof(sw), label));
	if (label[0] == '.')
		return perr(shown, n, "bad label '%s': it may not start with '.'", label);
	if (strlen(label) > PLAN_LABEL_MAX)
		return perr(shown, n, "label longer than %d characters", PLAN_LABEL_MAX);
	if (w->n < 2)
		return perr(shown, n, "entry '%s' has no benchmark (LABEL BENCH OPTION...)", label);
	bench = w->w[1];
	if (strcmp(bench, "kernbench")) {
		b = pt_bench_find(bench);
		if (!b) {
			char *names = bench_names();

			perr(shown, n, "unknown benchmark %s (ptbench list: %s)",
			     show(sw, sizeof(sw), bench), names);
			free(names);
			return -1;
		}
	}
	for (size_t i = 2; i < w->n; i++) {
		if (check_word(shown, n, w->w[i], i > 2 ? w->w[i - 1] : NULL, !b))
			return -1;
		sweeps += is_sweep(w->w[i]);
	}
	if (sweeps > 1)
		return perr(shown, n, "more than one @SWEEP");
	if (p->nparsed == p->capparsed) {
		p->capparsed = p->capparsed ? 2 * p->capparsed : 16;
		p->parsed = must(realloc(p->parsed, p->capparsed * sizeof(*p->parsed)));
	}
	e = &p->parsed[p->nparsed++];
	*e = (struct entry){ .label = xstrdup(label), .bench = xstrdup(bench), .file = shown,
			     .line = n, .b = b };
	for (size_t i = 2; i < w->n; i++)
		words_push(&e->opts, xstrdup(w->w[i]));
	return 0;
}

/* Split a line into words at blanks, up to a word starting with '#'. */
static void split(char *line, size_t len, struct words *w)
{
	char *end, *s;
	size_t k = 0;

	/* NUL bytes are dropped, as bash's read does. */
	for (size_t i = 0; i < len; i++)
		if (line[i])
			line[k++] = line[i];
	line[k] = 0;
	end = line + k;
	for (s = line; s < end;) {
		size_t wl;

		s += strspn(s, " \t");
		if (!*s)
			break;
		wl = strcspn(s, " \t");
		if (*s == '#')
			break;
		words_push(w, must(strndup(s, wl)));
		s += wl;
	}
}

static int parse_suite(struct plan *p, const char *path, const char *shown, bool top)
{
	struct words w = { 0 };
	bool seen_entry = false;
	char *line = NULL, *dir;
	size_t cap = 0;
	unsigned n = 0;
	ssize_t len;
	int ret = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return perr(shown, 0, "cannot read it: %s", strerror(errno));
	dir = dir_of(path);
	while (!ret && (len = getline(&line, &cap, f)) >= 0) {
		n++;
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		words_free(&w);
		split(line, (size_t)len, &w);
		if (!w.n)
			continue;
		if (!strcmp(w.w[0], "include")) {
			ret = parse_include(p, dir, shown, n, &w);
			seen_entry = true;
		} else if (!strcmp(w.w[0], "reps") || !strcmp(w.w[0], "rounds")) {
			ret = parse_count(p, shown, n, &w, top, seen_entry);
		} else {
			ret = parse_entry(p, shown, n, &w);
			seen_entry = true;
		}
	}
	if (!ret && ferror(f))
		ret = perr(shown, 0, "read error: %s", strerror(errno));
	words_free(&w);
	free(line);
	free(dir);
	fclose(f);
	return ret;
}

/* ---- checking an entry's options ------------------------------------------- */

/* The reps of round r (1-based): reps shared out, the first ones one more. */
static unsigned round_reps(const struct plan *p, unsigned r)
{
	return p->reps / p->rounds + (r <= p->reps % p->rounds);
}

static char *round_file(const struct plan *p, const struct entry *e, unsigned r)
{
	if (p->rounds == 1)
		return xasprintf("%s.json", e->label);
	return xasprintf(".%s.r%u.json", e->label, r);
}

/* The arguments of round r (ptbench's own name left out). */
static void run_args(const struct plan *p, const struct entry *e, unsigned r, struct words *a)
{
	if (e->b) {
		words_push(a, xstrdup("run"));
		words_push(a, xstrdup(e->bench));
	}
	for (size_t i = 0; i < e->opts.n; i++)
		words_push(a, xstrdup(e->opts.w[i]));
	words_push(a, xstrdup("--label"));
	words_push(a, xstrdup(e->label));
	if (!e->b) {
		words_push(a, xstrdup("--out"));
		words_push(a, xstrdup("."));
		return;
	}
	words_push(a, xstrdup("--reps"));
	words_push(a, xasprintf("%u", round_reps(p, r)));
	words_push(a, xstrdup("--no-aslr"));
	words_push(a, xstrdup("-q"));
	words_push(a, xstrdup("-o"));
	words_push(a, round_file(p, e, r));
}

/*
 * `ptbench run BENCH ARGV' checked as run checks it; the entry's estimate
 * taken from what it parsed (its defaults included) when est.
 */
static int check_argv(struct plan *p, struct entry *e, int argc, char **argv, bool est)
{
	struct pt_harness h = { 0 };
	struct pt_run run = { .bench = e->b, .h = &h };
	struct pt_check_err err;
	const char *what = "";
	char *opt = NULL;
	int r;

	run.params = must(calloc(1, e->b->params_size ? e->b->params_size : 1));
	r = pt_run_parse(e->b, argc, argv, &h.o, run.params, &err);
	if (r == 1) {
		/* Only --help=...: the suite's check refuses --help itself. */
		err = (struct pt_check_err){ .first = -1, .last = -1 };
		snprintf(err.msg, sizeof(err.msg), "a suite entry cannot ask for --help");
		r = -1;
	} else if (r == -2) {
		what = "built-in default: ";
	} else if (!r) {
		r = pt_run_check(&run, &h.o, p->cpus_given ? p->cpus : 0, NULL, &err);
	}
	free(run.params);
	if (!r) {
		if (est) {
			e->dur_ms = h.o.iterations ? 1000 : llround(h.o.duration * 1000);
			e->warm_ms = llround(h.o.warmup * 1000);
		}
		return 0;
	}
	if (err.first >= 0)
		opt = words_join(argv + err.first, (size_t)(err.last - err.first + 1), " ");
	perr(e->file, e->line, "entry '%s' (%s): %s%s%s%s%s%s%s", e->label, e->bench,
	     opt ? opt : "", opt ? ": " : "", what, err.msg,
	     err.hint ? " (see ptbench run " : "", err.hint ? e->bench : "",
	     err.hint ? " --help)" : "");
	free(opt);
	return -1;
}

/*
 * The entry's own options (the clearest messages), then the arguments of
 * its runs as they will be given: those of the first and the last round
 * (the rounds differ only in --reps, at most two values, and -o).
 */
static int check_bench(struct plan *p, struct entry *e)
{
	if (check_argv(p, e, (int)e->opts.n, e->opts.w, true))
		return -1;
	for (unsigned r = 1; r <= p->rounds; r = r < p->rounds ? p->rounds : r + 1) {
		struct words a = { 0 };
		int ret;

		run_args(p, e, r, &a);
		ret = check_argv(p, e, (int)a.n - 2, a.w + 2, false);
		words_free(&a);
		if (ret)
			return -1;
	}
	return 0;
}

/* ---- kernbench entries --------------------------------------------------------- */

enum kb_type { KB_FLAG, KB_POSINT, KB_SECONDS, KB_WORD, KB_CHOICE };

/* workloads/kernbench's options, as it parses them (see its --help). */
static const struct kb_opt {
	const char *name;
	enum kb_type type;
	const char *choices;	/* KB_CHOICE: '|'-separated */
	const char *want;	/* KB_CHOICE: the choices, as its message says them */
} kb_opts[] = {
	{ "-n", KB_POSINT, NULL, NULL },
	{ "-o", KB_POSINT, NULL, NULL },
	{ "-c", KB_POSINT, NULL, NULL },
	{ "-s", KB_FLAG, NULL, NULL },
	{ "-H", KB_FLAG, NULL, NULL },
	{ "-O", KB_FLAG, NULL, NULL },
	{ "-M", KB_FLAG, NULL, NULL },
	{ "-f", KB_FLAG, NULL, NULL },
	{ "--settle", KB_SECONDS, NULL, NULL },
	{ "--src", KB_WORD, NULL, NULL },
	{ "--source-package", KB_CHOICE, "linux-source-6.12|linux-source-6.1",
	  "linux-source-6.1 or linux-source-6.12" },
	{ "--config", KB_WORD, NULL, NULL },
	{ "--target", KB_CHOICE, "vmlinux|all", "vmlinux or all" },
};

#define N_KB_OPTS (sizeof(kb_opts) / sizeof(kb_opts[0]))

/* "5", "0.5": kernbench's ^[0-9]+(\.[0-9]+)?$ */
static bool kb_seconds(const char *s)
{
	size_t d = strspn(s, DIGITS);

	if (!d)
		return false;
	if (!s[d])
		return true;
	return s[d] == '.' && all_in(s + d + 1, DIGITS);
}

static int kb_error(const struct entry *e, const char *opt, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int kb_error(const struct entry *e, const char *opt, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return perr(e->file, e->line, "entry '%s' (kernbench): %s%s%s (see workloads/kernbench --help)",
		    e->label, opt ? opt : "", opt ? ": " : "", msg);
}

static int check_kernbench(const struct plan *p, struct entry *e)
{
	bool flag[128] = { false };
	unsigned runs = 0;
	char both[1024];

	for (size_t i = 0; i < e->opts.n; i++) {
		const char *w = e->opts.w[i], *v;
		const struct kb_opt *o = NULL;

		for (size_t k = 0; k < N_KB_OPTS; k++)
			if (!strcmp(kb_opts[k].name, w))
				o = &kb_opts[k];
		if (!o)
			return kb_error(e, NULL, "unknown argument '%s'", w);
		if (o->type == KB_FLAG) {
			flag[(unsigned char)w[1]] = true;
			continue;
		}
		if (i + 1 >= e->opts.n)
			return kb_error(e, NULL, "option %s needs a value", w);
		v = e->opts.w[++i];
		snprintf(both, sizeof(both), "%s %s", w, v);
		switch (o->type) {
		case KB_POSINT:
			if (!all_in(v, DIGITS) || !v[strspn(v, "0")])
				return kb_error(e, both, "%s wants a positive integer, not '%s'", w, v);
			if (!strcmp(w, "-n"))
				runs = strlen(v) > 6 ? 999999 : (unsigned)atoi(v);
			break;
		case KB_SECONDS:
			if (!kb_seconds(v))
				return kb_error(e, both, "%s wants a number of seconds, not '%s'", w, v);
			break;
		case KB_CHOICE:
			if (pt_choice_index(o->choices, v) < 0)
				return kb_error(e, both, "%s: %s, not '%s'", w, o->want, v);
			break;
		case KB_FLAG:
		case KB_WORD:
			break;
		}
		if (!strcmp(w, "-c"))
			flag['c'] = true;
	}
	/* The loads it would run on p->cpus CPUs: refused when there is none. */
	if (!flag['s'] && !flag['c'] && flag['O'] && flag['M'] &&
	    (flag['H'] || p->cpus / 2 < 2)) {
		if (!flag['H'])
			return kb_error(e, NULL, "nothing to run (half load skipped: %d CPUs; the others disabled)",
					p->cpus);
		return kb_error(e, NULL, "nothing to run: every load is disabled");
	}
	e->kb_runs = runs ? runs : flag['f'] ? 3 : 5;
	return 0;
}

/* ---- expansion: @ALL, --tasks @SWEEP ------------------------------------------ */

static int add_entry(struct plan *p, const struct entry *src, char *label, struct words *opts)
{
	struct entry *e;

	for (size_t i = 0; i < p->nent; i++) {
		if (!strcmp(p->ent[i].label, label)) {
			perr(src->file, src->line, "duplicate label '%s' (first at %s:%u)", label,
			     p->ent[i].file, p->ent[i].line);
			free(label);
			words_free(opts);
			return -1;
		}
	}
	if (p->nent == p->capent) {
		p->capent = p->capent ? 2 * p->capent : 16;
		p->ent = must(realloc(p->ent, p->capent * sizeof(*p->ent)));
	}
	e = &p->ent[p->nent++];
	*e = (struct entry){ .label = label, .bench = xstrdup(src->bench), .opts = *opts,
			     .file = src->file, .line = src->line, .b = src->b };
	return e->b ? check_bench(p, e) : check_kernbench(p, e);
}

/* The options of src with @ALL replaced, and @SWEEP by tasks (0: none). */
static void expand_opts(const struct plan *p, const struct entry *src, unsigned tasks,
			struct words *out)
{
	for (size_t i = 0; i < src->opts.n; i++) {
		const char *w = src->opts.w[i];

		if (!strcmp(w, "@ALL"))
			words_push(out, xasprintf("%d", p->cpus));
		else if (ends(w, "=@ALL"))
			words_push(out, xasprintf("%.*s%d", (int)(strlen(w) - 4), w, p->cpus));
		else if (tasks && !strcmp(w, "@SWEEP"))
			words_push(out, xasprintf("%u", tasks));
		else if (tasks && !strcmp(w, "--tasks=@SWEEP"))
			words_push(out, xasprintf("--tasks=%u", tasks));
		else
			words_push(out, xstrdup(w));
	}
}

static int expand(struct plan *p)
{
	for (size_t i = 0; i < p->nparsed; i++) {
		const struct entry *src = &p->parsed[i];
		bool sweep = false;
		struct words o = { 0 };

		for (size_t k = 0; k < src->opts.n; k++)
			sweep |= is_sweep(src->opts.w[k]);
		if (!sweep) {
			expand_opts(p, src, 0, &o);
			if (add_entry(p, src, xstrdup(src->label), &o))
				return -1;
			continue;
		}
		/* 1, 2, 4... below the CPU count, then the CPU count. */
		for (unsigned t = 1, ncpu = (unsigned)p->cpus;; t *= 2) {
			if (t > ncpu)
				t = ncpu;
			o = (struct words){ 0 };
			expand_opts(p, src, t, &o);
			if (add_entry(p, src, xasprintf("%s-t%u", src->label, t), &o))
				return -1;
			if (t == ncpu)
				break;
		}
	}
	return 0;
}

/* ---- the plan as JSON ------------------------------------------------------------ */

static json_t *strings(const struct words *w)
{
	json_t *a = json_array();

	for (size_t i = 0; i < w->n; i++)
		json_array_append_new(a, json_string(w->w[i]));
	return a;
}

static char *suite_text(const struct plan *p)
{
	size_t len = 0;
	char *s = NULL;
	FILE *f = must(open_memstream(&s, &len));

	fprintf(f, "# %s, expanded for %d CPUs (@ALL and @SWEEP replaced)\n", p->shown, p->cpus);
	fprintf(f, "reps %u\nrounds %u\n", p->reps, p->rounds);
	for (size_t i = 0; i < p->nent; i++) {
		const struct entry *e = &p->ent[i];

		fprintf(f, "%s %s", e->label, e->bench);
		for (size_t k = 0; k < e->opts.n; k++)
			fprintf(f, " %s", e->opts.w[k]);
		fputc('\n', f);
	}
	if (fclose(f))
		must(NULL);
	return s;
}

static json_t *entry_json(const struct plan *p, const struct entry *e, long long *total)
{
	json_t *o = json_object(), *runs = json_array();
	long long sum = 0;
	char *src;

	for (unsigned r = 1; r <= (e->b ? p->rounds : 1); r++) {
		json_t *run = json_object();
		struct words a = { 0 };
		long long ms;
		char *file;

		run_args(p, e, r, &a);
		if (e->b) {
			ms = e->warm_ms + PLAN_STARTUP_MS + (long long)round_reps(p, r) * e->dur_ms;
			file = round_file(p, e, r);
		} else {
			ms = (2ll * e->kb_runs + 1) * KB_BUILD_MS;
			file = NULL;
		}
		json_object_set_new(run, "round", json_integer(r));
		json_object_set_new(run, "reps", e->b ? json_integer(round_reps(p, r)) : json_null());
		json_object_set_new(run, "file", file ? json_string(file) : json_null());
		json_object_set_new(run, "planned_ms", json_integer(ms));
		json_object_set_new(run, "args", strings(&a));
		json_array_append_new(runs, run);
		sum += ms;
		free(file);
		words_free(&a);
	}
	src = xasprintf("%s:%u", e->file, e->line);
	json_object_set_new(o, "label", json_string(e->label));
	json_object_set_new(o, "bench", json_string(e->bench));
	json_object_set_new(o, "kind", json_string(e->b ? "ptbench" : "kernbench"));
	json_object_set_new(o, "options", strings(&e->opts));
	json_object_set_new(o, "src", json_string(src));
	free(src);
	json_object_set_new(o, "planned_ms", json_integer(sum));
	json_object_set_new(o, "runs", runs);
	*total += sum;
	return o;
}

static json_t *plan_json(const struct plan *p)
{
	json_t *o = json_object(), *suite = json_object(), *entries = json_array();
	long long total = 0;
	char *text;

	for (size_t i = 0; i < p->nent; i++)
		json_array_append_new(entries, entry_json(p, &p->ent[i], &total));
	json_object_set_new(o, "schema", json_string(PT_SCHEMA_PLAN));
	json_object_set_new(suite, "name", json_string(p->name));
	json_object_set_new(suite, "path", json_string(p->real));
	json_object_set_new(suite, "shown", json_string(p->shown));
	json_object_set_new(o, "suite", suite);
	json_object_set_new(o, "reps", json_integer(p->reps));
	json_object_set_new(o, "rounds", json_integer(p->rounds));
	json_object_set_new(o, "cpus", json_integer(p->cpus));
	json_object_set_new(o, "planned_ms", json_integer(total));
	text = suite_text(p);
	json_object_set_new(o, "suite_text", json_string(text));
	free(text);
	json_object_set_new(o, "entries", entries);
	return o;
}

/* ---- the command ------------------------------------------------------------------ */

static void plan_usage(FILE *f)
{
	fprintf(f,
"Usage: ptbench plan [--reps N] [--rounds K] [--cpus N] SUITE_FILE\n"
"\n"
"Reads a suite file, checks every entry, and prints the plan as JSON on\n"
"standard output: the exact command of each run of each entry, and the\n"
"time each should take. Runs nothing. runners/run.sh and runners/vm.sh\n"
"run what it prints; a mistake anywhere in the suite is refused here, before\n"
"the first entry runs (or a virtual machine boots).\n"
"\n"
"Options:\n"
"  --reps N     repetitions of every entry (default: the suite's 'reps'\n"
"               line, else 5); 1 to 99999\n"
"  --rounds K   rounds (default: the suite's 'rounds' line, else 1); at most\n"
"               the repetitions\n"
"  --cpus N     plan for a machine of N CPUs (a virtual machine, planned on\n"
"               its host): @ALL and @SWEEP use N, and task placement is\n"
"               checked against CPUs 0 to N-1. Without it the plan is for\n"
"               this machine: N is the number of CPUs this process may use\n"
"               (nproc), and the checks of run that depend on the machine\n"
"               (its CPU topology, the memory available) are made too\n"
"  -h, --help   this help\n"
"\n"
"Suite files: one entry per line,\n"
"  LABEL BENCH OPTION...\n"
"runs 'ptbench run BENCH OPTION...' into LABEL.json. LABEL: letters, digits,\n"
"'.', '_' and '-', not starting with '.', at most 100 characters, unique\n"
"within the suite (includes and sweeps counted). BENCH: one of 'ptbench\n"
"list', or kernbench (below). OPTIONs: options of 'ptbench run BENCH', long\n"
"ones (--name, --name=VALUE; a value may be negative, -5), plain words\n"
"separated by blanks. Quotes, '\\', '$', '`', ';', '|', '&', '<', '>', '(' and\n"
"')' are refused (words may use letters, digits and . _ , : = + / -), and\n"
"so are the options the runner sets itself: -o/--output, --label, --reps,\n"
"-q/--quiet, --no-aslr and -h/--help. Every entry's options are checked as\n"
"'ptbench run' checks them (the same code): an unknown option, a bad value,\n"
"an option of another benchmark, what the benchmark itself refuses.\n"
"Other lines:\n"
"  reps N          default repetitions (before the first entry; in an\n"
"                  included file it is ignored; --reps overrides it)\n"
"  rounds K        default rounds, the same way (--rounds overrides it)\n"
"  include FILE    the entries of FILE, relative to the including file's\n"
"                  directory (cycles are refused)\n"
"  # ...           comment: a whole line, or from a '#' that follows a blank\n"
"Two tokens are replaced, and nothing else is:\n"
"  @ALL            a word (or the value in --opt=@ALL): the number of CPUs\n"
"  --tasks @SWEEP  (or --tasks=@SWEEP; one per entry) the entry becomes one\n"
"                  entry per task count: the powers of two below the number\n"
"                  of CPUs, then that number (1 2 4 6 on 6 CPUs), labelled\n"
"                  LABEL-t1, LABEL-t2, LABEL-t4, LABEL-t6\n"
"\n"
"Kernel compiles: an entry whose BENCH is kernbench runs\n"
"workloads/kernbench OPTION... --label LABEL --out . once (in the first\n"
"round; its runs come from -n). Its options are kernbench's own, checked\n"
"here: -n RUNS, -o N, -c N, -s, -H, -O, -M, -f, --settle SECONDS, --src DIR,\n"
"--source-package linux-source-6.12|linux-source-6.1, --config C, --target\n"
"vmlinux|all. --out, --label and -h/--help are the runner's; @ALL and @SWEEP\n"
"are not replaced.\n"
"\n"
"Every other entry runs, in each round R of K,\n"
"  ptbench run BENCH OPTION... --label LABEL --reps N_R --no-aslr -q -o FILE\n"
"from inside the result set, where N_R shares the repetitions out between\n"
"the rounds (the first N%%K rounds do one more) and FILE is LABEL.json with\n"
"one round, .LABEL.rR.json with more (the runner merges them).\n"
"\n"
"The plan (schema \"ptbench-plan/1\"):\n"
"  schema, suite {name, path (real), shown (as given)}, reps, rounds, cpus,\n"
"  planned_ms (the whole suite),\n"
"  suite_text   the expanded suite, itself a valid suite file (the runner\n"
"               keeps it, and compares it on --resume),\n"
"  entries      one per expanded entry, in order: label, bench, kind\n"
"               (\"ptbench\" or \"kernbench\"), options (expanded), src\n"
"               (\"FILE:LINE\"), planned_ms, runs: one per round (one for\n"
"               kernbench): round, reps and file (null for kernbench),\n"
"               planned_ms, args (the arguments after the program: ptbench,\n"
"               or workloads/kernbench).\n"
"The planned time of a run: its warm-up (--warmup, default 0.5 s) and 0.1 s\n"
"of start-up, plus its repetitions times --duration (default 3 s); with\n"
"--iterations the time of an operation is unknown and a repetition is\n"
"counted as 1 s. A kernbench entry: (2 x runs + 1) x 90 s, runs being -n,\n"
"or 3 with -f, else 5 (a tinyconfig build on 2 CPUs).\n"
"\n"
"Errors: \"ptbench plan: FILE:LINE: what is wrong\" on standard error (an\n"
"included file named relative to the suite's name), nothing on standard\n"
"output.\n"
"\n"
"Exit status: 0 the plan was printed; 2 bad suite or usage.\n");
}

/* The CPUs this process may use, as nproc counts them. */
static int online_cpus(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static int plan_count_arg(const char *opt, const char *v, unsigned max, unsigned *out)
{
	uint64_t x;
	char err[128];

	if (!pt_parse_uint(v, &x, err, sizeof(err)) && x >= 1 && x <= max && v[0] != '0') {
		*out = (unsigned)x;
		return 0;
	}
	fprintf(stderr, "ptbench plan: %s '%s': want a whole number from 1 to %u\n", opt, v, max);
	return -1;
}

static int plan_args(struct plan *p, int argc, char **argv)
{
	bool opts = true;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '='), *v;
		unsigned cpus, *slot = NULL, max = PLAN_MAX_COUNT;
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);

		if (opts && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			plan_usage(stdout);
			return 1;
		}
		if (opts && !strcmp(a, "--")) {
			opts = false;
			continue;
		}
		if (!opts || a[0] != '-' || !a[1]) {
			if (p->arg) {
				fprintf(stderr, "ptbench plan: one suite file only, not '%s' too (see ptbench plan --help)\n",
					a);
				return -1;
			}
			p->arg = a;
			continue;
		}
		if (nl == 6 && !strncmp(a, "--reps", nl)) {
			slot = &p->reps;
		} else if (nl == 8 && !strncmp(a, "--rounds", nl)) {
			slot = &p->rounds;
		} else if (nl == 6 && !strncmp(a, "--cpus", nl)) {
			slot = &cpus;
			max = PLAN_MAX_CPUS;
		} else {
			fprintf(stderr, "ptbench plan: unknown option '%s' (see ptbench plan --help)\n", a);
			return -1;
		}
		if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			fprintf(stderr, "ptbench plan: option %s needs a value (see ptbench plan --help)\n", a);
			return -1;
		}
		if (plan_count_arg(a, v, max, slot))
			return -1;
		if (slot == &cpus) {
			p->cpus = (int)cpus;
			p->cpus_given = true;
		}
	}
	if (!p->arg) {
		fprintf(stderr, "ptbench plan: which suite file? (see ptbench plan --help)\n");
		return -1;
	}
	return 0;
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nparsed; i++) {
		free(p->parsed[i].label);
		free(p->parsed[i].bench);
		words_free(&p->parsed[i].opts);
	}
	for (size_t i = 0; i < p->nent; i++) {
		free(p->ent[i].label);
		free(p->ent[i].bench);
		words_free(&p->ent[i].opts);
	}
	free(p->parsed);
	free(p->ent);
	free(p->shown);
	free(p->real);
	free(p->name);
	words_free(&p->files);
	words_free(&p->inc_real);
	words_free(&p->inc_show);
}

static int plan_run(struct plan *p)
{
	struct stat st;
	char *base;
	json_t *doc;
	int ret;

	p->shown = xstrdup(starts(p->arg, "./") && p->arg[2] ? p->arg + 2 : p->arg);
	if (stat(p->arg, &st) || !S_ISREG(st.st_mode) || access(p->arg, R_OK))
		return perr(p->shown, 0, "no such readable file");
	p->real = realpath(p->arg, NULL);
	if (!p->real)
		return perr(p->shown, 0, "%s", strerror(errno));
	/* JSON strings are UTF-8: a name that is not cannot go in the plan. */
	doc = json_pack("[ss]", p->shown, p->real);
	if (!doc)
		return perr(p->shown, 0, "its name or real path (%s) is not valid UTF-8", p->real);
	json_decref(doc);
	base = strrchr(p->arg, '/');
	base = xstrdup(base ? base + 1 : p->arg);
	if (ends(base, ".suite"))
		base[strlen(base) - 6] = 0;
	p->name = base;
	words_push(&p->inc_real, xstrdup(p->real));
	words_push(&p->inc_show, xstrdup(p->shown));
	if (parse_suite(p, p->arg, p->shown, true))
		return -1;
	if (!p->nparsed)
		return perr(p->shown, 0, "the suite has no entries");
	if (!p->reps)
		p->reps = p->suite_reps ? p->suite_reps : 5;
	if (!p->rounds)
		p->rounds = p->suite_rounds ? p->suite_rounds : 1;
	/* A round makes at least one repetition. */
	if (p->rounds > p->reps)
		p->rounds = p->reps;
	if (expand(p))
		return -1;
	doc = plan_json(p);
	ret = json_dumpf(doc, stdout, PT_JSON_FLAGS);
	json_decref(doc);
	if (ret || fputc('\n', stdout) == EOF || fflush(stdout)) {
		fprintf(stderr, "ptbench plan: cannot write the plan: %s\n", strerror(errno));
		return -2;
	}
	return 0;
}

int pt_cmd_plan(int argc, char **argv)
{
	struct plan p = { 0 };
	int r;

	r = plan_args(&p, argc, argv);
	if (r)
		return r > 0 ? 0 : PT_EXIT_USAGE;
	if (!p.cpus_given)
		p.cpus = online_cpus();
	r = plan_run(&p);
	plan_free(&p);
	return r == -2 ? PT_EXIT_FAIL : r ? PT_EXIT_USAGE : 0;
}
