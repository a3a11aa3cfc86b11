# Sourced by the e2e tests that run hypscope with its GDB stub and a gdb
# against it (gdb.sh, gdb_linux.sh): not a test of its own.
#
# Sets top (and cd's there), hypscope, model ($1, default max), logdir,
# failed; pass/fail/has/check for PASS:/FAIL: lines; free_port; and a trap
# that kills the hypscope ($hs_pid, which stops its QEMU) and the gdb
# ($gdb_pid) still running when the script ends, on every path.
# gdb_wait waits for the gdb, then for hypscope, and leaves gdb_rc, hs_rc.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 2
hypscope=${HYPSCOPE:-build/hypscope}
model=${1:-max}
logdir=build/e2e-logs
mkdir -p "$logdir"
failed=0
hs_pid=
gdb_pid=

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }
has() { grep -Eq -- "$2" "$1"; }
check() { # file regex what
	if has "$1" "$2"; then pass "$3"; else fail "$3 (no /$2/ in $1)"; fi
}

cleanup() {
	[ -n "$gdb_pid" ] && kill -9 "$gdb_pid" 2>/dev/null
	# hypscope stops its QEMU on SIGTERM.
	[ -n "$hs_pid" ] && kill "$hs_pid" 2>/dev/null && wait "$hs_pid" 2>/dev/null
	gdb_pid=
	hs_pid=
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

gdb_wait() {
	wait "$gdb_pid"
	gdb_rc=$?
	gdb_pid=
	wait "$hs_pid"
	hs_rc=$?
	hs_pid=
}
