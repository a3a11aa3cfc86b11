#!/usr/bin/env bash
# What `hypscope top` costs: the CPU time of its process (sum_exec_runtime
# from /proc/PID/schedstat, in ns) while it watches the busiest demo,
# `hypscope run` with no --vm (what `make run` shows: two demo guests of two
# vCPUs and Linux when it is built), and how fast it replays a recorded
# trace when nothing holds it back.
#
#  - interactive: attached by PID in a 120x40 terminal (tmux), redrawing
#    every second and every half second
#  - batch: the same attached view printing its tables to a file
#  - run --record: the live drain in no-overwrite mode, its losses and the
#    ring high-water mark
#  - replay --speed max of that trace, batch: records per CPU second of
#    the whole pipeline (read, model, print)
#
# The demo is busy for about 6 s (its guests' DEMO_SECONDS, tests/guests/
# demo.c), then Linux alone is far quieter. Each attached row waits until
# the view shows exits, then measures from one refresh to the first refresh
# WINDOW_S later: the CPU share, and the records drained in that time (the
# records/s of each refresh's header times the interval). The same view
# attached to a machine that does almost nothing (guests/sdei_hang.elf spins
# with its interrupts masked) gives the idle share; the two points give the
# cost of a record drained, modelled and shown (ns/record) and the fixed cost
# (the drain's wake-ups and the refreshes: per second, and per refresh).
# Figures are printed next to issue 11's goal (at most 4 % of a CPU at the
# busiest demo rate), never asserted.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
hs=build/hypscope
top_hs=${TOP_HS:-$hs} # the view measured (another build of it, for an A/B)
work=$(mktemp -d "${TMPDIR:-/tmp}/hypscope-top-bench.XXXXXX")
sock=hypscope-top-bench-$$
run_pid=""
WINDOW_S=${WINDOW_S:-4}

cleanup() {
	command -v tmux >/dev/null 2>&1 && tmux -L "$sock" kill-server 2>/dev/null
	[ -n "$run_pid" ] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# The CPU time a process has run, in ns (user and system).
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null; }

now() { date +%s.%N; }

# Start a machine in the background (the demo without arguments) and wait for its RAM file.
start_machine() {
	"$hs" run --timeout 120 "$@" >"$work/run.log" 2>&1 </dev/null &
	run_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -e "/dev/shm/hypscope-$run_pid.ram" ] && return 0
		sleep 0.1
	done
	return 1
}

stop_machine() {
	kill -TERM "$run_pid" 2>/dev/null
	wait "$run_pid" 2>/dev/null
	run_pid=""
}

# The view's first line, "... up 3.1s  exits 12.3k/s  records 40.1k/s  lost 0":
# from the tmux pane (interactive), or the newest one in the batch output file.
header() { # pane|FILE
	if [ "$1" = pane ]; then
		tmux -L "$sock" capture-pane -p -t b 2>/dev/null | head -n1
	else
		grep -a '^hypscope top ' "$1" 2>/dev/null | tail -n1
	fi
}

# A figure of a header ("exits" or "records") as a plain number; "" when absent.
header_num() { # LINE WORD
	sed -n "s/.* $2 \([0-9.]*[kM]*\)\/s.*/\1/p" <<<"$1" |
		awk '/k$/ { print $0 * 1e3; next } /M$/ { print $0 * 1e6; next } { print $0 + 0 }'
}

# Measure the view of process $1 showing its header through $2 (pane|FILE),
# refreshing every $3 s. busy: wait (up to 60 s) until it shows exits first.
# Prints "share_percent records_per_s cpu_ns_per_s", or fails.
measure() { # PID pane|FILE INTERVAL busy|idle
	local pid=$1 src=$2 ival=$3 h prev i c0 c1 t0 t1 recs=0 e n=0
	if [ "$4" = busy ]; then
		for ((i = 0; i < 300; i++)); do
			e=$(header_num "$(header "$src")" exits)
			[ -n "$e" ] && [ "$e" != 0 ] && break
			sleep 0.2
		done
		[ "$i" -lt 300 ] || { echo "(no exits within 60 s)" >&2; return 1; }
	else
		sleep 2 # the start-up and the first intervals
	fi
	# from the next refresh...
	prev=$(header "$src")
	while h=$(header "$src") && [ "$h" = "$prev" ]; do
		kill -0 "$pid" 2>/dev/null && [ $((n += 1)) -lt 500 ] || return 1
		sleep 0.02
	done
	c0=$(cpu_ns "$pid") t0=$(now) prev=$h
	# ... to the first one WINDOW_S later, adding up what each drained
	while :; do
		h=$(header "$src")
		if [ "$h" != "$prev" ]; then
			recs=$(awk -v r="$recs" -v n="$(header_num "$h" records)" -v i="$ival" \
				'BEGIN { print r + n * i }')
			prev=$h
			t1=$(now)
			awk -v t0="$t0" -v t1="$t1" -v w="$WINDOW_S" 'BEGIN { exit !(t1 - t0 >= w - 0.05) }' &&
				break
		fi
		kill -0 "$pid" 2>/dev/null && [ $((n += 1)) -lt 2000 ] || return 1
		sleep 0.02
	done
	c1=$(cpu_ns "$pid") || return 1
	awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v r="$recs" 'BEGIN {
		d = t1 - t0
		printf "%.2f %.0f %.0f\n", 100 * (c1 - c0) / 1e9 / d, r / d, (c1 - c0) / d
	}'
}

# One view ($1: interactive|batch, $2: the interval) attached to a machine
# ($3: busy, the demo; idle, sdei_hang): "share rate ns_per_s" on stdout.
attached() { # interactive|batch INTERVAL busy|idle
	local pid out r
	if [ "$3" = busy ]; then start_machine; else start_machine --vm build/guests/sdei_hang.elf; fi ||
		{ echo "the machine did not start" >&2; return 1; }
	if [ "$1" = interactive ]; then
		tmux -L "$sock" -f /dev/null new-session -d -s b -x 120 -y 40 \
			"$top_hs top --attach $run_pid --wait 10 --interval $2; sleep 30"
		for ((i = 0; i < 50; i++)); do
			pid=$(pgrep -f -- "^$top_hs top --attach $run_pid --wait 10 --interval $2\$" | head -n1)
			[ -n "$pid" ] && break
			sleep 0.1
		done
		out=pane
	else
		out="$work/batch.txt"
		"$top_hs" top --attach "$run_pid" --wait 10 --batch --interval "$2" >"$out" 2>&1 &
		pid=$!
	fi
	r=1
	[ -n "${pid:-}" ] && measure "$pid" "$out" "$2" "$3" && r=0
	[ "$1" = interactive ] && tmux -L "$sock" kill-server 2>/dev/null
	[ "$1" = batch ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	stop_machine
	return $r
}

# Issue 11's goal for a share $1: "met" at most 4 % of a CPU.
goal4() {
	awk -v p="$1" 'BEGIN { print (p <= 4 ? "goal <= 4 %: met" : "goal <= 4 %: not met") }'
}

echo "== hypscope top: CPU while attached (sum_exec_runtime over wall time; the busy demo, then an idle machine)"

rows="batch:1"
if command -v tmux >/dev/null 2>&1; then
	rows="interactive:1 interactive:0.5 batch:1"
else
	echo "  interactive: tmux is not installed, skipped"
fi
for row in $rows; do
	kind=${row%%:*} ival=${row#*:}
	if [ "$kind" = interactive ]; then label="interactive 120x40, refresh ${ival} s"; else label="batch, every ${ival} s"; fi
	if ! busy=$(attached "$kind" "$ival" busy); then
		echo "  $label: no figure (the view did not show the busy demo)"
		continue
	fi
	read -r bp br bn <<<"$busy"
	printf "  %-34s %5s%% of a CPU at %6.1fk records/s   (%s)\n" "$label:" "$bp" \
		"$(awk -v r="$br" 'BEGIN { print r / 1e3 }')" "$(goal4 "$bp")"
	if idle=$(attached "$kind" "$ival" idle); then
		read -r ip ir in <<<"$idle"
		awk -v bn="$bn" -v br="$br" -v in_="$in" -v ir="$ir" -v ip="$ip" -v ival="$ival" 'BEGIN {
			per = br > ir ? (bn - in_) / (br - ir) : 0	# ns per record
			fixed = in_ - per * ir				# ns per second
			printf "  %-34s %5s%% of a CPU at %6.1f records/s: %.0f ns/record drained, fixed %.0f us/s (%.0f us per refresh)\n",
				"    idle machine:", ip, ir, per, fixed / 1e3, fixed / 1e3 * ival
		}'
	else
		echo "    idle machine: no figure"
	fi
done

# The live drain: run --record drains the rings in no-overwrite mode (what
# does not fit is dropped and counted), so its loss count and ring high-water
# mark say whether the drain keeps up. Exit 3 is the timeout: Linux's init may
# not end within it on a loaded machine, and the trace is complete anyway.
"$hs" run --record "$work/demo.trace" --timeout 120 >"$work/record.log" 2>&1 </dev/null
rc=$?
if [ "$rc" -eq 0 ] || { [ "$rc" -eq 3 ] && [ -s "$work/demo.trace" ]; }; then
	echo "== run --record: the live drain of the demo (no-overwrite rings)"
	sed -n 's/^hypscope: \(recorded .*\)/  \1/p; s/^hypscope: \(ring high-water .*\)/  \1/p' \
		"$work/record.log"
	echo "== hypscope top: replay as fast as possible (batch, --interval 3600: one report at the end; mean of 5)"
	# CPU seconds (user + system) of the whole replay: read, model, print
	# (5 replays: time(1) counts in 10 ms ticks)
	for i in 1 2 3 4 5; do
		/usr/bin/time -a -o "$work/replay.cpu" -f "%U %S" "$top_hs" top --replay \
			"$work/demo.trace" --batch --speed max --interval 3600 >"$work/replay.txt" 2>&1
	done
	cpu=$(awk '{ u += $1; s += $2 } END { if (NR) print u / NR, s / NR }' "$work/replay.cpu" 2>/dev/null)
	n=$("$hs" report "$work/demo.trace" --format json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2>/dev/null)
	size=$(stat -c %s "$work/demo.trace")
	awk -v cpu="$cpu" -v n="${n:-0}" -v size="$size" 'BEGIN {
		split(cpu, c, " ")
		d = c[1] + c[2]
		if (d <= 0)
			printf "  no figure (CPU time \"%s\")\n", cpu
		else if (n > 0)
			printf "  %d records (%.1f MB) in %.2f CPU s: %.2f M records per CPU second, %.0f ns/record\n",
				n, size / 1e6, d, n / d / 1e6, d * 1e9 / n
		else
			printf "  %.1f MB in %.2f CPU s: %.1f MB per CPU second\n", size / 1e6, d, size / d / 1e6
	}'
else
	echo "== run --record: recording the demo failed (exit $rc): $(tail -n1 "$work/record.log")"
fi
