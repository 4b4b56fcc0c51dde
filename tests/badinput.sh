#!/usr/bin/env bash
# Bad input: one clear message, exit status 2, no output file left.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir

out="$T/result.json"
ncpus=$(nproc)

# bad WANT_IN_MESSAGE ARGS...: exit 2, one line on stderr naming the problem,
# no result and no temporary file left behind.
bad() {
	local want=$1
	shift
	expect_exit 2 "$PTBENCH" "$@"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$*: want one line on stderr, got: $(cat "$T/err")"
	grep -qi -- "$want" "$T/err" || fail "$*: message does not say '$want': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$*: wrote to stdout: $(head -c 200 "$T/out")"
	if compgen -G "$T/.result.json.*" >/dev/null || [ -e "$out" ]; then
		fail "$*: left a file behind: $(ls -A "$T")"
	fi
	pass "$* -> $(cat "$T/err")"
}

bad "unknown benchmark" run nosuchbench -o "$out"
bad "unknown option '--frob'" run mmap-churn --frob -o "$out"
bad "unexpected argument" run mmap-churn stray -o "$out"
bad "needs a value" run mmap-churn -o "$out" --size
bad "out of range" run mmap-churn --size 0 -o "$out"
bad "bad size '4X'" run mmap-churn --size 4X -o "$out"
bad "overflows" run mmap-churn --size 99999999T -o "$out"
bad "too large" run mmap-churn --size 99999999999999999999 -o "$out"
bad "must be one of" run mmap-churn --touch some -o "$out"
bad "tasks must be at least 1" run mmap-churn --tasks 0 -o "$out"
bad "oversubscribe" run mmap-churn --tasks "$((ncpus + 1))" -o "$out"
bad "not available" run mmap-churn --pin "$((ncpus + 7))" -o "$out"
bad "bad --pin" run mmap-churn --pin everywhere -o "$out"
bad "MemAvailable" run mmap-churn --size 16T --touch all -o "$out"
bad "MemAvailable" run fork-exit --rss 16T -o "$out"
bad "not both" run mmap-churn --duration 1 --iterations 5 -o "$out"
bad "bad duration" run mmap-churn --duration -1 -o "$out"
bad "bad duration" run mmap-churn --duration 1s -o "$out"
bad "reps must be at least 1" run mmap-churn --reps 0 -o "$out"
bad "--mode must be" run mmap-churn --mode fibers -o "$out"
bad "share one address space" run pt-teardown --mode processes -o "$out"
bad "--events" run mmap-churn --events "task-clock,,page-faults" -o "$out"
bad "out of range" run pt-teardown --tables 0 -o "$out"
bad "cannot write $T/no/such/dir/r.json" run mmap-churn -o "$T/no/such/dir/r.json"
bad "is a directory" run mmap-churn -o "$T"

# Oversubscribing is allowed when asked for.
expect_exit 0 "$PTBENCH" run mmap-churn --tasks "$((ncpus + 1))" --oversubscribe \
	--duration 0.1 --reps 1 --warmup 0 -q -o "$out"
validate_result "$out"
jq_true "$out" ".placement.cpus | length == $((ncpus + 1))" "one CPU per task, wrapped"
pass "--oversubscribe runs more tasks than CPUs"

# A failed run never damages a result already there.
cp "$out" "$T/before.json"
expect_exit 2 "$PTBENCH" run mmap-churn --size 0 -o "$out"
cmp -s "$out" "$T/before.json" || fail "a refused run changed the existing result"
pass "existing result untouched by a refused run"
