// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of bench/paths.c: the free and flush path decided from counts,
 * among them counts recorded in Debian 6.12 guests, and of kcount.c's
 * parsing of the path counter names.
 */
#include "config.h"

#include <string.h>

#include "../bench/kcount.h"
#include "../bench/paths.h"
#include "../bench/ptbench.h"
#include "tap.h"

/*
 * paths.c's per-repetition glue calls these harness services; the tests
 * below call only pt_paths_decide(), so they are never reached.
 */
void pt_metric(struct pt_run *run, const char *name, const char *unit,
	       enum pt_better better, double value)
{
	(void)run; (void)name; (void)unit; (void)better; (void)value;
	abort();
}

void pt_metric_unsupported(struct pt_run *run, const char *name, const char *unit,
			   enum pt_better better, const char *fmt, ...)
{
	(void)run; (void)name; (void)unit; (void)better; (void)fmt;
	abort();
}

bool pt_counter(struct pt_run *run, const char *name, double *value)
{
	(void)run; (void)name; (void)value;
	abort();
}

static struct pt_pcount known(double n)
{
	return (struct pt_pcount){ .known = true, .n = n, .from = "test" };
}

static struct pt_pcount unknown(const char *why)
{
	return (struct pt_pcount){ .known = false, .why = why, .from = "kprobe:test" };
}

static const char *path_of(json_t *d, const char *which)
{
	return json_string_value(json_object_get(json_object_get(d, which), "path"));
}

static double count_of(json_t *d, const char *which, const char *what)
{
	json_t *c = json_object_get(json_object_get(json_object_get(d, which), "counts"), what);

	return json_number_value(json_object_get(c, "count"));
}

static void decide(const char *what, struct pt_path_input in, const char *free_path,
		   const char *flush_path)
{
	json_t *d = pt_paths_decide(&in);

	ok(d && !strcmp(path_of(d, "free"), free_path), "%s: free path %s (got %s)",
	   what, free_path, d ? path_of(d, "free") : "NULL");
	ok(d && !strcmp(path_of(d, "flush"), flush_path), "%s: flush path %s (got %s)",
	   what, flush_path, d ? path_of(d, "flush") : "NULL");
	json_decref(d);
}

static void decisions(void)
{
	json_t *d;
	struct pt_path_input in;

	/* A KVM guest with the paravirtual flush: RCU, pv. */
	decide("kvm pv guest", (struct pt_path_input){ .rcu = known(1024), .direct = known(0),
	       .sync = known(0), .pv = known(16), .native = known(16) }, "rcu", "pv");
	decide("bare metal 6.12", (struct pt_path_input){ .rcu = known(0), .direct = known(1024),
	       .sync = known(0), .pv = known(0), .native = known(16) }, "direct", "ipi");
	decide("nothing freed or flushed", (struct pt_path_input){ .rcu = known(0),
	       .direct = known(0), .sync = known(0), .pv = known(0), .native = known(0) },
	       "none", "none");
	decide("no batch page", (struct pt_path_input){ .rcu = known(512), .direct = known(0),
	       .sync = known(512), .pv = known(4), .native = known(4) }, "sync-ipi", "pv");
	decide("a few sync IPIs among many batched", (struct pt_path_input){ .rcu = known(512),
	       .direct = known(0), .sync = known(3), .pv = known(4), .native = known(4) },
	       "rcu", "pv");
	decide("both paths", (struct pt_path_input){ .rcu = known(10), .direct = known(1000),
	       .sync = known(0), .pv = known(0), .native = known(9) }, "mixed", "ipi");
	decide("rcu unknown", (struct pt_path_input){ .rcu = unknown("no kprobes"),
	       .direct = known(5), .sync = known(0), .pv = known(0), .native = known(1) },
	       "unknown", "ipi");
	decide("native flush unknown", (struct pt_path_input){ .rcu = known(0),
	       .direct = known(5), .sync = unknown("x"), .pv = known(0),
	       .native = unknown("not root") }, "direct", "unknown");

	/* Recorded: pt-teardown --tables 64 --tasks 2 in a Debian 6.12 guest under TCG. */
	in = (struct pt_path_input){ .rcu = known(0), .direct = known(8768), .sync = known(0),
				     .pv = known(0), .native = known(138) };
	d = pt_paths_decide(&in);
	ok(!strcmp(path_of(d, "free"), "direct") && count_of(d, "free", "direct_tables") == 8768,
	   "recorded 6.12 TCG counts: direct, 8768 tables");
	ok(!strcmp(path_of(d, "flush"), "ipi") && count_of(d, "flush", "ipi_flushes") == 138 &&
	   count_of(d, "flush", "pv_flushes") == 0, "recorded 6.12 TCG counts: ipi, 138 flushes");
	json_decref(d);

	/* An unknown path says why, naming the counter. */
	in = (struct pt_path_input){ .rcu = unknown("CONFIG_KPROBES is not set"),
				     .direct = known(0), .sync = known(0), .pv = known(0),
				     .native = known(0) };
	d = pt_paths_decide(&in);
	ok(strstr(json_string_value(json_object_get(json_object_get(d, "free"), "reason")),
		  "CONFIG_KPROBES is not set") != NULL, "an unknown free path gives the reason");
	ok(!json_object_get(json_object_get(d, "free"), "counts"),
	   "an unknown free path has no counts (never zeros)");
	json_decref(d);

	/* pv flush: the IPIs kvm_flush_tlb_multi still sends are not IPI flushes. */
	in = (struct pt_path_input){ .rcu = known(0), .direct = known(0), .sync = known(0),
				     .pv = known(100), .native = known(150) };
	d = pt_paths_decide(&in);
	is_near(count_of(d, "flush", "ipi_flushes"), 50, 0, "ipi flushes = native - pv");
	json_decref(d);
}

static void names(void)
{
	static const char *const bad[] = {
		"kprobe:", "kprobe:foo bar", "kprobe:f@cpu", "tp:tlb", "tp::x",
		"tp:sched:sched_switch:remote_send_ipi", "tp:tlb:tlb_flush:nosuchreason",
	};
	struct pt_kc_spec s;
	char err[256];
	size_t i;

	ok(pt_kc_parse("kprobe:tlb_remove_table", &s, err, sizeof(err)) == 0 &&
	   s.kind == PT_KC_KPROBE && s.system && !strcmp(s.symbol, "tlb_remove_table"),
	   "kprobe:tlb_remove_table counts on every CPU");
	ok(pt_kc_parse("kprobe:tlb_remove_table@task", &s, err, sizeof(err)) == 0 &&
	   !s.system && !strcmp(s.symbol, "tlb_remove_table"), "@task: per-task count");
	ok(pt_kc_parse("tp:tlb:tlb_flush:remote_send_ipi", &s, err, sizeof(err)) == 0 &&
	   s.kind == PT_KC_TRACEPOINT && !strcmp(s.tp, "tlb/tlb_flush") &&
	   !strcmp(s.filter, "remote_send_ipi"), "tlb_flush split by reason");
	ok(pt_kc_parse("cycles", &s, err, sizeof(err)) == 1, "a libpfm4 name is not ours");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ok(pt_kc_parse(bad[i], &s, err, sizeof(err)) == -1 && err[0],
		   "'%s' refused: %s", bad[i], err);
	}
	for (i = 0; pt_path_events[i]; i++)
		ok(pt_kc_parse(pt_path_events[i], &s, err, sizeof(err)) == 0,
		   "path event %s parses", pt_path_events[i]);
}

int main(void)
{
	decisions();
	names();
	return tap_done();
}
