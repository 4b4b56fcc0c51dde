#!/usr/bin/env bash
# runners/run.sh: run a suite of ptbench benchmarks on the running kernel
# into one result set. See usage below.
set -euo pipefail
# Byte-wise ASCII patterns in this shell; the programs it runs keep the
# caller's locale (LANG, LC_*), only LC_ALL is not passed on.
export -n LC_ALL
LC_ALL=C

usage() {
	cat <<'EOF'
Usage: runners/run.sh [--suite NAME|FILE] [--label LABEL] [--reps N]
                      [--rounds K] [--out DIR] [--resume] [--force] [--dry-run]

Runs every entry of a suite with ptbench on the running kernel and stores
the results as one result set, OUT/LABEL/. Does the set-up first
(runners/setup.sh: missing Debian packages, build) when something is out of
date.

Options:
  --suite NAME|FILE  the suite: NAME is workloads/NAME.suite (smoke, quick,
                     full), anything with a '/' or ending in .suite is a
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
                     tree); the set is OUT/LABEL
  --resume           complete an interrupted or failed run of the same
                     suite on the same kernel (same --label and --out, and
                     the same --reps and --rounds): entries whose result is
                     there and valid are kept, the others run
  --force            replace an existing OUT/LABEL (only once the new set is
                     complete), or discard an interrupted OUT/.LABEL.partial
                     and start over
  --dry-run          print the plan (every entry's exact command, and the
                     estimated time) and run nothing
  -h, --help         show this help and exit

Suite files: one entry per line,
  LABEL BENCH OPTION...
runs 'ptbench run BENCH OPTION...' into LABEL.json. LABEL: letters, digits,
'.', '_' and '-', unique within the suite (includes and sweeps counted).
BENCH: one of 'ptbench list'. OPTIONs: options of 'ptbench run BENCH', plain
words separated by blanks. Quotes, '\', '$', '`', ';', '|', '&', '<', '>',
'(' and ')' are refused (words may use letters, digits and . _ , : = + / -),
and so are the options the runner sets itself: -o/--output, --label, --reps,
-q/--quiet, --no-aslr and -h/--help. Other lines:
  reps N          default repetitions (before the first entry; in an
                  included file it is ignored; --reps overrides it)
  rounds K        default rounds, the same way (--rounds overrides it)
  include FILE    the entries of FILE, relative to the including file's
                  directory (cycles are refused)
  # ...           comment: a whole line, or from a '#' that follows a blank
Two tokens are replaced, and nothing else is:
  @ALL            a word (or the value in --opt=@ALL): the number of CPUs,
                  nproc
  --tasks @SWEEP  (or --tasks=@SWEEP) the entry becomes nproc entries,
                  --tasks 1 to nproc, labelled LABEL-t1 ... LABEL-tN
A malformed line stops everything before anything runs, with
"run.sh: FILE:LINE: what is wrong" and exit status 2.

Every entry runs as
  ptbench run BENCH OPTION... --label LABEL --reps N --no-aslr -q -o LABEL.json
from inside the result set (ASLR off: otherwise the address-space layout
alone moves mmap-heavy figures between runs).

Rounds: the repetitions of one ptbench process share more than the layout
(physical pages, the state of the host...), and on a shared machine figures
drift over tens of seconds far more than they move from one repetition to
the next: two runs of one kernel then differ "significantly". With K rounds
the suite runs K times over (round 1 of every entry, then round 2...), each
run of an entry doing --reps N/K (spread evenly) into .LABEL.r1.json ...;
at the end run.sh merges them into LABEL.json: a ptbench/1 result with N
samples per metric, the checks of all rounds (ok if ok in every one), their
warnings, and "rounds": the command, start and repetitions of each. The
samples then span the whole run, and their spread includes the drift.

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
                       matching WARNING, BUG, Oops,
                       general protection or RIP: that appeared during the
                       run (empty: none; a line starting with '#' says when
                       the kernel log could not be read)
  meta.json            schema "ptbench-set/1": suite name and path, label,
                       reps, rounds, entries, started and finished (ISO
                       8601 UTC; finished is null until the set is
                       complete), host, kernel release, CPUs, ptbench
                       version, resumptions
The set is built in OUT/.LABEL.partial/ and renamed to OUT/LABEL/ only when
every entry succeeded. An existing OUT/LABEL/ is never replaced without
--force. One run at a time per OUT (a lock on the directory).

Progress goes to stderr: "[i/n] LABEL: elapsed M:SS, about M:SS left".

Exit status: 0 the set is complete; 1 an entry or the set-up failed (the
partial set is kept: see --resume); 2 bad input (options, suite file), nothing
run; 130, 143 or 129 interrupted by SIGINT, SIGTERM or SIGHUP (the running
entry is stopped, the partial set is kept: see --resume).

Environment:
  PTBENCH   the ptbench binary to use; when set, the set-up is skipped
            (make check sets it)
  JQ        the jq to use (default: jq from PATH)
EOF
}

die() {
	printf 'run.sh: %s\n' "$*" >&2
	exit 2
}

fatal() {
	printf 'run.sh: %s\n' "$*" >&2
	exit 1
}

note() {
	printf 'run.sh: %s\n' "$*" >&2
}

# An option value: $2 when $1 is '--opt', the text after '=' when it is
# '--opt=VALUE'. Sets $optval and $optshift (how many words were used).
take_value() {
	case $1 in
	*=*)
		optval=${1#*=}
		optshift=1
		;;
	*)
		if [ "$#" -lt 2 ] || [[ $2 == -* ]]; then
			die "$1 needs a value (see --help)"
		fi
		optval=$2
		optshift=2
		;;
	esac
}

suite_arg=quick
label=
reps_arg=
rounds_arg=
out_arg=
out_set=0
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
	--resume) resume=1 ;;
	--force) force=1 ;;
	--dry-run) dry_run=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift "$optshift"
done

# ---- command-line checks (before any set-up) ------------------------------

if [ -n "$reps_arg" ]; then
	[[ $reps_arg =~ ^[1-9][0-9]{0,4}$ ]] ||
		die "--reps '$reps_arg': want a whole number from 1 to 99999"
fi
if [ -n "$rounds_arg" ]; then
	[[ $rounds_arg =~ ^[1-9][0-9]{0,4}$ ]] ||
		die "--rounds '$rounds_arg': want a whole number from 1 to 99999"
fi
if [ -n "$label" ]; then
	if ! [[ $label =~ ^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,199}$ ]]; then
		die "--label '$label': want letters, digits, '.', '_', '+' or '-', not starting with '.' (at most 200)"
	fi
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
else
	pt_setup || fatal "the set-up failed"
	bin=$PTBENCH_BIN
fi
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
	fatal "ptbench not found or not executable: $bin"
fi
bin=$(realpath -s -- "$bin")

# The suite file, and a name for it.
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
suite_name=$(basename -- "$suite_file")
suite_name=${suite_name%.suite}
suite_path=$(realpath -- "$suite_file")

ncpu=$(nproc)

declare -A benches=()
while read -r name _; do
	[ -n "$name" ] && benches[$name]=1
done < <("$bin" list) || fatal "'$bin list' failed"
[ "${#benches[@]}" -gt 0 ] || fatal "'$bin list' listed no benchmark"
# Kernel compiles (workloads/kernbench) are entries like the benchmarks.
KERNBENCH=$PT_TOP/workloads/kernbench
if [ -x "$KERNBENCH" ]; then
	benches[kernbench]=1
fi
bench_names=$(printf '%s\n' "${!benches[@]}" | sort | tr '\n' ' ')
bench_names=${bench_names% }

# ---- suite parsing -----------------------------------------------------------
#
# Lines are read with read -r and split into words with read -r -a; every
# word is checked against a pattern. Nothing from a suite is ever evaluated.

# Parsed entries, before expansion (options joined by single spaces: words
# never contain blanks).
p_label=()
p_bench=()
p_opts=()
p_src=()
suite_reps=
suite_rounds=
inc_real=() # real paths of the files being parsed (include cycles)
inc_show=() # the same, as shown in messages

suite_err() {
	die "$1:$2: $3"
}

# The first character of $1 that an option word may not hold.
bad_char() {
	local w=$1 i c
	for ((i = 0; i < ${#w}; i++)); do
		c=${w:i:1}
		case $c in
		[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._,:=+/@-]) ;;
		*)
			printf '%s' "$c"
			return 0
			;;
		esac
	done
	return 1
}

# A word of a suite, quoted for a message: 'WORD', or $'...' when it holds
# characters that do not print.
show_word() {
	if [[ $1 == *[![:print:]]* ]]; then
		printf '%q' "$1"
	else
		printf "'%s'" "$1"
	fi
}

# check_option FILE LINE WORD PREVIOUS-WORD BENCH: refuse what a suite may
# not say.
check_option() {
	local f=$1 n=$2 w=$3 prev=$4 bench=$5 c shown
	shown=$(show_word "$w")
	if c=$(bad_char "$w"); then
		case $c in
		\' | \" | \\ | \$ | \` | \; | \| | \& | \< | \> | \( | \))
			suite_err "$f" "$n" "forbidden character '$c' in $shown: options are plain words, never shell syntax"
			;;
		*)
			suite_err "$f" "$n" "character $(show_word "$c") not allowed in $shown (option words use letters, digits and . _ , : = + / -)"
			;;
		esac
	fi
	if [ "$bench" = kernbench ]; then
		# workloads/kernbench takes kernbench's own short options (-n 3 -f ...).
		case $w in
		--out | --out=* | --label | --label=* | -h | --help)
			suite_err "$f" "$n" "$shown: the runner sets --out and --label of kernbench itself (and a suite entry cannot ask for --help)"
			;;
		*@*) suite_err "$f" "$n" "$shown: @ALL and @SWEEP are not replaced in kernbench entries" ;;
		esac
		return 0
	fi
	case $w in
	--reps | --reps=*)
		suite_err "$f" "$n" "$shown: the runner sets --reps (use a 'reps N' line, or run.sh --reps)"
		;;
	-o | --output | --output=* | --label | --label=* | -q | --quiet | --no-aslr | -h | --help)
		suite_err "$f" "$n" "$shown: the runner sets -o, --label, -q and --no-aslr itself (and a suite entry cannot ask for --help)"
		;;
	-[0-9]*) ;;
	-[!-]*) suite_err "$f" "$n" "$shown: use long options (--name) in suites" ;;
	esac
	case $w in
	*@*)
		case $w in
		@ALL | --*=@ALL) ;;
		@SWEEP)
			[ "$prev" = --tasks ] ||
				suite_err "$f" "$n" "@SWEEP is only allowed as the value of --tasks"
			;;
		--tasks=@SWEEP) ;;
		*) suite_err "$f" "$n" "$shown: unknown token (only @ALL, and @SWEEP after --tasks, are replaced)" ;;
		esac
		;;
	esac
}

# parse_suite FILE SHOWN TOP: append the entries of FILE (named SHOWN in
# messages); TOP is 1 for the suite file itself, 0 for an included one.
parse_suite() {
	local file=$1 shown=$2 top=$3 line n=0 i nw sweeps seen_entry=0
	local target tshown real chain w prev label bench dir
	local -a words

	dir=$(dirname -- "$file")
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		IFS=$' \t' read -r -a words <<<"$line"
		# A word starting with '#' starts a comment.
		nw=0
		for w in "${words[@]}"; do
			[[ $w == '#'* ]] && break
			nw=$((nw + 1))
		done
		[ "$nw" -gt 0 ] || continue
		words=("${words[@]:0:nw}")

		case ${words[0]} in
		include)
			[ "$nw" -eq 2 ] ||
				suite_err "$shown" "$n" "include takes one file name, got $((nw - 1)) words"
			target=${words[1]}
			[[ $target =~ ^[A-Za-z0-9._+/-]+$ ]] ||
				suite_err "$shown" "$n" "include $(show_word "$target"): file names use letters, digits and . _ + / -"
			if [[ $target == /* ]]; then
				tshown=$target
			else
				tshown=$(dirname -- "$shown")/$target
				tshown=${tshown#./}
				target=$dir/$target
			fi
			if [ ! -f "$target" ] || [ ! -r "$target" ]; then
				suite_err "$shown" "$n" "include $tshown: no such readable file"
			fi
			real=$(realpath -- "$target")
			for i in "${!inc_real[@]}"; do
				if [ "${inc_real[i]}" = "$real" ]; then
					chain=$(printf '%s -> ' "${inc_show[@]:i}")
					suite_err "$shown" "$n" "include cycle: $chain$tshown"
				fi
			done
			inc_real+=("$real")
			inc_show+=("$tshown")
			parse_suite "$target" "$tshown" 0
			unset 'inc_real[-1]' 'inc_show[-1]'
			seen_entry=1
			;;
		reps | rounds)
			if [ "$nw" -ne 2 ] || ! [[ ${words[1]} =~ ^[1-9][0-9]{0,4}$ ]]; then
				suite_err "$shown" "$n" "${words[0]} takes one whole number from 1 to 99999"
			fi
			[ "$seen_entry" -eq 0 ] ||
				suite_err "$shown" "$n" "${words[0]} must come before the first entry or include"
			if [ "$top" -eq 1 ] && [ "${words[0]}" = reps ]; then
				[ -z "$suite_reps" ] || suite_err "$shown" "$n" "a second reps line"
				suite_reps=${words[1]}
			elif [ "$top" -eq 1 ]; then
				[ -z "$suite_rounds" ] || suite_err "$shown" "$n" "a second rounds line"
				suite_rounds=${words[1]}
			fi
			;;
		*)
			label=${words[0]}
			[[ $label =~ ^[A-Za-z0-9._-]+$ ]] ||
				suite_err "$shown" "$n" "bad label $(show_word "$label"): use letters, digits, '.', '_' and '-'"
			case $label in
			. | .. | .*) suite_err "$shown" "$n" "bad label '$label': it may not start with '.'" ;;
			esac
			[ "${#label}" -le 100 ] || suite_err "$shown" "$n" "label longer than 100 characters"
			[ "$nw" -ge 2 ] || suite_err "$shown" "$n" "entry '$label' has no benchmark (LABEL BENCH OPTION...)"
			bench=${words[1]}
			if [ -z "${benches[$bench]+x}" ]; then
				suite_err "$shown" "$n" "unknown benchmark $(show_word "$bench") (ptbench list: $bench_names)"
			fi
			prev=
			sweeps=0
			for ((i = 2; i < nw; i++)); do
				check_option "$shown" "$n" "${words[i]}" "$prev" "$bench"
				case ${words[i]} in
				@SWEEP | --tasks=@SWEEP) sweeps=$((sweeps + 1)) ;;
				esac
				prev=${words[i]}
			done
			[ "$sweeps" -le 1 ] || suite_err "$shown" "$n" "more than one @SWEEP"
			p_label+=("$label")
			p_bench+=("$bench")
			p_opts+=("${words[*]:2}")
			p_src+=("$shown:$n")
			seen_entry=1
			;;
		esac
	done <"$file"
}

suite_shown=$suite_arg
[[ $suite_arg == */* || -e $suite_arg ]] || suite_shown=$suite_file
suite_shown=${suite_shown#"$PT_TOP"/}
suite_shown=${suite_shown#./}
inc_real=("$suite_path")
inc_show=("$suite_shown")
parse_suite "$suite_file" "$suite_shown" 1
[ "${#p_label[@]}" -gt 0 ] || die "$suite_shown: the suite has no entries"

if [ -n "$reps_arg" ]; then
	reps=$reps_arg
elif [ -n "$suite_reps" ]; then
	reps=$suite_reps
else
	reps=5
fi
if [ -n "$rounds_arg" ]; then
	rounds=$rounds_arg
elif [ -n "$suite_rounds" ]; then
	rounds=$suite_rounds
else
	rounds=1
fi
# A round makes at least one repetition.
if [ "$rounds" -gt "$reps" ]; then
	rounds=$reps
fi

# ---- expansion: @ALL, --tasks @SWEEP ---------------------------------------

e_label=()
e_bench=()
e_opts=()
e_src=()
declare -A label_src=()

add_entry() {
	local lab=$1 bench=$2 opts=$3 src=$4
	if [ -n "${label_src[$lab]+x}" ]; then
		die "$src: duplicate label '$lab' (first at ${label_src[$lab]})"
	fi
	label_src[$lab]=$src
	e_label+=("$lab")
	e_bench+=("$bench")
	e_opts+=("$opts")
	e_src+=("$src")
}

for i in "${!p_label[@]}"; do
	read -r -a words <<<"${p_opts[i]}"
	sweep=0
	for j in "${!words[@]}"; do
		case ${words[j]} in
		@ALL) words[j]=$ncpu ;;
		*=@ALL) words[j]=${words[j]%@ALL}$ncpu ;;
		@SWEEP | --tasks=@SWEEP) sweep=1 ;;
		esac
	done
	if [ "$sweep" -eq 0 ]; then
		add_entry "${p_label[i]}" "${p_bench[i]}" "${words[*]}" "${p_src[i]}"
		continue
	fi
	for ((t = 1; t <= ncpu; t++)); do
		swept=()
		for w in "${words[@]}"; do
			case $w in
			@SWEEP) swept+=("$t") ;;
			--tasks=@SWEEP) swept+=("--tasks=$t") ;;
			*) swept+=("$w") ;;
			esac
		done
		add_entry "${p_label[i]}-t$t" "${p_bench[i]}" "${swept[*]}" "${p_src[i]}"
	done
done
nent=${#e_label[@]}

# ---- the plan ------------------------------------------------------------------

# The repetitions of round R (1 to rounds): reps spread as evenly as can be.
round_reps() {
	if [ "$1" -le "$((reps % rounds))" ]; then
		printf '%d\n' "$((reps / rounds + 1))"
	else
		printf '%d\n' "$((reps / rounds))"
	fi
}

# The file round R of entry I writes: LABEL.json itself when there is one
# round, else .LABEL.rR.json (hidden: not a result of the set until merged).
round_file() {
	if [ "$rounds" -eq 1 ]; then
		printf '%s.json\n' "${e_label[$1]}"
	else
		printf '.%s.r%d.json\n' "${e_label[$1]}" "$2"
	fi
}

# Entry I is a kernel compile: it runs once (its runs come from its -n), in
# the first round, and writes LABEL-LOAD.json, one result per load.
is_kernbench() {
	[ "${e_bench[$1]}" = kernbench ]
}

# entry_cmd I R: set cmd to the argv of round R of entry I.
entry_cmd() {
	local -a opts=()
	read -r -a opts <<<"${e_opts[$1]}"
	if is_kernbench "$1"; then
		cmd=("$KERNBENCH" "${opts[@]}" --label "${e_label[$1]}" --out .)
		return
	fi
	cmd=("$bin" run "${e_bench[$1]}" "${opts[@]}" --label "${e_label[$1]}"
		--reps "$(round_reps "$2")" --no-aslr -q -o "$(round_file "$1" "$2")")
}

# The planned time of entry I in milliseconds: a warm-up and a little for
# starting up per round, plus reps times the duration (an entry with
# --iterations is counted as 1 s per repetition).
planned_ms() {
	local -a opts=()
	local duration=3 warmup=0.5 k w num='^[0-9]+([.][0-9]+)?$'
	read -r -a opts <<<"${e_opts[$1]}"
	if is_kernbench "$1"; then
		# A rough guess: a tinyconfig vmlinux builds in about 90 s on 2
		# CPUs; a warm-up and two loads of -n runs (5, 3 with -f).
		local runs=5
		for ((k = 0; k < ${#opts[@]}; k++)); do
			case ${opts[k]} in
			-f) [ "$runs" -ne 5 ] || runs=3 ;;
			-n) runs=${opts[k + 1]:-5} ;;
			esac
		done
		[[ $runs =~ ^[0-9]+$ ]] || runs=5
		printf '%d\n' "$(((2 * runs + 1) * 90000))"
		return
	fi
	for ((k = 0; k < ${#opts[@]}; k++)); do
		w=${opts[k]}
		case $w in
		--duration) duration=${opts[k + 1]:-} ;;
		--duration=*) duration=${w#*=} ;;
		--warmup) warmup=${opts[k + 1]:-} ;;
		--warmup=*) warmup=${w#*=} ;;
		--iterations | --iterations=*) duration=1 ;;
		esac
	done
	[[ $duration =~ $num ]] || duration=3
	[[ $warmup =~ $num ]] || warmup=0.5
	awk -v d="$duration" -v w="$warmup" -v r="$reps" -v k="$rounds" \
		'BEGIN { printf "%d\n", (k * (w + 0.1) + r * d) * 1000 }'
}

# M:SS, or H:MM:SS, of a number of milliseconds.
fmt_ms() {
	local s=$((($1 + 500) / 1000))
	if [ "$s" -ge 3600 ]; then
		printf '%d:%02d:%02d' "$((s / 3600))" "$((s % 3600 / 60))" "$((s % 60))"
	else
		printf '%d:%02d' "$((s / 60))" "$((s % 60))"
	fi
}

plan_ms=()
plan_total=0
nkb=0
for ((i = 0; i < nent; i++)); do
	plan_ms+=("$(planned_ms "$i")")
	plan_total=$((plan_total + plan_ms[i]))
	if is_kernbench "$i"; then
		nkb=$((nkb + 1))
	fi
done

# The expanded suite (itself a valid suite file) and the commands.
suite_text() {
	local k
	printf '# %s, expanded for %d CPUs (@ALL and @SWEEP replaced)\n' "$suite_shown" "$ncpu"
	printf 'reps %s\n' "$reps"
	printf 'rounds %s\n' "$rounds"
	for ((k = 0; k < nent; k++)); do
		printf '%s %s%s\n' "${e_label[k]}" "${e_bench[k]}" "${e_opts[k]:+ ${e_opts[k]}}"
	done
}

commands_text() {
	local k r line
	printf '# The command of each entry; run them from the result set directory.\n'
	if [ "$rounds" -gt 1 ]; then
		printf '# %d rounds; run.sh merges .LABEL.r1.json ... into LABEL.json.\n' "$rounds"
	fi
	for ((r = 1; r <= rounds; r++)); do
		for ((k = 0; k < nent; k++)); do
			if is_kernbench "$k" && [ "$r" -gt 1 ]; then
				continue
			fi
			entry_cmd "$k" "$r"
			line=$(printf '%q ' "${cmd[@]}")
			printf '%s\n' "${line% }"
		done
	done
}

[ -n "$label" ] || label=$(uname -r)-$(date +%Y%m%d-%H%M%S)
label=${label//[!A-Za-z0-9._+-]/_}
out=${out_arg:-$PT_TOP/results}
final=$out/$label
partial=$out/.$label.partial

if [ "$dry_run" -eq 1 ]; then
	printf '# suite %s: %d entries, %s repetitions each in %d round(s), %d CPUs\n' \
		"$suite_shown" "$nent" "$reps" "$rounds" "$ncpu"
	printf '# result set: %s\n' "$final"
	step=0
	for ((r = 1; r <= rounds; r++)); do
		for ((i = 0; i < nent; i++)); do
			if is_kernbench "$i" && [ "$r" -gt 1 ]; then
				continue
			fi
			step=$((step + 1))
			what=${e_label[i]}
			if [ "$rounds" -gt 1 ]; then
				what+=" (round $r/$rounds)"
			fi
			printf '# [%d/%d] %s %s, about %s\n' "$step" "$(((nent - nkb) * rounds + nkb))" \
				"$what" "${e_src[i]}" "$(fmt_ms "$((plan_ms[i] / rounds))")"
			entry_cmd "$i" "$r"
			line=$(printf '%q ' "${cmd[@]}")
			printf '%s\n' "${line% }"
		done
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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-run.XXXXXX") || fatal "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT

suite_text >"$tmp/suite.txt"
release=$(uname -r)
kversion=$(uname -v)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
resumed_json='[]'

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
	if [ -f "$partial/meta.json" ] &&
		prev=$("$JQ" -c '[.started, (.resumed // [])]' "$partial/meta.json" 2>/dev/null); then
		started=$("$JQ" -r '.[0] // empty' <<<"$prev")
		# shellcheck disable=SC2016 # jq program
		resumed_json=$("$JQ" -c --arg now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '.[1] + [$now]' <<<"$prev")
		[ -n "$started" ] || started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	fi
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
version=$("$JQ" -r '.ptbench_version // empty' "$partial/system.json" 2>/dev/null) || version=
[ -n "$version" ] || version=$("$bin" --version | awk '{ print $2 }')

# write_meta FINISHED: meta.json ("" while running).
write_meta() {
	# shellcheck disable=SC2016 # jq program
	"$JQ" -n --arg set_label "$label" --arg suite_name "$suite_name" \
		--arg suite_path "$suite_path" --argjson reps "$reps" --argjson rounds "$rounds" \
		--argjson entries "$nent" --arg started "$started" --arg finished "$1" \
		--arg host "$(uname -n)" --arg release "$release" \
		--argjson cpus "$ncpu" --arg version "$version" \
		--argjson resumed "$resumed_json" '{
			schema: "ptbench-set/1",
			"label": $set_label,
			suite: { name: $suite_name, path: $suite_path },
			reps: $reps,
			rounds: $rounds,
			entries: $entries,
			started: $started,
			finished: (if $finished == "" then null else $finished end),
			host: $host,
			kernel_release: $release,
			cpus: $cpus,
			ptbench_version: $version,
			resumed: $resumed,
			runner: "runners/run.sh"
		}' >"$partial/.meta.json.tmp"
	mv -- "$partial/.meta.json.tmp" "$partial/meta.json"
}
write_meta ""

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

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	printf '%s\n' "$((t / 1000))"
}

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
# Run "${cmd[@]}" (one round of entry $i, called $what in messages) in the
# set directory, in the background so that a signal reaches the trap at
# once. Stops the run on a failure.
run_round() {
	local rs rc=0 r0 r1 follower=0
	r0=$(now_ms)
	: >"$tmp/entry.err"
	(cd -- "$partial" && exec "${cmd[@]}" {lockfd}<&-) 2>>"$tmp/entry.err" &
	child=$!
	if is_kernbench "$i"; then
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
	r1=$(now_ms)
	rs=$(((r1 - r0) / 1000)).$(printf '%03d' "$(((r1 - r0) % 1000))")
	cat -- "$tmp/entry.err" >>"$partial/run.log"
	log "$what: exit status $rc after $rs s"
	if [ "$rc" -ne 0 ]; then
		record_kernel_warnings
		note "entry $what (${e_src[i]}) failed with exit status $rc; its last messages:"
		tail -n 20 -- "$tmp/entry.err" | sed 's/^/  /' >&2
		note "the partial set is kept in $partial; after fixing the cause: $(resume_hint)"
		exit 1
	fi
	: >"$tmp/entry.err"
}

# merge_rounds I: merge the round files of entry I into LABEL.json: the
# samples of every metric and counter concatenated in round order, reps the
# total, a check ok only when it was ok in every round, the warnings of all
# rounds, and "rounds": the command, start and repetitions of each. The
# rest (params, placement, kernel...) is the first round's.
# shellcheck disable=SC2016 # jq program
merge_rounds() {
	local lab=${e_label[$1]} r
	local -a files=()
	for ((r = 1; r <= rounds; r++)); do
		files+=("$partial/$(round_file "$1" "$r")")
	done
	"$JQ" -s --argjson reps "$reps" '
		def uniq_in_order: reduce .[] as $x ([]; if any(.[]; . == $x) then . else . + [$x] end);
		. as $r | ([$r[].metrics | keys_unsorted[]] | uniq_in_order) as $mk |
		([$r[].counters | keys_unsorted[]] | uniq_in_order) as $ck |
		([$r[].checks[].name] | uniq_in_order) as $names |
		if any($r[]; .schema != "ptbench/1") then error("a round is not a ptbench/1 result") else . end |
		$r[0]
		| .params.reps = $reps
		| .metrics = (reduce $mk[] as $k ({}; .[$k] = (
			[$r[].metrics[$k]] as $ms |
			if any($ms[]; . == null) then error("metric \($k) is missing in a round")
			else $ms[0] + {samples: [$ms[].samples[]]} end)))
		| .counters = (reduce $ck[] as $k ({}; .[$k] = (
			[$r[].counters[$k]] as $cs |
			if all($cs[]; . != null and .supported == true) then $cs[0] + {samples: [$cs[].samples[]]}
			else (first($cs[] | select(. != null and .supported == false))
				// {supported: false, reason: "not counted in every round"}) end)))
		| .checks = [$names[] as $n | [$r | to_entries[] | .key as $i |
			.value.checks[] | select(.name == $n) | {i: $i, c: .}] as $g |
			{name: $n, ok: all($g[]; .c.ok),
			 detail: (if ([$g[].c.detail] | unique | length) == 1 then $g[0].c.detail
				else [$g[] | "round \(.i + 1): \(.c.detail)"] | join("; ") end)}]
		| .warnings = ([$r[].warnings[]] | uniq_in_order)
		| .findings = (reduce ($r | reverse)[] as $x ({}; . + ($x.findings // {})))
		| .rounds = [$r[] | {command, started, reps: .params.reps}]
		| if any(.metrics[]; (.samples | length) != $reps) or
			any(.counters[]; .supported and (.samples | length) != $reps)
		  then error("the rounds do not add up to \($reps) samples of every metric") else . end
	' "${files[@]}" >"$partial/.$lab.json.tmp" 2>"$tmp/merge.err" || return 1
	mv -- "$partial/.$lab.json.tmp" "$partial/$lab.json"
	rm -f -- "${files[@]}"
}

trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

if [ "$resume" -eq 1 ]; then
	log "run.sh --resume: suite $suite_path, $nent entries, reps $reps, rounds $rounds, label $label, kernel $release, $ncpu CPUs"
else
	log "run.sh: suite $suite_path, $nent entries, reps $reps, rounds $rounds, label $label, kernel $release, $ncpu CPUs"
fi
# show_findings LABEL FILE: failed self-checks and warnings do not stop the
# suite, but are shown.
# shellcheck disable=SC2016 # jq program
show_findings() {
	"$JQ" -r --arg l "$1" '
		(.checks[]? | select(.ok == false) | "run.sh: \($l): check \(.name) FAILED: \(.detail)"),
		(.warnings[]? | "run.sh: \($l): warning: \(.)")' "$2" >&2 || true
}

# Succeed when FILE ($1) is a ptbench/1 result labelled $2 with $3 repetitions.
# shellcheck disable=SC2016 # jq program
valid_result() {
	[ -f "$1" ] && "$JQ" -e --arg l "$2" --argjson n "$3" \
		'.schema == "ptbench/1" and .label == $l and .params.reps == $n' "$1" >/dev/null 2>&1
}

# run_kernbench I: the kernel-compile entry I, once.  Its marker file
# .LABEL.kernbench-done says, on --resume, that every load was written.
run_kernbench() {
	local lab=${e_label[$1]} f n=0
	step=$((step + 1))
	what=$lab
	if [ "$resume" -eq 1 ] && [ -f "$partial/.$lab.kernbench-done" ]; then
		printf '[%d/%d] %s: done already, kept\n' "$step" "$steps" "$what" >&2
		log "[$step/$steps] $what: kept from the interrupted run"
		kept=$((kept + 1))
		return
	fi
	rm -f -- "$partial/$lab"-*.json
	printf '[%d/%d] %s: elapsed %s (a kernel compile: about %s)\n' "$step" "$steps" \
		"$what" "$(fmt_ms "$(($(now_ms) - t_start))")" "$(fmt_ms "${plan_ms[$1]}")" >&2
	entry_cmd "$1" 1
	line=$(printf '%q ' "${cmd[@]}")
	log "[$step/$steps] $what (${e_src[$1]}): ${line% }"
	run_round
	for f in "$partial/$lab"-*.json; do
		[ -e "$f" ] || continue
		"$JQ" -e '.schema == "ptbench/1"' "$f" >/dev/null 2>&1 ||
			fatal "entry $lab: kernbench exited 0 but $f is not a ptbench/1 result"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fatal "entry $lab: kernbench exited 0 but wrote no result"
	: >"$partial/.$lab.kernbench-done"
}

# The steps: round 1 of every entry, then round 2 of every entry... (with
# rounds, each entry's samples are spread over the whole run, so that the
# spread includes how the machine drifts). Entries done, and with rounds the
# round files done, are kept when resuming.
t_start=$(now_ms)
done_ms=0
done_plan=0
kept=0
steps=$(((nent - nkb) * rounds + nkb))
step=0
for ((r = 1; r <= rounds; r++)); do
	for ((i = 0; i < nent; i++)); do
		if is_kernbench "$i"; then
			[ "$r" -eq 1 ] || continue
			run_kernbench "$i"
			continue
		fi
		step=$((step + 1))
		lab=${e_label[i]}
		res=$partial/$lab.json
		rfile=$partial/$(round_file "$i" "$r")
		if [ "$rounds" -gt 1 ]; then
			what="$lab (round $r/$rounds)"
		else
			what=$lab
		fi
		if [ "$resume" -eq 1 ] && { valid_result "$res" "$lab" "$reps" ||
			valid_result "$rfile" "$lab" "$(round_reps "$r")"; }; then
			printf '[%d/%d] %s: done already, kept\n' "$step" "$steps" "$what" >&2
			log "[$step/$steps] $what: kept from the interrupted run"
			kept=$((kept + 1))
			continue
		fi
		rm -f -- "$res" "$rfile"

		elapsed=$(($(now_ms) - t_start))
		left=0
		for ((k = i; k < nent; k++)); do
			left=$((left + plan_ms[k] / rounds))
		done
		for ((k = 0; k < nent; k++)); do
			left=$((left + (rounds - r) * plan_ms[k] / rounds))
		done
		if [ "$done_plan" -gt 0 ]; then
			left=$((left * done_ms / done_plan))
		fi
		printf '[%d/%d] %s: elapsed %s, about %s left\n' "$step" "$steps" "$what" \
			"$(fmt_ms "$elapsed")" "$(fmt_ms "$left")" >&2

		entry_cmd "$i" "$r"
		line=$(printf '%q ' "${cmd[@]}")
		log "[$step/$steps] $what (${e_src[i]}): ${line% }"
		t0=$(now_ms)
		run_round
		t1=$(now_ms)
		"$JQ" -e '.schema == "ptbench/1"' "$rfile" >/dev/null 2>&1 ||
			fatal "entry $lab: ptbench exited 0 but $rfile is not a ptbench/1 result"
		show_findings "$what" "$rfile"
		done_ms=$((done_ms + t1 - t0))
		done_plan=$((done_plan + plan_ms[i] / rounds))
	done
done

if [ "$rounds" -gt 1 ]; then
	for ((i = 0; i < nent; i++)); do
		lab=${e_label[i]}
		if is_kernbench "$i"; then
			continue
		fi
		if ! valid_result "$partial/$lab.json" "$lab" "$reps"; then
			merge_rounds "$i" || fatal "entry $lab: cannot merge its rounds: $(cat "$tmp/merge.err")"
		fi
	done
fi

# ---- finishing ---------------------------------------------------------------

record_kernel_warnings
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
write_meta "$finished"
log "run.sh: all $nent entries done"

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
	note "$nent entries: $((steps - kept)) runs of ptbench, $kept kept from before, in $(fmt_ms "$total")"
else
	note "$nent entries in $(fmt_ms "$total")"
fi
printf 'results: %s\n' "$final"
