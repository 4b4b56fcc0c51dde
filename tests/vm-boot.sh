#!/usr/bin/env bash
# tests/vm-boot.sh: compare.sh across two kernels, for real. Boots Debian's
# newest 6.1 and 6.12 cloud kernels under TCG with the smoke suite at short
# durations, checks that both result sets are complete and name the right
# kernel, that the report exists and says its timings are emulated, and that
# a TCG set is not compared with a native one unless forced.
#
# Run once by runners/test.sh (step 4), not by make check: it fetches two
# kernel packages (about 60 MB) and boots them (about 1 minute each).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir

VM=$top_srcdir/runners/vm.sh
COMPARE=$top_srcdir/runners/compare.sh
: "${PTSTAT:=$top_builddir/ptstat}"
export PTSTAT

# The smoke suite, shorter.
sed -e 's/--duration 0\.3 --warmup 0\.2/--duration 0.1 --warmup 0.05/' \
	"$top_srcdir/workloads/smoke.suite" >"$T/smoke-short.suite"
grep -q -- '--duration 0.1 --warmup 0.05' "$T/smoke-short.suite" ||
	fail "could not shorten workloads/smoke.suite"
nentries=$(grep -cE '^[a-z].* --duration 0\.1' "$T/smoke-short.suite")

# The releases the specs resolve to.
expect_exit 0 "$VM" kernel debian:6.1
rel61=$(sed -n 's/^release //p' "$T/out")
expect_exit 0 "$VM" kernel debian:6.12
rel612=$(sed -n 's/^release //p' "$T/out")
[[ $rel61 =~ ^6\.1\.[0-9]+-[0-9]+-cloud-amd64$ ]] || fail "debian:6.1 resolved to '$rel61'"
[[ $rel612 =~ ^6\.12\.[0-9]+.*-cloud-amd64$ ]] || fail "debian:6.12 resolved to '$rel612'"
pass "debian:6.1 is $rel61, debian:6.12 is $rel612"

start=$(date +%s)
if ! PTBENCH_VM_PROBE_CHECK=1 "$COMPARE" --kernel debian:6.1 --kernel debian:6.12 --accel tcg \
	--suite "$T/smoke-short.suite" --reps 1 --rounds 1 --results "$T/k" \
	--boot-timeout 120 --timeout 900 >"$T/table" 2>"$T/log"; then
	cat "$T/log" >&2
	for c in "$T"/k/.*.vm/console.log; do
		[ -f "$c" ] && { printf -- '---- %s\n' "$c"; tail -n 40 "$c"; } >&2
	done
	fail "compare.sh --kernel debian:6.1 --kernel debian:6.12 failed"
fi
printf 'compare.sh took %ds\n' "$(($(date +%s) - start))"
grep -E '^vm.sh: .*: boot ' "$T/log" || true

for rel in "$rel61" "$rel612"; do
	set=$T/k/$rel
	[ -d "$set" ] || fail "no set $set ($(ls -A "$T/k"))"
	for f in system.json meta.json suite.txt commands.txt run.log vm-console.log; do
		[ -s "$set/$f" ] || fail "$rel: $f missing or empty"
	done
	[ ! -e "$set/vm-guest.txt" ] || fail "$rel: vm-guest.txt left in the set"
	R=$rel
	N=$(nproc)
	export R N
	jq_true "$set/system.json" '.kernel.release == env.R' \
		"$rel: system.json names kernel.release $("$JQ" -r .kernel.release "$set/system.json")"
	jq_true "$set/system.json" '.vm.accel == "tcg" and .vm.emulated_timings == true' \
		"$rel: system.json .vm does not say TCG"
	jq_true "$set/system.json" '.vm.vcpus == (env.N | tonumber) and .vm.memory_mib == 2048 and .vm.cpu == "max"' \
		"$rel: .vm.vcpus/.memory_mib/.cpu wrong"
	jq_true "$set/system.json" '.vm.qemu_version | test("^QEMU emulator version [0-9]")' \
		"$rel: .vm.qemu_version wrong"
	jq_true "$set/system.json" '(.vm.cpu_flags | length) > 10 and (.vm.cpu_flags | index("lm") != null)' \
		"$rel: .vm.cpu_flags not the guest's CPU flags"
	jq_true "$set/system.json" '.vm.guest_cmdline | test("console=ttyS0")' "$rel: .vm.guest_cmdline wrong"
	jq_true "$set/system.json" '.vm.boot_s > 0 and .vm.suite_s > 0 and .vm.total_s >= .vm.boot_s' \
		"$rel: .vm times wrong"
	jq_true "$set/system.json" '.vm.kernel.package == "linux-image-" + env.R + "-unsigned"' \
		"$rel: .vm.kernel.package wrong"
	jq_true "$set/system.json" '.config.source == "/boot/config-" + env.R and .config.options.CONFIG_MMU_GATHER_RCU_TABLE_FREE == "y"' \
		"$rel: the guest did not read its kernel's config"
	grep -q "Linux version $rel " "$set/vm-console.log" || fail "$rel: the console log is not of $rel"
	# Under TCG there is no paravirtual flush: both kernels free directly,
	# and sysinfo's probe saw it (not the version rules).
	jq_true "$set/system.json" '.table_free.source == "probe" and .table_free.mode == "direct" and
		.table_free.evidence.rcu_tables.count == 0 and .table_free.evidence.direct_tables.count > 0' \
		"$rel: sysinfo's probe did not observe the direct free path: $("$JQ" -c .table_free "$set/system.json")"
	jq_true "$set/system.json" '.tlb_flush.source == "probe" and .tlb_flush.mode == "ipi"' \
		"$rel: sysinfo's probe did not observe IPI flushes: $("$JQ" -c .tlb_flush "$set/system.json")"
	# perf's kprobes die with their file descriptors, SIGKILL included.
	jq_true "$set/system.json" '.vm.kprobes.while_running > 0 and .vm.kprobes.after_sigkill == 0 and
		.vm.kprobes.after_suite == 0' "$rel: kprobes left behind: $("$JQ" -c .vm.kprobes "$set/system.json")"
	n=0
	for f in "$set"/*.json; do
		case ${f##*/} in
		system.json | meta.json) continue ;;
		esac
		validate_result "$f"
		jq_true "$f" '.kernel.release == env.R' "$f: not from $rel"
		jq_true "$f" '[.checks[]?.ok] | all' "$f: a self-check failed in the guest: $("$JQ" -c '[.checks[] | select(.ok | not)]' "$f")"
		# Path evidence: counted in the kernel, in every result that frees tables.
		# shellcheck disable=SC2016 # jq programs
		# A result that freed no table (MADV_DONTNEED without PT_RECLAIM)
		# counted none: its path is "none".
		jq_true "$f" '(.bench | IN("pt-teardown", "gup-fast", "fork-exit") | not) or
			(.metrics.tables_freed != null and all(.metrics.tables_freed.samples[]; . == 0) and
			 .paths.free.path == "none") or
			(.paths.free.path == "direct" and all(.metrics.rcu_tables_per_op.samples[]; . == 0) and
			 (.metrics.direct_tables_per_op.samples | length) > 0)' \
			"$f: want free path direct with no RCU table (none where no table was freed): $("$JQ" -c '[.paths.free, .metrics.rcu_tables_per_op, .metrics.tables_freed.samples]' "$f")"
		# shellcheck disable=SC2016
		jq_true "$f" 'def mean(a): (a | add) / (a | length);
			(.bench != "pt-teardown") or (.metrics.tables_freed == null) or
			((mean(.metrics.direct_tables_per_op.samples) - mean(.metrics.tables_freed.samples)) | fabs) <=
			2 + 0.1 * mean(.metrics.tables_freed.samples)' \
			"$f: direct tables per op do not match the tables freed (VmPTE): $("$JQ" -c '[.metrics.direct_tables_per_op.samples, .metrics.tables_freed.samples]' "$f")"
		n=$((n + 1))
	done
	[ "$n" -eq "$nentries" ] || fail "$rel: $n results, the suite has $nentries entries"
	pass "$rel: a complete set of $n results, every self-check passed, system.json .vm filled in"
done

# mmap-churn maps into 2 MiB-aligned slots: both kernels free the same
# tables per operation (6.1 does not align mmap(NULL), 6.12 does).
for rel in "$rel61" "$rel612"; do
	jq_true "$T/k/$rel/mmap-churn-pmd-all.json" 'all(.metrics.tables_freed.samples[]; . == 64)' \
		"$rel: mmap-churn --size 128M --touch pmd does not free 64 tables per operation: $("$JQ" -c .metrics.tables_freed "$T/k/$rel/mmap-churn-pmd-all.json")"
done
pass "every table-freeing result of both kernels: free path direct by count, direct tables = tables freed; kprobes gone after SIGKILL; mmap-churn frees 64 tables per op on both"

# Facts that tell the two kernels apart.
jq_true "$T/k/$rel61/pt-teardown-dontneed.json" '.findings.tables_freed | test("^none")' \
	"6.1 frees page tables on MADV_DONTNEED? (no PT_RECLAIM before 6.14)"
jq_true "$T/k/$rel61/system.json" '.pt_reclaim == false' "6.1: pt_reclaim is not false"

# The report.
r=$T/k/report
for f in table.txt table.md table.csv verdicts.json kernbench.txt index.html plots/plots.json; do
	[ -s "$r/$f" ] || fail "report: $f missing or empty"
done
head -n 1 "$r/table.txt" | grep -q '^NOTE: emulated timings' || fail "table.txt does not start with the TCG note: $(head -n 2 "$r/table.txt")"
head -n 1 "$T/table" | grep -q '^NOTE: emulated timings' || fail "the printed table does not start with the TCG note"
grep -q 'class="notice".*emulated timings' "$r/index.html" || fail "index.html has no TCG note"
grep -q "$rel61" "$T/table" || fail "the table does not name $rel61"
grep -q "$rel612" "$T/table" || fail "the table does not name $rel612"
jq_true "$r/verdicts.json" '(.entries | length) > 0' "verdicts.json holds no entry"
pass "report: tables, verdicts, plots and index.html, with the emulated-timings note on top"

# A TCG set is not compared with a native one, unless forced.
printf 'reps 1\nm mmap-churn --size 16M --touch none --duration 0.1\n' >"$T/one.suite"
expect_exit 0 "$top_srcdir/runners/run.sh" --suite "$T/one.suite" --label native --out "$T/n"
mkdir "$T/t"
cp -r "$T/k/$rel612" "$T/t/tcg"
rm "$T/t/tcg"/*-*.json
cp "$T/k/$rel612/mmap-churn-none.json" "$T/t/tcg/m.json"
expect_exit 2 "$COMPARE" "$T/n/native" "$T/t/tcg" --out "$T/mixed"
grep -q 'tcg ran under TCG (emulated) and native (native) did not' "$T/err" ||
	fail "mixing TCG and native: want a refusal naming both, got: $(cat "$T/err")"
[ ! -e "$T/mixed" ] || fail "a refused comparison wrote a report"
expect_exit 0 "$COMPARE" "$T/n/native" "$T/t/tcg" --out "$T/mixed" --allow-mixed
sed -n '1,/^$/p' "$T/mixed/table.txt" | tr '\n' ' ' | grep -q 'MIXED: native (native) did not run under TCG' ||
	fail "--allow-mixed: the report does not say the sets are mixed"
pass "TCG and native sets: refused (exit 2), compared with --allow-mixed and flagged"
