#!/usr/bin/env bash
# End-to-end test of `hypscope top`: the real binary in a real terminal
# (tmux), driven with keystrokes, judged by what the screen shows.
#
#   tests/e2e/top.sh [MODEL]       (default CPU model: max)
#
#  1. A synthetic trace whose contents are known (tests/e2e/top_trace.c,
#     built here against build/libhypscope.a) is replayed:
#     --batch and a pipe print the tables; in the terminal the exits come in
#     count order, a filter narrows the rows, sorting by name and p99
#     reorders them, the vGIC panel shows every list register the trace
#     holds, the layout survives resizes down to 80x24 and below, and q
#     gives the terminal back (alternate screen left, cursor shown, echo on,
#     the shell prompt answers). SIGTERM does the same, with status 143.
#  2. A live run of the demo (`hypscope run --record`, QEMU, MODEL): `top
#     --attach PID` peeks at the rings the recorder drains, shows the VMs and
#     exits while it runs, g picks a VM, and the view notices when the
#     machine is done; --batch --iterations 2 prints two reports of a running
#     machine; the recording replays to its end.
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Screens and files stay in build/e2e-logs/top.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope), HOST_CC (default gcc).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/top.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
sock=hypscope-top-e2e-$$
failed=0
run_pid=""

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work" || exit 2
work=$(cd "$work" && pwd)

cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
		kill -TERM "$run_pid" 2>/dev/null
		wait "$run_pid" 2>/dev/null
	fi
}
trap cleanup EXIT

if ! command -v tmux >/dev/null 2>&1; then
	fail "tmux is needed to drive the view in a terminal (apt-get install tmux)"
	exit 1
fi

# ------------------------------------------------------------- the terminal

t() { tmux -L "$sock" "$@"; }

# The screen as text; also kept as $work/NAME.screen.
screen() { # [NAME]
	local s
	s=$(t capture-pane -p -t top)
	[ -n "${1:-}" ] && printf '%s\n' "$s" >"$work/$1.screen"
	printf '%s\n' "$s"
}

# Wait until the screen matches an extended regex; 1 after `secs` seconds.
wait_screen() { # REGEX [SECS]
	local i n=$((${2:-10} * 5))
	for ((i = 0; i < n; i++)); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.2
	done
	return 1
}

keys() { t send-keys -t top "$@"; sleep 0.15; }

# Wait for REGEX on screen (a busy machine may take a while to redraw), keep it as NAME.
expect() { # NAME REGEX [SECS]
	wait_screen "$2" "${3:-10}"
	local rc=$?
	screen "$1" >/dev/null
	return $rc
}

# Line numbers of the first screen line starting with each class name, in order.
row_order() { # SCREEN CLASS...
	local s=$1 c
	shift
	for c in "$@"; do
		printf '%s\n' "$s" | grep -nE "^[+-] $c " | head -n1 | cut -d: -f1
	done | tr '\n' ' '
}

ascending() { # NUMBERS...
	local prev=0 n
	[ $# -gt 0 ] || return 1
	for n in "$@"; do
		[ "$n" -gt "$prev" ] || return 1
		prev=$n
	done
}

# A shell in a 100x40 terminal, with a prompt we can recognise.
t -f /dev/null new-session -d -s top -x 100 -y 40 \
	"env -u TMUX PS1='prompt\$ ' bash --norc --noprofile" || {
	fail "tmux could not start a session"
	exit 1
}
t set-option -t top status off >/dev/null
keys "cd '$top'" Enter
wait_screen 'prompt\$' 5 || fail "the shell in tmux never showed its prompt"

# ------------------------------------------------------ 1. a known trace

trace=$work/known.trace
if ! ${HOST_CC:-gcc} -std=gnu11 -Wall -Wextra -Werror -O2 -I. -D_GNU_SOURCE \
	-o "$work/top_trace" tests/e2e/top_trace.c build/libhypscope.a -ldeflate -lisal 2>"$work/top_trace.err"; then
	fail "tests/e2e/top_trace.c does not build against build/libhypscope.a: $(head -n3 "$work/top_trace.err")"
	exit 1
fi
"$work/top_trace" "$trace" || { fail "top_trace could not write $trace"; exit 1; }

# --batch, and a pipe without --batch, print the tables as text
out=$("$hypscope" top --replay "$trace" --batch --speed max --width 100 2>&1)
rc=$?
printf '%s\n' "$out" >"$work/batch.txt"
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -Eq '^\+ HVC64 +3\.00k ' &&
	printf '%s\n' "$out" | grep -Eq '^\+ IRQ +100 ' &&
	printf '%s\n' "$out" | grep -q 'end of trace'; then
	pass "--batch replays the whole trace: HVC64 3.00k, IRQ 100, end of trace"
else
	fail "--batch (status $rc) did not print the known counts (see $work/batch.txt)"
fi
out=$("$hypscope" top --replay "$trace" --speed max | cat)
if printf '%s\n' "$out" | grep -q '^Exits (all VMs)' && ! printf '%s\n' "$out" | grep -q $'\e'; then
	pass "with stdout a pipe and no --batch, top prints text without escape sequences"
else
	fail "with stdout a pipe top did not behave as --batch"
fi
out=$("$hypscope" top --replay "$trace" --batch --speed max --vm 1 --width 100)
if printf '%s\n' "$out" | grep -q '^Exits of vm1 (beta)' &&
	printf '%s\n' "$out" | grep -Eq '^\+ HVC64 +1\.00k '; then
	pass "--vm 1 shows beta's third of the exits"
else
	fail "--vm 1 did not narrow the table to vm1"
fi
"$hypscope" top --replay "$work/missing.trace" --batch >/dev/null 2>"$work/missing.err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'hypscope top:' "$work/missing.err"; then
	pass "a missing trace file: one message, exit status 2"
else
	fail "a missing trace file gave status $rc"
fi

# the interactive view of the same trace, played as fast as it goes
keys "clear; $hypscope top --replay '$trace' --speed max; echo \"top exit \$?\"" Enter
if wait_screen 'end of trace' 10; then
	s=$(screen replay)
	order=$(row_order "$s" HVC64 DABT_LOW SYS64 WFX IRQ)
	# shellcheck disable=SC2086
	if ascending $order; then
		pass "the exits table comes sorted by count: HVC64 DABT_LOW SYS64 WFX IRQ"
	else
		fail "rows are not in count order (lines: $order)"
	fi
	if printf '%s\n' "$s" | grep -q 'vm0 alpha' && printf '%s\n' "$s" | grep -q 'vm1 beta'; then
		pass "the VM pane lists alpha and beta"
	else
		fail "the VM pane does not list alpha and beta"
	fi
else
	fail "the replay never reached the end of the trace on screen"
	screen replay >/dev/null
fi

# f: a filter narrows the rows
keys f
keys C-u '^(hvc|smc)' Enter
expect filter 'filter /\^\(hvc\|smc\)/'
s=$(screen filter)
if printf '%s\n' "$s" | grep -Eq '^\+ HVC64 ' && ! printf '%s\n' "$s" | grep -Eq '^\+ (DABT_LOW|SYS64|WFX|IRQ) ' &&
	printf '%s\n' "$s" | grep -q 'filter /^(hvc|smc)/'; then
	pass "filter /^(hvc|smc)/ leaves the HVC64 row only"
else
	fail "the filter did not narrow the rows to HVC64"
fi
keys f
keys C-u '(' Enter
if expect bad-regex 'bad regex'; then
	pass "a bad regex is refused with a message"
else
	fail "a bad regex gave no message"
fi
keys f
keys C-u Enter
expect unfiltered '^\+ IRQ '
s=$(screen unfiltered)
if printf '%s\n' "$s" | grep -Eq '^\+ IRQ '; then
	pass "an empty filter brings every row back"
else
	fail "clearing the filter did not bring IRQ back"
fi

# <: sort by name; >>>>>> (p99); i: reversed
keys '<'
expect sort-name 'sort name'
s=$(screen sort-name)
order=$(row_order "$s" DABT_LOW HVC64 IRQ SYS64 WFX)
# shellcheck disable=SC2086
if printf '%s\n' "$s" | grep -q 'sort name' && ascending $order; then
	pass "< sorts by name: DABT_LOW HVC64 IRQ SYS64 WFX"
else
	fail "sorting by name did not reorder the rows (lines: $order)"
fi
keys '>' '>' '>' '>' '>' '>'
expect sort-p99 'sort p99'
s=$(screen sort-p99)
order=$(row_order "$s" WFX IRQ SYS64 DABT_LOW HVC64)
# shellcheck disable=SC2086
if printf '%s\n' "$s" | grep -q 'sort p99' && ascending $order; then
	pass "> sorts by p99: WFX IRQ SYS64 DABT_LOW HVC64"
else
	fail "sorting by p99 did not reorder the rows (lines: $order)"
fi
keys i
expect sort-p99-reversed 'sort p99 \(reversed\)'
s=$(screen sort-p99-reversed)
order=$(row_order "$s" HVC64 DABT_LOW SYS64 IRQ WFX)
# shellcheck disable=SC2086
if ascending $order; then
	pass "i reverses the order"
else
	fail "i did not reverse the rows (lines: $order)"
fi
keys i s s s
expect sort-count 'sort count  '

# Enter on the DABT_LOW row: its MMIO breakdown
keys Home
s=$(screen)
n=$(row_order "$s" HVC64 DABT_LOW | awk '{ print $2 - $1 }')
if [ -n "$n" ] && [ "$n" -gt 0 ]; then
	for ((i = 0; i < n; i++)); do keys Down; done
	keys Enter
	if expect expanded '^ +UARTFR \+0x18 read +2\.00k +100\.0%'; then
		pass "Enter expands DABT_LOW into its MMIO breakdown: UARTFR read, 2.00k, 100%"
	else
		fail "Enter on DABT_LOW did not show the UARTFR breakdown"
	fi
	keys Enter
else
	fail "could not find the DABT_LOW row to expand"
fi

# Tab to the vGIC panel: every list register of the trace
keys Tab Tab
expect vgic 'maintenance IRQs 10'
s=$(screen vgic)
ok=1
for want in 'vm0/0 +out P +27 h27 +a0 A +33 +80 PA +1 +10 -' \
	'vm0/1 +out PA +30 h30 +90 -' \
	'vm1/0 +out A +27 h27 +a0 P +44 +c0 -' \
	'maintenance IRQs 10: EOI 7, U 3'; do
	printf '%s\n' "$s" | grep -Eq -- "$want" || { ok=0; fail "the vGIC panel lacks /$want/"; }
done
[ $ok -eq 1 ] && pass "the vGIC panel shows the LR states of the trace (P, A, PA, -, vINTID, hw pINTID, priority) and maintenance causes"

# resizes: 80x24 keeps every pane reachable, smaller still draws, back again
t resize-window -t top -x 80 -y 24
expect 80x24 '^replay known\.trace .* rec [0-9]'
expect 80x24 '^h help q quit' 5 # once the last message has gone from the key line
s=$(screen 80x24)
lines=$(printf '%s\n' "$s" | wc -l)
longest=$(printf '%s\n' "$s" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
if [ "$lines" -eq 24 ] && printf '%s\n' "$s" | head -n1 | grep -q '^replay known.trace' &&
	printf '%s\n' "$s" | grep -q '^ Exits (all VMs)' && printf '%s\n' "$s" | grep -q '^ vGIC list registers' &&
	printf '%s\n' "$s" | grep -q '^ Events' && printf '%s\n' "$s" | tail -n1 | grep -q '^h help'; then
	pass "at 80x24 the header, every pane's title bar and the key line are on screen"
else
	fail "the 80x24 layout is broken ($lines lines, see $work/80x24.screen)"
fi
if printf '%s\n' "$s" | grep -Eq 'vm0/0 +out P +27'; then
	pass "at 80x24 the focused vGIC panel still shows its list registers"
else
	fail "at 80x24 the focused pane lost its contents"
fi
t resize-window -t top -x 24 -y 6
if expect tiny 'too small'; then
	pass "a 24x6 terminal is told it is too small"
else
	fail "a 24x6 terminal shows neither the view nor a message"
fi
t resize-window -t top -x 100 -y 40
expect back 'RATE, LAST MINUTE'
s=$(screen back)
if printf '%s\n' "$s" | head -n1 | grep -q 'records [0-9.]*[kM]*/s' && printf '%s\n' "$s" | grep -Eq '^\+ HVC64 ' &&
	printf '%s\n' "$s" | grep -q 'RATE, LAST MINUTE' && printf '%s\n' "$s" | grep -q 'GUEST s'; then
	pass "back at 100x40 the full layout returns"
else
	fail "the layout did not come back after the resizes"
fi

# h: help, any key closes it
keys h
if expect help 'refresh every 0.5 s'; then
	pass "h shows the keys"
else
	fail "h showed no help"
fi
keys x

# q: the terminal comes back
keys q
expect after-q 'top exit'
s=$(screen after-q)
alt=$(t display -p -t top '#{alternate_on}')
cur=$(t display -p -t top '#{cursor_flag}')
if printf '%s\n' "$s" | grep -q 'top exit 0' && [ "$alt" = 0 ] && [ "$cur" = 1 ]; then
	pass "q exits with status 0, leaves the alternate screen and shows the cursor"
else
	fail "after q: '$(printf '%s\n' "$s" | grep 'top exit' | tail -n1)', alternate screen $alt, cursor $cur"
fi
keys "stty -a | grep -o -- '-\?echo ' | head -n1; echo prompt-ok-\$((6 * 7))" Enter
expect shell '^prompt-ok-42'
s=$(screen shell)
if printf '%s\n' "$s" | grep -q 'prompt-ok-42' && printf '%s\n' "$s" | grep -Eq '^echo ?$' &&
	printf '%s\n' "$s" | grep -q 'echo prompt-ok-'; then
	pass "the shell works after q: input echoed, echo on, commands run"
else
	fail "the shell is not usable after q (see $work/shell.screen)"
fi

# SIGTERM: the same cleanup, status 128 + 15
keys "clear; $hypscope top --replay '$trace' --speed 0.5 --paused; echo \"top exit \$?\"" Enter
if wait_screen 'PAUSED' 10; then
	pid=$(pgrep -f -- "top --replay $trace --speed 0.5 --paused" | head -n1)
	[ -n "$pid" ] && kill -TERM "$pid"
	expect sigterm 'top exit'
	s=$(screen sigterm)
	alt=$(t display -p -t top '#{alternate_on}')
	if printf '%s\n' "$s" | grep -q 'top exit 143' && [ "$alt" = 0 ]; then
		pass "SIGTERM restores the terminal and exits with status 143"
	else
		fail "after SIGTERM: '$(printf '%s\n' "$s" | grep 'top exit' | tail -n1)', alternate screen $alt"
	fi
else
	fail "a paused replay never showed PAUSED"
	keys q
fi

# ------------------------------------------------------ 2. a live machine

"$hypscope" run --cpu "$model" --timeout 120 --record "$work/live.trace" >"$work/run.log" 2>&1 </dev/null &
run_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -e "/dev/shm/hypscope-$run_pid.ram" ] && break
	sleep 0.1
done
keys "clear; $hypscope top --attach $run_pid --wait 10 --interval 0.5; echo \"top exit \$?\"" Enter
if wait_screen '^\+ HVC64 ' 30 && wait_screen 'vm0 demo0 +running' 10; then
	s=$(screen live)
	if printf '%s\n' "$s" | head -n1 | grep -Eq "live /dev/shm/hypscope-$run_pid.ram .*exits [0-9.]+[kM]?/s" &&
		printf '%s\n' "$s" | grep -q 'trace drop'; then
		pass "attached to the running demo: exits per class, VMs running"
	else
		fail "the live header does not show the machine (see $work/live.screen)"
	fi
	keys g
	if expect live-vm0 'Exits of vm0 \(demo0\)'; then
		pass "g shows vm0 (demo0) only"
	else
		fail "g did not pick vm0"
	fi
	"$hypscope" top --attach "$run_pid" --batch --iterations 2 --interval 0.5 >"$work/live-batch.txt" 2>&1
	n=$(grep -c '^hypscope top  live' "$work/live-batch.txt")
	if [ "$n" -eq 2 ]; then
		pass "--batch --iterations 2 on a running machine prints two reports"
	else
		fail "--batch --iterations 2 printed $n reports (see $work/live-batch.txt)"
	fi
	if wait_screen 'machine done' 90; then
		pass "the view says when the machine is done"
	else
		fail "the view never noticed the end of the machine"
	fi
	keys q
	wait_screen 'top exit 0' 5 || fail "top attached to a live machine did not exit 0 on q"
else
	fail "top --attach never showed the demo's exits (see $work/live.screen)"
	screen live >/dev/null
	keys q
fi
wait "$run_pid"
rc=$?
run_pid=""
[ $rc -eq 0 ] || fail "the demo run under top exited with status $rc (see $work/run.log)"

# the recording of that run, replayed
out=$("$hypscope" top --replay "$work/live.trace" --batch --speed max --width 120 2>&1)
printf '%s\n' "$out" >"$work/live-replay.txt"
if printf '%s\n' "$out" | grep -q 'end of trace' && printf '%s\n' "$out" | grep -Eq '^\+ HVC64 ' &&
	printf '%s\n' "$out" | grep -Eq '^  vm0 demo0 +off'; then
	pass "the run's own recording (--record, read beside top) replays to the end: demo0 off"
else
	fail "the replay of the recorded demo run is incomplete (see $work/live-replay.txt)"
fi

exit $failed
