# runners/lib.sh: the helpers every runner script shares. Sourced, never
# run; the sourcing script sets PROG (the name its messages start with)
# first. Nothing here writes result JSON: that is ptbench's and ptstat's.
# shellcheck shell=bash

: "${PROG:?runners/lib.sh: set PROG before sourcing it}"

# die MESSAGE...: bad input (usage, options, a suite): exit 2.
die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 2
}

# die_usage MESSAGE...: die, pointing at --help.
die_usage() {
	die "$* (see --help)"
}

# fatal MESSAGE...: something failed while working: exit 1.
fatal() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

# note MESSAGE...: progress and findings, on stderr.
note() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

# take_value "$@": the value of the option in $1: $2 for '--opt VALUE',
# the text after '=' for '--opt=VALUE'. Sets optval and optshift (the
# words used), which the caller reads.
# shellcheck disable=SC2034
take_value() {
	case $1 in
	--*=*)
		optval=${1#*=}
		optshift=1
		;;
	*)
		if [ "$#" -lt 2 ] || [[ $2 == -* && $2 != - ]]; then
			die_usage "$1 needs a value"
		fi
		optval=$2
		optshift=2
		;;
	esac
}

# check_count WHAT VALUE: a whole number from 1 to 99999 (--reps, --rounds).
check_count() {
	[[ $2 =~ ^[1-9][0-9]{0,4}$ ]] || die "$1 '$2': want a whole number from 1 to 99999"
}

# check_set_label WHAT VALUE: the name of a result set (a directory name).
check_set_label() {
	[[ $2 =~ ^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,199}$ ]] ||
		die "$1 '$2': want letters, digits, '.', '_', '+' or '-', not starting with '.' (at most 200)"
}

# now_ms: the wall clock in milliseconds.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	printf '%s\n' "$((t / 1000))"
}

# fmt_ms MS: M:SS, or H:MM:SS.
fmt_ms() {
	local s=$((($1 + 500) / 1000))
	if [ "$s" -ge 3600 ]; then
		printf '%d:%02d:%02d' "$((s / 3600))" "$((s % 3600 / 60))" "$((s % 60))"
	else
		printf '%d:%02d' "$((s / 60))" "$((s % 60))"
	fi
}

# secs_since T0 [T1]: the seconds (two decimals) from T0 to T1 (default
# now), both as "date +%s.%N" prints them.
secs_since() {
	local t1=${2:-$(date +%s.%N)}
	awk -v a="$t1" -v b="$1" 'BEGIN { printf "%.2f\n", a - b }'
}

# older_than T0 LIMIT: true when more than LIMIT seconds passed since T0.
older_than() {
	awk -v a="$(date +%s.%N)" -v b="$1" -v l="$2" 'BEGIN { exit !(a - b > l) }'
}

# The layout, decided here and nowhere else. PT_TOP holds runners/ and
# workloads/ (with runners/kconfig/ and runners/kernel-patches/) in both:
# - a checkout (or an unpacked release): PT_TOP is the top of the tree,
#   runners/setup.sh builds ptbench and ptstat in build/, PT_BINDIR is empty,
#   and result sets go to PT_TOP/results;
# - installed (make install, the Debian package): PT_TOP is $(pkgdatadir),
#   where make install wrote runners/installed-bindir, the directory of the
#   installed ptbench and ptstat (relative to runners/ when bindir and
#   pkgdatadir share a prefix, so that a DESTDIR or moved tree works too).
#   PT_BINDIR is that directory, nothing is built, and result sets go to
#   ./results.
# PT_RESULTS: where result sets go by default.
# shellcheck disable=SC2034 # read by the scripts that source this file
PT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PT_BINDIR=
PT_RESULTS=$PT_TOP/results
if [ -f "$PT_TOP/runners/installed-bindir" ]; then
	IFS= read -r PT_BINDIR <"$PT_TOP/runners/installed-bindir" || true
	case $PT_BINDIR in
	'') fatal "$PT_TOP/runners/installed-bindir is empty (reinstall ptbench)" ;;
	/*) ;;
	*)
		PT_BINDIR=$(cd "$PT_TOP/runners/$PT_BINDIR" 2>/dev/null && pwd) ||
			fatal "the installed programs' directory $PT_TOP/runners/$(cat "$PT_TOP/runners/installed-bindir") is missing"
		;;
	esac
	# shellcheck disable=SC2034
	PT_RESULTS=$PWD/results
fi

# ---- kernel sides: runners/compare.sh --kernel, runners/fleet.sh --kernel ----
#
# Both read these globals: kernels (the --kernel SPECs, the first the
# baseline) and variants (the --variant NAME:append=ARGS,cpu=MODEL).

# pt_check_sides: the form of the variants (runners/vm.sh checks the rest,
# before booting), and something to compare.
# shellcheck disable=SC2154 # kernels and variants are the caller's
pt_check_sides() {
	local v
	for v in "${variants[@]}"; do
		[[ $v =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}:(append|cpu)= ]] ||
			die "--variant '$v': want NAME:append=ARGS,cpu=MODEL (NAME: letters, digits, '.', '_', '+', '-')"
	done
	if [ $(("${#kernels[@]}" * (${#variants[@]} > 0 ? ${#variants[@]} : 1))) -lt 2 ]; then
		die "one kernel and no --variant: nothing to compare (give two --kernel, or --variant twice)"
	fi
}

# pt_sides VM [KERNEL<tab>VARIANT...]: the sides, each kernel under each
# variant, then the extra pairs given, in that order. Sets side_names (the
# kernel release, then -VARIANT: the label of the side's set), side_kernels
# and side_variants (empty: none). 'VM kernel SPEC' gives a release (a
# debian: kernel is fetched into the cache for it); 'running' is this
# machine's kernel.
# shellcheck disable=SC2034,SC2154 # sets the caller's side_*, reads its kernels
pt_sides() {
	local vm=$1 pair k v info rel name
	local -a pairs=()
	local -A seen=()
	shift
	side_names=() side_kernels=() side_variants=()
	for k in "${kernels[@]}"; do
		if [ "${#variants[@]}" -eq 0 ]; then
			pairs+=("$k")
		else
			for v in "${variants[@]}"; do
				pairs+=("$k"$'\t'"$v")
			done
		fi
	done
	pairs+=("$@")
	for pair in "${pairs[@]}"; do
		# KERNEL, or KERNEL<tab>VARIANT (a path may hold spaces).
		k=${pair%%$'\t'*}
		v=
		[ "$pair" = "$k" ] || v=${pair#*$'\t'}
		if [ "$k" = running ]; then
			[ "${#variants[@]}" -eq 0 ] ||
				die "--variant boots a kernel differently: it does not apply to 'running'"
			rel=$(uname -r)
		else
			info=$("$vm" kernel "$k") || exit "$?"
			rel=$(sed -n 's/^release //p' <<<"$info")
		fi
		name=$rel${v:+-${v%%:*}}
		if [ -n "${seen[$name]+x}" ]; then
			die "two sides would both be named '$name' (${seen[$name]} and $k${v:+ $v}): give distinct kernels or variant names"
		fi
		seen[$name]="$k${v:+ $v}"
		side_names+=("$name")
		side_kernels+=("$k")
		side_variants+=("$v")
	done
}
