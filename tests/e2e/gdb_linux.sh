#!/usr/bin/env bash
# End-to-end test of the GDB stub on Debian's Linux kernel.
#
#   tests/e2e/gdb_linux.sh [MODEL]       (default CPU model: max)
#
# Linux runs on 2 vCPUs with hypscope.gdb=20: its init prints the address
# of __arm64_sys_sync from /proc/kallsyms, then calls sync(2) for 20 s.
# While it runs, tests/e2e/gdb_ctrlc.py attaches, stops it with Ctrl-C
# (timed), detaches, then connects, attaches and detaches 50 times in a
# row; then gdb-multiarch connects, lists the vCPUs, disassembles at the
# kernel's PC, puts a hardware breakpoint at __arm64_sys_sync, continues
# until the init's sync hits it, removes it and continues; Linux powers off
# normally. PASS:/FAIL: lines; exit status 0
# only when nothing failed.
set -u

. "$(dirname "$0")/lib_gdb.sh"
hyp_log="$logdir/gdb_linux.$model.hyp.log"
gdb_log="$logdir/gdb_linux.$model.gdb.log"
cmds="$logdir/gdb_linux.$model.cmds"

for f in build/linux/Image build/linux/initramfs.cpio; do
	[ -f "$f" ] || { fail "$f is missing: run make linux-guest"; exit 1; }
done

port=$(free_port)
"$hypscope" run --cpu "$model" --cpus 2 --gdb "$port" --timeout 150 \
	--vm "build/linux/Image:name=linux,vcpus=2,mem=256M,initrd=build/linux/initramfs.cpio,cmdline=console=ttyAMA0 quiet hypscope.work=1 hypscope.gdb=20" \
	>"$hyp_log" 2>&1 &
hs_pid=$!

addr=
for _ in $(seq 1200); do
	addr=$(sed -n 's/.*hypscope-linux: gdb: __arm64_sys_sync at \(0x[0-9a-f]*\).*/\1/p' "$hyp_log")
	[ -n "$addr" ] && break
	kill -0 "$hs_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$addr" ] || [ "$addr" = 0x0000000000000000 ]; then
	fail "the init did not name __arm64_sys_sync's address (see $hyp_log)"
	exit 1
fi
pass "Linux runs; its init names __arm64_sys_sync at $addr"

# Ctrl-C while it runs, timed; then detach.
timeout 90 python3 tests/e2e/gdb_ctrlc.py "$port" 10 50 || failed=1

cat >"$cmds" <<EOF
set pagination off
set confirm off
target remote :$port
info threads
x/4i \$pc
monitor translate $addr
hbreak *$addr
continue
printf "stopped at %#lx\n", \$pc
delete
continue
EOF
timeout 90 gdb-multiarch -nx -batch -x "$cmds" build/linux/Image >"$gdb_log" 2>&1 &
gdb_pid=$!
gdb_wait

check "$gdb_log" '1 +Thread 1\.1 "vm0/vcpu0"' "info threads lists vCPU 0"
check "$gdb_log" '2 +Thread 1\.2 "vm0/vcpu1"' "info threads lists vCPU 1"
check "$gdb_log" '^(=> )?   0xffff[0-9a-f]+:	[a-z]' "x/4i \$pc disassembles kernel code"
check "$gdb_log" 'stage 1: TTBR1_EL1, 4K granule' "monitor translate walks the kernel's TTBR1 tables"
check "$gdb_log" 'IPA 0x4[0-9a-f]+' "... to an IPA in guest RAM"
check "$gdb_log" "Hardware assisted breakpoint 1 at $addr" "hbreak at the kernel function"
check "$gdb_log" "^stopped at $addr\$" "the init's sync(2) hits the hardware breakpoint"
check "$gdb_log" 'exited normally|exited with code' "gdb sees the VM end"
check "$hyp_log" 'SUMMARY: [0-9]+ tests, 0 unexpected failures' "Linux's checks pass"
check "$hyp_log" 'linux: powered off' "Linux powers off normally"
[ "$hs_rc" = 0 ] && pass "hypscope exits 0" || fail "hypscope exited $hs_rc (see $hyp_log)"
[ "$gdb_rc" = 0 ] || fail "gdb exited $gdb_rc (see $gdb_log)"
exit $failed
