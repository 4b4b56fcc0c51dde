// SPDX-License-Identifier: GPL-2.0
/*
 * tlb-shootdown: the cost of a TLB flush that must reach other CPUs.
 *
 * Reader threads, each on a CPU of its own, keep reading every page of a
 * shared region: the mm is live on their CPUs (in mm_cpumask and not lazy)
 * and their TLBs hold the region's entries.  One mutator thread changes the
 * region's mappings in a way that requires a flush, so every operation is a
 * remote flush: an IPI to each reader's CPU, or a paravirtual hypercall.
 *
 * The region is shared anonymous memory (shmem), not private: after
 * MADV_DONTNEED a reader's read fault would map the zero page, and the
 * mutator's write would then replace it by copy-on-write, one more remote
 * flush per page.  Shared pages stay in the page cache and fault back in
 * writable, so one operation is one flush.
 *
 * --op mprotect is the negative control of a page-table-freeing comparison:
 * change_protection() flushes but gathers and frees nothing, so a change
 * to how page tables are freed must leave it alone.  --op dontneed is the
 * positive case: the zap goes through mmu_gather, and with CONFIG_PT_RECLAIM
 * over whole 2 MiB spans it frees the emptied PTE tables too.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ptbench.h"

enum op { OP_MPROTECT, OP_DONTNEED };

struct params {
	int op;
	uint64_t pages;
};

static const struct pt_opt opts[] = {
	{ "op", PT_OPT_ENUM, "mprotect", "mprotect|dontneed",
	  "What the mutator does: mprotect(2) the region read-only, then "
	  "read-write, one call per operation (the negative control: it flushes "
	  "but frees no page table, so a change to how tables are freed must not "
	  "move it); or madvise(MADV_DONTNEED) the region and write one byte per "
	  "page again (the positive case: the zap goes through mmu_gather, and "
	  "with --pages 512 or more on a CONFIG_PT_RECLAIM kernel frees the "
	  "emptied PTE tables).",
	  offsetof(struct params, op), 0, 0 },
	{ "pages", PT_OPT_UINT, "1", NULL,
	  "Size of the region in 4 KiB pages. Above 33 pages x86 flushes the whole "
	  "TLB instead of page by page (tlb_single_page_flush_ceiling).",
	  offsetof(struct params, pages), 1, 262144 },
	{ NULL },
};

/* What each --op is in a comparison of page-table freeing: findings.control. */
static const char *const control[] = {
	[OP_MPROTECT] = "negative control: mprotect changes protections and frees no page table",
	[OP_DONTNEED] = "positive case: MADV_DONTNEED zaps through mmu_gather and, with "
			"CONFIG_PT_RECLAIM and whole 2 MiB spans (--pages 512 or more), "
			"frees the emptied PTE tables",
};

/* ---- QEMU TCG ----------------------------------------------------------- */

/*
 * Single-threaded QEMU TCG runs every vCPU on one host thread, and a vCPU
 * gives it up on PAUSE, not in a busy loop: a reader that has taken the
 * flush IPI keeps the thread until the next tick, and the mutator waits
 * that long for every flush (~100x the native figure).  The readers
 * execute PAUSE under TCG only: on hardware, and in a KVM guest with
 * pause-loop exiting, it would change what is measured.
 */
static bool tcg;

static inline void tcg_relax(void)
{
	if (tcg)
		pt_cpu_pause();
}

/* Where the tasks run, seen from the mutator (task 0). */
enum placement {
	PLACE_LOCAL,		/* no reader on another CPU */
	PLACE_REMOTE,		/* at least one reader on another CPU */
	PLACE_UNKNOWN,		/* some task is not bound */
};

struct state {
	void *base;		/* the reservation, guards included */
	size_t len;
	char *region;		/* 2 MiB-aligned */
	size_t size;
	bool ro;		/* mprotect: the region is read-only now */
	bool warned_tlb, warned_cal;
	/* For the remote-shootdowns check, over the measured repetitions. */
	enum placement place;
	unsigned remote_cpus;
	bool tlb_missing;
	unsigned reps, quiet_reps;
	double min_tlb;
};

/* Per-task counters in t->aux[] */
enum {
	AUX_PASSES,		/* reader: passes over the region */
	AUX_SUM,		/* reader: what it read, so the reads stay */
};

static enum pt_role role(const struct pt_run *run, unsigned id)
{
	return id ? PT_HELPER : PT_TIMED;
}

static uint64_t mem_needed(const struct pt_run *run)
{
	const struct params *p = run->params;

	/* The pages, their PTE tables, 1 MiB to spare. */
	return p->pages * PT_PAGE_SIZE + (p->pages / 512 + 1) * PT_PAGE_SIZE + (1 << 20);
}

static int setup(struct pt_run *run)
{
	const struct params *p = run->params;
	size_t size = (size_t)p->pages * PT_PAGE_SIZE;
	size_t slots = (size + PT_PMD_SIZE - 1) / PT_PMD_SIZE;
	struct state *s;
	void *a;

	s = calloc(1, sizeof(*s));
	if (!s) {
		pt_error(run, "out of memory");
		return -1;
	}
	/*
	 * Start at a 2 MiB boundary, fenced by guard slots: then which PTE
	 * tables the region covers whole (see --op dontneed) depends on
	 * --pages only, not on where mmap() happened to put it.
	 */
	s->region = pt_reserve_slots(slots, &s->base, &s->len);
	if (!s->region) {
		pt_error(run, "cannot reserve %zu slots of 2 MiB: %s", slots, strerror(errno));
		goto out_free;
	}
	s->size = size;
	/* MAP_FIXED over our own PROT_NONE placeholder, nothing else. */
	a = mmap(s->region, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (a == MAP_FAILED) {
		pt_error(run, "mmap of %zu bytes at %p: %s", size, (void *)s->region,
			 strerror(errno));
		goto out_unmap;
	}
	/* 4 KiB entries: a huge page would make it one TLB entry, one PTE. */
	if (madvise(s->region, size, MADV_NOHUGEPAGE) && errno != EINVAL) {
		pt_error(run, "madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
		goto out_unmap;
	}
	for (size_t off = 0; off < size; off += PT_PAGE_SIZE)
		s->region[off] = 1;
	if (run->ntasks < 2)
		pt_warn(run, "one task: no reader, so no remote CPU to flush; this measures local flushes only");
	tcg = pt_under_tcg();
	if (tcg)
		pt_warn(run, "QEMU TCG: the readers execute PAUSE, so that single-threaded TCG runs the mutator's vCPU; not comparable with hardware");
	pt_finding(run, "control", json_string(control[p->op]));
	run->priv = s;
	return 0;

out_unmap:
	munmap(s->base, s->len);
out_free:
	free(s);
	return -1;
}

static void teardown(struct pt_run *run)
{
	struct state *s = run->priv;

	if (!s)
		return;
	munmap(s->base, s->len);
	free(s);
	run->priv = NULL;
}

/*
 * Relaxed atomic loads: plain in the generated code, but no data race with
 * the mutator's writes (--op dontneed), and never optimized away.
 */
static void reader(struct pt_task *t)
{
	const struct params *p = t->run->params;
	const struct state *s = t->run->priv;
	unsigned sum = 0;

	while (pt_continue(t)) {
		for (uint64_t i = 0; i < p->pages; i++) {
			sum += (unsigned char)__atomic_load_n(s->region + i * PT_PAGE_SIZE,
							     __ATOMIC_RELAXED);
			/* Passes over a large region take long: look in between. */
			if ((i & 1023) == 1023) {
				if (!pt_continue(t))
					goto out;
				tcg_relax();
			}
		}
		t->aux[AUX_PASSES]++;
		tcg_relax();
	}
out:
	t->aux[AUX_SUM] = sum;
}

/* Flip the protection: each call changes every PTE, so each must flush. */
static int op_mprotect(struct pt_task *t, struct state *s)
{
	int prot = s->ro ? PROT_READ | PROT_WRITE : PROT_READ;

	if (mprotect(s->region, s->size, prot)) {
		pt_task_fail(t, "mprotect(%s): %s", s->ro ? "PROT_READ|PROT_WRITE" : "PROT_READ",
			     strerror(errno));
		return -1;
	}
	s->ro = !s->ro;
	return 0;
}

/* Zap the PTEs (the flush), then fault every page back in. */
static int op_dontneed(struct pt_task *t, struct state *s)
{
	if (madvise(s->region, s->size, MADV_DONTNEED)) {
		pt_task_fail(t, "madvise(MADV_DONTNEED): %s", strerror(errno));
		return -1;
	}
	for (size_t off = 0; off < s->size; off += PT_PAGE_SIZE)
		__atomic_store_n(s->region + off, 1, __ATOMIC_RELAXED);
	return 0;
}

static void mutator(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct state *s = t->run->priv;

	while (pt_continue(t)) {
		if (p->op == OP_MPROTECT ? op_mprotect(t, s) : op_dontneed(t, s))
			return;
		t->ops++;
	}
}

static void task(struct pt_task *t)
{
	if (t->role == PT_TIMED)
		mutator(t);
	else
		reader(t);
}

static enum placement placement(const struct pt_run *run, unsigned *remote)
{
	int home = run->tasks[0].cpu;
	enum placement place = PLACE_LOCAL;

	*remote = 0;
	for (unsigned i = 0; i < run->ntasks; i++) {
		const struct pt_task *t = &run->tasks[i];
		bool seen = false;

		if (t->cpu < 0)
			return PLACE_UNKNOWN;
		if (!i || t->cpu == home)
			continue;
		/* Count distinct CPUs: two readers may share one. */
		for (unsigned j = 1; j < i; j++)
			seen |= run->tasks[j].cpu == t->cpu;
		*remote += !seen;
		place = PLACE_REMOTE;
	}
	return place;
}

/* A per-operation metric from a counter, or one warning if there is none. */
static bool per_op(struct pt_run *run, const char *counter, const char *metric,
		   const char *unit, double ops, bool *warned, double *v)
{
	if (!pt_counter(run, counter, v)) {
		if (!*warned)
			pt_warn(run, "%s not available: %s not reported", counter, metric);
		*warned = true;
		return false;
	}
	if (ops > 0)
		pt_metric(run, metric, unit, PT_INFO, *v / ops);
	return true;
}

static void report(struct pt_run *run)
{
	const struct pt_task *m = &run->tasks[0];
	struct state *s = run->priv;
	double ops = (double)m->ops, secs, tlb, cal;

	secs = m->t_end > m->t_start ? (double)(m->t_end - m->t_start) / 1e9 : 0;
	if (!m->ops || secs <= 0) {
		pt_warn(run, "repetition %u completed no operation", run->rep + 1);
	} else {
		pt_metric(run, "flushes_per_sec", "ops/s", PT_HIGHER, ops / secs);
		pt_metric(run, "ns_per_flush", "ns", PT_LOWER, secs * 1e9 / ops);
	}
	per_op(run, "interrupts:CAL", "ipis_per_op", "interrupts", ops, &s->warned_cal, &cal);
	if (!per_op(run, "interrupts:TLB", "tlb_shootdowns_per_op", "shootdowns", ops,
		    &s->warned_tlb, &tlb)) {
		s->tlb_missing = true;
		return;
	}
	s->place = placement(run, &s->remote_cpus);
	if (!s->reps++ || tlb < s->min_tlb)
		s->min_tlb = tlb;
	s->quiet_reps += tlb <= 0;
}

static void finish(struct pt_run *run)
{
	const struct state *s = run->priv;

	if (run->ntasks < 2) {
		pt_check(run, "remote-shootdowns", true,
			 "single task: no remote CPU, nothing to check");
		return;
	}
	if (s->tlb_missing) {
		pt_check(run, "remote-shootdowns", true,
			 "no TLB row in /proc/interrupts (not x86?): not checked");
		return;
	}
	if (s->place == PLACE_LOCAL) {
		pt_check(run, "remote-shootdowns", true,
			 "every task on CPU %d: no remote CPU, nothing to check",
			 run->tasks[0].cpu);
		return;
	}
	if (s->place == PLACE_UNKNOWN)
		pt_check(run, "remote-shootdowns", s->reps && !s->quiet_reps,
			 "placement unknown (unbound tasks): %u of %u repetitions had TLB shootdowns, at least %.0f",
			 s->reps - s->quiet_reps, s->reps, s->min_tlb);
	else
		pt_check(run, "remote-shootdowns", s->reps && !s->quiet_reps,
			 "readers on %u other CPU(s): %u of %u repetitions had TLB shootdowns, at least %.0f",
			 s->remote_cpus, s->reps - s->quiet_reps, s->reps, s->min_tlb);
}

PT_BENCH(tlb_shootdown) = {
	.name = "tlb-shootdown",
	.summary = "remote TLB flush cost: mprotect or MADV_DONTNEED under readers on other CPUs",
	.description =
		"A TLB flush reaches another CPU only if a thread of the same mm has "
		"run there (mm_cpumask) and the CPU is not in lazy TLB mode (a flush "
		"that frees page tables reaches lazy CPUs too). Here task "
		"0 (the mutator) changes the mappings of a shared region while tasks 1 "
		"and up (the readers, threads of the same process, each bound to its "
		"own CPU) keep reading one byte of every page of it, so the mm is live "
		"on their CPUs and their TLBs hold the region's entries. Every "
		"operation of the mutator must then flush the readers' CPUs: with an "
		"IPI each (counted in the TLB and CAL rows of /proc/interrupts), or a "
		"paravirtual flush hypercall in a guest that has one (which still "
		"interrupts the vCPUs that are running, and defers the flush for "
		"preempted ones).\n\n"
		"The region is --pages 4 KiB pages of shared anonymous memory at a "
		"2 MiB boundary, THP off, all written before the run. --op mprotect: "
		"one operation is one mprotect() of the whole region, alternately "
		"read-only and read-write; both directions change every PTE and flush. "
		"--op dontneed: one operation is madvise(MADV_DONTNEED) of the region, "
		"whose zap flushes, then one write per page to map the pages back "
		"(minor faults: shared pages stay in memory, nothing is zeroed or "
		"copied), which the time includes. With --pages 512 or more, kernels "
		"with CONFIG_PT_RECLAIM (x86_64, Linux 6.14+) may also free the emptied "
		"PTE tables, so each operation frees and rebuilds page tables too.\n\n"
		"In a comparison of how page tables are freed, --op mprotect is the "
		"negative control: it flushes remote TLBs but frees no page table, so "
		"a change to the free path must leave it unchanged, and a difference "
		"there is noise or a flush change, not a table-freeing effect. --op "
		"dontneed is the positive case. The result says which under "
		"findings.control.\n\n"
		"Metrics: flushes_per_sec (mutator operations per second), ns_per_flush "
		"(mean time of one operation), tlb_shootdowns_per_op and ipis_per_op "
		"(the TLB and CAL rows of /proc/interrupts, all CPUs, per operation; "
		"with N reader CPUs expect about N per flush; not reported where the "
		"rows do not exist). With one task there is no remote CPU and the "
		"figures are those of a local flush.\n\n"
		"Self-check remote-shootdowns: with a reader on another CPU than the "
		"mutator, every repetition counted TLB shootdowns.",
	.opts = opts,
	.params_size = sizeof(struct params),
	.flags = PT_THREADS_ONLY,
	.default_tasks = 2,
	.role = role,
	.mem_needed = mem_needed,
	.setup = setup,
	.task = task,
	.report = report,
	.finish = finish,
	.teardown = teardown,
};
