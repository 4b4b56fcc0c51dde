#!/usr/bin/env bash
# ptstat report: one comparison, every file of the report directory; the
# tables are byte for byte what ptstat compare prints, index.html is valid
# HTML that shows the sets, a verdict per judged metric and the forest plot,
# plots.json lists files that exist; a failure, bad input or SIGINT leaves
# no report and an old one untouched; TCG mixed with native is refused.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq
command -v gnuplot >/dev/null 2>&1 || skip "gnuplot is not installed (Debian package gnuplot-nox)"
command -v xmllint >/dev/null 2>&1 || skip "xmllint is not installed (Debian package libxml2-utils)"

# ---- two small sets from real runs ----------------------------------------------

expect_exit 0 "$PTBENCH" sysinfo --no-probe
cp "$T/out" "$T/system.json"
for set in base new; do
	mkdir -p "$T/$set"
	expect_exit 0 "$PTBENCH" run mmap-churn --iterations 300 --reps 3 -q \
		--label mmap-churn -o "$T/$set/mmap-churn.json"
	expect_exit 0 "$PTBENCH" run pt-teardown --tables 16 --iterations 200 --reps 3 -q \
		--label pt-teardown-16 -o "$T/$set/pt-teardown-16.json"
	cp "$T/system.json" "$T/$set/system.json"
done
pass "two sets made with ptbench run (mmap-churn, pt-teardown; 3 reps each)"

# valid_html FILE DESC: fail unless xmllint reads FILE without a word, as
# HTML and as XML (polyglot markup: XML tools can read the page too).
valid_html() {
	xmllint --html --noout "$1" 2>"$T/xml" || fail "$2: xmllint --html failed"
	[ ! -s "$T/xml" ] || fail "$2 is not valid HTML: $(head -5 "$T/xml")"
	xmllint --noout "$1" 2>"$T/xml" || fail "$2 is not well-formed XML: $(head -5 "$T/xml")"
}

# ---- the report -------------------------------------------------------------------

R=$T/reports/r
expect_exit 0 "$PTSTAT" report "$R" "$T/base" "$T/new" --jobs 2
cmp -s "$T/out" "$R/table.txt" || fail "stdout is not table.txt: $(head -3 "$T/out")"
grep -q "report is in $R" "$T/err" || fail "no word of where the report is: $(cat "$T/err")"
for f in table.txt table.md table.csv verdicts.json kernbench.txt index.html plots/plots.json \
	plots/forest.png plots/forest.svg; do
	[ -s "$R/$f" ] || fail "the report lacks $f (or it is empty): $(ls "$R")"
done
pass "every file is there and not empty; stdout is table.txt"

for pair in text:table.txt markdown:table.md csv:table.csv json:verdicts.json \
	kernbench:kernbench.txt; do
	expect_exit 0 "$PTSTAT" compare "$T/base" "$T/new" --format "${pair%%:*}"
	cmp -s "$T/out" "$R/${pair#*:}" ||
		fail "${pair#*:} differs from ptstat compare --format ${pair%%:*}: $(diff "$T/out" "$R/${pair#*:}" | head -5)"
done
pass "table.txt, table.md, table.csv, verdicts.json, kernbench.txt: byte for byte ptstat compare's"

# The options reach every file, and --format picks what stdout shows.
R2=$T/reports/r2
expect_exit 0 "$PTSTAT" report "$R2" "$T/base" "$T/new" --alpha 0.01 --min-change 5 \
	--correction holm --format json --title 'Patch <v2> & "friends"'
cmp -s "$T/out" "$R2/verdicts.json" || fail "--format json: stdout is not verdicts.json"
expect_exit 0 "$PTSTAT" compare "$T/base" "$T/new" --alpha 0.01 --min-change 5 \
	--correction holm --format markdown
cmp -s "$T/out" "$R2/table.md" || fail "--alpha, --min-change, --correction did not reach table.md"
jq_true "$R2/verdicts.json" '.alpha == 0.01 and .min_change_pct == 5 and .correction == "holm"' \
	"verdicts.json: the options given"
grep -q '<title>Patch &lt;v2&gt; &amp; &quot;friends&quot;</title>' "$R2/index.html" ||
	fail "--title: not in <title>, escaped: $(grep -o '<title>.*</title>' "$R2/index.html")"
grep -q 'Holm over' "$R2/index.html" || fail "index.html does not name the Holm correction"
pass "--alpha, --min-change, --correction reach every file; --format json; --title escaped"

# ---- index.html -------------------------------------------------------------------

H=$R/index.html
valid_html "$H" index.html
valid_html "$R2/index.html" "index.html with a title to escape"
grep -q '^<!DOCTYPE html>' "$H" || fail "index.html lacks the HTML5 doctype"
! grep -qi '<script' "$H" || fail "index.html holds a script"
for label in base new; do
	grep -q "<strong>$label</strong>" "$H" || fail "index.html does not show the set $label"
done
grep -q "ptbench $("$PTSTAT" --version | awk '{ print $NF }')" "$H" ||
	fail "index.html does not give the version"
grep -q 'alpha = 0.05, minimum change 2%' "$H" || fail "index.html does not give alpha and min-change"

# The text tables verbatim, for a patch mail: the Nth <pre> block, unescaped.
pre_block() {
	awk -v n="$1" '/^<pre>$/ { k++; if (k == n) { on = 1; next } } /^<\/pre>$/ { on = 0 } on' "$H" |
		sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/'"'"'/g; s/&amp;/\&/g'
}
pre_block 1 | cmp -s - "$R/table.txt" || fail "the first <pre> of index.html is not table.txt"
pre_block 2 | cmp -s - "$R/kernbench.txt" || fail "the second <pre> of index.html is not kernbench.txt"

# A verdict class per judged comparison, and as many of each as verdicts.json has.
"$JQ" -r '[.entries[].metrics[].comparisons[].verdict] |
	"\(map(select(. == "better")) | length) \(map(select(. == "worse")) | length) \(map(select(. == "no significant change")) | length)"' \
	"$R/verdicts.json" >"$T/counts"
read -r n_better n_worse n_same <"$T/counts"
[ "$((n_better + n_worse + n_same))" -ge 4 ] || fail "only $((n_better + n_worse + n_same)) judged metrics"
for v in better:"$n_better" worse:"$n_worse" same:"$n_same"; do
	got=$(grep -o "<td class=\"v ${v%%:*}\">" "$H" | wc -l)
	[ "$got" -eq "${v#*:}" ] ||
		fail "index.html has $got cells of class 'v ${v%%:*}', verdicts.json ${v#*:}"
done
info=$("$JQ" '[.entries[].metrics[] | select(.better == "info")] | length' "$R/verdicts.json")
[ "$(grep -o '<td class="v info">' "$H" | wc -l)" -eq "$info" ] || fail "info cells: want $info"
pass "index.html: valid HTML, the sets, version, alpha; verdict cells $n_better better, $n_worse worse, $n_same same, $info info"

# The forest plot: first picture, on disk, one row per judged comparison.
first_img=$(grep -o '<img src="[^"]*"' "$H" | head -1 | sed 's/.*src="//; s/"$//')
[ "$first_img" = plots/forest.png ] || fail "the first picture is $first_img, not the forest plot"
[ "$(od -An -tx1 -N8 "$R/$first_img" | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "$first_img is not a PNG"
grep -q 'href="plots/forest.svg"' "$H" || fail "the forest plot does not link to its SVG"
xmllint --noout "$R/plots/forest.svg" 2>"$T/xml" || fail "forest.svg is not well-formed: $(head -3 "$T/xml")"
# A change in percent needs a baseline mean other than 0.
judged=$("$JQ" '[.entries[].metrics[].comparisons[] | select(.change_pct != null and
	(.verdict | IN("better", "worse", "no significant change")))] | length' "$R/verdicts.json")
jq_true "$R/plots/plots.json" ".plots[0].kind == \"forest\" and .plots[0].rows == $judged" \
	"plots.json: the forest plot first, with $judged rows"
rows=$(awk '/^# /{ blk++ } blk <= 3 && !/^#/ && NF && $1 != "NaN" { n++ } END { print n + 0 }' \
	"$R/plots/forest.dat")
[ "$rows" -eq "$judged" ] || fail "forest.dat has $rows rows, want $judged"
pass "the forest plot: the first picture, PNG and SVG, $judged rows"

# Every file plots.json lists exists; every picture index.html shows exists.
mapfile -t files < <("$JQ" -r '.plots[] | .png, .svg, .script, .data' "$R/plots/plots.json")
[ "${#files[@]}" -ge 8 ] || fail "plots.json lists only ${#files[@]} files"
for f in "${files[@]}"; do
	[ -s "$R/plots/$f" ] || fail "plots.json lists $f, which is missing or empty"
done
mapfile -t refs < <(grep -o '\(src\|href\)="[^"#][^"]*"' "$H" | sed 's/^[a-z]*="//; s/"$//' | sort -u)
for f in "${refs[@]}"; do
	[ -e "$R/$f" ] || fail "index.html links to $f, which does not exist"
done
# Every plot once on the page.
for png in $("$JQ" -r '.plots[].png' "$R/plots/plots.json"); do
	n=$(grep -c "<img src=\"plots/$png\"" "$H" || true)
	[ "$n" -eq 1 ] || fail "index.html shows plots/$png $n times, want once"
done
pass "plots.json: ${#files[@]} files, all there; index.html: ${#refs[@]} relative links, all there, every plot once"

# ---- whole or nothing -------------------------------------------------------------

# tree_sum DIR: one checksum of every file's name and contents.
tree_sum() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
}
no_leftovers() {
	local left
	left=$(find "$T/reports" -maxdepth 1 -name '.*' ! -name . | head -3)
	[ -z "$left" ] || fail "$1: a temporary directory is left: $left"
}
before=$(tree_sum "$R")

# A render that fails: gnuplot exits 1.
mkdir -p "$T/badbin"
printf '#!/bin/sh\necho "gnuplot: broken on purpose" >&2\nexit 1\n' >"$T/badbin/gnuplot"
chmod +x "$T/badbin/gnuplot"
expect_exit 1 env PATH="$T/badbin:$PATH" "$PTSTAT" report "$R" "$T/base" "$T/new"
[ "$(tree_sum "$R")" = "$before" ] || fail "a failed render changed the existing report"
[ ! -s "$T/out" ] || fail "a failed render printed a table: $(head -3 "$T/out")"
expect_exit 1 env PATH="$T/badbin:$PATH" "$PTSTAT" report "$T/reports/new" "$T/base" "$T/new"
[ ! -e "$T/reports/new" ] || fail "a failed render left a report directory"
no_leftovers "a failed render"
pass "a failed render: exit 1, no new report, the old one byte-identical"

# A bad set: exit 2 before any work.
expect_exit 2 "$PTSTAT" report "$R" "$T/base" "$T/nonexistent"
[ "$(tree_sum "$R")" = "$before" ] || fail "a bad set changed the existing report"
expect_exit 2 "$PTSTAT" report "$T/reports/new" "$T/base" "$T/nonexistent"
[ ! -e "$T/reports/new" ] || fail "a bad set left a report directory"
expect_exit 2 "$PTSTAT" report "$T/system.json" "$T/base" "$T/new"
grep -q 'exists and is not a directory' "$T/err" || fail "OUTDIR a file: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" report "$R" "$T/base"
no_leftovers "bad input"
pass "bad input (a missing set, OUTDIR a file, one set): exit 2, nothing written"

# SIGINT while gnuplot runs (slowed down): the report directory stays as it
# was, and ptstat stops gnuplot rather than wait for it. A background job
# of a script ignores SIGINT: env gives it back its default.
printf '#!/bin/sh\nsleep 2\nexec %s "$@"\n' "$(command -v gnuplot)" >"$T/badbin/gnuplot"
stop_pid() {
	kill "$1" 2>/dev/null || true
}
PATH="$T/badbin:$PATH" env --default-signal=INT "$PTSTAT" report "$R" "$T/base" "$T/new" \
	--jobs 1 >"$T/out" 2>"$T/err" &
pid=$!
pt_at_exit stop_pid "$pid"
sleep 1
kill -INT "$pid"
sent=$SECONDS
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT: exit status $rc, want 130 (killed by SIGINT): $(cat "$T/err")"
[ $((SECONDS - sent)) -le 5 ] || fail "SIGINT: ptstat took $((SECONDS - sent)) s to stop"
[ "$(tree_sum "$R")" = "$before" ] || fail "SIGINT changed the existing report"
no_leftovers "SIGINT"
pass "SIGINT during the plots: dies of it, the old report byte-identical, nothing left"

# A new report replaces the old one whole.
expect_exit 0 "$PTSTAT" report "$R" "$T/new" "$T/base"
grep -q '<strong>new</strong> <small>(baseline)' "$R/index.html" || fail "the report was not replaced"
no_leftovers "a replaced report"
pass "a second report replaces the first"

# ---- emulated timings ------------------------------------------------------------

cp -r "$T/new" "$T/tcg"
"$JQ" '.vm = {"accel": "tcg", "cpu": "max", "vcpus": 2}' "$T/new/system.json" >"$T/tcg/system.json"
expect_exit 2 "$PTSTAT" report "$T/reports/mixed" "$T/base" "$T/tcg"
grep -qi 'tcg' "$T/err" || fail "TCG mixed with native: no word of TCG: $(cat "$T/err")"
[ ! -e "$T/reports/mixed" ] || fail "a refused comparison left a report"
expect_exit 0 "$PTSTAT" report "$T/reports/mixed" "$T/base" "$T/tcg" --allow-mixed
grep -q 'QEMU tcg, -cpu max, 2 vCPUs' "$T/reports/mixed/index.html" ||
	fail "index.html does not say the set ran under TCG"
grep -qi 'emulated' "$T/reports/mixed/index.html" || fail "index.html has no note on emulated timings"
valid_html "$T/reports/mixed/index.html" "index.html with notes"
pass "TCG mixed with native: exit 2 without --allow-mixed; with it, noted and the machine shown"

# An entry that failed in the run: on top of the page, in the red box, escaped.
cp -r "$T/new" "$T/failing"
printf '%s\n' '{"failed": [{"label": "fork-exit", "round": 2, "status": 139, "src": "bench/b_fork_exit.c:42", "messages": ["segfault in <child> & more"]}]}' \
	>"$T/failing/meta.json"
expect_exit 0 "$PTSTAT" compare "$T/base" "$T/failing"
grep -q 'FAILED: fork-exit' "$T/out" || fail "ptstat compare does not name the failed entry: $(head -3 "$T/out")"
expect_exit 0 "$PTSTAT" report "$T/reports/failing" "$T/base" "$T/failing"
F=$T/reports/failing/index.html
valid_html "$F" "index.html with a failed entry"
box=$(grep -n 'class="box failed"' "$F" | head -1 | cut -d: -f1)
sets=$(grep -n '<h2>Result sets</h2>' "$F" | head -1 | cut -d: -f1)
if [ -z "$box" ] || [ "$box" -ge "$sets" ]; then
	fail "no red box above the sets for the failed entry"
fi
grep -q 'FAILED: fork-exit .*segfault in &lt;child&gt; &amp; more' "$F" ||
	fail "the red box does not hold the failed entry, escaped: $(grep -A3 'box failed' "$F" | head -5)"
pass "a failed entry: in a red box on top of index.html, escaped"

# The smallest detectable change beside each no change.
want=$("$JQ" '[.entries[].metrics[].comparisons[] | select(.verdict == "no significant change" and .mde_pct != null)] | length' \
	"$R/verdicts.json")
got=$(grep -o '<td class="v same">no significant change<small>would detect &#8805; [0-9.e+]*%</small>' "$H" | wc -l)
if [ "$want" -eq 0 ] || [ "$got" -ne "$want" ]; then
	fail "index.html shows 'would detect' $got times, verdicts.json has $want mde_pct"
fi
pass "'would detect >= X%' beside each of the $want no-change verdicts with a figure"

# Every bar inside the range (zero variance: no interval to cut), so no
# arrow heads: gnuplot 5.4 crashed on an empty block of them.
for v in 100 101; do
	mkdir -p "$T/flat$v"
	cp "$T/system.json" "$T/flat$v/"
	"$JQ" --argjson v "$v" '.metrics |= map_values(.samples |= map($v))' \
		"$T/base/mmap-churn.json" >"$T/flat$v/mmap-churn.json"
done
expect_exit 0 "$PTSTAT" report "$T/reports/flat" "$T/flat100" "$T/flat101"
jq_true "$T/reports/flat/plots/plots.json" '.plots[0].kind == "forest" and .plots[0].rows >= 2' \
	"zero variance: a forest plot"
! grep -q 'with labels' "$T/reports/flat/plots/forest.gp" ||
	fail "zero variance: the forest plot draws arrow heads of bars that are not cut"
pass "a forest plot without a cut bar renders"

# Three sets: the forest plot has a row per metric and set.
expect_exit 0 "$PTSTAT" report "$T/reports/three" "$T/base" "$T/new" "$T/base"
jq_true "$T/reports/three/plots/plots.json" ".plots[0].rows == 2 * $judged" \
	"three sets: the forest plot has a row per judged metric and set"
pass "three sets: $((2 * judged)) forest rows"

expect_exit 0 "$PTSTAT" report --help
for word in table.txt table.md table.csv verdicts.json kernbench.txt plots.json forest index.html \
	--allow-mixed --title --jobs 'hidden directory'; do
	grep -q -- "$word" "$T/out" || fail "report --help does not mention '$word'"
done
pass "report --help names every file and option"
