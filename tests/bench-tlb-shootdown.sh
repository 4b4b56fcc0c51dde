#!/usr/bin/env bash
# tlb-shootdown: remote flushes, counted in /proc/interrupts.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
short=(--duration 0.5 --reps 2 --warmup 0.1 -q)

grep -q '^ *TLB:' /proc/interrupts || skip "no TLB row in /proc/interrupts on this machine"

if [ "$(nproc)" -ge 2 ]; then
	for op in mprotect dontneed; do
		r="$T/$op.json"
		expect_exit 0 "$PTBENCH" run tlb-shootdown --tasks 2 --op "$op" --pages 16 "${short[@]}" -o "$r"
		validate_result "$r"
		jq_true "$r" '.placement.distinct_cpus == 2' "$op: mutator and reader on two CPUs"
		jq_true "$r" 'all(.metrics.flushes_per_sec.samples[]; . > 100)' "$op: flushes_per_sec"
		jq_true "$r" 'all(.metrics.tlb_shootdowns_per_op.samples[]; . > 0)' \
			"$op: remote TLB shootdowns seen"
		jq_true "$r" '.metrics.ipis_per_op.samples | length == 2' "$op: ipis_per_op reported"
		jq_true "$r" '.checks[] | select(.name == "remote-shootdowns") | .ok' "$op: self-check"
		pass "tlb-shootdown --op $op"
	done
	# mprotect frees no page table: the result must say it is the negative
	# control, and dontneed must not carry that label.
	jq_true "$T/mprotect.json" '.params.op == "mprotect" and
		(.findings.control | startswith("negative control:") and test("frees no page table"))' \
		"mprotect labelled the negative control"
	jq_true "$T/dontneed.json" '.params.op == "dontneed" and
		(.findings.control | startswith("positive case:"))' "dontneed labelled the positive case"
	pass "tlb-shootdown control labels"
fi

expect_exit 0 "$PTBENCH" run tlb-shootdown --help
grep -q "negative control" "$T/out" || fail "tlb-shootdown --help does not name the negative control"
[ "$(grep -c "negative" "$T/out")" -ge 2 ] ||
	fail "tlb-shootdown --help: negative control in the description and in --op"
pass "tlb-shootdown --help names the negative control"

r="$T/one.json"
expect_exit 0 "$PTBENCH" run tlb-shootdown --tasks 1 "${short[@]}" -o "$r"
validate_result "$r"
jq_true "$r" '.checks[] | select(.name == "remote-shootdowns") | .ok and (.detail | test("single"))' \
	"one task: nothing remote to check, and it says so"
pass "tlb-shootdown with one task"
