#!/usr/bin/env bash
# End-to-end test of `hypscope export`: record a traced run of the hypercalls
# guest, export the trace to CTF, Chrome JSON and CSV, and check that every
# export holds every record of the trace.
#
#   tests/e2e/export.sh [MODEL]       (default CPU model: max)
#
# One "PASS: what" or "FAIL: what" line per check, like the test guests
# print; exit status 0 only when nothing failed. The trace and its exports
# stay in build/e2e-logs/export-work.MODEL/ for a look afterwards.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
# Not NAME.d: the Makefile includes every build/**/*.d as a dependency file.
work=build/e2e-logs/export-work.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_')
trace=$work/hypercalls.trace
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }
skip() { echo "SKIP: $*"; }

have() { command -v "$1" >/dev/null 2>&1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

# ------------------------------------------------------------ record

echo "# $hypscope run --record $trace --vm build/guests/hypercalls.elf:vcpus=4 --cpus 2 --timeout 90 --cpu $model"
timeout --kill-after=10 150 "$hypscope" run --record "$trace" \
	--vm build/guests/hypercalls.elf:vcpus=4 --cpus 2 --timeout 90 --cpu "$model" \
	</dev/null >"$work/run.log" 2>&1
rc=$?
sed 's/^/  | /' "$work/run.log" | tail -n 12
if [ "$rc" -ne 0 ]; then
	fail "hypscope run --record exited with status $rc (log: $work/run.log)"
	exit 1
fi
if [ ! -s "$trace" ]; then
	fail "hypscope run --record left no trace file at $trace"
	exit 1
fi
pass "recorded $(stat -c %s "$trace") bytes of trace"

# ------------------------------------------------------------ the reference count

# The CSV export has one row per record; `hypscope report` counts them on its
# own. Both must agree, and every other export is held to the same number.
if ! "$hypscope" export "$trace" --format csv -o "$work/trace.csv" 2>"$work/csv.err"; then
	fail "export --format csv: $(tail -n1 "$work/csv.err")"
	exit 1
fi
if grep -q 'warning:' "$work/csv.err"; then
	fail "the recorded trace has problems: $(grep -m1 'warning:' "$work/csv.err")"
fi
if have python3; then
	rows=$(python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(set(len(r) for r in rows)) == 1, "rows of different widths"
print(len(rows) - 1)' "$work/trace.csv") || { fail "the CSV does not parse"; rows=-1; }
else
	rows=$(($(wc -l <"$work/trace.csv") - 1))
fi
exits=$(awk -F, 'NR > 1 && $9 == "exit"' "$work/trace.csv" | wc -l)
if [ "$rows" -gt 0 ] && [ "$exits" -gt 0 ]; then
	pass "CSV export: $rows records, $exits exits"
else
	fail "CSV export: $rows records, $exits exits: a traced run has both"
fi

records=""
if have python3 && "$hypscope" report "$trace" --format json >"$work/report.json" 2>"$work/report.err"; then
	records=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["records"])' \
		"$work/report.json" 2>/dev/null)
fi
if [ -n "$records" ]; then
	if [ "$records" -eq "$rows" ]; then
		pass "hypscope report counts the same $records records"
	else
		fail "hypscope report counts $records records, the CSV has $rows rows"
	fi
else
	skip "hypscope report --format json gave no record count: the CSV row count is the reference"
	records=$rows
fi

# ------------------------------------------------------------ CTF

if "$hypscope" export "$trace" --format ctf -o "$work/ctf" 2>"$work/ctf.err"; then
	pass "export --format ctf wrote $(ls "$work/ctf" | grep -c '^stream_') streams"
else
	fail "export --format ctf: $(tail -n1 "$work/ctf.err")"
fi
if ! have babeltrace2; then
	skip "babeltrace2 is not installed: the CTF export is not read back"
elif [ -d "$work/ctf" ]; then
	if babeltrace2 --output-format=dummy "$work/ctf" 2>"$work/babeltrace2.err"; then
		pass "babeltrace2 reads the CTF export"
	else
		fail "babeltrace2 refuses the CTF export: $(head -n1 "$work/babeltrace2.err")"
	fi
	events=$(babeltrace2 "$work/ctf" 2>/dev/null | tee "$work/ctf.txt" | wc -l)
	if [ "$events" -eq "$records" ]; then
		pass "babeltrace2 counts $events events, one per record"
	else
		fail "babeltrace2 counts $events events for $records records"
	fi
	ctf_exits=$(grep -c '^[^)]*) exit: ' "$work/ctf.txt")
	if [ "$ctf_exits" -eq "$exits" ]; then
		pass "babeltrace2 sees the same $ctf_exits exits"
	else
		fail "babeltrace2 sees $ctf_exits exits, the CSV $exits"
	fi
fi

# ------------------------------------------------------------ one thread

# -j 1 reads through a buffer on one thread instead of checking the chunks on
# every core: the same bytes either way.
if "$hypscope" export "$trace" -f csv -o "$work/trace-j1.csv" -j 1 -q 2>"$work/j1.err" &&
	cmp -s "$work/trace.csv" "$work/trace-j1.csv"; then
	pass "export -j 1 writes the same CSV"
else
	fail "export -j 1 writes another CSV: $(tail -n1 "$work/j1.err")"
fi
if [ -d "$work/ctf" ]; then
	if "$hypscope" export "$trace" -f ctf -o "$work/ctf-j1" -j 1 -q 2>"$work/j1.err" &&
		diff -r "$work/ctf" "$work/ctf-j1" >/dev/null; then
		pass "export -j 1 writes the same CTF"
	else
		fail "export -j 1 writes another CTF: $(tail -n1 "$work/j1.err")"
	fi
fi

# ------------------------------------------------------------ Chrome JSON

if ! "$hypscope" export "$trace" --format chrome -o "$work/trace.json" 2>"$work/chrome.err"; then
	fail "export --format chrome: $(tail -n1 "$work/chrome.err")"
elif ! have python3; then
	skip "python3 is not installed: the JSON export is not checked"
else
	slices=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
print(sum(1 for e in ev if e.get("cat") == "exit" and e["ph"] == "X"))' "$work/trace.json")
	if [ -z "$slices" ]; then
		fail "the Chrome JSON export does not parse"
	elif [ "$slices" -eq "$exits" ]; then
		pass "Chrome JSON parses, with one slice per exit ($slices)"
	else
		fail "Chrome JSON has $slices exit slices for $exits exits"
	fi
fi

[ "$failed" -eq 0 ] && echo "export: all checks passed"
exit "$failed"
