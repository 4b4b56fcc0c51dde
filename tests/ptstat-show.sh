#!/usr/bin/env bash
# ptstat show: known samples give known figures in every format.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq

# One real result as the template of the synthetic ones, so that they
# carry every field a real one has.
expect_exit 0 "$PTBENCH" run mmap-churn --duration 0.2 --reps 2 --warmup 0 -q \
	-o "$T/template.json"

# metric NAME UNIT BETTER SAMPLE...: one member of a "metrics" object.
metric() {
	local name=$1 unit=$2 better=$3
	shift 3
	printf '"%s":{"unit":"%s","better":"%s","samples":[%s]}' \
		"$name" "$unit" "$better" "$(IFS=,; echo "$*")"
}

# result DIR LABEL METRICS: DIR/LABEL.json with these metrics ({...}) and
# params.reps (and every counter) fitted to their sample count.
result() {
	mkdir -p "$1"
	"$JQ" --arg lbl "$2" --argjson metrics "$3" '
		.label = $lbl
		| .params.reps = ([$metrics[].samples | length] | max)
		| .params.reps as $reps
		| .metrics = $metrics
		| .command = ["ptbench", "run", .bench, "--size", "128M", "--touch", "none",
			"--duration", "0.2", "--reps=\($reps)", "-q", "-o", "\($lbl).json"]
		| .counters |= map_values(if .supported then
			.samples = [range($reps) as $i | .samples[0]] else . end)
		| .kernel.release = "6.18.44-test" | .kernel.tlb_flush_mode = "ipi"
		| .kernel.table_free = "direct"' \
		"$T/template.json" >"$1/$2.json"
	validate_result "$1/$2.json"
}

set_a=$T/results/a
result "$set_a" mmap-churn "{$(metric ops_per_sec ops/s higher 10 12 14),
	$(metric ns_per_op ns lower 100 100 100),
	$(metric page_faults_per_op faults info 64 64 64)}"
result "$set_a" kb-half "{$(metric elapsed_s s lower 400.3 400.5 400.7),
	$(metric user_s s lower 1018 1018.5 1019),
	$(metric context_switches count info 92548 92550 92552)}"
# No system.json: the kernel comes from the results themselves.

# text: n, mean, sd, CV, min, max on the metric's line.
expect_exit 0 "$PTSTAT" show "$set_a"
# No system.json: the kernel and paths from the results, the accelerator unknown.
{ [ "$(head -n 1 "$T/out")" = "Set:" ] &&
	grep -Eq "^  a +6\.18\.44-test +ipi +direct +unknown +$set_a\$" "$T/out"; } ||
	fail "text: no set table naming the set and its kernel: $(head -n 3 "$T/out")"
grep -Eq '^  ops_per_sec +ops/s +3 +12 +2 +16\.67% +10 +14$' "$T/out" ||
	fail "text: ops_per_sec is not 'n 3, mean 12, sd 2, CV 16.67%, min 10, max 14': $(cat "$T/out")"
grep -Eq '^  elapsed_s +s +3 +400\.5 +0\.2 +0\.05% +400\.3 +400\.7$' "$T/out" ||
	fail "text: elapsed_s is not '3 400.5 0.2 0.05% 400.3 400.7': $(cat "$T/out")"
grep -q 'note: ns_per_op: zero variance' "$T/out" ||
	fail "text: no zero-variance note for ns_per_op: $(cat "$T/out")"
if grep -q 'note: page_faults_per_op' "$T/out"; then
	fail "text: a zero-variance note for an info metric, where a constant is expected"
fi
grep -q '^mmap-churn (mmap-churn --size 128M --touch none)$' "$T/out" ||
	fail "text: no heading 'mmap-churn (mmap-churn --size 128M --touch none)' for the entry"
grep -q 'sample standard deviation (n-1)' "$T/out" || fail "text: the output does not say what sd is"
pass "text: n 3, mean 12, sd 2, CV 16.67%, min 10, max 14; zero variance noted"

# csv: one row per entry and metric, full precision.
expect_exit 0 "$PTSTAT" show "$set_a" --format csv
head -1 "$T/out" | grep -q '^set,kernel,tlb_flush,table_free,entry,bench,description,metric,unit,better,n,mean,sd,cv_pct,min,max$' ||
	fail "csv: unexpected header: $(head -1 "$T/out")"
[ "$(wc -l <"$T/out")" -eq 7 ] || fail "csv: want a header and 6 rows, got $(wc -l <"$T/out") lines"
awk -F, '$8 == "ops_per_sec" {
	found = 1
	if ($1 != "a" || $2 != "6.18.44-test" || $5 != "mmap-churn" || $9 != "ops/s" ||
	    $10 != "higher" || $11 != 3 || $12 != 12 || $13 != 2 || $15 != 10 || $16 != 14 ||
	    $14 < 16.666 || $14 > 16.667) exit 1
} END { exit !found }' "$T/out" || fail "csv: the ops_per_sec row is wrong: $(grep ops_per_sec "$T/out")"
pass "csv: header and the ops_per_sec row (3, 12, 2, 16.67, 10, 14)"

# json: the same figures, typed.
expect_exit 0 "$PTSTAT" show "$set_a" --format json
cp "$T/out" "$T/show.json"
jq_true "$T/show.json" '.schema == "ptstat-show/1" and .set.label == "a" and
	.set.kernel == "6.18.44-test" and .set.tlb_flush == "ipi" and .set.table_free == "direct"' \
	"json: schema and set"
jq_true "$T/show.json" '.entries[] | select(.label == "mmap-churn") | .metrics[]
	| select(.name == "ops_per_sec") | .n == 3 and .mean == 12 and .sd == 2 and
	(.cv_pct * 100 | round) == 1667 and .min == 10 and .max == 14 and
	.unit == "ops/s" and .better == "higher"' "json: ops_per_sec figures"
jq_true "$T/show.json" '[.entries[].label] == ["kb-half", "mmap-churn"]' \
	"json: entries in file-name order"
jq_true "$T/show.json" '.entries[] | select(.label == "mmap-churn") |
	any(.notes[]; test("ns_per_op: zero variance"))' "json: zero-variance note"
pass "json: schema, set, figures and notes"

# kernbench: its exact block format, its names for its own metrics.
expect_exit 0 "$PTSTAT" show "$set_a" --format kernbench
cat >"$T/want" <<'EOF'
Average kb-half Run (std deviation):
Elapsed Time 400.5 (0.2)
User Time 1018.5 (0.5)
Context Switches 92550 (2)

Average mmap-churn Run (std deviation):
ops_per_sec 12 (2)
ns_per_op 100 (0)
page_faults_per_op 64 (0)
EOF
diff -u "$T/want" "$T/out" >&2 || fail "kernbench: the blocks differ from kernbench's format"
pass "kernbench: exact blocks, 'Elapsed Time 400.5 (0.2)'"

# markdown: a GitHub table per entry.
expect_exit 0 "$PTSTAT" show "$set_a" --format markdown
grep -q '^| ops\\_per\\_sec | ops/s | 3 | 12 | 2 | 16.67% | 10 | 14 |$' "$T/out" ||
	fail "markdown: no table row for ops_per_sec: $(cat "$T/out")"
grep -q '^| --- | --- | ---: |' "$T/out" || fail "markdown: no table header separator"
grep -q '^### mmap-churn$' "$T/out" || fail "markdown: no heading for mmap-churn"
pass "markdown: a table per entry"

# -o writes the same, atomically: no temporary file left.
expect_exit 0 "$PTSTAT" show "$set_a" --format=csv -o "$T/show.csv"
[ ! -s "$T/out" ] || fail "-o: also wrote to standard output"
"$PTSTAT" show "$set_a" --format csv | cmp -s - "$T/show.csv" || fail "-o: the file differs from stdout"
if compgen -G "$T/.show.csv.*" >/dev/null; then
	fail "-o: left a temporary file: $(ls -A "$T")"
fi
pass "-o FILE writes the table and nothing else"

# n=1: shown, without a standard deviation.
result "$T/results/one" mmap-churn "{$(metric ops_per_sec ops/s higher 270007)}"
expect_exit 0 "$PTSTAT" show "$T/results/one"
grep -Eq '^  ops_per_sec +ops/s +1 +270007 +- +- +270007 +270007$' "$T/out" ||
	fail "n=1: the line is not '1 270007 - - 270007 270007': $(cat "$T/out")"
grep -q 'n=1: no standard deviation' "$T/out" || fail "n=1: not said: $(cat "$T/out")"
expect_exit 0 "$PTSTAT" show "$T/results/one" --format json
jq_true "$T/out" '.entries[0].metrics[0] | .n == 1 and .mean == 270007 and .sd == null' \
	"n=1: json sd is null"
pass "n=1: shown, 'no standard deviation'"

expect_exit 0 "$PTSTAT" show --help
for word in 'n - 1' 'CV' '--format' 'kernbench' 'Exit status'; do
	grep -q -- "$word" "$T/out" || fail "show --help does not mention '$word'"
done
pass "show --help"
