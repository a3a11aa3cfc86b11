#!/usr/bin/env bash
# The test suite: unit tests (cmocka, ASan+UBSan), the fuzz harnesses over
# their committed corpus, then end-to-end tests (QEMU).
# Every stage runs even when an earlier one fails; the last line is the total.
#   scripts/check.sh [unit|fuzz|e2e]...
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(unit fuzz e2e)

passed=0
failed=0
failures=()

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=stdout

run_unit() {
	local t out rc p f
	for t in build/tests/unit/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		echo "$out" | grep -E '^\[ +(FAILED|ERROR) +\]|^\[  PASSED  \]|runtime error|AddressSanitizer' | sed "s|^|$(basename "$t"): |"
		p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
		f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
		p=${p:-0}
		f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			# crashed, or a sanitizer stopped it: count the program as one failure
			echo "$out" | tail -n 30
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		[ "$f" -gt 0 ] && failures+=("unit:$(basename "$t")")
	done
}

run_e2e() {
	local out rc p f
	out=$(tests/e2e/run.sh 2>&1 | tee /dev/stderr)
	rc=$?
	p=$(echo "$out" | sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' | tail -n1)
	f=$(echo "$out" | sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' | tail -n1)
	if [ -z "$p" ]; then
		p=0
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -gt 0 ] && failures+=("e2e")
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { failed=$((failed + 1)); failures+=("e2e runner"); }
}

# Each harness once over tests/fuzz/corpus/NAME/: one test per harness.
run_fuzz() {
	local out p f
	out=$(scripts/fuzz.sh check 2>&1)
	echo "$out" | grep -v '^fuzz: [0-9]* passed'
	p=$(echo "$out" | sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -n1)
	f=$(echo "$out" | sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -n1)
	if [ -z "$p" ]; then
		p=0
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -gt 0 ] && failures+=("fuzz")
}

for s in "${stages[@]}"; do
	case "$s" in
	unit) echo "== unit tests"; run_unit ;;
	fuzz) echo "== fuzz harnesses over their corpus"; run_fuzz ;;
	e2e) echo "== end-to-end tests"; run_e2e ;;
	*) echo "check.sh: unknown stage '$s' (unit, fuzz, e2e)" >&2; exit 2 ;;
	esac
done

[ ${#failures[@]} -gt 0 ] && echo "failing: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
