#!/usr/bin/env bash
# End-to-end test: every subcommand given bad arguments, missing, unreadable,
# empty or garbage files, a directory, or absurd numbers answers with one
# line on stderr and the exit status its man page documents (2: bad usage or
# bad input file, 4: a file or system error), within seconds, and never
# crashes (no signal, no sanitizer report), never starts QEMU.
#
#   tests/e2e/badargs.sh [MODEL]       (the model is not used: nothing boots)
#
# One "PASS: what" or "FAIL: what" line per case group; exit status 0 only
# when nothing failed. Files stay in build/e2e-logs/badargs.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
work=build/e2e-logs/badargs.d
failed=0
cases=0
bad=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

rm -rf "$work"
mkdir -p "$work/dir" || exit 2
good=$work/good.trace
cp tests/fuzz/corpus/tracefile/three-cpus.trace "$good" || exit 2
: >"$work/empty"
head -c 4096 /dev/urandom >"$work/garbage"
printf 'HYPSTRC1' >"$work/magic-only"
head -c 6000 "$good" >"$work/cut.trace"
# unreadable: mode 000 (root reads it anyway: then a file the kernel refuses to root)
printf 'x' >"$work/unreadable"
chmod 000 "$work/unreadable"
unreadable=$work/unreadable
if head -c1 "$unreadable" >/dev/null 2>&1; then
	unreadable=/proc/1/mem
	head -c1 "$unreadable" >/dev/null 2>&1 && unreadable=""
fi

# expect CODES ARGS...: hypscope ARGS exits with one of CODES ("2" or "2|4"),
# one line on stderr, nothing from a sanitizer, within 10 s.
expect() {
	local codes=$1 rc lines
	shift
	cases=$((cases + 1))
	timeout -k 2 10 "$hypscope" "$@" </dev/null >"$work/out" 2>"$work/err"
	rc=$?
	lines=$(wc -l <"$work/err")
	if ! [[ "$rc" =~ ^($codes)$ ]] || [ "$lines" -ne 1 ] ||
		grep -qE 'AddressSanitizer|runtime error|Segmentation|core dumped' "$work/err"; then
		bad=$((bad + 1))
		echo "  | hypscope $*: exit $rc (want $codes), $lines lines on stderr:"
		head -n 3 "$work/err" | sed 's/^/  |   /'
		return 1
	fi
	return 0
}

# group NAME: reports the cases since the last group
group() {
	if [ "$bad" -eq 0 ]; then
		pass "$1: $cases cases, one line and a documented exit status each"
	else
		fail "$1: $bad of $cases cases misbehaved"
	fi
	cases=0
	bad=0
}

# ------------------------------------------------------------ every command
for cmd in run record report print diff export top; do
	expect 2 "$cmd" --no-such-option
	expect 2 "$cmd" -Z
done
expect 2 no-such-command
expect 2 --no-such-option
group "unknown commands and options"

# ------------------------------------------------------------ run
# (--dry-run where the case would otherwise boot: nothing may start QEMU)
expect 2 run --cpus
expect 2 run --cpus 0 --dry-run
expect 2 run --cpus 5 --dry-run
expect 2 run --cpus -1 --dry-run
expect 2 run --cpus 99999999999999999999999 --dry-run
expect 2 run --cpus 2x --dry-run
expect 2 run --timeout -1 --dry-run
expect 2 run --timeout 1e99 --dry-run
expect 2 run --timeout abc --dry-run
expect 2 run --vmid-bits 2 --dry-run
expect 2 run --vmid-bits 17 --dry-run
expect 2 run --vmid-bits 18446744073709551617 --dry-run
expect 2 run --slice-us abc --dry-run
expect 2 run --slice-us 0 --dry-run
expect 2 run --slice-us 99999999999999 --dry-run
expect 2 run --trace bogus --dry-run
expect 2 run --trace-size 0 --dry-run
expect 2 run --trace-size 1Q --dry-run
expect 2 run --trace-size 999999999999G --dry-run
expect 2 run --cpu "" --dry-run
expect 2 run --vm "" --dry-run
expect 2 run --vm "$work/missing.elf" --dry-run
expect 2 run --vm "$work/dir" --dry-run
expect 2 run --vm "$work/empty" --dry-run
[ -n "$unreadable" ] && expect 2 run --vm "$unreadable" --dry-run
expect 2 run --vm build/guests/demo.elf:vcpus=0 --dry-run
expect 2 run --vm build/guests/demo.elf:vcpus=99999999999999999999 --dry-run
expect 2 run --vm build/guests/demo.elf:mem=0 --dry-run
expect 2 run --vm build/guests/demo.elf:mem=99999999T --dry-run
expect 2 run --vm build/guests/demo.elf:instances=0 --dry-run
expect 2 run --vm build/guests/demo.elf:nonsense=1 --dry-run
expect 2 run --vm build/guests/demo.elf:initrd=$work/missing --dry-run
expect 2 run --vm build/guests/demo.elf:initrd=$work/dir --dry-run
expect 2 run --vm build/guests/demo.elf:initrd=$work/empty --dry-run
expect 2 run --hyp "$work/missing.elf"
expect 2 run --hyp "$work/dir"
expect 4 run --qemu "$work/missing-qemu"
expect 4 run --qemu "$work/dir"
expect 2 run --record "$work/dir" --vm "$work/missing.elf"
expect 2 run unexpected-argument --dry-run
group "run: bad options, absurd numbers, bad images and files"

# ------------------------------------------------------------ record
expect 2 record
expect 2 record -o "$work/x.trace"
expect 2 record --attach 1
expect 2 record --attach 999999999 -o "$work/x.trace"
expect 2 record --attach "$work/missing.ram" -o "$work/x.trace"
expect 2 record --attach "$work/dir" -o "$work/x.trace"
expect 2 record --attach "$work/empty" -o "$work/x.trace"
expect 2 record --attach "$work/garbage" -o "$work/x.trace"
[ -n "$unreadable" ] && expect "2|4" record --attach "$unreadable" -o "$work/x.trace"
expect 2 record --attach 1 -o "$work/x.trace" --duration -5
expect 2 record --attach 1 -o "$work/x.trace" --duration nan
expect 2 record --attach 1 -o "$work/x.trace" --duration 1e99
expect 2 record --attach 1 -o "$work/x.trace" --mode bogus
expect 2 record --attach 1 -o "$work/x.trace" extra
group "record: bad options, absurd numbers, no machine, bad RAM files"

# ------------------------------------------------------------ the trace readers
for cmd in report print "export -f csv -o $work/out.csv" "top --batch --speed max -r"; do
	read -ra c <<<"$cmd"
	expect 2 "${c[@]}"
	expect 2 "${c[@]}" "$work/missing.trace"
	expect 2 "${c[@]}" "$work/dir"
	expect 2 "${c[@]}" "$work/empty"
	expect 2 "${c[@]}" "$work/garbage"
	expect 2 "${c[@]}" "$work/magic-only"
	expect 2 "${c[@]}" /dev/null
	[ -n "$unreadable" ] && expect "2|4" "${c[@]}" "$unreadable"
done
expect 2 report "$good" extra
expect 2 report "$good" --by bogus
expect 2 report "$good" --format bogus
expect 2 report "$good" --sort bogus
expect 2 report "$good" --limit -1
expect 2 report "$good" --limit 99999999999999999999999
expect 2 print "$good" --vm -1
expect 2 print "$good" --vm 99999999999999999999
expect 2 print "$good" --vcpu abc
expect 2 print "$good" --class NO_SUCH_CLASS
expect 2 print "$good" --class 999
expect 2 print "$good" --since abc
expect 2 print "$good" --until -1
expect 2 print "$good" --since nan
expect 2 diff
expect 2 diff "$good"
expect 2 diff "$good" "$work/missing.trace"
expect 2 diff "$work/dir" "$good"
expect 2 diff "$good" "$work/garbage"
expect 2 diff "$good" "$good" --threshold -5
expect 2 diff "$good" "$good" --threshold nan
expect 2 diff "$good" "$good" --alpha 2
expect 2 diff "$good" "$good" --alpha 0
expect 2 diff "$good" "$good" --metric bogus
expect 2 diff "$good" "$good" --rate bogus
expect 2 diff "$good" "$good" --by bogus
expect 2 diff "$good" "$good" --format bogus
expect 2 export "$good"
expect 2 export "$good" -f bogus -o "$work/x"
expect 2 export "$good" -f csv -o "$work/no-such-dir/x.csv"
expect 2 export "$good" -f csv -o "$work/dir"
expect 2 export "$good" -f ctf -o "$work/good.trace"
expect 2 export "$good" -f csv -o "$work/x.csv" --vm -1
expect 2 export "$good" -f csv -o "$work/x.csv" --since abc
expect 2 export "$good" -f csv -o "$work/x.csv" --until -3s
expect 2 export "$good" -f chrome -o "$work/x.json" --cycle-hz 0
expect 2 export "$good" -f chrome -o "$work/x.json" --cycle-hz 1e99
expect 2 top
expect 2 top --attach 999999999 --batch
expect 2 top --attach "$work/dir" --batch
expect 2 top --attach "$work/garbage" --batch
expect 2 top -r "$good" --attach 1
expect 2 top -r "$good" --batch --speed 0
expect 2 top -r "$good" --batch --speed -1
expect 2 top -r "$good" --batch --interval 0
expect 2 top -r "$good" --batch --interval 1e99
expect 2 top -r "$good" --batch --iterations -1
expect 2 top -r "$good" --batch --filter '('
expect 2 top -r "$good" --batch --sort bogus
expect 2 top -r "$good" --batch --mode bogus
expect 2 top -r "$good" --batch --width 0
expect 2 top -r "$good" --batch --width 99999999999
group "report, print, diff, export, top: bad files, bad options, absurd numbers"

# ------------------------------------------------------------ cut short is not an error
cases=1
if timeout 10 "$hypscope" report "$work/cut.trace" >"$work/out" 2>"$work/err" &&
	grep -q 'cut short' "$work/err"; then
	pass "a cut-short trace reads, with a warning: $(grep -m1 -o 'cut short.*' "$work/err" | cut -c1-80)..."
else
	fail "report of a cut-short trace: $(head -n2 "$work/err")"
fi

exit $failed
