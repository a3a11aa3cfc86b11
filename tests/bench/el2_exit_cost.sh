#!/usr/bin/env bash
# EL2 instruction counts, deterministic: QEMU's -icount makes the PMU's
# instructions-retired counter exact, and the bench_hvc guest reads it
# (HYPSCOPE_HVC_EL2_INSNS, filtered to EL2) around its measurements:
#  - a null hypercall round trip (HYPSCOPE_HVC_NOP), without and with tracing;
#  - one trace record of each hot-path type, emitted 1000 at a time by the
#    hypervisor's own emitters (HYPSCOPE_HVC_TRACE_EMIT); the same loop with
#    tracing off is subtracted, leaving the record's own cost.
# Figures are printed, never asserted.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
hs="$top/build/hypscope"
guest="$top/build/guests/bench_hvc.elf"

run() { # trace mode, cpu model -> the guest's BENCH lines
	"$hs" run --vm "$guest" --cpus 1 --cpu "$2" --trace "$1" --timeout 300 \
		--qemu-arg -icount --qemu-arg shift=0 2>&1 | sed -n 's/.*BENCH //p'
}
field() { echo "$1" | sed -n "s/^$2=\([0-9.]*\).*/\1/p"; }

echo "== EL2 instructions (exact, QEMU -icount; goal: at most 40 per record, no atomics)"
for cpu in cortex-a57 max; do
	off=$(run off "$cpu")
	on=$(run drop "$cpu")
	hvc_off=$(field "$off" el2_insns_per_hvc)
	hvc_on=$(field "$on" el2_insns_per_hvc)
	if [ -z "$hvc_off" ] || [ -z "$hvc_on" ]; then
		echo "  $cpu: measurement failed"
		continue
	fi
	line=$(printf "  %-11s null hypercall: %.1f untraced, %.1f traced (3 records);" \
		"$cpu" "$hvc_off" "$hvc_on")
	for rec in entry exit smccc; do
		a=$(field "$off" "el2_insns_per_record_$rec")
		b=$(field "$on" "el2_insns_per_record_$rec")
		line="$line $(awk -v a="$a" -v b="$b" -v r="$rec" 'BEGIN { printf "%s record %.1f", r, b - a }')"
	done
	echo "$line"
done
# The producer's code has no atomic read-modify-write: count them.
n=$(aarch64-linux-gnu-objdump -d "$top/build/el2/formats/ring.o" "$top/build/el2/hyp/core/trace.o" \
	2>/dev/null | grep -cE '\s(ldxr|ldaxr|stxr|stlxr|cas|casa|casal|ldadd|swp)\s' || true)
echo "  atomic read-modify-write instructions in the ring producer and trace emitters: $n"
