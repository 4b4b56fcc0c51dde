// SPDX-License-Identifier: GPL-2.0
/*
 * The path probe of `ptbench sysinfo`: build and free a few PTE tables
 * while a second thread keeps the mm live on another CPU, under the path
 * counters, and say which free and flush path the kernel took.  What the
 * kernel did, not what its version suggests: a backport, a vendor kernel
 * or a boot switch changes the path without changing the version.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "counters.h"
#include "paths.h"
#include "probe.h"
#include "ptbench.h"

#define PROBE_TABLES	16
#define PROBE_ROUNDS	32

static atomic_int probe_stop;
static atomic_int probe_running;
static volatile char probe_page[4096] __attribute__((aligned(4096)));

/* Keep this mm live on another CPU, so every flush has a remote target. */
static void *probe_spin(void *arg)
{
	int cpu = *(int *)arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	atomic_store(&probe_running, 1);
	while (!atomic_load_explicit(&probe_stop, memory_order_relaxed))
		(void)probe_page[0];
	return NULL;
}

/* Two CPUs we may run on: ours first, another second; -1 if only one. */
static int probe_cpus(int cpu[2])
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	return n == 2 ? 0 : -1;
}

/* Build and free the tables PROBE_ROUNDS times; 0 or -1 with errno. */
static int probe_churn(char *start, size_t len)
{
	int i;

	for (i = 0; i < PROBE_ROUNDS; i++) {
		if (pt_slots_map(start, len))
			return -1;
		pt_slots_touch(start, len);
		if (munmap(start, len) || pt_slots_hold(start, len))
			return -1;
	}
	return 0;
}

/* Run the churn under the counters, with the spinner on cpu[1]. */
static int probe_run(struct pt_counters *c, int cpu[2], char *why, size_t whylen)
{
	size_t len = PROBE_TABLES * PT_PMD_SIZE, rlen;
	void *base;
	char *start;
	pthread_t th;
	cpu_set_t set;
	int ret = -1, err;

	start = pt_reserve_slots(PROBE_TABLES, &base, &rlen);
	if (!start) {
		snprintf(why, whylen, "cannot reserve %d slots: %s", PROBE_TABLES, strerror(errno));
		return -1;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu[0], &set);
	sched_setaffinity(0, sizeof(set), &set);
	atomic_store(&probe_stop, 0);
	atomic_store(&probe_running, 0);
	err = pthread_create(&th, NULL, probe_spin, &cpu[1]);
	if (err) {
		snprintf(why, whylen, "cannot start the second thread: %s", strerror(err));
		goto out;
	}
	while (!atomic_load(&probe_running))
		sched_yield();
	pt_counters_start(c);
	err = probe_churn(start, len) ? errno : 0;
	pt_counters_stop(c);
	atomic_store(&probe_stop, 1);
	pthread_join(th, NULL);
	if (err)
		snprintf(why, whylen, "the probe's mapping failed: %s", strerror(err));
	else
		ret = 0;
out:
	munmap(base, rlen);
	return ret;
}

json_t *pt_probe_paths(char *why, size_t whylen)
{
	struct pt_path_input in;
	struct pt_counters *c;
	cpu_set_t saved;
	json_t *paths = NULL;
	char err[256];
	int cpu[2];

	if (probe_cpus(cpu)) {
		snprintf(why, whylen, "the probe needs two CPUs to run on (a remote flush needs a second CPU)");
		return NULL;
	}
	c = pt_counters_new("path", err, sizeof(err));
	if (!c) {
		snprintf(why, whylen, "%s", err);
		return NULL;
	}
	if (sched_getaffinity(0, sizeof(saved), &saved))
		CPU_ZERO(&saved);
	if (!probe_run(c, cpu, why, whylen)) {
		pt_paths_read(c, &in);
		paths = pt_paths_decide(&in);
		json_object_set_new(paths, "probe",
				    json_pack("{s:i, s:i, s:[i, i]}", "tables", PROBE_TABLES,
					      "rounds", PROBE_ROUNDS, "cpus", cpu[0], cpu[1]));
	}
	if (CPU_COUNT(&saved))
		sched_setaffinity(0, sizeof(saved), &saved);
	pt_counters_free(c);
	return paths;
}
