#!/usr/bin/env bash
# SIGINT/SIGTERM during a run: every task stops, no zombie, no orphan, no
# partial output, the old result intact, exit 130 or 143.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir

# Processes whose command line names this test's directory (ptbench, its
# forked tasks, and fork-exit's children all share it).
leftovers() {
	pgrep -a -f -- "$T/" || true
}

# Kill a process that may already be gone, quietly (at exit, if a test failed).
kill_quietly() {
	kill -9 "$1" 2>/dev/null || true
}

# interrupt SIGNAL WANT_STATUS ARGS...
interrupt() {
	local sig=$1 want=$2 pid rc=0 i
	shift 2
	printf 'old result\n' >"$T/r.json"
	"$PTBENCH" run "$@" --duration 60 --reps 3 -q -o "$T/r.json" 2>"$T/err" &
	pid=$!
	pt_at_exit kill_quietly "$pid"
	sleep 1.5
	kill -0 "$pid" 2>/dev/null || fail "$*: ptbench ended before the signal: $(cat "$T/err")"
	kill "-$sig" "$pid"
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "$*: still running 10 s after SIG$sig"
	wait "$pid" || rc=$?
	[ "$rc" -eq "$want" ] || fail "$*: SIG$sig gave exit status $rc, want $want: $(cat "$T/err")"
	[ "$(cat "$T/r.json")" = "old result" ] || fail "$*: the existing result was changed"
	if compgen -G "$T/.r.json.*" >/dev/null; then
		fail "$*: a temporary file was left: $(ls -A "$T")"
	fi
	sleep 0.2
	[ -z "$(leftovers)" ] || fail "$*: processes left behind: $(leftovers)"
	grep -q 'nothing written' "$T/err" || fail "$*: no message saying nothing was written: $(cat "$T/err")"
	pass "$* stopped by SIG$sig: exit $rc, nothing left"
}

# The output path lives in $T, so every process of the run can be found.
interrupt INT 130 mmap-churn --tasks 2
interrupt TERM 143 mmap-churn --tasks 2 --mode processes
interrupt INT 130 fork-exit --rss 16M --tasks 2 --mode processes
interrupt TERM 143 fork-exit --rss 16M --tasks 2
interrupt INT 130 pt-teardown --tasks 2
interrupt TERM 143 gup-fast --walkers 1 --unmappers 1
interrupt INT 130 tlb-shootdown

# During the warm-up too.
printf 'old result\n' >"$T/r.json"
"$PTBENCH" run mmap-churn --warmup 30 --duration 1 -q -o "$T/r.json" 2>"$T/err" &
pid=$!
sleep 1
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT in the warm-up: exit $rc"
[ "$(cat "$T/r.json")" = "old result" ] || fail "SIGINT in the warm-up changed the result"
pass "SIGINT during the warm-up"
