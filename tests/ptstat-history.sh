#!/usr/bin/env bash
# ptstat history: five nightly sets made from one real run of ptbench, a 10%
# step injected into one metric of one entry; the change point is flagged
# there and nowhere else, a step that persists once (the window restarts at
# it), against --baseline in every run after it; history.txt, history.json,
# the plots and index.html agree; bad input exits 2 and an old OUTDIR stays
# as it was.
#
# Real timings of five runs on a shared machine would differ by chance, so
# the five sets are fixtures: each holds the same real samples, scaled by a
# deterministic jitter of at most 0.2% (well below --min-change), and the
# step is those samples of one metric scaled by 1.10.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq
command -v gnuplot >/dev/null 2>&1 || skip "gnuplot is not installed (Debian package gnuplot-nox)"
command -v xmllint >/dev/null 2>&1 || skip "xmllint is not installed (Debian package libxml2-utils)"

# ---- one real run ---------------------------------------------------------------

expect_exit 0 "$PTBENCH" sysinfo --no-probe
cp "$T/out" "$T/system.json"

# The steadiest judged metric of the run, "FILE METRIC BETTER CV": the step
# goes there, where 8 repetitions see 10% easily. A run with none below 3%
# (a burst of load) is made again, at most three times.
steadiest() {
	"$JQ" -r -n '[inputs | input_filename as $f | .metrics | to_entries[] |
		select(.value.better != "info") | .value.samples as $s |
		($s | add / length) as $m | select($m != 0) |
		{f: ($f | sub(".*/"; "")), k: .key, b: .value.better,
		 cv: (((($s | map((. - $m) * (. - $m)) | add) / (($s | length) - 1)) | sqrt) /
			($m | fabs) * 100)}] |
		min_by(.cv) | "\(.f) \(.k) \(.b) \(.cv * 100 | round / 100)"' "$T"/real/*.json
}
for attempt in 1 2 3; do
	rm -rf "$T/real"
	mkdir -p "$T/real"
	expect_exit 0 "$PTBENCH" run mmap-churn --iterations 300 --reps 8 -q \
		--label mmap-churn -o "$T/real/mmap-churn.json"
	expect_exit 0 "$PTBENCH" run pt-teardown --tables 16 --iterations 200 --reps 8 -q \
		--label pt-teardown-16 -o "$T/real/pt-teardown-16.json"
	read -r FILE METRIC BETTER CV <<<"$(steadiest)"
	awk -v cv="$CV" 'BEGIN { exit !(cv < 3) }' && break
	[ "$attempt" -lt 3 ] || fail "three runs, and no judged metric steadier than $CV% (cv)"
done
ENTRY=${FILE%.json}
case $BETTER in
lower) DIR=worse ;;
higher) DIR=better ;;
*) fail "the steadiest metric $METRIC has direction '$BETTER'" ;;
esac
pass "one real run (mmap-churn, pt-teardown; 8 reps): the step goes into $ENTRY $METRIC" \
	"(cv $CV%, $BETTER is better, so +10% is $DIR)"

# ---- the fixtures ---------------------------------------------------------------

# Monday to Friday, given on the command line in another (alphabetical)
# order: the history must order them by their start time.
DAYS=(mon tue wed thu fri)
ALPHA=(fri mon thu tue wed)

# make_sets VARIANT DAY...: the five sets in $T/VARIANT, the 10% step in
# the days given.
make_sets() {
	local variant=$1 i day f
	shift
	for i in 0 1 2 3 4; do
		day=${DAYS[i]}
		mkdir -p "$T/$variant/$day"
		cp "$T/system.json" "$T/$variant/$day/"
		# 1 + 0.001 * ((7 i) mod 5 - 2): 0, +0.2%, -0.1%, +0.1%, -0.2%.
		f=$(awk -v i="$((i + 1))" 'BEGIN { printf "%.4f", 1 + 0.001 * ((i * 7) % 5 - 2) }')
		for json in "$T"/real/*.json; do
			"$JQ" --argjson f "$f" '.metrics |= map_values(if .better == "info" then .
				else .samples |= map(. * $f) end)' "$json" \
				>"$T/$variant/$day/${json##*/}"
		done
		printf '{"schema": "ptbench-set/1", "label": "%s", %s, "host": "nightly-ci"}\n' \
			"$day" "\"started\": \"2026-03-0$((i + 2))T02:00:00Z\"" \
			>"$T/$variant/$day/meta.json"
	done
	for day in "$@"; do
		"$JQ" --arg m "$METRIC" '.metrics[$m].samples |= map(. * 1.10)' \
			"$T/$variant/$day/$FILE" >"$T/tmp.json"
		mv "$T/tmp.json" "$T/$variant/$day/$FILE"
	done
}
make_sets flat
make_sets spike thu
make_sets step thu fri

# sets VARIANT: the set directories in the command-line order of $ALPHA.
sets() {
	local d
	for d in "${ALPHA[@]}"; do
		printf '%s\n' "$T/$1/$d"
	done
}

# cps FILE: the change points of a history.json, "SET ENTRY METRIC VERDICT" a line.
cps() {
	"$JQ" -r '.change_points[] | "\(.set) \(.entry) \(.metric) \(.verdict)"' "$1"
}

# ---- no step: no change point ------------------------------------------------------

O=$T/h/flat
mapfile -t S < <(sets flat)
expect_exit 0 "$PTSTAT" history "$O" "${S[@]}" -j 2
cmp -s "$T/out" "$O/history.txt" || fail "stdout is not history.txt: $(head -3 "$T/out")"
grep -q "history is in $O" "$T/err" || fail "no word of where the history is: $(cat "$T/err")"
for f in history.txt history.json index.html; do
	[ -s "$O/$f" ] || fail "OUTDIR lacks $f (or it is empty): $(ls "$O")"
done
jq_true "$O/history.json" '.schema == "ptbench-history/1"' "the schema"
jq_true "$O/history.json" '[.sets[].label] == ["mon", "tue", "wed", "thu", "fri"] and
	.order == "started" and .sets[0].started == "2026-03-02T02:00:00Z" and
	.sets[4].started == "2026-03-06T02:00:00Z"' "the sets, ordered by their start"
jq_true "$O/history.json" '.change_points == [] and all(.series[].points[]; .change_point | not)' \
	"no step: no change point"
grep -q '^Change points: 0$' "$O/history.txt" || fail "history.txt does not say 0 change points"
# Every run but the first of each judged metric is one test of the family.
judged=$("$JQ" '[.series[] | select(.judged)] | length' "$O/history.json")
[ "$judged" -ge 4 ] || fail "only $judged judged metrics"
jq_true "$O/history.json" ".tests == 4 * $judged and .rounds == 1 and .settled" \
	"$judged judged metrics: $((4 * judged)) tests, settled in one round"
# A no change says what it could have seen; info metrics are never judged.
jq_true "$O/history.json" 'all(.series[] | select(.judged) | .points[1:][];
	.verdict == "no change" and (.mde_pct | type) == "number" and .adj_p >= 0.05)' \
	"every later run of a judged metric: no change, with its detectable change"
jq_true "$O/history.json" 'all(.series[] | select(.judged | not) | .points[1:][];
	.verdict == "info") and all(.series[].points[0]; .verdict == "first")' \
	"info metrics not judged; the first run compared with nothing"
jq_true "$O/history.json" '.options == {mode: "window", window: 5, baseline: null, alpha: 0.05,
	min_change_pct: 2, correction: "bh", allow_mixed: false}' "the options used"
# The window: up to 5 runs before, none yet restarted.
jq_true "$O/history.json" '[.series[0].points[].against] ==
	[[], ["mon"], ["mon", "tue"], ["mon", "tue", "wed"], ["mon", "tue", "wed", "thu"]]' \
	"the windows of the runs"
pass "no step: no change point; sets ordered by start time; $((4 * judged)) tests," \
	"every no change with its detectable change"

# ---- a step in one run (Thursday), back on Friday -----------------------------------

O=$T/h/spike
mapfile -t S < <(sets spike)
expect_exit 0 "$PTSTAT" history "$O" "${S[@]}" -j 2
[ "$(cps "$O/history.json")" = "thu $ENTRY $METRIC $DIR" ] ||
	fail "spike: want only thu $DIR in $ENTRY $METRIC, got: $(cps "$O/history.json")"
jq_true "$O/history.json" '.change_points[0] | .against == ["mon", "tue", "wed"] and
	(.change_pct | fabs) > 9.5 and (.change_pct | fabs) < 10.5 and .adj_p < 0.05 and .spike' \
	"spike: thursday's change point, about 10%, against monday to wednesday, a one-run spike"
# Friday is back: Thursday is a one-run spike, left out of Friday's window,
# which does not restart at it: Friday against mon..wed, no change.
jq_true "$O/history.json" '.series[] |
	select(.entry == "'"$ENTRY"'" and .metric == "'"$METRIC"'") | .change_points == 1 and
	.points[3].spike and (.points[4].spike | not) and
	.points[4].against == ["mon", "tue", "wed"] and .points[4].verdict == "no change"' \
	"spike: friday against mon..wed (thursday left out), no change"
listed=$(grep -A3 '^Change points' "$O/history.txt")
grep -q '^Change points: 1$' "$O/history.txt" || fail "history.txt does not say 1 change point: $listed"
[ "$(grep -c '^  \(WORSE\|BETTER\) ' "$O/history.txt")" -eq 1 ] ||
	fail "history.txt does not list exactly one change point: $listed"
at="at thu (2026-03-05T02:00:00Z) against mon..wed (3)"
grep -q "^  ${DIR^^} *+[0-9.]*% $ENTRY $METRIC (.*) $at: adjusted p .*; a one-run spike: the next run is back$" \
	"$O/history.txt" || fail "history.txt: no $DIR one-run spike at thu: $listed"
pass "a step on thursday only: exactly one change point there ($DIR, against mon..wed)," \
	"called a one-run spike; friday, back, is no change against mon..wed"

# ---- a step that persists (Thursday and Friday) ---------------------------------------

O=$T/h/step
mapfile -t S < <(sets step)
expect_exit 0 "$PTSTAT" history "$O" "${S[@]}" -j 2
[ "$(cps "$O/history.json")" = "thu $ENTRY $METRIC $DIR" ] ||
	fail "step: want only thu $DIR in $ENTRY $METRIC, got: $(cps "$O/history.json")"
grep -q '^Change points: 1$' "$O/history.txt" || fail "history.txt does not say 1 change point"
[ "$(grep -c '^  \(WORSE\|BETTER\) ' "$O/history.txt")" -eq 1 ] ||
	fail "history.txt lists other change points: $(grep -A3 '^Change points' "$O/history.txt")"
# Friday is compared with Thursday alone (the window restarted): no change.
# Without the restart it would be against mon..thu, 7.5% off.
jq_true "$O/history.json" '.series[] |
	select(.entry == "'"$ENTRY"'" and .metric == "'"$METRIC"'") | .change_points == 1 and
	.points[3].change_point and .points[3].verdict == "'"$DIR"'" and
	.points[4].against == ["thu"] and .points[4].verdict == "no change" and
	(.points[4].change_pct | fabs) < 2' "step: friday against thursday alone, no change"
jq_true "$O/history.json" '.rounds >= 2 and .settled' "step: the search settled"
SERIES=$("$JQ" -r --arg e "$ENTRY" --arg m "$METRIC" \
	'.series[] | select(.entry == $e and .metric == $m) | .id' "$O/history.json")
pass "a step that persists: one change point (thursday), friday against thursday alone"

# --baseline mon: every later run against Monday, no window: Thursday and Friday.
O=$T/h/base
expect_exit 0 "$PTSTAT" history "$O" "${S[@]}" --baseline mon
[ "$(cps "$O/history.json")" = "thu $ENTRY $METRIC $DIR
fri $ENTRY $METRIC $DIR" ] ||
	fail "--baseline mon: want thu and fri $DIR, got: $(cps "$O/history.json")"
jq_true "$O/history.json" 'all(.change_points[]; .against == ["mon"]) and
	.options.mode == "baseline" and .options.baseline == "mon" and .options.window == null and
	all(.series[] | select(.judged) | .points[1:][]; .against == ["mon"])' \
	"--baseline mon: every run against monday"
grep -q '^Changes against the baseline mon: 2$' "$O/history.txt" ||
	fail "history.txt does not give the 2 changes against the baseline"
# A later baseline: the runs before it are shown, not compared.
expect_exit 0 "$PTSTAT" history "$T/h/base2" "${S[@]}" --baseline tue --format json
cmp -s "$T/out" "$T/h/base2/history.json" || fail "--format json: stdout is not history.json"
jq_true "$T/h/base2/history.json" \
	'[.series[0].points[].verdict][0:2] == ["before baseline", "baseline"]' \
	"--baseline tue: monday before it, tuesday the baseline"
pass "--baseline mon: thursday and friday both $DIR against monday; --format json"

# ---- the plots and index.html --------------------------------------------------------

O=$T/h/step
mapfile -t files < <("$JQ" -r '.series[].plot | select(. != null) | .png, .svg, .script, .data' \
	"$O/history.json")
[ "${#files[@]}" -eq $((4 * judged)) ] ||
	fail "history.json lists ${#files[@]} plot files, want 4 per judged metric" \
		"($((4 * judged)))"
for f in "${files[@]}"; do
	[ -s "$O/$f" ] || fail "history.json lists $f, which is missing or empty"
done
png=$("$JQ" -r --arg id "$SERIES" '.series[] | select(.id == $id) | .plot.png' "$O/history.json")
[ "$(od -An -tx1 -N8 "$O/$png" | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
xmllint --noout "$O/${png%.png}.svg" 2>"$T/xml" ||
	fail "the SVG is not well-formed: $(head -3 "$T/xml")"
# The change point is marked: a block of worse or better points at x = 4 (thursday).
grep -q "change point: $DIR" "$O/${png%.png}.gp" || fail "the plot does not mark the change point"
awk '/^# change points: '"$DIR"'/ { on = 1; next } on && NF { print $1; exit }' \
	"$O/${png%.png}.dat" | grep -qx 4 ||
	fail "the plot's change point is not at thursday (x = 4)"
pass "plots: ${#files[@]} files, all there; the change point marked at thursday"

# valid_html FILE DESC: xmllint reads FILE without a word, as HTML and as XML.
valid_html() {
	xmllint --html --noout "$1" 2>"$T/xml" || fail "$2: xmllint --html failed"
	[ ! -s "$T/xml" ] || fail "$2 is not valid HTML: $(head -5 "$T/xml")"
	xmllint --noout "$1" 2>"$T/xml" || fail "$2 is not well-formed XML: $(head -5 "$T/xml")"
}
H=$O/index.html
valid_html "$H" index.html
! grep -qi '<script' "$H" || fail "index.html holds a script"
# The change points first: the list before the first picture.
cp_line=$(grep -n '<ul class="changes">' "$H" | head -1 | cut -d: -f1)
img_line=$(grep -n '<img ' "$H" | head -1 | cut -d: -f1)
if [ -z "$cp_line" ] || [ -z "$img_line" ] || [ "$cp_line" -ge "$img_line" ]; then
	fail "index.html does not list the change points before the plots"
fi
want="<li><span class=\"$DIR\"><strong>$DIR</strong> [+-][0-9.]*%</span> at <strong>thu</strong>"
grep -q "$want.*href=\"#$SERIES\"" "$H" ||
	fail "index.html does not list thursday's change point linking to its metric"
n=$(grep -c '<tr class="cp">' "$H" || true)
[ "$n" -eq 1 ] || fail "index.html marks $n rows as change points, want 1"
mapfile -t refs < <(grep -o '\(src\|href\)="[^"#][^"]*"' "$H" |
	sed 's/^[a-z]*="//; s/"$//' | sort -u)
for f in "${refs[@]}"; do
	[ -e "$O/$f" ] || fail "index.html links to $f, which does not exist"
done
[ "$(grep -c '<img src="plots/' "$H")" -eq "$judged" ] ||
	fail "index.html does not show $judged plots"
pass "index.html: valid HTML, the change point listed first," \
	"${#refs[@]} relative links all there, $judged plots"

# Options reach the files; the title is escaped.
expect_exit 0 "$PTSTAT" history "$T/h/opts" "${S[@]}" --window 2 --alpha 0.01 --min-change 5 \
	--correction holm --title 'Nightly <main> & "friends"'
jq_true "$T/h/opts/history.json" '.options.window == 2 and .options.alpha == 0.01 and
	.options.min_change_pct == 5 and .options.correction == "holm" and
	([.series[] | select(.id != "'"$SERIES"'")][0].points[4].against == ["wed", "thu"])' \
	"--window 2 and the statistics options"
grep -q '<title>Nightly &lt;main&gt; &amp; &quot;friends&quot;</title>' "$T/h/opts/index.html" ||
	fail "--title: not in <title>, escaped"
grep -q 'Holm' "$T/h/opts/index.html" || fail "index.html does not name the Holm correction"
valid_html "$T/h/opts/index.html" "index.html with a title to escape"
pass "--window 2, --alpha, --min-change, --correction holm reach history.json; --title escaped"

# A start time that is not one: command-line order, and a note says so.
make_sets undated
printf '{"schema": "ptbench-set/1", "started": "last night"}\n' >"$T/undated/wed/meta.json"
mapfile -t U < <(sets undated)
expect_exit 0 "$PTSTAT" history "$T/h/undated" "${U[@]}"
jq_true "$T/h/undated/history.json" '[.sets[].label] == ["fri", "mon", "thu", "tue", "wed"] and
	.order == "command line" and any(.notes[]; test("no start time for wed"))' \
	"a set without a start time: command-line order, noted"
grep -q 'command-line order' "$T/h/undated/history.txt" ||
	fail "history.txt does not note the order"
pass "a set without a usable start time: command-line order, and a note"

# ---- bad input: exit 2, the old OUTDIR untouched ----------------------------------------

tree_sum() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
}
no_leftovers() {
	local left
	left=$(find "$T/h" -maxdepth 1 -name '.*' ! -name . | head -3)
	[ -z "$left" ] || fail "$1: a temporary directory is left: $left"
}
O=$T/h/step
before=$(tree_sum "$O")
expect_exit 2 "$PTSTAT" history "$O" "$T/step/mon"
grep -q 'at least two result sets' "$T/err" || fail "one set: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" history "$O" "${S[@]}" --baseline sat
grep -q -- '--baseline sat: no set has that label (the sets: mon, tue, wed, thu, fri)' "$T/err" ||
	fail "unknown --baseline: $(cat "$T/err")"
for w in 0 -1 2.5 x ''; do
	expect_exit 2 "$PTSTAT" history "$O" "${S[@]}" --window "$w"
	grep -q -- '--window must be a whole number' "$T/err" ||
		fail "--window '$w': $(cat "$T/err")"
done
expect_exit 2 "$PTSTAT" history "$O" "${S[@]}" --alpha 2
expect_exit 2 "$PTSTAT" history "$O" "${S[@]}" --format csv
expect_exit 2 "$PTSTAT" history "$O" "${S[@]}" --no-such-option
grep -q "unknown option '--no-such-option'" "$T/err" || fail "unknown option: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" history "$O" "${S[@]}" "$T/nonexistent"
expect_exit 2 "$PTSTAT" history "$T/system.json" "${S[@]}"
grep -q 'exists and is not a directory' "$T/err" || fail "OUTDIR a file: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" history "$T/h/new" "$T/step/mon"
[ ! -e "$T/h/new" ] || fail "bad input left an OUTDIR"
# TCG timings with native ones: refused.
cp -r "$T/step/fri" "$T/tcg"
"$JQ" '.vm = {"accel": "tcg", "cpu": "max", "vcpus": 2}' "$T/system.json" >"$T/tcg/system.json"
expect_exit 2 "$PTSTAT" history "$O" "$T/step/mon" "$T/tcg"
grep -qi 'tcg' "$T/err" || fail "TCG mixed with native: no word of TCG: $(cat "$T/err")"
# A render that fails: exit 1, nothing changed.
mkdir -p "$T/badbin"
printf '#!/bin/sh\necho "gnuplot: broken on purpose" >&2\nexit 1\n' >"$T/badbin/gnuplot"
chmod +x "$T/badbin/gnuplot"
expect_exit 1 env PATH="$T/badbin:$PATH" "$PTSTAT" history "$O" "${S[@]}"
[ ! -s "$T/out" ] || fail "a failed render printed the history"
[ "$(tree_sum "$O")" = "$before" ] || fail "a failed command changed the old OUTDIR"
no_leftovers "bad input"
pass "bad input (one set, unknown --baseline, bad --window, bad options, a missing set," \
	"OUTDIR a file, TCG mixed) exits 2, a failed render 1; the old OUTDIR untouched"

expect_exit 0 "$PTSTAT" history --help
for word in --window --baseline --alpha --min-change --correction --format --title --jobs \
	--allow-mixed 'restarts AT that run' 'CHANGE POINT' history.txt history.json plots/ \
	index.html ptbench-history/1 'hidden directory'; do
	grep -q -- "$word" "$T/out" || fail "history --help does not mention '$word'"
done
pass "history --help explains the window rule, the change point, every option and file"

# ---- index.html in a browser ----------------------------------------------------------

BROWSER=$(command -v chromium || command -v chromium-browser || true)
[ -n "$BROWSER" ] || skip "chromium is not installed (Debian package chromium):" \
	"index.html not rendered in a browser; every other check passed"
HOME=$T/home timeout 60 "$BROWSER" --headless --no-sandbox --disable-gpu \
	--user-data-dir="$T/chromium" --screenshot="$T/h.png" --window-size=1200,1600 \
	"file://$O/index.html" >"$T/chromium.log" 2>&1 ||
	fail "chromium failed: $(tail -5 "$T/chromium.log")"
[ -s "$T/h.png" ] || fail "chromium wrote no screenshot: $(tail -5 "$T/chromium.log")"
[ "$(od -An -tx1 -N8 "$T/h.png" | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "the screenshot is not a PNG"
# The IHDR chunk: width and height, 4 bytes each, from byte 16.
[ "$(od -An -tu1 -j16 -N8 "$T/h.png" | tr -s ' ' | sed 's/^ //')" = "0 0 4 176 0 0 6 64" ] ||
	fail "the screenshot is not 1200x1600"
pass "chromium renders index.html: a 1200x1600 PNG of $(wc -c <"$T/h.png") bytes"
