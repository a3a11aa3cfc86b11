#!/usr/bin/env bash
# The shadow stage 2 end to end (docs/nested.md, "Shadow stage 2"): the nvhyp
# guest hypervisor (tests/guests/nvhyp.c, nv_s2=1) turns its stage 2 on for
# its guest, mapping its RAM 1:1, passing the UART through, and a window
# with one page mapped, one not, one read-only. L2's read inside works; its
# read outside and its write to the read-only page reach L1 as stage-2
# aborts, whose ESR_EL2, FAR_EL2 and HPFAR_EL2 L1 checks; its UART read is
# emulated by L0 at L1's IPA; after L1 remaps the page and runs TLBI
# IPAS2E1IS, L2 reads the new one. The trace must say the same: shadow
# faults filled, reflected and handled in L0, the invalidation, L2's exits
# with their decisions; and `report` must count them in its nested section.
#
#   tests/e2e/nested_s2.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/nested_s2.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/nested_s2.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0

. tests/e2e/lib_check.sh

rm -rf "$work"
mkdir -p "$work" || exit 2

"$hypscope" run --cpu "$model" --cpus 1 --timeout 60 --record "$work/s2.trace" \
	--vm "build/guests/nvhyp.elf:el2=on,cmdline=nv_s2=1" >"$work/s2.log" 2>&1
status=$?
sed 's/^/[s2] /' "$work/s2.log" | grep -v 'PASS:'
check "the guest hypervisor ran to its end (exit status)" "$status" 0
expect "the guest hypervisor reported no unexpected failure" "$work/s2.log" \
	" tests, 0 unexpected failures"
expect "L2 read the page L1 maps" "$work/s2.log" \
	"PASS: nv_s2: L2 read the page L1 maps at 0x80000000"
expect "L2's read outside L1's mapping reached L1 with its syndrome" "$work/s2.log" \
	"PASS: nv_s2: L2's read outside reached L1 as a stage-2 abort"
expect "L2's write to a read-only page reached L1 as a permission fault" "$work/s2.log" \
	"PASS: nv_s2: L2's write to a read-only page reached L1"
expect "after L1 remapped and invalidated, L2 read the new page" "$work/s2.log" \
	"PASS: nv_s2: after L1 remapped and invalidated, L2 read the new page"

"$hypscope" print "$work/s2.trace" >"$work/s2.print" 2>&1 || fail "hypscope print failed"
# s2_faults RESULT: nv_s2_fault records with that result
s2_faults() { grep ' nv_s2_fault ' "$work/s2.print" | grep -c "result=$1 "; }
check "shadow faults reflected to L1 (the read outside, the write)" "$(s2_faults reflected)" 2
check "shadow faults handled in L0 (the UART through L1's mapping)" "$(s2_faults l0)" 1
n=$(s2_faults filled)
[ "$n" -ge 3 ] && pass "shadow pages filled: $n" || fail "shadow pages filled: $n (3 at least)"
check "the window's page filled again after L1's TLBI, with the new page" \
	"$(grep ' nv_s2_fault ' "$work/s2.print" | grep 'result=filled ipa=0x80000000 ' |
		awk '{ print $7 }' | sort -u | wc -l)" 2
check "L1's TLBI IPAS2E1IS dropped the window's page" \
	"$(grep ' nv_s2_inval ' "$work/s2.print" | grep -c 'ipa=0x80000000 .*count=1 .*op=0 ')" 1
check "L2 exits reflected for L1's stage 2" \
	"$(grep ' nv_exit ' "$work/s2.print" | grep -c 'decision=reflected why=l1_stage2 ')" 2
check "L2's UART read handled in L0 as a device" \
	"$(grep ' nv_exit ' "$work/s2.print" | grep -c 'decision=l0 why=l0_device ')" 1
check "L2 exits handled in L0 by filling the shadow" \
	"$(grep ' nv_exit ' "$work/s2.print" | grep -c 'decision=l0 why=l0_stage2 ')" "$n"
check "L2 exits all flagged level=L2 and paired with their nv_exit" \
	"$(grep -c ' exit .* level=L2$' "$work/s2.print")" \
	"$(grep -c ' nv_exit ' "$work/s2.print")"

"$hypscope" report "$work/s2.trace" >"$work/s2.report" 2>&1 || fail "hypscope report failed"
expect "report: the shadow stage 2 in the nested section" "$work/s2.report" \
	"faults: filled $n, reflected 2, l0 1 ($n pages filled); 1 invalidations: ipa 1"
expect "report: L2's data aborts reflected, by class" "$work/s2.report" \
	"DABT_LOW     reflected          2"
"$hypscope" report "$work/s2.trace" --format json >"$work/s2.json" 2>&1 ||
	fail "hypscope report --format json failed"
expect "report --format json: the nested section" "$work/s2.json" \
	"\"s2_faults\": {\"filled\": $n, \"reflected\": 2, \"l0\": 1, \"unknown\": 0}"

exit $failed
