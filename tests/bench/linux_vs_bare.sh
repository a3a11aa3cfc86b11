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

# One run of a command: "wall cpu"
# seconds on stdout, cpu being user + system of everything it waited for
# (QEMU's threads included), or nothing when the run failed.
run_side() {
	local t0 t1 cpu
	t0=$(now)
	# bash's times: the second line is the children's user and system time
	cpu=$( ("$@" >"$tmp/out" 2>&1 </dev/null; times) | tail -n1 |
		awk '{ gsub(/s/, "", $1); gsub(/s/, "", $2); split($1, u, "m"); split($2, y, "m")
			printf "%.3f", u[1] * 60 + u[2] + y[1] * 60 + y[2] }')
	t1=$(now)
	grep -q 'SUMMARY: [0-9]* tests, 0 unexpected failures' "$tmp/out" || return 0
	awk -v a="$t0" -v b="$t1" -v c="$cpu" 'BEGIN { printf "%.3f %s\n", b - a, c }'
}
hyp_cmd=("$hs" run --cpus 2 --timeout 300
	--vm "$img:name=linux,vcpus=2,mem=256M,sdei=off,initrd=$initrd,cmdline=$cmdline")
bare_cmd=(timeout -k 5 300 "$qemu" -M virt,gic-version=3 -cpu max -smp 2 -m 256M
	-nographic -no-reboot -nic none -serial stdio -monitor none
	-kernel "$img" -initrd "$initrd" -append "$cmdline")

: >"$tmp/a"
: >"$tmp/b"
fails=0
for i in $(seq "$n"); do
	t=$(run_side "${hyp_cmd[@]}")
	if [ -n "$t" ]; then echo "$t" >>"$tmp/a"; else fails=$((fails + 1)); fi
	t=$(run_side "${bare_cmd[@]}")
	if [ -n "$t" ]; then echo "$t" >>"$tmp/b"; else fails=$((fails + 1)); fi
done

# best and median of column $2 of file $1
stats() { sort -n -k"$2" "$1" | awk -v k="$2" '{ v[NR] = $k } END {
	if (NR == 0) { print "- -"; exit }
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.2f %.2f\n", v[1], m }'; }
read -r a_best a_med < <(stats "$tmp/a" 1)
read -r b_best b_med < <(stats "$tmp/b" 1)
read -r a_cbest a_cmed < <(stats "$tmp/a" 2)
read -r b_cbest b_cmed < <(stats "$tmp/b" 2)
row() { printf "  %-34s wall best %6s s median %6s s, cpu best %6s s median %6s s (%d runs)\n" "$@"; }
row "hypscope run (hypervisor at EL2)" "$a_best" "$a_med" "$a_cbest" "$a_cmed" "$(wc -l <"$tmp/a")"
row "bare QEMU (kernel at EL1)" "$b_best" "$b_med" "$b_cbest" "$b_cmed" "$(wc -l <"$tmp/b")"
[ "$fails" -gt 0 ] && echo "  $fails runs failed (no clean SUMMARY): not counted"
if [ "$a_best" = "-" ] || [ "$b_best" = "-" ]; then
	echo "  ratio: no figure (a side never ran cleanly)"
	exit 0
fi
awk -v ab="$a_best" -v bb="$b_best" -v am="$a_med" -v bm="$b_med" -v ac="$a_cbest" \
	-v bc="$b_cbest" -v g="$goal" 'BEGIN {
	r = ab / bb
	printf "  wall ratio, best over best: %.2fx (median over median %.2fx); goal at most %.2fx: %s\n",
		r, am / bm, g, r <= g ? "met" : "not met"
	printf "  cpu ratio, best over best: %.2fx (host CPU seconds, QEMU and hypscope together)\n",
		ac / bc }'
