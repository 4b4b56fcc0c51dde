// SPDX-License-Identifier: GPL-2.0
/*
 * Per-repetition counters: perf events encoded by libpfm4, the TLB and CAL
 * rows of /proc/interrupts, and getrusage (self plus reaped children).
 *
 * Every counter keeps one sample per recorded repetition.  A counter that
 * cannot be measured is marked unsupported with a reason and keeps no
 * samples: it is never reported as zero.
 *
 * Perf events (libpfm4 ones, kprobes and tracepoints) are opened once, when
 * the counters are made, and stay open until they are freed: a repetition
 * reads each total at its start and at its end.  Opening and closing them
 * per repetition would flip the kernel's static keys (and, for kprobes,
 * patch kernel text) between repetitions; once is enough.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>

#include "counters.h"
#include "internal.h"
#include "kcount.h"

#define PT_CTR_NAME_MAX		127
#define PT_CTR_REASON_MAX	192
#define PT_IRQ_PATH		"/proc/interrupts"

#define PT_DEFAULT_EVENTS \
	"task-clock,page-faults,context-switches,cpu-migrations," \
	"cycles,instructions,dTLB-load-misses"

enum pt_ctr_kind {
	PT_CTR_PERF,		/* libpfm4 name */
	PT_CTR_KC,		/* kprobe or tracepoint (kcount.c) */
	PT_CTR_IRQ,
	PT_CTR_RUSAGE,
	PT_CTR_PROC,		/* /proc/vmstat, /proc/softirqs */
	PT_CTR_MEMPEAK,		/* /proc/meminfo, sampled during the repetition */
};

/* Rows of /proc/vmstat and /proc/softirqs, always recorded (deltas). */
enum { PT_PROC_PT_PAGES, PT_PROC_PGALLOC, PT_PROC_PGFREE, PT_PROC_RCU, PT_PROC_N };

static const char *const pt_proc_names[PT_PROC_N] = {
	"vmstat:nr_page_table_pages", "vmstat:pgalloc", "vmstat:pgfree", "softirqs:RCU",
};

/* Peaks over a repetition of what /proc/meminfo says, against its start. */
enum { PT_MEM_HELD, PT_MEM_PT, PT_MEM_N };

static const char *const pt_mem_names[PT_MEM_N] = {
	"meminfo:held_kib_peak", "meminfo:pagetables_kib_peak",
};

/* The rows of /proc/interrupts we follow, in output order. */
static const char *const pt_irq_rows[] = { "TLB", "CAL" };
#define PT_IRQ_N	(sizeof(pt_irq_rows) / sizeof(pt_irq_rows[0]))

/* getrusage fields, in output order; see pt_ru_values(). */
enum {
	PT_RU_UTIME, PT_RU_STIME, PT_RU_NVCSW, PT_RU_NIVCSW,
	PT_RU_MINFLT, PT_RU_MAJFLT, PT_RU_N
};

static const char *const pt_ru_names[PT_RU_N] = {
	"rusage:utime_s", "rusage:stime_s", "rusage:nvcsw",
	"rusage:nivcsw", "rusage:minflt", "rusage:majflt",
};

struct pt_counter {
	char name[PT_CTR_NAME_MAX + 1];
	enum pt_ctr_kind kind;
	unsigned index;			/* IRQ row or rusage field */
	bool supported;
	bool absent;			/* kprobe: no such function in this kernel */
	bool integer;			/* samples are counts */
	const char *unit;
	char reason[PT_CTR_REASON_MAX];
	struct perf_event_attr attr;	/* PT_CTR_PERF, PT_CTR_KC */
	unsigned long open_flags;
	struct pt_kc_spec kc;		/* PT_CTR_KC */
	int *fds;			/* open: one, or one per CPU (system scope) */
	unsigned nfds;
	uint64_t pbase[3];		/* perf: value, enabled, running at start */
	double base;			/* value at start (IRQ, rusage, proc) */
	double div;			/* sample = (end - base) / div */
	double *samples;
	size_t nsamples, cap;
};

struct pt_counters {
	struct pt_counter *ctr;
	size_t n, cap;
	bool running;
	bool late;			/* stopped; getrusage still to record */
	char *buf;			/* the /proc files, reused for every read */
	size_t bufcap;
	double mem_base[PT_MEM_N];	/* MemFree, PageTables at start (KiB) */
	double mem_peak[PT_MEM_N];	/* lowest MemFree, highest PageTables */
	bool mem_ok;
};

/* ---- counter list ----------------------------------------------------- */

static struct pt_counter *pt_ctr_find(const struct pt_counters *c,
				      const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->ctr[i].name, name))
			return &c->ctr[i];
	return NULL;
}

static struct pt_counter *pt_ctr_add(struct pt_counters *c, const char *name,
				     enum pt_ctr_kind kind)
{
	struct pt_counter *k, *n;
	size_t cap;

	if (c->n == c->cap) {
		cap = c->cap ? 2 * c->cap : 16;
		n = realloc(c->ctr, cap * sizeof(*n));
		if (!n)
			return NULL;
		c->ctr = n;
		c->cap = cap;
	}
	k = &c->ctr[c->n++];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->kind = kind;
	k->supported = true;
	k->integer = true;
	k->unit = "count";
	k->div = 1;
	return k;
}

static void pt_ctr_unsupported(struct pt_counter *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Mark a counter unsupported; any samples it had are dropped. */
static void pt_ctr_unsupported(struct pt_counter *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->reason, sizeof(k->reason), fmt, ap);
	va_end(ap);
	k->supported = false;
	free(k->samples);
	k->samples = NULL;
	k->nsamples = 0;
	k->cap = 0;
}

static void pt_ctr_record(struct pt_counter *k, double v)
{
	double *n;
	size_t cap;

	if (k->nsamples == k->cap) {
		cap = k->cap ? 2 * k->cap : 16;
		n = realloc(k->samples, cap * sizeof(*n));
		if (!n) {
			pt_ctr_unsupported(k, "out of memory recording samples");
			return;
		}
		k->samples = n;
		k->cap = cap;
	}
	k->samples[k->nsamples++] = v;
}

/* ---- perf events ------------------------------------------------------ */

static int pt_pfm_init(void)
{
	static int done, ret;

	if (!done) {
		ret = pfm_initialize();
		done = 1;
	}
	return ret;
}

/* Why perf_event_open may have said EACCES/EPERM, into buf. */
static const char *pt_perm_hint(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v;

	if (f && fscanf(f, "%d", &v) == 1)
		snprintf(buf, len, " (perf_event_paranoid is %d: run as root or lower it)", v);
	else
		snprintf(buf, len, " (not allowed by perf_event_paranoid or a security module)");
	if (f)
		fclose(f);
	return buf;
}

static void pt_perf_failed(struct pt_counter *k, const char *when, int err)
{
	const char *hint = "";
	char buf[96];

	if (err == ENOENT && k->attr.type != PERF_TYPE_SOFTWARE)
		hint = " (no hardware PMU on this machine?)";
	else if (err == EOPNOTSUPP)
		hint = " (not supported by this PMU)";
	else if (err == EACCES || err == EPERM)
		hint = pt_perm_hint(buf, sizeof(buf));
	pt_ctr_unsupported(k, "perf_event_open%s: %s%s", when,
			   strerror(err), hint);
}

/* Room for n descriptors; 0, or -1 with the counter unsupported. */
static int pt_fds_alloc(struct pt_counter *k, size_t n)
{
	k->fds = calloc(n, sizeof(int));
	if (k->fds)
		return 0;
	pt_ctr_unsupported(k, "out of memory");
	return -1;
}

/* A libpfm4 event, for this process and the tasks it starts. */
static void pt_perf_open(struct pt_counter *k, const char *when)
{
	long fd;

	fd = syscall(SYS_perf_event_open, &k->attr, 0, -1, -1,
		     k->open_flags | PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		pt_perf_failed(k, when, errno);
	else
		k->fds[k->nfds++] = (int)fd;
}

static void pt_perf_encode(struct pt_counter *k)
{
	pfm_perf_encode_arg_t arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.attr = &k->attr;
	arg.size = sizeof(arg);
	ret = pfm_get_os_event_encoding(k->name, PFM_PLM0 | PFM_PLM3,
					PFM_OS_PERF_EVENT_EXT, &arg);
	if (ret != PFM_SUCCESS) {
		pt_ctr_unsupported(k, "libpfm4: %s", pfm_strerror(ret));
		return;
	}
	k->open_flags = (unsigned long)arg.flags;
	k->attr.size = sizeof(k->attr);
	k->attr.inherit = 1;
	k->attr.disabled = 0;
	k->attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
			      PERF_FORMAT_TOTAL_TIME_RUNNING;
	if (k->attr.type == PERF_TYPE_SOFTWARE &&
	    (k->attr.config == PERF_COUNT_SW_TASK_CLOCK ||
	     k->attr.config == PERF_COUNT_SW_CPU_CLOCK))
		k->unit = "ns";
}

/* Encode the event and open it for the whole run. */
static void pt_perf_probe(struct pt_counter *k, int pfm_ret)
{
	if (pfm_ret != PFM_SUCCESS) {
		pt_ctr_unsupported(k, "libpfm4: initialization failed: %s",
				   pfm_strerror(pfm_ret));
		return;
	}
	pt_perf_encode(k);
	if (k->supported && !pt_fds_alloc(k, 1))
		pt_perf_open(k, "");
}

/*
 * A kprobe or tracepoint (attributes from kcount.c), opened for the whole
 * run: in this process and the tasks it starts ("@task"), or on every
 * online CPU, one descriptor each.
 */
static void pt_kc_probe(struct pt_counter *k)
{
	long ncpu = k->kc.system ? sysconf(_SC_NPROCESSORS_CONF) : 1, cpu, fd;
	char reason[PT_CTR_REASON_MAX];
	int r = pt_kc_attr(&k->kc, &k->attr, reason, sizeof(reason));
	unsigned i;

	if (r) {
		pt_ctr_unsupported(k, "%s", reason);
		k->absent = r == -2;
		return;
	}
	if (pt_fds_alloc(k, (size_t)(ncpu > 0 ? ncpu : 1)))
		return;
	for (cpu = 0; cpu < ncpu; cpu++) {
		fd = syscall(SYS_perf_event_open, &k->attr, k->kc.system ? -1 : 0,
			     k->kc.system ? (int)cpu : -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0 && errno == ENODEV && k->kc.system)
			continue;		/* offline CPU */
		if (fd < 0) {
			pt_kc_open_failed(&k->kc, errno, reason, sizeof(reason));
			pt_ctr_unsupported(k, "%s", reason);
			return;
		}
		k->fds[k->nfds++] = (int)fd;
	}
	/* Count only the tracepoint hits the filter passes ("reason == 4"). */
	for (i = 0; k->kc.filter[0] && i < k->nfds; i++) {
		if (ioctl(k->fds[i], PERF_EVENT_IOC_SET_FILTER, k->kc.filter)) {
			pt_ctr_unsupported(k, "the kernel refused the filter \"%s\": %s",
					   k->kc.filter, strerror(errno));
			return;
		}
	}
}

/* value, time enabled, time running; summed over a system event's CPUs. */
static int pt_perf_read(const struct pt_counter *k, uint64_t v[3])
{
	uint64_t one[3];
	unsigned i;
	ssize_t r;

	v[0] = v[1] = v[2] = 0;
	for (i = 0; i < k->nfds; i++) {
		do
			r = read(k->fds[i], one, sizeof(one));
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)sizeof(one))
			return r < 0 ? -errno : -EIO;
		v[0] += one[0];
		v[1] += one[1];
		v[2] += one[2];
	}
	return 0;
}

static bool pt_perf_open_p(const struct pt_counter *k)
{
	return k->nfds > 0;
}

static void pt_perf_start(struct pt_counter *k)
{
	int err;

	if (!k->supported || !pt_perf_open_p(k))
		return;
	err = pt_perf_read(k, k->pbase);
	if (err)
		pt_ctr_unsupported(k, "reading the perf event failed: %s", strerror(-err));
}

static void pt_perf_stop(struct pt_counter *k)
{
	uint64_t v[3], d[3];	/* value, time enabled, time running */
	double val;
	int err;

	if (!k->supported || !pt_perf_open_p(k))
		return;
	err = pt_perf_read(k, v);
	if (err) {
		pt_ctr_unsupported(k, "reading the perf event failed: %s", strerror(-err));
		return;
	}
	d[0] = v[0] - k->pbase[0];
	d[1] = v[1] - k->pbase[1];
	d[2] = v[2] - k->pbase[2];
	if (d[2] == 0 && d[1] != 0) {
		pt_ctr_unsupported(k, "the event was never scheduled on the PMU (too many events?)");
		return;
	}
	val = (double)d[0];
	if (d[2] && d[2] < d[1])	/* multiplexed: scale */
		val = round(val * ((double)d[1] / (double)d[2]));
	pt_ctr_record(k, val);
}

/* ---- /proc/interrupts ------------------------------------------------- */

/* Read a /proc file into c->buf; 0 or -errno. */
static int pt_read_proc(struct pt_counters *c, const char *path)
{
	ssize_t r = pt_slurp(path, &c->buf, &c->bufcap);

	return r < 0 ? (int)r : 0;
}

/* Number of CPU columns: the "CPUn" words of the header line. */
static unsigned pt_irq_ncpu(const char *p)
{
	unsigned n = 0;

	while (*p && *p != '\n') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "CPU", 3))
			n++;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	return n;
}

/* Sum of the per-CPU columns of row "label:"; false if it is absent. */
static bool pt_irq_row(const char *buf, const char *label, unsigned ncpu,
		       double *sum)
{
	size_t len = strlen(label);
	const char *p = buf;
	char *end;
	unsigned i;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, label, len) && p[len] == ':')
			break;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return false;
	p += len + 1;
	*sum = 0;
	for (i = 0; i < ncpu; i++) {
		*sum += (double)strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
	}
	return true;
}

/* Snapshot the interrupt rows; vals[i] is NAN for an absent row. */
static int pt_irq_read(struct pt_counters *c, double vals[PT_IRQ_N])
{
	unsigned i, ncpu;
	int err;

	err = pt_read_proc(c, PT_IRQ_PATH);
	if (err)
		return err;
	ncpu = pt_irq_ncpu(c->buf);
	for (i = 0; i < PT_IRQ_N; i++)
		if (!pt_irq_row(c->buf, pt_irq_rows[i], ncpu, &vals[i]))
			vals[i] = NAN;
	return 0;
}

static int pt_irq_add(struct pt_counters *c)
{
	double vals[PT_IRQ_N];
	struct pt_counter *k;
	char name[32];
	unsigned i;
	int err;

	err = pt_irq_read(c, vals);
	for (i = 0; i < PT_IRQ_N; i++) {
		snprintf(name, sizeof(name), "interrupts:%s", pt_irq_rows[i]);
		k = pt_ctr_add(c, name, PT_CTR_IRQ);
		if (!k)
			return -1;
		k->index = i;
		if (err)
			pt_ctr_unsupported(k, "cannot read %s: %s",
					   PT_IRQ_PATH, strerror(-err));
		else if (isnan(vals[i]))
			pt_ctr_unsupported(k, "no %s row in %s",
					   pt_irq_rows[i], PT_IRQ_PATH);
	}
	return 0;
}

/* ---- getrusage -------------------------------------------------------- */

/* Microseconds: whole numbers, so deltas are exact. */
static double pt_tv_us(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e6 + (double)tv->tv_usec;
}

/* Self plus reaped children, one value per PT_RU_* field (times in us). */
static int pt_ru_values(double v[PT_RU_N])
{
	struct rusage s, ch;

	if (getrusage(RUSAGE_SELF, &s) || getrusage(RUSAGE_CHILDREN, &ch))
		return -errno;
	v[PT_RU_UTIME] = pt_tv_us(&s.ru_utime) + pt_tv_us(&ch.ru_utime);
	v[PT_RU_STIME] = pt_tv_us(&s.ru_stime) + pt_tv_us(&ch.ru_stime);
	v[PT_RU_NVCSW] = (double)s.ru_nvcsw + (double)ch.ru_nvcsw;
	v[PT_RU_NIVCSW] = (double)s.ru_nivcsw + (double)ch.ru_nivcsw;
	v[PT_RU_MINFLT] = (double)s.ru_minflt + (double)ch.ru_minflt;
	v[PT_RU_MAJFLT] = (double)s.ru_majflt + (double)ch.ru_majflt;
	return 0;
}

static int pt_ru_add(struct pt_counters *c)
{
	struct pt_counter *k;
	unsigned i;

	for (i = 0; i < PT_RU_N; i++) {
		k = pt_ctr_add(c, pt_ru_names[i], PT_CTR_RUSAGE);
		if (!k)
			return -1;
		k->index = i;
		if (i == PT_RU_UTIME || i == PT_RU_STIME) {
			k->integer = false;
			k->unit = "s";
			k->div = 1e6;
		}
	}
	return 0;
}

/* ---- /proc/vmstat, /proc/softirqs, /proc/meminfo ----------------------- */

/* Sum of the values of the lines of a "key value" file starting with key. */
static bool pt_kv_sum(const char *buf, const char *key, bool prefix, double *sum)
{
	size_t len = strlen(key);
	const char *p = buf;
	bool found = false;

	*sum = 0;
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, len) || (!prefix && p[len] != ' '))
			continue;
		*sum += strtod(p + strcspn(p, " "), NULL);
		found = true;
	}
	return found;
}

/* This moment's value of each PT_PROC_* row; NAN where it cannot be read. */
static void pt_proc_read(struct pt_counters *c, double v[PT_PROC_N])
{
	unsigned i, ncpu;

	for (i = 0; i < PT_PROC_N; i++)
		v[i] = NAN;
	if (!pt_read_proc(c, "/proc/vmstat")) {
		if (!pt_kv_sum(c->buf, "nr_page_table_pages", false, &v[PT_PROC_PT_PAGES]))
			v[PT_PROC_PT_PAGES] = NAN;
		if (!pt_kv_sum(c->buf, "pgalloc_", true, &v[PT_PROC_PGALLOC]))
			v[PT_PROC_PGALLOC] = NAN;
		if (!pt_kv_sum(c->buf, "pgfree", false, &v[PT_PROC_PGFREE]))
			v[PT_PROC_PGFREE] = NAN;
	}
	if (!pt_read_proc(c, "/proc/softirqs")) {
		ncpu = pt_irq_ncpu(c->buf);
		if (!pt_irq_row(c->buf, "RCU", ncpu, &v[PT_PROC_RCU]))
			v[PT_PROC_RCU] = NAN;
	}
}

static int pt_proc_add(struct pt_counters *c)
{
	double v[PT_PROC_N];
	struct pt_counter *k;
	unsigned i;

	pt_proc_read(c, v);
	for (i = 0; i < PT_PROC_N; i++) {
		k = pt_ctr_add(c, pt_proc_names[i], PT_CTR_PROC);
		if (!k)
			return -1;
		k->index = i;
		if (isnan(v[i]))
			pt_ctr_unsupported(k, "cannot read %s from %s", pt_proc_names[i] +
					   strcspn(pt_proc_names[i], ":") + 1,
					   i == PT_PROC_RCU ? "/proc/softirqs" : "/proc/vmstat");
	}
	return 0;
}

/*
 * Free pages the per-CPU lists hold, in KiB (the "count:" lines of
 * /proc/zoneinfo); 0 if it cannot be read.  MemFree leaves them out, and
 * they are large (thousands of pages a CPU): a table freed and a page
 * allocated again pass through them without MemFree moving.
 */
static double pt_pcp_kib(struct pt_counters *c)
{
	double sum = 0;
	const char *p;

	if (pt_read_proc(c, "/proc/zoneinfo"))
		return 0;
	for (p = c->buf; (p = strstr(p, "count:")); p += 6)
		sum += strtod(p + 6, NULL);
	return sum * (double)sysconf(_SC_PAGESIZE) / 1024;
}

/*
 * Free memory (MemFree plus the per-CPU lists) and PageTables now, in
 * KiB; false if /proc/meminfo says neither.  A table waiting for an RCU
 * grace period is in neither free count: that is what held_kib_peak sees.
 */
static bool pt_mem_read(struct pt_counters *c, double v[PT_MEM_N])
{
	if (pt_read_proc(c, "/proc/meminfo"))
		return false;
	if (!pt_kv_sum(c->buf, "MemFree:", false, &v[PT_MEM_HELD]) ||
	    !pt_kv_sum(c->buf, "PageTables:", false, &v[PT_MEM_PT]))
		return false;
	v[PT_MEM_HELD] += pt_pcp_kib(c);
	return true;
}

static int pt_mem_add(struct pt_counters *c)
{
	double v[PT_MEM_N];
	struct pt_counter *k;
	bool ok = pt_mem_read(c, v);
	unsigned i;

	for (i = 0; i < PT_MEM_N; i++) {
		k = pt_ctr_add(c, pt_mem_names[i], PT_CTR_MEMPEAK);
		if (!k)
			return -1;
		k->index = i;
		k->unit = "KiB";
		if (!ok)
			pt_ctr_unsupported(k, "/proc/meminfo has no MemFree or PageTables line");
	}
	return 0;
}

void pt_counters_sample(struct pt_counters *c)
{
	double v[PT_MEM_N];

	if (!c->running || !c->mem_ok || !pt_mem_read(c, v))
		return;
	if (v[PT_MEM_HELD] < c->mem_peak[PT_MEM_HELD])
		c->mem_peak[PT_MEM_HELD] = v[PT_MEM_HELD];
	if (v[PT_MEM_PT] > c->mem_peak[PT_MEM_PT])
		c->mem_peak[PT_MEM_PT] = v[PT_MEM_PT];
}

/* ---- parsing the spec ------------------------------------------------- */

/* Is this the name of an interrupt or rusage counter? */
static bool pt_builtin_name(const char *name)
{
	unsigned i;

	if (!strncmp(name, "interrupts:", 11)) {
		for (i = 0; i < PT_IRQ_N; i++)
			if (!strcmp(name + 11, pt_irq_rows[i]))
				return true;
	}
	for (i = 0; i < PT_RU_N; i++)
		if (!strcmp(name, pt_ru_names[i]))
			return true;
	for (i = 0; i < PT_PROC_N; i++)
		if (!strcmp(name, pt_proc_names[i]))
			return true;
	for (i = 0; i < PT_MEM_N; i++)
		if (!strcmp(name, pt_mem_names[i]))
			return true;
	return false;
}

static int pt_event_add_one(struct pt_counters *c, const char *name,
			    char *err, size_t errlen);

/* "path": the kprobes and tracepoints that say which path ran. */
static int pt_event_add_path(struct pt_counters *c, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; pt_path_events[i]; i++) {
		if (pt_ctr_find(c, pt_path_events[i]))
			continue;
		if (pt_event_add_one(c, pt_path_events[i], err, errlen))
			return -1;
	}
	return 0;
}

/* Add one perf event named by [s, s + len); -1 with err set on bad input. */
static int pt_event_add(struct pt_counters *c, const char *s, size_t len,
			unsigned pos, char *err, size_t errlen)
{
	char name[PT_CTR_NAME_MAX + 1];

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len) {
		snprintf(err, errlen, "empty event name (element %u of the event list)", pos);
		return -1;
	}
	if (len > PT_CTR_NAME_MAX) {
		snprintf(err, errlen, "event name too long (%zu characters, at most %d): %.40s...",
			 len, PT_CTR_NAME_MAX, s);
		return -1;
	}
	memcpy(name, s, len);
	name[len] = '\0';
	if (!strcmp(name, "path"))
		return pt_event_add_path(c, err, errlen);
	return pt_event_add_one(c, name, err, errlen);
}

static int pt_event_add_one(struct pt_counters *c, const char *name,
			    char *err, size_t errlen)
{
	struct pt_kc_spec spec;
	struct pt_counter *k;
	int kc;

	if (pt_ctr_find(c, name)) {
		snprintf(err, errlen, "event \"%s\" listed twice", name);
		return -1;
	}
	if (pt_builtin_name(name)) {
		snprintf(err, errlen, "\"%s\" is always recorded: it is not a perf event", name);
		return -1;
	}
	kc = pt_kc_parse(name, &spec, err, errlen);
	if (kc < 0)
		return -1;
	k = pt_ctr_add(c, name, kc ? PT_CTR_PERF : PT_CTR_KC);
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->kc = spec;
	return 0;
}

static int pt_events_parse(struct pt_counters *c, const char *spec,
			   char *err, size_t errlen)
{
	const char *p = spec, *comma;
	unsigned pos = 1;
	size_t len;

	if (!spec || !strcmp(spec, "default"))
		p = PT_DEFAULT_EVENTS ",path";
	else if (!strcmp(spec, "none"))
		return 0;
	for (;; pos++) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (pt_event_add(c, p, len, pos, err, errlen))
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* ---- public interface ------------------------------------------------- */

struct pt_counters *pt_counters_new(const char *spec, char *err, size_t errlen)
{
	struct pt_counters *c;
	size_t i, nperf;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pt_events_parse(c, spec, err, errlen))
		goto fail;
	nperf = c->n;
	for (i = 0; i < nperf; i++) {
		if (c->ctr[i].kind == PT_CTR_PERF)
			pt_perf_probe(&c->ctr[i], pt_pfm_init());
		else
			pt_kc_probe(&c->ctr[i]);
	}
	if (pt_irq_add(c) || pt_ru_add(c) || pt_proc_add(c) || pt_mem_add(c)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return c;
fail:
	pt_counters_free(c);
	return NULL;
}

int pt_counters_check(const char *spec, char *err, size_t errlen)
{
	struct pt_counters *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = pt_events_parse(c, spec, err, errlen);
	pt_counters_free(c);
	return ret;
}

/* Close every event: the kernel removes the kprobes with their last fd. */
static void pt_perf_close_all(struct pt_counters *c)
{
	struct pt_counter *k;
	size_t i;

	for (i = 0; i < c->n; i++) {
		k = &c->ctr[i];
		while (k->nfds)
			close(k->fds[--k->nfds]);
		free(k->fds);
		k->fds = NULL;
	}
}

static bool pt_perf_kind(const struct pt_counter *k)
{
	return k->kind == PT_CTR_PERF || k->kind == PT_CTR_KC;
}

void pt_counters_start(struct pt_counters *c)
{
	double irq[PT_IRQ_N], ru[PT_RU_N], proc[PT_PROC_N];
	int irq_err, ru_err;
	size_t i;

	pt_proc_read(c, proc);
	c->mem_ok = pt_mem_read(c, c->mem_base);
	memcpy(c->mem_peak, c->mem_base, sizeof(c->mem_peak));
	irq_err = pt_irq_read(c, irq);
	ru_err = pt_ru_values(ru);
	for (i = 0; i < c->n; i++) {
		struct pt_counter *k = &c->ctr[i];

		if (!k->supported)
			continue;
		if (k->kind == PT_CTR_IRQ && irq_err)
			pt_ctr_unsupported(k, "cannot read %s: %s",
					   PT_IRQ_PATH, strerror(-irq_err));
		else if (k->kind == PT_CTR_IRQ)
			k->base = irq[k->index];
		else if (k->kind == PT_CTR_RUSAGE && ru_err)
			pt_ctr_unsupported(k, "getrusage: %s", strerror(-ru_err));
		else if (k->kind == PT_CTR_RUSAGE)
			k->base = ru[k->index];
		else if (k->kind == PT_CTR_PROC && isnan(proc[k->index]))
			pt_ctr_unsupported(k, "%s could not be read at repetition start", k->name);
		else if (k->kind == PT_CTR_PROC)
			k->base = proc[k->index];
	}
	/* Read the events last so they count as little of our work as possible. */
	for (i = 0; i < c->n; i++)
		if (pt_perf_kind(&c->ctr[i]))
			pt_perf_start(&c->ctr[i]);
	c->running = true;
}

static void pt_delta_record(struct pt_counter *k, int err, double now)
{
	if (err)
		pt_ctr_unsupported(k, "%s at repetition end: %s",
				   k->kind == PT_CTR_IRQ ? "reading " PT_IRQ_PATH : "getrusage",
				   strerror(-err));
	else if (isnan(now))
		pt_ctr_unsupported(k, "row disappeared from %s", PT_IRQ_PATH);
	else
		pt_ctr_record(k, (now - k->base) / k->div);
}

void pt_counters_stop(struct pt_counters *c)
{
	double irq[PT_IRQ_N], proc[PT_PROC_N];
	int irq_err;
	size_t i;

	if (!c->running)
		return;
	for (i = 0; i < c->n; i++)
		if (pt_perf_kind(&c->ctr[i]))
			pt_perf_stop(&c->ctr[i]);
	pt_counters_sample(c);
	c->running = false;
	c->late = true;
	pt_proc_read(c, proc);
	irq_err = pt_irq_read(c, irq);
	for (i = 0; i < c->n; i++) {
		struct pt_counter *k = &c->ctr[i];

		if (!k->supported)
			continue;
		if (k->kind == PT_CTR_IRQ)
			pt_delta_record(k, irq_err, irq[k->index]);
		else if (k->kind == PT_CTR_PROC && isnan(proc[k->index]))
			pt_ctr_unsupported(k, "%s could not be read at repetition end", k->name);
		else if (k->kind == PT_CTR_PROC)
			pt_ctr_record(k, proc[k->index] - k->base);
		else if (k->kind == PT_CTR_MEMPEAK && !c->mem_ok)
			pt_ctr_unsupported(k, "/proc/meminfo could not be read at repetition start");
		else if (k->kind == PT_CTR_MEMPEAK)
			pt_ctr_record(k, k->index == PT_MEM_HELD ?
				      c->mem_base[PT_MEM_HELD] - c->mem_peak[PT_MEM_HELD] :
				      c->mem_peak[PT_MEM_PT] - c->mem_base[PT_MEM_PT]);
	}
}

void pt_counters_stop_late(struct pt_counters *c)
{
	double ru[PT_RU_N];
	int ru_err;
	size_t i;

	if (!c->late)
		return;
	c->late = false;
	ru_err = pt_ru_values(ru);
	for (i = 0; i < c->n; i++)
		if (c->ctr[i].supported && c->ctr[i].kind == PT_CTR_RUSAGE)
			pt_delta_record(&c->ctr[i], ru_err, ru[c->ctr[i].index]);
}

void pt_counters_discard(struct pt_counters *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->ctr[i].nsamples)
			c->ctr[i].nsamples--;
}

bool pt_counters_last(const struct pt_counters *c, const char *name,
		      double *value)
{
	const struct pt_counter *k = pt_ctr_find(c, name);

	if (!k || !k->supported || !k->nsamples)
		return false;
	*value = k->samples[k->nsamples - 1];
	return true;
}

bool pt_counters_absent(const struct pt_counters *c, const char *name)
{
	const struct pt_counter *k = pt_ctr_find(c, name);

	return k && k->absent;
}

const char *pt_counters_reason(const struct pt_counters *c, const char *name)
{
	const struct pt_counter *k = pt_ctr_find(c, name);

	if (!k)
		return "not asked for (see --events)";
	return k->supported ? NULL : k->reason;
}

static json_t *pt_ctr_json(const struct pt_counter *k)
{
	json_t *samples;
	size_t i;

	if (!k->supported)
		return json_pack("{s:b, s:s}", "supported", 0,
				 "reason", k->reason);
	samples = json_array();
	for (i = 0; samples && i < k->nsamples; i++)
		json_array_append_new(samples, k->integer ?
				      json_integer((json_int_t)llround(k->samples[i])) :
				      json_real(k->samples[i]));
	if (k->kind == PT_CTR_KC) {
		char probe[256];

		if (k->kc.kind == PT_KC_KPROBE)
			snprintf(probe, sizeof(probe), "kprobe %s", k->kc.symbol);
		else
			snprintf(probe, sizeof(probe), "tracepoint %s%s%s", k->kc.tp,
				 k->kc.filter[0] ? " if " : "", k->kc.filter);
		return json_pack("{s:b, s:s, s:s, s:s, s:o}", "supported", 1, "unit", k->unit,
				 "scope", k->kc.system ? "system" : "task",
				 "probe", probe, "samples", samples);
	}
	return json_pack("{s:b, s:s, s:o}", "supported", 1, "unit", k->unit,
			 "samples", samples);
}

json_t *pt_counters_json(const struct pt_counters *c)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < c->n; i++)
		json_object_set_new(o, c->ctr[i].name, pt_ctr_json(&c->ctr[i]));
	return o;
}

void pt_counters_free(struct pt_counters *c)
{
	size_t i;

	if (!c)
		return;
	pt_perf_close_all(c);
	for (i = 0; i < c->n; i++)
		free(c->ctr[i].samples);
	free(c->ctr);
	free(c->buf);
	free(c);
}
