// SPDX-License-Identifier: GPL-2.0
/*
 * The path probe of `ptbench sysinfo`: build and free a few PTE tables
 * while a second thread keeps the mm live on another CPU, under the path
 * counters, and say which free and flush path the kernel took.  What the
 * kernel did, not what its version suggests: a backport, a vendor kernel
 * or a boot switch changes the path without changing the version.
 */
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
#include "place.h"
#include "probe.h"
#include "ptbench.h"

#define PROBE_TABLES	16
#define PROBE_ROUNDS	32

struct probe {
	struct pt_counters *c;
	int cpu[2];		/* the churning thread's, the spinner's */
	bool tcg;		/* relax the spinner: nothing here is timed */
	atomic_int stop, spinning;
	int err;		/* the churn's errno, 0 if it went through */
	char why[256];
};

static volatile char probe_page[4096] __attribute__((aligned(4096)));

/* Keep this mm live on the second CPU, so every flush has a remote target. */
static void *probe_spin(void *arg)
{
	struct probe *pr = arg;
	char err[160];

	if (pt_place_bind(pr->cpu[1], err, sizeof(err)))
		snprintf(pr->why, sizeof(pr->why), "the probe's second thread: %s", err);
	atomic_store(&pr->spinning, 1);
	while (!atomic_load_explicit(&pr->stop, memory_order_relaxed)) {
		(void)probe_page[0];
		if (pr->tcg)
			pt_cpu_pause();
	}
	return NULL;
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

/* The churning thread, on the first CPU, with the spinner on the second. */
static void *probe_main(void *arg)
{
	struct probe *pr = arg;
	size_t len = PROBE_TABLES * PT_PMD_SIZE, rlen;
	char err[160], *start;
	pthread_t th;
	void *base;

	if (pt_place_bind(pr->cpu[0], err, sizeof(err))) {
		snprintf(pr->why, sizeof(pr->why), "the probe's thread: %s", err);
		return NULL;
	}
	start = pt_reserve_slots(PROBE_TABLES, &base, &rlen);
	if (!start) {
		snprintf(pr->why, sizeof(pr->why), "cannot reserve %d slots: %s",
			 PROBE_TABLES, strerror(errno));
		return NULL;
	}
	pr->err = pthread_create(&th, NULL, probe_spin, pr);
	if (pr->err) {
		snprintf(pr->why, sizeof(pr->why), "cannot start the second thread: %s",
			 strerror(pr->err));
		goto out;
	}
	while (!atomic_load(&pr->spinning))
		sched_yield();
	pt_counters_start(pr->c);
	pr->err = probe_churn(start, len) ? errno : 0;
	pt_counters_stop(pr->c);
	atomic_store(&pr->stop, 1);
	pthread_join(th, NULL);
	if (pr->err)
		snprintf(pr->why, sizeof(pr->why), "the probe's mapping failed: %s",
			 strerror(pr->err));
out:
	munmap(base, rlen);
	return NULL;
}

json_t *pt_probe_paths(char *why, size_t whylen)
{
	struct probe pr = { .tcg = pt_under_tcg() };
	struct pt_path_input in;
	json_t *paths = NULL;
	char err[256];
	pthread_t th;
	int r;

	if (pt_place_plan("compact", 2, false, pr.cpu, err, sizeof(err))) {
		snprintf(why, whylen, "the probe needs two CPUs (a remote flush needs a second one): %s",
			 err);
		return NULL;
	}
	pr.c = pt_counters_new("path", err, sizeof(err));
	if (!pr.c) {
		snprintf(why, whylen, "%s", err);
		return NULL;
	}
	/* In threads of its own, so the caller's placement is left alone. */
	r = pthread_create(&th, NULL, probe_main, &pr);
	if (r)
		snprintf(pr.why, sizeof(pr.why), "cannot start the probe's thread: %s", strerror(r));
	else
		pthread_join(th, NULL);
	if (pr.why[0]) {
		snprintf(why, whylen, "%s", pr.why);
	} else {
		pt_paths_read(pr.c, &in);
		paths = pt_paths_decide(&in);
		json_object_set_new(paths, "probe",
				    json_pack("{s:i, s:i, s:[i, i]}", "tables", PROBE_TABLES,
					      "rounds", PROBE_ROUNDS, "cpus", pr.cpu[0], pr.cpu[1]));
	}
	pt_counters_free(pr.c);
	return paths;
}
