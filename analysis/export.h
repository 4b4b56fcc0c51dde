/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exports: the comparison model (report.h) rendered for the dashboards,
 * by ptstat export and ptstat submit alike.  Each format is one rendering
 * of the same rp_model; nothing here computes a statistic of its own.
 *
 *   influx       InfluxDB line protocol: measurement "ptbench", one point
 *                per set, entry and metric (fields mean, sd, n, min, max,
 *                ci_lo, ci_hi; change_pct, p_adj and verdict against the
 *                baseline in a comparison); with samples, measurement
 *                "ptbench_sample", one point per repetition.  Timestamp:
 *                the set's start (ns); same set, same points.
 *   openmetrics  Prometheus text exposition for a Pushgateway: gauges
 *                ptbench_<metric>_<unit>{...} per statistic.
 *   kcidb        KCIDB I/O v5.3: a checkout and a build per set, a test per
 *                entry and metric; ids stable for the same set and origin.
 *   bmf          Bencher Metric Format: benchmark = set/entry, measure =
 *                metric, value = mean, lower/upper = its 95% CI.
 *   github-bigger, github-smaller
 *                github-action-benchmark's customBiggerIsBetter and
 *                customSmallerIsBetter inputs: the metrics of one direction.
 */
#ifndef PT_EXPORT_H
#define PT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

enum ex_format {
	EX_INFLUX,
	EX_OPENMETRICS,
	EX_KCIDB,
	EX_BMF,
	EX_GITHUB_BIGGER,
	EX_GITHUB_SMALLER,
	EX_NFORMATS
};

struct ex_options {
	enum ex_format format;
	const char *origin;	/* kcidb: the origin, ^[a-z0-9_]+$; NULL: "ptbench" */
	bool samples;		/* influx: a point per repetition as well */
	/*
	 * Only set k of the model (its points, its KCIDB objects, its
	 * gauges), the statistics against the baseline still those of the
	 * whole model; -1: every set.  ptstat submit pushes one Pushgateway
	 * group per set this way.
	 */
	long only_set;
};

/* "influx" ... "github-smaller"; -1 for an unknown name. */
int ex_parse_format(const char *name, enum ex_format *f);
const char *ex_format_name(enum ex_format f);
/* The HTTP Content-Type of a format's document. */
const char *ex_content_type(enum ex_format f);
/* The file name ptstat submit's dir: target gives a format: "influx.lp"... */
const char *ex_file_name(enum ex_format f);

/*
 * The document, NUL-terminated and malloc'd, its length in *len; NULL
 * after a message on stderr when it cannot be made (a bad origin).
 */
char *ex_render(const struct rp_model *m, const struct ex_options *o, size_t *len);

/* The origin rule of KCIDB: 1 to 64 of [a-z0-9_]. */
bool ex_origin_ok(const char *origin);

/*
 * The sets and their model, as export and submit load them: rs_load_sets(),
 * TCG mixed with native refused (rp_check_mixed, ro->allow_mixed), a set
 * with problems refused (a dashboard must not get a set with results left
 * out), then rp_build().  0, or 2 after the messages.
 */
struct ex_input {
	struct rs_set **sets;
	size_t nsets;
	struct rp_model *m;
	unsigned problems;
};
int ex_open(const char *prog, const char *const *dirs, size_t n, const struct rp_options *ro,
	    struct ex_input *in);
void ex_close(struct ex_input *in);

/* --alpha, --min-change, --correction (each NULL when not given) into ro; 0 or 2. */
int ex_stat_options(const char *prog, const char *alpha, const char *min_change,
		    const char *correction, struct rp_options *ro);
/* --set LABEL into *k (-1 without label); 0, or 2 for a label not among the sets. */
int ex_set_index(const char *prog, const struct rp_model *m, const char *label, long *k);

/* ptstat export, ptstat submit, ptstat history (write.c dispatches). */
int px_export(int argc, char **argv);
int px_submit(int argc, char **argv);
int px_history(int argc, char **argv);

#endif
