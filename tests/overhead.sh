#!/usr/bin/env bash
# Harness overhead, as figures (a benchmark, not a pass/fail test).
#
# 1. ptbench run mmap-churn --size 128M --touch none --tasks 1 against a bare
#    C loop of the same mmap/munmap calls (tests/bare-mmap), alternating
#    A/B so that machine noise hits both alike; prints each pair's ratio and
#    the ratio of the medians.  Target: >= 0.98.
# 2. The cost of per-operation latency recording (two clock reads and one
#    histogram insert, tests/hist-cost) against the cheapest operation
#    timed that way (gup-fast and pt-teardown with one table).  Target: < 2%.
# 3. The cost of the path counters (kprobes and tracepoints counted in the
#    kernel): pt-teardown --tables 64 --tasks 2 with --events default
#    against the same without "path", alternating; the ratio of ns_per_table
#    medians, and how many path counters this kernel could count.
#
# Usage: [PT_OVERHEAD_ASLR=1] tests/overhead.sh [ROUNDS [SECONDS]]   (default 10 rounds of 2 s)
# On a shared machine single rounds vary by +-5% or more: read the median
# and the quartiles of the pair ratios, not one round.
# Run from anywhere after a build; `make bench` runs it.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PTBENCH=${PTBENCH:-$top_builddir/ptbench}
BARE=$top_builddir/tests/bare-mmap
COST=$top_builddir/tests/hist-cost
rounds=${1:-10}
secs=${2:-2}
# ASLR off on both sides by default: the layout alone moves this figure by
# several percent from one process to the next (PT_OVERHEAD_ASLR=1 keeps it).
if [ "${PT_OVERHEAD_ASLR:-0}" = 1 ]; then
	aslr_a=()
	aslr_b=()
else
	aslr_a=(--no-aslr)
	aslr_b=(setarch -R)
fi

case $rounds$secs in
*[!0-9.]*) echo "usage: $0 [ROUNDS [SECONDS]]" >&2; exit 2 ;;
esac
for f in "$PTBENCH" "$BARE" "$COST"; do
	[ -x "$f" ] || { echo "overhead.sh: $f not built (run make first)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "overhead.sh: needs jq" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Lower and upper quartile (nearest rank).
quartiles() { sort -g | awk '{ v[NR] = $1 } END { printf "%.4f..%.4f", v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }'; }

echo "machine: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
# Both sides run on the same CPU (the one ptbench's compact placement picks:
# on a shared VM one vCPU can be busier than the other), and each round
# swaps which side goes first, so that drift hits both alike.
cpu=$("$PTBENCH" run mmap-churn --tasks 1 --duration 0.1 --reps 1 --warmup 0 -q |
	jq '.placement.cpus[0]')
echo "mmap-churn --size 128M --touch none --tasks 1 vs bare loop, $rounds x ${secs}s each, both on CPU $cpu:"
printf '  %-6s %14s %14s %8s\n' round ptbench bare ratio
run_a() {
	"$PTBENCH" run mmap-churn --size 128M --touch none --tasks 1 "${aslr_a[@]}" \
		--duration "$secs" --reps 1 --warmup 0.5 -q -o "$tmp/a.json"
	jq '.metrics.ops_per_sec.samples[0]' "$tmp/a.json"
}
run_b() {
	taskset -c "$cpu" "${aslr_b[@]}" "$BARE" $((128 << 20)) "$secs"
}
for i in $(seq "$rounds"); do
	if [ $((i % 2)) -eq 1 ]; then
		a=$(run_a)
		b=$(run_b)
	else
		b=$(run_b)
		a=$(run_a)
	fi
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", a / b }')
	printf '  %-6s %14.0f %14.0f %8s\n' "$i" "$a" "$b" "$r"
	echo "$a" >>"$tmp/a"
	echo "$b" >>"$tmp/b"
	echo "$r" >>"$tmp/r"
done
ma=$(median <"$tmp/a")
mb=$(median <"$tmp/b")
printf '  median ptbench %.0f ops/s, bare %.0f ops/s: ratio %.4f\n' \
	"$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN { print a / b }')"
printf '  pair ratios: median %.4f, quartiles %s (target: median >= 0.98)\n' \
	"$(median <"$tmp/r")" "$(quartiles <"$tmp/r")"

echo "per-operation latency recording:"
cost=$("$COST" 20000000)
"$PTBENCH" run gup-fast --walkers 0 --unmappers 1 --tables 1 --duration 2 --reps 1 -q -o "$tmp/g.json"
g=$(jq '.metrics.unmap_ns_p50_baseline.samples[0]' "$tmp/g.json")
"$PTBENCH" run pt-teardown --tables 1 --duration 2 --reps 1 -q -o "$tmp/p.json"
p=$(jq '.metrics.free_us_p50.samples[0] * 1000' "$tmp/p.json")
printf '  two clock reads + one histogram insert: %.1f ns\n' "$cost"
printf '  gup-fast --tables 1 munmap p50: %.0f ns -> recording costs %.2f%%\n' "$g" \
	"$(awk -v c="$cost" -v o="$g" 'BEGIN { print 100 * c / o }')"
printf '  pt-teardown --tables 1 free p50: %.0f ns -> recording costs %.2f%% (target < 2%%)\n' "$p" \
	"$(awk -v c="$cost" -v o="$p" 'BEGIN { print 100 * c / o }')"

echo "path counters (pt-teardown --tables 64 --tasks 2, $rounds x ${secs}s each):"
nopath=task-clock,page-faults,context-switches,cpu-migrations,cycles,instructions,dTLB-load-misses
tasks=2
[ "$(nproc)" -ge 2 ] || tasks=1
run_p() {
	"$PTBENCH" run pt-teardown --tables 64 --tasks "$tasks" --events "$1" "${aslr_a[@]}" \
		--duration "$secs" --reps 1 --warmup 0.5 -q -o "$tmp/pc.json"
	jq '.metrics.ns_per_table.samples[0]' "$tmp/pc.json"
}
: >"$tmp/pr"
for i in $(seq "$rounds"); do
	if [ $((i % 2)) -eq 1 ]; then
		a=$(run_p default)
		b=$(run_p "$nopath")
	else
		b=$(run_p "$nopath")
		a=$(run_p default)
	fi
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f\n", a / b }' >>"$tmp/pr"
done
"$PTBENCH" run pt-teardown --tables 64 --tasks "$tasks" --duration 0.2 --reps 1 -q -o "$tmp/pc.json"
printf '  counted here: %s\n' "$(jq -r '[.counters | to_entries[] |
	select(.key | test("^(kprobe|tp):")) | select(.value.supported) | .key] |
	if length == 0 then "no path counter" else join(", ") end' "$tmp/pc.json")"
printf '  not counted: %s\n' "$(jq -r '[.counters | to_entries[] |
	select(.key | test("^(kprobe|tp):")) | select(.value.supported | not) | .key] |
	if length == 0 then "none" else join(", ") end' "$tmp/pc.json")"
printf '  ns_per_table with / without the path counters: median %.4f, quartiles %s\n' \
	"$(median <"$tmp/pr")" "$(quartiles <"$tmp/pr")"
