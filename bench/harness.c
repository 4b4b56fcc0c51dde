// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: create the tasks of a repetition, release them together,
 * stop them, collect.  Also the services benchmarks call (pt_metric() ...).
 *
 * Signals: SIGINT, SIGTERM and SIGHUP are blocked in every thread from
 * the start (main.c), and only the controller takes them, synchronously,
 * with sigtimedwait() while it waits for the repetition to end.  So a
 * signal never interrupts a measured operation, and the controller always
 * gets to stop, join and reap every task before it exits.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "counters.h"
#include "internal.h"
#include "paths.h"
#include "place.h"

/*
 * Start and end barriers, in shared memory so forked tasks see them.  The
 * counters cover only what lies between: every task has set up (ready) and
 * none has torn down (done, then fini), so a benchmark's own set-up and
 * teardown (building and freeing its slots) never count as its work.
 */
struct pt_gate {
	atomic_uint bound;	/* tasks placed, their malloc arena made */
	atomic_uint ready;
	atomic_int go;
	atomic_uint done;	/* tasks out of their measured loop */
	atomic_int fini;	/* the counters are read: tasks may tear down */
};

static struct pt_gate *gate;

/* ---- services for benchmarks ----------------------------------------- */

static const char *better_name[] = {
	[PT_HIGHER] = "higher", [PT_LOWER] = "lower", [PT_INFO] = "info",
};

void pt_metric(struct pt_run *run, const char *name, const char *unit,
	       enum pt_better better, double value)
{
	json_t *m = json_object_get(run->h->metrics, name);

	if (!m) {
		m = json_pack("{s:s, s:s, s:[]}", "unit", unit,
			      "better", better_name[better], "samples");
		json_object_set_new(run->h->metrics, name, m);
	}
	if (!isfinite(value)) {
		/* Said in the warnings once the run is over: warn_missing(). */
		json_array_append_new(json_object_get(m, "samples"), json_null());
		return;
	}
	json_array_append_new(json_object_get(m, "samples"), json_real(value));
}

void pt_metric_unsupported(struct pt_run *run, const char *name, const char *unit,
			   enum pt_better better, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	json_object_del(run->h->metrics, name);
	json_object_set_new(run->h->unsupported, name,
			    json_pack("{s:s, s:s, s:b, s:s}", "unit", unit,
				      "better", better_name[better],
				      "supported", 0, "reason", reason));
}

bool pt_counter(struct pt_run *run, const char *name, double *value)
{
	return pt_counters_last(run->h->ctr, name, value);
}

void pt_check(struct pt_run *run, const char *name, bool ok, const char *fmt, ...)
{
	json_t *checks = run->h->checks, *c;
	char detail[512];
	size_t i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_array_foreach(checks, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "name")), name))
			continue;
		/* Keep the first failure's detail: it says what went wrong. */
		if (json_is_true(json_object_get(c, "ok"))) {
			json_object_set_new(c, "ok", json_boolean(ok));
			json_object_set_new(c, "detail", json_string(detail));
		}
		return;
	}
	json_array_append_new(checks, json_pack("{s:s, s:b, s:s}", "name", name,
						"ok", ok, "detail", detail));
}

void pt_warn(struct pt_run *run, const char *fmt, ...)
{
	json_t *w = run->h->warnings, *s;
	char msg[512];
	size_t i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_foreach(w, i, s)
		if (!strcmp(json_string_value(s), msg))
			return;
	json_array_append_new(w, json_string(msg));
}

void pt_finding(struct pt_run *run, const char *key, json_t *value)
{
	json_object_set_new(run->h->findings, key, value);
}

void pt_error(struct pt_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(run->h->error, sizeof(run->h->error), fmt, ap);
	va_end(ap);
}

void pt_task_fail(struct pt_task *t, const char *fmt, ...)
{
	va_list ap;

	if (t->errmsg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->errmsg, sizeof(t->errmsg), fmt, ap);
	va_end(ap);
	atomic_store(&t->run->stop, 1);
}

/* ---- one task ---------------------------------------------------------- */

static void task_main(struct pt_task *t)
{
	struct pt_run *run = t->run;
	const struct pt_bench *b = run->bench;
	char err[160];

	if (pt_place_bind(t->cpu, err, sizeof(err)))
		pt_task_fail(t, "task %u: %s", t->id, err);
	/*
	 * A thread's first malloc maps its arena (and pthread_create mapped
	 * its stack) wherever the kernel finds room: a benchmark that opens a
	 * hole in its reservation during task_init() must not see another
	 * task's arena land there.  So every task makes its arena first, and
	 * waits until all have, before any set-up.
	 */
	free(malloc(1));
	atomic_fetch_add(&gate->bound, 1);
	while (atomic_load(&gate->bound) < run->ntasks && !atomic_load(&run->stop))
		sched_yield();
	if (!t->errmsg[0] && b->task_init && b->task_init(t) && !t->errmsg[0])
		pt_task_fail(t, "task %u: set-up failed", t->id);

	atomic_fetch_add(&gate->ready, 1);
	while (!atomic_load(&gate->go) && !atomic_load(&run->stop))
		sched_yield();

	t->t_start = pt_now_ns();
	if (!t->errmsg[0] && !atomic_load(&run->stop))
		b->task(t);
	t->t_end = pt_now_ns();
	if (t->role == PT_TIMED)
		atomic_fetch_sub(&run->timed_left, 1);
	atomic_fetch_add(&gate->done, 1);
	while (!atomic_load(&gate->fini))
		sched_yield();
	if (b->task_fini)
		b->task_fini(t);
}

static void *task_thread(void *arg)
{
	task_main(arg);
	return NULL;
}

static int start_process(struct pt_task *t, pid_t *pid)
{
	pid_t parent = getpid();

	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid)
		return 0;
	/* The child: dies with us, whatever happens to us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	task_main(t);
	_exit(0);
}

/* ---- the controller ---------------------------------------------------- */

/* Wait up to ns for a terminating signal; records it and stops the run. */
static bool wait_signal(struct pt_run *run, uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};
	int sig = sigtimedwait(&run->h->sigs, NULL, &ts);

	if (sig <= 0)
		return false;
	run->h->signo = sig;
	atomic_store(&run->stop, 1);
	return true;
}

static void wait_ready(struct pt_run *run)
{
	while (atomic_load(&gate->ready) < run->ntasks)
		if (wait_signal(run, 200000))
			return;
}

#define PT_SAMPLE_NS	10000000ull

static void wait_end(struct pt_run *run)
{
	uint64_t end = run->start_ns + run->duration_ns, next_sample = 0;

	while (!atomic_load(&run->stop)) {
		uint64_t now = pt_now_ns(), step = 1000000;

		if (run->duration_ns) {
			if (now >= end)
				break;
			step = end - now;
			/*
			 * Wake every 10 ms: to see task failures, and to sample
			 * the memory held until RCU grace periods end (a grace
			 * period lasts a few ms to tens of ms).
			 */
			if (step > PT_SAMPLE_NS)
				step = PT_SAMPLE_NS;
		} else if (!atomic_load(&run->timed_left)) {
			break;
		}
		wait_signal(run, step);
		if (now >= next_sample) {
			pt_counters_sample(run->h->ctr);
			next_sample = now + PT_SAMPLE_NS;
		}
	}
	atomic_store(&run->stop, 1);
}

static void reset_tasks(struct pt_run *run)
{
	unsigned timed = 0;

	for (unsigned i = 0; i < run->ntasks; i++) {
		struct pt_task *t = &run->tasks[i];

		t->ops = 0;
		memset(t->aux, 0, sizeof(t->aux));
		for (int k = 0; k < PT_TASK_HIST; k++)
			pt_hist_reset(&t->hist[k]);
		t->t_start = t->t_end = 0;
		t->errmsg[0] = 0;
		timed += t->role == PT_TIMED;
	}
	atomic_store(&run->stop, 0);
	atomic_store(&run->timed_left, timed);
	atomic_store(&gate->bound, 0);
	atomic_store(&gate->ready, 0);
	atomic_store(&gate->go, 0);
	atomic_store(&gate->done, 0);
	atomic_store(&gate->fini, 0);
}

/*
 * Wait until the started tasks are out of their loops (10 s at most: a
 * task that does not stop is dealt with by the join or the reap).
 */
static void wait_done(unsigned started)
{
	uint64_t deadline = pt_now_ns() + 10000000000ull;

	while (atomic_load(&gate->done) < started && pt_now_ns() < deadline)
		usleep(100);
}

/* Join threads; a thread that ignores the stop flag for 10 s is fatal. */
static int join_threads(pthread_t *th, unsigned n)
{
	int ret = 0;

	for (unsigned i = 0; i < n; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		if (pthread_timedjoin_np(th[i], NULL, &ts)) {
			fprintf(stderr, "ptbench: task %u does not stop; giving up\n", i);
			ret = -1;
		}
	}
	return ret;
}

static int reap_processes(struct pt_run *run, pid_t *pids, unsigned n)
{
	uint64_t deadline = pt_now_ns() + 10000000000ull;
	unsigned left = n;
	int ret = 0;

	while (left) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0 && errno == ECHILD)
			break;
		if (pid > 0) {
			for (unsigned i = 0; i < n; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				left--;
				if (!WIFEXITED(status) || WEXITSTATUS(status)) {
					pt_task_fail(&run->tasks[i], "task %u (pid %d) died: %s",
						     i, pid, WIFSIGNALED(status) ?
						     strsignal(WTERMSIG(status)) : "exit status 1");
					ret = -1;
				}
			}
			continue;
		}
		if (pt_now_ns() > deadline) {
			/* Stuck: kill what is left, then reap it. */
			for (unsigned i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			deadline = UINT64_MAX;
			ret = -1;
		}
		usleep(1000);
	}
	return ret;
}

static int first_task_error(struct pt_run *run)
{
	for (unsigned i = 0; i < run->ntasks; i++) {
		if (run->tasks[i].errmsg[0]) {
			fprintf(stderr, "ptbench: %s: %s\n", run->bench->name,
				run->tasks[i].errmsg);
			return -1;
		}
	}
	return 0;
}

/* Start, run and collect one repetition.  Returns 0, or -1 if it failed. */
static int run_once(struct pt_run *run, pthread_t *th, pid_t *pids)
{
	unsigned started = 0;
	int ret = 0;

	reset_tasks(run);
	for (; started < run->ntasks; started++) {
		struct pt_task *t = &run->tasks[started];
		int err;

		if (run->processes)
			err = start_process(t, &pids[started]) ? errno : 0;
		else
			err = pthread_create(&th[started], NULL, task_thread, t);
		if (err) {
			fprintf(stderr, "ptbench: cannot start task %u: %s\n", started,
				strerror(err));
			atomic_store(&run->stop, 1);
			ret = -1;
			break;
		}
	}
	if (!ret)
		wait_ready(run);
	pt_counters_start(run->h->ctr);
	run->start_ns = pt_now_ns();
	atomic_store(&gate->go, 1);
	if (!ret)
		wait_end(run);
	atomic_store(&run->stop, 1);
	wait_done(started);
	pt_counters_stop(run->h->ctr);
	atomic_store(&gate->fini, 1);

	if (run->processes) {
		if (reap_processes(run, pids, started))
			ret = -1;
	} else if (join_threads(th, started)) {
		/* Threads that will not stop: nothing safe is left to do. */
		pt_out_abort();
		_exit(PT_EXIT_FAIL);
	}
	/* Reaped children's getrusage shows only now. */
	pt_counters_stop_late(run->h->ctr);
	if (first_task_error(run))
		ret = -1;
	return ret;
}

/*
 * A repetition that gave no value of a metric (a null sample), said once
 * the metrics are final: one made unsupported meanwhile has no samples.
 */
static void warn_missing(struct pt_run *run)
{
	const char *name;
	json_t *m, *v;
	size_t i;

	json_object_foreach(run->h->metrics, name, m)
		json_array_foreach(json_object_get(m, "samples"), i, v)
			if (json_is_null(v))
				pt_warn(run, "metric %s: repetition %zu gave no finite value",
					name, i + 1);
}

static void progress(struct pt_run *run, const char *what)
{
	if (run->h->o.quiet || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\rptbench: %s: %s   ", run->bench->name, what);
	fflush(stderr);
}

int pt_harness_run(struct pt_run *run)
{
	struct pt_harness *h = run->h;
	pthread_t *th = calloc(run->ntasks, sizeof(*th));
	pid_t *pids = calloc(run->ntasks, sizeof(*pids));
	int status = PT_EXIT_FAIL;

	gate = pt_shared_alloc(sizeof(*gate));
	if (!th || !pids || !gate) {
		fprintf(stderr, "ptbench: out of memory\n");
		goto out;
	}
	if (h->o.warmup > 0) {
		uint64_t iterations = run->iterations, duration = run->duration_ns;

		run->warmup = true;
		run->iterations = 0;
		run->duration_ns = (uint64_t)(h->o.warmup * 1e9);
		progress(run, "warm-up");
		if (run_once(run, th, pids))
			goto stopped;
		pt_counters_discard(h->ctr);
		run->warmup = false;
		run->iterations = iterations;
		run->duration_ns = duration;
	}
	for (run->rep = 0; run->rep < h->o.reps; run->rep++) {
		char what[64];

		snprintf(what, sizeof(what), "repetition %u of %u", run->rep + 1, h->o.reps);
		progress(run, what);
		if (run_once(run, th, pids))
			goto stopped;
		if (h->signo)
			goto stopped;
		run->bench->report(run);
		pt_paths_report(run);
	}
	if (run->bench->finish)
		run->bench->finish(run);
	h->paths_json = pt_paths_finish(run);
	warn_missing(run);
	status = 0;
	goto out;
stopped:
	if (h->signo)
		status = 128 + h->signo;
out:
	if (!h->o.quiet && isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	pt_paths_free(run);
	pt_shared_free(gate, sizeof(*gate));
	gate = NULL;
	free(th);
	free(pids);
	return status;
}
