// SPDX-License-Identifier: GPL-2.0
/*
 * gup-fast: lockless page-table walkers (GUP-fast) in some threads while
 * other threads of the same process build and free PTE tables.
 *
 * This is the race that decides how page tables may be freed: GUP-fast
 * walks current->mm with interrupts disabled and no lock, so a table must
 * not be freed while a walker may still be reading it.  With IPI TLB
 * flushes the freeing CPU waits for every walker to take the IPI; with
 * RCU table free it does not wait, the table is freed a grace period later.
 * Either way the cost lands on munmap(), which is what the unmappers time,
 * first with the walkers idle (baseline phase) and then walking.
 *
 * Tasks 0..unmappers-1 are the unmappers (timed), the rest the walkers
 * (helpers).  Each repetition is split in two halves: the baseline phase,
 * then the walker phase; unmapper 0 switches phases.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ptbench.h"

enum walker_kind { WALK_FUTEX, WALK_VMSPLICE };

struct params {
	uint64_t walkers;
	int walker;
	uint64_t unmappers;
	uint64_t tables;
};

static const struct pt_opt opts[] = {
	{ "walkers", PT_OPT_UINT, "1", NULL,
	  "Walker threads. 0 runs both phases without walkers: a control that "
	  "shows how far the two phases differ by chance.",
	  offsetof(struct params, walkers), 0, 1024 },
	{ "walker", PT_OPT_ENUM, "futex", "futex|vmsplice",
	  "How a walker walks: FUTEX_WAKE on a shared (not private) futex nobody "
	  "waits on, which is one GUP-fast walk and nothing else; or vmsplice(2) "
	  "of one page into a pipe, read back out at once.",
	  offsetof(struct params, walker), 0, 0 },
	{ "unmappers", PT_OPT_UINT, "1", NULL,
	  "Unmapper threads, each with its own 2 MiB-aligned slots.",
	  offsetof(struct params, unmappers), 1, 1024 },
	{ "tables", PT_OPT_UINT, "16", NULL,
	  "PTE tables each unmapper builds (one byte written per 2 MiB slot) and "
	  "frees with one munmap().",
	  offsetof(struct params, tables), 1, 4096 },
	{ NULL },
};

/* Per-task counters in t->aux[] */
enum {
	AUX_UNMAPS_BASE,	/* unmapper: munmaps in the baseline phase */
	AUX_UNMAPS_WALK,	/* unmapper: munmaps in the walker phase */
	AUX_WALKS,		/* walker: walks in the walker phase */
	AUX_WALKS_RACED,	/* walker: of those, begun while a munmap ran */
	AUX_PHASE_START,	/* walker: ns when it saw the walker phase */
	AUX_PHASE_END,		/* walker: ns when it stopped */
};

/* Histograms in t->hist[] */
enum { HIST_BASE, HIST_WALK };

/* Shared by all tasks; each hot word on its own cache line. */
struct shared {
	_Alignas(64) atomic_int phase;		/* 0 baseline, 1 walkers walk */
	_Alignas(64) atomic_uint unmapping;	/* unmappers inside munmap() */
	_Alignas(64) bool warned_tlb;
	bool warned_placement;
	/* For the walkers-concurrent check, over the measured repetitions. */
	unsigned reps, bad_reps;
	unsigned bad_rep;			/* the first failing one, 1-based */
	uint64_t min_walks, min_raced, min_base, min_walk;
	uint64_t bad_walks, bad_base, bad_walk;
};

struct unmapper {
	void *base;		/* the reservation, guards included */
	size_t len;
	char *start;		/* first slot */
	bool held;		/* the slots hold our placeholder or mapping */
};

struct walker {
	void *page;		/* futex word, or the page vmspliced */
	char *drain;		/* where the pipe is read back into */
	int pipefd[2];
};

static unsigned ntasks(const struct pt_run *run)
{
	const struct params *p = run->params;

	return (unsigned)(p->unmappers + p->walkers);
}

static enum pt_role role(const struct pt_run *run, unsigned id)
{
	const struct params *p = run->params;

	return id < p->unmappers ? PT_TIMED : PT_HELPER;
}

static int validate(struct pt_run *run)
{
	if (run->iterations == 1) {
		pt_error(run, "--iterations must be at least 2: half of them are the baseline phase");
		return -1;
	}
	return 0;
}

static uint64_t mem_needed(const struct pt_run *run)
{
	const struct params *p = run->params;

	/* Per unmapper: one page and one PTE table per slot; 1 MiB to spare. */
	return p->unmappers * p->tables * 2 * PT_PAGE_SIZE +
	       p->walkers * 2 * PT_PAGE_SIZE + (1 << 20);
}

static int setup(struct pt_run *run)
{
	struct shared *sh;

	sh = aligned_alloc(_Alignof(struct shared), sizeof(*sh));
	if (!sh) {
		pt_error(run, "out of memory");
		return -1;
	}
	memset(sh, 0, sizeof(*sh));
	run->priv = sh;
	return 0;
}

static void teardown(struct pt_run *run)
{
	free(run->priv);
	run->priv = NULL;
}

/* ---- unmappers --------------------------------------------------------- */

static size_t span(const struct params *p)
{
	return (size_t)p->tables * PT_PMD_SIZE;
}

/* Put the placeholder back over the emptied slots (pt_slots_hold()). */
static int hold_slots(struct pt_task *t, struct unmapper *u)
{
	const struct params *p = t->run->params;

	if (!pt_slots_hold(u->start, span(p))) {
		u->held = true;
		return 0;
	}
	pt_task_fail(t, "re-reserving the slots at %p: %s%s", (void *)u->start,
		     strerror(errno), errno == EEXIST ?
		     " (another mapping took them while they were free)" : "");
	return -1;
}

static int unmapper_init(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct unmapper *u;

	u = calloc(1, sizeof(*u));
	if (!u) {
		pt_task_fail(t, "out of memory");
		return -1;
	}
	t->priv = u;
	u->start = pt_reserve_slots(p->tables, &u->base, &u->len);
	if (!u->start) {
		pt_task_fail(t, "cannot reserve %" PRIu64 " slots of 2 MiB: %s",
			     p->tables, strerror(errno));
		return -1;
	}
	u->held = true;		/* the reservation is the placeholder */
	return 0;
}

static void unmapper_fini(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct unmapper *u = t->priv;
	char *end;

	if (!u)
		return;
	if (u->held) {
		munmap(u->base, u->len);
	} else if (u->start) {
		/* Someone else's mapping may sit in the slots: only the guards. */
		end = u->start + span(p);
		munmap(u->base, (size_t)(u->start - (char *)u->base));
		munmap(end, (size_t)((char *)u->base + u->len - end));
	}
	free(u);
	t->priv = NULL;
}

/* Map the slots over the placeholder and build one PTE table in each. */
static int build(struct pt_task *t, struct unmapper *u)
{
	size_t len = span(t->run->params);

	if (pt_slots_map(u->start, len)) {
		pt_task_fail(t, "mapping %zu bytes at %p: %s", len, (void *)u->start,
			     strerror(errno));
		return -1;
	}
	pt_slots_touch(u->start, len);
	return 0;
}

static bool phase_due(const struct pt_task *t, uint64_t begin)
{
	const struct pt_run *run = t->run;

	if (run->iterations)
		return t->ops >= run->iterations / 2;
	return pt_now_ns() - begin >= run->duration_ns / 2;
}

static void unmapper(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct shared *sh = t->run->priv;
	struct unmapper *u = t->priv;
	uint64_t begin = pt_now_ns();
	size_t len = span(p);

	while (pt_continue(t)) {
		uint64_t t0, t1;
		int phase, ret;

		if (build(t, u))
			return;
		phase = atomic_load_explicit(&sh->phase, memory_order_relaxed);
		atomic_fetch_add_explicit(&sh->unmapping, 1, memory_order_relaxed);
		t0 = pt_now_ns();
		ret = munmap(u->start, len);
		t1 = pt_now_ns();
		atomic_fetch_sub_explicit(&sh->unmapping, 1, memory_order_relaxed);
		u->held = ret != 0;
		if (ret) {
			pt_task_fail(t, "munmap: %s", strerror(errno));
			return;
		}
		if (hold_slots(t, u))
			return;
		pt_hist_add(&t->hist[phase ? HIST_WALK : HIST_BASE], t1 - t0);
		t->aux[phase ? AUX_UNMAPS_WALK : AUX_UNMAPS_BASE]++;
		t->ops++;
		if (t->id == 0 && !phase && phase_due(t, begin))
			atomic_store_explicit(&sh->phase, 1, memory_order_relaxed);
	}
}

/* ---- walkers ----------------------------------------------------------- */

static int walker_init(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct walker *w;

	w = calloc(1, sizeof(*w));
	if (!w) {
		pt_task_fail(t, "out of memory");
		return -1;
	}
	w->pipefd[0] = w->pipefd[1] = -1;
	t->priv = w;
	/* A private anonymous page of this mm, present before the first walk. */
	w->page = mmap(NULL, 2 * PT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->page == MAP_FAILED) {
		w->page = NULL;
		pt_task_fail(t, "mmap: %s", strerror(errno));
		return -1;
	}
	memset(w->page, 0, 2 * PT_PAGE_SIZE);
	w->drain = (char *)w->page + PT_PAGE_SIZE;
	if (p->walker != WALK_VMSPLICE)
		return 0;
	/* Non-blocking both ways: a walker must never sleep in the pipe. */
	if (pipe2(w->pipefd, O_NONBLOCK | O_CLOEXEC)) {
		w->pipefd[0] = w->pipefd[1] = -1;
		pt_task_fail(t, "pipe2: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void walker_fini(struct pt_task *t)
{
	struct walker *w = t->priv;

	if (!w)
		return;
	if (w->pipefd[0] >= 0)
		close(w->pipefd[0]);
	if (w->pipefd[1] >= 0)
		close(w->pipefd[1]);
	if (w->page)
		munmap(w->page, 2 * PT_PAGE_SIZE);
	free(w);
	t->priv = NULL;
}

/*
 * FUTEX_WAKE, not FUTEX_WAKE_PRIVATE: a private futex is keyed by its
 * address alone, a shared one needs get_futex_key() to look the page up
 * with GUP-fast.  Nobody waits, so that walk is all the call does.
 */
static int walk_futex(struct pt_task *t, struct walker *w)
{
	uint32_t *word = w->page;

	if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0) {
		pt_task_fail(t, "futex(FUTEX_WAKE): %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* vmsplice() pins the user page with GUP-fast; reading drains the pipe. */
static int walk_vmsplice(struct pt_task *t, struct walker *w)
{
	struct iovec iov = { .iov_base = w->page, .iov_len = PT_PAGE_SIZE };
	ssize_t n, r;

	n = vmsplice(w->pipefd[1], &iov, 1, SPLICE_F_NONBLOCK);
	if (n <= 0) {
		pt_task_fail(t, "vmsplice: %s", n ? strerror(errno) : "nothing spliced");
		return -1;
	}
	for (ssize_t got = 0; got < n; got += r) {
		r = read(w->pipefd[0], w->drain, (size_t)(n - got));
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0) {
			pt_task_fail(t, "read from the pipe: %s", r ? strerror(errno) : "end of file");
			return -1;
		}
	}
	return 0;
}

static void walker(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct shared *sh = t->run->priv;
	struct walker *w = t->priv;

	/*
	 * Baseline: stay on this CPU, in this mm, and do not walk, so remote
	 * flushes reach this CPU in both phases alike.  No PAUSE in the loop:
	 * in a KVM guest, pause-loop exiting could hand the vCPU back to the
	 * host, and the paravirtual flush skips preempted vCPUs.
	 */
	while (!atomic_load_explicit(&sh->phase, memory_order_relaxed))
		if (!pt_continue(t))
			return;

	t->aux[AUX_PHASE_START] = pt_now_ns();
	while (pt_continue(t)) {
		bool raced = atomic_load_explicit(&sh->unmapping, memory_order_relaxed);
		int ret = p->walker == WALK_VMSPLICE ? walk_vmsplice(t, w) : walk_futex(t, w);

		if (ret)
			break;
		t->aux[AUX_WALKS]++;
		t->aux[AUX_WALKS_RACED] += raced;
	}
	t->aux[AUX_PHASE_END] = pt_now_ns();
}

/* ---- the descriptor's entry points ------------------------------------- */

static int task_init(struct pt_task *t)
{
	struct shared *sh = t->run->priv;

	/* Every task waits at the start barrier after this: no one reads it yet. */
	if (t->id == 0) {
		atomic_store(&sh->phase, 0);
		atomic_store(&sh->unmapping, 0);
	}
	return t->role == PT_TIMED ? unmapper_init(t) : walker_init(t);
}

static void task(struct pt_task *t)
{
	if (t->role == PT_TIMED)
		unmapper(t);
	else
		walker(t);
}

static void task_fini(struct pt_task *t)
{
	if (t->role == PT_TIMED)
		unmapper_fini(t);
	else
		walker_fini(t);
}

/* Median and 99th percentile of one phase's munmaps, all unmappers. */
static void latency_metrics(struct pt_run *run, struct pt_hist *all, int which,
			    const char *p50, const char *p99)
{
	const struct params *p = run->params;

	pt_hist_reset(all);
	for (unsigned i = 0; i < p->unmappers; i++)
		pt_hist_merge(all, &run->tasks[i].hist[which]);
	if (!all->count) {
		pt_warn(run, "repetition %u: no munmap in the %s phase", run->rep + 1,
			which == HIST_WALK ? "walker" : "baseline");
		return;
	}
	pt_metric(run, p50, "ns", PT_LOWER, pt_hist_quantile(all, 0.50));
	pt_metric(run, p99, "ns", PT_LOWER, pt_hist_quantile(all, 0.99));
}

/* Warn once when a walker shares its CPU with an unmapper. */
static void check_placement(struct pt_run *run, struct shared *sh)
{
	const struct params *p = run->params;

	if (sh->warned_placement)
		return;
	for (unsigned w = (unsigned)p->unmappers; w < run->ntasks; w++) {
		for (unsigned u = 0; u < p->unmappers; u++) {
			if (run->tasks[w].cpu < 0 || run->tasks[w].cpu != run->tasks[u].cpu)
				continue;
			pt_warn(run, "walker task %u shares CPU %d with unmapper task %u: the phases are not comparable",
				w, run->tasks[w].cpu, u);
			sh->warned_placement = true;
			return;
		}
	}
}

/* Record this repetition for the walkers-concurrent check. */
static void account(struct pt_run *run, struct shared *sh, uint64_t walks,
		    uint64_t raced, uint64_t base, uint64_t walk)
{
	bool first = !sh->reps++;

	if (first || walks < sh->min_walks)
		sh->min_walks = walks;
	if (first || raced < sh->min_raced)
		sh->min_raced = raced;
	if (first || base < sh->min_base)
		sh->min_base = base;
	if (first || walk < sh->min_walk)
		sh->min_walk = walk;
	if (walks && base && walk)
		return;
	if (!sh->bad_reps++) {
		sh->bad_rep = run->rep + 1;
		sh->bad_walks = walks;
		sh->bad_base = base;
		sh->bad_walk = walk;
	}
}

static void report(struct pt_run *run)
{
	const struct params *p = run->params;
	struct shared *sh = run->priv;
	uint64_t base = 0, walk = 0, walks = 0, raced = 0;
	double rate = 0, v;
	struct pt_hist *all;

	check_placement(run, sh);
	all = malloc(sizeof(*all));
	if (all) {
		latency_metrics(run, all, HIST_WALK, "unmap_ns_p50", "unmap_ns_p99");
		latency_metrics(run, all, HIST_BASE, "unmap_ns_p50_baseline",
				"unmap_ns_p99_baseline");
		free(all);
	} else {
		pt_warn(run, "out of memory: no munmap latency percentiles");
	}
	for (unsigned i = 0; i < run->ntasks; i++) {
		const struct pt_task *t = &run->tasks[i];
		uint64_t start = t->aux[AUX_PHASE_START], end = t->aux[AUX_PHASE_END];

		if (t->role == PT_TIMED) {
			base += t->aux[AUX_UNMAPS_BASE];
			walk += t->aux[AUX_UNMAPS_WALK];
			continue;
		}
		walks += t->aux[AUX_WALKS];
		raced += t->aux[AUX_WALKS_RACED];
		if (start && end > start)
			rate += (double)t->aux[AUX_WALKS] / ((double)(end - start) / 1e9);
	}
	if (p->walkers) {
		pt_metric(run, "walker_ops_per_sec", "walks/s", PT_HIGHER, rate);
		account(run, sh, walks, raced, base, walk);
	}
	if (!pt_counter(run, "interrupts:TLB", &v)) {
		if (!sh->warned_tlb)
			pt_warn(run, "no TLB row in /proc/interrupts: tlb_shootdowns_per_op not reported");
		sh->warned_tlb = true;
	} else if (base + walk) {
		pt_metric(run, "tlb_shootdowns_per_op", "shootdowns", PT_INFO,
			  v / (double)(base + walk));
	}
}

static void finish(struct pt_run *run)
{
	const struct params *p = run->params;
	const struct shared *sh = run->priv;

	if (!p->walkers) {
		pt_check(run, "walkers-concurrent", true, "walkers=0: nothing to check");
		return;
	}
	if (sh->bad_reps) {
		pt_check(run, "walkers-concurrent", false,
			 "%u of %u repetitions lacked a phase; first, repetition %u: %" PRIu64 " walks in the walker phase, munmaps %" PRIu64 " baseline and %" PRIu64 " walker phase",
			 sh->bad_reps, sh->reps, sh->bad_rep, sh->bad_walks,
			 sh->bad_base, sh->bad_walk);
		return;
	}
	pt_check(run, "walkers-concurrent", sh->reps > 0,
		 "%u repetitions; at least %" PRIu64 " walks in the walker phase (%" PRIu64 " begun during a munmap), %" PRIu64 " munmaps baseline and %" PRIu64 " walker phase",
		 sh->reps, sh->min_walks, sh->min_raced, sh->min_base, sh->min_walk);
}

PT_BENCH(gup_fast) = {
	.name = "gup-fast",
	.summary = "munmap latency of freeing PTE tables, with and without GUP-fast walkers",
	.description =
		"The race in the page-table freeing patches. GUP-fast walks the page "
		"tables of the current mm with interrupts disabled and no lock. A PTE "
		"table may be freed only when no such walker can still be reading it: "
		"with IPI TLB flushes the freeing CPU waits until every CPU of the mm "
		"has taken the flush interrupt, which a walker does only when it "
		"re-enables interrupts; where the flush needs no IPI (a paravirtual "
		"flush hypercall, AMD INVLPGB) that wait proves nothing, and tables are "
		"freed after an RCU grace period instead (MMU_GATHER_RCU_TABLE_FREE; on "
		"x86 always since Linux 6.15). GUP-fast only walks "
		"current->mm, so walkers and unmappers here are threads of one process "
		"(threads mode only).\n\n"
		"--unmappers threads each own --tables 2 MiB-aligned slots fenced by "
		"PROT_NONE guard slots. One operation maps the slots, turns THP off, "
		"writes one byte per slot (one PTE table each) and then frees them all "
		"with munmap(), which alone is timed. --walkers threads walk: a "
		"FUTEX_WAKE on a shared futex word nobody waits on (one GUP-fast walk "
		"in get_futex_key() and nothing else), or vmsplice() of one page into a "
		"pipe, read back at once (a GUP-fast pin of the page, then pipe work).\n\n"
		"Each repetition has two halves. In the baseline phase the walkers spin "
		"in user space without walking: they stay on their CPUs in the same mm, "
		"so every munmap flushes their TLBs exactly as in the second half. In "
		"the walker phase they walk. The difference between the two phases is "
		"what concurrent walkers cost the freeing of page tables. Unmapper 0 "
		"switches phases at half the duration (or half of --iterations).\n\n"
		"Metrics: unmap_ns_p50 and unmap_ns_p99 (one munmap of --tables tables "
		"in the walker phase, all unmappers), unmap_ns_p50_baseline and "
		"unmap_ns_p99_baseline (the same in the baseline phase), "
		"walker_ops_per_sec (walks per second in the walker phase, summed over "
		"walkers: how much the unmapping slows the walkers), "
		"tlb_shootdowns_per_op (the TLB row of /proc/interrupts, all CPUs, over "
		"both phases, per munmap; it counts flushes taken by interrupt, so a "
		"paravirtual flush deferred for a preempted vCPU is not in it). Put the "
		"walkers on CPUs of their own (the default placement does when there "
		"are enough CPUs); --walkers 0 "
		"is the control run.\n\n"
		"Self-check walkers-concurrent: in every repetition the walkers walked "
		"in the walker phase, and munmaps happened in both phases; the detail "
		"also counts the walks begun while a munmap was in progress.",
	.opts = opts,
	.params_size = sizeof(struct params),
	.flags = PT_THREADS_ONLY,
	.validate = validate,
	.ntasks = ntasks,
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
