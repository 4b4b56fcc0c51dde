// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <string.h>

#include "wrap.h"

void pt_wrap(FILE *f, const char *text, int indent)
{
	const char *p = text;
	int col = 0;

	while (*p) {
		int w = (int)strcspn(p, " \n");

		if (w) {
			if (col && indent + col + 1 + w > 78) {
				fputc('\n', f);
				col = 0;
			}
			fprintf(f, "%*s%.*s", col ? 1 : indent, "", w, p);
			col += (col ? 1 : 0) + w;
			p += w;
		}
		if (*p == '\n') {
			fputc('\n', f);
			col = 0;
		}
		if (*p)
			p++;
	}
	if (col)
		fputc('\n', f);
}
