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

/*
 * The same whole-or-nothing directory for another command (ptstat
 * history): rd_check_dir() is rd_check() with prog in the messages;
 * rd_build() makes the temporary sibling, has fill() write everything
 * into it (0, or -1 after a message; between steps it stops early when
 * rd_stopped() says a signal came), renames it into place and then calls
 * done() (NULL: none) with the directory's name, signals still guarded.
 * Returns 1 after a message (dir as it was), else done()'s status or 0.
 */
struct rd_writer {
	const char *prog;	/* "ptstat history": the start of its messages */
	const char *dir;
	int (*fill)(const char *tmp, void *arg);
	int (*done)(const char *dir, void *arg);
	void *arg;
};

int rd_check_dir(const char *prog, const char *dir);
/*
 * Removes path and, for a directory, everything in it (symbolic links not
 * followed); what cannot be removed is named on stderr.  0, or -1 when
 * something is left.
 */
int rd_rm_tree(const char *path);
int rd_build(const struct rd_writer *wr);
bool rd_stopped(void);

#endif
