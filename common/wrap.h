/* SPDX-License-Identifier: GPL-2.0 */
/* Help and report text, shared by ptbench and ptstat. */
#ifndef PT_WRAP_H
#define PT_WRAP_H

#include <stdio.h>

/*
 * Print text filled to 78 columns, every line indented by indent spaces;
 * "\n" ends a line, "\n\n" leaves a blank one.  No trailing blanks.
 */
void pt_wrap(FILE *f, const char *text, int indent);

#endif
