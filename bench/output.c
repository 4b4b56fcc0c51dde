// SPDX-License-Identifier: GPL-2.0
/*
 * The result document and how it reaches the disk: the output file is
 * opened (common/atomic.c: a temporary file next to its final name) before
 * anything runs, so an unwritable path is found before minutes are spent,
 * and renamed over the final name only once the whole document is written
 * and synced.  An interrupted or failed run removes the temporary file: a
 * result that already exists is never touched.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/result.h"
#include "counters.h"
#include "internal.h"
#include "place.h"
#include "sysinfo.h"

static struct pt_atomic out = { .slot = -1 };

int pt_out_prepare(const char *path, char *err, size_t errlen)
{
	if (!pt_atomic_open(&out, path))
		return 0;
	if (errno == EISDIR)
		snprintf(err, errlen, "cannot write %s: it is a directory", path);
	else
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return -1;
}

void pt_out_abort(void)
{
	pt_atomic_abort(&out);
}

int pt_out_commit(json_t *doc, char *err, size_t errlen)
{
	char *path = out.path ? strdup(out.path) : NULL;
	FILE *f = out.f ? out.f : stdout;
	int ret = -1;

	if (out.path && !path) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (json_dumpf(doc, f, PT_JSON_FLAGS) || fputc('\n', f) == EOF) {
		snprintf(err, errlen, "cannot write %s: %s", path ? path : "to standard output",
			 strerror(errno));
		goto out;
	}
	if (!path) {
		ret = fflush(stdout) ? -1 : 0;
		if (ret)
			snprintf(err, errlen, "cannot write to standard output: %s",
				 strerror(errno));
		return ret;
	}
	ret = pt_atomic_commit(&out);
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
out:
	pt_out_abort();
	free(path);
	return ret;
}

void pt_iso_time(char *buf, size_t len)
{
	pt_now_iso(buf, len);
}

json_t *pt_result_doc(struct pt_run *run)
{
	struct pt_harness *h = run->h;
	json_t *cmd = json_array();

	for (int i = 0; i < h->argc; i++)
		json_array_append_new(cmd, json_string(h->argv[i]));
	return json_pack("{s:s, s:s, s:s, s:o, s:O, s:o, s:s, s:s, s:o, s:O, s:O, s:o, s:o, s:O, s:O, s:O}",
			 "schema", PT_SCHEMA_RESULT,
			 "bench", run->bench->name,
			 "label", h->o.label ? h->o.label : run->bench->name,
			 "command", cmd,
			 "params", h->params,
			 "placement", pt_place_json(h->o.pin, h->cpus, run->ntasks),
			 "started", h->started,
			 "ptbench_version", PACKAGE_VERSION,
			 "kernel", pt_sysinfo_kernel(),
			 "metrics", h->metrics,
			 "unsupported_metrics", h->unsupported,
			 "counters", pt_counters_json(h->ctr),
			 "paths", h->paths_json ? json_incref(h->paths_json) : json_null(),
			 "checks", h->checks,
			 "warnings", h->warnings,
			 "findings", h->findings);
}

/* mean and sample standard deviation of the finite samples */
static void mean_sd(json_t *samples, double *mean, double *sd, size_t *n)
{
	double sum = 0, sq = 0;
	size_t i, k = 0;
	json_t *v;

	json_array_foreach(samples, i, v) {
		if (!json_is_number(v))
			continue;
		sum += json_number_value(v);
		k++;
	}
	*n = k;
	*mean = k ? sum / (double)k : NAN;
	json_array_foreach(samples, i, v) {
		if (json_is_number(v))
			sq += pow(json_number_value(v) - *mean, 2);
	}
	*sd = k > 1 ? sqrt(sq / (double)(k - 1)) : NAN;
}

static double count_of(json_t *path, const char *what)
{
	return json_number_value(json_object_get(json_object_get(json_object_get(path, "counts"),
								 what), "count"));
}

/* "paths: free direct (4352 direct, 0 rcu tables), flush ipi (69 IPI, 0 PV)" */
static void pt_print_paths(json_t *paths, FILE *f)
{
	json_t *fr = json_object_get(paths, "free"), *fl = json_object_get(paths, "flush");
	const char *fp = json_string_value(json_object_get(fr, "path"));
	const char *lp = json_string_value(json_object_get(fl, "path"));

	if (!fp || !lp)
		return;
	fprintf(f, "  paths: free %s", fp);
	if (strcmp(fp, "unknown"))
		fprintf(f, " (%.0f direct, %.0f rcu tables)", count_of(fr, "direct_tables"),
			count_of(fr, "rcu_tables"));
	fprintf(f, ", flush %s", lp);
	if (strcmp(lp, "unknown"))
		fprintf(f, " (%.0f IPI, %.0f PV)", count_of(fl, "ipi_flushes"),
			count_of(fl, "pv_flushes"));
	if (!strcmp(fp, "unknown") || !strcmp(lp, "unknown"))
		fprintf(f, ": %s", json_string_value(json_object_get(!strcmp(fp, "unknown") ? fr : fl,
								     "reason")));
	fputc('\n', f);
}

void pt_print_summary(struct pt_run *run, FILE *f)
{
	const char *name;
	json_t *m, *c;
	size_t i;

	fprintf(f, "%s (%u tasks, %u reps):\n", run->bench->name, run->ntasks,
		run->h->o.reps);
	json_object_foreach(run->h->metrics, name, m) {
		double mean, sd;
		size_t n;

		mean_sd(json_object_get(m, "samples"), &mean, &sd, &n);
		fprintf(f, "  %-36s %14.6g (%.6g) %s\n", name, mean, sd,
			json_string_value(json_object_get(m, "unit")));
	}
	pt_print_paths(run->h->paths_json, f);
	json_array_foreach(run->h->checks, i, c) {
		fprintf(f, "  check %-20s %s: %s\n",
			json_string_value(json_object_get(c, "name")),
			json_is_true(json_object_get(c, "ok")) ? "ok" : "FAILED",
			json_string_value(json_object_get(c, "detail")));
	}
}
