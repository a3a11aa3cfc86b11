#!/usr/bin/env bash
# End-to-end A/A test of `hypscope diff`: the same configuration recorded 7
# times per side, the sides alternating (hypscope bench --ab), compared both
# ways: no regression and no improvement, exit status 0, on a noisy machine.
# The comparisons use --alpha 0.001, which with 7 runs a side flags a
# statistic only when every BASE run lies on one side of every NEW run: by
# chance 2 in 3,432 for each of the four latency statistics, where 5 runs a
# side at the default 0.01 give 2 in 252 (about 3 % for the four, a failed
# suite in thirty for an A/A that is right).
# Then what one run per side can support (nothing: said so, exit 0), the JSON
# and JUnit outputs, and bad input (exit 2).
#
#   tests/e2e/diff_aa.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/diff_aa.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/diff_aa.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
runs=7
alpha=0.001
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

# A fixed amount of work: 2000 hypercalls and 1000 MMIO reads, a second or two a run.
echo "# $hypscope bench -n $runs -o $work/a --ab $work/b -- --vm build/guests/workload.elf:cmdline=units=1000 --cpus 1 --cpu $model"
if ! timeout --kill-after=10 300 "$hypscope" bench -n "$runs" -o "$work/a" --ab "$work/b" \
	-- --vm "build/guests/workload.elf:cmdline=units=1000" --cpus 1 --cpu "$model" \
	--timeout 60 </dev/null >"$work/bench.log" 2>&1; then
	sed 's/^/  | /' "$work/bench.log" | tail -n 8
	fail "hypscope bench did not record $runs runs a side (log: $work/bench.log)"
	exit 1
fi
pass "$(tail -n1 "$work/bench.log" | sed 's/^hypscope bench: //')"

aa() { # name, BASE dir, NEW dir
	"$hypscope" diff --alpha "$alpha" "$2" -- "$3" --junit "$work/$1.xml" >"$work/$1.diff" 2>&1
	local rc=$?
	sed 's/^/  | /' "$work/$1.diff"
	if [ "$rc" -eq 0 ] && grep -q '^0 regressions, 0 improvements, [1-9][0-9]* unchanged, 0 not judged' "$work/$1.diff"; then
		pass "A/A $1: no regression, no improvement, exit status 0"
	else
		fail "A/A $1 exited $rc: $(tail -n1 "$work/$1.diff")"
	fi
}
aa a-b "$work/a" "$work/b"
aa b-a "$work/b" "$work/a"

if python3 - "$work/a-b.xml" <<'PY'; then
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find("testsuite")
assert int(s.get("failures")) == 0 and int(s.get("tests")) >= 2, s.attrib
names = [c.get("name") for c in s.findall("testcase")]
assert "HVC64" in names and "DABT_LOW" in names, names
PY
	pass "JUnit XML parses: a test case per class, no failure"
else
	fail "the JUnit XML of the A/A diff: $(head -c 300 "$work/a-b.xml")"
fi

"$hypscope" diff --alpha "$alpha" "$work/a" -- "$work/b" --format json --per-exit-of HVC64 >"$work/a-b.json" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && python3 - "$work/a-b.json" "$runs" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert d["regressions"] == 0 and d["improvements"] == 0, d
rows = {r["name"]: r for r in d["rows"]}
hvc = rows["HVC64"]["stats"]
assert len(hvc["p50"]["base_runs"]) == n and len(hvc["p50"]["new_runs"]) == n
# the same work every run: the same exits per run, one HVC64 per unit of work
assert len(set(hvc["exits_per_run"]["base_runs"] + hvc["exits_per_run"]["new_runs"])) == 1
assert hvc["exits_per_work"]["base"] == 1.0
assert rows["DABT_LOW"]["stats"]["exits_per_work"]["judged"] is True
lo, hi = hvc["p50"]["ci_low_pct"], hvc["p50"]["ci_high_pct"]
assert lo <= 0 <= hi, (lo, hi)
PY
	pass "JSON: per-run values, equal counts in every run, intervals around zero"
else
	fail "diff --format json --per-exit-of HVC64 exited $rc: $(head -c 300 "$work/a-b.json")"
fi

# One run per side: shown, not judged, and said so.
"$hypscope" diff "$work/a/run-001.trace" "$work/b/run-001.trace" >"$work/one.diff" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q 'ONE RUN PER SIDE' "$work/one.diff" &&
	grep -q '^0 regressions, 0 improvements, 0 unchanged, [1-9][0-9]* not judged' "$work/one.diff"; then
	pass "one run per side: not judged, and the output says why"
else
	fail "one run per side exited $rc: $(tail -n1 "$work/one.diff")"
fi

# Bad input: exit status 2 and one line saying what is wrong.
bad() { # what, args...
	local what=$1
	shift
	"$hypscope" diff "$@" >"$work/bad.txt" 2>&1
	local rc=$?
	if [ "$rc" -eq 2 ]; then
		pass "$what: exit 2 ($(head -n1 "$work/bad.txt"))"
	else
		fail "$what: exit $rc"
	fi
}
bad "a file that is not a trace" "$work/bench.log" -- "$work/b"
bad "a missing file" "$work/a" -- "$work/nothing.trace"
bad "no NEW runs after --" "$work/a" --
bad "an unknown --per-exit-of class" --per-exit-of NOPE "$work/a" -- "$work/b"

exit "$failed"
