// SPDX-License-Identifier: GPL-2.0
/*
 * pt-teardown: build N PTE tables, then free them by munmap, MADV_DONTNEED
 * or mremap, and time only the freeing.  VmPTE proves how many tables each
 * operation built and freed.
 *
 * Layout: the N 2 MiB slots are 2 MiB-aligned and fenced by PROT_NONE guard
 * slots (pt_reserve_slots()), so no other VMA shares their page tables and
 * free_pgtables() may free every one of them.  Between operations a
 * PROT_NONE placeholder holds the slots, so no other mapping lands there.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ptbench.h"

enum via { VIA_MUNMAP, VIA_DONTNEED, VIA_MREMAP };

struct params {
	uint64_t tables;
	int via;
};

static const struct pt_opt opts[] = {
	{ "tables", PT_OPT_UINT, "64", NULL,
	  "PTE tables built (one byte written per 2 MiB slot) and freed per operation.",
	  offsetof(struct params, tables), 1, 65536 },
	{ "via", PT_OPT_ENUM, "munmap", "munmap|dontneed|mremap",
	  "How the tables are freed: munmap(2) of the region; madvise(MADV_DONTNEED) "
	  "over it (frees empty tables only with CONFIG_PT_RECLAIM, Linux 6.14+); or "
	  "mremap(2) shrinking the region to one page.",
	  offsetof(struct params, via), 0, 0 },
	{ NULL },
};

/* Per-task counters in t->aux[] */
enum { AUX_BUILT, AUX_FREED, AUX_FREE_NS, AUX_SHORT };

struct region {
	void *base;		/* the reservation, guards included */
	size_t len;
	char *start;		/* first slot */
	char *stub;		/* mremap: the page kept below the slots */
	uint64_t left;		/* tables the last operation did not free */
};

static volatile char hot_page[4096] __attribute__((aligned(4096)));

static size_t span(const struct params *p)
{
	return (size_t)p->tables * PT_PMD_SIZE;
}

static enum pt_role role(const struct pt_run *run, unsigned id)
{
	return id ? PT_HELPER : PT_TIMED;
}

static uint64_t mem_needed(const struct pt_run *run)
{
	const struct params *p = run->params;

	/* One page and one PTE table per slot. */
	return p->tables * 2 * PT_PAGE_SIZE;
}

static int map_slots(struct pt_task *t, char *at, size_t len)
{
	if (!pt_slots_map(at, len))
		return 0;
	pt_task_fail(t, "mapping %zu bytes at %p: %s", len, (void *)at, strerror(errno));
	return -1;
}

/* Build the tables: map (munmap path), grow (mremap path), then write. */
static int build(struct pt_task *t, struct region *r)
{
	const struct params *p = t->run->params;
	size_t len = span(p);

	switch (p->via) {
	case VIA_MUNMAP:
		if (map_slots(t, r->start, len))
			return -1;
		break;
	case VIA_MREMAP:
		/* Growing in place needs the range free: drop the placeholder. */
		if (munmap(r->start, len) ||
		    mremap(r->stub, PT_PAGE_SIZE, PT_PAGE_SIZE + len, 0) != r->stub) {
			pt_task_fail(t, "mremap grow: %s", strerror(errno));
			return -1;
		}
		break;
	}
	pt_slots_touch(r->start, len);
	return 0;
}

/* After the timed freeing: the placeholder back over the emptied slots. */
static int restore(struct pt_task *t, struct region *r)
{
	const struct params *p = t->run->params;

	if (p->via == VIA_DONTNEED || !pt_slots_hold(r->start, span(p)))
		return 0;
	pt_task_fail(t, "re-reserving the slots: %s%s", strerror(errno),
		     errno == EEXIST ? " (another mapping took them)" : "");
	return -1;
}

static int free_tables(struct pt_task *t, struct region *r)
{
	const struct params *p = t->run->params;
	size_t len = span(p);
	int ret = 0;

	switch (p->via) {
	case VIA_MUNMAP:
		ret = munmap(r->start, len);
		break;
	case VIA_DONTNEED:
		ret = madvise(r->start, len, MADV_DONTNEED);
		break;
	case VIA_MREMAP:
		ret = mremap(r->stub, PT_PAGE_SIZE + len, PT_PAGE_SIZE, 0) == r->stub ? 0 : -1;
		break;
	}
	if (ret)
		pt_task_fail(t, "freeing the tables: %s", strerror(errno));
	return ret;
}

static int task_init(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct region *r;
	uint64_t freed;
	long v0, v1;

	if (t->role != PT_TIMED)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	t->priv = r;
	r->start = pt_reserve_slots(p->tables, &r->base, &r->len);
	if (!r->start) {
		pt_task_fail(t, "cannot reserve %llu slots: %s",
			     (unsigned long long)p->tables, strerror(errno));
		return -1;
	}
	if (p->via == VIA_DONTNEED && map_slots(t, r->start, span(p)))
		return -1;		/* one lasting mapping */
	if (p->via == VIA_MREMAP) {
		/*
		 * A stub page that grows over the slots and shrinks back: the
		 * last page of the lower guard.  Its own PTE table lives in the
		 * guard slot, which no operation touches.
		 */
		r->stub = r->start - PT_PAGE_SIZE;
		if (map_slots(t, r->stub, PT_PAGE_SIZE))
			return -1;
		r->stub[0] = 1;
	}
	/*
	 * One untimed cycle, so upper-level tables (and a sanitizer's shadow
	 * tables) exist before measuring.  The PTE tables it does not free
	 * (all of them when the kernel frees none) stay for the next build:
	 * after a build the region has all its tables, so what stays is what
	 * was asked for less what was freed.
	 */
	if (build(t, r))
		return -1;
	v0 = pt_vmpte_kb();
	if (free_tables(t, r) || restore(t, r))
		return -1;
	v1 = pt_vmpte_kb();
	freed = v0 > v1 ? (uint64_t)((v0 - v1) / 4) : 0;
	r->left = p->tables > freed ? p->tables - freed : 0;
	return 0;
}

static void task_fini(struct pt_task *t)
{
	struct region *r = t->priv;

	if (!r)
		return;
	if (r->base)
		munmap(r->base, r->len);
	free(r);
	t->priv = NULL;
}

/* Helpers keep the mm live on their CPUs, so every flush is remote too. */
static void spin(struct pt_task *t)
{
	while (pt_continue(t))
		(void)hot_page[t->id % 64 * 64];
}

static void task(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct region *r = t->priv;
	long v0, v1, v2;
	uint64_t t0, t1, built, freed;

	if (t->role != PT_TIMED)
		return spin(t);
	while (pt_continue(t)) {
		v0 = pt_vmpte_kb();
		if (build(t, r))
			return;
		v1 = pt_vmpte_kb();
		t0 = pt_now_ns();
		if (free_tables(t, r))
			return;
		t1 = pt_now_ns();
		v2 = pt_vmpte_kb();
		if (restore(t, r))
			return;
		if (v0 < 0 || v1 < 0 || v2 < 0) {
			pt_task_fail(t, "cannot read VmPTE from /proc/self/status");
			return;
		}
		/*
		 * A kernel that does not free the tables (MADV_DONTNEED without
		 * CONFIG_PT_RECLAIM) leaves them for the next build, which then
		 * builds none: the tables asked for are those built now plus
		 * those left from the operation before.
		 */
		built = v1 > v0 ? (uint64_t)((v1 - v0) / 4) : 0;
		freed = v1 > v2 ? (uint64_t)((v1 - v2) / 4) : 0;
		t->aux[AUX_BUILT] += built;
		t->aux[AUX_FREED] += freed;
		t->aux[AUX_SHORT] += built + r->left != p->tables;
		r->left = p->tables > freed ? p->tables - freed : 0;
		t->aux[AUX_FREE_NS] += t1 - t0;
		pt_hist_add(&t->hist[0], t1 - t0);
		t->ops++;
	}
}

struct totals {
	uint64_t ops, built, freed, short_ops;
};

static void report(struct pt_run *run)
{
	const struct params *p = run->params;
	struct pt_task *t = &run->tasks[0];
	struct totals *tot = run->priv;
	double ops = (double)t->ops, v;

	if (!t->ops) {
		pt_warn(run, "repetition %u completed no operation", run->rep + 1);
		return;
	}
	pt_metric(run, "ns_per_table", "ns", PT_LOWER,
		  (double)t->aux[AUX_FREE_NS] / ops / (double)p->tables);
	pt_metric(run, "free_us_p50", "us", PT_LOWER, pt_hist_quantile(&t->hist[0], 0.5) / 1e3);
	pt_metric(run, "tables_built", "tables", PT_INFO, (double)t->aux[AUX_BUILT] / ops);
	pt_metric(run, "tables_freed", "tables", PT_INFO, (double)t->aux[AUX_FREED] / ops);
	if (pt_counter(run, "interrupts:TLB", &v))
		pt_metric(run, "tlb_shootdowns_per_op", "shootdowns", PT_INFO, v / ops);
	else
		pt_warn(run, "no TLB row in /proc/interrupts: tlb_shootdowns_per_op not reported");
	tot->ops += t->ops;
	tot->built += t->aux[AUX_BUILT];
	tot->freed += t->aux[AUX_FREED];
	tot->short_ops += t->aux[AUX_SHORT];
}

static const char *via_name(int via)
{
	static const char *const names[] = { "munmap", "dontneed", "mremap" };

	return names[via];
}

static void finish(struct pt_run *run)
{
	const struct params *p = run->params;
	struct totals *tot = run->priv;
	char msg[200];

	pt_check(run, "tables-built", tot->ops && !tot->short_ops,
		 "%llu of %llu operations had the %llu tables asked for in place (VmPTE)",
		 (unsigned long long)(tot->ops - tot->short_ops),
		 (unsigned long long)tot->ops, (unsigned long long)p->tables);
	if (!tot->ops)
		return;
	if (!tot->freed)
		snprintf(msg, sizeof(msg),
			 "none: this kernel frees no page tables via %s", via_name(p->via));
	else
		snprintf(msg, sizeof(msg), "%.2f of %llu tables per operation freed via %s",
			 (double)tot->freed / (double)tot->ops,
			 (unsigned long long)p->tables, via_name(p->via));
	pt_finding(run, "tables_freed", json_string(msg));
}

static int setup(struct pt_run *run)
{
	run->priv = calloc(1, sizeof(struct totals));
	hot_page[0] = 1;
	return run->priv ? 0 : -1;
}

static void teardown(struct pt_run *run)
{
	free(run->priv);
	run->priv = NULL;
}

PT_BENCH(pt_teardown) = {
	.name = "pt-teardown",
	.summary = "build N PTE tables, time freeing them (munmap, dontneed, mremap)",
	.description =
		"Each operation writes one byte into each of --tables 2 MiB-aligned slots, "
		"which builds one PTE table per slot (THP off), then frees the tables by "
		"--via and times only that. The slots are fenced by PROT_NONE guard slots "
		"so that no other VMA shares their page tables.\n\n"
		"Extra --tasks are threads of the same process that spin on other CPUs: "
		"the mm is live there, so the flush that must precede freeing a table goes "
		"to remote CPUs (an IPI, or a paravirtual flush hypercall in a guest), and "
		"with RCU table free the tables are freed after a grace period.\n\n"
		"Metrics: ns_per_table (time of the freeing call divided by --tables), "
		"free_us_p50 (median freeing call), tables_built and tables_freed (per "
		"operation, from VmPTE in /proc/self/status), tlb_shootdowns_per_op. A "
		"kernel that frees no table on the chosen path (MADV_DONTNEED without "
		"CONFIG_PT_RECLAIM) shows tables_freed 0 and says so under findings; that "
		"is a result, not an error.",
	.opts = opts,
	.params_size = sizeof(struct params),
	.flags = PT_THREADS_ONLY,
	.role = role,
	.mem_needed = mem_needed,
	.setup = setup,
	.task_init = task_init,
	.task = task,
	.task_fini = task_fini,
	.report = report,
	.finish = finish,
	.teardown = teardown,
};
