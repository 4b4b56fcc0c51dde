/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PT_PROBE_H
#define PT_PROBE_H

#include <stddef.h>
#include <jansson.h>

/*
 * Build and free a few page tables with a second thread on another CPU,
 * under the path counters; the decision of paths.c ({"free": ...,
 * "flush": ..., "probe": {...}}), or NULL with the reason in why.
 */
json_t *pt_probe_paths(char *why, size_t whylen);

#endif
