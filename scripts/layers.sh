#!/usr/bin/env bash
# The layering check: which folder's sources may include which folder's
# headers, one rule per line in the table below. Every "#include "a/b.h""
# in a layer's .c, .h and .S files is checked; an included path belongs to
# the longest layer folder it starts with, or else to its first folder
# (hyp/, gdbstub/...), which then has to be allowed by name. A path with no
# folder (a generated header: asm-offsets.h, kvm_host.skel.h) is not checked.
#
#   scripts/layers.sh [ROOT]    check the tree at ROOT (default: this one)
#
# Exit status: 0 every include follows the table; 1 one line per broken
# rule, "FILE:LINE: includes PATH (LAYER may include: ...)"; 2 bad usage.
set -u

# layer folder    may include (layer folders)
table='
formats           formats
formats/host      formats formats/host
tracer/lib        formats formats/host tracer/lib
tui               formats formats/host tracer/lib tui
tracer            formats formats/host tracer/lib tui tracer

# ---- the hypervisor: logic (core/, vgic/, dev/) reaches the hardware only
# through the arch contract hyp/include/arch.h, never a header under
# hyp/arch/ (the arch_inline.h of each arch comes from its include folder,
# a path-less include); nothing in it includes the host side or the tests.
hyp/include       formats hyp/include hyp/dev hyp/vgic
hyp/core          formats gdbstub hyp/include hyp/dev hyp/vgic
hyp/vgic          formats hyp/include hyp/vgic
hyp/dev           formats hyp/include hyp/dev
hyp/lib           hyp/include
hyp/arch/aarch64  formats hyp/include hyp/dev hyp/vgic hyp/arch/aarch64
hyp/arch/fake     formats hyp/include hyp/dev hyp/vgic hyp/arch/fake
gdbstub           formats gdbstub
'

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
if [ $# -gt 1 ] || [ ! -d "$root" ]; then
	echo "usage: scripts/layers.sh [ROOT]" >&2
	exit 2
fi
cd "$root" || exit 2

dirs=$(awk '$1 !~ /^#/ && NF { print $1 }' <<<"$table")
files=$(for d in $dirs; do [ -d "$d" ] && find "$d" -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \); done | sort -u)
[ -n "$files" ] || exit 0

# shellcheck disable=SC2086
awk -v table="$table" '
# The longest layer folder path starts with; else its first folder.
function layer_of(path,    l, best) {
	best = ""
	for (l in allowed)
		if (index(path, l "/") == 1 && length(l) > length(best))
			best = l
	if (best == "") {
		best = path
		sub(/\/.*/, "", best)
	}
	return best
}
BEGIN {
	n = split(table, rows, "\n")
	for (i = 1; i <= n; i++) {
		if (rows[i] ~ /^[ \t]*(#|$)/)
			continue
		split(rows[i], f, /[ \t]+/)
		line = rows[i]
		sub(/^[^ \t]+[ \t]+/, "", line)
		allowed[f[1]] = " " line " "
	}
}
FNR == 1 { layer = layer_of(FILENAME) }
/^[ \t]*#[ \t]*include[ \t]*"/ {
	inc = $0
	sub(/^[^"]*"/, "", inc)
	sub(/".*/, "", inc)
	if (inc !~ /\//)
		next
	to = layer_of(inc)
	if (index(allowed[layer], " " to " "))
		next
	list = allowed[layer]
	sub(/ $/, "", list)
	printf "%s:%d: includes %s (%s may include:%s)\n", FILENAME, FNR, inc, layer, list
	broken++
}
END {
	if (broken) {
		printf "layers: %d include(s) break the table in scripts/layers.sh\n", broken > "/dev/stderr"
		exit 1
	}
}' $files
