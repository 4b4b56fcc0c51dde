// SPDX-License-Identifier: GPL-2.0
/*
 * Per-repetition counters: perf events encoded by libpfm4, the TLB and CAL
 * rows of /proc/interrupts, and getrusage (self plus reaped children).
 *
 * Every counter keeps one sample per recorded repetition.  A counter that
 * cannot be measured is marked unsupported with a reason and keeps no
 * samples: it is never reported as zero.
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
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>

#include "counters.h"

#define PT_CTR_NAME_MAX		127
#define PT_CTR_REASON_MAX	192
#define PT_IRQ_PATH		"/proc/interrupts"
#define PT_IRQ_BUF_INIT		16384

#define PT_DEFAULT_EVENTS \
	"task-clock,page-faults,context-switches,cpu-migrations," \
	"cycles,instructions,dTLB-load-misses"

enum pt_ctr_kind {
	PT_CTR_PERF,
	PT_CTR_IRQ,
	PT_CTR_RUSAGE,
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
	bool integer;			/* samples are counts */
	const char *unit;
	char reason[PT_CTR_REASON_MAX];
	struct perf_event_attr attr;	/* PT_CTR_PERF */
	unsigned long open_flags;
	int fd;
	double base;			/* value at start (IRQ, rusage) */
	double div;			/* sample = (end - base) / div */
	double *samples;
	size_t nsamples, cap;
};

struct pt_counters {
	struct pt_counter *ctr;
	size_t n, cap;
	bool running;
	char *irqbuf;			/* reused for every read */
	size_t irqcap;
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
	k->fd = -1;
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

static int pt_perf_open(struct pt_counter *k, const char *when)
{
	long fd;

	fd = syscall(SYS_perf_event_open, &k->attr, 0, -1, -1,
		     k->open_flags | PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		pt_perf_failed(k, when, errno);
		return -1;
	}
	return (int)fd;
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

/* Encode the event and check once that the kernel accepts it. */
static void pt_perf_probe(struct pt_counter *k, int pfm_ret)
{
	int fd;

	if (pfm_ret != PFM_SUCCESS) {
		pt_ctr_unsupported(k, "libpfm4: initialization failed: %s",
				   pfm_strerror(pfm_ret));
		return;
	}
	pt_perf_encode(k);
	if (!k->supported)
		return;
	fd = pt_perf_open(k, "");
	if (fd >= 0)
		close(fd);
}

static void pt_perf_start(struct pt_counter *k)
{
	if (k->supported)
		k->fd = pt_perf_open(k, " at repetition start");
}

static void pt_perf_stop(struct pt_counter *k)
{
	uint64_t v[3];	/* value, time enabled, time running */
	ssize_t r;
	double val;

	if (k->fd < 0)
		return;
	do
		r = read(k->fd, v, sizeof(v));
	while (r < 0 && errno == EINTR);
	close(k->fd);
	k->fd = -1;
	if (r != (ssize_t)sizeof(v)) {
		pt_ctr_unsupported(k, "reading the perf event failed: %s",
				   r < 0 ? strerror(errno) : "short read");
		return;
	}
	if (v[2] == 0 && v[1] != 0) {
		pt_ctr_unsupported(k, "the event was never scheduled on the PMU (too many events?)");
		return;
	}
	val = (double)v[0];
	if (v[2] && v[2] < v[1])	/* multiplexed: scale */
		val = round(val * ((double)v[1] / (double)v[2]));
	pt_ctr_record(k, val);
}

/* ---- /proc/interrupts ------------------------------------------------- */

/* Read the whole file into c->irqbuf (NUL-terminated); 0 or -errno. */
static int pt_irq_slurp(struct pt_counters *c)
{
	size_t len = 0;
	ssize_t r;
	char *n;
	int fd, err = 0;

	fd = open(PT_IRQ_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (c->irqcap - len < 2) {
			n = realloc(c->irqbuf, c->irqcap ? 2 * c->irqcap : PT_IRQ_BUF_INIT);
			if (!n) {
				err = -ENOMEM;
				break;
			}
			c->irqbuf = n;
			c->irqcap = c->irqcap ? 2 * c->irqcap : PT_IRQ_BUF_INIT;
		}
		r = read(fd, c->irqbuf + len, c->irqcap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (c->irqbuf)
		c->irqbuf[len] = '\0';
	return err;
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

	err = pt_irq_slurp(c);
	if (err)
		return err;
	ncpu = pt_irq_ncpu(c->irqbuf);
	for (i = 0; i < PT_IRQ_N; i++)
		if (!pt_irq_row(c->irqbuf, pt_irq_rows[i], ncpu, &vals[i]))
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
	return false;
}

/* Add one perf event named by [s, s + len); -1 with err set on bad input. */
static int pt_event_add(struct pt_counters *c, const char *s, size_t len,
			unsigned pos, char *err, size_t errlen)
{
	char name[PT_CTR_NAME_MAX + 1];
	struct pt_counter *k;

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
	if (pt_ctr_find(c, name)) {
		snprintf(err, errlen, "event \"%s\" listed twice", name);
		return -1;
	}
	if (pt_builtin_name(name)) {
		snprintf(err, errlen, "\"%s\" is always recorded: it is not a perf event", name);
		return -1;
	}
	k = pt_ctr_add(c, name, PT_CTR_PERF);
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int pt_events_parse(struct pt_counters *c, const char *spec,
			   char *err, size_t errlen)
{
	const char *p = spec, *comma;
	unsigned pos = 1;
	size_t len;

	if (!spec || !strcmp(spec, "default"))
		p = PT_DEFAULT_EVENTS;
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
	int pfm_ret;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pt_events_parse(c, spec, err, errlen))
		goto fail;
	nperf = c->n;
	pfm_ret = nperf ? pt_pfm_init() : PFM_SUCCESS;
	for (i = 0; i < nperf; i++)
		pt_perf_probe(&c->ctr[i], pfm_ret);
	if (pt_irq_add(c) || pt_ru_add(c)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return c;
fail:
	pt_counters_free(c);
	return NULL;
}

/* Close the events of a repetition that was started but never stopped. */
static void pt_perf_close_all(struct pt_counters *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->ctr[i].fd >= 0)
			close(c->ctr[i].fd);
		c->ctr[i].fd = -1;
	}
}

void pt_counters_start(struct pt_counters *c)
{
	double irq[PT_IRQ_N], ru[PT_RU_N];
	int irq_err, ru_err;
	size_t i;

	if (c->running)
		pt_perf_close_all(c);
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
	}
	/* Open the events last so they count as little of our work as possible. */
	for (i = 0; i < c->n; i++)
		if (c->ctr[i].kind == PT_CTR_PERF)
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
	double irq[PT_IRQ_N], ru[PT_RU_N];
	int irq_err, ru_err;
	size_t i;

	if (!c->running)
		return;
	c->running = false;
	for (i = 0; i < c->n; i++)
		if (c->ctr[i].kind == PT_CTR_PERF)
			pt_perf_stop(&c->ctr[i]);
	irq_err = pt_irq_read(c, irq);
	ru_err = pt_ru_values(ru);
	for (i = 0; i < c->n; i++) {
		struct pt_counter *k = &c->ctr[i];

		if (!k->supported)
			continue;
		if (k->kind == PT_CTR_IRQ)
			pt_delta_record(k, irq_err, irq[k->index]);
		else if (k->kind == PT_CTR_RUSAGE)
			pt_delta_record(k, ru_err, ru[k->index]);
	}
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
	free(c->irqbuf);
	free(c);
}
