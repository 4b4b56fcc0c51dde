#!/usr/bin/env bash
# The path counters on this kernel: what is counted is counted, what cannot
# be is unsupported with the reason (never 0); an unknown kprobe or
# tracepoint does not stop the run; as another user than root, tracefs and
# kprobes are closed and say so; a run killed with SIGKILL leaves nothing
# that stops the next one.
# shellcheck disable=SC2016 # jq programs in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
_pt_need_jq
short=(--duration 0.3 --reps 2 --warmup 0.1 -q)
tasks=2
[ "$(nproc)" -ge 2 ] || tasks=1

r=$T/pt.json
expect_exit 0 "$PTBENCH" run pt-teardown --via munmap --tables 64 --tasks "$tasks" "${short[@]}" -o "$r"
validate_result "$r"

# Every path counter of the default set is there, counted or explained.
jq_true "$r" '[.counters | to_entries[] | select(.key | test("^(kprobe|tp):"))] | length == 14' \
	"the 14 path counters of --events default"
jq_true "$r" 'all(.counters | to_entries[] | select(.key | test("^(kprobe|tp):")) | .value;
	(.supported and (.samples | length) == 2 and .scope == "system") or
	(.supported == false and (.reason | length) > 10))' "each path counter: counted, or unsupported with a reason"

# Tracepoints: counted wherever tracefs is readable, said why not otherwise.
if [ "$(id -u)" -eq 0 ] && [ -d /sys/kernel/tracing ]; then
	jq_true "$r" '.counters["tp:tlb:tlb_flush:remote_shootdown"].supported' \
		"as root with tracefs: tlb:tlb_flush is counted ($("$JQ" -c '.counters["tp:tlb:tlb_flush:remote_shootdown"]' "$r"))"
	jq_true "$r" '(.metrics.tlb_flush_remote_shootdown_per_op.samples | length) == 2' \
		"tlb_flush_remote_shootdown_per_op reported"
	pass "tlb:tlb_flush counted per reason, per operation"
fi

# Kprobes: counted where the kernel has the kprobe PMU, else the missing option.
if [ -e /sys/bus/event_source/devices/kprobe/type ] && [ "$(id -u)" -eq 0 ]; then
	jq_true "$r" '.counters["kprobe:flush_tlb_mm_range"].supported' "kprobes counted on a kernel with the kprobe PMU"
	jq_true "$r" '.paths.free.path != "unknown"' "a kernel with kprobes: the free path is decided"
	pass "kprobes counted; free path $("$JQ" -r .paths.free.path "$r")"
else
	jq_true "$r" '.counters["kprobe:tlb_remove_table"].reason | test("CONFIG_KPROBE|root|CAP_PERFMON")' \
		"no kprobe PMU: the reason names the kernel option: $("$JQ" -r '.counters["kprobe:tlb_remove_table"].reason' "$r")"
	jq_true "$r" '.paths.free.path == "unknown" and (.paths.free.reason | test("kprobe:tlb_remove_table cannot be counted"))' \
		"no kprobes: the free path is unknown, with the counter that is missing"
	jq_true "$r" '.unsupported_metrics.rcu_tables_per_op.supported == false and (.metrics.rcu_tables_per_op == null)' \
		"no kprobes: rcu_tables_per_op is unsupported, not 0"
	pass "no kprobes here: unsupported with the reason, paths unknown, derived metrics unsupported"
fi

# What RCU table free costs: the vmstat and meminfo figures.
jq_true "$r" '(.metrics.held_kib_peak.samples | length) == 2 and (.metrics.pagetables_kib_peak.samples | length) == 2' \
	"held_kib_peak and pagetables_kib_peak per repetition"
jq_true "$r" '.counters["vmstat:pgfree"].supported == (.metrics.pgfree_per_op != null)' \
	"pgfree_per_op follows its counter"
jq_true "$r" '.counters["softirqs:RCU"].supported and (.metrics.rcu_softirqs_per_op.samples | length) == 2' \
	"the RCU row of /proc/softirqs"
pass "held_kib_peak, vmstat and softirq deltas"

# A kprobe or tracepoint the kernel does not have: the run goes on.
r=$T/unknown.json
expect_exit 0 "$PTBENCH" run pt-teardown --tables 8 --events 'kprobe:ptbench_no_such_function,tp:nosuch:event,page-faults' \
	"${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.counters["kprobe:ptbench_no_such_function"] | .supported == false and
	(.reason | test("not in /proc/kallsyms|CONFIG_KPROBE|root"))' \
	"an unknown function: $("$JQ" -r '.counters["kprobe:ptbench_no_such_function"].reason' "$r")"
jq_true "$r" '.counters["tp:nosuch:event"] | .supported == false and (.reason | test("no tracepoint|tracefs|root"))' \
	"an unknown tracepoint: $("$JQ" -r '.counters["tp:nosuch:event"].reason' "$r")"
jq_true "$r" '.counters["page-faults"].supported' "the other events are still counted"
pass "an unknown kprobe or tracepoint is unsupported with the reason; the run goes on"

expect_exit 2 "$PTBENCH" run pt-teardown --events 'kprobe:bad name' "${short[@]}"
grep -q 'not a kernel function name' "$T/err" || fail "a malformed kprobe name: $(cat "$T/err")"
expect_exit 2 "$PTBENCH" run pt-teardown --events 'tp:tlb:tlb_flush:sideways' "${short[@]}"
grep -q 'unknown tlb_flush reason' "$T/err" || fail "an unknown reason: $(cat "$T/err")"
pass "malformed counter names: exit 2 with the reason"

# Not root: tracefs and kprobes are closed, and say so.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	U=$(mktemp -d /tmp/ptbench-nonroot.XXXXXX)
	chmod 0777 "$U"
	_pt_exit_cmds+=("rm -rf '$U'")
	if setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env \
		"$PTBENCH" run pt-teardown --tables 8 "${short[@]}" -o "$U/nr.json" 2>"$T/nr.err"; then
		jq_true "$U/nr.json" '.counters["tp:tlb:tlb_flush:remote_shootdown"] | .supported == false and
			(.reason | test("not root|root or CAP_PERFMON|perf_event_paranoid"))' \
			"not root: the tracepoint counter says why: $("$JQ" -c '.counters["tp:tlb:tlb_flush:remote_shootdown"]' "$U/nr.json")"
		jq_true "$U/nr.json" '.counters["kprobe:tlb_remove_table"].supported == false' "not root: kprobes unsupported"
		jq_true "$U/nr.json" '.paths.free.path == "unknown"' "not root: the free path is unknown"
		pass "as nobody: tracepoints and kprobes unsupported, with the reason ($("$JQ" -r '.counters["tp:tlb:tlb_flush:remote_shootdown"].reason' "$U/nr.json"))"
	else
		fail "ptbench as nobody failed: $(cat "$T/nr.err")"
	fi
else
	skip "not root, or no setpriv/nobody: the non-root case was not checked"
fi

# SIGKILL with the counters open: nothing is left, and the next run counts.
"$PTBENCH" run pt-teardown --tables 8 --duration 30 --reps 1 -q -o "$T/killed.json" &
pid=$!
sleep 1
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
sleep 0.2
if pgrep -f "ptbench run pt-teardown --tables 8 --duration 30" >/dev/null; then
	fail "a task of the killed run is still there"
fi
[ ! -e "$T/killed.json" ] || fail "the killed run left a result"
if [ -r /sys/kernel/tracing/kprobe_events ] && grep -q . /sys/kernel/tracing/kprobe_events; then
	fail "kprobe events left in tracefs: $(head -3 /sys/kernel/tracing/kprobe_events)"
fi
r=$T/after.json
expect_exit 0 "$PTBENCH" run pt-teardown --tables 8 "${short[@]}" -o "$r"
supported='[.counters | to_entries[] | select(.key | test("^(kprobe|tp):")) | [.key, .value.supported]]'
before=$("$JQ" -c "$supported" "$T/pt.json")
after=$("$JQ" -c "$supported" "$r")
[ "$before" = "$after" ] || fail "after SIGKILL the path counters differ: before $before, after $after"
pass "SIGKILL: no task, no result, no probe left; the next run counts as before"
