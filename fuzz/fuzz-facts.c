// SPDX-License-Identifier: GPL-2.0
/*
 * The facts file of `ptstat set vm DIR --facts FILE' (runners/vm.sh's
 * KEY VALUE lines): analysis/setmeta.c's own reader, read_facts(), and the
 * vm object it makes, vm_object().  They are static there: this file is
 * setmeta.c with a fuzz entry point added, nothing of it copied.
 */
#include "../analysis/setmeta.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct set_args a = { .prog = "ptstat set vm", .dir = "." };
	struct facts f = { .a = &a };
	json_t *vm = NULL;

	a.facts = fz_file("facts", data, size);
	if (!read_facts(&f)) {
		vm = vm_object(&f);
		/* The numbers it must have are numbers, or there is no object. */
		if (vm && !(json_is_number(json_object_get(vm, "memory_mib")) &&
			    json_is_number(json_object_get(vm, "vcpus")) &&
			    json_is_boolean(json_object_get(vm, "emulated_timings"))))
			abort();
	}
	json_decref(vm);
	for (size_t i = 0; i < VM_NKEYS; i++)
		free(f.val[i]);
	return 0;
}
