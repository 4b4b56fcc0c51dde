#!/usr/bin/env bash
# tests/build-kernel.sh: runners/build-kernel.sh without building a kernel:
# bad usage, and its configuration, checks, cache, failures and signals on a
# fake kernel tree (--src) whose Makefile only imitates tinyconfig,
# olddefconfig and bzImage.

set -eu

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
# shellcheck source=SCRIPTDIR/lib.sh
. "$top_srcdir/tests/lib.sh"

BK=$top_srcdir/runners/build-kernel.sh

for tool in make gcc flex bison bc xz jq; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is not installed (build-kernel.sh checks for it before anything else)"
done
[ -f /usr/include/libelf.h ] || skip "libelf-dev is not installed"
_pt_need_jq

pt_tmpdir
export PTBENCH_CACHE=$T/cache
K=$T/k

# ---- a fake kernel tree ------------------------------------------------------------
# tinyconfig writes a small .config; olddefconfig imitates the one Kconfig
# rule that matters here (PARAVIRT selects MMU_GATHER_RCU_TABLE_FREE), and
# drops $FAKE_DROP or forces the RCU option ($FAKE_FORCE_RCU) to imitate a
# configuration that does not come out as asked. bzImage fails with
# $FAKE_FAIL, sleeps $FAKE_SLEEP first (the sleep's pid in $FAKE_PIDFILE).
# Each target is logged in $FAKE_CALLS.
tree=$T/linux
mkdir -p "$tree"
cat >"$tree/Makefile" <<'EOF'
VERSION = 9
PATCHLEVEL = 9
SUBLEVEL = 9
EXTRAVERSION =
O ?= .
tinyconfig olddefconfig bzImage:
	@sh $(CURDIR)/fake.sh $@ $(O)
EOF
cat >"$tree/fake.sh" <<'EOF'
set -e
target=$1 o=$2
[ -z "${FAKE_CALLS:-}" ] || echo "$target" >>"$FAKE_CALLS"
c=$o/.config
case $target in
tinyconfig)
	printf '%s\n' 'CONFIG_CC_VERSION_TEXT="fake cc"' '# CONFIG_64BIT is not set' \
		'# CONFIG_SMP is not set' 'CONFIG_NR_CPUS=1' 'CONFIG_SLUB_TINY=y' >"$c"
	;;
olddefconfig)
	grep -v '^CONFIG_MMU_GATHER_RCU_TABLE_FREE=' "$c" >"$c.t" || true
	if grep -qx 'CONFIG_PARAVIRT=y' "$c.t" || [ -n "${FAKE_FORCE_RCU:-}" ]; then
		echo CONFIG_MMU_GATHER_RCU_TABLE_FREE=y >>"$c.t"
	fi
	if [ -n "${FAKE_DROP:-}" ]; then
		grep -v "^$FAKE_DROP=" "$c.t" >"$c.u" || true
		mv "$c.u" "$c.t"
	fi
	mv "$c.t" "$c"
	;;
bzImage)
	if [ -n "${FAKE_SLEEP:-}" ]; then
		# A grandchild of make, as a compiler is: only stopping the
		# whole process group stops it.
		sleep "$FAKE_SLEEP" &
		echo $! >"$FAKE_PIDFILE"
		wait
	fi
	if [ -n "${FAKE_FAIL:-}" ]; then
		echo "mm/fake.c:1:1: error: fake compile failure" >&2
		exit 1
	fi
	mkdir -p "$o/arch/x86/boot" "$o/include/config"
	echo "fake kernel" >"$o/arch/x86/boot/bzImage"
	echo 9.9.9-fake >"$o/include/config/kernel.release"
	echo "ffffffff81000000 T _text" >"$o/System.map"
	;;
esac
EOF
export FAKE_CALLS=$T/calls
: >"$FAKE_CALLS"

calls() {
	tr '\n' ' ' <"$FAKE_CALLS" | sed 's/ $//'
}

# no_leftovers: no temporary directory in the cache.
no_leftovers() {
	[ -z "$(find "$K" -maxdepth 1 -name '.work.*' 2>/dev/null)" ] ||
		fail "a .work directory is left in $K: $(ls -a "$K")"
}

kernel_dirs() {
	find "$K" -mindepth 1 -maxdepth 1 -name 'src-*' 2>/dev/null | wc -l
}

# ---- bad usage ------------------------------------------------------------------------
expect_exit 0 "$BK" --help
grep -q -- '--rcu-table-free on|off' "$T/out" || fail "--help lacks --rcu-table-free"
grep -q 'MMU_GATHER_RCU_TABLE_FREE' "$T/out" || fail "--help does not name the option"
grep -q '\.cache/ptbench}/kernels' "$T/out" || fail "--help does not describe the cache"

# bad_usage PATTERN ARG...: exit 2, one message naming the problem.
bad_usage() {
	local pattern=$1
	shift
	expect_exit 2 "$BK" "$@"
	grep -q "^build-kernel.sh: .*$pattern" "$T/err" ||
		fail "$*: the message does not match '$pattern': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$*: printed on stdout: $(cat "$T/out")"
}
bad_usage "unknown option '--frobnicate'" --rcu-table-free on --frobnicate
bad_usage "option --rcu-table-free needs a value" --rcu-table-free
bad_usage "option --config-fragment needs a value" --rcu-table-free on --config-fragment
bad_usage "option --out needs a value" --rcu-table-free on --out
bad_usage "option --jobs needs a value" --rcu-table-free on --jobs
bad_usage "on or off, not 'maybe'" --rcu-table-free maybe
bad_usage "on or off, not 'ON'" --rcu-table-free ON
bad_usage "--rcu-table-free on|off is required" --src "$tree"
bad_usage "cannot read the file '$T/nonexistent'" --rcu-table-free on \
	--config-fragment "$T/nonexistent"
bad_usage "cannot read the file '$T'" --rcu-table-free on --config-fragment "$T"
if [ "$(id -u)" -ne 0 ]; then
	printf 'CONFIG_FOO=y\n' >"$T/unreadable.config"
	chmod 000 "$T/unreadable.config"
	bad_usage "cannot read the file" --rcu-table-free on --config-fragment "$T/unreadable.config"
fi
printf 'CONFIG_FOO=y\nFOO BAR\n' >"$T/garbage.config"
bad_usage "garbage.config:2: FOO BAR: not a Kconfig fragment line" --rcu-table-free on \
	--config-fragment "$T/garbage.config"
bad_usage "unknown source package 'linux-source-9.9'" --rcu-table-free on \
	--source-package linux-source-9.9
bad_usage "unknown source package 'bash'" --rcu-table-free on --source-package bash
bad_usage "positive integer, not '0'" --rcu-table-free on --jobs 0
bad_usage "positive integer, not 'two'" --rcu-table-free on --jobs two
bad_usage "no kernel tree" --rcu-table-free on --src "$T/nonexistent"
touch "$T/file"
bad_usage "exists and is not a directory" --rcu-table-free on --out "$T/file"
mkdir -p "$T/dirty"
cp "$tree/Makefile" "$T/dirty/"
touch "$T/dirty/.config"
bad_usage "clean tree" --rcu-table-free on --src "$T/dirty" --out "$K"
[ "$(calls)" = "" ] || fail "make ran for a bad usage: $(calls)"
pass "bad usage: exit 2 and one message"

# ---- a build, then the cache ----------------------------------------------------------
expect_exit 0 "$BK" --rcu-table-free on --src "$tree" --out "$K" --jobs 3
img=$(tail -n 1 "$T/out")
case $img in
"$K"/src-linux-*-*/bzImage) ;;
*) fail "the last line of stdout is not the bzImage's path in $K: '$img'" ;;
esac
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "more than the path on stdout: $(cat "$T/out")"
[ "$(cat "$img")" = "fake kernel" ] || fail "$img is not the built bzImage"
dir=$(dirname "$img")
hash=${dir##*-}
[ "$(sha256sum "$dir/config" | cut -c1-16)" = "$hash" ] ||
	fail "the directory's hash $hash is not the sha256 of its config"
grep -qx 'CONFIG_PARAVIRT=y' "$dir/config" || fail "on: no CONFIG_PARAVIRT=y"
grep -qx 'CONFIG_MMU_GATHER_RCU_TABLE_FREE=y' "$dir/config" || fail "on: no RCU table free"
grep -qx 'CONFIG_LOCALVERSION="-ptbench-rcu"' "$dir/config" || fail "on: no LOCALVERSION"
grep -qx 'CONFIG_SMP=y' "$dir/config" || fail "the base fragment was not merged"
grep -qx 'CONFIG_SERIAL_8250_RUNTIME_UARTS=4' "$dir/config" || fail "no 4 UARTs"
grep -qx '# CONFIG_SLUB_TINY is not set' "$dir/config" || fail "tinyconfig's SLUB_TINY not overridden"
[ "$(grep -c 'CONFIG_SMP[= ]' "$dir/config")" -eq 1 ] || fail "CONFIG_SMP twice in the config"
for f in System.map build.log; do
	[ -f "$dir/$f" ] || fail "no $f next to the bzImage"
done
[ "$(calls)" = "tinyconfig olddefconfig bzImage" ] || fail "make targets: $(calls)"
grep -q 'make -j3 bzImage' "$T/err" || fail "--jobs 3 not used: $(cat "$T/err")"
info=$dir/build-info.json
jq_true "$info" '.rcu_table_free == "on" and .config_hash == "'"$hash"'"' "build-info: rcu, hash"
jq_true "$info" '.kernel_version == "9.9.9" and .release == "9.9.9-fake" and .source_package == null' \
	"build-info: versions"
jq_true "$info" '(.config | index("CONFIG_PARAVIRT=y")) != null and
	(.config | index("CONFIG_MMU_GATHER_RCU_TABLE_FREE=y")) != null' "build-info: config lines"
jq_true "$info" '(.build_seconds | type) == "number" and .jobs == 3' "build-info: time, jobs"
jq_true "$info" '(.fragments | length) == 2 and (.fragments[0].path | endswith("qemu-guest.config"))' \
	"build-info: fragments"
no_leftovers
pass "a build: bzImage path last on stdout, config, build-info.json, hash-named directory"

: >"$FAKE_CALLS"
expect_exit 0 "$BK" --rcu-table-free on --src "$tree" --out "$K"
[ "$(tail -n 1 "$T/out")" = "$img" ] || fail "the cached call printed $(cat "$T/out")"
grep -q 'cached' "$T/err" || fail "the cached call does not say so: $(cat "$T/err")"
[ "$(calls)" = "" ] || fail "the quick lookup ran make: $(calls)"
rm -rf "$K/.index"
expect_exit 0 "$BK" --rcu-table-free on --src "$tree" --out "$K"
[ "$(tail -n 1 "$T/out")" = "$img" ] || fail "the config-hash lookup printed $(cat "$T/out")"
[ "$(calls)" = "tinyconfig olddefconfig" ] || fail "the config-hash lookup built: $(calls)"
: >"$FAKE_CALLS"
expect_exit 0 "$BK" --rcu-table-free on --src "$tree" --out "$K" --force
[ "$(tail -n 1 "$T/out")" = "$img" ] || fail "--force printed $(cat "$T/out")"
[ "$(calls)" = "tinyconfig olddefconfig bzImage" ] || fail "--force did not build: $(calls)"
[ "$(kernel_dirs)" -eq 1 ] || fail "--force left $(kernel_dirs) kernel directories"
no_leftovers
pass "the cache: quick lookup without make, config-hash lookup without a build, --force rebuilds"

# ---- off, fragments ----------------------------------------------------------------------
expect_exit 0 "$BK" --rcu-table-free off --src "$tree" --out "$K"
off_img=$(tail -n 1 "$T/out")
[ "$off_img" != "$img" ] || fail "off gave the same kernel as on"
off_dir=$(dirname "$off_img")
grep -qx '# CONFIG_PARAVIRT is not set' "$off_dir/config" || fail "off: PARAVIRT not unset"
grep -qx '# CONFIG_KVM_GUEST is not set' "$off_dir/config" || fail "off: KVM_GUEST not unset"
! grep -q 'CONFIG_MMU_GATHER_RCU_TABLE_FREE=y' "$off_dir/config" || fail "off: RCU table free"
grep -qx 'CONFIG_LOCALVERSION="-ptbench-norcu"' "$off_dir/config" || fail "off: no LOCALVERSION"
jq_true "$off_dir/build-info.json" '.rcu_table_free == "off"' "build-info: off"

printf 'CONFIG_FOO=y\nCONFIG_PARAVIRT=y\nCONFIG_LOCALVERSION="-mine"\n' >"$T/user.config"
expect_exit 0 "$BK" --rcu-table-free off --src "$tree" --out "$K" \
	--config-fragment "$T/user.config" --print-config
grep -qx 'CONFIG_FOO=y' "$T/out" || fail "the user's fragment was not merged"
grep -qx '# CONFIG_PARAVIRT is not set' "$T/out" || fail "the user's fragment won over --rcu-table-free"
grep -qx 'CONFIG_LOCALVERSION="-mine"' "$T/out" || fail "the user's LOCALVERSION was replaced"
grep -q 'warning: --rcu-table-free off sets CONFIG_PARAVIRT=n, over CONFIG_PARAVIRT=y' "$T/err" ||
	fail "no warning about the overridden CONFIG_PARAVIRT: $(cat "$T/err")"
grep -q '(not built)' "$T/err" || fail "--print-config does not say the kernel is not built"
[ "$(kernel_dirs)" -eq 2 ] || fail "--print-config built a kernel"

FAKE_DROP=CONFIG_KALLSYMS expect_exit 0 "$BK" --rcu-table-free on --src "$tree" --out "$K" \
	--print-config
grep -q 'warning: CONFIG_KALLSYMS=y was asked, the configuration has CONFIG_KALLSYMS=n' "$T/err" ||
	fail "no warning about an option that did not stick: $(cat "$T/err")"
no_leftovers
pass "off unsets PARAVIRT, a fragment is merged before --rcu-table-free, options that did not stick are warned about"

# ---- refusals and failures ---------------------------------------------------------------
refused() {
	local pattern=$1
	shift
	expect_exit 1 "$@"
	grep -q "^build-kernel.sh: refusing to build: .*$pattern" "$T/err" ||
		fail "$*: no refusal matching '$pattern': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "a refusal printed on stdout: $(cat "$T/out")"
	[ "$(kernel_dirs)" -eq 2 ] || fail "a refused configuration left a kernel directory"
	no_leftovers
}
: >"$FAKE_CALLS"
FAKE_FORCE_RCU=1 refused "--rcu-table-free off asks for CONFIG_MMU_GATHER_RCU_TABLE_FREE unset" \
	"$BK" --rcu-table-free off --src "$tree" --out "$K" --force
FAKE_DROP=CONFIG_MMU_GATHER_RCU_TABLE_FREE refused \
	"--rcu-table-free on asks for CONFIG_MMU_GATHER_RCU_TABLE_FREE=y" \
	"$BK" --rcu-table-free on --src "$tree" --out "$K" --force
FAKE_DROP=CONFIG_SERIAL_8250_CONSOLE refused "CONFIG_SERIAL_8250_CONSOLE" \
	"$BK" --rcu-table-free on --src "$tree" --out "$K" --force
printf '# CONFIG_SMP is not set\nCONFIG_SERIAL_8250_RUNTIME_UARTS=1\n' >"$T/nosmp.config"
refused "CONFIG_SMP .*RUNTIME_UARTS>=2" \
	"$BK" --rcu-table-free on --src "$tree" --out "$K" --config-fragment "$T/nosmp.config"
if grep -q bzImage "$FAKE_CALLS"; then fail "a refused configuration was built"; fi
pass "refused: RCU table free not as asked, a required option missing (exit 1)"

printf 'CONFIG_BAR=y\n' >"$T/bar.config"
FAKE_FAIL=1 expect_exit 1 "$BK" --rcu-table-free on --src "$tree" --out "$K" \
	--config-fragment "$T/bar.config"
grep -q 'mm/fake.c:1:1: error: fake compile failure' "$T/err" || fail "no log tail: $(cat "$T/err")"
grep -q 'build-kernel.sh: the build (make -j[0-9]* bzImage) failed' "$T/err" ||
	fail "no failure message: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "a failed build printed on stdout: $(cat "$T/out")"
[ "$(kernel_dirs)" -eq 2 ] || fail "a failed build left a kernel directory"
no_leftovers
pass "a compile failure: exit 1 with the end of the log"

# ---- signals ----------------------------------------------------------------------------
export FAKE_PIDFILE=$T/fake.pid
FAKE_SLEEP=60 "$BK" --rcu-table-free on --src "$tree" --out "$K" \
	--config-fragment "$T/bar.config" >"$T/sig.out" 2>"$T/sig.err" &
bkpid=$!
kill_quiet() { kill "$1" 2>/dev/null || true; }
pt_at_exit kill_quiet "$bkpid"
for _ in $(seq 100); do
	[ ! -s "$FAKE_PIDFILE" ] || break
	sleep 0.1
done
[ -s "$FAKE_PIDFILE" ] || fail "the fake build did not start: $(cat "$T/sig.err")"
fakepid=$(cat "$FAKE_PIDFILE")
pt_at_exit kill_quiet "$fakepid"
kill -TERM "$bkpid"
rc=0
wait "$bkpid" || rc=$?
[ "$rc" -eq 143 ] || fail "SIGTERM: exit status $rc, want 143: $(cat "$T/sig.err")"
sleep 0.2
if kill -0 "$fakepid" 2>/dev/null; then fail "the build is still running after SIGTERM"; fi
[ ! -s "$T/sig.out" ] || fail "an interrupted build printed $(cat "$T/sig.out")"
[ "$(kernel_dirs)" -eq 2 ] || fail "an interrupted build left a kernel directory"
no_leftovers
pass "SIGTERM stops the build, exits 143 and leaves nothing"
