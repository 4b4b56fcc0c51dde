/* SPDX-License-Identifier: GPL-2.0 */
/*
 * index.html of ptstat report: the whole comparison on one page, made from
 * the model and the list of plots (plots.json's "plots"), with relative
 * links only, so that the report directory opens as files.
 */
#ifndef PT_HTML_H
#define PT_HTML_H

#include <stdio.h>

#include "report.h"

struct ht_page {
	const struct rp_model *m;
	const char *title;
	const char *date;	/* ISO 8601 UTC */
	json_t *plots;		/* plots.json's "plots"; NULL when none */
	const char *plots_dir;	/* relative to the page: "plots" */
};

/* The page into f; 0, or non-zero when writing failed (a pt_write_atomic fill). */
int ht_write(FILE *f, void *page);

/* For other pages in the report's style (ptstat history): s escaped as text
 * or attribute value, an element with escaped text (<tag class="cls">text
 * </tag>, cls may be NULL), and the report's style sheet. */
void ht_esc(FILE *f, const char *s);
void ht_el(FILE *f, const char *tag, const char *cls, const char *text);
const char *ht_css(void);

#endif
