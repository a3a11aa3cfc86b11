#!/usr/bin/env bash
# End-to-end test of `hypscope diff`: two recorded runs of the same build pass,
# a run with a slowdown injected is flagged.
#
#   tests/e2e/trace_diff.sh [MODEL]       (default CPU model: max)
#
# The bench_hvc guest makes some 4000 HYPSCOPE_HVC_NOP calls on one CPU. The
# runs use QEMU's -icount, under which the cycle counter and the generic timer
# follow the instructions executed: two runs of the same build give the same
# trace, so BASE vs SAME must show no regression. The slowdown is injected by
# running with -icount shift=1 instead of shift=0: every instruction then
# takes twice the time, so every exit costs twice the cycles, and BASE vs SLOW
# must show HVC64 as a regression (slower) and exit with status 1.
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/trace_diff.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/trace_diff.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

record() { # name, icount shift
	echo "# $hypscope run --record $work/$1.trace --vm build/guests/bench_hvc.elf --cpus 1 --cpu $model --qemu-arg -icount --qemu-arg shift=$2"
	timeout --kill-after=10 150 "$hypscope" run --record "$work/$1.trace" \
		--vm build/guests/bench_hvc.elf --cpus 1 --cpu "$model" --timeout 90 \
		--qemu-arg -icount --qemu-arg "shift=$2" </dev/null >"$work/$1.log" 2>&1
	local rc=$?
	if [ "$rc" -ne 0 ] || [ ! -s "$work/$1.trace" ]; then
		sed 's/^/  | /' "$work/$1.log" | tail -n 8
		fail "the $1 run exited with status $rc (log: $work/$1.log)"
		exit 1
	fi
	pass "$1: $(sed -n 's/^hypscope: recorded //p' "$work/$1.log")"
}

record base 0
record same 0
record slow 1

"$hypscope" diff "$work/base.trace" "$work/same.trace" >"$work/same.diff" 2>&1
rc=$?
sed 's/^/  | /' "$work/same.diff"
if [ "$rc" -eq 0 ] && grep -q '^0 regressions' "$work/same.diff"; then
	pass "diff of two runs of the same build: no regression"
else
	fail "diff of two runs of the same build exited $rc: $(tail -n1 "$work/same.diff")"
fi

"$hypscope" diff "$work/base.trace" "$work/slow.trace" >"$work/slow.diff" 2>&1
rc=$?
sed 's/^/  | /' "$work/slow.diff"
if [ "$rc" -eq 1 ] && grep -q '^HVC64 .* REGRESSION (slower)' "$work/slow.diff"; then
	pass "diff flags the injected slowdown: HVC64 regression, exit status 1"
else
	fail "diff of the slowed-down run exited $rc without an HVC64 regression"
fi

# The other way round it is an improvement. bench_hvc does a fixed amount of
# work and shift=0 speeds up the guest as much as the hypervisor, so the
# exits per guest second double: compare exits per run (--rate count).
if command -v python3 >/dev/null 2>&1; then
	"$hypscope" diff "$work/slow.trace" "$work/base.trace" --rate count --format json \
		>"$work/back.json" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && python3 - "$work/back.json" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
v = {r["name"]: r["verdict"] for r in d["rows"]}
assert v["HVC64"] == "improvement", v
assert d["regressions"] == 0, d["regressions"]
EOF
		pass "diff --rate count the other way round: HVC64 improved, exit status 0, JSON parses"
	else
		fail "diff --rate count --format json the other way round: exit $rc, $(head -c 200 "$work/back.json")"
	fi
fi

"$hypscope" diff "$work/base.trace" >"$work/usage.txt" 2>&1
rc=$?
if [ "$rc" -eq 2 ]; then
	pass "diff with one file: exit 2 ($(head -n1 "$work/usage.txt"))"
else
	fail "diff with one file exited $rc"
fi

exit "$failed"
