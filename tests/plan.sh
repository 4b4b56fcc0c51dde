#!/usr/bin/env bash
# ptbench plan: a suite with comments, reps and rounds lines, an include,
# @ALL, @SWEEP and a kernbench entry becomes the plan expected to the last
# argument, with the times of the benchmarks' real defaults; --reps,
# --rounds and --cpus change it as they should; every malformed suite of
# tests/run-suite.sh, and a bad option in the last entry, is refused with
# FILE:LINE, exit 2 and nothing on stdout, with run's own message; the
# shipped suites plan.
# shellcheck disable=SC2016 # jq programs and suite lines in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir
_pt_need_jq

P=$T/plan.json

# plan ARGS...: ptbench plan, exit 0, nothing on stderr; the plan in $P.
plan() {
	expect_exit 0 "$PTBENCH" plan "$@"
	[ ! -s "$T/err" ] || fail "plan $*: wrote on stderr: $(cat "$T/err")"
	cp "$T/out" "$P"
	"$JQ" -e . "$P" >/dev/null || fail "plan $*: stdout is not JSON: $(head -c 300 "$P")"
}

# pj [--arg NAME VALUE | --argjson NAME VALUE]... EXPR DESC: fail with DESC,
# and what EXPR gives, unless EXPR is true of the plan.
pj() {
	local -a args=()
	local value
	while [ "$1" = --arg ] || [ "$1" = --argjson ]; do
		args+=("$1" "$2" "$3")
		shift 3
	done
	"$JQ" -e "${args[@]}" "$1" "$P" >/dev/null 2>&1 && return 0
	value=$("$JQ" -c "${args[@]}" "$1" "$P" 2>&1 | head -c 2000) || true
	fail "$2: jq '$1' gives: ${value:-(no output)}"
}

# ---- a good suite ------------------------------------------------------------

S=$T/suites
mkdir -p "$S/inc"
cat >"$S/main.suite" <<'EOF'
# The suite of tests/plan.sh.
reps 4   # a comment after a line
rounds 2
e1 mmap-churn --size 16M --duration 0.2 --warmup 0
	# an indented comment

include inc/second.suite
e3 tlb-shootdown --tasks @ALL --pages 1 #a word starting with '#' ends the line
sw pt-teardown --tables 8 --tasks @SWEEP --duration 1 --warmup 0.25
kb kernbench -n 2 -f --config tinyconfig
EOF
cat >"$S/inc/second.suite" <<'EOF'
reps 9   # ignored: only the suite planned sets the default
e2 pt-teardown --tables=@ALL --tasks=@ALL --iterations 100
EOF

cd "$S" || fail "cd $S"
plan --cpus 2 ./main.suite
pj --arg real "$(realpath "$S/main.suite")" '.schema == "ptbench-plan/1" and
	.suite == {name: "main", path: $real, shown: "main.suite"} and
	.reps == 4 and .rounds == 2 and .cpus == 2' "schema, suite (./ dropped), reps, rounds, cpus"
pj '[.entries[] | .label] == ["e1", "e2", "e3", "sw-t1", "sw-t2", "kb"]' "labels, in order"
pj '[.entries[] | .src] == ["main.suite:4", "inc/second.suite:2", "main.suite:8",
	"main.suite:9", "main.suite:9", "main.suite:10"]' "src: FILE:LINE, the include named from the suite"
pj '[.entries[] | .kind] == ["ptbench", "ptbench", "ptbench", "ptbench", "ptbench", "kernbench"]' "kinds"
pj '.entries[1].options == ["--tables=2", "--tasks=2", "--iterations", "100"] and
	.entries[2].options == ["--tasks", "2", "--pages", "1"] and
	.entries[4].options == ["--tables", "8", "--tasks", "2", "--duration", "1", "--warmup", "0.25"]' \
	"@ALL as a word and after =, @SWEEP replaced"
pj '.entries[0].runs == [
	{round: 1, reps: 2, file: ".e1.r1.json", planned_ms: 500,
	 args: ["run", "mmap-churn", "--size", "16M", "--duration", "0.2", "--warmup", "0",
		"--label", "e1", "--reps", "2", "--no-aslr", "-q", "-o", ".e1.r1.json"]},
	{round: 2, reps: 2, file: ".e1.r2.json", planned_ms: 500,
	 args: ["run", "mmap-churn", "--size", "16M", "--duration", "0.2", "--warmup", "0",
		"--label", "e1", "--reps", "2", "--no-aslr", "-q", "-o", ".e1.r2.json"]}]' \
	"e1: two rounds of 2 repetitions, each argument"
pj '.entries[5] == {label: "kb", bench: "kernbench", kind: "kernbench",
	options: ["-n", "2", "-f", "--config", "tinyconfig"], src: "main.suite:10", planned_ms: 450000,
	runs: [{round: 1, reps: null, file: null, planned_ms: 450000,
		args: ["-n", "2", "-f", "--config", "tinyconfig", "--label", "kb", "--out", "."]}]}' \
	"kernbench: one run, its own options, --label and --out ."
# The times, from the defaults of ptbench run (--duration 3, --warmup 0.5)
# and what each entry sets; per round: warm-up + 0.1 s + reps x duration.
#   e1   2 x (0 + 100 + 2 x 200)                            1000
#   e2   --iterations: 1 s a repetition; 2 x (500 + 100 + 2 x 1000)  5200
#   e3   defaults: 2 x (500 + 100 + 2 x 3000)               13200
#   sw   2 x (250 + 100 + 2 x 1000), twice                  4700 x 2
#   kb   (2 x 2 runs + 1) x 90 s                            450000
pj '[.entries[] | .planned_ms] == [1000, 5200, 13200, 4700, 4700, 450000] and
	.planned_ms == 478800 and
	all(.entries[]; .planned_ms == ([.runs[].planned_ms] | add))' \
	"planned_ms from the real defaults, per run, entry and suite"
cat >"$T/want.txt" <<'EOF'
# main.suite, expanded for 2 CPUs (@ALL and @SWEEP replaced)
reps 4
rounds 2
e1 mmap-churn --size 16M --duration 0.2 --warmup 0
e2 pt-teardown --tables=2 --tasks=2 --iterations 100
e3 tlb-shootdown --tasks 2 --pages 1
sw-t1 pt-teardown --tables 8 --tasks 1 --duration 1 --warmup 0.25
sw-t2 pt-teardown --tables 8 --tasks 2 --duration 1 --warmup 0.25
kb kernbench -n 2 -f --config tinyconfig
EOF
"$JQ" -j .suite_text "$P" >"$T/text.txt"
cmp -s "$T/want.txt" "$T/text.txt" || fail "suite_text: $(diff "$T/want.txt" "$T/text.txt")"
pass "a suite with comments, reps, rounds, an include, @ALL, @SWEEP and kernbench: the plan to the last argument"

# suite_text is itself a suite, and plans to itself.
cp "$T/text.txt" "$S/expanded.suite"
plan --cpus 2 expanded.suite
"$JQ" -j .suite_text "$P" | tail -n +2 >"$T/text2.txt"
tail -n +2 "$T/text.txt" | cmp -s - "$T/text2.txt" || fail "suite_text planned again differs: $(cat "$T/text2.txt")"
pass "suite_text is a valid suite that plans to the same entries"

# @SWEEP: the powers of two below the CPU count, then the CPU count.
for c in 1:1 2:1,2 6:1,2,4,6 16:1,2,4,8,16 12:1,2,4,8,12; do
	plan --cpus "${c%%:*}" "$S/main.suite"
	want=${c#*:}
	pj --arg w "$want" '([.entries[] | select(.label | startswith("sw-")) |
		[.label, (.options[3])]] | map(.[0]) == ($w | split(",") | map("sw-t" + .))) and
		all(.entries[] | select(.label | startswith("sw-")); .options[3] == (.label | ltrimstr("sw-t")))' \
		"--cpus ${c%%:*}: sweep labels and --tasks $want"
	pj --argjson n "${c%%:*}" '.cpus == $n and .entries[2].options[1] == ($n | tostring)' \
		"--cpus ${c%%:*}: @ALL is the CPU count"
done
pj '.suite.shown | startswith("/")' "an absolute SUITE_FILE is shown as given"
pass "@SWEEP on 1, 2, 6, 12 and 16 CPUs: 1 / 1 2 / 1 2 4 6 / 1 2 4 8 12 / 1 2 4 8 16, labelled LABEL-tN"

plan main.suite
pj --argjson n "$(nproc)" '.cpus == $n' "without --cpus, the CPUs of nproc"
plan --cpus 2 --reps 5 --rounds 2 main.suite
pj '.reps == 5 and .rounds == 2 and [.entries[0].runs[] | [.reps, .file, .args[-1], .args[-5]]] ==
	[[3, ".e1.r1.json", ".e1.r1.json", "3"], [2, ".e1.r2.json", ".e1.r2.json", "2"]]' \
	"--reps 5 --rounds 2: 3 then 2 repetitions"
plan --cpus 2 --reps=2 --rounds=7 main.suite
pj '.rounds == 2 and [.entries[0].runs[].reps] == [1, 1]' "rounds are capped at the repetitions"
plan --cpus 2 --rounds 1 main.suite
pj '.rounds == 1 and .entries[0].runs == [{round: 1, reps: 4, file: "e1.json", planned_ms: 900,
	args: ["run", "mmap-churn", "--size", "16M", "--duration", "0.2", "--warmup", "0",
	       "--label", "e1", "--reps", "4", "--no-aslr", "-q", "-o", "e1.json"]}] and
	(.entries[5].runs | length) == 1' "one round: LABEL.json, every repetition"
printf 'a mmap-churn --size 16M\n' >"$S/plain.suite"
plan --cpus 2 plain.suite
pj '.reps == 5 and .rounds == 1 and .planned_ms == 15600 and .suite.name == "plain"' \
	"no reps or rounds line: 5 and 1; run defaults: 500 + 100 + 5 x 3000 ms"
pass "--reps, --rounds (capped), --cpus; the defaults"

# ---- the options of the last entry, checked as ptbench run checks them ---------

B=$T/bad
mkdir -p "$B"
cd "$B" || fail "cd $B"
good='ok1 mmap-churn --size 16M --duration 0.2
ok2 fork-exit --rss 16M'
# bad NAME LINE WANT CONTENT [PLAN OPTIONS]: NAME.suite holding CONTENT is
# refused with "ptbench plan: NAME.suite:LINE: ...WANT...", one line, exit
# 2, nothing on stdout.
bad() {
	local name=$1 line=$2 want=$3 file=$1.suite
	printf '%s\n' "$4" >"$file"
	shift 4
	expect_exit 2 "$PTBENCH" plan "$@" "$file"
	[ ! -s "$T/out" ] || fail "$name: wrote on stdout: $(head -c 300 "$T/out")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$name: not one line on stderr: $(cat "$T/err")"
	grep -qF "ptbench plan: $file:$line: " "$T/err" || fail "$name: the message does not name $file:$line: $(cat "$T/err")"
	grep -qF -- "$want" "$T/err" || fail "$name: the message does not say '$want': $(cat "$T/err")"
}
bad size 3 "entry 'big' (mmap-churn): --size 12Q: --size: bad size '12Q': use a number with an optional K, M, G or T suffix (see ptbench run mmap-churn --help)" \
	"$good
big mmap-churn --size 12Q"
bad other-bench 3 "entry 'x' (mmap-churn): --tables: unknown option '--tables'" "$good
x mmap-churn --tables 8"
bad unknown 3 "entry 'x' (fork-exit): --frob=1: unknown option '--frob=1'" "$good
x fork-exit --frob=1"
bad range 3 "entry 'x' (pt-teardown): --tables 0: --tables 0 is out of range (1 to 65536)" "$good
x pt-teardown --tables 0"
bad novalue 3 "entry 'x' (mmap-churn): --touch: option --touch needs a value" "$good
x mmap-churn --touch"
bad choice 3 "--touch some: --touch must be one of none|pmd|all, not 'some'" "$good
x mmap-churn --touch some"
bad negative 3 "--size -5: --size: '-5' is not a number" "$good
x mmap-churn --size -5"
bad validate 3 "entry 'x' (mmap-churn): --size 3M is not a whole number of 2 MiB slots: use 2M or 4M" "$good
x mmap-churn --size 3M"
bad threads 3 "entry 'x' (gup-fast): --mode processes is not possible" "$good
x gup-fast --mode processes"
bad both 3 "entry 'x' (mmap-churn): give --duration or --iterations, not both" "$good
x mmap-churn --duration 1 --iterations 9"
bad tasks 3 "entry 'x' (mmap-churn): 64 tasks but only 2 CPUs to run them on" "$good
x mmap-churn --tasks 64" --cpus 2
bad pin 3 "entry 'x' (mmap-churn): --pin: CPU 7 is not one of the 4 CPUs planned for" "$good
x mmap-churn --pin 0,7" --cpus 4
bad events 3 "entry 'x' (mmap-churn): --events: empty event name" "$good
x mmap-churn --events task-clock,,page-faults"
bad help-value 3 "entry 'x' (mmap-churn): a suite entry cannot ask for --help" "$good
x mmap-churn --help=1"
bad swept 3 "entry 'x-t4' (mmap-churn): 4 tasks but only 2 CPUs" "$good
x mmap-churn --tasks @SWEEP --pin 0,1" --cpus 4
printf 'x mmap-churn --tasks 64\n' >ok.suite
expect_exit 0 "$PTBENCH" plan --cpus 64 ok.suite
pass "a bad option in the last entry: refused with FILE:LINE, the entry, the option and run's message"

# The same message as ptbench run, word for word.
for opts in "--size 12Q" "--frob" "--size 3M" "--tasks 0" "--duration 1 --iterations 9" \
	"--mode sideways" "--events ,"; do
	printf 'x mmap-churn %s\n' "$opts" >same.suite
	# shellcheck disable=SC2086 # the options are words
	expect_exit 2 "$PTBENCH" run mmap-churn $opts
	msg=$(sed 's/^ptbench run mmap-churn: //' "$T/err")
	expect_exit 2 "$PTBENCH" plan same.suite
	case $(cat "$T/err") in
	"ptbench plan: same.suite:1: entry 'x' (mmap-churn): "*"$msg") ;;
	*) fail "plan and run disagree on '$opts': run says '$msg', plan '$(cat "$T/err")'" ;;
	esac
done
pass "plan gives run's own message for each bad option"

# kernbench entries: workloads/kernbench's grammar.
bad kb-runs 3 "entry 'kb' (kernbench): -n x: -n wants a positive integer, not 'x'" "$good
kb kernbench -n x"
bad kb-zero 1 "-c 0: -c wants a positive integer, not '0'" 'kb kernbench -c 0'
bad kb-settle 1 "--settle soon: --settle wants a number of seconds, not 'soon'" 'kb kernbench --settle soon'
bad kb-eq 1 "unknown argument '--settle=5'" 'kb kernbench --settle=5'
bad kb-package 1 "--source-package: linux-source-6.1 or linux-source-6.12, not 'linux-source-5.10'" \
	'kb kernbench --source-package linux-source-5.10'
bad kb-target 1 "--target: vmlinux or all, not 'bzImage'" 'kb kernbench --target bzImage'
bad kb-value 1 "option --config needs a value" 'kb kernbench -f --config'
bad kb-unknown 1 "unknown argument '--jobs'" 'kb kernbench --jobs 4'
bad kb-out 1 "the runner sets --out and --label of kernbench itself" 'kb kernbench --out /tmp'
bad kb-label 1 "the runner sets --out and --label of kernbench itself" 'kb kernbench --label=x'
bad kb-help 1 "the runner sets --out and --label of kernbench itself" 'kb kernbench -h'
bad kb-all 1 "@ALL and @SWEEP are not replaced in kernbench entries" 'kb kernbench -o @ALL'
bad kb-none 1 "nothing to run: every load is disabled" 'kb kernbench -H -O -M'
bad kb-half 1 "nothing to run (half load skipped: 2 CPUs; the others disabled)" 'kb kernbench -O -M' --cpus 2
printf 'kb kernbench -O -M\nkb2 kernbench -s -H -O -M\n' >kb-ok.suite
expect_exit 0 "$PTBENCH" plan --cpus 4 kb-ok.suite
pass "kernbench entries: its options checked in C, the runner's refused"

# ---- the malformed suites of tests/run-suite.sh ----------------------------------

mkdir -p canary
ok_line='e1 mmap-churn --size 16M --duration 0.2'
bad label 2 "bad label 'a/b'" "$ok_line
a/b mmap-churn --duration 0.2"
bad label-dot 1 "may not start with '.'" '.hidden mmap-churn'
bad label-long 1 "label longer than 100 characters" "$(printf 'a%.0s' {1..101}) mmap-churn"
bad bench 3 "unknown benchmark 'no-such-bench' (ptbench list: fork-exit gup-fast mmap-churn pt-teardown tlb-shootdown kernbench)" "# comment

x no-such-bench --duration 0.2"
bad no-bench 1 "entry 'lonely' has no benchmark" 'lonely'
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
bad ctrl 1 "character \$'\\r' not allowed in \$'16M\\r'" "$(printf 'x mmap-churn --size 16M\r')"
bad star 1 "character '*' not allowed in '16*M'" 'x mmap-churn --size 16*M'
bad output 2 "the runner sets -o, --label, -q and --no-aslr itself" "$ok_line
x mmap-churn --size 16M -o $B/pwned"
bad output-long 1 "the runner sets" "x mmap-churn --output=$B/pwned"
bad label-opt 1 "the runner sets" 'x mmap-churn --label other'
bad reps-opt 1 "'--reps': the runner sets --reps" 'x mmap-churn --reps 3'
bad quiet 1 "the runner sets" 'x mmap-churn --quiet'
bad aslr 1 "the runner sets" 'x mmap-churn --no-aslr'
bad help 1 "the runner sets" 'x mmap-churn --help'
bad short 1 "'-t': use long options (--name) in suites" 'x mmap-churn -t 2'
bad token 1 "'@BIG': unknown token" 'x mmap-churn --size @BIG'
bad sweep 1 "@SWEEP is only allowed as the value of --tasks" 'x mmap-churn --size @SWEEP'
bad sweep-two 1 "more than one @SWEEP" 'x mmap-churn --tasks @SWEEP --tasks=@SWEEP'
bad reps-late 2 "reps must come before the first entry or include" "$ok_line
reps 3"
bad rounds-late 2 "rounds must come before the first entry or include" "include ok.suite
rounds 3"
bad reps-zero 1 "reps takes one whole number from 1 to 99999" 'reps 0'
bad reps-two 1 "reps takes one whole number" 'reps 1 2'
bad reps-again 2 "a second reps line" 'reps 1
reps 2'
bad include-words 1 "include takes one file name, got 2 words" 'include a b'
bad include-name 1 "include 'a:b': file names use letters, digits and . _ + / -" 'include a:b'
bad dup 3 "duplicate label 'e1' (first at dup.suite:1)" "$ok_line
# again:
e1 fork-exit --rss 16M"
bad sweep-dup 2 "duplicate label 'x-t1' (first at sweep-dup.suite:1)" "x-t1 mmap-churn
x mmap-churn --tasks @SWEEP"
bad missing-include 2 "include missing.suite: no such readable file" "$ok_line
include missing.suite"
bad self-include 1 "include cycle: self-include.suite -> self-include.suite" "include self-include.suite"
# A cycle through two files, found in the second one, and the chain.
mkdir -p sub
printf '# loops back\ninclude ../cycle-a.suite\n' >sub/cycle-b.suite
printf '%s\ninclude sub/cycle-b.suite\n' "$ok_line" >cycle-a.suite
expect_exit 2 "$PTBENCH" plan cycle-a.suite
[ "$(cat "$T/err")" = "ptbench plan: sub/cycle-b.suite:2: include cycle: cycle-a.suite -> sub/cycle-b.suite -> sub/../cycle-a.suite" ] ||
	fail "cycle: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "cycle: wrote on stdout"
# A duplicate label across an include names both places.
printf 'z fork-exit --rss 16M\ne1 fork-exit --rss 16M\n' >inc-dup.suite
printf '%s\ninclude inc-dup.suite\n' "$ok_line" >dup-main.suite
expect_exit 2 "$PTBENCH" plan dup-main.suite
[ "$(cat "$T/err")" = "ptbench plan: inc-dup.suite:2: duplicate label 'e1' (first at dup-main.suite:1)" ] ||
	fail "include duplicate: $(cat "$T/err")"
printf '# nothing\n\nreps 2\n' >empty.suite
expect_exit 2 "$PTBENCH" plan empty.suite
[ "$(cat "$T/err")" = "ptbench plan: empty.suite: the suite has no entries" ] || fail "empty suite: $(cat "$T/err")"
if [ ! -d canary ] || [ -e pwned ]; then
	fail "a suite line was executed"
fi
pass "malformed suites: each refused with FILE:LINE, one line, exit 2, nothing on stdout"

# Bad command lines.
for args in "" "--reps 0 ok.suite" "--reps x ok.suite" "--rounds 100000 ok.suite" "--cpus 0 ok.suite" \
	"--cpus" "--bogus ok.suite" "ok.suite ok.suite" "no-such.suite"; do
	# shellcheck disable=SC2086 # the arguments are words
	expect_exit 2 "$PTBENCH" plan $args
	grep -q '^ptbench plan: ' "$T/err" || fail "plan $args: no message: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "plan $args: wrote on stdout"
done
pass "bad command lines: exit 2 with a message"

expect_exit 0 "$PTBENCH" plan --help
for w in 'Suite files:' '@SWEEP' 'include FILE' 'kernbench' 'ptbench-plan/1' 'Exit status: 0' 'suite_text' '--cpus N'; do
	grep -qF -- "$w" "$T/out" || fail "plan --help does not mention '$w'"
done
expect_exit 0 "$PTBENCH" --help
grep -q '^       ptbench plan \[--reps N\] \[--rounds K\] \[--cpus N\] SUITE_FILE$' "$T/out" ||
	fail "ptbench --help does not show plan"
pass "plan --help explains the suite language, the JSON and the exit status; ptbench --help shows plan"

# ---- the shipped suites ------------------------------------------------------------

for f in "$top_srcdir"/workloads/*.suite; do
	plan --cpus 2 "$f"
	pj --argjson rounds "$("$JQ" .rounds "$P")" '(.entries | length) > 0 and .planned_ms == ([.entries[].planned_ms] | add) and
		all(.entries[]; (.runs | length) == (if .kind == "kernbench" then 1 else $rounds end))' \
		"$(basename "$f"): entries, runs, times"
done
pass "every suite of workloads/ plans on 2 CPUs"
