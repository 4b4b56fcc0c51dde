/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PT_SYSINFO_H
#define PT_SYSINFO_H

#include <jansson.h>

/* Everything `ptbench sysinfo` prints; a new reference. */
json_t *pt_sysinfo(void);
/* The short form embedded in every result as "kernel". */
json_t *pt_sysinfo_kernel(void);

#endif
