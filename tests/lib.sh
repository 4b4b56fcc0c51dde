# shellcheck shell=bash
# tests/lib.sh: helpers for the shell integration tests. Source it:
#
#   . "$top_srcdir/tests/lib.sh"
#
# make check exports PTBENCH (the built binary), JQ (path of jq), top_srcdir
# and top_builddir. Run by hand, they default to this tree, its build/
# directory and the jq in PATH.
#
# Exit codes follow the automake test driver: 0 pass, 1 fail, 77 skip.
#
#   pt_tmpdir                 make the temporary directory $T (removed at exit)
#   pt_at_exit CMD [ARG]...   run CMD at exit (before $T is removed)
#   fail MSG                  print "FAIL: MSG" on stderr, exit 1
#   pass MSG                  print "ok: MSG"
#   skip MSG                  print "SKIP: MSG", exit 77; only for a missing
#                             capability (no PMU, no tracefs...), never to
#                             hide a failure
#   expect_exit CODE CMD...   run CMD, stdout to $T/out, stderr to $T/err;
#                             fail unless it exits with CODE
#   jq_true FILE EXPR DESC    fail with DESC unless jq -e EXPR FILE is true
#   validate_result FILE      fail unless FILE is a valid ptbench result
#
# fail and skip exit the shell they run in: call them (and the helpers that
# use them) from the test's shell, not from inside $(...) or a pipeline.

set -eu

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
: "${top_builddir:=$top_srcdir/build}"
: "${PTBENCH:=$top_builddir/ptbench}"
if [ -z "${JQ:-}" ]; then
	JQ=$(command -v jq || true)
fi
export top_srcdir top_builddir PTBENCH JQ

# Figures measured while another test loads the machine are not comparable.
# Every test holds a shared lock on the build tree's test lock while it
# runs; a test that compares figures (two runs of one kernel must agree)
# calls pt_machine_alone first and waits until it is the only test running.
if command -v flock >/dev/null 2>&1 && [ -d "$top_builddir" ] &&
	exec 9>>"$top_builddir/.ptbench-test.lock"; then
	flock -s 9
	pt_machine_alone() {
		flock -u 9
		flock -x 9
	}
else
	pt_machine_alone() { :; }
fi

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

pass() {
	printf 'ok: %s\n' "$*"
}

skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}

_pt_exit_cmds=()

_pt_on_exit() {
	local status=$? i
	set +e
	for ((i = ${#_pt_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_pt_exit_cmds[i]}"
	done
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ -n "${PT_KEEP_TMP:-}" ]; then
			printf 'kept %s\n' "$T" >&2
		else
			rm -rf "$T"
		fi
	fi
	exit "$status"
}

_pt_traps_set=0

_pt_set_traps() {
	if [ "$_pt_traps_set" -eq 0 ]; then
		trap _pt_on_exit EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		_pt_traps_set=1
	fi
}

# pt_at_exit CMD [ARG]...: run CMD (e.g. kill "$pid") when the test exits,
# most recently registered first. Use it instead of "trap ... EXIT", which
# would replace the removal of $T.
pt_at_exit() {
	_pt_exit_cmds+=("$(printf '%q ' "$@")")
	_pt_set_traps
}

# pt_tmpdir: create the temporary directory $T, removed when the test exits
# (kept when PT_KEEP_TMP is set). Does nothing when $T already exists.
pt_tmpdir() {
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		return 0
	fi
	T=$(mktemp -d "${TMPDIR:-/tmp}/ptbench-test.XXXXXX") ||
		fail "cannot create a temporary directory"
	_pt_set_traps
}

# Print file $1 on stderr, indented, at most $2 lines (default 40).
_pt_show() {
	local max=${2:-40} n
	if [ ! -s "$1" ]; then
		printf '    (empty)\n' >&2
		return 0
	fi
	n=$(wc -l <"$1")
	sed -n "1,${max}s/^/    /p" "$1" >&2
	if [ "$n" -gt "$max" ]; then
		printf '    ... (%d more lines in %s)\n' "$((n - max))" "$1" >&2
	fi
}

# expect_exit CODE CMD [ARG]...: run CMD with stdout in $T/out and stderr in
# $T/err (creating $T if needed); fail, showing its stderr, unless its exit
# status is CODE.
expect_exit() {
	local want=$1 rc what
	shift
	case $want in
	'' | *[!0-9]*) fail "expect_exit: bad exit code '$want'" ;;
	esac
	[ "$#" -gt 0 ] || fail "expect_exit: no command"
	pt_tmpdir
	rc=0
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		what="exit status $rc"
		if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
			what="$what (killed by SIG$(kill -l "$((rc - 128))" 2>/dev/null || echo "?"))"
		fi
		printf 'FAIL: %s: expected exit status %s, got %s; its stderr:\n' \
			"$(printf '%q ' "$@")" "$want" "$what" >&2
		_pt_show "$T/err"
		exit 1
	fi
}

_pt_need_jq() {
	if [ -z "${JQ:-}" ] || ! [ -x "$JQ" ]; then
		skip "jq not found (Debian package jq): cannot check the JSON output"
	fi
}

# jq_true FILE EXPR DESC: fail with DESC, and the value EXPR has, unless
# jq -e EXPR FILE succeeds (its last output neither false nor null).
jq_true() {
	local file=$1 expr=$2 desc=$3 value
	_pt_need_jq
	[ -f "$file" ] || fail "$desc: $file does not exist"
	if "$JQ" -e "$expr" "$file" >/dev/null 2>&1; then
		return 0
	fi
	value=$("$JQ" -c "$expr" "$file" 2>&1 | head -c 2000) || true
	[ -n "$value" ] || value="(no output)"
	fail "$desc: jq '$expr' on $file gives: $value"
}

# The checks of validate_result, as a jq program printing one line per
# problem found (nothing when the document is valid).
# shellcheck disable=SC2016 # jq program, not shell expansions
_PT_RESULT_CHECKS='
def ok(cond; msg): if cond then empty else msg end;
def str: type == "string";
def finite: type == "number" and (isinfinite | not) and (isnan | not);
def j: tojson | if length > 80 then .[:80] + "..." else . end;
def samples($what; $reps; number_test):
	if (.samples | type) != "array" or (.samples | length) == 0 then
		"\($what).samples is not a non-empty array: \(.samples | j)"
	elif (all(.samples[]; number_test) | not) then
		"\($what).samples holds a value that is not a finite number: \(.samples | j)"
	elif ($reps | type) == "number" and (.samples | length) != $reps then
		"\($what).samples has \(.samples | length) values, params.reps is \($reps)"
	else empty end;
if type != "object" then "the document is \(type), not an object" else
(.params | if type == "object" then .reps else null end) as $reps |
ok(.schema == "ptbench/1"; "schema is \(.schema | j), want \"ptbench/1\""),
ok((.bench | str) and (.bench | length) > 0; "bench is not a non-empty string: \(.bench | j)"),
ok(.label | str; "label is not a string: \(.label | j)"),
ok((.command | type) == "array" and all(.command[]; str);
	"command is not an array of strings: \(.command | j)"),
ok((.params | type) == "object"; "params is not an object: \(.params | j)"),
ok(($reps | type) == "number" and $reps >= 1 and ($reps | floor) == $reps;
	"params.reps is not a positive integer: \($reps | j)"),
ok((.placement | type) == "object" and (.placement.cpus | type) == "array";
	"placement.cpus is not an array: \(.placement | j)"),
ok((.started | str) and (.started | test(
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$"));
	"started is not an ISO-8601 date: \(.started | j)"),
ok((.kernel | type) == "object" and (.kernel.release | str);
	"kernel.release is not a string: \(.kernel | j)"),
(if (.metrics | type) != "object" or (.metrics | length) == 0 then
	"metrics is not a non-empty object: \(.metrics | j)"
else .metrics | to_entries[] | .key as $k | .value |
	if type != "object" then "metrics.\($k) is not an object: \(j)" else
	ok(.unit | str; "metrics.\($k).unit is not a string: \(.unit | j)"),
	ok(.better == "higher" or .better == "lower" or .better == "info";
		"metrics.\($k).better is not higher, lower or info: \(.better | j)"),
	samples("metrics.\($k)"; $reps; finite or . == null),
	ok(any(.samples[]; . != null); "metrics.\($k).samples holds no number, only nulls")
	end
end),
(if .unsupported_metrics == null then empty
elif (.unsupported_metrics | type) != "object" then
	"unsupported_metrics is not an object: \(.unsupported_metrics | j)"
else .unsupported_metrics | to_entries[] | .key as $k | .value |
	ok(type == "object" and .supported == false and (.reason | str) and (.reason | length) > 0;
		"unsupported_metrics.\($k) is not {supported: false, reason: string}: \(j)")
end),
(if .paths == null then empty else
	ok((.paths.free.path | IN("rcu", "direct", "sync-ipi", "mixed", "none", "unknown")) and
		(.paths.flush.path | IN("ipi", "pv", "none", "unknown"));
		"paths is not {free: {path}, flush: {path}} with known paths: \(.paths | j)"),
	ok((.paths.free.path != "unknown" or (.paths.free.reason | str)) and
		(.paths.flush.path != "unknown" or (.paths.flush.reason | str));
		"an unknown path without a reason: \(.paths | j)")
end),
(if (.counters | type) != "object" then
	"counters is not an object: \(.counters | j)"
else .counters | to_entries[] | .key as $k | .value |
	if type != "object" then "counters.\($k) is not an object: \(j)"
	elif .supported == true then samples("counters.\($k)"; $reps; type == "number")
	elif .supported == false then
		ok((.reason | str) and (.reason | length) > 0;
			"counters.\($k) is unsupported without a reason: \(.reason | j)")
	else "counters.\($k).supported is not a boolean: \(.supported | j)"
	end
end),
(if (.checks | type) != "array" then "checks is not an array: \(.checks | j)"
else .checks | to_entries[] | .key as $i | .value |
	ok(type == "object" and (.name | str) and (.ok | type) == "boolean" and (.detail | str);
		"checks[\($i)] is not {name: string, ok: boolean, detail: string}: \(j)")
end),
ok((.warnings | type) == "array" and all(.warnings[]; str);
	"warnings is not an array of strings: \(.warnings | j)")
end
'

# validate_result FILE: fail, listing every problem, unless FILE is a valid
# ptbench result document (schema ptbench/1, see results/README.md).
validate_result() {
	local file=$1 problems
	_pt_need_jq
	[ -s "$file" ] || fail "$file: missing or empty, not a ptbench result"
	if ! problems=$("$JQ" -r "$_PT_RESULT_CHECKS" "$file" 2>&1); then
		fail "$file: not valid JSON: $problems"
	fi
	if [ -n "$problems" ]; then
		printf 'FAIL: %s is not a valid ptbench result:\n' "$file" >&2
		printf '%s\n' "$problems" | sed 's/^/  - /' >&2
		exit 1
	fi
}
