#!/usr/bin/env bash
# tests/kernbench-slow.sh: a real tinyconfig kernel build with
# workloads/kernbench (linux-source-6.12, -n 1 -f). Minutes; not part of
# make check: run it with 'make check-slow'.

set -eu

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
# shellcheck source=SCRIPTDIR/lib.sh
. "$top_srcdir/tests/lib.sh"

KB=$top_srcdir/workloads/kernbench

[ -x /usr/bin/time ] || skip "GNU time is not installed (Debian package time)"
for tool in gcc make flex bison bc; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is not installed (a kernel build needs gcc make flex bison bc)"
done
if [ ! -f /usr/src/linux-source-6.12.tar.xz ] && [ "$(id -u)" -ne 0 ]; then
	skip "linux-source-6.12 is not installed (sudo apt-get install -y linux-source-6.12)"
fi
_pt_need_jq
pt_tmpdir

expect_exit 0 "$KB" --config tinyconfig -n 1 -f -H -M --out "$T/res" --label slow
f=$T/res/slow-optimal.json
validate_result "$f"
jq_true "$f" '.params.config == "tinyconfig" and (.params.tree_version | test("^6\\.12"))' \
	"tinyconfig build of a 6.12 tree"
jq_true "$f" '.metrics.elapsed_s.samples[0] > 5 and .metrics.elapsed_s.samples[0] < 7200' \
	"a plausible elapsed time"
grep -q '^Average Optimal load -j [0-9]* Run (std deviation):$' "$T/out" ||
	fail "no optimal block on stdout"
pass "tinyconfig build of linux-source-6.12: $("$JQ" '.metrics.elapsed_s.samples[0]' "$f") s"
