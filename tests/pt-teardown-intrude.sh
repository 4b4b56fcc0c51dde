#!/usr/bin/env bash
# pt-teardown: another mapping lands in the hole a freeing call leaves.
#
# Each freeing call of pt-teardown but MADV_DONTNEED leaves the slots (or
# the source of a move) unmapped until the placeholder goes back. Another
# thread's mmap(NULL) can land there: a Debian 6.1 guest died of SIGSEGV
# when a helper thread's new malloc arena did, the task failed, unmapped its
# whole reservation with the arena in it, and the helper then read its
# arena. PTBENCH_TEST_INTRUDE=N makes the task map a page into the Nth hole
# itself, at the worst moment; the run must fail cleanly (status 1, a
# message naming the cause) and the page must outlive it, which ptbench
# checks at exit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir

tasks=1
[ "$(nproc)" -lt 2 ] || tasks=2
run=(run pt-teardown --tables 16 --tasks "$tasks" --iterations 20 --reps 1 -q)

# intrude VIA N WARMUP: a page in the Nth hole; WARMUP is --warmup's value.
intrude() {
	local via=$1 n=$2 warmup=$3 what="--via $1, hole $2, --warmup $3"

	expect_exit 1 env PTBENCH_TEST_INTRUDE="$n" "$PTBENCH" "${run[@]}" \
		--via "$via" --warmup "$warmup" -o "$T/out.json"
	grep -q '^ptbench: test: mapped a page at 0x[0-9a-f]*, in the hole ' "$T/err" ||
		fail "$what: the test page was not mapped into a hole: $(cat "$T/err")"
	grep -q 'another mapping took the range while it was free; it is left alone' "$T/err" ||
		fail "$what: no message naming the intruding mapping: $(cat "$T/err")"
	grep -q '^ptbench: test: the page put into the hole at 0x[0-9a-f]* is intact$' "$T/err" ||
		fail "$what: the intruding page did not survive: $(cat "$T/err")"
	! grep -q 'is gone\|was replaced' "$T/err" ||
		fail "$what: $(cat "$T/err")"
}

for via in munmap mremap mremap-move mremap-move-unaligned; do
	# Hole 1 is the untimed operation of task_init() in the warm-up; with
	# no warm-up, hole 3 is in the timed loop (mremap-move's set-up makes
	# two moves, so its third hole is its first timed one).
	intrude "$via" 1 0.1
	intrude "$via" 3 0
	pass "$via: a mapping in the hole fails the run and is left intact"
done

# MADV_DONTNEED keeps the mapping: no hole, nothing for the hook to do.
r="$T/dontneed.json"
expect_exit 0 env PTBENCH_TEST_INTRUDE=1 "$PTBENCH" "${run[@]}" --via dontneed --warmup 0 -o "$r"
validate_result "$r"
! grep -q 'ptbench: test:' "$T/err" || fail "dontneed left a hole: $(cat "$T/err")"
pass "dontneed leaves no hole"
