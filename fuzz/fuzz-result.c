// SPDX-License-Identifier: GPL-2.0
/*
 * A ptbench/1 result as ptbench and ptstat read it: pt_result_parse()
 * (common/result.c, ptstat merge's check) and rs_entry_parse()
 * (analysis/resultset.c, what rs_load() makes of each result file), then
 * what the reports ask of an entry.
 */
#include "config.h"

#include <stdlib.h>

#include "../common/result.h"
#include "../analysis/resultset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rs_entry e = { 0 };
	char err[512] = "";
	json_t *doc;
	int loaded;

	doc = pt_result_parse((const char *)data, size, err, sizeof(err));
	if (!doc && !err[0])
		abort();	/* refused without saying why */
	loaded = !rs_entry_parse(&e, "result.json", (const char *)data, size);
	if (loaded) {
		char *key = rs_params_key(&e, false), *key2 = rs_params_key(&e, true);

		rs_find_metric(&e, "ns_per_op");
		free(key);
		free(key2);
	}
	rs_entry_free(&e);
	json_decref(doc);
	return 0;
}
