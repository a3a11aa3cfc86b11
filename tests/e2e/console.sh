#!/usr/bin/env bash
# End-to-end test of console input: what is typed at the machine's console
# reaches the focused VM's UART, and Ctrl-A then a digit moves the focus.
#
#   tests/e2e/console.sh [MODEL]       (default CPU model: max)
#
# Two Linux guests (Debian's kernel, the busybox initramfs with
# hypscope.shell) run in a real terminal (tmux). The test types a command
# into the first, switches to the second with Ctrl-A 1, types another, and
# exits both shells; each answer must come from the VM it was typed into,
# and both VMs must power off cleanly. PASS:/FAIL: lines; exit status 0 only
# when nothing failed.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
session="hypscope-console-$$"
out="build/e2e-logs/console.$model.screen"
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

for f in build/linux/Image build/linux/initramfs.cpio; do
	[ -f "$f" ] || { fail "$f is missing: run make linux-guest"; exit 1; }
done

vm() { # name
	echo "build/linux/Image:name=$1,vcpus=1,mem=128M,initrd=build/linux/initramfs.cpio,cmdline=console=ttyAMA0 quiet hypscope.shell hypscope.work=0"
}

# Waits until the pane's text matches a regex (seconds at most).
wait_for() { # regex seconds
	local i
	for ((i = 0; i < $2 * 4; i++)); do
		tmux capture-pane -t "$session" -p -S -200 | grep -Eq "$1" && return 0
		sleep 0.25
	done
	return 1
}

tmux kill-session -t "$session" 2>/dev/null
tmux new-session -d -s "$session" -x 160 -y 50 \
	"'$hypscope' run --cpu '$model' --cpus 2 --timeout 240 --vm '$(vm l0)' --vm '$(vm l1)'; echo HYPSCOPE-EXIT=\$?; sleep 60"
trap 'tmux kill-session -t "$session" 2>/dev/null' EXIT

# l0 has the input, so its output comes a character at a time: its prompt
# shows. l1's is line-buffered until it gets the input.
if wait_for '^\[l0\] / # ?$' 120 && wait_for '\[l1\].*a shell on the console' 60; then
	pass "both Linux guests reach their shells, l0's prompt shows"
else
	fail "the shells did not come up"
fi
sleep 2
tmux send-keys -t "$session" 'echo in-l0-$((6*7))' Enter
wait_for '^\[l0\] in-l0-42' 20 && pass "a command typed at the console runs in the focused VM (l0)" ||
	fail "no answer from l0"
tmux send-keys -t "$session" C-a 1
wait_for 'console: input goes to l1' 10 && pass "Ctrl-A 1 moves the input to l1" ||
	fail "Ctrl-A 1 did not move the input"
# Its prompt, and busybox's query of the cursor position with it, come out
# now: let the terminal's answer reach the shell before typing.
wait_for '^\[l1\] / # ?$' 20 || true
sleep 2
tmux send-keys -t "$session" 'echo in-l1-$((6*7))' Enter
wait_for '^\[l1\] in-l1-42' 20 && pass "the next command runs in l1, and only there" ||
	fail "no answer from l1"
tmux capture-pane -t "$session" -p -S -200 | grep -q '^\[l0\] in-l1-42' &&
	fail "the l1 command also ran in l0"
tmux send-keys -t "$session" 'exit' Enter
wait_for '\[hyp\] l1: powered off' 30 && pass "exit powers l1 off" || fail "l1 did not power off"
tmux send-keys -t "$session" C-a 0
sleep 1
tmux send-keys -t "$session" 'exit' Enter
if wait_for 'HYPSCOPE-EXIT=0' 60; then
	pass "both VMs powered off and hypscope run exited 0"
else
	fail "hypscope run did not end cleanly"
fi
mkdir -p "$(dirname "$out")"
tmux capture-pane -t "$session" -p -S -400 > "$out"
exit "$failed"
