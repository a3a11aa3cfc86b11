#!/usr/bin/env bash
# End-to-end A/B tests of `hypscope diff`, with changes made on purpose:
#
#  exact   one deterministic run a side (QEMU -icount, hypscope bench --exact);
#          NEW boots with the test-only --test-hvc-pad, sized from BASE's
#          exact HVC64 cost to make the HVC path about 10 % slower. diff
#          --exact must flag HVC64 as slower by about that, and nothing else.
#  noisy   7 runs a side without -icount, alternating; NEW pads every HVC
#          exit with 2000 instructions. diff --alpha 0.001 must flag HVC64 as
#          slower and nothing else, from run-to-run statistics (the runs and
#          the level as in diff_aa.sh, which says why).
#  work    5 runs a side, alternating; NEW's workload makes twice the MMIO
#          reads per unit of work. diff --per-exit-of HVC64 must flag
#          DABT_LOW as more frequent, and HVC64 as no more frequent.
#
#   tests/e2e/diff_ab.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/diff_ab.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/diff_ab.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
guest=build/guests/workload.elf
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

bench() { # name, bench arguments...
	local name=$1
	shift
	echo "# $hypscope bench $*"
	if ! timeout --kill-after=10 300 "$hypscope" bench "$@" </dev/null >"$work/$name.log" 2>&1; then
		sed 's/^/  | /' "$work/$name.log" | tail -n 8
		fail "hypscope bench for $name failed (log: $work/$name.log)"
		exit 1
	fi
}

# The verdicts of a diff in JSON: "NAME VERDICT WHY" a line.
verdicts() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["rows"]:
    print(r["name"], r["verdict"].replace(" ", "_"), r["why"])
' "$1"
}

# ------------------------------------------------------------ exact
run=(--vm "$guest:cmdline=units=1000" --cpus 1 --cpu "$model" --timeout 60)
bench exact-base -n 1 -o "$work/exact-base" --exact -- "${run[@]}"
"$hypscope" diff --exact --format json "$work/exact-base" -- "$work/exact-base" >"$work/exact-self.json"
mean=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(int([r for r in d["rows"] if r["name"] == "HVC64"][0]["stats"]["mean"]["base"]))
' "$work/exact-self.json")
# The pad adds its instructions plus the few of the call: a tenth of the cost, less 7.
pad=$((mean / 10 - 7))
[ "$pad" -ge 2 ] || pad=2
bench exact-pad -n 1 -o "$work/exact-pad" --exact -- "${run[@]}" --test-hvc-pad "$pad"
"$hypscope" diff --exact "$work/exact-base" -- "$work/exact-pad" >"$work/exact.diff" 2>&1
rc=$?
"$hypscope" diff --exact --format json "$work/exact-base" -- "$work/exact-pad" >"$work/exact.json" 2>/dev/null
sed 's/^/  | /' "$work/exact.diff"
v=$(verdicts "$work/exact.json")
change=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("%.1f" % [r for r in d["rows"] if r["name"] == "HVC64"][0]["stats"]["mean"]["change_pct"])
' "$work/exact.json")
if [ "$rc" -eq 1 ] && echo "$v" | grep -q '^HVC64 regression slower' &&
	[ "$(echo "$v" | grep -c ' regression ')" -eq 1 ] &&
	awk -v c="$change" 'BEGIN { exit !(c >= 7 && c <= 14) }'; then
	pass "exact: --test-hvc-pad $pad makes HVC64 ${change}% slower (mean $mean cycles); HVC64 the only regression, exit status 1"
else
	fail "exact: diff exited $rc, HVC64 mean change ${change}%, verdicts: $(echo "$v" | tr '\n' ';')"
fi

# ------------------------------------------------------------ noisy
noisy_runs=7
noisy_alpha=0.001
bench noisy -n "$noisy_runs" -o "$work/noisy-base" --ab "$work/noisy-pad" --new-arg=--test-hvc-pad=2000 -- "${run[@]}"
"$hypscope" diff --alpha "$noisy_alpha" "$work/noisy-base" -- "$work/noisy-pad" >"$work/noisy.diff" 2>&1
rc=$?
"$hypscope" diff --alpha "$noisy_alpha" --format json "$work/noisy-base" -- "$work/noisy-pad" >"$work/noisy.json" 2>/dev/null
sed 's/^/  | /' "$work/noisy.diff"
v=$(verdicts "$work/noisy.json")
if [ "$rc" -eq 1 ] && echo "$v" | grep -q '^HVC64 regression slower' &&
	[ "$(echo "$v" | grep -c ' regression ')" -eq 1 ] && ! echo "$v" | grep -q ' improvement '; then
	pass "noisy: $noisy_runs runs a side, HVC padded: HVC64 slower, the only regression, exit status 1"
else
	fail "noisy: diff exited $rc, verdicts: $(echo "$v" | tr '\n' ';')"
fi

# ------------------------------------------------------------ work
bench work -n 5 -o "$work/work-base" --ab "$work/work-mmio2" \
	--base-arg=--vm="$guest:cmdline=units=1000 mmio=1" \
	--new-arg=--vm="$guest:cmdline=units=1000 mmio=2" -- --cpus 1 --cpu "$model" --timeout 60
"$hypscope" diff --per-exit-of HVC64 "$work/work-base" -- "$work/work-mmio2" >"$work/work.diff" 2>&1
rc=$?
"$hypscope" diff --per-exit-of HVC64 --format json "$work/work-base" -- "$work/work-mmio2" \
	>"$work/work.json" 2>/dev/null
sed 's/^/  | /' "$work/work.diff"
v=$(verdicts "$work/work.json")
if [ "$rc" -eq 1 ] && echo "$v" | grep -q '^DABT_LOW regression .*more frequent (exits/work)' &&
	! echo "$v" | grep -q '^HVC64 .*more frequent'; then
	pass "work: twice the MMIO per unit of work: DABT_LOW more frequent per HVC64, exit status 1"
else
	fail "work: diff exited $rc, verdicts: $(echo "$v" | tr '\n' ';')"
fi

exit "$failed"
