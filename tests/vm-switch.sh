#!/usr/bin/env bash
# tests/vm-switch.sh: one kernel, two free paths. Boots the switchable 6.12
# (runners/build-kernel.sh --kind switchable: the project's pt_table_free=
# patch) under TCG three times with a short suite: pt_table_free=default,
# pt_table_free=rcu, and a value the patch does not know. Checks, by the
# in-kernel counts, that the default boot frees every table directly and
# the rcu boot through RCU (rcu_tables_per_op = tables freed per op,
# direct_tables_per_op = 0, and the reverse), that the RCU boot holds more
# memory (held_kib_peak of pt-teardown at 64 tables), that each console
# log has the patch's line, that the unknown value is warned about in
# kernel-warnings.txt and ran the default path, and that compare.sh takes
# the two sets as what their labels say.
#
# Run by runners/test.sh with the VM tests. It reuses the kernel from the
# cache (~/.cache/ptbench/kernels: runners/build-kernel.sh --kind
# switchable, or compare.sh --question rcu-table-free, puts it there). With
# none cached it skips with the reason, since the build (5 to 10 minutes on
# 2 CPUs) would take the test suite past its time budget; with
# PTBENCH_TEST_KERNEL_BUILD=1 it builds it instead.
# shellcheck disable=SC2016 # jq programs in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
_pt_need_jq

VM=$top_srcdir/runners/vm.sh
BUILD=$top_srcdir/runners/build-kernel.sh
COMPARE=$top_srcdir/runners/compare.sh
: "${PTSTAT:=$top_builddir/ptstat}"
export PTSTAT

cache=${PTBENCH_CACHE:-$HOME/.cache/ptbench}/kernels
cached=$(find "$cache" -mindepth 2 -maxdepth 2 -name build-info.json \
	-exec grep -l '"switchable"' {} + 2>/dev/null | head -n 1 || true)
if [ -z "$cached" ] && [ "${PTBENCH_TEST_KERNEL_BUILD:-0}" != 1 ]; then
	skip "no switchable kernel cached in $cache: its build (5 to 10 minutes) does not fit the test budget; run runners/build-kernel.sh once, or set PTBENCH_TEST_KERNEL_BUILD=1"
fi
start=$SECONDS
if ! "$BUILD" --kind switchable --source-package linux-source-6.12 >"$T/build.out" 2>"$T/build.err"; then
	tail -n 30 "$T/build.err" >&2
	fail "runners/build-kernel.sh --kind switchable failed"
fi
img=$(tail -n 1 "$T/build.out")
[ -f "$img" ] || fail "build-kernel.sh named no image: '$img'"
printf 'kernel %s (%ds, %s)\n' "$img" "$((SECONDS - start))" "${cached:+cached}"

cat >"$T/switch.suite" <<'EOF'
reps 2
pt-64     pt-teardown --tables 64 --via munmap --tasks @ALL --duration 1 --warmup 0.1
pt-512    pt-teardown --tables 512 --via munmap --tasks @ALL --duration 0.5 --warmup 0.1
fork-64M  fork-exit --rss 64M --duration 0.3 --warmup 0.1
EOF

# boot NAME APPEND: the suite in the switchable kernel, booted with APPEND.
boot() {
	if ! "$VM" run --kernel "$img" --accel tcg --suite "$T/switch.suite" --label "k-$1" \
		--append "$2" --out "$T/sets" --boot-timeout 120 --timeout 600 >"$T/$1.log" 2>&1; then
		cat "$T/$1.log" >&2
		fail "the boot with $2 failed"
	fi
	grep -E '^vm.sh: .*: boot ' "$T/$1.log" || true
}
boot direct pt_table_free=default
boot rcu pt_table_free=rcu
boot bogus pt_table_free=bogus

D=$T/sets/k-direct
R=$T/sets/k-rcu
B=$T/sets/k-bogus
grep -q 'ptbench: page-table free path: direct (native_tlb_remove_table, pt_table_free=default)' \
	"$D/vm-console.log" || fail "direct arm: no log line of the patch: $(grep -m2 'ptbench:' "$D/vm-console.log")"
grep -q 'ptbench: page-table free path: rcu (tlb_remove_table, pt_table_free=rcu)' \
	"$R/vm-console.log" || fail "rcu arm: no log line of the patch: $(grep -m2 'ptbench:' "$R/vm-console.log")"
pass "the patch's line in each arm's console log"

mean='def mean(a): (a | add) / (a | length);'
for f in pt-64 pt-512 fork-64M; do
	jq_true "$D/$f.json" '.paths.free.path == "direct" and all(.metrics.rcu_tables_per_op.samples[]; . == 0)' \
		"direct arm, $f: $("$JQ" -c '[.paths.free, .metrics.rcu_tables_per_op.samples]' "$D/$f.json")"
	jq_true "$R/$f.json" '.paths.free.path == "rcu" and all(.metrics.direct_tables_per_op.samples[]; . == 0)' \
		"rcu arm, $f: $("$JQ" -c '[.paths.free, .metrics.direct_tables_per_op.samples]' "$R/$f.json")"
done
for f in pt-64 pt-512; do
	jq_true "$D/$f.json" "$mean"'((mean(.metrics.direct_tables_per_op.samples) - mean(.metrics.tables_freed.samples)) | fabs) <= 2 + 0.1 * mean(.metrics.tables_freed.samples)' \
		"direct arm, $f: direct tables per op are not the tables freed: $("$JQ" -c '[.metrics.direct_tables_per_op.samples, .metrics.tables_freed.samples]' "$D/$f.json")"
	jq_true "$R/$f.json" "$mean"'((mean(.metrics.rcu_tables_per_op.samples) - mean(.metrics.tables_freed.samples)) | fabs) <= 2 + 0.1 * mean(.metrics.tables_freed.samples)' \
		"rcu arm, $f: rcu tables per op are not the tables freed: $("$JQ" -c '[.metrics.rcu_tables_per_op.samples, .metrics.tables_freed.samples]' "$R/$f.json")"
done
jq_true "$R/system.json" '.table_free.source == "probe" and .table_free.mode == "rcu"' \
	"rcu arm: sysinfo's probe did not see the RCU path: $("$JQ" -c .table_free "$R/system.json")"
jq_true "$D/system.json" '.table_free.source == "probe" and .table_free.mode == "direct"' \
	"direct arm: sysinfo's probe did not see the direct path: $("$JQ" -c .table_free "$D/system.json")"
pass "counted in the kernel: the default boot frees every table directly, the rcu boot through RCU"

# Memory held until the grace period shows above an operation's own
# working set (its tables and pages) when operations are shorter than a
# grace period: at 64 tables under TCG (about 3 ms an operation), not at
# 512 (30 ms, which outlasts it: both arms peak at the 4 MiB the operation
# builds). Seen here: 64 tables, rcu 1.3-1.6 MiB against direct 0.5 MiB.
held_d=$("$JQ" "$mean"'mean(.metrics.held_kib_peak.samples)' "$D/pt-64.json")
held_r=$("$JQ" "$mean"'mean(.metrics.held_kib_peak.samples)' "$R/pt-64.json")
awk -v r="$held_r" -v d="$held_d" 'BEGIN { exit !(r > 1.5 * d) }' ||
	fail "pt-teardown 64: held_kib_peak is not clearly higher with RCU table free (rcu $held_r KiB, direct $held_d KiB)"
pass "pt-teardown 64 tables: memory held until the grace period, rcu $held_r KiB against direct $held_d KiB"

grep -q 'pt_table_free=bogus: unknown value' "$B/kernel-warnings.txt" ||
	fail "an unknown value: no warning in kernel-warnings.txt: $(cat "$B/kernel-warnings.txt")"
jq_true "$B/pt-64.json" '.paths.free.path == "direct"' "an unknown value: the path counted is not the default (direct)"
pass "pt_table_free=bogus: the kernel's warning in kernel-warnings.txt, and the default path ran (counted)"

expect_exit 0 "$COMPARE" "$D" "$R" --out "$T/report"
if sed -n '1,/^$/p' "$T/report/table.txt" | grep -q 'PATHS:'; then
	fail "compare.sh flags sets that counted the paths their labels say: $(head -n 3 "$T/report/table.txt")"
fi
# The set table names each set's counted paths once.
grep -Eq '^  k-direct +[^ ]+ +[a-z-]+ \(counted\) +direct \(counted\)' "$T/report/table.txt" ||
	fail "the report does not name k-direct by its counted path: $(head -n 20 "$T/report/table.txt")"
grep -Eq '^  k-rcu +[^ ]+ +[a-z-]+ \(counted\) +rcu \(counted\)' "$T/report/table.txt" ||
	fail "the report does not name k-rcu by its counted path: $(head -n 20 "$T/report/table.txt")"
cp -r "$D" "$T/sets/k2-rcu"
expect_exit 3 "$COMPARE" "$D" "$T/sets/k2-rcu" --out "$T/report2"
pass "compare.sh: the two arms named by their counted paths; a set labelled rcu that counted direct exits 3"
pass "whole test: $((SECONDS - start)) s"
