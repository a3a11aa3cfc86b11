#!/usr/bin/env bash
# Timers as levels, end to end: the timer_level guest (tests/guests/
# timer_level.c) under `hypscope run --record`, then `hypscope print` of the
# trace must show each timer's line (irq_line records, INTIDs 27 and 30)
# going up and down: the guest disabled, masked and moved each timer on.
#
#   tests/e2e/timer_level.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check (the guest's own report
# lines pass through); exit status 0 only when nothing failed. Files stay in
# build/e2e-logs/timer_level.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/timer_level.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

"$hypscope" run --cpu "$model" --cpus 1 --timeout 60 --record "$work/run.trace" \
	--vm build/guests/timer_level.elf >"$work/run.log" 2>&1
status=$?
cat "$work/run.log"
if [ "$status" -eq 0 ]; then
	pass "the timer_level guest ran to its end (exit status 0)"
else
	fail "hypscope run exited with status $status"
fi
if grep -q 'SUMMARY: [0-9]* tests, 0 unexpected failures' "$work/run.log"; then
	pass "the guest reported no unexpected failure"
else
	fail "the guest's summary is missing or counts failures"
fi
# The guest library's report prefix stack: each timer's checks carry its name,
# and the checks after the last pop carry none.
for t in virtual physical; do
	n=$(grep -c "PASS: $t timer: " "$work/run.log")
	if [ "$n" -ge 10 ]; then
		pass "$n checks carry the prefix '$t timer: '"
	else
		fail "$n checks carry the prefix '$t timer: ' (10 or more expected)"
	fi
done
if grep -q '\] PASS: no spurious acknowledge' "$work/run.log"; then
	pass "the prefixes were popped: the last check has none"
else
	fail "the check after both timers still carries a prefix, or is missing"
fi

if ! "$hypscope" print "$work/run.trace" >"$work/print.txt" 2>"$work/print.err"; then
	fail "hypscope print failed: $(head -n 1 "$work/print.err")"
fi
# Each timer: its line goes up and comes down again, more than once (fired,
# disabled, enabled, IMASK, unmasked, CVAL moved on, rearmed...).
for intid in 27 30; do
	up=$(grep -c "irq_line .*vintid=$intid source=timer level=1" "$work/print.txt")
	down=$(grep -c "irq_line .*vintid=$intid source=timer level=0" "$work/print.txt")
	if [ "$up" -ge 4 ] && [ "$down" -ge 4 ]; then
		pass "print shows PPI $intid's line going up $up times and down $down times"
	else
		fail "PPI $intid's line: $up irq_line records up and $down down (4 or more each expected)"
	fi
done
exit "$failed"
