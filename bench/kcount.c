// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel counts of functions (kprobes) and tracepoints, for the path
 * counters: which function freed the page tables, which flushed the TLB.
 *
 * Scope: by default an event counts on every CPU, for every task (one
 * descriptor per CPU), like the rows of /proc/interrupts: a table freed in
 * an RCU callback, or a flush IPI handled on another CPU, is not counted
 * in any task of ours.  The other reason is cost: an event that tasks
 * inherit is copied at every fork, and for a kprobe the copy registers a
 * new probe (kernel text patching, a grace period): seen here, fork-exit
 * under QEMU TCG went from 10 ms to 260 ms a fork.  "@task" asks for the
 * inherited per-task count anyway.
 *
 * Why the perf "kprobe" PMU and not tracefs kprobe_events: a kprobe made by
 * perf_event_open() belongs to its file descriptor.  The kernel removes it
 * when the last descriptor closes, which happens on exit, on any signal
 * and on a crash alike, so no run can leave a probe behind and no earlier
 * killed run can have left one.  The event only counts (no sample period,
 * no ring buffer): nothing is read during a timed loop; the harness reads
 * the totals between repetitions.
 *
 * Tracepoints are opened by id (from tracefs) the same way; a filter
 * splits tlb:tlb_flush by its reason inside the kernel.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "internal.h"
#include "kcount.h"
#include "sysinfo.h"

#define PT_KPROBE_TYPE	"/sys/bus/event_source/devices/kprobe/type"

const char *const pt_path_events[] = {
	"kprobe:tlb_remove_table",
	"kprobe:tlb_remove_table_rcu",
	"kprobe:tlb_remove_table_sync_one",
	"kprobe:native_tlb_remove_table",
	"kprobe:___pte_free_tlb",
	"kprobe:___pmd_free_tlb",
	"kprobe:flush_tlb_mm_range",
	"kprobe:native_flush_tlb_multi",
	"kprobe:kvm_flush_tlb_multi",
	"tp:tlb:tlb_flush:remote_send_ipi",
	"tp:tlb:tlb_flush:remote_shootdown",
	"tp:tlb:tlb_flush:local_shootdown",
	"tp:tlb:tlb_flush:local_mm_shootdown",
	"tp:tlb:tlb_flush:task_switch",
	NULL,
};

/* tlb:tlb_flush reasons: our name, the kernel's description in the format. */
static const struct {
	const char *name, *desc;
} pt_tlb_reasons[] = {
	{ "task_switch", "flush on task switch" },
	{ "remote_shootdown", "remote shootdown" },
	{ "local_shootdown", "local shootdown" },
	{ "local_mm_shootdown", "local MM shootdown" },
	{ "remote_send_ipi", "remote IPI send" },
	{ "remote_wrong_cpu", "remote wrong CPU" },
};

#define PT_NREASONS	(sizeof(pt_tlb_reasons) / sizeof(pt_tlb_reasons[0]))

/*
 * A function that a kernel may not have under its usual name, and the one
 * that does the same work there: without PARAVIRT, native_flush_tlb_multi()
 * is static and may be inlined into flush_tlb_multi().
 */
static const struct {
	const char *symbol, *instead;
} pt_kc_fallback[] = {
	{ "native_flush_tlb_multi", "flush_tlb_multi" },
};

/* ---- names --------------------------------------------------------------- */

static bool pt_kc_ident(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!(s[i] == '_' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

/* "@task" after a name: count only in this process's tasks (see kcount.h). */
static size_t pt_kc_scope(const char *s, struct pt_kc_spec *spec)
{
	const char *at = strrchr(s, '@');

	spec->system = !(at && !strcmp(at, "@task"));
	return at && !spec->system ? (size_t)(at - s) : strlen(s);
}

static int pt_kc_parse_kprobe(const char *s, struct pt_kc_spec *spec,
			      char *err, size_t errlen)
{
	size_t len = pt_kc_scope(s, spec);

	if (!pt_kc_ident(s, len) || len >= sizeof(spec->symbol)) {
		snprintf(err, errlen, "kprobe event \"kprobe:%s\": not a kernel function name "
			 "(kprobe:FUNCTION or kprobe:FUNCTION@task)", s);
		return -1;
	}
	spec->kind = PT_KC_KPROBE;
	memcpy(spec->symbol, s, len);
	spec->symbol[len] = '\0';
	return 0;
}

/* The reason of tp:tlb:tlb_flush:REASON, kept in filter until pt_kc_attr(). */
static int pt_kc_parse_reason(const char *s, const char *reason, struct pt_kc_spec *spec,
			      char *err, size_t errlen)
{
	size_t i;

	if (strcmp(spec->tp, "tlb/tlb_flush")) {
		snprintf(err, errlen, "tracepoint event \"tp:%s\": only tp:tlb:tlb_flush takes a reason", s);
		return -1;
	}
	for (i = 0; i < PT_NREASONS; i++)
		if (!strcmp(reason, pt_tlb_reasons[i].name))
			break;
	if (i == PT_NREASONS) {
		snprintf(err, errlen, "tracepoint event \"tp:%s\": unknown tlb_flush reason (task_switch, "
			 "remote_shootdown, local_shootdown, local_mm_shootdown, remote_send_ipi, "
			 "remote_wrong_cpu)", s);
		return -1;
	}
	snprintf(spec->filter, sizeof(spec->filter), "%s", pt_tlb_reasons[i].name);
	return 0;
}

static int pt_kc_parse_tp(const char *name, struct pt_kc_spec *spec,
			  char *err, size_t errlen)
{
	size_t lsub, lev;
	const char *c1, *c2;
	char s[160];

	snprintf(s, sizeof(s), "%.*s", (int)pt_kc_scope(name, spec), name);
	c1 = strchr(s, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	lsub = c1 ? (size_t)(c1 - s) : 0;
	lev = c1 ? (c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)) : 0;
	if (!c1 || !pt_kc_ident(s, lsub) || !pt_kc_ident(c1 + 1, lev) ||
	    lsub + lev + 2 > sizeof(spec->tp)) {
		snprintf(err, errlen, "tracepoint event \"tp:%s\": want tp:SUBSYSTEM:EVENT[@task]", name);
		return -1;
	}
	spec->kind = PT_KC_TRACEPOINT;
	snprintf(spec->tp, sizeof(spec->tp), "%.*s/%.*s", (int)lsub, s, (int)lev, c1 + 1);
	return c2 ? pt_kc_parse_reason(name, c2 + 1, spec, err, errlen) : 0;
}

int pt_kc_parse(const char *name, struct pt_kc_spec *spec, char *err, size_t errlen)
{
	memset(spec, 0, sizeof(*spec));
	if (!strncmp(name, "kprobe:", 7))
		return pt_kc_parse_kprobe(name + 7, spec, err, errlen);
	if (!strncmp(name, "tp:", 3))
		return pt_kc_parse_tp(name + 3, spec, err, errlen);
	return 1;
}

/* Why there is no kprobe PMU: the option that is missing, if we can tell. */
static void pt_kc_no_kprobe_pmu(char *reason, size_t rlen)
{
	const char *kp = pt_sysinfo_config("CONFIG_KPROBES");
	const char *ke = pt_sysinfo_config("CONFIG_KPROBE_EVENTS");

	if (kp && !strcmp(kp, "n"))
		snprintf(reason, rlen, "this kernel has no kprobes: CONFIG_KPROBES is not set "
			 "(so no CONFIG_KPROBE_EVENTS); tracepoint counters still work");
	else if (ke && !strcmp(ke, "n"))
		snprintf(reason, rlen, "this kernel has no kprobe events: CONFIG_KPROBE_EVENTS is not set");
	else
		snprintf(reason, rlen, "no kprobe PMU (%s absent): the kernel needs CONFIG_KPROBES "
			 "and CONFIG_KPROBE_EVENTS", PT_KPROBE_TYPE);
}

/* ---- kallsyms ------------------------------------------------------------ */

/* The whole of /proc/kallsyms, read once; NULL if it cannot be read. */
static const char *pt_kallsyms_text(void)
{
	static char *text;
	static size_t cap;

	if (!text && pt_slurp("/proc/kallsyms", &text, &cap) < 0) {
		free(text);
		text = NULL;
		cap = 0;
	}
	return text;
}

/*
 * Find a text symbol: the name itself, else a compiler clone of it
 * ("name.constprop.0", "name.isra.0"), whose name is copied to found.
 * 1: found; 0: absent; -1: kallsyms unreadable.
 */
static int pt_kc_symbol(const char *name, char *found, size_t flen)
{
	const char *text = pt_kallsyms_text(), *p, *end;
	size_t len = strlen(name);

	if (!text)
		return -1;
	for (p = text; (p = strstr(p, name)); p += len) {
		if (p - text < 3 || p[-1] != ' ' || p[-3] != ' ' ||
		    (p[-2] != 't' && p[-2] != 'T'))
			continue;
		if (p[len] != '\n' && p[len] != '\t' && p[len] != '.' && p[len] != '\0')
			continue;
		end = p + strcspn(p, "\t\n ");
		snprintf(found, flen, "%.*s", (int)(end - p), p);
		if (p[len] != '.')
			return 1;	/* the exact name wins over a clone */
	}
	return found[0] ? 1 : 0;
}

/* ---- tracefs --------------------------------------------------------------- */

static bool pt_is_tracefs(const char *dir)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events", dir);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

const char *pt_tracefs(char *why, size_t whylen)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	static char found[64];
	size_t i;

	if (found[0])
		return found;
	for (i = 0; i < 2; i++) {
		if (pt_is_tracefs(dirs[i])) {
			snprintf(found, sizeof(found), "%s", dirs[i]);
			return found;
		}
	}
	if (access("/sys/kernel/tracing", F_OK)) {
		snprintf(why, whylen, "no tracefs: /sys/kernel/tracing does not exist (kernel without CONFIG_TRACING?)");
		return "";
	}
	if (geteuid()) {
		snprintf(why, whylen, "tracefs is not readable: not root (tracepoint ids are in "
			 "/sys/kernel/tracing/events, which only root may read)");
		return "";
	}
	/* As perf does: mount it where the kernel made its mount point. */
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) ||
	    !pt_is_tracefs("/sys/kernel/tracing")) {
		snprintf(why, whylen, "tracefs is not mounted and mounting it at /sys/kernel/tracing failed: %s",
			 strerror(errno));
		return "";
	}
	snprintf(found, sizeof(found), "/sys/kernel/tracing");
	return found;
}

/* ---- attributes ------------------------------------------------------------ */

/* A small tracefs or sysfs file (an id, a type, a format) into buf. */
static int pt_read_small(const char *path, char *buf, size_t len)
{
	char *text = NULL;
	size_t cap = 0;
	ssize_t r = pt_slurp(path, &text, &cap);

	if (r >= 0)
		snprintf(buf, len, "%s", text);
	free(text);
	return r < 0 ? (int)r : 0;
}

/*
 * The kernel reads kprobe_func from our memory again each time a new task
 * inherits the event (every thread and fork of the run), so the string
 * must stay where it is for the life of the process: never in an array
 * that may move.
 */
static const char *pt_kc_keep(const char *symbol)
{
	static char *kept[64];
	static unsigned nkept;
	unsigned i;

	for (i = 0; i < nkept; i++)
		if (!strcmp(kept[i], symbol))
			return kept[i];
	if (nkept == sizeof(kept) / sizeof(kept[0]))
		return NULL;
	kept[nkept] = strdup(symbol);
	return kept[nkept] ? kept[nkept++] : NULL;
}

static int pt_kc_kprobe_attr(struct pt_kc_spec *spec, struct perf_event_attr *attr,
			     char *reason, size_t rlen)
{
	char buf[4096], found[128] = "";
	size_t i;
	int r;

	if (pt_read_small(PT_KPROBE_TYPE, buf, 32)) {
		pt_kc_no_kprobe_pmu(reason, rlen);
		return -1;
	}
	attr->type = (unsigned)strtoul(buf, NULL, 10);
	r = pt_kc_symbol(spec->symbol, found, sizeof(found));
	for (i = 0; !r && i < sizeof(pt_kc_fallback) / sizeof(pt_kc_fallback[0]); i++) {
		if (strcmp(spec->symbol, pt_kc_fallback[i].symbol))
			continue;
		r = pt_kc_symbol(pt_kc_fallback[i].instead, found, sizeof(found));
	}
	if (r < 0) {
		snprintf(reason, rlen, "cannot read /proc/kallsyms: %s", strerror(errno));
		return -1;
	}
	if (!r) {
		snprintf(reason, rlen, "%s is not in /proc/kallsyms: this kernel does not have it "
			 "(absent, or inlined into its callers)", spec->symbol);
		return -2;
	}
	snprintf(spec->symbol, sizeof(spec->symbol), "%s", found);
	attr->config = 0;				/* entry probe, not kretprobe */
	attr->config1 = (uint64_t)(uintptr_t)pt_kc_keep(found);	/* kprobe_func */
	if (!attr->config1) {
		snprintf(reason, rlen, "out of memory");
		return -1;
	}
	attr->config2 = 0;				/* probe_offset */
	return 0;
}

/* The number of a tlb_flush reason in this kernel's format: -1 if absent. */
static int pt_kc_reason_number(const char *format, const char *name)
{
	char pat[64];
	const char *p, *b;
	size_t i;

	for (i = 0; i < PT_NREASONS; i++)
		if (!strcmp(pt_tlb_reasons[i].name, name))
			break;
	if (i == PT_NREASONS)
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\" }", pt_tlb_reasons[i].desc);
	p = strstr(format, pat);
	if (!p)
		return -1;
	for (b = p; b > format && *b != '{'; b--)
		;
	return *b == '{' ? atoi(b + 1) : -1;
}

static int pt_kc_tp_attr(struct pt_kc_spec *spec, struct perf_event_attr *attr,
			 char *reason, size_t rlen)
{
	char path[320], buf[4096], why[200] = "";
	const char *fs = pt_tracefs(why, sizeof(why));
	int r, num;

	if (!*fs) {
		snprintf(reason, rlen, "%s", why);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/events/%s/id", fs, spec->tp);
	r = pt_read_small(path, buf, 32);
	if (r) {
		snprintf(reason, rlen, r == -ENOENT ?
			 "this kernel has no tracepoint %s (%s)" : "cannot read the id of %s (%s)",
			 spec->tp, strerror(-r));
		return -1;
	}
	attr->type = PERF_TYPE_TRACEPOINT;
	attr->config = strtoull(buf, NULL, 10);
	if (!spec->filter[0])
		return 0;
	snprintf(path, sizeof(path), "%s/events/%s/format", fs, spec->tp);
	num = pt_read_small(path, buf, sizeof(buf)) ? -1 : pt_kc_reason_number(buf, spec->filter);
	if (num < 0) {
		snprintf(reason, rlen, "this kernel's tlb:tlb_flush has no reason %s", spec->filter);
		return -1;
	}
	snprintf(spec->filter, sizeof(spec->filter), "reason == %d", num);
	return 0;
}

int pt_kc_attr(struct pt_kc_spec *spec, struct perf_event_attr *attr,
	       char *reason, size_t rlen)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->inherit = !spec->system;
	attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	if (spec->kind == PT_KC_KPROBE)
		return pt_kc_kprobe_attr(spec, attr, reason, rlen);
	return pt_kc_tp_attr(spec, attr, reason, rlen);
}

void pt_kc_open_failed(const struct pt_kc_spec *spec, int err, char *reason, size_t rlen)
{
	const char *what = spec->kind == PT_KC_KPROBE ? spec->symbol : spec->tp;

	if (err == EACCES || err == EPERM)
		snprintf(reason, rlen, "perf_event_open of %s: %s (%s need root or CAP_PERFMON)",
			 what, strerror(err), spec->kind == PT_KC_KPROBE ? "kprobes" :
			 spec->system ? "system-wide counts" : "tracepoints");
	else if (spec->kind == PT_KC_KPROBE && (err == EINVAL || err == ENOENT))
		snprintf(reason, rlen, "the kernel refused a kprobe on %s (%s): the function is "
			 "not probeable here (notrace, on the kprobe blacklist, or not a function entry)",
			 what, strerror(err));
	else
		snprintf(reason, rlen, "perf_event_open of %s: %s", what, strerror(err));
}
