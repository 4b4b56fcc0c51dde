// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat record kernbench: a ptbench/1 result from the timings of an
 * outside workload, so that workloads/kernbench writes its results through
 * the same model and the same atomic write as ptbench, and prints its
 * block with ptstat's statistics and number formatting.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include "../common/result.h"
#include "report.h"
#include "resultset.h"
#include "stats.h"
#include "write.h"

#define PROG "ptstat record kernbench"

/* GNU time -f "%e %U %S %P %c %w": the metrics, in that order. */
static const struct kb_metric {
	const char *name, *title, *unit, *better;
} kb_metrics[] = {
	{ "elapsed_s", "Elapsed Time", "s", "lower" },
	{ "user_s", "User Time", "s", "lower" },
	{ "system_s", "System Time", "s", "lower" },
	{ "percent_cpu", "Percent CPU", "%", "info" },
	{ "context_switches", "Context Switches", "switches", "info" },
	{ "sleeps", "Sleeps", "sleeps", "info" },
};

#define KB_N (sizeof(kb_metrics) / sizeof(kb_metrics[0]))

static void record_help(FILE *f)
{
	fputs("Usage: ptstat record kernbench --out DIR --label LABEL\n"
"         --load half|optimal|maximal|single|custom --title TITLE\n"
"         --jobs N|unlimited --runs N --target T --config C --tree-version V\n"
"         --src S [--build-dir D] [--fast] --settle SECONDS --cpus N\n"
"         --started ISO8601 --times FILE -- COMMAND [ARG...]\n"
"\n"
"Writes the ptbench/1 result of one kernbench load (workloads/kernbench) to\n"
"DIR/LABEL.json, atomically, and prints kernbench's block on standard output:\n"
"  Average TITLE Run (std deviation):\n"
"  Elapsed Time MEAN (SD)\n"
"  User Time MEAN (SD)\n"
"  System Time MEAN (SD)\n"
"  Percent CPU MEAN (SD)\n"
"  Context Switches MEAN (SD)\n"
"  Sleeps MEAN (SD)\n"
"followed by a blank line: the mean and the sample standard deviation (n - 1;\n"
"0 for one run) with six significant digits, formatted as ptstat show\n"
"--format kernbench formats them (no exponent below 1e15).\n"
"\n"
"FILE holds one line per timed run, as GNU time prints it with\n"
"-f \"%e %U %S %P %c %w\": elapsed, user and system seconds, the percentage\n"
"of CPU (\"97%\"), context switches (involuntary) and sleeps (voluntary\n"
"switches), e.g. \"412.31 1300.52 95.10 338% 81234 60111\". It must have\n"
"--runs lines; a line that is not six such fields (\"?%\" included) is an\n"
"error naming the line.\n"
"\n"
"The result: bench \"kernbench\", label LABEL, command the COMMAND after --,\n"
"params {load, jobs (a number or \"unlimited\"), runs, reps (= runs), target,\n"
"config, tree_version, src, build_dir (null without --build-dir), fast,\n"
"settle_s, cpus}, placement {cpus: []}, started, kernel {release, version,\n"
"machine} (uname), metrics elapsed_s, user_s, system_s (s, lower is better),\n"
"percent_cpu (%), context_switches (switches), sleeps (sleeps) (info),\n"
"counters {}, checks [{name: \"runs\", ok: true, detail: \"N runs of make -j\n"
"JOBS TARGET\"}], warnings [].\n"
"\n"
"Exit status: 0 written; 1 the file could not be written; 2 bad usage or\n"
"input (nothing written).\n", f);
}

struct kb_args {
	const char *out, *label, *load, *title, *jobs, *runs, *target, *config;
	const char *tree_version, *src, *build_dir, *settle, *cpus, *started, *times;
	bool fast, help;
	char **cmd;
	int ncmd;
	unsigned long nruns;
};

struct kb_runs {
	json_t *samples[KB_N];
	size_t n;
};

/* "97%" -> 97; "?%" (GNU time could not tell) is not a number. */
static json_t *percent(char *field)
{
	size_t len = strlen(field);

	if (len < 2 || field[len - 1] != '%')
		return NULL;
	field[len - 1] = 0;
	return pw_number(field);
}

static int parse_line(char *line, struct kb_runs *r)
{
	char *save = NULL, *tok;
	json_t *v[KB_N] = { 0 };
	size_t i;

	for (i = 0; (tok = strtok_r(i ? NULL : line, " \t\n", &save)); i++) {
		if (i >= KB_N)
			goto bad;
		v[i] = i == 3 ? percent(tok) : pw_number(tok);
		if (!v[i] || json_number_value(v[i]) < 0 ||
		    (i >= 4 && !json_is_integer(v[i])))
			goto bad;
	}
	if (i != KB_N)
		goto bad;
	for (i = 0; i < KB_N; i++)
		json_array_append_new(r->samples[i], v[i]);
	r->n++;
	return 0;
bad:
	for (i = 0; i < KB_N; i++)
		json_decref(v[i]);
	return -1;
}

static int read_times(const struct kb_args *a, struct kb_runs *r)
{
	FILE *f = fopen(a->times, "r");
	char *line = NULL, *copy;
	size_t cap = 0, lineno = 0;
	int rc = 0;

	if (!f)
		return pw_fail(PROG, "%s: %s", a->times, strerror(errno));
	while (!rc && getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		copy = rs_xstrdup(line);
		if (parse_line(copy, r))
			rc = pw_fail(PROG, "%s: line %zu: '%s' is not GNU time's \"%%e %%U %%S "
				     "%%P %%c %%w\" (seconds, seconds, seconds, percent with "
				     "%%, switches, sleeps)", a->times, lineno, line);
		free(copy);
	}
	if (!rc && ferror(f))
		rc = pw_fail(PROG, "%s: %s", a->times, strerror(errno));
	if (!rc && r->n != a->nruns)
		rc = pw_fail(PROG, "%s: has %zu runs, but --runs is %lu", a->times, r->n, a->nruns);
	free(line);
	fclose(f);
	return rc;
}

static bool iso_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	return end && (!strcmp(end, "Z") || !*end);
}

/* A file name of its own: not empty, no '/', no leading '.' (hidden, temporary). */
static bool label_ok(const char *s)
{
	return *s && *s != '.' && !strchr(s, '/');
}

static int check_args(struct kb_args *a)
{
	static const char *const loads[] = { "half", "optimal", "maximal", "single", "custom" };
	const char *need[] = { a->out, a->label, a->load, a->title, a->jobs, a->runs,
			       a->target, a->config, a->tree_version, a->src, a->settle,
			       a->cpus, a->started, a->times };
	static const char *const names[] = { "out", "label", "load", "title", "jobs", "runs",
			       "target", "config", "tree-version", "src", "settle", "cpus",
			       "started", "times" };
	unsigned long u;
	bool known = false;
	double d;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!need[i])
			return pw_usage(PROG, "--%s is needed", names[i]);
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++)
		known = known || !strcmp(a->load, loads[i]);
	if (!known)
		return pw_usage(PROG, "--load must be half, optimal, maximal, single or custom, "
				"not '%s'", a->load);
	if (!label_ok(a->label))
		return pw_usage(PROG, "--label '%s' cannot name a file in DIR", a->label);
	if (strcmp(a->jobs, "unlimited") && pw_ulong(a->jobs, 1, 1000000, &u))
		return pw_usage(PROG, "--jobs must be a whole number of at least 1 or "
				"'unlimited', not '%s'", a->jobs);
	if (pw_ulong(a->runs, 1, 1000000, &a->nruns))
		return pw_usage(PROG, "--runs must be a whole number of at least 1, not '%s'",
				a->runs);
	if (pw_ulong(a->cpus, 1, 1000000, &u))
		return pw_usage(PROG, "--cpus must be a whole number of at least 1, not '%s'",
				a->cpus);
	if (pw_double(a->settle, &d) || d < 0)
		return pw_usage(PROG, "--settle must be a number of seconds, not '%s'", a->settle);
	if (!iso_time(a->started))
		return pw_usage(PROG, "--started must be an ISO 8601 time like "
				"2026-12-01T06:10:46Z, not '%s'", a->started);
	if (!a->cmd || !a->ncmd)
		return pw_usage(PROG, "the command that ran is needed after --");
	return 0;
}

static json_t *kb_params(const struct kb_args *a)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s?, s:b, s:o, s:o}",
			 "load", a->load,
			 "jobs", strcmp(a->jobs, "unlimited") ? pw_number(a->jobs)
							       : json_string("unlimited"),
			 "runs", pw_number(a->runs), "reps", pw_number(a->runs),
			 "target", a->target, "config", a->config,
			 "tree_version", a->tree_version, "src", a->src,
			 "build_dir", a->build_dir && *a->build_dir ? a->build_dir : NULL,
			 "fast", a->fast, "settle_s", pw_number(a->settle),
			 "cpus", pw_number(a->cpus));
}

static json_t *kb_doc(const struct kb_args *a, struct kb_runs *r)
{
	json_t *cmd = json_array(), *metrics = json_object();
	struct utsname u;
	char *detail;
	json_t *doc;

	uname(&u);
	for (int i = 0; i < a->ncmd; i++)
		json_array_append_new(cmd, json_string(a->cmd[i]));
	for (size_t i = 0; i < KB_N; i++)
		json_object_set_new(metrics, kb_metrics[i].name,
				    json_pack("{s:s, s:s, s:O}", "unit", kb_metrics[i].unit,
					      "better", kb_metrics[i].better,
					      "samples", r->samples[i]));
	detail = rs_xasprintf("%s runs of make -j%s%s %s", a->runs,
			      strcmp(a->jobs, "unlimited") ? " " : "",
			      strcmp(a->jobs, "unlimited") ? a->jobs : "", a->target);
	doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:[]}, s:s, s:{s:s, s:s, s:s}, s:o,"
			" s:{}, s:[{s:s, s:b, s:s}], s:[]}",
			"schema", PT_SCHEMA_RESULT, "bench", "kernbench", "label", a->label,
			"command", cmd, "params", kb_params(a), "placement", "cpus",
			"started", a->started,
			"kernel", "release", u.release, "version", u.version,
			"machine", u.machine,
			"metrics", metrics, "counters",
			"checks", "name", "runs", "ok", 1, "detail", detail,
			"warnings");
	free(detail);
	return doc;
}

/* kernbench's block: ptstat's statistics, rp_fmt_sig's six digits. */
static void print_block(const struct kb_args *a, const struct kb_runs *r)
{
	double *x = rs_xcalloc(r->n, sizeof(*x));

	printf("Average %s Run (std deviation):\n", a->title);
	for (size_t i = 0; i < KB_N; i++) {
		struct pt_summary s;
		char m[48], sd[48];

		for (size_t k = 0; k < r->n; k++)
			x[k] = json_number_value(json_array_get(r->samples[i], k));
		pt_summarize(x, r->n, &s);
		printf("%s %s (%s)\n", kb_metrics[i].title, rp_fmt_sig(m, sizeof(m), s.mean, 6),
		       rp_fmt_sig(sd, sizeof(sd), s.n > 1 ? s.sd : 0, 6));
	}
	printf("\n");
	free(x);
}

static int parse(struct kb_args *a, int argc, char **argv)
{
	const char **pos = rs_xcalloc((size_t)argc + 1, sizeof(*pos));
	int npos, rc;
	struct pw_opt opts[] = {
		{ "out", 0, &a->out, NULL }, { "label", 0, &a->label, NULL },
		{ "load", 0, &a->load, NULL }, { "title", 0, &a->title, NULL },
		{ "jobs", 0, &a->jobs, NULL }, { "runs", 0, &a->runs, NULL },
		{ "target", 0, &a->target, NULL }, { "config", 0, &a->config, NULL },
		{ "tree-version", 0, &a->tree_version, NULL }, { "src", 0, &a->src, NULL },
		{ "build-dir", 0, &a->build_dir, NULL }, { "fast", 0, NULL, &a->fast },
		{ "settle", 0, &a->settle, NULL }, { "cpus", 0, &a->cpus, NULL },
		{ "started", 0, &a->started, NULL }, { "times", 0, &a->times, NULL },
		{ "help", 'h', NULL, &a->help }, { NULL, 0, NULL, NULL },
	};

	rc = pw_parse(PROG, opts, argc, argv, pos, &npos, &a->cmd, &a->ncmd);
	if (!rc && !a->help && npos)
		rc = pw_usage(PROG, "unexpected argument '%s' (the command goes after --)",
			      pos[0]);
	free(pos);
	return rc;
}

int pw_record(int argc, char **argv)
{
	struct kb_args a = { 0 };
	struct kb_runs r = { .n = 0 };
	json_t *doc = NULL;
	char *path = NULL;
	struct stat st;
	int rc;

	if (argc < 1 || (strcmp(argv[0], "kernbench") && strcmp(argv[0], "--help") &&
			 strcmp(argv[0], "-h")))
		return pw_usage("ptstat record", "the only workload is kernbench: ptstat "
				"record kernbench ...");
	if (strcmp(argv[0], "kernbench")) {
		record_help(stdout);
		return 0;
	}
	rc = parse(&a, argc - 1, argv + 1);
	if (rc || a.help) {
		if (a.help)
			record_help(stdout);
		return rc;
	}
	rc = check_args(&a);
	if (rc)
		return rc;
	if (stat(a.out, &st) || !S_ISDIR(st.st_mode))
		return pw_fail(PROG, "--out %s: not a directory", a.out);
	for (size_t i = 0; i < KB_N; i++)
		r.samples[i] = json_array();
	rc = read_times(&a, &r);
	if (rc)
		goto out;
	doc = kb_doc(&a, &r);
	path = rs_xasprintf("%s/%s.json", a.out, a.label);
	rc = pw_write(PROG, path, doc);
	if (!rc)
		print_block(&a, &r);
out:
	for (size_t i = 0; i < KB_N; i++)
		json_decref(r.samples[i]);
	json_decref(doc);
	free(path);
	return rc;
}
