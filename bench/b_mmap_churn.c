// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-churn: map, optionally touch, and unmap an anonymous region, as fast
 * as possible, in every task.  With several threads this is mmap_lock and
 * TLB-flush traffic of one mm; with processes, of independent mms.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>

#include "ptbench.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

enum touch { TOUCH_NONE, TOUCH_PMD, TOUCH_ALL };

struct params {
	uint64_t size;
	int touch;
	int thp;	/* 0 on, 1 off: index into "on|off" */
	bool populate;
};

#define THP_ON 0

static const struct pt_opt opts[] = {
	{ "size", PT_OPT_SIZE, "128M", NULL,
	  "Size of each mapping; rounded up to whole pages.",
	  offsetof(struct params, size), 1, 1ull << 46 },
	{ "touch", PT_OPT_ENUM, "none", "none|pmd|all",
	  "What to write before unmapping: nothing, one byte per 2 MiB (one PTE table "
	  "each, or one huge page with THP), or one byte per 4 KiB page.",
	  offsetof(struct params, touch), 0, 0 },
	{ "thp", PT_OPT_ENUM, "off", "on|off",
	  "madvise(MADV_HUGEPAGE) or MADV_NOHUGEPAGE on each mapping before it is "
	  "touched or populated (not used with --touch none and no --populate).",
	  offsetof(struct params, thp), 0, 0 },
	{ "populate", PT_OPT_FLAG, NULL, NULL,
	  "Prefault the whole mapping with MADV_POPULATE_WRITE (Linux 5.14+) after the "
	  "THP advice, before touching.",
	  offsetof(struct params, populate), 0, 0 },
	{ NULL },
};

static uint64_t mapping_size(const struct params *p)
{
	return (p->size + PT_PAGE_SIZE - 1) & ~(uint64_t)(PT_PAGE_SIZE - 1);
}

/* Bytes one task keeps resident at its peak. */
static uint64_t resident(const struct params *p)
{
	uint64_t size = mapping_size(p);

	if (p->populate || p->touch == TOUCH_ALL || (p->touch == TOUCH_PMD && p->thp == THP_ON))
		return size;
	if (p->touch == TOUCH_PMD)
		return (size + PT_PMD_SIZE - 1) / PT_PMD_SIZE * PT_PAGE_SIZE;
	return 0;
}

static uint64_t mem_needed(const struct pt_run *run)
{
	const struct params *p = run->params;

	/* Pages plus their PTE tables (1/512 of the mapping at most). */
	return run->ntasks * (resident(p) + mapping_size(p) / 512);
}

static void task(struct pt_task *t)
{
	const struct params *p = t->run->params;
	size_t size = mapping_size(p);
	size_t step = p->touch == TOUCH_PMD ? PT_PMD_SIZE : PT_PAGE_SIZE;
	bool advise = p->touch != TOUCH_NONE || p->populate;
	int advice = p->thp == THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;

	while (pt_continue(t)) {
		char *a = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED) {
			pt_task_fail(t, "mmap of %zu bytes: %s", size, strerror(errno));
			return;
		}
		if (advise && madvise(a, size, advice)) {
			pt_task_fail(t, "madvise(%s): %s", advice == MADV_HUGEPAGE ?
				     "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE", strerror(errno));
			munmap(a, size);
			return;
		}
		if (p->populate && madvise(a, size, MADV_POPULATE_WRITE)) {
			pt_task_fail(t, "madvise(MADV_POPULATE_WRITE): %s%s", strerror(errno),
				     errno == EINVAL ? " (needs Linux 5.14 or later)" : "");
			munmap(a, size);
			return;
		}
		if (p->touch != TOUCH_NONE)
			for (size_t off = 0; off < size; off += step)
				a[off] = 1;
		munmap(a, size);
		t->ops++;
	}
}

/* Faults one operation should take, or -1 where THP makes it a range. */
static double expected_faults(const struct params *p, double *hi)
{
	double size = (double)mapping_size(p);
	double pmds = (double)((mapping_size(p) + PT_PMD_SIZE - 1) / PT_PMD_SIZE);

	*hi = -1;
	if (p->touch == TOUCH_NONE && !p->populate)
		return 0;
	if (p->touch == TOUCH_PMD && !p->populate)
		return pmds;	/* one per 2 MiB: a 4K page or a huge page */
	if (p->thp == THP_ON) {
		*hi = size / PT_PAGE_SIZE;	/* huge pages where they fit */
		return pmds;
	}
	return size / PT_PAGE_SIZE;
}

static void report(struct pt_run *run)
{
	const struct params *p = run->params;
	double rate = 0, busy = 0, ops = 0, v, lo, hi;

	for (unsigned i = 0; i < run->ntasks; i++) {
		const struct pt_task *t = &run->tasks[i];
		double secs = (double)(t->t_end - t->t_start) / 1e9;

		if (secs > 0)
			rate += (double)t->ops / secs;
		busy += secs;
		ops += (double)t->ops;
	}
	pt_metric(run, "ops_per_sec", "ops/s", PT_HIGHER, rate);
	pt_metric(run, "ns_per_op", "ns", PT_LOWER, ops ? busy * 1e9 / ops : NAN);
	/* rusage counts faults taken by GUP (populate) too; the perf event does not. */
	if (pt_counter(run, "rusage:minflt", &v)) {
		double per_op = ops ? v / ops : NAN;

		pt_metric(run, "page_faults_per_op", "faults", PT_INFO, per_op);
		lo = expected_faults(p, &hi);
		if (hi < 0)
			pt_check(run, "page-faults", per_op >= lo * 0.95 && per_op <= lo * 1.05 + 1,
				 "%.2f faults per operation, expected %.0f", per_op, lo);
		else
			pt_check(run, "page-faults", per_op >= lo * 0.95 && per_op <= hi * 1.05 + 1,
				 "%.2f faults per operation, expected %.0f to %.0f (THP)",
				 per_op, lo, hi);
	}
	if (pt_counter(run, "interrupts:TLB", &v))
		pt_metric(run, "tlb_shootdowns_per_op", "shootdowns", PT_INFO,
			  ops ? v / ops : NAN);
	else
		pt_warn(run, "no TLB row in /proc/interrupts: tlb_shootdowns_per_op not reported");
}

PT_BENCH(mmap_churn) = {
	.name = "mmap-churn",
	.summary = "mmap, touch and munmap anonymous memory in a loop",
	.description =
		"Each task maps an anonymous region, optionally writes to it (--touch, "
		"--populate) and unmaps it, as fast as it can. With --touch none this is "
		"the cost of creating and destroying a VMA (mmap_lock, maple tree); with "
		"--touch pmd each operation also builds and frees one PTE table per 2 MiB "
		"(with THP off); with --touch all it is dominated by page faults, zeroing "
		"and freeing pages.\n\n"
		"Threads share one mm: their munmaps must flush the TLBs of every CPU the mm "
		"has run on, so tlb_shootdowns_per_op grows with the threads. Processes "
		"(--mode processes) each have their own mm and flush only locally.\n\n"
		"Metrics: ops_per_sec (all tasks together), ns_per_op (one task's time for "
		"one operation), page_faults_per_op (rusage minor faults, checked against "
		"the pages touched), tlb_shootdowns_per_op (the TLB row of /proc/interrupts, "
		"all CPUs, divided by operations).",
	.opts = opts,
	.params_size = sizeof(struct params),
	.mem_needed = mem_needed,
	.task = task,
	.report = report,
};
