#!/usr/bin/env bash
# Long runs that must end clean: `make soak` runs both.
#
#   scripts/soak.sh chaos [INSTANCES]   INSTANCES chaos guests of 10,000 rounds each, one
#                                       after the other (default 100: 10^6 operations),
#                                       beside as many instances each of three healthy
#                                       guests that check their memory (vmid), timer
#                                       ticks (vtimer) and SMP (smp)
#   scripts/soak.sh vmid [LIFETIMES]    LIFETIMES VMs (default 1000) over 4 CPUs with
#                                       3-bit VMIDs, each writing its own pattern and
#                                       checking it never reads another's
#
# Prints the figures and "soak NAME: PASS" or "soak NAME: FAIL: why"; exit
# status 0 when every guest passed, the hypervisor never panicked and nothing
# hung (a generous --timeout). Logs in build/soak/.
#
# Environment: HYPSCOPE (default build/hypscope), SOAK_MODEL (default max).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${SOAK_MODEL:-max}
mkdir -p build/soak

number() {
	case "$1" in
	'' | *[!0-9]* | 0) echo "soak.sh: '$1' is not a positive whole number" >&2; exit 2 ;;
	esac
}

# verdict NAME LOG RC: the summary lines and the verdict
verdict() {
	local name=$1 log=$2 rc=$3 fails
	grep -E '^hypscope: |rollovers|VMs created' "$log" | sed 's/^/  /' | tail -n 6
	fails=$(grep -cE 'FAIL:|[1-9][0-9]* unexpected failures|PANIC|panic' "$log")
	if [ "$rc" -eq 0 ] && [ "$fails" -eq 0 ]; then
		echo "soak $name: PASS"
		return 0
	fi
	echo "soak $name: FAIL: hypscope exit status $rc, $fails failure lines (log: $log)"
	grep -m5 -E 'FAIL:|[1-9][0-9]* unexpected failures|panic' "$log" | sed 's/^/  | /'
	return 1
}

soak_chaos() {
	local n=${1:-100} log=build/soak/chaos.log rc t0
	number "$n"
	echo "soak chaos: $n chaos guests x 10000 rounds = $((n * 10000)) operations, beside" \
		"$n instances each of vmid, vtimer, smp ($model)"
	t0=$SECONDS
	"$hypscope" run --cpus 2 --cpu "$model" --timeout $((120 + n * 60)) \
		--vm "build/guests/chaos.elf:vcpus=2,instances=$n,cmdline=rounds=10000" \
		--vm "build/guests/vmid.elf:mem=2M,instances=$n" \
		--vm "build/guests/vtimer.elf:instances=$n" \
		--vm "build/guests/smp.elf:vcpus=2,instances=$n" </dev/null >"$log" 2>&1
	rc=$?
	echo "  $(grep -c 'chaos: survived 10000 rounds' "$log") of $n chaos guests survived their 10000 rounds;" \
		"$(grep -c 'SUMMARY: [0-9]* tests, 0 unexpected failures' "$log") guests passed; $((SECONDS - t0)) s"
	# The seeds replay any chaos guest (cmdline=seed=...); the tick latency
	# is how long a vtimer vCPU waited for its CPU (docs/robustness.md).
	echo "  $(grep -ao 'seed 0x[0-9a-f]*' "$log" | sort -u | wc -l) distinct seeds (in $log);" \
		"worst vtimer tick latency" \
		"$(grep -a 'worst tick latency' "$log" | sed -E 's/.*latency ([0-9]+) us.*/\1/' | sort -n | tail -n 1) us"
	verdict chaos "$log" "$rc"
}

soak_vmid() {
	local n=${1:-1000} per log=build/soak/vmid.log rc t0
	number "$n"
	per=$(((n + 3) / 4))
	echo "soak vmid: $((per * 4)) VM lifetimes over 4 CPUs, 3-bit VMIDs ($model)"
	t0=$SECONDS
	"$hypscope" run --cpus 4 --cpu "$model" --vmid-bits 3 --timeout $((120 + per * 4)) \
		--vm "build/guests/vmid.elf:mem=2M,instances=$per" \
		--vm "build/guests/vmid.elf:mem=2M,instances=$per" \
		--vm "build/guests/vmid.elf:mem=2M,instances=$per" \
		--vm "build/guests/vmid.elf:mem=2M,instances=$per" </dev/null >"$log" 2>&1
	rc=$?
	echo "  $(grep -c 'fresh VM memory reads as zero' "$log") VMs found their memory fresh;" \
		"$(grep -c 'SUMMARY: [0-9]* tests, 0 unexpected failures' "$log") passed; $((SECONDS - t0)) s"
	verdict vmid "$log" "$rc"
}

case "${1:-}" in
chaos) soak_chaos "${2:-}" ;;
vmid) soak_vmid "${2:-}" ;;
*) echo "usage: scripts/soak.sh chaos [INSTANCES] | vmid [LIFETIMES]" >&2; exit 2 ;;
esac
