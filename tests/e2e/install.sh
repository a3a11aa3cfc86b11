#!/usr/bin/env bash
# `make install` / `make uninstall` into a staging DESTDIR: the installed
# hypscope works from any directory (it finds hyp.elf and the demo guests
# beside its real binary), the man pages and the bash completion are in
# place, and uninstall removes every file it installed.
#
#   tests/e2e/install.sh [MODEL]     (the model is ignored: no QEMU is started)
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
failed=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
prefix=/usr/local
root=$dest$prefix

if make --no-print-directory install PREFIX=$prefix DESTDIR="$dest" >"$dest.log" 2>&1; then
	pass "make install PREFIX=$prefix DESTDIR=..."
else
	fail "make install: $(tail -n 3 "$dest.log")"
	exit 1
fi
for f in bin/hypscope lib/hypscope/hyp.elf lib/hypscope/guests/demo.elf \
	share/man/man1/hypscope.1 share/man/man1/hypscope-record.1 \
	share/bash-completion/completions/hypscope; do
	[ -e "$root/$f" ] && pass "installed $f" || fail "$f is missing"
done
out=$(cd / && "$root/bin/hypscope" run --dry-run 2>&1)
if echo "$out" | grep -q "VM 0 demo0: $root/lib/hypscope/guests/demo.elf"; then
	pass "the installed hypscope, run from /, finds its demo guests and hypervisor"
else
	fail "run --dry-run from /: $(echo "$out" | head -n 3)"
fi
words=$(cd / && PATH=$root/bin:$PATH bash -c "source $root/share/bash-completion/completions/hypscope
	COMP_WORDS=(hypscope rec); COMP_CWORD=1; _hypscope; echo \${COMPREPLY[@]}
	COMP_WORDS=(hypscope record --k); COMP_CWORD=2; _hypscope; echo \${COMPREPLY[@]}")
if echo "$words" | grep -qx "record" && echo "$words" | grep -q -- "--kvm"; then
	pass "bash completion: subcommands and their options"
else
	fail "bash completion gave: $words"
fi
make --no-print-directory uninstall PREFIX=$prefix DESTDIR="$dest" >"$dest.log" 2>&1
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] && pass "make uninstall removes every installed file" ||
	fail "left after uninstall: $left"
rm -f "$dest.log"
exit "$failed"
