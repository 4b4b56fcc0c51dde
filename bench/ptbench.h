/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptbench: the interface between the harness and one benchmark.
 *
 * A benchmark is one file that fills in a struct pt_bench and registers it
 * with PT_BENCH().  The harness owns everything else: option parsing,
 * placement, the start barrier, repetitions, counters and the JSON output.
 */
#ifndef PTBENCH_H
#define PTBENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

/* ---- options ---------------------------------------------------------- */

enum pt_opt_type {
	PT_OPT_SIZE,	/* uint64_t, bytes; accepts K/M/G/T suffixes (powers of 2) */
	PT_OPT_UINT,	/* uint64_t */
	PT_OPT_ENUM,	/* int: index into the '|'-separated choices */
	PT_OPT_FLAG,	/* bool: present or not */
};

struct pt_opt {
	const char *name;	/* long option name, without "--" */
	enum pt_opt_type type;
	const char *def;	/* default, as it would be typed; NULL for flags */
	const char *choices;	/* PT_OPT_ENUM: "none|pmd|all" */
	const char *help;	/* one sentence or two */
	size_t off;		/* offsetof() in the benchmark's params struct */
	uint64_t min, max;	/* UINT/SIZE bounds, inclusive; max 0 means none */
};

/* ---- latency histograms (log-linear buckets, HDR style) --------------- */

#define PT_HIST_SUB_BITS	7
#define PT_HIST_SUB		(1u << PT_HIST_SUB_BITS)
#define PT_HIST_BUCKETS		(64u << PT_HIST_SUB_BITS)

struct pt_hist {
	uint64_t count;
	uint64_t bucket[PT_HIST_BUCKETS];
};

static inline unsigned pt_hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < PT_HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - PT_HIST_SUB_BITS;
	return ((shift + 1) << PT_HIST_SUB_BITS) |
	       (unsigned)((v >> shift) & (PT_HIST_SUB - 1));
}

/* Record one value: a count-leading-zeros, a shift and an increment. */
static inline void pt_hist_add(struct pt_hist *h, uint64_t v)
{
	h->bucket[pt_hist_index(v)]++;
	h->count++;
}

void pt_hist_reset(struct pt_hist *h);
void pt_hist_merge(struct pt_hist *dst, const struct pt_hist *src);
/* Value at quantile q (0..1), interpolated inside its bucket; NAN if empty. */
double pt_hist_quantile(const struct pt_hist *h, double q);
uint64_t pt_hist_lower(unsigned index);	/* smallest value of a bucket */

/* ---- tasks and runs --------------------------------------------------- */

enum pt_role {
	PT_TIMED,	/* does the measured operations; --iterations counts these */
	PT_HELPER,	/* keeps the mm busy elsewhere until the timed tasks stop */
};

struct pt_run;

#define PT_TASK_AUX	8
#define PT_TASK_HIST	2

/*
 * One task (thread or process).  In processes mode the task array lives in
 * shared memory, so everything a task reports must be written here.
 */
struct pt_task {
	unsigned id;
	int cpu;			/* CPU it is bound to, -1 if unbound */
	enum pt_role role;
	struct pt_run *run;
	void *priv;			/* per-task state, the benchmark's own */
	uint64_t ops;			/* timed operations done */
	uint64_t aux[PT_TASK_AUX];	/* benchmark-defined per-task counts */
	uint64_t t_start, t_end;	/* ns, CLOCK_MONOTONIC, set by the harness */
	struct pt_hist hist[PT_TASK_HIST];
	char errmsg[160];		/* set through pt_task_fail() */
};

struct pt_run {
	const struct pt_bench *bench;
	void *params;			/* the benchmark's params struct, filled in */
	void *priv;			/* what setup() wants to keep */
	unsigned ntasks;
	bool processes;			/* --mode processes */
	bool warmup;			/* this repetition is the warm-up */
	unsigned rep;			/* repetition index, 0-based */
	uint64_t duration_ns;		/* per repetition; 0 in iteration mode */
	uint64_t iterations;		/* per timed task; 0 in duration mode */
	uint64_t start_ns;		/* when the start barrier opened */
	atomic_int stop;		/* set when the repetition must end */
	atomic_uint timed_left;		/* timed tasks not yet finished */
	struct pt_task *tasks;
	struct pt_harness *h;		/* harness-private */
};

static inline uint64_t pt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The loop condition of every task body: false once the repetition is over
 * (duration elapsed, iterations done, a signal, or a failure).
 */
static inline bool pt_continue(const struct pt_task *t)
{
	if (atomic_load_explicit(&t->run->stop, memory_order_relaxed))
		return false;
	if (t->run->iterations && t->role == PT_TIMED)
		return t->ops < t->run->iterations;
	return true;
}

/* ---- the benchmark descriptor ---------------------------------------- */

#define PT_THREADS_ONLY	0x1	/* tasks must share one mm */

struct pt_bench {
	const char *name;
	const char *summary;		/* one line, for `ptbench list` */
	const char *description;	/* paragraphs for `ptbench run NAME --help` */
	const struct pt_opt *opts;	/* terminated by an entry with name NULL */
	size_t params_size;
	unsigned flags;
	unsigned default_tasks;		/* 0 means 1; clamped to the CPUs when not given */

	/* Check parameters after parsing; pt_error() and return -1 on bad input. */
	int (*validate)(struct pt_run *run);
	/* Number of tasks if the benchmark derives it from its own options; 0: --tasks. */
	unsigned (*ntasks)(const struct pt_run *run);
	enum pt_role (*role)(const struct pt_run *run, unsigned id);	/* NULL: all timed */
	uint64_t (*mem_needed)(const struct pt_run *run);		/* bytes, all tasks */

	int (*setup)(struct pt_run *run);		/* once, before the first repetition */
	int (*task_init)(struct pt_task *t);		/* in the task, before the barrier */
	void (*task)(struct pt_task *t);		/* the measured loop */
	void (*task_fini)(struct pt_task *t);		/* in the task, after the loop */
	void (*report)(struct pt_run *run);		/* after each repetition: pt_metric() */
	void (*finish)(struct pt_run *run);		/* after the last one: pt_check() */
	void (*teardown)(struct pt_run *run);
};

#define PT_BENCH(var)							\
	static const struct pt_bench var;				\
	static const struct pt_bench *const var##_ptr			\
		__attribute__((used, section("pt_benches"))) = &var;	\
	static const struct pt_bench var

/* ---- services for benchmarks ----------------------------------------- */

enum pt_better { PT_HIGHER, PT_LOWER, PT_INFO };

/* Append this repetition's sample of a metric (call from report()). */
void pt_metric(struct pt_run *run, const char *name, const char *unit,
	       enum pt_better better, double value);
/*
 * A metric this run cannot give, with the reason (a division by a count
 * that is zero on this kernel, say).  Drops any samples the metric had and
 * lists it under "unsupported_metrics": never reported as 0.
 */
void pt_metric_unsupported(struct pt_run *run, const char *name, const char *unit,
			   enum pt_better better, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* This repetition's delta of a counter ("page-faults", "interrupts:TLB",
 * "rusage:minflt", ...); false if the counter is not supported here. */
bool pt_counter(struct pt_run *run, const char *name, double *value);
/* Record a self-check; repeated names combine (all must pass). */
void pt_check(struct pt_run *run, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void pt_warn(struct pt_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A finding about the kernel, stored under "findings" (steals value). */
void pt_finding(struct pt_run *run, const char *key, json_t *value);
/* Bad input or set-up failure, before the run: message for the user. */
void pt_error(struct pt_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A task failed: records the message and stops the repetition. */
void pt_task_fail(struct pt_task *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Memory every task can see, in threads and processes mode alike. */
void *pt_shared_alloc(size_t size);
void pt_shared_free(void *p, size_t size);

/* Helpers for page-table benchmarks (util.c). */
#define PT_PMD_SIZE	(2ul << 20)
#define PT_PAGE_SIZE	4096ul
long pt_vmpte_kb(void);			/* VmPTE of this process, -1 if unknown */
uint64_t pt_mem_available(void);	/* MemAvailable in bytes, 0 if unknown */
/*
 * Reserve `slots' 2 MiB-aligned 2 MiB slots with a guard slot on each side,
 * all PROT_NONE: no other VMA can share the slots' page tables, and no
 * mmap(NULL) of another thread (a new thread's stack, a malloc arena) can
 * land in them.  Returns the start of the first slot, NULL on failure;
 * munmap(*base, *len) frees all.
 *
 * An operation then maps the slots read-write over the placeholder with
 * pt_slots_map(), frees them (munmap...), and puts the placeholder back
 * with pt_slots_hold(), which fails with EEXIST if another mapping took
 * the range meanwhile (instead of damaging it).
 */
void *pt_reserve_slots(size_t slots, void **base, size_t *len);
/*
 * Give back a reservation of pt_reserve_slots() (base, len): all of it
 * while the slots (start, span bytes) are held, else only the guards
 * around them, since another mapping may then sit in the slots.
 */
void pt_release_slots(void *base, size_t len, char *start, size_t span, bool held);
/* Read-write over the placeholder, THP off (a huge page has no PTE table). */
int pt_slots_map(void *start, size_t len);	/* 0, or -1 with errno */
int pt_slots_hold(void *start, size_t len);	/* 0, or -1 with errno */

/*
 * Is this a guest of QEMU's TCG (CPUID hypervisor signature "TCGTCGTCGTCG")?
 * Single-threaded TCG runs every vCPU on one host thread and gives it up on
 * PAUSE, not in a busy loop: a benchmark's wait loops may relax under TCG
 * only (elsewhere a PAUSE changes what is measured: pause-loop exiting in
 * a KVM guest).
 */
bool pt_under_tcg(void);

static inline void pt_cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* One byte written per 2 MiB slot: builds one PTE table in each. */
static inline void pt_slots_touch(void *start, size_t len)
{
	for (size_t off = 0; off < len; off += PT_PMD_SIZE)
		((volatile char *)start)[off] = 1;
}

#endif
