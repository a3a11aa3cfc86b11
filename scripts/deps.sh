#!/usr/bin/env bash
# Install every Debian package hypscope needs to build, run and test.
#
# Idempotent: when everything is present it only checks and exits. Uses sudo
# when not root. Also fetches the arm64 libfdt (static library and headers)
# from Debian into build/sysroot-arm64 for the freestanding EL2 build.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sysroot="$top/build/sysroot-arm64"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

# Host packages. qemu-system-arm comes from bookworm-backports (QEMU 10).
PKGS=(
	make gcc pkg-config git
	clang libclang-rt-14-dev
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	libc6-dev-arm64-cross linux-libc-dev-arm64-cross
	clang llvm bpftool
	qemu-system-arm
	gdb-multiarch
	libbpf-dev libelf-dev libncurses-dev libcapstone-dev libfdt-dev libcmocka-dev
	libdeflate-dev libisal-dev
	device-tree-compiler
	babeltrace2
	tmux
	python3
	cpio
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

need_qemu_bpo=0
if ! qemu-system-aarch64 --version 2>/dev/null | grep -Eq 'version (9|[1-9][0-9])\.'; then
	need_qemu_bpo=1
fi

apt_updated=0
apt_update() {
	if [ "$apt_updated" -eq 0 ]; then
		$SUDO apt-get update -qq
		apt_updated=1
	fi
}

ensure_backports() {
	if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "deps: enabling bookworm-backports"
		echo "deb http://deb.debian.org/debian bookworm-backports main" |
			$SUDO tee /etc/apt/sources.list.d/hypscope-backports.list >/dev/null
		apt_updated=0
	fi
}

ensure_arm64() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "deps: adding the arm64 architecture (for libfdt-dev:arm64)"
		$SUDO dpkg --add-architecture arm64
		apt_updated=0
	fi
}

if [ "${#missing[@]}" -gt 0 ] || [ "$need_qemu_bpo" -eq 1 ]; then
	ensure_backports
	ensure_arm64
	apt_update
	echo "deps: installing ${missing[*]:-}$([ "$need_qemu_bpo" -eq 1 ] && echo " qemu-system-arm (backports)")"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
	if [ "$need_qemu_bpo" -eq 1 ]; then
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-t bookworm-backports qemu-system-arm >/dev/null
	fi
fi

# The EL2 image links Debian's arm64 libfdt. It is unpacked (not installed)
# into a build-local sysroot so that it never clashes with the host libfdt-dev.
if [ ! -f "$sysroot/usr/lib/aarch64-linux-gnu/libfdt.a" ]; then
	ensure_arm64
	apt_update
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -qq libfdt-dev:arm64 >/dev/null)
	mkdir -p "$sysroot"
	dpkg-deb -x "$tmp"/libfdt-dev_*_arm64.deb "$sysroot"
	echo "deps: unpacked libfdt-dev:arm64 into build/sysroot-arm64"
fi

# `make arm64` links a static arm64 hypscope against Debian's arm64 static
# libraries, unpacked the same way into the same sysroot.
arm64_static=(libbpf-dev libelf-dev zlib1g-dev libzstd-dev libcapstone-dev libncurses-dev libdeflate-dev)
if [ ! -f "$sysroot/usr/lib/aarch64-linux-gnu/libbpf.a" ] ||
	[ ! -f "$sysroot/usr/lib/aarch64-linux-gnu/libncursesw.a" ] ||
	[ ! -f "$sysroot/usr/lib/aarch64-linux-gnu/libdeflate.a" ]; then
	ensure_arm64
	apt_update
	tmp2=$(mktemp -d)
	chmod 755 "$tmp2"
	(cd "$tmp2" && apt-get download -qq "${arm64_static[@]/%/:arm64}" >/dev/null 2>&1)
	mkdir -p "$sysroot"
	for deb in "$tmp2"/*.deb; do
		dpkg-deb -x "$deb" "$sysroot"
	done
	rm -rf "$tmp2"
	echo "deps: unpacked ${arm64_static[*]} (arm64) into build/sysroot-arm64"
fi
