// SPDX-License-Identifier: GPL-2.0
/*
 * What `ptbench sysinfo` reports, and the short "kernel" object embedded in
 * every result: kernel release and configuration, how this kernel flushes
 * remote TLBs and frees page tables, THP, CPU, topology and memory.
 *
 * Anything that cannot be read is null (with a reason where that helps),
 * never a guessed value.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include <hwloc.h>
#include <zlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "probe.h"
#include "sysinfo.h"

#define PT_SYSLOG_ACTION_READ_ALL	3
#define PT_SYSLOG_ACTION_SIZE_BUFFER	10

#define PT_THP_DIR	"/sys/kernel/mm/transparent_hugepage/"

struct pt_tlb {
	const char *mode;	/* pv-kvm, pv-hyperv, pv-xen, ipi, unknown */
	const char *source;	/* kernel-log, cpuid, none */
	char evidence[512];
};

/* What both pt_sysinfo() and pt_sysinfo_kernel() need. */
struct pt_kinfo {
	struct utsname uts;
	bool uts_ok;
	json_t *config;		/* the "config" object */
	char *log;		/* the kernel log, read once; NULL if unreadable */
	struct pt_tlb tlb;
	const char *tf_mode;	/* rcu, direct, unknown */
	char tf_reason[320];
};

/* ---- small helpers ---------------------------------------------------- */

static void pt_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* First line of a small file, trimmed; 0 or -errno. */
static int pt_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		err = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!err)
		pt_rtrim(buf);
	return err;
}

static json_t *pt_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The value of "Key:" in a file of "Key: value" lines (cpuinfo, meminfo). */
static bool pt_file_key(const char *path, const char *key, char *out,
			size_t outlen)
{
	size_t klen = strlen(key);
	char line[4096], *v;
	bool found = false;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || (line[klen] != ':' &&
		    line[klen] != ' ' && line[klen] != '\t'))
			continue;
		v = strchr(line + klen, ':');
		if (!v)
			continue;
		v += 1 + strspn(v + 1, " \t");
		pt_rtrim(v);
		snprintf(out, outlen, "%s", v);
		found = true;
	}
	fclose(f);
	return found;
}

/* major.minor of a release string; false if it does not parse. */
static bool pt_release_version(const char *rel, int *major, int *minor)
{
	return sscanf(rel, "%d.%d", major, minor) == 2;
}

static bool pt_is_x86(const char *machine)
{
	return !strcmp(machine, "x86_64") ||
	       (machine[0] == 'i' && !strcmp(machine + 2, "86"));
}

/* ---- kernel configuration --------------------------------------------- */

struct pt_kopt {
	const char *name;
	bool prefix;		/* every option starting with name */
	bool set_only;		/* only if set (not "n") */
	bool optional;		/* not listed in "missing" when absent */
};

static const struct pt_kopt pt_kopts[] = {
	{ "CONFIG_MMU_GATHER_RCU_TABLE_FREE", false, false, false },
	{ "CONFIG_HAVE_RCU_TABLE_FREE", false, false, true },	/* before 5.7 */
	{ "CONFIG_PARAVIRT", false, false, false },
	{ "CONFIG_PT_RECLAIM", false, false, false },
	{ "CONFIG_KVM_GUEST", false, false, false },
	{ "CONFIG_HYPERV", false, false, false },
	{ "CONFIG_XEN", false, false, false },
	{ "CONFIG_BROADCAST_TLB_FLUSH", false, false, true },	/* 6.15, INVLPGB */
	{ "CONFIG_RCU_LAZY", false, false, true },		/* 6.2+ */
	{ "CONFIG_RCU_NOCB_CPU", false, false, false },
	{ "CONFIG_PARAVIRT_SPINLOCKS", false, false, false },
	{ "CONFIG_KPROBES", false, false, false },
	{ "CONFIG_KPROBE_EVENTS", false, false, false },
	{ "CONFIG_HZ", false, false, false },
	{ "CONFIG_HZ_", true, true, false },
	{ "CONFIG_PREEMPT", true, false, false },
};

#define PT_NKOPTS	(sizeof(pt_kopts) / sizeof(pt_kopts[0]))

static bool pt_kopt_wanted(const char *name, const char *value)
{
	const struct pt_kopt *o;
	size_t i;

	for (i = 0; i < PT_NKOPTS; i++) {
		o = &pt_kopts[i];
		if (o->prefix ? strncmp(name, o->name, strlen(o->name)) :
				strcmp(name, o->name))
			continue;
		if (!o->set_only || strcmp(value, "n"))
			return true;
	}
	return false;
}

/*
 * Split one line of a kernel config into name and value ("n" for "# ... is
 * not set"; string values lose their quotes).  False for other lines.
 */
static bool pt_config_split(char *line, const char **name,
			    const char **value)
{
	static const char notset[] = " is not set";
	size_t len, nl = sizeof(notset) - 1;
	char *eq, *v;

	pt_rtrim(line);
	len = strlen(line);
	if (!strncmp(line, "# CONFIG_", 9)) {
		if (len <= 2 + nl || strcmp(line + len - nl, notset))
			return false;
		line[len - nl] = '\0';
		*name = line + 2;
		*value = "n";
		return true;
	}
	eq = strchr(line, '=');
	if (strncmp(line, "CONFIG_", 7) || !eq)
		return false;
	*eq = '\0';
	v = eq + 1;
	len = strlen(v);
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v[len - 1] = '\0';
		v++;
	}
	*name = line;
	*value = v;
	return true;
}

/* Read the wanted options of an open config into opts; 0 or -1 on error. */
static int pt_config_scan(gzFile gz, json_t *opts)
{
	const char *name, *value;
	char line[4096];
	bool partial = false;
	int errnum;

	while (gzgets(gz, line, sizeof(line))) {
		bool whole = strchr(line, '\n') || gzeof(gz);

		/* Over-long lines (long strings) are skipped whole. */
		if (!partial && whole && pt_config_split(line, &name, &value) &&
		    pt_kopt_wanted(name, value))
			json_object_set_new(opts, name, json_string(value));
		partial = !whole;
	}
	gzerror(gz, &errnum);
	return errnum == Z_OK ? 0 : -1;
}

static json_t *pt_config_missing(const json_t *opts)
{
	json_t *missing = json_array();
	size_t i;

	for (i = 0; missing && i < PT_NKOPTS; i++)
		if (!pt_kopts[i].prefix && !pt_kopts[i].optional &&
		    !json_object_get(opts, pt_kopts[i].name))
			json_array_append_new(missing,
					      json_string(pt_kopts[i].name));
	return missing;
}

/* Parse one config file (gzip or plain: zlib reads both). */
static json_t *pt_config_file(const char *path, char *why, size_t whylen)
{
	json_t *opts;
	gzFile gz;
	int ret;

	errno = 0;
	gz = gzopen(path, "rb");
	if (!gz) {
		snprintf(why, whylen, "%s: %s", path,
			 errno ? strerror(errno) : "cannot open");
		return NULL;
	}
	opts = json_object();
	ret = pt_config_scan(gz, opts);
	gzclose(gz);
	if (ret) {
		snprintf(why, whylen, "%s: read or decompression error", path);
		json_decref(opts);
		return NULL;
	}
	return opts;
}

/* {"source", "options", "missing"} or {"source": null, "reason"} */
static json_t *pt_config(const char *release)
{
	char boot[320], why1[400], why2[400];
	json_t *opts;

	opts = pt_config_file("/proc/config.gz", why1, sizeof(why1));
	if (opts)
		return json_pack("{s:s, s:o, s:o}", "source", "/proc/config.gz",
				 "options", opts, "missing",
				 pt_config_missing(opts));
	if (!release)
		return json_pack("{s:n, s:s+}", "source", "reason", why1,
				 "; release unknown");
	snprintf(boot, sizeof(boot), "/boot/config-%s", release);
	opts = pt_config_file(boot, why2, sizeof(why2));
	if (opts)
		return json_pack("{s:s, s:o, s:o}", "source", boot,
				 "options", opts, "missing",
				 pt_config_missing(opts));
	return json_pack("{s:n, s:s++}", "source", "reason", why1, "; ", why2);
}

static bool pt_config_known(const json_t *config)
{
	return json_is_string(json_object_get(config, "source"));
}

/* The value of an option, NULL if the config is unknown or lacks it. */
static const char *pt_config_get(const json_t *config, const char *name)
{
	return json_string_value(json_object_get(json_object_get(config,
						  "options"), name));
}

/* The running kernel's config, read once per process. */
static json_t *pt_config_cached(void)
{
	static json_t *config;
	struct utsname u;

	if (!config)
		config = pt_config(uname(&u) ? NULL : u.release);
	return config;
}

const char *pt_sysinfo_config(const char *name)
{
	json_t *config = pt_config_cached();

	if (!pt_config_known(config))
		return NULL;
	return pt_config_get(config, name) ? pt_config_get(config, name) : "n";
}

static bool pt_config_is_y(const json_t *config, const char *name)
{
	const char *v = pt_config_get(config, name);

	return v && !strcmp(v, "y");
}

/* true/false from the config, JSON null if the config is unknown. */
static json_t *pt_config_bool(const json_t *config, const char *name)
{
	if (!pt_config_known(config))
		return json_null();
	return json_boolean(pt_config_is_y(config, name));
}

/* ---- TLB flush mode: kernel log --------------------------------------- */

/* The whole kernel log, NUL-terminated; NULL if it cannot be read. */
static char *pt_klog_read(void)
{
	int size, n;
	char *buf;

	size = klogctl(PT_SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	if (size <= 0)
		return NULL;
	buf = malloc((size_t)size + 1);
	if (!buf)
		return NULL;
	n = klogctl(PT_SYSLOG_ACTION_READ_ALL, buf, size);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Copy the log line holding `at' (without its "<level>" prefix). */
static void pt_klog_line(const char *log, const char *at, char *out,
			 size_t outlen)
{
	const char *start = at, *end;

	while (start > log && start[-1] != '\n')
		start--;
	if (*start == '<') {
		const char *gt = strchr(start, '>');

		if (gt && gt < at)
			start = gt + 1;
	}
	end = strchr(at, '\n');
	if (!end)
		end = at + strlen(at);
	snprintf(out, outlen, "%.*s", (int)(end - start), start);
}

/* Xen PV banner: "Booting [paravirtualized ]kernel on Xen" (HVM/PVH add a word). */
static const char *pt_klog_xen_pv(const char *log)
{
	const char *p = log;

	while ((p = strstr(p, "kernel on Xen"))) {
		if (p[13] == '\n' || p[13] == '\0')
			return p;
		p += 13;
	}
	return NULL;
}

static bool pt_tlb_from_log(struct pt_tlb *t, const char *log)
{
	static const struct {
		const char *needle, *mode;
	} pats[] = {
		{ "KVM setup pv remote TLB flush", "pv-kvm" },
		{ "Using hypercall for remote TLB flush", "pv-hyperv" },
	};
	const char *at = NULL, *mode = NULL;
	size_t i;

	if (!log)
		return false;
	for (i = 0; !at && i < sizeof(pats) / sizeof(pats[0]); i++) {
		at = strstr(log, pats[i].needle);
		mode = pats[i].mode;
	}
	if (!at) {
		at = pt_klog_xen_pv(log);
		mode = "pv-xen";
	}
	if (at) {
		t->mode = mode;
		t->source = "kernel-log";
		pt_klog_line(log, at, t->evidence, sizeof(t->evidence));
	} else if (strstr(log, "Linux version")) {
		t->mode = "ipi";
		t->source = "kernel-log";
		snprintf(t->evidence, sizeof(t->evidence),
			 "the kernel log holds the boot messages and none announces a paravirtual remote TLB flush");
	}
	return at || t->source;
}

/* ---- TLB flush mode: CPUID -------------------------------------------- */

#if defined(__x86_64__) || defined(__i386__)

/* Is "nopv" on the kernel command line (before any "--")? */
static bool pt_cmdline_nopv(void)
{
	char line[4096], *tok, *save;

	if (pt_read_line("/proc/cmdline", line, sizeof(line)))
		return false;
	for (tok = strtok_r(line, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "--"))
			break;
		if (!strcmp(tok, "nopv"))
			return true;
	}
	return false;
}

/* Is the option set to y, or is the config unknown (so it may be)? */
static bool pt_config_may(const json_t *config, const char *name)
{
	return !pt_config_known(config) || pt_config_is_y(config, name);
}

/* Base leaf of the hypervisor with this 12-byte signature, 0 if none. */
static unsigned pt_cpuid_hv_base(const char *sig)
{
	unsigned base, a, b, c, d;
	char s[13];

	for (base = 0x40000000; base < 0x40010000; base += 0x100) {
		__cpuid(base, a, b, c, d);
		memcpy(s, &b, 4);
		memcpy(s + 4, &c, 4);
		memcpy(s + 8, &d, 4);
		s[12] = '\0';
		if (!memcmp(s, sig, 12) && a >= base + 1)
			return base;
	}
	return 0;
}

/* Why a KVM guest does not use the PV flush; NULL if it does. */
static const char *pt_kvm_no_pv(bool usable, const json_t *config)
{
	if (!usable)
		return "the PV flush needs PV_TLB_FLUSH and STEAL_TIME, no HINTS_REALTIME and no MWAIT";
	if (!pt_config_may(config, "CONFIG_KVM_GUEST"))
		return "kernel built without CONFIG_KVM_GUEST";
	if (pt_cmdline_nopv())
		return "'nopv' on the kernel command line disables it";
	return NULL;
}

static void pt_tlb_kvm(struct pt_tlb *t, const json_t *config, unsigned base)
{
	unsigned a, b, c, d, ecx1;
	bool flush, steal, realtime, mwait;
	const char *why;

	__cpuid(1, a, b, ecx1, d);
	__cpuid(base + 1, a, b, c, d);
	flush = a & (1u << 9);		/* KVM_FEATURE_PV_TLB_FLUSH */
	steal = a & (1u << 5);		/* KVM_FEATURE_STEAL_TIME */
	realtime = d & 1u;		/* KVM_HINTS_REALTIME */
	mwait = ecx1 & (1u << 3);
	why = pt_kvm_no_pv(flush && steal && !realtime && !mwait, config);
	t->mode = why ? "ipi" : "pv-kvm";
	snprintf(t->evidence, sizeof(t->evidence),
		 "CPUID 0x%x: KVM; PV_TLB_FLUSH %s, STEAL_TIME %s, HINTS_REALTIME %s, MWAIT %s; %s",
		 base, flush ? "yes" : "no", steal ? "yes" : "no",
		 realtime ? "yes" : "no", mwait ? "yes" : "no",
		 why ? why : "inferred from CPUID: the kernel log was unreadable or no longer holds the boot (a guest booted with 'nopv' would not use it)");
}

static void pt_tlb_hyperv(struct pt_tlb *t, const json_t *config)
{
	unsigned a, b, c, d;
	bool rec;

	__cpuid(0x40000004, a, b, c, d);
	rec = a & (1u << 2);	/* HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED */
	t->mode = rec && pt_config_may(config, "CONFIG_HYPERV") ? "pv-hyperv" : "ipi";
	snprintf(t->evidence, sizeof(t->evidence),
		 "CPUID: Microsoft Hv; remote TLB flush %srecommended (0x40000004 eax bit 2)%s",
		 rec ? "" : "not ",
		 pt_config_may(config, "CONFIG_HYPERV") ? "" : "; kernel built without CONFIG_HYPERV");
}

static void pt_tlb_xen(struct pt_tlb *t)
{
	char type[32] = "";

	if (!pt_read_line("/sys/hypervisor/guest_type", type, sizeof(type)) &&
	    !strcmp(type, "PV")) {
		t->mode = "pv-xen";
		snprintf(t->evidence, sizeof(t->evidence),
			 "CPUID: XenVMMXenVMM; /sys/hypervisor/guest_type is PV");
		return;
	}
	/* HVM and PVH guests flush with IPIs (Xen's own flush is for PV). */
	t->mode = "ipi";
	snprintf(t->evidence, sizeof(t->evidence),
		 "CPUID: XenVMMXenVMM; not a PV guest (/sys/hypervisor/guest_type: %s): "
		 "HVM and PVH guests flush remote TLBs with IPIs", type[0] ? type : "unreadable");
}

/* QEMU TCG offers the guest no paravirtual feature: IPIs. */
static void pt_tlb_tcg(struct pt_tlb *t)
{
	t->mode = "ipi";
	snprintf(t->evidence, sizeof(t->evidence),
		 "CPUID: TCGTCGTCGTCG (QEMU TCG emulation), which exposes no paravirtual TLB flush");
}

static void pt_tlb_from_cpuid(struct pt_tlb *t, const json_t *config)
{
	unsigned a, b, c, d, base;

	t->source = "cpuid";
	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31))) {
		t->mode = "ipi";
		snprintf(t->evidence, sizeof(t->evidence),
			 "CPUID: no hypervisor (leaf 1 ecx bit 31 clear)");
		return;
	}
	base = pt_cpuid_hv_base("KVMKVMKVM\0\0\0");
	if (base)
		pt_tlb_kvm(t, config, base);
	else if (pt_cpuid_hv_base("Microsoft Hv") == 0x40000000)
		pt_tlb_hyperv(t, config);
	else if (pt_cpuid_hv_base("XenVMMXenVMM"))
		pt_tlb_xen(t);
	else if (pt_cpuid_hv_base("TCGTCGTCGTCG"))
		pt_tlb_tcg(t);
	else
		snprintf(t->evidence, sizeof(t->evidence),
			 "CPUID: a hypervisor this tool does not know");
}

#else

/* Other architectures flush remote TLBs their own way (arm64: broadcast TLBI). */
static void pt_tlb_from_cpuid(struct pt_tlb *t, const json_t *config)
{
	(void)config;
	t->mode = "arch";
	t->source = "architecture";
	snprintf(t->evidence, sizeof(t->evidence),
		 "not x86: this architecture's own remote TLB invalidation (arm64 broadcasts "
		 "TLBI instructions, others use firmware or IPIs); the x86 IPI/PV distinction "
		 "does not apply");
}

#endif

/* Does the first CPU in /proc/cpuinfo list this flag? */
static bool pt_cpu_flag(const char *flag)
{
	char flags[4096], *tok, *save;

	if (!pt_file_key("/proc/cpuinfo", "flags", flags, sizeof(flags)))
		return false;
	for (tok = strtok_r(flags, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

static void pt_tlb_detect(struct pt_tlb *t, const json_t *config, const char *machine,
			  const char *log)
{
	size_t len;

	t->mode = "unknown";
	t->source = NULL;
	t->evidence[0] = '\0';
	if (!machine || !pt_is_x86(machine) || !pt_tlb_from_log(t, log))
		pt_tlb_from_cpuid(t, config);
	if (!t->source)
		t->source = "none";
	len = strlen(t->evidence);
	if (strcmp(t->mode, "ipi") || !pt_cpu_flag("invlpgb"))
		return;
	if (pt_config_is_y(config, "CONFIG_BROADCAST_TLB_FLUSH")) {
		/* 6.15+: AMD's broadcast invalidation replaces the flush IPIs. */
		t->mode = "invlpgb";
		snprintf(t->evidence + len, sizeof(t->evidence) - len,
			 "; the CPU has INVLPGB and the kernel CONFIG_BROADCAST_TLB_FLUSH=y: "
			 "remote flushes are broadcast, not IPIs");
	} else {
		snprintf(t->evidence + len, sizeof(t->evidence) - len,
			 "; note: the CPU has INVLPGB, which 6.15+ kernels with "
			 "CONFIG_BROADCAST_TLB_FLUSH=y use instead of IPIs");
	}
}

/* ---- table-free mode --------------------------------------------------- */

static void pt_tf_set(struct pt_kinfo *k, const char *mode, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pt_tf_set(struct pt_kinfo *k, const char *mode, const char *fmt, ...)
{
	va_list ap;

	k->tf_mode = mode;
	va_start(ap, fmt);
	vsnprintf(k->tf_reason, sizeof(k->tf_reason), fmt, ap);
	va_end(ap);
}

/* x86 history: see DESIGN.md. */
static void pt_table_free_x86(struct pt_kinfo *k, int major, int minor)
{
	const char *pv = k->tlb.mode;
	int v = major * 1000 + minor;

	if (v >= 6015)
		pt_tf_set(k, "rcu", "x86 frees page tables after an RCU grace period unconditionally since 6.15");
	else if (v == 6014 && pt_config_is_y(k->config, "CONFIG_PT_RECLAIM"))
		pt_tf_set(k, "rcu", "6.14 with CONFIG_PT_RECLAIM=y: page tables are freed via RCU, on bare metal too");
	else if (v < 4014)
		pt_tf_set(k, "direct", "x86 before 4.14 has no RCU table free");
	else if (!strncmp(pv, "pv-", 3))
		pt_tf_set(k, "rcu", "4.14-6.14 x86 frees tables via RCU when the TLB flush is paravirtual (%s)", pv);
	else if (!strcmp(pv, "ipi") && v >= 4019)
		pt_tf_set(k, "direct", "4.19-6.14 x86 with IPI TLB flush frees tables right after the IPIs");
	else if (!strcmp(pv, "ipi"))
		pt_tf_set(k, "unknown", "4.14-4.18 x86 freed tables via RCU for all until 4.19 (some stable trees took the change)");
	else
		pt_tf_set(k, "unknown", "the TLB flush mode is unknown, and 4.14-6.14 x86 depends on it");
}

/*
 * ptbench's own boot switch (runners/kernel-patches/) says in the kernel
 * log which path it put in force: "ptbench: page-table free path: rcu (...)".
 */
static bool pt_table_free_from_log(struct pt_kinfo *k)
{
	static const char needle[] = "ptbench: page-table free path: ";
	const char *at = k->log ? strstr(k->log, needle) : NULL;
	char line[256];
	const char *mode = NULL;

	if (at && !strncmp(at + sizeof(needle) - 1, "rcu ", 4))
		mode = "rcu";
	else if (at && !strncmp(at + sizeof(needle) - 1, "direct ", 7))
		mode = "direct";
	if (mode) {
		pt_klog_line(k->log, at, line, sizeof(line));
		pt_tf_set(k, mode, "the kernel log of ptbench's boot switch: %s", line);
	}
	return mode != NULL;
}

static void pt_table_free(struct pt_kinfo *k)
{
	bool enabled = pt_config_is_y(k->config, "CONFIG_MMU_GATHER_RCU_TABLE_FREE") ||
		       pt_config_is_y(k->config, "CONFIG_HAVE_RCU_TABLE_FREE");
	int major, minor;

	if (pt_table_free_from_log(k))
		return;
	if (!k->uts_ok || !pt_release_version(k->uts.release, &major, &minor))
		pt_tf_set(k, "unknown", "kernel release unknown");
	else if (pt_config_known(k->config) && !enabled)
		pt_tf_set(k, "direct", "CONFIG_MMU_GATHER_RCU_TABLE_FREE (HAVE_RCU_TABLE_FREE before 5.7) is not set");
	else if (pt_is_x86(k->uts.machine))
		pt_table_free_x86(k, major, minor);
	else if (enabled)
		pt_tf_set(k, "rcu", "CONFIG_MMU_GATHER_RCU_TABLE_FREE=y on %s: the generic mmu_gather frees tables after an RCU grace period",
			  k->uts.machine);
	else
		pt_tf_set(k, "unknown", "kernel config unreadable on %s", k->uts.machine);
}

static void pt_kinfo_init(struct pt_kinfo *k)
{
	memset(k, 0, sizeof(*k));
	k->uts_ok = uname(&k->uts) == 0;
	k->config = json_incref(pt_config_cached());
	k->log = pt_klog_read();
	pt_tlb_detect(&k->tlb, k->config, k->uts_ok ? k->uts.machine : NULL, k->log);
	pt_table_free(k);
}

static void pt_kinfo_fini(struct pt_kinfo *k)
{
	json_decref(k->config);
	free(k->log);
}

/* "release", "version", "machine" into o. */
static void pt_uname_set(json_t *o, const struct pt_kinfo *k)
{
	json_object_set_new(o, "release", pt_str_or_null(k->uts_ok ? k->uts.release : NULL));
	json_object_set_new(o, "version", pt_str_or_null(k->uts_ok ? k->uts.version : NULL));
	json_object_set_new(o, "machine", pt_str_or_null(k->uts_ok ? k->uts.machine : NULL));
}

/* ---- the rest of the system ------------------------------------------- */

static json_t *pt_file_str(const char *path)
{
	char buf[4096];

	if (pt_read_line(path, buf, sizeof(buf)))
		return json_null();
	return json_string(buf);
}

/* The bracketed choice of a THP setting file ("always [madvise] never"). */
static json_t *pt_thp_choice(const char *name)
{
	char path[128], buf[256], *lb, *rb;

	snprintf(path, sizeof(path), PT_THP_DIR "%s", name);
	if (pt_read_line(path, buf, sizeof(buf)))
		return json_null();
	lb = strchr(buf, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (!rb)
		return json_null();
	*rb = '\0';
	return json_string(lb + 1);
}

/* "0-3,8,10-11" */
static void pt_cpulist(const cpu_set_t *set, size_t setsize, char *out,
		       size_t outlen)
{
	size_t len = 0, ncpu = setsize * 8;
	size_t cpu, end;

	out[0] = '\0';
	for (cpu = 0; cpu < ncpu && len < outlen; cpu++) {
		if (!CPU_ISSET_S(cpu, setsize, set))
			continue;
		for (end = cpu; end + 1 < ncpu && CPU_ISSET_S(end + 1, setsize, set); end++)
			;
		len += (size_t)snprintf(out + len, outlen - len,
					end > cpu ? "%s%zu-%zu" : "%s%zu",
					len ? "," : "", cpu, end);
		cpu = end;
	}
}

static json_t *pt_cpus_allowed(void)
{
	size_t n, size;
	cpu_set_t *set;
	char buf[4096];

	for (n = 1024; n <= (1u << 20); n *= 2) {
		set = CPU_ALLOC(n);
		if (!set)
			return json_null();
		size = CPU_ALLOC_SIZE(n);
		if (!sched_getaffinity(0, size, set)) {
			pt_cpulist(set, size, buf, sizeof(buf));
			CPU_FREE(set);
			return json_string(buf);
		}
		CPU_FREE(set);
		if (errno != EINVAL)
			break;
	}
	return json_null();
}

static json_t *pt_cpu(void)
{
	char model[256];
	bool have;

	have = pt_file_key("/proc/cpuinfo", "model name", model, sizeof(model));
	return json_pack("{s:o, s:I, s:o}",
			 "model", pt_str_or_null(have ? model : NULL),
			 "online", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
			 "allowed", pt_cpus_allowed());
}

/* hwloc's release (built against) and API version (running with). */
static void pt_hwloc_versions(json_t *o)
{
	unsigned v = hwloc_get_api_version();
	char ver[32];

	snprintf(ver, sizeof(ver), "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
#ifdef HWLOC_VERSION
	json_object_set_new(o, "hwloc_version", json_string(HWLOC_VERSION));
#else
	json_object_set_new(o, "hwloc_version", json_null());
#endif
	json_object_set_new(o, "hwloc_api_version", json_string(ver));
}

static json_t *pt_topology_counts(void)
{
	hwloc_topology_t topo;
	json_t *o;

	if (hwloc_topology_init(&topo))
		return json_pack("{s:s}", "reason", "hwloc_topology_init failed");
	if (hwloc_topology_load(topo)) {
		hwloc_topology_destroy(topo);
		return json_pack("{s:s}", "reason", "hwloc_topology_load failed");
	}
	o = json_pack("{s:i, s:i, s:i, s:i, s:i}",
		      "packages", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE),
		      "numa_nodes", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE),
		      "cores", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE),
		      "pus", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU),
		      "l3_caches", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_L3CACHE));
	hwloc_topology_destroy(topo);
	return o;
}

static json_t *pt_topology(void)
{
	json_t *o = pt_topology_counts();

	if (o)
		pt_hwloc_versions(o);
	return o;
}

static json_t *pt_meminfo_bytes(const char *key)
{
	unsigned long long kb;
	char buf[64];

	if (!pt_file_key("/proc/meminfo", key, buf, sizeof(buf)) ||
	    sscanf(buf, "%llu", &kb) != 1)
		return json_null();
	return json_integer((json_int_t)(kb * 1024));
}

static json_t *pt_paranoid(void)
{
	char buf[32];
	int v;

	if (pt_read_line("/proc/sys/kernel/perf_event_paranoid", buf, sizeof(buf)) ||
	    sscanf(buf, "%d", &v) != 1)
		return json_null();
	return json_integer(v);
}

static json_t *pt_hostname(void)
{
	char buf[256];

	if (gethostname(buf, sizeof(buf)))
		return json_null();
	buf[sizeof(buf) - 1] = '\0';
	return json_string(buf);
}

static json_t *pt_timestamp(void)
{
	time_t now = time(NULL);
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&now, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

/* ---- public ------------------------------------------------------------ */

static json_t *pt_kernel_full(const struct pt_kinfo *k)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	pt_uname_set(o, k);
	json_object_set_new(o, "cmdline", pt_file_str("/proc/cmdline"));
	return o;
}

/* The rules' answer, kept beside the probe's (or alone when it cannot run). */
static json_t *pt_tf_rules(const struct pt_kinfo *k)
{
	return json_pack("{s:s, s:s, s:s}", "mode", k->tf_mode, "source", "rules",
			 "reason", k->tf_reason);
}

static json_t *pt_tlb_rules(const struct pt_kinfo *k)
{
	return json_pack("{s:s, s:s, s:s}", "mode", k->tlb.mode, "source", k->tlb.source,
			 "evidence", k->tlb.evidence);
}

/*
 * table_free and tlb_flush as observed by the probe where it could count
 * them (source "probe", its counts as evidence), the rules otherwise.
 */
static void pt_paths_observed(json_t *o, const struct pt_kinfo *k, bool probe)
{
	json_t *tf = pt_tf_rules(k), *tlb = pt_tlb_rules(k), *paths = NULL;
	const char *fp = NULL, *lp = NULL;
	char why[400] = "not run (--no-probe)";

	if (probe)
		paths = pt_probe_paths(why, sizeof(why));
	if (paths) {
		fp = json_string_value(json_object_get(json_object_get(paths, "free"), "path"));
		lp = json_string_value(json_object_get(json_object_get(paths, "flush"), "path"));
	}
	if (fp && strcmp(fp, "unknown") && strcmp(fp, "none")) {
		json_decref(tf);
		tf = json_pack("{s:s, s:s, s:O, s:o}", "mode", fp, "source", "probe",
			       "evidence", json_object_get(json_object_get(paths, "free"), "counts"),
			       "rules", pt_tf_rules(k));
	} else {
		json_object_set_new(tf, "probe", paths ? json_incref(json_object_get(paths, "free")) :
				    json_pack("{s:s, s:s}", "path", "unknown", "reason", why));
	}
	if (lp && (!strcmp(lp, "ipi") || !strcmp(lp, "pv"))) {
		json_decref(tlb);
		tlb = json_pack("{s:s, s:s, s:O, s:o}", "mode", !strcmp(lp, "pv") ? "pv-kvm" : "ipi",
				"source", "probe",
				"evidence", json_object_get(json_object_get(paths, "flush"), "counts"),
				"rules", pt_tlb_rules(k));
	} else {
		json_object_set_new(tlb, "probe", paths ? json_incref(json_object_get(paths, "flush")) :
				    json_pack("{s:s, s:s}", "path", "unknown", "reason", why));
	}
	if (paths)
		json_object_set(o, "path_probe", json_object_get(paths, "probe"));
	json_decref(paths);
	json_object_set_new(o, "tlb_flush", tlb);
	json_object_set_new(o, "table_free", tf);
}

json_t *pt_sysinfo(bool probe)
{
	struct pt_kinfo k;
	json_t *o;

	pt_kinfo_init(&k);
	o = json_pack("{s:s, s:o, s:O}",
		      "ptbench_version", PACKAGE_VERSION,
		      "kernel", pt_kernel_full(&k),
		      "config", k.config);
	if (o) {
		pt_paths_observed(o, &k, probe);
		json_object_set_new(o, "pt_reclaim", pt_config_bool(k.config, "CONFIG_PT_RECLAIM"));
	}
	pt_kinfo_fini(&k);
	if (!o)
		return NULL;
	json_object_set_new(o, "thp", json_pack("{s:o, s:o}",
			    "enabled", pt_thp_choice("enabled"),
			    "defrag", pt_thp_choice("defrag")));
	json_object_set_new(o, "cpu", pt_cpu());
	json_object_set_new(o, "topology", pt_topology());
	json_object_set_new(o, "memory", json_pack("{s:o, s:o}",
			    "total_bytes", pt_meminfo_bytes("MemTotal"),
			    "available_bytes", pt_meminfo_bytes("MemAvailable")));
	json_object_set_new(o, "perf_event_paranoid", pt_paranoid());
	json_object_set_new(o, "hostname", pt_hostname());
	json_object_set_new(o, "collected", pt_timestamp());
	return o;
}

json_t *pt_sysinfo_kernel(void)
{
	struct pt_kinfo k;
	json_t *o;

	pt_kinfo_init(&k);
	o = json_object();
	if (o) {
		pt_uname_set(o, &k);
		json_object_set_new(o, "tlb_flush_mode", json_string(k.tlb.mode));
		json_object_set_new(o, "table_free", json_string(k.tf_mode));
		json_object_set_new(o, "pt_reclaim",
				    pt_config_bool(k.config, "CONFIG_PT_RECLAIM"));
	}
	pt_kinfo_fini(&k);
	return o;
}
