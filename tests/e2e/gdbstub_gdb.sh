#!/usr/bin/env bash
# The GDB protocol engine against the real gdb-multiarch, without QEMU: the
# engine runs over the fake target on a TCP port (build/tests/gdbstub_serve,
# built with the unit tests' sanitizers) and gdb 13 drives it in batch mode.
#
#   tests/e2e/gdbstub_gdb.sh [MODEL]      (the CPU model is not used)
#
# target remote: threads, registers (core, fpu, system), stepi, break and
# continue, hbreak, watchpoints, scheduler locking, register and memory
# writes, monitor commands, IPA mode, a read-only register, detach.
# extended-remote: two VMs attached, a breakpoint in one, kill, detach.
# Reconnecting: a second connection after a disconnect starts afresh.
# PASS:/FAIL: lines; exit status 0 only when nothing failed.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
serve=build/tests/gdbstub_serve
work=$(mktemp -d)
failed=0
spid=""

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

[ -x "$serve" ] || { fail "$serve is missing: run make"; exit 1; }
command -v gdb-multiarch >/dev/null || { fail "gdb-multiarch is not installed"; exit 1; }

# Starts the server for N connections; sets port and spid.
start() { # connections
	local i
	"$serve" -n "$1" -t 30 >"$work/port" 2>"$work/serve.err" &
	spid=$!
	for ((i = 0; i < 50; i++)); do
		port=$(awk '/^port /{print $2}' "$work/port")
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	fail "gdbstub_serve did not start: $(cat "$work/serve.err")"
	exit 1
}

# Waits for the server to end by itself (gdb has gone); its status must be 0.
finish() { # what
	local rc
	wait "$spid"
	rc=$?
	spid=""
	if [ "$rc" -eq 0 ] && [ ! -s "$work/serve.err" ]; then
		pass "$1: the engine ended cleanly"
	else
		fail "$1: gdbstub_serve exit status $rc: $(head -c 2000 "$work/serve.err")"
	fi
}

gdb_batch() { # out-file commands...
	local out=$1
	shift
	timeout 60 gdb-multiarch -nx -batch -ex 'set architecture aarch64' \
		-ex 'set remotetimeout 10' "$@" >"$out" 2>&1
}

expect() { # file regex what
	if grep -Eq -- "$2" "$1"; then
		pass "$3"
	else
		fail "$3: no line matches /$2/"
		sed 's/^/    /' "$1" | tail -n 40
	fi
}

# ------------------------------------------------------------ target remote
start 1
gdb_batch "$work/remote.out" \
	-ex "target remote :$port" \
	-ex 'info threads' \
	-ex 'p $pc' \
	-ex 'stepi' \
	-ex 'p $pc' \
	-ex 'break *0xffff800040001100' \
	-ex 'continue' \
	-ex 'delete' \
	-ex 'hbreak *0xffff800040001110' \
	-ex 'watch *(int *)0xffff800040000040' \
	-ex 'continue' \
	-ex 'delete' \
	-ex 'set scheduler-locking on' \
	-ex 'thread 2' \
	-ex 'stepi' \
	-ex 'info threads' \
	-ex 'set $x1 = 0x1234' \
	-ex 'p/x $x1' \
	-ex 'p $v0.d.u[0]' \
	-ex 'p/x $cpsr' \
	-ex 'p/x $sctlr_el1' \
	-ex 'set {int}0xffff800040000100 = 0x55aa' \
	-ex 'x/wx 0xffff800040000100' \
	-ex 'monitor help' \
	-ex 'monitor ipa on' \
	-ex 'x/wx 0x40000100' \
	-ex 'monitor ipa off' \
	-ex 'set $mpidr_el1 = 5' \
	-ex 'detach'
r=$work/remote.out
expect "$r" 'Thread 1\.1 "vm0/vcpu0" \(running, pcpu 0, VMID 1\)' "info threads names vm0/vcpu0 with its state"
expect "$r" 'Thread 1\.2 "vm0/vcpu1" \(running, pcpu 1, VMID 1\)' "info threads lists vm0/vcpu1"
expect "$r" '^\$1 = .* 0xffff800040001000' "the PC reads"
expect "$r" '^\$2 = .* 0xffff800040001004' "stepi moves the PC one instruction"
expect "$r" 'hit Breakpoint 1, 0xffff800040001100' "a software breakpoint is hit"
expect "$r" 'hit Breakpoint 2, 0xffff800040001110' "a hardware breakpoint is hit"
expect "$r" 'Hardware watchpoint 3: \*\(int \*\)0xffff800040000040' "a watchpoint is set"
expect "$r" '^\* 2 +Thread 1\.2 .* 0xffff800040001104' "scheduler locking steps the one thread"
expect "$r" '^\$3 = 0x1234' "a register write reads back"
expect "$r" '^\$4 = 65826' "a V register reads through the fpu feature"
expect "$r" '^\$5 = 0xc5' "cpsr reads as 32 bits"
expect "$r" '^\$6 = 0x10144' "a system register of the selected thread reads"
expect "$r" '^0xffff800040000100:[[:space:]]+0x000055aa' "a memory write reads back"
expect "$r" 'ipa \[on\|off\]' "monitor help lists the engine's commands"
expect "$r" 'vcpu +the fake' "monitor help lists the target's commands"
expect "$r" '^0x40000100:[[:space:]]+0x000055aa' "monitor ipa on reads by guest physical address"
expect "$r" "Could not write register \"mpidr_el1\"; remote failure reply 'E06'" \
	"a read-only register refuses a write"
expect "$r" '\[Inferior 1 \(process 1\) detached\]' "detach"
finish "target remote"

# ------------------------------------------------------------ extended-remote, two VMs
start 1
gdb_batch "$work/ext.out" \
	-ex "target extended-remote :$port" \
	-ex 'attach 2' \
	-ex 'add-inferior' \
	-ex 'inferior 2' \
	-ex 'attach 1' \
	-ex 'info threads' \
	-ex 'break *0xffff800040001008 thread 2.1' \
	-ex 'continue' \
	-ex 'kill inferiors 1' \
	-ex 'info inferiors' \
	-ex 'detach inferiors 2'
r=$work/ext.out
expect "$r" '^ +1\.1 +Thread 2\.1 "vm1/vcpu0"' "attach 2 attaches VM slot 1"
expect "$r" '^\* 2\.1 +Thread 1\.1 "vm0/vcpu0"' "a second inferior attaches VM slot 0"
expect "$r" 'Thread 2\.1 "vm0/vcpu0" hit Breakpoint 1, 0xffff800040001008' \
	"a breakpoint scoped to one VM stops that VM"
expect "$r" '^ +1 +<null>' "kill ends one VM, the other stays"
expect "$r" '\[Inferior 2 \(process 1\) detached\]' "detach the other"
finish "extended-remote"

# ------------------------------------------------------------ reconnecting
start 2
gdb_batch "$work/again.out" \
	-ex "target remote :$port" \
	-ex 'stepi' \
	-ex 'disconnect' \
	-ex "target remote :$port" \
	-ex 'stepi' \
	-ex 'p $pc' \
	-ex 'detach'
r=$work/again.out
# the first connection stepped, then vanished; the second finds the VM where it was
expect "$r" '^\$1 = .* 0xffff800040001008' "a new connection starts afresh and sees the guest unchanged"
finish "reconnect"

exit "$failed"
