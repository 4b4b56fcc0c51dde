// SPDX-License-Identifier: GPL-2.0
/*
 * Placement: which CPU each task runs on.  hwloc gives the cores and their
 * PUs (hyperthreads) in topology order, restricted to the CPUs this process
 * is allowed to use.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hwloc.h>

#include "parse.h"
#include "place.h"

static hwloc_topology_t topo;
static bool topo_loaded;

static int load_topology(char *err, size_t errlen)
{
	if (topo_loaded)
		return 0;
	if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
		snprintf(err, errlen, "hwloc could not load the CPU topology");
		return -1;
	}
	topo_loaded = true;
	return 0;
}

void pt_place_cleanup(void)
{
	if (topo_loaded)
		hwloc_topology_destroy(topo);
	topo_loaded = false;
}

int pt_place_ncpus(void)
{
	char err[128];

	if (load_topology(err, sizeof(err)))
		return 1;
	return hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
}

/* PU os_index of the k-th PU (0-based) of a core, or -1. */
static int core_pu(hwloc_obj_t core, unsigned k)
{
	hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(topo, core->cpuset,
							     HWLOC_OBJ_PU, k);

	return pu ? (int)pu->os_index : -1;
}

/* The cores in the order a policy uses them. */
static int core_order(bool scatter, hwloc_obj_t *cores, int ncores)
{
	int npkg = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	int n = 0;

	if (!scatter || npkg <= 1) {
		for (int i = 0; i < ncores; i++)
			cores[n++] = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)i);
		return n;
	}
	/* Round-robin over packages: the i-th core of each package in turn. */
	for (int i = 0; n < ncores; i++) {
		for (int p = 0; p < npkg; p++) {
			hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE,
							       (unsigned)p);
			hwloc_obj_t c = hwloc_get_obj_inside_cpuset_by_type(topo,
						pkg->cpuset, HWLOC_OBJ_CORE, (unsigned)i);
			if (c)
				cores[n++] = c;
		}
		if (i > ncores)
			break;
	}
	return n;
}

/* All allowed PUs in policy order: first PU of each core, then the second... */
static int pu_order(bool scatter, int *pus, int max)
{
	int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	hwloc_obj_t *cores;
	int n = 0;

	if (ncores <= 0) {
		/* No core level: PUs in order. */
		int npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);

		for (int i = 0; i < npu && n < max; i++)
			pus[n++] = (int)hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU,
							      (unsigned)i)->os_index;
		return n;
	}
	cores = calloc((size_t)ncores, sizeof(*cores));
	if (!cores)
		return 0;
	ncores = core_order(scatter, cores, ncores);
	for (unsigned k = 0; n < max; k++) {
		int added = 0;

		for (int i = 0; i < ncores && n < max; i++) {
			int pu = core_pu(cores[i], k);

			if (pu >= 0) {
				pus[n++] = pu;
				added++;
			}
		}
		if (!added)
			break;
	}
	free(cores);
	return n;
}

static bool cpu_allowed(int cpu)
{
	hwloc_const_cpuset_t set = hwloc_topology_get_allowed_cpuset(topo);

	return hwloc_bitmap_isset(set, (unsigned)cpu);
}

/*
 * The CPUs of a --pin list, in order, into order[] (at most ncpus); on
 * this machine (here) each must be one this process may use, else each
 * below ncpus.  Their count, or -1 with err.
 */
static int pin_list(const char *policy, int *order, int ncpus, bool here,
		    char *err, size_t errlen)
{
	int n = pt_parse_cpulist(policy, order, ncpus, err, errlen);

	if (n < 0) {
		if (strstr(err, "too many"))
			snprintf(err, errlen,
				 here ? "--pin %s lists more CPUs than the %d this process may use" :
					"--pin %s lists more CPUs than the %d planned for",
				 policy, ncpus);
		else if (!strchr(policy, ',') && !strchr(policy, '-') &&
			 !(policy[0] >= '0' && policy[0] <= '9'))
			snprintf(err, errlen,
				 "bad --pin '%s': want compact, scatter, none or a CPU list like 0,2-3",
				 policy);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (here ? !cpu_allowed(order[i]) : order[i] >= ncpus) {
			snprintf(err, errlen,
				 here ? "--pin: CPU %d is not available to this process" :
					"--pin: CPU %d is not one of the %d CPUs planned for",
				 order[i], ncpus);
			return -1;
		}
	}
	return n;
}

/* Can ntasks tasks go on n CPUs? */
static int enough_cpus(unsigned ntasks, bool oversubscribe, int n, char *err, size_t errlen)
{
	if (n <= 0) {
		snprintf(err, errlen, "no CPU to place tasks on");
		return -1;
	}
	if ((int)ntasks > n && !oversubscribe) {
		snprintf(err, errlen,
			 "%u tasks but only %d CPUs to run them on: use fewer --tasks, or --oversubscribe",
			 ntasks, n);
		return -1;
	}
	return 0;
}

static bool named_policy(const char *policy)
{
	return !strcmp(policy, "compact") || !strcmp(policy, "scatter") ||
	       !strcmp(policy, "none");
}

int pt_place_plan(const char *policy, unsigned ntasks, bool oversubscribe,
		  int *cpus, char *err, size_t errlen)
{
	int ncpus, n;
	int *order;

	if (load_topology(err, errlen))
		return -1;
	ncpus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	order = calloc((size_t)ncpus + 1, sizeof(*order));
	if (!order) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!strcmp(policy, "none")) {
		n = ncpus;
		for (int i = 0; i < n; i++)
			order[i] = -1;
	} else if (named_policy(policy)) {
		n = pu_order(!strcmp(policy, "scatter"), order, ncpus);
	} else {
		n = pin_list(policy, order, ncpus, true, err, errlen);
	}
	if (n < 0 || enough_cpus(ntasks, oversubscribe, n, err, errlen)) {
		free(order);
		return -1;
	}
	for (unsigned i = 0; i < ntasks; i++)
		cpus[i] = order[i % (unsigned)n];
	free(order);
	return 0;
}

int pt_place_check(const char *policy, unsigned ntasks, bool oversubscribe, int ncpus,
		   char *err, size_t errlen)
{
	int *order, n = ncpus;

	if (!named_policy(policy)) {
		order = calloc((size_t)ncpus + 1, sizeof(*order));
		if (!order) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		n = pin_list(policy, order, ncpus, false, err, errlen);
		free(order);
		if (n < 0)
			return -1;
	}
	return enough_cpus(ntasks, oversubscribe, n, err, errlen);
}

int pt_place_bind(int cpu, char *err, size_t errlen)
{
	hwloc_bitmap_t want, got;
	int ret = -1;

	if (cpu < 0)
		return 0;
	if (load_topology(err, errlen))
		return -1;
	want = hwloc_bitmap_alloc();
	got = hwloc_bitmap_alloc();
	if (!want || !got) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	hwloc_bitmap_only(want, (unsigned)cpu);
	if (hwloc_set_cpubind(topo, want, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT)) {
		snprintf(err, errlen, "cannot bind to CPU %d: %m", cpu);
		goto out;
	}
	/* Verify: a cgroup or a concurrent affinity change can defeat it. */
	if (hwloc_get_cpubind(topo, got, HWLOC_CPUBIND_THREAD) ||
	    !hwloc_bitmap_isequal(want, got)) {
		char buf[64];

		hwloc_bitmap_list_snprintf(buf, sizeof(buf), got);
		snprintf(err, errlen, "bound to CPU %d but the binding reads back as %s",
			 cpu, buf);
		goto out;
	}
	ret = 0;
out:
	hwloc_bitmap_free(want);
	hwloc_bitmap_free(got);
	return ret;
}

json_t *pt_place_json(const char *policy, const int *cpus, unsigned ntasks)
{
	json_t *o = json_object(), *a = json_array();
	unsigned distinct = 0;
	char err[128];

	for (unsigned i = 0; i < ntasks; i++) {
		bool seen = false;

		json_array_append_new(a, json_integer(cpus[i]));
		for (unsigned j = 0; j < i; j++)
			seen |= cpus[j] == cpus[i];
		distinct += !seen && cpus[i] >= 0;
	}
	json_object_set_new(o, "policy", json_string(policy));
	json_object_set_new(o, "cpus", a);
	json_object_set_new(o, "distinct_cpus", json_integer(distinct));
	if (!load_topology(err, sizeof(err))) {
		json_object_set_new(o, "cores",
			json_integer(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE)));
		json_object_set_new(o, "pus",
			json_integer(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU)));
	}
	return o;
}
