#!/usr/bin/env bash
# The Debian package: built from a clean copy of the tree, checked by
# lintian, unpacked, and run. Not part of make check (it runs make check
# itself, inside the package build): runners/test.sh runs it once, after the
# VM tests, as one test.

set -euo pipefail

case ${1:-} in
'') ;;
-h | --help)
	cat <<'USAGE'
Usage: tests/deb.sh

  1. copies the files git tracks in $top_srcdir (as they are in the working
     tree: uncommitted changes included, nothing else) to a temporary
     directory, ptbench-VERSION/;
  2. builds the source and binary packages there: dpkg-buildpackage -us -uc, with
     DEB_BUILD_OPTIONS=nocheck unless PTBENCH_TEST_DEB_CHECK=1 (the package
     runs make check by default; this test leaves it out because make check
     already ran in runners/test.sh, and it would double the time);
  3. runs lintian on the .changes (the source package, the .deb and the
     .buildinfo): an error (E:, or lintian's own failure) fails the test;
     every tag is printed;
  4. dpkg -x the .deb into a temporary root and, with LD_LIBRARY_PATH unset
     (the system's libraries), runs its usr/bin/ptbench list (the five
     benchmarks), usr/bin/ptstat --help, and usr/bin/ptbench-run --suite
     smoke --dry-run, which must plan with the unpacked tree's suite and
     ptbench, and its ptbench-smoke for real (every benchmark briefly, each
     result checked with the unpacked ptstat);
  5. checks that the package holds the programs, the runners, the suites,
     the kernel configs and patches, and the manual pages.
Exits 77 (skip) with the reason when dpkg-buildpackage, dh, lintian or git
is missing, or $top_srcdir is not a git checkout. The build log is kept in
$PTBENCH_TEST_DEB_LOG when set.
USAGE
	exit 0
	;;
*)
	printf 'deb.sh: unknown argument %s (see --help)\n' "'$1'" >&2
	exit 2
	;;
esac

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
. "$top_srcdir/tests/lib.sh"

for tool in dpkg-buildpackage dh lintian dpkg-deb git; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is not installed (Debian packages dpkg-dev, debhelper, lintian, git)"
done
git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	skip "$top_srcdir is not a git checkout: no list of the tree's files to copy"
pt_tmpdir

version=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -S Version) ||
	fail "cannot read the version of debian/changelog"
arch=$(dpkg --print-architecture)
src=$T/ptbench-$version
mkdir -p "$src"

# 1. A clean copy: the tracked files only (no build directory, no configure).
(cd "$top_srcdir" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$src" ||
	fail "cannot copy the tree"
[ ! -e "$src/configure" ] || fail "the copy holds configure: not a clean copy"
pass "copied $(cd "$src" && find . -type f | wc -l) tracked files"

# 2. The build.
log=${PTBENCH_TEST_DEB_LOG:-$T/build.log}
opts=${DEB_BUILD_OPTIONS:-}
if [ "${PTBENCH_TEST_DEB_CHECK:-0}" != 1 ]; then
	opts="nocheck${opts:+ $opts}"
fi
t0=$(date +%s)
if ! (cd "$src" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc) >"$log" 2>&1; then
	_pt_show "$log" 0
	tail -n 60 "$log" >&2
	fail "dpkg-buildpackage failed (DEB_BUILD_OPTIONS='$opts'; log: $log)"
fi
deb=$T/ptbench_${version}_$arch.deb
[ -f "$deb" ] || fail "dpkg-buildpackage made no $deb"
pass "dpkg-buildpackage -us -uc in $(($(date +%s) - t0)) s (DEB_BUILD_OPTIONS='$opts')"

# 3. lintian: no error.
changes=$T/ptbench_${version}_$arch.changes
[ -f "$changes" ] || fail "dpkg-buildpackage made no $changes"
# lintian's exit status: 0 no error, 1 errors (--fail-on error), else it
# failed itself.
lrc=0
lintian --fail-on error --display-info "$changes" >"$T/lintian" 2>&1 || lrc=$?
grep -E '^[EWIPX]: ' "$T/lintian" | sed 's/^/    /' || true
nerr=$(grep -c '^E: ' "$T/lintian" || true)
nwarn=$(grep -c '^W: ' "$T/lintian" || true)
case $lrc in
0) [ "$nerr" -eq 0 ] || fail "lintian: $nerr error(s) (E: lines above), yet exit status 0" ;;
1) fail "lintian: $nerr error(s) (E: lines above)" ;;
*) fail "lintian failed (exit $lrc): $(grep -v '^[EWIPX]: ' "$T/lintian" | head -n 3)" ;;
esac
pass "lintian on the source and binary packages: no error, $nwarn warning(s)"

# 4. Unpacked and run, with the system's libraries.
root=$T/root
dpkg -x "$deb" "$root" || fail "dpkg -x $deb failed"
unset LD_LIBRARY_PATH
if ldd "$root/usr/bin/ptbench" "$root/usr/bin/ptstat" | grep -q 'not found'; then
	ldd "$root/usr/bin/ptbench" "$root/usr/bin/ptstat" >&2
	fail "a library of the unpacked programs is not found"
fi
expect_exit 0 "$root/usr/bin/ptbench" list
names=$(awk '{ print $1 }' "$T/out" | tr '\n' ' ')
[ "$names" = "fork-exit gup-fast mmap-churn pt-teardown tlb-shootdown " ] ||
	fail "the unpacked ptbench list shows '$names', want the five benchmarks"
pass "unpacked: ptbench list shows the five benchmarks"
expect_exit 0 "$root/usr/bin/ptstat" --help
grep -q '^Usage: ptstat show SET' "$T/out" || fail "the unpacked ptstat --help has no usage line"
pass "unpacked: ptstat --help"
mkdir "$T/cwd"
# Without PTBENCH and PTSTAT (make check's, which would win over the
# installed ones).
(cd "$T/cwd" && env -u PTBENCH -u PTSTAT "$root/usr/bin/ptbench-run" --suite smoke --dry-run) \
	>"$T/out" 2>"$T/err" || {
	_pt_show "$T/err"
	fail "the unpacked ptbench-run --suite smoke --dry-run failed"
}
grep -q "^# result set: $T/cwd/results/" "$T/out" ||
	fail "the unpacked ptbench-run plans its set outside ./results: $(grep '^# result set' "$T/out")"
grep -q "^$root/usr/bin/ptbench run mmap-churn " "$T/out" ||
	fail "the unpacked ptbench-run does not run the unpacked ptbench: $(sed -n 4p "$T/out")"
pass "unpacked: ptbench-run plans with its own suite and ptbench, into ./results"
# The package's smoke command, for real: every benchmark briefly, from the
# unpacked tree, its results checked by the unpacked ptstat.
(cd "$T/cwd" && env -u PTBENCH -u PTSTAT "$root/usr/bin/ptbench-smoke" --duration 0.2 --reps 2 \
	--out "$T/cwd/smoke") >"$T/out" 2>"$T/err" || {
	_pt_show "$T/err"
	fail "the unpacked ptbench-smoke failed"
}
mapfile -t results < <(find "$T/cwd/smoke" -maxdepth 1 -name '*.json' ! -name system.json \
	! -name meta.json | sort)
[ "${#results[@]}" -eq 5 ] ||
	fail "the unpacked ptbench-smoke wrote ${#results[@]} results, want one per benchmark (5)"
"$root/usr/bin/ptstat" check "${results[@]}" 2>"$T/err" ||
	fail "a result of the unpacked ptbench-smoke is not valid: $(cat "$T/err")"
pass "unpacked: ptbench-smoke ran the five benchmarks, each result valid (ptstat check)"

# 5. The contents.
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/contents"
for f in /usr/bin/ptbench /usr/bin/ptstat /usr/bin/ptbench-compare /usr/bin/ptbench-run \
	/usr/bin/ptbench-vm /usr/bin/ptbench-build-kernel /usr/bin/ptbench-smoke \
	/usr/share/ptbench/runners/lib.sh /usr/share/ptbench/runners/installed-bindir \
	/usr/share/ptbench/runners/vm-init /usr/share/ptbench/workloads/smoke.suite \
	/usr/share/ptbench/workloads/kernbench \
	/usr/share/ptbench/runners/kconfig/qemu-guest.config \
	/usr/share/ptbench/runners/kernel-patches/6.12/0001-x86-paravirt-pt_table_free-boot-switch.patch \
	/usr/share/man/man1/ptbench.1.gz /usr/share/man/man1/ptstat.1.gz \
	/usr/share/man/man5/ptbench-suite.5.gz /usr/share/man/man5/ptbench-results.5.gz \
	/usr/share/doc/ptbench/copyright; do
	grep -qxF "$f" "$T/contents" || fail "the package lacks $f"
done
pass "the package holds the programs, runners, suites, kernel files and pages ($(wc -l <"$T/contents") entries)"
