#!/usr/bin/env bash
# ptstat on bad input: one clear message naming the file and the field,
# exit status 2 when nothing useful can be printed, 1 when the rest was.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq

expect_exit 0 "$PTBENCH" run mmap-churn --duration 0.2 --reps 2 --warmup 0 -q \
	-o "$T/template.json"

# A valid result with three repetitions, and the sets built from it.
"$JQ" '.label = "mmap" | .params.reps = 3
	| .metrics = {ops_per_sec: {unit: "ops/s", better: "higher", samples: [10, 12, 14]},
	              ns_per_op: {unit: "ns", better: "lower", samples: [100, 90, 80]}}
	| .counters |= map_values(if .supported then .samples = [1, 2, 3] else . end)' \
	"$T/template.json" >"$T/good.json"
validate_result "$T/good.json"

# variant NAME JQ-FILTER: the set $T/NAME holding mmap.json = good.json | FILTER.
variant() {
	mkdir -p "$T/$1"
	"$JQ" "$2" "$T/good.json" >"$T/$1/mmap.json"
}

# bad2 WANT ARGS...: exit 2, nothing on stdout, WANT (a fixed string) on stderr.
bad2() {
	local want=$1
	shift
	expect_exit 2 "$PTSTAT" "$@"
	grep -qF -- "$want" "$T/err" || fail "ptstat $*: the message does not say '$want': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "ptstat $*: wrote to stdout: $(head -c 300 "$T/out")"
	pass "ptstat $* -> $(head -1 "$T/err")"
}

# --- result files that cannot be used: the file and the field are named.
mkdir -p "$T/trunc"
head -c 200 "$T/good.json" >"$T/trunc/mmap.json"
bad2 "ptstat: $T/trunc/mmap.json: not valid JSON (line " show "$T/trunc"

variant schema '.schema = "ptbench/9"'
bad2 "ptstat: $T/schema/mmap.json: schema: is 'ptbench/9', this ptstat reads only 'ptbench/1'" \
	show "$T/schema"

# null is a repetition that gave no value: left out, the others shown.
variant null '.metrics.ops_per_sec.samples[2] = null'
expect_exit 0 "$PTSTAT" show "$T/null" --format json
jq_true "$T/out" '[.entries[].metrics[] | select(.name == "ops_per_sec") | .n] == [2]' \
	"a null sample: ops_per_sec has n 2 of 3 repetitions"
pass "a null sample is left out, not refused"
variant allnull '.metrics.ops_per_sec.samples = [null, null, null]'
expect_exit 0 "$PTSTAT" show "$T/allnull" --format json
jq_true "$T/out" '[.entries[].metrics[] | select(.name == "ops_per_sec")] == []' \
	"a metric with only null samples is not shown"
pass "a metric no repetition gave is left out"

# jq cannot write NaN: put the token in the text.
mkdir -p "$T/nan"
"$JQ" -c '.metrics.ns_per_op.samples[1] = "NAN-HERE"' "$T/good.json" |
	sed 's/"NAN-HERE"/NaN/' >"$T/nan/mmap.json"
bad2 "ptstat: $T/nan/mmap.json: not valid JSON (line 1, column" show "$T/nan"
grep -qF "every sample must be finite" "$T/err" || fail "NaN: the message does not say why"

variant string '.metrics.ns_per_op.samples[0] = "fast"'
bad2 "ptstat: $T/string/mmap.json: metrics.ns_per_op.samples[0]: not a finite number or null (a string)" \
	show "$T/string"

variant nometrics 'del(.metrics)'
bad2 "ptstat: $T/nometrics/mmap.json: metrics: missing" show "$T/nometrics"

variant emptymetrics '.metrics = {}'
bad2 "ptstat: $T/emptymetrics/mmap.json: metrics: is empty, want a non-empty object" \
	show "$T/emptymetrics"

variant better '.metrics.ops_per_sec.better = "faster"'
bad2 "ptstat: $T/better/mmap.json: metrics.ops_per_sec.better: is 'faster', want higher, lower or info" \
	show "$T/better"

variant unit '.metrics.ns_per_op.unit = 7'
bad2 "ptstat: $T/unit/mmap.json: metrics.ns_per_op.unit: is a number, want a string" \
	show "$T/unit"

variant reps '.params.reps = 4'
bad2 "ptstat: $T/reps/mmap.json: metrics.ops_per_sec.samples: has 3 values, but params.reps is 4" \
	show "$T/reps"

variant repstype '.params.reps = "3"'
bad2 "ptstat: $T/repstype/mmap.json: params.reps: is a string, want a whole number" \
	show "$T/repstype"

variant nolabel 'del(.label)'
bad2 "ptstat: $T/nolabel/mmap.json: label: missing" show "$T/nolabel"

variant array '[.]'
bad2 "ptstat: $T/array/mmap.json: the document is an array, want an object" show "$T/array"

# --- sets that are not there.
bad2 "ptstat: $T/nosuch: cannot read the result set: No such file or directory" show "$T/nosuch"
bad2 "ptstat: $T/good.json: not a directory" show "$T/good.json"
mkdir -p "$T/empty"
cp "$T/good.json" "$T/empty/commands"
printf '{}\n' >"$T/empty/system.json"
bad2 "ptstat: $T/empty: no result file" show "$T/empty"
bad2 "ptstat: $T/nosuch: cannot read the result set" compare "$T/null" "$T/nosuch"

# --- the command line.
bad2 "ptstat show: unknown option '--frob' (see ptstat show --help)" show "$T/null" --frob
bad2 "ptstat compare: unknown option '--jobs'" compare "$T/null" "$T/null" --jobs 2
bad2 "ptstat: unknown command 'summarize' (see ptstat --help)" summarize "$T/null"
bad2 "--format must be text, markdown, csv, json or kernbench, not 'yaml'" show "$T/null" --format yaml
bad2 "option --format needs a value" show "$T/null" --format
bad2 "--alpha must be a number between 0 and 1, not '0'" compare "$T/null" "$T/null" --alpha 0
bad2 "--alpha must be a number between 0 and 1, not '5%'" compare "$T/null" "$T/null" --alpha 5%
bad2 "--min-change must be a percentage of at least 0, not '-1'" compare "$T/null" "$T/null" --min-change -1
bad2 "--correction must be bh or holm, not 'bonferroni'" compare "$T/null" "$T/null" --correction bonferroni
bad2 "at least two result sets are needed" compare "$T/null"
bad2 "one result set at a time" show "$T/null" "$T/null"
bad2 "-o DIR is needed" plot "$T/null"
bad2 "--jobs must be a whole number from 1 to 4096, not '0'" plot "$T/null" -o "$T/plots" --jobs 0
bad2 "option --verbose takes no value" compare "$T/null" "$T/null" --verbose=yes
bad2 "ptstat: cannot write $T/no/dir/out.txt" compare "$T/null" "$T/null" -o "$T/no/dir/out.txt"
expect_exit 2 "$PTSTAT"
grep -q '^Usage: ptstat show' "$T/err" || fail "ptstat alone: no usage on stderr"
pass "ptstat alone -> usage on stderr, exit 2"

# -o and a failure: neither the file nor a temporary one is left behind.
bad2 "cannot read the result set" compare "$T/nosuch" "$T/nosuch" -o "$T/cmp.txt"
if [ -e "$T/cmp.txt" ] || compgen -G "$T/.cmp.txt.*" >/dev/null; then
	fail "a failed compare -o left a file: $(ls -A "$T")"
fi
pass "a failed compare -o leaves no file"

# --- one bad file among good ones: the rest is shown, exit 1, the file named.
mkdir -p "$T/mixed"
cp "$T/good.json" "$T/mixed/mmap.json"
"$JQ" '.label = "other"' "$T/good.json" | head -c 300 >"$T/mixed/other.json"
expect_exit 1 "$PTSTAT" show "$T/mixed" --format json
jq_true "$T/out" '[.entries[].label] == ["mmap"]' "mixed: the good entry is shown"
grep -qF "ptstat: $T/mixed/other.json: not valid JSON" "$T/err" ||
	fail "mixed: the bad file is not named: $(cat "$T/err")"
grep -qF "1 problem found in the input" "$T/err" || fail "mixed: no summary of the problems"
pass "a bad file among good ones: the rest shown, the file named, exit 1"

# In a comparison the left-out entry shows as missing, never silently.
mkdir -p "$T/base"
cp "$T/good.json" "$T/base/mmap.json"
"$JQ" '.label = "other"' "$T/good.json" >"$T/base/other.json"
expect_exit 1 "$PTSTAT" compare "$T/base" "$T/mixed"
grep -Eq '^other .*only in base$' "$T/out" || fail "compare: the left-out entry is not listed: $(cat "$T/out")"
grep -Eq 'missing in mixed$' "$T/out" || fail "compare: no 'missing in mixed'"
pass "compare: an entry left out of one set is listed as missing there"

# Two files with one label: the second is refused, by name.
"$JQ" '.metrics.ops_per_sec.samples = [1, 2, 3]' "$T/good.json" >"$T/base/mmap2.json"
expect_exit 1 "$PTSTAT" show "$T/base"
grep -qF "ptstat: $T/base/mmap2.json: label: 'mmap' is also the label of $T/base/mmap.json" "$T/err" ||
	fail "duplicate label: $(cat "$T/err")"
grep -Eq '^  ops_per_sec +ops/s +3 +12 +2 ' "$T/out" || fail "duplicate label: the first file is not the one shown"
rm "$T/base/mmap2.json"
pass "two entries with one label: the second is refused"

# A broken system.json: said, and the kernel taken from the results.
printf '{"kernel": ' >"$T/base/system.json"
expect_exit 1 "$PTSTAT" show "$T/base"
grep -qF "ptstat: $T/base/system.json: not valid JSON" "$T/err" || fail "system.json: $(cat "$T/err")"
release=$("$JQ" -r .kernel.release "$T/good.json")
grep -qF "  base  $release  " "$T/out" || fail "system.json: the kernel is not taken from the results"
rm "$T/base/system.json"
pass "a broken system.json is reported; the results name the kernel"

# --- n=1: shown, without a standard deviation; compare gives no verdict.
variant one '.params.reps = 1 | .metrics |= map_values(.samples |= .[:1])'
expect_exit 0 "$PTSTAT" show "$T/one"
grep -q 'n=1: no standard deviation' "$T/out" || fail "n=1: not said: $(cat "$T/out")"
grep -Eq '^  ops_per_sec +ops/s +1 +10 +- +- +10 +10$' "$T/out" || fail "n=1: the line: $(cat "$T/out")"
expect_exit 0 "$PTSTAT" compare "$T/base" "$T/one" --format json
jq_true "$T/out" '[.entries[] | select(.label == "mmap") | .metrics[].comparisons[0].verdict]
	== ["n=1: no verdict", "n=1: no verdict"]' "n=1: compare gives no verdict"
pass "n=1: 'no standard deviation', and no verdict"
