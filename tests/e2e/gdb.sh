#!/usr/bin/env bash
# End-to-end tests of the GDB stub with the real gdb-multiarch in batch mode.
#
#   tests/e2e/gdb.sh [MODEL]       (default CPU model: max)
#
# Three sessions, each a `hypscope run --gdb PORT --gdb-wait` on a port
# picked at run time and one gdb-multiarch -batch:
#   1. build/guests/gdb.elf on 2 vCPUs: a hardware breakpoint in code vCPU 1
#      runs, scheduler-locked stepi of one vCPU, a breakpoint, bt, print,
#      register and memory writes the guest then reports, stepi, a watchpoint
#      (Old/New), info threads, detach; the guest passes.
#   2. a catchpoint on HVC64 stops at the guest's HVC with the SMCCC function.
#   3. two VMs over extended-remote: VM 0 is let go, VM 1 sits at a
#      breakpoint, and VM 0 finishes meanwhile (a breakpoint in VM 1 never
#      stops VM 0).
#   4. SDEI: build/guests/sdei_hang.elf spins with event 0 registered;
#      monitor sdei signal, then monitor catch sdei 0 stops at the handler's
#      entry with the hung loop as the interrupted PC; catch clear, and the
#      handler powers the VM off.
# QEMU (through hypscope) and gdb are killed on every path. PASS:/FAIL:
# lines; exit status 0 only when nothing failed.
set -u
. "$(dirname "$0")/lib_gdb.sh"
elf=build/guests/gdb.elf # the symbols gdb loads (sessions may change it)

# session NAME GDB-SCRIPT HYPSCOPE-ARGS...: runs one machine and one gdb.
# Leaves $logdir/gdb-NAME.$model.{gdb,hyp}.log and hs_rc, gdb_rc.
session() {
	local name=$1 script=$2 port
	shift 2
	port=$(free_port)
	hyp_log="$logdir/gdb-$name.$model.hyp.log"
	gdb_log="$logdir/gdb-$name.$model.gdb.log"
	"$hypscope" run --cpu "$model" --gdb "$port" --gdb-wait --timeout 60 "$@" >"$hyp_log" 2>&1 &
	hs_pid=$!
	# gdb gives up on a packet after 2 s: connect once the stub is up.
	for _ in $(seq 300); do
		grep -q 'gdb: stub on the second UART' "$hyp_log" 2>/dev/null && break
		sleep 0.1
	done
	sed "s/@PORT@/$port/g" "$script" >"$logdir/gdb-$name.$model.cmds"
	timeout 60 gdb-multiarch -nx -batch -x "$logdir/gdb-$name.$model.cmds" "$elf" \
		>"$gdb_log" 2>&1 &
	gdb_pid=$!
	gdb_wait
}

for f in build/guests/gdb.elf build/guests/smp.elf build/guests/sdei_hang.elf; do
	[ -f "$f" ] || { fail "$f is missing: run make"; exit 1; }
done

# ------------------------------------------------------------ 1: one VM, two vCPUs
cmds=$(mktemp)
cat >"$cmds" <<'EOF'
set pagination off
set confirm off
target remote :@PORT@
info threads
hbreak gdb_secondary_work
break gdb_break_here
continue
bt
thread 1
printf "vcpu0 pc before %#lx\n", $pc
thread 2
set scheduler-locking on
stepi
stepi
printf "vcpu1 stepped to %#lx\n", $pc
thread 1
printf "vcpu0 pc after %#lx\n", $pc
set scheduler-locking off
delete 1
continue
bt
print gdb_counter
print n
monitor trace 4
monitor vgic
monitor translate 0x400000c0
set $x0 = 42
set var gdb_magic = 0x600db007
stepi
x/i $pc
watch gdb_watched
continue
delete
info threads
detach
EOF
trace="$logdir/gdb-one.$model.trace"
rm -f "$trace"
session one "$cmds" --vm build/guests/gdb.elf:vcpus=2 --cpus 2 --record "$trace"
f=$gdb_log
check "$f" '1 +Thread 1\.1 "vm0/vcpu0"' "info threads lists vm0/vcpu0"
check "$f" '2 +Thread 1\.2 "vm0/vcpu1"' "info threads lists vm0/vcpu1"
check "$f" 'Thread 2 "vm0/vcpu1" hit Breakpoint 1, gdb_secondary_work' \
	"hbreak in code vCPU 1 runs stops vCPU 1"
before=$(sed -n 's/^vcpu0 pc before //p' "$f")
after=$(sed -n 's/^vcpu0 pc after //p' "$f")
if [ -n "$before" ] && [ "$before" = "$after" ] && has "$f" '^vcpu1 stepped to 0x'; then
	pass "scheduler-locking on: stepi moves vCPU 1 and leaves vCPU 0 at $before"
else
	fail "scheduler-locked stepi: vCPU 0 went from '$before' to '$after'"
fi
check "$f" 'Thread 1 "vm0/vcpu0" hit Breakpoint 2, gdb_break_here \(n=n@entry=7\)' \
	"break on a function stops vCPU 0 there"
check "$f" '#1  0x[0-9a-f]+ in main \(\) at tests/guests/gdb.c' "bt shows the caller"
check "$f" '^\$[0-9]+ = 100$' "print a global (gdb_counter = 100)"
check "$f" '^  -[0-9]+\.[0-9]{3} ms  pc 0x[0-9a-f]+  (DABT_LOW|HVC64|WFX|BRK64|SOFTSTP_LOW)' \
	"monitor trace shows the vCPU's last exits, decoded"
check "$f" '^vcpu0: [0-9]+ list registers loaded' "monitor vgic"
check "$f" 'stage 2: PA 0x[0-9a-f]+' "monitor translate walks to a PA"
check "$f" 'Hardware watchpoint 3: gdb_watched' "watch uses a hardware watchpoint"
check "$f" 'New value = 4660' "the watchpoint stops at the write with Old/New values"
check "$f" 'Old value = 0' "the watchpoint shows the old value"
check "$f" 'Inferior 1 \(process 1\) detached' "detach"
check "$hyp_log" 'PASS: the debugger.s register write reached the guest \(argument 42\)' \
	"the register write changed what the guest prints"
check "$hyp_log" 'PASS: the debugger.s memory write reached the guest \(magic 0x600db007\)' \
	"the memory write changed what the guest prints"
check "$hyp_log" 'SUMMARY: [0-9]+ tests, 0 unexpected failures' "the guest passes after detach"
[ "$hs_rc" = 0 ] && pass "hypscope exits 0" || fail "hypscope exited $hs_rc (see $hyp_log)"
[ "$gdb_rc" = 0 ] || fail "gdb exited $gdb_rc (see $f)"
"$hypscope" print "$trace" >"$logdir/gdb-one.$model.print" 2>&1
p="$logdir/gdb-one.$model.print"
check "$p" 'gdb_stop .*reason=hwbreak' "the trace has the debugger's stops (gdb_stop hwbreak)"
check "$p" 'gdb_stop .*reason=watch' "... and the watchpoint stop"
check "$p" 'gdb_resume .*held_ticks=[1-9]' "... and resumes with the time held"
check "$p" 'sched_out .*reason=debug' "vCPUs leave their CPUs for the debugger (sched_out debug)"

# ------------------------------------------------------------ 2: catchpoint
cat >"$cmds" <<'EOF'
set pagination off
set confirm off
target remote :@PORT@
monitor catch exit HVC64
continue
x/i $pc - 4
monitor catch list
monitor catch clear
continue
EOF
session catch "$cmds" --vm build/guests/smp.elf:vcpus=2 --cpus 2
f=$gdb_log
check "$f" 'catchpoint: exit HVC64' "monitor catch exit HVC64"
check "$f" 'catch: HVC64 imm=0x0 [A-Z]' "the stop at the HVC shows the decoded syndrome and SMCCC function"
check "$f" ':	hvc	#0x0' "the vCPU stopped right after its HVC"
check "$f" 'catch exit HVC64' "monitor catch list"
check "$f" 'exited normally|exited with code 0' "the guest runs to its end after catch clear"
[ "$hs_rc" = 0 ] && pass "hypscope exits 0" || fail "hypscope exited $hs_rc (see $hyp_log)"

# ------------------------------------------------------------ 3: two VMs
cat >"$cmds" <<'EOF'
set pagination off
set confirm off
target extended-remote :@PORT@
attach 1
detach
attach 2
break gdb_break_here
continue
shell sleep 4
set $x0 = 42
set var gdb_magic = 0x600db007
delete
detach
EOF
session two "$cmds" --vm build/guests/smp.elf:vcpus=2,name=free --vm build/guests/gdb.elf:vcpus=2,name=held --cpus 2
f=$gdb_log
check "$f" 'hit Breakpoint 1, gdb_break_here' "VM 1 stops at its breakpoint"
free_end=$(grep -n '^\[hyp\] free: ' "$hyp_log" | grep -E 'powered off|exited' | head -1 | cut -d: -f1)
held_pass=$(grep -n 'held\] PASS: the debugger.s register write' "$hyp_log" | head -1 | cut -d: -f1)
if [ -n "$free_end" ] && [ -n "$held_pass" ] && [ "$free_end" -lt "$held_pass" ]; then
	pass "VM 0 ran to its end while VM 1 sat at a breakpoint"
else
	fail "VM 0 did not finish while VM 1 was stopped (lines '$free_end' '$held_pass' of $hyp_log)"
fi
check "$hyp_log" '\[free\] SUMMARY: [0-9]+ tests, 0 unexpected failures' "VM 0 passes, undisturbed"
check "$hyp_log" '\[held\] SUMMARY: [0-9]+ tests, 0 unexpected failures' "VM 1 passes after detach"
[ "$hs_rc" = 0 ] && pass "hypscope exits 0" || fail "hypscope exited $hs_rc (see $hyp_log)"

# ------------------------------------------------------------ 4: SDEI
cat >"$cmds" <<'EOF'
set pagination off
set confirm off
target remote :@PORT@
monitor sdei signal
hbreak hang_loop
continue
delete
monitor sdei signal 7
monitor sdei signal 0
monitor catch sdei 0
continue
printf "stopped-at=0x%lx x0=%lu x1=0x%lx x2=0x%lx\n", $pc, $x0, $x1, $x2
printf "hang_loop=0x%lx\n", &hang_loop
monitor catch list
monitor catch clear
continue
EOF
elf=build/guests/sdei_hang.elf
session sdei "$cmds" --vm build/guests/sdei_hang.elf:name=hung
elf=build/guests/gdb.elf
f=$gdb_log
check "$f" 'SDEI error DENIED \(-3\): event 0 is not registered on hung/vcpu0' \
	"monitor sdei signal before the guest registered: DENIED, in words"
check "$f" 'SDEI error INVALID_PARAMETERS \(-2\): hung has no event 7' "an event that does not exist"
check "$f" 'signalled event 0 to hung/vcpu0' "monitor sdei signal 0 once the guest spins"
check "$f" 'catchpoint: sdei event 0' "monitor catch sdei 0"
check "$f" 'catch: sdei_dispatch event=0 cause=host priority=0 pc=0x[0-9a-f]+ on vcpu0; handler entry pc=0x[0-9a-f]+' \
	"the stop names the dispatch as hypscope print does"
loop=$(sed -n 's/^hang_loop=\(0x[0-9a-f]*\)$/\1/p' "$f" | head -1)
intr=$(sed -n 's/.*catch: sdei_dispatch event=0 cause=host priority=0 pc=\(0x[0-9a-f]*\) .*/\1/p' "$f" | head -1)
entry=$(sed -n 's/.*; handler entry pc=\(0x[0-9a-f]*\).*/\1/p' "$f" | head -1)
if [ -n "$loop" ] && [ "$intr" = "$loop" ]; then
	pass "the interrupted PC is the hung loop ($loop)"
else
	fail "interrupted PC '$intr', hang_loop '$loop' (see $f)"
fi
if [ -n "$entry" ] && has "$f" "^stopped-at=$entry x0=0 x1=0x600d x2=$loop\$"; then
	pass "gdb stops at the handler's entry, x0-x2 as the handler gets them"
else
	fail "no 'stopped-at=$entry x0=0 x1=0x600d x2=$loop' in $f"
fi
check "$f" 'catch sdei 0' "monitor catch list shows it"
check "$hyp_log" 'PASS: the interrupted PC is the hung loop' "the handler runs after catch clear"
check "$hyp_log" '\[hung\] SUMMARY: [0-9]+ tests, 0 unexpected failures' "the guest passes"
check "$f" 'exited normally|exited with code 0' "the guest powers off"
[ "$hs_rc" = 0 ] && pass "hypscope exits 0" || fail "hypscope exited $hs_rc (see $hyp_log)"

rm -f "$cmds"
exit $failed
