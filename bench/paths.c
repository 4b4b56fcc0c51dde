// SPDX-License-Identifier: GPL-2.0
/*
 * Path evidence: which function freed the page tables and which flushed the
 * TLB, decided from in-kernel counts, never from version numbers.
 *
 * On x86 both free paths wait for the same flush, so timings cannot tell
 * them apart; the counts can.  tlb_remove_table() queues a table for
 * freeing after an RCU grace period; native_tlb_remove_table() (PARAVIRT
 * kernels before 6.15) frees it right after the flush.  On a kernel
 * without it, the tables handed to the mmu_gather (___pte_free_tlb() and
 * ___pmd_free_tlb()) less those queued for RCU were freed directly.
 * kvm_flush_tlb_multi() is the KVM paravirtual flush; it calls
 * native_flush_tlb_multi() for the vCPUs that are running, so IPI flushes
 * are the native calls less the paravirtual ones.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/result.h"
#include "counters.h"
#include "internal.h"
#include "paths.h"

#define K_RCU		"kprobe:tlb_remove_table"
#define K_RCU_CB	"kprobe:tlb_remove_table_rcu"
#define K_SYNC		"kprobe:tlb_remove_table_sync_one"
#define K_NATIVE_FREE	"kprobe:native_tlb_remove_table"
#define K_PTE		"kprobe:___pte_free_tlb"
#define K_PMD		"kprobe:___pmd_free_tlb"
#define K_FLUSH		"kprobe:flush_tlb_mm_range"
#define K_NATIVE_FLUSH	"kprobe:native_flush_tlb_multi"
#define K_PV_FLUSH	"kprobe:kvm_flush_tlb_multi"

struct pt_paths {
	struct pt_path_input tot;	/* sums over the recorded repetitions */
	unsigned reps;
};

/* Where a derived metric's value comes from. */
enum pt_from {
	PER_OP,		/* its counter divided by the operations */
	PER_REP,	/* its counter, once per repetition */
	PATH_RCU, PATH_DIRECT, PATH_SYNC, PATH_IPI, PATH_PV,	/* pt_paths_read() */
	CAL_TLB,	/* CAL less TLB interrupts, per operation */
};

/* The metrics derived here, with the counter each needs (for reasons). */
static const struct {
	const char *metric, *unit, *counter;
	enum pt_from from;
} pt_derived[] = {
	{ "rcu_tables_per_op", "tables", K_RCU, PATH_RCU },
	{ "direct_tables_per_op", "tables", K_NATIVE_FREE, PATH_DIRECT },
	{ "sync_ipis_per_op", "ipis", K_SYNC, PATH_SYNC },
	{ "rcu_batches_per_op", "callbacks", K_RCU_CB, PER_OP },
	{ "flushes_per_op", "flushes", K_FLUSH, PER_OP },
	{ "ipi_flushes_per_op", "flushes", K_NATIVE_FLUSH, PATH_IPI },
	{ "pv_flushes_per_op", "flushes", K_PV_FLUSH, PATH_PV },
	{ "tlb_flush_remote_send_ipi_per_op", "events", "tp:tlb:tlb_flush:remote_send_ipi", PER_OP },
	{ "tlb_flush_remote_shootdown_per_op", "events", "tp:tlb:tlb_flush:remote_shootdown", PER_OP },
	{ "tlb_flush_local_shootdown_per_op", "events", "tp:tlb:tlb_flush:local_shootdown", PER_OP },
	{ "tlb_flush_local_mm_shootdown_per_op", "events", "tp:tlb:tlb_flush:local_mm_shootdown", PER_OP },
	{ "tlb_flush_task_switch_per_op", "events", "tp:tlb:tlb_flush:task_switch", PER_OP },
	{ "held_kib_peak", "KiB", "meminfo:held_kib_peak", PER_REP },
	{ "pagetables_kib_peak", "KiB", "meminfo:pagetables_kib_peak", PER_REP },
	{ "page_table_pages_delta", "pages", "vmstat:nr_page_table_pages", PER_REP },
	{ "pgalloc_per_op", "pages", "vmstat:pgalloc", PER_OP },
	{ "pgfree_per_op", "pages", "vmstat:pgfree", PER_OP },
	{ "rcu_softirqs_per_op", "softirqs", "softirqs:RCU", PER_OP },
	{ "cal_minus_tlb_per_op", "interrupts", "interrupts:CAL", CAL_TLB },
};

#define PT_NDERIVED	(sizeof(pt_derived) / sizeof(pt_derived[0]))

/* ---- reading the counts ---------------------------------------------------- */

static void pc_set(struct pt_pcount *p, bool known, double n, const char *why,
		   const char *from)
{
	p->known = known;
	p->n = known ? n : 0;
	p->why = known ? NULL : why;
	p->from = from;
}

/* A count, or zero when the kernel has no such function at all. */
static void pc_read(const struct pt_counters *c, const char *name, const char *absent_means,
		    struct pt_pcount *p)
{
	double v;

	if (pt_counters_last(c, name, &v))
		pc_set(p, true, v, NULL, name);
	else if (absent_means && pt_counters_absent(c, name))
		pc_set(p, true, 0, NULL, absent_means);
	else
		pc_set(p, false, 0, pt_counters_reason(c, name), name);
}

void pt_paths_read(const struct pt_counters *c, struct pt_path_input *in)
{
	struct pt_pcount pte, pmd;

	pc_read(c, K_RCU, "no tlb_remove_table in this kernel: no RCU table free", &in->rcu);
	pc_read(c, K_SYNC, "no tlb_remove_table_sync_one in this kernel", &in->sync);
	pc_read(c, K_PV_FLUSH, "no kvm_flush_tlb_multi in this kernel: no KVM paravirtual flush",
		&in->pv);
	pc_read(c, K_NATIVE_FLUSH, NULL, &in->native);
	pc_read(c, K_NATIVE_FREE, NULL, &in->direct);
	if (in->direct.known || !pt_counters_absent(c, K_NATIVE_FREE))
		return;
	/* No native_tlb_remove_table(): what the mmu_gather got less RCU. */
	pc_read(c, K_PTE, NULL, &pte);
	pc_read(c, K_PMD, NULL, &pmd);
	if (pte.known && pmd.known && in->rcu.known)
		pc_set(&in->direct, true, fmax(0, pte.n + pmd.n - in->rcu.n), NULL,
		       K_PTE " + " K_PMD " - " K_RCU);
	else
		pc_set(&in->direct, false, 0, !pte.known ? pte.why : !pmd.known ? pmd.why :
		       in->rcu.why, K_PTE " + " K_PMD " - " K_RCU);
}

/* ---- the decision ------------------------------------------------------------ */

static json_t *pc_json(const struct pt_pcount *p)
{
	return json_pack("{s:f, s:s}", "count", p->n, "from", p->from ? p->from : "");
}

static json_t *pt_unknown(const struct pt_pcount *p)
{
	char reason[400];

	snprintf(reason, sizeof(reason), "%s cannot be counted: %s",
		 p->from ? p->from : "a counter", p->why ? p->why : "unknown");
	return json_pack("{s:s, s:s}", "path", "unknown", "reason", reason);
}

static json_t *pt_free_decide(const struct pt_path_input *in)
{
	double r = in->rcu.n, d = in->direct.n, s = in->sync.known ? in->sync.n : 0;

	if (!in->rcu.known)
		return pt_unknown(&in->rcu);
	if (!in->direct.known)
		return pt_unknown(&in->direct);
	return json_pack("{s:s, s:{s:o, s:o, s:o}}", "path", pt_free_path_of(r, d, s), "counts",
			 "rcu_tables", pc_json(&in->rcu),
			 "direct_tables", pc_json(&in->direct),
			 "sync_ipis", in->sync.known ? pc_json(&in->sync) : json_null());
}

static json_t *pt_flush_decide(const struct pt_path_input *in)
{
	struct pt_pcount ipi;

	if (!in->native.known)
		return pt_unknown(&in->native);
	if (!in->pv.known)
		return pt_unknown(&in->pv);
	ipi = in->native;
	ipi.n = fmax(0, in->native.n - in->pv.n);
	ipi.from = K_NATIVE_FLUSH " - " K_PV_FLUSH;
	return json_pack("{s:s, s:{s:o, s:o}}", "path", pt_flush_path_of(in->pv.n, in->native.n),
			 "counts",
			 "pv_flushes", pc_json(&in->pv), "ipi_flushes", pc_json(&ipi));
}

json_t *pt_paths_decide(const struct pt_path_input *in)
{
	return json_pack("{s:o, s:o}", "free", pt_free_decide(in),
			 "flush", pt_flush_decide(in));
}

/* ---- per repetition ------------------------------------------------------------ */

static void pc_add(struct pt_pcount *tot, const struct pt_pcount *p, bool first)
{
	if (first) {
		*tot = *p;
		return;
	}
	if (tot->known && !p->known)
		*tot = *p;
	else if (tot->known)
		tot->n += p->n;
}

static void pt_paths_accumulate(struct pt_paths *ps, const struct pt_path_input *in)
{
	bool first = !ps->reps++;

	pc_add(&ps->tot.rcu, &in->rcu, first);
	pc_add(&ps->tot.direct, &in->direct, first);
	pc_add(&ps->tot.sync, &in->sync, first);
	pc_add(&ps->tot.pv, &in->pv, first);
	pc_add(&ps->tot.native, &in->native, first);
}

/* One derived metric's value for this repetition; false if it has none. */
static bool derived(struct pt_run *run, unsigned i, const struct pt_path_input *in,
		    double ops, double *v)
{
	const struct pt_pcount *p = NULL;
	double cal, tlb;

	switch (pt_derived[i].from) {
	case PER_OP:
		if (!pt_counter(run, pt_derived[i].counter, v))
			return false;
		*v /= ops;
		return true;
	case PER_REP:
		return pt_counter(run, pt_derived[i].counter, v);
	case CAL_TLB:
		if (!pt_counter(run, "interrupts:CAL", &cal) ||
		    !pt_counter(run, "interrupts:TLB", &tlb))
			return false;
		*v = (cal - tlb) / ops;
		return true;
	case PATH_IPI:
		/* The PV flush IPIs the running vCPUs through the native one. */
		if (!in->native.known || !in->pv.known)
			return false;
		*v = fmax(0, in->native.n - in->pv.n) / ops;
		return true;
	case PATH_RCU:
		p = &in->rcu;
		break;
	case PATH_DIRECT:
		p = &in->direct;
		break;
	case PATH_SYNC:
		p = &in->sync;
		break;
	case PATH_PV:
		p = &in->pv;
		break;
	}
	if (!p->known)
		return false;
	*v = p->n / ops;
	return true;
}

void pt_paths_report(struct pt_run *run)
{
	struct pt_path_input in;
	double ops = 0, v;
	unsigned i;

	for (i = 0; i < run->ntasks; i++)
		if (run->tasks[i].role == PT_TIMED)
			ops += (double)run->tasks[i].ops;
	if (!run->h->paths)
		run->h->paths = calloc(1, sizeof(*run->h->paths));
	if (!run->h->paths || ops == 0)
		return;
	pt_paths_read(run->h->ctr, &in);
	pt_paths_accumulate(run->h->paths, &in);
	for (i = 0; i < PT_NDERIVED; i++)
		if (derived(run, i, &in, ops, &v))
			pt_metric(run, pt_derived[i].metric, pt_derived[i].unit, PT_INFO, v);
}

/*
 * A derived metric with fewer samples than repetitions (its counter failed
 * midway, or a repetition did no operation) is dropped as unsupported; one
 * never reported whose counter was asked for says why.
 */
static void pt_paths_unsupported(struct pt_run *run)
{
	const char *why;
	json_t *m;
	size_t i;

	for (i = 0; i < PT_NDERIVED; i++) {
		m = json_object_get(run->h->metrics, pt_derived[i].metric);
		if (m && json_array_size(json_object_get(m, "samples")) == run->h->o.reps)
			continue;
		why = pt_counters_reason(run->h->ctr, pt_derived[i].counter);
		if (!m && (!why || !strncmp(why, "not asked", 9)))
			continue;
		pt_metric_unsupported(run, pt_derived[i].metric, pt_derived[i].unit, PT_INFO,
				      "%s", m ? "a repetition gave no value (its counter failed, "
				      "or it did no operation)" : why);
	}
}

json_t *pt_paths_finish(struct pt_run *run)
{
	struct pt_paths *ps = run->h->paths;

	pt_paths_unsupported(run);
	if (!ps || !ps->reps)
		return json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}",
				 "free", "path", "unknown", "reason", "no repetition did an operation",
				 "flush", "path", "unknown", "reason", "no repetition did an operation");
	return pt_paths_decide(&ps->tot);
}

void pt_paths_free(struct pt_run *run)
{
	free(run->h->paths);
	run->h->paths = NULL;
}
