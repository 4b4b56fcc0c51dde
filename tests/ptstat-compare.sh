#!/usr/bin/env bash
# ptstat compare: a 5% change is found, in the right direction, and nothing
# else is; a set against itself changes nothing; every format says so.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq

expect_exit 0 "$PTBENCH" run mmap-churn --duration 0.2 --reps 2 --warmup 0 -q \
	-o "$T/template.json"
expect_exit 0 "$PTBENCH" sysinfo
cp "$T/out" "$T/sysinfo.json"

# samples BASE FACTOR NOISE...: BASE * FACTOR * each NOISE, comma-separated.
samples() {
	awk 'BEGIN { for (i = 3; i < ARGC; i++)
		printf "%s%.10g", (i > 3 ? "," : ""), ARGV[1] * ARGV[2] * ARGV[i] }' "$@"
}

# Five repetitions with 0.3% noise; B's are A's in another order, so that
# an unchanged metric has exactly the same mean and the test nothing to find.
noise_a="1.000 1.004 0.996 1.002 0.998"
noise_b="0.998 1.002 1.000 0.996 1.004"

# metric NAME UNIT BETTER BASE FACTOR NOISE: one member of a "metrics" object.
metric() {
	# shellcheck disable=SC2086 # the noise is a list of words
	printf '"%s":{"unit":"%s","better":"%s","samples":[%s]}' "$1" "$2" "$3" \
		"$(samples "$4" "$5" $6)"
}

# result DIR LABEL METRICS: DIR/LABEL.json from the template.
result() {
	mkdir -p "$1"
	"$JQ" --arg lbl "$2" --argjson metrics "$3" --arg kernel "$(basename "$1")-kernel" '
		.label = $lbl
		| .params.reps = ([$metrics[].samples | length] | max)
		| .params.reps as $reps
		| .metrics = $metrics
		| .command = ["ptbench", "run", .bench, "--size", "128M", "--reps", "\($reps)"]
		| .counters |= map_values(if .supported then
			.samples = [range($reps) as $i | .samples[0]] else . end)
		| .kernel.release = $kernel' \
		"$T/template.json" >"$1/$2.json"
	validate_result "$1/$2.json"
}

# system DIR TLB_FLUSH TABLE_FREE: DIR/system.json naming the kernel after DIR,
# native whatever this machine is (no vm object, no TCG CPUID evidence).
system() {
	"$JQ" --arg kernel "$(basename "$1")-kernel" --arg tlb "$2" --arg tf "$3" '
		.kernel.release = $kernel | .tlb_flush.mode = $tlb | .table_free.mode = $tf
		| .tlb_flush.evidence = "test" | del(.vm)' \
		"$T/sysinfo.json" >"$1/system.json"
}

# make_set DIR NOISE OPS NS FAULT: a set whose ops_per_sec (higher),
# ns_per_op and fault_us_p50 (lower) are their base times OPS, NS, FAULT.
make_set() {
	result "$1" mmap-churn-1t "{$(metric ops_per_sec ops/s higher 270000 "$3" "$2"),
		$(metric ns_per_op ns lower 7400 "$4" "$2"),
		$(metric fault_us_p50 us lower 2.5 "$5" "$2"),
		$(metric page_faults_per_op faults info 64 1 "1 1 1 1 1")}"
	result "$1" pt-teardown "{$(metric ns_per_table ns lower 790 1 "$2"),
		$(metric tables_freed tables info 64 1 "1 1 1 1 1")}"
	result "$1" kb-half "{$(metric elapsed_s s lower 1 1 "398 399 400 401 402"),
		$(metric user_s s lower 1018 1 "$2")}"
	system "$1" pv-kvm rcu
}

R=$T/results
make_set "$R/a" "$noise_a" 1 1 1
make_set "$R/b" "$noise_b" 0.95 1 1       # ops_per_sec 5% lower: worse
make_set "$R/c" "$noise_b" 1 0.95 1       # ns_per_op 5% lower: better
make_set "$R/d" "$noise_b" 1 1 0.985      # fault_us_p50 1.5% lower: too small
# b's kernbench entry one second faster; a has an entry b lacks.
result "$R/b" kb-half "{$(metric elapsed_s s lower 1 1 "397 398 399 400 401"),
	$(metric user_s s lower 1018 1 "$noise_b")}"
result "$R/a" fork-exit "{$(metric forks_per_sec forks/s higher 476 1 "$noise_a")}"

# verdicts FILE: "entry metric set verdict" per comparison, sorted.
verdicts() {
	"$JQ" -r '.entries[] | .label as $e | .metrics[] | .name as $m |
		.comparisons[] | "\($e) \($m) \(.set) \(.verdict)"' "$1" | sort
}

# only_changes FILE WANT: the comparisons that are neither "no significant
# change" nor an info metric nor missing are exactly WANT.
only_changes() {
	local got
	got=$(verdicts "$1" | grep -v -e ' no significant change$' -e ' info: not judged$' \
		-e ' missing in ' || true)
	[ "$got" = "$2" ] || fail "$3: want only '$2' changed, got: '$got'"
}

# --- B: a higher-is-better metric 5% lower is worse, nothing else moves.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --format json
cp "$T/out" "$T/ab.json"
only_changes "$T/ab.json" "mmap-churn-1t ops_per_sec b worse" "a vs b"
jq_true "$T/ab.json" '[.entries[].metrics[] | select(.better != "info") | .comparisons[0]
	| select(.verdict == "no significant change")] | length == 5' \
	"a vs b: the five other judged metrics are 'no significant change'"
jq_true "$T/ab.json" '.entries[] | select(.label == "mmap-churn-1t") | .metrics[]
	| select(.name == "ops_per_sec") |
	(.per_set[0].mean == 270000) and (.per_set[0].n == 5) and (.per_set[1].n == 5) and
	(.per_set[1].mean | . > 256499.99 and . < 256500.01) and
	(.comparisons[0] | (.change_pct | . > -5.0001 and . < -4.9999) and
	 .ci_lo < -13500 and .ci_hi > -13500 and .ci_hi < 0 and
	 .welch_p < 1e-6 and .adj_p < 0.001 and .adj_p >= .welch_p and .mwu_p < 0.05 and
	 .set == "b")' "a vs b: ops_per_sec figures (means, -5%, CI around -13500, p)"
jq_true "$T/ab.json" '.schema == "ptstat-compare/1" and .alpha == 0.05 and
	.min_change_pct == 2 and .correction == "bh" and .n_tests == 6 and .baseline == "a" and
	(.sets | map(.label) == ["a", "b"]) and .sets[1].kernel == "b-kernel" and
	.sets[1].tlb_flush == "pv-kvm" and .sets[1].table_free == "rcu"' \
	"a vs b: json header (alpha, min change, correction, 6 tests, sets)"
jq_true "$T/ab.json" '.entries[] | select(.label == "pt-teardown") | .metrics[]
	| select(.name == "tables_freed") | .comparisons[0] |
	.verdict == "info: not judged" and .adj_p == null' \
	"a vs b: an info metric is not judged and not in the correction"
jq_true "$T/ab.json" '.entries[] | select(.label == "fork-exit") |
	.present_in == ["a"] and .missing_in == ["b"] and
	.metrics[0].comparisons[0].verdict == "missing in b" and .metrics[0].per_set[1].n == 0' \
	"a vs b: the entry only in a is listed as missing in b"
pass "a vs b: ops_per_sec 5% lower is worse, the 5 others no change, fork-exit missing in b"

# --- C: a lower-is-better metric 5% lower is better.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/c" --format json
only_changes "$T/out" "mmap-churn-1t ns_per_op c better" "a vs c"
pass "a vs c: ns_per_op 5% lower is better, nothing else"

# --- D: significant, but 1.5% is below --min-change 2; above --min-change 1.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/d" --format json
only_changes "$T/out" "" "a vs d (min change 2%)"
jq_true "$T/out" '.entries[] | select(.label == "mmap-churn-1t") | .metrics[]
	| select(.name == "fault_us_p50") |
	.comparisons[0].adj_p < 0.05' "a vs d: fault_us_p50 is statistically significant"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/d" --format json --min-change 1
only_changes "$T/out" "mmap-churn-1t fault_us_p50 d better" "a vs d (min change 1%)"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/d" --format json --min-change=1 --alpha 1e-9
only_changes "$T/out" "" "a vs d (alpha 1e-9)"
pass "a vs d: a 1.5% change needs --min-change below 1.5 and a p below alpha"

# --- a set against itself: nothing anywhere.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/a" --format json
only_changes "$T/out" "" "a vs a"
jq_true "$T/out" '[.entries[].metrics[].comparisons[] | select(.verdict | startswith("missing"))]
	| length == 0' "a vs a: nothing missing"
jq_true "$T/out" '.sets | map(.label) == ["a", "a#2"]' "a vs a: the second a is told apart"
pass "a vs a: no significant change anywhere"

# --- text: the side-by-side table.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b"
cp "$T/out" "$T/ab.txt"
grep -q '^mmap-churn-1t (mmap-churn --size 128M)$' "$T/ab.txt" ||
	fail "text: no heading for mmap-churn-1t: $(cat "$T/ab.txt")"
# The sets once, in a table on top; the columns then headed by the label alone.
[ "$(head -n 2 "$T/ab.txt")" = "Sets (a is the baseline):
  set  kernel    TLB flush  table free  accel   directory" ] ||
	fail "text: no set table on top: $(head -n 4 "$T/ab.txt")"
{ grep -Eq "^  a +a-kernel +pv-kvm +rcu +native +$R/a\$" "$T/ab.txt" &&
	grep -Eq "^  b +b-kernel +pv-kvm +rcu +native +$R/b\$" "$T/ab.txt"; } ||
	fail "text: the set table does not give a's and b's kernel, paths, accel, directory: $(head -n 4 "$T/ab.txt")"
[ "$(grep -Ec '^ +a +b$' "$T/ab.txt")" -eq 4 ] ||
	fail "text: want the 4 entries' columns headed 'a' and 'b' alone: $(cat "$T/ab.txt")"
if grep -q 'a-kernel pv-kvm' "$T/ab.txt"; then
	fail "text: a column header still repeats the set's kernel: $(grep 'a-kernel' "$T/ab.txt")"
fi
grep -Eq '^  ops_per_sec +ops/s +270000 \(853\.81\) +256500 \(811\.12\) +-5\.00% +worse$' "$T/ab.txt" ||
	fail "text: ops_per_sec line: $(grep ops_per_sec "$T/ab.txt")"
# The smallest detectable change (mpmath, see tests/test-stats.c): sd/mean
# sqrt(1e-5) on both sides, n 5, df 8, alpha 0.05/6:
# (t(1 - 0.05/12, 8) + t(0.8, 8)) * sqrt(2/5) * sqrt(1e-5) = 0.8736%.
grep -Eq '^  ns_per_op +ns +7400 \(23\.401\) +7400 \(23\.401\) +\+0\.00% +no change \(would detect ≥ 0\.87%\)$' "$T/ab.txt" ||
	fail "text: ns_per_op line: $(grep ns_per_op "$T/ab.txt")"
grep -Eq '^  tables_freed +tables +64 \(0\) +64 \(0\) +\+0\.00% +info$' "$T/ab.txt" ||
	fail "text: tables_freed line: $(grep tables_freed "$T/ab.txt")"
grep -Eq '^fork-exit .*only in a$' "$T/ab.txt" || fail "text: fork-exit not marked 'only in a'"
grep -Eq '^  forks_per_sec +forks/s +476 \(1\.5052\) +- +- +missing in b$' "$T/ab.txt" ||
	fail "text: forks_per_sec line: $(grep forks_per_sec "$T/ab.txt")"
grep -q 'Benjamini-Hochberg' "$T/ab.txt" || fail "text: the footer does not name the correction"
grep -q 'alpha = 0.05' "$T/ab.txt" || fail "text: the footer does not give alpha"
grep -q 'at least 2%' "$T/ab.txt" || fail "text: the footer does not give the minimum change"
if grep -q ' $' "$T/ab.txt"; then
	fail "text: trailing spaces"
fi
tr '\n' ' ' <"$T/ab.txt" | grep -q 'Smallest detectable change: .* alpha/m = 0.05/6 = 0.0083' ||
	fail "text: the footer does not explain the smallest detectable change"
if grep -q 'Too few repetitions' "$T/ab.txt"; then
	fail "text: too few repetitions said where every detectable change is below 2%"
fi
pass "text: the sets on top, then side-by-side, 'worse', 'no change (would detect ≥ 0.87%)', 'only in a', the rule in the footer"

expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --correction holm -v
grep -q "Holm" "$T/out" || fail "--correction holm: the footer does not say Holm"
grep -Eq '^ +mean \(sd\) +mean \(sd\) +change +verdict +95% CI +p Welch +p MWU +p adj$' "$T/out" ||
	fail "-v: no sub-header with the CI and p-value columns: $(cat "$T/out")"
grep -Eq '^  ops_per_sec +.* -5\.00% +worse +\[-5\.[0-9]{2}%, -4\.[0-9]{2}%\] +[0-9.e-]+ +0\.0[0-9]+ +[0-9.e-]+$' "$T/out" ||
	fail "-v: ops_per_sec line: $(grep ops_per_sec "$T/out")"
pass "text -v --correction holm: CI and p-values, Holm in the footer"

# --- kernbench: its blocks side by side.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --format kernbench
grep -q '^Average kb-half Run (std deviation):$' "$T/out" || fail "kernbench: no Average line"
# Columns are separated by two spaces or more: squeeze them to '|'.
sed -n '/^Average kb-half Run/,/^$/p' "$T/out" | sed -E 's/ {2,}/|/g' >"$T/kb"
cat >"$T/want" <<'EOF'
Average kb-half Run (std deviation):
a|b
=|=
Elapsed Time 400 (1.58114)|Elapsed Time 399 (1.58114)
User Time 1018 (3.2192)|User Time 1018 (3.2192)

EOF
diff -u "$T/want" "$T/kb" >&2 || fail "kernbench: the kb-half block is not as expected"
# The second set's column starts under its name.
awk '/^a +b$/ { col = index($0, "b") }
	/^Elapsed Time 400/ { ok = col > 0 && index($0, "Elapsed Time 399") == col }
	END { exit !ok }' "$T/out" || fail "kernbench: b's column is not under its header"
grep -Eq '^ops_per_sec 270000 \(853\.815\) +ops_per_sec 256500 \(811\.124\)$' "$T/out" ||
	fail "kernbench: ops_per_sec line: $(grep ops_per_sec "$T/out")"
if grep -Eq 'worse|no change|%$' "$T/out"; then
	fail "kernbench: a change or verdict column in the patch-mail table: $(grep -E 'worse|no change|%$' "$T/out")"
fi
pass "kernbench: side-by-side blocks, labels over '=', no change or verdict columns"

# --- markdown and csv.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --format markdown
grep -q '^| metric | unit | a (baseline) | b | change b | verdict b |$' "$T/out" ||
	fail "markdown: table header: $(grep '^| metric' "$T/out" | head -1)"
grep -q '^| ops\\_per\\_sec | ops/s | 270000 (853.81) | 256500 (811.12) | -5.00% | worse |$' "$T/out" ||
	fail "markdown: ops_per_sec row: $(grep ops "$T/out")"
grep -q '^| ns\\_per\\_op | ns | 7400 (23.401) | 7400 (23.401) | +0.00% | no significant change (would detect ≥ 0.87%) |$' "$T/out" ||
	fail "markdown: ns_per_op row"
grep -q 'Benjamini-Hochberg' "$T/out" || fail "markdown: the rule is missing"
grep -q "^| a (baseline) | a-kernel | pv-kvm | rcu | native | $R/a |$" "$T/out" ||
	fail "markdown: no set table naming a once: $(grep -m3 '^| a' "$T/out")"
pass "markdown: the set table, then GitHub tables headed by the labels"

expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --format csv -o "$T/ab.csv"
head -1 "$T/ab.csv" | grep -q '^set,kernel,tlb_flush,table_free,baseline,entry,bench,description,metric,unit,better,n,mean,sd,cv_pct,min,max,change_pct,ci_lo,ci_hi,welch_p,mwu_p,adj_p,verdict,alpha,min_change_pct,correction,mde_pct,reps_for_min_change$' ||
	fail "csv: header: $(head -1 "$T/ab.csv")"
# 4 entries: 4 + 2 + 2 + 1 metrics, 2 sets each.
[ "$(wc -l <"$T/ab.csv")" -eq $((1 + 9 * 2)) ] || fail "csv: want 19 lines, got $(wc -l <"$T/ab.csv")"
awk -F, '$1 == "b" && $9 == "ops_per_sec" {
	found = 1
	if ($5 != "a" || $12 != 5 || $13 < 256499.99 || $13 > 256500.01 || $18 > -4.9999 ||
	    $18 < -5.0001 || $21 > 1e-6 || $24 != "worse" || $25 != 0.05 || $26 != 2 ||
	    $27 != "Benjamini-Hochberg") exit 1
} $1 == "a" && $9 == "ops_per_sec" { if ($24 != "baseline" || $18 != "") exit 1 }
END { exit !found }' "$T/ab.csv" || fail "csv: ops_per_sec rows: $(grep ops_per_sec "$T/ab.csv")"
grep -q '^b,b-kernel,pv-kvm,rcu,a,fork-exit,.*,0,,,,,,.*missing in b' "$T/ab.csv" ||
	fail "csv: no row saying fork-exit is missing in b"
awk -F, '$1 == "b" && $9 == "ns_per_op" { found = 1; if ($28 < 0.87355 || $28 > 0.87356 || $29 != "") exit 1 }
	$1 == "b" && $9 == "ops_per_sec" { if ($28 == "" || $29 != "") exit 1 }
	$1 == "a" { if ($28 != "" || $29 != "") exit 1 }
	END { exit !found }' "$T/ab.csv" || fail "csv: mde_pct of ns_per_op is not 0.87355: $(grep ns_per_op "$T/ab.csv")"
pass "csv: one row per entry, metric and set"

# --- three sets: each against the first.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" "$R/c" --format json
only_changes "$T/out" "mmap-churn-1t ns_per_op c better
mmap-churn-1t ops_per_sec b worse" "a vs b vs c"
jq_true "$T/out" '.n_tests == 12 and (.entries[1].metrics[0] | (.per_set | length) == 3
	and (.comparisons | map(.set)) == ["b", "c"])' "a vs b vs c: two comparisons per metric"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" "$R/c"
# 12 tests now: alpha 0.05/12, (t(1 - 0.05/24, 8) + t(0.8, 8)) * sqrt(2/5) * sqrt(1e-5) = 0.9701% (mpmath).
grep -Eq '^  ops_per_sec +ops/s +270000 \(853\.81\) +256500 \(811\.12\) +-5\.00% +worse +270000 \(853\.81\) +\+0\.00% +no change \(would detect ≥ 0\.97%\)$' "$T/out" ||
	fail "three sets, text: ops_per_sec line: $(grep ops_per_sec "$T/out")"
grep -Eq '^  c +c-kernel +pv-kvm +rcu +native ' "$T/out" || fail "three sets, text: c not in the set table"
[ "$(grep -Ec '^ +a +b +c$' "$T/out")" -eq 4 ] || fail "three sets, text: the columns are not headed a, b, c"
pass "three sets: b worse in ops_per_sec, c better in ns_per_op, in one table"

# --- zero variance on both sides: still compared, and said.
result "$R/z1" flat "{$(metric ns_per_op ns lower 100 1 "1 1 1 1 1")}"
result "$R/z2" flat "{$(metric ns_per_op ns lower 110 1 "1 1 1 1 1")}"
expect_exit 0 "$PTSTAT" compare "$R/z1" "$R/z2" --format json
jq_true "$T/out" '.entries[0].metrics[0].comparisons[0] | .welch_p == 0 and
	.verdict == "worse"' "zero variance: 100 against 110 constant is worse"
jq_true "$T/out" 'any(.entries[0].notes[]; test("zero variance in z1, z2.*degenerate"))' \
	"zero variance: noted"
pass "zero variance: compared (degenerate Welch) and noted"

# --- n=1: shown, no verdict.
result "$R/n1" mmap-churn-1t "{$(metric ops_per_sec ops/s higher 250000 1 1)}"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/n1"
grep -Eq '^  ops_per_sec +ops/s +270000 \(853\.81\) +250000 \(n=1\) +-7\.41% +n=1$' "$T/out" ||
	fail "n=1: ops_per_sec line: $(grep ops_per_sec "$T/out")"
grep -q 'n=1 in n1: no standard deviation, no verdict' "$T/out" || fail "n=1: no note"
pass "n=1: shown with its change, no verdict"

# --- a label run with other parameters is flagged.
"$JQ" '.params.size = 268435456' "$R/b/pt-teardown.json" >"$T/x" && mv "$T/x" "$R/b/pt-teardown.json"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b"
grep -q 'note: parameters differ: size: [0-9]* in a, 268435456 in b' "$T/out" ||
	fail "other parameters not noted: $(grep -A3 pt-teardown "$T/out")"
pass "an entry run with other parameters is noted"

# --- too few repetitions: --min-change 0.5 is below what 5 reps can see.
# ns_per_op: would detect 0.8736% (above); with the same sd, n = 11 gives
# 0.5107%, n = 12 gives 0.4850% (mpmath, as above with df 2n - 2): 12 reps.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --min-change 0.5
grep -Eq '^  ns_per_op +ns +.* no change \(would detect ≥ 0\.87%; too few reps to see 0\.5%\)$' "$T/out" ||
	fail "too few reps: ns_per_op line: $(grep ns_per_op "$T/out")"
grep -q '^- mmap-churn-1t ns_per_op (b): would detect ≥ 0\.87%; 12 reps a set would detect 0\.5% (now 5)$' "$T/out" ||
	fail "too few reps: the footer does not list ns_per_op with 12 reps: $(sed -n '/Too few/,$p' "$T/out")"
tr '\n' ' ' <"$T/out" | grep -q 'Too few repetitions: [0-9]* comparisons could not have found a change of --min-change 0.5%' ||
	fail "too few reps: no sentence before the list: $(sed -n '/Too few/,$p' "$T/out")"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --min-change 0.5 --format json
jq_true "$T/out" '.entries[] | select(.label == "mmap-churn-1t") | .metrics[] |
	select(.name == "ns_per_op") | .comparisons[0] |
	(.mde_pct | . > 0.873553 and . < 0.873554) and .reps_for_min_change == 12 and
	.verdict == "no significant change"' "too few reps: json mde_pct 0.87355 and 12 reps"
jq_true "$T/out" '(.mde_alpha | . > 0.0083333 and . < 0.0083334) and .mde_power == 0.8 and
	([.entries[].metrics[] | select(.better == "info") | .comparisons[0].mde_pct] | all(. == null))' \
	"json: mde_alpha = 0.05/6, power 0.8, no mde for info metrics"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --min-change 0.5 --format markdown
grep -q '| no significant change (would detect ≥ 0.87%; too few reps to see 0.5%) |$' "$T/out" ||
	fail "too few reps: markdown row: $(grep 'ns\\_per' "$T/out")"
pass "too few reps: the verdict says so, the footer gives 12 reps for 0.5%, json and markdown agree"

# --- emulated (TCG) sets: refused against native ones unless --allow-mixed.
# tcg_set SRC DEST THREADS: a copy of SRC whose system.json says it ran under TCG.
tcg_set() {
	cp -r "$1" "$2"
	"$JQ" --arg thr "$3" '.vm = {accel: "tcg", emulated_timings: true, tcg_threads: $thr}' \
		"$1/system.json" >"$2/system.json"
}
tcg_set "$R/b" "$R/tb" single
tcg_set "$R/c" "$R/tc" multi
"$JQ" '.vm = {accel: "kvm", tcg_threads: null}' "$R/a/system.json" >"$T/x"
mkdir -p "$R/ka" && cp "$R/a"/*.json "$R/ka/" && mv "$T/x" "$R/ka/system.json"
mixed='ptstat: tb ran under TCG (emulated) and ka (kvm), c (native) did not: their timings cannot be compared (add --allow-mixed to compare anyway)'
for cmd in compare plot; do
	expect_exit 2 "$PTSTAT" "$cmd" "$R/ka" "$R/tb" "$R/c" -o "$T/mixed-$cmd"
	[ "$(cat "$T/err")" = "$mixed" ] || fail "$cmd of TCG and KVM sets: $(cat "$T/err")"
	# plot makes its directory before reading the sets; nothing goes in it.
	[ -z "$(ls -A "$T/mixed-$cmd" 2>/dev/null)" ] || fail "$cmd: a refused comparison wrote $T/mixed-$cmd"
done
expect_exit 0 "$PTSTAT" compare "$R/ka" "$R/tb" "$R/c" --allow-mixed
sed -n '1,/^$/p' "$T/out" | tr '\n' ' ' >"$T/note"
{ grep -q '^NOTE: emulated timings\. tb ran in QEMU under TCG\. Read the counts first' "$T/note" &&
	grep -q 'Single-threaded TCG runs every vCPU on one host thread' "$T/note" &&
	grep -q 'MIXED: ka (kvm), c (native) did not run under TCG (--allow-mixed)' "$T/note"; } ||
	fail "--allow-mixed: the note on top: $(cat "$T/note")"
{ grep -Eq '^  tb +b-kernel +pv-kvm +rcu +tcg \(single-threaded\) ' "$T/out" &&
	grep -Eq '^  ka +a-kernel +pv-kvm +rcu +kvm ' "$T/out"; } ||
	fail "--allow-mixed: the set table does not give the accelerators: $(grep -E '^  (tb|ka) ' "$T/out")"
expect_exit 0 "$PTSTAT" compare "$R/ka" "$R/tb" "$R/c" --allow-mixed --format markdown
grep -q '^NOTE: emulated timings\. tb ran in QEMU under TCG\..*MIXED: ka (kvm), c (native)' "$T/out" ||
	fail "--allow-mixed, markdown: no note paragraph"
expect_exit 0 "$PTSTAT" compare "$R/ka" "$R/tb" "$R/c" --allow-mixed --format csv
{ head -n 1 "$T/out" | grep -q '^# NOTE: emulated timings\. tb ran .*MIXED: ka (kvm), c (native)' &&
	sed -n 2p "$T/out" | grep -q '^set,kernel,'; } || fail "--allow-mixed, csv: no note comment line before the header: $(head -n 2 "$T/out")"
expect_exit 0 "$PTSTAT" compare "$R/ka" "$R/tb" "$R/c" --allow-mixed --format json
jq_true "$T/out" '(.notes | length == 1) and (.notes[0] | startswith("NOTE: emulated timings. tb ran")
	and test("MIXED: ka \\(kvm\\), c \\(native\\)")) and
	(.sets | map(.accel) == ["kvm", "tcg", "native"]) and (.sets | map(.emulated) == [false, true, false])
	and .sets[1].tcg_threads == "single"' "--allow-mixed, json: notes and the sets' accel"
# Two TCG sets compare without --allow-mixed; multi-threaded TCG only: no single-threaded sentence.
expect_exit 0 "$PTSTAT" compare "$R/tc" "$R/tc" --format json
jq_true "$T/out" '(.notes | length == 1) and (.notes[0] | test("Single-threaded") | not) and
	(.notes[0] | test("MIXED") | not)' "two multi-threaded TCG sets: the note without single or mixed"
expect_exit 0 "$PTSTAT" compare "$R/tb" "$R/tc" --format json
jq_true "$T/out" '.notes[0] | startswith("NOTE: emulated timings. tb, tc ran") and test("Single-threaded")' \
	"TCG single and multi: both named, the single-threaded sentence"
# Native sets: no note at all.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/c" --format json
jq_true "$T/out" '.notes == [] and .failed == []' "native sets: no note"
# Without vm.accel, sysinfo's TCG CPUID evidence makes a set TCG too.
cp -r "$R/c" "$R/cpuid"
"$JQ" '.tlb_flush.evidence = "CPUID: TCGTCGTCGTCG (QEMU TCG emulation), which exposes no paravirtual TLB flush"' \
	"$R/c/system.json" >"$R/cpuid/system.json"
expect_exit 2 "$PTSTAT" compare "$R/a" "$R/cpuid"
grep -q 'cpuid ran under TCG (emulated) and a (native) did not' "$T/err" ||
	fail "sysinfo's TCG evidence: not taken as TCG: $(cat "$T/err")"
pass "TCG against KVM or native: exit 2 (compare, plot) unless --allow-mixed; the note in every format"

# --- entries that failed in the run (meta.json "failed"): said on top.
cp -r "$R/c" "$R/f"
"$JQ" -n '{schema: "ptbench-set/1", label: "f", failed: [
	{label: "gup-fast", round: 2, status: 139, src: "bench/b_gup_fast.c:212",
	 messages: ["walker started", "Segmentation fault"]},
	{label: "tlb-shootdown", round: null, status: 1, src: null, messages: []}]}' >"$R/f/meta.json"
want1='FAILED: gup-fast (round 2) in set f (exit 139, bench/b_gup_fast.c:212): Segmentation fault'
want2='FAILED: tlb-shootdown in set f (exit 1)'
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/f"
{ [ "$(head -n 2 "$T/out")" = "$want1
$want2" ] && [ -z "$(sed -n 3p "$T/out")" ]; } ||
	fail "failed entries: not on the first lines of compare: $(head -n 3 "$T/out")"
expect_exit 0 "$PTSTAT" show "$R/f"
[ "$(head -n 2 "$T/out")" = "$want1
$want2" ] || fail "failed entries: not on the first lines of show: $(head -n 3 "$T/out")"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/f" --format csv
[ "$(head -n 2 "$T/out")" = "# $want1
# $want2" ] || fail "failed entries: csv comment lines: $(head -n 3 "$T/out")"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/f" --format markdown
grep -qF '**FAILED: gup-fast (round 2) in set f (exit 139, bench/b\_gup\_fast.c:212): Segmentation fault**' "$T/out" ||
	fail "failed entries: markdown: $(grep FAILED "$T/out")"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/f" --format kernbench
[ "$(head -n 1 "$T/out")" = "$want1" ] || fail "failed entries: kernbench: $(head -n 2 "$T/out")"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/f" --format json
jq_true "$T/out" '.failed == [
	{set: "f", label: "gup-fast", round: 2, status: 139, src: "bench/b_gup_fast.c:212",
	 messages: ["walker started", "Segmentation fault"],
	 text: "FAILED: gup-fast (round 2) in set f (exit 139, bench/b_gup_fast.c:212): Segmentation fault"},
	{set: "f", label: "tlb-shootdown", round: null, status: 1, src: null, messages: [],
	 text: "FAILED: tlb-shootdown in set f (exit 1)"}]' "failed entries: json"
expect_exit 0 "$PTSTAT" show "$R/f" --format json
jq_true "$T/out" '.failed | length == 2 and .[0].label == "gup-fast"' "failed entries: show json"
# A meta.json without "failed", or none at all: nothing; a bad list: a problem, exit 1.
"$JQ" -n '{schema: "ptbench-set/1", label: "f"}' >"$R/f/meta.json"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/f" --format json
jq_true "$T/out" '.failed == []' "meta.json without failed: none"
"$JQ" -n '{failed: [{round: 1}, "x", {label: "ok-one", status: 2}]}' >"$R/f/meta.json"
expect_exit 1 "$PTSTAT" compare "$R/a" "$R/f" --format json
{ grep -qF "ptstat: $R/f/meta.json: failed[0]: want" "$T/err" &&
	grep -qF "ptstat: $R/f/meta.json: failed[1]: want" "$T/err"; } || fail "bad failed items: $(cat "$T/err")"
jq_true "$T/out" '.failed | length == 1 and .[0].label == "ok-one" and .[0].status == 2' \
	"bad failed items left out, the good one kept"
pass "failed entries: on the first lines of show and compare in every format; bad items reported"

# --- kernbench results: the table patch mails paste (DESIGN.md), exactly.
# kb_result DIR LOAD JOBS ELAPSED USER SYSTEM CPU SWITCHES SLEEPS: DIR/kb-LOAD.json,
# a result of workloads/kernbench with these samples (space-separated).
kb_result() {
	mkdir -p "$1"
	"$JQ" -n --arg load "$2" --argjson jobs "$3" --arg e "$4" --arg u "$5" --arg s "$6" \
		--arg c "$7" --arg w "$8" --arg z "$9" '
		def m(unit; better; s): {unit: unit, better: better,
			samples: (s | split(" ") | map(tonumber))};
		{schema: "ptbench/1", bench: "kernbench", label: "kb-\($load)",
		 params: {load: $load, jobs: $jobs, runs: 5, reps: 5},
		 metrics: {elapsed_s: m("s"; "lower"; $e), user_s: m("s"; "lower"; $u),
			system_s: m("s"; "lower"; $s), percent_cpu: m("%"; "info"; $c),
			context_switches: m("switches"; "info"; $w), sleeps: m("sleeps"; "info"; $z)}}' \
		>"$1/kb-$2.json"
}
K=$T/kernbench
kb_result "$K/CURRENT" half 3 "400.2 400.4 400.5 400.6 400.8" "1098.5 1098.6 1098.7 1098.8 1099" \
	"100.1 100.2 100.3 100.4 100.5" "299 299 299 299 299" "5700 5750 5775 5800 5845" \
	"87500 87600 87620 87650 87735"
kb_result "$K/HAVE_RCU_TABLE_FREE" half 3 "399.7 399.8 399.9 400 400.15" \
	"1097.3 1097.5 1097.6 1097.7 1097.85" "99.5 99.6 99.75 99.8 99.9" "299 299 299 299 299" \
	"5650 5700 5750 5800 5822" "87450 87550 87600 87630 87700"
kb_result "$K/CURRENT" optimal 6 "221.4 221.6 221.7 221.9 222" "1201.1 1201.3 1201.4 1201.6 1201.8" \
	"110.2 110.4 110.5 110.7 110.9" "593 594 594 595 595" "40100 40200 40300 40400 40500" \
	"93000 93100 93150 93200 93300"
kb_result "$K/HAVE_RCU_TABLE_FREE" optimal 6 "221.2 221.3 221.5 221.6 221.9" \
	"1200.9 1201 1201.2 1201.4 1201.5" "109.9 110 110.2 110.3 110.6" "594 594 594 595 595" \
	"40000 40150 40250 40300 40400" "92950 93050 93100 93200 93250"
kb_result "$K/CURRENT" maximal '"unlimited"' "230.1 230.5 230.8 231 231.6" \
	"1250.2 1250.6 1251 1251.4 1251.8" "118.3 118.5 118.8 119 119.4" "594 595 595 596 596" \
	"60100 60400 60500 60700 61000" "95000 95200 95300 95500 95600"
kb_result "$K/HAVE_RCU_TABLE_FREE" maximal '"unlimited"' "229.9 230.2 230.6 230.9 231.4" \
	"1249.8 1250.1 1250.5 1251 1251.6" "118 118.3 118.6 118.9 119.2" "595 595 596 596 596" \
	"60000 60300 60450 60600 60900" "94900 95100 95250 95400 95500"
for s in CURRENT HAVE_RCU_TABLE_FREE; do
	tf=direct
	[ "$s" = CURRENT ] || tf=rcu
	"$JQ" -n --arg tf "$tf" '{kernel: {release: "4.13.0-rc5"}, tlb_flush: {mode: "pv-hyperv"},
		table_free: {mode: $tf}}' >"$K/$s/system.json"
done
# Every mean and sd below checked with Python's statistics.mean and stdev
# (%.6g), e.g. Elapsed Time of CURRENT's half load: 400.2 .. 400.8 has mean
# 400.5 and squared deviations 0.09+0.01+0+0.01+0.09 = 0.2, sd sqrt(0.2/4) =
# 0.223607 (hand). Blocks in kernbench's order (half, optimal, maximal),
# not the files' (half, maximal, optimal).
(cd "$K" && "$PTSTAT" compare CURRENT HAVE_RCU_TABLE_FREE --format kernbench) >"$T/kb.txt" ||
	fail "kernbench: ptstat compare failed"
cat >"$T/kb.want" <<'EOF'
Sets (CURRENT is the baseline):
  set                  kernel      TLB flush  table free  accel   directory
  CURRENT              4.13.0-rc5  pv-hyperv  direct      native  CURRENT
  HAVE_RCU_TABLE_FREE  4.13.0-rc5  pv-hyperv  rcu         native  HAVE_RCU_TABLE_FREE

Average Half load -j 3 Run (std deviation):
CURRENT                             HAVE_RCU_TABLE_FREE
=======                             ===================
Elapsed Time 400.5 (0.223607)       Elapsed Time 399.91 (0.174642)
User Time 1098.72 (0.192354)        User Time 1097.59 (0.207364)
System Time 100.3 (0.158114)        System Time 99.71 (0.159687)
Percent CPU 299 (0)                 Percent CPU 299 (0)
Context Switches 5774 (54.2448)     Context Switches 5744.4 (70.7587)
Sleeps 87621 (85.0294)              Sleeps 87586 (93.4345)

Average Optimal load -j 6 Run (std deviation):
CURRENT                             HAVE_RCU_TABLE_FREE
=======                             ===================
Elapsed Time 221.72 (0.238747)      Elapsed Time 221.5 (0.273861)
User Time 1201.44 (0.270185)        User Time 1201.2 (0.254951)
System Time 110.54 (0.270185)       System Time 110.2 (0.273861)
Percent CPU 594.2 (0.83666)         Percent CPU 594.4 (0.547723)
Context Switches 40300 (158.114)    Context Switches 40220 (152.48)
Sleeps 93150 (111.803)              Sleeps 93110 (119.373)

Average Maximal load -j Run (std deviation):
CURRENT                             HAVE_RCU_TABLE_FREE
=======                             ===================
Elapsed Time 230.8 (0.561249)       Elapsed Time 230.6 (0.587367)
User Time 1251 (0.632456)           User Time 1250.6 (0.717635)
System Time 118.8 (0.430116)        System Time 118.6 (0.474342)
Percent CPU 595.2 (0.83666)         Percent CPU 595.6 (0.547723)
Context Switches 60540 (336.155)    Context Switches 60450 (335.41)
Sleeps 95320 (238.747)              Sleeps 95230 (238.747)
EOF
diff -u "$T/kb.want" "$T/kb.txt" >&2 || fail "kernbench: the patch-mail table differs from the fixture (above)"
pass "kernbench: the patch-mail table of two hand-written kernbench sets, exactly as the fixture"

expect_exit 0 "$PTSTAT" compare --help
for word in Welch Mann-Whitney Benjamini-Hochberg Holm '--min-change' 'practical' \
	'ptstat-compare/1' 'comparisons' 'kernbench'; do
	grep -q -- "$word" "$T/out" || fail "compare --help does not mention '$word'"
done
pass "compare --help explains the statistics, the rule and the formats"
