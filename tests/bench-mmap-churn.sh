#!/usr/bin/env bash
# mmap-churn: runs, writes a valid result, counts faults right.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
short=(--duration 0.5 --reps 2 --warmup 0.1 -q)

r="$T/none.json"
expect_exit 0 "$PTBENCH" run mmap-churn "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.bench == "mmap-churn" and .params.size == 134217728 and .params.touch == "none"' "defaults recorded"
jq_true "$r" 'all(.metrics.ops_per_sec.samples[]; . > 1000)' "ops_per_sec is a real rate"
# shellcheck disable=SC2016 # a jq program
jq_true "$r" '.metrics.ns_per_op.samples as $n | .metrics.ops_per_sec.samples as $o |
	all(range(2); ($n[.] * $o[.] / 1e9) > 0.9 and ($n[.] * $o[.] / 1e9) < 1.1)' \
	"one task: ns_per_op * ops_per_sec is one second"
jq_true "$r" 'all(.metrics.page_faults_per_op.samples[]; . < 1)' "no faults when nothing is touched"
jq_true "$r" '.counters["task-clock"].supported and all(.counters["task-clock"].samples[]; . > 1e8)' \
	"task-clock counted about 0.5 s per repetition"
jq_true "$r" '.checks[] | select(.name == "page-faults") | .ok' "page-fault self-check"
jq_true "$r" '.command[0:3] | .[1:] == ["run", "mmap-churn"]' "argv recorded"
# Nothing written, no table built: every sampled munmap frees none.
jq_true "$r" '.metrics.tables_freed.samples == [0, 0]' "--touch none frees no table"
jq_true "$r" '.checks[] | select(.name == "tables-freed") | .ok and (.detail | test("expected, 0;"))' \
	"tables-freed self-check, none expected"
pass "mmap-churn defaults"

# Where the PMU is missing, cycles is unsupported with a reason; never 0.
jq_true "$r" '.counters.cycles | (.supported == false and (.reason | length) > 0) or
	(.supported and all(.samples[]; . > 0))' "cycles reported honestly"

r="$T/all.json"
expect_exit 0 "$PTBENCH" run mmap-churn --size 4M --touch all --thp off "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" 'all(.metrics.page_faults_per_op.samples[]; . >= 1024 and . < 1040)' \
	"4 MiB touched page by page: 1024 faults per operation"
jq_true "$r" '.checks[] | select(.name == "page-faults") | .ok' "page-fault check, touch all"

r="$T/pmd.json"
expect_exit 0 "$PTBENCH" run mmap-churn --size 64M --touch pmd "${short[@]}" -o "$r"
jq_true "$r" 'all(.metrics.page_faults_per_op.samples[]; . >= 32 and . < 34)' \
	"64 MiB touched once per 2 MiB: 32 faults per operation"
# The slots are 2 MiB-aligned and fenced: every kernel frees all 32 tables.
jq_true "$r" '.metrics.tables_freed | .unit == "tables" and .better == "info" and .samples == [32, 32]' \
	"64 MiB touched once per 2 MiB: 32 tables freed per operation"
jq_true "$r" '.checks[] | select(.name == "tables-freed") | .ok and (.detail | test("expected, 32;"))' \
	"tables-freed self-check, 32 expected"
jq_true "$r" '.checks[] | select(.name == "page-faults") | .ok' "page-fault check, touch pmd"

# Two threads share one VmPTE: the other waits while one samples.
r="$T/pmd2.json"
expect_exit 0 "$PTBENCH" run mmap-churn --size 16M --touch pmd --tasks 2 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.metrics.tables_freed.samples == [8, 8]' "two threads: 8 tables freed per operation"
jq_true "$r" '.checks | all(.ok)' "two threads: self-checks"

r="$T/pop.json"
expect_exit 0 "$PTBENCH" run mmap-churn --size 4M --populate "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.params.populate == true' "populate recorded"
pass "fault counts match the pages touched"

r="$T/procs.json"
expect_exit 0 "$PTBENCH" run mmap-churn --mode processes --tasks 2 --pin scatter "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.params.mode == "processes" and .params.tasks == 2' "processes mode recorded"
jq_true "$r" '(.placement.cpus | sort) == ([.placement.cpus[]] | unique) and .placement.distinct_cpus == 2' \
	"two tasks on two distinct CPUs"
jq_true "$r" 'all(.metrics.ops_per_sec.samples[]; . > 1000)' "both processes counted"
jq_true "$r" '.metrics.tables_freed.samples == [0, 0] and
	(.checks[] | select(.name == "tables-freed") | .ok)' "processes: tables_freed sampled in each"
pass "processes mode"

# The mapping fills whole 2 MiB slots: any other size is refused, saying so.
expect_exit 2 "$PTBENCH" run mmap-churn --size 3M -o "$T/bad.json"
grep -q -- "--size 3M is not a whole number of 2 MiB slots: use 2M or 4M" "$T/err" ||
	fail "--size 3M refused without saying why: $(cat "$T/err")"
expect_exit 2 "$PTBENCH" run mmap-churn --size 4K -o "$T/bad.json"
grep -q "use 2M" "$T/err" || fail "--size 4K refused without saying why: $(cat "$T/err")"
[ ! -e "$T/bad.json" ] || fail "a refused --size wrote a result"
pass "sizes that are not whole 2 MiB slots refused"

r="$T/iter.json"
expect_exit 0 "$PTBENCH" run mmap-churn --iterations 2000 --reps 2 --warmup 0 -q -o "$r"
validate_result "$r"
jq_true "$r" '.params.iterations == 2000 and .params.duration_s == null' "iteration mode recorded"
pass "iteration mode"

r="$T/noev.json"
expect_exit 0 "$PTBENCH" run mmap-churn --events none "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.counters | has("task-clock") | not' "--events none opens no perf event"
jq_true "$r" '.counters["rusage:minflt"].supported' "rusage still recorded"
r="$T/ev.json"
expect_exit 0 "$PTBENCH" run mmap-churn --events page-faults,no-such-event "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.counters["no-such-event"].supported == false and (.counters["no-such-event"].reason | test("libpfm4"))' \
	"an unknown event is unsupported, with libpfm4's reason"
pass "event lists"

r="$T/noaslr.json"
expect_exit 0 "$PTBENCH" run mmap-churn --no-aslr "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.params.aslr == false' "--no-aslr runs with a fixed layout"
jq_true "$T/none.json" '.params.aslr == true' "layout randomization recorded by default"
pass "--no-aslr"
