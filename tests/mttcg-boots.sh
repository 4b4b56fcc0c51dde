#!/usr/bin/env bash
# Reliability of multi-threaded TCG (MTTCG), as figures (not a pass/fail
# test: it takes about a minute a boot).  Boots each kernel N times under
# QEMU TCG with one host thread per vCPU and runs a suite (default: smoke),
# and counts the boots that failed: a kernel panic or oops on the console,
# a hung guest (vm.sh's timeout), a benchmark that died, or an incomplete
# set.  Each failure's console log is kept.
#
# Usage: tests/mttcg-boots.sh [-n BOOTS] [-s SUITE] [-r ROUNDS] [-t single|multi] [-o DIR] KERNEL...
#   KERNEL: as runners/vm.sh --kernel (debian:6.1, debian:6.12, a bzImage)
# Default: -n 20 -s smoke, the suite's own rounds, -t multi, -o a new
# directory under /tmp.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
boots=20
suite=smoke
threads=multi
rounds=
out=

usage() {
	sed -n '2,/^set -eu/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -eu/d'
}

while getopts 'n:s:r:t:o:h' opt; do
	case $opt in
	n) boots=$OPTARG ;;
	r) rounds=$OPTARG ;;
	s) suite=$OPTARG ;;
	t) threads=$OPTARG ;;
	o) out=$OPTARG ;;
	h)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
[ "$#" -ge 1 ] || {
	echo "mttcg-boots.sh: name at least one kernel (see -h)" >&2
	exit 2
}
[[ $boots =~ ^[1-9][0-9]{0,3}$ ]] || {
	echo "mttcg-boots.sh: -n '$boots': want a number of boots" >&2
	exit 2
}
case $threads in
single | multi) ;;
*)
	echo "mttcg-boots.sh: -t '$threads': want single or multi" >&2
	exit 2
	;;
esac
[ -n "$out" ] || out=$(mktemp -d /tmp/mttcg-boots.XXXXXX)
mkdir -p "$out"

summary=()
for k in "$@"; do
	fails=0
	for i in $(seq "$boots"); do
		label=boot-$i
		d=$out/${k//[:\/]/_}
		mkdir -p "$d"
		start=$(date +%s)
		rc=0
		"$top_srcdir/runners/vm.sh" run --kernel "$k" --accel tcg --tcg-threads "$threads" \
			--suite "$suite" ${rounds:+--rounds "$rounds"} --label "$label" --out "$d" \
			--force >"$d/$label.log" 2>&1 || rc=$?
		why=
		if [ "$rc" -ne 0 ]; then
			why="vm.sh exit $rc"
		fi
		console=$d/$label/vm-console.log
		[ -f "$console" ] || console=$(ls "$d"/."$label".vm/console.log 2>/dev/null || true)
		if [ -n "$console" ] && [ -f "$console" ] &&
			grep -qE 'Kernel panic|Oops|BUG:|general protection|segfault at|Fatal exception' "$console"; then
			why="${why:+$why; }console: $(grep -m1 -E 'Kernel panic|Oops|BUG:|general protection|segfault at|Fatal exception' "$console")"
		fi
		if [ -n "$why" ]; then
			fails=$((fails + 1))
			[ -z "$console" ] || cp "$console" "$d/$label.failed-console.log"
		fi
		printf '%s boot %d/%d: %s (%ds)\n' "$k" "$i" "$boots" "${why:-ok}" \
			"$(($(date +%s) - start))"
		rm -rf "${d:?}/$label" "$d/.$label.vm"
	done
	summary+=("$k: $boots boots under TCG ($threads), $fails failed")
done
printf '%s\n' "${summary[@]}"
echo "logs: $out"
