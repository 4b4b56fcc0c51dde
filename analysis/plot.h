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
};

/* Create dir unless it is there; 0, or -1 after a message. */
int pl_make_dir(const char *dir);

/*
 * Into o->dir, made by pl_make_dir(); 0 when every plot was rendered, 1
 * after a message when not.
 */
int pl_plot(const struct rp_model *m, const struct pl_options *o);

#endif
