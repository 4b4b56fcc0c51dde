#!/usr/bin/env bash
# ptbench sysinfo: what this kernel is and does, as JSON.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
pt_tmpdir

s="$T/sys.json"
expect_exit 0 "$PTBENCH" sysinfo
cp "$T/out" "$s"
jq_true "$s" ".kernel.release == \"$(uname -r)\"" "kernel release"
jq_true "$s" '.kernel.cmdline | type == "string"' "kernel command line"
jq_true "$s" '.tlb_flush.mode | IN("pv-kvm", "pv-hyperv", "pv-xen", "ipi", "unknown")' "TLB flush mode"
jq_true "$s" '.table_free.mode | IN("rcu", "direct", "unknown")' "table-free mode"
jq_true "$s" '.ptbench_version | test("^[0-9]+\\.[0-9]+")' "ptbench version"
jq_true "$s" ".cpu.online == $(getconf _NPROCESSORS_ONLN)" "online CPUs"
jq_true "$s" '.topology.pus >= 1 and .topology.cores >= 1' "hwloc topology"
jq_true "$s" '.cpu.model | type == "string" and length > 0' "CPU model"

# The kernel config, read the same way the kernel offers it.
if [ -r /proc/config.gz ]; then
	jq_true "$s" '.config.source == "/proc/config.gz"' "config from /proc/config.gz"
	for opt in CONFIG_MMU_GATHER_RCU_TABLE_FREE CONFIG_PARAVIRT CONFIG_HZ; do
		want=$(zcat /proc/config.gz | sed -n "s/^$opt=//p")
		[ -n "$want" ] || want=n
		jq_true "$s" ".config.options.$opt == \"$want\"" "$opt as in /proc/config.gz"
	done
elif [ -r "/boot/config-$(uname -r)" ]; then
	jq_true "$s" ".config.source == \"/boot/config-$(uname -r)\"" "config from /boot"
else
	jq_true "$s" '.config.source == null' "no config: said so"
fi

# When the kernel log is readable, the mode must agree with it.
if dmesg >"$T/dmesg" 2>/dev/null && [ -s "$T/dmesg" ]; then
	if grep -q 'KVM setup pv remote TLB flush' "$T/dmesg"; then
		jq_true "$s" '.tlb_flush.mode == "pv-kvm" and .tlb_flush.source == "kernel-log"' "pv-kvm from the log"
	elif grep -q 'Using hypercall for remote TLB flush' "$T/dmesg"; then
		jq_true "$s" '.tlb_flush.mode == "pv-hyperv"' "pv-hyperv from the log"
	fi
fi
if [ -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
	want=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled)
	jq_true "$s" ".thp.enabled == \"$want\"" "THP setting"
fi
pass "sysinfo agrees with /proc and the kernel log"

# Every result embeds the short form.
r="$T/r.json"
expect_exit 0 "$PTBENCH" run mmap-churn --duration 0.2 --reps 1 --warmup 0 -q -o "$r"
jq_true "$r" ".kernel.release == \"$(uname -r)\" and (.kernel.tlb_flush_mode | type == \"string\")" \
	"result carries the kernel summary"
