#!/usr/bin/env bash
# A guest hypervisor at virtual EL2 (el2=on), end to end: the nvhyp guest
# (tests/guests/nvhyp.c) enters an L2 and checks each HVC L2 makes; the
# trace of each run must show every L2 exit with its decision
# (trace_nv_exit: reflected to L1 or handled in L0, and why), flagged L2 in
# its exit record, and the ERETs and injections between the levels.
#
#   run 1: L1's TWI clear, device reads: L2's WFI and its UART and GIC reads
#          are handled in L0, only the HVCs reach L1; L1's illegal ERET
#          sets PSTATE.IL and L1 takes the Illegal State exception itself
#   run 2: L1's TWI set: the WFI is reflected too (an L1 trap, detail TWI),
#          and with its TVM and TSC, L2's CONTEXTIDR_EL1 write and SMC
#   run 3: L1's IMO set: the SGIs L2 sends itself enter L1 at its IRQ vector;
#          L1 runs with its own EL2 MMU on (an alias proves its stage 1)
#   and on a CPU model without FEAT_NV2 el2=on is refused with a clear error.
#
#   tests/e2e/nested.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/nested.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/nested.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0

. tests/e2e/lib_check.sh

rm -rf "$work"
mkdir -p "$work" || exit 2

# run NAME CMDLINE: the guest under --record, its trace printed and exported.
run() {
	local name=$1 cmdline=$2 status
	"$hypscope" run --cpu "$model" --cpus 1 --timeout 60 --record "$work/$name.trace" \
		--vm "build/guests/nvhyp.elf:el2=on,cmdline=$cmdline" >"$work/$name.log" 2>&1
	status=$?
	sed "s/^/[$name] /" "$work/$name.log" | grep -v 'PASS:'
	if [ "$status" -eq 0 ]; then
		pass "$name: the guest hypervisor ran to its end (exit status 0)"
	else
		fail "$name: hypscope run exited with status $status"
	fi
	if grep -q 'SUMMARY: [0-9]* tests, 0 unexpected failures' "$work/$name.log"; then
		pass "$name: the guest hypervisor reported no unexpected failure"
	else
		fail "$name: the guest's summary is missing or counts failures"
	fi
	grep -q 'powered off' "$work/$name.log" &&
		pass "$name: L1 powered off with PSCI over SMC" ||
		fail "$name: the VM did not end with PSCI SYSTEM_OFF"
	"$hypscope" print "$work/$name.trace" >"$work/$name.print" 2>&1 ||
		fail "$name: hypscope print failed"
	"$hypscope" export "$work/$name.trace" -f csv -o "$work/$name.csv" >/dev/null 2>&1 ||
		fail "$name: hypscope export failed"
}

# nv_exits NAME DECISION WHY: how many trace_nv_exit records say so.
nv_exits() {
	grep ' nv_exit ' "$work/$1.print" | grep -c "decision=$2 why=$3 "
}

# csv_count NAME AWK-CONDITION: CSV rows (by column name) that satisfy it.
csv_count() {
	awk -F, -v cond="$2" '
		function hex(s,   i, v) {
			v = 0
			for (i = 3; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
			return v
		}
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		cond == "l2exit" && $col["type"] == "exit" && int(hex($col["flags"]) / 32) % 2 { n++ }
		cond == "l1exit" && $col["type"] == "exit" && int(hex($col["flags"]) / 16) % 2 { n++ }
		cond == "nvexit" && $col["type"] == "nv_exit" { n++ }
		cond == "eret_l2" && $col["type"] == "nv_eret" && $col["target"] == 1 { n++ }
		cond == "eret_el2" && $col["type"] == "nv_eret" && $col["target"] == 2 && $col["illegal"] == 0 { n++ }
		cond == "eret_illegal" && $col["type"] == "nv_eret" && $col["illegal"] == 1 { n++ }
		cond == "inject" && $col["type"] == "nv_inject" && $col["from_el"] == 1 { n++ }
		cond == "inject_irq" && $col["type"] == "nv_inject" && $col["kind"] == 1 { n++ }
		END { print n + 0 }' "$work/$1.csv"
}

# Run 1: 6 HVCs, TWI clear, device reads.
run twi0 "nv_hvcs=6 nv_dev=1"
grep -q "PASS: L2's WFI was handled by L0 and never reached L1" "$work/twi0.log" &&
	pass "twi0: L1 never saw L2's WFI" || fail "twi0: L1 saw L2's WFI"
check "twi0: L2 exits reflected as HVCs (6 and the last)" "$(nv_exits twi0 reflected hvc)" 7
check "twi0: L2 exits reflected as L1 traps" "$(nv_exits twi0 reflected l1_trap)" 0
check "twi0: L2's WFI handled in L0, not asked by L1" "$(nv_exits twi0 l0 not_asked)" 1
check "twi0: L2's UART and GIC reads handled in L0 (device L1 does not map)" \
	"$(nv_exits twi0 l0 l0_device)" 2
check "twi0: every L2 exit record has its nv_exit" "$(csv_count twi0 l2exit)" \
	"$(csv_count twi0 nvexit)"
check "twi0: ERETs of L1 into L2 at EL1" "$(csv_count twi0 eret_l2)" 7
# The end of L2 and the return from L1's Illegal State handler.
check "twi0: ERETs of L1 that stay at virtual EL2" "$(csv_count twi0 eret_el2)" 2
check "twi0: L1's illegal ERET (to EL3)" "$(csv_count twi0 eret_illegal)" 1
grep -q "PASS: an illegal ERET (to EL3) sets PSTATE.IL and stays at EL2" "$work/twi0.log" &&
	pass "twi0: L1 took the Illegal State exception at its own level" ||
	fail "twi0: L1's illegal ERET did not end in an Illegal State exception at EL2"
check "twi0: exceptions injected into virtual EL2 from L2" "$(csv_count twi0 inject)" 7
n=$(csv_count twi0 l1exit)
[ "$n" -gt 0 ] && pass "twi0: $n exits of L1 carry the L1 flag" || fail "twi0: no exit has the L1 flag"

# Run 2: 3 HVCs, TWI set.
run twi1 "nv_hvcs=3 nv_twi=1 nv_traps=1"
grep -q "PASS: L2's WFI reached L1 (1 seen)" "$work/twi1.log" &&
	pass "twi1: L1 saw L2's WFI once" || fail "twi1: L1 did not see L2's WFI once"
check "twi1: L2 exits reflected as HVCs (3 and the last)" "$(nv_exits twi1 reflected hvc)" 4
check "twi1: L2's WFI, sysreg write and SMC reflected as L1 traps" \
	"$(nv_exits twi1 reflected l1_trap)" 3
for d in "0x2000 TWI" "0x4000000 TVM" "0x80000 TSC"; do
	check "twi1: an L1 trap with detail HCR_EL2.${d#* }" \
		"$(grep ' nv_exit ' "$work/twi1.print" | grep 'why=l1_trap' | grep -c "detail=${d% *} ")" 1
done
grep -q "PASS: L2's CONTEXTIDR_EL1 write (TVM) and SMC (TSC) reached L1" "$work/twi1.log" &&
	pass "twi1: L1 saw the TVM and TSC traps with their syndromes" ||
	fail "twi1: L1 did not see L2's TVM and TSC traps right"
check "twi1: nothing handled in L0 as not asked" "$(nv_exits twi1 l0 not_asked)" 0
check "twi1: every L2 exit record has its nv_exit" "$(csv_count twi1 l2exit)" \
	"$(csv_count twi1 nvexit)"

# Run 3: L1 routes IRQs to itself; L2 sends itself 4 SGIs, handled in L0's
# vGIC, each taken by L1 at virtual EL2.
run irq "nv_hvcs=1 nv_irq=4 nv_mmu=1"
grep -q "PASS: L1 reads RAM through its alias at .*: its stage 1 translates" "$work/irq.log" &&
	pass "irq: L1's EL2 stage 1 is in force (carried by the EL1 registers)" ||
	fail "irq: L1's EL2 MMU did not translate"
grep -q "PASS: L1 took 4 of L2's 4 SGIs at its IRQ vector" "$work/irq.log" &&
	pass "irq: L1 took each of L2's SGIs at its IRQ vector" ||
	fail "irq: L1 did not take L2's 4 SGIs"
check "irq: IRQs injected into virtual EL2" "$(csv_count irq inject_irq)" 4
check "irq: L2's ICC_SGI1R_EL1 writes handled in L0" \
	"$(grep ' nv_exit ' "$work/irq.print" | grep 'decision=l0 why=not_asked' | grep -c 'esr=0x623a')" 4
check "twi0: no IRQ injected without L1's IMO" "$(csv_count twi0 inject_irq)" 0

# Without FEAT_NV2 the key is refused, before QEMU starts.
"$hypscope" run --cpu cortex-a57 --vm build/guests/nvhyp.elf:el2=on >"$work/a57.log" 2>&1
status=$?
if [ "$status" -ne 0 ] && grep -q 'el2=on needs FEAT_NV2' "$work/a57.log"; then
	pass "el2=on on cortex-a57 is refused: $(head -1 "$work/a57.log")"
else
	fail "el2=on on cortex-a57: status $status, $(head -1 "$work/a57.log")"
fi

exit $failed
