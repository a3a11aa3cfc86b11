#!/usr/bin/env bash
# EL2 instructions per null hypercall round trip, without and with tracing.
#
# The bench_hvc guest reads the count of instructions retired at EL2 on its
# physical CPU (HYPSCOPE_HVC_EL2_INSNS: PMU event INST_RETIRED filtered to
# EL2) around 2000 HYPSCOPE_HVC_NOP calls. Under QEMU's -icount the count
# is exact and the same on every run: a deterministic figure, not a timing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
hs="$top/build/hypscope"
guest="$top/build/guests/bench_hvc.elf"

measure() { # trace mode, cpu model
	"$hs" run --vm "$guest" --cpus 1 --cpu "$2" --trace "$1" --timeout 300 \
		--qemu-arg -icount --qemu-arg shift=0 2>&1 |
		sed -n 's/.*BENCH el2_insns_per_hvc=\([0-9.]*\).*/\1/p'
}

echo "== EL2 instructions per null hypercall round trip (exact, QEMU -icount)"
for cpu in cortex-a57 max; do
	off=$(measure off "$cpu")
	on=$(measure drop "$cpu")
	if [ -z "$off" ] || [ -z "$on" ]; then
		echo "  $cpu: measurement failed"
		continue
	fi
	# A traced round trip writes 3 records: entry, exit and SMCCC call.
	awk -v cpu="$cpu" -v off="$off" -v on="$on" 'BEGIN {
		printf "  %-11s tracing off %8.1f   tracing on %8.1f   +%.1f per round trip, %.1f per record (3 records)\n",
			cpu, off, on, on - off, (on - off) / 3 }'
done
