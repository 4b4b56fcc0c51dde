#!/usr/bin/env bash
# ptstat record kernbench: known GNU time lines give a known result and
# kernbench's block, exactly; bad lines and options are refused with the
# line named and nothing written.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq

out=$T/res
mkdir -p "$out"
printf '%s\n' '10.00 100.5 20 97% 1000 50' '12 101.5 22 99% 1200 70' >"$T/times"

# record [EXTRA OPTION]...: the call workloads/kernbench makes.
record() {
	"$PTSTAT" record kernbench --out "$out" --label kb-half --load half \
		--title "Half load -j 2" --jobs 2 --runs 2 --target vmlinux --config tiny \
		--tree-version 6.12.57 --src /src/linux "$@" --settle 0.5 --cpus 4 \
		--started 2026-12-01T06:10:46Z --times "$T/times" -- workloads/kernbench --runs 2
}

expect_exit 0 record --fast
cat >"$T/want" <<'EOF'
Average Half load -j 2 Run (std deviation):
Elapsed Time 11 (1.41421)
User Time 101 (0.707107)
System Time 21 (1.41421)
Percent CPU 98 (1.41421)
Context Switches 1100 (141.421)
Sleeps 60 (14.1421)

EOF
diff "$T/want" "$T/out" >"$T/diff" || fail "the block differs from kernbench's: $(cat "$T/diff")"
pass "the block: means and sample standard deviations, six digits"

f=$out/kb-half.json
validate_result "$f"
[ "$(stat -c %a "$f")" = 644 ] || fail "$f has mode $(stat -c %a "$f"), want 644"
jq_true "$f" '.schema == "ptbench/1" and .bench == "kernbench" and .label == "kb-half"
	and .command == ["workloads/kernbench", "--runs", "2"]' "the header"
jq_true "$f" '.params == {load: "half", jobs: 2, runs: 2, reps: 2, target: "vmlinux",
	config: "tiny", tree_version: "6.12.57", src: "/src/linux", build_dir: null,
	fast: true, settle_s: 0.5, cpus: 4}' "params"
jq_true "$f" '.placement == {cpus: []} and .started == "2026-12-01T06:10:46Z"
	and .counters == {} and .warnings == []
	and .checks == [{name: "runs", ok: true, detail: "2 runs of make -j 2 vmlinux"}]' \
	"placement, started, counters, checks, warnings"
"$JQ" -e --arg r "$(uname -r)" --arg m "$(uname -m)" \
	'.kernel.release == $r and .kernel.machine == $m and (.kernel.version | type) == "string"' \
	"$f" >/dev/null || fail "kernel is not uname's: $("$JQ" -c .kernel "$f")"
jq_true "$f" '.metrics == {
	elapsed_s: {unit: "s", better: "lower", samples: [10, 12]},
	user_s: {unit: "s", better: "lower", samples: [100.5, 101.5]},
	system_s: {unit: "s", better: "lower", samples: [20, 22]},
	percent_cpu: {unit: "%", better: "info", samples: [97, 99]},
	context_switches: {unit: "switches", better: "info", samples: [1000, 1200]},
	sleeps: {unit: "sleeps", better: "info", samples: [50, 70]}}' "metrics"
jq_true "$f" '[keys_unsorted[]] == ["schema", "bench", "label", "command", "params",
	"placement", "started", "kernel", "metrics", "counters", "checks", "warnings"]' \
	"the fields, in kernbench's order"
pass "the result: every field, type and value"

# The same file through ptstat show gives the same figures.
expect_exit 0 "$PTSTAT" show "$out" --format kernbench
grep -qx 'Elapsed Time 11 (1.41421)' "$T/out" || fail "ptstat show disagrees: $(cat "$T/out")"
pass "ptstat show --format kernbench reads it back"

# One run: sd 0; unlimited jobs; a build dir.
printf '400.5 1300 90.25 350%% 81234 60111\n' >"$T/times"
expect_exit 0 "$PTSTAT" record kernbench --out "$out" --label kb-max --load maximal \
	--title "Maximal load -j" --jobs unlimited --runs 1 --target vmlinux --config tiny \
	--tree-version 6.12.57 --src /src/linux --build-dir /b --settle 0 --cpus 4 \
	--started 2026-12-01T06:10:46Z --times "$T/times" -- kernbench
grep -qx 'Elapsed Time 400.5 (0)' "$T/out" || fail "n=1: want 'Elapsed Time 400.5 (0)': $(cat "$T/out")"
grep -qx 'Context Switches 81234 (0)' "$T/out" || fail "n=1: context switches: $(cat "$T/out")"
jq_true "$out/kb-max.json" '.params.jobs == "unlimited" and .params.build_dir == "/b"
	and .params.fast == false and .checks[0].detail == "1 runs of make -j vmlinux"' \
	"unlimited jobs and a build dir"
pass "one run: sd 0; --jobs unlimited; --build-dir"

# Refusals: exit 2, the problem named, the earlier result untouched.
cp "$f" "$T/keep.json"
refuse() {
	local what=$1 want=$2
	shift 2
	expect_exit 2 record "$@"
	grep -qF -- "$want" "$T/err" || fail "$what: the message does not say '$want': $(cat "$T/err")"
	cmp -s "$f" "$T/keep.json" || fail "$what: the result was changed"
	[ -z "$(find "$out" -name '.*')" ] || fail "$what: a temporary file was left"
	pass "refused: $what"
}
printf '%s\n' '10 100 20 97% 1000 50' '12 101 22 ?% 1200 70' >"$T/times"
refuse "a '?%' percentage" "times: line 2: '12 101 22 ?% 1200 70'"
printf '%s\n' '10 100 20 97% 1000' '12 101 22 99% 1200 70' >"$T/times"
refuse "a line of five fields" "times: line 1:"
printf '%s\n' '10 100 20 97% 1000 50' >"$T/times"
refuse "fewer lines than --runs" "has 1 runs, but --runs is 2"
printf '%s\n' '10 100 20 97% 1000 50' '12 101 22 99% 1200 70' >"$T/times"
refuse "an unknown option" "unknown option '--bogus'" --bogus
refuse "an option given twice" "--settle given twice" --settle 1
expect_exit 2 "$PTSTAT" record kernbench --out "$out" --label kb-half --load half
grep -qF -- "--title is needed" "$T/err" || fail "missing options: $(cat "$T/err")"
expect_exit 0 "$PTSTAT" record kernbench --help
grep -qF '%e %U %S %P %c %w' "$T/out" || fail "--help does not name GNU time's format"
pass "missing options refused; --help"
