#!/usr/bin/env bash
# tests/build-kernel.sh: runners/build-kernel.sh without building a kernel:
# bad usage, and its patches, configuration, checks, cache, failures and
# signals on fake kernel trees (--src) whose Makefile only imitates
# tinyconfig, olddefconfig and bzImage, with fake patches (--patch-dir).

set -eu

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
# shellcheck source=SCRIPTDIR/lib.sh
. "$top_srcdir/tests/lib.sh"

BK=$top_srcdir/runners/build-kernel.sh

for tool in make gcc flex bison bc xz jq patch; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is not installed (build-kernel.sh checks for it before anything else)"
done
[ -f /usr/include/libelf.h ] || skip "libelf-dev is not installed"
_pt_need_jq

pt_tmpdir
# The cache of this machine, where Debian's unpacked trees may be (read only).
real_cache=${PTBENCH_CACHE:-${HOME:-/tmp}/.cache/ptbench}
export PTBENCH_CACHE=$T/cache
K=$T/k

# ---- a fake kernel tree ------------------------------------------------------------
# tinyconfig writes a small .config; olddefconfig imitates the Kconfig rules
# that matter here (PARAVIRT selects MMU_GATHER_RCU_TABLE_FREE, the tracers
# select TRACING and EVENT_TRACING), and drops $FAKE_DROP or forces the RCU
# option ($FAKE_FORCE_RCU) to imitate a configuration that does not come out
# as asked. bzImage fails with $FAKE_FAIL, sleeps $FAKE_SLEEP first (the
# sleep's pid in $FAKE_PIDFILE); its System.map has the functions defined
# in the tree's arch/x86/kernel/paravirt.c, as "name(" lines, so a patch
# that adds one shows in it. Each target is logged in $FAKE_CALLS.
# make_tree DIR VERSION PATCHLEVEL: a fake tree.
make_tree() {
	mkdir -p "$1/arch/x86/kernel"
	cat >"$1/Makefile" <<EOF
VERSION = $2
PATCHLEVEL = $3
SUBLEVEL = 9
EXTRAVERSION =
O ?= .
tinyconfig olddefconfig bzImage:
	@sh \$(CURDIR)/fake.sh \$@ \$(O)
EOF
	cp "$T/fake.sh" "$1/fake.sh"
	printf '%s\n' 'native_tlb_remove_table(' '' 'pv_ops = {' '};' '' \
		'EXPORT_SYMBOL(pv_ops);' >"$1/arch/x86/kernel/paravirt.c"
}
cat >"$T/fake.sh" <<'EOF'
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
	if grep -qx 'CONFIG_FTRACE=y' "$c.t"; then
		printf '%s\n' CONFIG_TRACING=y CONFIG_EVENT_TRACING=y >>"$c.t"
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
	{
		echo "ffffffff81000000 T _text"
		awk 'match($0, /[a-z_]+\(/) { print "ffffffff81000100 t " substr($0, RSTART, RLENGTH - 1) }' \
			"$(dirname "$0")/arch/x86/kernel/paravirt.c"
	} >"$o/System.map"
	;;
esac
EOF
tree=$T/linux
make_tree "$tree" 9 9

# The fake boot switch: 9.9/0001 adds parse_pt_table_free() to paravirt.c.
P=$T/patches
mkdir -p "$P/9.9" "$T/pristine/a/arch/x86/kernel" "$T/pristine/b/arch/x86/kernel"
cp "$tree/arch/x86/kernel/paravirt.c" "$T/pristine/a/arch/x86/kernel/"
{
	cat "$tree/arch/x86/kernel/paravirt.c"
	printf '%s\n' '' 'static int __init parse_pt_table_free(char *arg)' '{' '}'
} >"$T/pristine/b/arch/x86/kernel/paravirt.c"
(cd "$T/pristine" && diff -u a/arch/x86/kernel/paravirt.c b/arch/x86/kernel/paravirt.c) \
	>"$P/9.9/0001-fake-boot-switch.patch" || true
grep -q '^+static int __init parse_pt_table_free' "$P/9.9/0001-fake-boot-switch.patch" ||
	fail "could not make the fake patch"
PATCH1=$P/9.9/0001-fake-boot-switch.patch

# tree_sum DIR: one checksum of every file of DIR (to see it unchanged).
tree_sum() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)
}
tree_before=$(tree_sum "$tree")

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
grep -q -- '--kind switchable|paravirt-off' "$T/out" || fail "--help lacks --kind"
grep -q 'pt_table_free=rcu' "$T/out" || fail "--help does not name the boot switch"
grep -q 'MMU_GATHER_RCU_TABLE_FREE' "$T/out" || fail "--help does not name the option"
grep -q '\.cache/ptbench}/kernels' "$T/out" || fail "--help does not describe the cache"
grep -q -- '--patch-dir DIR' "$T/out" || fail "--help lacks --patch-dir"

# bad_usage PATTERN ARG...: exit 2, one message naming the problem.
bad_usage() {
	local pattern=$1
	shift
	expect_exit 2 "$BK" "$@"
	grep -q "^build-kernel.sh: .*$pattern" "$T/err" ||
		fail "$*: the message does not match '$pattern': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$*: printed on stdout: $(cat "$T/out")"
}
bad_usage "unknown option '--frobnicate'" --frobnicate
bad_usage "option --kind needs a value" --kind
bad_usage "option --config-fragment needs a value" --config-fragment
bad_usage "option --out needs a value" --out
bad_usage "option --jobs needs a value" --jobs
bad_usage "option --patch-dir needs a value" --patch-dir
bad_usage "switchable or paravirt-off, not 'on'" --kind on
bad_usage "switchable or paravirt-off, not 'Switchable'" --kind Switchable
for old in "--rcu-table-free on" "--rcu-table-free off" "--rcu-table-free" "--rcu-table-free=on"; do
	# shellcheck disable=SC2086 # split on purpose
	bad_usage "--rcu-table-free was removed: '--kind switchable' replaces 'on' .*'--kind paravirt-off' replaces 'off'" \
		$old --src "$tree"
done
bad_usage "--patch-dir: no such directory '$T/nonexistent'" --patch-dir "$T/nonexistent"
bad_usage "cannot read the file '$T/nonexistent'" --config-fragment "$T/nonexistent"
bad_usage "cannot read the file '$T'" --config-fragment "$T"
if [ "$(id -u)" -ne 0 ]; then
	printf 'CONFIG_FOO=y\n' >"$T/unreadable.config"
	chmod 000 "$T/unreadable.config"
	bad_usage "cannot read the file" --config-fragment "$T/unreadable.config"
fi
printf 'CONFIG_FOO=y\nFOO BAR\n' >"$T/garbage.config"
bad_usage "garbage.config:2: FOO BAR: not a Kconfig fragment line" \
	--config-fragment "$T/garbage.config"
bad_usage "unknown source package 'linux-source-9.9'" --source-package linux-source-9.9
bad_usage "unknown source package 'bash'" --source-package bash
bad_usage "positive integer, not '0'" --jobs 0
bad_usage "positive integer, not 'two'" --jobs two
bad_usage "no kernel tree" --src "$T/nonexistent"
touch "$T/file"
bad_usage "exists and is not a directory" --out "$T/file"
mkdir -p "$T/dirty"
cp "$tree/Makefile" "$T/dirty/"
touch "$T/dirty/.config"
bad_usage "clean tree" --src "$T/dirty" --out "$K"
[ "$(calls)" = "" ] || fail "make ran for a bad usage: $(calls)"
pass "bad usage: exit 2 and one message; --rcu-table-free says what replaced it"

# ---- a series without a patch ------------------------------------------------------------
mkdir -p "$P/9.8" "$P/10.0" "$P/empty"
cp "$PATCH1" "$P/9.8/0001-fake-boot-switch.patch"
cp "$PATCH1" "$P/10.0/0001-fake-boot-switch.patch"
make_tree "$T/linux-9.7" 9 7
expect_exit 2 "$BK" --src "$T/linux-9.7" --out "$K" --patch-dir "$P"
grep -q "^build-kernel.sh: no patch for linux 9.7 (the tree $T/linux-9.7 is 9.7.9): .*$P/9.7/\*.patch; series with a patch: 9.8 9.9 10.0\$" "$T/err" ||
	fail "a series without a patch: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "a series without a patch printed on stdout: $(cat "$T/out")"
expect_exit 2 "$BK" --src "$T/linux-9.7" --out "$K" --patch-dir "$T/pristine"
grep -q "series with a patch: none\$" "$T/err" || fail "no series: $(cat "$T/err")"
[ "$(calls)" = "" ] || fail "make ran for a series without a patch: $(calls)"
# The project's own patches: one per series, each a patch -p1 for paravirt.c.
expect_exit 2 "$BK" --src "$T/linux-9.7" --out "$K"
grep -q "series with a patch: 6.1 6.12\$" "$T/err" || fail "runners/kernel-patches: $(cat "$T/err")"
for f in "$top_srcdir"/runners/kernel-patches/*/*.patch; do
	grep -q '^+++ b/arch/x86/kernel/paravirt.c' "$f" || fail "$f does not patch arch/x86/kernel/paravirt.c"
	grep -q '^+early_param("pt_table_free", parse_pt_table_free);' "$f" || fail "$f: no early_param"
done
pass "a series without a patch: exit 2, listing the series that have one"

# The project's patches against Debian's trees, where build-kernel.sh or
# kernbench has unpacked them already (a dry run: the trees are not changed).
checked=''
for d in "$top_srcdir"/runners/kernel-patches/*/; do
	d=${d%/}
	s=${d##*/}
	t=$real_cache/src/linux-source-$s
	[ -f "$t/Makefile" ] || continue
	[ "$(awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		END { print v "." p }' "$t/Makefile")" = "$s" ] || continue
	for f in "$d"/*.patch; do
		patch -p1 -f -N --fuzz=0 --dry-run -d "$t" -i "$f" >"$T/dry" 2>&1 ||
			fail "$f does not apply to $t: $(cat "$T/dry")"
	done
	checked="$checked $s"
done
pass "runners/kernel-patches apply to Debian's unpacked trees (checked:${checked:- none unpacked in $real_cache/src})"

# ---- a build, then the cache ----------------------------------------------------------
expect_exit 0 "$BK" --src "$tree" --out "$K" --jobs 3 --patch-dir "$P"
img=$(tail -n 1 "$T/out")
case $img in
"$K"/src-linux-*-*/bzImage) ;;
*) fail "the last line of stdout is not the bzImage's path in $K: '$img'" ;;
esac
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "more than the path on stdout: $(cat "$T/out")"
[ "$(cat "$img")" = "fake kernel" ] || fail "$img is not the built bzImage"
dir=$(dirname "$img")
hash=${dir##*-}
[ "$(cat "$dir/config" "$PATCH1" | sha256sum | cut -c1-16)" = "$hash" ] ||
	fail "the directory's hash $hash is not the sha256 of its config and patch"
grep -q 'applied 0001-fake-boot-switch.patch' "$T/err" || fail "the patch was not applied: $(cat "$T/err")"
grep -qx 'ffffffff81000100 t parse_pt_table_free' "$dir/System.map" ||
	fail "the build did not compile the patched tree: $(cat "$dir/System.map")"
[ "$(tree_sum "$tree")" = "$tree_before" ] || fail "the --src tree was changed"
cmp -s "$dir/patches/0001-fake-boot-switch.patch" "$PATCH1" || fail "the patch is not kept beside the kernel"
grep -qx 'CONFIG_PARAVIRT=y' "$dir/config" || fail "switchable: no CONFIG_PARAVIRT=y"
grep -qx 'CONFIG_KVM_GUEST=y' "$dir/config" || fail "switchable: no CONFIG_KVM_GUEST=y"
grep -qx 'CONFIG_MMU_GATHER_RCU_TABLE_FREE=y' "$dir/config" || fail "switchable: no RCU table free"
grep -qx 'CONFIG_LOCALVERSION="-ptbench-switch"' "$dir/config" || fail "switchable: no LOCALVERSION"
grep -qx 'CONFIG_SMP=y' "$dir/config" || fail "the base fragment was not merged"
grep -qx 'CONFIG_SERIAL_8250_RUNTIME_UARTS=4' "$dir/config" || fail "no 4 UARTs"
for o in KPROBES KPROBE_EVENTS FTRACE PERF_EVENTS KALLSYMS; do
	grep -qx "CONFIG_$o=y" "$dir/config" || fail "no CONFIG_$o=y for the path counters"
done
grep -qx '# CONFIG_SLUB_TINY is not set' "$dir/config" || fail "tinyconfig's SLUB_TINY not overridden"
[ "$(grep -c 'CONFIG_SMP[= ]' "$dir/config")" -eq 1 ] || fail "CONFIG_SMP twice in the config"
for f in System.map build.log; do
	[ -f "$dir/$f" ] || fail "no $f next to the bzImage"
done
[ "$(calls)" = "tinyconfig olddefconfig bzImage" ] || fail "make targets: $(calls)"
grep -q 'make -j3 bzImage' "$T/err" || fail "--jobs 3 not used: $(cat "$T/err")"
info=$dir/build-info.json
jq_true "$info" '.kind == "switchable" and .series == "9.9" and .hash == "'"$hash"'" and
	.boot_switch == "pt_table_free=rcu"' "build-info: kind, series, hash"
jq_true "$info" '(.patches | length) == 1 and .patches[0].path == "'"$PATCH1"'" and
	.patches[0].sha256 == "'"$(sha256sum "$PATCH1" | cut -c1-64)"'"' "build-info: the patch"
jq_true "$info" '.config_sha256 == "'"$(sha256sum "$dir/config" | cut -c1-64)"'"' "build-info: config sha256"
jq_true "$info" '.kernel_version == "9.9.9" and .release == "9.9.9-fake" and .source_package == null' \
	"build-info: versions"
jq_true "$info" '(.config | index("CONFIG_PARAVIRT=y")) != null and
	(.config | index("CONFIG_MMU_GATHER_RCU_TABLE_FREE=y")) != null' "build-info: config lines"
jq_true "$info" '(.build_seconds | type) == "number" and .jobs == 3' "build-info: time, jobs"
jq_true "$info" '(.fragments | length) == 2 and (.fragments[0].path | endswith("qemu-guest.config"))' \
	"build-info: fragments"
no_leftovers
pass "switchable: the patch applied to a copy of the tree (not the tree), compiled in, kept beside the kernel; config, build-info.json"

: >"$FAKE_CALLS"
expect_exit 0 "$BK" --src "$tree" --out "$K" --patch-dir "$P"
[ "$(tail -n 1 "$T/out")" = "$img" ] || fail "the cached call printed $(cat "$T/out")"
grep -q 'cached' "$T/err" || fail "the cached call does not say so: $(cat "$T/err")"
[ "$(calls)" = "" ] || fail "the quick lookup ran make: $(calls)"
rm -rf "$K/.index"
expect_exit 0 "$BK" --kind switchable --src "$tree" --out "$K" --patch-dir "$P"
[ "$(tail -n 1 "$T/out")" = "$img" ] || fail "the config-hash lookup printed $(cat "$T/out")"
[ "$(calls)" = "tinyconfig olddefconfig" ] || fail "the config-hash lookup built: $(calls)"
: >"$FAKE_CALLS"
expect_exit 0 "$BK" --src "$tree" --out "$K" --patch-dir "$P" --force
[ "$(tail -n 1 "$T/out")" = "$img" ] || fail "--force printed $(cat "$T/out")"
[ "$(calls)" = "tinyconfig olddefconfig bzImage" ] || fail "--force did not build: $(calls)"
[ "$(kernel_dirs)" -eq 1 ] || fail "--force left $(kernel_dirs) kernel directories"
no_leftovers
pass "the cache: quick lookup without make, config-hash lookup without a build, --force rebuilds"

# An edited patch is another kernel: both lookups miss, and it is built.
cp "$PATCH1" "$T/patch1.orig"
sed -i 's/^+{$/+{ \/* edited *\//' "$PATCH1"
grep -q 'edited' "$PATCH1" || fail "could not edit the fake patch"
: >"$FAKE_CALLS"
expect_exit 0 "$BK" --src "$tree" --out "$K" --patch-dir "$P"
img2=$(tail -n 1 "$T/out")
[ "$img2" != "$img" ] || fail "an edited patch gave the cached kernel $img"
[ "$(calls)" = "tinyconfig olddefconfig bzImage" ] || fail "an edited patch was not built: $(calls)"
cmp -s "$(dirname "$img2")/patches/0001-fake-boot-switch.patch" "$PATCH1" ||
	fail "the edited patch is not the one kept"
cmp -s "$(dirname "$img2")/config" "$dir/config" || fail "the configuration changed with the patch"
cp "$T/patch1.orig" "$PATCH1"
: >"$FAKE_CALLS"
expect_exit 0 "$BK" --src "$tree" --out "$K" --patch-dir "$P"
[ "$(tail -n 1 "$T/out")" = "$img" ] || fail "the original patch did not find its kernel again"
[ "$(calls)" = "" ] || fail "the original patch's lookup ran make: $(calls)"
rm -rf "$(dirname "$img2")"
pass "the cache key follows the patch: an edited patch rebuilds, the same configuration"

# A tree that already holds the patch is used as it is.
cp -a "$tree" "$T/linux-patched"
patch -s -p1 -d "$T/linux-patched" -i "$PATCH1" || fail "cannot patch a copy of the fake tree"
expect_exit 0 "$BK" --src "$T/linux-patched" --out "$K" --patch-dir "$P" --print-config
grep -q '0001-fake-boot-switch.patch is already in' "$T/err" || fail "an applied patch: $(cat "$T/err")"
no_leftovers
pass "a tree that already holds the patch: used as it is"

# ---- a patch that does not apply --------------------------------------------------------
# 9.8: a tree whose paravirt.c is another version's; its patch is the 9.9 one.
make_tree "$T/linux-9.8" 9 8
printf '%s\n' 'native_tlb_remove_table(' '' 'pv_ops = {' '};' '' 'EXPORT_SYMBOL_GPL(pv_ops);' \
	>"$T/linux-9.8/arch/x86/kernel/paravirt.c"
before98=$(tree_sum "$T/linux-9.8")
: >"$FAKE_CALLS"
expect_exit 1 "$BK" --src "$T/linux-9.8" --out "$K" --patch-dir "$P"
hunk1=$(grep -m 1 '^@@ ' "$PATCH1" | sed 's/ @@.*/ @@/')
grep -q "^build-kernel.sh: the patch $P/9.8/0001-fake-boot-switch.patch does not apply to $T/linux-9.8 (linux 9.8.9): hunk #1 of arch/x86/kernel/paravirt.c ($hunk1) FAILED at [0-9]*. Nothing was changed" "$T/err" ||
	fail "a patch that does not apply: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "a patch that does not apply printed on stdout: $(cat "$T/out")"
[ "$(tree_sum "$T/linux-9.8")" = "$before98" ] || fail "the tree was changed by a patch that does not apply"
find "$T/linux-9.8" -name '*.rej' -o -name '*.orig' | grep -q . && fail "patch left .rej/.orig files"
[ "$(calls)" = "" ] || fail "make ran after a patch did not apply: $(calls)"
no_leftovers

# Two patches, the second failing: the first is not left in the tree either.
printf '%s\n' '--- a/arch/x86/kernel/paravirt.c' '+++ b/arch/x86/kernel/paravirt.c' \
	'@@ -1,2 +1,2 @@' '-no_such_line(' '+other_line(' ' ' \
	'--- a/arch/x86/kernel/missing.c' '+++ b/arch/x86/kernel/missing.c' \
	'@@ -1 +1 @@' '-a' '+b' >"$P/9.9/0002-fake-broken.patch"
expect_exit 1 "$BK" --src "$tree" --out "$K" --patch-dir "$P"
grep -q "applied 0001-fake-boot-switch.patch" "$T/err" || fail "the first patch: $(cat "$T/err")"
grep -q "^build-kernel.sh: the patch $P/9.9/0002-fake-broken.patch does not apply .*hunk #1 of arch/x86/kernel/paravirt.c (@@ -1,2 +1,2 @@) FAILED at 1; arch/x86/kernel/missing.c is not in the tree" "$T/err" ||
	fail "the second patch: $(cat "$T/err")"
[ "$(tree_sum "$tree")" = "$tree_before" ] || fail "the tree was changed by a half-applied series"
rm "$P/9.9/0002-fake-broken.patch"
no_leftovers

# A patch that applies but has no boot switch: the build is refused.
mkdir -p "$P/9.6"
sed 's/parse_pt_table_free/something_else/' "$PATCH1" >"$P/9.6/0001-no-switch.patch"
make_tree "$T/linux-9.6" 9 6
expect_exit 1 "$BK" --src "$T/linux-9.6" --out "$K" --patch-dir "$P"
grep -q "no parse_pt_table_free in its System.map: the boot switch (pt_table_free=) is not in this kernel" "$T/err" ||
	fail "a kernel without the switch: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "a kernel without the switch printed $(cat "$T/out")"
no_leftovers
[ "$(kernel_dirs)" -eq 1 ] || fail "a refused patch left a kernel directory"
pass "a patch that does not apply: exit 1 naming the patch and the hunk, the tree unchanged; a kernel without the switch refused"

# ---- paravirt-off, fragments ----------------------------------------------------------------
: >"$FAKE_CALLS"
expect_exit 0 "$BK" --kind paravirt-off --src "$tree" --out "$K" --patch-dir "$P"
off_img=$(tail -n 1 "$T/out")
[ "$off_img" != "$img" ] || fail "paravirt-off gave the same kernel as switchable"
off_dir=$(dirname "$off_img")
if grep -q 'applied' "$T/err"; then fail "paravirt-off applied a patch: $(cat "$T/err")"; fi
[ ! -e "$off_dir/patches" ] || fail "paravirt-off keeps patches"
grep -qx '# CONFIG_PARAVIRT is not set' "$off_dir/config" || fail "paravirt-off: PARAVIRT not unset"
grep -qx '# CONFIG_KVM_GUEST is not set' "$off_dir/config" || fail "paravirt-off: KVM_GUEST not unset"
! grep -q 'CONFIG_MMU_GATHER_RCU_TABLE_FREE=y' "$off_dir/config" || fail "paravirt-off: RCU table free"
grep -qx 'CONFIG_LOCALVERSION="-ptbench-paravirt-off"' "$off_dir/config" || fail "paravirt-off: no LOCALVERSION"
[ "$(sha256sum "$off_dir/config" | cut -c1-16)" = "${off_dir##*-}" ] ||
	fail "paravirt-off: the hash is not the config's"
jq_true "$off_dir/build-info.json" '.kind == "paravirt-off" and .patches == [] and .boot_switch == null' \
	"build-info: paravirt-off"
# A series without a patch builds paravirt-off.
expect_exit 0 "$BK" --kind paravirt-off --src "$T/linux-9.7" --out "$K" --print-config
grep -qx '# CONFIG_PARAVIRT is not set' "$T/out" || fail "paravirt-off of 9.7"

printf 'CONFIG_FOO=y\nCONFIG_PARAVIRT=y\nCONFIG_LOCALVERSION="-mine"\n' >"$T/user.config"
expect_exit 0 "$BK" --kind paravirt-off --src "$tree" --out "$K" \
	--config-fragment "$T/user.config" --print-config
grep -qx 'CONFIG_FOO=y' "$T/out" || fail "the user's fragment was not merged"
grep -qx '# CONFIG_PARAVIRT is not set' "$T/out" || fail "the user's fragment won over --kind"
grep -qx 'CONFIG_LOCALVERSION="-mine"' "$T/out" || fail "the user's LOCALVERSION was replaced"
grep -q 'warning: --kind paravirt-off sets CONFIG_PARAVIRT=n, over CONFIG_PARAVIRT=y' "$T/err" ||
	fail "no warning about the overridden CONFIG_PARAVIRT: $(cat "$T/err")"
grep -q '(not built)' "$T/err" || fail "--print-config does not say the kernel is not built"
[ "$(kernel_dirs)" -eq 2 ] || fail "--print-config built a kernel"

FAKE_DROP=CONFIG_RTC_DRV_CMOS expect_exit 0 "$BK" --src "$tree" --out "$K" --patch-dir "$P" \
	--print-config
grep -q 'warning: CONFIG_RTC_DRV_CMOS=y was asked, the configuration has CONFIG_RTC_DRV_CMOS=n' "$T/err" ||
	fail "no warning about an option that did not stick: $(cat "$T/err")"
no_leftovers
pass "paravirt-off unsets PARAVIRT and applies no patch, a fragment is merged before --kind, options that did not stick are warned about"

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
FAKE_FORCE_RCU=1 refused "--kind paravirt-off asks for CONFIG_PARAVIRT and CONFIG_MMU_GATHER_RCU_TABLE_FREE unset" \
	"$BK" --kind paravirt-off --src "$tree" --out "$K" --force
FAKE_DROP=CONFIG_MMU_GATHER_RCU_TABLE_FREE refused \
	"--kind switchable needs CONFIG_PARAVIRT=y .* and CONFIG_MMU_GATHER_RCU_TABLE_FREE=y" \
	"$BK" --src "$tree" --out "$K" --patch-dir "$P" --force
FAKE_DROP=CONFIG_PARAVIRT refused "--kind switchable needs CONFIG_PARAVIRT=y" \
	"$BK" --src "$tree" --out "$K" --patch-dir "$P" --force
FAKE_DROP=CONFIG_SERIAL_8250_CONSOLE refused "CONFIG_SERIAL_8250_CONSOLE" \
	"$BK" --src "$tree" --out "$K" --patch-dir "$P" --force
for o in KPROBES KPROBE_EVENTS TRACING; do
	FAKE_DROP=CONFIG_$o refused "path counters need .*CONFIG_$o" \
		"$BK" --src "$tree" --out "$K" --patch-dir "$P" --force
done
printf '# CONFIG_SMP is not set\nCONFIG_SERIAL_8250_RUNTIME_UARTS=1\n' >"$T/nosmp.config"
refused "CONFIG_SMP .*RUNTIME_UARTS>=2" \
	"$BK" --src "$tree" --out "$K" --patch-dir "$P" --config-fragment "$T/nosmp.config"
if grep -q bzImage "$FAKE_CALLS"; then fail "a refused configuration was built"; fi
pass "refused: PARAVIRT or RCU table free not as the kind needs, a required option missing (exit 1)"

printf 'CONFIG_BAR=y\n' >"$T/bar.config"
FAKE_FAIL=1 expect_exit 1 "$BK" --src "$tree" --out "$K" --patch-dir "$P" \
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
FAKE_SLEEP=60 "$BK" --src "$tree" --out "$K" --patch-dir "$P" \
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
[ "$(tree_sum "$tree")" = "$tree_before" ] || fail "the tree was changed"
pass "SIGTERM stops the build, exits 143 and leaves nothing"
