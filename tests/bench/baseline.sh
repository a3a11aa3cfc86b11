#!/usr/bin/env bash
# The host tools as they were before issue 11's work on their speed, built
# from this repository's history, for `make bench` to measure beside today's
# on the same machine, the same trace and in the same run.
#
#   tests/bench/baseline.sh [-q]
#
# Prints the directory that holds the baseline's `hypscope` and `gen_trace`
# (build/bench/base) and exits 0; or says on standard error why there is no
# baseline and exits 1. -q: no progress messages on standard error.
#
# The baseline is commit 25ca084 ("run loop: host requests and SDEI dispatch
# checked inline on entry"), the newest commit before 31f7434 ("trace reader:
# libdeflate's CRC-32, the file mapped and read in place, ..."), the first
# commit made for issue 11's speed goals: every change for them to the reader
# (formats/host/tracefile.c), the model (tracer/lib/stats.c, analysis.c) and
# the exporters (formats/host/export*.c) came after it. On the project's Xeon
# VM its `report` reads the 10 M-record bench trace in 2.47 s of CPU at best,
# 4.0 M events per CPU second, 4.3x to 5.1x the speed of babeltrace2 reading
# the same events as its own CTF (the issue, on another machine: 3.9 M and
# 4.4x); 31f7434 alone already halves that time. It exports 2 M records in
# 0.38 s of CPU as CTF and 1.07 s as CSV (the issue: 0.27 s and 0.55 s), where
# today's code takes 1.15x and 1.3x here what it took on the machine of the
# last published figures: CTF in line, CSV slower than the machine explains
# (docs/performance.md, "What `make bench` compares with"). It has no -j: its
# `report` and `export` read on one thread. It reads today's trace files (the
# file and record formats are the same versions; its `report` prints the same
# bytes as today's).
#
# The tree is taken with `git archive` (no worktree, nothing written to .git)
# into build/bench/base/src, built there with its own Makefile, and its two
# programs kept in build/bench/base with the commit they came from
# (build/bench/base/commit); the sources are removed. A later run finds them
# and builds nothing. Without the history (no git, no repository, a shallow
# clone without the commit) or when the build fails, it says why.
set -u

# The full hash of the baseline commit (see above).
BASE=25ca08488987b0fc291c1da99609f34928cc9b88

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

quiet=0
[ "${1:-}" = "-q" ] && quiet=1
out=build/bench/base
short=${BASE:0:7}

say() { [ "$quiet" -eq 1 ] || echo "bench: baseline: $*" >&2; }
none() {
	echo "bench: no baseline ($short, the tree before issue 11's speed work): $*" >&2
	exit 1
}

if [ -x "$out/hypscope" ] && [ -x "$out/gen_trace" ] &&
	[ "$(cat "$out/commit" 2>/dev/null)" = "$BASE" ]; then
	echo "$out"
	exit 0
fi

command -v git >/dev/null 2>&1 || none "git is not installed"
git rev-parse --git-dir >/dev/null 2>&1 || none "$top is not a git repository"
git cat-file -e "$BASE^{commit}" 2>/dev/null ||
	none "commit $short is not in this clone's history (a shallow clone? git fetch --unshallow)"

say "building $short's hypscope and gen_trace into $out (once)"
rm -rf "$out"
trap 'rm -rf "$out/src"' EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$out/src" || none "cannot create $out/src"
git archive "$BASE" | tar -x -C "$out/src" || none "git archive $short failed"
# The sub-make must not take `make bench`'s flags (O=, V=, its job server).
# DEPFLAGS= writes no .d files: the top Makefile includes every .d under
# build/, and those of a build cut short here would land among them.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	make -C "$out/src" -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" DEPFLAGS= \
	build/hypscope build/tests/bench/gen_trace >"$out/build.log" 2>&1; then
	none "its build failed ($out/build.log): $(grep -m1 -E 'error|Error' "$out/build.log")"
fi
cp "$out/src/build/hypscope" "$out/src/build/tests/bench/gen_trace" "$out/" ||
	none "cannot copy its programs into $out"
echo "$BASE" >"$out/commit"
say "built"
echo "$out"
