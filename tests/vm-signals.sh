#!/usr/bin/env bash
# tests/vm-signals.sh: runners/vm.sh when a boot hangs or a run is
# interrupted: the console log is kept with a clear error, no QEMU or other
# process is left behind, and no result set is stored.
#
# Run once by runners/test.sh (step 4), not by make check: it boots Debian's
# 6.12 cloud kernel under TCG.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir

VM=$top_srcdir/runners/vm.sh

# Anything still running whose command line names this test's directory.
leftovers() {
	pgrep -af -- "$T/o" | grep -v "pgrep" || true
}

# ---- a boot that does not reach init in time ---------------------------------
# rdinit=/bin/sh: the kernel boots but starts a shell that waits for input
# that never comes instead of ptbench's init: a hang as far as vm.sh knows.
start=$(date +%s)
expect_exit 1 "$VM" run --kernel debian:6.12 --accel tcg --boot-timeout 15 \
	--append rdinit=/bin/sh --out "$T/o" --label hang
elapsed=$(($(date +%s) - start))
grep -q "the guest did not reach its init within 15s (--boot-timeout); the console log is kept: $T/o/.hang.vm/console.log" "$T/err" ||
	fail "boot timeout: want the timeout message naming the console log, got: $(cat "$T/err")"
grep -q 'Run /bin/sh as init process' "$T/o/.hang.vm/console.log" ||
	fail "boot timeout: the console log kept does not show the boot: $(tail -n 5 "$T/o/.hang.vm/console.log")"
[ ! -e "$T/o/hang" ] || fail "boot timeout: a result set was stored"
[ -z "$(leftovers)" ] || fail "boot timeout: left running: $(leftovers)"
[ "$elapsed" -lt 90 ] || fail "boot timeout: vm.sh took ${elapsed}s to give up after 15s"
pass "a boot past --boot-timeout is killed: exit 1, console log kept, nothing left running"

# ---- SIGTERM and SIGINT while the suite runs -----------------------------------
printf 'reps 1\nlong mmap-churn --size 16M --touch none --duration 60\n' >"$T/long.suite"
# Job control on: a background job of a non-interactive shell would start
# with SIGINT ignored, and an ignored signal cannot be trapped.
set -m
for sig in TERM INT; do
	label=sig$sig
	"$VM" run --kernel debian:6.12 --accel tcg --suite "$T/long.suite" \
		--out "$T/o" --label "$label" >"$T/$label.out" 2>"$T/$label.err" &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		if grep -aq '^\[1/1\] long' "$T/o/.$label.vm/console.log" 2>/dev/null; then
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	grep -aq '^\[1/1\] long' "$T/o/.$label.vm/console.log" ||
		fail "SIG$sig: the suite did not start in the guest: $(cat "$T/$label.err")"
	[ -n "$(leftovers)" ] || fail "SIG$sig: no QEMU running while the suite runs?"
	kill -s "$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	want=143
	[ "$sig" = TERM ] || want=130
	[ "$rc" -eq "$want" ] || fail "SIG$sig: vm.sh exited $rc, want $want: $(cat "$T/$label.err")"
	for ((i = 0; i < 50; i++)); do
		[ -n "$(leftovers)" ] || break
		sleep 0.1
	done
	[ -z "$(leftovers)" ] || fail "SIG$sig: left running: $(leftovers)"
	[ ! -e "$T/o/$label" ] || fail "SIG$sig: a result set was stored"
	pass "SIG$sig during the suite: exit $rc, QEMU and the console follower gone, no set stored"
done
