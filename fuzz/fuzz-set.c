// SPDX-License-Identifier: GPL-2.0
/*
 * A result set's own records as ptstat reads them (analysis/resultset.c):
 * the input parsed as system.json (ptbench sysinfo, runners/vm.sh's vm
 * object) and as meta.json (ptstat set), into one set, then its title.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../analysis/resultset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rs_set *set = rs_xcalloc(1, sizeof(*set));
	char *title;

	set->dir = rs_xstrdup("set");
	set->label = rs_xstrdup("set");
	rs_system_parse(set, "set/system.json", (const char *)data, size);
	rs_meta_parse(set, "set/meta.json", (const char *)data, size);
	rs_set_unknown(set);
	title = rs_set_title(set);
	if (strncmp(title, "set: ", 5))
		abort();
	for (size_t i = 0; i < set->nfailed; i++)
		if (!set->failed[i].label || !*set->failed[i].label)
			abort();
	free(title);
	rs_free(set);
	return 0;
}
