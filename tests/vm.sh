#!/usr/bin/env bash
# tests/vm.sh: runners/vm.sh without booting anything: the initramfs holds
# every library ldd names for its programs (and they run there, chrooted),
# the result transfer round-trips and every kind of damage to it is caught,
# and bad input is refused.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir

VM=$top_srcdir/runners/vm.sh
VMINIT=$top_srcdir/runners/vm-init
[ -x /bin/busybox ] || fail "/bin/busybox missing (busybox-static is in runners/setup.sh's VM packages)"
command -v cpio >/dev/null || fail "cpio missing (in runners/setup.sh's VM packages)"

# ---- initramfs -------------------------------------------------------------

expect_exit 0 "$VM" initramfs --out "$T/i.cpio.gz" --suite smoke
[ "$(head -c 2 "$T/i.cpio.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] ||
	fail "the initramfs is not gzip'd"
mkdir "$T/root"
(cd "$T/root" && gzip -dc "$T/i.cpio.gz" | cpio -id --quiet) || fail "the initramfs does not unpack with cpio"
(cd "$T/root" && find . -mindepth 1 | sed 's|^\.||' | sort) >"$T/list"
for f in /init /bin/busybox /ptbench/bin/ptbench /ptbench/runners/run.sh \
	/ptbench/runners/setup.sh /ptbench/workloads/smoke.suite \
	/ptbench/workloads/quick.suite /ptbench/job /usr/bin/bash /usr/bin/jq \
	/usr/bin/flock /usr/bin/realpath /usr/bin/date; do
	grep -qx -- "$f" "$T/list" || fail "the initramfs lacks $f"
done
cmp -s "$T/root/init" "$VMINIT" || fail "/init is not runners/vm-init"
[ -x "$T/root/init" ] || fail "/init is not executable"
grep -qx "PT_SUITE='smoke.suite'" "$T/root/ptbench/job" || fail "the job file does not name the suite: $(cat "$T/root/ptbench/job")"

# Every library ldd names, for every program put in it, is there.
nlibs=0
check_libs() { # $1: the program on this machine, $2: its path in the initramfs
	local line lib
	[ -e "$T/root$2" ] || fail "the initramfs lacks $2"
	ldd "$1" >"$T/ldd" 2>&1 || fail "ldd $1 failed: $(cat "$T/ldd")"
	while read -r line; do
		case $line in
		*'=> /'*) lib=${line#*=> } lib=${lib%% (*} ;;
		/*) lib=${line%% (*} ;;
		*'not found'*) fail "ldd $1: $line" ;;
		*) continue ;;
		esac
		[ -e "$T/root$lib" ] || fail "the initramfs lacks $lib, which ldd names for $1"
		cmp -s "$lib" "$T/root$lib" || fail "$lib in the initramfs differs from this machine's"
		nlibs=$((nlibs + 1))
	done <"$T/ldd"
}
check_libs "$(realpath "$PTBENCH")" /ptbench/bin/ptbench
nprog=1
while IFS= read -r f; do
	case $f in
	/usr/bin/* | /bin/* | /usr/sbin/*) ;;
	*) continue ;;
	esac
	if [ ! -f "$T/root$f" ] || [ -L "$T/root$f" ]; then
		continue
	fi
	file -b "$T/root$f" | grep -q '^ELF' || continue
	[ "$f" = /bin/busybox ] && continue
	# vm.sh puts every program in /usr/bin: find it here.
	host=''
	for d in /usr/bin /bin /usr/sbin /sbin; do
		if [ -f "$d/${f##*/}" ]; then
			host=$d/${f##*/}
			break
		fi
	done
	[ -n "$host" ] || fail "$f of the initramfs is not on this machine"
	cmp -s "$host" "$T/root$f" || fail "$f in the initramfs differs from $host"
	check_libs "$host" "$f"
	nprog=$((nprog + 1))
done <"$T/list"
[ "$nprog" -ge 50 ] || fail "only $nprog programs checked (bash, jq, flock and coreutils expected)"
file -b "$T/root/bin/busybox" | grep -q 'statically linked' || fail "busybox in the initramfs is not static"
pass "initramfs: $nprog programs, $nlibs library references, each present and identical"

# They really run there, with nothing from this machine.
if [ "$EUID" -eq 0 ] && command -v chroot >/dev/null; then
	# A sanitizer build needs /proc, which the chroot does not have.
	if ldd "$PTBENCH" | grep -q libasan; then
		list=true
		printf 'note: ptbench is built with sanitizers: not run in the chroot\n'
	else
		list=/ptbench/bin/ptbench\ list
	fi
	expect_exit 0 chroot "$T/root" /usr/bin/bash -c \
		"$list && /usr/bin/jq -n 1+1 && /usr/bin/realpath -s -- / && /bin/busybox true"
	[ "$list" = true ] || grep -q '^pt-teardown' "$T/out" ||
		fail "ptbench list in the chroot listed no pt-teardown: $(cat "$T/out")"
	grep -qx 2 "$T/out" || fail "jq in the chroot did not compute 1+1"
	pass "initramfs: ptbench, bash, jq and coreutils run chrooted into it"
else
	printf 'note: not root, the chroot run is not tried\n'
fi

# ---- transfer ------------------------------------------------------------

mkset() { # a set directory with text and binary files
	rm -rf "$T/src" && mkdir -p "$T/src/myset/sub"
	printf '{"a": 1}\n' >"$T/src/myset/a.json"
	head -c 70000 /dev/urandom >"$T/src/myset/sub/blob"
	printf 'line\r\nwith CR\n' >"$T/src/myset/crlf.txt"
}
mkset
expect_exit 0 /bin/busybox sh "$VMINIT" --send "$T/src" myset 0 "$T/x.txt"
head -n 1 "$T/x.txt" | grep -Eq '^PTBENCH-XFER 1 BEGIN [0-9]+ [0-9a-f]{64} 0$' ||
	fail "bad BEGIN line: $(head -n 1 "$T/x.txt")"
tail -n 1 "$T/x.txt" | grep -Eq '^PTBENCH-XFER 1 END [0-9]+ [0-9a-f]{64} 0$' ||
	fail "bad END line: $(tail -n 1 "$T/x.txt")"
mkdir "$T/d"
expect_exit 0 "$VM" decode "$T/x.txt" "$T/d"
[ "$(cat "$T/out")" = "myset 0" ] || fail "decode printed '$(cat "$T/out")', want 'myset 0'"
diff -r "$T/src/myset" "$T/d/myset" >/dev/null || fail "the decoded set differs from the one sent"
# What a serial line may add: carriage returns before each newline.
sed 's/$/\r/' "$T/x.txt" >"$T/xcr.txt"
rm -rf "$T/d" && mkdir "$T/d"
expect_exit 0 "$VM" decode "$T/xcr.txt" "$T/d"
diff -r "$T/src/myset" "$T/d/myset" >/dev/null || fail "the set decoded from CRLF lines differs"
# run.sh's exit status travels with it.
expect_exit 0 /bin/busybox sh "$VMINIT" --send "$T/src" myset 3 "$T/x3.txt"
rm -rf "$T/d" && mkdir "$T/d"
expect_exit 0 "$VM" decode "$T/x3.txt" "$T/d"
[ "$(cat "$T/out")" = "myset 3" ] || fail "decode printed '$(cat "$T/out")', want 'myset 3'"
pass "transfer: a set with binary data round-trips, CRLF lines too, with run.sh's status"

# Damaged transfers: each one refused (exit 1, its reason), nothing unpacked.
damaged() { # $1: file, $2: the message expected, $3: what was done
	rm -rf "$T/d" && mkdir "$T/d"
	expect_exit 1 "$VM" decode "$1" "$T/d"
	grep -q -- "$2" "$T/err" || fail "$3: want '$2', got: $(cat "$T/err")"
	[ -z "$(ls -A "$T/d")" ] || fail "$3: something was unpacked: $(ls -A "$T/d")"
}
n=$(wc -l <"$T/x.txt")
head -n $((n / 2)) "$T/x.txt" >"$T/trunc.txt"
damaged "$T/trunc.txt" "truncated transfer: no END line" "cut in the middle"
head -c -20 "$T/x.txt" >"$T/trunc2.txt"
damaged "$T/trunc2.txt" "truncated transfer: the END line in .* is incomplete" "cut inside the END line"
: >"$T/empty.txt"
damaged "$T/empty.txt" "no transfer received" "empty"
damaged "$T/nonexistent.txt" "no transfer received" "missing"
# One base64 character changed in the middle: same size, other digest.
awk -v m=$((n / 2)) 'NR == m { c = substr($0, 10, 1); r = (c == "A") ? "B" : "A";
	$0 = substr($0, 1, 9) r substr($0, 11) } { print }' "$T/x.txt" >"$T/flip.txt"
cmp -s "$T/x.txt" "$T/flip.txt" && fail "the corruption changed nothing"
damaged "$T/flip.txt" "corrupt transfer: got" "one character changed"
# A line lost.
sed "$((n / 2))d" "$T/x.txt" >"$T/lost.txt"
damaged "$T/lost.txt" "corrupt transfer: got" "one line lost"
# A line doubled.
sed "$((n / 2))p" "$T/x.txt" >"$T/dup.txt"
damaged "$T/dup.txt" "corrupt transfer: got" "one line doubled"
# Not base64.
sed "$((n / 2))s/^..../#%&*/" "$T/x.txt" >"$T/nb64.txt"
damaged "$T/nb64.txt" "corrupt transfer" "garbage characters"
# END line that does not match BEGIN.
sed '$s/ 0$/ 1/' "$T/x.txt" >"$T/end.txt"
damaged "$T/end.txt" "the END line does not match" "END line changed"
# Garbage only.
head -c 3000 /dev/urandom | base64 >"$T/noise.txt"
damaged "$T/noise.txt" "no BEGIN line" "noise"
# A valid transfer of an archive with two top directories (not a set).
mkdir -p "$T/two/a" "$T/two/b" && touch "$T/two/a/x" "$T/two/b/y"
tar -C "$T/two" -czf "$T/two.tgz" a b
bytes=$(stat -c %s "$T/two.tgz")
sum=$(sha256sum "$T/two.tgz" | cut -d' ' -f1)
{
	echo "PTBENCH-XFER 1 BEGIN $bytes $sum 0"
	base64 "$T/two.tgz"
	echo "PTBENCH-XFER 1 END $bytes $sum 0"
} >"$T/twodirs.txt"
damaged "$T/twodirs.txt" "does not unpack into one set directory" "two top directories"
pass "transfer: truncation, a changed character, a lost or doubled line, garbage, a changed END line and a foreign archive are all refused"

# ---- bad input -------------------------------------------------------------

bad() { # $1: message expected, then the arguments
	local want=$1
	shift
	expect_exit 2 "$VM" "$@"
	grep -q -- "$want" "$T/err" || fail "vm.sh $*: want '$want', got: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "vm.sh $*: more than one line: $(cat "$T/err")"
}
bad "unknown command 'frobnicate'" frobnicate
bad "unknown option '--frob'" run --kernel debian:6.12 --frob
bad "--kernel SPEC is required" run --suite smoke
bad "--accel 'fast': want auto, kvm or tcg" run --kernel debian:6.12 --accel fast
bad "--mem '2T': want a size" run --kernel debian:6.12 --mem 2T
bad "more than 90% of this machine's available memory" run --kernel debian:6.12 --mem 9999999M
bad "--smp 'x'" run --kernel debian:6.12 --smp x
bad "--boot-timeout '0'" run --kernel debian:6.12 --boot-timeout 0
bad "--variant 'pti': want NAME:append" run --kernel debian:6.12 --variant pti
bad "unknown key in 'smp=2'" run --kernel debian:6.12 --variant x:smp=2
bad "--label '.x'" run --kernel debian:6.12 --label .x
bad "no suite 'nosuch'" run --kernel debian:6.12 --suite nosuch
bad "--kernel debian:six: want debian:MAJOR.MINOR" run --kernel debian:six
bad "--kernel '$T/none': no such readable file" run --kernel "$T/none"
bad "not an x86 Linux kernel image" run --kernel /etc/passwd
bad "the running kernel is not booted in a VM" run --kernel running
bad "initramfs: --out FILE is required" initramfs
pass "bad input: 17 cases, each one line naming the problem, exit 2"

# A suite ptbench plan refuses, or one with kernel compiles, stops before anything
# is fetched or booted.
printf 'reps 1\nx nosuchbench --foo\n' >"$T/bad.suite"
expect_exit 2 "$VM" run --kernel debian:6.12 --suite "$T/bad.suite" --out "$T/vo"
grep -q "bad.suite:2: unknown benchmark 'nosuchbench'" "$T/err" || fail "a bad suite: the planner's reason not shown: $(cat "$T/err")"
grep -q "is not usable (ptbench plan refused it, above)" "$T/err" || fail "a bad suite: no refusal: $(cat "$T/err")"
expect_exit 2 "$VM" run --kernel debian:6.12 --suite kernbench --out "$T/vo"
grep -q "has kernbench entries" "$T/err" || fail "a kernbench suite in a VM: want a refusal, got: $(cat "$T/err")"
[ ! -e "$T/vo" ] || fail "a refused suite created $T/vo"
pass "a suite run.sh refuses, or one with kernbench entries, stops vm.sh before any boot (exit 2)"

# compare.sh --kernel: refused before anything boots.
COMPARE=$top_srcdir/runners/compare.sh
cbad() { # $1: message expected, then the arguments
	local want=$1
	shift
	expect_exit 2 "$COMPARE" "$@"
	grep -q -- "$want" "$T/err" || fail "compare.sh $*: want '$want', got: $(cat "$T/err")"
	[ ! -e "$T/cr" ] || fail "compare.sh $*: created $T/cr"
}
cbad "one kernel and no --variant: nothing to compare" --kernel debian:6.12 --results "$T/cr"
cbad "--variant 'bad': want NAME:append=ARGS,cpu=MODEL" --kernel debian:6.12 --variant bad --variant b:append=x --results "$T/cr"
cbad "go with --kernel" "$T" "$T" --variant a:append=x
cbad "either result sets or --kernel specs, not both" "$T" --kernel debian:6.12 --kernel debian:6.1
cbad "--accel 'fast': want auto, kvm or tcg" --kernel debian:6.1 --kernel debian:6.12 --accel fast
cbad "--jobs '0'" --kernel debian:6.1 --kernel debian:6.12 --jobs 0
cbad "'running' natively: their timings cannot be compared" --kernel running --kernel debian:6.12 --accel tcg --results "$T/cr"
cbad "--variant boots a kernel differently: it does not apply to 'running'" --kernel running --variant a:append=x --variant b:append=y --accel kvm --results "$T/cr"
pass "compare.sh --kernel: 8 bad requests refused (exit 2) before anything boots"
