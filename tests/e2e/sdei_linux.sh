#!/usr/bin/env bash
# Linux's SDEI driver as the trace shows it: Debian's kernel on 2 vCPUs,
# recorded. At boot VERSION once, PRIVATE_RESET on every CPU and SHARED_RESET
# once, PE_UNMASK as each CPU comes up, all returning 0; init takes cpu1
# offline and online: PE_MASK on it before its CPU_OFF, PE_UNMASK after its
# CPU_ON; at power-off Linux's reboot notifier resets once more.
#
#   tests/e2e/sdei_linux.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/sdei_linux.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/sdei_linux.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

trace=$work/linux.trace
if ! "$hypscope" run --record "$trace" --cpus 2 --timeout 150 --cpu "$model" \
	--vm "build/linux/Image:name=linux,vcpus=2,mem=256M,initrd=build/linux/initramfs.cpio,cmdline=console=ttyAMA0 quiet hypscope.work=1" \
	</dev/null >"$work/run.log" 2>&1; then
	fail "the Linux run failed (log: $work/run.log)"
	exit 1
fi
grep -q 'PASS: cpu1 went offline and online again' "$work/run.log" &&
	pass "Linux took cpu1 offline and online" || fail "no cpu1 hotplug in $work/run.log"
"$hypscope" print "$trace" >"$work/print.txt" 2>"$work/print.err" ||
	fail "print: $(tail -n1 "$work/print.err")"

# "TIME cpuN vm0/V sdei_call fn=NAME ... ret=R" and PSCI calls, in time order:
# prints "vcpu name ret" per call.
grep -E ' (sdei_call|smccc) ' "$work/print.txt" | awk '
	$4 == "sdei_call" { split($3, w, "/"); fn = $5; sub("fn=", "", fn);
		ret = $NF; sub("ret=", "", ret); print w[2], fn, ret }
	$4 == "smccc" && $5 ~ /^PSCI_CPU_O(N|FF)/ { split($3, w, "/"); print w[2], $5, $7 }' \
	>"$work/calls.txt"

# Boot: the calls before cpu1's CPU_OFF. Power-off resets and masks again
# (Linux's reboot notifier): counted separately.
awk '$2 == "PSCI_CPU_OFF" { exit } { print }' "$work/calls.txt" >"$work/boot.txt"
count() { grep -c "^$1 $2 0x0$" "$work/boot.txt"; }
[ "$(grep -c ' version ' "$work/calls.txt")" -eq 1 ] &&
	pass "VERSION once" || fail "VERSION $(grep -c ' version ' "$work/calls.txt") times"
[ "$(count 0 private_reset)" -eq 1 ] && [ "$(count 1 private_reset)" -eq 1 ] &&
	pass "boot: PRIVATE_RESET once on each CPU, returning 0" ||
	fail "boot: PRIVATE_RESET: $(grep private_reset "$work/boot.txt" | tr '\n' ' ')"
[ "$(grep -c ' shared_reset 0x0$' "$work/boot.txt")" -eq 1 ] &&
	pass "boot: SHARED_RESET once, returning 0" ||
	fail "boot: SHARED_RESET: $(grep shared_reset "$work/boot.txt" | tr '\n' ' ')"
[ "$(count 0 pe_unmask)" -eq 1 ] && [ "$(count 1 pe_unmask)" -eq 1 ] &&
	pass "boot: PE_UNMASK once on each CPU, returning 0" ||
	fail "boot: PE_UNMASK: $(grep pe_unmask "$work/boot.txt" | tr '\n' ' ')"
[ "$(grep -c ' shared_reset 0x0$' "$work/calls.txt")" -eq 2 ] &&
	pass "power-off: Linux's reboot notifier resets again" ||
	fail "SHARED_RESET over the run: $(grep -c shared_reset "$work/calls.txt")"
bad=$(grep -E ' (version|private_reset|shared_reset|pe_mask|pe_unmask) ' "$work/calls.txt" |
	grep -v ' version ' | grep -v ' 0x0$' | tr '\n' ' ')
[ -z "$bad" ] && pass "every reset, mask and unmask returned 0" || fail "failed calls: $bad"
# cpu1: PE_MASK, then its CPU_OFF, then a CPU_ON (from cpu0), then its PE_UNMASK.
order=$(awk '$1 == 1 && $2 == "pe_mask" { print "mask" }
	$1 == 1 && $2 == "PSCI_CPU_OFF" { print "off" }
	$2 ~ /^PSCI_CPU_ON/ && $3 == "x1=0x1" { print "on" }
	$1 == 1 && $2 == "pe_unmask" { print "unmask" }' "$work/calls.txt" | tr '\n' ' ')
case "$order" in
*"on unmask mask off on unmask"*) pass "cpu1: PE_MASK before CPU_OFF, PE_UNMASK after CPU_ON ($order)" ;;
*) fail "cpu1's order: $order" ;;
esac
"$hypscope" report "$trace" >"$work/report.txt" 2>&1
grep -q '^SDEI: [0-9]* calls, 0 dispatches; 0 denied, 0 invalid, 0 not supported, 0 pending' \
	"$work/report.txt" && pass "report: SDEI section, nothing refused" ||
	fail "report's SDEI line: $(grep '^SDEI' "$work/report.txt")"
exit $failed
