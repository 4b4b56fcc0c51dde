// SPDX-License-Identifier: GPL-2.0
/*
 * A suite file as `ptbench plan --cpus 4 SUITE' reads it (bench/plan.c):
 * parsed, every entry checked as run checks it, expanded and printed (into
 * /dev/null).  Beside it is inc.suite, a suite it may include.
 */
#include "config.h"

#include <string.h>

#include "../bench/internal.h"
#include "fuzz.h"

static const char inc[] = "reps 3\ninc-a mmap-churn --size 4K --tasks @SWEEP\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_quiet_stdout();
	fz_file("inc.suite", (const uint8_t *)inc, strlen(inc));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { "ptbench", "plan", "--cpus", "4",
			 (char *)fz_file("fuzz.suite", data, size), NULL };
	int r = pt_cmd_plan(5, argv);

	if (r != 0 && r != PT_EXIT_USAGE && r != PT_EXIT_FAIL)
		__builtin_trap();
	return 0;
}
