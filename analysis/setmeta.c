// SPDX-License-Identifier: GPL-2.0
/*
 * ptstat set: the files of a result set that are not results, written for
 * runners/run.sh and runners/vm.sh: meta.json (ptbench-set/1: what ran,
 * when, what failed) and the "vm" object of system.json; and for
 * runners/fleet.sh the record of a fleet run, fleet.json (ptbench-fleet/1),
 * and the move of a checked set into place.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../common/result.h"
#include "reportdir.h"
#include "resultset.h"
#include "write.h"

#define MESSAGES 20	/* lines of an entry's log kept in a failed record */

static void set_help(FILE *f)
{
	fputs("Usage: ptstat set start DIR --label LABEL --plan PLAN.json [--resume]\n"
"       ptstat set fail DIR --entry LABEL --status N [--round R]\n"
"                           [--src FILE:LINE] [--log FILE]\n"
"       ptstat set ok DIR --entry LABEL\n"
"       ptstat set finish DIR\n"
"       ptstat set vm DIR --facts FILE\n"
"       ptstat set fleet DIR --label LABEL --suite SUITE --host HOST\n"
"                            --status ok|failed|partial [--reason TEXT]\n"
"                            [--sshlogin LOGIN] [--kernel RELEASE]\n"
"                            [--clock ISO] [--clock-offset SECONDS]\n"
"                            [--set NAME --kernel-spec SPEC [--variant V]]\n"
"       ptstat set place SRC DEST\n"
"\n"
"Writes the files of the result set DIR that are not results\n"
"(results/README.md), each atomically; on any error the file is left as it was.\n"
"\n"
"start   writes DIR/meta.json (schema ptbench-set/1): label, suite {name,\n"
"        path}, reps, rounds, entries (their number), started (now), finished\n"
"        (null), host and kernel_release (uname), cpus, ptbench_version\n"
"        (DIR/system.json's, else this ptstat's), resumed [], failed [], runner\n"
"        \"runners/run.sh\". The suite, reps, rounds, cpus and entries come\n"
"        from PLAN.json (schema ptbench-plan/1, ptbench plan: suite.name,\n"
"        suite.path, reps, rounds, cpus, entries). With --resume and a\n"
"        meta.json in DIR, its started and failed are kept and now is appended\n"
"        to resumed.\n"
"fail    records that entry LABEL (of round R) failed with exit status N:\n"
"        appends {label, round (null without --round), status, src (the suite\n"
"        line, FILE:LINE, or null), messages (the last 20 lines of --log FILE,\n"
"        or [])} to meta.json's failed, replacing a record of the same label\n"
"        and round.\n"
"ok      removes the failed records of entry LABEL (a resumed run redid it).\n"
"finish  sets meta.json's finished to now (ISO 8601 UTC).\n"
"vm      adds the vm object (runners/vm.sh) to DIR/system.json, replacing one\n"
"        there, from FILE: lines \"KEY VALUE\", VALUE the rest of the line\n"
"        (possibly empty). The keys: accel, accel_note, qemu_version,\n"
"        qemu_command, cpu, cpu_model_name, cpu_flags (blank-separated: an\n"
"        array), memory_mib, vcpus, guest_cpus_online, guest_cmdline,\n"
"        cmdline_asked, kernel_spec, kernel_image, kernel_package,\n"
"        kernel_package_version, variant, tcg_threads, boot_s,\n"
"        kernel_uptime_at_init_s, suite_s, total_s, kprobes_after_suite,\n"
"        kprobes_while_running, kprobes_after_sigkill. memory_mib, vcpus,\n"
"        boot_s and total_s must be numbers; the other numbers are null when\n"
"        empty or not a number; kernel_package, kernel_package_version and\n"
"        variant null when empty; a key not given is empty. emulated_timings\n"
"        is accel == \"tcg\", tcg_threads null unless accel is tcg. An unknown\n"
"        or repeated key is an error naming the line.\n"
"fleet   records in DIR/fleet.json (schema ptbench-fleet/1, a directory of\n"
"        runners/fleet.sh) how host HOST's run ended: status ok (its set is in\n"
"        DIR/HOST), partial (its set is there, some entries failed) or failed\n"
"        (reason TEXT: the host's last message); the sshlogin, the kernel\n"
"        release and the clock (ISO 8601 UTC) the host had at contact, and\n"
"        its offset from this machine's clock in seconds. fleet.json is made\n"
"        when missing (label, suite, created, hosts {}); a host's earlier\n"
"        record is replaced, keeping its kernel, clock and offset when not\n"
"        given, and counting its attempts. An existing fleet.json of another\n"
"        label is refused. With --set NAME (fleet.sh --kernel: a kernel\n"
"        booted in a VM on some host), the record is the set NAME's, in\n"
"        fleet.json's sides object (made when missing), with host HOST (the\n"
"        host that ran it; null without --host: it ran nowhere), kernel_spec\n"
"        SPEC and variant V (null without it), its other fields as a host's\n"
"        (but none kept from an earlier record: it may run on another host).\n"
"place   moves the directory SRC (a set already checked) to DEST in one\n"
"        step: renamed when DEST does not exist; else exchanged with DEST\n"
"        (renameat2 RENAME_EXCHANGE), so that DEST is at every moment the old\n"
"        set or the new one, never missing, and the old one, now at SRC, is\n"
"        removed. SRC and DEST must be on the same file system (a rename);\n"
"        a DEST that is not a directory is refused. A file system without\n"
"        the exchange (EINVAL) can only take a DEST that does not exist.\n"
"\n"
"Exit status: 0 written (place: moved); 1 the file could not be written\n"
"(place: the move failed, DEST as it was; or the old DEST, moved to SRC,\n"
"could not be removed entirely, the new one being in place); 2 bad usage or\n"
"input (nothing written; place: SRC missing or not a directory, DEST not a\n"
"directory, SRC and DEST on different file systems).\n", f);
}

struct set_args {
	const char *prog;
	const char *dir, *dest, *label, *plan, *entry, *status, *round, *src, *log, *facts;
	const char *suite, *host, *reason, *sshlogin, *kernel, *clock, *clock_offset;
	const char *set, *kernel_spec, *variant;
	bool resume, help;
};

static int need_dir(const struct set_args *a)
{
	struct stat st;

	if (!a->dir)
		return pw_usage(a->prog, "the result set's directory is needed");
	if (stat(a->dir, &st) || !S_ISDIR(st.st_mode))
		return pw_fail(a->prog, "%s: not a directory", a->dir);
	return 0;
}

/* DIR/NAME read as a JSON object; NULL after a message. */
static json_t *read_in_dir(const struct set_args *a, const char *name, bool quiet)
{
	char *path = rs_xasprintf("%s/%s", a->dir, name), err[512];
	json_t *doc = pt_json_read(path, err, sizeof(err));

	if (!doc && !quiet)
		pw_fail(a->prog, "%s: %s", path, err);
	free(path);
	return doc;
}

static int write_in_dir(const struct set_args *a, const char *name, json_t *doc)
{
	char *path = rs_xasprintf("%s/%s", a->dir, name);
	int rc = pw_write(a->prog, path, doc);

	free(path);
	return rc;
}

/* meta.json as it is, checked enough to be rewritten; NULL after a message. */
static json_t *read_meta(const struct set_args *a)
{
	json_t *meta = read_in_dir(a, "meta.json", false), *failed;
	const char *schema;

	if (!meta)
		return NULL;
	schema = json_string_value(json_object_get(meta, "schema"));
	failed = json_object_get(meta, "failed");
	if (!schema || strcmp(schema, PT_SCHEMA_SET)) {
		pw_fail(a->prog, "%s/meta.json: schema: is not '%s'", a->dir, PT_SCHEMA_SET);
	} else if (failed && !json_is_array(failed)) {
		pw_fail(a->prog, "%s/meta.json: failed: is not an array", a->dir);
	} else {
		if (!failed)
			json_object_set_new(meta, "failed", json_array());
		return meta;
	}
	json_decref(meta);
	return NULL;
}

/* ---- start ---------------------------------------------------------------- */

static int plan_field(const struct set_args *a, json_t *plan, const char *field,
		      json_type type)
{
	const char *dot = strchr(field, '.');
	json_t *v = dot ? json_object_get(json_object_get(plan, "suite"), dot + 1)
			: json_object_get(plan, field);

	if (type == JSON_INTEGER && json_is_integer(v) && json_integer_value(v) >= 1)
		return 0;
	if (type != JSON_INTEGER && v && json_typeof(v) == type)
		return 0;
	return pw_fail(a->prog, "%s: %s: %s", a->plan, field, !v ? "missing" :
		       type == JSON_INTEGER ? "is not a whole number of at least 1" :
		       type == JSON_STRING ? "is not a string" : "is not an array");
}

static json_t *read_plan(const struct set_args *a)
{
	char err[512];
	json_t *plan = pt_json_read(a->plan, err, sizeof(err));
	const char *schema;

	if (!plan) {
		pw_fail(a->prog, "%s: %s", a->plan, err);
		return NULL;
	}
	schema = json_string_value(json_object_get(plan, "schema"));
	if (!schema || strcmp(schema, PT_SCHEMA_PLAN))
		pw_fail(a->prog, "%s: schema: is not '%s'", a->plan, PT_SCHEMA_PLAN);
	else if (!plan_field(a, plan, "suite.name", JSON_STRING) &&
		 !plan_field(a, plan, "suite.path", JSON_STRING) &&
		 !plan_field(a, plan, "reps", JSON_INTEGER) &&
		 !plan_field(a, plan, "rounds", JSON_INTEGER) &&
		 !plan_field(a, plan, "cpus", JSON_INTEGER) &&
		 !plan_field(a, plan, "entries", JSON_ARRAY))
		return plan;
	json_decref(plan);
	return NULL;
}

static json_t *version_of(const struct set_args *a)
{
	json_t *sys = read_in_dir(a, "system.json", true);
	json_t *v = json_object_get(sys, "ptbench_version");
	json_t *out = json_is_string(v) && *json_string_value(v) ? json_incref(v) :
		      json_string(PACKAGE_VERSION);

	json_decref(sys);
	return out;
}

static int cmd_start(const struct set_args *a)
{
	json_t *plan, *old = NULL, *meta, *resumed, *failed;
	const char *started;
	struct utsname u;
	char now[32], path[4096];
	int rc = 2;

	if (!a->label || !a->plan)
		return pw_usage(a->prog, "--label and --plan are needed");
	plan = read_plan(a);
	if (!plan)
		return 2;
	snprintf(path, sizeof(path), "%s/meta.json", a->dir);
	if (a->resume && !access(path, F_OK)) {
		old = read_meta(a);
		if (!old)
			goto out;
	}
	pt_now_iso(now, sizeof(now));
	uname(&u);
	resumed = old ? json_deep_copy(json_object_get(old, "resumed")) : json_array();
	if (!json_is_array(resumed)) {
		json_decref(resumed);
		resumed = json_array();
	}
	if (old)
		json_array_append_new(resumed, json_string(now));
	failed = old ? json_deep_copy(json_object_get(old, "failed")) : json_array();
	started = json_string_value(json_object_get(old, "started"));
	meta = json_pack("{s:s, s:s, s:{s:O, s:O}, s:O, s:O, s:I, s:s, s:n, s:s, s:s, s:O,"
			 " s:o, s:o, s:o, s:s}",
			 "schema", PT_SCHEMA_SET, "label", a->label,
			 "suite", "name", json_object_get(json_object_get(plan, "suite"), "name"),
			 "path", json_object_get(json_object_get(plan, "suite"), "path"),
			 "reps", json_object_get(plan, "reps"),
			 "rounds", json_object_get(plan, "rounds"),
			 "entries", (json_int_t)json_array_size(json_object_get(plan, "entries")),
			 "started", started ? started : now,
			 "finished", "host", u.nodename, "kernel_release", u.release,
			 "cpus", json_object_get(plan, "cpus"),
			 "ptbench_version", version_of(a), "resumed", resumed, "failed", failed,
			 "runner", "runners/run.sh");
	rc = write_in_dir(a, "meta.json", meta);
	json_decref(meta);
out:
	json_decref(old);
	json_decref(plan);
	return rc;
}

/* ---- fail, ok, finish -------------------------------------------------------- */

/* text as a JSON string; bytes that are not UTF-8 become '?'. */
static json_t *text(const char *s)
{
	json_t *v = json_string(s);
	char *copy;

	if (v)
		return v;
	copy = rs_xstrdup(s);
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

/* The last MESSAGES lines of path; NULL after a message. */
static json_t *last_lines(const struct set_args *a, const char *path)
{
	json_t *lines = json_array();
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f) {
		pw_fail(a->prog, "--log %s: %s", path, strerror(errno));
		json_decref(lines);
		return NULL;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = 0;
		if (json_array_size(lines) == MESSAGES)
			json_array_remove(lines, 0);
		json_array_append_new(lines, text(line));
	}
	free(line);
	fclose(f);
	return lines;
}

static int fail_record(const struct set_args *a, json_t **rec)
{
	unsigned long status, round = 0;
	json_t *msgs;

	if (!a->entry || !a->status)
		return pw_usage(a->prog, "--entry and --status are needed");
	if (pw_ulong(a->status, 0, 65535, &status))
		return pw_usage(a->prog, "--status must be an exit status (0 to 65535), not '%s'",
				a->status);
	if (a->round && pw_ulong(a->round, 1, 1000000, &round))
		return pw_usage(a->prog, "--round must be a whole number of at least 1, not '%s'",
				a->round);
	msgs = a->log ? last_lines(a, a->log) : json_array();
	if (!msgs)
		return 2;
	*rec = json_pack("{s:s, s:o, s:I, s:o, s:o}", "label", a->entry,
			 "round", a->round ? json_integer((json_int_t)round) : json_null(),
			 "status", (json_int_t)status,
			 "src", a->src ? text(a->src) : json_null(), "messages", msgs);
	return 0;
}

static bool same_label(const json_t *rec, const char *label)
{
	const char *l = json_string_value(json_object_get(rec, "label"));

	return l && !strcmp(l, label);
}

static int cmd_fail(const struct set_args *a)
{
	json_t *meta, *failed, *rec = NULL, *r;
	bool replaced = false;
	int rc;
	size_t i;

	rc = fail_record(a, &rec);
	if (rc)
		return rc;
	meta = read_meta(a);
	if (!meta) {
		json_decref(rec);
		return 2;
	}
	failed = json_object_get(meta, "failed");
	json_array_foreach(failed, i, r)
		if (!replaced && same_label(r, a->entry) &&
		    json_equal(json_object_get(r, "round"), json_object_get(rec, "round"))) {
			json_array_set(failed, i, rec);
			replaced = true;
		}
	if (!replaced)
		json_array_append(failed, rec);
	rc = write_in_dir(a, "meta.json", meta);
	json_decref(rec);
	json_decref(meta);
	return rc;
}

static int cmd_ok(const struct set_args *a)
{
	json_t *meta, *failed;
	size_t i;
	int rc;

	if (!a->entry)
		return pw_usage(a->prog, "--entry is needed");
	meta = read_meta(a);
	if (!meta)
		return 2;
	failed = json_object_get(meta, "failed");
	for (i = json_array_size(failed); i-- > 0;)
		if (same_label(json_array_get(failed, i), a->entry))
			json_array_remove(failed, i);
	rc = write_in_dir(a, "meta.json", meta);
	json_decref(meta);
	return rc;
}

static int cmd_finish(const struct set_args *a)
{
	json_t *meta = read_meta(a);
	char now[32];
	int rc;

	if (!meta)
		return 2;
	pt_now_iso(now, sizeof(now));
	json_object_set_new(meta, "finished", json_string(now));
	rc = write_in_dir(a, "meta.json", meta);
	json_decref(meta);
	return rc;
}

/* ---- vm --------------------------------------------------------------------- */

static const char *const vm_keys[] = {
	"accel", "accel_note", "qemu_version", "qemu_command", "cpu", "cpu_model_name",
	"cpu_flags", "memory_mib", "vcpus", "guest_cpus_online", "guest_cmdline",
	"cmdline_asked", "kernel_spec", "kernel_image", "kernel_package",
	"kernel_package_version", "variant", "tcg_threads", "boot_s",
	"kernel_uptime_at_init_s", "suite_s", "total_s", "kprobes_after_suite",
	"kprobes_while_running", "kprobes_after_sigkill",
};

#define VM_NKEYS (sizeof(vm_keys) / sizeof(vm_keys[0]))

struct facts {
	const struct set_args *a;
	char *val[VM_NKEYS];
};

static int fact_index(const char *key)
{
	for (size_t i = 0; i < VM_NKEYS; i++)
		if (!strcmp(key, vm_keys[i]))
			return (int)i;
	return -1;
}

static const char *fact(const struct facts *f, const char *key)
{
	const char *v = f->val[fact_index(key)];

	return v ? v : "";
}

static int read_facts(struct facts *f)
{
	FILE *in = fopen(f->a->facts, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = 0;

	if (!in)
		return pw_fail(f->a->prog, "--facts %s: %s", f->a->facts, strerror(errno));
	while (!rc && (len = getline(&line, &cap, in)) > 0) {
		char *sp;
		int k;

		lineno++;
		if (line[len - 1] == '\n')
			line[len - 1] = 0;
		if (!*line)
			continue;
		sp = strchr(line, ' ');
		if (sp)
			*sp = 0;
		k = fact_index(line);
		if (k < 0)
			rc = pw_fail(f->a->prog, "%s: line %zu: unknown key '%s'", f->a->facts,
				     lineno, line);
		else if (f->val[k])
			rc = pw_fail(f->a->prog, "%s: line %zu: %s given twice", f->a->facts,
				     lineno, line);
		else
			f->val[k] = rs_xstrdup(sp ? sp + 1 : "");
	}
	free(line);
	fclose(in);
	return rc;
}

/* A number the vm object must have (vm.sh passed it with --argjson). */
static json_t *strict_number(const struct facts *f, const char *key)
{
	json_t *v = pw_number(fact(f, key));

	if (!v)
		pw_fail(f->a->prog, "%s: %s: '%s' is not a number", f->a->facts, key, fact(f, key));
	return v;
}

static json_t *number_or_null(const struct facts *f, const char *key)
{
	json_t *v = pw_number(fact(f, key));

	return v ? v : json_null();
}

static json_t *string_or_null(const struct facts *f, const char *key)
{
	return *fact(f, key) ? text(fact(f, key)) : json_null();
}

static json_t *flags(const struct facts *f)
{
	char *copy = rs_xstrdup(fact(f, "cpu_flags")), *save = NULL, *tok;
	json_t *arr = json_array();

	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_array_append_new(arr, text(tok));
	free(copy);
	return arr;
}

/* "cmd ... " -> "cmd ...": vm.sh's trim of the file's last blank */
static json_t *qemu_command(const struct facts *f)
{
	const char *s = fact(f, "qemu_command");
	size_t n = strlen(s);
	char *copy = strndup(s, n && s[n - 1] == ' ' ? n - 1 : n);
	json_t *v = text(copy ? copy : "");

	free(copy);
	return v;
}

static json_t *vm_object(const struct facts *f)
{
	json_t *mem = strict_number(f, "memory_mib"), *vcpus = strict_number(f, "vcpus");
	json_t *boot = strict_number(f, "boot_s"), *total = strict_number(f, "total_s");
	bool tcg = !strcmp(fact(f, "accel"), "tcg");

	if (!mem || !vcpus || !boot || !total) {
		json_decref(mem);
		json_decref(vcpus);
		json_decref(boot);
		json_decref(total);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
			 " s:o, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:o, s:o, s:o,"
			 " s:{s:o, s:o, s:o}}",
		"accel", text(fact(f, "accel")), "accel_note", text(fact(f, "accel_note")),
		"emulated_timings", tcg,
		"tcg_threads", tcg ? text(fact(f, "tcg_threads")) : json_null(),
		"qemu_version", text(fact(f, "qemu_version")), "qemu_command", qemu_command(f),
		"cpu", text(fact(f, "cpu")), "cpu_model_name", text(fact(f, "cpu_model_name")),
		"cpu_flags", flags(f), "memory_mib", mem, "vcpus", vcpus,
		"guest_cpus_online", text(fact(f, "guest_cpus_online")),
		"guest_cmdline", text(fact(f, "guest_cmdline")),
		"cmdline_asked", text(fact(f, "cmdline_asked")),
		"kernel", "spec", text(fact(f, "kernel_spec")),
		"image", text(fact(f, "kernel_image")),
		"package", string_or_null(f, "kernel_package"),
		"package_version", string_or_null(f, "kernel_package_version"),
		"variant", string_or_null(f, "variant"), "boot_s", boot,
		"kernel_uptime_at_init_s", number_or_null(f, "kernel_uptime_at_init_s"),
		"suite_s", number_or_null(f, "suite_s"), "total_s", total,
		"kprobes", "after_suite", number_or_null(f, "kprobes_after_suite"),
		"while_running", number_or_null(f, "kprobes_while_running"),
		"after_sigkill", number_or_null(f, "kprobes_after_sigkill"));
}

static int cmd_vm(const struct set_args *a)
{
	struct facts f = { .a = a };
	json_t *sys = NULL, *vm = NULL;
	int rc = 2;

	if (!a->facts)
		return pw_usage(a->prog, "--facts FILE is needed");
	if (read_facts(&f))
		goto out;
	vm = vm_object(&f);
	if (!vm)
		goto out;
	sys = read_in_dir(a, "system.json", false);
	if (!sys)
		goto out;
	json_object_set(sys, "vm", vm);
	rc = write_in_dir(a, "system.json", sys);
out:
	json_decref(vm);
	json_decref(sys);
	for (size_t i = 0; i < VM_NKEYS; i++)
		free(f.val[i]);
	return rc;
}


/* ---- fleet ------------------------------------------------------------------ */

#define PT_SCHEMA_FLEET "ptbench-fleet/1"

/* A host name as fleet.sh makes it: also the name of a directory in DIR. */
static bool fleet_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 200 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._+-", *s)))
			return false;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SSZ" */
static bool iso_utc(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != form[i])
			return false;
	return true;
}

static int fleet_check_args(const struct set_args *a, long *offset)
{
	char *end;

	if (a->set) {
		if (!a->label || !a->suite || !a->kernel_spec || !a->status)
			return pw_usage(a->prog, "--label, --suite, --kernel-spec and --status are needed with --set");
		if (!fleet_name_ok(a->set))
			return pw_usage(a->prog, "--set '%s': want letters, digits, '.', '_', '+' or '-', not starting with '.'",
					a->set);
	} else if (a->kernel_spec || a->variant) {
		return pw_usage(a->prog, "--kernel-spec and --variant go with --set");
	} else if (!a->label || !a->suite || !a->host || !a->status) {
		return pw_usage(a->prog, "--label, --suite, --host and --status are needed");
	}
	if (a->host && !fleet_name_ok(a->host))
		return pw_usage(a->prog, "--host '%s': want letters, digits, '.', '_', '+' or '-', not starting with '.'",
				a->host);
	if (strcmp(a->status, "ok") && strcmp(a->status, "failed") && strcmp(a->status, "partial"))
		return pw_usage(a->prog, "--status '%s': want ok, failed or partial", a->status);
	if (!strcmp(a->status, "failed") && (!a->reason || !*a->reason))
		return pw_usage(a->prog, "--status failed needs a --reason");
	if (a->clock && !iso_utc(a->clock))
		return pw_usage(a->prog, "--clock '%s': want YYYY-MM-DDTHH:MM:SSZ", a->clock);
	if (a->clock_offset) {
		errno = 0;
		*offset = strtol(a->clock_offset, &end, 10);
		if (errno || end == a->clock_offset || *end || *offset < -1000000000L ||
		    *offset > 1000000000L)
			return pw_usage(a->prog, "--clock-offset '%s': want whole seconds",
					a->clock_offset);
	}
	return 0;
}

/* fleet.json as it is (or a new one); NULL after a message. */
static json_t *read_fleet(const struct set_args *a, const char *now)
{
	char *path = rs_xasprintf("%s/fleet.json", a->dir);
	json_t *doc, *hosts;
	const char *schema, *label;

	if (access(path, F_OK)) {
		free(path);
		return json_pack("{s:s, s:s, s:o, s:s, s:s, s:{}}", "schema", PT_SCHEMA_FLEET,
				 "label", a->label, "suite", text(a->suite), "created", now,
				 "updated", now, "hosts");
	}
	free(path);
	doc = read_in_dir(a, "fleet.json", false);
	if (!doc)
		return NULL;
	schema = json_string_value(json_object_get(doc, "schema"));
	label = json_string_value(json_object_get(doc, "label"));
	hosts = json_object_get(doc, "hosts");
	if (!schema || strcmp(schema, PT_SCHEMA_FLEET))
		pw_fail(a->prog, "%s/fleet.json: schema: is not '%s'", a->dir, PT_SCHEMA_FLEET);
	else if (!label || strcmp(label, a->label))
		pw_fail(a->prog, "%s/fleet.json: label: is '%s', not '%s'", a->dir,
			label ? label : "(none)", a->label);
	else if (!json_is_object(hosts))
		pw_fail(a->prog, "%s/fleet.json: hosts: is not an object", a->dir);
	else if (json_object_get(doc, "sides") && !json_is_object(json_object_get(doc, "sides")))
		pw_fail(a->prog, "%s/fleet.json: sides: is not an object", a->dir);
	else
		return doc;
	json_decref(doc);
	return NULL;
}

/* The value given, else the one of the earlier record, else null. */
static json_t *given_or_kept(json_t *old, const char *key, json_t *given)
{
	json_t *v = json_object_get(old, key);

	if (given)
		return given;
	return v ? json_incref(v) : json_null();
}

static int cmd_fleet(const struct set_args *a)
{
	json_t *doc, *hosts, *old, *keep, *rec, *n;
	long offset = 0;
	json_int_t attempts = 1;
	char now[32];
	int rc;

	rc = fleet_check_args(a, &offset);
	if (rc)
		return rc;
	pt_now_iso(now, sizeof(now));
	doc = read_fleet(a, now);
	if (!doc)
		return 2;
	hosts = json_object_get(doc, "hosts");
	if (a->set) {
		if (!json_object_get(doc, "sides"))
			json_object_set_new(doc, "sides", json_object());
		hosts = json_object_get(doc, "sides");
	}
	old = json_object_get(hosts, a->set ? a->set : a->host);
	n = json_object_get(old, "attempts");
	if (json_is_integer(n) && json_integer_value(n) >= 1)
		attempts = json_integer_value(n) + 1;
	/* A side may run on another host next time: nothing of its host kept. */
	keep = a->set ? NULL : old;
	rec = json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:I, s:s}",
			"sshlogin", given_or_kept(keep, "sshlogin",
						  a->sshlogin ? text(a->sshlogin) : NULL),
			"status", a->status,
			"reason", a->reason && *a->reason ? text(a->reason) : json_null(),
			"kernel_release", given_or_kept(keep, "kernel_release",
							a->kernel ? text(a->kernel) : NULL),
			"clock", given_or_kept(keep, "clock", a->clock ? json_string(a->clock) : NULL),
			"clock_offset_s", given_or_kept(keep, "clock_offset_s", a->clock_offset ?
							json_integer(offset) : NULL),
			"attempts", attempts, "updated", now);
	if (a->set) {
		json_object_set_new(rec, "host", a->host ? json_string(a->host) : json_null());
		json_object_set_new(rec, "kernel_spec", text(a->kernel_spec));
		json_object_set_new(rec, "variant", a->variant ? text(a->variant) : json_null());
	}
	json_object_set_new(hosts, a->set ? a->set : a->host, rec);
	json_object_set_new(doc, "suite", text(a->suite));
	json_object_set_new(doc, "updated", json_string(now));
	rc = write_in_dir(a, "fleet.json", doc);
	json_decref(doc);
	return rc;
}

/* ---- place --------------------------------------------------------------------- */

static int place_failed(const struct set_args *a)
{
	if (errno == EXDEV)
		return pw_fail(a->prog, "%s and %s are on different file systems: a set is placed by a rename, so SRC must be beside DEST",
			       a->dir, a->dest);
	fprintf(stderr, "%s: cannot move %s to %s: %s\n", a->prog, a->dir, a->dest,
		strerror(errno));
	return 1;
}

static int cmd_place(const struct set_args *a)
{
	struct stat st;

	if (!a->dest)
		return pw_usage(a->prog, "SRC and DEST are needed");
	if (lstat(a->dir, &st) || !S_ISDIR(st.st_mode))
		return pw_fail(a->prog, "%s: not a directory", a->dir);
	if (!lstat(a->dest, &st) && !S_ISDIR(st.st_mode))
		return pw_fail(a->prog, "%s exists and is not a directory", a->dest);
	if (!renameat2(AT_FDCWD, a->dir, AT_FDCWD, a->dest, RENAME_NOREPLACE))
		return 0;
	if (errno == EEXIST) {
		if (renameat2(AT_FDCWD, a->dir, AT_FDCWD, a->dest, RENAME_EXCHANGE))
			return place_failed(a);
		/* The old DEST is at SRC now. */
		if (rd_rm_tree(a->dir)) {
			fprintf(stderr, "%s: %s is in place; what is left of the old one is in %s\n",
				a->prog, a->dest, a->dir);
			return 1;
		}
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS)
		return place_failed(a);
	/* No renameat2 flags here: a DEST that does not exist, renamed to. */
	if (!lstat(a->dest, &st)) {
		fprintf(stderr, "%s: %s exists and this file system cannot exchange directories (renameat2: %s): left as it was\n",
			a->prog, a->dest, strerror(EINVAL));
		return 1;
	}
	return rename(a->dir, a->dest) ? place_failed(a) : 0;
}

/* ---- the command line ----------------------------------------------------------- */

static const struct {
	const char *name;
	int (*run)(const struct set_args *a);
	const char *opts;	/* the options it takes, " name " each */
	int npaths;		/* the directories it takes */
} set_cmds[] = {
	{ "start", cmd_start, " label plan resume help ", 1 },
	{ "fail", cmd_fail, " entry status round src log help ", 1 },
	{ "ok", cmd_ok, " entry help ", 1 },
	{ "finish", cmd_finish, " help ", 1 },
	{ "vm", cmd_vm, " facts help ", 1 },
	{ "fleet", cmd_fleet,
	  " label suite host status reason sshlogin kernel clock clock-offset set kernel-spec variant help ",
	  1 },
	{ "place", cmd_place, " help ", 2 },
};

/* An option the subcommand does not take is an unknown option there. */
static int check_opts(const char *prog, const struct pw_opt *opts, const char *allowed)
{
	char word[40];

	for (; opts->name; opts++) {
		snprintf(word, sizeof(word), " %s ", opts->name);
		if (!strstr(allowed, word) &&
		    ((opts->value && *opts->value) || (opts->flag && *opts->flag)))
			return pw_usage(prog, "unknown option '--%s'", opts->name);
	}
	return 0;
}

int pw_set(int argc, char **argv)
{
	struct set_args a = { .prog = "ptstat set" };
	const char **pos = rs_xcalloc((size_t)argc + 1, sizeof(*pos));
	char prog[32];
	int npos, rc = 2;
	size_t c;
	struct pw_opt opts[] = {
		{ "label", 0, &a.label, NULL }, { "plan", 0, &a.plan, NULL },
		{ "resume", 0, NULL, &a.resume }, { "entry", 0, &a.entry, NULL },
		{ "status", 0, &a.status, NULL }, { "round", 0, &a.round, NULL },
		{ "src", 0, &a.src, NULL }, { "log", 0, &a.log, NULL },
		{ "facts", 0, &a.facts, NULL }, { "suite", 0, &a.suite, NULL },
		{ "host", 0, &a.host, NULL }, { "reason", 0, &a.reason, NULL },
		{ "sshlogin", 0, &a.sshlogin, NULL }, { "kernel", 0, &a.kernel, NULL },
		{ "clock", 0, &a.clock, NULL }, { "clock-offset", 0, &a.clock_offset, NULL },
		{ "set", 0, &a.set, NULL }, { "kernel-spec", 0, &a.kernel_spec, NULL },
		{ "variant", 0, &a.variant, NULL },
		{ "help", 'h', NULL, &a.help },
		{ NULL, 0, NULL, NULL },
	};

	if (pw_parse(a.prog, opts, argc, argv, pos, &npos, NULL, NULL))
		goto out;
	if (a.help) {
		set_help(stdout);
		rc = 0;
		goto out;
	}
	if (!npos) {
		pw_usage(a.prog, "a command is needed: start, fail, ok, finish, vm, fleet or place");
		goto out;
	}
	for (c = 0; c < sizeof(set_cmds) / sizeof(set_cmds[0]); c++)
		if (!strcmp(pos[0], set_cmds[c].name))
			break;
	if (c == sizeof(set_cmds) / sizeof(set_cmds[0])) {
		pw_usage(a.prog, "unknown command '%s': start, fail, ok, finish, vm, fleet or place", pos[0]);
		goto out;
	}
	snprintf(prog, sizeof(prog), "ptstat set %s", set_cmds[c].name);
	a.prog = prog;
	a.dir = npos > 1 ? pos[1] : NULL;
	if (set_cmds[c].npaths == 2)
		a.dest = npos > 2 ? pos[2] : NULL;
	if (npos > 1 + set_cmds[c].npaths)
		pw_usage(a.prog, "%s, not '%s' as well",
			 set_cmds[c].npaths == 2 ? "SRC and DEST" : "one directory",
			 pos[1 + set_cmds[c].npaths]);
	else if (!check_opts(a.prog, opts, set_cmds[c].opts) && !need_dir(&a))
		rc = set_cmds[c].run(&a);
out:
	free(pos);
	return rc;
}
