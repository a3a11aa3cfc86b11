#!/usr/bin/env bash
# What `hypscope top` costs: the share of one CPU its process uses (user +
# system time from /proc/PID/stat over wall time) while it watches the
# busiest demo, `hypscope run` (three VMs: two demo guests and Linux when it
# is built), and how fast it replays a recorded trace when nothing holds it
# back.
#
#  - interactive: attached by PID in a 120x40 terminal (tmux), redrawing
#    every second and every half second, the rings drained every few ms
#  - batch: the same attached view printing its tables to a file
#  - run --record: the live drain in no-overwrite mode, its losses and the
#    ring high-water mark
#  - replay --speed max of that trace, batch: records per second of the
#    whole pipeline (read, model, print)
#
# Each attached row waits until the view shows exits (the demo boots slower
# than the view starts on a loaded machine) and prints the records/s the
# view says it drained: a share is only worth comparing at the same rate.
# Figures are printed next to issue 11's goal (at most 4 % of a CPU), never
# asserted.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
hs=build/hypscope
work=$(mktemp -d "${TMPDIR:-/tmp}/hypscope-top-bench.XXXXXX")
sock=hypscope-top-bench-$$
run_pid=""
hz=$(getconf CLK_TCK)

cleanup() {
	command -v tmux >/dev/null 2>&1 && tmux -L "$sock" kill-server 2>/dev/null
	[ -n "$run_pid" ] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat)
cpu_ticks() {
	[ -r "/proc/$1/stat" ] || return 1
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

now() { date +%s.%N; }

# The CPU share of process $1 over $2 seconds, as a percentage.
share() { # PID SECONDS
	local t0 t1 c0 c1
	c0=$(cpu_ticks "$1") || return 1
	t0=$(now)
	sleep "$2"
	c1=$(cpu_ticks "$1") || return 1
	t1=$(now)
	awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
		'BEGIN { printf "%.1f", 100 * (c1 - c0) / hz / (t1 - t0) }'
}

# Start the demo in the background and wait for its RAM file.
start_demo() {
	"$hs" run --timeout 120 "$@" >"$work/run.log" 2>&1 </dev/null &
	run_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -e "/dev/shm/hypscope-$run_pid.ram" ] && return 0
		sleep 0.1
	done
	return 1
}

stop_demo() {
	wait "$run_pid" 2>/dev/null
	run_pid=""
}

# The first line of the view in the tmux pane: "... exits 12.3k/s  records 40.1k/s ...".
pane_header() { tmux -L "$sock" capture-pane -p -t b 2>/dev/null | head -n1; }

# The records/s figure of a header line, "" when there is none.
header_rate() { sed -n 's/.* records \([0-9.]*[kM]*\)\/s.*/\1/p'; }

# Wait (up to $1 seconds) until the view shows exits: on a loaded machine the
# demo takes longer than the view to start, and a share measured before its
# guests run says nothing about the cost of draining them.
wait_busy_pane() { # SECONDS
	local i r
	for ((i = 0; i < $1 * 5; i++)); do
		r=$(pane_header | sed -n 's/.* exits \([0-9.]*[kM]*\)\/s.*/\1/p')
		[ -n "$r" ] && [ "$r" != "0" ] && return 0
		sleep 0.2
	done
	return 1
}

# The same for a batch view printing into file $2: its newest "exits" figure.
wait_busy_file() { # SECONDS FILE
	local i r
	for ((i = 0; i < $1 * 5; i++)); do
		r=$(grep -a -o 'exits [0-9.]*[kM]*/s' "$2" 2>/dev/null | tail -n1 | sed 's/exits \(.*\)\/s/\1/')
		[ -n "$r" ] && [ "$r" != "0" ] && return 0
		sleep 0.2
	done
	return 1
}

# Issue 11's goal for a share $1: "met" at most 4 % of a CPU.
goal4() {
	awk -v p="$1" 'BEGIN { if (p ~ /^[0-9.]+$/) print (p <= 4 ? "goal <= 4 %: met" : "goal <= 4 %: not met"); else print "goal <= 4 %: no figure" }'
}

# The pid of the hypscope top process started with argument pattern $1.
top_pid() {
	local i p
	for ((i = 0; i < 50; i++)); do
		p=$(pgrep -f -- "$1" | head -n1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

echo "== hypscope top: CPU share while attached to the live demo (user+sys / wall)"

if command -v tmux >/dev/null 2>&1; then
	for interval in 1 0.5; do
		start_demo || { echo "  the demo did not start"; continue; }
		tmux -L "$sock" -f /dev/null new-session -d -s b -x 120 -y 40 \
			"$hs top --attach $run_pid --wait 10 --interval $interval; sleep 30"
		if pid=$(top_pid "^$hs top --attach $run_pid --wait 10 --interval $interval"); then
			wait_busy_pane 60 || echo "  (the demo showed no exits within 60 s)"
			sleep 1.5 # the backlog
			pct=$(share "$pid" 5) || pct="? (top exited: $(pane_header))"
			rate=$(pane_header | header_rate)
			printf "  interactive 120x40, refresh %-4ss %6s%% of a CPU   (%s records/s drained; %s)\n" \
				"$interval" "$pct" "${rate:-?}" "$(goal4 "$pct")"
		else
			echo "  interactive: top did not start"
		fi
		tmux -L "$sock" kill-server 2>/dev/null
		stop_demo
	done
else
	echo "  interactive: tmux is not installed, skipped"
fi

start_demo && {
	"$hs" top --attach "$run_pid" --wait 10 --batch --interval 1 >"$work/batch.txt" 2>&1 &
	bpid=$!
	wait_busy_file 60 "$work/batch.txt" || echo "  (the demo showed no exits within 60 s)"
	sleep 1.5
	pct=$(share "$bpid" 5) || pct="? (top exited: $(tail -n1 "$work/batch.txt"))"
	rate=$(grep -a 'records [0-9.]*[kM]*/s' "$work/batch.txt" | tail -n1 | header_rate)
	printf "  batch, every 1 s                  %6s%% of a CPU   (%s records/s drained; %s)\n" \
		"$pct" "${rate:-?}" "$(goal4 "$pct")"
	wait "$bpid" 2>/dev/null
	stop_demo
}

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
	echo "== hypscope top: replay as fast as possible (batch, one report at the end)"
	t0=$(now)
	"$hs" top --replay "$work/demo.trace" --batch --speed max >"$work/replay.txt" 2>&1
	t1=$(now)
	n=$("$hs" report "$work/demo.trace" --format json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2>/dev/null)
	size=$(stat -c %s "$work/demo.trace")
	awk -v t0="$t0" -v t1="$t1" -v n="${n:-0}" -v size="$size" 'BEGIN {
		d = t1 - t0
		if (n > 0)
			printf "  %d records (%.1f MB) in %.2f s: %.2f M records/s\n", n, size / 1e6, d, n / d / 1e6
		else
			printf "  %.1f MB in %.2f s: %.1f MB/s\n", size / 1e6, d, size / d / 1e6
	}'
else
	echo "== run --record: recording the demo failed (exit $rc): $(tail -n1 "$work/record.log")"
fi
