#!/usr/bin/env bash
# ptstat plot: every plot listed in plots.json exists, PNGs are PNGs of a
# real size, SVGs are well-formed, and the data behind them is right.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq
command -v gnuplot >/dev/null 2>&1 || skip "gnuplot is not installed (Debian package gnuplot-nox)"
command -v xmllint >/dev/null 2>&1 || skip "xmllint is not installed (Debian package libxml2-utils)"
command -v file >/dev/null 2>&1 || skip "file is not installed (Debian package file)"

expect_exit 0 "$PTBENCH" run mmap-churn --duration 0.2 --reps 2 --warmup 0 -q \
	-o "$T/template.json"
expect_exit 0 "$PTBENCH" sysinfo
cp "$T/out" "$T/sysinfo.json"

# result SET LABEL BENCH TASKS METRICS: results/SET/LABEL.json, 5 repetitions.
result() {
	mkdir -p "$T/results/$1"
	"$JQ" --arg lbl "$2" --arg bench "$3" --argjson tasks "$4" --argjson metrics "$5" '
		.label = $lbl | .bench = $bench | .params.tasks = $tasks | .params.reps = 5
		| .metrics = $metrics
		| .command = ["ptbench", "run", $bench, "--tasks", "\($tasks)"]
		| .counters |= map_values(if .supported then .samples = [1, 2, 3, 4, 5] else . end)' \
		"$T/template.json" >"$T/results/$1/$2.json"
	validate_result "$T/results/$1/$2.json"
}

# A task-count series of mmap-churn (1, 2, 4 tasks) that scales a little
# worse in b, and a pt-teardown entry whose tables_freed never changes.
for set in a b; do
	for tasks in 1 2 4; do
		if [ "$set" = b ]; then f=0.$((100 - 2 * tasks)); else f=1; fi
		result "$set" "mmap-churn-${tasks}t" mmap-churn "$tasks" "$("$JQ" -n \
			--argjson t "$tasks" --argjson f "$f" '{
			ops_per_sec: {unit: "ops/s", better: "higher",
				samples: [270000, 271000, 269000, 270500, 269500] | map(. * $t * $f)},
			ns_per_op: {unit: "ns", better: "lower",
				samples: [7400, 7410, 7390, 7405, 7395] | map(. / $f)}}')"
	done
	result "$set" pt-teardown pt-teardown 2 '{
		"ns_per_table": {"unit": "ns", "better": "lower", "samples": [790, 795, 785, 792, 788]},
		"tables_freed": {"unit": "tables", "better": "info", "samples": [64, 64, 64, 64, 64]}}'
	"$JQ" --arg k "6.18.44-$set" '.kernel.release = $k | .tlb_flush.mode = "pv-kvm"
		| .table_free.mode = "rcu"' "$T/sysinfo.json" >"$T/results/$set/system.json"
done

P=$T/plots
expect_exit 0 "$PTSTAT" plot "$T/results/a" "$T/results/b" -o "$P" --jobs 2
grep -q "18 plots (PNG and SVG) in $P" "$T/out" || fail "plot: unexpected summary: $(cat "$T/out")"
jq_true "$P/plots.json" '.schema == "ptstat-plots/1" and (.plots | length) == 18 and
	(.sets | map(.title)) == ["a: 6.18.44-a pv-kvm rcu-free", "b: 6.18.44-b pv-kvm rcu-free"]' \
	"plots.json: schema, 18 plots, the sets"
jq_true "$P/plots.json" '[.plots[] | .kind] | group_by(.) | map({(.[0]): length}) | add ==
	{"bar": 8, "box": 8, "scaling": 2}' "plots.json: 8 bar charts, 8 box plots, 2 scaling curves"
jq_true "$P/plots.json" '.plots[] | select(.kind == "scaling" and .metric == "ops_per_sec") |
	.entries == ["mmap-churn-1t", "mmap-churn-2t", "mmap-churn-4t"] and .tasks == [1, 2, 4] and
	.bench == "mmap-churn" and .unit == "ops/s" and .better == "higher"' \
	"plots.json: the scaling curve of ops_per_sec over 1, 2 and 4 tasks"
jq_true "$P/plots.json" 'all(.plots[]; (.title | length) > 0 and (.shows | length) > 0)' \
	"plots.json: every plot has a title and says what it shows"
pass "plots.json lists 18 plots: bar and box per entry and metric, 2 scaling curves"

# Every file listed exists; each PNG is a PNG of the size asked; each SVG parses.
mapfile -t files < <("$JQ" -r '.plots[] | .png, .svg, .script, .data' "$P/plots.json")
[ "${#files[@]}" -eq 72 ] || fail "plots.json names ${#files[@]} files, want 72"
for f in "${files[@]}"; do
	[ -s "$P/$f" ] || fail "$f is listed in plots.json but missing or empty"
	case $f in
	*.png)
		[ "$(od -An -tx1 -N8 "$P/$f" | tr -d ' \n')" = 89504e470d0a1a0a ] ||
			fail "$f does not start with the PNG signature"
		file "$P/$f" | grep -q 'PNG image data, 960 x 600' ||
			fail "$f: $(file "$P/$f")"
		[ "$(stat -c %s "$P/$f")" -gt 10000 ] || fail "$f is only $(stat -c %s "$P/$f") bytes"
		;;
	*.svg)
		xmllint --noout "$P/$f" 2>"$T/xml" || fail "$f is not well-formed XML: $(head -3 "$T/xml")"
		;;
	esac
done
pass "all 72 files exist; 18 PNGs (960x600, > 10 kB) and 18 well-formed SVGs"

# What they show: titles, legends with the kernels, units, the data.
svg=$P/bar-mmap-churn-1t-ops_per_sec.svg
grep -q 'mmap-churn-1t: ops_per_sec, mean per set (higher is better)' "$svg" ||
	fail "bar chart: no title in $svg"
grep -q 'a: 6.18.44-a pv-kvm rcu-free' "$svg" || fail "bar chart: the legend does not name a's kernel"
grep -q 'ops_per_sec (ops/s)' "$svg" || fail "bar chart: no y label with the unit"
awk '$2 == "\"a\"" { a = ($3 == 270000 && $4 < 270000 && $5 > 270000 && $4 > 268000 && $7 == 5) }
	$2 == "\"b\"" { b = ($3 > 264599.99 && $3 < 264600.01) }
	END { exit !(a && b) }' "$P/bar-mmap-churn-1t-ops_per_sec.dat" ||
	fail "bar data: want a's mean 270000 inside its CI and b's 264600: $(cat "$P/bar-mmap-churn-1t-ops_per_sec.dat")"
[ "$(grep -cv '^#' "$P/box-pt-teardown-tables_freed.dat" | tr -d ' ')" -ge 10 ] ||
	fail "box data: want the 10 samples of tables_freed"
grep -q 'set yrange \[57.6' "$P/box-pt-teardown-tables_freed.gp" ||
	fail "box plot of a constant: no y range around it"
awk '!/^#/ && NF { n++; t[n] = $1 } END { exit !(n == 6 && t[1] == 1 && t[2] == 2 && t[3] == 4 &&
	t[4] == 1 && t[6] == 4) }' "$P/scaling-mmap-churn-ops_per_sec.dat" ||
	fail "scaling data: want 1, 2, 4 tasks for each set: $(cat "$P/scaling-mmap-churn-ops_per_sec.dat")"
grep -q "set xlabel \"tasks\"" "$P/scaling-mmap-churn-ops_per_sec.gp" || fail "scaling: no x label"
pass "titles, legends with kernels, axis labels with units, and the data are right"

# The scripts render again from their directory, as the header says.
(cd "$P" && gnuplot bar-pt-teardown-ns_per_table.gp) || fail "a script does not render on its own"
pass "a script renders again with 'gnuplot NAME.gp' in the directory"

# Few scripts: gnuplot directly; one set is enough to plot. With three
# repetitions gnuplot draws no box: a bar at the mean stands for it.
mkdir -p "$T/results/one"
"$JQ" '.params.reps = 3 | .metrics |= map_values(.samples |= .[:3])
	| .counters |= map_values(if .supported then .samples |= .[:3] else . end)' \
	"$T/results/a/pt-teardown.json" >"$T/results/one/pt-teardown.json"
validate_result "$T/results/one/pt-teardown.json"
expect_exit 0 "$PTSTAT" plot "$T/results/one" -o "$T/one-plots"
jq_true "$T/one-plots/plots.json" '(.plots | length) == 4 and .sets[0].label == "one"' \
	"one set: 4 plots"
grep -q 'with boxxyerror .*(n=3: a bar at the mean)' "$T/one-plots/box-pt-teardown-ns_per_table.gp" ||
	fail "n=3: no bar at the mean in the box plot"
grep -q '^0 790 3$' "$T/one-plots/box-pt-teardown-ns_per_table.dat" ||
	fail "n=3: the mean 790 is not in the data: $(cat "$T/one-plots/box-pt-teardown-ns_per_table.dat")"
[ "$(stat -c %s "$T/one-plots/box-pt-teardown-ns_per_table.png")" -gt 10000 ] ||
	fail "n=3: the box plot is nearly empty"
pass "one set, 4 scripts, 3 repetitions: rendered without parallel, a bar at the mean"

# No gnuplot: a clear error, the data and scripts still written, no plots.json.
mkdir -p "$T/nobin"
expect_exit 1 env PATH="$T/nobin" "$PTSTAT" plot "$T/results/one" -o "$T/noplot"
grep -q 'gnuplot not found in PATH (Debian package gnuplot-nox)' "$T/err" ||
	fail "no gnuplot: $(cat "$T/err")"
[ -s "$T/noplot/bar-pt-teardown-ns_per_table.gp" ] || fail "no gnuplot: the scripts were not written"
[ ! -e "$T/noplot/plots.json" ] || fail "no gnuplot: plots.json lists plots that were not drawn"
pass "no gnuplot: a clear error, exit 1, scripts kept, no plots.json"

expect_exit 2 "$PTSTAT" plot "$T/results/one" -o "$T/template.json"
grep -q "cannot create the directory $T/template.json" "$T/err" || fail "-o on a file: $(cat "$T/err")"
pass "-o naming a file: exit 2 before any work"

expect_exit 0 "$PTSTAT" plot --help
for word in 'confidence interval' 'box plot' 'scaling' 'plots.json' 'parallel' '--jobs'; do
	grep -q -- "$word" "$T/out" || fail "plot --help does not mention '$word'"
done
pass "plot --help"
