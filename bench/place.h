/* SPDX-License-Identifier: GPL-2.0 */
/* Task placement through hwloc. */
#ifndef PT_PLACE_H
#define PT_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* CPUs (PUs) this process may run on. */
int pt_place_ncpus(void);
/*
 * Choose a CPU for each of ntasks tasks.  policy: "compact" (one PU of each
 * core in turn, then the second PUs), "scatter" (round-robin over packages
 * first, then cores), "none" (unbound: -1), or a CPU list "0,2-3".  More
 * tasks than CPUs is refused unless oversubscribe.  0, or -1 with err.
 */
int pt_place_plan(const char *policy, unsigned ntasks, bool oversubscribe,
		  int *cpus, char *err, size_t errlen);
/*
 * The checks of pt_place_plan() for another machine, of ncpus CPUs
 * numbered from 0 (a virtual machine planned for on its host): the
 * policy, the CPUs of a list, enough CPUs.  0, or -1 with err.
 */
int pt_place_check(const char *policy, unsigned ntasks, bool oversubscribe, int ncpus,
		   char *err, size_t errlen);
/* Bind the calling thread to cpu and verify the binding took; 0 or -1. */
int pt_place_bind(int cpu, char *err, size_t errlen);
/* {"policy", "cpus": [...], "distinct_cpus", "topology": "..."} */
json_t *pt_place_json(const char *policy, const int *cpus, unsigned ntasks);
void pt_place_cleanup(void);

#endif
