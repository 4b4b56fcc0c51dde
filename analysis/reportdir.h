/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptstat report: the whole report directory from one model.  Everything is
 * written into a temporary sibling of the directory and renamed into place
 * once complete, so that a reader, a failure or a signal never sees half a
 * report, and an existing report is replaced only by a whole new one.
 */
#ifndef PT_REPORTDIR_H
#define PT_REPORTDIR_H

#include "report.h"

struct rd_options {
	const char *dir;	/* the report directory */
	const char *title;	/* of index.html; NULL: "ptbench: a vs b" */
	long jobs;		/* gnuplot processes at once; 0: one per CPU */
	enum rp_format format;	/* what goes to standard output */
};

/*
 * Before any work: can dir be made?  Creates its missing parents.  0, or
 * -1 after a message (bad input).
 */
int rd_check(const char *dir);

/*
 * Write the report (table.txt, table.md, table.csv, verdicts.json,
 * kernbench.txt, plots/, index.html) and print the comparison in
 * o->format on standard output.  0 done; 1 after a message, with dir as it
 * was.  On SIGINT, SIGTERM or SIGHUP the temporary directory is removed
 * and the process dies of the signal.
 */
int rd_write(const struct rp_model *m, const struct rd_options *o);

#endif
