#!/usr/bin/env bash
# runners/build-kernel.sh: build a small x86_64 bzImage for QEMU from Debian's
# kernel source package: a PARAVIRT kernel whose page-table free path is
# chosen at boot (pt_table_free=rcu, by a patch of runners/kernel-patches/),
# or a kernel without PARAVIRT. See --help.

set -euo pipefail

PROG=build-kernel.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Part of the quick-lookup key: change it when the way a configuration is
# made changes, so that old quick-lookup entries are no longer used.
KEY_VERSION=2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BASE_FRAGMENT=$here/kconfig/qemu-guest.config
KNOWN_PACKAGES=(linux-source-6.12 linux-source-6.1)
# The symbol of the boot switch (runners/kernel-patches/*/0001-...): a
# switchable kernel's System.map must have it.
SWITCH_SYMBOL=parse_pt_table_free

usage() {
	cat <<'EOF'
Usage: runners/build-kernel.sh [--kind switchable|paravirt-off] [OPTION]...

Builds a small x86_64 kernel (bzImage) from Debian's kernel source package,
to boot under QEMU (TCG or KVM, machine pc or q35) with an initramfs:

  qemu-system-x86_64 -kernel BZIMAGE -initrd initramfs.cpio.gz \
      -append 'console=ttyS0' -serial mon:stdio -serial file:results.txt ...

On success the last line on stdout is the absolute path of the bzImage:

  img=$(runners/build-kernel.sh | tail -n 1)

Everything else (progress, warnings, errors) goes to stderr.

Options:
  --kind K             what to build (default: switchable):
                         switchable:   CONFIG_PARAVIRT=y (so
                              CONFIG_MMU_GATHER_RCU_TABLE_FREE=y),
                              CONFIG_KVM_GUEST=y, CONFIG_PARAVIRT_SPINLOCKS=y,
                              and the project's boot switch (see below): one
                              image that frees page tables directly, or
                              after an RCU grace period when booted with
                              pt_table_free=rcu. uname -r ends in
                              -ptbench-switch.
                         paravirt-off: CONFIG_PARAVIRT, CONFIG_KVM_GUEST,
                              CONFIG_XEN, CONFIG_HYPERV, CONFIG_X86_VSMP all
                              unset (each of them needs or selects PARAVIRT),
                              so CONFIG_MMU_GATHER_RCU_TABLE_FREE is unset and
                              tables are always freed directly; no patch.
                              uname -r ends in -ptbench-paravirt-off. Against
                              a switchable kernel booted without the
                              parameter, it measures what PARAVIRT itself
                              costs (pv call sites, virt_spin_lock under a
                              hypervisor), not the free path.
  --rcu-table-free     removed: --kind switchable replaced "on", --kind
                       paravirt-off replaced "off" (an error says so)
  --source-package P   the Debian package holding the source tarball
                       /usr/src/P.tar.xz: linux-source-6.12 (default) or
                       linux-source-6.1. Installed with apt-get when missing
                       and running as root; otherwise the apt-get command to
                       run is printed (exit 2).
  --config-fragment FILE
                       a Kconfig fragment ("CONFIG_X=value" and
                       "# CONFIG_X is not set" lines) merged after
                       runners/kconfig/qemu-guest.config and before the
                       --kind settings, which win over it. May be given more
                       than once.
  --src DIR            build an already unpacked kernel tree (e.g. a patched
                       one) instead of the package's. The tree is only read
                       (the build is out of tree, and the patch goes into a
                       copy); it must be clean (no .config: make mrproper). A
                       tree that already holds the patch is used as it is.
                       The cache does not see changes of the tree's files:
                       use --force after changing them.
  --patch-dir DIR      where the patches are (default: runners/kernel-patches
                       of this tree): DIR/SERIES/*.patch, applied in name
                       order with patch -p1 to a switchable kernel's tree,
                       SERIES being VERSION.PATCHLEVEL of the tree's Makefile
                       (6.12, 6.1)
  --out DIR            the kernel cache (default
                       ${PTBENCH_CACHE:-$HOME/.cache/ptbench}/kernels)
  --jobs N             make -j N (default: nproc)
  --force              build even when the cache holds this configuration,
                       and replace the cached kernel
  --print-config       make the final configuration, check it, print it on
                       stdout and exit, without building (about 10 s)
  -h, --help           show this help and exit

The boot switch (--kind switchable): the patch PATCH_DIR/SERIES/*.patch
(runners/kernel-patches/6.12/0001-x86-paravirt-pt_table_free-boot-switch.patch
for 6.12) adds the early parameter pt_table_free= to
arch/x86/kernel/paravirt.c:
  (none), pt_table_free=default
                 the kernel's own choice: direct under TCG and on bare
                 metal (pv_ops.mmu.tlb_remove_table is
                 native_tlb_remove_table, tlb_remove_page on 6.1), each
                 table freed right after the TLB-flush IPIs
  pt_table_free=rcu
                 tlb_remove_table: tables batched and freed after an RCU
                 grace period, the path of a KVM guest that uses the
                 paravirtual TLB flush
One image, one configuration: only the free path differs between the two
boots. The kernel log says which path is in force, in one line:
  ptbench: page-table free path: direct (native_tlb_remove_table, default)
  ptbench: page-table free path: rcu (tlb_remove_table, pt_table_free=rcu)
Another value: a warning in the kernel log naming it and the accepted ones,
and the path unchanged. No value selects the direct path: under KVM with
the paravirtual flush the kernel takes the RCU path whatever the command
line (the line then ends in ", paravirtual TLB flush)"), as freeing
directly would be unsafe there.

Applying the patch. The series of the tree must have a directory in
PATCH_DIR, else: an error listing the series that have one (exit 2). The
tree is copied as hard links into the build directory (a second or two; a
full copy when hard links cannot be made) and each patch is first tried
with patch --dry-run --fuzz=0 on the copy: a patch that does not apply is
an error naming the patch file and the failing hunk, and nothing is
changed (exit 1). Neither the package's unpacked tree (which
workloads/kernbench shares) nor a --src tree is ever modified.

The configuration, made in a temporary directory (make O=..., ARCH=x86_64):
  1. make tinyconfig
  2. merge runners/kconfig/qemu-guest.config: SMP (NR_CPUS=64), serial
     console with 4 8250 ports (ttyS0 console, ttyS1 results), initramfs
     (gzip), devtmpfs, proc, sysfs, tmpfs, tracefs and tracepoints
     (tlb:tlb_flush), the function tracer, kprobes and kprobe events (the
     path counters count kernel functions through perf's kprobe PMU), perf
     events, futex, madvise, THP, ACPI (poweroff), PCI, RTC,
     /proc/config.gz, and Debian's choices where they change the cost of
     the measured paths (-O2, SLUB, HZ=250, voluntary preemption, CPU
     mitigations, x2apic, stack protector, init_on_alloc); then
     runners/kconfig/qemu-guest-SERIES.config when it exists (what one
     series needs on top: 6.1's kprobes need CONFIG_MODULES)
  3. merge each --config-fragment FILE
  4. merge the --kind settings, and CONFIG_LOCALVERSION "-ptbench-switch"
     or "-ptbench-paravirt-off" (unless a fragment sets it), so the guest's
     uname -r tells the kernels apart
  5. make olddefconfig
Then it checks the result. CONFIG_PARAVIRT and
CONFIG_MMU_GATHER_RCU_TABLE_FREE not as the kind needs: refused (exit 1).
An option the guest or the path counters cannot work without that did not
stick (SMP, PRINTK, TTY, SERIAL_8250, SERIAL_8250_CONSOLE, BLK_DEV_INITRD,
RD_GZIP, DEVTMPFS, PROC_FS, SYSFS, BINFMT_ELF, BINFMT_SCRIPT, FUTEX,
ADVISE_SYSCALLS, PERF_EVENTS, TRANSPARENT_HUGEPAGE, ACPI, 64BIT, KALLSYMS,
KPROBES, KPROBE_EVENTS, FTRACE, TRACING, EVENT_TRACING; at least 2 8250
ports): refused (exit 1). Any other fragment option that did not stick: a
warning. After the build, a switchable kernel's System.map must hold the
boot switch (parse_pt_table_free), else exit 1.

The cache: the kernel of a configuration lives in
  OUT/PACKAGE-VERSION-HASH/   (e.g. linux-source-6.12-6.12.117-1_deb12u1-
                               0123456789abcdef; with --src:
                               src-NAME-PATHHASH-HASH)
    bzImage          the kernel
    config           its .config (the guest also has it in /proc/config.gz)
    patches/         the patches applied (switchable)
    build-info.json  package and version, kind, the patches and fragments
                     (with their sha256), the relevant config lines, build
                     time, hash
    System.map, build.log
where HASH is the first 16 hex digits of the sha256 of the final .config
(which also records the compiler's version) followed by the patches
applied: an edited patch gives another kernel. When that directory exists,
the script prints its bzImage and exits without building. A build runs in
OUT/.work.XXXXXX and is renamed into place only when complete, so an
interrupted build never looks complete (a .work.* directory left by a
killed run can be removed; the whole log of a failed build is kept as
OUT/failed-build.log). OUT/.index/ remembers which directory the same
inputs (package version, fragments' and patches' contents, --kind,
compiler) gave, so that a repeated call returns at once without
configuring. The unpacked source is
${PTBENCH_CACHE:-$HOME/.cache/ptbench}/src/PACKAGE, shared with
workloads/kernbench (unpacked once, again when the package's version
changes).

Time: on this project's 2-CPU Debian 12 VM (make -j2) a call that builds
took 4 min 45 s (PARAVIRT on) and 5 min 48 s (off) in all on a quiet
machine, before kprobes were added; a switchable 6.12 kernel took 8 min 11 s
and 10 min 25 s, a switchable 6.1 one 10 min 11 s, with other builds and
tests loading the machine (load average 5). About 10 s of it configures,
and copying and patching the tree takes a second or two. Unpacking the
source the first time: about 15 s more. A repeated call with the same
inputs returns in a fraction of a second (the quick lookup), and in about
10 s when only the configuration's hash finds the kernel. Disk: the build
needs about 250 MiB in OUT (deleted afterwards; a cached kernel takes
about 6 MiB), the unpacked source about 1.5 GiB.

Needs: make, gcc, flex, bison, bc, libelf-dev, libssl-dev, xz-utils, jq,
patch.

Exit status: 0 done (built or found in the cache), 1 the configuration was
refused, a patch does not apply or the build failed (the end of its log is
shown), 2 bad usage, a series without a patch, a missing package or tool,
not enough disk space, 130/143 interrupted (the build is stopped and
nothing is left behind).
EOF
}

need_arg() {
	[ "$2" -ge 2 ] || die_usage "option $1 needs a value"
}

abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}

# ---- options ---------------------------------------------------------------------

kind=switchable
source_package=linux-source-6.12
fragments=()
src=''
patch_dir=$here/kernel-patches
out=''
jobs=''
force=0
print_config=0

while [ "$#" -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--kind)
		need_arg "$1" "$#"
		case $2 in
		switchable | paravirt-off) kind=$2 ;;
		*) die_usage "--kind: switchable or paravirt-off, not '$2'" ;;
		esac
		shift 2
		;;
	--rcu-table-free | --rcu-table-free=*)
		die_usage "--rcu-table-free was removed: '--kind switchable' replaces 'on' (PARAVIRT, and the free path chosen at boot: pt_table_free=rcu), '--kind paravirt-off' replaces 'off' (no PARAVIRT)"
		;;
	--patch-dir)
		need_arg "$1" "$#"
		[ -d "$2" ] || die_usage "--patch-dir: no such directory '$2'"
		patch_dir=$(cd "$2" && pwd)
		shift 2
		;;
	--source-package)
		need_arg "$1" "$#"
		known=0
		for p in "${KNOWN_PACKAGES[@]}"; do
			[ "$p" != "$2" ] || known=1
		done
		[ "$known" -eq 1 ] ||
			die_usage "unknown source package '$2' (supported: ${KNOWN_PACKAGES[*]})"
		source_package=$2
		shift 2
		;;
	--config-fragment)
		need_arg "$1" "$#"
		if ! { [ -f "$2" ] && [ -r "$2" ]; }; then
			die_usage "--config-fragment: cannot read the file '$2'"
		fi
		fragments+=("$(abspath "$2")")
		shift 2
		;;
	--src)
		need_arg "$1" "$#"
		[ -f "$2/Makefile" ] || die_usage "--src: no kernel tree (no Makefile) in '$2'"
		src=$(cd "$2" && pwd)
		shift 2
		;;
	--out)
		need_arg "$1" "$#"
		[ -n "$2" ] || die_usage "--out: empty directory name"
		[ ! -e "$2" ] || [ -d "$2" ] || die_usage "--out: '$2' exists and is not a directory"
		out=$(abspath "$2")
		shift 2
		;;
	--jobs)
		need_arg "$1" "$#"
		if ! [[ $2 =~ ^[0-9]+$ ]] || [ "$((10#$2))" -lt 1 ]; then
			die_usage "--jobs wants a positive integer, not '$2'"
		fi
		jobs=$((10#$2))
		shift 2
		;;
	--force)
		force=1
		shift
		;;
	--print-config)
		print_config=1
		shift
		;;
	*)
		die_usage "unknown option '$1'"
		;;
	esac
done

if ! { [ -f "$BASE_FRAGMENT" ] && [ -r "$BASE_FRAGMENT" ]; }; then
	die "the base fragment $BASE_FRAGMENT is missing"
fi

# check_fragment FILE: exit 2 unless every line is a Kconfig assignment, a
# comment or blank.
check_fragment() {
	local bad
	bad=$(awk '
		/^[ \t]*$/ || /^#/ || /^CONFIG_[A-Za-z0-9_]+=[^ \t]/ { next }
		{ printf "%d: %s\n", FNR, $0; exit }
	' "$1") || bad="unreadable"
	[ -z "$bad" ] || die_usage "$1:$bad: not a Kconfig fragment line (CONFIG_X=value or # CONFIG_X is not set)"
}

check_fragment "$BASE_FRAGMENT"
for f in ${fragments[@]+"${fragments[@]}"}; do
	check_fragment "$f"
done

# As root, the missing build packages are installed (runners/setup.sh).
if [ "$EUID" -eq 0 ]; then
	# shellcheck source=SCRIPTDIR/setup.sh
	. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
	PT_DEBIAN_PACKAGES=("${PT_KERNEL_BUILD_PACKAGES[@]}")
	pt_install_packages >&2 || die "installing the kernel build packages failed"
fi
for tool in make gcc flex bison bc xz tar jq sha256sum awk setsid patch; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool is missing; a kernel build needs: apt-get install -y make gcc flex bison bc libelf-dev libssl-dev xz-utils jq patch"
done
[ -f /usr/include/libelf.h ] || [ -f /usr/include/gelf.h ] ||
	die "libelf's headers are missing (objtool needs them): apt-get install -y libelf-dev"

cache=${PTBENCH_CACHE:-${HOME:-/tmp}/.cache/ptbench}
[ -n "$out" ] || out=$cache/kernels
[ -n "$jobs" ] || jobs=$(nproc)

# The kernel's make must not see a calling make's job server, nor settings
# that change what it builds.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS KBUILD_OUTPUT \
	KCONFIG_CONFIG KCONFIG_ALLCONFIG LOCALVERSION CROSS_COMPILE ARCH SUBARCH \
	LLVM KBUILD_EXTMOD || true

# ---- temporary files and signals ----------------------------------------------------

work=''
unpack_tmp=''
child=''

# stop_child: stop the process group of run_bg's command and wait until
# none of its processes is left (compilers still writing into the build
# directory would defeat its removal).
stop_child() {
	local i
	kill -TERM -- "-$child" 2>/dev/null || true
	wait "$child" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 -- "-$child" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$child" 2>/dev/null || true
	child=''
}

cleanup() {
	[ -z "$child" ] || stop_child
	[ -z "$unpack_tmp" ] || rm -rf "$unpack_tmp"
	[ -z "$work" ] || rm -rf "$work"
}

on_signal() {
	trap - INT TERM
	note "interrupted; stopping"
	cleanup
	exit "$1"
}

trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# run_bg LOG CMD...: run CMD in its own process group (so that a signal stops
# all of make's children), output in LOG; return its status.
run_bg() {
	local log=$1 rc=0
	shift
	setsid "$@" >"$log" 2>&1 </dev/null &
	child=$!
	wait "$child" || rc=$?
	child=''
	return "$rc"
}

kib_avail() {
	local dir=$1
	while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
	df -Pk "$dir" | awk 'NR == 2 { print $4 }'
}

# check_space DIR NEED_MIB WHAT
check_space() {
	local avail
	avail=$(kib_avail "$1")
	if [ -n "$avail" ] && [ "$avail" -lt $(($2 * 1024)) ]; then
		die "not enough disk space in $1: $3 needs about $2 MiB, $((avail / 1024)) MiB available"
	fi
}

# tree_version DIR: VERSION.PATCHLEVEL.SUBLEVEL of the tree's Makefile.
tree_version() {
	awk -F' *= *' '
		$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2 }
		END { if (v != "") { r = v; if (p != "") r = r "." p; if (s != "") r = r "." s; print r } }
	' "$1/Makefile"
}

sanitize() {
	printf '%s' "$1" | tr -c 'A-Za-z0-9._+-' '_'
}

# ---- the source tree --------------------------------------------------------------
# As workloads/kernbench does: /usr/src/PACKAGE.tar.xz unpacked once into
# $cache/src/PACKAGE (in a temporary directory, then renamed). The version of
# the package it came from is kept beside it, in $cache/src/.PACKAGE.version.

package_version=''
if [ -z "$src" ]; then
	tarball=/usr/src/$source_package.tar.xz
	if [ ! -f "$tarball" ]; then
		if [ "$(id -u)" -eq 0 ]; then
			note "installing $source_package (apt-get install -y $source_package)"
			if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$source_package" >&2; then
				note "apt-get install failed; updating the package lists (apt-get update) and retrying"
				apt-get update >&2 || true
				DEBIAN_FRONTEND=noninteractive apt-get install -y "$source_package" >&2 ||
					die "apt-get install -y $source_package failed"
			fi
			[ -f "$tarball" ] || die "$tarball is still missing after installing $source_package"
		else
			die "$tarball is missing; install it first: sudo apt-get install -y $source_package"
		fi
	fi
	package_version=$(dpkg-query -W -f='${Version}' "$source_package" 2>/dev/null) ||
		package_version=''
	[ -n "$package_version" ] || package_version=unknown
	src=$cache/src/$source_package
	stamp=$cache/src/.$source_package.version
	unpack=0
	if [ ! -f "$src/Makefile" ]; then
		unpack=1
	elif [ -f "$stamp" ]; then
		[ "$(cat "$stamp")" = "$package_version" ] || unpack=1
	elif [ "$package_version" != unknown ] &&
		[ "$(tree_version "$src")" != "${package_version%%-*}" ]; then
		unpack=1
	fi
	if [ "$unpack" -eq 1 ]; then
		mkdir -p "$cache/src"
		tar_mib=$(($(du -k "$tarball" | awk '{ print $1 }') / 1024))
		check_space "$cache/src" $((tar_mib * 7 + 2048)) "unpacking $source_package and building"
		unpack_tmp=$(mktemp -d "$cache/src/.unpack.XXXXXX")
		note "unpacking $tarball into $src (under a minute)"
		if ! run_bg "$unpack_tmp/tar.log" tar -xJf "$tarball" -C "$unpack_tmp"; then
			cat "$unpack_tmp/tar.log" >&2
			fatal "cannot unpack $tarball"
		fi
		[ -f "$unpack_tmp/$source_package/Makefile" ] ||
			die "$tarball does not hold $source_package/Makefile"
		if [ -e "$src" ]; then
			note "replacing $src (unpacked from another version of $source_package)"
			mv "$src" "$unpack_tmp/old"
		fi
		mv "$unpack_tmp/$source_package" "$src"
		rm -rf "$unpack_tmp"
		unpack_tmp=''
	fi
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$package_version" ] ||
		printf '%s\n' "$package_version" >"$stamp"
	prefix=$source_package-$(sanitize "$package_version")
else
	prefix=src-$(sanitize "$(basename "$src")")-$(printf '%s' "$src" | sha256sum | cut -c1-8)
fi
if [ -e "$src/.config" ] || [ -d "$src/include/config" ]; then
	die "$src has been configured or built in place (it has a .config or include/config/): an out-of-tree build needs a clean tree (make -C $src mrproper)"
fi
kernel_version=$(tree_version "$src")
[ -n "$kernel_version" ] || kernel_version=unknown
# The series: VERSION.PATCHLEVEL.
series=$(printf '%s\n' "$kernel_version" | awk -F. 'NF >= 2 { print $1 "." $2 }')

# ---- the patches (switchable) ------------------------------------------------------

# patch_series: the series that have a patch in $patch_dir, one per line.
patch_series() {
	local d
	for d in "$patch_dir"/*/; do
		[ -d "$d" ] || continue
		set -- "$d"*.patch
		[ -f "$1" ] || continue
		d=${d%/}
		printf '%s\n' "${d##*/}"
	done | sort -V
}

patches=()
if [ "$kind" = switchable ]; then
	if [ -n "$series" ] && [ -d "$patch_dir/$series" ]; then
		for f in "$patch_dir/$series"/*.patch; do
			[ ! -f "$f" ] || patches+=("$f")
		done
	fi
	if [ "${#patches[@]}" -eq 0 ]; then
		have=$(patch_series | paste -sd ' ' -)
		die "no patch for linux ${series:-?} (the tree $src is $kernel_version): --kind switchable needs the boot switch from $patch_dir/${series:-SERIES}/*.patch; series with a patch: ${have:-none}"
	fi
fi

# The base fragment, and the options one series needs on top of it.
base_fragments=("$BASE_FRAGMENT")
if [ -n "$series" ] && [ -f "$here/kconfig/qemu-guest-$series.config" ]; then
	base_fragments+=("$here/kconfig/qemu-guest-$series.config")
	check_fragment "$here/kconfig/qemu-guest-$series.config"
fi

# ---- the fragments ---------------------------------------------------------------------

mkdir -p "$out"
out=$(cd "$out" && pwd)

# The --kind settings, generated; merged last.
kind_fragment_text() {
	if [ "$kind" = switchable ]; then
		printf '%s\n' CONFIG_HYPERVISOR_GUEST=y CONFIG_PARAVIRT=y \
			CONFIG_PARAVIRT_SPINLOCKS=y CONFIG_KVM_GUEST=y
	else
		printf '# CONFIG_%s is not set\n' PARAVIRT PARAVIRT_SPINLOCKS KVM_GUEST \
			XEN HYPERV X86_VSMP
	fi
	local f set_by_user=0
	for f in ${fragments[@]+"${fragments[@]}"}; do
		! grep -Eq '^(CONFIG_LOCALVERSION=|# CONFIG_LOCALVERSION is not set)' "$f" ||
			set_by_user=1
	done
	if [ "$set_by_user" -eq 0 ]; then
		if [ "$kind" = switchable ]; then
			printf 'CONFIG_LOCALVERSION="-ptbench-switch"\n'
		else
			printf 'CONFIG_LOCALVERSION="-ptbench-paravirt-off"\n'
		fi
		printf '# CONFIG_LOCALVERSION_AUTO is not set\n'
	fi
}

# fragment_values FILE...: "CONFIG_X VALUE" per option (n for "is not set"),
# the last file's value winning.
fragment_values() {
	awk '
		/^CONFIG_[A-Za-z0-9_]+=/ {
			i = index($0, "="); s = substr($0, 1, i - 1); v = substr($0, i + 1)
			if (!(s in val)) order[++n] = s
			val[s] = v; next
		}
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ {
			s = $2; if (!(s in val)) order[++n] = s
			val[s] = "n"; next
		}
		END { for (i = 1; i <= n; i++) print order[i], val[order[i]] }
	' "$@"
}

# config_value CONFIG SYMBOL: its value in a .config (n when unset).
config_value() {
	awk -v s="$2" '
		index($0, s "=") == 1 { v = substr($0, length(s) + 2) }
		$0 == "# " s " is not set" { v = "n" }
		END { print (v == "" ? "n" : v) }
	' "$1"
}

# ---- the quick lookup --------------------------------------------------------------

kind_text=$(kind_fragment_text)
cc_version=$(gcc --version 2>/dev/null | head -n 1) || cc_version=''
ld_version=$(ld --version 2>/dev/null | head -n 1) || ld_version=''
key=$(
	{
		printf 'key %s\nprefix %s\nsrc %s\nversion %s\ncc %s\nld %s\n' \
			"$KEY_VERSION" "$prefix" "$src" "$package_version" "$cc_version" "$ld_version"
		for f in "${base_fragments[@]}" ${fragments[@]+"${fragments[@]}"}; do
			printf -- '--- fragment\n'
			cat "$f"
		done
		printf -- '--- kind %s\n%s\n' "$kind" "$kind_text"
		for f in ${patches[@]+"${patches[@]}"}; do
			printf -- '--- patch %s\n' "$(basename "$f")"
			cat "$f"
		done
	} | sha256sum | cut -c1-32
)
index_file=$out/.index/$key

if [ "$force" -eq 0 ] && [ "$print_config" -eq 0 ] && [ -f "$index_file" ]; then
	name=$(head -n 1 "$index_file")
	if [ -n "$name" ] && [ -f "$out/$name/bzImage" ]; then
		note "cached: $out/$name (same package, fragments, patches, --kind and compiler)"
		printf '%s\n' "$out/$name/bzImage"
		exit 0
	fi
fi

check_space "$out" 512 "a kernel build"
work=$(mktemp -d "$out/.work.XXXXXX")
obj=$work/obj
mkdir -p "$obj" "$work/result"
printf '%s\n' "$kind_text" >"$work/kind.config"

# ---- the patched copy of the tree (switchable) --------------------------------------
# The tree is copied as hard links into $work/src (a second or two), and the
# files a patch touches are made real copies before it is applied, so that
# neither the shared package tree nor a --src tree is ever changed.

# patch_files PATCH: the paths (after -p1) of the files PATCH changes.
patch_files() {
	awk '
		/^(\+\+\+|---) / {
			f = $2; sub(/\t.*/, "", f)
			if (f == "/dev/null") next
			sub(/^[^\/]*\//, "", f)
			if (!(f in seen)) { seen[f] = 1; print f }
		}
	' "$1"
}

# patch_failure PATCH OUTPUT: what patch --dry-run OUTPUT says failed, with
# the hunks of PATCH it names ("hunk #2 of FILE (@@ ... @@)").
patch_failure() {
	printf '%s\n' "$2" | awk -v patchfile="$1" '
		function hunk(file, n,    line, cur, k) {
			cur = ""; k = 0
			while ((getline line < patchfile) > 0) {
				if (line ~ /^\+\+\+ /) {
					cur = line; sub(/^\+\+\+ /, "", cur); sub(/\t.*/, "", cur)
					sub(/^[^\/]*\//, "", cur); k = 0; continue
				}
				if (cur == file && line ~ /^@@ /) {
					if (++k == n) { close(patchfile); sub(/ @@.*/, " @@", line); return line }
				}
			}
			close(patchfile)
			return "?"
		}
		/^checking file / { file = substr($0, 15); next }
		/^Hunk #[0-9]+ FAILED/ {
			n = substr($2, 2) + 0
			printf "%shunk #%d of %s (%s) FAILED%s", sep, n, file, hunk(file, n),
				(match($0, / at [0-9]+/) ? substr($0, RSTART, RLENGTH) : "")
			sep = "; "; next
		}
		/^can.t find file to patch/ { missing = 1; wanted = ""; next }
		/^\|\+\+\+ / && missing {
			wanted = substr($0, 6); sub(/\t.*/, "", wanted); sub(/^[^\/]*\//, "", wanted)
			next
		}
		/^No file to patch/ && missing {
			printf "%s%s is not in the tree", sep, (wanted == "" ? "a file it patches" : wanted)
			sep = "; "; missing = 0; next
		}
		/Reversed \(or previously applied\) patch detected/ {
			printf "%s%s: looks partly applied already", sep, file; sep = "; "; next
		}
		/^patch: \*\*\*\* / { printf "%s%s", sep, substr($0, 8); sep = "; " }
		END { if (sep == "") printf "patch --dry-run failed" }
	'
}

# apply_patches DIR: apply each of $patches to DIR in turn, after a dry run.
apply_patches() {
	local dir=$1 p f out
	for p in "${patches[@]}"; do
		if out=$(patch -p1 -f -N --fuzz=0 --dry-run -d "$dir" -i "$p" 2>&1); then
			while IFS= read -r f; do
				if [ -f "$dir/$f" ]; then
					cp -p "$dir/$f" "$dir/$f.ptbench-copy"
					mv -f "$dir/$f.ptbench-copy" "$dir/$f"
				fi
			done < <(patch_files "$p")
			if ! out=$(patch -p1 -f -N --fuzz=0 --no-backup-if-mismatch -d "$dir" -i "$p" 2>&1); then
				printf '%s\n' "$out" >&2
				fatal "applying $p to the copy of $src failed after its dry run succeeded"
			fi
			note "applied $(basename "$p")"
		elif patch -p1 -f -R --fuzz=0 --dry-run -d "$dir" -i "$p" >/dev/null 2>&1; then
			note "$(basename "$p") is already in $src; using the tree as it is"
		else
			fatal "the patch $p does not apply to $src (linux $kernel_version): $(patch_failure "$p" "$out"). Nothing was changed; 'patch -p1 -f -N --fuzz=0 --dry-run -d $src -i $p' shows the same"
		fi
	done
}

build_src=$src
if [ "${#patches[@]}" -gt 0 ]; then
	build_src=$work/src
	if ! cp -al "$src" "$build_src" 2>"$work/cp.log"; then
		rm -rf "$build_src"
		check_space "$out" $(($(du -sk "$src" | awk '{ print $1 }') / 1024 + 512)) \
			"a copy of the tree (hard links to $src cannot be made in $out: $(head -n 1 "$work/cp.log"))"
		note "copying $src into $build_src (hard links cannot be made there)"
		cp -a "$src" "$build_src" || fatal "cannot copy $src into $build_src"
	fi
	apply_patches "$build_src"
fi
make_base=(make -C "$build_src" O="$obj" ARCH=x86_64)

# ---- the configuration ----------------------------------------------------------------

# make_step LOG WHAT ARG...: run make ARG...; on failure show the log's end, exit 1.
make_step() {
	local log=$1 what=$2
	shift 2
	if ! run_bg "$log" "${make_base[@]}" "$@"; then
		note "$what failed; the last 40 lines of its log:"
		tail -n 40 "$log" >&2
		if [ -d "$out" ]; then
			cp "$log" "$out/failed-$(basename "$log")" 2>/dev/null &&
				note "the whole log: $out/failed-$(basename "$log")"
		fi
		exit 1
	fi
}

# merge CONFIG FRAGMENT: FRAGMENT's lines replace CONFIG's lines for the same options.
merge() {
	awk '
		function sym(line) {
			if (match(line, /^CONFIG_[A-Za-z0-9_]+=/)) return substr(line, 1, RLENGTH - 1)
			if (line ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { split(line, w, " "); return w[2] }
			return ""
		}
		FNR == NR { s = sym($0); if (s != "") { set[s] = 1; add[++n] = $0 } next }
		{ s = sym($0); if (s == "" || !(s in set)) print }
		END { for (i = 1; i <= n; i++) print add[i] }
	' "$2" "$1" >"$1.new"
	mv "$1.new" "$1"
}

all_fragments=("${base_fragments[@]}" ${fragments[@]+"${fragments[@]}"} "$work/kind.config")
if [ "$prefix" = "${prefix#src-}" ]; then what=$source_package; else what=$src; fi
note "configuring $what (linux $kernel_version; tinyconfig + ${#all_fragments[@]} fragments, --kind $kind)"
make_step "$work/config.log" "make tinyconfig" tinyconfig
for f in "${all_fragments[@]}"; do
	merge "$obj/.config" "$f"
done
make_step "$work/olddefconfig.log" "make olddefconfig" olddefconfig
config=$obj/.config

# A --kind setting overriding a fragment's: say so.
if [ "${#fragments[@]}" -gt 0 ]; then
	while read -r s v; do
		uv=$(fragment_values "${fragments[@]}" | awk -v s="$s" '$1 == s { print $2 }')
		if [ -n "$uv" ] && [ "$uv" != "$v" ]; then
			note "warning: --kind $kind sets $s=$v, over $s=$uv of a --config-fragment"
		fi
	done < <(fragment_values "$work/kind.config")
fi

# ---- checking it -------------------------------------------------------------------

rtf=$(config_value "$config" CONFIG_MMU_GATHER_RCU_TABLE_FREE)
pv_state=''
for s in CONFIG_PARAVIRT CONFIG_KVM_GUEST CONFIG_XEN CONFIG_HYPERV CONFIG_X86_VSMP; do
	pv_state="$pv_state $s=$(config_value "$config" "$s")"
done
if [ "$kind" = switchable ]; then
	if [ "$(config_value "$config" CONFIG_PARAVIRT)" != y ] || [ "$rtf" != y ]; then
		fatal "refusing to build: --kind switchable needs CONFIG_PARAVIRT=y (the boot switch lives in arch/x86/kernel/paravirt.c) and CONFIG_MMU_GATHER_RCU_TABLE_FREE=y (the RCU path it switches to; on x86 selected by CONFIG_PARAVIRT), but the final configuration has CONFIG_MMU_GATHER_RCU_TABLE_FREE=$rtf;$pv_state"
	fi
elif [ "$rtf" != n ] || [ "$(config_value "$config" CONFIG_PARAVIRT)" != n ]; then
	fatal "refusing to build: --kind paravirt-off asks for CONFIG_PARAVIRT and CONFIG_MMU_GATHER_RCU_TABLE_FREE unset (page tables freed right after the TLB-flush IPIs), but the final configuration has CONFIG_MMU_GATHER_RCU_TABLE_FREE=$rtf; something selects it:$pv_state"
fi

required=(CONFIG_64BIT CONFIG_SMP CONFIG_PRINTK CONFIG_TTY CONFIG_SERIAL_8250
	CONFIG_SERIAL_8250_CONSOLE CONFIG_BLK_DEV_INITRD CONFIG_RD_GZIP CONFIG_DEVTMPFS
	CONFIG_PROC_FS CONFIG_SYSFS CONFIG_BINFMT_ELF CONFIG_BINFMT_SCRIPT CONFIG_FUTEX
	CONFIG_ADVISE_SYSCALLS CONFIG_PERF_EVENTS CONFIG_TRANSPARENT_HUGEPAGE CONFIG_ACPI
	CONFIG_KALLSYMS CONFIG_KPROBES CONFIG_KPROBE_EVENTS CONFIG_FTRACE CONFIG_TRACING
	CONFIG_EVENT_TRACING)
missing=()
for s in "${required[@]}"; do
	[ "$(config_value "$config" "$s")" = y ] || missing+=("$s")
done
uarts=$(config_value "$config" CONFIG_SERIAL_8250_RUNTIME_UARTS)
if ! [[ $uarts =~ ^[0-9]+$ ]] || [ "$uarts" -lt 2 ]; then
	missing+=("CONFIG_SERIAL_8250_RUNTIME_UARTS>=2 (ttyS1 carries the results; it is $uarts)")
fi
if [ "${#missing[@]}" -gt 0 ]; then
	fatal "refusing to build: the guest or the path counters need these options, which are not in the final configuration (a fragment unset them, or a dependency is missing): ${missing[*]}"
fi

# Every other fragment option that did not stick: a warning.
warned=0
while read -r s want; do
	have=$(config_value "$config" "$s")
	if [ "$have" != "$want" ]; then
		note "warning: $s=$want was asked, the configuration has $s=$have (a dependency is missing?)"
		warned=$((warned + 1))
	fi
done < <(fragment_values "${all_fragments[@]}")

# The kernel's identity: the configuration, then the patches applied.
config_sha256=$(sha256sum "$config" | cut -d' ' -f1)
hash_full=$(cat "$config" ${patches[@]+"${patches[@]}"} | sha256sum | cut -d' ' -f1)
hash=${hash_full:0:16}
name=$prefix-$hash
dest=$out/$name

record_index() {
	mkdir -p "$out/.index"
	printf '%s\n' "$name" >"$out/.index/.$key.tmp.$$"
	mv -f "$out/.index/.$key.tmp.$$" "$index_file"
}

if [ "$print_config" -eq 1 ]; then
	cat "$config"
	note "hash $hash of the configuration and ${#patches[@]} patches ($warned warnings); its kernel: $dest/bzImage$([ -f "$dest/bzImage" ] || echo ' (not built)')"
	exit 0
fi

if [ "$force" -eq 0 ] && [ -f "$dest/bzImage" ]; then
	record_index
	note "cached: $dest (hash $hash of the configuration and ${#patches[@]} patches)"
	printf '%s\n' "$dest/bzImage"
	exit 0
fi

# ---- the build ---------------------------------------------------------------------

note "building $name with make -j$jobs bzImage (log: $work/build.log)"
started=$(date +%s)
make_step "$work/build.log" "the build (make -j$jobs bzImage)" "-j$jobs" bzImage
seconds=$(($(date +%s) - started))
[ -f "$obj/arch/x86/boot/bzImage" ] || fatal "the build made no arch/x86/boot/bzImage"
if [ "$kind" = switchable ] && ! grep -q " $SWITCH_SYMBOL\$" "$obj/System.map" 2>/dev/null; then
	fatal "the build has no $SWITCH_SYMBOL in its System.map: the boot switch (pt_table_free=) is not in this kernel; is it in ${patches[*]}?"
fi

res=$work/result
cp "$obj/arch/x86/boot/bzImage" "$res/bzImage"
cp "$config" "$res/config"
[ ! -f "$obj/System.map" ] || cp "$obj/System.map" "$res/System.map"
cp "$work/build.log" "$res/build.log"
if [ "${#patches[@]}" -gt 0 ]; then
	mkdir -p "$res/patches"
	cp "${patches[@]}" "$res/patches/"
fi
release=$(cat "$obj/include/config/kernel.release" 2>/dev/null) || release=''

relevant=(CONFIG_MMU_GATHER_RCU_TABLE_FREE CONFIG_MMU_GATHER_TABLE_FREE CONFIG_PARAVIRT
	CONFIG_PARAVIRT_SPINLOCKS CONFIG_PARAVIRT_CLOCK CONFIG_KVM_GUEST CONFIG_XEN CONFIG_HYPERV
	CONFIG_HYPERVISOR_GUEST CONFIG_SMP CONFIG_NR_CPUS CONFIG_SPLIT_PTE_PTLOCKS
	CONFIG_SPLIT_PMD_PTLOCKS CONFIG_TRANSPARENT_HUGEPAGE CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS
	CONFIG_X86_X2APIC CONFIG_MITIGATION_PAGE_TABLE_ISOLATION CONFIG_CPU_MITIGATIONS
	CONFIG_PREEMPT_VOLUNTARY CONFIG_PREEMPT_DYNAMIC CONFIG_HZ CONFIG_NO_HZ_IDLE
	CONFIG_KPROBES CONFIG_KPROBE_EVENTS CONFIG_FTRACE CONFIG_FUNCTION_TRACER CONFIG_TRACING
	CONFIG_LOCALVERSION CONFIG_CC_VERSION_TEXT)
lines=$(for s in "${relevant[@]}"; do
	grep -E "^($s=|# $s is not set$)" "$config" || printf '# %s is not set\n' "$s"
done | sort -u)
frag_json=$(for f in "${all_fragments[@]}"; do
	shown=$f
	[ "$f" != "$work/kind.config" ] || shown="(--kind $kind)"
	jq -cn --arg path "$shown" --arg sha "$(sha256sum "$f" | cut -d' ' -f1)" \
		'{path: $path, sha256: $sha}'
done | jq -cs .)
patch_json=$(for f in ${patches[@]+"${patches[@]}"}; do
	jq -cn --arg path "$f" --arg sha "$(sha256sum "$f" | cut -d' ' -f1)" \
		'{path: $path, sha256: $sha}'
done | jq -cs .)
jq -n \
	--arg source_package "$([ "$prefix" = "${prefix#src-}" ] && echo "$source_package" || echo '')" \
	--arg package_version "$([ "$package_version" = unknown ] && echo '' || echo "$package_version")" \
	--arg src "$src" \
	--arg kernel_version "$kernel_version" \
	--arg release "$release" \
	--arg kind "$kind" \
	--arg series "$series" \
	--argjson fragments "$frag_json" \
	--argjson patches "$patch_json" \
	--arg lines "$lines" \
	--argjson seconds "$seconds" \
	--argjson jobs "$jobs" \
	--argjson cpus "$(nproc)" \
	--arg hash "$hash" \
	--arg sha256 "$hash_full" \
	--arg config_sha256 "$config_sha256" \
	--arg built "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg host "$(uname -r)" \
	--argjson size "$(stat -c %s "$res/bzImage")" \
	'{
		source_package: (if $source_package == "" then null else $source_package end),
		package_version: (if $package_version == "" then null else $package_version end),
		src: $src,
		kernel_version: $kernel_version,
		release: $release,
		kind: $kind,
		series: $series,
		boot_switch: (if $kind == "switchable" then "pt_table_free=rcu" else null end),
		fragments: $fragments,
		patches: $patches,
		config: ($lines | split("\n") | map(select(length > 0))),
		hash: $hash,
		sha256: $sha256,
		config_sha256: $config_sha256,
		build_seconds: $seconds,
		jobs: $jobs,
		host_cpus: $cpus,
		built: $built,
		host_kernel: $host,
		bzimage_bytes: $size
	}' >"$res/build-info.json"

# Into place: a rename, so that the cache never holds a half kernel.
if [ -e "$dest" ]; then
	if [ "$force" -eq 1 ] || [ ! -f "$dest/bzImage" ]; then
		mv -T "$dest" "$work/replaced"
	fi
fi
if ! mv -T "$res" "$dest" 2>/dev/null; then
	# Another run finished the same configuration first: use it.
	[ -f "$dest/bzImage" ] || fatal "cannot move the kernel into $dest"
	note "another run built $dest meanwhile; using it"
fi
record_index
note "built $dest in ${seconds} s (release ${release:-?})"
printf '%s\n' "$dest/bzImage"
