#!/usr/bin/env bash
# EL2 instruction counts, deterministic: QEMU's -icount makes the PMU's
# instructions-retired counter exact, and the guests read it
# (HYPSCOPE_HVC_EL2_INSNS, filtered to EL2) around their measurements:
#  - bench_hvc: a null hypercall round trip (HYPSCOPE_HVC_NOP), without and
#    with tracing; one trace record of each hot-path type, emitted 1000 at a
#    time by the hypervisor's own emitters (HYPSCOPE_HVC_TRACE_EMIT), the
#    same loop with tracing off subtracted, leaving the record's own cost;
#  - bench_switch, twice on one CPU: a switch between two VMs (HYPSCOPE_HVC_YIELD).
# Then where a null hypercall's and a switch's instructions go, phase by
# phase: QEMU's exec log of one run each, read by el2_phases.py. Figures are printed next to their
# goals, never asserted.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
hs="$top/build/hypscope"
guest="$top/build/guests/bench_hvc.elf"
switch="$top/build/guests/bench_switch.elf"
icount=(--qemu-arg -icount --qemu-arg shift=0)

run() { # trace mode, cpu model -> the guest's BENCH lines
	"$hs" run --vm "$guest" --cpus 1 --cpu "$2" --trace "$1" --timeout 300 "${icount[@]}" 2>&1 |
		sed -n 's/.*BENCH //p'
}
field() { echo "$1" | sed -n "s/^$2=\([0-9.]*\).*/\1/p" | head -n 1; }
# figure, goal -> "figure (goal at most G: met|MISSED)"
vs() { awk -v f="$1" -v g="$2" 'BEGIN { printf "%.1f (goal <= %s: %s)", f, g, f <= g ? "met" : "MISSED" }'; }

echo "== EL2 instructions (exact, QEMU -icount)"
for cpu in cortex-a57 max; do
	off=$(run off "$cpu")
	on=$(run drop "$cpu")
	hvc_off=$(field "$off" el2_insns_per_hvc)
	hvc_on=$(field "$on" el2_insns_per_hvc)
	if [ -z "$hvc_off" ] || [ -z "$hvc_on" ]; then
		echo "  $cpu: measurement failed"
		continue
	fi
	echo "  $cpu null hypercall round trip: untraced $(vs "$hvc_off" 150), traced (3 records) $(vs "$hvc_on" 230)"
	line="  $cpu per trace record:"
	for rec in entry exit smccc; do
		a=$(field "$off" "el2_insns_per_record_$rec")
		b=$(field "$on" "el2_insns_per_record_$rec")
		line="$line $rec $(vs "$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')" 30);"
	done
	echo "${line%;}"
	sw=$("$hs" run --vm "$switch:name=a" --vm "$switch:name=b" --cpus 1 --cpu "$cpu" --trace off \
		--timeout 300 "${icount[@]}" 2>&1 | sed -n 's/.*\[a\] BENCH //p')
	sw=$(field "$sw" el2_insns_per_switch)
	if [ -n "$sw" ]; then
		echo "  $cpu switch between two VMs on one CPU (yield, everything switched): $(vs "$sw" 600)"
	else
		echo "  $cpu switch between two VMs: measurement failed"
	fi
done
# The producer's code has no atomic read-modify-write: count them.
n=$(aarch64-linux-gnu-objdump -d "$top/build/el2/formats/ring.o" "$top/build/el2/hyp/core/trace.o" \
	"$top/build/el2/hyp/core/exit.o" 2>/dev/null |
	grep -cE '\s(ldxr|ldaxr|stxr|stlxr|cas|casa|casal|ldadd|swp)\s' || true)
echo "  atomic read-modify-write instructions in the ring producer and trace emitters: $n (goal: 0)"

# Where the instructions go: every translation block QEMU runs, in the
# hypervisor's address range, for a small run of bench_hvc.
echo "== A null hypercall (max, untraced), phase by phase (QEMU -d exec, exact)"
log=$(mktemp -d)
# The hypervisor's link range (hyp/arch/aarch64/hyp.ld): only its blocks are logged.
range=$(aarch64-linux-gnu-nm "$top/build/hyp.elf" | awk '$3 == "HYP_BASE" { b = $1 } $3 == "HYP_LIMIT" { l = $1 } END { print "0x" b "..0x" l }')
trap 'rm -rf "$log"' EXIT
"$hs" run --vm "$guest:mem=2M" --cpus 1 --cpu max --trace off --timeout 300 "${icount[@]}" \
	--qemu-arg -d --qemu-arg in_asm,exec,nochain --qemu-arg -dfilter \
	--qemu-arg "$range" --qemu-arg -D --qemu-arg "$log/q.log" >/dev/null 2>&1
python3 "$top/tests/bench/el2_phases.py" "$top/build/hyp.elf" <"$log/q.log" ||
	echo "  phase breakdown failed"
echo "== A switch between two VMs on one CPU (max, untraced), phase by phase (QEMU -d exec, exact)"
rm -f "$log/q.log"
"$hs" run --vm "$switch:name=a" --vm "$switch:name=b" --cpus 1 --cpu max --trace off --timeout 300 \
	"${icount[@]}" --qemu-arg -d --qemu-arg in_asm,exec,nochain --qemu-arg -dfilter \
	--qemu-arg "$range" --qemu-arg -D --qemu-arg "$log/q.log" >/dev/null 2>&1
python3 "$top/tests/bench/el2_phases.py" "$top/build/hyp.elf" <"$log/q.log" ||
	echo "  phase breakdown failed"
