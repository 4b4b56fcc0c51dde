#!/usr/bin/env bash
# runners/test.sh: build ptbench and run all its tests; the README's test
# command and what CI runs. The last line printed is "N passed, N failed".

set -euo pipefail

usage() {
	cat <<'EOF'
Usage: runners/test.sh [--quick] [--no-vm] [--no-deb] [--no-fleet]

Install every Debian package the tests use (the build's, plus QEMU,
busybox-static and cpio for the VM tests, the kernel build tools, and
InfluxDB, the Pushgateway, python3-jsonschema, curl and Chromium for the
dashboard tests, and openssh-server, openssh-client and iproute2 for the
fleet test; as root, or it prints the sudo line to run), build
ptbench (runners/setup.sh) and run its tests:
  1. make check in the normal build directory;
  2. make check in the sanitizer build directory (--enable-sanitizers), with
     ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 and
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1;
  3. make distcheck in the normal build directory, counted as one test named
     "distcheck" (its log: BUILD-DIR/distcheck.log);
  4. the VM tests, each counted as one test (logs: BUILD-DIR/NAME.log):
     tests/vm-boot.sh fetches Debian's newest 6.1 and 6.12 cloud kernels
     (apt-get download, about 60 MB, cached in ~/.cache/ptbench) and compares
     them with runners/compare.sh under QEMU's TCG on a short smoke suite;
     tests/vm-signals.sh checks a hung boot and SIGTERM/SIGINT during a run;
     tests/vm-switch.sh boots the switchable 6.12 kernel with each free
     path and checks the counts; it needs the kernel in the cache
     (runners/build-kernel.sh once; skipped with the reason otherwise,
     built when PTBENCH_TEST_KERNEL_BUILD=1). Together about 6 minutes on
     2 CPUs;
  5. the Debian package, counted as one test named "deb" (log:
     BUILD-DIR/deb.log): tests/deb.sh builds it from a clean copy of the
     tree (dpkg-buildpackage -us -uc -b, make check left out with
     DEB_BUILD_OPTIONS=nocheck since step 1 ran it), fails on a lintian
     error, unpacks it with dpkg -x and runs its ptbench, ptstat and
     ptbench-run from there. It needs dpkg-dev, debhelper, lintian, fakeroot
     and git, installed for it as root; without them it is skipped with the
     reason.
  6. the fleet test, counted as one test (log: BUILD-DIR/fleet.log):
     tests/fleet.sh starts two OpenSSH servers (Debian's openssh-server),
     each in its own network namespace, and runs runners/fleet.sh over them:
     ptbench shipped and built on each, a short suite, a host lost mid-run
     and --resume, SIGINT, unknown host keys, bad input, and Debian's 6.1
     and 6.12 kernels as VM sides spread over the two hosts. Needs root
     (skipped with the reason otherwise); about 3 minutes on 2 CPUs.
Counts come from each build's test-suite.log: passed = PASS + XFAIL,
failed = FAIL + XPASS + ERROR, skipped = SKIP. A build or make check that
fails before its tests report counts as one failed test. The logs of failed
tests are printed.

The last line printed is "N passed, N failed" (", N skipped" is appended when
tests were skipped). The exit status is 0 only when nothing failed and at
least one test ran.

Options:
  --quick     only step 1
  --no-vm     not the VM tests (step 4)
  --no-deb    not the Debian package (step 5)
  --no-fleet  not the fleet test (step 6)
  -h, --help  show this help and exit

Environment: PTBENCH_BUILD and PTBENCH_BUILD_SAN choose the build
directories (see runners/setup.sh --help).
EOF
}

quick=0
vm=1
deb=1
fleet=1
while [ "$#" -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--no-vm) vm=0 ;;
	--no-deb) deb=0 ;;
	--no-fleet) fleet=0 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		printf 'test.sh: unknown option %s (see --help)\n' "'$1'" >&2
		exit 2
		;;
	esac
	shift
done

# shellcheck source=SCRIPTDIR/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

passed=0
failed=0
skipped=0
failures=()
jobs=$(nproc)

note() {
	printf '%s\n' "$*"
}

# count_failure NAME: one failure that no test-suite.log records.
count_failure() {
	failed=$((failed + 1))
	failures+=("$1")
}

# Print the summary counts of automake test-suite.log $1 as
# "TOTAL PASSED FAILED SKIPPED", reading only the header (the logs of failed
# tests that follow it could contain look-alike lines).
suite_counts() {
	awk '
		/^\.\. contents::/ { exit }
		/^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP): / { exit }
		/^# (TOTAL|PASS|FAIL|XFAIL|XPASS|ERROR|SKIP): +[0-9]+ *$/ {
			k = substr($2, 1, length($2) - 1)
			if (!(k in v)) { v[k] = $3 + 0; seen++ }
		}
		END {
			if (!seen) exit 1
			printf "%d %d %d %d\n", v["TOTAL"], v["PASS"] + v["XFAIL"],
				v["FAIL"] + v["XPASS"] + v["ERROR"], v["SKIP"]
		}' "$1"
}

# Print the names of the failed tests (FAIL, XPASS, ERROR), one per line,
# from test-suite.log $1 (the heading of each embedded log) and make's
# output $2.
failed_tests() {
	{
		if [ -f "$1" ]; then
			awk '
				prev != "" && /^=+$/ { print prev }
				{ prev = "" }
				/^(FAIL|XPASS|ERROR): / { prev = substr($0, index($0, " ") + 1) }
			' "$1"
		fi
		if [ -f "$2" ]; then
			sed 's/\x1b\[[0-9;]*m//g' "$2" |
				sed -n 's/^\(FAIL\|XPASS\|ERROR\): \(.*\)$/\2/p'
		fi
	} | sort -u
}

# Print the .log of each failed test of build directory $1.
show_failed_logs() {
	local dir=$1 name log lines candidate
	local -a names=()

	mapfile -t names < <(failed_tests "$dir/test-suite.log" "$dir/make-check.out")
	for name in "${names[@]}"; do
		[ -n "$name" ] || continue
		# The log of test T is T.log, or T without its extension plus .log
		# when the extension is in TEST_EXTENSIONS.
		log=""
		for candidate in "$dir/$name.log" "$dir/${name%.*}.log"; do
			if [ -f "$candidate" ]; then
				log=$candidate
				break
			fi
		done
		if [ -z "$log" ]; then
			note "---- $name: no log file found in $dir"
			continue
		fi
		lines=$(wc -l <"$log")
		note "---- $log ----"
		if [ "$lines" -gt 300 ]; then
			note "(last 300 of $lines lines)"
		fi
		tail -n 300 "$log"
		note "---- end of $log ----"
	done
}

# run_check LABEL BUILD-DIR [VAR=VALUE]...: make check there with the given
# environment, then add its counts to the totals.
run_check() {
	local label=$1 dir=$2 rc=0 counts total p f s
	shift 2

	note "== make check ($label): $dir"
	rm -f "$dir/test-suite.log"
	env "$@" make -C "$dir" --no-print-directory -j"$jobs" check 2>&1 |
		tee "$dir/make-check.out" || rc=$?

	if [ -f "$dir/test-suite.log" ] &&
		counts=$(suite_counts "$dir/test-suite.log"); then
		read -r total p f s <<<"$counts"
		if [ "$((p + f + s))" -ne "$total" ]; then
			note "test.sh: $dir/test-suite.log: counts do not add up to # TOTAL: $total" >&2
			count_failure "make check ($label): unreadable test-suite.log"
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
		if [ "$f" -gt 0 ]; then
			failures+=("make check ($label): $f test(s)")
		fi
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			count_failure "make check ($label): make failed (exit $rc)"
		fi
	elif [ "$rc" -ne 0 ]; then
		note "test.sh: make check ($label) failed before the tests reported (exit $rc)" >&2
		count_failure "make check ($label): make failed (exit $rc)"
	elif [ -f "$dir/test-suite.log" ]; then
		note "test.sh: no summary in $dir/test-suite.log" >&2
		count_failure "make check ($label): unreadable test-suite.log"
	else
		note "test.sh: make check ($label) wrote no test-suite.log: no test ran" >&2
	fi

	if [ "$rc" -ne 0 ]; then
		show_failed_logs "$dir"
	fi
}

run_distcheck() {
	local dir=$1 log="$1/distcheck.log" sub

	note "== make distcheck: $dir (log: $log)"
	# The same-kernel statistics are checked once, in the plain make check.
	if PT_STATISTICAL_CHECKS=0 make -C "$dir" -j"$jobs" distcheck >"$log" 2>&1; then
		passed=$((passed + 1))
		note "PASS: distcheck"
		return 0
	fi
	count_failure "distcheck"
	note "FAIL: distcheck; last lines of $log:"
	tail -n 60 "$log"
	# When its make check failed, show the test-suite.log of the unpacked
	# distribution (left in place by the failure).
	for sub in "$dir"/ptbench-*/_build/*/test-suite.log; do
		if [ -f "$sub" ]; then
			note "---- $sub ----"
			tail -n 300 "$sub"
		fi
	done
}

# The VM tests, once, with the normal build.
VM_TESTS=(tests/vm-boot.sh tests/vm-signals.sh tests/vm-switch.sh)
# count_script_test NAME LOG RC PATTERN: count a script test that ran with
# exit status RC and wrote LOG: passed (its lines matching PATTERN shown),
# skipped (77, lib.sh's skip: the reason is its last line) or failed (the
# end of its log shown).
count_script_test() {
	local name=$1 log=$2 rc=$3 pattern=$4
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		note "PASS: $name"
		grep -E "$pattern" "$log" || true
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		note "SKIP: $name: $(tail -n 1 "$log")"
	else
		count_failure "$name"
		note "FAIL: $name; last lines of $log:"
		tail -n 80 "$log"
	fi
}

run_vm_tests() {
	local dir=$1 t name log rc
	for t in "${VM_TESTS[@]}"; do
		name=${t##*/}
		name=${name%.sh}
		log=$dir/$name.log
		note "== $t (log: $log)"
		rc=0
		top_srcdir=$PT_TOP top_builddir=$dir PTBENCH=$dir/ptbench \
			PTSTAT=$dir/ptstat bash "$PT_TOP/$t" >"$log" 2>&1 || rc=$?
		count_script_test "$name" "$log" "$rc" '^(ok:|compare.sh took|kernel |vm.sh: .*: boot )'
	done
}

# The fleet test, once, with the normal build: real sshd test hosts in
# network namespaces, ptbench shipped to and built on each (about 3 minutes).
run_fleet_test() {
	local dir=$1 log=$1/fleet.log rc=0
	note "== tests/fleet.sh (log: $log)"
	top_srcdir=$PT_TOP top_builddir=$dir PTBENCH=$dir/ptbench \
		PTSTAT=$dir/ptstat bash "$PT_TOP/tests/fleet.sh" >"$log" 2>&1 || rc=$?
	count_script_test fleet "$log" "$rc" '^(ok:|the first fleet run)'
}

# The Debian package (tests/deb.sh), once, as one test.
run_deb_test() {
	local dir=$1 log=$1/deb.log rc=0 list
	local -a missing=()

	note "== tests/deb.sh (log: $log)"
	PT_DEBIAN_PACKAGES=("${PT_DEB_PACKAGES[@]}")
	if ! list=$(pt_missing_packages); then
		skipped=$((skipped + 1))
		note "SKIP: deb: cannot check the Debian packages (no dpkg-query)"
		return 0
	fi
	read -r -a missing <<<"$list"
	if [ "${#missing[@]}" -gt 0 ] && ! pt_install_packages >"$log" 2>&1; then
		skipped=$((skipped + 1))
		note "SKIP: deb: the package tools are missing and cannot be installed here: ${missing[*]} (apt-get install -y ${missing[*]} as root)"
		return 0
	fi
	top_srcdir=$PT_TOP top_builddir=$dir PTBENCH_TEST_DEB_LOG=$dir/deb-build.log \
		bash "$PT_TOP/tests/deb.sh" >>"$log" 2>&1 || rc=$?
	count_script_test deb "$log" "$rc" '^(ok:|    [EW]: )'
}

summary() {
	local line status=0

	if [ "${#failures[@]}" -gt 0 ]; then
		note "failed: $(printf '%s; ' "${failures[@]}" | sed 's/; $//')"
		status=1
	fi
	if [ "$((passed + failed))" -eq 0 ]; then
		note "test.sh: no test ran"
		status=1
	fi
	line="$passed passed, $failed failed"
	if [ "$skipped" -gt 0 ]; then
		line="$line, $skipped skipped"
	fi
	note "$line"
	exit "$status"
}

# Every Debian package the tests use, not only the build's: the VM tests
# boot kernels (QEMU, busybox-static, cpio), tests/build-kernel.sh patches
# a tree (patch) and the kernel build tools, the dashboard tests start
# InfluxDB and the Pushgateway, validate with python3-jsonschema and render
# HTML in Chromium.
PT_DEBIAN_PACKAGES+=("${PT_VM_PACKAGES[@]}" "${PT_KERNEL_BUILD_PACKAGES[@]}" "${PT_TEST_PACKAGES[@]}"
	"${PT_FLEET_TEST_PACKAGES[@]}")
if ! pt_setup; then
	count_failure "set-up (packages or build)"
	summary
fi
builddir=$PT_BUILDDIR
run_check normal "$builddir"

if [ "$quick" -eq 0 ]; then
	if pt_setup --sanitizers; then
		run_check sanitizers "$PT_BUILDDIR" PT_STATISTICAL_CHECKS=0 \
			ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	else
		count_failure "sanitizer build"
	fi
	run_distcheck "$builddir"
	if [ "$vm" -eq 1 ]; then
		run_vm_tests "$builddir"
	fi
	if [ "$deb" -eq 1 ]; then
		run_deb_test "$builddir"
	fi
	if [ "$fleet" -eq 1 ]; then
		run_fleet_test "$builddir"
	fi
fi

summary
