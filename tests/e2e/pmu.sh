#!/usr/bin/env bash
# The guest PMUv3, recorded: the pmu guest (tests/guests/pmu.c) on 2 vCPUs
# sharing one CPU under QEMU -icount (instructions retired are exact), with
# the trace drained to a file. Its own checks must pass; the trace must show
# its overflow interrupts as injections of INTID 23 from the PMU, and the
# exit costs measured on the hypervisor's reserved cycle counter.
#
#   tests/e2e/pmu.sh [MODEL]       (default CPU model: max)
#
# The guest's PASS:/FAIL: lines, then one line per trace check; exit status 0
# only when nothing failed. Files stay in build/e2e-logs/pmu.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/pmu.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

# hypscope run kills its QEMU on every way out, a timeout included.
"$hypscope" run --vm build/guests/pmu.elf:vcpus=2 --cpus 1 --timeout 60 --cpu "$model" \
	--qemu-arg -icount --qemu-arg shift=0 --record "$work/pmu.trace" </dev/null \
	>"$work/run.log" 2>&1
status=$?
cat "$work/run.log"
if [ "$status" -eq 0 ]; then
	pass "hypscope run exited 0"
else
	fail "hypscope run exited $status (log: $work/run.log)"
fi

"$hypscope" print "$work/pmu.trace" >"$work/print.txt" 2>&1
n=$(grep -c 'irq_inject.*vintid=23 source=pmu target=vcpu0' "$work/print.txt")
if [ "$n" -ge 2 ]; then
	pass "trace: $n PMU overflow interrupts injected into vcpu0 as INTID 23"
else
	fail "trace: $n PMU irq_inject records, want at least 2 ($work/print.txt)"
fi

"$hypscope" report "$work/pmu.trace" >"$work/report.txt" 2>&1
if grep -Eq '^Virtual interrupts injected: .*PMU [0-9]+' "$work/report.txt"; then
	pass "report: $(grep '^Virtual interrupts injected' "$work/report.txt")"
else
	fail "report: no PMU injections counted ($work/report.txt)"
fi
# Handling costs come from the reserved EL2 cycle counter: a PMU register
# trap costs cycles, whatever the guest did to its own counters.
if awk '$1 == "SYS64" && $6 == "|" && $7 + 0 > 0 { ok = 1 } END { exit !ok }' "$work/report.txt"; then
	pass "report: SYS64 exits have a handling cost in cycles"
else
	fail "report: SYS64 exit costs are zero ($work/report.txt)"
fi
exit "$failed"
