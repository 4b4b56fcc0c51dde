/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptstat plot: gnuplot data (.dat) and scripts (.gp) for every entry and
 * metric of the sets, rendered to PNG and SVG, and DIR/plots.json listing
 * what was drawn.  The scripts use file names relative to DIR, so the
 * directory can be moved and re-rendered with "gnuplot NAME.gp" there.
 */
#ifndef PT_PLOT_H
#define PT_PLOT_H

#include "report.h"

struct pl_options {
	const char *dir;	/* created if missing */
	long jobs;		/* gnuplot processes at once; 0: one per CPU */
	bool quiet;		/* no summary line on standard output */
	bool forest;		/* also the forest plot of every judged metric */
	json_t **plots;		/* when set: gets plots.json's "plots" (a reference) */
};

/* Create dir unless it is there; 0, or -1 after a message. */
int pl_make_dir(const char *dir);

/*
 * Into o->dir, made by pl_make_dir(); 0 when every plot was rendered, 1
 * after a message when not.
 */
int pl_plot(const struct rp_model *m, const struct pl_options *o);

/*
 * From a signal handler: pass sig on to the gnuplot or parallel running
 * now, so that pl_plot() returns soon (as a failure).
 */
void pl_stop(int sig);

/* s as a gnuplot double-quoted string. */
void pl_gp_str(FILE *f, const char *s);

/* The 95% confidence interval of a cell's mean (t, n - 1 df); the mean itself when n < 2. */
void pl_mean_ci(const struct rp_cell *c, double *lo, double *hi);

/*
 * Render dir/NAME.gp for each of the n names as pl_plot() does (one after
 * the other, or GNU parallel with jobs at once for many) and check that
 * each NAME.png and NAME.svg is there and not empty: 0, or -1 after a
 * message.  pl_stop() stops it.
 */
int pl_render(const char *dir, char **names, size_t n, long jobs);

/*
 * forest.c: DIR/BASE.dat and BASE.gp, one row per judged comparison (the
 * change against the baseline with its 95% confidence interval, coloured
 * by verdict).  Returns the number of rows (0: nothing judged, nothing
 * written), or -1 after a message; *listed gets its plots.json item.
 */
long pl_forest(const struct rp_model *m, const char *dir, const char *base,
	       json_t **listed);

#endif
