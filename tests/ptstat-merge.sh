#!/usr/bin/env bash
# ptstat merge: two rounds of a real result merged as runners/run.sh wants
# them (samples in round order, reps, checks, warnings, findings, paths,
# rounds), and every refusal leaves the output as it was.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq

for r in 1 2; do
	expect_exit 0 "$PTBENCH" run mmap-churn --iterations 200 --reps 2 -q --label churn \
		-o "$T/r$r.json"
done

# Make the rounds differ where the merge must combine: a check that failed
# in round 2 with another detail, warnings shared and not, a finding in
# both, a counter unsupported in round 2, path counts to sum.
"$JQ" '.warnings = ["w-common", "w-1"] | .findings = {"f": "round 1", "g": "only 1"}
	| .checks[0].detail = "same detail"
	| .paths = {free: {path: "direct", counts: {
		rcu_tables: {count: 0, from: "kprobe:tlb_remove_table"},
		direct_tables: {count: 100, from: "kprobe:native_tlb_remove_table"},
		sync_ipis: {count: 0, from: "kprobe:tlb_remove_table_sync_one"}}},
	    flush: {path: "none", counts: {pv_flushes: {count: 0, from: "a"},
		ipi_flushes: {count: 0, from: "b"}}}}' "$T/r1.json" >"$T/a1.json"
"$JQ" '.warnings = ["w-2", "w-common"] | .findings = {"f": "round 2", "h": "only 2"}
	| .checks[0].detail = "same detail"
	| .checks[1].ok = false | .checks[1].detail = "round 2 detail"
	| .counters["task-clock"] = {supported: false, reason: "gone in round 2"}
	| .paths = {free: {path: "rcu", counts: {
		rcu_tables: {count: 50, from: "kprobe:tlb_remove_table"},
		direct_tables: {count: 0, from: "kprobe:native_tlb_remove_table"},
		sync_ipis: {count: 0, from: "kprobe:tlb_remove_table_sync_one"}}},
	    flush: {path: "ipi", counts: {pv_flushes: {count: 0, from: "a"},
		ipi_flushes: {count: 7, from: "b"}}}}' "$T/r2.json" >"$T/a2.json"

expect_exit 0 "$PTSTAT" merge -o "$T/m.json" --reps 4 "$T/a1.json" "$T/a2.json"
validate_result "$T/m.json"
jq_true "$T/m.json" '.params.reps == 4 and .schema == "ptbench/1" and .label == "churn"' \
	"reps is the total"
# Every metric: round 1's samples, then round 2's.
"$JQ" -e --slurpfile a "$T/a1.json" --slurpfile b "$T/a2.json" '
	.metrics | to_entries | length > 0 and all(.[]; .key as $k |
		.value.samples == ($a[0].metrics[$k].samples + $b[0].metrics[$k].samples))' \
	"$T/m.json" >/dev/null || fail "the samples are not round 1's then round 2's"
"$JQ" -e --slurpfile a "$T/a1.json" --slurpfile b "$T/a2.json" '
	.counters["page-faults"].samples ==
		($a[0].counters["page-faults"].samples + $b[0].counters["page-faults"].samples)' \
	"$T/m.json" >/dev/null || fail "the page-faults counter is not concatenated"
jq_true "$T/m.json" '.counters["task-clock"] == {supported: false, reason: "gone in round 2"}' \
	"a counter unsupported in a round is unsupported, with that round's reason"
pass "samples of metrics and counters concatenated in round order, reps 4"

jq_true "$T/m.json" '.checks[0].ok and .checks[0].detail == "same detail"' \
	"a check ok in both rounds with one detail"
c1=$("$JQ" -r '.checks[1].detail' "$T/a1.json")
"$JQ" -e --arg d "round 1: $c1; round 2: round 2 detail" \
	'.checks[1].ok == false and .checks[1].detail == $d' "$T/m.json" >/dev/null ||
	fail "the check failed in round 2 is not ok=false with both details: $("$JQ" -c '.checks[1]' "$T/m.json")"
jq_true "$T/m.json" '.warnings == ["w-common", "w-1", "w-2"]' "warnings deduplicated in order"
jq_true "$T/m.json" '.findings == {"f": "round 1", "g": "only 1", "h": "only 2"}' \
	"findings merged, round 1 winning"
jq_true "$T/m.json" '[.rounds[].reps] == [2, 2] and (.rounds | length) == 2 and
	(.rounds[1].command | index("'"$T"'/r2.json") != null)' "rounds: one per round, in order"
pass "checks, warnings, findings and rounds merged"

jq_true "$T/m.json" '.paths.free.path == "mixed" and .paths.free.counts.rcu_tables.count == 50
	and .paths.free.counts.direct_tables.count == 100 and .paths.flush.path == "ipi"
	and .paths.flush.counts.ipi_flushes.count == 7' "paths: the counts summed and the path named again"
pass "paths: 100 direct + 50 rcu tables over the rounds is mixed; 7 IPI flushes is ipi"

# The refusals: exit 2 naming the file, and the output left as it was.
cp "$T/m.json" "$T/keep.json"
refuse() {
	local what=$1 want=$2
	shift 2
	expect_exit 2 "$PTSTAT" merge -o "$T/m.json" "$@"
	grep -q -- "$want" "$T/err" || fail "$what: the message does not say '$want': $(cat "$T/err")"
	cmp -s "$T/m.json" "$T/keep.json" || fail "$what: the output was changed"
	pass "refused: $what"
}
"$JQ" '.schema = "ptbench/2"' "$T/a2.json" >"$T/bad-schema.json"
refuse "another schema" "bad-schema.json: schema: is 'ptbench/2'" "$T/a1.json" "$T/bad-schema.json"
"$JQ" '.label = "other"' "$T/a2.json" >"$T/bad-label.json"
refuse "another label" "bad-label.json: label: is 'other'" "$T/a1.json" "$T/bad-label.json"
"$JQ" '.params.size = 1' "$T/a2.json" >"$T/bad-params.json"
refuse "other params" "bad-params.json: params: differ" "$T/a1.json" "$T/bad-params.json"
"$JQ" 'del(.metrics.ns_per_op)' "$T/a2.json" >"$T/no-metric.json"
refuse "a metric missing in a round" "no-metric.json: metrics.ns_per_op: missing" \
	"$T/a1.json" "$T/no-metric.json"
"$JQ" '.metrics.ns_per_op.samples = [1]' "$T/a2.json" >"$T/short.json"
refuse "samples other than params.reps" "short.json: metrics.ns_per_op.samples: has 1 values" \
	"$T/a1.json" "$T/short.json"
printf '{"schema": ' >"$T/trunc.json"
refuse "a truncated file" "trunc.json: not valid JSON" "$T/a1.json" "$T/trunc.json"
refuse "totals other than --reps" "do not add up to 6 samples" --reps 6 "$T/a1.json" "$T/a2.json"
expect_exit 2 "$PTSTAT" merge "$T/a1.json"
grep -q -- "-o OUT is needed" "$T/err" || fail "no -o: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" merge -o "$T/x.json" --bogus "$T/a1.json"
grep -q "unknown option '--bogus'" "$T/err" || fail "unknown option: $(cat "$T/err")"
[ ! -e "$T/x.json" ] || fail "a refused merge wrote its output"
pass "bad usage: no -o, an unknown option"

# An output that cannot be written: exit 1, the reason, nothing left.
expect_exit 1 "$PTSTAT" merge -o "$T/no/such/dir/m.json" "$T/a1.json" "$T/a2.json"
grep -q "cannot write $T/no/such/dir/m.json: No such file or directory" "$T/err" ||
	fail "an unwritable -o: $(cat "$T/err")"
mkdir "$T/isdir"
expect_exit 1 "$PTSTAT" merge -o "$T/isdir" "$T/a1.json" "$T/a2.json"
grep -q "cannot write $T/isdir: Is a directory" "$T/err" || fail "-o DIR: $(cat "$T/err")"
[ -z "$(ls -A "$T/isdir")" ] || fail "-o DIR: something was written into it"
pass "an unwritable output: exit 1 and the reason"

# Run length may differ between rounds (each does its share of reps).
"$JQ" '.params.iterations = 300' "$T/a2.json" >"$T/longer.json"
expect_exit 0 "$PTSTAT" merge -o "$T/m2.json" "$T/a1.json" "$T/longer.json"
jq_true "$T/m2.json" '.params.iterations == 200 and .params.reps == 4' \
	"params other than the run length are round 1's"
expect_exit 0 "$PTSTAT" merge --help
grep -q 'paths  *the counts summed' "$T/out" || fail "--help does not say how paths are merged"
[ -z "$(find "$T" -name '.*.json.*')" ] || fail "a temporary file was left: $(find "$T" -name '.*.json.*')"
pass "run length may differ; --help; no temporary file left"

# SIGTERM while ptstat reads (its -o temporary file already made): the
# temporary file is removed. strace holds the read of the set's directory
# for 3 s; without strace (or ptrace), this part is left out, said so.
if command -v strace >/dev/null 2>&1 &&
	strace -o /dev/null true >/dev/null 2>&1; then
	mkdir -p "$T/sig/set"
	cp "$T/a1.json" "$T/sig/set/a.json"
	ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace=getdents64 \
		-e inject=getdents64:delay_exit=3000000 \
		"$PTSTAT" show "$T/sig/set" -o "$T/sig/out.txt" 2>/dev/null &
	tracer=$!
	stop_tracer() { kill "$tracer" 2>/dev/null || true; }
	pt_at_exit stop_tracer
	for _ in $(seq 1 100); do
		[ -z "$(find "$T/sig" -maxdepth 1 -name '.out.txt.*')" ] || break
		sleep 0.1
	done
	[ -n "$(find "$T/sig" -maxdepth 1 -name '.out.txt.*')" ] ||
		fail "ptstat show -o made no temporary file in 10 s"
	sleep 0.5
	victim=$(pgrep -P "$tracer") || fail "no ptstat process under strace"
	kill -TERM "$victim"
	rc=0
	wait "$tracer" || rc=$?
	[ "$rc" -eq 143 ] || fail "ptstat killed by SIGTERM exited with $rc, want 143"
	[ -z "$(find "$T/sig" -maxdepth 1 -name '.out.txt.*')" ] ||
		fail "SIGTERM left the temporary file: $(find "$T/sig" -name '.out.txt.*')"
	[ ! -e "$T/sig/out.txt" ] || fail "SIGTERM left an output"
	pass "SIGTERM during ptstat show -o removes the temporary file"
else
	printf 'note: strace cannot run here: the SIGTERM clean-up is not checked\n'
fi
