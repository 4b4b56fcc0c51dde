#!/usr/bin/env bash
# tests/fleet.sh: runners/fleet.sh against real OpenSSH servers on this
# machine. Each test host is an sshd (Debian's openssh-server) in its own
# network namespace, reached through a veth pair on 10.213.N.0/30, with host
# keys, a client key and known_hosts generated for the test in $T. The hosts
# share this machine's file system and run as root, so each sshd gives its
# sessions a distinct PTBENCH_FLEET_DIR (sshd_config's SetEnv, OpenSSH 8.7 and
# later): that directory is the host's own. Run by runners/test.sh as one step
# (not in make check: it builds ptbench on every host). Needs root (network
# namespaces); every namespace, veth, sshd and key it made is removed at exit.
#
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
export PTBENCH PTSTAT
_pt_need_jq

[ "$(id -u)" -eq 0 ] || skip "needs root: the test hosts live in network namespaces (ip netns)"
for c in ip /usr/sbin/sshd ssh ssh-keygen parallel; do
	command -v "$c" >/dev/null 2>&1 ||
		skip "$c not found (Debian packages iproute2, openssh-server, openssh-client, parallel: runners/test.sh installs them)"
done
pt_tmpdir
# sshd refuses keys and configs in a directory others can write to.
chmod 700 "$T"

nhosts=2
tag=$$
FLEET=$top_srcdir/runners/fleet.sh

# ---- the test hosts -------------------------------------------------------

# sshd needs its privilege separation directory; made (and removed) here
# when the machine has none.
if [ ! -d /run/sshd ]; then
	mkdir -p /run/sshd
	chmod 755 /run/sshd
	pt_at_exit rmdir /run/sshd
fi

mkdir -p "$T/client"
ssh-keygen -q -t ed25519 -N '' -C ptbench-fleet-test -f "$T/client/id" ||
	fail "ssh-keygen of the client key failed"
cp "$T/client/id.pub" "$T/client/authorized_keys"
: >"$T/client/known_hosts"

ns_of() { printf 'ptfleet%s-%s' "$tag" "$1"; }
veth_of() { printf 'ptf%sh%s' "$tag" "$1"; }
addr_of() { printf '10.213.%s.2' "$1"; }

# host_up N: namespace, veth pair, sshd of test host N.
host_up() {
	local i=$1 ns veth h
	ns=$(ns_of "$i")
	veth=$(veth_of "$i")
	h=$T/h$i
	mkdir -p "$h/fleet"
	if [ ! -f "$h/key" ]; then
		ip netns add "$ns" || fail "ip netns add $ns failed"
		pt_at_exit ip netns del "$ns"
		ip link add "$veth" type veth peer name eth0 netns "$ns" ||
			fail "ip link add $veth failed"
		pt_at_exit ip link del "$veth"
		ip addr add "10.213.$i.1/30" dev "$veth"
		ip link set "$veth" up
		ip -n "$ns" addr add "$(addr_of "$i")/30" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" link set lo up
		ssh-keygen -q -t ed25519 -N '' -f "$h/key" || fail "ssh-keygen of host $i failed"
		cat >"$h/sshd_config" <<EOF
ListenAddress $(addr_of "$i"):22
HostKey $h/key
PidFile $h/sshd.pid
AuthorizedKeysFile $T/client/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
SetEnv PTBENCH_FLEET_DIR=$h/fleet
EOF
		printf '%s %s\n' "$(addr_of "$i")" "$(cut -d' ' -f1,2 "$h/key.pub")" \
			>>"$T/client/known_hosts.all"
	fi
	ip netns exec "$ns" /usr/sbin/sshd -D -e -f "$h/sshd_config" 2>>"$h/sshd.log" &
	printf '%s\n' "$!" >"$h/sshd.daemon"
	for _ in $(seq 50); do
		if ssh -o BatchMode=yes -o ConnectTimeout=2 \
			-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
			-i "$T/client/id" -o LogLevel=ERROR "root@$(addr_of "$i")" true 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	fail "the sshd of test host $i did not come up: $(tail -n 5 "$h/sshd.log")"
}

# host_down N: its sshd and every session of it killed (a host gone).
host_down() {
	local pid
	pid=$(cat "$T/h$1/sshd.daemon")
	pkill -KILL -P "$pid" 2>/dev/null || true
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# remote_procs N: processes of test host N's sessions (its PTBENCH_FLEET_DIR
# in their environment), one "PID COMMAND" per line.
remote_procs() {
	local want="PTBENCH_FLEET_DIR=$T/h$1/fleet" p
	for p in /proc/[0-9]*; do
		if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "$want"; then
			printf '%s %s\n' "${p#/proc/}" "$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | cut -c1-120)"
		fi
	done
}

all_down() {
	local i
	for ((i = 1; i <= nhosts; i++)); do
		[ -f "$T/h$i/sshd.daemon" ] && host_down "$i"
		remote_procs "$i" | while read -r pid _; do kill -KILL "$pid" 2>/dev/null; done
	done
	return 0
}
pt_at_exit all_down

for ((i = 1; i <= nhosts; i++)); do
	host_up "$i"
done
cp "$T/client/known_hosts.all" "$T/client/known_hosts"
: >"$T/hosts"
printf '# test hosts: one sshd per network namespace\n' >"$T/hosts"
for ((i = 1; i <= nhosts; i++)); do
	printf '1/root@%s   # test host %s\n' "$(addr_of "$i")" "$i" >>"$T/hosts"
done
pass "$nhosts test hosts up (sshd in network namespaces)"
h1=$(addr_of 1)
h2=$(addr_of 2)

# Short suites: tiny (two entries, about 1 s), long (four, about 15 s).
printf '%s\n' 'reps 2' \
	'churn mmap-churn --size 16M --touch none --duration 0.2 --warmup 0.1' \
	'fork  fork-exit  --rss 8M --duration 0.2 --warmup 0.1' >"$T/tiny.suite"
printf '%s\n' 'reps 3' \
	'churn  mmap-churn --size 16M --touch none --duration 1 --warmup 0.2' \
	'fork   fork-exit  --rss 8M --duration 1 --warmup 0.2' \
	'churn2 mmap-churn --size 16M --touch pmd --duration 1 --warmup 0.2' \
	'fork2  fork-exit  --rss 16M --duration 1 --warmup 0.2' >"$T/long.suite"
R=$T/results
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
# fleet.sh's tarball cache, here rather than in ~/.cache.
export XDG_CACHE_HOME=$T/cache
ssh_opts=(--identity "$T/client/id" --known-hosts "$T/client/known_hosts")

# fleet LABEL ARG...: fleet.sh on the test hosts into $R.
fleet() {
	local label=$1
	shift
	"$FLEET" --hosts "$T/hosts" --label "$label" --results "$R" "$@"
}

# no_leftovers LABEL: no hidden directory in $R/fleet-LABEL, no temporary
# directory of fleet.sh.
no_leftovers() {
	local left
	left=$(find "$R/fleet-$1" -mindepth 1 -maxdepth 1 -name '.*' 2>/dev/null
		find "$T/tmp" -mindepth 1 -maxdepth 1 -name 'ptbench-fleet.*' 2>/dev/null)
	[ -z "$left" ] || fail "$1: left behind: $left"
}

# wait_partial N LABEL: until test host N's run of LABEL has its first result.
wait_partial() {
	for _ in $(seq 1200); do
		[ -f "$T/h$1/fleet/sets/.$2.partial/churn.json" ] && return 0
		sleep 0.25
	done
	fail "host $1 never wrote its first result of $2"
}

# no_remote_procs N WHAT: nothing of host N's sessions left running. Allows
# 15 s: parallel's wrapper on the host polls its parent every second, then
# sends SIGTERM and, 8 s later (fleet.sh's --termseq), SIGKILL to what is left
# before it exits itself.
no_remote_procs() {
	local left
	for _ in $(seq 60); do
		left=$(remote_procs "$1")
		[ -n "$left" ] || return 0
		sleep 0.25
	done
	fail "$2: processes left on host $1: $left"
}

# ---- bad input ------------------------------------------------------------

expect_exit 2 "$FLEET" --hosts "$T/nohosts" --label x
grep -qF "fleet.sh: --hosts '$T/nohosts': no such readable file" "$T/err" ||
	fail "a missing hosts file: $(cat "$T/err")"
printf 'root@%s\nroot@%s extra words\n' "$h1" "$h2" >"$T/bad-hosts"
expect_exit 2 "$FLEET" --hosts "$T/bad-hosts" --label x
grep -qF "$T/bad-hosts:2: 'root@$h2 extra words': want [N/][USER@]HOST" "$T/err" ||
	fail "a malformed hosts line: $(cat "$T/err")"
printf 'root@%s\n%s\n' "$h1" "$h1" >"$T/bad-hosts"
expect_exit 2 "$FLEET" --hosts "$T/bad-hosts" --label x
grep -qF "$T/bad-hosts:2: host '$h1' is already on line 1" "$T/err" || fail "a host twice: $(cat "$T/err")"
printf '4/:\n' >"$T/bad-hosts"
expect_exit 2 "$FLEET" --hosts "$T/bad-hosts" --label x
grep -qF "':' is this machine, not a host" "$T/err" || fail "':' in the hosts file: $(cat "$T/err")"
printf '# nothing\n\n' >"$T/bad-hosts"
expect_exit 2 "$FLEET" --hosts "$T/bad-hosts" --label x
grep -qF "no host in it" "$T/err" || fail "an empty hosts file: $(cat "$T/err")"
expect_exit 2 "$FLEET" --hosts "$T/hosts" --bogus
grep -qF "fleet.sh: unknown option '--bogus' (see --help)" "$T/err" || fail "an unknown option: $(cat "$T/err")"
expect_exit 2 "$FLEET" --hosts "$T/hosts" --jobs-per-host 2
grep -qF "fleet.sh: --jobs-per-host: a suite runs once per host, alone: benchmarks on one host must not overlap" \
	"$T/err" || fail "--jobs-per-host without --kernel: $(cat "$T/err")"
expect_exit 2 "$FLEET" --hosts "$T/hosts" --kernel debian:6.1
grep -qF "one kernel and no --variant: nothing to compare" "$T/err" || fail "one --kernel: $(cat "$T/err")"
expect_exit 2 "$FLEET" --hosts "$T/hosts" --kernel debian:6.1 --variant bad --variant b:cpu=max
grep -qF "fleet.sh: --variant 'bad': want NAME:append=ARGS,cpu=MODEL" "$T/err" || fail "a bad --variant: $(cat "$T/err")"
expect_exit 2 "$FLEET" --hosts "$T/hosts" --kernel running --kernel debian:6.1
grep -qF "fleet.sh: --kernel running: each host's own kernel is fleet.sh without --kernel" "$T/err" ||
	fail "--kernel running: $(cat "$T/err")"
expect_exit 2 "$FLEET" --hosts "$T/hosts" --variant a:cpu=max
grep -qF "go with --kernel" "$T/err" || fail "--variant without --kernel: $(cat "$T/err")"
expect_exit 2 "$FLEET" --hosts "$T/hosts" --label 'a/b'
grep -qF "fleet.sh: --label 'a/b': want letters" "$T/err" || fail "a bad label: $(cat "$T/err")"
printf 'bogus-entry no-such-bench\n' >"$T/bad.suite"
expect_exit 2 "$FLEET" --hosts "$T/hosts" --label x --suite "$T/bad.suite" --results "$R"
grep -qF "bad.suite:1" "$T/err" || fail "a bad suite: $(cat "$T/err")"
[ ! -e "$R" ] || fail "bad input made $R"
pass "bad input: one message each, exit 2, nothing made"

# ---- an unknown host key: refused, with the reason --------------------------

: >"$T/client/empty_known_hosts"
expect_exit 3 fleet nokey --suite "$T/tiny.suite" --identity "$T/client/id" \
	--known-hosts "$T/client/empty_known_hosts"
grep -qF "2 of 2 hosts failed" "$T/err" || fail "unknown keys: the count: $(cat "$T/err")"
jq_true "$R/fleet-nokey/fleet.json" '[.hosts[] | .status == "failed" and
	(.reason | test("Host key verification failed.*--accept-new-hostkeys"))] == [true, true]' \
	"unknown host keys: each host failed with ssh's reason"
[ ! -s "$T/client/empty_known_hosts" ] || fail "a host key was recorded without --accept-new-hostkeys"
pass "unknown host keys: every host refused (StrictHostKeyChecking), the reason recorded, exit 3"

# ---- a run on every host ----------------------------------------------------

: >"$T/client/new_known_hosts"
t0=$(date +%s)
expect_exit 0 fleet main --suite "$T/tiny.suite" --identity "$T/client/id" \
	--known-hosts "$T/client/new_known_hosts" --accept-new-hostkeys
printf 'the first fleet run (ships and builds ptbench on each host): %d s\n' "$(($(date +%s) - t0))"
cp "$T/err" "$T/main.err"
for ((i = 1; i <= nhosts; i++)); do
	fp=$(ssh-keygen -l -f "$T/h$i/key.pub" | cut -d' ' -f2)
	grep -F "$(addr_of "$i"): host key recorded in $T/client/new_known_hosts: " "$T/main.err" |
		grep -qF "$fp" || fail "the fingerprint $fp of host $i was not printed: $(cat "$T/main.err")"
done
ssh-keygen -F "$h1" -f "$T/client/new_known_hosts" >/dev/null || fail "host 1's key was not recorded"
pass "--accept-new-hostkeys: the keys recorded, their fingerprints printed"

fj=$R/fleet-main/fleet.json
for ((i = 1; i <= nhosts; i++)); do
	h=$(addr_of "$i")
	set_dir=$R/fleet-main/$h
	[ -d "$set_dir" ] || fail "host $i's set is not in $set_dir"
	validate_result "$set_dir/churn.json"
	validate_result "$set_dir/fork.json"
	expect_exit 0 "$PTSTAT" check --label churn --reps 2 "$set_dir/churn.json"
	expect_exit 0 "$PTSTAT" show "$set_dir"
	jq_true "$set_dir/meta.json" '.label == "main" and .entries == 2 and .failed == []' \
		"host $i's meta.json"
	"$JQ" -e --arg h "$h" --arg rel "$(uname -r)" '.hosts[$h] | .status == "ok" and
		.reason == null and .kernel_release == $rel and .sshlogin == "root@\($h)" and
		(.clock_offset_s | fabs) <= 2 and .attempts == 1' "$fj" >/dev/null ||
		fail "fleet.json's record of host $i: $("$JQ" -c --arg h "$h" '.hosts[$h]' "$fj")"
	ls "$T/h$i/fleet/build/"*/ptbench >/dev/null 2>&1 ||
		fail "host $i has no ptbench built in its fleet directory"
done
jq_true "$fj" '.schema == "ptbench-fleet/1" and .label == "main" and (.hosts | length) == 2' \
	"fleet.json's head"
for f in index.html table.txt; do
	[ -s "$R/fleet-main/report/$f" ] || fail "no $f in $R/fleet-main/report"
done
grep -qF "$h1 is the baseline" "$R/fleet-main/report/table.txt" ||
	fail "the report's baseline is not the first host: $(head -n 3 "$R/fleet-main/report/table.txt")"
grep -qF "churn (mmap-churn" "$T/out" || fail "the table was not printed on stdout"
grep -qF "all 2 hosts done" "$T/main.err" || fail "no final line: $(tail -n 3 "$T/main.err")"
no_leftovers main
pass "every host's set gathered, valid and recorded ok; the report over them, the first host the baseline"

# A second run reuses the shipped tree and the build; the kernel and clock
# its last run recorded are compared (faked here in fleet.json).
"$JQ" --arg a "$h1" --arg b "$h2" '.hosts[$a].kernel_release = "0.0.0-fake" |
	.hosts[$b].clock_offset_s = 7200' "$fj" >"$T/fj" && cp "$T/fj" "$fj"
mtime=$(stat -c %Y "$R/fleet-main/$h1/meta.json")
expect_exit 2 fleet main --suite "$T/tiny.suite" "${ssh_opts[@]}"
grep -qF "already exists: --resume to complete it, --force to run it again" "$T/err" ||
	fail "an existing fleet directory: $(cat "$T/err")"
sleep 1
expect_exit 0 fleet main --suite "$T/tiny.suite" --identity "$T/client/id" \
	--known-hosts "$T/client/new_known_hosts" --force
grep -qF "$h1: CHANGED: its kernel was 0.0.0-fake at its last run" "$T/err" ||
	fail "a changed kernel was not reported: $(cat "$T/err")"
grep -qE "$h2: CHANGED: its clock was 7200 s from this machine's at its last run \(.*\), it is -?[0-2] s now" \
	"$T/err" || fail "a changed clock was not reported: $(cat "$T/err")"
if grep -qE 'sending ptbench|building:|configuring:' "$T/err"; then
	fail "the second run shipped or built again: $(grep -E 'sending|building|configuring' "$T/err")"
fi
[ "$(stat -c %Y "$R/fleet-main/$h1/meta.json")" -gt "$mtime" ] || fail "--force did not replace host 1's set"
jq_true "$fj" ".hosts[\"$h1\"].kernel_release == \"$(uname -r)\" and .hosts[\"$h1\"].attempts == 2" \
	"the second run's record"
no_leftovers main
pass "a second run: no shipping, no build; a kernel and a clock that changed since the last run reported; --force replaced the sets"

# stop_pid PID: at exit, a fleet.sh the test started, if still there.
stop_pid() {
	kill -KILL "$1" 2>/dev/null || true
}

# The hosts refused for their keys had no kernel nor clock recorded: a
# --resume with their keys runs both, and reports no change.
expect_exit 0 fleet nokey --suite "$T/tiny.suite" --identity "$T/client/id" \
	--known-hosts "$T/client/new_known_hosts" --resume
if grep -q 'CHANGED' "$T/err"; then
	fail "a host with nothing recorded was reported changed: $(grep CHANGED "$T/err")"
fi
jq_true "$R/fleet-nokey/fleet.json" '[.hosts[] | .status == "ok" and .attempts == 2 and .reason == null]
	== [true, true]' "--resume of hosts refused for their keys"
pass "--resume of hosts that never ran: both run, nothing reported changed"

# ---- a host lost in the middle of its run, then --resume ----------------------

# SIGINT is ignored in a background job of a script: env gives it back.
env --default-signal=INT "$FLEET" --hosts "$T/hosts" --label cut --results "$R" \
	--suite "$T/long.suite" "${ssh_opts[@]}" >"$T/cut.out" 2>"$T/cut.err" &
fpid=$!
pt_at_exit stop_pid "$fpid"
wait_partial 2 cut
host_down 2
rc=0
wait "$fpid" || rc=$?
[ "$rc" -eq 3 ] || fail "a lost host: exit status $rc, want 3; $(tail -n 20 "$T/cut.err")"
grep -qF "1 of 2 hosts failed: $h2" "$T/cut.err" || fail "a lost host: the count: $(tail -n 5 "$T/cut.err")"
fj=$R/fleet-cut/fleet.json
jq_true "$fj" ".hosts[\"$h1\"].status == \"ok\" and .hosts[\"$h2\"].status == \"failed\" and
	(.hosts[\"$h2\"].reason | test(\"ssh connection failed or was lost\"))" \
	"a lost host: recorded failed with the reason, the other ok"
if [ ! -d "$R/fleet-cut/$h1" ] || [ -e "$R/fleet-cut/$h2" ]; then
	fail "a lost host: the sets: $(ls -a "$R/fleet-cut")"
fi
[ -d "$T/h2/fleet/sets/.cut.partial" ] || fail "the lost host's partial set is not kept on it"
no_remote_procs 2 "a lost host"
no_leftovers cut
pass "a host lost mid-run: recorded failed with the reason, the other's set kept, exit 3, its partial set kept, nothing left running on it"

host_up 2
mtime=$(stat -c %Y "$R/fleet-cut/$h1/meta.json")
expect_exit 0 fleet cut --suite "$T/long.suite" "${ssh_opts[@]}" --resume
grep -qF "$h1: its set is here (--resume): not run again" "$T/err" || fail "--resume: $(cat "$T/err")"
[ "$(stat -c %Y "$R/fleet-cut/$h1/meta.json")" -eq "$mtime" ] || fail "--resume replaced host 1's set"
jq_true "$fj" "[.hosts[] | .status] == [\"ok\", \"ok\"] and .hosts[\"$h1\"].attempts == 1 and
	.hosts[\"$h2\"].attempts == 2" "--resume: both ok, only host 2 run again"
jq_true "$R/fleet-cut/$h2/meta.json" '(.resumed | length) == 1 and .entries == 4 and .failed == []' \
	"--resume: host 2's partial set completed (run.sh --resume), not started over"
for f in churn fork churn2 fork2; do
	validate_result "$R/fleet-cut/$h2/$f.json"
done
[ -s "$R/fleet-cut/report/table.txt" ] || fail "--resume: no report"
no_leftovers cut
pass "--resume: only the missing host ran, continuing its partial set; both sets and the report there"

# ---- SIGINT: every remote run stopped ------------------------------------------

env --default-signal=INT "$FLEET" --hosts "$T/hosts" --label intr --results "$R" \
	--suite "$T/long.suite" "${ssh_opts[@]}" >"$T/intr.out" 2>"$T/intr.err" &
fpid=$!
pt_at_exit stop_pid "$fpid"
wait_partial 1 intr
wait_partial 2 intr
kill -INT "$fpid"
rc=0
wait "$fpid" || rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT: exit status $rc, want 130; $(tail -n 20 "$T/intr.err")"
for ((i = 1; i <= nhosts; i++)); do
	no_remote_procs "$i" "SIGINT"
	[ -d "$T/h$i/fleet/sets/.intr.partial" ] || fail "SIGINT: host $i's partial set is not kept"
done
jq_true "$R/fleet-intr/fleet.json" '[.hosts[] | .status == "failed" and
	(.reason | test("interrupted by SIGINT"))] == [true, true]' "SIGINT: the hosts recorded interrupted"
[ -z "$(find "$R/fleet-intr" -mindepth 1 -maxdepth 1 ! -name fleet.json)" ] ||
	fail "SIGINT: left in $R/fleet-intr: $(ls -a "$R/fleet-intr")"
no_leftovers intr
pass "SIGINT: fleet.sh exits 130, no process left on any host, partial sets kept on the hosts, nothing half-written here"

# ---- kernels booted in VMs on the hosts: compare.sh's sides spread over them --

# Debian's 6.1 and 6.12 cloud kernels, as tests/vm-boot.sh boots them: from
# ~/.cache/ptbench (the test hosts share this machine's file system and
# $HOME, so its cache), or fetched from Debian's archive.
vm_skip=
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	vm_skip="qemu-system-x86_64 not found (Debian package qemu-system-x86)"
for series in 6.1 6.12; do
	[ -z "$vm_skip" ] || break
	if ! "$top_srcdir/runners/vm.sh" kernel "debian:$series" >"$T/kernel-$series" 2>"$T/kernel.err"; then
		vm_skip="debian:$series is not cached and cannot be fetched: $(tail -n 1 "$T/kernel.err")"
	fi
done
if [ -n "$vm_skip" ]; then
	printf 'SKIP: VM sides over the hosts: %s\n' "$vm_skip"
	exit 0
fi
rel61=$(sed -n 's/^release //p' "$T/kernel-6.1")
rel612=$(sed -n 's/^release //p' "$T/kernel-6.12")
t0=$(date +%s)
expect_exit 0 fleet vm --kernel debian:6.1 --kernel debian:6.12 --accel tcg --suite "$T/tiny.suite" \
	--smp 1 --mem 1G --boot-timeout 150 --timeout 600 "${ssh_opts[@]}"
printf 'two kernels booted in VMs, one per host (TCG): %d s\n' "$(($(date +%s) - t0))"
cp "$T/err" "$T/vm.err"
fj=$R/fleet-vm/fleet.json
for rel in "$rel61" "$rel612"; do
	set_dir=$R/fleet-vm/$rel
	[ -d "$set_dir" ] || fail "VM sides: no set $set_dir: $(ls -a "$R/fleet-vm")"
	validate_result "$set_dir/churn.json"
	validate_result "$set_dir/fork.json"
	expect_exit 0 "$PTSTAT" show "$set_dir"
	jq_true "$set_dir/system.json" ".kernel.release == \"$rel\" and .vm.accel == \"tcg\" and .vm.vcpus == 1" \
		"VM sides: $rel's system.json is of its kernel, booted under TCG with 1 vCPU"
	jq_true "$set_dir/meta.json" ".label == \"$rel\" and .entries == 2 and .failed == []" \
		"VM sides: $rel's meta.json"
done
jq_true "$fj" "(.sides | keys_unsorted) == [\"$rel61\", \"$rel612\"] and .hosts == {} and
	([.sides[] | .status == \"ok\" and .reason == null and .attempts == 1 and
		(.host == \"$h1\" or .host == \"$h2\") and .sshlogin == \"root@\\(.host)\"] | all) and
	.sides[\"$rel61\"].kernel_spec == \"debian:6.1\" and .sides[\"$rel612\"].kernel_spec == \"debian:6.12\" and
	.sides[\"$rel61\"].host != .sides[\"$rel612\"].host" \
	"VM sides: fleet.json names each side's host, one side per host"
for rel in "$rel61" "$rel612"; do
	host=$("$JQ" -r --arg s "$rel" '.sides[$s].host' "$fj")
	grep -qF "$rel: its set (run on $host) is in $R/fleet-vm/$rel" "$T/vm.err" ||
		fail "VM sides: where $rel ran was not said: $(cat "$T/vm.err")"
	n=2
	[ "$host" != "$h1" ] || n=1
	[ -d "$T/h$n/fleet/sets/vm-vm/$rel" ] || fail "VM sides: $rel's set is not on $host, which ran it"
done
[ -s "$R/fleet-vm/report/index.html" ] || fail "VM sides: no report"
grep -qF "$rel61 is the baseline" "$R/fleet-vm/report/table.txt" ||
	fail "VM sides: the baseline is not the first side: $(head -n 3 "$R/fleet-vm/report/table.txt")"
grep -qF "all 2 sides done" "$T/vm.err" || fail "VM sides: no final line: $(tail -n 3 "$T/vm.err")"
no_leftovers vm
pass "VM sides: debian:6.1 and debian:6.12 booted one per host, both sets gathered and valid, fleet.json names each side's host, the report with the first side as baseline"

expect_exit 0 fleet vm --kernel debian:6.1 --kernel debian:6.12 --accel tcg --suite "$T/tiny.suite" \
	--smp 1 --mem 1G "${ssh_opts[@]}" --resume
for rel in "$rel61" "$rel612"; do
	grep -qF "$rel: its set is here (--resume): not run again" "$T/err" || fail "VM sides --resume: $(cat "$T/err")"
done
jq_true "$fj" '[.sides[].attempts] == [1, 1]' "VM sides --resume: nothing run again"
pass "VM sides --resume: the sides gathered are not run again"
