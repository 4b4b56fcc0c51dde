#!/usr/bin/env bash
# ptstat set: meta.json from a plan (start, resume, fail, ok, finish) and
# system.json's vm object, as runners/run.sh and runners/vm.sh wrote them;
# a refused call leaves the file byte for byte as it was.
# shellcheck disable=SC2016 # the jq programs are in single quotes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
: "${PTSTAT:=$top_builddir/ptstat}"
pt_tmpdir
_pt_need_jq

d=$T/set
mkdir -p "$d"
cat >"$T/plan.json" <<'EOF'
{"schema": "ptbench-plan/1", "suite": {"name": "smoke", "path": "workloads/smoke.suite"},
 "reps": 3, "rounds": 2, "cpus": 4, "entries": [{"label": "a"}, {"label": "b"}, {"label": "c"}]}
EOF
printf '{"ptbench_version": "9.8.7", "kernel": {"release": "x"}}\n' >"$d/system.json"
iso='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

expect_exit 0 "$PTSTAT" set start "$d" --label L --plan "$T/plan.json"
m=$d/meta.json
"$JQ" -e --arg host "$(uname -n)" --arg rel "$(uname -r)" --arg iso "$iso" '
	. == {schema: "ptbench-set/1", label: "L",
		suite: {name: "smoke", path: "workloads/smoke.suite"}, reps: 3, rounds: 2,
		entries: 3, started: .started, finished: null, host: $host, kernel_release: $rel,
		cpus: 4, ptbench_version: "9.8.7", resumed: [], failed: [],
		runner: "runners/run.sh"} and (.started | test($iso))' "$m" >/dev/null ||
	fail "start: meta.json is not as planned: $(cat "$m")"
[ "$(stat -c %a "$m")" = 644 ] || fail "meta.json has mode $(stat -c %a "$m")"
pass "start: meta.json from the plan, system.json's version, uname's host and release"

seq 1 30 | sed 's/^/log line /' >"$T/log"
expect_exit 0 "$PTSTAT" set fail "$d" --entry a --status 3 --round 2 --src s.suite:4 --log "$T/log"
expect_exit 0 "$PTSTAT" set fail "$d" --entry b --status 1
jq_true "$m" '.failed == [
	{label: "a", round: 2, status: 3, src: "s.suite:4",
	 messages: [range(11; 31) | "log line \(.)"]},
	{label: "b", round: null, status: 1, src: null, messages: []}]' \
	"fail: the records, with the log's last 20 lines"
expect_exit 0 "$PTSTAT" set fail "$d" --entry a --status 4 --round 2
expect_exit 0 "$PTSTAT" set fail "$d" --entry a --status 5 --round 1
jq_true "$m" '[.failed[] | [.label, .round, .status]] == [["a", 2, 4], ["b", null, 1], ["a", 1, 5]]' \
	"fail: the same label and round replaced, another round added"
pass "fail: records appended, replaced by label and round"

started=$("$JQ" -r .started "$m")
expect_exit 0 "$PTSTAT" set start "$d" --label L --plan "$T/plan.json" --resume
"$JQ" -e --arg s "$started" --arg iso "$iso" '.started == $s and (.resumed | length) == 1
	and (.resumed[0] | test($iso)) and (.failed | length) == 3' "$m" >/dev/null ||
	fail "start --resume: started, resumed or failed not kept: $(cat "$m")"
expect_exit 0 "$PTSTAT" set ok "$d" --entry a
jq_true "$m" '[.failed[].label] == ["b"]' "ok: the records of entry a removed"
expect_exit 0 "$PTSTAT" set finish "$d"
"$JQ" -e --arg iso "$iso" '.finished | test($iso)' "$m" >/dev/null ||
	fail "finish: finished is not an ISO 8601 time: $("$JQ" .finished "$m")"
pass "start --resume keeps started and failed, adds to resumed; ok; finish"

# Refusals leave meta.json byte for byte as it was.
cp "$m" "$T/keep"
refuse() {
	local what=$1 want=$2 file=$3
	shift 3
	expect_exit 2 "$PTSTAT" set "$@"
	grep -qF -- "$want" "$T/err" || fail "$what: the message does not say '$want': $(cat "$T/err")"
	cmp -s "$file" "$T/keep" || fail "$what: $file was changed"
	[ -z "$(find "$d" -name '.*')" ] || fail "$what: a temporary file was left"
	pass "refused: $what"
}
refuse "a bad status" "--status must be an exit status" "$m" fail "$d" --entry a --status x
refuse "a missing log" "--log $T/nolog" "$m" fail "$d" --entry a --status 1 --log "$T/nolog"
refuse "an option of another command" "unknown option '--facts'" "$m" ok "$d" --entry a --facts x
refuse "an unknown command" "unknown command 'begin'" "$m" begin "$d"
printf '{"schema": "ptbench-plan/1", "suite": {"name": "s"}, "reps": 3}\n' >"$T/bad-plan.json"
refuse "a plan without suite.path" "bad-plan.json: suite.path: missing" "$m" \
	start "$d" --label L --plan "$T/bad-plan.json"
printf '{"schema": "ptbench-set/1", "failed": ' >"$d/meta.json"
cp "$m" "$T/keep"
refuse "a truncated meta.json" "meta.json: not valid JSON" "$m" fail "$d" --entry a --status 1
refuse "a truncated meta.json (resume)" "meta.json: not valid JSON" "$m" \
	start "$d" --label L --plan "$T/plan.json" --resume

# vm: the object vm.sh's jq made.
cat >"$T/facts" <<'EOF'
accel tcg
accel_note asked for: --accel tcg
qemu_version QEMU emulator version 7.2.15
qemu_command qemu-system-x86_64 -m 2048 -append 'console=ttyS0 a' 
cpu max
cpu_model_name 
cpu_flags  fpu vme  de 
memory_mib 2048
vcpus 2
guest_cpus_online 0-1
guest_cmdline console=ttyS0  quiet
cmdline_asked console=ttyS0
kernel_spec debian:6.12
kernel_image /cache/vmlinuz
kernel_package linux-image-cloud-amd64
kernel_package_version 
variant
tcg_threads single
boot_s 3.02
kernel_uptime_at_init_s 1.5
suite_s x
total_s 300.50
kprobes_after_suite 0
kprobes_while_running 
EOF
expect_exit 0 "$PTSTAT" set vm "$d" --facts "$T/facts"
s=$d/system.json
jq_true "$s" '.ptbench_version == "9.8.7" and .kernel == {release: "x"}' "vm: system.json kept"
jq_true "$s" '.vm == {accel: "tcg", accel_note: "asked for: --accel tcg",
	emulated_timings: true, tcg_threads: "single",
	qemu_version: "QEMU emulator version 7.2.15",
	qemu_command: "qemu-system-x86_64 -m 2048 -append '"'console=ttyS0 a'"'",
	cpu: "max", cpu_model_name: "", cpu_flags: ["fpu", "vme", "de"],
	memory_mib: 2048, vcpus: 2, guest_cpus_online: "0-1",
	guest_cmdline: "console=ttyS0  quiet", cmdline_asked: "console=ttyS0",
	kernel: {spec: "debian:6.12", image: "/cache/vmlinuz",
		package: "linux-image-cloud-amd64", package_version: null},
	variant: null, boot_s: 3.02, kernel_uptime_at_init_s: 1.5, suite_s: null,
	total_s: 300.5, kprobes: {after_suite: 0, while_running: null, after_sigkill: null}}' \
	"vm: every key, type and null"
pass "vm: the object, numbers and nulls as vm.sh made them"

sed -e 's/^accel tcg$/accel kvm/' "$T/facts" >"$T/facts-kvm"
expect_exit 0 "$PTSTAT" set vm "$d" --facts "$T/facts-kvm"
jq_true "$s" '.vm.emulated_timings == false and .vm.tcg_threads == null and
	(.vm | keys_unsorted | length) == 21' "vm under kvm: no TCG threads, one vm object"
pass "vm under KVM: emulated_timings false, tcg_threads null"

cp "$s" "$T/keep"
sed -e 's/^vcpus 2$/vcpus two/' "$T/facts" >"$T/facts-bad"
refuse "vm: vcpus not a number" "vcpus: 'two' is not a number" "$s" vm "$d" --facts "$T/facts-bad"
printf 'accel kvm\nbogus 1\n' >"$T/facts-bad"
refuse "vm: an unknown key" "facts-bad: line 2: unknown key 'bogus'" "$s" vm "$d" --facts "$T/facts-bad"
grep -v '^total_s' "$T/facts" >"$T/facts-bad"
refuse "vm: total_s missing" "total_s: '' is not a number" "$s" vm "$d" --facts "$T/facts-bad"
expect_exit 0 "$PTSTAT" set --help
grep -q 'ptstat set vm DIR --facts FILE' "$T/out" || fail "set --help lacks the vm command"
pass "set --help"

# ptstat check: what the runners ask instead of testing the schema.
expect_exit 0 "$PTBENCH" run mmap-churn --iterations 100 --reps 2 -q --label chk -o "$T/chk.json"
expect_exit 0 "$PTSTAT" check --label chk --reps 2 "$T/chk.json"
[ ! -s "$T/err" ] || fail "check of a valid result printed: $(cat "$T/err")"
expect_exit 1 "$PTSTAT" check --label other "$T/chk.json"
grep -qF "chk.json: label: 'chk', want 'other'" "$T/err" || fail "check --label: $(cat "$T/err")"
expect_exit 1 "$PTSTAT" check --reps 3 "$T/chk.json"
grep -qF "params.reps: 2, want 3" "$T/err" || fail "check --reps: $(cat "$T/err")"
"$JQ" 'del(.metrics)' "$T/chk.json" >"$T/nometrics.json"
expect_exit 1 "$PTSTAT" check "$T/chk.json" "$T/nometrics.json"
grep -q 'nometrics.json: metrics' "$T/err" || fail "check of a result without metrics: $(cat "$T/err")"
expect_exit 1 "$PTSTAT" check -q "$s"
[ ! -s "$T/err" ] || fail "check -q printed: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" check --reps 0 "$T/chk.json"
pass "check: a valid result 0 and silent; a wrong label, reps, a missing field 1 with the reason; -q silent; bad usage 2"

# fleet: runners/fleet.sh's record of a fleet run, one host at a time.
f=$T/fleet
mkdir -p "$f"
fj=$f/fleet.json
expect_exit 0 "$PTSTAT" set fleet "$f" --label nightly --suite smoke --host h1 --status ok \
	--sshlogin root@10.0.0.1 --kernel 6.1.0-1 --clock 2026-01-02T03:04:05Z --clock-offset -3
expect_exit 0 "$PTSTAT" set fleet "$f" --label nightly --suite smoke --host h2 --status failed \
	--reason 'ssh: connect to host 10.0.0.2 port 22: Connection refused'
"$JQ" -e --arg iso "$iso" '(.created | test($iso)) and (.updated | test($iso)) and
	del(.created, .updated, .hosts[].updated) == {schema: "ptbench-fleet/1", label: "nightly",
		suite: "smoke", hosts: {
		h1: {sshlogin: "root@10.0.0.1", status: "ok", reason: null, kernel_release: "6.1.0-1",
			clock: "2026-01-02T03:04:05Z", clock_offset_s: -3, attempts: 1},
		h2: {sshlogin: null, status: "failed",
			reason: "ssh: connect to host 10.0.0.2 port 22: Connection refused",
			kernel_release: null, clock: null, clock_offset_s: null, attempts: 1}}}
	and ([.hosts[].updated | test($iso)] | all)' "$fj" >/dev/null ||
	fail "fleet: fleet.json is not as recorded: $(cat "$fj")"
[ "$(stat -c %a "$fj")" = 644 ] || fail "fleet.json has mode $(stat -c %a "$fj")"
pass "fleet: fleet.json made, one record per host, nulls for what was not given"

expect_exit 0 "$PTSTAT" set fleet "$f" --label nightly --suite smoke --host h1 --status failed \
	--reason $'set-up failed: missing \xff packages'
jq_true "$fj" '.hosts.h1 | .status == "failed" and .reason == "set-up failed: missing ? packages"
	and .kernel_release == "6.1.0-1" and .clock == "2026-01-02T03:04:05Z"
	and .clock_offset_s == -3 and .sshlogin == "root@10.0.0.1" and .attempts == 2' \
	"fleet: a host's record replaced, its kernel, clock and sshlogin kept, attempts counted"
jq_true "$fj" '.hosts | keys_unsorted == ["h1", "h2"]' "fleet: the hosts in their first order"
pass "fleet: a record replaced, kernel and clock kept when not given, bytes not UTF-8 as '?'"

cp "$fj" "$T/keep"
d=$f
refuse "fleet: another label" "fleet.json: label: is 'nightly', not 'other'" "$fj" \
	fleet "$f" --label other --suite smoke --host h1 --status ok
refuse "fleet: a host name with a slash" "--host '../h': want letters" "$fj" \
	fleet "$f" --label nightly --suite smoke --host ../h --status ok
refuse "fleet: an unknown status" "--status 'done': want ok, failed or partial" "$fj" \
	fleet "$f" --label nightly --suite smoke --host h1 --status 'done'
refuse "fleet: failed without a reason" "--status failed needs a --reason" "$fj" \
	fleet "$f" --label nightly --suite smoke --host h1 --status failed
refuse "fleet: a clock not in UTC" "--clock '2026-01-02 03:04:05': want" "$fj" \
	fleet "$f" --label nightly --suite smoke --host h1 --status ok --clock '2026-01-02 03:04:05'
refuse "fleet: an offset that is not whole seconds" "--clock-offset '1.5'" "$fj" \
	fleet "$f" --label nightly --suite smoke --host h1 --status ok --clock-offset 1.5
refuse "fleet: no --host" "--label, --suite, --host and --status are needed" "$fj" \
	fleet "$f" --label nightly --suite smoke --status ok
refuse "fleet: an option of another command" "unknown option '--entry'" "$fj" \
	fleet "$f" --label nightly --suite smoke --host h1 --status ok --entry a
printf '{"schema": "ptbench-set/1", "label": "nightly", "hosts": {}}\n' >"$fj"
cp "$fj" "$T/keep"
refuse "fleet: another schema" "fleet.json: schema: is not 'ptbench-fleet/1'" "$fj" \
	fleet "$f" --label nightly --suite smoke --host h1 --status ok

# fleet --set: a side's record (fleet.sh --kernel), with the host that ran it.
fs=$T/fleet-sides
mkdir -p "$fs"
expect_exit 0 "$PTSTAT" set fleet "$fs" --label vm --suite smoke --set 6.1.0-9-cloud-amd64-pti \
	--kernel-spec debian:6.1 --variant pti:append=pti=on --host h2 --sshlogin root@h2 \
	--status ok --kernel 6.12.0-host --clock 2026-01-02T03:04:05Z --clock-offset 1
expect_exit 0 "$PTSTAT" set fleet "$fs" --label vm --suite smoke --set 6.12.1-cloud-amd64 \
	--kernel-spec debian:6.12 --status failed --reason 'no host could be reached'
jq_true "$fs/fleet.json" 'del(.created, .updated, .sides[].updated) == {schema: "ptbench-fleet/1",
	label: "vm", suite: "smoke", hosts: {}, sides: {
	"6.1.0-9-cloud-amd64-pti": {sshlogin: "root@h2", status: "ok", reason: null,
		kernel_release: "6.12.0-host", clock: "2026-01-02T03:04:05Z", clock_offset_s: 1,
		attempts: 1, host: "h2", kernel_spec: "debian:6.1", variant: "pti:append=pti=on"},
	"6.12.1-cloud-amd64": {sshlogin: null, status: "failed", reason: "no host could be reached",
		kernel_release: null, clock: null, clock_offset_s: null, attempts: 1, host: null,
		kernel_spec: "debian:6.12", variant: null}}}' "fleet --set: the sides' records"
expect_exit 0 "$PTSTAT" set fleet "$fs" --label vm --suite smoke --set 6.1.0-9-cloud-amd64-pti \
	--kernel-spec debian:6.1 --variant pti:append=pti=on --status failed --reason 'lost'
jq_true "$fs/fleet.json" '.sides["6.1.0-9-cloud-amd64-pti"] | .attempts == 2 and .host == null and
	.sshlogin == null and .kernel_release == null and .clock == null' \
	"fleet --set: a side's record replaced, attempts counted, nothing of its earlier host kept"
cp "$fs/fleet.json" "$T/keep"
d=$fs
refuse "fleet --set without --kernel-spec" "--label, --suite, --kernel-spec and --status are needed with --set" \
	"$fs/fleet.json" fleet "$fs" --label vm --suite smoke --set x --status ok
refuse "fleet: --variant without --set" "--kernel-spec and --variant go with --set" \
	"$fs/fleet.json" fleet "$fs" --label vm --suite smoke --host h1 --status ok --variant a:cpu=max
refuse "fleet --set: a name with a slash" "--set 'a/b': want letters" \
	"$fs/fleet.json" fleet "$fs" --label vm --suite smoke --set a/b --kernel-spec k --status ok
pass "fleet --set: one record per side in sides, its host, kernel spec and variant; attempts counted"

# place: a checked set moved into place, replacing an earlier one in one step.
p=$T/place
mkdir -p "$p/new/sub" "$p/old/deep/er"
printf 'new\n' >"$p/new/sub/a.json"
printf 'old\n' >"$p/old/deep/er/b.json"
expect_exit 0 "$PTSTAT" set place "$p/old" "$p/dest"
{ [ -f "$p/dest/deep/er/b.json" ] && [ ! -e "$p/old" ]; } || fail "place: DEST absent: $(find "$p")"
ino=$(stat -c %i "$p/new")
expect_exit 0 "$PTSTAT" set place "$p/new" "$p/dest"
[ "$(cat "$p/dest/sub/a.json")" = new ] || fail "place: DEST present: not the new set: $(find "$p")"
[ "$(stat -c %i "$p/dest")" = "$ino" ] || fail "place: DEST is not the directory SRC was (renamed, not copied)"
[ "$(find "$p" -mindepth 1 | sort | tr '\n' ' ')" = "$p/dest $p/dest/sub $p/dest/sub/a.json " ] ||
	fail "place: DEST present: the old set or SRC left: $(find "$p")"
[ ! -s "$T/err" ] || fail "place printed: $(cat "$T/err")"
pass "place: DEST absent renamed to, DEST present exchanged and the old one removed with everything in it"

expect_exit 2 "$PTSTAT" set place "$p/missing" "$p/dest"
grep -qF "ptstat set place: $p/missing: not a directory" "$T/err" || fail "place: SRC missing: $(cat "$T/err")"
[ "$(cat "$p/dest/sub/a.json")" = new ] || fail "place: SRC missing touched DEST"
mkdir "$p/src2"
printf 'x\n' >"$p/file"
expect_exit 2 "$PTSTAT" set place "$p/src2" "$p/file"
grep -qF "$p/file exists and is not a directory" "$T/err" || fail "place: DEST a file: $(cat "$T/err")"
{ [ -d "$p/src2" ] && [ "$(cat "$p/file")" = x ]; } || fail "place: DEST a file: something moved"
expect_exit 2 "$PTSTAT" set place "$p/src2"
grep -qF "SRC and DEST are needed" "$T/err" || fail "place: no DEST: $(cat "$T/err")"
expect_exit 2 "$PTSTAT" set place "$p/src2" "$p/d1" "$p/d2"
grep -qF "SRC and DEST, not '$p/d2' as well" "$T/err" || fail "place: three paths: $(cat "$T/err")"
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$p")" ]; then
	expect_exit 2 "$PTSTAT" set place "$p/src2" "/dev/shm/ptstat-place-$$"
	grep -qF "are on different file systems" "$T/err" || fail "place: across file systems: $(cat "$T/err")"
	{ [ -d "$p/src2" ] && [ ! -e "/dev/shm/ptstat-place-$$" ]; } || fail "place: across file systems: something moved"
	pass "place: SRC and DEST on different file systems refused (exit 2), nothing moved"
else
	printf 'SKIP: place across file systems: /dev/shm is missing or on the file system of %s\n' "$p"
fi
pass "place: SRC missing, DEST a file, a missing or extra path: exit 2 with the reason, nothing moved"
