#!/usr/bin/env bash
# tests/shellcheck.sh: run shellcheck over the project's shell scripts
# (runners/*.sh, runners/vm-init, tests/*.sh, bootstrap, .ci/run). Skips when shellcheck is
# not installed.

set -eu

case ${1:-} in
'') ;;
-h | --help)
	cat <<'USAGE'
Usage: tests/shellcheck.sh

A make check test: runs shellcheck -x over runners/*.sh, tests/*.sh,
bootstrap and .ci/run of $top_srcdir (default: this tree) and fails listing
the problems found. Exits 77 (skip) when shellcheck is not installed.
USAGE
	exit 0
	;;
*)
	printf 'shellcheck.sh: unknown argument %s (see --help)\n' "'$1'" >&2
	exit 2
	;;
esac

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
# shellcheck source=SCRIPTDIR/lib.sh
. "$top_srcdir/tests/lib.sh"

if ! command -v shellcheck >/dev/null 2>&1; then
	skip "shellcheck is not installed (Debian package shellcheck)"
fi

# Relative paths: shorter messages, and -P below resolves against the top.
cd "$top_srcdir"
files=()
for f in runners/*.sh runners/vm-init tests/*.sh bootstrap .ci/run; do
	if [ -f "$f" ]; then
		files+=("$f")
	fi
done
[ "${#files[@]}" -gt 0 ] || fail "no shell script found under $top_srcdir"

pt_tmpdir
if shellcheck -x -P "SCRIPTDIR:.:runners:tests" -f gcc "${files[@]}" \
	>"$T/problems" 2>&1; then
	pass "shellcheck: ${#files[@]} scripts clean"
	exit 0
fi
printf 'shellcheck found problems (see https://www.shellcheck.net/wiki/SCnnnn):\n' >&2
cat "$T/problems" >&2
fail "shellcheck: $(cut -d: -f1 "$T/problems" | sort -u | tr '\n' ' ')"
