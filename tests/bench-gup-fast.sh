#!/usr/bin/env bash
# gup-fast: unmap latency with and without concurrent GUP-fast walkers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
short=(--duration 0.5 --reps 2 --warmup 0.1 -q)
# Runs with walkers: phases of 100 ms or more.
long=(--duration 1 --reps 2 --warmup 0.1 -q)

[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs: a walker and an unmapper"
# The phases are timed: no other test of this tree running meanwhile.
pt_machine_alone

# walker_run FILE ARG...: ptbench run gup-fast ARG... -o FILE, once more if
# the result shows a task that got no CPU for a whole phase (a walker phase
# with munmaps but no walk fails walkers-concurrent; a phase with no munmap
# lowers phases_*). On a machine loaded by other work that happens now and
# then; a broken alternation fails both runs, and the assertions after.
# shellcheck disable=SC2016 # a jq program
walker_run() {
	local r=$1
	shift
	expect_exit 0 "$PTBENCH" run gup-fast "$@" -o "$r"
	if ! "$JQ" -e '.params.pairs as $n | (.checks[] | select(.name == "walkers-concurrent") | .ok) and
		all(.metrics.phases_baseline.samples[], .metrics.phases_walker.samples[]; . >= $n - 1)' \
		"$r" >/dev/null; then
		printf 'retrying once, a task was starved: %s\n' \
			"$("$JQ" -c '[.metrics.phases_baseline.samples, .metrics.phases_walker.samples,
				(.checks[] | select(.name == "walkers-concurrent") | .detail)]' "$r")"
		expect_exit 0 "$PTBENCH" run gup-fast "$@" -o "$r"
	fi
}

for walker in futex vmsplice; do
	r="$T/$walker.json"
	walker_run "$r" --walkers 1 --walker "$walker" --unmappers 1 --tables 8 "${long[@]}"
	validate_result "$r"
	jq_true "$r" ".params.walker == \"$walker\" and .params.tasks == 2" "walker and tasks recorded"
	for m in unmap_ns_p50 unmap_ns_p99 unmap_ns_p50_baseline unmap_ns_p99_baseline; do
		jq_true "$r" "all(.metrics.$m.samples[]; . > 100 and . < 1e9)" "$walker: $m plausible"
	done
	jq_true "$r" 'all(.metrics.walker_ops_per_sec.samples[]; . > 1000)' "$walker: walkers walked"
	jq_true "$r" '[.metrics.unmap_ns_p50.samples, .metrics.unmap_ns_p99.samples] | transpose |
		all(.[]; .[0] <= .[1])' "$walker: p50 <= p99"
	# 4 pairs by default: each repetition alternates 4 baseline and 4
	# walker phases of 125 ms. Each has munmaps unless the unmapper got no
	# CPU for a whole phase, which a loaded machine may do once: at least 3.
	jq_true "$r" '.params.pairs == 4 and
		all(.metrics.phases_baseline.samples[], .metrics.phases_walker.samples[]; . >= 3 and . <= 4)' \
		"$walker: 3 or 4 phases of each kind per repetition"
	jq_true "$r" '.checks[] | select(.name == "walkers-concurrent") | .ok and
		(.detail | test("2 repetitions of 4 baseline and 4 walker phases"))' \
		"$walker: walkers walked in every walker phase, concurrently with unmaps"
	pass "gup-fast with $walker walkers"
done
jq_true "$T/futex.json" '.metrics.walker_pages_per_walk.samples == [1, 1]' "a futex walk is one page"

# The heavier walker: 64 pages per vmsplice walk, against the futex's one.
r="$T/heavy.json"
walker_run "$r" --walkers 1 --walker vmsplice --walker-pages 64 --unmappers 1 --tables 8 --pairs 3 \
	"${long[@]}"
validate_result "$r"
jq_true "$r" '.params["walker-pages"] == 64 and .params.pairs == 3' "--walker-pages and --pairs recorded"
jq_true "$r" '.metrics.walker_pages_per_walk.samples == [64, 64]' "vmsplice walks 64 pages per walk"
heavy=$("$JQ" '.metrics.walker_pages_per_walk.samples | min' "$r")
light=$("$JQ" '.metrics.walker_pages_per_walk.samples | max' "$T/futex.json")
awk -v h="$heavy" -v l="$light" 'BEGIN { exit !(h > l) }' ||
	fail "the heavier walker walks $heavy pages per walk, the futex walker $light"
jq_true "$r" 'all(.metrics.phases_baseline.samples[], .metrics.phases_walker.samples[]; . >= 2 and . <= 3)' \
	"--pairs 3: 2 or 3 phases of each kind"
jq_true "$r" '.checks[] | select(.name == "walkers-concurrent") | .ok' "heavy walker: self-check"
pass "gup-fast heavier walker: $heavy pages per walk against $light"

r="$T/none.json"
expect_exit 0 "$PTBENCH" run gup-fast --walkers 0 --unmappers 1 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.params.tasks == 1' "no walker: one task"
jq_true "$r" 'all(.metrics.phases_baseline.samples[], .metrics.phases_walker.samples[]; . >= 3 and . <= 4)' \
	"no walker: the phases still alternate"
pass "gup-fast without walkers"

expect_exit 0 "$PTBENCH" run gup-fast --help
# The help is wrapped: look for phrases in it as one line.
tr -s ' \n' '  ' <"$T/out" >"$T/help"
for phrase in "(ABAB...)" "both free paths, direct and RCU, wait for the walkers" \
	"expected there is therefore the same on both paths" "--walker-pages N"; do
	grep -qF -- "$phrase" "$T/help" || fail "gup-fast --help does not say '$phrase'"
done
pass "gup-fast --help: alternating phases, the null expectation on IPI flushes, --walker-pages"

expect_exit 2 "$PTBENCH" run gup-fast --mode processes
expect_exit 2 "$PTBENCH" run gup-fast --walker spin
expect_exit 2 "$PTBENCH" run gup-fast --walker futex --walker-pages 8
grep -q "walker-pages is for --walker vmsplice" "$T/err" || fail "--walker-pages with futex: no reason given"
expect_exit 2 "$PTBENCH" run gup-fast --pairs 4 --iterations 7
grep -q "at least 2 x --pairs (8)" "$T/err" || fail "--iterations below 2 x --pairs: no reason given"
pass "gup-fast bad input refused"
