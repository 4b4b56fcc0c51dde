// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-churn: map, optionally touch, and unmap an anonymous region, as fast
 * as possible, in every task.  With several threads this is mmap_lock and
 * TLB-flush traffic of one mm; with processes, of independent mms.
 *
 * Layout: each task maps into its own 2 MiB-aligned slots fenced by
 * PROT_NONE guard slots (pt_reserve_slots()).  With mmap(NULL) the page-table
 * work of one operation would depend on the kernel: since 6.8 anonymous
 * mappings of 2 MiB multiples are THP-aligned, 6.1 places them anywhere, so
 * their first and last PTE tables can be shared with a neighbouring VMA and
 * are not freed.  In fenced slots every kernel frees the same tables, and
 * VmPTE, sampled around some munmaps, proves how many.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	  "Size of each mapping: a whole number of 2 MiB slots (2M, 4M, 6M...); "
	  "anything else is refused. The mapping fills 2 MiB-aligned slots of its "
	  "own, so that every kernel frees the same page tables.",
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

/*
 * VmPTE sampling.  Reading /proc/self/status costs about 10 us here, two
 * to five times the cheapest operation (--touch none: about 5 us), so it
 * cannot be done on every operation.  A task samples its first operation
 * of each repetition and then one in SAMPLE_EVERY: with the cheapest
 * operation that is one sample per ~5 ms, with --touch pmd --size 64M
 * (~100 us) one per ~100 ms, and with --touch all of 128M or more only the
 * first.  A sampled operation is not timed either: neither it nor its
 * reads count in ops_per_sec and ns_per_op (they do count in the per-
 * operation fault and shootdown figures, which do not depend on time).
 */
#define SAMPLE_EVERY	1024

/* Per-task counts in t->aux[] */
enum {
	AUX_SAMPLED,		/* operations sampled (and not timed) */
	AUX_UNTIMED_NS,		/* sampled operations and waits for a sample */
	AUX_NO_VMPTE,		/* of the sampled, those VmPTE could not be read for */
	AUX_FREED,		/* tables freed, summed over the samples */
	AUX_FREED_MIN,		/* fewest tables one sampled munmap freed */
	AUX_FREED_MAX,		/* most */
	AUX_WRONG,		/* sampled munmaps that did not free AUX_EXPECT */
	AUX_EXPECT,		/* tables one munmap of this task must free */
};

/* One task's slots (t->priv). */
struct slots {
	void *base;		/* the reservation, guards included */
	size_t len;
	char *start;		/* first slot */
	bool held;		/* the slots hold our placeholder or mapping */
	uint64_t expect;	/* tables one munmap must free: expected_freed() */
	uint64_t next_sample;	/* t->ops at which to sample next */
};

/*
 * Threads share one mm, hence one VmPTE: while a task samples, the others
 * must not build or free tables.  The sampler takes `sampler' and waits
 * until no other task is inside an operation (its `busy' word); the others
 * wait at the start of their next operation until the sample is done.
 * Each busy word has a cache line of its own, written only by its task:
 * outside samples an operation pays one locked store and two loads of
 * lines no one else writes: 3 ns in a loop here, against 5 us or more.
 */
struct busy {
	_Alignas(64) atomic_int busy;
};

struct shared {
	bool quiesce;			/* threads mode with several tasks */
	bool warned_tlb;
	/* For the tables-freed check, over the measured repetitions. */
	uint64_t ops, samples, wrong, no_vmpte;
	uint64_t freed_min, freed_max, expect_min, expect_max;
	_Alignas(64) atomic_uint sampler;	/* sampling task's id + 1, or 0 */
	struct busy task[];
};

/* ---- QEMU TCG ----------------------------------------------------------- */

/*
 * Single-threaded QEMU TCG runs every vCPU on one host thread, and a vCPU
 * gives it up on PAUSE, not on a busy loop: a task waiting here for one on
 * another vCPU would hold the thread until the next tick.  PAUSE is used
 * in the wait loops under TCG only; elsewhere it would change what is
 * measured (pause-loop exiting in a KVM guest).
 */
static bool tcg;

static inline void tcg_relax(void)
{
	if (tcg)
		pt_cpu_pause();
}

/* ---- sizes ------------------------------------------------------------- */

static size_t nslots(const struct params *p)
{
	return (size_t)(p->size / PT_PMD_SIZE);
}

/* Bytes one task keeps resident at its peak. */
static uint64_t resident(const struct params *p)
{
	if (p->populate || p->touch == TOUCH_ALL || (p->touch == TOUCH_PMD && p->thp == THP_ON))
		return p->size;
	if (p->touch == TOUCH_PMD)
		return nslots(p) * PT_PAGE_SIZE;
	return 0;
}

static uint64_t mem_needed(const struct pt_run *run)
{
	const struct params *p = run->params;

	/* Pages plus their PTE tables (1/512 of the mapping at most). */
	return run->ntasks * (resident(p) + p->size / 512);
}

static int validate(struct pt_run *run)
{
	const struct params *p = run->params;
	unsigned long long mib = (unsigned long long)(p->size >> 20);
	char given[48];

	if (!(p->size % PT_PMD_SIZE))
		return 0;
	if (p->size % (1 << 20))
		snprintf(given, sizeof(given), "%llu bytes", (unsigned long long)p->size);
	else
		snprintf(given, sizeof(given), "%lluM", mib);
	if (mib < 2)
		pt_error(run, "--size %s is not a whole number of 2 MiB slots: use 2M", given);
	else
		pt_error(run, "--size %s is not a whole number of 2 MiB slots: use %lluM or %lluM",
			 given, mib & ~1ull, (mib & ~1ull) + 2);
	return -1;
}

/* Aligned blocks of `block' bytes wholly inside [start, start + len). */
static uint64_t whole_blocks(uintptr_t start, size_t len, uint64_t block)
{
	uint64_t first = (start + block - 1) / block, end = (start + len) / block;

	return end > first ? end - first : 0;
}

/*
 * Tables one munmap frees: one PTE table per slot once anything was
 * written (a THP mapping deposits one per huge page, counted in VmPTE and
 * freed with it), plus a PMD table for each 1 GiB-aligned GiB and a PUD
 * table for each 512 GiB the slots cover whole (free_pgtables() frees an
 * upper table only when no VMA is left in its range).  Nothing when
 * nothing was written.
 */
static uint64_t expected_freed(const struct params *p, const char *start)
{
	if (p->touch == TOUCH_NONE && !p->populate)
		return 0;
	return nslots(p) + whole_blocks((uintptr_t)start, p->size, 1ull << 30) +
	       whole_blocks((uintptr_t)start, p->size, 1ull << 39);
}

/* ---- set-up and clean-up ----------------------------------------------- */

static int setup(struct pt_run *run)
{
	struct shared *sh;
	size_t size = sizeof(*sh) + run->ntasks * sizeof(sh->task[0]);

	size = (size + 63) & ~(size_t)63;
	sh = aligned_alloc(64, size);
	if (!sh) {
		pt_error(run, "out of memory");
		return -1;
	}
	memset(sh, 0, size);
	sh->quiesce = !run->processes && run->ntasks > 1;
	run->priv = sh;
	tcg = pt_under_tcg();
	if (tcg)
		pt_warn(run, "QEMU TCG: tasks waiting for a VmPTE sample execute PAUSE, so that single-threaded TCG runs the other vCPUs");
	return 0;
}

static void teardown(struct pt_run *run)
{
	free(run->priv);
	run->priv = NULL;
}

/*
 * Reserve the slots with their guards, then put a placeholder of its own
 * over the slots: PROT_NONE like the guards but without MAP_NORESERVE, so
 * it never merges with them.  An operation then replaces exactly one VMA
 * (MAP_FIXED over the placeholder), and putting the placeholder back
 * creates one; a placeholder that merged with the guards would make every
 * operation split and merge VMAs (measured here: 8.5 us per operation
 * instead of 5.2, against 3.6 for mmap(NULL) and munmap alone).
 */
static int task_init(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct slots *s;
	void *a;

	s = calloc(1, sizeof(*s));
	if (!s) {
		pt_task_fail(t, "out of memory");
		return -1;
	}
	t->priv = s;
	s->start = pt_reserve_slots(nslots(p), &s->base, &s->len);
	if (!s->start) {
		pt_task_fail(t, "cannot reserve %zu slots of 2 MiB: %s", nslots(p),
			     strerror(errno));
		return -1;
	}
	s->held = true;
	/* MAP_FIXED over our own reservation, nothing else. */
	a = mmap(s->start, p->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (a == MAP_FAILED) {
		pt_task_fail(t, "placeholder at %p: %s", (void *)s->start, strerror(errno));
		return -1;
	}
	s->expect = expected_freed(p, s->start);
	return 0;
}

static void task_fini(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct slots *s = t->priv;

	if (!s)
		return;
	if (s->start)
		pt_release_slots(s->base, s->len, s->start, p->size, s->held);
	free(s);
	t->priv = NULL;
}

/* ---- one operation ------------------------------------------------------ */

/* Advise, populate and touch the new mapping, as the options say. */
static int fill(struct pt_task *t, char *a)
{
	const struct params *p = t->run->params;
	size_t step = p->touch == TOUCH_PMD ? PT_PMD_SIZE : PT_PAGE_SIZE;
	int advice = p->thp == THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;

	if ((p->touch != TOUCH_NONE || p->populate) && madvise(a, p->size, advice)) {
		pt_task_fail(t, "madvise(%s): %s", advice == MADV_HUGEPAGE ?
			     "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE", strerror(errno));
		return -1;
	}
	if (p->populate && madvise(a, p->size, MADV_POPULATE_WRITE)) {
		pt_task_fail(t, "madvise(MADV_POPULATE_WRITE): %s%s", strerror(errno),
			     errno == EINVAL ? " (needs Linux 5.14 or later)" : "");
		return -1;
	}
	if (p->touch != TOUCH_NONE)
		for (size_t off = 0; off < p->size; off += step)
			((volatile char *)a)[off] = 1;
	return 0;
}

/*
 * The raw system call: a sanitizer's munmap() interceptor releases the
 * range's shadow memory with MADV_DONTNEED first, which on a kernel with
 * CONFIG_PT_RECLAIM frees shadow page tables inside the munmap we sample.
 */
static int raw_munmap(void *a, size_t len)
{
	return (int)syscall(SYS_munmap, a, len);
}

/* Count one sampled munmap's freed tables (VmPTE before - after). */
static void account_freed(struct pt_task *t, long before, long after)
{
	uint64_t freed;

	if (before < 0 || after < 0) {
		t->aux[AUX_NO_VMPTE]++;
		return;
	}
	freed = before > after ? (uint64_t)(before - after) / (PT_PAGE_SIZE / 1024) : 0;
	t->aux[AUX_FREED] += freed;
	t->aux[AUX_WRONG] += freed != t->aux[AUX_EXPECT];
	if (freed < t->aux[AUX_FREED_MIN])
		t->aux[AUX_FREED_MIN] = freed;
	if (freed > t->aux[AUX_FREED_MAX])
		t->aux[AUX_FREED_MAX] = freed;
}

/*
 * Map over the placeholder, fill, unmap, put the placeholder back.  With
 * `sample', VmPTE is read just before and after the munmap: tables built
 * by the touches (and a sanitizer's shadow tables) are not in the count.
 */
static int churn_once(struct pt_task *t, struct slots *s, bool sample)
{
	const struct params *p = t->run->params;
	long before = 0, after = 0;
	void *a;

	/* MAP_FIXED replaces only our own placeholder here. */
	a = mmap(s->start, p->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (a == MAP_FAILED) {
		/* A failed MAP_FIXED may have unmapped the placeholder. */
		s->held = false;
		pt_task_fail(t, "mmap of %zu bytes at %p: %s", (size_t)p->size,
			     (void *)s->start, strerror(errno));
		return -1;
	}
	if (fill(t, a))
		return -1;
	if (sample)
		before = pt_vmpte_kb();
	if (raw_munmap(a, p->size)) {
		pt_task_fail(t, "munmap: %s", strerror(errno));
		return -1;
	}
	if (sample) {
		after = pt_vmpte_kb();
		account_freed(t, before, after);
	}
	s->held = false;
	a = mmap(s->start, p->size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (a == s->start) {
		s->held = true;
		return 0;
	}
	if (a != MAP_FAILED) {
		/* A kernel before 4.17 ignores MAP_FIXED_NOREPLACE. */
		munmap(a, p->size);
		errno = EEXIST;
	}
	pt_task_fail(t, "re-reserving the slots at %p: %s%s", (void *)s->start,
		     strerror(errno), errno == EEXIST ?
		     " (another mapping took them while they were free)" : "");
	return -1;
}

/* ---- quiescence for samples in threads mode ---------------------------- */

/*
 * Before an operation: mark this task busy, unless a sample is on, then
 * wait for it to end.  Sequentially consistent store and load, paired with
 * the sampler's exchange and loads: one of the two sees the other.  Adds
 * to *waited the time spent waiting; false when the repetition ended.
 */
static bool enter_op(struct pt_task *t, struct shared *sh, uint64_t *waited)
{
	atomic_int *busy = &sh->task[t->id].busy;
	uint64_t t0 = 0;

	for (;;) {
		if (!atomic_load_explicit(&sh->sampler, memory_order_relaxed)) {
			atomic_store(busy, 1);
			if (!atomic_load(&sh->sampler))
				break;
			atomic_store_explicit(busy, 0, memory_order_release);
		}
		if (!t0)
			t0 = pt_now_ns();
		if (!pt_continue(t))
			return false;
		tcg_relax();
	}
	if (t0)
		*waited += pt_now_ns() - t0;
	return true;
}

static void leave_op(struct pt_task *t, struct shared *sh)
{
	atomic_store_explicit(&sh->task[t->id].busy, 0, memory_order_release);
}

/* Become the sampler and wait until no other task is in an operation. */
static bool sample_begin(struct pt_task *t, struct shared *sh)
{
	unsigned int none = 0;

	if (!sh->quiesce)
		return true;
	if (!atomic_compare_exchange_strong(&sh->sampler, &none, t->id + 1))
		return false;		/* another task samples: later */
	for (unsigned int i = 0; i < t->run->ntasks; i++) {
		while (i != t->id && atomic_load(&sh->task[i].busy)) {
			if (!pt_continue(t)) {
				atomic_store(&sh->sampler, 0);
				return false;
			}
			tcg_relax();
		}
	}
	return true;
}

static void sample_end(struct shared *sh)
{
	if (sh->quiesce)
		atomic_store(&sh->sampler, 0);
}

/*
 * A sampled operation, untimed: its time, and the wait for the other
 * tasks to leave theirs, go to AUX_UNTIMED_NS.  *done is false when
 * another task samples now (or the repetition ended while waiting).
 */
static int sampled_op(struct pt_task *t, struct shared *sh, struct slots *s, bool *done)
{
	uint64_t t0 = pt_now_ns();
	int ret;

	*done = sample_begin(t, sh);
	if (!*done)
		return 0;
	ret = churn_once(t, s, true);
	sample_end(sh);
	t->aux[AUX_UNTIMED_NS] += pt_now_ns() - t0;
	t->aux[AUX_SAMPLED]++;
	return ret;
}

static void task(struct pt_task *t)
{
	struct shared *sh = t->run->priv;
	struct slots *s = t->priv;
	bool sampled;
	int ret;

	t->aux[AUX_FREED_MIN] = UINT64_MAX;
	t->aux[AUX_EXPECT] = s->expect;
	s->next_sample = 0;
	while (pt_continue(t)) {
		if (t->ops >= s->next_sample) {
			if (sampled_op(t, sh, s, &sampled))
				return;
			if (sampled) {
				s->next_sample = t->ops + SAMPLE_EVERY;
				t->ops++;
				continue;
			}
		}
		if (sh->quiesce && !enter_op(t, sh, &t->aux[AUX_UNTIMED_NS]))
			return;
		ret = churn_once(t, s, false);
		if (sh->quiesce)
			leave_op(t, sh);
		if (ret)
			return;
		t->ops++;
	}
}

/* ---- results ------------------------------------------------------------ */

/* Faults one operation should take, or -1 where THP makes it a range. */
static double expected_faults(const struct params *p, double *hi)
{
	double size = (double)p->size;
	double pmds = (double)nslots(p);

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

static void check_faults(struct pt_run *run, double ops)
{
	const struct params *p = run->params;
	double v, per_op, lo, hi;

	/* rusage counts faults taken by GUP (populate) too; the perf event does not. */
	if (!pt_counter(run, "rusage:minflt", &v))
		return;
	per_op = ops ? v / ops : NAN;
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

/* Fold one task's samples into the totals of the tables-freed check. */
static void total_freed(struct shared *sh, const struct pt_task *t, uint64_t samples)
{
	bool first = !sh->samples;

	if (first || t->aux[AUX_FREED_MIN] < sh->freed_min)
		sh->freed_min = t->aux[AUX_FREED_MIN];
	if (first || t->aux[AUX_FREED_MAX] > sh->freed_max)
		sh->freed_max = t->aux[AUX_FREED_MAX];
	if (first || t->aux[AUX_EXPECT] < sh->expect_min)
		sh->expect_min = t->aux[AUX_EXPECT];
	if (first || t->aux[AUX_EXPECT] > sh->expect_max)
		sh->expect_max = t->aux[AUX_EXPECT];
	sh->samples += samples;
	sh->wrong += t->aux[AUX_WRONG];
}

/* tables_freed of this repetition: the mean over the sampled munmaps. */
static void report_freed(struct pt_run *run, struct shared *sh)
{
	uint64_t samples = 0, freed = 0, no_vmpte = 0;

	for (unsigned int i = 0; i < run->ntasks; i++) {
		const struct pt_task *t = &run->tasks[i];
		uint64_t n = t->aux[AUX_SAMPLED] - t->aux[AUX_NO_VMPTE];

		no_vmpte += t->aux[AUX_NO_VMPTE];
		if (!n)
			continue;
		samples += n;
		freed += t->aux[AUX_FREED];
		total_freed(sh, t, n);
	}
	sh->no_vmpte += no_vmpte;
	if (samples)
		pt_metric(run, "tables_freed", "tables", PT_INFO,
			  (double)freed / (double)samples);
	else if (no_vmpte)
		pt_warn(run, "no VmPTE in /proc/self/status: tables_freed not reported");
	else
		pt_warn(run, "repetition %u: no operation sampled for tables_freed", run->rep + 1);
}

static void report(struct pt_run *run)
{
	struct shared *sh = run->priv;
	double rate = 0, busy = 0, timed = 0, ops = 0, v;

	for (unsigned int i = 0; i < run->ntasks; i++) {
		const struct pt_task *t = &run->tasks[i];
		double untimed = (double)t->aux[AUX_UNTIMED_NS] / 1e9;
		double secs = (double)(t->t_end - t->t_start) / 1e9 - untimed;
		double n = (double)(t->ops - t->aux[AUX_SAMPLED]);

		if (secs > 0)
			rate += n / secs;
		busy += secs;
		timed += n;
		ops += (double)t->ops;
	}
	if (!timed && ops) {
		/*
		 * Every operation was a sampled one (a very short repetition,
		 * or an emulated CPU): time them with their VmPTE reads rather
		 * than give no figure.
		 */
		pt_warn(run, "repetition %u: every operation was sampled for VmPTE: its ops_per_sec "
			"and ns_per_op include the reads of /proc/self/status", run->rep + 1);
		rate = busy = 0;
		for (unsigned int i = 0; i < run->ntasks; i++) {
			const struct pt_task *t = &run->tasks[i];
			double secs = (double)(t->t_end - t->t_start) / 1e9;

			if (secs > 0)
				rate += (double)t->ops / secs;
			busy += secs;
		}
		timed = ops;
	}
	pt_metric(run, "ops_per_sec", "ops/s", PT_HIGHER, rate);
	pt_metric(run, "ns_per_op", "ns", PT_LOWER, timed ? busy * 1e9 / timed : NAN);
	check_faults(run, ops);
	report_freed(run, sh);
	sh->ops += (uint64_t)ops;
	if (pt_counter(run, "interrupts:TLB", &v)) {
		pt_metric(run, "tlb_shootdowns_per_op", "shootdowns", PT_INFO,
			  ops ? v / ops : NAN);
	} else if (!sh->warned_tlb) {
		pt_warn(run, "no TLB row in /proc/interrupts: tlb_shootdowns_per_op not reported");
		sh->warned_tlb = true;
	}
}

static void finish(struct pt_run *run)
{
	const struct shared *sh = run->priv;
	char expect[48];

	if (!sh->samples) {
		pt_check(run, "tables-freed", sh->no_vmpte > 0,
			 sh->no_vmpte ? "no VmPTE in /proc/self/status: not checked" :
			 "no operation was sampled");
		return;
	}
	if (sh->expect_min == sh->expect_max)
		snprintf(expect, sizeof(expect), "%" PRIu64, sh->expect_min);
	else
		snprintf(expect, sizeof(expect), "%" PRIu64 " to %" PRIu64 " (per task)",
			 sh->expect_min, sh->expect_max);
	pt_check(run, "tables-freed", !sh->wrong,
		 "%" PRIu64 " of %" PRIu64 " sampled munmaps (of %" PRIu64 " operations) freed the tables expected, %s; each freed %" PRIu64 " to %" PRIu64 " (VmPTE)",
		 sh->samples - sh->wrong, sh->samples, sh->ops, expect,
		 sh->freed_min, sh->freed_max);
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
		"Each task maps into 2 MiB-aligned slots of its own, fenced by PROT_NONE "
		"guard slots, so no other VMA shares their page tables and every kernel "
		"frees all of them (with mmap(NULL), Linux 6.8+ aligns such mappings to "
		"2 MiB and 6.1 does not, so the tables freed per operation would differ "
		"between the kernels compared). Between operations a PROT_NONE "
		"placeholder holds the slots; one operation is: mmap(MAP_FIXED) over the "
		"placeholder, the advice and touches, munmap(), and the placeholder put "
		"back with MAP_FIXED_NOREPLACE, which fails rather than damage a mapping "
		"that took the slots meanwhile. ns_per_op is therefore not comparable "
		"with results of ptbench versions that used mmap(NULL).\n\n"
		"Threads share one mm: their munmaps must flush the TLBs of every CPU the mm "
		"has run on, so tlb_shootdowns_per_op grows with the threads. Processes "
		"(--mode processes) each have their own mm and flush only locally.\n\n"
		"Metrics: ops_per_sec (all tasks together), ns_per_op (one task's time for "
		"one operation), page_faults_per_op (rusage minor faults, checked against "
		"the pages touched), tables_freed (page tables one munmap freed, from VmPTE "
		"in /proc/self/status read just before and after it: one PTE table per "
		"2 MiB when anything is written, 0 with --touch none), "
		"tlb_shootdowns_per_op (the TLB row of /proc/interrupts, all CPUs, divided "
		"by operations). tables_freed is sampled, because reading /proc/self/status "
		"costs more than the cheapest operation: each task's first operation of a "
		"repetition and one in 1024 after it. Sampled operations are not timed; "
		"in threads mode the other tasks wait outside their operations while one "
		"samples (VmPTE is the whole mm's), and that wait is not timed either.\n\n"
		"Self-checks: page-faults (faults per operation match the touches) and "
		"tables-freed (every sampled munmap freed exactly the tables expected).",
	.opts = opts,
	.params_size = sizeof(struct params),
	.validate = validate,
	.mem_needed = mem_needed,
	.setup = setup,
	.task_init = task_init,
	.task = task,
	.task_fini = task_fini,
	.report = report,
	.finish = finish,
	.teardown = teardown,
};
