#!/usr/bin/env bash
# fork-exit: latency percentiles, no zombie, children die with the parent.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
short=(--duration 0.5 --reps 2 --warmup 0.1 -q)

r="$T/small.json"
expect_exit 0 "$PTBENCH" run fork-exit --rss 4M "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.params.rss == 4194304 and .params.mappings == 1' "parameters recorded"
jq_true "$r" 'all(.metrics.forks_per_sec.samples[]; . > 10)' "forks_per_sec is a real rate"
jq_true "$r" '[.metrics.fork_exit_us_p50.samples, .metrics.fork_exit_us_p99.samples] | transpose |
	all(.[]; .[0] > 1 and .[0] <= .[1])' "p50 > 1 us and p50 <= p99"
jq_true "$r" '.checks[] | select(.name == "no-zombie") | .ok' "no-zombie self-check"

r="$T/big.json"
expect_exit 0 "$PTBENCH" run fork-exit --rss 256M --mappings 64 --child-touch 1M "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.params.mappings == 64 and .params["child-touch"] == 1048576' \
	"mappings and child-touch recorded"
# Copying the page tables of 256 MiB costs more than of 4 MiB.
jq -s '.[0].metrics.fork_exit_us_p50.samples | add' "$T/small.json" >"$T/a"
jq -s '.[0].metrics.fork_exit_us_p50.samples | add' "$T/big.json" >"$T/b"
awk -v a="$(cat "$T/a")" -v b="$(cat "$T/b")" 'BEGIN { exit !(b > a) }' ||
	fail "fork of 256 MiB ($(cat "$T/b")) not slower than of 4 MiB ($(cat "$T/a"))"
pass "fork latency grows with the resident size"

r="$T/procs.json"
expect_exit 0 "$PTBENCH" run fork-exit --rss 8M --mode processes --tasks 2 "${short[@]}" -o "$r"
validate_result "$r"
pass "processes mode"

expect_exit 2 "$PTBENCH" run fork-exit --rss 4M --child-touch 8M
grep -q 'child-touch' "$T/err" || fail "child-touch larger than a mapping: $(cat "$T/err")"
pass "child-touch beyond the mapping refused"
