#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make fuzz: each fuzz target of a --enable-fuzz build in turn, in one process, on
# a working copy of its corpus, for FUZZ_TIME seconds (or FUZZ_RUNS
# executions when set; FUZZ_TIMEOUT seconds a unit, default 60); a table
# of what each did at the end.
#
# Usage: fuzz/run.sh SRCDIR BUILDDIR NAME...
# New inputs go to BUILDDIR/fuzz/work/NAME (merge them into
# SRCDIR/fuzz/corpus/NAME with -merge=1 by hand), crashes to
# BUILDDIR/fuzz/crashes/NAME-*; stderr of a run to BUILDDIR/fuzz/NAME.log.
# The files the plan and facts targets write go to TMPDIR, /dev/shm when
# TMPDIR is not set (on a disk they run several times slower).
set -u

src=$1 build=$2
shift 2
time=${FUZZ_TIME:-60}
runs=${FUZZ_RUNS:-}
# A unit slower than this is a hang.  Generous: on a machine loaded by other
# builds a unit that takes milliseconds was once stalled past 10 s.
timeout=${FUZZ_TIMEOUT:-60}
status=0
# The targets that need a file write it on each run: in memory when it can.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export TMPDIR=/dev/shm
fi
table=$(mktemp)
trap 'rm -f "$table"' EXIT

for name in "$@"; do
	bin=$build/fuzz/fuzz-$name
	work=$build/fuzz/work/$name
	log=$build/fuzz/$name.log
	mkdir -p "$work" "$build/fuzz/crashes"
	if [ -n "$runs" ]; then
		limit="-runs=$runs"
	else
		limit="-max_total_time=$time"
	fi
	echo "fuzz-$name: $limit, corpus $src/fuzz/corpus/$name" >&2
	before=$(ls "$build/fuzz/crashes" | grep -c "^$name-" || true)
	# -close_fd_mask=3: the parsers' messages are not read; libFuzzer's
	# own report and the sanitizers' still reach the log.
	"$bin" "$limit" -close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz/crashes/$name-" -timeout="$timeout" -rss_limit_mb=2048 \
		"$work" "$src/fuzz/corpus/$name" 2>"$log"
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p')
	# Those of this run: the directory keeps the earlier ones.
	crashes=$(( $(ls "$build/fuzz/crashes" | grep -c "^$name-" || true) - before ))
	[ "$rc" -eq 0 ] || status=1
	rate=-
	[ -n "$secs" ] && [ "$secs" -gt 0 ] && rate=$(( ${execs:-0} / secs ))
	printf '%-8s %12s %6s %9s %6s %6s %4s %s\n' "$name" "${execs:-?}" "${secs:-?}" "$rate" \
		${cov:-? ?} "$rc" "$crashes" >>"$table"
done
printf '%-8s %12s %6s %9s %6s %6s %4s %s\n' target executions secs exec/s cov ft rc crashes
cat "$table"
exit $status
