#!/usr/bin/env bash
# runners/run.sh: a small suite (comments, an include, @ALL) becomes a
# complete result set; an existing set is kept without --force and replaced
# with it; kernel warnings logged during the run are recorded; rounds run the
# suite several times over and merge the results; --dry-run runs nothing;
# malformed suites are refused with FILE:LINE before anything runs; an
# interrupted run leaves only its partial set, which --resume completes
# without rerunning what was done; a failing entry stops the run; the
# shipped suites parse.
# shellcheck disable=SC2016 # jq programs and suite lines in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
_pt_need_jq

RUN=$top_srcdir/runners/run.sh
ncpu=$(nproc)

# ptbench through a wrapper that logs every command line to $T/calls, so
# that the test can tell which entries ran (and that a dry run ran none).
mkdir -p "$T/bin"
# With PTB_FAIL set to a label, the run of that entry crashes (status 139)
# after a message, as a benchmark that dies at run time does.
cat >"$T/bin/ptbench" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >>"$PTB_CALLS"
printf '%s\n' "$$" >>"$PTB_PIDS"
case " $* " in
*" --label ${PTB_FAIL:-/} "*)
	echo "ptbench: simulated crash of ${PTB_FAIL}" >&2
	exit 139
	;;
esac
exec "$PTB_REAL" "$@"
EOF
chmod +x "$T/bin/ptbench"
PTB_REAL=$PTBENCH
PTB_CALLS=$T/calls
PTB_PIDS=$T/pids
PTBENCH=$T/bin/ptbench
export PTB_REAL PTB_CALLS PTB_PIDS PTBENCH
: >"$PTB_CALLS"

# Entries that ran (their --label), in order, from the call log.
ran() {
	sed -n 's/^run .* --label \([^ ]*\) .*/\1/p' "$PTB_CALLS" | tr '\n' ' '
}

# A listing of every file of directory $1 with its inode, size and mtime.
snapshot() {
	(cd "$1" && find . -type f -printf '%p %i %s %T@\n' | sort)
}

# ---- a small suite -----------------------------------------------------------

S=$T/suites
mkdir -p "$S/inc"
cat >"$S/main.suite" <<'EOF'
# The suite of tests/run-suite.sh.
reps 3   # overridden by --reps 2

e1 mmap-churn --size 16M --duration 0.2 --warmup 0   # a comment after an entry
	# an indented comment
include inc/second.suite
e3 tlb-shootdown --tasks @ALL --pages 1 --duration 0.2 --warmup 0
EOF
cat >"$S/inc/second.suite" <<'EOF'
reps 9   # ignored: only the suite run sets the default
e2 pt-teardown --tables 8 --tasks=@ALL --duration 0.2 --warmup 0
EOF

R=$T/results
expect_exit 0 "$RUN" --suite "$S/main.suite" --out "$R" --label one --reps 2
set=$R/one
[ -d "$set" ] || fail "no result set $set"
[ ! -e "$R/.one.partial" ] || fail "the partial set $R/.one.partial was left"
grep -qx "results: $set" "$T/out" || fail "stdout does not end with 'results: $set': $(cat "$T/out")"
grep -q '^\[3/3\] e3: elapsed [0-9]*:[0-9][0-9], about [0-9]*:[0-9][0-9] left$' "$T/err" ||
	fail "no progress line for entry 3: $(cat "$T/err")"
[ "$(ran)" = "e1 e2 e3 " ] || fail "entries run: '$(ran)', want 'e1 e2 e3 '"

jq_true "$set/system.json" ".kernel.release == \"$(uname -r)\" and (.tlb_flush | type) == \"object\"" \
	"system.json: ptbench sysinfo of this kernel"
for e in e1:mmap-churn e2:pt-teardown e3:tlb-shootdown; do
	l=${e%%:*}
	validate_result "$set/$l.json"
	jq_true "$set/$l.json" ".label == \"$l\" and .bench == \"${e#*:}\" and .params.reps == 2 and
		(.command | index([\"--no-aslr\"]) != null)" "$l.json: label, bench, 2 reps, --no-aslr"
done
jq_true "$set/e1.json" '.params.size == 16777216 and .params.duration_s == 0.2' \
	"e1.json: the options of its suite line"
jq_true "$set/e2.json" ".params.tasks == $ncpu and .params.tables == 8" "e2.json: --tasks=@ALL is $ncpu"
jq_true "$set/e3.json" ".params.tasks == $ncpu" "e3.json: --tasks @ALL is $ncpu"
n=$(find "$set" -name '*.json' | wc -l)
[ "$n" -eq 5 ] || fail "$n JSON files in the set, want 5 (system, meta, 3 entries): $(ls "$set")"

jq_true "$set/meta.json" '.label == "one" and .entries == 3 and .reps == 2 and
	.suite.name == "main" and (.suite.path | endswith("/main.suite")) and
	(.started | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and
	(.finished | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and .started <= .finished and
	(.ptbench_version | length) > 0 and .cpus == '"$ncpu"' and .resumed == []' \
	"meta.json: label, 3 entries, 2 reps, suite, times, version"
[ "$(grep -vc '^#' "$set/commands.txt")" -eq 3 ] ||
	fail "commands.txt does not hold 3 commands: $(cat "$set/commands.txt")"
grep -q -- "run pt-teardown --tables 8 --tasks=$ncpu --duration 0.2 --warmup 0 --label e2 --reps 2 --no-aslr -q -o e2.json\$" \
	"$set/commands.txt" || fail "commands.txt lacks the command of e2: $(cat "$set/commands.txt")"
if [ "$(grep -vc '^#' "$set/suite.txt")" -ne 5 ] || ! grep -qx 'reps 2' "$set/suite.txt" ||
	! grep -qx 'rounds 1' "$set/suite.txt" ||
	! grep -qx "e3 tlb-shootdown --tasks $ncpu --pages 1 --duration 0.2 --warmup 0" "$set/suite.txt"; then
	fail "suite.txt is not the expanded suite: $(cat "$set/suite.txt")"
fi
[ "$(grep -c ': exit status 0 after ' "$set/run.log")" -eq 3 ] ||
	fail "run.log does not record 3 entries ending with status 0: $(cat "$set/run.log")"
[ -f "$set/kernel-warnings.txt" ] || fail "no kernel-warnings.txt"
pass "a 3-entry suite with an include: system.json, 3 valid results, meta.json, commands.txt, suite.txt, run.log"

# The commands in commands.txt are the commands that ran.
grep -v '^#' "$set/commands.txt" | sed 's/^[^ ]* //' >"$T/cmds"
sed -n 's/^run /run /p' "$PTB_CALLS" >"$T/calls.run"
diff "$T/cmds" "$T/calls.run" >/dev/null ||
	fail "commands.txt differs from what ran: $(diff "$T/cmds" "$T/calls.run")"
pass "commands.txt holds the exact commands run"

# ---- an existing set: kept, or replaced with --force ---------------------------

before=$(snapshot "$set")
expect_exit 2 "$RUN" --suite "$S/main.suite" --out "$R" --label one --reps 2
grep -q 'already exists' "$T/err" || fail "no 'already exists' message: $(cat "$T/err")"
[ "$(snapshot "$set")" = "$before" ] || fail "a refused run changed $set"
[ ! -e "$R/.one.partial" ] || fail "a refused run left $R/.one.partial"
pass "an existing set is not overwritten without --force (exit 2, unchanged)"

inode=$(stat -c %i "$set/e1.json")
expect_exit 0 "$RUN" --suite "$S/main.suite" --out "$R" --label one --reps 2 --force
[ "$(stat -c %i "$set/e1.json")" != "$inode" ] || fail "--force did not replace e1.json"
validate_result "$set/e1.json"
leftovers=$(find "$R" -mindepth 1 -maxdepth 1 -name '.*')
[ -z "$leftovers" ] || fail "--force left $leftovers"
pass "--force replaces the set, nothing left beside it"

# ---- kernel warnings: the lines new in dmesg, or a note that it is unreadable ----

mkdir -p "$T/fakebin"
cat >"$T/fakebin/dmesg" <<'EOF'
#!/bin/sh
# A kernel log: one old warning, then, from the second reading on, a new
# warning and a harmless line.
n=$(cat "$FAKE_DMESG_STATE" 2>/dev/null || echo 0)
echo "$((n + 1))" >"$FAKE_DMESG_STATE"
if [ "$FAKE_DMESG_MODE" = denied ]; then
	echo "dmesg: read kernel buffer failed: Operation not permitted" >&2
	exit 1
fi
echo "[    1.000000] WARNING: an old warning, from before the run"
if [ "$n" -ge 1 ]; then
	echo "[  100.000000] WARNING: CPU: 1 PID: 42 at mm/fake.c:1 fake+0x0/0x10"
	echo "[  100.000001] a harmless new line"
fi
EOF
chmod +x "$T/fakebin/dmesg"
printf 'k1 mmap-churn --size 16M --duration 0.1 --warmup 0\n' >"$S/k.suite"
expect_exit 0 env PATH="$T/fakebin:$PATH" FAKE_DMESG_STATE="$T/dmesg.state" FAKE_DMESG_MODE=ok \
	"$RUN" --suite "$S/k.suite" --out "$R" --label kw --reps 1
[ "$(cat "$R/kw/kernel-warnings.txt")" = "[  100.000000] WARNING: CPU: 1 PID: 42 at mm/fake.c:1 fake+0x0/0x10" ] ||
	fail "kernel-warnings.txt is not the one new warning: $(cat "$R/kw/kernel-warnings.txt")"
grep -q 'the kernel logged 1 warning line(s) during the run' "$T/err" ||
	fail "no message about the kernel warning: $(cat "$T/err")"
rm -f "$T/dmesg.state"
expect_exit 0 env PATH="$T/fakebin:$PATH" FAKE_DMESG_STATE="$T/dmesg.state" FAKE_DMESG_MODE=denied \
	"$RUN" --suite "$S/k.suite" --out "$R" --label kw-denied --reps 1
grep -qx '# kernel log not readable (dmesg: read kernel buffer failed: Operation not permitted): kernel warnings were not checked' \
	"$R/kw-denied/kernel-warnings.txt" ||
	fail "kernel-warnings.txt does not say dmesg was unreadable: $(cat "$R/kw-denied/kernel-warnings.txt")"
pass "kernel-warnings.txt: only the warning logged during the run; a note when dmesg is unreadable"

# ---- rounds: the suite several times over, merged -------------------------------


printf 'rounds 2\ninclude main.suite\n' >"$S/rounds.suite"
: >"$PTB_CALLS"
expect_exit 0 "$RUN" --suite "$S/rounds.suite" --out "$R" --label rounds --reps 3
[ "$(ran)" = "e1 e2 e3 e1 e2 e3 " ] || fail "rounds 2: entries run '$(ran)', want the suite twice over"
if [ "$(grep -c -- ' --reps 2 ' "$PTB_CALLS")" -ne 3 ] || [ "$(grep -c -- ' --reps 1 ' "$PTB_CALLS")" -ne 3 ]; then
	fail "rounds 2 of 3 repetitions are not 2 + 1: $(cat "$PTB_CALLS")"
fi
for l in e1 e2 e3; do
	validate_result "$R/rounds/$l.json"
	jq_true "$R/rounds/$l.json" '.params.reps == 3 and (.rounds | length) == 2 and
		(.rounds | map(.reps)) == [2, 1] and (.rounds[1].command | index(["--reps"])) != null and
		all(.metrics[]; (.samples | length) == 3) and all(.checks[]; .ok)' \
		"$l.json: the 2 rounds merged into 3 samples per metric"
done
hidden=$(find "$R/rounds" -name '.*')
[ -z "$hidden" ] || fail "round files left in the set: $hidden"
[ "$(grep -vc '^#' "$R/rounds/commands.txt")" -eq 6 ] || fail "commands.txt does not list 6 rounds"
grep -qx 'rounds 2' "$R/rounds/suite.txt" || fail "suite.txt does not record the rounds"
jq_true "$R/rounds/meta.json" '.rounds == 2 and .reps == 3' "meta.json: 3 reps in 2 rounds"
pass "rounds 2: the suite ran twice over (2 + 1 repetitions per entry), merged into one valid result per entry"

# ---- --dry-run ---------------------------------------------------------------

: >"$PTB_CALLS"
expect_exit 0 "$RUN" --suite "$S/main.suite" --out "$T/dry" --label dry --reps 4 --dry-run
[ ! -e "$T/dry" ] || fail "--dry-run created $T/dry"
if grep -q '^run ' "$PTB_CALLS"; then
	fail "--dry-run ran a benchmark: $(cat "$PTB_CALLS")"
fi
for e in "mmap-churn --size 16M --duration 0.2 --warmup 0 --label e1" \
	"pt-teardown --tables 8 --tasks=$ncpu --duration 0.2 --warmup 0 --label e2" \
	"tlb-shootdown --tasks $ncpu --pages 1 --duration 0.2 --warmup 0 --label e3"; do
	l=${e##* }
	grep -q -- "/ptbench run $e --reps 4 --no-aslr -q -o $l.json\$" "$T/out" ||
		fail "--dry-run does not print the command of $l: $(cat "$T/out")"
done
grep -q '^# planned time: about 0:0[0-9]' "$T/out" || fail "no planned time: $(cat "$T/out")"
pass "--dry-run prints the 3 commands and the planned time, runs nothing"

# ---- malformed suites ------------------------------------------------------------

B=$T/bad
mkdir -p "$B/canary"
# bad NAME LINE MESSAGE-PART CONTENT: NAME.suite holding CONTENT is refused
# with "NAME.suite:LINE: ...MESSAGE-PART...", exit 2, nothing created.
bad() {
	local name=$1 line=$2 want=$3 file=$B/$1.suite
	printf '%s\n' "$4" >"$file"
	: >"$PTB_CALLS"
	expect_exit 2 "$RUN" --suite "$file" --out "$T/badout" --label bad
	grep -qF "ptbench plan: $file:$line: " "$T/err" ||
		fail "$name: the message does not name $file:$line: $(cat "$T/err")"
	grep -qF -- "$want" "$T/err" || fail "$name: the message does not say '$want': $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$name: more than one line of error: $(cat "$T/err")"
	[ ! -e "$T/badout" ] || fail "$name: $T/badout was created"
	if grep -q '^run ' "$PTB_CALLS"; then
		fail "$name: a benchmark ran: $(cat "$PTB_CALLS")"
	fi
}
ok_line='e1 mmap-churn --size 16M --duration 0.2'
bad label 2 "bad label 'a/b'" "$ok_line
a/b mmap-churn --duration 0.2"
bad label-dot 1 "may not start with '.'" '.hidden mmap-churn'
bad bench 3 "unknown benchmark 'no-such-bench'" "# comment

x no-such-bench --duration 0.2"
bad no-bench 1 "has no benchmark" 'lonely'
bad dollar 2 "forbidden character '\$'" "$ok_line
x mmap-churn --size \$(rm -rf $B/canary)"
bad backtick 1 "forbidden character '\`'" "x mmap-churn --size \`touch $B/pwned\`"
bad quote 1 "forbidden character '''" "x mmap-churn --size '16M'"
bad dquote 1 "forbidden character '\"'" 'x mmap-churn --size "16M"'
bad backslash 1 "forbidden character '\\'" "x mmap-churn --size 16M\\"
bad semicolon 1 "forbidden character ';'" "x mmap-churn --size 16M;touch $B/pwned"
bad pipe 1 "forbidden character '|'" 'x mmap-churn --size 16M | cat'
bad amp 1 "forbidden character '&'" 'x mmap-churn --size 16M &'
bad redirect 1 "forbidden character '>'" "x mmap-churn --size 16M >$B/pwned"
bad paren 1 "forbidden character '('" 'x mmap-churn (--size 16M)'
bad output 2 "the runner sets" "$ok_line
x mmap-churn --size 16M -o $B/pwned"
bad output-long 1 "the runner sets" "x mmap-churn --output=$B/pwned"
bad label-opt 1 "the runner sets" 'x mmap-churn --label other'
bad reps-opt 1 "the runner sets --reps" 'x mmap-churn --reps 3'
bad quiet 1 "the runner sets" 'x mmap-churn --quiet'
bad token 1 "unknown token" 'x mmap-churn --size @BIG'
bad sweep 1 "@SWEEP is only allowed as the value of --tasks" 'x mmap-churn --size @SWEEP'
bad reps-late 2 "reps must come before" "$ok_line
reps 3"
bad reps-zero 1 "reps takes one whole number" 'reps 0'
bad dup 3 "duplicate label 'e1' (first at $B/dup.suite:1)" "$ok_line
# again:
e1 fork-exit --rss 16M"
bad sweep-dup 2 "duplicate label 'x-t1' (first at $B/sweep-dup.suite:1)" "x-t1 mmap-churn
x mmap-churn --tasks @SWEEP"
bad missing-include 2 "include $B/missing.suite: no such readable file" "$ok_line
include missing.suite"
bad self-include 1 "include cycle" "include self-include.suite"
# A cycle through two files, found in the second one.
printf '# loops back\ninclude cycle-a.suite\n' >"$B/cycle-b.suite"
printf '%s\ninclude cycle-b.suite\n' "$ok_line" >"$B/cycle-a.suite"
expect_exit 2 "$RUN" --suite "$B/cycle-a.suite" --out "$T/badout" --label bad
grep -qxF "ptbench plan: $B/cycle-b.suite:2: include cycle: $B/cycle-a.suite -> $B/cycle-b.suite -> $B/cycle-a.suite" \
	"$T/err" || fail "cycle: the message does not name cycle-b.suite:2 and the cycle: $(cat "$T/err")"
# A duplicate label across an include names both places.
printf 'z fork-exit --rss 16M\ne1 fork-exit --rss 16M\n' >"$B/inc-dup.suite"
printf '%s\ninclude inc-dup.suite\n' "$ok_line" >"$B/dup-main.suite"
expect_exit 2 "$RUN" --suite "$B/dup-main.suite" --out "$T/badout" --label bad
grep -qF "ptbench plan: $B/inc-dup.suite:2: duplicate label 'e1' (first at $B/dup-main.suite:1)" "$T/err" ||
	fail "include duplicate: $(cat "$T/err")"
printf '# nothing\n\n' >"$B/empty.suite"
expect_exit 2 "$RUN" --suite "$B/empty.suite" --out "$T/badout" --label bad
grep -qF "$B/empty.suite: the suite has no entries" "$T/err" || fail "empty suite: $(cat "$T/err")"
if [ ! -d "$B/canary" ] || [ -e "$B/pwned" ]; then
	fail "a suite line was executed"
fi
[ ! -e "$T/badout" ] || fail "$T/badout was created"
pass "malformed suites: each refused with FILE:LINE and exit 2, nothing run or created"

# Bad command lines.
for args in "--reps 0" "--reps x" "--label a/b" "--label .x" "--bogus" "--suite no-such-suite" \
	"--resume" "--out"; do
	# shellcheck disable=SC2086 # the arguments are words
	expect_exit 2 "$RUN" $args --dry-run
	grep -q '^run.sh: ' "$T/err" || fail "run.sh $args: no message: $(cat "$T/err")"
done
pass "bad options: exit 2 with a message"

# ---- an interrupted run, then --resume -------------------------------------------

cat >"$S/int.suite" <<'EOF'
i1 mmap-churn --size 16M --duration 0.4 --warmup 0
i2 pt-teardown --tables 8 --duration 0.4 --warmup 0
i3 fork-exit --rss 16M --duration 0.4 --warmup 0
EOF
kill_quietly() {
	kill -9 "$1" 2>/dev/null || true
}
: >"$PTB_CALLS"
# A background job of a script ignores SIGINT, and a shell cannot trap a
# signal ignored at its start: reset SIGINT to its default for run.sh.
if env --default-signal=INT true 2>/dev/null; then
	env --default-signal=INT "$RUN" --suite "$S/int.suite" --out "$R" --label int --reps 2 \
		>"$T/int.out" 2>"$T/int.err" &
else
	set -m
	"$RUN" --suite "$S/int.suite" --out "$R" --label int --reps 2 >"$T/int.out" 2>"$T/int.err" &
	set +m
fi
pid=$!
pt_at_exit kill_quietly "$pid"
# Interrupt during the second entry.
for _ in $(seq 200); do
	[ "$(ran)" = "i1 i2 " ] && [ -f "$R/.int.partial/i1.json" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
[ "$(ran)" = "i1 i2 " ] || fail "the second entry never started: $(ran); $(cat "$T/int.err")"
sleep 0.2
kill -INT "$pid"
rc=0
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "run.sh still runs 10 s after SIGINT"
wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT: exit status $rc, want 130: $(cat "$T/int.err")"
[ -d "$R/.int.partial" ] || fail "no partial set after SIGINT"
[ ! -e "$R/int" ] || fail "SIGINT left a final set $R/int"
validate_result "$R/.int.partial/i1.json"
[ ! -e "$R/.int.partial/i2.json" ] || fail "the interrupted entry left a result"
grep -q 'interrupted by SIGINT' "$R/.int.partial/run.log" || fail "run.log does not say interrupted"
grep -q -- '--resume' "$T/int.err" || fail "no hint to --resume: $(cat "$T/int.err")"
sleep 0.2
while read -r p; do
	if kill -0 "$p" 2>/dev/null; then
		fail "ptbench (pid $p) still runs after SIGINT: $(ps -o pid,args -p "$p" | tail -1)"
	fi
done <"$PTB_PIDS"
pass "SIGINT: exit 130, the partial set kept with the finished entry, nothing left running"

# --resume refuses another suite content, other reps, another kernel.
partial_before=$(snapshot "$R/.int.partial")
expect_exit 2 "$RUN" --suite "$S/int.suite" --out "$R" --label int --reps 3 --resume
grep -q 'refusing to resume' "$T/err" || fail "--resume with other reps: $(cat "$T/err")"
sed 's/i3 fork-exit --rss 16M/i3 fork-exit --rss 32M/' "$S/int.suite" >"$S/int2.suite"
expect_exit 2 "$RUN" --suite "$S/int2.suite" --out "$R" --label int --reps 2 --resume
grep -q 'refusing to resume' "$T/err" || fail "--resume with another suite: $(cat "$T/err")"
cp -p "$R/.int.partial/system.json" "$T/system.json.saved"
"$JQ" '.kernel.release = "0.0.0-other"' "$T/system.json.saved" >"$R/.int.partial/system.json"
expect_exit 2 "$RUN" --suite "$S/int.suite" --out "$R" --label int --reps 2 --resume
grep -q 'made on kernel 0.0.0-other' "$T/err" || fail "--resume on another kernel: $(cat "$T/err")"
cp "$T/system.json.saved" "$R/.int.partial/system.json"
touch -r "$T/system.json.saved" "$R/.int.partial/system.json"
expect_exit 2 "$RUN" --suite "$S/int.suite" --out "$R" --label int --reps 2
grep -q -- '--resume to complete it' "$T/err" || fail "a run over a partial set: $(cat "$T/err")"
expect_exit 2 "$RUN" --suite "$S/int.suite" --out "$R" --label nothing --reps 2 --resume
grep -q 'nothing to resume' "$T/err" || fail "--resume without a partial set: $(cat "$T/err")"
[ "$(snapshot "$R/.int.partial")" = "$partial_before" ] || fail "a refused --resume changed the partial set"
pass "--resume refuses other reps, another suite, another kernel; a plain run refuses a partial set"

mtime=$(stat -c '%i %y' "$R/.int.partial/i1.json")
: >"$PTB_CALLS"
expect_exit 0 "$RUN" --suite "$S/int.suite" --out "$R" --label int --reps 2 --resume
[ "$(ran)" = "i2 i3 " ] || fail "--resume ran '$(ran)', want 'i2 i3 '"
if [ ! -d "$R/int" ] || [ -e "$R/.int.partial" ]; then
	fail "--resume did not complete the set"
fi
[ "$(stat -c '%i %y' "$R/int/i1.json")" = "$mtime" ] || fail "--resume rewrote i1.json"
grep -q '^\[1/3\] i1: done already, kept$' "$T/err" || fail "--resume does not say i1 was kept: $(cat "$T/err")"
for l in i1 i2 i3; do
	validate_result "$R/int/$l.json"
done
jq_true "$R/int/meta.json" '.entries == 3 and (.resumed | length) == 1 and .finished != null' \
	"meta.json after --resume: 3 entries, one resumption"
pass "--resume completes the set and does not rerun the finished entry"

# The same with rounds: the round files already written are kept.
printf 'rounds 2\nj1 mmap-churn --size 16M --duration 0.4 --warmup 0\nj2 pt-teardown --tables 8 --duration 0.4 --warmup 0\n' \
	>"$S/intr.suite"
: >"$PTB_CALLS"
: >"$PTB_PIDS"
if env --default-signal=INT true 2>/dev/null; then
	env --default-signal=INT "$RUN" --suite "$S/intr.suite" --out "$R" --label intr --reps 2 \
		>"$T/int.out" 2>"$T/int.err" &
else
	set -m
	"$RUN" --suite "$S/intr.suite" --out "$R" --label intr --reps 2 >"$T/int.out" 2>"$T/int.err" &
	set +m
fi
pid=$!
pt_at_exit kill_quietly "$pid"
for _ in $(seq 200); do
	[ "$(ran)" = "j1 j2 j1 " ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
[ "$(ran)" = "j1 j2 j1 " ] || fail "rounds: round 2 of j1 never started: $(ran); $(cat "$T/int.err")"
sleep 0.2
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || fail "rounds, SIGINT: exit status $rc, want 130: $(cat "$T/int.err")"
for f in .j1.r1.json .j2.r1.json; do
	validate_result "$R/.intr.partial/$f"
done
kept_cmd=$("$JQ" -c '[.started, .command]' "$R/.intr.partial/.j2.r1.json")
: >"$PTB_CALLS"
expect_exit 0 "$RUN" --suite "$S/intr.suite" --out "$R" --label intr --reps 2 --resume
[ "$(ran)" = "j1 j2 " ] || fail "rounds, --resume ran '$(ran)', want round 2 only: 'j1 j2 '"
grep -q '^\[2/4\] j2 (round 1/2): done already, kept$' "$T/err" || fail "rounds, --resume: $(cat "$T/err")"
for l in j1 j2; do
	validate_result "$R/intr/$l.json"
	jq_true "$R/intr/$l.json" '(.rounds | length) == 2 and .params.reps == 2' "$l.json: 2 rounds merged"
done
[ "$("$JQ" -c '[.rounds[0].started, .rounds[0].command]' "$R/intr/j2.json")" = "$kept_cmd" ] ||
	fail "j2.json: round 1 is not the one kept from the interrupted run"
pass "rounds: SIGINT in round 2 keeps the round-1 files; --resume runs round 2 only and merges"

# ---- a bad option in the last entry, a failing entry --------------------------------

# A bad option anywhere is refused by ptbench plan before the first entry runs.
printf 'g1 mmap-churn --size 16M --duration 0.2 --warmup 0\ng2 mmap-churn --size 12Q --duration 0.2\n' \
	>"$S/lastbad.suite"
: >"$PTB_CALLS"
expect_exit 2 "$RUN" --suite "$S/lastbad.suite" --out "$R" --label lastbad --reps 2
grep -qF "ptbench plan: $S/lastbad.suite:2: " "$T/err" || fail "the bad last entry is not named: $(cat "$T/err")"
if grep -q "^run " "$PTB_CALLS"; then
	fail "an entry ran before the bad last entry was refused: $(cat "$PTB_CALLS")"
fi
if [ -e "$R/.lastbad.partial" ] || [ -e "$R/lastbad" ]; then
	fail "a refused suite left a set"
fi
pass "a bad option in the last entry: refused with FILE:LINE, exit 2, before anything ran"

# An entry that crashes at run time is recorded as failed; the others run
# and the set is completed (exit 3).
printf 'rounds 2\nf1 mmap-churn --size 16M --duration 0.2 --warmup 0\nf2 mmap-churn --size 16M --duration 0.2 --warmup 0\nf3 pt-teardown --tables 8 --duration 0.2 --warmup 0\n' \
	>"$S/fail.suite"
: >"$PTB_CALLS"
PTB_FAIL=f2 expect_exit 3 "$RUN" --suite "$S/fail.suite" --out "$R" --label fail --reps 2
grep -qF "entry f2 (round 1/2) ($S/fail.suite:3) failed with exit status 139" "$T/err" ||
	fail "the failing entry is not named: $(cat "$T/err")"
grep -q 'simulated crash of f2' "$T/err" || fail "the entry's message is not shown: $(cat "$T/err")"
[ "$(ran)" = "f1 f2 f3 f1 f3 " ] || fail "runs '$(ran)', want 'f1 f2 f3 f1 f3 ' (f2's round 2 skipped)"
if [ ! -d "$R/fail" ] || [ -e "$R/.fail.partial" ]; then
	fail "the set was not completed"
fi
validate_result "$R/fail/f1.json"
validate_result "$R/fail/f3.json"
[ ! -e "$R/fail/f2.json" ] || fail "the failed entry left a result"
jq_true "$R/fail/meta.json" '(.failed | length) == 1 and .failed[0].label == "f2" and
	.failed[0].status == 139 and .failed[0].round == 1 and
	.failed[0].src == "'"$S"'/fail.suite:3" and
	(.failed[0].messages | any(test("simulated crash of f2")))' \
	"meta.json lists f2 as failed with its status, source and message"
pass "a crashing entry: recorded in meta.json as failed, the other entries run, the set completed, exit 3"

# ---- the shipped suites ------------------------------------------------------------

mapfile -t benches < <("$PTB_REAL" list | awk '{ print $1 }')
for suite in smoke quick full; do
	expect_exit 0 "$RUN" --suite "$suite" --out "$T/dry" --label "$suite" --dry-run
	grep -v '^#' "$T/out" >"$T/$suite.cmds"
	sed -n 's/^# \[[0-9]*\/[0-9]*\] \([^ ]*\) .*/\1/p' "$T/out" | awk '!seen[$0]++' >"$T/$suite.labels"
	sed -n 's/^# planned time: about \([0-9:]*\) .*/\1/p' "$T/out" >"$T/$suite.time"
	[ -s "$T/$suite.time" ] || fail "$suite: no planned time: $(tail -1 "$T/out")"
	[ ! -e "$T/dry" ] || fail "$suite --dry-run created $T/dry"
done
for b in "${benches[@]}"; do
	grep -q " run $b " "$T/smoke.cmds" || fail "smoke.suite does not run $b"
done
grep -qx '0:[0-5][0-9]' "$T/smoke.time" ||
	fail "smoke.suite is planned to take $(cat "$T/smoke.time"), more than a minute"
q=$(wc -l <"$T/quick.labels")
f=$(wc -l <"$T/full.labels")
sweeps=$(grep -c -- "-sweep-t$ncpu\$" "$T/full.labels")
[ "$sweeps" -ge 5 ] || fail "full.suite: $sweeps sweeps reach --tasks $ncpu, want at least 5"
[ "$((f - q))" -gt "$((sweeps * ncpu))" ] || fail "full.suite ($f entries) adds too little to quick ($q)"
if ! grep -q -- "--tasks 1 .*--label [a-z0-9-]*-sweep-t1 " "$T/full.cmds" ||
	! grep -q -- "--tasks $ncpu .*--label [a-z0-9-]*-sweep-t$ncpu " "$T/full.cmds"; then
	fail "full.suite: --tasks @SWEEP not expanded to LABEL-t1 .. LABEL-t$ncpu"
fi
head -n "$q" "$T/full.labels" | cmp -s - "$T/quick.labels" || fail "full.suite does not start with quick.suite"
# One round per repetition in the shipped suites.
for suite in smoke quick full; do
	if grep -v -- ' --reps 1 ' "$T/$suite.cmds" | grep -q .; then
		fail "$suite.suite: a round of more than one repetition: $(grep -v -- ' --reps 1 ' "$T/$suite.cmds" | head -1)"
	fi
done
pass "smoke ($(wc -l <"$T/smoke.labels") entries, every benchmark, $(cat "$T/smoke.time")), quick ($q, $(cat "$T/quick.time")) and full ($f, $sweeps sweeps to $ncpu tasks, $(cat "$T/full.time")) parse"
