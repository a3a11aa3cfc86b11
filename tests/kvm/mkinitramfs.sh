#!/usr/bin/env bash
# The KVM host test machine's initramfs: busybox (busybox-static:arm64 from
# the cache scripts/linux-guest.sh fills), the static arm64 hypscope and
# kvm_vmm, and tests/kvm/init.
#
#   tests/kvm/mkinitramfs.sh OUT.cpio
#
# A test appends its own /test.sh as a second cpio archive (the kernel
# unpacks concatenated archives in order).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
cache=${HYPSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hypscope}
bdeb=$(ls "$cache"/busybox-static_*_arm64.deb 2>/dev/null | head -n1 || true)
if [ -z "$bdeb" ]; then
	"$top/scripts/linux-guest.sh" >/dev/null
	bdeb=$(ls "$cache"/busybox-static_*_arm64.deb | head -n1)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -C "$tmp" ./bin/busybox
cp "$tmp/bin/busybox" "$root/bin/busybox"
cp "$top/build/arm64/hypscope" "$root/bin/hypscope"
cp "$top/build/arm64/kvm_vmm" "$root/bin/kvm_vmm"
cp "$top/tests/kvm/init" "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
