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
tree. Sets are named by their directory's basename, which must differ.

The report directory (default: results/compare-A-vs-B[-vs-C...]/, from the
set names) holds:
  table.txt       ptstat compare --format text: per entry, mean (sd) per set,
                  change and verdict (better, worse, no significant change)
  table.md        the same as Markdown tables
  table.csv       one row per entry, metric and set
  verdicts.json   ptstat compare --format json (schema ptstat-compare/1)
  kernbench.txt   the kernbench layout: "Average ... Run (std deviation):"
  plots/          ptstat plot: PNG and SVG charts, their data and gnuplot
                  scripts, and plots/plots.json listing them
  index.html      all of it on one page: the sets, the significant changes,
                  the tables and the plots (relative links: open it as a
                  file, no server needed)
An existing report directory is replaced only once the new one is complete.

Report options:
  --out DIR            the report directory (default above)
  --format FORMAT      what to print on stdout: text (default), markdown,
                       csv, json or kernbench
  --alpha P            significance level (ptstat compare --alpha)
  --min-change PCT     smallest change judged better or worse
                       (ptstat compare --min-change)
  --correction bh|holm multiple-comparison correction
                       (ptstat compare --correction)
  -h, --help           show this help and exit

Exit status: 0 the report is written; 1 a run failed (its sets so far are
kept), ptstat failed, or left a result file out (its messages say which;
the report is written without it); 2 bad input (options, a set that does not
exist, nothing to compare, TCG sets mixed with others); 3 the report is
written, but sets labelled as different free paths counted the same one.

Environment:
  PTSTAT    the ptstat binary to use; when set, the set-up is skipped
            (make check sets it)
  JQ        the jq to use (default: jq from PATH)
EOF
}

die() {
	printf 'compare.sh: %s\n' "$*" >&2
	exit 2
}

fatal() {
	printf 'compare.sh: %s\n' "$*" >&2
	exit 1
}

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
nargs=$#
while [ "$#" -gt 0 ]; do
	case $1 in
	--out | --format | --alpha | --min-change | --correction | --kernel | \
		--variant | --suite | --reps | --rounds | --accel | --jobs | --results | \
		--mem | --smp | --boot-timeout | --timeout | --tcg-threads | --question)
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
	# The form only: runners/vm.sh checks the rest, before booting.
	for v in "${variants[@]}"; do
		[[ $v =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}:(append|cpu)= ]] ||
			die "--variant '$v': want NAME:append=ARGS,cpu=MODEL (NAME: letters, digits, '.', '_', '+', '-')"
	done
	if [ $(("${#kernels[@]}" * (${#variants[@]} > 0 ? ${#variants[@]} : 1))) -lt 2 ]; then
		die "one kernel and no --variant: nothing to compare (give two --kernel, or --variant twice)"
	fi
fi
if [ "$out_set" -eq 1 ] && [ -z "$out" ]; then
	die "--out needs a directory"
fi

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
		PTSTAT=${PTSTAT:-$PT_BUILDDIR/ptstat}
		export PTBENCH PTSTAT
	fi
	VM=$PT_TOP/runners/vm.sh
	RUN=$PT_TOP/runners/run.sh
	rundir=${results:-$PT_TOP/results/kernels-$(date +%Y%m%d-%H%M%S)}

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

	# The sides: each kernel, under each variant. Names are the kernel
	# release, then -VARIANT.
	side_names=()
	side_cmds=()
	declare -A side_seen=()
	# Each kernel under each variant, then the question's extra sides.
	pairs=()
	for k in "${kernels[@]}"; do
		if [ "${#variants[@]}" -eq 0 ]; then
			pairs+=("$k")
		else
			for v in "${variants[@]}"; do
				pairs+=("$k"$'\t'"$v")
			done
		fi
	done
	pairs+=("${extra_sides[@]}")
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
			info=$("$VM" kernel "$k") || exit "$?"
			rel=$(sed -n 's/^release //p' <<<"$info")
		fi
		name=$rel${v:+-${v%%:*}}
		if [ -n "${side_seen[$name]+x}" ]; then
			die "two sides would both be named '$name' (${side_seen[$name]} and $k${v:+ $v}): give distinct kernels or variant names"
		fi
		side_seen[$name]="$k${v:+ $v}"
		if [ "$k" = running ]; then
			cmd=("$RUN" --suite "$suite" --label "$name")
		else
			cmd=("$VM" run --kernel "$k" --label "$name" \
				--suite "$suite" --accel "$accel" ${v:+--variant "$v"} "${vm_opts[@]}")
		fi
		[ -z "$reps" ] || cmd+=(--reps "$reps")
		[ -z "$rounds" ] || cmd+=(--rounds "$rounds")
		side_names+=("$name")
		side_cmds+=("$(printf '%q ' "${cmd[@]}")")
	done

	mkdir -p -- "$rundir" || fatal "cannot create $rundir"
	rundir=$(realpath -- "$rundir")
	for i in "${!side_cmds[@]}"; do
		side_cmds[i]+=" --out $(printf '%q' "$rundir")"
	done
	printf 'compare.sh: %d sides (%s), suite %s, into %s\n' "${#side_names[@]}" \
		"$(printf '%s, ' "${side_names[@]}" | sed 's/, $//')" "$suite" "$rundir" >&2
	if [ "$jobs" -gt 1 ]; then
		command -v parallel >/dev/null 2>&1 || fatal "GNU parallel not found (Debian package parallel)"
		printf 'compare.sh: %s VMs at once (--jobs): they disturb each other'"'"'s timings\n' "$jobs" >&2
		printf '%s\n' "${side_cmds[@]}" |
			parallel --will-cite --jobs "$jobs" --halt now,fail=1 --line-buffer >&2 ||
			fatal "a side failed (see above); the sets done are in $rundir"
	else
		for i in "${!side_cmds[@]}"; do
			printf 'compare.sh: [%d/%d] %s\n' "$((i + 1))" "${#side_cmds[@]}" "${side_names[i]}" >&2
			# Standard output is for the table alone.
			eval "${side_cmds[i]}" >&2 ||
				fatal "the run of ${side_names[i]} failed (see above); the sets done are in $rundir"
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
	elif [[ $s != */* ]] && [ -d "$PT_TOP/results/$s" ]; then
		d=$PT_TOP/results/$s
	else
		die "no result set '$s': not a directory, nor one in $PT_TOP/results"
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

# Emulated (TCG) timings are compared only with emulated ones.
tcg_sets=()
other_sets=()
single_tcg=0
for i in "${!dirs[@]}"; do
	acc=$("$JQ" -r '.vm.accel // "native"' "${dirs[i]}/system.json" 2>/dev/null) || acc=native
	if [ "$acc" = tcg ]; then
		tcg_sets+=("${names[i]}")
		thr=$("$JQ" -r '.vm.tcg_threads // "single"' "${dirs[i]}/system.json" 2>/dev/null) || thr=single
		[ "$thr" = multi ] || single_tcg=1
	else
		other_sets+=("${names[i]} ($acc)")
	fi
done
notice=
if [ "${#tcg_sets[@]}" -gt 0 ]; then
	if [ "${#other_sets[@]}" -gt 0 ] && [ "$allow_mixed" -ne 1 ]; then
		die "$(printf '%s, ' "${tcg_sets[@]}" | sed 's/, $//') ran under TCG (emulated) and $(printf '%s, ' "${other_sets[@]}" | sed 's/, $//') did not: their timings cannot be compared (add --allow-mixed to compare anyway)"
	fi
	notice="NOTE: emulated timings. $(printf '%s, ' "${tcg_sets[@]}" | sed 's/, $//') ran in QEMU under TCG. Read the counts first: the free and flush path of each result (paths) and the tables, flushes and shootdowns per operation are counted in the guest kernel and carry over to hardware. The timings come second: TCG emulates every instruction, so only large differences mean something."
	if [ "$single_tcg" -eq 1 ]; then
		notice+=" Single-threaded TCG runs every vCPU on one host thread: a remote flush waits until QEMU schedules the other vCPU, so remote-flush latencies (gup-fast, pt-teardown with --tasks 2, tlb-shootdown) are scheduling artefacts, about 100x native where local work is about 10x."
	fi
	if [ "${#other_sets[@]}" -gt 0 ]; then
		notice+=" MIXED: $(printf '%s, ' "${other_sets[@]}" | sed 's/, $//') did not run under TCG (--allow-mixed): their timings are not comparable with the emulated ones."
	fi
fi

# Labels and counts: a set named ...-rcu or ...-direct says which free path
# it is meant to take; its results' paths say which it took.
set_label_path() {
	case $1 in
	*-rcu) printf 'rcu' ;;
	*-direct) printf 'direct' ;;
	esac
}

# The free path a set's results counted: one path, "mixed", or "" (none said).
set_counted_path() {
	local files=()
	local f
	for f in "$1"/*.json; do
		case ${f##*/} in
		system.json | meta.json) ;;
		*) files+=("$f") ;;
		esac
	done
	[ "${#files[@]}" -gt 0 ] || return 0
	# shellcheck disable=SC2016 # a jq program
	"$JQ" -rs '[.[] | .paths.free.path? // empty | select(. != "none" and . != "unknown")] |
		unique | if length == 0 then "" elif length == 1 then .[0] else "mixed" end' \
		"${files[@]}" 2>/dev/null || true
}

same_path=0
path_notice=
declare -A labelled=() counted=()
for i in "${!dirs[@]}"; do
	lp=$(set_label_path "${names[i]}")
	[ -n "$lp" ] || continue
	labelled[${names[i]}]=$lp
	counted[${names[i]}]=$(set_counted_path "${dirs[i]}")
done
for a in "${!labelled[@]}"; do
	ca=${counted[$a]}
	if [ -n "$ca" ] && [ "$ca" != "${labelled[$a]}" ]; then
		path_notice+=" LABEL: $a is labelled ${labelled[$a]}, but its results counted the free path $ca."
	fi
	for b in "${!labelled[@]}"; do
		[[ $a < $b ]] || continue
		[ "${labelled[$a]}" != "${labelled[$b]}" ] || continue
		if [ -n "$ca" ] && [ "$ca" = "${counted[$b]}" ]; then
			same_path=1
			path_notice+=" SAME PATH: $a (labelled ${labelled[$a]}) and $b (labelled ${labelled[$b]}) both counted the free path $ca: this is not a comparison of the two free paths."
		fi
	done
done
if [ -n "$path_notice" ]; then
	notice="PATHS:${path_notice}${notice:+ $notice}"
fi

if [ -n "${PTSTAT:-}" ]; then
	ptstat=$PTSTAT
else
	pt_setup || fatal "the set-up failed"
	ptstat=$PT_BUILDDIR/ptstat
fi
if [ ! -f "$ptstat" ] || [ ! -x "$ptstat" ]; then
	fatal "ptstat not found or not executable: $ptstat"
fi

if [ -z "$out" ]; then
	out=$PT_TOP/results/compare-$(printf '%s-vs-' "${names[@]}")
	out=${out%-vs-}
fi
out=${out%/}
parent=$(dirname -- "$out")
base=$(basename -- "$out")
case $base in
. | .. | '') die "--out '$out': not a usable directory name" ;;
esac
if [ -e "$out" ] && [ ! -d "$out" ]; then
	die "--out '$out' exists and is not a directory"
fi
mkdir -p -- "$parent" || fatal "cannot create $parent"
tmp=$(mktemp -d "$parent/.$base.XXXXXX") || fatal "cannot create a temporary directory in $parent"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$tmp/.work"

# ---- ptstat --------------------------------------------------------------

left_out=0

# ptstat_run OUTFILE ARG...: run ptstat, its stdout to OUTFILE. Exit 2 on bad
# input, 1 on a failure; a file left out (exit 1) is noted and tolerated.
ptstat_run() {
	local outfile=$1 rc=0
	shift
	"$ptstat" "$@" >"$outfile" 2>"$tmp/.work/err" || rc=$?
	# The same messages come from every command: show each once.
	if [ -s "$tmp/.work/err" ]; then
		while IFS= read -r line; do
			if ! grep -Fxq -- "$line" "$tmp/.work/shown" 2>/dev/null; then
				printf '%s\n' "$line" >&2
				printf '%s\n' "$line" >>"$tmp/.work/shown"
			fi
		done <"$tmp/.work/err"
	fi
	case $rc in
	0) ;;
	1) left_out=1 ;;
	2) die "ptstat $1 refused the input (exit 2, see above)" ;;
	*) fatal "ptstat $1 failed with exit status $rc" ;;
	esac
	if [ ! -s "$outfile" ] && [ "$1" = compare ]; then
		fatal "ptstat $1 wrote nothing (exit status $rc)"
	fi
}

ptstat_run "$tmp/table.txt" compare "${dirs[@]}" "${stat_opts[@]}" --format text
ptstat_run "$tmp/table.md" compare "${dirs[@]}" "${stat_opts[@]}" --format markdown
ptstat_run "$tmp/table.csv" compare "${dirs[@]}" "${stat_opts[@]}" --format csv
ptstat_run "$tmp/verdicts.json" compare "${dirs[@]}" "${stat_opts[@]}" --format json
ptstat_run "$tmp/kernbench.txt" compare "${dirs[@]}" "${stat_opts[@]}" --format kernbench
if [ -n "$notice" ]; then
	for f in table.txt table.md; do
		{ printf '%s\n\n' "$notice" | fold -s -w 78 | sed 's/ *$//'; cat "$tmp/$f"; } >"$tmp/.work/$f"
		mv "$tmp/.work/$f" "$tmp/$f"
	done
fi
"$JQ" -e 'type == "object"' "$tmp/verdicts.json" >/dev/null 2>&1 ||
	fatal "ptstat compare --format json did not write a JSON object"
ptstat_run "$tmp/.work/plot.out" plot "${dirs[@]}" -o "$tmp/plots"
if [ ! -f "$tmp/plots/plots.json" ] ||
	! "$JQ" -e '.plots | type == "array"' "$tmp/plots/plots.json" >/dev/null 2>&1; then
	fatal "ptstat plot wrote no usable plots/plots.json"
fi

# ---- index.html ----------------------------------------------------------

# Markdown (as ptstat writes it: headings, paragraphs, `code`, **bold**,
# backslash escapes, pipe tables) to HTML, every character escaped.
# shellcheck disable=SC2016 # awk program
md_to_html() {
	awk '
	function esc(c) {
		if (c == "&") return "&amp;"
		if (c == "<") return "&lt;"
		if (c == ">") return "&gt;"
		if (c == "\"") return "&quot;"
		if (c == "\047") return "&#39;"
		return c
	}
	function inline(s,    out, i, c, n, code, bold) {
		out = ""; code = 0; bold = 0; n = length(s)
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (code) {
				if (c == "`") { out = out "</code>"; code = 0 } else out = out esc(c)
			} else if (c == "\\" && i < n && index(PUNCT, substr(s, i + 1, 1))) {
				i++; out = out esc(substr(s, i, 1))
			} else if (c == "`") {
				out = out "<code>"; code = 1
			} else if (c == "*" && substr(s, i + 1, 1) == "*") {
				i++; out = out (bold ? "</strong>" : "<strong>"); bold = !bold
			} else out = out esc(c)
		}
		if (code) out = out "</code>"
		if (bold) out = out "</strong>"
		return out
	}
	function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
	# Split a table row on the pipes that are not escaped.
	function cells(line, arr,    n, i, c, cur, k) {
		line = trim(line); sub(/^\|/, "", line)
		if (substr(line, length(line), 1) == "|" && substr(line, length(line) - 1, 1) != "\\")
			line = substr(line, 1, length(line) - 1)
		k = 0; cur = ""; n = length(line)
		for (i = 1; i <= n; i++) {
			c = substr(line, i, 1)
			if (c == "\\" && i < n) { cur = cur c substr(line, i + 1, 1); i++; continue }
			if (c == "|") { arr[++k] = trim(cur); cur = ""; continue }
			cur = cur c
		}
		arr[++k] = trim(cur)
		return k
	}
	function is_sep(line) { return line ~ /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/ }
	function flush_para() { if (para != "") { print "<p>" inline(para) "</p>"; para = "" } }
	function end_table() { if (intable) { print "</tbody></table>"; intable = 0 } }
	function start_table(head, sep,    h, s, n, i) {
		n = cells(head, h); cells(sep, s); ncols = n
		for (i = 1; i <= n; i++) {
			align[i] = ""
			if (s[i] ~ /:$/) align[i] = " style=\"text-align:right\""
		}
		printf "<table>\n<thead><tr>"
		for (i = 1; i <= n; i++) printf "<th%s>%s</th>", align[i], inline(h[i])
		print "</tr></thead>\n<tbody>"
		intable = 1
	}
	function row(line,    r, n, i) {
		n = cells(line, r)
		printf "<tr>"
		for (i = 1; i <= n; i++) printf "<td%s>%s</td>", align[i], inline(r[i])
		print "</tr>"
	}
	BEGIN { PUNCT = "!\"#$%&\047()*+,-./:;<=>?@[\\]^_`{|}~"; pending = "" }
	{
		line = $0
		if (pending != "") {
			if (is_sep(line)) { start_table(pending, line); pending = ""; next }
			para = para (para == "" ? "" : " ") pending; pending = ""
		}
		if (line ~ /^[ \t]*\|/) {
			if (intable) { row(line); next }
			flush_para(); pending = line; next
		}
		end_table()
		if (line ~ /^[ \t]*$/) { flush_para(); next }
		if (match(line, /^#+[ \t]/)) {
			flush_para()
			lvl = RLENGTH; if (lvl > 6) lvl = 6  # "## x" is h3: the page has h1, h2
			print "<h" lvl ">" inline(trim(substr(line, RLENGTH + 1))) "</h" lvl ">"
			next
		}
		para = para (para == "" ? "" : " ") line
	}
	END {
		if (pending != "") para = para (para == "" ? "" : " ") pending
		end_table(); flush_para()
	}'
}

# The text of file $1, HTML-escaped.
html_file() {
	"$JQ" -Rrs '@html' <"$1"
}

# Text $1, HTML-escaped.
html_text() {
	printf '%s' "$1" | "$JQ" -Rrs '@html'
}

# The sets: name, kernel and modes from system.json, suite and times from
# meta.json (either may be missing), as table rows.
# shellcheck disable=SC2016 # jq program
set_rows() {
	local i sys meta
	for i in "${!dirs[@]}"; do
		sys=${dirs[i]}/system.json
		meta=${dirs[i]}/meta.json
		[ -f "$sys" ] || sys=/dev/null
		[ -f "$meta" ] || meta=/dev/null
		"$JQ" -nr --arg name "${names[i]}" --arg dir "${dirs[i]}" \
			--slurpfile sys "$sys" --slurpfile meta "$meta" '
			($sys[0] // {}) as $s | ($meta[0] // {}) as $m |
			[$name, ($s.kernel.release // "?"), ($s.kernel.version // ""),
			 ($s.tlb_flush.mode // "?"), ($s.table_free.mode // "?"),
			 (if $s.vm then "QEMU \($s.vm.accel), -cpu \($s.vm.cpu), \($s.vm.vcpus) vCPUs" + (if $s.vm.variant then ", variant \($s.vm.variant)" else "" end) else "native" end),
			 (($m.suite.name // "") + (if $m.reps then ", \($m.reps) reps" else "" end)),
			 ($m.started // ""), $dir] |
			"<tr>" + (map("<td>" + (tostring | @html) + "</td>") | join("")) + "</tr>"' ||
			printf '<tr><td>%s</td><td colspan="8">unreadable system.json or meta.json</td></tr>\n' \
				"$(html_text "${names[i]}")"
	done
}

# The comparisons judged better or worse, as a list (from verdicts.json,
# schema ptstat-compare/1).
# shellcheck disable=SC2016 # jq program
verdict_summary() {
	"$JQ" -r '
		[.entries[]? | .label as $e | .metrics[]? | .name as $m | .unit as $u |
		 .comparisons[]? | {e: $e, m: $m, u: $u, set, change_pct, verdict}] as $all |
		($all | map(.verdict) | group_by(.) | map("\(length) \(.[0])") | join(", ")) as $counts |
		"<p>\(if $counts == "" then "no comparison" else $counts end | @html)</p>",
		(($all | map(select(.verdict == "better" or .verdict == "worse"))) as $sig |
		 if ($sig | length) == 0 then
			"<p>No metric is significantly better or worse.</p>"
		 else
			"<ul>",
			($sig[] | "<li class=\"\(.verdict)\"><strong>\(.verdict | @html)</strong>: \(.e | @html) \(.m | @html) in \(.set | @html): \(if .change_pct == null then "" else "\(.change_pct * 100 | round / 100)%" end | @html)</li>"),
			"</ul>"
		 end)' "$tmp/verdicts.json" 2>/dev/null ||
		printf '<p>verdicts.json could not be summarised.</p>\n'
}

# One <figure> per plot of plots.json whose image exists, under a heading
# per entry. jq gives six lines per plot: the PNG and SVG file names, the
# title and what the plot shows (HTML-escaped), the kind and the group.
# shellcheck disable=SC2016 # jq program
plot_figures() {
	local png svg title shows kind group last=$'\n' ref
	while IFS= read -r png && IFS= read -r svg && IFS= read -r title &&
		IFS= read -r shows && IFS= read -r kind && IFS= read -r group; do
		if [ "$group" != "$last" ]; then
			printf '<h3>%s</h3>\n' "$group"
			last=$group
		fi
		# Only plain file names inside plots/.
		case $png in
		*/* | .*) png= ;;
		esac
		case $svg in
		*/* | .*) svg= ;;
		esac
		if [ -z "$png" ] || [ ! -f "$tmp/plots/$png" ]; then
			printf '<p class="missing">%s: no image</p>\n' "$title"
			continue
		fi
		ref=$(printf '%s' "$png" | "$JQ" -Rr '@uri | @html')
		printf '<figure class="%s">\n' "$kind"
		printf '<img src="plots/%s" alt="%s" loading="lazy" />\n' "$ref" "$title"
		printf '<figcaption>%s' "$title"
		if [ -n "$shows" ]; then
			printf ': %s' "$shows"
		fi
		if [ -n "$svg" ] && [ -f "$tmp/plots/$svg" ]; then
			ref=$(printf '%s' "$svg" | "$JQ" -Rr '@uri | @html')
			printf ' (<a href="plots/%s">SVG</a>)' "$ref"
		fi
		printf '</figcaption>\n</figure>\n'
	done < <("$JQ" -r '.plots[] |
		(.png // .file // ""), (.svg // ""), (.title // "" | @html), (.shows // "" | @html),
		(.kind // "" | @html),
		(if .entry then .entry elif .bench then "\(.bench): scaling with the task count"
		 else "other plots" end | @html) | tostring | gsub("[\r\n]"; " ")' \
		"$tmp/plots/plots.json")
}

title="ptbench: $(printf '%s vs ' "${names[@]}")"
title=${title% vs }
{
	cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>$(html_text "$title")</title>
<style>
body { font-family: sans-serif; margin: 1em 2em; max-width: 90em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 90%; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; }
th { background: #eee; }
p.notice { background: #fff3cd; border: 1px solid #e0c060; padding: 0.6em; }
li.better strong { color: #070; }
li.worse strong { color: #b00; }
figure { display: inline-block; margin: 0.5em; max-width: 48%; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 85%; }
</style>
</head>
<body>
<h1>$(html_text "$title")</h1>
$([ -z "$notice" ] || printf '<p class="notice"><strong>%s</strong></p>' "$(html_text "$notice")")
<p>Written $(date -u +%Y-%m-%dT%H:%M:%SZ) by runners/compare.sh with ptstat.
The first set, $(html_text "${names[0]}"), is the baseline.</p>
<h2>Result sets</h2>
<table>
<thead><tr><th>set</th><th>kernel</th><th>version</th><th>TLB flush</th><th>table free</th><th>machine</th><th>suite</th><th>started</th><th>directory</th></tr></thead>
<tbody>
EOF
	set_rows
	cat <<EOF
</tbody>
</table>
<h2>Verdicts</h2>
EOF
	verdict_summary
	cat <<EOF
<h2>Comparison</h2>
<pre>
$(html_file "$tmp/table.txt")
</pre>
<h2>Tables</h2>
EOF
	md_to_html <"$tmp/table.md"
	cat <<EOF
<h2>kernbench layout</h2>
<pre>
$(html_file "$tmp/kernbench.txt")
</pre>
<h2>Plots</h2>
EOF
	plot_figures
	cat <<EOF
<h2>Files</h2>
<ul>
<li><a href="table.txt">table.txt</a> (text)</li>
<li><a href="table.md">table.md</a> (Markdown)</li>
<li><a href="table.csv">table.csv</a> (CSV)</li>
<li><a href="verdicts.json">verdicts.json</a> (JSON)</li>
<li><a href="kernbench.txt">kernbench.txt</a> (kernbench layout)</li>
<li><a href="plots/plots.json">plots/plots.json</a> (the list of plots)</li>
</ul>
</body>
</html>
EOF
} >"$tmp/index.html"

# ---- swap the report in ----------------------------------------------------

rm -rf -- "$tmp/.work"
chmod "$(printf '%o' "$((0777 & ~$(umask)))")" "$tmp"
trap '' INT TERM
if [ -e "$out" ]; then
	old=$(mktemp -d "$parent/.$base.old.XXXXXX") || fatal "cannot create a temporary directory in $parent"
	mv -T -- "$out" "$old/report" || fatal "cannot move the old $out aside"
	if ! mv -T -- "$tmp" "$out"; then
		mv -T -- "$old/report" "$out" || true
		fatal "cannot rename the new report to $out"
	fi
	rm -rf -- "$old"
else
	mv -T -- "$tmp" "$out" || fatal "cannot rename the new report to $out"
fi
trap - EXIT

case $format in
text) cat -- "$out/table.txt" ;;
markdown) cat -- "$out/table.md" ;;
csv) cat -- "$out/table.csv" ;;
json) cat -- "$out/verdicts.json" ;;
kernbench) cat -- "$out/kernbench.txt" ;;
esac
printf 'compare.sh: report in %s (open %s/index.html)\n' "$out" "$out" >&2
if [ "$left_out" -eq 1 ]; then
	fatal "ptstat left some result files out (see its messages above): the report lacks them"
fi
if [ "$same_path" -eq 1 ] && [ "$allow_same_path" -ne 1 ]; then
	printf 'compare.sh: sets labelled as different free paths counted the same one (see the PATHS note on top of the report; --allow-same-path to accept)\n' >&2
	exit 3
fi
