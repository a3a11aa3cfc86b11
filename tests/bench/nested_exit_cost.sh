#!/usr/bin/env bash
# EL2 instructions of an L2 exit, nested (el2=on), exact under QEMU's -icount:
# the nvhyp guest hypervisor's L2 reads the EL2 instruction counter
# (HYPSCOPE_HVC_EL2_INSNS over SMC) around its own windows:
#  - an SMC (PSCI_VERSION) that L1 does not trap (TSC clear): handled in L0;
#  - an HVC, always reflected to L1, whose handler returns at once: the
#    reflection into virtual EL2 and L1's ERET back into L2, both in L0.
# Untraced and traced (drop). Figures are printed, never asserted. FEAT_NV2:
# -cpu max only.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
hs="$top/build/hypscope"
guest="$top/build/guests/nvhyp.elf"

run() { # trace mode -> the guest's BENCH lines
	"$hs" run --vm "$guest:el2=on,cmdline=nv_hvcs=1 nv_bench=1" --cpus 1 --cpu max \
		--trace "$1" --timeout 300 --qemu-arg -icount --qemu-arg shift=0 2>&1 |
		sed -n 's/.*BENCH //p'
}
field() { echo "$1" | sed -n "s/^$2=\([0-9.]*\).*/\1/p"; }

echo "== EL2 instructions of an L2 exit (exact, QEMU -icount, -cpu max, el2=on)"
for mode in off drop; do
	out=$(run "$mode")
	l0=$(field "$out" nv_el2_insns_l2_smc_l0)
	l1=$(field "$out" nv_el2_insns_l2_hvc_reflected)
	if [ -z "$l0" ] || [ -z "$l1" ]; then
		echo "  trace $mode: measurement failed"
		continue
	fi
	printf "  trace %-4s  L2 SMC handled in L0: %.1f   L2 HVC reflected to L1 and resumed: %.1f\n" \
		"$mode" "$l0" "$l1"
done
