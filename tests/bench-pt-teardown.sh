#!/usr/bin/env bash
# pt-teardown: VmPTE shows exactly the tables built and freed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
short=(--duration 0.5 --reps 2 --warmup 0.1 -q)

# check_tails FILE: the freeing latency percentiles, present and ordered.
check_tails() {
	jq_true "$1" 'all(.metrics.free_us_p50.samples[]; . > 0)' "free_us_p50 present and positive"
	jq_true "$1" '[.metrics.free_us_p50.samples, .metrics.free_us_p99.samples,
		.metrics.free_us_p999.samples] | transpose | length == 2 and
		all(.[]; .[0] <= .[1] and .[1] <= .[2])' "p50 <= p99 <= p99.9 in every repetition"
}

# freed_table_time FILE: ns_per_freed_table is the time ns_per_table
# divides by the tables asked for, divided by the tables freed instead.
# shellcheck disable=SC2016 # $n is a jq variable
freed_table_time() {
	jq_true "$1" '.params.tables as $n |
		(.unsupported_metrics | has("ns_per_freed_table") | not) and
		([.metrics.ns_per_table.samples, .metrics.ns_per_freed_table.samples,
		  .metrics.tables_freed.samples] | transpose | length == 2 and
		 all(.[]; .[2] > 0 and ((.[1] * .[2] - .[0] * $n) | fabs) <= 1e-6 * .[0] * $n))' \
		"ns_per_freed_table = time / tables freed"
}

# no_freed_table_time FILE VIA: a run that freed no table has no
# ns_per_freed_table, and says why.
no_freed_table_time() {
	jq_true "$1" '(.metrics | has("ns_per_freed_table") | not) and
		.unsupported_metrics.ns_per_freed_table.supported == false and
		.unsupported_metrics.ns_per_freed_table.reason ==
		"no table was freed via '"$2"' on this kernel"' \
		"ns_per_freed_table unsupported, with the reason"
}

r="$T/munmap.json"
expect_exit 0 "$PTBENCH" run pt-teardown --via munmap --tables 64 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 64)' "munmap: 64 tables built per operation"
jq_true "$r" 'all(.metrics.tables_freed.samples[]; . == 64)' "munmap: 64 tables freed per operation"
jq_true "$r" 'all(.metrics.ns_per_table.samples[]; . > 1 and . < 1e6)' "ns_per_table is plausible"
jq_true "$r" '.checks[] | select(.name == "tables-built") | .ok' "tables-built self-check"
jq_true "$r" '.findings.tables_freed | test("64.00 of 64")' "finding states the tables freed"
check_tails "$r"
freed_table_time "$r"
pass "munmap frees every table it built"

r="$T/mremap.json"
expect_exit 0 "$PTBENCH" run pt-teardown --via mremap --tables 16 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 16) and all(.metrics.tables_freed.samples[]; . == 16)' \
	"mremap shrink frees the 16 tables"
jq_true "$r" '.checks[] | select(.name == "tables-built") | .ok' "tables-built self-check"
check_tails "$r"
freed_table_time "$r"
pass "mremap (shrink)"

# A PMD-aligned move takes move_normal_pmd(): whole tables move, none is
# freed, and the next operation moves the same tables back (none built).
r="$T/move.json"
expect_exit 0 "$PTBENCH" run pt-teardown --via mremap-move --tables 16 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" 'all(.metrics.tables_freed.samples[]; . == 0)' "mremap-move frees no table"
jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 0)' "mremap-move: the moved tables are moved back, none built"
jq_true "$r" '.checks[] | select(.name == "tables-built") | .ok and
	(.detail | test("^([0-9]+) of \\1 operations had the 16 tables"))' \
	"tables-built self-check: the 16 moved tables in place before every move"
jq_true "$r" '.findings.tables_freed == "none: a PMD-aligned mremap move moves 16 tables and frees none"' \
	"the finding says the move frees none"
jq_true "$r" 'all(.metrics.ns_per_table.samples[]; . > 1 and . < 1e6)' "ns_per_table (per table asked) still given"
no_freed_table_time "$r" mremap-move
check_tails "$r"
pass "mremap-move: 16 tables moved, none freed"

# Unaligned by one page: the kernel copies the PTEs into new tables at the
# destination (each slot straddles two) and frees the region's own.
r="$T/move-unaligned.json"
expect_exit 0 "$PTBENCH" run pt-teardown --via mremap-move-unaligned --tables 16 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 16)' "mremap-move-unaligned: 16 tables built per operation"
jq_true "$r" 'all(.metrics.tables_freed.samples[]; . > 0 and . <= 16)' "mremap-move-unaligned frees tables"
jq_true "$r" '[.metrics.dest_tables_built.samples, .metrics.tables_freed.samples] | transpose |
	length == 2 and all(.[]; .[0] >= .[1])' "the move built at least as many tables at the destination"
jq_true "$r" '.checks[] | select(.name == "tables-built") | .ok' "tables-built self-check"
jq_true "$r" '.findings.tables_freed | test("^[0-9.]+ of 16 tables per operation freed via mremap-move-unaligned$")' \
	"the finding states the tables freed"
check_tails "$r"
freed_table_time "$r"
pass "mremap-move-unaligned: tables copied and freed"

r="$T/dontneed.json"
expect_exit 0 "$PTBENCH" run pt-teardown --via dontneed --tables 8 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.checks[] | select(.name == "tables-built") | .ok' "dontneed: tables-built self-check"
check_tails "$r"
# What the kernel did (CONFIG_PT_RECLAIM frees empty tables on
# MADV_DONTNEED) decides what the result must hold.
if "$JQ" -e 'all(.metrics.tables_freed.samples[]; . == 0)' "$r" >/dev/null; then
	did=none
	jq_true "$r" '.findings.tables_freed == "none: this kernel frees no page tables via dontneed"' \
		"a kernel that frees none on dontneed says so"
	jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 0)' "dontneed: the tables stay, none rebuilt"
	no_freed_table_time "$r" dontneed
else
	did=some
	jq_true "$r" 'all(.metrics.tables_freed.samples[]; . > 0)' "dontneed freed tables in every repetition"
	jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 8)' "dontneed: tables rebuilt every operation"
	freed_table_time "$r"
fi
# sysinfo's pt_reclaim must agree with it.
reclaim=$("$PTBENCH" sysinfo | "$JQ" -r '.pt_reclaim')
case $reclaim:$did in
true:none | false:some) fail "sysinfo says pt_reclaim=$reclaim, but dontneed freed $did of the tables" ;;
esac
pass "dontneed (pt_reclaim=$reclaim, tables freed: $did)"

if [ "$(nproc)" -ge 2 ]; then
	r="$T/remote.json"
	expect_exit 0 "$PTBENCH" run pt-teardown --tasks 2 --tables 32 "${short[@]}" -o "$r"
	validate_result "$r"
	jq_true "$r" '.placement.distinct_cpus == 2' "a spinner on the other CPU"
	jq_true "$r" 'all(.metrics.tables_freed.samples[]; . == 32)' "still every table freed"
	jq_true "$r" '(.counters["interrupts:TLB"].supported | not) or
		(.metrics.tlb_shootdowns_per_op.samples | add > 0)' "remote shootdowns seen"
	pass "remote flushes with --tasks 2"

	# The suite entry that crashed in a 6.1 guest, with the move modes.
	for via in mremap mremap-move mremap-move-unaligned; do
		r="$T/remote-$via.json"
		expect_exit 0 "$PTBENCH" run pt-teardown --tasks 2 --tables 64 --via "$via" "${short[@]}" -o "$r"
		validate_result "$r"
		jq_true "$r" '.checks[] | select(.name == "tables-built") | .ok' "$via, 2 tasks: tables-built self-check"
	done
	pass "mremap modes with a spinning helper"
fi
