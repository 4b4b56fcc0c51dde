#!/usr/bin/env bash
# runners/run.sh: run a suite of ptbench benchmarks on the running kernel
# into one result set. See usage below. The suite is planned and checked by
# 'ptbench plan'; the set's meta.json and merged rounds are written by
# 'ptstat set' and 'ptstat merge': this script only runs processes.
set -euo pipefail
# Byte-wise ASCII patterns in this shell; the programs it runs keep the
# caller's locale (LANG, LC_*), only LC_ALL is not passed on.
export -n LC_ALL
LC_ALL=C

PROG=run.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	cat <<'USAGE'
Usage: runners/run.sh [--suite NAME|FILE] [--label LABEL] [--reps N]
                      [--rounds K] [--out DIR] [--entry-timeout S]
                      [--resume] [--force] [--dry-run]

Runs every entry of a suite with ptbench on the running kernel and stores
the results as one result set, OUT/LABEL/. Does the set-up first
(runners/setup.sh: missing Debian packages, build) when something is out of
date.

Options:
  --suite NAME|FILE  the suite: NAME is workloads/NAME.suite (smoke, quick,
                     full...), anything with a '/' or ending in .suite is a
                     file (default: quick)
  --label LABEL      name of the result set (default: RELEASE-YYYYmmdd-HHMMSS,
                     RELEASE being uname -r); letters, digits, '.', '_', '+',
                     '-', not starting with '.'
  --reps N           repetitions of every entry (default: the suite's 'reps'
                     line, else 5)
  --rounds K         run the suite K times over, each entry's repetitions
                     shared out between its K runs, and merge them (default:
                     the suite's 'rounds' line, else 1; at most N; see
                     "Rounds" below)
  --out DIR          where the result set goes (default: results/ of this
                     tree; ./results when installed); the set is OUT/LABEL
  --entry-timeout S  stop an entry (SIGTERM, then SIGKILL 10 s later) that
                     runs longer than S seconds and record it as failed
                     (default: 300 + 10 x its planned time; 0: never)
  --resume           complete an interrupted run of the same suite on the
                     same kernel (same --label and --out, and the same --reps
                     and --rounds): entries whose result is there and valid
                     are kept, the others (failed ones included) run
  --force            replace an existing OUT/LABEL (only once the new set is
                     complete), or discard an interrupted OUT/.LABEL.partial
                     and start over
  --dry-run          print the plan (every entry's exact command, and the
                     estimated time) and run nothing
  -h, --help         show this help and exit

The suite language (entries 'LABEL BENCH OPTION...', reps, rounds,
include, @ALL, --tasks @SWEEP) is explained by 'ptbench plan --help'.
'ptbench plan' reads the suite and checks every entry's options with the
checks 'ptbench run' makes, before anything runs: a bad entry anywhere is
refused with "ptbench plan: FILE:LINE: what is wrong" and exit status 2.

Every entry runs as
  ptbench run BENCH OPTION... --label LABEL --reps N --no-aslr -q -o LABEL.json
from inside the result set (ASLR off: otherwise the address-space layout
alone moves mmap-heavy figures between runs); a kernbench entry runs
workloads/kernbench OPTION... --label LABEL --out . once, in the first round.

Rounds: the repetitions of one ptbench process share more than the layout
(physical pages, the state of the host...), and on a shared machine figures
drift over tens of seconds far more than they move from one repetition to
the next: two runs of one kernel then differ "significantly". With K rounds
the suite runs K times over (round 1 of every entry, then round 2...), each
run of an entry doing --reps N/K (spread evenly) into .LABEL.r1.json ...;
at the end 'ptstat merge' merges them into LABEL.json: a ptbench/1 result
with N samples per metric, the checks of all rounds (ok if ok in every one),
their warnings, and "rounds": the command, start and repetitions of each.

A failing entry (a crash, a non-zero exit, --entry-timeout) does not stop
the run: it is recorded in meta.json's "failed" list with its exit status
and last messages (ptstat lists it at the top of every report), its later
rounds are skipped, and the other entries run. The set is still completed;
the exit status says that an entry failed.

The result set OUT/LABEL/ holds:
  system.json          ptbench sysinfo, taken before the first entry
  LABEL.json           one ptbench/1 result per entry (results/README.md)
  suite.txt            the expanded suite, reps and rounds included (itself
                       a valid suite file)
  commands.txt         the exact command of each entry, or of each of its
                       rounds (shell-quoted; run from the result set
                       directory)
  run.log              what ptbench printed on stderr, entry by entry, with
                       times and exit statuses
  kernel-warnings.txt  boot log lines about command-line parameters the
                       kernel did not understand, then kernel log lines
                       matching WARNING, BUG, Oops, general protection or
                       RIP: that appeared during the run (empty: none; a
                       line starting with '#' says when the kernel log could
                       not be read)
  meta.json            the set's record (ptstat set): suite, label,
                       reps, rounds, entries, started and finished, host,
                       kernel, CPUs, ptbench version, resumptions and the
                       failed entries
The set is built in OUT/.LABEL.partial/ and renamed to OUT/LABEL/ when every
entry has run. An existing OUT/LABEL/ is never replaced without --force. One
run at a time per OUT (a lock on the directory).

Progress goes to stderr: "[i/n] LABEL: elapsed M:SS, about M:SS left".

Exit status: 0 the set is complete; 3 the set is complete, but an entry
failed (meta.json "failed"); 1 the set-up or the runner failed (the partial
set is kept: see --resume); 2 bad input (options, suite file), nothing run;
130, 143 or 129 interrupted by SIGINT, SIGTERM or SIGHUP (the running entry
is stopped, the partial set is kept: see --resume).

Environment:
  PTBENCH   the ptbench binary to use; when set, the set-up is skipped
            (make check sets it); PTSTAT then names ptstat (default: the
            ptstat beside PTBENCH)
  JQ        the jq to use (default: jq from PATH)
USAGE
}

suite_arg=quick
label=
reps_arg=
rounds_arg=
out_arg=
out_set=0
entry_timeout=
resume=0
force=0
dry_run=0
while [ "$#" -gt 0 ]; do
	optshift=1
	case $1 in
	--suite | --suite=*)
		take_value "$@"
		suite_arg=$optval
		;;
	--label | --label=*)
		take_value "$@"
		label=$optval
		;;
	--reps | --reps=*)
		take_value "$@"
		reps_arg=$optval
		;;
	--rounds | --rounds=*)
		take_value "$@"
		rounds_arg=$optval
		;;
	--out | --out=*)
		take_value "$@"
		out_arg=$optval
		out_set=1
		;;
	--entry-timeout | --entry-timeout=*)
		take_value "$@"
		entry_timeout=$optval
		;;
	--resume) resume=1 ;;
	--force) force=1 ;;
	--dry-run) dry_run=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift "$optshift"
done

# ---- command-line checks (before any set-up) ------------------------------

[ -z "$reps_arg" ] || check_count --reps "$reps_arg"
[ -z "$rounds_arg" ] || check_count --rounds "$rounds_arg"
if [ -n "$entry_timeout" ] && ! [[ $entry_timeout =~ ^(0|[1-9][0-9]{0,6})$ ]]; then
	die "--entry-timeout '$entry_timeout': want whole seconds (0: never)"
fi
if [ -n "$label" ]; then
	check_set_label --label "$label"
elif [ "$resume" -eq 1 ]; then
	die "--resume needs the --label of the run to complete"
fi
if [ "$out_set" -eq 1 ] && [ -z "$out_arg" ]; then
	die "--out needs a directory"
fi
if [ -n "$out_arg" ] && [ -e "$out_arg" ] && [ ! -d "$out_arg" ]; then
	die "--out '$out_arg' exists and is not a directory"
fi

# ---- set-up ----------------------------------------------------------------

# shellcheck source=SCRIPTDIR/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

JQ=${JQ:-jq}
command -v "$JQ" >/dev/null 2>&1 || fatal "jq not found (Debian package jq)"

if [ -n "${PTBENCH:-}" ]; then
	bin=$PTBENCH
	ptstat=${PTSTAT:-$(dirname -- "$bin")/ptstat}
else
	pt_setup || fatal "the set-up failed"
	bin=$PTBENCH_BIN
	ptstat=$PTSTAT_BIN
fi
for b in "$bin" "$ptstat"; do
	if [ ! -f "$b" ] || [ ! -x "$b" ]; then
		fatal "${b##*/} not found or not executable: $b"
	fi
done
bin=$(realpath -s -- "$bin")
ptstat=$(realpath -s -- "$ptstat")
# kernbench entries write their results with it.
export PTSTAT=$ptstat
KERNBENCH=$PT_TOP/workloads/kernbench

# The suite file.
case $suite_arg in
'') die "--suite needs a name or a file" ;;
*/* | *.suite)
	suite_file=$suite_arg
	if [ ! -e "$suite_file" ] && [[ $suite_arg != */* ]] &&
		[ -e "$PT_TOP/workloads/$suite_arg" ]; then
		suite_file=$PT_TOP/workloads/$suite_arg
	fi
	;;
*)
	[[ $suite_arg =~ ^[A-Za-z0-9._-]+$ ]] || die "--suite '$suite_arg': not a suite name"
	suite_file=$PT_TOP/workloads/$suite_arg.suite
	;;
esac
if [ ! -f "$suite_file" ] || [ ! -r "$suite_file" ]; then
	known=
	for f in "$PT_TOP"/workloads/*.suite; do
		[ -f "$f" ] || continue
		f=${f##*/}
		known+=" ${f%.suite}"
	done
	die "no suite '$suite_arg': $suite_file is not a readable file (suites:${known:- none})"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-run.XXXXXX") || fatal "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT

# ---- the plan ----------------------------------------------------------------

# A suite of this tree is named workloads/NAME.suite in messages: planned
# from the top of the tree.
plan_args=()
[ -z "$reps_arg" ] || plan_args+=(--reps "$reps_arg")
[ -z "$rounds_arg" ] || plan_args+=(--rounds "$rounds_arg")
plan_dir=.
plan_file=$suite_file
case $suite_file in
"$PT_TOP"/workloads/*)
	plan_dir=$PT_TOP
	plan_file=${suite_file#"$PT_TOP"/}
	;;
esac
prc=0
(cd -- "$plan_dir" && "$bin" plan "${plan_args[@]}" -- "$plan_file") >"$tmp/plan.json" || prc=$?
case $prc in
0) ;;
2) exit 2 ;; # ptbench plan said what is wrong, with FILE:LINE
*) fatal "'ptbench plan' failed with exit status $prc" ;;
esac

# The plan, one run per line, round 1 of every entry first: entry index,
# round, kind, label, source, planned ms, result file, repetitions,
# arguments (plain words: the plan allows no blanks).
# shellcheck disable=SC2016 # a jq program
"$JQ" -r '[.entries | to_entries[] | .key as $i | .value as $e | $e.runs[] |
	[$i, .round, $e.kind, $e.label, $e.src, .planned_ms, (.file // "-"), (.reps // 0),
	 (.args | join(" "))]] | sort_by(.[1], .[0])[] | @tsv' "$tmp/plan.json" >"$tmp/runs.tsv" ||
	fatal "'ptbench plan' wrote a plan jq cannot read"
read -r nent reps rounds ncpu plan_total < <("$JQ" -r \
	'[(.entries | length), .reps, .rounds, .cpus, .planned_ms] | @tsv' "$tmp/plan.json")
"$JQ" -j '.suite_text' "$tmp/plan.json" >"$tmp/suite.txt"

r_entry=() r_round=() r_kind=() r_label=() r_src=() r_ms=() r_file=() r_reps=() r_args=()
while IFS=$'\t' read -r i r kind lab src ms file rreps args; do
	r_entry+=("$i")
	r_round+=("$r")
	r_kind+=("$kind")
	r_label+=("$lab")
	r_src+=("$src")
	r_ms+=("$ms")
	r_file+=("$file")
	r_reps+=("$rreps")
	r_args+=("$args")
done <"$tmp/runs.tsv"
nruns=${#r_entry[@]}

# run_cmd K: set cmd to the argv of run K.
run_cmd() {
	local -a args=()
	read -r -a args <<<"${r_args[$1]}"
	if [ "${r_kind[$1]}" = kernbench ]; then
		cmd=("$KERNBENCH" "${args[@]}")
	else
		cmd=("$bin" "${args[@]}")
	fi
}

# run_what K: the run as progress lines name it.
run_what() {
	if [ "$rounds" -gt 1 ] && [ "${r_kind[$1]}" != kernbench ]; then
		printf '%s (round %d/%d)' "${r_label[$1]}" "${r_round[$1]}" "$rounds"
	else
		printf '%s' "${r_label[$1]}"
	fi
}

commands_text() {
	local k line
	printf '# The command of each entry; run them from the result set directory.\n'
	if [ "$rounds" -gt 1 ]; then
		printf '# %d rounds; ptstat merge merges .LABEL.r1.json ... into LABEL.json.\n' "$rounds"
	fi
	for ((k = 0; k < nruns; k++)); do
		run_cmd "$k"
		line=$(printf '%q ' "${cmd[@]}")
		printf '%s\n' "${line% }"
	done
}

[ -n "$label" ] || label=$(uname -r)-$(date +%Y%m%d-%H%M%S)
label=${label//[!A-Za-z0-9._+-]/_}
out=${out_arg:-$PT_RESULTS}
final=$out/$label
partial=$out/.$label.partial

if [ "$dry_run" -eq 1 ]; then
	printf '# suite %s: %d entries, %s repetitions each in %d round(s), %d CPUs\n' \
		"$("$JQ" -r '.suite.shown' "$tmp/plan.json")" "$nent" "$reps" "$rounds" "$ncpu"
	printf '# result set: %s\n' "$final"
	for ((k = 0; k < nruns; k++)); do
		printf '# [%d/%d] %s %s, about %s\n' "$((k + 1))" "$nruns" "$(run_what "$k")" \
			"${r_src[k]}" "$(fmt_ms "${r_ms[k]}")"
		run_cmd "$k"
		line=$(printf '%q ' "${cmd[@]}")
		printf '%s\n' "${line% }"
	done
	printf '# planned time: about %s (rounds x warm-up + reps x duration, per entry)\n' \
		"$(fmt_ms "$plan_total")"
	exit 0
fi

# ---- the result set directory --------------------------------------------

mkdir -p -- "$out" || fatal "cannot create --out directory $out"
exec {lockfd}<"$out" || fatal "cannot open $out"
flock -n "$lockfd" || die "another run.sh is running into $out: wait for it to finish"

if [ -e "$final" ] && [ "$force" -eq 0 ]; then
	die "$final already exists: choose another --label, or add --force to replace it once the new set is complete"
fi

release=$(uname -r)
kversion=$(uname -v)
set_args=()
if [ "$resume" -eq 1 ]; then
	[ -d "$partial" ] ||
		die "nothing to resume: $partial does not exist (run without --resume)"
	if [ ! -f "$partial/suite.txt" ] || [ ! -f "$partial/system.json" ]; then
		die "$partial is incomplete (no suite.txt or system.json): add --force (without --resume) to start over"
	fi
	if ! diff <(grep -v '^#' "$partial/suite.txt") <(grep -v '^#' "$tmp/suite.txt") \
		>"$tmp/suite.diff"; then
		note "the partial set was made from another suite, or with other --reps, --rounds or CPU count:"
		sed 's/^/  /' "$tmp/suite.diff" >&2
		die "refusing to resume $partial: add --force (without --resume) to start over"
	fi
	old_kernel=$("$JQ" -r '"\(.kernel.release)\t\(.kernel.version)"' "$partial/system.json" 2>/dev/null) ||
		die "$partial/system.json is not readable JSON: add --force (without --resume) to start over"
	if [ "$old_kernel" != "$release"$'\t'"$kversion" ]; then
		die "refusing to resume $partial: it was made on kernel ${old_kernel%%$'\t'*} (${old_kernel#*$'\t'}), this is $release ($kversion)"
	fi
	set_args=(--resume)
else
	if [ -e "$partial" ]; then
		[ "$force" -eq 1 ] ||
			die "$partial exists (an interrupted or failed run): add --resume to complete it, or --force to start over"
		rm -rf -- "$partial"
	fi
	mkdir -- "$partial" || fatal "cannot create $partial"
	cp -- "$tmp/suite.txt" "$partial/suite.txt"
	"$bin" sysinfo >"$partial/.system.json.tmp" 2>"$tmp/sysinfo.err" ||
		fatal "'ptbench sysinfo' failed: $(cat "$tmp/sysinfo.err")"
	mv -- "$partial/.system.json.tmp" "$partial/system.json"
	: >"$partial/run.log"
	: >"$partial/kernel-warnings.txt"
fi
commands_text >"$partial/commands.txt"
"$ptstat" set start "$partial" --label "$label" --plan "$tmp/plan.json" "${set_args[@]}" ||
	fatal "'ptstat set start' could not write $partial/meta.json"

# ---- kernel log ------------------------------------------------------------

dmesg_ok=1
if ! dmesg >"$tmp/dmesg.before" 2>"$tmp/dmesg.err"; then
	dmesg_ok=0
elif [ "$resume" -eq 0 ]; then
	# Boot parameters the kernel did not understand change what runs (a
	# mistyped pt_table_free=, say): recorded once, before the entries.
	grep -E 'Unknown kernel command line parameters|unknown value|Malformed early option' \
		"$tmp/dmesg.before" >>"$partial/kernel-warnings.txt" || true
fi

# Append the kernel warnings logged since the start to kernel-warnings.txt.
record_kernel_warnings() {
	local reason
	if [ "$dmesg_ok" -eq 1 ] && dmesg >"$tmp/dmesg.after" 2>"$tmp/dmesg.err"; then
		grep -Fvx -f "$tmp/dmesg.before" "$tmp/dmesg.after" |
			grep -E 'WARNING|BUG|Oops|general protection|RIP:' \
				>>"$partial/kernel-warnings.txt" || true
		cp -- "$tmp/dmesg.after" "$tmp/dmesg.before"
	else
		reason=$(head -n 1 "$tmp/dmesg.err")
		printf '# kernel log not readable (%s): kernel warnings were not checked\n' \
			"${reason:-dmesg failed}" >>"$partial/kernel-warnings.txt"
		dmesg_ok=0
	fi
}

# ---- running ---------------------------------------------------------------

log() {
	printf '=== %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$partial/run.log"
}

resume_hint() {
	local hint
	hint=$(printf '%q ' "$0" --suite "$suite_arg" --label "$label" --reps "$reps" --rounds "$rounds")
	if [ -n "$out_arg" ]; then
		hint+=$(printf '%q ' --out "$out_arg")
	fi
	printf '%s--resume' "$hint"
}

child=0
on_signal() {
	local sig=$1 status=$2
	trap '' INT TERM HUP
	if [ "$child" -ne 0 ] && kill -0 "$child" 2>/dev/null; then
		kill -"$sig" "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	if [ -s "$tmp/entry.err" ]; then
		cat -- "$tmp/entry.err" >>"$partial/run.log"
	fi
	log "interrupted by SIG$sig"
	record_kernel_warnings
	note "interrupted by SIG$sig; the partial set is kept in $partial"
	note "to complete it: $(resume_hint)"
	exit "$status"
}

# The timeout of run K in seconds (0: none).
run_timeout() {
	if [ -n "$entry_timeout" ]; then
		printf '%s\n' "$entry_timeout"
	else
		printf '%s\n' "$((300 + 10 * (r_ms[$1] + 999) / 1000))"
	fi
}

# run_one K: run "${cmd[@]}" (run K) in the set directory, in the
# background so that a signal reaches the trap at once. Sets rc.
run_one() {
	local rs r0 r1 follower=0 limit
	local -a wrap=()
	limit=$(run_timeout "$1")
	if [ "$limit" -gt 0 ]; then
		wrap=(timeout --kill-after=10 "$limit")
	fi
	rc=0
	r0=$(now_ms)
	: >"$tmp/entry.err"
	(cd -- "$partial" && exec "${wrap[@]}" "${cmd[@]}" {lockfd}<&-) 2>>"$tmp/entry.err" &
	child=$!
	if [ "${r_kind[$1]}" = kernbench ]; then
		# A kernel compile takes minutes: show its progress as it comes.
		tail --pid="$child" -n +1 -f -- "$tmp/entry.err" 2>/dev/null |
			grep --line-buffered '^kernbench: ' | sed -u 's/^/  /' >&2 &
		follower=$!
	fi
	wait "$child" || rc=$?
	child=0
	if [ "$follower" -ne 0 ]; then
		wait "$follower" || true
	fi
	if [ "$limit" -gt 0 ] && { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; }; then
		printf '%s: stopped after %s s (--entry-timeout)\n' "$PROG" "$limit" >>"$tmp/entry.err"
	fi
	r1=$(now_ms)
	rs=$(((r1 - r0) / 1000)).$(printf '%03d' "$(((r1 - r0) % 1000))")
	cat -- "$tmp/entry.err" >>"$partial/run.log"
	log "$what: exit status $rc after $rs s"
}

# The entry of run K failed with status rc: recorded in meta.json, shown,
# and its later rounds skipped.
entry_failed() {
	local i=${r_entry[$1]} lab=${r_label[$1]}
	record_kernel_warnings
	failed[i]=1
	nfailed=$((nfailed + 1))
	note "entry $what (${r_src[$1]}) failed with exit status $rc; its last messages:"
	tail -n 20 -- "$tmp/entry.err" | sed 's/^/  /' >&2
	"$ptstat" set fail "$partial" --entry "$lab" --status "$rc" --round "${r_round[$1]}" \
		--src "${r_src[$1]}" --log "$tmp/entry.err" ||
		fatal "'ptstat set fail' could not record the failure in $partial/meta.json"
	if [ "${r_kind[$1]}" = kernbench ]; then
		rm -f -- "$partial/.$lab.kernbench-done"
	else
		rm -f -- "$partial/$lab.json" "$partial"/."$lab".r*.json
	fi
}

# show_findings LABEL FILE: failed self-checks and warnings do not stop the
# suite, but are shown.
# shellcheck disable=SC2016 # jq program
show_findings() {
	"$JQ" -r --arg l "$1" '
		(.checks[]? | select(.ok == false) | "run.sh: \($l): check \(.name) FAILED: \(.detail)"),
		(.warnings[]? | "run.sh: \($l): warning: \(.)")' "$2" >&2 || true
}

# Succeed when FILE ($1) is a valid result labelled $2 with $3 repetitions.
valid_result() {
	[ -f "$1" ] && "$ptstat" check -q --label "$2" --reps "$3" -- "$1"
}

# done_already K: run K's result is there from an interrupted run.
done_already() {
	local lab=${r_label[$1]} file=${r_file[$1]}
	if [ "${r_kind[$1]}" = kernbench ]; then
		[ -f "$partial/.$lab.kernbench-done" ]
		return
	fi
	valid_result "$partial/$lab.json" "$lab" "$reps" ||
		{ [ "$rounds" -gt 1 ] && valid_result "$partial/$file" "$lab" "${r_reps[$1]}"; }
}


# check_output K: after run K exited 0, its results must be there.
check_output() {
	local lab=${r_label[$1]} f n=0
	if [ "${r_kind[$1]}" = kernbench ]; then
		for f in "$partial/$lab"-*.json; do
			[ -e "$f" ] || continue
			"$ptstat" check -- "$f" 2>>"$tmp/entry.err" ||
				{ printf '%s: kernbench exited 0 but %s is not a valid result\n' \
					"$PROG" "${f##*/}" >>"$tmp/entry.err" && return 1; }
			n=$((n + 1))
		done
		if [ "$n" -eq 0 ]; then
			printf '%s: kernbench exited 0 but wrote no result\n' "$PROG" >>"$tmp/entry.err"
			return 1
		fi
		: >"$partial/.$lab.kernbench-done"
		return 0
	fi
	if ! "$ptstat" check -- "$partial/${r_file[$1]}" 2>>"$tmp/entry.err"; then
		printf '%s: ptbench exited 0 but %s is not a valid result\n' \
			"$PROG" "${r_file[$1]}" >>"$tmp/entry.err"
		return 1
	fi
	show_findings "$what" "$partial/${r_file[$1]}"
}

trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

if [ "$resume" -eq 1 ]; then
	log "run.sh --resume: suite $suite_file, $nent entries, reps $reps, rounds $rounds, label $label, kernel $release, $ncpu CPUs"
else
	log "run.sh: suite $suite_file, $nent entries, reps $reps, rounds $rounds, label $label, kernel $release, $ncpu CPUs"
fi

# The runs, in the plan's order: round 1 of every entry, then round 2...
# (with rounds, each entry's samples are spread over the whole run, so that
# the spread includes how the machine drifts). Runs done are kept when
# resuming.
t_start=$(now_ms)
done_ms=0
done_plan=0
kept=0
nfailed=0
failed=()
for ((k = 0; k < nruns; k++)); do
	i=${r_entry[k]}
	lab=${r_label[k]}
	what=$(run_what "$k")
	step=$((k + 1))
	if [ -n "${failed[i]:-}" ]; then
		printf '[%d/%d] %s: skipped, the entry failed in an earlier round\n' "$step" "$nruns" "$what" >&2
		log "[$step/$nruns] $what: skipped (failed in an earlier round)"
		continue
	fi
	if [ "$resume" -eq 1 ] && done_already "$k"; then
		printf '[%d/%d] %s: done already, kept\n' "$step" "$nruns" "$what" >&2
		log "[$step/$nruns] $what: kept from the interrupted run"
		kept=$((kept + 1))
		continue
	fi
	if [ "${r_kind[k]}" = kernbench ]; then
		rm -f -- "$partial/$lab"-*.json "$partial/.$lab.kernbench-done"
	else
		rm -f -- "$partial/${r_file[k]}"
		[ "${r_round[k]}" -gt 1 ] || rm -f -- "$partial/$lab.json"
	fi

	elapsed=$(($(now_ms) - t_start))
	left=0
	for ((j = k; j < nruns; j++)); do
		left=$((left + r_ms[j]))
	done
	if [ "$done_plan" -gt 0 ]; then
		left=$((left * done_ms / done_plan))
	fi
	printf '[%d/%d] %s: elapsed %s, about %s left\n' "$step" "$nruns" "$what" \
		"$(fmt_ms "$elapsed")" "$(fmt_ms "$left")" >&2

	run_cmd "$k"
	line=$(printf '%q ' "${cmd[@]}")
	log "[$step/$nruns] $what (${r_src[k]}): ${line% }"
	t0=$(now_ms)
	run_one "$k"
	t1=$(now_ms)
	if [ "$rc" -eq 0 ] && ! check_output "$k"; then
		rc=1
	fi
	if [ "$rc" -ne 0 ]; then
		entry_failed "$k"
		continue
	fi
	: >"$tmp/entry.err"
	if [ "$resume" -eq 1 ] &&
		{ [ "${r_round[k]}" -eq "$rounds" ] || [ "${r_kind[k]}" = kernbench ]; }; then
		# Done now: a failure recorded by the interrupted run is void.
		"$ptstat" set ok "$partial" --entry "$lab" ||
			fatal "'ptstat set ok' could not update $partial/meta.json"
	fi
	done_ms=$((done_ms + t1 - t0))
	done_plan=$((done_plan + r_ms[k]))
done

# Rounds merged into LABEL.json by ptstat merge.
if [ "$rounds" -gt 1 ]; then
	while IFS=$'\t' read -r i lab kind; do
		if [ "$kind" = kernbench ] || [ -n "${failed[i]:-}" ]; then
			continue
		fi
		valid_result "$partial/$lab.json" "$lab" "$reps" && continue
		files=()
		for ((r = 1; r <= rounds; r++)); do
			files+=("$partial/.$lab.r$r.json")
		done
		if ! "$ptstat" merge -o "$partial/$lab.json" --reps "$reps" "${files[@]}" 2>"$tmp/merge.err"; then
			fatal "entry $lab: cannot merge its rounds: $(cat "$tmp/merge.err")"
		fi
		rm -f -- "${files[@]}"
	done < <("$JQ" -r '.entries | to_entries[] | [.key, .value.label, .value.kind] | @tsv' "$tmp/plan.json")
fi

# ---- finishing ---------------------------------------------------------------

record_kernel_warnings
"$ptstat" set finish "$partial" || fatal "'ptstat set finish' could not update $partial/meta.json"
log "run.sh: all $nent entries run, $nfailed failed"

# The set is complete: no interruption from here on may leave it half-moved.
trap '' INT TERM HUP
if [ -e "$final" ]; then
	old=$out/.$label.old
	rm -rf -- "$old"
	mv -T -- "$final" "$old" || fatal "cannot move the old $final aside"
	mv -T -- "$partial" "$final" || fatal "cannot rename $partial to $final (the old set is in $old)"
	rm -rf -- "$old"
else
	mv -T -- "$partial" "$final" || fatal "cannot rename $partial to $final"
fi

nwarn=$(grep -vc '^#' "$final/kernel-warnings.txt" || true)
if [ "$nwarn" -gt 0 ]; then
	note "the kernel logged $nwarn warning line(s) during the run: see $final/kernel-warnings.txt"
fi
total=$(($(now_ms) - t_start))
if [ "$kept" -gt 0 ]; then
	note "$nent entries: $((nruns - kept)) runs, $kept kept from before, in $(fmt_ms "$total")"
else
	note "$nent entries in $(fmt_ms "$total")"
fi
printf 'results: %s\n' "$final"
if [ "$nfailed" -gt 0 ]; then
	note "$nfailed entr$([ "$nfailed" -eq 1 ] && echo y || echo ies) failed: listed in $final/meta.json (\"failed\") and at the top of ptstat's reports"
	exit 3
fi
