/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PT_SYSINFO_H
#define PT_SYSINFO_H

#include <stdbool.h>
#include <jansson.h>

/*
 * Everything `ptbench sysinfo` prints; a new reference.  With probe, the
 * free and flush paths are observed by pt_probe_paths() where the path
 * counters work (source "probe"); the rules are the fallback.
 */
json_t *pt_sysinfo(bool probe);
/*
 * The value of a kernel configuration option that sysinfo records
 * ("y", "m", "n" when the config does not set it, or a value); NULL when
 * the config cannot be read.
 */
const char *pt_sysinfo_config(const char *name);
/* The short form embedded in every result as "kernel". */
json_t *pt_sysinfo_kernel(void);

#endif
