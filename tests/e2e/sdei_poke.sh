#!/usr/bin/env bash
# Poking a hung vCPU: the sdei_hang guest spins with IRQs masked; `hypscope
# sdei --attach PID signal` gets its SDEI handler to run, which prints the
# interrupted PC and powers the VM off. Also: the refusals (an event not
# registered, a vCPU or VM that does not exist) and a machine that is gone.
#
#   tests/e2e/sdei_poke.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/sdei_poke.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/sdei_poke.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0
pid=

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work" || exit 2

log=$work/run.log
"$hypscope" run --vm build/guests/sdei_hang.elf:vcpus=2,name=hung --timeout 60 --cpus 2 \
	--cpu "$model" </dev/null >"$log" 2>&1 &
pid=$!

for _ in $(seq 300); do
	grep -q 'sdei_hang: hanging' "$log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q 'sdei_hang: hanging' "$log"; then
	fail "the guest never said it hangs (log: $log)"
	exit 1
fi
sleep 0.5
if kill -0 "$pid" 2>/dev/null; then
	pass "the guest hangs with IRQs masked"
else
	fail "the guest did not hang"
fi

# Refusals first: the hung vCPU must stay hung.
"$hypscope" sdei --attach "$pid" signal hung/1 >"$work/p1.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q 'not registered on hung/1' "$work/p1.log" &&
	pass "event 0 not registered on vCPU 1: refused, exit 1" ||
	fail "vCPU 1 without a handler: exit $rc: $(cat "$work/p1.log")"
"$hypscope" sdei --attach "$pid" signal hung 1000 >"$work/p2.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q 'no event 1000' "$work/p2.log" &&
	pass "an unbound event: refused, exit 1" ||
	fail "unbound event 1000: exit $rc: $(cat "$work/p2.log")"
"$hypscope" sdei --attach "$pid" signal hung/7 >"$work/p3.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q 'no vCPU 7' "$work/p3.log" &&
	pass "a vCPU that does not exist: usage error" ||
	fail "vCPU 7: exit $rc: $(cat "$work/p3.log")"
"$hypscope" sdei --attach "$pid" signal nosuchvm >"$work/p4.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] && pass "a VM that does not exist: usage error" ||
	fail "VM nosuchvm: exit $rc: $(cat "$work/p4.log")"
if kill -0 "$pid" 2>/dev/null && ! grep -q 'interrupted PC' "$log"; then
	pass "still hung after the refused requests"
else
	fail "the refused requests did something"
fi

"$hypscope" sdei --attach "$pid" signal hung >"$work/poke.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q 'event 0 signalled to hung/0' "$work/poke.log" &&
	pass "hypscope sdei signal hung: accepted" ||
	fail "the poke: exit $rc: $(cat "$work/poke.log")"

wait "$pid"
run_rc=$?
pid=
sed 's/^/  | /' "$log" | grep -E 'sdei_hang|PASS|FAIL|SUMMARY'
if [ "$run_rc" -eq 0 ] && grep -q 'PASS: the interrupted PC is the hung loop' "$log" &&
	grep -q 'SUMMARY: [0-9]* tests, 0 unexpected failures' "$log"; then
	pass "the handler ran in the hung vCPU, printed its PC and powered the VM off"
else
	fail "the poked guest: run exited $run_rc (log: $log)"
fi

"$hypscope" sdei --attach /nonexistent.ram signal 0 >"$work/gone.log" 2>&1
rc=$?
[ "$rc" -eq 4 ] && pass "no machine: exit 4" || fail "no machine: exit $rc: $(cat "$work/gone.log")"
exit $failed
