#!/usr/bin/env bash
# End-to-end test of the trace pipeline: record traced runs of the test
# guests, then hold `hypscope report`, `print` and `diff` to what the guests
# did and to the hypervisor's own exit counters.
#
#   tests/e2e/trace_report.sh [MODEL]       (default CPU model: max)
#
#  1. `hypscope run --record` of the hypercalls guest (4 vCPUs on 2 CPUs): the
#     report's exits per class equal the status block's counters that `run`
#     prints, every HVC has its SMCCC record and every data abort its MMIO
#     record; JSON and CSV parse and agree; print has one line per record and
#     one HVC64 line per HVC exit, symbolized with --elf; a diff of the trace
#     with itself finds no regression.
#  2. `hypscope record --attach PID` on a `run --trace drop --keep` of the
#     demo guest: it waits for the boot, stops when the machine ends, and the
#     report again matches the status block; the scheduling and entry records
#     carry real runnable counts, wake reasons and list register counts.
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/trace_report.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
work=build/e2e-logs/trace_report.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }
skip() { echo "SKIP: $*"; }

have() { command -v "$1" >/dev/null 2>&1; }

rm -rf "$work"
mkdir -p "$work" || exit 2

if ! have python3; then
	skip "python3 is missing: the JSON and CSV checks need it"
fi

# Exits per class from the summary of `hypscope run`, summed over vCPUs:
#   "    vCPU 0 on CPU 0: guest 0.065 s, ..., 6199 exits: EC 0x16 HVC64 53, IRQ 2"
# prints "CLASS COUNT" lines, sorted.
run_counts() {
	sed -n 's/^ *vCPU [0-9]* on CPU [0-9]*: .* exits: //p' "$1" | tr ',' '\n' |
		awk 'NF >= 2 { n[$(NF - 1)] += $NF } END { for (c in n) print c, n[c] }' |
		sort
}

# The same from `hypscope report --format csv`.
report_counts() {
	awk -F, '$1 == "class" { print $3, $4 }' "$1" | sort
}

# Checks a trace against the log of the run that made it; $1 trace, $2 run log, $3 label.
check_counts() {
	local trace=$1 log=$2 what=$3
	if ! "$hypscope" report "$trace" --format csv >"$work/$what.csv" 2>"$work/$what.csv.err"; then
		fail "$what: report --format csv: $(tail -n1 "$work/$what.csv.err")"
		return
	fi
	run_counts "$log" >"$work/$what.run-counts"
	report_counts "$work/$what.csv" >"$work/$what.report-counts"
	if [ ! -s "$work/$what.run-counts" ]; then
		fail "$what: no per-vCPU exit counts in the run's summary ($log)"
	elif cmp -s "$work/$what.run-counts" "$work/$what.report-counts"; then
		pass "$what: report counts match the hypervisor's exit counters ($(tr '\n' ' ' <"$work/$what.run-counts"))"
	else
		fail "$what: report counts differ from the hypervisor's: $(diff "$work/$what.run-counts" "$work/$what.report-counts" | grep '^[<>]' | tr '\n' ' ')"
	fi
}

# Fields a site could leave at zero hold what happened; $1 trace, $2 label.
# The demo's vCPUs block in WFI and are woken by their timers and by each
# other's SGIs, and enter with interrupts in their list registers.
check_filled() {
	local out
	"$hypscope" print "$1" >"$work/$2.print.txt" 2>&1
	if out=$(awk '
		$4 == "sched_in" { n_in++; if ($NF !~ /^runnable=[1-9]/) bad_in++ }
		$4 == "wfi_wake" { wake[$5]++ }
		$4 == "entry" && / pending=[1-9][0-9]* lrs=[1-9]/ { loaded++ }
		END {
			if (!n_in || bad_in) { print bad_in " of " n_in " sched_in records say no vCPU is runnable"; exit 1 }
			if (!wake["reason=timer"] || !wake["reason=irq"]) { print "WFI wake-ups: " wake["reason=timer"] + 0 " by the timer, " wake["reason=irq"] + 0 " by an interrupt"; exit 1 }
			if (!loaded) { print "no entry with pending interrupts in its list registers"; exit 1 }
			print n_in " sched_in with runnable >= 1, wake-ups " wake["reason=timer"] " by the timer and " wake["reason=irq"] " by an interrupt, " loaded " entries with LRs loaded"
		}' "$work/$2.print.txt"); then
		pass "$2: runnable, wake reasons and LR counts are filled: $out"
	else
		fail "$2: $out"
	fi
}

# ------------------------------------------------------------ 1. run --record

trace=$work/hypercalls.trace
echo "# $hypscope run --record $trace --vm build/guests/hypercalls.elf:vcpus=4 --cpus 2 --timeout 90 --cpu $model"
timeout --kill-after=10 150 "$hypscope" run --record "$trace" \
	--vm build/guests/hypercalls.elf:vcpus=4 --cpus 2 --timeout 90 --cpu "$model" \
	</dev/null >"$work/run.log" 2>&1
rc=$?
sed 's/^/  | /' "$work/run.log" | grep -v 'PASS:' | tail -n 10
if [ "$rc" -ne 0 ] || [ ! -s "$trace" ]; then
	fail "hypscope run --record exited with status $rc and left ${trace} $( [ -s "$trace" ] || echo missing)"
	exit 1
fi
pass "recorded $(stat -c %s "$trace") bytes of trace"

check_counts "$trace" "$work/run.log" hypercalls

if have python3; then
	if "$hypscope" report "$trace" --format json >"$work/report.json" 2>"$work/report.err" &&
		python3 -m json.tool "$work/report.json" >/dev/null 2>&1; then
		pass "report --format json parses"
	else
		fail "report --format json does not parse: $(tail -n1 "$work/report.err")"
	fi
	# Every hypercall has its SMCCC record, every data abort its MMIO record,
	# nothing was lost, and JSON and CSV say the same.
	if out=$(python3 - "$work/report.json" "$work/hypercalls.csv" <<'EOF' 2>&1
import csv, json, sys
r = json.load(open(sys.argv[1]))
rows = {x["name"]: x["count"] for x in r["rows"]}
calls = sum(x["count"] for x in r["hypercalls"])
hvc = sum(rows.get(c, 0) for c in ("HVC64", "HVC32", "SMC64", "SMC32"))
assert r["losses"]["lost"] == 0, "%d records lost" % r["losses"]["lost"]
assert calls == hvc and hvc > 0, "%d SMCCC records for %d HVC/SMC exits" % (calls, hvc)
mmio = sum(x["count"] for x in r["mmio"])
assert mmio == rows.get("DABT_LOW", 0) > 0, "%d MMIO records for %d data aborts" % (mmio, rows.get("DABT_LOW", 0))
total = r["exits"]["count"]
assert total == sum(rows.values()), "rows do not add up to the total"
c = list(csv.reader(open(sys.argv[2], newline="")))
assert len(set(len(x) for x in c)) == 1, "CSV rows of different widths"
csv_rows = {x[2]: int(x[3]) for x in c[1:] if x[0] == "class"}
assert csv_rows == rows, "CSV %s, JSON %s" % (csv_rows, rows)
print("%d exits, %d hypercalls, %d MMIO accesses, 0 lost" % (total, calls, mmio))
EOF
	); then
		pass "report breakdowns agree: $out"
	else
		fail "report breakdowns: $(echo "$out" | tail -n1)"
	fi
	records=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["records"])' "$work/report.json")
	hvc=$(python3 -c 'import json, sys; print(sum(x["count"] for x in json.load(open(sys.argv[1]))["rows"] if x["name"] == "HVC64"))' "$work/report.json")
else
	records="" # the CSV has no record count: the line count is not checked
	hvc=$(awk -F, '$1 == "class" && $3 == "HVC64" { print $4 }' "$work/hypercalls.csv")
fi

# print: one line per record, one HVC64 line per HVC exit, symbolized
"$hypscope" print "$trace" >"$work/print.txt" 2>"$work/print.err"
lines=$(wc -l <"$work/print.txt")
if [ -n "$records" ]; then
	if [ "$lines" -eq "$records" ]; then
		pass "print: one line per record ($lines)"
	else
		fail "print: $lines lines for $records records"
	fi
fi
"$hypscope" print "$trace" --class HVC64 --elf 0=build/guests/hypercalls.elf \
	>"$work/print-hvc.txt" 2>"$work/print-hvc.err"
lines=$(wc -l <"$work/print-hvc.txt")
symbolized=$(grep -c ' exit  *HVC64 .* pc=0x[0-9a-f]* <[a-z_]*+0x[0-9a-f]*>' "$work/print-hvc.txt")
if [ "$lines" -eq "$hvc" ] && [ "$symbolized" -eq "$hvc" ]; then
	pass "print --class HVC64 --elf: $lines lines, every guest PC symbolized"
else
	fail "print --class HVC64 --elf: $lines lines, $symbolized symbolized, for $hvc HVC exits"
fi
if grep -q 'DABT_LOW .* insn=0x[0-9a-f]* "\(str\|ldr\)[a-z]* [wx][0-9]*, \[x[0-9]*' "$work/print.txt"; then
	pass "print disassembles the trapping loads and stores"
else
	fail "print shows no disassembled load or store for the data aborts"
fi

"$hypscope" diff "$trace" "$trace" >"$work/diff-self.txt" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^0 regressions' "$work/diff-self.txt"; then
	pass "diff of a trace with itself: no regression"
else
	fail "diff of a trace with itself exited $rc: $(tail -n1 "$work/diff-self.txt")"
fi

# report on one thread and on several: byte for byte the same in every format
# and breakdown (the chunks are checked in parallel, the merge runs ahead).
check_threads() { # TRACE WHAT
	local args n=0 bad=""

	for args in "" "--format json" "--format csv" "--by vcpu --sort time" "--by vm" \
		"--by pc --sort p99"; do
		# shellcheck disable=SC2086 # args are several words
		"$hypscope" report "$1" -j 1 $args >"$work/$2.j1.out" 2>&1
		# shellcheck disable=SC2086
		"$hypscope" report "$1" -j 4 $args >"$work/$2.j4.out" 2>&1
		if cmp -s "$work/$2.j1.out" "$work/$2.j4.out" && [ -s "$work/$2.j1.out" ]; then
			n=$((n + 1))
		else
			bad="$bad '${args:-text}'"
		fi
	done
	if [ -z "$bad" ]; then
		pass "$2: report -j 1 and -j 4 are byte for byte the same ($n formats and breakdowns)"
	else
		fail "$2: report -j 1 and -j 4 differ:$bad (see $work/$2.j1.out)"
	fi
}

# ------------------------------------------------------------ 2. record --attach

trace=$work/demo.trace
echo "# $hypscope run --trace drop --keep --vm build/guests/demo.elf:vcpus=2 --cpus 2 --timeout 60 --cpu $model &"
"$hypscope" run --trace drop --keep --vm build/guests/demo.elf:vcpus=2 --cpus 2 --timeout 60 \
	--cpu "$model" </dev/null >"$work/demo-run.log" 2>&1 &
pid=$!
ram=/dev/shm/hypscope-$pid.ram
# QEMU creates the RAM file when it starts
for _ in $(seq 100); do
	[ -s "$ram" ] && break
	sleep 0.1
done
timeout --kill-after=10 90 "$hypscope" record --attach "$pid" -o "$trace" \
	>"$work/record.log" 2>&1
rc=$?
wait "$pid"
run_rc=$?
sed 's/^/  | /' "$work/record.log"
# the files --keep left behind
kept=$(sed -n 's/^hypscope: kept \(.*\) and \(.*\)$/\1 \2/p' "$work/demo-run.log")
for k in $kept; do
	case "$k" in /dev/shm/hypscope-*.ram | */hypscope-*) rm -rf "$k" ;; esac
done
if [ "$run_rc" -ne 0 ]; then
	fail "the demo run exited with status $run_rc (log: $work/demo-run.log)"
elif [ "$rc" -ne 0 ]; then
	fail "record --attach $pid exited with status $rc: $(tail -n1 "$work/record.log")"
elif ! grep -q '^hypscope record: [1-9][0-9]* records, 0 lost, 2 CPUs' "$work/record.log"; then
	fail "record --attach: no summary with records and no losses: $(tail -n1 "$work/record.log")"
else
	pass "record --attach followed the demo from boot to power-off"
	check_counts "$trace" "$work/demo-run.log" demo
	check_filled "$trace" demo
	check_threads "$trace" demo
fi

# ------------------------------------------------------------ errors

"$hypscope" record --attach /nonexistent.ram -o "$work/x.trace" >"$work/err.log" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$work/err.log")" -eq 1 ]; then
	pass "record on a missing RAM file: exit 2, one line ($(cat "$work/err.log"))"
else
	fail "record on a missing RAM file: exit $rc, $(wc -l <"$work/err.log") lines"
fi
"$hypscope" report "$work/run.log" >"$work/err.log" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$work/err.log")" -eq 1 ]; then
	pass "report on a file that is no trace: exit 2, one line ($(cat "$work/err.log"))"
else
	fail "report on a file that is no trace: exit $rc, $(wc -l <"$work/err.log") lines"
fi

exit "$failed"
