// SPDX-License-Identifier: GPL-2.0
/*
 * gup-fast: lockless page-table walkers (GUP-fast) in some threads while
 * other threads of the same process build and free PTE tables.
 *
 * This is the race that decides how page tables may be freed: GUP-fast
 * walks current->mm with interrupts disabled and no lock, so a table must
 * not be freed while a walker may still be reading it.  With IPI TLB
 * flushes the freeing CPU waits for every walker to take the flush IPI,
 * whether the table is then freed at once or after an RCU grace period:
 * on IPI-flush x86 both free paths wait for the walkers alike.  Where the
 * flush needs no IPI (a paravirtual flush, INVLPGB) only RCU table free
 * keeps the walker safe, and the freeing CPU does not wait.  Either way
 * the cost lands on munmap(), which is what the unmappers time, in phases
 * with the walkers idle (baseline) and walking, alternated.
 *
 * Tasks 0..unmappers-1 are the unmappers (timed), the rest the walkers
 * (helpers).  Each repetition is split into 2 x --pairs phases, baseline
 * and walker alternately (ABAB...), so that a drift of the machine over
 * the repetition falls on both kinds alike; unmapper 0 switches phases.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <math.h>
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
	uint64_t walker_pages;
	uint64_t unmappers;
	uint64_t tables;
	uint64_t pairs;
};

/* Phases are bits of a uint64_t (AUX_PHASES): at most 64 of them. */
#define MAX_PAIRS	32
/* Where a vmsplice walker reads its pipe back into: the pipe's default size. */
#define DRAIN_PAGES	16

static const struct pt_opt opts[] = {
	{ "walkers", PT_OPT_UINT, "1", NULL,
	  "Walker threads. 0 runs both kinds of phase without walkers: a control "
	  "that shows how far the two differ by chance.",
	  offsetof(struct params, walkers), 0, 1024 },
	{ "walker", PT_OPT_ENUM, "futex", "futex|vmsplice",
	  "How a walker walks: FUTEX_WAKE on a shared (not private) futex nobody "
	  "waits on, which is one GUP-fast walk of one page and nothing else; or "
	  "vmsplice(2) of --walker-pages pages into a pipe, read back out at once: "
	  "the kernel pins the pages with GUP-fast, up to 16 pages per walk with "
	  "interrupts disabled, so more pages make a heavier walker.",
	  offsetof(struct params, walker), 0, 0 },
	{ "walker-pages", PT_OPT_UINT, "1", NULL,
	  "Pages one vmsplice walker splices per walk (--walker vmsplice only): "
	  "its own, present before the run. Above 16 the pipe is enlarged "
	  "(F_SETPIPE_SZ) where the limit allows; otherwise one walk takes several "
	  "vmsplice calls.",
	  offsetof(struct params, walker_pages), 1, 4096 },
	{ "unmappers", PT_OPT_UINT, "1", NULL,
	  "Unmapper threads, each with its own 2 MiB-aligned slots.",
	  offsetof(struct params, unmappers), 1, 1024 },
	{ "tables", PT_OPT_UINT, "16", NULL,
	  "PTE tables each unmapper builds (one byte written per 2 MiB slot) and "
	  "frees with one munmap().",
	  offsetof(struct params, tables), 1, 4096 },
	{ "pairs", PT_OPT_UINT, "4", NULL,
	  "Baseline and walker phase pairs per repetition: the phases alternate, "
	  "baseline first, each 1/(2 x pairs) of the duration (or of --iterations).",
	  offsetof(struct params, pairs), 1, MAX_PAIRS },
	{ NULL },
};

/* Per-task counters in t->aux[] */
enum {
	AUX_UNMAPS_BASE,	/* unmapper: munmaps in baseline phases */
	AUX_UNMAPS_WALK,	/* unmapper: munmaps in walker phases */
	AUX_PHASES,		/* both: bit k set if it unmapped / walked in phase k */
	AUX_WALKS,		/* walker: walks in walker phases */
	AUX_WALKS_RACED,	/* walker: of those, begun while a munmap ran */
	AUX_WALK_PAGES,		/* walker: pages those walks walked */
	AUX_WALK_NS,		/* walker: time spent in walker phases */
};

/* Histograms in t->hist[]: both accumulate over all phases of their kind. */
enum { HIST_BASE, HIST_WALK };

/* Shared by all tasks; each hot word on its own cache line. */
struct shared {
	_Alignas(64) atomic_int phase;		/* even: baseline, odd: walkers walk */
	_Alignas(64) atomic_uint unmapping;	/* unmappers inside munmap() */
	_Alignas(64) bool warned_tlb;
	bool warned_placement;
	bool warned_pipe;
	/* For the walkers-concurrent check, over the measured repetitions. */
	unsigned reps, bad_reps;
	unsigned bad_rep;			/* the first failing one, 1-based */
	unsigned bad_base, bad_walk, bad_walked; /* its phases with munmaps, walks */
	unsigned min_phases_base, min_phases_walk;
	uint64_t min_walks, min_raced, min_base, min_walk;
};

struct unmapper {
	void *base;		/* the reservation, guards included */
	size_t len;
	char *start;		/* first slot */
	bool held;		/* the slots hold our placeholder or mapping */
};

struct walker {
	char *page;		/* futex word, or the first page vmspliced */
	size_t npages;		/* pages walked per walk */
	char *drain;		/* where the pipe is read back into */
	size_t size;		/* of the mapping: npages + DRAIN_PAGES pages */
	int pipefd[2];
};

/* ---- QEMU TCG ----------------------------------------------------------- */

/*
 * Single-threaded QEMU TCG runs every vCPU on one host thread, and a vCPU
 * gives it up on PAUSE, not in a busy loop or a loop of system calls: a
 * walker that has taken the flush IPI keeps the thread until the next
 * tick, and the munmap waits that long (~140x the native figure).  The
 * walkers execute PAUSE under TCG only: on hardware, and in a KVM guest
 * with pause-loop exiting (the paravirtual flush skips preempted vCPUs),
 * it would change what is measured.
 */
static bool tcg;

static inline void tcg_relax(void)
{
	if (tcg)
		pt_cpu_pause();
}

/* ---- set-up ------------------------------------------------------------- */

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

static unsigned nphases(const struct params *p)
{
	return (unsigned)(2 * p->pairs);
}

static int validate(struct pt_run *run)
{
	const struct params *p = run->params;

	if (run->iterations && run->iterations < nphases(p)) {
		pt_error(run, "--iterations must be at least 2 x --pairs (%u): every phase needs a munmap",
			 nphases(p));
		return -1;
	}
	if (p->walker != WALK_VMSPLICE && p->walker_pages != 1) {
		pt_error(run, "--walker-pages is for --walker vmsplice: a futex walk is one page");
		return -1;
	}
	return 0;
}

static size_t walker_pages(const struct params *p)
{
	return p->walker == WALK_VMSPLICE ? (size_t)p->walker_pages : 1;
}

static uint64_t mem_needed(const struct pt_run *run)
{
	const struct params *p = run->params;

	/* Per unmapper: one page and one PTE table per slot; 1 MiB to spare. */
	return p->unmappers * p->tables * 2 * PT_PAGE_SIZE +
	       p->walkers * (walker_pages(p) + DRAIN_PAGES) * PT_PAGE_SIZE + (1 << 20);
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
	tcg = pt_under_tcg();
	if (tcg)
		pt_warn(run, "QEMU TCG: the walkers execute PAUSE, so that single-threaded TCG runs the unmappers' vCPUs; not comparable with hardware");
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

	if (!u)
		return;
	if (u->start)
		pt_release_slots(u->base, u->len, u->start, span(p), u->held);
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

/*
 * The phase due now: phase k of 2 x --pairs begins after k shares of the
 * duration (or of --iterations, counted in unmapper 0's munmaps).
 */
static int phase_due(const struct pt_task *t, uint64_t begin, uint64_t now)
{
	const struct pt_run *run = t->run;
	unsigned n = nphases(run->params);
	uint64_t k;

	if (run->iterations)
		k = t->ops * n / run->iterations;
	else
		k = run->duration_ns ? (now - begin) * n / run->duration_ns : 0;
	return (int)(k < n ? k : n - 1);
}

/* One munmap of the slots, timed, counted against the phase it began in. */
static int unmap_once(struct pt_task *t, struct shared *sh, struct unmapper *u)
{
	size_t len = span(t->run->params);
	uint64_t t0, t1;
	int phase, ret, walk;

	if (build(t, u))
		return -1;
	phase = atomic_load_explicit(&sh->phase, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->unmapping, 1, memory_order_relaxed);
	t0 = pt_now_ns();
	ret = munmap(u->start, len);
	t1 = pt_now_ns();
	atomic_fetch_sub_explicit(&sh->unmapping, 1, memory_order_relaxed);
	u->held = ret != 0;
	if (ret) {
		pt_task_fail(t, "munmap: %s", strerror(errno));
		return -1;
	}
	if (hold_slots(t, u))
		return -1;
	walk = phase & 1;
	pt_hist_add(&t->hist[walk ? HIST_WALK : HIST_BASE], t1 - t0);
	t->aux[walk ? AUX_UNMAPS_WALK : AUX_UNMAPS_BASE]++;
	t->aux[AUX_PHASES] |= 1ull << phase;
	t->ops++;
	return 0;
}

static void unmapper(struct pt_task *t)
{
	struct shared *sh = t->run->priv;
	struct unmapper *u = t->priv;
	uint64_t begin = pt_now_ns();
	int due;

	while (pt_continue(t)) {
		if (unmap_once(t, sh, u))
			return;
		if (t->id)
			continue;
		due = phase_due(t, begin, pt_now_ns());
		if (due != atomic_load_explicit(&sh->phase, memory_order_relaxed))
			atomic_store_explicit(&sh->phase, due, memory_order_relaxed);
	}
}

/* ---- walkers ----------------------------------------------------------- */

/* vmsplice: a pipe that takes a whole walk where the limit allows. */
static int walker_pipe(struct pt_task *t, struct walker *w)
{
	size_t want = w->npages * PT_PAGE_SIZE;

	/* Non-blocking both ways: a walker must never sleep in the pipe. */
	if (pipe2(w->pipefd, O_NONBLOCK | O_CLOEXEC)) {
		w->pipefd[0] = w->pipefd[1] = -1;
		pt_task_fail(t, "pipe2: %s", strerror(errno));
		return -1;
	}
	/*
	 * Above fs.pipe-max-size (1 MiB by default) an unprivileged process
	 * gets EPERM: the walk then takes several vmsplice calls, which is
	 * fine, since what is counted is the pages walked.
	 */
	if (w->npages > DRAIN_PAGES)
		fcntl(w->pipefd[1], F_SETPIPE_SZ, (int)want);
	return 0;
}

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
	w->npages = walker_pages(p);
	w->size = (w->npages + DRAIN_PAGES) * PT_PAGE_SIZE;
	/* Private anonymous pages of this mm, present before the first walk. */
	w->page = mmap(NULL, w->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->page == MAP_FAILED) {
		w->page = NULL;
		pt_task_fail(t, "mmap: %s", strerror(errno));
		return -1;
	}
	memset(w->page, 0, w->size);
	w->drain = w->page + w->npages * PT_PAGE_SIZE;
	if (p->walker != WALK_VMSPLICE)
		return 0;
	return walker_pipe(t, w);
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
		munmap(w->page, w->size);
	free(w);
	t->priv = NULL;
}

/*
 * FUTEX_WAKE, not FUTEX_WAKE_PRIVATE: a private futex is keyed by its
 * address alone, a shared one needs get_futex_key() to look the page up
 * with GUP-fast.  Nobody waits, so that walk of one page is all the call
 * does.  Returns the pages walked, or -1.
 */
static long walk_futex(struct pt_task *t, struct walker *w)
{
	uint32_t *word = (uint32_t *)w->page;

	if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0) {
		pt_task_fail(t, "futex(FUTEX_WAKE): %s", strerror(errno));
		return -1;
	}
	return 1;
}

/* Read n bytes back out of the pipe, DRAIN_PAGES at most per read. */
static int drain(struct pt_task *t, struct walker *w, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		size_t want = n - got;

		if (want > DRAIN_PAGES * PT_PAGE_SIZE)
			want = DRAIN_PAGES * PT_PAGE_SIZE;
		r = read(w->pipefd[0], w->drain, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			pt_task_fail(t, "read from the pipe: %s", r ? strerror(errno) : "end of file");
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/*
 * vmsplice() pins the walker's pages with GUP-fast (iov_iter_get_pages,
 * 16 pages per lockless walk); each piece is read back out at once, so
 * the pipe is empty again.  Returns the pages walked, or -1.
 */
static long walk_vmsplice(struct pt_task *t, struct walker *w)
{
	struct iovec iov = { .iov_base = w->page, .iov_len = w->npages * PT_PAGE_SIZE };
	size_t total = 0;
	ssize_t n;

	while (iov.iov_len) {
		n = vmsplice(w->pipefd[1], &iov, 1, SPLICE_F_NONBLOCK);
		if (n <= 0) {
			pt_task_fail(t, "vmsplice: %s", n ? strerror(errno) : "nothing spliced");
			return -1;
		}
		if (drain(t, w, (size_t)n))
			return -1;
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len -= (size_t)n;
		total += (size_t)n;
	}
	return (long)(total / PT_PAGE_SIZE);
}

/*
 * Walk while the phase is odd; in even (baseline) phases stay on this CPU,
 * in this mm, and do not walk, so remote flushes reach this CPU in both
 * kinds of phase alike.  No PAUSE in the loop except under TCG: in a KVM
 * guest, pause-loop exiting could hand the vCPU back to the host, and the
 * paravirtual flush skips preempted vCPUs.  A walk in progress when its
 * phase ends finishes in the baseline phase after it: with the heaviest
 * walkers (--walker-pages 1024: about 1 ms a walk here) that is a few per
 * cent of a phase of a 0.5 s repetition, negligible with the defaults.
 */
static void walker(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct shared *sh = t->run->priv;
	struct walker *w = t->priv;
	uint64_t since = 0;
	long pages;

	while (pt_continue(t)) {
		int phase = atomic_load_explicit(&sh->phase, memory_order_relaxed);
		bool raced;

		if (!(phase & 1)) {
			if (since)
				t->aux[AUX_WALK_NS] += pt_now_ns() - since;
			since = 0;
			tcg_relax();
			continue;
		}
		if (!since)
			since = pt_now_ns();
		raced = atomic_load_explicit(&sh->unmapping, memory_order_relaxed);
		pages = p->walker == WALK_VMSPLICE ? walk_vmsplice(t, w) : walk_futex(t, w);
		if (pages < 0)
			break;
		t->aux[AUX_WALKS]++;
		t->aux[AUX_WALKS_RACED] += raced;
		t->aux[AUX_WALK_PAGES] += (uint64_t)pages;
		t->aux[AUX_PHASES] |= 1ull << phase;
		tcg_relax();
	}
	if (since)
		t->aux[AUX_WALK_NS] += pt_now_ns() - since;
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

/* Phases of each kind in which something happened, from AUX_PHASES bits. */
struct phases {
	unsigned base;		/* baseline phases with munmaps */
	unsigned walk;		/* walker phases with munmaps */
	unsigned walked;	/* walker phases in which walkers walked */
};

static unsigned count_bits(uint64_t mask, uint64_t which)
{
	return (unsigned)__builtin_popcountll(mask & which);
}

static void count_phases(const struct pt_run *run, struct phases *ph)
{
	const struct params *p = run->params;
	/* Odd phases are walker phases: bits 1, 3, 5... of the first 2 x pairs. */
	uint64_t all = nphases(p) >= 64 ? ~0ull : (1ull << nphases(p)) - 1;
	uint64_t odd = all & 0xaaaaaaaaaaaaaaaaull, unmapped = 0, walked = 0;

	for (unsigned i = 0; i < run->ntasks; i++) {
		const struct pt_task *t = &run->tasks[i];

		if (t->role == PT_TIMED)
			unmapped |= t->aux[AUX_PHASES];
		else
			walked |= t->aux[AUX_PHASES];
	}
	ph->base = count_bits(unmapped, all & ~odd);
	ph->walk = count_bits(unmapped, odd);
	ph->walked = count_bits(walked & unmapped, odd);
}

/*
 * Record this repetition for the walkers-concurrent check.  A phase with
 * no munmap at all (the unmapper got no CPU for a whole phase) spoils
 * nothing and shows in phases_baseline/phases_walker; what the check
 * refuses is a walker phase whose munmaps ran without walks, which would
 * count walker-free munmaps as walker ones, or a kind with no munmap.
 */
static void account(struct pt_run *run, struct shared *sh, const uint64_t *sum,
		    const struct phases *ph)
{
	uint64_t walks = sum[AUX_WALKS], raced = sum[AUX_WALKS_RACED];
	uint64_t base = sum[AUX_UNMAPS_BASE], walk = sum[AUX_UNMAPS_WALK];
	bool first = !sh->reps++;

	if (first || walks < sh->min_walks)
		sh->min_walks = walks;
	if (first || raced < sh->min_raced)
		sh->min_raced = raced;
	if (first || base < sh->min_base)
		sh->min_base = base;
	if (first || walk < sh->min_walk)
		sh->min_walk = walk;
	if (first || ph->base < sh->min_phases_base)
		sh->min_phases_base = ph->base;
	if (first || ph->walk < sh->min_phases_walk)
		sh->min_phases_walk = ph->walk;
	if (ph->base && ph->walk && ph->walked == ph->walk)
		return;
	if (!sh->bad_reps++) {
		sh->bad_rep = run->rep + 1;
		sh->bad_base = ph->base;
		sh->bad_walk = ph->walk;
		sh->bad_walked = ph->walked;
	}
}

/* Sums of the aux counters over the tasks of one role. */
static void sum_aux(const struct pt_run *run, uint64_t *sum, double *rate)
{
	memset(sum, 0, PT_TASK_AUX * sizeof(*sum));
	*rate = 0;
	for (unsigned i = 0; i < run->ntasks; i++) {
		const struct pt_task *t = &run->tasks[i];

		for (unsigned k = 0; k < PT_TASK_AUX; k++)
			if (k != AUX_PHASES)
				sum[k] += t->aux[k];
		if (t->role != PT_TIMED && t->aux[AUX_WALK_NS])
			*rate += (double)t->aux[AUX_WALKS] / ((double)t->aux[AUX_WALK_NS] / 1e9);
	}
}

static void report(struct pt_run *run)
{
	const struct params *p = run->params;
	struct shared *sh = run->priv;
	uint64_t sum[PT_TASK_AUX], ops;
	struct phases ph;
	struct pt_hist *all;
	double rate, v;

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
	sum_aux(run, sum, &rate);
	count_phases(run, &ph);
	pt_metric(run, "phases_baseline", "phases", PT_INFO, ph.base);
	pt_metric(run, "phases_walker", "phases", PT_INFO, ph.walk);
	if (p->walkers) {
		pt_metric(run, "walker_ops_per_sec", "walks/s", PT_HIGHER, rate);
		pt_metric(run, "walker_pages_per_walk", "pages", PT_INFO, sum[AUX_WALKS] ?
			  (double)sum[AUX_WALK_PAGES] / (double)sum[AUX_WALKS] : NAN);
		account(run, sh, sum, &ph);
	}
	ops = sum[AUX_UNMAPS_BASE] + sum[AUX_UNMAPS_WALK];
	if (!pt_counter(run, "interrupts:TLB", &v)) {
		if (!sh->warned_tlb)
			pt_warn(run, "no TLB row in /proc/interrupts: tlb_shootdowns_per_op not reported");
		sh->warned_tlb = true;
	} else if (ops) {
		pt_metric(run, "tlb_shootdowns_per_op", "shootdowns", PT_INFO, v / (double)ops);
	}
}

static void finish(struct pt_run *run)
{
	const struct params *p = run->params;
	const struct shared *sh = run->priv;
	unsigned n = (unsigned)p->pairs;

	if (!p->walkers) {
		pt_check(run, "walkers-concurrent", true, "walkers=0: nothing to check");
		return;
	}
	if (sh->bad_reps) {
		pt_check(run, "walkers-concurrent", false,
			 "%u of %u repetitions had a walker phase with munmaps but no walks, or no munmap in one kind of phase; first, repetition %u: munmaps in %u of %u baseline and %u of %u walker phases, walks in %u of those walker phases (a walker that got no CPU for a whole phase: longer phases, by --duration, --iterations or fewer --pairs, make that less likely)",
			 sh->bad_reps, sh->reps, sh->bad_rep, sh->bad_base, n,
			 sh->bad_walk, n, sh->bad_walked);
		return;
	}
	pt_check(run, "walkers-concurrent", sh->reps > 0,
		 "%u repetitions of %u baseline and %u walker phases, alternated: munmaps in at least %u baseline and %u walker phases, walks in every walker phase that had munmaps; per repetition at least %" PRIu64 " walks (%" PRIu64 " begun during a munmap), %" PRIu64 " munmaps in baseline and %" PRIu64 " in walker phases",
		 sh->reps, n, n, sh->min_phases_base, sh->min_phases_walk, sh->min_walks,
		 sh->min_raced, sh->min_base, sh->min_walk);
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
		"What to expect: on x86 with IPI flushes (bare metal, or a guest "
		"without a paravirtual flush) both free paths, direct and RCU, wait for "
		"the walkers, because the flush IPI that precedes the free waits for "
		"every interrupts-disabled walker; the RCU path only moves the free "
		"itself later. The walker effect expected there is therefore the same "
		"on both paths, and a difference between two such kernels is null. It "
		"can differ only where the flush does not interrupt the walkers (a "
		"paravirtual flush, INVLPGB).\n\n"
		"--unmappers threads each own --tables 2 MiB-aligned slots fenced by "
		"PROT_NONE guard slots. One operation maps the slots, turns THP off, "
		"writes one byte per slot (one PTE table each) and then frees them all "
		"with munmap(), which alone is timed. --walkers threads walk: a "
		"FUTEX_WAKE on a shared futex word nobody waits on (one GUP-fast walk "
		"of one page in get_futex_key() and nothing else), or vmsplice() of "
		"--walker-pages pages into a pipe, read back at once (GUP-fast pins "
		"the pages, up to 16 per walk with interrupts disabled, then pipe "
		"work): the heavier walker, whose interrupts-disabled stretches the "
		"flush IPI has to wait out are longer.\n\n"
		"Each repetition is split into 2 x --pairs phases of equal length "
		"(default 4 pairs), alternately baseline and walker phases, baseline "
		"first (ABAB...). In a baseline phase the walkers spin in user space "
		"without walking: they stay on their CPUs in the same mm, so every "
		"munmap flushes their TLBs exactly as in a walker phase. In a walker "
		"phase they walk. Alternating short phases, rather than one baseline "
		"half and one walker half, lets a drift of the machine over the "
		"repetition fall on both kinds alike. The munmaps of all phases of a "
		"kind go into one histogram. The difference between the two is what "
		"concurrent walkers cost the freeing of page tables. Unmapper 0 "
		"switches phases by time (or by its share of --iterations).\n\n"
		"Metrics: unmap_ns_p50 and unmap_ns_p99 (one munmap of --tables tables "
		"in the walker phases, all unmappers), unmap_ns_p50_baseline and "
		"unmap_ns_p99_baseline (the same in the baseline phases), "
		"phases_baseline and phases_walker (phases of each kind that had "
		"munmaps: --pairs each when all went well), "
		"walker_ops_per_sec (walks per second in the walker phases, summed over "
		"walkers: how much the unmapping slows the walkers), "
		"walker_pages_per_walk (pages one walk walked: 1 for futex, the pages "
		"vmsplice accepted for vmsplice), "
		"tlb_shootdowns_per_op (the TLB row of /proc/interrupts, all CPUs, over "
		"both kinds of phase, per munmap; it counts flushes taken by interrupt, so a "
		"paravirtual flush deferred for a preempted vCPU is not in it). Put the "
		"walkers on CPUs of their own (the default placement does when there "
		"are enough CPUs); --walkers 0 "
		"is the control run.\n\n"
		"Self-check walkers-concurrent: in every repetition both kinds of phase "
		"had munmaps, and the walkers walked in every walker phase that had "
		"munmaps (a phase with no munmap, when the unmapper got no CPU for "
		"that long, shows in phases_baseline or phases_walker); the detail "
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
