#!/usr/bin/env bash
# End-to-end test: nothing left behind when hypscope is killed, nothing lost
# that was written out.
#
#   tests/e2e/cleanup.sh [MODEL]       (default CPU model: max)
#
# - `hypscope run` and `hypscope run --record` killed with SIGKILL while the
#   demo runs: their QEMU is gone, and so are the RAM file
#   /dev/shm/hypscope-PID.ram and the run's temporary directory; the cut-short
#   recording reads up to its last complete chunk and says what was lost.
# - `hypscope run --keep` killed: QEMU is gone, the RAM file stays.
# - `hypscope record --attach` killed: its trace reads, with the same message.
# - A full disk (a 256 KiB tmpfs, when root) and a file-size limit
#   (ulimit -f): the recording stops with ENOSPC or EFBIG named, exit status 4,
#   and the file reads up to the last complete chunk.
#
# One "PASS: what" or "FAIL: what" line per check; exit status 0 only when
# nothing failed. Files stay in build/e2e-logs/cleanup.MODEL.d/.
#
# Environment: HYPSCOPE (default build/hypscope).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

hypscope=${HYPSCOPE:-build/hypscope}
hypscope=$(realpath "$hypscope")
model=${1:-max}
work=$top/build/e2e-logs/cleanup.$(printf '%s' "$model" | tr -c 'A-Za-z0-9_.-' '_').d
demo=$top/build/guests/demo.elf
failed=0
started=() # every process this script started, killed on the way out
small=""   # the small tmpfs, unmounted on the way out

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

cleanup() {
	local p
	for p in "${started[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	[ -n "$small" ] && umount "$small" 2>/dev/null
	rm -f /dev/shm/hypscope-keep-test.ram
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work/tmp" || exit 2
# the runs' temporary directories land here, so what stays behind is seen
export TMPDIR=$work/tmp

# wait_for SECONDS COMMAND...: until COMMAND succeeds; 1 on timeout
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

qemu_of() { pgrep -P "$1" -x 'qemu-system-aar' | head -n1; }
has_qemu() { [ -n "$(qemu_of "$1")" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
shm_gone() { [ ! -e "/dev/shm/hypscope-$1.ram" ]; }
tmp_empty() { [ -z "$(ls -A "$TMPDIR")" ]; }
# the machine has booted and traced: the status block is in the RAM file
booted() { [ -s "/dev/shm/hypscope-$1.ram" ] && sleep 1.5; }

# kill_run NAME ARGS...: starts `hypscope run ARGS`, SIGKILLs it once the
# guests run, checks QEMU, the RAM file and the temporary directory.
kill_run() {
	local name=$1 pid q
	shift
	"$hypscope" run "$@" --vm "$demo" --cpus 1 --cpu "$model" --timeout 60 \
		</dev/null >"$work/$name.log" 2>&1 &
	pid=$!
	started+=("$pid")
	if ! wait_for 30 has_qemu "$pid" || ! wait_for 30 booted "$pid"; then
		fail "$name: QEMU did not start (log: $work/$name.log)"
		return 1
	fi
	q=$(qemu_of "$pid")
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	if wait_for 10 gone "$q"; then
		pass "$name: SIGKILLed, its QEMU (pid $q) is gone"
	else
		fail "$name: SIGKILLed, its QEMU (pid $q) still runs"
		kill -9 "$q"
	fi
	if wait_for 10 shm_gone "$pid"; then
		pass "$name: the RAM file /dev/shm/hypscope-$pid.ram is removed"
	else
		fail "$name: /dev/shm/hypscope-$pid.ram stays after SIGKILL"
		rm -f "/dev/shm/hypscope-$pid.ram"
	fi
	if wait_for 10 tmp_empty; then
		pass "$name: its temporary directory is removed"
	else
		fail "$name: left in TMPDIR: $(ls -A "$TMPDIR" | tr '\n' ' ')"
		rm -rf "${TMPDIR:?}"/*
	fi
}

# reads_cut NAME TRACE: a cut-short trace reads up to its last complete chunk,
# with a message of what was lost.
reads_cut() {
	local name=$1 trace=$2 rc
	"$hypscope" report "$trace" >"$work/$name.report" 2>"$work/$name.report.err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'cut short (no end marker)' "$work/$name.report.err" &&
		grep -Eq '^ *[A-Z_0-9]+ +[0-9]+' "$work/$name.report"; then
		pass "$name: the cut-short trace reads: $(grep -m1 -o "cut short.*" "$work/$name.report.err")"
	else
		fail "$name: report of the cut-short trace exited $rc: $(head -c 300 "$work/$name.report.err")"
	fi
}

kill_run run
kill_run run-record --record "$work/run-record.trace" &&
	reads_cut run-record "$work/run-record.trace"

# --keep: QEMU still dies with hypscope, the files stay for the user.
"$hypscope" run --keep --vm "$demo" --cpus 1 --cpu "$model" --timeout 60 \
	</dev/null >"$work/keep.log" 2>&1 &
pid=$!
started+=("$pid")
if wait_for 30 has_qemu "$pid" && wait_for 30 booted "$pid"; then
	q=$(qemu_of "$pid")
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	if wait_for 10 gone "$q" && [ -e "/dev/shm/hypscope-$pid.ram" ]; then
		pass "keep: SIGKILLed, QEMU is gone and --keep kept the RAM file"
	else
		fail "keep: QEMU $(gone "$q" && echo gone || echo "still runs"), RAM file $(
			[ -e "/dev/shm/hypscope-$pid.ram" ] && echo kept || echo removed)"
		kill -9 "$q" 2>/dev/null
	fi
	rm -f "/dev/shm/hypscope-$pid.ram"
	rm -rf "${TMPDIR:?}"/*
else
	fail "keep: QEMU did not start (log: $work/keep.log)"
fi

# record --attach PID, killed: its trace reads.
"$hypscope" run --trace drop --vm "$demo" --cpus 1 --cpu "$model" --timeout 60 \
	</dev/null >"$work/attach-run.log" 2>&1 &
pid=$!
started+=("$pid")
if wait_for 30 has_qemu "$pid" && wait_for 30 booted "$pid"; then
	"$hypscope" record --attach "$pid" -o "$work/attach.trace" >"$work/attach.log" 2>&1 &
	rpid=$!
	started+=("$rpid")
	sleep 2.5
	kill -9 "$rpid"
	wait "$rpid" 2>/dev/null
	reads_cut record-attach "$work/attach.trace"
	# ulimit -f: the limit reached is EFBIG, reported, exit status 4
	(
		ulimit -f 128
		exec "$hypscope" record --attach "$pid" -o "$work/fsize.trace"
	) >"$work/fsize.log" 2>&1
	rc=$?
	if [ "$rc" -eq 4 ] && grep -q 'File too large' "$work/fsize.log"; then
		pass "record --attach at its file-size limit: $(grep -m1 -oE '(write|flush) at.*' "$work/fsize.log"), exit 4"
	else
		fail "record --attach at its file-size limit exited $rc: $(head -c 300 "$work/fsize.log")"
	fi
	reads_cut fsize "$work/fsize.trace"
	wait "$pid" 2>/dev/null
else
	fail "record-attach: QEMU did not start (log: $work/attach-run.log)"
fi

# A full disk: run --record into a 256 KiB tmpfs.
if [ "$(id -u)" -eq 0 ] && mkdir -p "$work/small" &&
	mount -t tmpfs -o size=256k hypscope-test "$work/small" 2>/dev/null; then
	small=$work/small
	"$hypscope" run --record "$small/full.trace" --vm "$demo" --cpus 1 --cpu "$model" \
		--timeout 60 </dev/null >"$work/enospc.log" 2>&1
	rc=$?
	if [ "$rc" -eq 4 ] && grep -q 'No space left on device' "$work/enospc.log"; then
		pass "run --record on a full disk: $(grep -m1 -o 'recording stopped.*' "$work/enospc.log"), exit 4"
	else
		fail "run --record on a full disk exited $rc: $(tail -n 3 "$work/enospc.log")"
	fi
	cp "$small/full.trace" "$work/enospc.trace"
	reads_cut enospc "$work/enospc.trace"
	wait_for 10 tmp_empty || fail "enospc: left in TMPDIR: $(ls -A "$TMPDIR" | tr '\n' ' ')"
	umount "$small" && small=""
else
	echo "# not root, or no tmpfs: the full-disk case is skipped"
fi

exit $failed
