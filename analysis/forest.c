// SPDX-License-Identifier: GPL-2.0
/*
 * The forest plot: the whole comparison in one picture.  One row per judged
 * comparison (an entry's higher- or lower-is-better metric, against the
 * baseline), the change as a point and its 95% confidence interval as a
 * horizontal bar, both in percent of the baseline mean; a line at 0, the
 * band of --min-change around it (changes inside it are never judged), and
 * the colour of the verdict.  A reader sees at once what moved, by how
 * much, and how sure the runs are of it.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "../common/result.h"

/* Row labels longer than this lose their middle: "pt-teardown-…free_us_p50". */
#define FP_LABEL_MAX	54
/* Pixels: per row, and around the rows (title, key, axis). */
#define FP_ROW_PX	19
#define FP_FRAME_PX	170
#define FP_WIDTH_PX	1200

enum fp_class { FP_BETTER, FP_WORSE, FP_SAME, FP_NCLASSES };

static const struct {
	const char *name, *colour;
} fp_classes[FP_NCLASSES] = {
	[FP_BETTER] = { "better", "#1a9641" },
	[FP_WORSE] = { "worse", "#d7191c" },
	[FP_SAME] = { "no significant change", "#8c8c8c" },
};

struct fp_row {
	char *label;
	char *note;		/* right of the plot: "+4.48% [-2.10, +11.06]" */
	double change, lo, hi;	/* percent of |baseline mean|; lo, hi NAN: no CI */
	enum fp_class cls;
	size_t group;		/* the metric's number: its sets share a shade */
};

struct forest {
	struct fp_row *rows;
	size_t n;
	double xmin, xmax;	/* the range drawn; longer bars are cut */
};

/* "entry: metric", its middle cut with an ellipsis when too long. */
static char *row_label(const char *entry, const char *metric, const char *set)
{
	char *s = set ? rs_xasprintf("%s: %s (%s)", entry, metric, set)
		      : rs_xasprintf("%s: %s", entry, metric);
	size_t len = strlen(s), head, tail;
	char *cut;

	if (len <= FP_LABEL_MAX)
		return s;
	/* Keep the end (the metric) whole where it fits: it says the most. */
	tail = FP_LABEL_MAX / 2 + 4;
	head = FP_LABEL_MAX - tail - 1;
	/* Cut between UTF-8 characters, not inside one. */
	while (head && (s[head] & 0xc0) == 0x80)
		head--;
	while (tail > 1 && (s[len - tail] & 0xc0) == 0x80)
		tail--;
	cut = rs_xasprintf("%.*s\u2026%s", (int)head, s, s + len - tail);
	free(s);
	return cut;
}

static bool judged(const struct rp_row *r, const struct rp_test *t)
{
	return r->better != RS_INFO && isfinite(t->change_pct) &&
	       (t->v == RP_BETTER || t->v == RP_WORSE || t->v == RP_SAME);
}

static void add_row(struct forest *fp, const struct rp_model *m, const struct rp_entry *ent,
		    const struct rp_row *r, size_t k, size_t group)
{
	const struct rp_test *t = &r->test[k];
	double base = fabs(r->cell[0].s.mean);
	struct fp_row *row;

	fp->rows = rs_xrealloc(fp->rows, fp->n + 1, sizeof(*fp->rows));
	row = &fp->rows[fp->n++];
	row->label = row_label(ent->label, r->name, m->nsets > 2 ? m->sets[k]->label : NULL);
	row->change = t->change_pct;
	row->lo = base > 0 && isfinite(t->ci_lo) ? t->ci_lo / base * 100 : NAN;
	row->hi = base > 0 && isfinite(t->ci_hi) ? t->ci_hi / base * 100 : NAN;
	row->cls = t->v == RP_BETTER ? FP_BETTER : t->v == RP_WORSE ? FP_WORSE : FP_SAME;
	row->group = group;
	if (isnan(row->lo))
		row->note = rs_xasprintf("%+.2f%%", row->change);
	else
		row->note = rs_xasprintf("%+.2f%%  [%+.2f, %+.2f]", row->change, row->lo,
					 row->hi);
}

/*
 * Metric by metric in the report's order; with three sets or more, the
 * sets of one metric on adjacent rows.
 */
static void collect(struct forest *fp, const struct rp_model *m)
{
	size_t group = 0;

	for (size_t i = 0; i < m->nentries; i++)
		for (size_t j = 0; j < m->entries[i].nrows; j++) {
			const struct rp_row *r = &m->entries[i].rows[j];
			size_t before = fp->n;

			for (size_t k = 1; k < m->nsets; k++)
				if (judged(r, &r->test[k]))
					add_row(fp, m, &m->entries[i], r, k, group);
			group += fp->n > before;
		}
}

/*
 * The x range: every point, 0 and the min-change band, and the intervals
 * as far as they stay within a few times the largest change: one interval
 * of +-300% must not squash fifty rows of a few percent into a line.  A
 * bar that is cut gets an arrow head at the border.
 */
static void x_range(struct forest *fp, double min_change)
{
	double pts = fmax(min_change, 1), lo = -min_change, hi = min_change, cap;

	for (size_t i = 0; i < fp->n; i++)
		pts = fmax(pts, fabs(fp->rows[i].change));
	cap = fmax(3 * pts, 4 * fmax(min_change, 1));
	for (size_t i = 0; i < fp->n; i++) {
		const struct fp_row *r = &fp->rows[i];

		lo = fmin(lo, r->change);
		hi = fmax(hi, r->change);
		if (!isnan(r->lo)) {
			lo = fmin(lo, fmax(r->lo, -cap));
			hi = fmax(hi, fmin(r->hi, cap));
		}
	}
	fp->xmin = lo - (hi - lo) * 0.04;
	fp->xmax = hi + (hi - lo) * 0.04;
}

static double y_of(const struct forest *fp, size_t i)
{
	return (double)(fp->n - i);
}

/* Bars cut at the border: an arrow head at each cut end. */
static size_t count_cut(const struct forest *fp)
{
	size_t n = 0;

	for (size_t i = 0; i < fp->n; i++)
		n += (!isnan(fp->rows[i].lo) && fp->rows[i].lo < fp->xmin) +
		     (!isnan(fp->rows[i].hi) && fp->rows[i].hi > fp->xmax);
	return n;
}

/*
 * One data block per verdict (index 0, 1, 2; an empty one holds a single
 * NaN row so that the indices stay put), then the arrow heads of cut bars,
 * if any: gnuplot 5.4 crashes on a labels block of nothing but NaN.
 */
static void write_data(FILE *f, const struct forest *fp)
{
	for (int c = 0; c < FP_NCLASSES; c++) {
		bool any = false;

		fprintf(f, "# %s: y change_pct ci_lo_pct ci_hi_pct (bars cut to the range)\n",
			fp_classes[c].name);
		for (size_t i = 0; i < fp->n; i++) {
			const struct fp_row *r = &fp->rows[i];
			double lo = isnan(r->lo) ? r->change : fmax(r->lo, fp->xmin);
			double hi = isnan(r->hi) ? r->change : fmin(r->hi, fp->xmax);

			if ((int)r->cls != c)
				continue;
			fprintf(f, "%g %.17g %.17g %.17g\n", y_of(fp, i), r->change, lo, hi);
			any = true;
		}
		if (!any)
			fprintf(f, "NaN NaN NaN NaN\n");
		fprintf(f, "\n\n");
	}
	fprintf(f, "# cut bars: x y arrow\n");
	for (size_t i = 0; i < fp->n; i++) {
		const struct fp_row *r = &fp->rows[i];

		if (!isnan(r->lo) && r->lo < fp->xmin)
			fprintf(f, "%.17g %g \"\u25c0\"\n", fp->xmin, y_of(fp, i));
		if (!isnan(r->hi) && r->hi > fp->xmax)
			fprintf(f, "%.17g %g \"\u25b6\"\n", fp->xmax, y_of(fp, i));
	}
}

/* gnuplot reads a tic label as a format for the position: '%' is "%%". */
static void tic_label(FILE *f, const char *s)
{
	size_t n = 0;
	char *esc, *o;

	for (const char *c = s; *c; c++)
		n += *c == '%';
	esc = rs_xmalloc(strlen(s) + n + 1);
	for (o = esc; *s; s++) {
		if (*s == '%')
			*o++ = '%';
		*o++ = *s;
	}
	*o = 0;
	pl_gp_str(f, esc);
	free(esc);
}

static void tics(FILE *f, const struct forest *fp, const char *axis, bool note)
{
	fprintf(f, "set %s (", axis);
	for (size_t i = 0; i < fp->n; i++) {
		fprintf(f, "%s", i ? ", \\\n  " : "");
		tic_label(f, note ? fp->rows[i].note : fp->rows[i].label);
		fprintf(f, " %g", y_of(fp, i));
	}
	fprintf(f, ")\n");
}

static void write_script(FILE *f, const struct forest *fp, const struct rp_model *m,
			 const char *base, const char *title)
{
	double mc = m->opt.min_change;
	long height = FP_FRAME_PX + (long)fp->n * FP_ROW_PX;
	char *xlabel;

	fprintf(f, "# Written by ptstat report. Render again with: gnuplot %s.gp\n"
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"\tset terminal pngcairo size %d,%ld noenhanced font 'sans,10'\n"
		"} else {\n"
		"\tset terminal png size %d,%ld noenhanced\n"
		"}\n"
		"set output '%s.png'\n"
		"set encoding utf8\n", base, FP_WIDTH_PX, height, FP_WIDTH_PX, height, base);
	fprintf(f, "set title ");
	pl_gp_str(f, title);
	xlabel = rs_xasprintf("change against %s, %% of its mean (point), with the 95%% "
			      "confidence interval (bar); shaded: within \u00b1%g%% "
			      "(--min-change), never judged", m->sets[0]->label, mc);
	fprintf(f, "\nset xlabel ");
	pl_gp_str(f, xlabel);
	free(xlabel);
	fprintf(f, "\nset xrange [%.17g:%.17g]\n"
		"set yrange [0.3:%zu.7]\n"
		"set link y2\n"
		"set border 3 lc rgb '#555555'\n"
		"set tics nomirror\n"
		"set ytics scale 0 font ',9'\n"
		"set y2tics scale 0 font ',9' textcolor rgb '#444444'\n"
		"set format x '%%g%%%%'\n"
		/* A tall plot has its scale at the top as well. */
		"set link x2\n"
		"set x2tics format '%%g%%%%' scale 0.5\n"
		"set grid xtics lc rgb '#dddddd' lt 1\n"
		"set key outside bottom center horizontal samplen 1.5\n"
		"set errorbars small\n"
		"set object 1 rect from %.17g, graph 0 to %.17g, graph 1 behind "
		"fc rgb '#eeeeee' fs solid 1 noborder\n"
		"set arrow 1 from 0, graph 0 to 0, graph 1 nohead lc rgb '#222222' lw 1.2\n"
		"set arrow 2 from %.17g, graph 0 to %.17g, graph 1 nohead lc rgb '#777777' dt 2\n"
		"set arrow 3 from %.17g, graph 0 to %.17g, graph 1 nohead lc rgb '#777777' dt 2\n",
		fp->xmin, fp->xmax, fp->n, fmax(-mc, fp->xmin), fmin(mc, fp->xmax),
		-mc, -mc, mc, mc);
	/* Metrics alternate in shade: fifty rows read along a line. */
	for (size_t i = 0; i < fp->n; i++)
		if (!(fp->rows[i].group & 1))
			fprintf(f, "set object %zu rect from graph 0, first %g to graph 1, "
				"first %g behind fc rgb '#f4f4f4' fs solid 1 noborder\n", 10 + i,
				y_of(fp, i) - 0.5, y_of(fp, i) + 0.5);
	tics(f, fp, "ytics", false);
	tics(f, fp, "y2tics", true);
	fprintf(f, "plot ");
	for (int c = 0; c < FP_NCLASSES; c++)
		fprintf(f, "%s'%s.dat' index %d using 2:1:3:4 with xerrorbars pt 7 ps 1.1 "
			"lw 2 lc rgb '%s' title '%s'", c ? ", \\\n     " : "", base, c,
			fp_classes[c].colour, fp_classes[c].name);
	if (count_cut(fp))
		fprintf(f, ", \\\n     '%s.dat' index %d using 1:2:3 with labels font ',9' "
			"textcolor rgb '#444444' notitle", base, FP_NCLASSES);
	fprintf(f, "\n");
	fprintf(f, "set terminal svg size %d,%ld noenhanced font 'sans,10' "
		"background rgb 'white'\n"
		"set output '%s.svg'\n"
		"replot\n"
		"unset output\n", FP_WIDTH_PX, height, base);
}

/* What the two files are filled from (pt_write_atomic). */
struct fp_files {
	const struct forest *fp;
	const struct rp_model *m;
	const char *base, *title;
};

static int fill_data(FILE *f, void *arg)
{
	const struct fp_files *ff = arg;

	write_data(f, ff->fp);
	return ferror(f);
}

static int fill_script(FILE *f, void *arg)
{
	const struct fp_files *ff = arg;

	write_script(f, ff->fp, ff->m, ff->base, ff->title);
	return ferror(f);
}

static int write_file(const char *dir, const char *base, const char *ext,
		      int (*fill)(FILE *, void *), struct fp_files *ff)
{
	char *path = rs_xasprintf("%s/%s.%s", dir, base, ext);
	int rc = pt_write_atomic(path, fill, ff);

	if (rc)
		fprintf(stderr, "ptstat: cannot write %s: %s\n", path, strerror(errno));
	free(path);
	return rc;
}

static json_t *listed_item(const struct forest *fp, const char *base, const char *title)
{
	char *png = rs_xasprintf("%s.png", base), *svg = rs_xasprintf("%s.svg", base);
	char *gp = rs_xasprintf("%s.gp", base), *dat = rs_xasprintf("%s.dat", base);
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "kind", "forest",
			      "title", title, "shows", "every judged comparison: the change "
			      "against the baseline in percent of its mean, with its 95% "
			      "confidence interval, coloured by verdict", "rows",
			      (json_int_t)fp->n, "png", png, "svg", svg, "script", gp,
			      "data", dat);

	free(png);
	free(svg);
	free(gp);
	free(dat);
	return o;
}

long pl_forest(const struct rp_model *m, const char *dir, const char *base,
	       json_t **listed)
{
	struct forest fp = { 0 };
	struct fp_files ff;
	char *title = NULL;
	long rc = -1;

	collect(&fp, m);
	if (!fp.n) {
		rc = 0;
		goto out;
	}
	x_range(&fp, m->opt.min_change);
	title = rs_xasprintf("Every judged metric against %s: change and 95%% confidence "
			     "interval (%zu comparison%s)", m->sets[0]->label, fp.n,
			     fp.n == 1 ? "" : "s");
	ff = (struct fp_files){ &fp, m, base, title };
	if (write_file(dir, base, "dat", fill_data, &ff) ||
	    write_file(dir, base, "gp", fill_script, &ff))
		goto out;
	*listed = listed_item(&fp, base, title);
	rc = (long)fp.n;
out:
	for (size_t i = 0; i < fp.n; i++) {
		free(fp.rows[i].label);
		free(fp.rows[i].note);
	}
	free(fp.rows);
	free(title);
	return rc;
}
