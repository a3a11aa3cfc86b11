#!/usr/bin/env bash
# The Linux test guest: Debian's own arm64 kernel (linux-image-*-arm64,
# unmodified) and a static busybox (busybox-static:arm64), packed with
# tests/guests/linux/init into an initramfs.
#
#   scripts/linux-guest.sh [OUTDIR]     (default build/linux)
#
# Produces OUTDIR/Image and OUTDIR/initramfs.cpio. The .deb files are
# downloaded from Debian once and kept in a cache (HYPSCOPE_CACHE, else
# ~/.cache/hypscope). Needs the arm64 architecture enabled in dpkg, which
# scripts/deps.sh does.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/linux}
cache=${HYPSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hypscope}
mkdir -p "$out" "$cache"
chmod 755 "$cache" 2>/dev/null || true

# The kernel package the linux-image-arm64 metapackage points at right now.
kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
kpkg=${kpkg%:arm64}
if [ -z "$kpkg" ]; then
	echo "linux-guest: no linux-image-arm64:arm64 in the package lists (run scripts/deps.sh)" >&2
	exit 1
fi

fetch() { # package -> path of its .deb in the cache
	local deb
	deb=$(ls "$cache"/"$1"_*_arm64.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		(cd "$cache" && apt-get download -qq "$1:arm64" >/dev/null 2>&1) || {
			echo "linux-guest: cannot download $1:arm64 from Debian" >&2
			exit 1
		}
		deb=$(ls "$cache"/"$1"_*_arm64.deb | head -n1)
	fi
	echo "$deb"
}

kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)

stamp="$out/.stamp"
want="$(basename "$kdeb") $(basename "$bdeb") $(sha256sum "$top/tests/guests/linux/init" | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$out/Image" ] && [ -f "$out/initramfs.cpio" ]; then
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
img=$(ls "$tmp"/boot/vmlinuz-* | head -n1)
# Debian's arm64 vmlinuz is an uncompressed Image (EFI stub header plus the
# arm64 "ARM\x64" magic at 0x38); a gzip one is unpacked.
if [ "$(head -c2 "$img" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then
	gunzip -c "$img" > "$out/Image"
else
	cp "$img" "$out/Image"
fi

root="$tmp/root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -C "$tmp" ./bin/busybox
cp "$tmp/bin/busybox" "$root/bin/busybox"
cp "$top/tests/guests/linux/init" "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out/initramfs.cpio"
echo "$want" > "$stamp"
echo "linux-guest: $(basename "$kdeb") and busybox in $out"
