#!/usr/bin/env bash
# tests/kernbench.sh: workloads/kernbench on small fake source trees (a
# Makefile with vmlinux, clean and kernelversion targets): the loads and
# their result files, kernbench's text blocks, per-load statistics, a build
# failure, bad options, signals and ptstat's kernbench format.

set -eu

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
# shellcheck source=SCRIPTDIR/lib.sh
. "$top_srcdir/tests/lib.sh"

KB=$top_srcdir/workloads/kernbench
: "${PTSTAT:=$top_builddir/ptstat}"

[ -x /usr/bin/time ] || skip "GNU time is not installed (Debian package time)"
command -v cc >/dev/null 2>&1 || skip "no C compiler (cc)"
_pt_need_jq

pt_tmpdir
cpus=$(nproc)
half=$((cpus / 2))

# make_tree DIR NFILES: a fake kernel tree of NFILES small C files. Each
# object sleeps $KB_DELAY seconds first when that variable is set.
make_tree() {
	local dir=$1 n=$2 i
	mkdir -p "$dir"
	for ((i = 1; i <= n; i++)); do
		printf 'int f%d(int x) { return x * %d + 1; }\n' "$i" "$i" >"$dir/f$i.c"
	done
	cat >"$dir/Makefile" <<'EOF'
SRCS := $(wildcard f*.c)
OBJS := $(SRCS:.c=.o)
vmlinux: $(OBJS)
	$(CC) -r -nostdlib -o $@ $(OBJS)
%.o: %.c
	@if [ -n "$(KB_DELAY)" ]; then sleep $(KB_DELAY); fi
	$(CC) -O2 -c -o $@ $<
clean:
	rm -f $(OBJS) vmlinux
kernelversion:
	@echo 9.9.9
.PHONY: clean kernelversion
EOF
}

# check_blocks OUTFILE: every "Average" block is followed by the six lines.
check_blocks() {
	awk '
		/^Average .* Run \(std deviation\):$/ { n++; want = 1; next }
		want == 1 { if ($0 !~ /^Elapsed Time [-0-9.e+]+ \([-0-9.e+]+\)$/) bad = bad "\n" $0; want++; next }
		want == 2 { if ($0 !~ /^User Time [-0-9.e+]+ \([-0-9.e+]+\)$/) bad = bad "\n" $0; want++; next }
		want == 3 { if ($0 !~ /^System Time [-0-9.e+]+ \([-0-9.e+]+\)$/) bad = bad "\n" $0; want++; next }
		want == 4 { if ($0 !~ /^Percent CPU [-0-9.e+]+ \([-0-9.e+]+\)$/) bad = bad "\n" $0; want++; next }
		want == 5 { if ($0 !~ /^Context Switches [-0-9.e+]+ \([-0-9.e+]+\)$/) bad = bad "\n" $0; want++; next }
		want == 6 { if ($0 !~ /^Sleeps [-0-9.e+]+ \([-0-9.e+]+\)$/) bad = bad "\n" $0; want = 0; next }
		END { if (n == 0) { print "no block"; exit 1 } if (bad != "") { print bad; exit 1 } }
	' "$1" || fail "kernbench blocks malformed in $1: $(cat "$1")"
}

# block_line OUTFILE TITLE METRIC: the "MEAN (SD)" of METRIC in TITLE's block.
block_line() {
	awk -v t="Average $2 Run (std deviation):" -v m="$3" '
		$0 == t { on = 1; next }
		on && index($0, m " ") == 1 { print substr($0, length(m) + 2); exit }
		/^$/ { on = 0 }
	' "$1"
}

# own_stats FILE METRIC: "MEAN (SD)" of the file's own samples, as kernbench prints it.
own_stats() {
	"$JQ" -r ".metrics.$2.samples[]" "$1" | awk '
		{ x[NR] = $1; s += $1 }
		END { m = s / NR; for (i = 1; i <= NR; i++) ss += (x[i] - m) ^ 2
		      printf "%.6g (%.6g)\n", m, (NR > 1 ? sqrt(ss / (NR - 1)) : 0) }'
}

make_tree "$T/tree" 40

# ---- the default loads ------------------------------------------------------
expect_exit 0 "$KB" --src "$T/tree" --config none -n 2 -f --settle 0 \
	--out "$T/res" --label kb
cp "$T/out" "$T/default.stdout"
check_blocks "$T/default.stdout"
if [ "$half" -lt 2 ]; then
	grep -qx "half load skipped: $cpus CPUs" "$T/default.stdout" ||
		fail "stdout does not say the half load was skipped"
	[ ! -e "$T/res/kb-half.json" ] || fail "kb-half.json written at $cpus CPUs"
else
	validate_result "$T/res/kb-half.json"
	jq_true "$T/res/kb-half.json" ".params.jobs == $half" "half load jobs"
fi
for load in optimal maximal; do
	f=$T/res/kb-$load.json
	validate_result "$f"
	jq_true "$f" '.bench == "kernbench" and .label == "kb-'"$load"'"' "$load bench/label"
	jq_true "$f" 'all(.metrics[]; (.samples | length) == 2) and (.metrics | length) == 6' \
		"$load: 2 samples of 6 metrics"
	jq_true "$f" '.params.tree_version == "9.9.9" and .params.runs == 2 and .params.config == "none"' \
		"$load params"
	jq_true "$f" '.checks[0].ok and (.checks[0].detail | test("2 runs of make -j"))' "$load check"
done
jq_true "$T/res/kb-optimal.json" ".params.jobs == $cpus" "optimal jobs = nproc"
jq_true "$T/res/kb-maximal.json" '.params.jobs == "unlimited"' "maximal jobs unlimited"
grep -qx "Average Optimal load -j $cpus Run (std deviation):" "$T/default.stdout" ||
	fail "no optimal block title"
grep -qx "Average Maximal load -j Run (std deviation):" "$T/default.stdout" ||
	fail "no maximal block title"
grep -q "kernbench: optimal load -j $cpus: run 2 of 2 (elapsed [0-9]*:[0-9][0-9])" "$T/err" ||
	fail "no progress line on stderr"
[ -z "$(find "$T/res" -name '.*' -type f)" ] || fail "temporary files left in the output directory"
pass "default loads: half skipped or run by nproc, optimal and maximal valid"

# ---- -s, -c, -O -M ----------------------------------------------------------
expect_exit 0 "$KB" --src "$T/tree" --config none -n 2 -f --settle 0 \
	--out "$T/single" --label kb -O -M -H -s
[ "$(find "$T/single" -name '*.json' | wc -l)" -eq 1 ] || fail "-O -M -H -s: not one file"
validate_result "$T/single/kb-single.json"
jq_true "$T/single/kb-single.json" '.params.jobs == 1 and .params.load == "single"' "single jobs 1"
expect_exit 0 "$KB" --src "$T/tree" --config none -n 2 -f --settle 0 \
	--out "$T/custom" --label kb -O -M -H -c 3
validate_result "$T/custom/kb-custom.json"
jq_true "$T/custom/kb-custom.json" '.params.jobs == 3 and .label == "kb-custom"' "custom jobs 3"
check_blocks "$T/out"
pass "-s gives a -j 1 load, -c 3 a -j 3 load, -O -M -H skip the others"

# ---- each load's statistics come from its own runs --------------------------
# Single (-j 1, slow: every object sleeps) runs before maximal (fast). With
# kernbench 0.50's defect the maximal block would average both loads' runs.
make_tree "$T/slow" 16
KB_DELAY=0.15 expect_exit 0 "$KB" --src "$T/slow" --config none -n 2 -f --settle 0 \
	--out "$T/sep" --label kb -H -O -s
cp "$T/out" "$T/sep.stdout"
check_blocks "$T/sep.stdout"
for pair in "single:Single threaded load -j 1" "maximal:Maximal load -j"; do
	load=${pair%%:*}
	title=${pair#*:}
	for m in "elapsed_s:Elapsed Time" "user_s:User Time" "system_s:System Time" \
		"percent_cpu:Percent CPU" "context_switches:Context Switches" "sleeps:Sleeps"; do
		got=$(block_line "$T/sep.stdout" "$title" "${m#*:}")
		want=$(own_stats "$T/sep/kb-$load.json" "${m%%:*}")
		[ "$got" = "$want" ] ||
			fail "$load ${m#*:}: printed '$got', its own runs give '$want'"
	done
done
es=$("$JQ" '.metrics.elapsed_s.samples | add / length' "$T/sep/kb-single.json")
em=$("$JQ" '.metrics.elapsed_s.samples | add / length' "$T/sep/kb-maximal.json")
awk -v s="$es" -v m="$em" 'BEGIN { exit !(m * 2.5 < s) }' ||
	fail "maximal elapsed mean $em is not well below single's $es"
pass "per-load statistics: maximal ($em s) from its own runs, not single's ($es s)"

# ---- a build failure --------------------------------------------------------
# The 4th build (warm-up, 2 optimal runs, then maximal's first) compiles a
# broken file.
make_tree "$T/broken" 8
printf 'int broken(void) { return }\n' >"$T/broken/broken.c"
cat >>"$T/broken/Makefile" <<'EOF'
vmlinux: count
count:
	@n=$$(cat .count 2>/dev/null || echo 0); n=$$((n + 1)); echo $$n >.count; \
	if [ $$n -ge 4 ]; then $(CC) -c -o broken.o broken.c; fi
.PHONY: count
EOF
expect_exit 1 "$KB" --src "$T/broken" --config none -n 2 -f --settle 0 \
	--out "$T/fail" --label kb -H
grep -q 'broken.c' "$T/err" || fail "no build log tail on stderr"
grep -q 'last 30 lines' "$T/err" || fail "no failure message"
validate_result "$T/fail/kb-optimal.json"
[ ! -e "$T/fail/kb-maximal.json" ] || fail "a result for the failed load"
[ -z "$(find "$T/fail" -name '.*' -type f)" ] || fail "temporary result file left behind"
pass "a build failure exits 1 with the log's tail, keeps the finished loads"

# ---- bad usage --------------------------------------------------------------
expect_exit 0 "$KB" --help
grep -q -- '--out DIR' "$T/out" || fail "--help"
expect_exit 2 "$KB" --src "$T/tree" --config none
expect_exit 2 "$KB" --src "$T/tree" --config none --out "$T/x" -n 0
expect_exit 2 "$KB" --src "$T/tree" --config none --out "$T/x" -n two
expect_exit 2 "$KB" --src "$T/tree" --config bogus --out "$T/x"
expect_exit 2 "$KB" --src "$T/nonexistent" --config none --out "$T/x"
expect_exit 2 "$KB" --src "$T/tree" --config none --out "$T/x" --frobnicate
expect_exit 2 "$KB" --src "$T/tree" --config none --out "$T/x" -H -O -M
expect_exit 2 "$KB" --src "$T/tree" --config none --out "$T/x" --label 'a b'
expect_exit 2 "$KB" --src "$T/tree" --config none --out "$T/x" --target bzImage
expect_exit 2 "$KB" --src "$T/tree" --config none --out "$T/x" -c
grep -q 'needs a value' "$T/err" || fail "-c without a value: $(cat "$T/err")"
[ ! -e "$T/x" ] || fail "a refused run created its output directory"
pass "bad options exit 2"

# ---- signals ----------------------------------------------------------------
KB_DELAY=1 "$KB" --src "$T/slow" --config none -n 3 -f --settle 0 \
	--out "$T/sig" --label kb -s >"$T/sig.out" 2>"$T/sig.err" &
kbpid=$!
kill_quiet() { kill "$1" 2>/dev/null || true; }
pt_at_exit kill_quiet "$kbpid"
sleep 2
kill -TERM "$kbpid"
rc=0
wait "$kbpid" || rc=$?
[ "$rc" -eq 143 ] || fail "SIGTERM: exit status $rc, want 143"
sleep 0.5
if pgrep -f "make -C $T/slow" >/dev/null 2>&1; then
	fail "make still running after SIGTERM: $(pgrep -af "make -C $T/slow")"
fi
pass "SIGTERM exits 143 and stops make"

# ---- ptstat ------------------------------------------------------------------
if [ -x "$PTSTAT" ]; then
	expect_exit 0 "$PTSTAT" show --format kernbench "$T/sep"
	grep -qx 'Average kb-maximal Run (std deviation):' "$T/out" ||
		fail "ptstat kernbench format: $(cat "$T/out")"
	grep -q '^Elapsed Time ' "$T/out" || fail "ptstat: no Elapsed Time"
	pass "ptstat show --format kernbench reads the results"
fi

# ---- kernbench entries in a suite (runners/run.sh) -----------------------------

# A suite mixing a kernel compile (the fake tree) with a benchmark: every
# load of the compile is an entry of the set, next to the benchmark's.
cat >"$T/kb.suite" <<EOF
reps 2
rounds 2
kb kernbench --src $T/tree --config none -n 2 -f --settle 0
mm mmap-churn --size 4M --duration 0.2 --warmup 0
EOF
expect_exit 0 "$top_srcdir/runners/run.sh" --suite "$T/kb.suite" --out "$T/sets" --label s1
for f in kb-optimal kb-maximal mm; do
	validate_result "$T/sets/s1/$f.json"
done
jq_true "$T/sets/s1/kb-optimal.json" '.bench == "kernbench" and (.metrics.elapsed_s.samples | length) == 2' \
	"run.sh ran the compile once, with its own -n"
jq_true "$T/sets/s1/mm.json" '(.metrics.ops_per_sec.samples | length) == 2 and (.rounds | length) == 2' \
	"the benchmark entry still ran in rounds"
grep -q 'workloads/kernbench .*--label kb --out \.' "$T/sets/s1/commands.txt" ||
	fail "commands.txt lacks the kernbench command: $(cat "$T/sets/s1/commands.txt")"
[ "$(grep -c 'workloads/kernbench' "$T/sets/s1/commands.txt")" -eq 1 ] ||
	fail "the kernbench entry is listed more than once in commands.txt"
expect_exit 0 "$PTSTAT" show --format kernbench "$T/sets/s1"
grep -q '^Average kb-optimal Run (std deviation):$' "$T/out" || fail "ptstat show has no kb-optimal block: $(cat "$T/out")"
pass "a kernbench entry in a suite: one result per load in the set"

printf 'kb kernbench --out /tmp -n 2\n' >"$T/bad.suite"
expect_exit 2 "$top_srcdir/runners/run.sh" --suite "$T/bad.suite" --out "$T/sets" --label s2
grep -q 'bad.suite:1: .*--out' "$T/err" || fail "a kernbench entry setting --out: $(cat "$T/err")"
[ ! -e "$T/sets/s2" ] || fail "a refused suite created a set"
pass "a kernbench entry may not set --out"
