// SPDX-License-Identifier: GPL-2.0
/*
 * fork-exit: a parent with a chosen resident size and number of mappings
 * forks a child that exits at once (optionally after writing to some of the
 * inherited pages), and waits for it.  fork() copies the page tables of
 * every anonymous mapping that has pages (copy_page_range), and the child's
 * exit tears that copy down again (exit_mmap, free_pgtables), so for a
 * large parent the page-table copy and free dominate the round trip.
 *
 * Layout: --mappings read-write mappings of rss/mappings bytes each, carved
 * out of one PROT_NONE reservation so that a 4 KiB PROT_NONE gap stays
 * between neighbours: different protections keep the VMAs from merging.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptbench.h"

struct params {
	uint64_t rss;
	uint64_t mappings;
	uint64_t child_touch;
};

static const struct pt_opt opts[] = {
	{ "rss", PT_OPT_SIZE, "64M", NULL,
	  "Anonymous memory the parent maps and writes (every 4 KiB page) before "
	  "the run; split evenly over --mappings, each part rounded down to whole "
	  "pages.",
	  offsetof(struct params, rss), PT_PAGE_SIZE, 0 },
	{ "mappings", PT_OPT_UINT, "1", NULL,
	  "Number of separate mappings (VMAs) the resident memory is split into, "
	  "with a 4 KiB PROT_NONE gap between neighbours. Each gap is a VMA too: "
	  "more than about 32000 needs a larger vm.max_map_count.",
	  offsetof(struct params, mappings), 1, 65536 },
	{ "child-touch", PT_OPT_SIZE, "0", NULL,
	  "Bytes of the first mapping the child writes, one byte per 4 KiB page, "
	  "before it exits: each write is a copy-on-write fault. At most "
	  "rss/mappings.",
	  offsetof(struct params, child_touch), 0, 0 },
	{ NULL },
};

/* What setup() keeps, in the controller's memory. */
struct state {
	char *area;		/* the reservation: mappings and gaps */
	size_t area_len;
	size_t map_len;		/* bytes in each mapping */
	uint64_t forks;		/* over the measured repetitions */
	uint64_t leftovers;	/* tasks that ended with a child not reaped */
	pid_t leftover_pid;	/* the first such child, 0 if unknown */
};

/* Per-task counters in t->aux[] */
enum {
	AUX_LEFTOVER,		/* 1 if a child was still there at task_fini */
	AUX_LEFTOVER_PID,
};

/* Bytes in each mapping: rss split evenly, whole pages. */
static size_t map_len(const struct params *p)
{
	return (size_t)(p->rss / p->mappings) & ~(PT_PAGE_SIZE - 1);
}

static long max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int validate(struct pt_run *run)
{
	const struct params *p = run->params;
	uint64_t vmas = 2 * p->mappings - 1;
	long max = max_map_count();

	if (p->rss / p->mappings < PT_PAGE_SIZE) {
		pt_error(run, "--rss %" PRIu64 " is less than one page per mapping (--mappings %" PRIu64 ")",
			 p->rss, p->mappings);
		return -1;
	}
	if (p->child_touch > map_len(p)) {
		pt_error(run, "--child-touch %" PRIu64 " exceeds the first mapping (%zu bytes: rss/mappings in whole pages)",
			 p->child_touch, map_len(p));
		return -1;
	}
	/* The rest of the process (libraries, stacks, harness) needs VMAs too. */
	if (max > 0 && vmas + 1000 > (uint64_t)max) {
		pt_error(run, "--mappings %" PRIu64 " needs %" PRIu64 " VMAs (mappings and gaps) but vm.max_map_count is %ld; raise it with sysctl",
			 p->mappings, vmas, max);
		return -1;
	}
	return 0;
}

static uint64_t mem_needed(const struct pt_run *run)
{
	const struct params *p = run->params;
	/*
	 * The parent's pages, the children's copy-on-write copies, and page
	 * tables: one copy per task process and per live child, each at most
	 * 1/512 of the memory plus one PTE table per mapping.
	 */
	uint64_t tables = p->rss / 512 + p->mappings * PT_PAGE_SIZE;

	return p->rss + run->ntasks * p->child_touch + (2ull * run->ntasks + 1) * tables;
}

/* madvise(MADV_NOHUGEPAGE); a kernel without THP has nothing to turn off. */
static int no_thp(void *addr, size_t len)
{
	if (!madvise(addr, len, MADV_NOHUGEPAGE) || errno == EINVAL)
		return 0;
	return -1;
}

static int setup(struct pt_run *run)
{
	const struct params *p = run->params;
	size_t len = map_len(p), stride = len + PT_PAGE_SIZE;
	struct state *s;

	s = calloc(1, sizeof(*s));
	if (!s) {
		pt_error(run, "out of memory");
		return -1;
	}
	s->map_len = len;
	s->area_len = stride * p->mappings - PT_PAGE_SIZE;
	s->area = mmap(NULL, s->area_len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->area == MAP_FAILED) {
		pt_error(run, "mmap of %zu bytes: %s", s->area_len, strerror(errno));
		goto out_free;
	}
	for (uint64_t i = 0; i < p->mappings; i++) {
		char *m = s->area + i * stride;

		if (mprotect(m, len, PROT_READ | PROT_WRITE)) {
			pt_error(run, "mprotect of mapping %" PRIu64 ": %s", i, strerror(errno));
			goto out_unmap;
		}
		/*
		 * Small pages only: with THP a 2 MiB huge page is copied as one
		 * PMD entry, and the PTE-table copy and free this benchmark is
		 * about would disappear from the measurement.
		 */
		if (no_thp(m, len)) {
			pt_error(run, "madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
			goto out_unmap;
		}
		for (size_t off = 0; off < len; off += PT_PAGE_SIZE)
			m[off] = 1;
	}
	run->priv = s;
	return 0;

out_unmap:
	munmap(s->area, s->area_len);
out_free:
	free(s);
	return -1;
}

static void teardown(struct pt_run *run)
{
	struct state *s = run->priv;

	if (!s)
		return;
	munmap(s->area, s->area_len);
	free(s);
	run->priv = NULL;
}

/*
 * The child.  It runs in a copy of a possibly multi-threaded process, so it
 * calls nothing but system calls and touches nothing but its own memory.
 */
static __attribute__((noreturn)) void child(char *first, uint64_t touch, pid_t parent)
{
	/* Never outlive the task: a killed controller leaves nothing behind. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	for (uint64_t off = 0; off < touch; off += PT_PAGE_SIZE)
		((volatile char *)first)[off] = 2;
	_exit(0);
}

/* Wait for pid; 0 when it exited 0, -1 with the task failed otherwise. */
static int reap(struct pt_task *t, pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		pt_task_fail(t, "waitpid(%d): %s", (int)pid, strerror(errno));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		pt_task_fail(t, "child %d killed by signal %d (%s)", (int)pid,
			     WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		pt_task_fail(t, "child %d exited with status %d", (int)pid,
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

static void task(struct pt_task *t)
{
	const struct params *p = t->run->params;
	const struct state *s = t->run->priv;
	pid_t self = getpid();

	while (pt_continue(t)) {
		uint64_t t0, t1;
		pid_t pid;

		t0 = pt_now_ns();
		pid = fork();
		if (pid < 0) {
			pt_task_fail(t, "fork: %s", strerror(errno));
			return;
		}
		if (!pid)
			child(s->area, p->child_touch, self);
		if (reap(t, pid))
			return;
		t1 = pt_now_ns();
		pt_hist_add(&t->hist[0], t1 - t0);
		t->ops++;
	}
}

/*
 * Every fork above is waited for before the next one, so no child may be
 * left.  Look without reaping (WNOWAIT), and only at this task's own
 * children (__WNOTHREAD): in threads mode the other tasks may be between
 * their fork and their wait right now.
 */
static void task_fini(struct pt_task *t)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WNOTHREAD) < 0)
		return;		/* ECHILD: none left, as it should be */
	t->aux[AUX_LEFTOVER] = 1;
	t->aux[AUX_LEFTOVER_PID] = (uint64_t)si.si_pid;	/* 0: still running */
}

static void report(struct pt_run *run)
{
	struct state *s = run->priv;
	struct pt_hist *all;
	double rate = 0;

	all = calloc(1, sizeof(*all));
	if (!all) {
		pt_warn(run, "out of memory: no fork-exit latency percentiles");
		return;
	}
	for (unsigned i = 0; i < run->ntasks; i++) {
		const struct pt_task *t = &run->tasks[i];

		if (t->t_end > t->t_start)
			rate += (double)t->ops / ((double)(t->t_end - t->t_start) / 1e9);
		pt_hist_merge(all, &t->hist[0]);
		s->forks += t->ops;
		if (t->aux[AUX_LEFTOVER]) {
			if (!s->leftovers)
				s->leftover_pid = (pid_t)t->aux[AUX_LEFTOVER_PID];
			s->leftovers++;
		}
	}
	pt_metric(run, "forks_per_sec", "forks/s", PT_HIGHER, rate);
	if (all->count) {
		pt_metric(run, "fork_exit_us_p50", "us", PT_LOWER,
			  pt_hist_quantile(all, 0.50) / 1e3);
		pt_metric(run, "fork_exit_us_p99", "us", PT_LOWER,
			  pt_hist_quantile(all, 0.99) / 1e3);
	} else {
		pt_warn(run, "repetition %u completed no fork: no latency percentiles",
			run->rep + 1);
	}
	free(all);
}

static void finish(struct pt_run *run)
{
	const struct state *s = run->priv;
	siginfo_t si;

	if (s->leftovers) {
		pt_check(run, "no-zombie", false,
			 "%" PRIu64 " task(s) ended with a child not reaped (first: pid %d%s)",
			 s->leftovers, (int)s->leftover_pid,
			 s->leftover_pid ? ", a zombie" : " unknown, still running");
		return;
	}
	/* In threads mode the children of ended tasks would be ours now. */
	memset(&si, 0, sizeof(si));
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0) {
		if (si.si_pid)
			pt_check(run, "no-zombie", false,
				 "child %d exited and was never reaped (zombie)", (int)si.si_pid);
		else
			pt_check(run, "no-zombie", false,
				 "a child process is still running after the run");
		return;
	}
	pt_check(run, "no-zombie", errno == ECHILD,
		 "%" PRIu64 " forks, every child reaped; %s", s->forks,
		 errno == ECHILD ? "no child process left" : strerror(errno));
}

PT_BENCH(fork_exit) = {
	.name = "fork-exit",
	.summary = "fork a child of a large parent, let it exit, wait for it",
	.description =
		"Before the run the parent maps --rss bytes of anonymous memory as "
		"--mappings separate VMAs (4 KiB PROT_NONE gaps keep them apart), with "
		"THP turned off for them (MADV_NOHUGEPAGE), and writes every page. One "
		"operation is fork(), the child exiting at once (after writing "
		"--child-touch bytes of the first mapping, one byte per page, if asked), "
		"and waitpid() returning in the parent, timed as one round trip.\n\n"
		"fork() copies the page tables of every mapping that has pages: one PTE "
		"table per 2 MiB of resident memory, and it write-protects the parent's "
		"entries for copy-on-write and then flushes the parent's TLB. In threads "
		"mode (the default) that flush goes to every CPU where another task of "
		"the process is running, and the copies of all tasks serialize on the "
		"parent's mmap_lock, held for writing while the tables are copied; with "
		"--mode processes every task forks from its own mm. The child's exit "
		"frees its copy: every PTE table goes through the mmu_gather "
		"table-free path (after an RCU grace period where "
		"MMU_GATHER_RCU_TABLE_FREE is in use), so a change to how page tables "
		"are freed shows up here in proportion to --rss. --mappings adds "
		"per-VMA work (VMA and anon_vma copies) for the same resident size. The "
		"child inherits the task's CPU binding, so parent and child take turns "
		"on one CPU.\n\n"
		"Metrics: forks_per_sec (round trips per second, summed over the tasks), "
		"fork_exit_us_p50 and fork_exit_us_p99 (median and 99th percentile of "
		"one round trip, all tasks together). Compare kernels at equal --rss, "
		"--mappings and --tasks: the figures scale with all three.\n\n"
		"Self-check no-zombie: every child is waited for before the next fork, "
		"and none is left behind when a task ends or when the run ends.",
	.opts = opts,
	.params_size = sizeof(struct params),
	.validate = validate,
	.mem_needed = mem_needed,
	.setup = setup,
	.task = task,
	.task_fini = task_fini,
	.report = report,
	.finish = finish,
	.teardown = teardown,
};
