#!/usr/bin/env bash
# ptbench list, --help, --version: what a person types first.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir

expect_exit 0 "$PTBENCH" list
names=$(awk '{print $1}' "$T/out" | tr '\n' ' ')
[ "$names" = "fork-exit gup-fast mmap-churn pt-teardown tlb-shootdown " ] ||
	fail "ptbench list shows '$names', want the five benchmarks"
awk 'NF < 3 { exit 1 }' "$T/out" || fail "a benchmark in ptbench list has no description"
pass "list shows the five benchmarks with descriptions"

expect_exit 0 "$PTBENCH" --help
grep -q '^Usage: ptbench list' "$T/out" || fail "--help has no usage line"
for opt in --duration --iterations --reps --warmup --tasks --mode --pin --events --output --quiet; do
	grep -q -- "$opt" "$T/out" || fail "--help does not document $opt"
done
pass "--help documents the common options"

for b in $names; do
	expect_exit 0 "$PTBENCH" run "$b" --help
	grep -q "^Usage: ptbench run $b" "$T/out" || fail "$b --help has no usage line"
	grep -q "^Options of $b:" "$T/out" || fail "$b --help lists no options of its own"
	[ "$(wc -l <"$T/out")" -gt 20 ] || fail "$b --help is too short to explain anything"
done
pass "every benchmark has --help"

expect_exit 0 "$PTBENCH" run mmap-churn --help
for opt in --size --touch --thp --populate; do
	grep -q -- "$opt" "$T/out" || fail "mmap-churn --help does not document $opt"
done
expect_exit 0 "$PTBENCH" run pt-teardown --help
grep -q -- '--via munmap|dontneed|mremap' "$T/out" || fail "pt-teardown --help lacks --via choices"

expect_exit 0 "$PTBENCH" --version
grep -Eq '^ptbench [0-9]+\.[0-9]+' "$T/out" || fail "--version prints '$(cat "$T/out")'"
expect_exit 2 "$PTBENCH"
expect_exit 2 "$PTBENCH" frobnicate
grep -q "unknown command 'frobnicate'" "$T/err" || fail "unknown command message: $(cat "$T/err")"
pass "version and unknown command"
