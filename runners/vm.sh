#!/usr/bin/env bash
# runners/vm.sh: run a suite inside a QEMU virtual machine booting a given
# kernel, and bring its result set back. See usage below.
set -euo pipefail
export -n LC_ALL
LC_ALL=C

usage() {
	cat <<'EOF'
Usage: runners/vm.sh [run] --kernel SPEC [OPTIONS]
       runners/vm.sh kernel SPEC
       runners/vm.sh initramfs --out FILE [--suite NAME|FILE] [--kernel SPEC]
       runners/vm.sh decode TRANSFER DIR
       runners/vm.sh probe SPEC [CPU]

Boots a kernel in a QEMU virtual machine whose initramfs holds ptbench and
the suites, runs a suite there with runners/run.sh, and stores the result
set it sends back as OUT/LABEL, like a run.sh set, with a "vm" object added
to its system.json (by 'ptstat set vm'). runners/compare.sh --kernel uses it; it can be run alone.

Kernel SPEC:
  debian:SERIES     the newest linux-image-SERIES*-cloud-amd64-unsigned
                    package in apt's lists (SERIES: 6.1, 6.12, ...), fetched
                    with 'apt-get download' and unpacked with dpkg-deb into
                    the cache (below); nothing is installed on this machine
  PATH              a bzImage/vmlinuz file (its release is read from the
                    image; a 'config' or 'config-RELEASE' file beside it is
                    given to the guest as /boot/config-RELEASE)

Options of run:
  --kernel SPEC       the kernel to boot (required)
  --suite NAME|FILE   the suite (default: smoke); see runners/run.sh --help
  --label LABEL       name of the result set (default: the kernel release,
                      then -VARIANT)
  --out DIR           where the set goes (default: results/ of this tree;
                      ./results when installed)
  --reps N, --rounds K  passed to run.sh inside the guest
  --variant NAME:KEY=VALUE,...
                      boot differently: append=ARGS adds ARGS to the kernel
                      command line, cpu=MODEL is QEMU's -cpu (a MODEL may hold
                      commas: cpu=host,kvm-pv-tlb-flush=on; a word that is
                      not KEY=... continues the value before it)
  --append ARGS       more kernel command-line arguments
  --cpu MODEL         QEMU -cpu (default: max under TCG, host under KVM)
  --accel auto|kvm|tcg
                      auto (default): KVM when /dev/kvm can really run this
                      kernel (probed by booting it with a 1-line init: KVM
                      that exists but cannot run ordinary kernels is common
                      in nested guests), TCG otherwise
  --tcg-threads single|multi
                      TCG runs every vCPU in one host thread (single, the
                      default) or one thread per vCPU (multi, MTTCG). Under
                      MTTCG a guest kernel that patches its text while another
                      vCPU runs it may crash (QEMU's cross-modifying code):
                      the guest then turns kprobe optimization off and runs
                      'ptbench hold' so that static keys flip once per boot;
                      seen here, 1 failed boot in 40 even so (tests/mttcg-
                      boots.sh). With one thread, none of this; the time-
                      bounded suites take as long
  --smp N             vCPUs (default: this machine's CPU count)
  --mem SIZE          guest memory, e.g. 2G or 1536M (default: 2G); more than
                      90% of MemAvailable is refused
  --boot-timeout S    seconds for the guest to reach its init (default: 300)
  --timeout S         seconds for the whole run (default: 600 + 4 x the
                      suite's planned time)
  --force             replace an existing OUT/LABEL
  -h, --help          show this help and exit

How it works. The initramfs (cpio, gzip) holds busybox (Debian's
busybox-static) for init and mounts, bash, jq, GNU coreutils and flock for
run.sh, ptbench, ptstat, runners/run.sh and the suites, every shared library that
ldd names for those programs, and the kernel's config. Its init mounts proc,
sysfs, devtmpfs, tmpfs and tracefs, runs the suite, and writes the result
set, a gzip'd tar in base64 between BEGIN and END lines carrying its size
and sha256, to the second serial port (/dev/ttyS1), which QEMU writes to a
file on this machine. A serial port needs no module and no network: every
stock kernel has the 8250 driver built in. A transfer that is truncated or
does not match its size or digest is refused. The guest then powers off.

The first serial port is the console: it is kept as vm-console.log in the
set, and in OUT/.LABEL.vm/ when something fails (with the transfer, the
QEMU command and the initramfs), which is the place to look then.

Under TCG every instruction is emulated: timings are not those of real
hardware, system.json says so ("emulated_timings": true), and
runners/compare.sh says so at the top of its report.

The other commands: 'kernel' fetches a kernel and prints its image, release
and config; 'initramfs' writes the initramfs alone; 'decode' checks and
unpacks a transfer file into DIR (prints the set's name and run.sh's exit
status); 'probe' prints "kvm" when KVM can boot the kernel here, else
"tcg" and the reason.

Cache: ${PTBENCH_CACHE:-$HOME/.cache/ptbench}/kernels/debian/PACKAGE_VERSION/
holds vmlinuz, config and package.txt of each Debian kernel fetched.

Exit status: 0 the set is stored; 3 the set is stored, but an entry failed
in the guest (its meta.json lists it under "failed"); 1 the boot, the run
or the transfer failed (the message names the log); 2 bad input (options, a
suite that 'ptbench plan' refuses: nothing is booted); 130/143 interrupted
(QEMU is killed, no set is stored).

Probes. The guest mounts debugfs and records in system.json's vm.kprobes
how many kprobes the kernel holds after the suite (after_suite: ptbench's
kprobes belong to its perf file descriptors, so this must be 0). With
PTBENCH_VM_PROBE_CHECK=1 it also starts a pt-teardown run before the suite,
kills it with SIGKILL once its kprobes are registered, and records the
count while it ran (while_running) and after (after_sigkill, must be 0).

Environment: PTBENCH (the ptbench binary; set-up skipped), PTSTAT (the
ptstat binary; default: beside PTBENCH), QEMU (the
qemu-system-x86_64 to use), PTBENCH_CACHE, PTBENCH_VM_PROBE_CHECK.
EOF
}

PROG=vm.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck source=SCRIPTDIR/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

JQ=${JQ:-jq}
QEMU=${QEMU:-qemu-system-x86_64}
cache=${PTBENCH_CACHE:-${HOME:-/tmp}/.cache/ptbench}

# The host programs run.sh needs inside the guest, beyond busybox: bash,
# jq, flock and GNU coreutils (run.sh relies on GNU options busybox lacks,
# realpath -s among them).
guest_tools() {
	local f
	printf '%s\n' /usr/bin/bash /usr/bin/jq /usr/bin/flock
	while IFS= read -r f; do
		case $f in
		/bin/* | /usr/bin/* | /usr/sbin/*)
			[ -f "$f" ] && [ -x "$f" ] && printf '%s\n' "$f"
			;;
		esac
	done < <(dpkg -L coreutils 2>/dev/null)
}

# ---- kernels -------------------------------------------------------------

# resolve_kernel SPEC: sets K_IMAGE, K_RELEASE, K_CONFIG (may be empty),
# K_PACKAGE and K_PACKAGE_VERSION (empty for a file).
resolve_kernel() {
	local spec=$1
	K_IMAGE='' K_RELEASE='' K_CONFIG='' K_PACKAGE='' K_PACKAGE_VERSION=''
	case $spec in
	debian:*) fetch_debian "${spec#debian:}" ;;
	running) die "--kernel running: the running kernel is not booted in a VM (runners/compare.sh runs it natively with run.sh)" ;;
	'') die "--kernel needs a SPEC (debian:SERIES or an image file)" ;;
	*) image_kernel "$spec" ;;
	esac
}

image_kernel() {
	local img=$1 desc dir
	if [ ! -f "$img" ] || [ ! -r "$img" ]; then
		die "--kernel '$img': no such readable file (want debian:SERIES or a bzImage)"
	fi
	desc=$(file -b -- "$img" 2>/dev/null) || desc=
	if [[ $desc =~ Linux\ kernel\ x86\ boot\ executable.*version\ ([^ ,]+) ]]; then
		K_RELEASE=${BASH_REMATCH[1]}
	else
		die "--kernel '$img': not an x86 Linux kernel image ('file' says: ${desc:-nothing})"
	fi
	K_IMAGE=$(realpath -- "$img")
	dir=$(dirname -- "$K_IMAGE")
	if [ -f "$dir/config-$K_RELEASE" ]; then
		K_CONFIG=$dir/config-$K_RELEASE
	elif [ -f "$dir/config" ]; then
		K_CONFIG=$dir/config
	fi
}

# debian_newest REGEX: sets best and bestver to the package matching REGEX
# with the highest candidate version (empty when none).
debian_newest() {
	local pkg ver
	best='' bestver=''
	while read -r pkg _; do
		[[ $pkg =~ $1 ]] || continue
		ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: *//p')
		if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
			continue
		fi
		if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$bestver"; then
			best=$pkg bestver=$ver
		fi
	done < <(apt-cache search --names-only "$1" 2>/dev/null)
}

# fetch_debian SERIES: the newest cloud kernel package of SERIES, from the
# cache or fetched into it.
fetch_debian() {
	local series=$1 best='' bestver='' name tmp dest
	[[ $series =~ ^[0-9]+\.[0-9]+$ ]] ||
		die "--kernel debian:$series: want debian:MAJOR.MINOR, e.g. debian:6.12"
	command -v apt-cache >/dev/null 2>&1 ||
		die "--kernel debian:$series: apt-cache not found (debian: specs need Debian's apt)"
	local re="^linux-image-${series//./\\.}[.-][^ ]*-cloud-amd64-unsigned$"
	debian_newest "$re"
	if [ -z "$best" ] && [ "$EUID" -eq 0 ]; then
		# A fresh machine may have no package lists yet.
		note "no $series cloud kernel in apt's lists: running apt-get update"
		apt-get update >/dev/null 2>&1 || note "apt-get update failed"
		debian_newest "$re"
	fi
	[ -n "$best" ] ||
		fatal "--kernel debian:$series: no linux-image-$series*-cloud-amd64-unsigned package in apt's lists (run 'apt-get update' as root; is $series a series Debian ships?)"
	K_PACKAGE=$best
	K_PACKAGE_VERSION=$bestver
	K_RELEASE=${best#linux-image-}
	K_RELEASE=${K_RELEASE%-unsigned}
	name=${best}_${bestver}
	dest=$cache/kernels/debian/$name
	if [ ! -f "$dest/vmlinuz" ]; then
		mkdir -p "$cache/kernels/debian" || fatal "cannot create $cache/kernels/debian"
		tmp=$(mktemp -d "$cache/kernels/debian/.$name.XXXXXX") ||
			fatal "cannot create a temporary directory in $cache/kernels/debian"
		note "fetching $best $bestver (apt-get download)"
		local -a aptopt=()
		# apt's download sandbox user cannot write into root's cache.
		[ "$EUID" -eq 0 ] && aptopt=(-o APT::Sandbox::User=root)
		if ! (cd "$tmp" && apt-get "${aptopt[@]}" download "$best=$bestver") >"$tmp/apt.log" 2>&1; then
			tail -n 5 "$tmp/apt.log" >&2
			rm -rf "$tmp"
			fatal "apt-get download $best=$bestver failed"
		fi
		local deb
		deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n 1)
		mkdir "$tmp/x"
		if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$tmp/x"; then
			rm -rf "$tmp"
			fatal "cannot unpack the package of $best (dpkg-deb -x)"
		fi
		if [ ! -f "$tmp/x/boot/vmlinuz-$K_RELEASE" ]; then
			rm -rf "$tmp"
			fatal "$best holds no boot/vmlinuz-$K_RELEASE"
		fi
		mv "$tmp/x/boot/vmlinuz-$K_RELEASE" "$tmp/vmlinuz"
		if [ -f "$tmp/x/boot/config-$K_RELEASE" ]; then
			mv "$tmp/x/boot/config-$K_RELEASE" "$tmp/config"
		fi
		printf 'package %s\nversion %s\nrelease %s\n' "$best" "$bestver" "$K_RELEASE" >"$tmp/package.txt"
		rm -rf "$tmp/x" "$deb" "$tmp/apt.log"
		chmod 755 "$tmp"
		if ! mv -T "$tmp" "$dest" 2>/dev/null; then
			# Another vm.sh fetched it meanwhile.
			rm -rf "$tmp"
			[ -f "$dest/vmlinuz" ] || fatal "cannot store the kernel in $dest"
		fi
	fi
	K_IMAGE=$dest/vmlinuz
	[ -f "$dest/config" ] && K_CONFIG=$dest/config
	return 0
}

# ---- initramfs ---------------------------------------------------------------

# add_file ROOT FILE: copy FILE (following links) to the same path in ROOT.
add_file() {
	local root=$1 f=$2
	[ -e "$root$f" ] && return 0
	mkdir -p "$root$(dirname -- "$f")"
	cp -L -- "$f" "$root$f"
}

# add_program ROOT FILE [DEST]: FILE (at the same path, or at DEST in ROOT)
# and every library ldd names for it.
add_program() {
	local root=$1 f=$2 line lib
	if [ -n "${3:-}" ]; then
		mkdir -p "$root$(dirname -- "$3")"
		cp -L -- "$f" "$root$3"
	else
		add_file "$root" "$f"
	fi
	while read -r line; do
		case $line in
		*'=> not found'*) fatal "$f needs ${line%% *}, which is not installed" ;;
		*'=> /'*)
			lib=${line#*=> }
			lib=${lib%% (*}
			;;
		/*)
			lib=${line%% (*}
			;;
		*) continue ;;
		esac
		add_file "$root" "$lib"
	done < <(ldd "$f" 2>/dev/null || true)
}

# build_initramfs OUT SUITE_FILE KCONFIG LABEL REPS ROUNDS
build_initramfs() {
	local out=$1 suite_file=$2 kconfig=$3 label=$4 reps=$5 rounds=$6
	local root f suite_rel
	# Staged beside the output: a failure leaves it with the run's other
	# files (OUT/.LABEL.vm/), not in /tmp.
	root=$(mktemp -d "$(dirname -- "$out")/.initramfs-root.XXXXXX") ||
		fatal "cannot create a temporary directory beside $out"
	mkdir -p "$root/bin" "$root/ptbench/bin" "$root/ptbench/runners" \
		"$root/ptbench/workloads" "$root/root"
	[ -x /bin/busybox ] || fatal "/bin/busybox not found (Debian package busybox-static)"
	if ! file -b /bin/busybox | grep -q 'statically linked'; then
		fatal "/bin/busybox is not statically linked (install Debian's busybox-static)"
	fi
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	install -m 755 "$PT_TOP/runners/vm-init" "$root/init"
	add_program "$root" "$bin" /ptbench/bin/ptbench
	add_program "$root" "$ptstat" /ptbench/bin/ptstat
	# All in /usr/bin (dpkg lists some of coreutils under /bin), first in
	# the guest's PATH, before busybox's applets.
	while IFS= read -r f; do
		add_program "$root" "$f" "/usr/bin/${f##*/}"
	done < <(guest_tools)
	cp "$PT_TOP/runners/run.sh" "$PT_TOP/runners/setup.sh" "$PT_TOP/runners/lib.sh" \
		"$root/ptbench/runners/"
	cp "$PT_TOP"/workloads/*.suite "$root/ptbench/workloads/"
	case $suite_file in
	"$PT_TOP"/workloads/*.suite) suite_rel=${suite_file##*/} ;;
	*)
		# A suite of the user's: its directory's suites, for its includes.
		mkdir -p "$root/ptbench/workloads/user"
		cp "$(dirname -- "$suite_file")"/*.suite "$root/ptbench/workloads/user/" 2>/dev/null || true
		cp "$suite_file" "$root/ptbench/workloads/user/"
		suite_rel=user/${suite_file##*/}
		;;
	esac
	if [ -n "$kconfig" ]; then
		cp "$kconfig" "$root/ptbench/kernel-config"
	fi
	printf "PT_LABEL='%s'\nPT_SUITE='%s'\nPT_REPS='%s'\nPT_ROUNDS='%s'\nPT_PROBE_CHECK='%s'\nPT_MTTCG='%s'\n" \
		"$label" "$suite_rel" "$reps" "$rounds" "${PTBENCH_VM_PROBE_CHECK:+1}" \
		"${PT_JOB_MTTCG:-}" >"$root/ptbench/job"
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet | gzip -6) >"$out.tmp" ||
		fatal "cannot write the initramfs $out"
	mv -- "$out.tmp" "$out"
}

# ---- transfer ------------------------------------------------------------

# decode_transfer FILE DIR: check the transfer in FILE and unpack it into DIR
# (which must exist and be empty). Prints "NAME RC": the set directory
# unpacked and run.sh's status in the guest. Returns 1 with a message on a
# missing, truncated or corrupt transfer.
decode_transfer() {
	local file=$1 dir=$2 begin end nb bytes sum rc got gotsum name
	local tmp=$dir/.xfer
	if [ ! -s "$file" ]; then
		note "no transfer received ($file is empty or missing): the guest did not get to send its results"
		return 1
	fi
	begin=$(grep -a -m1 '^PTBENCH-XFER 1 BEGIN ' "$file" | tr -d '\r') || begin=
	if [ -z "$begin" ]; then
		note "corrupt transfer: no BEGIN line in $file"
		return 1
	fi
	read -r _ _ _ bytes sum rc <<<"$begin"
	if ! [[ $bytes =~ ^[0-9]+$ && $sum =~ ^[0-9a-f]{64}$ && $rc =~ ^[0-9]+$ ]]; then
		note "corrupt transfer: bad BEGIN line in $file: $begin"
		return 1
	fi
	end=$(grep -a -m1 '^PTBENCH-XFER 1 END ' "$file" | tr -d '\r') || end=
	if [ -z "$end" ]; then
		note "truncated transfer: no END line in $file (the guest stopped while sending?)"
		return 1
	fi
	if ! [[ $end =~ ^PTBENCH-XFER\ 1\ END\ [0-9]+\ [0-9a-f]{64}\ [0-9]+$ ]]; then
		note "truncated transfer: the END line in $file is incomplete"
		return 1
	fi
	if [ "$end" != "PTBENCH-XFER 1 END $bytes $sum $rc" ]; then
		note "corrupt transfer: the END line does not match the BEGIN line in $file"
		return 1
	fi
	nb=$(awk '/^PTBENCH-XFER 1 BEGIN /{on=1; next} /^PTBENCH-XFER 1 END /{exit} on' "$file" |
		tr -d '\r' | tee "$tmp.b64" | wc -l)
	if [ "$nb" -eq 0 ] || ! base64 -d <"$tmp.b64" >"$tmp.tgz" 2>/dev/null; then
		rm -f "$tmp.b64" "$tmp.tgz"
		note "corrupt transfer: the data in $file is not valid base64"
		return 1
	fi
	got=$(stat -c %s "$tmp.tgz")
	gotsum=$(sha256sum "$tmp.tgz")
	gotsum=${gotsum%% *}
	if [ "$got" != "$bytes" ] || [ "$gotsum" != "$sum" ]; then
		rm -f "$tmp.b64" "$tmp.tgz"
		note "corrupt transfer: got $got bytes with sha256 $gotsum, the guest sent $bytes bytes with sha256 $sum ($file)"
		return 1
	fi
	# The whole listing (no early close: with pipefail, tar would die of
	# SIGPIPE), and every entry must be in the one set directory.
	local list
	list=$(tar -tzf "$tmp.tgz" 2>/dev/null) || list=''
	name=${list%%$'\n'*}
	name=${name%%/*}
	if ! [[ $name =~ ^\.?[A-Za-z0-9_+-][A-Za-z0-9._+-]*$ ]] ||
		grep -qv -e "^$name/" -e "^$name\$" <<<"$list" ||
		! tar -xzf "$tmp.tgz" -C "$dir" --no-same-owner 2>/dev/null; then
		rm -f "$tmp.b64" "$tmp.tgz"
		note "corrupt transfer: the archive in $file does not unpack into one set directory"
		return 1
	fi
	rm -f "$tmp.b64" "$tmp.tgz"
	printf '%s %s\n' "$name" "$rc"
}

# ---- QEMU ----------------------------------------------------------------

qemu_version() {
	"$QEMU" --version 2>/dev/null | head -n 1
}

# qemu_boot ACCEL CPU IMAGE INITRD APPEND CONSOLE XFER: start QEMU in the
# background; its pid in QPID.
qemu_boot() {
	local acc=$1
	[ "$acc" != tcg ] || acc=tcg,thread=$tcg_threads
	QCMD=("$QEMU" -nodefaults -no-user-config -display none -no-reboot
		-machine pc -accel "$acc" -cpu "$2" -smp "$smp" -m "${mem_mib}M"
		-kernel "$3" -initrd "$4" -append "$5"
		-serial "file:$6" -serial "file:$7")
	"${QCMD[@]}" </dev/null >"$6.qemu" 2>&1 &
	QPID=$!
}

qemu_kill() {
	if [ -n "${QPID:-}" ] && kill -0 "$QPID" 2>/dev/null; then
		kill "$QPID" 2>/dev/null || true
		wait "$QPID" 2>/dev/null || true
	fi
	QPID=''
}

# Nothing is left running when vm.sh ends, however it ends: QEMU (also the
# probe's, run in a subshell that writes its pid to PROBE_PIDFILE) and the
# console follower.
QPID=''
TAILPID=''
PROBE_PIDFILE=''
cleanup() {
	local p
	qemu_kill
	if [ -n "$PROBE_PIDFILE" ] && [ -s "$PROBE_PIDFILE" ]; then
		read -r p <"$PROBE_PIDFILE" && kill "$p" 2>/dev/null
	fi
	if [ -n "$TAILPID" ]; then
		kill "$TAILPID" 2>/dev/null || true
	fi
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# probe_kvm IMAGE CPU WORKDIR: can KVM run this kernel here? Boots it with an
# init that only prints a line. When it cannot, prints why.
probe_kvm() {
	local img=$1 cpu=$2 w=$3 i
	if [ ! -e /dev/kvm ]; then
		printf '%s\n' "no /dev/kvm"
		return 1
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		printf '%s\n' "/dev/kvm is not readable and writable by this user"
		return 1
	fi
	mkdir -p "$w/probe/root/bin"
	cp /bin/busybox "$w/probe/root/bin/busybox"
	printf '#!/bin/busybox sh\n/bin/busybox echo PTBENCH-KVM-PROBE-OK\n/bin/busybox poweroff -f\n' \
		>"$w/probe/root/init"
	chmod 755 "$w/probe/root/init"
	(cd "$w/probe/root" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet | gzip -1) \
		>"$w/probe/initrd"
	: >"$w/probe/console"
	qemu_boot kvm "$cpu" "$img" "$w/probe/initrd" "console=ttyS0 panic=-1" \
		"$w/probe/console" /dev/null
	printf '%s\n' "$QPID" >"$PROBE_PIDFILE"
	for ((i = 0; i < 600; i++)); do
		if grep -q PTBENCH-KVM-PROBE-OK "$w/probe/console" 2>/dev/null; then
			qemu_kill
			return 0
		fi
		if grep -q 'KVM internal error' "$w/probe/console.qemu" 2>/dev/null; then
			printf '%s\n' "KVM internal error (emulation failure) while booting"
			qemu_kill
			return 1
		fi
		if ! kill -0 "$QPID" 2>/dev/null; then
			wait "$QPID" 2>/dev/null || true
			QPID=''
			if grep -q PTBENCH-KVM-PROBE-OK "$w/probe/console" 2>/dev/null; then
				return 0
			fi
			printf '%s\n' "QEMU failed: $(grep -v '^qemu-system-x86_64: warning' "$w/probe/console.qemu" | head -n 1)"
			return 1
		fi
		sleep 0.05
	done
	qemu_kill
	printf '%s\n' "the probe guest did not print within 30 s"
	return 1
}

# ---- subcommands -----------------------------------------------------------

# parse_variant SPEC: sets V_NAME, V_APPEND, V_CPU.
parse_variant() {
	local spec=$1 rest key='' word
	V_NAME=${spec%%:*}
	[[ $spec == *:* ]] || die "--variant '$spec': want NAME:append=ARGS,cpu=MODEL"
	rest=${spec#*:}
	[[ $V_NAME =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$ ]] ||
		die "--variant '$spec': NAME '$V_NAME' must be letters, digits, '.', '_', '+', '-'"
	V_APPEND='' V_CPU=''
	[ -n "$rest" ] || die "--variant '$spec': nothing after 'NAME:' (want append=ARGS and/or cpu=MODEL)"
	local IFS=,
	local -a words
	read -r -a words <<<"$rest"
	IFS=$' \t\n'
	for word in "${words[@]}"; do
		case $word in
		append=*)
			key=append
			V_APPEND=${word#append=}
			;;
		cpu=*)
			key=cpu
			V_CPU=${word#cpu=}
			;;
		*)
			case $key in
			append) V_APPEND+=,$word ;;
			cpu) V_CPU+=,$word ;;
			*) die "--variant '$spec': unknown key in '$word' (keys: append, cpu)" ;;
			esac
			;;
		esac
	done
}

# parse_mem SIZE: sets mem_mib.
parse_mem() {
	local s=$1 n
	if [[ $s =~ ^([1-9][0-9]{0,6})([MmGg]?)$ ]]; then
		n=${BASH_REMATCH[1]}
		case ${BASH_REMATCH[2]} in
		G | g) mem_mib=$((n * 1024)) ;;
		*) mem_mib=$n ;;
		esac
	else
		die "--mem '$s': want a size such as 2G or 1536M"
	fi
	[ "$mem_mib" -ge 256 ] || die "--mem '$s': at least 256M"
}

secs_re='^[1-9][0-9]{0,5}$'
smp=$(nproc)
mem_mib=2048
tcg_threads=single

cmd_kernel() {
	[ "$#" -eq 1 ] || die "usage: vm.sh kernel SPEC"
	resolve_kernel "$1"
	printf 'image %s\nrelease %s\nconfig %s\npackage %s\nversion %s\n' \
		"$K_IMAGE" "$K_RELEASE" "${K_CONFIG:-none}" "${K_PACKAGE:-none}" \
		"${K_PACKAGE_VERSION:-none}"
}

# probe SPEC [CPU]: prints "kvm" when KVM can run the kernel here, else
# "tcg REASON". Exit 0 either way.
cmd_probe() {
	if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
		die "usage: vm.sh probe SPEC [CPU]"
	fi
	setup_bin
	command -v "$QEMU" >/dev/null 2>&1 || fatal "$QEMU not found (Debian package qemu-system-x86)"
	resolve_kernel "$1"
	local w out
	w=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-probe.XXXXXX") || fatal "cannot create a temporary directory"
	PROBE_PIDFILE=$w/probe-qemu.pid
	if out=$(probe_kvm "$K_IMAGE" "${2:-host}" "$w" 2>"$w/probe.log"); then
		echo kvm
	else
		printf 'tcg %s\n' "${out:-the probe failed}"
	fi
	rm -rf "$w"
}

cmd_decode() {
	[ "$#" -eq 2 ] || die "usage: vm.sh decode TRANSFER DIR"
	[ -d "$2" ] || die "decode: $2 is not a directory"
	decode_transfer "$1" "$2" || exit 1
}

# find_suite NAME|FILE: sets suite_file (absolute).
find_suite() {
	case $1 in
	'') die "--suite needs a name or a file" ;;
	*/* | *.suite) suite_file=$1 ;;
	*)
		[[ $1 =~ ^[A-Za-z0-9._-]+$ ]] || die "--suite '$1': not a suite name"
		suite_file=$PT_TOP/workloads/$1.suite
		;;
	esac
	if [ ! -f "$suite_file" ] || [ ! -r "$suite_file" ]; then
		die "no suite '$1': $suite_file is not a readable file"
	fi
	suite_file=$(realpath -- "$suite_file")
	[[ ${suite_file##*/} =~ ^[A-Za-z0-9._-]+$ ]] ||
		die "--suite '$1': the file name must be letters, digits, '.', '_', '-'"
}

setup_bin() {
	if [ -n "${PTBENCH:-}" ]; then
		bin=$PTBENCH
		ptstat=${PTSTAT:-$(dirname -- "$bin")/ptstat}
		PT_DEBIAN_PACKAGES=("${PT_VM_PACKAGES[@]}")
		pt_install_packages || fatal "the set-up failed"
	else
		PT_DEBIAN_PACKAGES+=("${PT_VM_PACKAGES[@]}")
		pt_setup || fatal "the set-up failed"
		bin=$PTBENCH_BIN
		ptstat=$PTSTAT_BIN
	fi
	local b
	for b in "$bin" "$ptstat"; do
		if [ ! -f "$b" ] || [ ! -x "$b" ]; then
			fatal "${b##*/} not found or not executable: $b"
		fi
	done
	bin=$(realpath -- "$bin")
	ptstat=$(realpath -- "$ptstat")
	command -v "$JQ" >/dev/null 2>&1 || fatal "jq not found (Debian package jq)"
}

cmd_initramfs() {
	local out='' suite=smoke kspec=''
	while [ "$#" -gt 0 ]; do
		case $1 in
		--out | --suite | --kernel)
			[ "$#" -ge 2 ] || die "$1 needs a value"
			case $1 in
			--out) out=$2 ;;
			--suite) suite=$2 ;;
			--kernel) kspec=$2 ;;
			esac
			shift 2
			;;
		*) die "initramfs: unknown option '$1' (see --help)" ;;
		esac
	done
	[ -n "$out" ] || die "initramfs: --out FILE is required"
	find_suite "$suite"
	setup_bin
	local kconfig=''
	if [ -n "$kspec" ]; then
		resolve_kernel "$kspec"
		kconfig=$K_CONFIG
	fi
	build_initramfs "$out" "$suite_file" "$kconfig" initramfs-test "" ""
	printf '%s\n' "$out"
}

# ---- run: the stages of one VM run -----------------------------------------
#
# cmd_run declares the run's variables; its stages (run_args, run_plan,
# run_boot, run_collect) set and read them (bash's dynamic scope).

# run_args ARG...: the options of run, checked.
run_args() {
	while [ "$#" -gt 0 ]; do
		case $1 in
		--kernel | --suite | --label | --out | --reps | --rounds | --variant | \
			--append | --cpu | --accel | --smp | --mem | --boot-timeout | --timeout | \
			--tcg-threads)
			[ "$#" -ge 2 ] || die_usage "$1 needs a value"
			case $1 in
			--kernel) kspec=$2 ;;
			--suite) suite=$2 ;;
			--label) label=$2 ;;
			--out) out_arg=$2 ;;
			--reps) reps=$2 ;;
			--rounds) rounds=$2 ;;
			--variant) variant=$2 ;;
			--append) append=$2 ;;
			--cpu) cpu=$2 ;;
			--accel) accel=$2 ;;
			--smp) smp=$2 ;;
			--mem) parse_mem "$2" ;;
			--boot-timeout) boot_timeout=$2 ;;
			--timeout) timeout=$2 ;;
			--tcg-threads) tcg_threads=$2 ;;
			esac
			shift 2
			continue
			;;
		--force) force=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		*) die_usage "unknown option '$1'" ;;
		esac
		shift
	done
	[ -n "$kspec" ] || die_usage "--kernel SPEC is required"
	case $accel in
	auto | kvm | tcg) ;;
	*) die "--accel '$accel': want auto, kvm or tcg" ;;
	esac
	[[ $smp =~ ^[1-9][0-9]{0,2}$ ]] || die "--smp '$smp': want a number of vCPUs"
	case $tcg_threads in
	single | multi) ;;
	*) die "--tcg-threads '$tcg_threads': want single or multi" ;;
	esac
	[[ $boot_timeout =~ $secs_re ]] || die "--boot-timeout '$boot_timeout': want whole seconds"
	[ -z "$timeout" ] || [[ $timeout =~ $secs_re ]] || die "--timeout '$timeout': want whole seconds"
	[ -z "$reps" ] || check_count --reps "$reps"
	[ -z "$rounds" ] || check_count --rounds "$rounds"
	V_NAME='' V_APPEND='' V_CPU=''
	[ -z "$variant" ] || parse_variant "$variant"
	[ -z "$V_CPU" ] || cpu=$V_CPU
	[ -z "$V_APPEND" ] || append="$V_APPEND${append:+ $append}"
	if [[ $append == *[$'\n\r']* ]]; then
		die "--append: no newlines"
	fi
	[ -z "$label" ] || check_set_label --label "$label"
	local avail_kib
	avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
	if [ -n "$avail_kib" ] && [ $((mem_mib * 1024)) -gt $((avail_kib * 9 / 10)) ]; then
		die "--mem ${mem_mib}M: more than 90% of this machine's available memory ($((avail_kib / 1024)) MiB)"
	fi
	find_suite "$suite"
}

# run_plan: the suite planned and checked by 'ptbench plan' for the guest's
# CPU count, before anything is fetched or booted; its planned time sets
# the default timeout. Then the kernel, the label and the work directory.
run_plan() {
	local plan planned_ms nkb
	plan=$(mktemp "${TMPDIR:-/tmp}/ptbench-plan.XXXXXX") || fatal "cannot create a temporary file"
	if ! "$bin" plan --cpus "$smp" ${reps:+--reps "$reps"} ${rounds:+--rounds "$rounds"} \
		-- "$suite_file" >"$plan"; then
		rm -f "$plan"
		die "the suite $suite_file is not usable (ptbench plan refused it, above)"
	fi
	read -r planned_ms nkb < <("$JQ" -r \
		'[.planned_ms, ([.entries[] | select(.kind == "kernbench")] | length)] | @tsv' "$plan")
	rm -f "$plan"
	if [ "$nkb" -gt 0 ]; then
		die "the suite $suite_file has kernbench entries: kernel compiles need a source tree and a disk, which the VM does not have (run them natively with runners/run.sh)"
	fi
	[ -n "$timeout" ] || timeout=$((600 + 4 * planned_ms / 1000))

	resolve_kernel "$kspec"
	[ -n "$label" ] || label=$K_RELEASE${V_NAME:+-$V_NAME}
	[[ $label =~ ^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,199}$ ]] ||
		die "the label '$label' made from the kernel release is not usable: give --label"

	out=${out_arg:-$PT_RESULTS}
	mkdir -p -- "$out" || fatal "cannot create $out"
	out=$(realpath -- "$out")
	if [ -e "$out/$label" ] && [ "$force" -ne 1 ]; then
		die "$out/$label exists: add --force to replace it, or give another --label"
	fi
	w=$out/.$label.vm
	rm -rf -- "$w"
	mkdir -p "$w/recv"
}

# run_accel: the accelerator (auto: probed) and the CPU model.
run_accel() {
	accel_note=''
	if [ "$accel" = auto ]; then
		local probe_out
		PROBE_PIDFILE=$w/probe-qemu.pid
		# In a subshell: the shell's own report of a QEMU that aborts goes
		# to the log, not to the terminal.
		if probe_out=$(probe_kvm "$K_IMAGE" "${cpu:-host}" "$w" 2>"$w/probe.log"); then
			accel=kvm
			accel_note="KVM probe booted this kernel"
		else
			PROBE_NOTE=${probe_out:-the probe failed (see $w/probe.log)}
			accel=tcg
			accel_note="KVM not usable: $PROBE_NOTE"
			note "KVM cannot run this kernel here ($PROBE_NOTE): using TCG, timings are emulated"
		fi
	elif [ "$accel" = kvm ]; then
		accel_note="asked for (--accel kvm)"
	else
		accel_note="asked for (--accel tcg)"
	fi
	if [ -z "$cpu" ]; then
		if [ "$accel" = kvm ]; then cpu=host; else cpu=max; fi
	fi
}

# run_boot: the initramfs, then QEMU until the guest powers off (or a
# timeout). Sets t0, t_init and t_end (date +%s.%N).
run_boot() {
	PT_JOB_MTTCG=
	[ "$accel" != tcg ] || [ "$tcg_threads" != multi ] || PT_JOB_MTTCG=1
	note "building the initramfs"
	build_initramfs "$w/initramfs.cpio.gz" "$suite_file" "$K_CONFIG" "$label" "$reps" "$rounds"

	cmdline="console=ttyS0 earlyprintk=serial,ttyS0 panic=-1${append:+ $append}"
	: >"$w/console.log"
	: >"$w/transfer.txt"
	note "booting $K_RELEASE${V_NAME:+ ($V_NAME)} under ${accel^^} (-cpu $cpu, $smp vCPUs, ${mem_mib} MiB): $cmdline"
	t0=$(date +%s.%N)
	t_init=''
	qemu_boot "$accel" "$cpu" "$K_IMAGE" "$w/initramfs.cpio.gz" "$cmdline" \
		"$w/console.log" "$w/transfer.txt"
	printf '%q ' "${QCMD[@]}" >"$w/qemu-command.txt"
	echo >>"$w/qemu-command.txt"
	# Show the guest's own lines (not the kernel's) as they come.
	tail -n +1 -F --pid="$QPID" "$w/console.log" 2>/dev/null |
		grep --line-buffered -av '^\[ *[0-9]*\.[0-9]*\]' |
		grep --line-buffered -a -e '^ptbench-vm:' -e '^\[[0-9]*/[0-9]*\]' -e '^run\.sh' >&2 &
	TAILPID=$!
	local failure=''
	while kill -0 "$QPID" 2>/dev/null; do
		if [ -z "$t_init" ]; then
			if grep -aq '^ptbench-vm: init started' "$w/console.log"; then
				t_init=$(date +%s.%N)
			elif older_than "$t0" "$boot_timeout"; then
				failure="the guest did not reach its init within ${boot_timeout}s (--boot-timeout)"
				break
			fi
		fi
		if older_than "$t0" "$timeout"; then
			failure="the run took longer than ${timeout}s (--timeout)"
			break
		fi
		if grep -aq 'KVM internal error' "$w/console.log.qemu" 2>/dev/null; then
			failure="KVM internal error (see $w/console.log.qemu)"
			break
		fi
		sleep 0.2
	done
	local qrc=0
	if [ -n "$failure" ]; then
		qemu_kill
	else
		wait "$QPID" || qrc=$?
		QPID=''
	fi
	t_end=$(date +%s.%N)
	sleep 0.1
	kill "$TAILPID" 2>/dev/null || true
	wait "$TAILPID" 2>/dev/null || true
	TAILPID=''
	if [ -n "$failure" ]; then
		fatal "$failure; the console log is kept: $w/console.log"
	fi
	if [ "$qrc" -ne 0 ]; then
		fatal "QEMU failed (exit $qrc): $(grep -v 'warning' "$w/console.log.qemu" | head -n 2 | tr '\n' ' ')(console log: $w/console.log)"
	fi
	if [ -z "$t_init" ]; then
		fatal "the guest powered off without running its init; the console log is kept: $w/console.log"
	fi
}

# run_collect: the set sent back, with the vm object (ptstat set vm) and
# the console log, moved to OUT/LABEL. Sets guest_rc: run.sh's status in
# the guest (0, or 3 when an entry failed).
run_collect() {
	local got name set gfile facts suite_s
	got=$(decode_transfer "$w/transfer.txt" "$w/recv") ||
		fatal "no usable result set came back; the console log is kept: $w/console.log"
	read -r name guest_rc <<<"$got"
	if { [ "$guest_rc" -ne 0 ] && [ "$guest_rc" -ne 3 ]; } || [ "$name" != "$label" ]; then
		fatal "run.sh failed in the guest (exit $guest_rc); what it wrote is in $w/recv/$name (run.log there), the console log in $w/console.log"
	fi
	set=$w/recv/$name
	[ -f "$set/system.json" ] || fatal "the set sent back has no system.json ($set)"

	# The facts of the vm object, KEY VALUE lines: ptstat set vm writes it.
	gfile=$set/vm-guest.txt
	facts=$w/vm-facts.txt
	gval() { sed -n "s/^$1 //p" "$gfile" | head -n 1; }
	{
		printf 'accel %s\n' "$accel"
		printf 'accel_note %s\n' "$accel_note"
		printf 'qemu_version %s\n' "$(qemu_version)"
		printf 'qemu_command %s\n' "$(head -n 1 "$w/qemu-command.txt" | sed 's/ *$//')"
		printf 'cpu %s\n' "$cpu"
		printf 'cpu_model_name %s\n' "$(gval cpu_model_name)"
		printf 'cpu_flags %s\n' "$(gval cpu_flags)"
		printf 'memory_mib %s\n' "$mem_mib"
		printf 'vcpus %s\n' "$smp"
		printf 'guest_cpus_online %s\n' "$(gval online)"
		printf 'guest_cmdline %s\n' "$(gval cmdline)"
		printf 'cmdline_asked %s\n' "$cmdline"
		printf 'kernel_spec %s\n' "$kspec"
		printf 'kernel_image %s\n' "$K_IMAGE"
		printf 'kernel_package %s\n' "$K_PACKAGE"
		printf 'kernel_package_version %s\n' "$K_PACKAGE_VERSION"
		printf 'variant %s\n' "$V_NAME"
		printf 'tcg_threads %s\n' "$tcg_threads"
		printf 'boot_s %s\n' "$(secs_since "$t0" "$t_init")"
		printf 'kernel_uptime_at_init_s %s\n' "$(gval boot_uptime_s)"
		printf 'suite_s %s\n' "$(gval suite_s)"
		printf 'total_s %s\n' "$(secs_since "$t0" "$t_end")"
		printf 'kprobes_after_suite %s\n' "$(gval kprobes_after_suite)"
		printf 'kprobes_while_running %s\n' "$(gval kprobes_while_running)"
		printf 'kprobes_after_sigkill %s\n' "$(gval kprobes_after_sigkill)"
	} >"$facts"
	"$ptstat" set vm "$set" --facts "$facts" ||
		fatal "cannot add the vm object to $set/system.json (facts: $facts)"
	suite_s=$(gval suite_s)
	rm -f "$gfile"
	cp "$w/console.log" "$set/vm-console.log"
	cp "$w/qemu-command.txt" "$set/vm-qemu-command.txt"

	if [ -e "$out/$label" ]; then
		mv -T -- "$out/$label" "$w/old"
	fi
	mv -T -- "$set" "$out/$label" || fatal "cannot move the set to $out/$label"
	rm -rf -- "$w"
	note "$label: boot $(secs_since "$t0" "$t_init")s, suite ${suite_s}s, total $(secs_since "$t0" "$t_end")s"
	printf 'results: %s\n' "$out/$label"
}

cmd_run() {
	local kspec='' suite=smoke label='' out_arg='' reps='' rounds='' append='' cpu='' accel=auto
	local boot_timeout=300 timeout='' force=0 variant=''
	local suite_file out w accel_note cmdline t0 t_init t_end guest_rc
	run_args "$@"
	setup_bin
	command -v "$QEMU" >/dev/null 2>&1 || fatal "$QEMU not found (Debian package qemu-system-x86)"
	run_plan
	run_accel
	run_boot
	run_collect
	if [ "$guest_rc" -eq 3 ]; then
		note "$label: an entry failed in the guest: see $out/$label/meta.json (\"failed\")"
		exit 3
	fi
}

case ${1:-} in
'' | -h | --help)
	usage
	[ -n "${1:-}" ] || exit 2
	exit 0
	;;
run)
	shift
	cmd_run "$@"
	;;
kernel)
	shift
	cmd_kernel "$@"
	;;
initramfs)
	shift
	cmd_initramfs "$@"
	;;
decode)
	shift
	cmd_decode "$@"
	;;
probe)
	shift
	cmd_probe "$@"
	;;
-*) cmd_run "$@" ;;
*) die "unknown command '$1' (see --help)" ;;
esac
