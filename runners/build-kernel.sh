#!/usr/bin/env bash
# runners/build-kernel.sh: build a small x86_64 bzImage for QEMU from Debian's
# kernel source package, with or without RCU page-table freeing. See --help.

set -euo pipefail

PROG=build-kernel.sh
# Part of the quick-lookup key: change it when the way a configuration is
# made changes, so that old quick-lookup entries are no longer used.
KEY_VERSION=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BASE_FRAGMENT=$here/kconfig/qemu-guest.config
KNOWN_PACKAGES=(linux-source-6.12)

usage() {
	cat <<'EOF'
Usage: runners/build-kernel.sh --rcu-table-free on|off [OPTION]...

Builds a small x86_64 kernel (bzImage) from Debian's kernel source package,
to boot under QEMU (TCG or KVM, machine pc or q35) with an initramfs:

  qemu-system-x86_64 -kernel BZIMAGE -initrd initramfs.cpio.gz \
      -append 'console=ttyS0' -serial mon:stdio -serial file:results.txt ...

On success the last line on stdout is the absolute path of the bzImage:

  img=$(runners/build-kernel.sh --rcu-table-free off | tail -n 1)

Everything else (progress, warnings, errors) goes to stderr.

Options:
  --rcu-table-free on|off  (required) whether the kernel has
                       CONFIG_MMU_GATHER_RCU_TABLE_FREE, the x86 option that
                       frees page tables after an RCU grace period. On 6.12
                       x86 CONFIG_PARAVIRT selects it, so:
                         on:  CONFIG_PARAVIRT=y, CONFIG_KVM_GUEST=y (with
                              kvmclock and KVM's paravirtual remote TLB
                              flush), CONFIG_PARAVIRT_SPINLOCKS=y
                         off: CONFIG_PARAVIRT, CONFIG_KVM_GUEST, CONFIG_XEN,
                              CONFIG_HYPERV, CONFIG_X86_VSMP all unset (each
                              of them needs or selects PARAVIRT)
                       "on" builds the RCU path in; a 6.12 kernel takes it
                       only when the paravirtual TLB flush is in use (under
                       KVM, whose host offers KVM_FEATURE_PV_TLB_FLUSH; never
                       under TCG), else it frees tables right after the IPIs.
  --source-package P   the Debian package holding the source tarball
                       /usr/src/P.tar.xz (default linux-source-6.12, the only
                       one supported). Installed with apt-get when missing
                       and running as root; otherwise the apt-get command to
                       run is printed (exit 2).
  --config-fragment FILE
                       a Kconfig fragment ("CONFIG_X=value" and
                       "# CONFIG_X is not set" lines) merged after
                       runners/kconfig/qemu-guest.config and before the
                       --rcu-table-free settings, which win over it. May be
                       given more than once.
  --src DIR            build an already unpacked kernel tree (e.g. a patched
                       one) instead of the package's. The tree is only read
                       (the build is out of tree); it must be clean (no
                       .config: make mrproper). The cache does not see
                       changes of the tree's files: use --force after
                       changing them.
  --out DIR            the kernel cache (default
                       ${PTBENCH_CACHE:-$HOME/.cache/ptbench}/kernels)
  --jobs N             make -j N (default: nproc)
  --force              build even when the cache holds this configuration,
                       and replace the cached kernel
  --print-config       make the final configuration, check it, print it on
                       stdout and exit, without building (about 10 s)
  -h, --help           show this help and exit

The configuration, made in a temporary directory (make O=..., ARCH=x86_64):
  1. make tinyconfig
  2. merge runners/kconfig/qemu-guest.config: SMP (NR_CPUS=64), serial
     console with 4 8250 ports (ttyS0 console, ttyS1 results), initramfs
     (gzip), devtmpfs, proc, sysfs, tmpfs, tracefs (function tracer),
     perf events, futex, madvise, THP, ACPI (poweroff), PCI, RTC,
     /proc/config.gz, and Debian's choices where they change the cost of
     the measured paths (-O2, SLUB, HZ=250, voluntary preemption, CPU
     mitigations, x2apic, stack protector, init_on_alloc)
  3. merge each --config-fragment FILE
  4. merge the --rcu-table-free settings, and CONFIG_LOCALVERSION
     "-ptbench-rcu" or "-ptbench-norcu" (unless a fragment sets it), so the
     guest's uname -r tells the two kernels apart
  5. make olddefconfig
Then it checks the result. CONFIG_MMU_GATHER_RCU_TABLE_FREE not as asked:
refused (exit 1). An option the guest cannot work without that did not stick
(SMP, PRINTK, TTY, SERIAL_8250, SERIAL_8250_CONSOLE, BLK_DEV_INITRD,
RD_GZIP, DEVTMPFS, PROC_FS, SYSFS, BINFMT_ELF, BINFMT_SCRIPT, FUTEX,
ADVISE_SYSCALLS, PERF_EVENTS, TRANSPARENT_HUGEPAGE, ACPI, 64BIT; at least 2
8250 ports): refused (exit 1). Any other fragment option that did not
stick: a warning.

The cache: the kernel of a configuration lives in
  OUT/PACKAGE-VERSION-HASH/   (e.g. linux-source-6.12-6.12.117-1_deb12u1-
                               0123456789abcdef; with --src:
                               src-NAME-PATHHASH-HASH)
    bzImage          the kernel
    config           its .config (the guest also has it in /proc/config.gz)
    build-info.json  package and version, rcu_table_free asked, the
                     fragments, the relevant config lines, build time, hash
    System.map, build.log
where HASH is the first 16 hex digits of the sha256 of the final .config
(which also records the compiler's version). When that directory exists,
the script prints its bzImage and exits without building. A build runs in
OUT/.work.XXXXXX and is renamed into place only when complete, so an
interrupted build never looks complete (a .work.* directory left by a
killed run can be removed; the whole log of a failed build is kept as
OUT/failed-build.log). OUT/.index/ remembers which directory the same
inputs (package version, fragments' contents, --rcu-table-free, compiler)
gave, so that a repeated call returns at once without configuring.
The unpacked source is ${PTBENCH_CACHE:-$HOME/.cache/ptbench}/src/PACKAGE,
shared with workloads/kernbench (unpacked once, again when the package's
version changes).

Time: on this project's 2-CPU Debian 12 VM (make -j2) a call that builds
took 4 min 45 s (on) and 5 min 48 s (off) in all, about 10 s of it to
configure; longer when the machine is busy. Unpacking the source the first time: about 15 s more. A
repeated call with the same inputs returns in a fraction of a second (the
quick lookup), and in about 10 s when only the configuration's hash finds
the kernel. Disk: the build needs about 250 MiB in OUT (deleted
afterwards; a cached kernel takes about 6 MiB), the unpacked source about
1.5 GiB.

Needs: make, gcc, flex, bison, bc, libelf-dev, libssl-dev, xz-utils, jq.

Exit status: 0 done (built or found in the cache), 1 the configuration was
refused or the build failed (the end of its log is shown), 2 bad usage,
a missing package or tool, not enough disk space, 130/143 interrupted (the
build is stopped and nothing is left behind).
EOF
}

die_usage() {
	printf '%s: %s (see --help)\n' "$PROG" "$*" >&2
	exit 2
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit "${2:-2}"
}

msg() {
	printf '%s: %s\n' "$PROG" "$*" >&2
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

rcu=''
source_package=linux-source-6.12
fragments=()
src=''
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
	--rcu-table-free)
		need_arg "$1" "$#"
		case $2 in
		on | off) rcu=$2 ;;
		*) die_usage "--rcu-table-free: on or off, not '$2'" ;;
		esac
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

[ -n "$rcu" ] || die_usage "--rcu-table-free on|off is required"
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
for tool in make gcc flex bison bc xz tar jq sha256sum awk setsid; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool is missing; a kernel build needs: apt-get install -y make gcc flex bison bc libelf-dev libssl-dev xz-utils jq"
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
	msg "interrupted; stopping"
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
			msg "installing $source_package (apt-get install -y $source_package)"
			if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$source_package" >&2; then
				msg "apt-get install failed; updating the package lists (apt-get update) and retrying"
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
		msg "unpacking $tarball into $src (under a minute)"
		if ! run_bg "$unpack_tmp/tar.log" tar -xJf "$tarball" -C "$unpack_tmp"; then
			cat "$unpack_tmp/tar.log" >&2
			die "cannot unpack $tarball" 1
		fi
		[ -f "$unpack_tmp/$source_package/Makefile" ] ||
			die "$tarball does not hold $source_package/Makefile"
		if [ -e "$src" ]; then
			msg "replacing $src (unpacked from another version of $source_package)"
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

# ---- the fragments ---------------------------------------------------------------------

mkdir -p "$out"
out=$(cd "$out" && pwd)

# The --rcu-table-free settings, generated; merged last.
rcu_fragment_text() {
	if [ "$rcu" = on ]; then
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
		if [ "$rcu" = on ]; then
			printf 'CONFIG_LOCALVERSION="-ptbench-rcu"\n'
		else
			printf 'CONFIG_LOCALVERSION="-ptbench-norcu"\n'
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

rcu_text=$(rcu_fragment_text)
cc_version=$(gcc --version 2>/dev/null | head -n 1) || cc_version=''
ld_version=$(ld --version 2>/dev/null | head -n 1) || ld_version=''
key=$(
	{
		printf 'key %s\nprefix %s\nsrc %s\nversion %s\ncc %s\nld %s\n' \
			"$KEY_VERSION" "$prefix" "$src" "$package_version" "$cc_version" "$ld_version"
		for f in "$BASE_FRAGMENT" ${fragments[@]+"${fragments[@]}"}; do
			printf -- '--- fragment\n'
			cat "$f"
		done
		printf -- '--- rcu %s\n%s\n' "$rcu" "$rcu_text"
	} | sha256sum | cut -c1-32
)
index_file=$out/.index/$key

if [ "$force" -eq 0 ] && [ "$print_config" -eq 0 ] && [ -f "$index_file" ]; then
	name=$(head -n 1 "$index_file")
	if [ -n "$name" ] && [ -f "$out/$name/bzImage" ]; then
		msg "cached: $out/$name (same package, fragments, --rcu-table-free and compiler)"
		printf '%s\n' "$out/$name/bzImage"
		exit 0
	fi
fi

# ---- the configuration ----------------------------------------------------------------

check_space "$out" 512 "a kernel build"
work=$(mktemp -d "$out/.work.XXXXXX")
obj=$work/obj
mkdir -p "$obj" "$work/result"
printf '%s\n' "$rcu_text" >"$work/rcu.config"
make_base=(make -C "$src" O="$obj" ARCH=x86_64)

# make_step LOG WHAT ARG...: run make ARG...; on failure show the log's end, exit 1.
make_step() {
	local log=$1 what=$2
	shift 2
	if ! run_bg "$log" "${make_base[@]}" "$@"; then
		msg "$what failed; the last 40 lines of its log:"
		tail -n 40 "$log" >&2
		if [ -d "$out" ]; then
			cp "$log" "$out/failed-$(basename "$log")" 2>/dev/null &&
				msg "the whole log: $out/failed-$(basename "$log")"
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

all_fragments=("$BASE_FRAGMENT" ${fragments[@]+"${fragments[@]}"} "$work/rcu.config")
msg "configuring $source_package ${kernel_version} (tinyconfig + ${#all_fragments[@]} fragments, --rcu-table-free $rcu)"
make_step "$work/config.log" "make tinyconfig" tinyconfig
for f in "${all_fragments[@]}"; do
	merge "$obj/.config" "$f"
done
make_step "$work/olddefconfig.log" "make olddefconfig" olddefconfig
config=$obj/.config

# A --rcu-table-free setting overriding a fragment's: say so.
if [ "${#fragments[@]}" -gt 0 ]; then
	while read -r s v; do
		uv=$(fragment_values "${fragments[@]}" | awk -v s="$s" '$1 == s { print $2 }')
		if [ -n "$uv" ] && [ "$uv" != "$v" ]; then
			msg "warning: --rcu-table-free $rcu sets $s=$v, over $s=$uv of a --config-fragment"
		fi
	done < <(fragment_values "$work/rcu.config")
fi

# ---- checking it -------------------------------------------------------------------

rtf=$(config_value "$config" CONFIG_MMU_GATHER_RCU_TABLE_FREE)
pv_state=''
for s in CONFIG_PARAVIRT CONFIG_KVM_GUEST CONFIG_XEN CONFIG_HYPERV CONFIG_X86_VSMP; do
	pv_state="$pv_state $s=$(config_value "$config" "$s")"
done
if [ "$rcu" = on ] && [ "$rtf" != y ]; then
	die "refusing to build: --rcu-table-free on asks for CONFIG_MMU_GATHER_RCU_TABLE_FREE=y (page tables freed after an RCU grace period; on x86 selected by CONFIG_PARAVIRT), but the final configuration has it unset;$pv_state" 1
fi
if [ "$rcu" = off ] && [ "$rtf" != n ]; then
	die "refusing to build: --rcu-table-free off asks for CONFIG_MMU_GATHER_RCU_TABLE_FREE unset (page tables freed right after the TLB-flush IPIs), but the final configuration has CONFIG_MMU_GATHER_RCU_TABLE_FREE=$rtf; something selects it:$pv_state" 1
fi

required=(CONFIG_64BIT CONFIG_SMP CONFIG_PRINTK CONFIG_TTY CONFIG_SERIAL_8250
	CONFIG_SERIAL_8250_CONSOLE CONFIG_BLK_DEV_INITRD CONFIG_RD_GZIP CONFIG_DEVTMPFS
	CONFIG_PROC_FS CONFIG_SYSFS CONFIG_BINFMT_ELF CONFIG_BINFMT_SCRIPT CONFIG_FUTEX
	CONFIG_ADVISE_SYSCALLS CONFIG_PERF_EVENTS CONFIG_TRANSPARENT_HUGEPAGE CONFIG_ACPI)
missing=()
for s in "${required[@]}"; do
	[ "$(config_value "$config" "$s")" = y ] || missing+=("$s")
done
uarts=$(config_value "$config" CONFIG_SERIAL_8250_RUNTIME_UARTS)
if ! [[ $uarts =~ ^[0-9]+$ ]] || [ "$uarts" -lt 2 ]; then
	missing+=("CONFIG_SERIAL_8250_RUNTIME_UARTS>=2 (ttyS1 carries the results; it is $uarts)")
fi
if [ "${#missing[@]}" -gt 0 ]; then
	die "refusing to build: the guest needs these options, which are not in the final configuration (a fragment unset them, or a dependency is missing): ${missing[*]}" 1
fi

# Every other fragment option that did not stick: a warning.
warned=0
while read -r s want; do
	have=$(config_value "$config" "$s")
	if [ "$have" != "$want" ]; then
		msg "warning: $s=$want was asked, the configuration has $s=$have (a dependency is missing?)"
		warned=$((warned + 1))
	fi
done < <(fragment_values "${all_fragments[@]}")

hash_full=$(sha256sum "$config" | cut -d' ' -f1)
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
	msg "configuration hash $hash ($warned warnings); its kernel: $dest/bzImage$([ -f "$dest/bzImage" ] || echo ' (not built)')"
	exit 0
fi

if [ "$force" -eq 0 ] && [ -f "$dest/bzImage" ]; then
	record_index
	msg "cached: $dest (configuration hash $hash)"
	printf '%s\n' "$dest/bzImage"
	exit 0
fi

# ---- the build ---------------------------------------------------------------------

msg "building $name with make -j$jobs bzImage (log: $work/build.log)"
started=$(date +%s)
make_step "$work/build.log" "the build (make -j$jobs bzImage)" "-j$jobs" bzImage
seconds=$(($(date +%s) - started))
[ -f "$obj/arch/x86/boot/bzImage" ] || die "the build made no arch/x86/boot/bzImage" 1

res=$work/result
cp "$obj/arch/x86/boot/bzImage" "$res/bzImage"
cp "$config" "$res/config"
[ ! -f "$obj/System.map" ] || cp "$obj/System.map" "$res/System.map"
cp "$work/build.log" "$res/build.log"
release=$(cat "$obj/include/config/kernel.release" 2>/dev/null) || release=''

relevant=(CONFIG_MMU_GATHER_RCU_TABLE_FREE CONFIG_MMU_GATHER_TABLE_FREE CONFIG_PARAVIRT
	CONFIG_PARAVIRT_SPINLOCKS CONFIG_PARAVIRT_CLOCK CONFIG_KVM_GUEST CONFIG_XEN CONFIG_HYPERV
	CONFIG_HYPERVISOR_GUEST CONFIG_SMP CONFIG_NR_CPUS CONFIG_SPLIT_PTE_PTLOCKS
	CONFIG_SPLIT_PMD_PTLOCKS CONFIG_TRANSPARENT_HUGEPAGE CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS
	CONFIG_X86_X2APIC CONFIG_MITIGATION_PAGE_TABLE_ISOLATION CONFIG_CPU_MITIGATIONS
	CONFIG_PREEMPT_VOLUNTARY CONFIG_PREEMPT_DYNAMIC CONFIG_HZ CONFIG_NO_HZ_IDLE
	CONFIG_LOCALVERSION CONFIG_CC_VERSION_TEXT)
lines=$(for s in "${relevant[@]}"; do
	grep -E "^($s=|# $s is not set$)" "$config" || printf '# %s is not set\n' "$s"
done | sort -u)
frag_json=$(for f in "${all_fragments[@]}"; do
	shown=$f
	[ "$f" != "$work/rcu.config" ] || shown="(--rcu-table-free $rcu)"
	jq -cn --arg path "$shown" --arg sha "$(sha256sum "$f" | cut -d' ' -f1)" \
		'{path: $path, sha256: $sha}'
done | jq -cs .)
jq -n \
	--arg source_package "$([ "$prefix" = "${prefix#src-}" ] && echo "$source_package" || echo '')" \
	--arg package_version "$([ "$package_version" = unknown ] && echo '' || echo "$package_version")" \
	--arg src "$src" \
	--arg kernel_version "$kernel_version" \
	--arg release "$release" \
	--arg rcu "$rcu" \
	--argjson fragments "$frag_json" \
	--arg lines "$lines" \
	--argjson seconds "$seconds" \
	--argjson jobs "$jobs" \
	--argjson cpus "$(nproc)" \
	--arg hash "$hash" \
	--arg sha256 "$hash_full" \
	--arg built "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg host "$(uname -r)" \
	--argjson size "$(stat -c %s "$res/bzImage")" \
	'{
		source_package: (if $source_package == "" then null else $source_package end),
		package_version: (if $package_version == "" then null else $package_version end),
		src: $src,
		kernel_version: $kernel_version,
		release: $release,
		rcu_table_free: $rcu,
		fragments: $fragments,
		config: ($lines | split("\n") | map(select(length > 0))),
		config_hash: $hash,
		config_sha256: $sha256,
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
	[ -f "$dest/bzImage" ] || die "cannot move the kernel into $dest" 1
	msg "another run built $dest meanwhile; using it"
fi
record_index
msg "built $dest in ${seconds} s (release ${release:-?})"
printf '%s\n' "$dest/bzImage"
