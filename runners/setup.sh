#!/usr/bin/env bash
# runners/setup.sh: the shared set-up of ptbench (Debian packages, then the
# build). Run it directly, or source it and call pt_setup; see pt_setup_usage.
#
# Sourcing defines PT_DEBIAN_PACKAGES, PT_TOP and the pt_* functions and runs
# nothing. After a successful pt_setup:
#   PTBENCH_BIN   (exported) absolute path of the built ptbench
#   PTSTAT_BIN    (exported) absolute path of the built ptstat
#   PT_BUILDDIR   the build directory that was used

set -euo pipefail

# The one list of Debian packages ptbench needs to build.
PT_DEBIAN_PACKAGES=(
	libhwloc-dev libpfm4-dev libjansson-dev libgsl-dev zlib1g-dev libcurl4-openssl-dev
	autoconf automake libtool autoconf-archive pkg-config make gcc
	jq gnuplot-nox parallel shellcheck procps file libxml2-utils time groff-base
)
# What runners/vm.sh needs beyond that to boot kernels (installed when it
# runs, and by runners/test.sh for its VM tests).
# shellcheck disable=SC2034 # read by the scripts that source this file
PT_VM_PACKAGES=(qemu-system-x86 busybox-static cpio)
# What runners/build-kernel.sh needs to build a kernel (installed when it runs
# as root, and by runners/test.sh).
# shellcheck disable=SC2034 # read by the scripts that source this file
PT_KERNEL_BUILD_PACKAGES=(make gcc flex bison bc libelf-dev libssl-dev xz-utils jq patch)

# What the dashboard tests use beyond the build's (installed by
# runners/test.sh): the real InfluxDB 1.x and Pushgateway servers they start
# on loopback, the JSON Schema validator for the KCIDB and BMF exports, and
# Chromium to render the HTML pages headless.
# shellcheck disable=SC2034 # read by the scripts that source this file
PT_TEST_PACKAGES=(influxdb prometheus-pushgateway python3-jsonschema chromium curl)
# What the fleet test (tests/fleet.sh) uses: its test hosts are OpenSSH
# servers in network namespaces (installing openssh-server starts no system
# sshd the test depends on: it runs its own, each with its own config).
# shellcheck disable=SC2034 # read by the scripts that source this file
PT_FLEET_TEST_PACKAGES=(openssh-server openssh-client iproute2 parallel)
# What tests/deb.sh needs to build and check the Debian package (installed
# by runners/test.sh for that step when it can; the step is skipped with the
# reason otherwise).
# shellcheck disable=SC2034 # read by the scripts that source this file
PT_DEB_PACKAGES=(dpkg-dev debhelper lintian fakeroot git)
# The packages of the build alone (PT_DEBIAN_PACKAGES is extended by the
# scripts that source this file): an installed ptbench needs none of them.
PT_BUILD_PACKAGES=("${PT_DEBIAN_PACKAGES[@]}")
# PT_TOP, PT_BINDIR (set when this is an installed ptbench) and PT_RESULTS:
# runners/lib.sh decides the layout.
PROG=${PROG:-setup.sh}
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pt_setup_usage() {
	cat <<EOF
Usage: runners/setup.sh [OPTION]... [-- CONFIGURE-ARG...]
   or: . runners/setup.sh; pt_setup [OPTION]... [-- CONFIGURE-ARG...]

In a checkout, prepare a ptbench build, doing only what is out of date:
  1. install the missing Debian packages (as root: apt-get update, then
     apt-get install; otherwise print the sudo command to run and fail);
  2. run ./bootstrap when configure is missing or older than configure.ac
     or Makefile.am;
  3. run configure in the build directory when it has no Makefile, when
     config.status is older than configure, or when CONFIGURE-ARGs changed;
  4. run make -j\$(nproc) (quick when nothing changed), its output going to
     BUILD-DIR/setup-build.log.
Each step that does something prints one line on stderr; when nothing is out
of date, nothing is printed. Logs of failed steps are shown (last lines).

Options:
  --sanitizers   use the sanitizer build directory, configured with
                 --enable-sanitizers (AddressSanitizer and UBSan)
  --no-packages  skip the Debian package step (non-Debian systems)
  -h, --help     show this help and exit
  --             pass the remaining arguments to configure

Environment:
  PTBENCH_BUILD      build directory (default: $PT_TOP/build)
  PTBENCH_BUILD_SAN  sanitizer build directory (default: $PT_TOP/build-san)

When sourced, pt_setup exports PTBENCH_BIN, the path of the built ptbench,
and sets PT_BUILDDIR to the build directory.

Installed (make install, the Debian package: $PT_TOP/runners/installed-bindir
exists), nothing is bootstrapped, configured or built: pt_setup names the
installed ptbench and ptstat, and only installs the Debian packages asked
for beyond the build's (the VM runners' QEMU, busybox-static and cpio).
EOF
}

pt_setup_err() {
	printf 'setup.sh: %s\n' "$*" >&2
}

# Print the last $2 (default 30) lines of log file $1, under a heading
# naming it, or naming $3 when given.
pt_setup_tail() {
	printf 'setup.sh: last lines of %s:\n' "${3:-$1}" >&2
	tail -n "${2:-30}" "$1" >&2 || true
}

# Print the packages of PT_DEBIAN_PACKAGES that are not installed, on one line
# separated by spaces (an empty line when none is missing).
pt_missing_packages() {
	local name status pkg
	local -a missing=()
	local -A installed=()

	if ! command -v dpkg-query >/dev/null 2>&1; then
		pt_setup_err "dpkg-query not found: cannot check the Debian packages" \
			"(use --no-packages on a non-Debian system)"
		return 1
	fi
	# dpkg-query fails when one of the names is unknown: that package is
	# then simply absent from its output, hence missing.
	while IFS=$'\t' read -r name status; do
		if [ "$status" = "install ok installed" ]; then
			installed[$name]=1
		fi
	done < <(
		# shellcheck disable=SC2016 # dpkg-query format, not a shell expansion
		dpkg-query -W -f='${Package}\t${Status}\n' \
			"${PT_DEBIAN_PACKAGES[@]}" 2>/dev/null || true
	)
	for pkg in "${PT_DEBIAN_PACKAGES[@]}"; do
		if [ -z "${installed[$pkg]:-}" ]; then
			missing+=("$pkg")
		fi
	done
	printf '%s\n' "${missing[*]}"
}

pt_install_packages() {
	local list log
	local -a missing=()

	list=$(pt_missing_packages) || return 1
	read -r -a missing <<<"$list"
	if [ "${#missing[@]}" -eq 0 ]; then
		return 0
	fi
	if [ "$EUID" -ne 0 ]; then
		pt_setup_err "missing Debian packages: ${missing[*]}; install them with:"
		printf 'sudo apt-get install -y %s\n' "${missing[*]}" >&2
		return 1
	fi
	printf 'installing: %s\n' "${missing[*]}" >&2
	log=$(mktemp "${TMPDIR:-/tmp}/ptbench-apt.XXXXXX") || return 1
	if ! apt-get update >"$log" 2>&1; then
		pt_setup_err "apt-get update failed"
		pt_setup_tail "$log" 30 "the apt-get output"
		rm -f "$log"
		return 1
	fi
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" \
		>>"$log" 2>&1; then
		pt_setup_err "apt-get install failed"
		pt_setup_tail "$log" 30 "the apt-get output"
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

# Regenerate configure when it is missing or older than its inputs. $1: the
# build directory, where the log goes.
pt_bootstrap() {
	local log="$1/setup-bootstrap.log"

	if [ -e "$PT_TOP/configure" ] && [ -e "$PT_TOP/Makefile.in" ] &&
		[ ! "$PT_TOP/configure.ac" -nt "$PT_TOP/configure" ] &&
		[ ! "$PT_TOP/Makefile.am" -nt "$PT_TOP/configure" ]; then
		return 0
	fi
	printf 'bootstrapping\n' >&2
	if ! (cd "$PT_TOP" && sh ./bootstrap) >"$log" 2>&1; then
		pt_setup_err "./bootstrap failed"
		pt_setup_tail "$log"
		return 1
	fi
}

# Configure build directory $1 with the arguments that follow, when needed;
# sets _pt_configured to 1 when configure ran.
pt_configure() {
	local dir=$1 stamp want have=""
	shift
	_pt_configured=0
	stamp="$dir/.pt-configure-args"
	want=$(printf '%q ' "$@")
	if [ -e "$stamp" ]; then
		have=$(cat "$stamp") || return 1
	fi
	if [ -e "$dir/Makefile" ] && [ -e "$dir/config.status" ] &&
		[ ! "$dir/config.status" -ot "$PT_TOP/configure" ] &&
		[ "$want" = "$have" ]; then
		return 0
	fi
	if [ -e "$PT_TOP/config.status" ] && [ "$dir" != "$PT_TOP" ]; then
		pt_setup_err "$PT_TOP is configured in-tree, which prevents" \
			"out-of-tree builds: run 'make distclean' there first"
		return 1
	fi
	printf 'configuring: %s\n' "$dir" >&2
	rm -f "$stamp"
	if ! (cd "$dir" && "$PT_TOP/configure" "$@") \
		>"$dir/setup-configure.log" 2>&1; then
		pt_setup_err "configure failed (full details: $dir/config.log)"
		pt_setup_tail "$dir/setup-configure.log" 15
		return 1
	fi
	printf '%s' "$want" >"$stamp" || return 1
	_pt_configured=1
}

# Succeed when the programs and libraries of build directory $1 look up to
# date. Only decides whether "building" is printed: make always runs.
# (make -q all always fails: automake's "all" and "config.h" rules always
# run, doing nothing, and config.h stays older than stamp-h1 when configure
# left it unchanged; hence -o config.h, the callers reporting a configure run.)
pt_build_uptodate() {
	local list
	local -a targets=()

	# shellcheck disable=SC2016 # make variables, expanded by make
	list=$(printf 'pt-print-targets:\n\t@echo $(PROGRAMS) $(LIBRARIES)\n' |
		make -C "$1" -s --no-print-directory -f Makefile -f - \
			pt-print-targets 2>/dev/null) || return 1
	read -r -a targets <<<"$list"
	[ "${#targets[@]}" -gt 0 ] || return 1
	make -C "$1" -q -o config.h "${targets[@]}" >/dev/null 2>&1
}

# Build in directory $1; $2 is 1 when configure has just run there. make
# runs every time (it is quick when there is nothing to do), so that an
# up-to-date check that is wrong costs a message, never a stale binary.
pt_build() {
	local dir=$1 configured=$2 log="$1/setup-build.log"

	if [ "$configured" -eq 1 ] || ! pt_build_uptodate "$dir"; then
		printf 'building: %s\n' "$dir" >&2
	fi
	if ! make -C "$dir" -j"$(nproc)" >"$log" 2>&1; then
		pt_setup_err "the build failed"
		pt_setup_tail "$log" 40
		return 1
	fi
	if [ ! -x "$dir/ptbench" ]; then
		pt_setup_err "the build succeeded but $dir/ptbench is missing"
		return 1
	fi
}

# pt_setup in an installed ptbench: SANITIZERS PACKAGES NCONFARGS are
# pt_setup's settings. The installed programs, nothing built.
pt_setup_installed() {
	local pkg b
	local -a extra=()
	local -A in_build=()

	if [ "$1" -eq 1 ] || [ "$3" -gt 0 ]; then
		pt_setup_err "this ptbench is installed ($PT_TOP): it builds nothing" \
			"(--sanitizers and configure arguments need a checkout)"
		return 2
	fi
	if [ "$2" -eq 1 ]; then
		for pkg in "${PT_BUILD_PACKAGES[@]}"; do
			in_build[$pkg]=1
		done
		for pkg in "${PT_DEBIAN_PACKAGES[@]}"; do
			[ -n "${in_build[$pkg]:-}" ] || extra+=("$pkg")
		done
		if [ "${#extra[@]}" -gt 0 ]; then
			PT_DEBIAN_PACKAGES=("${extra[@]}")
			pt_install_packages || return 1
		fi
	fi
	for b in ptbench ptstat; do
		if [ ! -x "$PT_BINDIR/$b" ]; then
			pt_setup_err "the installed $b is missing: $PT_BINDIR/$b"
			return 1
		fi
	done
	# shellcheck disable=SC2034 # for the scripts that source this file
	PT_BUILDDIR=$PT_BINDIR
	PTBENCH_BIN=$PT_BINDIR/ptbench
	PTSTAT_BIN=$PT_BINDIR/ptstat
	export PTBENCH_BIN PTSTAT_BIN
}

pt_setup() {
	local sanitizers=0 packages=1 dir
	local -a conf_args=()

	while [ "$#" -gt 0 ]; do
		case $1 in
		--sanitizers) sanitizers=1 ;;
		--no-packages) packages=0 ;;
		-h | --help)
			pt_setup_usage
			return 0
			;;
		--)
			shift
			conf_args=("$@")
			break
			;;
		*)
			pt_setup_err "unknown option '$1' (see --help)"
			return 2
			;;
		esac
		shift
	done

	if [ -n "$PT_BINDIR" ]; then
		pt_setup_installed "$sanitizers" "$packages" "${#conf_args[@]}"
		return
	fi

	if [ "$packages" -eq 1 ]; then
		pt_install_packages || return 1
	fi

	if [ "$sanitizers" -eq 1 ]; then
		dir=${PTBENCH_BUILD_SAN:-$PT_TOP/build-san}
		conf_args=(--enable-sanitizers "${conf_args[@]}")
	else
		dir=${PTBENCH_BUILD:-$PT_TOP/build}
	fi
	if ! mkdir -p "$dir"; then
		pt_setup_err "cannot create the build directory $dir"
		return 1
	fi
	dir=$(cd "$dir" && pwd) || return 1

	pt_bootstrap "$dir" || return 1
	pt_configure "$dir" "${conf_args[@]}" || return 1
	pt_build "$dir" "$_pt_configured" || return 1

	# shellcheck disable=SC2034 # for the scripts that source this file
	PT_BUILDDIR=$dir
	PTBENCH_BIN=$dir/ptbench
	PTSTAT_BIN=$dir/ptstat
	export PTBENCH_BIN PTSTAT_BIN
}

# Executed rather than sourced: do the set-up now.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	pt_setup "$@"
fi
