#!/usr/bin/env bash
# End-to-end test: the chaos guest is a seeded, reproducible fuzzer. Two runs
# with the same seed (cmdline=seed=...) take the same faults and make the same
# exits on their first vCPU; a run without a seed prints the seed that replays
# it.
#
#   tests/e2e/chaos_seed.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Logs stay in build/e2e-logs/chaos_seed.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/chaos_seed.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

chaos() { # name, cmdline
	"$hypscope" run --vm "build/guests/chaos.elf:vcpus=2,cmdline=$2" --cpus 2 --cpu "$model" \
		--timeout 60 </dev/null >"$work/$1.log" 2>&1
	local rc=$?
	[ "$rc" -eq 0 ] || fail "$1: hypscope run exited $rc (log: $work/$1.log)"
	# what the seed decides: the guest's own count of faults, its first vCPU's
	# exits but for physical interrupts (the host's timing decides those)
	grep -aE 'survived [0-9]+ rounds|chaos0 vcpu0 exits' "$work/$1.log" |
		sed 's/^\[[^]]*\] //; s/^[^A-Za-z]*PASS: //; s/ IRQ=[0-9]*//' >"$work/$1.seen"
}

chaos unseeded "rounds=2000"
seed=$(sed -n 's/.*seed \(0x[0-9a-f]*\) (replay: cmdline=seed=\1).*/\1/p' "$work/unseeded.log")
if [ -n "$seed" ]; then
	pass "a run without a seed prints it: $seed"
else
	fail "no seed printed (log: $work/unseeded.log)"
	seed=0x5eed
fi
chaos replay "seed=$seed rounds=2000"
if cmp -s "$work/unseeded.seen" "$work/replay.seen" && [ -s "$work/replay.seen" ]; then
	pass "seed=$seed replays the run: $(head -n1 "$work/replay.seen")"
else
	fail "seed=$seed gave another run:"
	diff "$work/unseeded.seen" "$work/replay.seen" | sed 's/^/  | /'
fi
chaos other "seed=0x5eed rounds=2000"
if ! cmp -s "$work/replay.seen" "$work/other.seen"; then
	pass "another seed gives another run"
else
	fail "seed 0x5eed ran exactly as $seed"
fi
exit $failed
