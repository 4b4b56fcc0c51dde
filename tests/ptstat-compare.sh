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

# system DIR TLB_FLUSH TABLE_FREE: DIR/system.json naming the kernel after DIR.
system() {
	"$JQ" --arg kernel "$(basename "$1")-kernel" --arg tlb "$2" --arg tf "$3" '
		.kernel.release = $kernel | .tlb_flush.mode = $tlb | .table_free.mode = $tf' \
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
grep -Eq '^ +a: a-kernel pv-kvm rcu-free +b: b-kernel pv-kvm rcu-free$' "$T/ab.txt" ||
	fail "text: no column header naming the sets and kernels: $(cat "$T/ab.txt")"
grep -Eq '^  ops_per_sec +ops/s +270000 \(853\.81\) +256500 \(811\.12\) +-5\.00% +worse$' "$T/ab.txt" ||
	fail "text: ops_per_sec line: $(grep ops_per_sec "$T/ab.txt")"
grep -Eq '^  ns_per_op +ns +7400 \(23\.401\) +7400 \(23\.401\) +\+0\.00% +no change$' "$T/ab.txt" ||
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
pass "text: side-by-side, 'worse', 'no change', 'only in a', the rule in the footer"

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
a: a-kernel pv-kvm rcu-free|b: b-kernel pv-kvm rcu-free
Elapsed Time 400 (1.58114)|Elapsed Time 399 (1.58114)|-0.25%|no change
User Time 1018 (3.2192)|User Time 1018 (3.2192)|+0.00%|no change

EOF
diff -u "$T/want" "$T/kb" >&2 || fail "kernbench: the kb-half block is not as expected"
# The second set's column starts under its name.
awk '/^a: a-kernel/ { col = index($0, "b: b-kernel") }
	/^Elapsed Time 400/ { ok = col > 0 && index($0, "Elapsed Time 399") == col }
	END { exit !ok }' "$T/out" || fail "kernbench: b's column is not under its header"
grep -Eq '^ops_per_sec 270000 \(853\.815\) +ops_per_sec 256500 \(811\.124\) +-5\.00% +worse$' "$T/out" ||
	fail "kernbench: ops_per_sec line: $(grep ops_per_sec "$T/out")"
grep -q 'Benjamini-Hochberg' "$T/out" || fail "kernbench: the footer does not name the correction"
pass "kernbench: side-by-side blocks with change and verdict"

# --- markdown and csv.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --format markdown
grep -q '^| metric | unit | a: a-kernel pv-kvm rcu-free (baseline) | b: b-kernel pv-kvm rcu-free | change b | verdict b |$' "$T/out" ||
	fail "markdown: table header: $(grep '^| metric' "$T/out" | head -1)"
grep -q '^| ops\\_per\\_sec | ops/s | 270000 (853.81) | 256500 (811.12) | -5.00% | worse |$' "$T/out" ||
	fail "markdown: ops_per_sec row: $(grep ops "$T/out")"
grep -q '^| ns\\_per\\_op | ns | 7400 (23.401) | 7400 (23.401) | +0.00% | no significant change |$' "$T/out" ||
	fail "markdown: ns_per_op row"
grep -q 'Benjamini-Hochberg' "$T/out" || fail "markdown: the rule is missing"
pass "markdown: GitHub tables"

expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" --format csv -o "$T/ab.csv"
head -1 "$T/ab.csv" | grep -q '^set,kernel,tlb_flush,table_free,baseline,entry,bench,description,metric,unit,better,n,mean,sd,cv_pct,min,max,change_pct,ci_lo,ci_hi,welch_p,mwu_p,adj_p,verdict,alpha,min_change_pct,correction$' ||
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
pass "csv: one row per entry, metric and set"

# --- three sets: each against the first.
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" "$R/c" --format json
only_changes "$T/out" "mmap-churn-1t ns_per_op c better
mmap-churn-1t ops_per_sec b worse" "a vs b vs c"
jq_true "$T/out" '.n_tests == 12 and (.entries[1].metrics[0] | (.per_set | length) == 3
	and (.comparisons | map(.set)) == ["b", "c"])' "a vs b vs c: two comparisons per metric"
expect_exit 0 "$PTSTAT" compare "$R/a" "$R/b" "$R/c"
grep -Eq '^  ops_per_sec +ops/s +270000 \(853\.81\) +256500 \(811\.12\) +-5\.00% +worse +270000 \(853\.81\) +\+0\.00% +no change$' "$T/out" ||
	fail "three sets, text: ops_per_sec line: $(grep ops_per_sec "$T/out")"
grep -Eq 'c: c-kernel pv-kvm rcu-free$' "$T/out" || fail "three sets, text: no column for c"
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

expect_exit 0 "$PTSTAT" compare --help
for word in Welch Mann-Whitney Benjamini-Hochberg Holm '--min-change' 'practical' \
	'ptstat-compare/1' 'comparisons' 'kernbench'; do
	grep -q -- "$word" "$T/out" || fail "compare --help does not mention '$word'"
done
pass "compare --help explains the statistics, the rule and the formats"
