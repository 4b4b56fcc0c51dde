// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat plot.  Metrics of one entry have different units, so each chart
 * holds one metric of one entry (or of one series of entries): a bar chart
 * of the means with their 95% confidence intervals, a box plot of the
 * samples themselves (five repetitions say more as points than as a bar),
 * and, where entries differ only in their task count, a scaling curve.
 * Every set is one colour, the same in every chart, and the legend names
 * it with its kernel.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot.h"
#include "../common/result.h"

/* Scripts up to this many are rendered one after the other: starting GNU
 * parallel (a Perl program) costs more than it saves. */
#define PL_FEW_SCRIPTS	4

enum pl_kind { PL_BAR, PL_BOX, PL_SCALING };

struct plotter {
	const struct rp_model *m;
	const char *dir;
	json_t *plots;		/* the "plots" array of plots.json */
	char **names;		/* base names used so far */
	size_t nnames;
};

/* A group of entries that differ only in params.tasks. */
struct series {
	const char *bench;
	char *key;
	const struct rp_entry **ent;	/* sorted by task count */
	size_t n;
};

/* ---- names and strings ----------------------------------------------------- */

static bool name_used(const struct plotter *p, const char *name)
{
	for (size_t i = 0; i < p->nnames; i++)
		if (!strcmp(p->names[i], name))
			return true;
	return false;
}

/*
 * "bar-mmap-churn-1t-ops_per_sec": a file name from labels that may hold
 * anything; a clash after the clean-up gets a number.
 */
static char *base_name(struct plotter *p, const char *kind, const char *a, const char *b)
{
	char *raw = rs_xasprintf("%s-%s-%s", kind, a, b), *name;

	for (char *c = raw; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			*c = '_';
	if (strlen(raw) > 120)
		raw[120] = 0;
	name = rs_xstrdup(raw);
	for (int i = 2; name_used(p, name); i++) {
		free(name);
		name = rs_xasprintf("%s-%d", raw, i);
	}
	free(raw);
	p->names = rs_xrealloc(p->names, p->nnames + 1, sizeof(*p->names));
	p->names[p->nnames++] = name;
	return name;
}

/* A gnuplot double-quoted string: a line break as \n, backslash and quote escaped. */
static void gp_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void pl_gp_str(FILE *f, const char *s)
{
	gp_str(f, s);
}

static const char *better_words(enum rs_better b)
{
	switch (b) {
	case RS_HIGHER:
		return "higher is better";
	case RS_LOWER:
		return "lower is better";
	case RS_INFO:
		break;
	}
	return "information, not judged";
}

/* ---- numbers ---------------------------------------------------------------- */

/*
 * The 95% confidence interval of a mean, t-based with n - 1 degrees of
 * freedom.  stats.h has no one-sample interval, but Welch's interval of a
 * constant sample minus this one is exactly it: the constant side adds no
 * variance, so the Welch-Satterthwaite degrees of freedom are n - 1 and
 * the interval of (0 - mean) is the mirror image of the mean's.
 */
static void mean_ci(const struct rp_cell *c, double *lo, double *hi)
{
	static const double zero[2];
	struct pt_welch w;

	*lo = *hi = c->s.mean;
	if (c->s.n < 2 || pt_welch(c->m->samples, c->s.n, zero, 2, 0.95, &w) < 0)
		return;
	*lo = -w.ci_hi;
	*hi = -w.ci_lo;
}

void pl_mean_ci(const struct rp_cell *c, double *lo, double *hi)
{
	mean_ci(c, lo, hi);
}

/* ---- files ------------------------------------------------------------------- */

static FILE *open_in(const struct plotter *p, const char *base, const char *ext)
{
	char *path = rs_xasprintf("%s/%s.%s", p->dir, base, ext);
	FILE *f = fopen(path, "w");

	if (!f)
		fprintf(stderr, "ptstat: cannot write %s: %s\n", path, strerror(errno));
	free(path);
	return f;
}

static int close_file(const struct plotter *p, FILE *f, const char *base, const char *ext)
{
	int bad = ferror(f);

	if (fclose(f) || bad) {
		fprintf(stderr, "ptstat: writing %s/%s.%s failed\n", p->dir, base, ext);
		return -1;
	}
	return 0;
}

/* Terminal, title and axes: the same look for every chart. */
static void gp_begin(FILE *f, const char *base, const char *title, const char *xlabel,
		     const char *ylabel)
{
	fprintf(f, "# Written by ptstat plot. Render again with: gnuplot %s.gp\n"
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"\tset terminal pngcairo size 960,600 noenhanced font 'sans,11'\n"
		"} else {\n"
		"\tset terminal png size 960,600 noenhanced\n"
		"}\n"
		"set output '%s.png'\n"
		"set encoding utf8\n", base, base);
	fprintf(f, "set title ");
	gp_str(f, title);
	fprintf(f, "\nset xlabel ");
	gp_str(f, xlabel);
	fprintf(f, "\nset ylabel ");
	gp_str(f, ylabel);
	fprintf(f, "\nset key outside below left vertical Left reverse noautotitle\n"
		"set grid ytics\n"
		"set border 3\n"
		"set tics nomirror\n");
}

static void gp_end(FILE *f, const char *base)
{
	fprintf(f, "set terminal svg size 960,600 noenhanced font 'sans,11' "
		"background rgb 'white'\n"
		"set output '%s.svg'\n"
		"replot\n"
		"unset output\n", base);
}

/*
 * gnuplot writes 1.2e+06 on the y axis of a million ops/s; whole numbers
 * read better.  max is the largest value plotted.
 */
static void gp_yformat(FILE *f, double max)
{
	if (fabs(max) >= 1e5 && fabs(max) < 1e13)
		fprintf(f, "set format y '%%.0f'\n");
}

static double row_max(const struct rp_model *m, const struct rp_row *r)
{
	double max = 0;

	for (size_t k = 0; k < m->nsets; k++)
		if (r->cell[k].m)
			max = fmax(max, fmax(fabs(r->cell[k].s.max), fabs(r->cell[k].s.min)));
	return max;
}

/* xtics naming the sets by label, one per position 0 .. nsets - 1. */
static void gp_set_xtics(FILE *f, const struct rp_model *m, const struct rp_row *r)
{
	fprintf(f, "set xrange [-0.8:%zu.8]\nset xtics (", m->nsets - 1);
	for (size_t k = 0; k < m->nsets; k++) {
		char *t = rs_xasprintf("%s%s", m->sets[k]->label,
				       r && !r->cell[k].m ? " (missing)" : "");

		fprintf(f, "%s", k ? ", " : "");
		gp_str(f, t);
		fprintf(f, " %zu", k);
		free(t);
	}
	fprintf(f, ")\n");
}

static char *axis_label(const struct rp_row *r)
{
	return rs_xasprintf("%s (%s)", r->name, r->unit);
}

/* Adds the plot to plots.json; takes ownership of obj. */
static void list_plot(struct plotter *p, const char *base, enum pl_kind kind,
		      const char *title, const struct rp_row *r, json_t *obj)
{
	static const char *const kinds[] = { "bar", "box", "scaling" };
	char *png = rs_xasprintf("%s.png", base), *svg = rs_xasprintf("%s.svg", base);
	char *gp = rs_xasprintf("%s.gp", base), *dat = rs_xasprintf("%s.dat", base);
	json_t *files = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
				  "kind", kinds[kind], "title", title, "metric", r->name,
				  "unit", r->unit, "better", rs_better_str(r->better),
				  "png", png, "svg", svg, "script", gp, "data", dat);

	json_object_update(obj, files);
	json_decref(files);
	json_array_append_new(p->plots, obj);
	free(png);
	free(svg);
	free(gp);
	free(dat);
}

/* ---- bar chart: means and their confidence intervals ------------------------ */

static void bar_data(FILE *f, const struct rp_model *m, const struct rp_row *r)
{
	fprintf(f, "# position set mean ci95_lo ci95_hi sd n\n");
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rp_cell *c = &r->cell[k];
		double lo, hi;

		if (!c->m)
			continue;
		mean_ci(c, &lo, &hi);
		fprintf(f, "%zu ", k);
		gp_str(f, m->sets[k]->label);
		fprintf(f, " %.17g %.17g %.17g %.17g %zu\n", c->s.mean, lo, hi,
			isnan(c->s.sd) ? 0 : c->s.sd, c->s.n);
	}
}

static void bar_script(FILE *f, const struct rp_model *m, const struct rp_row *r,
		       const char *base)
{
	bool nonneg = true, first = true;
	size_t row = 0;

	for (size_t k = 0; k < m->nsets; k++)
		if (r->cell[k].m && r->cell[k].s.min < 0)
			nonneg = false;
	gp_set_xtics(f, m, r);
	gp_yformat(f, row_max(m, r));
	/* Bars that do not start at zero exaggerate every difference. */
	if (nonneg)
		fprintf(f, row_max(m, r) > 0 ? "set yrange [0:*]\n" : "set yrange [0:1]\n");
	fprintf(f, "set style fill solid 0.6 border -1\nset boxwidth 0.6\nplot ");
	for (size_t k = 0; k < m->nsets; k++) {
		if (!r->cell[k].m)
			continue;
		fprintf(f, "%s'%s.dat' every ::%zu::%zu using 1:3 with boxes lc %zu title ",
			first ? "" : ", \\\n     ", base, row, row, k + 1);
		gp_str(f, m->titles[k]);
		first = false;
		row++;
	}
	fprintf(f, ", \\\n     '%s.dat' using 1:3:4:5 with yerrorbars lc rgb 'black' "
		"lw 1.5 pt 7 ps 0.6 title '95%% confidence interval of the mean'\n", base);
}

/* ---- box plot: every repetition ---------------------------------------------- */

/*
 * gnuplot draws no box plot of fewer than four values: such a set gets a
 * bar at its mean instead, from the last data block.
 */
#define PL_BOX_MIN	4

static void box_data(FILE *f, const struct rp_model *m, const struct rp_row *r)
{
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rp_cell *c = &r->cell[k];

		if (!c->m)
			continue;
		/* Two blank lines end a gnuplot data block (an "index"). */
		fprintf(f, "# set %s: one sample per repetition\n", m->sets[k]->label);
		for (size_t i = 0; i < c->s.n; i++)
			fprintf(f, "%.17g\n", c->m->samples[i]);
		fprintf(f, "\n\n");
	}
	fprintf(f, "# position mean n, of each set\n");
	for (size_t k = 0; k < m->nsets; k++)
		if (r->cell[k].m)
			fprintf(f, "%zu %.17g %zu\n", k, r->cell[k].s.mean, r->cell[k].s.n);
}

/*
 * Constant data (a count that never changes) leaves gnuplot no y range to
 * scale to: give it one around the value.
 */
static void gp_flat_yrange(FILE *f, const struct rp_model *m, const struct rp_row *r)
{
	double lo = INFINITY, hi = -INFINITY, pad;

	for (size_t k = 0; k < m->nsets; k++)
		if (r->cell[k].m) {
			lo = fmin(lo, r->cell[k].s.min);
			hi = fmax(hi, r->cell[k].s.max);
		}
	if (lo != hi)
		return;
	pad = lo ? fabs(lo) * 0.1 : 1;
	fprintf(f, "set yrange [%.17g:%.17g]\n", lo - pad, hi + pad);
}

static void box_script(FILE *f, const struct rp_model *m, const struct rp_row *r,
		       const char *base)
{
	size_t block = 0, nblocks = 0;
	bool first = true;

	for (size_t k = 0; k < m->nsets; k++)
		nblocks += r->cell[k].m != NULL;
	gp_set_xtics(f, m, r);
	gp_yformat(f, row_max(m, r));
	gp_flat_yrange(f, m, r);
	fprintf(f, "set style fill solid 0.35 border -1\n"
		"set style boxplot nooutliers\n"
		"set boxwidth 0.5\n"
		"set jitter spread 0.4\n"
		"set offsets 0, 0, graph 0.05, graph 0.05\n"
		"plot ");
	for (size_t k = 0; k < m->nsets; k++) {
		const struct rp_cell *c = &r->cell[k];
		char *title;

		if (!c->m)
			continue;
		fprintf(f, "%s", first ? "" : ", \\\n     ");
		if (c->s.n >= PL_BOX_MIN) {
			fprintf(f, "'%s.dat' index %zu using (%zu):1 with boxplot lc %zu title ",
				base, block, k, k + 1);
			title = rs_xstrdup(m->titles[k]);
		} else {
			fprintf(f, "'%s.dat' index %zu every ::%zu::%zu using 1:2:(0.25):(0) "
				"with boxxyerror lc %zu lw 4 fs solid 1 border lt %zu title ",
				base, nblocks, block, block, k + 1, k + 1);
			title = rs_xasprintf("%s (n=%zu: a bar at the mean)", m->titles[k],
					     c->s.n);
		}
		gp_str(f, title);
		free(title);
		first = false;
		block++;
	}
	/* The points over the boxes, and once in the legend, after the sets. */
	block = 0;
	for (size_t k = 0; k < m->nsets; k++) {
		if (!r->cell[k].m)
			continue;
		fprintf(f, ", \\\n     '%s.dat' index %zu using (%zu):1 with points pt 7 "
			"ps 0.9 lc rgb 'black' title %s", base, block, k,
			block ? "''" : "'one repetition'");
		block++;
	}
	fprintf(f, "\n");
}

/* The two per-metric charts: the same steps, their own data and script. */
struct chart {
	const char *prefix;	/* file name prefix */
	enum pl_kind kind;
	const char *what;	/* in the title */
	const char *shows;	/* in plots.json */
	void (*data)(FILE *f, const struct rp_model *m, const struct rp_row *r);
	void (*script)(FILE *f, const struct rp_model *m, const struct rp_row *r,
		       const char *base);
};

static const struct chart charts[] = {
	{ "bar", PL_BAR, "mean per set",
	  "the mean of each set as a bar, with the 95% confidence interval of the "
	  "mean (t distribution, n - 1 degrees of freedom)",
	  bar_data, bar_script },
	{ "box", PL_BOX, "every repetition",
	  "the samples of each set (one point per repetition) over a box from the "
	  "first to the third quartile, median marked, whiskers to the extremes",
	  box_data, box_script },
};

static int plot_chart(struct plotter *p, const struct chart *c,
		      const struct rp_entry *ent, const struct rp_row *r)
{
	char *base = base_name(p, c->prefix, ent->label, r->name);
	char *title = rs_xasprintf("%s: %s, %s (%s)\n%s", ent->label, r->name, c->what,
				   better_words(r->better), ent->desc);
	char *ylabel = axis_label(r);
	FILE *f;
	int rc = -1;

	f = open_in(p, base, "dat");
	if (!f)
		goto out;
	c->data(f, p->m, r);
	if (close_file(p, f, base, "dat"))
		goto out;
	f = open_in(p, base, "gp");
	if (!f)
		goto out;
	gp_begin(f, base, title, "result set", ylabel);
	c->script(f, p->m, r, base);
	gp_end(f, base);
	if (close_file(p, f, base, "gp"))
		goto out;
	list_plot(p, base, c->kind, title, r,
		  json_pack("{s:s, s:s, s:s}", "entry", ent->label, "bench", ent->bench,
			    "shows", c->shows));
	rc = 0;
out:
	free(title);
	free(ylabel);
	return rc;
}

/* ---- scaling: a metric against the task count ----------------------------------- */

static const struct rs_entry *first_in(const struct rp_model *m, const struct rp_entry *ent)
{
	for (size_t k = 0; k < m->nsets; k++)
		if (ent->in[k])
			return ent->in[k];
	return NULL;
}

/* An entry is in one set at least: rp_build() made it from one. */
static long entry_tasks(const struct rp_model *m, const struct rp_entry *ent)
{
	const struct rs_entry *e = first_in(m, ent);

	return e ? e->tasks : -1;
}

static const struct rp_row *find_row(const struct rp_entry *ent, const char *name)
{
	for (size_t j = 0; j < ent->nrows; j++)
		if (!strcmp(ent->rows[j].name, name))
			return &ent->rows[j];
	return NULL;
}

/*
 * blocks[k]: 1 + the index of set k's data block, 0 when it has none.
 * Returns the largest mean written.
 */
static double scaling_data(FILE *f, const struct rp_model *m, const struct series *s,
			   const char *metric, size_t *blocks)
{
	size_t nblocks = 0;
	double max = 0;

	for (size_t k = 0; k < m->nsets; k++) {
		blocks[k] = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct rp_row *r = find_row(s->ent[i], metric);
			const struct rp_cell *c = r ? &r->cell[k] : NULL;
			double lo, hi;

			if (!c || !c->m || s->ent[i]->in[k]->tasks < 0)
				continue;
			/* Two blank lines end a gnuplot data block (an "index"). */
			if (!blocks[k]) {
				fprintf(f, "%s# set %s: tasks mean ci95_lo ci95_hi sd n entry\n",
					nblocks ? "\n\n" : "", m->sets[k]->label);
				blocks[k] = ++nblocks;
			}
			mean_ci(c, &lo, &hi);
			max = fmax(max, fabs(c->s.mean));
			fprintf(f, "%ld %.17g %.17g %.17g %.17g %zu ", s->ent[i]->in[k]->tasks,
				c->s.mean, lo, hi, isnan(c->s.sd) ? 0 : c->s.sd, c->s.n);
			gp_str(f, s->ent[i]->label);
			fprintf(f, "\n");
		}
	}
	return max;
}

static void scaling_script(FILE *f, const struct rp_model *m, const struct series *s,
			   const size_t *blocks, double max, const char *base)
{
	bool first = true;

	gp_yformat(f, max);
	/* Nothing but zeros (no shootdowns at all) leaves no range to scale to. */
	if (max == 0)
		fprintf(f, "set yrange [-1:1]\n");
	fprintf(f, "set xtics (");
	for (size_t i = 0; i < s->n; i++) {
		long t = entry_tasks(m, s->ent[i]);

		if (!i || t != entry_tasks(m, s->ent[i - 1]))
			fprintf(f, "%s\"%ld\" %ld", i ? ", " : "", t, t);
	}
	fprintf(f, ")\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\nplot ");
	for (size_t k = 0; k < m->nsets; k++) {
		if (!blocks[k])
			continue;
		fprintf(f, "%s'%s.dat' index %zu using 1:2:3:4 with yerrorlines lc %zu lw 2 "
			"pt 7 title ", first ? "" : ", \\\n     ", base, blocks[k] - 1, k + 1);
		gp_str(f, m->titles[k]);
		first = false;
	}
	fprintf(f, "\n");
}

static json_t *series_json(const struct rp_model *m, const struct series *s)
{
	json_t *labels = json_array(), *tasks = json_array();

	for (size_t i = 0; i < s->n; i++) {
		json_array_append_new(labels, json_string(s->ent[i]->label));
		json_array_append_new(tasks, json_integer(entry_tasks(m, s->ent[i])));
	}
	return json_pack("{s:o, s:o, s:s, s:s}", "entries", labels, "tasks", tasks,
			 "bench", s->bench, "shows", "the mean of each set against the task "
			 "count, with the 95% confidence interval of each mean");
}

static int plot_scaling(struct plotter *p, const struct series *s, const struct rp_row *r)
{
	char *base = base_name(p, "scaling", s->bench, r->name);
	char *title = rs_xasprintf("%s: %s against the task count (%s)\nentries: %s ... %s",
				   s->bench, r->name, better_words(r->better), s->ent[0]->label,
				   s->ent[s->n - 1]->label);
	char *ylabel = axis_label(r);
	size_t *blocks = rs_xcalloc(p->m->nsets, sizeof(*blocks));
	double max;
	FILE *f;
	int rc = -1;

	f = open_in(p, base, "dat");
	if (!f)
		goto out;
	max = scaling_data(f, p->m, s, r->name, blocks);
	if (close_file(p, f, base, "dat"))
		goto out;
	f = open_in(p, base, "gp");
	if (!f)
		goto out;
	gp_begin(f, base, title, "tasks", ylabel);
	scaling_script(f, p->m, s, blocks, max, base);
	gp_end(f, base);
	if (close_file(p, f, base, "gp"))
		goto out;
	list_plot(p, base, PL_SCALING, title, r, series_json(p->m, s));
	rc = 0;
out:
	free(blocks);
	free(title);
	free(ylabel);
	return rc;
}

/* ---- finding the series ------------------------------------------------------------ */

static struct series *find_series(struct series *all, size_t n, const char *bench,
				  const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i].bench, bench) && !strcmp(all[i].key, key))
			return &all[i];
	return NULL;
}

static int cmp_tasks(const void *a, const void *b, void *model)
{
	long x = entry_tasks(model, *(const struct rp_entry *const *)a);
	long y = entry_tasks(model, *(const struct rp_entry *const *)b);

	return (x > y) - (x < y);
}

/*
 * Entries with the same benchmark and the same parameters but for the
 * task count, wherever they first appear.  The run length is not a
 * parameter here: a quick and a full run measure the same thing.
 */
static struct series *group_series(const struct rp_model *m, size_t *count)
{
	struct series *all = NULL, *s;
	size_t n = 0;

	for (size_t i = 0; i < m->nentries; i++) {
		const struct rs_entry *e = first_in(m, &m->entries[i]);
		char *key;

		if (!e || e->tasks < 0)
			continue;
		key = rs_params_key(e, true);
		s = find_series(all, n, e->bench, key);
		if (s) {
			free(key);
		} else {
			all = rs_xrealloc(all, n + 1, sizeof(*all));
			s = &all[n++];
			*s = (struct series){ .bench = e->bench, .key = key };
		}
		s->ent = rs_xrealloc(s->ent, s->n + 1, sizeof(*s->ent));
		s->ent[s->n++] = &m->entries[i];
	}
	for (size_t i = 0; i < n; i++)
		qsort_r(all[i].ent, all[i].n, sizeof(*all[i].ent), cmp_tasks, (void *)m);
	*count = n;
	return all;
}

/*
 * Two task counts at least, and each once: two entries that differ in
 * nothing but their label would make the curve go back and forth.
 */
static bool is_scaling(const struct rp_model *m, const struct series *s)
{
	if (s->n < 2)
		return false;
	for (size_t i = 1; i < s->n; i++)
		if (entry_tasks(m, s->ent[i]) == entry_tasks(m, s->ent[i - 1]))
			return false;
	return true;
}

/* Entries of the series from the i-th on that have the metric. */
static size_t count_with(const struct series *s, size_t i, const char *metric)
{
	size_t n = 0;

	for (; i < s->n; i++)
		n += find_row(s->ent[i], metric) != NULL;
	return n;
}

static int plot_series(struct plotter *p, const struct series *s)
{
	/* Each metric once, in the order the entries list them; a curve needs two points. */
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->ent[i]->nrows; j++) {
			const struct rp_row *r = &s->ent[i]->rows[j];
			bool seen = false;

			for (size_t h = 0; h < i && !seen; h++)
				seen = find_row(s->ent[h], r->name) != NULL;
			if (!seen && count_with(s, i, r->name) >= 2 && plot_scaling(p, s, r))
				return -1;
		}
	return 0;
}

static int write_all(struct plotter *p)
{
	struct series *series;
	size_t nseries;
	int rc = 0;

	for (size_t i = 0; i < p->m->nentries; i++)
		for (size_t j = 0; j < p->m->entries[i].nrows; j++) {
			const struct rp_entry *ent = &p->m->entries[i];

			for (size_t c = 0; c < sizeof(charts) / sizeof(charts[0]); c++)
				if (plot_chart(p, &charts[c], ent, &ent->rows[j]))
					return -1;
		}
	series = group_series(p->m, &nseries);
	for (size_t i = 0; i < nseries; i++) {
		if (!rc && is_scaling(p->m, &series[i]))
			rc = plot_series(p, &series[i]);
		free(series[i].key);
		free(series[i].ent);
	}
	free(series);
	return rc;
}

/* ---- rendering ------------------------------------------------------------------------ */

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	bool found = false;
	char *copy, *dir, *save = NULL;

	if (!path || !*path)
		path = "/usr/bin:/bin";
	copy = rs_xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *full = rs_xasprintf("%s/%s", *dir ? dir : ".", prog);

		found = access(full, X_OK) == 0;
		free(full);
	}
	free(copy);
	return found;
}

static void feed(int fd, const char *input)
{
	size_t len = strlen(input);

	while (len) {
		ssize_t w = write(fd, input, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		input += w;
		len -= (size_t)w;
	}
}

/* The helper running now (gnuplot or parallel), for pl_stop(). */
static volatile pid_t running;

void pl_stop(int sig)
{
	pid_t pid = running;

	if (pid > 0)
		kill(pid, sig);
}

/*
 * Run argv in dir with input on its standard input (none if NULL);
 * returns its exit status, or -1 if it could not run.
 */
static int run_in(const char *dir, char *const argv[], const char *input)
{
	int fds[2] = { -1, -1 }, status;
	void (*old)(int);
	pid_t pid;

	if (input && pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (input) {
			dup2(fds[0], 0);
			close(fds[0]);
			close(fds[1]);
		}
		if (chdir(dir))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	running = pid;
	if (input) {
		close(fds[0]);
		/* A helper that died early must not take ptstat with it. */
		old = signal(SIGPIPE, SIG_IGN);
		feed(fds[1], input);
		close(fds[1]);
		signal(SIGPIPE, old);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			running = 0;
			return -1;
		}
	running = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *script_list(const struct plotter *p)
{
	char *list = rs_xstrdup(""), *next;

	for (size_t i = 0; i < p->nnames; i++) {
		next = rs_xasprintf("%s%s.gp\n", list, p->names[i]);
		free(list);
		list = next;
	}
	return list;
}

static int render_parallel(const struct plotter *p, long jobs)
{
	char jarg[32], *list = script_list(p);
	char *argv[] = { "parallel", "--will-cite", "--halt", "soon,fail=1", "-j", jarg,
			 "gnuplot", NULL };
	int rc;

	if (jobs > 0)
		snprintf(jarg, sizeof(jarg), "%ld", jobs);
	else
		snprintf(jarg, sizeof(jarg), "100%%");
	rc = run_in(p->dir, argv, list);
	free(list);
	if (rc) {
		fprintf(stderr, "ptstat: %s: parallel --will-cite gnuplot failed (status %d); "
			"see the gnuplot messages above\n", p->dir, rc);
		return -1;
	}
	return 0;
}

static int render_serial(const struct plotter *p)
{
	for (size_t i = 0; i < p->nnames; i++) {
		char *gp = rs_xasprintf("%s.gp", p->names[i]);
		char *argv[] = { "gnuplot", gp, NULL };
		int rc = run_in(p->dir, argv, NULL);

		free(gp);
		if (rc) {
			fprintf(stderr, "ptstat: %s/%s.gp: gnuplot failed (status %d)\n", p->dir,
				p->names[i], rc);
			return -1;
		}
	}
	return 0;
}

/* Every image there and not empty: gnuplot can exit 0 after a warning. */
static int check_images(const struct plotter *p)
{
	static const char *const ext[] = { "png", "svg" };

	for (size_t i = 0; i < p->nnames; i++)
		for (size_t e = 0; e < 2; e++) {
			char *path = rs_xasprintf("%s/%s.%s", p->dir, p->names[i], ext[e]);
			struct stat st;
			int bad = stat(path, &st) || st.st_size == 0;

			if (bad)
				fprintf(stderr, "ptstat: %s: gnuplot wrote no image\n", path);
			free(path);
			if (bad)
				return -1;
		}
	return 0;
}

static int render(const struct plotter *p, long jobs)
{
	if (!in_path("gnuplot")) {
		fprintf(stderr, "ptstat: gnuplot not found in PATH (Debian package "
			"gnuplot-nox): the data and scripts are in %s, but no image was "
			"rendered\n", p->dir);
		return -1;
	}
	if (p->nnames > PL_FEW_SCRIPTS && in_path("parallel")) {
		if (render_parallel(p, jobs))
			return -1;
	} else {
		if (p->nnames > PL_FEW_SCRIPTS)
			fprintf(stderr, "ptstat: GNU parallel not found (Debian package "
				"parallel): rendering %zu scripts one after the other\n",
				p->nnames);
		if (render_serial(p))
			return -1;
	}
	return check_images(p);
}

int pl_render(const char *dir, char **names, size_t n, long jobs)
{
	struct plotter p = { .dir = dir, .names = names, .nnames = n };

	return render(&p, jobs);
}

/* ---- the directory and plots.json -------------------------------------------------------- */

int pl_make_dir(const char *dir)
{
	struct stat st;

	if (!mkdir(dir, 0777))
		return 0;
	if (errno == EEXIST && !stat(dir, &st) && S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "ptstat: cannot create the directory %s: %s\n", dir,
		errno == EEXIST ? "a file of that name exists" : strerror(errno));
	return -1;
}

/*
 * plots.json:
 * {"schema": "ptstat-plots/1", "sets": [{label, dir, kernel, tlb_flush, table_free}],
 *  "plots": [{kind: "bar" | "box" | "scaling", title, shows, metric, unit, better,
 *             png, svg, script, data (file names in this directory),
 *             entry (bar, box) or entries and tasks (scaling), bench}]}
 */
static int write_index(const struct plotter *p)
{
	json_t *root = json_object(), *sets = json_array();
	char *path = rs_xasprintf("%s/plots.json", p->dir);
	int rc;

	for (size_t k = 0; k < p->m->nsets; k++) {
		const struct rs_set *s = p->m->sets[k];

		json_array_append_new(sets, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
						      "label", s->label, "title", p->m->titles[k],
						      "dir", s->dir, "kernel", s->kernel,
						      "tlb_flush", s->tlb_flush,
						      "table_free", s->table_free));
	}
	json_object_set_new(root, "schema", json_string("ptstat-plots/1"));
	json_object_set_new(root, "sets", sets);
	json_object_set_new(root, "plots", json_incref(p->plots));
	rc = pt_json_write_atomic(path, root);
	if (rc)
		fprintf(stderr, "ptstat: cannot write %s: %s\n", path, strerror(errno));
	json_decref(root);
	free(path);
	return rc ? -1 : 0;
}

/* The forest plot first in plots.json, rendered with the others. */
static int add_forest(struct plotter *p)
{
	json_t *item = NULL;
	long n = pl_forest(p->m, p->dir, "forest", &item);

	if (n <= 0)
		return n < 0 ? -1 : 0;
	p->names = rs_xrealloc(p->names, p->nnames + 1, sizeof(*p->names));
	p->names[p->nnames++] = rs_xstrdup("forest");
	json_array_insert_new(p->plots, 0, item);
	return 0;
}

int pl_plot(const struct rp_model *m, const struct pl_options *o)
{
	struct plotter p = { .m = m, .dir = o->dir, .plots = json_array() };
	int rc = 1;

	if ((o->forest && add_forest(&p)) || write_all(&p) || render(&p, o->jobs) ||
	    write_index(&p))
		goto out;
	if (!o->quiet)
		printf("%zu plots (PNG and SVG) in %s; the list is %s/plots.json\n",
		       p.nnames, o->dir, o->dir);
	if (o->plots)
		*o->plots = json_incref(p.plots);
	rc = 0;
out:
	for (size_t i = 0; i < p.nnames; i++)
		free(p.names[i]);
	free(p.names);
	json_decref(p.plots);
	return rc;
}
