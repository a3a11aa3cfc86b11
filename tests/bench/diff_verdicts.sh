#!/usr/bin/env bash
# How far `hypscope diff` can be trusted on this machine, with 5 runs a side
# of the workload guest (2000 hypercalls, 1000 MMIO reads a run), the sides
# alternating (hypscope bench --ab), defaults of diff (threshold 5 %, 99.2 %
# intervals):
#
#  - false alarms: 20 A/A comparisons (the same configuration on both sides,
#    100 + 100 runs): how many report any regression or improvement;
#  - power: NEW boots with the test-only --test-hvc-pad, more instructions
#    on every HVC exit, in steps; each step is compared 5 times and its exact
#    slowdown (QEMU -icount, one run a side) and its wall-clock one (the
#    median estimate of the 5 comparisons) are printed with how often HVC64
#    was flagged. The smallest step flagged 5 times in 5 is "detected
#    reliably".
#
# It runs long (some 400 runs of a second or two). DIFF_BENCH_AA (20),
# DIFF_BENCH_POWER (5) and DIFF_BENCH_PADS ("4 8 12 16 25 50 ... 1000") change
# the sizes. Figures are printed, never asserted.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
hs=build/hypscope
aa=${DIFF_BENCH_AA:-20}
power=${DIFF_BENCH_POWER:-5}
pads=${DIFF_BENCH_PADS:-4 8 12 16 25 50 100 200 400 1000}
work=$(mktemp -d "${TMPDIR:-/tmp}/hypscope-diff-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
run=(--vm build/guests/workload.elf:cmdline=units=1000 --cpus 1 --timeout 120)

bench() { # base dir, new dir, extra new args...
	local a=$1 b=$2
	shift 2
	"$hs" bench -n 5 -o "$a" --ab "$b" "$@" -- "${run[@]}" </dev/null >"$work/bench.log" 2>&1
}

# "regressions improvements hvc64_verdict hvc64_p50_change" of a diff
judge() {
	"$hs" diff --format json "$1" -- "$2" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = [r for r in d["rows"] if r["name"] == "HVC64"][0]
print(d["regressions"], d["improvements"], h["verdict"].replace(" ", "_"),
      h["stats"]["p50"]["change_pct"])'
}

echo "== hypscope diff: false alarms and power, 5 runs a side (threshold 5 %, 99.2 % intervals)"
alarms=0
done_aa=0
for i in $(seq 1 "$aa"); do
	if ! bench "$work/aa$i-a" "$work/aa$i-b"; then
		echo "  A/A $i: bench failed: $(tail -n1 "$work/bench.log")"
		continue
	fi
	read -r reg imp _ _ <<<"$(judge "$work/aa$i-a" "$work/aa$i-b")"
	done_aa=$((done_aa + 1))
	[ "${reg:-0}" -gt 0 ] || [ "${imp:-0}" -gt 0 ] && alarms=$((alarms + 1))
	rm -rf "$work/aa$i-a" "$work/aa$i-b"
done
awk -v a="$alarms" -v n="$done_aa" 'BEGIN {
	printf "  A/A: %d comparisons of 5 runs against 5: %d with a regression or improvement (%.1f %% false alarms)\n",
		n, a, n ? 100 * a / n : 0 }'

# The exact cost of each pad: one deterministic run a side.
"$hs" bench -n 1 -o "$work/exact-0" --exact -- "${run[@]}" </dev/null >/dev/null 2>&1
smallest=""
for pad in $pads; do
	"$hs" bench -n 1 -o "$work/exact-$pad" --exact -- "${run[@]}" --test-hvc-pad "$pad" \
		</dev/null >/dev/null 2>&1
	exact=$("$hs" diff --exact --format json "$work/exact-0" -- "$work/exact-$pad" 2>/dev/null |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%.1f" % [r for r in d["rows"] if r["name"] == "HVC64"][0]["stats"]["mean"]["change_pct"])')
	hits=0
	changes=""
	for i in $(seq 1 "$power"); do
		bench "$work/p-a" "$work/p-b" --new-arg=--test-hvc-pad="$pad" || continue
		read -r reg _ verdict change <<<"$(judge "$work/p-a" "$work/p-b")"
		[ "$verdict" = regression ] && hits=$((hits + 1))
		changes="$changes $change"
		rm -rf "$work/p-a" "$work/p-b"
	done
	wall=$(echo "$changes" | tr ' ' '\n' | sed '/^$/d' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; else print "?" }')
	printf "  --test-hvc-pad %4d: HVC64 cost +%s%% exact (-icount), %+.1f%% wall clock (median of %d): flagged %d of %d\n" \
		"$pad" "$exact" "$wall" "$power" "$hits" "$power"
	if [ -z "$smallest" ] && [ "$hits" -eq "$power" ]; then
		smallest="--test-hvc-pad $pad: HVC64 +$wall % wall clock (+$exact % in instructions)"
		break
	fi
done
echo "  smallest slowdown detected reliably ($power of $power) with 5 runs a side: ${smallest:-none of the steps}"
echo "  (exact mode, -icount: any change at or above the 5 % threshold, one run a side)"
