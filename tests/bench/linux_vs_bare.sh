#!/usr/bin/env bash
# Debian's Linux guest under the hypervisor against the same kernel and
# initramfs on bare QEMU: wall time from start to exit, best and median of N
# runs of each, run in turn (A B A B ...) so that a drift in the machine's
# speed touches both sides alike.
#
#  A: hypscope run, one VM of 2 vCPUs on 2 CPUs, mem=256M, the test init
#     (tests/guests/linux/init), hypscope's defaults otherwise (-cpu max,
#     tracing on in overwrite mode)
#  B: qemu-system-aarch64 -M virt,gic-version=3 -cpu max -smp 2 -m 256M, the
#     kernel at EL1 (no virtualization=on: no EL2 at all), the same command
#     line, -no-reboot so that PSCI SYSTEM_OFF ends QEMU as it ends A
#
# The fair comparison: same QEMU, CPU model, vCPU count, guest memory, kernel,
# initramfs and command line. The init's busy phase is hypscope.work=0 (the
# e2e tests use 1 or 2 seconds of wall-clock busy loops, which take the same
# time at any speed and would only dilute the ratio; LINUX_BENCH_WORK=N sets
# it). A runs with sdei=off: QEMU's virt has no SDEI, and with it the init
# would also take a CPU offline and online, work B does not do. Each run must
# end with the init's "SUMMARY: ... 0 unexpected failures" or it is reported
# as failed and not counted.
#
#   tests/bench/linux_vs_bare.sh        LINUX_BENCH_N=5 runs of each (default)
#
# Figures are printed, never asserted.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
hs=${HYPSCOPE:-$top/build/hypscope}
qemu=${QEMU:-qemu-system-aarch64}
img=$top/build/linux/Image
initrd=$top/build/linux/initramfs.cpio
n=${LINUX_BENCH_N:-5}
work=${LINUX_BENCH_WORK:-0}
goal=1.10
cmdline="console=ttyAMA0 quiet hypscope.work=$work"

echo "== Linux guest against bare QEMU (2 vCPUs, 256M, boot + test init + power-off; goal: at most ${goal}x)"
if [ ! -f "$img" ] || [ ! -f "$initrd" ]; then
	echo "  no Linux guest: run 'make linux-guest' first"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hypscope-linux-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# One run of a side: its wall seconds on stdout, or nothing when it failed.
run_hyp() {
	local t0 t1
	t0=$(now)
	"$hs" run --cpus 2 --timeout 300 \
		--vm "$img:name=linux,vcpus=2,mem=256M,sdei=off,initrd=$initrd,cmdline=$cmdline" \
		>"$tmp/out" 2>&1 </dev/null
	t1=$(now)
	grep -q 'SUMMARY: [0-9]* tests, 0 unexpected failures' "$tmp/out" || return 0
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
run_bare() {
	local t0 t1
	t0=$(now)
	timeout -k 5 300 "$qemu" -M virt,gic-version=3 -cpu max -smp 2 -m 256M \
		-nographic -no-reboot -nic none -serial stdio -monitor none \
		-kernel "$img" -initrd "$initrd" -append "$cmdline" \
		>"$tmp/out" 2>&1 </dev/null
	t1=$(now)
	grep -q 'SUMMARY: [0-9]* tests, 0 unexpected failures' "$tmp/out" || return 0
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

: >"$tmp/a"
: >"$tmp/b"
fails=0
for i in $(seq "$n"); do
	t=$(run_hyp)
	if [ -n "$t" ]; then echo "$t" >>"$tmp/a"; else fails=$((fails + 1)); fi
	t=$(run_bare)
	if [ -n "$t" ]; then echo "$t" >>"$tmp/b"; else fails=$((fails + 1)); fi
done

# best and median of a file of seconds, one a line
stats() { sort -n "$1" | awk '{ v[NR] = $1 } END {
	if (NR == 0) { print "- -"; exit }
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.2f %.2f\n", v[1], m }'; }
read -r a_best a_med < <(stats "$tmp/a")
read -r b_best b_med < <(stats "$tmp/b")
printf "  %-34s best %6s s  median %6s s  (%d runs)\n" "hypscope run (hypervisor at EL2)" \
	"$a_best" "$a_med" "$(wc -l <"$tmp/a")"
printf "  %-34s best %6s s  median %6s s  (%d runs)\n" "bare QEMU (kernel at EL1)" \
	"$b_best" "$b_med" "$(wc -l <"$tmp/b")"
[ "$fails" -gt 0 ] && echo "  $fails runs failed (no clean SUMMARY): not counted"
if [ "$a_best" = "-" ] || [ "$b_best" = "-" ]; then
	echo "  ratio: no figure (a side never ran cleanly)"
	exit 0
fi
awk -v ab="$a_best" -v bb="$b_best" -v am="$a_med" -v bm="$b_med" -v g="$goal" 'BEGIN {
	r = ab / bb
	printf "  ratio, best over best: %.2fx (median over median %.2fx); goal at most %.2fx: %s\n",
		r, am / bm, g, r <= g ? "met" : "not met" }'
