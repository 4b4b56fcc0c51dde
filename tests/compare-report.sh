#!/usr/bin/env bash
# runners/compare.sh: the smoke suite run twice on this kernel (run.sh
# --label a, then b) compares as "no significant change" everywhere; the
# report holds every table, verdicts.json, the plots and an index.html that
# shows them all and links only to files that exist; a report is replaced
# whole; bad input is refused.
# shellcheck disable=SC2016 # jq programs in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
export PTSTAT
pt_tmpdir
_pt_need_jq
command -v gnuplot >/dev/null 2>&1 || skip "gnuplot is not installed (Debian package gnuplot-nox)"
[ -x "$PTSTAT" ] || fail "ptstat not built: $PTSTAT"

RUN=$top_srcdir/runners/run.sh
COMPARE=$top_srcdir/runners/compare.sh
started=$SECONDS

# ---- two runs of the smoke suite on this kernel ------------------------------

# Both runs must see the same machine: no other test running meanwhile.
pt_machine_alone
R=$T/results
expect_exit 0 "$RUN" --suite smoke --out "$R" --label a
expect_exit 0 "$RUN" --suite smoke --out "$R" --label b
runs=$((SECONDS - started))
mapfile -t entries < <(grep -Ev '^(#|reps |rounds |[[:space:]]*$)' "$R/a/suite.txt" | awk '{ print $1 }')
[ "${#entries[@]}" -ge 5 ] || fail "the smoke suite has only ${#entries[@]} entries"
pass "smoke suite run twice: ${#entries[@]} entries each, ${runs} s"

# ---- the report ------------------------------------------------------------------

O=$T/report
expect_exit 0 "$COMPARE" "$R/a" "$R/b" --out "$O"
cmp -s "$T/out" "$O/table.txt" || fail "stdout is not table.txt: $(head -5 "$T/out")"
for f in table.txt table.md table.csv verdicts.json kernbench.txt index.html plots/plots.json; do
	[ -s "$O/$f" ] || fail "the report lacks $f: $(ls "$O")"
done
"$JQ" empty "$O/verdicts.json" 2>/dev/null || fail "verdicts.json is not valid JSON"
for e in "${entries[@]}"; do
	grep -qF "$e" "$O/table.txt" || fail "table.txt does not show entry $e"
	grep -qF "$e" "$O/table.md" || fail "table.md does not show entry $e"
	grep -qF "$e" "$O/kernbench.txt" || fail "kernbench.txt does not show entry $e"
	if ! grep -q "^a,.*,$e," "$O/table.csv" || ! grep -q "^b,.*,$e," "$O/table.csv"; then
		fail "table.csv has no rows of entry $e for both sets"
	fi
	jq_true "$O/verdicts.json" "[.entries[].label] | index(\"$e\") != null" "verdicts.json has entry $e"
done
pass "table.txt (also on stdout), table.md, table.csv, verdicts.json, kernbench.txt: every entry"

# The done-when check: one kernel against itself, nothing better or worse.
# significant REPORT: list the metrics judged better or worse in $T/significant.
significant() {
	"$JQ" -r '.entries[] | .label as $e | .metrics[] | .name as $m | .comparisons[] |
		select(.verdict == "better" or .verdict == "worse") |
		"\($e) \($m): \(.verdict) (\(.change_pct)%, adjusted p \(.adj_p))"' \
		"$1/verdicts.json" >"$T/significant"
	[ -s "$T/significant" ]
}
"$JQ" -r '[.. | objects | select(has("verdict"))] as $v |
	"\($v | length) \([$v[] | select(.verdict == "no significant change")] | length)"' \
	"$O/verdicts.json" >"$T/counts"
read -r n_verdicts n_same <"$T/counts"
[ "$n_same" -gt 0 ] || fail "verdicts.json holds no 'no significant change' verdict ($n_verdicts verdicts)"
if [ "${PT_STATISTICAL_CHECKS:-1}" = 0 ]; then
	# Sanitizer and distcheck passes: the statistics are the plain pass's.
	printf 'note: same-kernel verdicts not asserted in this pass (PT_STATISTICAL_CHECKS=0)\n'
elif significant "$O"; then
	# A shared machine can drift between two runs a minute apart: say so,
	# and judge a second pair. Two pairs in a row is a real failure.
	printf 'note: the first pair differed (machine drift?): %s\n' "$(tr '\n' ';' <"$T/significant")"
	expect_exit 0 "$RUN" --suite smoke --out "$R" --label c
	expect_exit 0 "$RUN" --suite smoke --out "$R" --label d
	expect_exit 0 "$COMPARE" "$R/c" "$R/d" --out "$T/report2"
	if significant "$T/report2"; then
		fail "the same kernel twice, twice, yet significant changes: $(tr '\n' ';' <"$T/significant")"
	fi
	pass "c against d on the same kernel: no metric better or worse (a against b was not)"
else
	pass "a against b on the same kernel: $n_same metrics with no significant change, none better or worse"
fi

# index.html: well-formed, the text tables verbatim, every plot, no dead link.
H=$O/index.html
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$H" 2>"$T/xml" || fail "index.html is not well-formed: $(head -5 "$T/xml")"
fi
# pre_block N: the Nth <pre> block of index.html, unescaped.
pre_block() {
	awk -v n="$1" '/^<pre>$/ { k++; if (k == n) { on = 1; next } } /^<\/pre>$/ { on = 0 } on' "$H" |
		sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/'"'"'/g; s/&apos;/'"'"'/g; s/&amp;/\&/g'
}
pre_block 1 | cmp -s - "$O/table.txt" || fail "the first <pre> of index.html is not table.txt"
pre_block 2 | cmp -s - "$O/kernbench.txt" || fail "the second <pre> of index.html is not kernbench.txt"
tables=$(grep -c '^<table>$' "$H" || true)
[ "$tables" -ge "$((${#entries[@]} + 1))" ] ||
	fail "index.html has $tables tables, want the sets and one per entry ($((${#entries[@]} + 1)))"
nplots=$("$JQ" '.plots | length' "$O/plots/plots.json")
[ "$nplots" -gt 0 ] || fail "plots.json lists no plot"
nimg=$(grep -c '<img ' "$H")
[ "$nimg" -eq "$nplots" ] || fail "index.html has $nimg images, plots.json lists $nplots"
while read -r png; do
	grep -qF "<img src=\"plots/$png\"" "$H" || fail "index.html does not show plots/$png"
done < <("$JQ" -r '.plots[] | .png // .file' "$O/plots/plots.json")
grep -o -E '(src|href)="[^"]*"' "$H" | sed -E 's/^(src|href)="//; s/"$//' | sort -u >"$T/links"
[ -s "$T/links" ] || fail "index.html links to nothing"
while read -r link; do
	case $link in
	"#"*) continue ;; # an anchor in the page
	*://* | /*) fail "index.html links outside the report: $link" ;;
	esac
	[ -f "$O/$link" ] || fail "index.html links to $link, which does not exist"
done <"$T/links"
pass "index.html: well-formed, both text tables verbatim, $tables tables, $nimg images for $nplots plots, $(wc -l <"$T/links") links all to existing files"

# ---- replacing a report, escaping, more than two sets --------------------------

touch "$O/stale-file"
weird='c&<d>"'
cp -r "$R/b" "$R/$weird"
expect_exit 0 "$COMPARE" "$R/a" "$R/b" "$R/$weird" --out "$O" --format json
[ ! -e "$O/stale-file" ] || fail "the old report was not replaced whole"
"$JQ" -e '.sets | length == 3' "$T/out" >/dev/null 2>&1 || fail "--format json did not print the JSON of 3 sets"
leftovers=$(find "$T" -mindepth 1 -maxdepth 1 -name '.report*')
[ -z "$leftovers" ] || fail "temporary directories left: $leftovers"
grep -qF 'c&amp;&lt;d&gt;&quot;' "$H" || fail "index.html does not show the escaped set name"
if grep -qF "$weird" "$H"; then
	fail "index.html holds the set name $weird unescaped"
fi
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$H" 2>"$T/xml" || fail "index.html with a set named $weird: $(head -3 "$T/xml")"
fi
pass "a report is replaced whole; 3 sets; a set named $weird is escaped in index.html"

# ---- labels against counts ----------------------------------------------------------

# Two sets named as the two free paths. Their results' paths are set here
# as a kernel would count them (this kernel has no kprobes to count them).
# paths_set SRC DEST FREE: copy set SRC to DEST with every result's free path FREE.
paths_set() {
	local f
	cp -r "$1" "$2"
	for f in "$2"/*.json; do
		case ${f##*/} in system.json | meta.json) continue ;; esac
		"$JQ" --arg p "$3" '.paths = {free: {path: $p, counts: {rcu_tables: {count: 0, from: "test"},
			direct_tables: {count: 64, from: "test"}, sync_ipis: {count: 0, from: "test"}}},
			flush: {path: "ipi", counts: {pv_flushes: {count: 0, from: "test"},
			ipi_flushes: {count: 1, from: "test"}}}}' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
	done
}
paths_set "$R/a" "$R/k-direct" direct
paths_set "$R/b" "$R/k-rcu" direct
expect_exit 3 "$COMPARE" "$R/k-direct" "$R/k-rcu" --out "$T/same"
sed -n '1,/^$/p' "$T/same/table.txt" | tr '\n' ' ' |
	grep -q '^PATHS: SAME PATH: k-direct (labelled direct) and k-rcu (labelled rcu) both counted the free path direct' ||
	fail "same path: the report does not say so on top: $(head -n 3 "$T/same/table.txt")"
grep -q 'class="notice".*SAME PATH' "$T/same/index.html" || fail "same path: index.html says nothing"
sed -n '1,/^$/p' "$T/same/table.txt" | tr '\n' ' ' |
	grep -q 'LABEL: k-rcu is labelled rcu, but its results counted the free path direct' ||
	fail "same path: the mislabelled set is not named"
grep -q 'path: free / flush *counted *direct / ipi *direct / ipi' "$T/same/table.txt" ||
	fail "the counted paths row is missing: $(grep -m1 'path:' "$T/same/table.txt")"
expect_exit 0 "$COMPARE" "$R/k-direct" "$R/k-rcu" --out "$T/same" --allow-same-path
rm -rf "$R/k-rcu"
paths_set "$R/b" "$R/k-rcu" rcu
expect_exit 0 "$COMPARE" "$R/k-direct" "$R/k-rcu" --out "$T/differ"
if grep -q 'PATHS:' "$T/differ/table.txt"; then
	fail "sets that counted their labelled paths are flagged: $(head -n 3 "$T/differ/table.txt")"
fi
grep -Eq '^  k-rcu +[^ ]+ +ipi \(counted[^)]*\) +rcu \(counted[^)]*\) ' "$T/differ/table.txt" ||
	fail "the set table does not give k-rcu's counted paths: $(grep -m1 '^  k-rcu' "$T/differ/table.txt")"
pass "labels against counts: the same counted path under two labels exits 3 and says so on top (--allow-same-path: 0); matching counts pass"

# A set with an entry that failed in its run is compared all the same; the
# report lists the entry on top and compare.sh exits 4.
cp -r "$R/b" "$R/bf"
"$JQ" '.failed = [{label: "gone", round: 1, status: 139, src: "x.suite:3",
	messages: ["ptbench: simulated crash"]}]' "$R/b/meta.json" >"$R/bf/meta.json"
expect_exit 4 "$COMPARE" "$R/a" "$R/bf" --out "$T/failed"
grep -q '^FAILED: gone (round 1) in set bf (exit 139, x.suite:3): ptbench: simulated crash' \
	"$T/failed/table.txt" || fail "the failed entry is not on top of table.txt: $(head -n 3 "$T/failed/table.txt")"
grep -q 'FAILED: gone' "$T/failed/index.html" || fail "index.html does not list the failed entry"
grep -q 'an entry failed in a run' "$T/err" || fail "compare.sh does not say an entry failed: $(cat "$T/err")"
pass "a set with a failed entry: compared, listed on top of the report, exit 4"

# ---- bad input ---------------------------------------------------------------------

mkdir "$R/empty"
expect_exit 2 "$COMPARE" "$R/a" --out "$T/bad"
expect_exit 2 "$COMPARE" "$R/a" "$R/no-such-set" --out "$T/bad"
expect_exit 2 "$COMPARE" "$R/a" "$R/b" --format yaml --out "$T/bad"
expect_exit 2 "$COMPARE" "$R/a" "$R/b" --bogus --out "$T/bad"
expect_exit 2 "$COMPARE" "$R/a" "$R/a" --out "$T/bad"
grep -q "two sets are named 'a'" "$T/err" || fail "duplicate set names: $(cat "$T/err")"
expect_exit 2 "$COMPARE" "$R/a" "$R/empty" --out "$T/bad"
expect_exit 2 "$COMPARE" --question rcu-table-free --kernel debian:6.12 --out "$T/bad"
grep -q 'chooses the kernel' "$T/err" || fail "--question with --kernel: $(cat "$T/err")"
expect_exit 2 "$COMPARE" --question nosuch --out "$T/bad"
grep -q "the only question is rcu-table-free" "$T/err" || fail "--question nosuch: $(cat "$T/err")"
[ ! -e "$T/bad" ] || fail "a refused comparison created $T/bad"
leftovers=$(find "$T" -mindepth 1 -maxdepth 1 -name '.bad*')
[ -z "$leftovers" ] || fail "a refused comparison left $leftovers"
pass "bad input (one set, a missing set, a bad format or option, the same set twice, an empty set, a bad --question): exit 2, no report"

pass "whole test: $((SECONDS - started)) s"
