// SPDX-License-Identifier: GPL-2.0
/*
 * ptbench: command line, help, and the set-up of a run.  Every value is
 * checked before anything runs: bad input exits 2 and leaves no file.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "../common/wrap.h"
#include "counters.h"
#include "internal.h"
#include "parse.h"
#include "place.h"
#include "sysinfo.h"

/* ---- the registry ------------------------------------------------------ */

extern const struct pt_bench *const __start_pt_benches[];
extern const struct pt_bench *const __stop_pt_benches[];

static int cmp_bench(const void *a, const void *b)
{
	const struct pt_bench *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

const struct pt_bench *const *pt_benches(size_t *count)
{
	static const struct pt_bench **sorted;
	size_t n = (size_t)(__stop_pt_benches - __start_pt_benches);

	if (!sorted) {
		sorted = malloc(n * sizeof(*sorted) + 1);
		if (!sorted) {
			*count = 0;
			return NULL;
		}
		memcpy(sorted, __start_pt_benches, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_bench);
	}
	*count = n;
	return sorted;
}

const struct pt_bench *pt_bench_find(const char *name)
{
	size_t n;
	const struct pt_bench *const *all = pt_benches(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* ---- common options, as data: they parse and document themselves ------- */

enum copt {
	C_DURATION, C_ITERATIONS, C_REPS, C_WARMUP, C_TASKS, C_MODE, C_PIN,
	C_OVERSUB, C_NO_ASLR, C_EVENTS, C_OUTPUT, C_LABEL, C_QUIET, C_HELP,
};

static const struct {
	const char *name;
	char short_name;
	const char *arg;
	const char *help;
} copts[] = {
	[C_DURATION]	= { "duration", 0, "SECONDS",
		"Length of each repetition (default 3)." },
	[C_ITERATIONS]	= { "iterations", 0, "N",
		"Instead of --duration: each timed task does N operations per repetition." },
	[C_REPS]	= { "reps", 0, "N", "Repetitions, each one sample of every metric (default 5)." },
	[C_WARMUP]	= { "warmup", 0, "SECONDS",
		"Untimed warm-up run before the repetitions (default 0.5; 0 for none)." },
	[C_TASKS]	= { "tasks", 0, "N", "Tasks (threads or processes) to run." },
	[C_MODE]	= { "mode", 0, "threads|processes",
		"Tasks share one mm (threads, the default) or each have their own." },
	[C_PIN]		= { "pin", 0, "compact|scatter|none|CPULIST",
		"Task placement through hwloc: compact fills one PU of every core before the "
		"second PUs; scatter spreads over packages first; none leaves tasks unbound; "
		"or a CPU list such as 0,2-3 (default compact)." },
	[C_OVERSUB]	= { "oversubscribe", 0, NULL, "Allow more tasks than CPUs." },
	[C_NO_ASLR]	= { "no-aslr", 0, NULL,
		"Run with address-space layout randomization off (ptbench re-executes itself "
		"with ADDR_NO_RANDOMIZE). Every repetition of a run shares one layout, and on "
		"some machines the layout alone moves mmap-heavy figures by several percent "
		"from one run to the next; a fixed layout removes that noise from comparisons." },
	[C_EVENTS]	= { "events", 0, "default|none|LIST",
		"perf events to count per repetition, libpfm4 names separated by commas "
		"(default: task-clock, page-faults, context-switches, cpu-migrations, cycles, "
		"instructions, dTLB-load-misses). Unsupported events are reported as such." },
	[C_OUTPUT]	= { "output", 'o', "FILE",
		"Write the JSON result to FILE (atomically) instead of standard output." },
	[C_LABEL]	= { "label", 0, "TEXT", "Label stored in the result (default: the benchmark name)." },
	[C_QUIET]	= { "quiet", 'q', NULL, "No progress and no summary on standard error." },
	[C_HELP]	= { "help", 'h', NULL, "This help." },
};

#define N_COPTS (sizeof(copts) / sizeof(copts[0]))

static void print_common_options(FILE *f)
{
	fprintf(f, "Common options:\n");
	for (size_t i = 0; i < N_COPTS; i++) {
		char head[96];

		snprintf(head, sizeof(head), "%s%c%s--%s%s%s",
			 copts[i].short_name ? "-" : "",
			 copts[i].short_name ? copts[i].short_name : ' ',
			 copts[i].short_name ? ", " : "",
			 copts[i].name, copts[i].arg ? " " : "",
			 copts[i].arg ? copts[i].arg : "");
		fprintf(f, "  %s\n", head[0] == ' ' ? head + 1 : head);
		pt_wrap(f, copts[i].help, 6);
	}
	fprintf(f, "Sizes take K, M, G or T suffixes (powers of two): 4K, 2M, 1G.\n");
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ptbench list\n"
		"       ptbench sysinfo [--no-probe]\n"
		"       ptbench run BENCH [options]\n"
		"       ptbench run BENCH --help\n"
		"       ptbench plan [--reps N] [--rounds K] [--cpus N] SUITE_FILE\n"
		"       ptbench hold\n"
		"       ptbench --version\n\n"
		"Page-table and TLB-flush microbenchmarks for comparing kernels.\n\n"
		"Commands:\n"
		"  list      the benchmarks, one line each\n"
		"  sysinfo   what this kernel does (config, TLB flush mode, table free, THP,\n"
		"            topology), as JSON. The free and flush paths are observed: a\n"
		"            short probe frees 16 page tables 32 times with a second thread\n"
		"            on another CPU under the path counters (source \"probe\", the\n"
		"            counts as evidence); where they cannot count (not root, no\n"
		"            kprobes) the version rules and the kernel log answer instead\n"
		"            (source \"rules\", \"kernel-log\" or \"cpuid\"). --no-probe: rules only.\n"
		"  run       run one benchmark; the result is one JSON document\n"
		"  plan      check a suite file (every entry's options, as run checks them)\n"
		"            and print its plan as JSON: the exact command of each run and\n"
		"            the time it should take; runs nothing (ptbench plan --help)\n"
		"  hold      open the default counters and keep them open until SIGINT or\n"
		"            SIGTERM: while it runs, the kernel's static keys for perf events\n"
		"            and tracepoints stay on and the path kprobes stay armed, so\n"
		"            other runs do not make the kernel patch its text (used in\n"
		"            guests under multi-threaded QEMU TCG)\n\n");
	print_common_options(f);
	fprintf(f,
		"\nExit status: 0 done; 1 the run failed; 2 bad input (nothing run, no file\n"
		"written); 128+N interrupted by signal N (no file written, nothing left running).\n"
		"The JSON schema is described in results/README.md.\n");
}

static void bench_help(const struct pt_bench *b, FILE *f)
{
	char buf[64];

	fprintf(f, "Usage: ptbench run %s [options]\n\n%s.\n\n", b->name, b->summary);
	if (b->description)
		pt_wrap(f, b->description, 0);
	fprintf(f, "\nOptions of %s:\n", b->name);
	for (const struct pt_opt *o = b->opts; o && o->name; o++) {
		const char *arg = o->type == PT_OPT_SIZE ? " SIZE" :
				  o->type == PT_OPT_UINT ? " N" :
				  o->type == PT_OPT_ENUM ? " " : "";

		fprintf(f, "  --%s%s%s", o->name, arg,
			o->type == PT_OPT_ENUM ? o->choices : "");
		if (o->def)
			fprintf(f, "   (default %s)", o->def);
		fputc('\n', f);
		pt_wrap(f, o->help, 6);
	}
	if (b->flags & PT_THREADS_ONLY)
		fprintf(f, "  (threads only: its tasks must share one address space)\n");
	(void)buf;
	fputc('\n', f);
	print_common_options(f);
}

/* ---- option parsing ---------------------------------------------------- */

struct argp {
	int argc;
	char **argv;
	int i;
	int first;		/* the option being parsed is argv[first..i]; -1: none */
	struct pt_check_err *e;
};

static int usage_error(const struct argp *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const struct argp *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->e->msg, sizeof(a->e->msg), fmt, ap);
	va_end(ap);
	a->e->hint = true;
	a->e->first = a->first;
	a->e->last = a->first < 0 ? -1 : a->i < a->argc ? a->i : a->argc - 1;
	return -1;
}

/* The value of the option at a->i: "--x=v", "--x v" or "-o v". */
static const char *opt_value(struct argp *a, const char *eq, const char *name)
{
	if (eq)
		return eq + 1;
	if (a->i + 1 >= a->argc) {
		usage_error(a, "option --%s needs a value", name);
		return NULL;
	}
	return a->argv[++a->i];
}

static int set_bench_opt(struct argp *a, const struct pt_opt *o, const char *val,
			 void *params)
{
	char err[256];
	uint64_t v;
	char *field = (char *)params + o->off;

	switch (o->type) {
	case PT_OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case PT_OPT_ENUM: {
		int idx = pt_choice_index(o->choices, val);

		if (idx < 0)
			return usage_error(a, "--%s must be one of %s, not '%s'", o->name,
					   o->choices, val);
		*(int *)field = idx;
		return 0;
	}
	case PT_OPT_SIZE:
		if (pt_parse_size(val, &v, err, sizeof(err)))
			return usage_error(a, "--%s: %s", o->name, err);
		break;
	case PT_OPT_UINT:
		if (pt_parse_uint(val, &v, err, sizeof(err)))
			return usage_error(a, "--%s: %s", o->name, err);
		break;
	}
	if (v < o->min || (o->max && v > o->max)) {
		if (o->max)
			return usage_error(a, "--%s %s is out of range (%llu to %llu)", o->name,
					   val, (unsigned long long)o->min,
					   (unsigned long long)o->max);
		return usage_error(a, "--%s %s is out of range (at least %llu)", o->name, val,
				   (unsigned long long)o->min);
	}
	*(uint64_t *)field = v;
	return 0;
}

static int set_defaults(const struct pt_bench *b, void *params, struct pt_check_err *e)
{
	struct argp a = { .first = -1, .e = e };

	for (const struct pt_opt *o = b->opts; o && o->name; o++) {
		if (o->def && set_bench_opt(&a, o, o->def, params)) {
			e->hint = false;
			return -1;
		}
	}
	return 0;
}

static int set_common(struct argp *a, enum copt id, const char *val,
		      struct pt_common *c)
{
	char err[256];
	uint64_t v;

	switch (id) {
	case C_DURATION:
		if (pt_parse_seconds(val, &c->duration, err, sizeof(err)))
			return usage_error(a, "--duration: %s", err);
		return 0;
	case C_WARMUP:
		if (!strcmp(val, "0")) {
			c->warmup = 0;
			return 0;
		}
		if (pt_parse_seconds(val, &c->warmup, err, sizeof(err)))
			return usage_error(a, "--warmup: %s", err);
		return 0;
	case C_ITERATIONS:
	case C_REPS:
	case C_TASKS:
		if (pt_parse_uint(val, &v, err, sizeof(err)))
			return usage_error(a, "--%s: %s", copts[id].name, err);
		if (!v)
			return usage_error(a, "--%s must be at least 1", copts[id].name);
		if (id == C_ITERATIONS) {
			c->iterations = v;
		} else if (v > 100000) {
			return usage_error(a, "--%s %s is too large", copts[id].name, val);
		} else if (id == C_REPS) {
			c->reps = (unsigned)v;
		} else {
			c->tasks = (unsigned)v;
			c->tasks_given = true;
		}
		return 0;
	case C_MODE:
		if (strcmp(val, "threads") && strcmp(val, "processes"))
			return usage_error(a, "--mode must be threads or processes, not '%s'", val);
		c->processes = !strcmp(val, "processes");
		return 0;
	case C_PIN:
		c->pin = val;
		return 0;
	case C_EVENTS:
		c->events = val;
		return 0;
	case C_OUTPUT:
		if (!*val)
			return usage_error(a, "-o needs a file name");
		c->out = val;
		return 0;
	case C_LABEL:
		c->label = val;
		return 0;
	case C_OVERSUB:
	case C_NO_ASLR:
	case C_QUIET:
	case C_HELP:
		break;
	}
	return 0;
}

/* Returns 0, 1 if --help was asked, -1 on bad input. */
static int parse_run_args(struct argp *a, const struct pt_bench *b,
			  struct pt_common *c, void *params)
{
	bool have_duration = false;

	for (a->i = 0; a->i < a->argc; a->i++) {
		const char *arg = a->argv[a->i], *eq, *val = NULL;
		char name[64];
		size_t nlen;
		int id = -1;

		a->first = a->i;
		if (arg[0] == '-' && arg[1] && arg[1] != '-' && !arg[2]) {
			for (size_t k = 0; k < N_COPTS; k++)
				if (copts[k].short_name == arg[1])
					id = (int)k;
			if (id < 0)
				return usage_error(a, "unknown option '%s'", arg);
			eq = NULL;
			snprintf(name, sizeof(name), "%s", copts[id].name);
		} else if (!strncmp(arg, "--", 2) && arg[2]) {
			eq = strchr(arg, '=');
			nlen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			if (nlen >= sizeof(name))
				return usage_error(a, "unknown option '%s'", arg);
			memcpy(name, arg + 2, nlen);
			name[nlen] = 0;
			for (size_t k = 0; k < N_COPTS; k++)
				if (!strcmp(copts[k].name, name))
					id = (int)k;
		} else {
			return usage_error(a, "unexpected argument '%s'", arg);
		}
		if (id == C_HELP)
			return 1;
		if (id >= 0) {
			if (!copts[id].arg) {
				if (eq)
					return usage_error(a, "option --%s takes no value", name);
				if (id == C_QUIET)
					c->quiet = true;
				if (id == C_OVERSUB)
					c->oversubscribe = true;
				if (id == C_NO_ASLR)
					c->no_aslr = true;
				continue;
			}
			val = opt_value(a, eq, name);
			if (!val || set_common(a, (enum copt)id, val, c))
				return -1;
			have_duration |= id == C_DURATION;
			continue;
		}
		const struct pt_opt *o = b->opts;

		for (; o && o->name && strcmp(o->name, name); o++)
			;
		if (!o || !o->name)
			return usage_error(a, "unknown option '%s'", arg);
		if (o->type == PT_OPT_FLAG) {
			if (eq)
				return usage_error(a, "option --%s takes no value", name);
		} else {
			val = opt_value(a, eq, name);
			if (!val)
				return -1;
		}
		if (set_bench_opt(a, o, val, params))
			return -1;
	}
	a->first = -1;
	if (have_duration && c->iterations)
		return usage_error(a, "give --duration or --iterations, not both");
	if (c->iterations)
		c->duration = 0;
	return 0;
}

/* ---- params as JSON ---------------------------------------------------- */

static json_t *params_json(const struct pt_bench *b, const struct pt_common *c,
			   const void *params, unsigned ntasks)
{
	json_t *p = json_object();
	char buf[64];

	json_object_set_new(p, "duration_s", c->duration ? json_real(c->duration) : json_null());
	json_object_set_new(p, "iterations", c->iterations ?
			    json_integer((json_int_t)c->iterations) : json_null());
	json_object_set_new(p, "reps", json_integer(c->reps));
	json_object_set_new(p, "warmup_s", json_real(c->warmup));
	json_object_set_new(p, "tasks", json_integer(ntasks));
	json_object_set_new(p, "mode", json_string(c->processes ? "processes" : "threads"));
	json_object_set_new(p, "pin", json_string(c->pin));
	json_object_set_new(p, "events", json_string(c->events));
	json_object_set_new(p, "aslr", json_boolean(!(personality(0xffffffff) & ADDR_NO_RANDOMIZE)));
	for (const struct pt_opt *o = b->opts; o && o->name; o++) {
		const char *field = (const char *)params + o->off;
		json_t *v = NULL;

		switch (o->type) {
		case PT_OPT_FLAG:
			v = json_boolean(*(const bool *)field);
			break;
		case PT_OPT_ENUM:
			v = json_string(pt_choice_name(o->choices, *(const int *)field,
						       buf, sizeof(buf)));
			break;
		case PT_OPT_SIZE:
		case PT_OPT_UINT:
			v = json_integer((json_int_t)*(const uint64_t *)field);
			break;
		}
		json_object_set_new(p, o->name, v);
	}
	return p;
}

/* ---- commands ---------------------------------------------------------- */

static int cmd_list(void)
{
	size_t n;
	const struct pt_bench *const *all = pt_benches(&n);

	for (size_t i = 0; i < n; i++)
		printf("%-15s %s\n", all[i]->name, all[i]->summary);
	return 0;
}

static int cmd_sysinfo(int argc, char **argv)
{
	bool probe = true;
	json_t *s;
	int i, ret;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--no-probe")) {
			probe = false;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ptbench sysinfo: unknown argument '%s' (only --no-probe)\n",
				argv[i]);
			return PT_EXIT_USAGE;
		}
	}
	s = pt_sysinfo(probe);
	ret = json_dumpf(s, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	putchar('\n');
	json_decref(s);
	return ret ? PT_EXIT_FAIL : 0;
}

/*
 * Open the default counters and keep them open until SIGINT, SIGTERM or
 * SIGHUP (blocked in main(), taken here).  For guests under multi-threaded
 * TCG: while one process holds them, the static keys that perf events and
 * tracepoints switch stay on and the kprobes stay armed, so the runs of a
 * suite do not make the kernel rewrite its own text while other vCPUs
 * execute it.
 */
static int cmd_hold(int argc, char **argv, const sigset_t *sigs)
{
	struct pt_counters *c;
	char err[256];
	int sig;

	if (argc > 2) {
		fprintf(stderr, "ptbench hold: unknown argument '%s' (it takes none)\n", argv[2]);
		return PT_EXIT_USAGE;
	}
	c = pt_counters_new("default", err, sizeof(err));
	if (!c) {
		fprintf(stderr, "ptbench hold: %s\n", err);
		return PT_EXIT_FAIL;
	}
	do
		sig = sigwaitinfo(sigs, NULL);
	while (sig < 0 && errno == EINTR);
	pt_counters_free(c);
	return 0;
}

/* ---- the checks of a run, shared with `ptbench plan' -------------------- */

void pt_common_defaults(struct pt_common *c)
{
	*c = (struct pt_common){ .duration = 3, .reps = 5, .warmup = 0.5, .pin = "compact",
				 .events = "default" };
}

static int check_error(struct pt_check_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int check_error(struct pt_check_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->hint = false;
	e->first = e->last = -1;
	return -1;
}

static unsigned choose_ntasks(struct pt_run *run, const struct pt_common *c, int ncpus)
{
	const struct pt_bench *b = run->bench;
	unsigned n;

	if (b->ntasks)
		return b->ntasks(run);
	if (c->tasks_given)
		return c->tasks;
	n = b->default_tasks ? b->default_tasks : 1;
	if (!ncpus)
		ncpus = pt_place_ncpus();
	if ((int)n > ncpus)
		n = (unsigned)ncpus;
	return n;
}

static int check_memory(struct pt_run *run, struct pt_check_err *e)
{
	uint64_t need, avail;

	if (!run->bench->mem_needed)
		return 0;
	need = run->bench->mem_needed(run);
	avail = pt_mem_available();
	if (avail && need > avail)
		return check_error(e, "needs %llu MiB of memory but only %llu MiB is available (MemAvailable)",
				   (unsigned long long)(need >> 20),
				   (unsigned long long)(avail >> 20));
	return 0;
}

int pt_run_parse(const struct pt_bench *b, int argc, char **argv, struct pt_common *c,
		 void *params, struct pt_check_err *e)
{
	struct argp a = { .argc = argc, .argv = argv, .first = -1, .e = e };
	int r;

	*e = (struct pt_check_err){ .first = -1, .last = -1 };
	pt_common_defaults(c);
	if (set_defaults(b, params, e))
		return -2;
	r = parse_run_args(&a, b, c, params);
	if (r)
		return r;
	if (c->processes && (b->flags & PT_THREADS_ONLY))
		return check_error(e, "--mode processes is not possible: its tasks must share one address space");
	return 0;
}

int pt_run_check(struct pt_run *run, const struct pt_common *c, int ncpus, int **cpus,
		 struct pt_check_err *e)
{
	const struct pt_bench *b = run->bench;
	char err[512];
	int *place;

	*e = (struct pt_check_err){ .first = -1, .last = -1 };
	run->processes = c->processes;
	run->duration_ns = (uint64_t)(c->duration * 1e9);
	run->iterations = c->iterations;
	run->ntasks = choose_ntasks(run, c, ncpus);
	if (run->ntasks == 0)
		return check_error(e, "no tasks to run");
	if (b->validate && b->validate(run))
		return check_error(e, "%s", run->h->error);
	place = calloc(run->ntasks, sizeof(*place));
	if (!place)
		return check_error(e, "out of memory");
	if (ncpus ? pt_place_check(c->pin, run->ntasks, c->oversubscribe, ncpus,
				   err, sizeof(err)) :
		    pt_place_plan(c->pin, run->ntasks, c->oversubscribe, place,
				  err, sizeof(err))) {
		free(place);
		return check_error(e, "%s", err);
	}
	if ((!ncpus && check_memory(run, e)) ||
	    (pt_counters_check(c->events, err, sizeof(err)) &&
	     check_error(e, "--events: %s", err))) {
		free(place);
		return -1;
	}
	if (cpus)
		*cpus = place;
	else
		free(place);
	return 0;
}

static bool signal_pending(const sigset_t *sigs, int *signo)
{
	struct timespec zero = { 0, 0 };
	int sig = sigtimedwait(sigs, NULL, &zero);

	if (sig > 0)
		*signo = sig;
	return sig > 0;
}

static int run_bench(struct pt_harness *h, const struct pt_bench *b, struct pt_run *run)
{
	struct pt_check_err e;
	char err[512];
	json_t *doc;
	int status;

	if (pt_run_check(run, &h->o, 0, &h->cpus, &e)) {
		fprintf(stderr, "ptbench run %s: %s\n", b->name, e.msg);
		return PT_EXIT_USAGE;
	}
	h->ctr = pt_counters_new(h->o.events, err, sizeof(err));
	if (!h->ctr) {
		fprintf(stderr, "ptbench run %s: --events: %s\n", b->name, err);
		return PT_EXIT_USAGE;
	}
	if (h->o.out && pt_out_prepare(h->o.out, err, sizeof(err))) {
		fprintf(stderr, "ptbench run %s: %s\n", b->name, err);
		return PT_EXIT_USAGE;
	}
	h->params = params_json(b, &h->o, run->params, run->ntasks);
	pt_iso_time(h->started, sizeof(h->started));

	run->tasks = pt_shared_alloc(run->ntasks * sizeof(*run->tasks));
	if (!run->tasks) {
		fprintf(stderr, "ptbench run %s: cannot allocate %u tasks\n", b->name, run->ntasks);
		pt_out_abort();
		return PT_EXIT_FAIL;
	}
	for (unsigned i = 0; i < run->ntasks; i++) {
		run->tasks[i].id = i;
		run->tasks[i].cpu = h->cpus[i];
		run->tasks[i].run = run;
		run->tasks[i].role = b->role ? b->role(run, i) : PT_TIMED;
	}
	if (b->setup && b->setup(run)) {
		fprintf(stderr, "ptbench run %s: set-up failed: %s\n", b->name,
			h->error[0] ? h->error : "unknown error");
		pt_out_abort();
		status = PT_EXIT_FAIL;
		goto out;
	}
	status = pt_harness_run(run);
	if (b->teardown)
		b->teardown(run);
	if (!status && signal_pending(&h->sigs, &h->signo))
		status = 128 + h->signo;
	if (status) {
		pt_out_abort();
		if (h->signo)
			fprintf(stderr, "ptbench run %s: stopped by %s; nothing written\n",
				b->name, strsignal(h->signo));
		goto out;
	}
	doc = pt_result_doc(run);
	if (!h->o.quiet && h->o.out)
		pt_print_summary(run, stderr);
	if (pt_out_commit(doc, err, sizeof(err))) {
		fprintf(stderr, "ptbench run %s: %s\n", b->name, err);
		status = PT_EXIT_FAIL;
	}
	json_decref(doc);
out:
	pt_shared_free(run->tasks, run->ntasks * sizeof(*run->tasks));
	return status;
}

/* Start again with a fixed layout; returns only on failure. */
static int reexec_without_aslr(char **argv)
{
	int persona = personality(0xffffffff);

	if (persona < 0 || (persona & ADDR_NO_RANDOMIZE))
		return 0;
	if (personality((unsigned long)persona | ADDR_NO_RANDOMIZE) < 0) {
		fprintf(stderr, "ptbench: --no-aslr: personality: %s\n", strerror(errno));
		return -1;
	}
	execv("/proc/self/exe", argv);
	fprintf(stderr, "ptbench: --no-aslr: cannot re-execute /proc/self/exe: %s\n",
		strerror(errno));
	return -1;
}

static int cmd_run(int argc, char **argv, const sigset_t *sigs)
{
	struct pt_harness h = { .argc = argc, .argv = argv, .sigs = *sigs };
	/* Shared memory: forked tasks must see stop, timed_left and start_ns. */
	struct pt_run *run = pt_shared_alloc(sizeof(*run));
	const struct pt_bench *b;
	struct pt_check_err e;
	char prog[96];
	int status, r;

	if (!run) {
		fprintf(stderr, "ptbench run: out of memory\n");
		return PT_EXIT_FAIL;
	}
	run->h = &h;
	if (argc < 3 || !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
		if (argc < 3)
			fprintf(stderr, "ptbench run: which benchmark? (see ptbench list)\n");
		else
			usage(stdout);
		status = argc < 3 ? PT_EXIT_USAGE : 0;
		goto out;
	}
	b = pt_bench_find(argv[2]);
	if (!b) {
		fprintf(stderr, "ptbench run: unknown benchmark '%s' (see ptbench list)\n", argv[2]);
		status = PT_EXIT_USAGE;
		goto out;
	}
	snprintf(prog, sizeof(prog), "ptbench run %s", b->name);
	run->bench = b;
	run->params = calloc(1, b->params_size ? b->params_size : 1);
	h.metrics = json_object();
	h.checks = json_array();
	h.warnings = json_array();
	h.findings = json_object();
	h.unsupported = json_object();
	if (!run->params) {
		status = PT_EXIT_FAIL;
		goto out;
	}
	r = pt_run_parse(b, argc - 3, argv + 3, &h.o, run->params, &e);
	if (r) {
		if (r > 0)
			bench_help(b, stdout);
		else if (r == -2)
			fprintf(stderr, "%s: built-in default: %s\n", prog, e.msg);
		else
			fprintf(stderr, "%s: %s%s%s%s\n", prog, e.msg, e.hint ? " (see " : "",
				e.hint ? prog : "", e.hint ? " --help)" : "");
		status = r > 0 ? 0 : r == -2 ? PT_EXIT_FAIL : PT_EXIT_USAGE;
		goto out;
	}
	if (h.o.no_aslr && reexec_without_aslr(argv)) {
		status = PT_EXIT_FAIL;
		goto out;
	}
	status = run_bench(&h, b, run);
out:
	free(run->params);
	pt_shared_free(run, sizeof(*run));
	free(h.cpus);
	json_decref(h.params);
	json_decref(h.metrics);
	json_decref(h.checks);
	json_decref(h.warnings);
	json_decref(h.findings);
	json_decref(h.unsupported);
	json_decref(h.paths_json);
	if (h.ctr)
		pt_counters_free(h.ctr);
	return status;
}

int main(int argc, char **argv)
{
	sigset_t sigs;
	int status;

	/*
	 * Block the terminating signals before any thread or child exists:
	 * only the controller takes them (sigtimedwait), so a run always
	 * stops cleanly.  A second Ctrl-C while stopping is still a signal
	 * pending, not a kill.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	if (argc < 2) {
		usage(stderr);
		return PT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		status = 0;
	} else if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("ptbench %s\n", PACKAGE_VERSION);
		status = 0;
	} else if (!strcmp(argv[1], "list")) {
		status = cmd_list();
	} else if (!strcmp(argv[1], "sysinfo")) {
		status = cmd_sysinfo(argc, argv);
	} else if (!strcmp(argv[1], "run")) {
		status = cmd_run(argc, argv, &sigs);
	} else if (!strcmp(argv[1], "hold")) {
		status = cmd_hold(argc, argv, &sigs);
	} else if (!strcmp(argv[1], "plan")) {
		status = pt_cmd_plan(argc, argv);
	} else {
		fprintf(stderr, "ptbench: unknown command '%s' (see ptbench --help)\n", argv[1]);
		status = PT_EXIT_USAGE;
	}
	pt_place_cleanup();
	return status;
}
