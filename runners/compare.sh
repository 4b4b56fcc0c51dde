#!/usr/bin/env bash
# runners/compare.sh: compare result sets (one suite run on several kernels)
# with ptstat and write a report directory. See usage below.
set -euo pipefail
# ASCII ranges and messages in this shell; children keep their locale.

usage() {
	cat <<'EOF'
Usage: runners/compare.sh [SET_A SET_B ...] [REPORT OPTIONS]
       runners/compare.sh --kernel SPEC [--kernel SPEC ...] [--variant V ...]
                          [KERNEL OPTIONS] [REPORT OPTIONS]
       runners/compare.sh --question rcu-table-free [KERNEL OPTIONS] [REPORT OPTIONS]
       runners/compare.sh            (= --kernel debian:6.1 --kernel debian:6.12)

Compares kernels. With --kernel, it first runs a suite on each kernel: it
boots each one in a QEMU virtual machine with the suite inside
(runners/vm.sh), or runs it natively for 'running', and stores the result
sets in one directory; then, as with result sets given directly, it compares
them with ptstat, the first being the baseline, writes a report directory
and prints the comparison table. Does the set-up first (runners/setup.sh:
Debian packages, QEMU and busybox-static included, and the build) when
something is out of date.

With no argument at all it compares Debian's newest 6.1 and 6.12 cloud
kernels on the smoke suite under TCG (the quick suite when KVM works here).

--question rcu-table-free: what does freeing page tables through RCU,
instead of right after the flush IPI, cost? Builds (or takes from the
cache) the switchable 6.12 kernel (runners/build-kernel.sh --kind
switchable: the project's patch adds the boot parameter pt_table_free=),
boots it twice under the same accelerator and CPU model, as
RELEASE-direct (pt_table_free=default: tables freed right after the flush)
and RELEASE-rcu (pt_table_free=rcu: freed after an RCU grace period, as
in a KVM guest with the paravirtual flush), runs workloads/rcu-table-free.suite
(the quick suite, pt-teardown at 512 tables, fork-exit at 1 GiB) in each,
and compares them. Under KVM it adds Debian's 6.12 booted with the
paravirtual flush (cpu=host,kvm-pv-tlb-flush=on: pv flush, rcu) and with
nopv (IPI flush, direct). --suite, --reps and --rounds may override the
suite's; --kernel and --variant may not be given.

Kernel SPECs (see runners/vm.sh --help):
  debian:SERIES   the newest linux-image-SERIES*-cloud-amd64-unsigned, fetched
                  with apt-get download into ~/.cache/ptbench (nothing is
                  installed)
  FILE            a bzImage/vmlinuz, e.g. from runners/build-kernel.sh
  running         this machine's kernel, natively, with runners/run.sh

Kernel options:
  --kernel SPEC        a kernel to compare (repeat; the first is the baseline)
  --variant NAME:append=ARGS,cpu=MODEL
                       run every kernel once per variant, booted with ARGS
                       added to its command line and/or QEMU -cpu MODEL:
                       --variant pti-on:append=pti=on --variant
                       pti-off:append=pti=off compares page-table isolation
                       on and off; under KVM, cpu=host,kvm-pv-tlb-flush=on
                       against append=nopv compares paravirtual and IPI TLB
                       flushes (repeat; sets are named RELEASE-NAME)
  --suite NAME|FILE    the suite (default: smoke under TCG, quick otherwise)
  --reps N, --rounds K passed to run.sh
  --accel auto|kvm|tcg the VMs' accelerator (default auto: KVM when a probe
                       boot of the first kernel under KVM works, else TCG;
                       every VM then uses the same one)
  --mem SIZE, --smp N, --boot-timeout S, --timeout S, --tcg-threads T
                       passed to runners/vm.sh
  --jobs N             run N sides at once with GNU parallel (default 1:
                       concurrent VMs disturb each other's timings; for
                       machines with many idle cores)
  --results DIR        where the sets go (default:
                       results/kernels-YYYYmmdd-HHMMSS/); the report then
                       goes to DIR/report unless --out is given
  --allow-mixed        compare sets run under TCG with native or KVM ones
                       (refused otherwise: emulated timings are not
                       comparable with real ones)
  --allow-same-path    exit 0 even when two sets labelled as different free
                       paths counted the same one (below)

Labels and counts. A set whose name ends in -rcu or -direct (a variant
named so, as the question's are) is labelled with that free path. The
free path each set counted (its results' "paths", from in-kernel counts)
is compared with its label: when two sets labelled as different free paths
counted the same path, the comparison is not what its labels say; the
report says so on its first lines, and compare.sh exits 3 unless
--allow-same-path. A single set whose count contradicts its label is noted
the same way.

Under TCG every instruction is emulated: the report says so at its top (in
table.txt, table.md, index.html and on standard output).

A SET is a result set directory, or the label of one in results/ of this
tree (./results when installed). Sets are named by their directory's
basename, which must differ.

The report directory (default: results/compare-A-vs-B[-vs-C...]/, from the
set names) is written by 'ptstat report' in one process from one comparison
(see 'ptstat report --help'): table.txt, table.md, table.csv, verdicts.json
and kernbench.txt (ptstat compare in each format), plots/ (the charts, and a
forest plot of every judged metric), and index.html, all of it on one page
(relative links: open it as a file, no server needed). An existing report
directory is replaced only once the new one is complete.

Report options:
  --out DIR            the report directory (default above)
  --format FORMAT      what to print on stdout: text (default), markdown,
                       csv, json or kernbench
  --alpha P            significance level (ptstat compare --alpha)
  --min-change PCT     smallest change judged better or worse
                       (ptstat compare --min-change)
  --correction bh|holm multiple-comparison correction
                       (ptstat compare --correction)
  --submit URL         once the report is written, send the sets to a
                       dashboard with 'ptstat submit --to URL' (repeat for
                       several): influx://HOST[:PORT]/DB,
                       pushgateway://HOST[:PORT]/JOB,
                       kcidb+https://HOST[:PORT]/PATH or dir:PATH (see
                       'ptstat submit --help'); with the report's --alpha,
                       --min-change, --correction and --allow-mixed, so the
                       dashboards carry the report's verdicts. The spool and
                       the token come from the environment (PTBENCH_SPOOL,
                       PTBENCH_TOKEN or PTBENCH_TOKEN_FILE); a kcidb target
                       without a token is refused before anything runs
  -h, --help           show this help and exit

Exit status: 0 the report is written; 1 a run failed (its sets so far are
kept), ptstat failed, or left a result file out (its messages say which);
2 bad input (options, a set that does not exist, nothing to compare, a suite
that 'ptbench plan' refuses, TCG sets mixed with others); 3 the report is
written, but sets labelled as different free paths counted the same one;
4 the report is written, but an entry failed in the run of a set (meta.json
"failed"; the report lists it at its top); 5 the report is written, but
--submit did not deliver everything (items left queued in the spool, or
rejected by a server: ptstat submit's messages say which; 3 and 4 win over
5, after the same messages).

Environment:
  PTSTAT    the ptstat binary to use; when set, the set-up is skipped
            (make check sets it)
  JQ        the jq to use (default: jq from PATH)
  PTBENCH_SPOOL, PTBENCH_TOKEN, PTBENCH_TOKEN_FILE
            read by ptstat submit (--submit)
EOF
}

PROG=compare.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sets=()
out=
out_set=0
format=text
stat_opts=()
kernels=()
variants=()
vm_opts=()
suite=
reps=
rounds=
accel=auto
jobs=1
results=
allow_mixed=0
allow_same_path=0
question=
submits=()
nargs=$#
while [ "$#" -gt 0 ]; do
	case $1 in
	--out | --format | --alpha | --min-change | --correction | --kernel | \
		--variant | --suite | --reps | --rounds | --accel | --jobs | --results | \
		--mem | --smp | --boot-timeout | --timeout | --tcg-threads | --question | \
		--submit)
		# A --variant value may start with anything but '-'; append=-x is
		# inside it.
		if [ "$#" -lt 2 ] || [[ $2 == -* ]]; then
			die "$1 needs a value (see --help)"
		fi
		case $1 in
		--out)
			out=$2
			out_set=1
			;;
		--format) format=$2 ;;
		--kernel) kernels+=("$2") ;;
		--variant) variants+=("$2") ;;
		--suite) suite=$2 ;;
		--reps) reps=$2 ;;
		--rounds) rounds=$2 ;;
		--accel) accel=$2 ;;
		--jobs) jobs=$2 ;;
		--results) results=$2 ;;
		--question) question=$2 ;;
		--submit) submits+=("$2") ;;
		--mem | --smp | --boot-timeout | --timeout | --tcg-threads) vm_opts+=("$1" "$2") ;;
		*) stat_opts+=("$1" "$2") ;;
		esac
		shift 2
		continue
		;;
	--allow-mixed) allow_mixed=1 ;;
	--allow-same-path) allow_same_path=1 ;;
	--out=*)
		out=${1#*=}
		out_set=1
		;;
	--format=*) format=${1#*=} ;;
	--submit=*) submits+=("${1#*=}") ;;
	--alpha=* | --min-change=* | --correction=*) stat_opts+=("${1%%=*}" "${1#*=}") ;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		sets+=("$@")
		break
		;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) sets+=("$1") ;;
	esac
	shift
done

case $format in
text | markdown | csv | json | kernbench) ;;
*) die "--format '$format': want text, markdown, csv, json or kernbench" ;;
esac
# No argument at all: the main command, two Debian kernels.
if [ "$nargs" -eq 0 ]; then
	kernels=(debian:6.1 debian:6.12)
fi
case $question in
'') ;;
rcu-table-free)
	if [ "${#kernels[@]}" -gt 0 ] || [ "${#variants[@]}" -gt 0 ] || [ "${#sets[@]}" -gt 0 ]; then
		die "--question rcu-table-free chooses the kernel and the variants: no --kernel, --variant or result set with it"
	fi
	# The kernel is built below, once the set-up has run; a placeholder
	# spec keeps the checks of the options as for --kernel.
	kernels=(question:rcu-table-free)
	variants=(direct:append=pt_table_free=default rcu:append=pt_table_free=rcu)
	[ -n "$suite" ] || suite=rcu-table-free
	;;
*) die "--question '$question': the only question is rcu-table-free" ;;
esac
if [ "${#kernels[@]}" -gt 0 ] && [ "${#sets[@]}" -gt 0 ]; then
	die "give either result sets or --kernel specs, not both"
fi
if [ "${#kernels[@]}" -eq 0 ]; then
	if [ "${#variants[@]}" -gt 0 ] || [ -n "$suite$reps$rounds$results" ] ||
		[ "${#vm_opts[@]}" -gt 0 ] || [ "$accel" != auto ] || [ "$jobs" != 1 ]; then
		die "--variant, --suite, --reps, --rounds, --accel, --jobs, --results, --mem, --smp and the timeouts go with --kernel"
	fi
	[ "${#sets[@]}" -ge 2 ] || die "give at least two result sets to compare, or --kernel specs (see --help)"
else
	case $accel in
	auto | kvm | tcg) ;;
	*) die "--accel '$accel': want auto, kvm or tcg" ;;
	esac
	[[ $jobs =~ ^[1-9][0-9]{0,2}$ ]] || die "--jobs '$jobs': want a number of VMs at once"
	pt_check_sides
fi
if [ "$out_set" -eq 1 ] && [ -z "$out" ]; then
	die "--out needs a directory"
fi
# --submit: the form here, before any run; ptstat submit checks the rest
# (and refuses with nothing sent) once the report is written.
for url in "${submits[@]}"; do
	case $url in
	influx://?* | pushgateway://?* | dir:?*) ;;
	kcidb+https://?* | kcidb+http://?*)
		if [ -z "${PTBENCH_TOKEN:-}" ] && [ -z "${PTBENCH_TOKEN_FILE:-}" ]; then
			die "--submit $url: a kcidb target needs a token: set PTBENCH_TOKEN or PTBENCH_TOKEN_FILE"
		fi
		;;
	*) die "--submit '$url': want influx://HOST[:PORT]/DB, pushgateway://HOST[:PORT]/JOB, kcidb+https://HOST[:PORT]/PATH or dir:PATH" ;;
	esac
done

# shellcheck source=SCRIPTDIR/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

JQ=${JQ:-jq}
command -v "$JQ" >/dev/null 2>&1 || fatal "jq not found (Debian package jq)"

# ---- kernels: run the suite on each side -------------------------------------

if [ "${#kernels[@]}" -gt 0 ]; then
	# The set-up once, here, not in each side's vm.sh (which may run
	# side by side with --jobs).
	if [ -n "${PTBENCH:-}" ]; then
		PT_DEBIAN_PACKAGES=("${PT_VM_PACKAGES[@]}")
		pt_install_packages || fatal "the set-up failed"
	else
		PT_DEBIAN_PACKAGES+=("${PT_VM_PACKAGES[@]}")
		pt_setup || fatal "the set-up failed"
		PTBENCH=$PTBENCH_BIN
		PTSTAT=${PTSTAT:-$PTSTAT_BIN}
		export PTBENCH PTSTAT
	fi
	VM=$PT_TOP/runners/vm.sh
	RUN=$PT_TOP/runners/run.sh
	rundir=${results:-$PT_RESULTS/kernels-$(date +%Y%m%d-%H%M%S)}

	if [ "$question" = rcu-table-free ]; then
		printf 'compare.sh: --question rcu-table-free: the switchable 6.12 kernel (runners/build-kernel.sh --kind switchable: built once, then from the cache)\n' >&2
		t_build=$(date +%s)
		img=$("$PT_TOP/runners/build-kernel.sh" --kind switchable \
			--source-package linux-source-6.12 | tail -n 1) ||
			fatal "building the switchable kernel failed (see above)"
		[ -f "$img" ] || fatal "runners/build-kernel.sh named no kernel image ('$img')"
		printf 'compare.sh: kernel %s (%ds)\n' "$img" "$(($(date +%s) - t_build))" >&2
		kernels=("$img")
	fi

	# One accelerator for every VM: probed with the first VM kernel (and the
	# first variant's CPU model), so that no side runs under another.
	first_vm=
	for k in "${kernels[@]}"; do
		if [ "$k" != running ]; then
			first_vm=$k
			break
		fi
	done
	if [ -n "$first_vm" ] && [ "$accel" = auto ]; then
		probe_cpu=host
		if [ "${#variants[@]}" -gt 0 ] && [[ ${variants[0]} =~ (^|[:,])cpu=([^,]*) ]]; then
			probe_cpu=${BASH_REMATCH[2]}
		fi
		probe=$("$VM" probe "$first_vm" "$probe_cpu") || fatal "probing KVM with $first_vm failed"
		if [ "$probe" = kvm ]; then
			accel=kvm
		else
			accel=tcg
			printf 'compare.sh: KVM cannot run %s here (%s): the VMs run under TCG, their timings are emulated\n' \
				"$first_vm" "${probe#tcg }" >&2
		fi
	fi
	if [ -z "$suite" ]; then
		if [ -n "$first_vm" ] && [ "$accel" = tcg ]; then suite=smoke; else suite=quick; fi
	fi
	# The question under KVM: both boots of the switchable kernel without
	# the paravirtual flush (with it, the kernel takes the RCU path whatever
	# the parameter says), and Debian's 6.12 with it and without it.
	extra_sides=()
	if [ "$question" = rcu-table-free ] && [ "$accel" = kvm ]; then
		# shellcheck disable=SC2054 # commas inside one variant
		variants=(direct:append=pt_table_free=default,cpu=host,kvm-pv-tlb-flush=off
			rcu:append=pt_table_free=rcu,cpu=host,kvm-pv-tlb-flush=off)
		extra_sides=("debian:6.12"$'\t'"pv-rcu:cpu=host,kvm-pv-tlb-flush=on"
			"debian:6.12"$'\t'"nopv-direct:append=nopv")
	fi
	# Refused now rather than after the runs (see the check of the sets).
	if [ -n "$first_vm" ] && [ "$accel" = tcg ] && [ "$allow_mixed" -ne 1 ] &&
		[[ " ${kernels[*]} " == *" running "* ]]; then
		die "the VMs run under TCG (emulated) and 'running' natively: their timings cannot be compared (add --allow-mixed to compare anyway)"
	fi

	# The sides: each kernel under each variant, then the question's extra
	# sides (runners/lib.sh). Names are the kernel release, then -VARIANT.
	pt_sides "$VM" "${extra_sides[@]}"
	side_cmds=()
	for i in "${!side_names[@]}"; do
		k=${side_kernels[i]}
		v=${side_variants[i]}
		name=${side_names[i]}
		if [ "$k" = running ]; then
			cmd=("$RUN" --suite "$suite" --label "$name")
		else
			cmd=("$VM" run --kernel "$k" --label "$name" \
				--suite "$suite" --accel "$accel" ${v:+--variant "$v"} "${vm_opts[@]}")
		fi
		[ -z "$reps" ] || cmd+=(--reps "$reps")
		[ -z "$rounds" ] || cmd+=(--rounds "$rounds")
		side_cmds+=("$(printf '%q ' "${cmd[@]}")")
	done

	mkdir -p -- "$rundir" || fatal "cannot create $rundir"
	rundir=$(realpath -- "$rundir")
	for i in "${!side_cmds[@]}"; do
		side_cmds[i]+=" --out $(printf '%q' "$rundir")"
	done
	printf 'compare.sh: %d sides (%s), suite %s, into %s\n' "${#side_names[@]}" \
		"$(printf '%s, ' "${side_names[@]}" | sed 's/, $//')" "$suite" "$rundir" >&2
	# A side whose set came back with failed entries (exit 3) is compared
	# all the same: the report lists those entries at its top.
	if [ "$jobs" -gt 1 ]; then
		command -v parallel >/dev/null 2>&1 || fatal "GNU parallel not found (Debian package parallel)"
		note "$jobs VMs at once (--jobs): they disturb each other's timings"
		# One script per side, for parallel: exit 3 (a set with failed
		# entries) counts as done.
		scripts=()
		for i in "${!side_cmds[@]}"; do
			printf '%s || [ "$?" -eq 3 ]\n' "${side_cmds[i]}" >"$rundir/.side-$i.sh"
			scripts+=("bash $(printf '%q' "$rundir/.side-$i.sh")")
		done
		prc=0
		printf '%s\n' "${scripts[@]}" |
			parallel --will-cite --jobs "$jobs" --halt now,fail=1 --line-buffer >&2 || prc=$?
		rm -f -- "$rundir"/.side-*.sh
		[ "$prc" -eq 0 ] || fatal "a side failed (see above); the sets done are in $rundir"
	else
		for i in "${!side_cmds[@]}"; do
			note "[$((i + 1))/${#side_cmds[@]}] ${side_names[i]}"
			# Standard output is for the table alone.
			src=0
			eval "${side_cmds[i]}" >&2 || src=$?
			case $src in
			0 | 3) ;;
			*) fatal "the run of ${side_names[i]} failed (see above); the sets done are in $rundir" ;;
			esac
		done
	fi
	for name in "${side_names[@]}"; do
		sets+=("$rundir/$name")
	done
	if [ "$out_set" -eq 0 ]; then
		out=$rundir/report
	fi
fi

# The sets: directories as given, or labels under results/.
dirs=()
names=()
declare -A seen=()
for s in "${sets[@]}"; do
	if [ -d "$s" ]; then
		d=$s
	elif [[ $s != */* ]] && [ -d "$PT_RESULTS/$s" ]; then
		d=$PT_RESULTS/$s
	else
		die "no result set '$s': not a directory, nor one in $PT_RESULTS"
	fi
	d=$(realpath -- "$d")
	name=$(basename -- "$d")
	if [ -n "${seen[$name]+x}" ]; then
		die "two sets are named '$name' (${seen[$name]} and $d): the set name is the directory's basename"
	fi
	seen[$name]=$d
	dirs+=("$d")
	names+=("$name")
done

if [ -n "${PTSTAT:-}" ]; then
	ptstat=$PTSTAT
else
	pt_setup || fatal "the set-up failed"
	ptstat=$PTSTAT_BIN
fi
if [ ! -f "$ptstat" ] || [ ! -x "$ptstat" ]; then
	fatal "ptstat not found or not executable: $ptstat"
fi

if [ -z "$out" ]; then
	out=$PT_RESULTS/compare-$(printf '%s-vs-' "${names[@]}")
	out=${out%-vs-}
fi
out=${out%/}
base=$(basename -- "$out")
case $base in
. | .. | '') die "--out '$out': not a usable directory name" ;;
esac
if [ -e "$out" ] && [ ! -d "$out" ]; then
	die "--out '$out' exists and is not a directory"
fi

# ---- the report: ptstat report, in one process -------------------------------
#
# ptstat refuses TCG sets mixed with others (exit 2) unless --allow-mixed,
# and notes, on top of every table and of index.html, emulated timings,
# failed entries, and sets labelled -rcu/-direct whose counts say otherwise.

rargs=("${stat_opts[@]}" --format "$format")
[ "$allow_mixed" -eq 0 ] || rargs+=(--allow-mixed)
rc=0
"$ptstat" report "$out" "${dirs[@]}" "${rargs[@]}" || rc=$?
case $rc in
0) ;;
1) fatal "ptstat report left a result file out, or could not write the report (see its messages above)" ;;
2) exit 2 ;;
*) fatal "ptstat report failed with exit status $rc" ;;
esac
# --submit: the sets to the dashboards, with the report's statistics.
submit_rc=0
if [ "${#submits[@]}" -gt 0 ]; then
	sargs=("${stat_opts[@]}")
	[ "$allow_mixed" -eq 0 ] || sargs+=(--allow-mixed)
	for url in "${submits[@]}"; do
		sargs+=(--to "$url")
	done
	"$ptstat" submit "${sargs[@]}" -- "${dirs[@]}" || submit_rc=$?
	if [ "$submit_rc" -ne 0 ]; then
		note "ptstat submit exited with status $submit_rc: not everything reached the dashboards (see its messages above); the report is in $out"
	fi
fi
# ptstat report said where the report is.
if "$JQ" -e '.same_path == true' "$out/verdicts.json" >/dev/null 2>&1 &&
	[ "$allow_same_path" -ne 1 ]; then
	note "sets labelled as different free paths counted the same one (see the PATHS note on top of the report; --allow-same-path to accept)"
	exit 3
fi
if "$JQ" -e '(.failed // []) | length > 0' "$out/verdicts.json" >/dev/null 2>&1; then
	note "an entry failed in a run: the report lists it at its top (FAILED)"
	exit 4
fi
[ "$submit_rc" -eq 0 ] || exit 5
