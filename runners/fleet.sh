#!/usr/bin/env bash
# runners/fleet.sh: one suite on many hosts through GNU parallel over ssh,
# the result sets gathered, checked and compared. See usage below.
# shellcheck disable=SC2016 # jq programs and the hosts' shell words in single quotes

set -euo pipefail

usage() {
	cat <<'EOF'
Usage: runners/fleet.sh --hosts FILE [--suite NAME|FILE] [--label LABEL]
                        [--reps N] [--rounds K] [--resume] [--force]
                        [--results DIR] [--identity FILE] [--known-hosts FILE]
                        [--accept-new-hostkeys] [--connect-timeout S]
       runners/fleet.sh --hosts FILE --kernel SPEC [--kernel SPEC ...]
                        [--variant V ...] [--jobs-per-host N] [--accel A]
                        [VM OPTIONS] [the options above]

Runs one suite on every host of FILE at once (GNU parallel over ssh, one job
per host), brings each host's result set back into
RESULTS/fleet-LABEL/HOST/, and compares them with 'ptstat report' (the first
host of FILE is the baseline). A host that fails does not stop the others.

The hosts file is GNU parallel's sshloginfile: one host per line,
  [N/][USER@]HOST
with '#' comments (whole lines, or after a blank) and blank lines. HOST is a
name or an IPv4 address (letters, digits, '.', '-', '_'); a port or other
ssh settings go in ~/.ssh/config. N/ (the jobs a host takes at once) is
read and ignored: a suite runs once per host, and benchmarks on one host
must not overlap (with --kernel, --jobs-per-host is every host's N). ':' (this machine) is refused: use runners/run.sh. The
name of a host's set is HOST; two lines naming one HOST are refused.

What each host gets, and why. This tree's distribution (make distdir, as
make dist packs it, tarred reproducibly) is shipped over ssh once per
content: ~/.cache/ptbench/fleet-dist/ptbench-VERSION-HASH.tar.gz here
(the 5 used last are kept),
DIR/src/HASH/ on the host (HASH: its SHA-256, 16 digits). On the host it is
built with the project's own set-up (runners/setup.sh: the missing Debian
packages installed as root, or the sudo line printed and a failure; then
configure and make) into DIR/build/HASH/, so a second run or --resume does
not rebuild. A binary built here is not shipped: hosts differ in
distribution and library versions (hwloc, libpfm4, jansson, GSL), so a
binary from here may not run there, and building there is what proves the
host has the packages. DIR is $PTBENCH_FLEET_DIR on the host, else
$HOME/.cache/ptbench/fleet. A suite FILE (not a suite of workloads/) is
shipped beside it; it may not 'include' other files.

Each host then runs runners/run.sh --suite SUITE --label LABEL --out
DIR/sets (--force: a fresh run; --resume: see below). When it is done, its
set comes back through ssh as a tar stream into a hidden directory of
RESULTS/fleet-LABEL/ (only regular files and directories, no absolute or
'..' names), every result in it is checked with 'ptstat check', the set
must load ('ptstat show'), and only then is it moved to HOST/ by 'ptstat
set place' (an earlier HOST/ is replaced only once the new one passed, in
one step: exchanged with it, so that HOST/ is never missing). Then 'ptstat
report RESULTS/fleet-LABEL/report HOST-SETS...' writes the report and
prints the table on stdout (with at least two sets).

RESULTS/fleet-LABEL/fleet.json (schema ptbench-fleet/1, written by 'ptstat
set fleet', see results/README.md) records per host: ok (its set is
there), partial (its set is there, entries failed in it) or failed with
the reason (ssh's message, the set-up's, the run's, or why its set was
refused), and the kernel release and the clock the host had. When a host's
kernel or clock (its offset from this machine's, by more than 60 s) differs
from what its last run recorded, that is reported.

Kernels in VMs on the hosts (--kernel, --variant): compare.sh's sides
spread over the hosts. The sides are compare.sh's, with its syntax and
meaning (runners/lib.sh: each kernel under each variant, named by the
kernel release, then -VARIANT; see runners/compare.sh --help): each side is
one job, runners/vm.sh run --kernel SPEC [--variant V] --label SIDE on some
host of FILE, GNU parallel choosing the host (each takes --jobs-per-host
sides at once, default 1: VMs on one host disturb each other's timings;
more only for large hosts). Only debian:SERIES specs: each host fetches the
kernel itself (this machine fetches it too, for its release, which names
the side); a kernel file is not shipped, and 'running' is this mode
without --kernel. The hosts are contacted and get the tree as above, and
QEMU's packages (runners/setup.sh). Each side's set comes back from the
host that ran it (DIR/sets/vm-LABEL/SIDE there), checked as above and also
that it is of its kernel, into RESULTS/fleet-LABEL/SIDE/; fleet.json
records per side (its sides object) the host that ran it, and in hosts only
the hosts that could not be used. The report compares the sides in
compare.sh's order, the first the baseline. --resume runs only the sides
not gathered (a side whose set is complete on the host that takes it is
only sent). The suite defaults to smoke with --accel tcg, else quick.

Faults. A host that is down, refuses the connection, has an unknown host
key, lacks packages, or fails in the run is recorded as failed with the
reason; the other hosts go on and their sets are kept. A run cut off
keeps its partial set on the host. --resume re-runs only what is missing:
hosts whose set is here are left alone; a failed host continues its
partial set (run.sh --resume), or starts it, or only sends it when it is
complete on the host. SIGINT or SIGTERM stops every run: GNU parallel ends
its ssh connections, and on each host parallel's wrapper, seeing its ssh
session gone, stops the run with --termseq (SIGTERM, then SIGKILL to
whatever is left 8 s later: run.sh stops its entry and keeps the partial
set); nothing is left running on the hosts.

Security. ssh runs with BatchMode=yes (never a password prompt) and
StrictHostKeyChecking=yes against the known_hosts file (--known-hosts, or
ssh's default): an unknown or changed host key fails that host.
--accept-new-hostkeys switches to StrictHostKeyChecking=accept-new: the keys
of hosts never seen are recorded, and their fingerprints printed (a changed
key is still refused). Nothing a host prints is evaluated or sourced here:
its answers are matched against fixed patterns, its messages only shown and
recorded, and its set only accepted once ptstat validated it.

Options:
  --hosts FILE          the hosts (format above); required
  --suite NAME|FILE     the suite, as for runners/run.sh (default: quick;
                        smoke with --kernel and --accel tcg)
  --label LABEL         the run's name: the sets' label and fleet-LABEL
                        (default: YYYYmmdd-HHMMSS)
  --reps N, --rounds K  passed to run.sh on every host
  --resume              complete RESULTS/fleet-LABEL (above)
  --force               replace an existing RESULTS/fleet-LABEL's sets
                        (each only once its new set passed)
  --results DIR         where fleet-LABEL/ goes (default: results/ of this
                        tree)
  --identity FILE       ssh's private key (ssh -i)
  --known-hosts FILE    the known_hosts file (default: ssh's)
  --accept-new-hostkeys record the keys of hosts never seen (above)
  --connect-timeout S   ssh's ConnectTimeout (default 10); a connection
                        silent for 60 s (ServerAliveInterval 15, 4 misses)
                        counts as lost
  --kernel SPEC         a kernel booted in VMs on the hosts, debian:SERIES
                        (repeat; the first is the baseline)
  --variant NAME:append=ARGS,cpu=MODEL
                        every kernel once per variant (repeat; as
                        compare.sh's --variant)
  --jobs-per-host N     sides a host runs at once (default 1; with --kernel
                        only: a suite on one host must run alone)
  --accel auto|kvm|tcg  the VMs' accelerator (default auto: each host's
                        vm.sh probes KVM; sides under TCG and KVM are then
                        not compared by the report)
  --mem SIZE, --smp N, --boot-timeout S, --timeout S, --tcg-threads T
                        passed to runners/vm.sh on the hosts
  -h, --help            show this help and exit

Exit status: 0 every host's set is gathered (with --kernel: every side's);
3 some hosts failed ("N of M hosts failed" on stderr; with --kernel, "N of
M sides failed"; the others' sets and the report are kept); 1 this
machine's side failed (set-up, report); 2 bad input (options, hosts file,
suite), nothing run; 130 or 143 interrupted by SIGINT or SIGTERM (the
interrupted hosts recorded as failed; --resume completes them).

Needs here: GNU parallel, ssh, tar, jq (Debian: parallel, openssh-client,
tar, jq), and apt for --kernel debian:SERIES; on the hosts: sshd, perl (for
parallel's wrapper), tar, gzip, bash, and root or the packages of
runners/setup.sh (with --kernel, QEMU's too, and apt).

Environment:
  PTBENCH, PTSTAT  the ptbench and ptstat to use here; when set, this
                   machine's set-up is skipped (its build directory is
                   PTBENCH's)
EOF
}

PROG=fleet.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- on a host: fleet.sh --remote-run NAME LABEL SUITE REPS ROUNDS MODE ----
#
# Run by GNU parallel's ssh wrapper inside the shipped tree, DIR/src/HASH/.
# Its last line on failure is "fleet.sh: reason: TEXT", which the machine
# that started it records (as text, never evaluated).

remote_reason() {
	printf 'fleet.sh: reason: %s\n' "$*" >&2
}

# remote_setup NAME LOGNAME [vm]: the set-up of the shipped tree on the host
# (one at a time: with --jobs-per-host, sides share the build); sets d and
# top, exports PTBENCH and PTSTAT. With vm, QEMU's packages too.
remote_setup() {
	local name=$1 log hash lockfd
	d=${PTBENCH_FLEET_DIR:-$HOME/.cache/ptbench/fleet}
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	hash=$(basename -- "$(dirname -- "$top")")
	mkdir -p -- "$d/logs" "$d/sets" "$d/build" || {
		remote_reason "cannot create $d"
		exit 1
	}
	log=$d/logs/$2.setup.log
	export PTBENCH_BUILD=$d/build/$hash
	note "$name: set-up (build in $PTBENCH_BUILD)"
	# shellcheck source=SCRIPTDIR/setup.sh
	. "$top/runners/setup.sh"
	[ "${3:-}" != vm ] || PT_DEBIAN_PACKAGES+=("${PT_VM_PACKAGES[@]}")
	exec {lockfd}>"$d/build/.$hash.lock"
	flock "$lockfd"
	if ! pt_setup 2> >(tee "$log" >&2); then
		wait
		remote_reason "set-up failed: $(grep -E '^(setup.sh: |sudo )' "$log" |
			tr '\n' ' ' | cut -c1-400)"
		exit 1
	fi
	exec {lockfd}>&-
	export PTBENCH=$PTBENCH_BIN PTSTAT=$PTSTAT_BIN
}

remote_run() {
	local name=$1 label=$2 suite=$3 reps=$4 rounds=$5 mode=$6 d top rc
	local -a args=()

	remote_setup "$name" "$label"
	case $suite in
	file:*) suite=$d/suites/${suite#file:} ;;
	esac
	args=(--suite "$suite" --label "$label" --out "$d/sets")
	[ "$reps" = - ] || args+=(--reps "$reps")
	[ "$rounds" = - ] || args+=(--rounds "$rounds")
	if [ "$mode" = resume ]; then
		if [ -d "$d/sets/$label" ]; then
			note "$name: the set is complete on the host"
			exit 0
		fi
		[ ! -d "$d/sets/.$label.partial" ] || args+=(--resume)
	else
		args+=(--force)
	fi
	rc=0
	"$top/runners/run.sh" "${args[@]}" 2> >(tee "$d/logs/$label.run.err" >&2) || rc=$?
	wait
	case $rc in
	0 | 3) exit "$rc" ;;
	esac
	remote_reason "run.sh failed (exit $rc): $(grep -v '^\[' "$d/logs/$label.run.err" 2>/dev/null |
		tail -n 1 | cut -c1-300)"
	exit "$rc"
}

# ---- on a host: fleet.sh --remote-vm J SIDE KERNEL VARIANT LABEL SUITE REPS
#                              ROUNDS MODE ACCEL [VM.SH OPTIONS...] ----
#
# One side (J: its index, SIDE its set's name, VARIANT '-' for none):
# runners/vm.sh run, as compare.sh runs it, into DIR/sets/vm-LABEL/SIDE.
remote_vm() {
	local j=$1 side=$2 kernel=$3 variant=$4 label=$5 suite=$6 reps=$7 rounds=$8 mode=$9
	local accel=${10} d top rc out err
	local -a args=()
	shift 10

	remote_setup "$side" "vm-$label-$j" vm
	case $suite in
	file:*) suite=$d/suites/${suite#file:} ;;
	esac
	out=$d/sets/vm-$label
	err=$d/logs/vm-$label-$j.run.err
	args=(--kernel "$kernel" --label "$side" --suite "$suite" --accel "$accel" --out "$out" "$@")
	[ "$variant" = - ] || args+=(--variant "$variant")
	[ "$reps" = - ] || args+=(--reps "$reps")
	[ "$rounds" = - ] || args+=(--rounds "$rounds")
	if [ "$mode" = resume ] && [ -d "$out/$side" ]; then
		note "$side: its set is complete on the host"
		exit 0
	fi
	rc=0
	"$top/runners/vm.sh" run "${args[@]}" --force 2> >(tee "$err" >&2) || rc=$?
	wait
	case $rc in
	0 | 3) exit "$rc" ;;
	esac
	remote_reason "vm.sh failed (exit $rc): $(grep -v '^\[' "$err" 2>/dev/null |
		tail -n 1 | cut -c1-300)"
	exit "$rc"
}

case ${1:-} in
--remote-run)
	[ "$#" -eq 7 ] || die "--remote-run: 6 arguments"
	shift
	remote_run "$@"
	;;
--remote-vm)
	[ "$#" -ge 11 ] || die "--remote-vm: at least 10 arguments"
	shift
	remote_vm "$@"
	;;
esac

# ---- options ------------------------------------------------------------

hosts_file=
suite=
label=
reps=
rounds=
resume=0
force=0
results=
identity=
known_hosts=
accept_new=0
connect_timeout=10
kernels=()
variants=()
jobs_per_host=
accel=auto
vm_opts=()
while [ "$#" -gt 0 ]; do
	case $1 in
	--hosts | --hosts=* | --suite | --suite=* | --label | --label=* | --reps | --reps=* | \
		--rounds | --rounds=* | --results | --results=* | --identity | --identity=* | \
		--known-hosts | --known-hosts=* | --connect-timeout | --connect-timeout=* | \
		--kernel | --kernel=* | --variant | --variant=* | --jobs-per-host | --jobs-per-host=* | \
		--accel | --accel=* | --mem | --mem=* | --smp | --smp=* | --boot-timeout | \
		--boot-timeout=* | --timeout | --timeout=* | --tcg-threads | --tcg-threads=*)
		take_value "$@"
		case $1 in
		--hosts*) hosts_file=$optval ;;
		--suite*) suite=$optval ;;
		--label*) label=$optval ;;
		--reps*) reps=$optval ;;
		--rounds*) rounds=$optval ;;
		--results*) results=$optval ;;
		--identity*) identity=$optval ;;
		--known-hosts*) known_hosts=$optval ;;
		--connect-timeout*) connect_timeout=$optval ;;
		--kernel*) kernels+=("$optval") ;;
		--variant*) variants+=("$optval") ;;
		--jobs-per-host*) jobs_per_host=$optval ;;
		--accel*) accel=$optval ;;
		--mem* | --smp* | --boot-timeout* | --timeout* | --tcg-threads*)
			vm_opts+=("${1%%=*}" "$optval")
			;;
		esac
		shift "$optshift"
		continue
		;;
	--resume) resume=1 ;;
	--force) force=1 ;;
	--accept-new-hostkeys) accept_new=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die_usage "unknown option '$1'" ;;
	esac
	shift
done

[ -n "$hosts_file" ] || die_usage "--hosts FILE is needed"
# Kernels booted in VMs on the hosts: compare.sh's sides (runners/lib.sh),
# each one job on some host.
vm_mode=0
if [ "${#kernels[@]}" -gt 0 ]; then
	vm_mode=1
	pt_check_sides
	for k in "${kernels[@]}"; do
		case $k in
		debian:*) ;;
		running) die "--kernel running: each host's own kernel is fleet.sh without --kernel" ;;
		*) die "--kernel '$k': a kernel file is not shipped to the hosts (yet): give debian:SERIES, which each host fetches" ;;
		esac
	done
	case $accel in
	auto | kvm | tcg) ;;
	*) die "--accel '$accel': want auto, kvm or tcg" ;;
	esac
	[ -n "$suite" ] || { [ "$accel" = tcg ] && suite=smoke; } || suite=quick
	for ((o = 0; o < ${#vm_opts[@]}; o += 2)); do
		[[ ${vm_opts[o + 1]} =~ ^[A-Za-z0-9.]{1,16}$ ]] ||
			die "${vm_opts[o]} '${vm_opts[o + 1]}': want letters, digits or '.' (see runners/vm.sh --help)"
	done
	[ -n "$jobs_per_host" ] || jobs_per_host=1
	[[ $jobs_per_host =~ ^[1-9][0-9]{0,2}$ ]] ||
		die "--jobs-per-host '$jobs_per_host': want a number of VMs at once on one host (1 to 999)"
else
	if [ -n "$jobs_per_host" ]; then
		die "--jobs-per-host: a suite runs once per host, alone: benchmarks on one host must not overlap (it is for --kernel sides: VMs on large hosts)"
	fi
	if [ "${#variants[@]}" -gt 0 ] || [ "$accel" != auto ] || [ "${#vm_opts[@]}" -gt 0 ]; then
		die "--variant, --accel, --mem, --smp, --boot-timeout, --timeout and --tcg-threads go with --kernel"
	fi
	[ -n "$suite" ] || suite=quick
fi
if [ ! -f "$hosts_file" ] || [ ! -r "$hosts_file" ]; then
	die "--hosts '$hosts_file': no such readable file"
fi
[ -z "$reps" ] || check_count --reps "$reps"
[ -z "$rounds" ] || check_count --rounds "$rounds"
[[ $connect_timeout =~ ^[1-9][0-9]{0,3}$ ]] || die "--connect-timeout '$connect_timeout': want seconds from 1 to 9999"
[ "$resume" -eq 0 ] || [ "$force" -eq 0 ] || die "--resume and --force do not go together"
if [ -z "$label" ]; then
	[ "$resume" -eq 0 ] || die "--resume needs the --label of the run to complete"
	label=$(date +%Y%m%d-%H%M%S)
fi
check_set_label --label "$label"
[ -z "$identity" ] || [ -r "$identity" ] || die "--identity '$identity': no such readable file"
if [ -n "$known_hosts" ]; then
	if [ ! -e "$known_hosts" ] && [ "$accept_new" -eq 0 ]; then
		die "--known-hosts '$known_hosts' does not exist (--accept-new-hostkeys to create it)"
	fi
	known_hosts=$(realpath -m -- "$known_hosts")
fi

# ---- the hosts file -----------------------------------------------------

logins=()
names=()
declare -A name_line=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	line=${line%%[[:blank:]]#*}
	[[ $line == \#* ]] && continue
	line=${line#"${line%%[![:blank:]]*}"}
	line=${line%"${line##*[![:blank:]]}"}
	[ -n "$line" ] || continue
	if [[ $line == : || $line == */: ]]; then
		die "$hosts_file:$lineno: ':' is this machine, not a host: run runners/run.sh here"
	fi
	if ! [[ $line =~ ^([0-9]{1,4}/)?(([A-Za-z0-9._][A-Za-z0-9._-]{0,63})@)?([A-Za-z0-9][A-Za-z0-9._-]{0,199})$ ]]; then
		die "$hosts_file:$lineno: '$line': want [N/][USER@]HOST (a port goes in ~/.ssh/config)"
	fi
	login=${BASH_REMATCH[2]}${BASH_REMATCH[4]}
	name=${BASH_REMATCH[4]}
	if [ -n "${name_line[$name]+x}" ]; then
		die "$hosts_file:$lineno: host '$name' is already on line ${name_line[$name]}"
	fi
	name_line[$name]=$lineno
	logins+=("$login")
	names+=("$name")
done <"$hosts_file"
[ "${#names[@]}" -gt 0 ] || die "$hosts_file: no host in it"

# The suite: a name of workloads/, or a file shipped beside the tree.
suite_file=
if [[ $suite == */* || $suite == *.suite ]]; then
	[ -f "$suite" ] || die "--suite '$suite': no such file"
	grep -qE '^[[:blank:]]*include[[:blank:]]' "$suite" &&
		die "--suite '$suite': a suite shipped to the hosts may not 'include' other files"
	[[ $(basename -- "$suite") =~ ^[A-Za-z0-9._+-]+$ ]] ||
		die "--suite '$suite': want a file name of letters, digits, '.', '_', '+', '-'"
	suite_file=$(realpath -- "$suite")
fi

command -v parallel >/dev/null 2>&1 || fatal "GNU parallel not found (Debian package parallel)"
command -v ssh >/dev/null 2>&1 || fatal "ssh not found (Debian package openssh-client)"
JQ=${JQ:-jq}
command -v "$JQ" >/dev/null 2>&1 || fatal "jq not found (Debian package jq)"

# ---- this machine: ptbench, ptstat, the distribution ----------------------

# shellcheck source=SCRIPTDIR/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
if [ -n "${PTBENCH:-}" ]; then
	ptbench=$PTBENCH
	ptstat=${PTSTAT:-$(dirname -- "$PTBENCH")/ptstat}
	builddir=$(dirname -- "$ptbench")
else
	pt_setup || fatal "the set-up failed"
	ptbench=$PTBENCH_BIN
	ptstat=$PTSTAT_BIN
	builddir=$PT_BUILDDIR
fi
[ -x "$ptstat" ] || fatal "ptstat not found or not executable: $ptstat"
[ -f "$builddir/Makefile" ] || fatal "$builddir has no Makefile: cannot make the distribution"

# The suite, checked here before any host is contacted.
if [ -z "$suite_file" ] && [ ! -f "$PT_TOP/workloads/$suite.suite" ]; then
	die "--suite '$suite': no workloads/$suite.suite"
fi
plan_args=()
[ -z "$reps" ] || plan_args+=(--reps "$reps")
[ -z "$rounds" ] || plan_args+=(--rounds "$rounds")
"$ptbench" plan "${plan_args[@]}" "${suite_file:-$PT_TOP/workloads/$suite.suite}" >/dev/null ||
	exit 2

# The sides, named as compare.sh names them (a debian: kernel is fetched
# here for its release; each host fetches its own).
side_names=()
if [ "$vm_mode" -eq 1 ]; then
	pt_sides "$PT_TOP/runners/vm.sh"
fi

results=${results:-$PT_TOP/results}
out=$results/fleet-$label
if [ -e "$out/fleet.json" ] && [ "$resume" -eq 0 ] && [ "$force" -eq 0 ]; then
	die "$out already exists: --resume to complete it, --force to run it again, or another --label"
fi
if [ "$resume" -eq 1 ] && [ ! -f "$out/fleet.json" ]; then
	die "nothing to resume: $out/fleet.json does not exist (run without --resume)"
fi
mkdir -p -- "$out" || fatal "cannot create $out"
out=$(realpath -- "$out")
exec {lockfd}<"$out" || fatal "cannot open $out"
flock -n "$lockfd" || die "another fleet.sh is running into $out"
fleet_json=$out/fleet.json

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-fleet.XXXXXX") || fatal "cannot create a temporary directory"
cleanup() {
	rm -rf -- "$tmp"
	rm -rf -- "$out"/.fetch-*
}
trap cleanup EXIT

# The distribution: make distdir (the files make dist packs), tarred
# reproducibly, so that an unchanged tree has the same hash every time.
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$builddir/Makefile")
[[ $version =~ ^[A-Za-z0-9._+-]+$ ]] || fatal "cannot read PACKAGE_VERSION from $builddir/Makefile"
make -s -C "$builddir" distdir distdir="$tmp/ptbench-$version" \
	top_distdir="$tmp/ptbench-$version" >"$tmp/distdir.log" 2>&1 || {
	tail -n 20 "$tmp/distdir.log" >&2
	fatal "make distdir failed in $builddir"
}
# The directories were made now: their times are set to one fixed value
# (the files keep the tree's).
find "$tmp/ptbench-$version" -type d -exec touch -d @0 {} +
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner -cf - "ptbench-$version" |
	gzip -n >"$tmp/dist.tar.gz"
rm -rf -- "${tmp:?}/ptbench-$version"
hash=$(sha256sum <"$tmp/dist.tar.gz" | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/ptbench/fleet-dist
mkdir -p -- "$cache" || fatal "cannot create $cache"
tarball=$cache/ptbench-$version-$hash.tar.gz
[ -f "$tarball" ] || mv -- "$tmp/dist.tar.gz" "$tarball"
touch -- "$tarball"
# The cache keeps the 5 tarballs used last.
find "$cache" -maxdepth 1 -name 'ptbench-*.tar.gz' -printf '%T@ %p\n' | sort -rn |
	tail -n +6 | cut -d' ' -f2- | while IFS= read -r old_tarball; do
	rm -f -- "$old_tarball"
done
suite_arg=$suite
if [ -n "$suite_file" ]; then
	shash=$(sha256sum <"$suite_file" | cut -c1-16)
	suite_arg=file:$shash/$(basename -- "$suite_file")
fi

# ---- ssh ------------------------------------------------------------------

ssh_cmd=(ssh -o BatchMode=yes -o ConnectTimeout="$connect_timeout"
	-o ServerAliveInterval=15 -o ServerAliveCountMax=4)
if [ "$accept_new" -eq 1 ]; then
	ssh_cmd+=(-o StrictHostKeyChecking=accept-new)
else
	ssh_cmd+=(-o StrictHostKeyChecking=yes)
fi
[ -z "$known_hosts" ] || ssh_cmd+=(-o UserKnownHostsFile="$known_hosts")
[ -z "$identity" ] || ssh_cmd+=(-i "$identity" -o IdentitiesOnly=yes)
kh_file=${known_hosts:-$HOME/.ssh/known_hosts}

# The host's directory, as its shell expands it.
# shellcheck disable=SC2016 # expanded on the host
rdir='"${PTBENCH_FLEET_DIR:-$HOME/.cache/ptbench/fleet}"'

# clean FILE: its last line that is not empty, printable ASCII only, at
# most 300 characters: a message of the host, shown and recorded, never run.
clean_last() {
	{ grep -v '^[[:space:]]*$' "$1" 2>/dev/null || true; } | tail -n 1 |
		LC_ALL=C tr -cd '[:print:]' | cut -c1-300
}

# record HOST-INDEX STATUS [REASON]: ptstat set fleet, with what the host said.
record() {
	local i=$1 status=$2 reason=${3:-}
	local -a a=(--label "$label" --suite "$suite" --host "${names[i]}" --status "$status"
		--sshlogin "${logins[i]}")
	[ -z "$reason" ] || a+=(--reason "$reason")
	[ -z "${h_kernel[i]:-}" ] || a+=(--kernel "${h_kernel[i]}")
	[ -z "${h_clock[i]:-}" ] || a+=(--clock "${h_clock[i]}" --clock-offset "${h_offset[i]}")
	"$ptstat" set fleet "$out" "${a[@]}" || fatal "ptstat set fleet could not write $fleet_json"
}

failed=0
failed_names=()
host_failed() {
	local i=$1
	shift
	note "${names[i]}: FAILED: $*"
	record "$i" failed "$*"
	failed=$((failed + 1))
	failed_names+=("${names[i]}")
}

# ---- contact, ship --------------------------------------------------------

h_kernel=()
h_clock=()
h_offset=()
todo=()
printf 'fleet.sh: %d hosts, suite %s, label %s, ptbench %s (%s), into %s\n' \
	"${#names[@]}" "$suite" "$label" "$version" "$hash" "$out" >&2

# The sides still to run (--resume: those whose set is not here).
sides_todo=()
side_failed_n=0
side_failed_names=()
side_host=()
if [ "$vm_mode" -eq 1 ]; then
	note "${#side_names[@]} sides (kernels in VMs, $jobs_per_host at once per host, accel $accel): $(printf '%s, ' "${side_names[@]}" | sed 's/, $//')"
	for j in "${!side_names[@]}"; do
		if [ "$resume" -eq 1 ] && [ -d "$out/${side_names[j]}" ] &&
			"$JQ" -e --arg s "${side_names[j]}" '.sides[$s].status | IN("ok", "partial")' \
				"$fleet_json" >/dev/null 2>&1; then
			note "${side_names[j]}: its set is here (--resume): not run again"
			continue
		fi
		sides_todo+=("$j")
	done
fi

# record_side SIDE-INDEX STATUS [REASON]: ptstat set fleet --set, with the
# host that ran it (side_host) and what that host said.
record_side() {
	local j=$1 status=$2 reason=${3:-} i=${side_host[$1]:-}
	local -a a=(--label "$label" --suite "$suite" --set "${side_names[j]}"
		--kernel-spec "${side_kernels[j]}" --status "$status")
	[ -z "${side_variants[j]}" ] || a+=(--variant "${side_variants[j]}")
	[ -z "$reason" ] || a+=(--reason "$reason")
	if [ -n "$i" ]; then
		a+=(--host "${names[i]}" --sshlogin "${logins[i]}")
		[ -z "${h_kernel[i]:-}" ] || a+=(--kernel "${h_kernel[i]}")
		[ -z "${h_clock[i]:-}" ] || a+=(--clock "${h_clock[i]}" --clock-offset "${h_offset[i]}")
	fi
	"$ptstat" set fleet "$out" "${a[@]}" || fatal "ptstat set fleet could not write $fleet_json"
}

side_failed() {
	local j=$1
	shift
	note "${side_names[j]}: FAILED: $*"
	record_side "$j" failed "$*"
	side_failed_n=$((side_failed_n + 1))
	side_failed_names+=("${side_names[j]}")
}

for i in "${!names[@]}"; do
	n=${names[i]}
	# Every side gathered (--resume): no host needed.
	[ "$vm_mode" -eq 0 ] || [ "${#sides_todo[@]}" -gt 0 ] || break
	if [ "$vm_mode" -eq 0 ] && [ "$resume" -eq 1 ] && [ -d "$out/$n" ] &&
		"$JQ" -e --arg h "$n" '.hosts[$h].status | IN("ok", "partial")' "$fleet_json" >/dev/null 2>&1; then
		note "$n: its set is here (--resume): not run again"
		continue
	fi
	known_before=0
	if ssh-keygen -F "$n" -f "$kh_file" >/dev/null 2>&1; then
		known_before=1
	fi
	rc=0
	"${ssh_cmd[@]}" "${logins[i]}" "d=$rdir; printf 'kernel %s\nclock %s\n' \"\$(uname -r)\" \"\$(date -u +%s)\"; if [ -f \"\$d/src/$hash/ptbench-$version/runners/fleet.sh\" ]; then echo tree yes; else echo tree no; fi" \
		>"$tmp/probe.out" 2>"$tmp/probe.err" </dev/null || rc=$?
	now=$(date -u +%s)
	if [ "$rc" -ne 0 ]; then
		why=$(clean_last "$tmp/probe.err")
		case $why in
		*"Host key verification failed"*)
			why="$why (its key is not in $kh_file: check it and add it, or --accept-new-hostkeys)"
			;;
		esac
		host_failed "$i" "ssh ${logins[i]} failed (exit $rc): ${why:-no message}"
		continue
	fi
	if [ "$accept_new" -eq 1 ] && [ "$known_before" -eq 0 ]; then
		while IFS= read -r fp; do
			note "$n: host key recorded in $kh_file: $fp"
		done < <(ssh-keygen -l -F "$n" -f "$kh_file" 2>/dev/null | grep -v '^#' || true)
	fi
	kern=$(sed -n 's/^kernel \([A-Za-z0-9._+~-]\{1,100\}\)$/\1/p' "$tmp/probe.out" | head -n 1)
	secs=$(sed -n 's/^clock \([0-9]\{1,12\}\)$/\1/p' "$tmp/probe.out" | head -n 1)
	tree=$(sed -n 's/^tree \(yes\|no\)$/\1/p' "$tmp/probe.out" | head -n 1)
	if [ -z "$kern" ] || [ -z "$secs" ] || [ -z "$tree" ]; then
		host_failed "$i" "the host's answer was not understood: $(clean_last "$tmp/probe.out")"
		continue
	fi
	h_kernel[i]=$kern
	h_offset[i]=$((secs - now))
	h_clock[i]=$(date -u -d "@$secs" +%Y-%m-%dT%H:%M:%SZ)
	# What its last run recorded.
	if [ -f "$fleet_json" ]; then
		# '|' (not a blank, which read would merge) between fields that
		# may be empty.
		prev=$("$JQ" -r --arg h "$n" '.hosts[$h] // {} |
			"\(.kernel_release // "")|\(.clock_offset_s // "")|\(.updated // "")"' "$fleet_json") || prev=
		IFS='|' read -r pk po pu <<<"$prev" || true
		if [ -n "$pk" ] && [ "$pk" != "$kern" ]; then
			note "$n: CHANGED: its kernel was $pk at its last run ($pu), it is $kern now"
		fi
		if [[ $po =~ ^-?[0-9]+$ ]] && [ "$(((po - h_offset[i]) * (po - h_offset[i])))" -gt 3600 ]; then
			note "$n: CHANGED: its clock was $po s from this machine's at its last run ($pu), it is ${h_offset[i]} s now"
		fi
	fi
	if [ "$((h_offset[i] * h_offset[i]))" -gt 3600 ]; then
		note "$n: its clock is ${h_offset[i]} s from this machine's"
	fi
	if [ "$tree" = no ]; then
		note "$n: sending ptbench $version ($hash, $(du -k "$tarball" | cut -f1) KiB)"
		rc=0
		"${ssh_cmd[@]}" "${logins[i]}" "d=$rdir; set -e; mkdir -p \"\$d/src\"; t=\$(mktemp -d \"\$d/src/.$hash.XXXXXX\"); tar -xzf - -C \"\$t\"; if [ -d \"\$d/src/$hash\" ]; then rm -rf \"\$t\"; else mv \"\$t\" \"\$d/src/$hash\"; fi" \
			<"$tarball" >"$tmp/ship.out" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			host_failed "$i" "sending ptbench failed (exit $rc): $(clean_last "$tmp/ship.out")"
			continue
		fi
	fi
	if [ -n "$suite_file" ]; then
		rc=0
		"${ssh_cmd[@]}" "${logins[i]}" "d=$rdir; set -e; mkdir -p \"\$d/suites/${shash}\"; cat >\"\$d/suites/${suite_arg#file:}.tmp\"; mv \"\$d/suites/${suite_arg#file:}.tmp\" \"\$d/suites/${suite_arg#file:}\"" \
			<"$suite_file" >"$tmp/ship.out" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			host_failed "$i" "sending the suite failed (exit $rc): $(clean_last "$tmp/ship.out")"
			continue
		fi
	fi
	todo+=("$i")
done

# ---- the runs: GNU parallel, one job per host -------------------------------

interrupted=
mode=fresh
[ "$resume" -eq 0 ] || mode=resume
remote_fleet="bash $rdir/src/$hash/ptbench-$version/runners/fleet.sh"
# run_jobs PARALLEL-ARGS...: GNU parallel over $tmp/sshlogins with the jobs
# of $tmp/jobs, its output followed on stderr; SIGINT and SIGTERM stop it.
run_jobs() {
	: >"$tmp/parallel.log"
	parallel --will-cite --sshloginfile "$tmp/sshlogins" \
		--ssh "$(printf '%q ' "${ssh_cmd[@]}")" --termseq TERM,8000,KILL,25 \
		--joblog "$tmp/joblog" --line-buffer \
		--retries 1 --halt never "$@" <"$tmp/jobs" >"$tmp/parallel.log" 2>&1 &
	ppid_=$!
	# Its output as it comes, each line tagged with the host's name.
	tail --pid="$ppid_" -n +1 -f -- "$tmp/parallel.log" >&2 &
	follower=$!
	on_signal() {
		interrupted=$1
		kill -TERM "$ppid_" 2>/dev/null || true
	}
	trap 'on_signal INT' INT
	trap 'on_signal TERM' TERM
	while :; do
		wait "$ppid_" || true
		kill -0 "$ppid_" 2>/dev/null || break
	done
	wait "$follower" || true
	trap - INT TERM
}

if [ "$vm_mode" -eq 0 ] && [ "${#todo[@]}" -gt 0 ]; then
	# Each host in its own host group, each job pinned to its host's group:
	# "NAME@gI" runs on the sshlogin "@gI/1/LOGIN", one job at a time.
	: >"$tmp/sshlogins"
	: >"$tmp/jobs"
	for i in "${todo[@]}"; do
		printf '@g%d/1/%s\n' "$i" "${logins[i]}" >>"$tmp/sshlogins"
		printf '%s@g%d\n' "${names[i]}" "$i" >>"$tmp/jobs"
	done
	note "running on ${#todo[@]} hosts: $(for i in "${todo[@]}"; do printf '%s ' "${names[i]}"; done)"
	run_jobs --hostgroups --tag \
		"$remote_fleet --remote-run {} $label $suite_arg ${reps:--} ${rounds:--} $mode"
elif [ "$vm_mode" -eq 1 ] && [ "${#todo[@]}" -gt 0 ] && [ "${#sides_todo[@]}" -gt 0 ]; then
	# Every host takes --jobs-per-host sides at once (N/); parallel chooses
	# the host of each side. Columns: index, name, kernel, variant ('-').
	: >"$tmp/sshlogins"
	: >"$tmp/jobs"
	for i in "${todo[@]}"; do
		printf '%d/%s\n' "$jobs_per_host" "${logins[i]}" >>"$tmp/sshlogins"
	done
	for j in "${sides_todo[@]}"; do
		printf '%d\t%s\t%s\t%s\n' "$j" "${side_names[j]}" "${side_kernels[j]}" \
			"${side_variants[j]:--}" >>"$tmp/jobs"
	done
	note "running ${#sides_todo[@]} sides on ${#todo[@]} hosts: $(for i in "${todo[@]}"; do printf '%s ' "${names[i]}"; done)"
	run_jobs --colsep '\t' --tagstring '{2}' \
		"$remote_fleet --remote-vm {1} {2} {3} {4} $label $suite_arg ${reps:--} ${rounds:--} $mode $accel ${vm_opts[*]}"
fi

# ---- each host's end: fetch, check, rename ------------------------------------

# exit_of NAME [OPTION]: the exit value of the job whose OPTION (default
# --remote-run) is followed by NAME, from the joblog (empty: it did not end).
exit_of() {
	[ -f "$tmp/joblog" ] || return 0
	awk -F '\t' -v n="$1" -v o="${2:---remote-run}" 'NR > 1 {
		k = split($9, w, " ")
		for (j = 1; j < k; j++) if (w[j] == o && w[j + 1] == n) v = $7
	} END { print v }' "$tmp/joblog"
}

# host_of J: the index of the host that ran side J (the joblog's Host,
# matched against the hosts file's logins; empty: none).
host_of() {
	local h i
	[ -f "$tmp/joblog" ] || return 0
	h=$(awk -F '\t' -v n="$1" 'NR > 1 {
		k = split($9, w, " ")
		for (j = 1; j < k; j++) if (w[j] == "--remote-vm" && w[j + 1] == n) v = $2
	} END { print v }' "$tmp/joblog")
	h=${h#*/}
	for i in "${!logins[@]}"; do
		if [ "${logins[i]}" = "$h" ]; then
			printf '%s\n' "$i"
			return 0
		fi
	done
}

# The reason job NAME gave, else its last message.
reason_of() {
	local r
	awk -F '\t' -v n="$1" '$1 == n { sub(/^[^\t]*\t/, ""); print }' \
		"$tmp/parallel.log" >"$tmp/job.log" 2>/dev/null || true
	r=$(sed -n 's/^fleet\.sh: reason: //p' "$tmp/job.log" | tail -n 1 |
		LC_ALL=C tr -cd '[:print:]' | cut -c1-400)
	[ -n "$r" ] || r=$(clean_last "$tmp/job.log")
	printf '%s\n' "${r:-no message}"
}

# job_failed K REASON: host K failed (suite mode), or side K (VM sides).
job_failed() {
	if [ "$vm_mode" -eq 1 ]; then
		side_failed "$@"
	else
		host_failed "$@"
	fi
}

# fetch K I PATH EV: the set of job K (a host, or a side) from host I, at
# PATH there (as the host's shell expands it), into a hidden directory,
# checked, and put in place as RESULTS/fleet-LABEL/NAME; EV its exit value.
fetch() {
	local k=$1 i=$2 rpath=$3 ev=$4 n f bad new rel partial=0 rc=0
	if [ "$vm_mode" -eq 1 ]; then n=${side_names[k]}; else n=${names[k]}; fi
	f=$tmp/$n.tar
	"${ssh_cmd[@]}" "${logins[i]}" "cd $rpath && tar -cf - ." >"$f" 2>"$tmp/fetch.err" </dev/null || rc=$?
	if [ "$rc" -ne 0 ]; then
		job_failed "$k" "fetching its set failed (exit $rc): $(clean_last "$tmp/fetch.err")"
		return 0
	fi
	bad=$(tar -tvf "$f" 2>&1 | awk '$1 !~ /^[-d]/ { print; exit }') || true
	if [ -n "$bad" ] || ! tar -tf "$f" >"$tmp/names" 2>&1; then
		job_failed "$k" "its set was refused: a member that is not a regular file or directory, or no tar: ${bad:0:200}"
		return 0
	fi
	if grep -qE '^/|(^|/)\.\.(/|$)' "$tmp/names"; then
		job_failed "$k" "its set was refused: an absolute or '..' member name"
		return 0
	fi
	new=$(mktemp -d "$out/.fetch-$n.XXXXXX")
	if ! tar -xf "$f" -C "$new" --no-same-owner --no-same-permissions 2>"$tmp/fetch.err"; then
		job_failed "$k" "its set was refused: $(clean_last "$tmp/fetch.err")"
		return 0
	fi
	rm -f -- "$f"
	shopt -s nullglob
	local -a files=()
	for r in "$new"/*.json; do
		case ${r##*/} in
		system.json | meta.json) ;;
		*) files+=("$r") ;;
		esac
	done
	shopt -u nullglob
	if [ "${#files[@]}" -eq 0 ] || ! "$ptstat" check "${files[@]}" 2>"$tmp/fetch.err" ||
		! "$ptstat" show "$new" >/dev/null 2>>"$tmp/fetch.err"; then
		job_failed "$k" "its set was refused by ptstat: $(sed "s|$new/||g" "$tmp/fetch.err" | clean_last /dev/stdin)"
		return 0
	fi
	# A side's set must be of its kernel (the host resolved its spec).
	if [ "$vm_mode" -eq 1 ]; then
		rel=$("$JQ" -r '.kernel.release // ""' "$new/system.json" 2>/dev/null) || rel=
		if [ -z "$rel" ] || { [ "$n" != "$rel" ] && [[ $n != "$rel"-* ]]; }; then
			job_failed "$k" "its set was refused: it is of kernel '${rel:0:100}', not of $n (the host's apt lists differ from this machine's?)"
			return 0
		fi
	fi
	# In one step: an earlier HOST/ is exchanged with the new one, never
	# missing (ptstat set place: renameat2 RENAME_EXCHANGE).
	if ! "$ptstat" set place "$new" "$out/$n" 2>"$tmp/fetch.err"; then
		job_failed "$k" "its set could not be put in place: $(clean_last "$tmp/fetch.err")"
		return 0
	fi
	[ "$ev" -ne 3 ] || partial=1
	if "$JQ" -e '(.failed // []) | length > 0' "$out/$n/meta.json" >/dev/null 2>&1; then
		partial=1
	fi
	local status=ok said=
	if [ "$partial" -eq 1 ]; then
		status=partial
		said=" (entries failed in it: its meta.json)"
	fi
	if [ "$vm_mode" -eq 1 ]; then
		record_side "$k" "$status"
		note "$n: its set (run on ${names[i]}) is in $out/$n$said"
	else
		record "$k" "$status"
		note "$n: its set is in $out/$n$said"
	fi
}

for i in "${todo[@]}"; do
	[ "$vm_mode" -eq 0 ] || break
	n=${names[i]}
	ev=$(exit_of "$n")
	if [ -n "$interrupted" ] && { [ -z "$ev" ] || [ "$ev" -ne 0 ]; }; then
		host_failed "$i" "interrupted by SIG$interrupted: its partial set is kept on the host (--resume)"
		continue
	fi
	case $ev in
	'') host_failed "$i" "its job did not run" ;;
	0 | 3) fetch "$i" "$i" "$rdir/sets/$label" "$ev" ;;
	255) host_failed "$i" "the ssh connection failed or was lost (exit 255): $(reason_of "$n"); a partial set is kept on the host (--resume)" ;;
	*) host_failed "$i" "exit $ev: $(reason_of "$n")" ;;
	esac
done

# The sides: each fetched from the host that ran it.
for j in "${sides_todo[@]}"; do
	n=${side_names[j]}
	i=$(host_of "$j")
	side_host[j]=$i
	ev=$(exit_of "$j" --remote-vm)
	if [ -n "$interrupted" ] && { [ -z "$ev" ] || [ "$ev" -ne 0 ]; }; then
		side_failed "$j" "interrupted by SIG$interrupted (--resume runs it again)"
		continue
	fi
	if [ "${#todo[@]}" -eq 0 ]; then
		side_failed "$j" "no host could be used (their reasons in $fleet_json)"
		continue
	fi
	case $ev in
	'') side_failed "$j" "its job did not run" ;;
	0 | 3)
		if [ -z "$i" ]; then
			side_failed "$j" "the host that ran it is not known (parallel's joblog)"
		else
			fetch "$j" "$i" "$rdir/sets/vm-$label/$n" "$ev"
		fi
		;;
	255) side_failed "$j" "the ssh connection failed or was lost (exit 255): $(reason_of "$n")" ;;
	*) side_failed "$j" "exit $ev: $(reason_of "$n")" ;;
	esac
done

if [ -n "$interrupted" ]; then
	if [ "$vm_mode" -eq 1 ]; then
		note "interrupted by SIG$interrupted: $side_failed_n of ${#side_names[@]} sides not done; --resume --label $label completes them"
	else
		note "interrupted by SIG$interrupted: $failed of ${#names[@]} hosts not done; --resume --label $label completes them"
	fi
	[ "$interrupted" = INT ] && exit 130
	exit 143
fi

# ---- the report ---------------------------------------------------------

# The hosts' sets in the hosts file's order, or the sides' in compare.sh's
# (the first the baseline).
sets=()
if [ "$vm_mode" -eq 1 ]; then
	set_names=("${side_names[@]}")
	kind=sides
else
	set_names=("${names[@]}")
	kind=hosts
fi
for n in "${set_names[@]}"; do
	if [ -d "$out/$n" ] && "$JQ" -e --arg h "$n" --arg k "$kind" '.[$k][$h].status | IN("ok", "partial")' \
		"$fleet_json" >/dev/null 2>&1; then
		sets+=("$out/$n")
	fi
done
if [ "${#sets[@]}" -ge 2 ]; then
	rc=0
	"$ptstat" report "$out/report" "${sets[@]}" || rc=$?
	case $rc in
	0) note "the report is in $out/report" ;;
	2) note "ptstat report refused the sets (see above): no report" ;;
	*) fatal "ptstat report failed with exit status $rc" ;;
	esac
else
	note "${#sets[@]} set gathered: no report (it compares two or more)"
fi
if [ "$vm_mode" -eq 1 ]; then
	if [ "$failed" -gt 0 ]; then
		note "$failed of ${#names[@]} hosts could not be used: ${failed_names[*]} (reasons in $fleet_json)"
	fi
	if [ "$side_failed_n" -gt 0 ]; then
		note "$side_failed_n of ${#side_names[@]} sides failed: ${side_failed_names[*]} (reasons in $fleet_json; --resume --label $label retries them)"
		exit 3
	fi
	note "all ${#side_names[@]} sides done"
	exit 0
fi
if [ "$failed" -gt 0 ]; then
	note "$failed of ${#names[@]} hosts failed: ${failed_names[*]} (reasons in $fleet_json; --resume --label $label retries them)"
	exit 3
fi
note "all ${#names[@]} hosts done"
