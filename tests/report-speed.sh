#!/usr/bin/env bash
# How fast ptstat compares and reports, as figures (a benchmark, not a
# pass/fail test; `make bench` runs it after tests/overhead.sh).
#
# 1. ptstat compare of two sets of N entries (default 1000): one real
#    mmap-churn result copied N times per set under other labels, its
#    samples scaled a little per copy, so that every entry is tested.
#    Target: under 1 s for 2 x 1000 entries, each format.
# 2. ptstat report of two sets of M entries (default 12, every plot drawn),
#    and, for comparison, the same sets through ptstat compare in all five
#    formats plus ptstat plot, as compare.sh did before ptstat report.
#
# Usage: tests/report-speed.sh [N [M]]
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PTBENCH=${PTBENCH:-$top_builddir/ptbench}
PTSTAT=${PTSTAT:-$top_builddir/ptstat}
n=${1:-1000}
m=${2:-12}
case $n$m in
'' | *[!0-9]*)
	echo "usage: $0 [N [M]]" >&2
	exit 2
	;;
esac
for b in "$PTBENCH" "$PTSTAT"; do
	[ -x "$b" ] || {
		echo "$0: $b is not built" >&2
		exit 1
	}
done
command -v jq >/dev/null 2>&1 || {
	echo "$0: jq is missing (Debian package jq)" >&2
	exit 1
}

T=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-speed.XXXXXX")
trap 'rm -rf "$T"' EXIT

"$PTBENCH" run mmap-churn --iterations 300 --reps 5 -q --label seed -o "$T/seed.json"

# make_set DIR COUNT SCALE: COUNT copies of the seed result in DIR.
make_set() {
	mkdir -p "$1"
	"$PTBENCH" sysinfo --no-probe >"$1/system.json"
	jq -c --argjson n "$2" --argjson s "$3" '. as $r | range($n) as $i |
		$r | .label = "e\($i)" |
		.metrics |= map_values(.samples |= map(. * ($s + ($i % 7) / 1000)))' \
		"$T/seed.json" | split -l 1 -a 5 --additional-suffix=.json - "$1/e"
}

# wall CMD...: the wall time of CMD in seconds.
wall() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || true
	t1=$(date +%s.%N)
	awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }'
}

make_set "$T/big/a" "$n" 1
make_set "$T/big/b" "$n" 1.01
echo "ptstat compare, 2 sets x $n entries:"
for f in text markdown csv json kernbench; do
	printf '  %-9s %s s\n' "$f" "$(wall "$PTSTAT" compare "$T/big/a" "$T/big/b" --format "$f")"
done

make_set "$T/small/a" "$m" 1
make_set "$T/small/b" "$m" 1.01
before() {
	local f
	for f in text markdown csv json kernbench; do
		"$PTSTAT" compare "$1" "$2" --format "$f" >"$T/out.$f"
	done
	"$PTSTAT" plot "$1" "$2" -o "$T/plots"
}
echo "2 sets x $m entries, every plot drawn:"
printf '  ptstat report:                      %s s\n' \
	"$(wall "$PTSTAT" report "$T/report" "$T/small/a" "$T/small/b")"
printf '  5 x ptstat compare + ptstat plot:   %s s\n' \
	"$(wall before "$T/small/a" "$T/small/b")"
