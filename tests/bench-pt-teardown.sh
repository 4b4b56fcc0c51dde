#!/usr/bin/env bash
# pt-teardown: VmPTE shows exactly the tables built and freed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
short=(--duration 0.5 --reps 2 --warmup 0.1 -q)

r="$T/munmap.json"
expect_exit 0 "$PTBENCH" run pt-teardown --via munmap --tables 64 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 64)' "munmap: 64 tables built per operation"
jq_true "$r" 'all(.metrics.tables_freed.samples[]; . == 64)' "munmap: 64 tables freed per operation"
jq_true "$r" 'all(.metrics.ns_per_table.samples[]; . > 1 and . < 1e6)' "ns_per_table is plausible"
jq_true "$r" '.checks[] | select(.name == "tables-built") | .ok' "tables-built self-check"
jq_true "$r" '.findings.tables_freed | test("64.00 of 64")' "finding states the tables freed"
pass "munmap frees every table it built"

r="$T/mremap.json"
expect_exit 0 "$PTBENCH" run pt-teardown --via mremap --tables 16 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 16) and all(.metrics.tables_freed.samples[]; . == 16)' \
	"mremap shrink frees the 16 tables"
pass "mremap"

r="$T/dontneed.json"
expect_exit 0 "$PTBENCH" run pt-teardown --via dontneed --tables 8 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" 'all(.metrics.tables_built.samples[]; . == 8)' "dontneed: tables rebuilt every operation"
# The kernel decides whether MADV_DONTNEED frees tables: CONFIG_PT_RECLAIM.
reclaim=$("$PTBENCH" sysinfo | "$JQ" -r '.pt_reclaim')
case $reclaim in
true)
	jq_true "$r" 'all(.metrics.tables_freed.samples[]; . > 0)' "PT_RECLAIM kernel frees tables on dontneed" ;;
false)
	jq_true "$r" 'all(.metrics.tables_freed.samples[]; . == 0) and (.findings.tables_freed | test("^none"))' \
		"kernel without PT_RECLAIM frees none, and says so" ;;
*)
	jq_true "$r" '.findings.tables_freed | type == "string"' "a finding about dontneed" ;;
esac
pass "dontneed (pt_reclaim=$reclaim)"

if [ "$(nproc)" -ge 2 ]; then
	r="$T/remote.json"
	expect_exit 0 "$PTBENCH" run pt-teardown --tasks 2 --tables 32 "${short[@]}" -o "$r"
	validate_result "$r"
	jq_true "$r" '.placement.distinct_cpus == 2' "a spinner on the other CPU"
	jq_true "$r" 'all(.metrics.tables_freed.samples[]; . == 32)' "still every table freed"
	jq_true "$r" '(.counters["interrupts:TLB"].supported | not) or
		(.metrics.tlb_shootdowns_per_op.samples | add > 0)' "remote shootdowns seen"
	pass "remote flushes with --tasks 2"
fi
