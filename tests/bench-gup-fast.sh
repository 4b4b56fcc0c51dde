#!/usr/bin/env bash
# gup-fast: unmap latency with and without concurrent GUP-fast walkers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
short=(--duration 0.5 --reps 2 --warmup 0.1 -q)

[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs: a walker and an unmapper"

for walker in futex vmsplice; do
	r="$T/$walker.json"
	expect_exit 0 "$PTBENCH" run gup-fast --walkers 1 --walker "$walker" --unmappers 1 --tables 8 \
		"${short[@]}" -o "$r"
	validate_result "$r"
	jq_true "$r" ".params.walker == \"$walker\" and .params.tasks == 2" "walker and tasks recorded"
	for m in unmap_ns_p50 unmap_ns_p99 unmap_ns_p50_baseline unmap_ns_p99_baseline; do
		jq_true "$r" "all(.metrics.$m.samples[]; . > 100 and . < 1e9)" "$walker: $m plausible"
	done
	jq_true "$r" 'all(.metrics.walker_ops_per_sec.samples[]; . > 1000)' "$walker: walkers walked"
	jq_true "$r" '[.metrics.unmap_ns_p50.samples, .metrics.unmap_ns_p99.samples] | transpose |
		all(.[]; .[0] <= .[1])' "$walker: p50 <= p99"
	jq_true "$r" '.checks[] | select(.name == "walkers-concurrent") | .ok' \
		"$walker: walkers ran concurrently with unmaps"
	pass "gup-fast with $walker walkers"
done

r="$T/none.json"
expect_exit 0 "$PTBENCH" run gup-fast --walkers 0 --unmappers 1 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.params.tasks == 1' "no walker: one task"
pass "gup-fast without walkers"

expect_exit 2 "$PTBENCH" run gup-fast --mode processes
expect_exit 2 "$PTBENCH" run gup-fast --walker spin
pass "gup-fast bad input refused"
