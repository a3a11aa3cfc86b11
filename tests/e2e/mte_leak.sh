#!/usr/bin/env bash
# End-to-end test: no MTE allocation tag passes from one VM to the next.
# Instances of the mte guest (cmdline=leak) run one after the other under
# --mte, each in 512 MiB: two never fit the machine's guest RAM at once, so
# each new instance gets the RAM the previous one had (the hypervisor logs
# where). Each instance checks its RAM's tags read 0 (sampled: a granule per
# page, every granule of 4 MiB), then tags all of it for the next to find.
# The run is recorded: `hypscope report` names MTE in the trace's description.
#
#   tests/e2e/mte_leak.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Logs stay in build/e2e-logs/mte_leak.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/mte_leak.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
instances=2
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

"$hypscope" run --mte --record "$work/leak.trace" --cpu "$model" --cpus 1 --timeout 240 \
	--vm "build/guests/mte.elf:name=leak,mem=512M,instances=$instances,cmdline=leak" \
	</dev/null >"$work/run.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
	pass "hypscope run --mte: $instances instances ended cleanly"
else
	fail "hypscope run --mte exited $rc (log: $work/run.log)"
fi

# "leak: created (serial N, 1 vCPU, 512 MiB at PA 0x...)", one per instance
pas=$(sed -n 's/.*leak: created (serial [0-9]*, 1 vCPU, 512 MiB at PA \(0x[0-9a-f]*\)).*/\1/p' \
	"$work/run.log")
n=$(printf '%s\n' "$pas" | grep -c .)
distinct=$(printf '%s\n' "$pas" | grep . | sort -u | wc -l)
if [ "$n" -eq "$instances" ] && [ "$distinct" -eq 1 ]; then
	pass "all $n instances were given the same RAM (PA $(printf '%s\n' "$pas" | head -n1))"
else
	fail "$n instances created at $distinct places: the test proves nothing (log: $work/run.log)"
fi

fresh=$(grep -cE 'PASS: serial [0-9]+: a fresh VM reads every allocation tag 0' "$work/run.log")
tagged=$(grep -cE 'PASS: serial [0-9]+: its RAM is tagged for the next VM' "$work/run.log")
if [ "$fresh" -eq "$instances" ] && [ "$tagged" -eq "$instances" ]; then
	pass "each of $instances VMs read its tags 0, though the one before tagged that RAM"
else
	fail "$fresh of $instances VMs read their tags 0, $tagged tagged theirs (log: $work/run.log)"
	grep -E 'FAIL:|non-zero tag' "$work/run.log" | head -n 5
fi

if "$hypscope" report "$work/leak.trace" >"$work/report.txt" 2>&1 &&
	grep -q 'MTE on' "$work/report.txt"; then
	pass "report of the trace: $(grep -m1 'MTE on' "$work/report.txt" | sed 's/^ *//')"
else
	fail "report does not say MTE was on (see $work/report.txt)"
fi

exit "$failed"
