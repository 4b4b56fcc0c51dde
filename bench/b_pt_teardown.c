// SPDX-License-Identifier: GPL-2.0
/*
 * pt-teardown: build N PTE tables, then free them by munmap, MADV_DONTNEED,
 * an mremap shrink or an mremap move, and time only that call.  VmPTE
 * proves how many tables each operation built and freed.
 *
 * Layout: the N 2 MiB slots are 2 MiB-aligned and fenced by PROT_NONE guard
 * slots (pt_reserve_slots()), so no other VMA shares their page tables and
 * free_pgtables() may free every one of them.  The move modes reserve a
 * second range, the destination, behind one more guard slot.
 *
 * Ownership: between operations a PROT_NONE placeholder holds every range
 * of the reservation, so no mmap(NULL) of another thread (a new malloc
 * arena, a thread stack) lands there.  Mapping over a placeholder uses
 * MAP_FIXED, which replaces it atomically.  Only the freeing call itself
 * leaves a hole (munmap, the shrink, the source of a move: that is what is
 * measured), and the placeholder goes back with MAP_FIXED_NOREPLACE right
 * after it.  If that fails, another mapping sits in the hole: the range is
 * recorded as lost and task_fini() unmaps everything but it.  Unmapping the
 * whole reservation there once unmapped a helper thread's malloc arena,
 * which then died of SIGSEGV at thread exit.  And the harness runs no
 * task_init() before every task has made its malloc arena (and its stack
 * exists), which removes the mmaps that were known to land there.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ptbench.h"

enum via { VIA_MUNMAP, VIA_DONTNEED, VIA_MREMAP, VIA_MOVE, VIA_MOVE_UNALIGNED };

struct params {
	uint64_t tables;
	int via;
};

static const struct pt_opt opts[] = {
	{ "tables", PT_OPT_UINT, "64", NULL,
	  "PTE tables built (one byte written per 2 MiB slot) and freed per operation.",
	  offsetof(struct params, tables), 1, 65536 },
	{ "via", PT_OPT_ENUM, "munmap",
	  "munmap|dontneed|mremap|mremap-move|mremap-move-unaligned",
	  "How the tables are freed. munmap: munmap(2) of the region. dontneed: "
	  "madvise(MADV_DONTNEED) over it, which frees empty tables only with "
	  "CONFIG_PT_RECLAIM (Linux 6.14+). mremap: mremap(2) shrinks a mapping of "
	  "one page plus the slots back to that page, which unmaps the slots: the "
	  "munmap path again, entered through mremap. mremap-move: "
	  "mremap(MREMAP_MAYMOVE|MREMAP_FIXED) moves the region to a second "
	  "PMD-aligned range of the same size; move_normal_pmd() moves whole PTE "
	  "tables, so none is freed, and the next operation moves them back. "
	  "mremap-move-unaligned: the same move to one page past a PMD boundary: "
	  "the kernel copies the PTEs into new tables at the destination and frees "
	  "the region's own tables.",
	  offsetof(struct params, via), 0, 0 },
	{ NULL },
};

/* Per-task counters in t->aux[] */
enum { AUX_BUILT, AUX_FREED, AUX_FREE_NS, AUX_SHORT, AUX_DEST };

/* A range of the reservation this task no longer knows it owns. */
struct range {
	char *at;
	size_t len;
};

#define MAX_LOST	2

struct region {
	void *base;		/* the reservation, guards included */
	size_t len;
	char *src;		/* the slots the next freeing call frees or moves */
	char *dst;		/* move modes: where the move puts them */
	char *stub;		/* mremap: the page kept below the slots */
	char *dst_range;	/* mremap-move-unaligned: the destination's slots */
	size_t dst_len;
	bool src_built;		/* mremap-move: the tables moved last are at src */
	uint64_t left;		/* tables the last operation did not free */
	struct range lost[MAX_LOST];
	unsigned nlost;
	bool lost_all;		/* more unknown ranges than lost[] holds */
};

/* What VmPTE says about one operation, in tables of 4 KiB. */
struct op {
	uint64_t ns;		/* the freeing call */
	uint64_t built;		/* by the untimed build step */
	uint64_t freed;		/* gone once the placeholders are back */
	uint64_t dest;		/* built by the freeing call at its destination */
};

/* The run's, in run->priv */
struct state {
	uint64_t ops, built, freed, short_ops;	/* totals over repetitions */
};

static volatile char hot_page[4096] __attribute__((aligned(4096)));

/* PTBENCH_TEST_INTRUDE=N: tests/pt-teardown-intrude.sh, see test_intrude() */
static unsigned long intrude_at;
static unsigned long holes_seen;
static char *intruder;

static const char *via_name(int via)
{
	static const char *const names[] = {
		"munmap", "dontneed", "mremap", "mremap-move", "mremap-move-unaligned",
	};

	return names[via];
}

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
	uint64_t pages = p->tables * 2;		/* one page and one table per slot */

	/* The unaligned move's destination tables exist while it is mapped. */
	if (p->via == VIA_MOVE_UNALIGNED)
		pages += p->tables + 1;
	return pages * PT_PAGE_SIZE;
}

/* Slots to reserve: the region, and for the moves a guard slot and the destination. */
static size_t slots_needed(const struct params *p)
{
	switch (p->via) {
	case VIA_MOVE:
		return 2 * p->tables + 1;
	case VIA_MOVE_UNALIGNED:
		return 2 * p->tables + 2;	/* the destination has one slot more */
	}
	return p->tables;
}

/* ---- what this task owns ---------------------------------------------- */

/*
 * A failed call may have left [at, at + len) unmapped, or another mapping
 * may sit there now: this task no longer knows it owns the range, and
 * task_fini() leaves it alone.
 */
static void lose(struct region *r, char *at, size_t len)
{
	if (r->nlost == MAX_LOST) {
		r->lost_all = true;
		return;
	}
	r->lost[r->nlost].at = at;
	r->lost[r->nlost].len = len;
	r->nlost++;
}

/* Unmap the reservation, all but the lost ranges. */
static void unmap_owned(struct region *r)
{
	char *pos = r->base, *end = (char *)r->base + r->len;
	struct range *lo = r->lost, tmp;

	if (r->lost_all)
		return;
	if (r->nlost == 2 && lo[1].at < lo[0].at) {
		tmp = lo[0];
		lo[0] = lo[1];
		lo[1] = tmp;
	}
	for (unsigned i = 0; i < r->nlost; i++) {
		if (lo[i].at > pos)
			munmap(pos, (size_t)(lo[i].at - pos));
		if (lo[i].at + lo[i].len > pos)
			pos = lo[i].at + lo[i].len;
	}
	if (end > pos)
		munmap(pos, (size_t)(end - pos));
}

#define INTRUDER_MARK	"pt-teardown test intruder"

/*
 * The test hook's page must have outlived the task: read it back at exit
 * with process_vm_readv(), which fails with EFAULT where a plain read
 * would die of SIGSEGV.
 */
static void check_intruder(void)
{
	char buf[sizeof(INTRUDER_MARK)];
	struct iovec local = { buf, sizeof(buf) };
	struct iovec remote = { intruder, sizeof(buf) };
	const char *state = "is intact";

	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)sizeof(buf))
		state = "is gone";
	else if (memcmp(buf, INTRUDER_MARK, sizeof(buf)))
		state = "was replaced";
	fprintf(stderr, "ptbench: test: the page put into the hole at %p %s\n",
		(void *)intruder, state);
}

/*
 * Test hook, PTBENCH_TEST_INTRUDE=N (tests/pt-teardown-intrude.sh): in the
 * Nth hole a freeing call leaves, map a page before the placeholder goes
 * back, as a new malloc arena or thread stack of another thread could.
 * Only the timed task counts holes, and repetitions run one after the
 * other, so the counter needs no lock.
 */
static void test_intrude(char *hole, size_t len)
{
	char *at = hole + (len / 2 & ~(PT_PAGE_SIZE - 1));

	if (!intrude_at || ++holes_seen != intrude_at)
		return;
	if (mmap(at, PT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != at) {
		fprintf(stderr, "ptbench: test: cannot map a page at %p: %s\n",
			(void *)at, strerror(errno));
		return;
	}
	memcpy(at, INTRUDER_MARK, sizeof(INTRUDER_MARK));
	intruder = at;
	atexit(check_intruder);
	fprintf(stderr, "ptbench: test: mapped a page at %p, in the hole %p-%p\n",
		(void *)at, (void *)hole, (void *)(hole + len));
}

static int map_slots(struct pt_task *t, struct region *r, char *at, size_t len)
{
	if (!pt_slots_map(at, len))
		return 0;
	/* MAP_FIXED may have removed the placeholder before it failed. */
	lose(r, at, len);
	pt_task_fail(t, "mapping %zu bytes at %p: %s", len, (void *)at, strerror(errno));
	return -1;
}

/* The placeholder back over the hole a freeing call left. */
static int hold(struct pt_task *t, struct region *r, char *at, size_t len)
{
	test_intrude(at, len);
	if (!pt_slots_hold(at, len))
		return 0;
	lose(r, at, len);
	pt_task_fail(t, "re-reserving %zu bytes at %p after freeing: %s%s", len, (void *)at,
		     strerror(errno), errno == EEXIST ?
		     " (another mapping took the range while it was free; it is left alone)" : "");
	return -1;
}

/* ---- one operation ------------------------------------------------------ */

/* Build the tables: map the slots over the placeholder, then write. */
static int build(struct pt_task *t, struct region *r)
{
	const struct params *p = t->run->params;
	size_t len = span(p);

	switch (p->via) {
	case VIA_MUNMAP:
	case VIA_MOVE_UNALIGNED:
		if (map_slots(t, r, r->src, len))
			return -1;
		break;
	case VIA_MREMAP:
		/*
		 * The stub and the slots as one VMA, over the stub and the
		 * placeholder at once.  Growing the stub in place instead
		 * needs the slots unmapped first: a hole another thread's
		 * mmap could take.
		 */
		if (map_slots(t, r, r->stub, PT_PAGE_SIZE + len))
			return -1;
		break;
	case VIA_MOVE:
		/* After the first move, the moved tables are the ones to move. */
		if (!r->src_built && map_slots(t, r, r->src, len))
			return -1;
		break;
	case VIA_DONTNEED:
		break;			/* one lasting mapping */
	}
	pt_slots_touch(r->src, len);
	return 0;
}

/* The timed call. */
static int free_tables(struct pt_task *t, struct region *r)
{
	const struct params *p = t->run->params;
	size_t len = span(p);
	int ret = 0;

	switch (p->via) {
	case VIA_MUNMAP:
		ret = munmap(r->src, len);
		break;
	case VIA_DONTNEED:
		ret = madvise(r->src, len, MADV_DONTNEED);
		break;
	case VIA_MREMAP:
		ret = mremap(r->stub, PT_PAGE_SIZE + len, PT_PAGE_SIZE, 0) == r->stub ? 0 : -1;
		break;
	case VIA_MOVE:
	case VIA_MOVE_UNALIGNED:
		ret = mremap(r->src, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			     r->dst) == r->dst ? 0 : -1;
		break;
	}
	if (!ret)
		return 0;
	pt_task_fail(t, "freeing the tables via %s: %s", via_name(p->via), strerror(errno));
	if (p->via != VIA_DONTNEED)
		lose(r, r->src, len);
	if (p->via == VIA_MOVE || p->via == VIA_MOVE_UNALIGNED)
		lose(r, r->dst, len);	/* MREMAP_FIXED unmaps it first */
	return -1;
}

/*
 * Right after the timed call: the placeholder back over the hole it left,
 * before anything else runs in this task.  mremap-move then swaps the two
 * ranges: the tables it moved are the next operation's.
 */
static int close_hole(struct pt_task *t, struct region *r)
{
	const struct params *p = t->run->params;
	char *moved = r->src;

	if (p->via == VIA_DONTNEED)
		return 0;		/* madvise leaves the mapping */
	if (hold(t, r, r->src, span(p)))
		return -1;
	if (p->via == VIA_MOVE) {
		r->src = r->dst;
		r->dst = moved;
		r->src_built = true;
	}
	return 0;
}

/*
 * mremap-move-unaligned, untimed: the placeholder back over the whole
 * destination range (MAP_FIXED over this task's own mappings, no hole),
 * which frees the tables the move built there.
 */
static int put_back(struct pt_task *t, struct region *r)
{
	if (!r->dst_range)
		return 0;
	if (mmap(r->dst_range, r->dst_len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		 -1, 0) == r->dst_range)
		return 0;
	lose(r, r->dst_range, r->dst_len);
	pt_task_fail(t, "putting the placeholder back over the destination: %s",
		     strerror(errno));
	return -1;
}

/* Tables of 4 KiB in a VmPTE difference; none if it is not positive. */
static uint64_t tables_of(long kb)
{
	return kb > 0 ? (uint64_t)kb / 4 : 0;
}

/*
 * Build, time the freeing call, put the placeholders back; VmPTE before
 * the build (v0), after it (v1), after the call (v2), after the put-back
 * (v3).  VmPTE is one number, so each difference is net: an unaligned move
 * builds tables at the destination (v2 - v3, freed by the put-back) while
 * it frees the region's, so what the call freed is v1 - v3.
 */
static int operate(struct pt_task *t, struct region *r, struct op *o)
{
	long v0, v1, v2, v3;
	uint64_t t0, t1;

	v0 = pt_vmpte_kb();
	if (build(t, r))
		return -1;
	v1 = pt_vmpte_kb();
	t0 = pt_now_ns();
	if (free_tables(t, r))
		return -1;
	t1 = pt_now_ns();
	if (close_hole(t, r))
		return -1;
	v2 = pt_vmpte_kb();
	if (put_back(t, r))
		return -1;
	v3 = r->dst_range ? pt_vmpte_kb() : v2;
	if (v0 < 0 || v1 < 0 || v2 < 0 || v3 < 0) {
		pt_task_fail(t, "cannot read VmPTE from /proc/self/status");
		return -1;
	}
	o->ns = t1 - t0;
	o->built = tables_of(v1 - v0);
	o->freed = tables_of(v1 - v3);
	o->dest = tables_of(v2 - v3);
	return 0;
}

/* ---- tasks -------------------------------------------------------------- */

static int region_init(struct pt_task *t, struct region *r)
{
	const struct params *p = t->run->params;
	size_t len = span(p);

	r->src = pt_reserve_slots(slots_needed(p), &r->base, &r->len);
	if (!r->src) {
		pt_task_fail(t, "cannot reserve %zu slots: %s", slots_needed(p),
			     strerror(errno));
		return -1;
	}
	switch (p->via) {
	case VIA_DONTNEED:
		return map_slots(t, r, r->src, len);
	case VIA_MREMAP:
		/* The last page of the lower guard slot: no slot's table. */
		r->stub = r->src - PT_PAGE_SIZE;
		break;
	case VIA_MOVE:
		r->dst = r->src + len + PT_PMD_SIZE;	/* past one guard slot */
		break;
	case VIA_MOVE_UNALIGNED:
		r->dst_range = r->src + len + PT_PMD_SIZE;
		r->dst_len = len + PT_PMD_SIZE;
		r->dst = r->dst_range + PT_PAGE_SIZE;
		break;
	}
	return 0;
}

static int task_init(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct region *r;
	struct op o;

	if (t->role != PT_TIMED)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	t->priv = r;
	if (region_init(t, r))
		return -1;
	/*
	 * Untimed operations first, so upper-level tables (and a sanitizer's
	 * shadow tables) exist before measuring: two for mremap-move, whose
	 * second range is written only by the second.  The PTE tables they do
	 * not free (all of them when the kernel frees none, or moves them)
	 * stay for the next build: after a build the region has all its
	 * tables, so what stays is what was asked for less what was freed.
	 */
	for (int i = 0; i < (p->via == VIA_MOVE ? 2 : 1); i++) {
		if (operate(t, r, &o))
			return -1;
		r->left = p->tables > o.freed ? p->tables - o.freed : 0;
	}
	return 0;
}

static void task_fini(struct pt_task *t)
{
	struct region *r = t->priv;

	if (!r)
		return;
	if (r->base)
		unmap_owned(r);
	free(r);
	t->priv = NULL;
}

/* Helpers keep the mm live on their CPUs, so every flush is remote too. */
/*
 * Under QEMU TCG only, the spinners execute PAUSE: single-threaded TCG runs
 * every vCPU on one host thread and gives it up on PAUSE, not in a busy
 * loop, so without it each remote flush waits for the next tick (about
 * 100x native per table, against 10x for local work).  Elsewhere a PAUSE
 * would change what is measured.
 */
static bool tcg;

static void spin(struct pt_task *t)
{
	while (pt_continue(t)) {
		(void)hot_page[t->id % 64 * 64];
		if (tcg)
			pt_cpu_pause();
	}
}

static void task(struct pt_task *t)
{
	const struct params *p = t->run->params;
	struct region *r = t->priv;
	struct op o;

	if (t->role != PT_TIMED)
		return spin(t);
	while (pt_continue(t)) {
		if (operate(t, r, &o))
			return;
		/*
		 * A kernel that does not free the tables (MADV_DONTNEED without
		 * CONFIG_PT_RECLAIM), or moves them (mremap-move), leaves them
		 * for the next build, which then builds none: the tables asked
		 * for are those built now plus those left from the operation
		 * before.
		 */
		t->aux[AUX_BUILT] += o.built;
		t->aux[AUX_FREED] += o.freed;
		t->aux[AUX_DEST] += o.dest;
		t->aux[AUX_SHORT] += o.built + r->left != p->tables;
		r->left = p->tables > o.freed ? p->tables - o.freed : 0;
		t->aux[AUX_FREE_NS] += o.ns;
		pt_hist_add(&t->hist[0], o.ns);
		t->ops++;
	}
}

/* ---- results ------------------------------------------------------------ */

/* One freeing call's latency at quantile q, in microseconds. */
static double quantile_us(const struct pt_task *t, double q)
{
	return pt_hist_quantile(&t->hist[0], q) / 1e3;
}

static void report(struct pt_run *run)
{
	const struct params *p = run->params;
	struct pt_task *t = &run->tasks[0];
	struct state *tot = run->priv;
	double ops = (double)t->ops, ns = (double)t->aux[AUX_FREE_NS], v;

	if (!t->ops) {
		pt_warn(run, "repetition %u completed no operation", run->rep + 1);
		return;
	}
	/* Per table asked for, freed or not: comparable across kernels. */
	pt_metric(run, "ns_per_table", "ns", PT_LOWER, ns / ops / (double)p->tables);
	/* Per table VmPTE saw freed; none freed is no sample (NAN: null). */
	pt_metric(run, "ns_per_freed_table", "ns", PT_LOWER,
		  t->aux[AUX_FREED] ? ns / (double)t->aux[AUX_FREED] : NAN);
	pt_metric(run, "free_us_p50", "us", PT_LOWER, quantile_us(t, 0.5));
	pt_metric(run, "free_us_p99", "us", PT_LOWER, quantile_us(t, 0.99));
	pt_metric(run, "free_us_p999", "us", PT_LOWER, quantile_us(t, 0.999));
	pt_metric(run, "tables_built", "tables", PT_INFO, (double)t->aux[AUX_BUILT] / ops);
	pt_metric(run, "tables_freed", "tables", PT_INFO, (double)t->aux[AUX_FREED] / ops);
	if (p->via == VIA_MOVE_UNALIGNED)
		pt_metric(run, "dest_tables_built", "tables", PT_INFO,
			  (double)t->aux[AUX_DEST] / ops);
	if (pt_counter(run, "interrupts:TLB", &v))
		pt_metric(run, "tlb_shootdowns_per_op", "shootdowns", PT_INFO, v / ops);
	else
		pt_warn(run, "no TLB row in /proc/interrupts: tlb_shootdowns_per_op not reported");
	tot->ops += t->ops;
	tot->built += t->aux[AUX_BUILT];
	tot->freed += t->aux[AUX_FREED];
	tot->short_ops += t->aux[AUX_SHORT];
}

static void finding(struct pt_run *run)
{
	const struct params *p = run->params;
	struct state *tot = run->priv;
	unsigned long long asked = (unsigned long long)p->tables;
	char msg[200];

	if (tot->freed)
		snprintf(msg, sizeof(msg), "%.2f of %llu tables per operation freed via %s",
			 (double)tot->freed / (double)tot->ops, asked, via_name(p->via));
	else if (p->via == VIA_MOVE)
		snprintf(msg, sizeof(msg),
			 "none: a PMD-aligned mremap move moves %llu tables and frees none",
			 asked);
	else
		snprintf(msg, sizeof(msg),
			 "none: this kernel frees no page tables via %s", via_name(p->via));
	pt_finding(run, "tables_freed", json_string(msg));
}

static void finish(struct pt_run *run)
{
	const struct params *p = run->params;
	struct state *tot = run->priv;

	pt_check(run, "tables-built", tot->ops && !tot->short_ops,
		 "%llu of %llu operations had the %llu tables asked for in place (VmPTE)",
		 (unsigned long long)(tot->ops - tot->short_ops),
		 (unsigned long long)tot->ops, (unsigned long long)p->tables);
	if (!tot->ops)
		return;
	finding(run);
	if (!tot->freed)
		pt_metric_unsupported(run, "ns_per_freed_table", "ns", PT_LOWER,
				      "no table was freed via %s on this kernel",
				      via_name(p->via));
}

static int setup(struct pt_run *run)
{
	const char *s = getenv("PTBENCH_TEST_INTRUDE");

	intrude_at = s ? strtoul(s, NULL, 10) : 0;
	tcg = pt_under_tcg();
	if (tcg && run->ntasks > 1)
		pt_warn(run, "QEMU TCG: the spinners execute PAUSE, so that single-threaded TCG runs the freeing task's vCPU; not comparable with hardware");
	run->priv = calloc(1, sizeof(struct state));
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
	.summary = "build N PTE tables, time freeing them (munmap, dontneed, mremap shrink or move)",
	.description =
		"Each operation writes one byte into each of --tables 2 MiB-aligned slots, "
		"which builds one PTE table per slot (THP off), then frees the tables by "
		"--via and times only that call. The slots are fenced by PROT_NONE guard "
		"slots so that no other VMA shares their page tables.\n\n"
		"--via mremap shrinks a mapping of one page plus the slots back to that "
		"page: the slots are unmapped as by munmap, through mremap(2). The moves "
		"are other paths. mremap-move moves the region with "
		"MREMAP_MAYMOVE|MREMAP_FIXED to a second reserved range, PMD-aligned like "
		"the first, and move_normal_pmd() moves each PTE table whole: no table is "
		"freed, and findings says so (\"none: a PMD-aligned mremap move moves N "
		"tables and frees none\"). The next operation moves the same tables back, "
		"so past the two untimed operations that start each repetition no "
		"operation builds any: tables_built is 0 and the self-check counts the "
		"moved tables as in place. "
		"mremap-move-unaligned moves the region to one page past a PMD boundary: "
		"the kernel copies the PTEs into new tables at the destination (N+1 for N "
		"slots, since each slot's PTEs straddle two destination slots) and frees "
		"the region's N tables as it unmaps the old range. After each move the "
		"destination is put back behind a placeholder, untimed, which frees the "
		"tables built there.\n\n"
		"Extra --tasks are threads of the same process that spin on other CPUs: "
		"the mm is live there, so the flush that must precede freeing a table goes "
		"to remote CPUs (an IPI, or a paravirtual flush hypercall in a guest), and "
		"with RCU table free the tables are freed after a grace period.\n\n"
		"Counting: VmPTE in /proc/self/status is read before and after the "
		"untimed build, after the timed call and (mremap-move-unaligned) after "
		"the put-back. It is one number for all page tables of the process, so "
		"each difference is net. tables_built is what the build added. "
		"tables_freed is what the operation took away once the placeholders are "
		"back: for the unaligned move, VmPTE after the build less VmPTE after the "
		"put-back, which is the region's tables the move freed provided the "
		"put-back freed every table the move built (the self-check of the next "
		"operation would see any left). dest_tables_built (mremap-move-unaligned "
		"only) is what the put-back took away: the tables the move built at the "
		"destination. A move that copied PTEs into as many new tables as it freed "
		"would also read as none freed: VmPTE cannot tell it from a move of whole "
		"tables.\n\n"
		"Metrics: ns_per_table (time of the freeing call divided by --tables, the "
		"tables asked for, freed or not), ns_per_freed_table (the same time "
		"divided by the tables VmPTE saw freed; a repetition that freed none has "
		"a null sample, and a run that freed none lists the metric under "
		"unsupported_metrics with the reason), free_us_p50, free_us_p99 and "
		"free_us_p999 (median, 99th and 99.9th percentile of one freeing call, "
		"from a log-linear histogram with buckets about 1% wide; the p99.9 of a "
		"repetition of fewer than 1000 operations is its slowest one), "
		"tables_built, tables_freed and dest_tables_built (per operation, as "
		"above), tlb_shootdowns_per_op. A kernel that frees no table on the "
		"chosen path (MADV_DONTNEED without CONFIG_PT_RECLAIM, or a PMD-aligned "
		"move) shows tables_freed 0 and says so under findings; that is a "
		"result, not an error.\n\n"
		"Self-check tables-built: before every timed call the --tables tables were "
		"in place: those the build added plus those the operation before left "
		"(VmPTE).\n\n"
		"Between operations a PROT_NONE placeholder holds every range of the "
		"reservation, so that no mmap of another thread (a new malloc arena, a "
		"thread stack) lands in it; a build maps over the placeholder with "
		"MAP_FIXED, which replaces it at once. Only the timed call leaves a hole "
		"(the unmapped slots, or the source of a move), and the placeholder goes "
		"back right after it with MAP_FIXED_NOREPLACE. If another mapping took the "
		"hole meanwhile, the run fails with a message saying so (exit status 1) "
		"and leaves that range alone instead of unmapping it.",
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
