#!/usr/bin/env bash
# The libFuzzer harnesses (tests/fuzz/fuzz_NAME.c, built to build/fuzz/fuzz_NAME).
#
#   scripts/fuzz.sh run SECONDS [NAME...]   fuzz each harness for SECONDS: it starts
#                                           from tests/fuzz/corpus/NAME/ and keeps what
#                                           it finds in build/fuzz/corpus/NAME/; a crash
#                                           is saved as build/fuzz/crashes/NAME-*
#   scripts/fuzz.sh check [NAME...]         run each harness once over its committed
#                                           corpus (seeds and every crash found so far)
#
# One line per harness, then "fuzz: N passed, M failed"; exit status 0 when
# nothing failed. A crash found becomes a regression input: copy it into
# tests/fuzz/corpus/NAME/ with the fix.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

mode=${1:-}
shift || true
seconds=60
if [ "$mode" = run ]; then
	seconds=${1:-}
	shift || true
	case "$seconds" in
	'' | *[!0-9]*) echo "fuzz.sh: run needs SECONDS, a whole number" >&2; exit 2 ;;
	esac
fi
case "$mode" in
run | check) ;;
*) echo "usage: scripts/fuzz.sh run SECONDS [NAME...] | check [NAME...]" >&2; exit 2 ;;
esac

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		[ -e "$src" ] || continue
		n=${src#tests/fuzz/fuzz_}
		names+=("${n%.c}")
	done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
mkdir -p build/fuzz/logs build/fuzz/crashes
for name in "${names[@]}"; do
	bin=build/fuzz/fuzz_$name
	seeds=tests/fuzz/corpus/$name
	log=build/fuzz/logs/$name.$mode.log
	if [ ! -x "$bin" ]; then
		echo "fuzz $name: FAIL: $bin is missing (make fuzz-build)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$seeds"
	if [ "$mode" = check ]; then
		# every committed input once; -runs=0 stops after the corpus
		"$bin" -runs=0 "$seeds" >"$log" 2>&1
		rc=$?
		inputs=$(find "$seeds" -type f | wc -l)
		what="$inputs inputs"
	else
		work=build/fuzz/corpus/$name
		mkdir -p "$work"
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix="build/fuzz/crashes/$name-" -print_final_stats=1 \
			"$work" "$seeds" >"$log" 2>&1
		rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
		speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
		what="${runs:-?} runs in ${seconds} s (${speed:-?}/s), corpus $(find "$work" -type f | wc -l) inputs"
	fi
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $name: ok, $what"
		passed=$((passed + 1))
	else
		echo "fuzz $name: FAIL (exit status $rc), $what; log: $log"
		grep -m3 -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | sed 's/^/  | /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
