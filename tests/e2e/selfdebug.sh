#!/usr/bin/env bash
# End-to-end test of the guests' own self-hosted debug (build/guests/selfdebug.elf).
#
#   tests/e2e/selfdebug.sh [MODEL]     (default CPU model: max)
#
#   1. The guest alone on 2 vCPUs time-sliced on one CPU, recorded: its
#      breakpoints, watchpoints, steps, BRKs and OS lock at EL1 and EL0 all
#      pass, and the trace shows the lazy switch: vCPU 0's first debug
#      register access is a SYS64 exit, none of its later ones are (but
#      those made under the OS lock, which traps), and vCPU 1, which never
#      touches debug, has no debug-register exit at all.
#   2. The same guest (gdb=1) with gdb-multiarch attached: gdb's hardware
#      breakpoint stops it twice, and in between the guest's own watchpoint,
#      breakpoint, steps (EL1, and armed by its ERET into EL0) and BRKs
#      reach the guest; the trace shows those debug exits routed through EL2
#      and injected.
# QEMU (through hypscope) and gdb are killed on every path. PASS:/FAIL:
# lines; exit status 0 only when nothing failed.
set -u
. "$(dirname "$0")/lib_gdb.sh"
elf=build/guests/selfdebug.elf
[ -f "$elf" ] || { fail "$elf is missing: run make"; exit 1; }

# ------------------------------------------------------------ 1: alone, recorded
log="$logdir/selfdebug-alone.$model.log"
trace="$logdir/selfdebug-alone.$model.trace"
rm -f "$trace"
"$hypscope" run --vm "$elf:vcpus=2" --cpus 1 --cpu "$model" --timeout 60 --record "$trace" \
	>"$log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "alone: hypscope exited 0" || fail "alone: hypscope exited $rc ($log)"
check "$log" 'SUMMARY: [0-9]+ tests, 0 unexpected failures' "alone: every guest check passed"
grep -E '(PASS|FAIL):' "$log" | sed 's/^\[[^]]*\] /  /'
printed="$logdir/selfdebug-alone.$model.print"
"$hypscope" print "$trace" >"$printed" 2>&1
# Debug registers: MDSCR, MDCCINT, DBGB*/DBGW*, claim tags (TDA) — not the OS lock's.
dbg_re='SYS64 (MDSCR_EL1|DBG[BW][VC]R[0-9]+_EL1|DBGCLAIM)'
lock_at=$(grep -nE 'vm0/0 .*SYS64 OSLAR_EL1 write' "$printed" | head -1 | cut -d: -f1)
before=$(head -n "${lock_at:-0}" "$printed" | grep -E 'vm0/0 ' | grep -cE "$dbg_re")
if [ -n "$lock_at" ] && [ "$before" -eq 1 ]; then
	pass "alone: one trapped debug-register access before the OS lock (the first touch: $(grep -m1 -oE "$dbg_re[^\"]*" "$printed"))"
else
	fail "alone: $before trapped debug-register accesses of vCPU 0 before the OS lock (want 1; $printed)"
fi
other=$(grep -E 'vm0/1 ' "$printed" | grep -cE "$dbg_re|SYS64 OS")
[ "$other" -eq 0 ] && pass "alone: vCPU 1 never touched debug: no debug-register exit" ||
	fail "alone: vCPU 1 has $other debug-register exits"
guest_excs=$(grep -cE 'exit +(BREAKPT|WATCHPT|SOFTSTP)' "$printed")
[ "$guest_excs" -eq 0 ] && pass "alone: no debug exception went through EL2 (taken at the guest's EL1)" ||
	fail "alone: $guest_excs debug exceptions went through EL2"

# ------------------------------------------------------------ 2: with gdb attached
port=$(free_port)
hyp_log="$logdir/selfdebug-gdb.$model.hyp.log"
gdb_log="$logdir/selfdebug-gdb.$model.gdb.log"
trace="$logdir/selfdebug-gdb.$model.trace"
rm -f "$trace"
"$hypscope" run --vm "$elf:cmdline=gdb=1" --cpus 1 --cpu "$model" --gdb "$port" --gdb-wait \
	--timeout 60 --record "$trace" >"$hyp_log" 2>&1 &
hs_pid=$!
for _ in $(seq 300); do
	grep -q 'gdb: stub on the second UART' "$hyp_log" 2>/dev/null && break
	sleep 0.1
done
cat >"$logdir/selfdebug-gdb.$model.cmds" <<EOF
set pagination off
set confirm off
target remote :$port
hbreak gdb_mark
continue
printf "first stop %#lx\n", \$pc
continue
printf "second stop %#lx\n", \$pc
delete
continue
EOF
timeout 60 gdb-multiarch -nx -batch -x "$logdir/selfdebug-gdb.$model.cmds" "$elf" >"$gdb_log" 2>&1 &
gdb_pid=$!
gdb_wait
[ "$hs_rc" -eq 0 ] && pass "gdb: hypscope exited 0" || fail "gdb: hypscope exited $hs_rc ($hyp_log)"
n=$(grep -cE 'Breakpoint 1, .*gdb_mark' "$gdb_log")
[ "$n" -eq 2 ] && pass "gdb: its hardware breakpoint stopped the guest twice" ||
	fail "gdb: its breakpoint stopped the guest $n times ($gdb_log)"
check "$hyp_log" "PASS: gdb attached: the guest's own watchpoint still fires" \
	"gdb: the guest's own watchpoint fired in the guest"
check "$hyp_log" "PASS: gdb attached: the guest's own breakpoint still fires" \
	"gdb: the guest's own breakpoint fired in the guest"
check "$hyp_log" "PASS: EL1: software step: 3 steps" "gdb: the guest's own steps at EL1 reached it"
check "$hyp_log" "PASS: EL0: software step: 3 steps" "gdb: the guest's own steps from EL1 into EL0 reached it"
check "$hyp_log" 'SUMMARY: [0-9]+ tests, 0 unexpected failures' "gdb: every guest check passed"
printed="$logdir/selfdebug-gdb.$model.print"
"$hypscope" print "$trace" >"$printed" 2>&1
check "$printed" 'exit +WATCHPT.* injected' "gdb: the trace shows the guest's watchpoint routed through EL2 and injected"
check "$printed" 'exit +BREAKPT.* injected' "gdb: the trace shows the guest's breakpoint routed through EL2 and injected"
exit "$failed"
