#!/usr/bin/env bash
# runners/smoke.sh: set up ptbench (packages, build) if needed, then run
# every benchmark briefly on the running kernel and print a summary.
set -euo pipefail

usage() {
	cat <<EOF
Usage: runners/smoke.sh [--duration SECONDS] [--reps N] [--out DIR]

Does the set-up (runners/setup.sh: missing Debian packages, bootstrap,
configure, build) when something is out of date, then runs each benchmark
of 'ptbench list' once with short repetitions on this kernel, writes one
JSON result per benchmark into a result directory, and prints a table of
mean (standard deviation) per metric, the self-checks and the kernel's TLB
flush and table-free modes.

Options:
  --duration SECONDS   length of each repetition (default 1)
  --reps N             repetitions per benchmark (default 3)
  --out DIR            result directory (default results/smoke-RELEASE-DATE);
                       it must not exist: results are never overwritten
  -h, --help           this help

The directory appears only when every benchmark has run; an interrupted
run leaves nothing behind.
EOF
}

PROG=smoke.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

duration=1
reps=3
out=
while [ "$#" -gt 0 ]; do
	case $1 in
	--duration) [ "$#" -ge 2 ] || die "--duration needs a value"; duration=$2; shift ;;
	--reps) [ "$#" -ge 2 ] || die "--reps needs a value"; reps=$2; shift ;;
	--out) [ "$#" -ge 2 ] || die "--out needs a value"; out=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

# shellcheck source=runners/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
pt_setup

[ -n "$out" ] || out="$PT_RESULTS/smoke-$(uname -r)-$(date +%Y%m%d-%H%M%S)"
[ ! -e "$out" ] || die "$out already exists; choose another --out"
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$(dirname "$out")/.smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Arguments of each benchmark's entry: its headline case.
entry_args() {
	case $1 in
	mmap-churn) echo "--size 128M --touch pmd" ;;
	pt-teardown) echo "--tables 64 --via munmap --tasks $(($(nproc) > 1 ? 2 : 1))" ;;
	fork-exit) echo "--rss 64M" ;;
	gup-fast) echo "--walkers $(($(nproc) > 1 ? 1 : 0)) --tables 16" ;;
	tlb-shootdown) echo "--op mprotect" ;;
	*) echo "" ;;
	esac
}

"$PTBENCH_BIN" sysinfo >"$tmp/system.json"
mapfile -t benches < <("$PTBENCH_BIN" list | awk '{print $1}')
i=0
for b in "${benches[@]}"; do
	i=$((i + 1))
	read -r -a args <<<"$(entry_args "$b")"
	printf '[%d/%d] ptbench run %s %s\n' "$i" "${#benches[@]}" "$b" "${args[*]}" >&2
	"$PTBENCH_BIN" run "$b" "${args[@]}" --duration "$duration" --reps "$reps" \
		--warmup 0.2 -q -o "$tmp/$b.json"
done
mv "$tmp" "$out"
trap - EXIT

jq -r '"kernel \(.kernel.release): TLB flush \(.tlb_flush.mode) (\(.tlb_flush.source)), " +
	"table free \(.table_free.mode), PT_RECLAIM \(.pt_reclaim), THP \(.thp.enabled), " +
	"\(.cpu.online) CPUs \(.cpu.model)"' "$out/system.json"
for b in "${benches[@]}"; do
	jq -r '
	def mean: add / length;
	def sd: (mean) as $m | if length > 1 then (map(. - $m | . * .) | add / (length - 1) | sqrt) else 0 end;
	def num: . * 1000 | round / 1000 | tostring;
	"\n\(.bench) \(.command[3:] | .[:index("--duration")] | join(" "))",
	(.metrics | to_entries[] | .value as $v |
		"  \(.key | . + " " * ([24 - length, 1] | max))" +
		"\($v.samples | mean | num | " " * ([14 - length, 0] | max) + .) " +
		"(\($v.samples | sd | num)) \($v.unit)"),
	(.checks[] | "  check \(.name): \(if .ok then "ok" else "FAILED" end): \(.detail)"),
	(.findings // {} | to_entries[] | "  finding \(.key): \(.value)"),
	(.warnings[] | "  warning: \(.)")' "$out/$b.json"
done
printf '\nresults: %s\n' "$out"
