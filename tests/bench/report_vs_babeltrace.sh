#!/usr/bin/env bash
# Benchmark: how fast `hypscope report` reads a large trace, next to
# babeltrace2 reading the same events exported to CTF.
#
#   tests/bench/report_vs_babeltrace.sh [-n EVENTS] [-c CPUS] [-k]
#
#   -n EVENTS  events in the synthetic trace (default 10000000)
#   -c CPUS    physical CPUs in it (default 4)
#   -k         keep build/bench/ (trace and CTF) afterwards
#
# Steps: tests/bench/gen_trace writes the trace, `hypscope export --format
# ctf` converts it and `--format csv` to standard output (thrown away: the
# exporter's rate, not the disk's) are timed, then each reader runs with the
# files in the page cache: `hypscope report FILE -j 1` (one core), `hypscope
# report FILE` (one thread per online CPU) and `babeltrace2
# --output-format=dummy CTF`. Each hypscope figure is the best of 3 runs.
# Prints events per second of each, the speedups and the goals of issue 11
# next to them, and `report -j 1`'s rate in CPU time (user + system, best of
# 3), which a loaded machine disturbs less than the wall clock. Figures are
# printed, never asserted: the exit status is 0 unless a step failed.
#
# Environment: HYPSCOPE (default build/hypscope), GEN_TRACE (default
# build/tests/bench/gen_trace), BENCH_DIR (default build/bench).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
gen=${GEN_TRACE:-build/tests/bench/gen_trace}
dir=${BENCH_DIR:-build/bench}
events=10000000
cpus=4
keep=0

while getopts "n:c:kh" opt; do
	case "$opt" in
	n) events=$OPTARG ;;
	c) cpus=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

for tool in "$hypscope" "$gen"; do
	[ -x "$tool" ] || { echo "bench: $tool is missing: run make build/hypscope $gen" >&2; exit 2; }
done
if ! command -v babeltrace2 >/dev/null 2>&1; then
	echo "bench: babeltrace2 is not installed: nothing to compare with" >&2
	exit 2
fi

trace=$dir/bench.trace
ctf=$dir/bench-ctf
rm -rf "$ctf"
mkdir -p "$dir" || exit 2
[ "$keep" -eq 1 ] || trap 'rm -rf "$trace" "$ctf"' EXIT

# Seconds (with fractions) that a command takes; its output is thrown away.
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$dir/last.err" || {
		echo "bench: '$*' failed: $(tail -n1 "$dir/last.err")" >&2
		return 1
	}
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

# The least CPU time (user + system, all threads) of 3 runs of a command.
best_cpu3() {
	local TIMEFORMAT='%3U + %3S' t best="" i

	for i in 1 2 3; do
		t=$( { time "$@" >/dev/null 2>"$dir/last.err"; } 2>&1 ) || {
			echo "bench: '$*' failed: $(tail -n1 "$dir/last.err")" >&2
			return 1
		}
		t=$(echo "$t" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" -eq 1 ]; then
			best=$t
		fi
	done
	echo "$best"
}

rate() { # events seconds
	echo "$1 / $2" | bc -l | xargs printf '%.0f'
}

# The best (lowest) of 3 timings of a command: the machine may be shared.
best_of3() {
	local t best="" i

	for i in 1 2 3; do
		t=$(seconds "$@") || return 1
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" -eq 1 ]; then
			best=$t
		fi
	done
	echo "$best"
}

# "met" or "not met": is $1 >= $2?
verdict() {
	[ "$(echo "$1 >= $2" | bc -l)" -eq 1 ] && echo "met" || echo "not met"
}

echo "bench: generating $events events on $cpus CPUs into $trace"
t_gen=$(seconds "$gen" -n "$events" -c "$cpus" "$trace") || exit 1
size=$(stat -c %s "$trace")
printf 'bench: trace %.1f MB, written in %.2f s\n' "$(echo "$size / 1048576" | bc -l)" "$t_gen"

t_export=$(seconds "$hypscope" export -q "$trace" --format ctf -o "$ctf") || exit 1
ctf_size=$(du -sb "$ctf" | cut -f1)
printf 'bench: export --format ctf: %.2f s, %s events/s, %.1f MB of CTF\n' "$t_export" \
	"$(rate "$events" "$t_export")" "$(echo "$ctf_size / 1048576" | bc -l)"
t_csv=$(best_of3 "$hypscope" export -q "$trace" --format csv -o -) || exit 1
printf 'bench: export --format csv -o - (to /dev/null): %.2f s, %s events/s\n' "$t_csv" \
	"$(rate "$events" "$t_csv")"
# The exports' CPU time (user + system, all threads), best of 3: the rate the goals mean.
c_ctf=$(best_cpu3 sh -c "rm -rf '$ctf' && exec '$hypscope' export -q '$trace' --format ctf -o '$ctf'") || exit 1
c_csv=$(best_cpu3 "$hypscope" export -q "$trace" --format csv -o -) || exit 1

# Warm the page cache so both readers start alike.
cat "$trace" "$ctf"/* >/dev/null

cpus_online=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
t_report1=$(best_of3 "$hypscope" report "$trace" -j 1) || exit 1
c_report1=$(best_cpu3 "$hypscope" report "$trace" -j 1) || exit 1
t_report=$(best_of3 "$hypscope" report "$trace") || exit 1
t_bt=$(seconds babeltrace2 --output-format=dummy "$ctf") || exit 1

r_report1=$(rate "$events" "$t_report1")
r_report=$(rate "$events" "$t_report")
r_bt=$(rate "$events" "$t_bt")
printf '\n%-44s %10s %14s\n' "reader" "seconds" "events/s"
printf '%-44s %10.2f %14s\n' "hypscope report -j 1 (trace file, one core)" "$t_report1" "$r_report1"
printf '%-44s %10.2f %14s\n' "hypscope report ($cpus_online threads)" "$t_report" "$r_report"
printf '%-44s %10.2f %14s\n' "babeltrace2 --output-format=dummy (CTF)" "$t_bt" "$r_bt"
printf '\nbench: hypscope report is %.1fx the speed of babeltrace2 on one core, %.1fx on %s\n' \
	"$(echo "$t_bt / $t_report1" | bc -l)" "$(echo "$t_bt / $t_report" | bc -l)" "$cpus_online"
printf 'bench: goal report -j 1 >= 25 M events/s:      %6.1f M events/s  (%s)\n' \
	"$(echo "$r_report1 / 1000000" | bc -l)" "$(verdict "$r_report1" 25000000)"
printf 'bench: report -j %s (both cores here):          %6.1f M events/s, %.1fx babeltrace2\n' \
	"$cpus_online" "$(echo "$r_report / 1000000" | bc -l)" "$(echo "$t_bt / $t_report" | bc -l)"
printf 'bench: goal report -j 1 >= 10x babeltrace2:    %6.1fx            (%s)\n' \
	"$(echo "$t_bt / $t_report1" | bc -l)" "$(verdict "$(echo "$t_bt / $t_report1" | bc -l)" 10)"
r_report1c=$(rate "$events" "$c_report1")
printf 'bench: report -j 1 in CPU time: %.2f s, %.1f M events per CPU second  (goal 25: %s)\n' \
	"$c_report1" "$(echo "$r_report1c / 1000000" | bc -l)" "$(verdict "$r_report1c" 25000000)"
r_ctf=$(rate "$events" "$c_ctf")
r_csv=$(rate "$events" "$c_csv")
# 7.5 and 3.6 M events/s of CPU: the exports before issue 11's work on them (docs/performance.md)
printf 'bench: goal export ctf >= 3x 7.5 M events/s:  %6.1f M events/s of CPU, %.1fx  (%s)\n' \
	"$(echo "$r_ctf / 1000000" | bc -l)" "$(echo "$r_ctf / 7500000" | bc -l)" \
	"$(verdict "$r_ctf" 22500000)"
printf 'bench: goal export csv >= 3x 3.6 M events/s:  %6.1f M events/s of CPU, %.1fx  (%s)\n' \
	"$(echo "$r_csv / 1000000" | bc -l)" "$(echo "$r_csv / 3600000" | bc -l)" \
	"$(verdict "$r_csv" 10800000)"
