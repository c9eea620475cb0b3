#!/usr/bin/env bash
# Installs everything the project needs on a Debian 12 machine (idempotent).
# Host tools come from Debian's archive with apt-get; arm64 packages (libfdt,
# the Linux kernel, busybox) are downloaded as .deb files and unpacked into
# .deps/arm64/ inside the checkout, never committed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps="$top/.deps"
arm64="$deps/arm64"
debs="$deps/debs"

HOST_PKGS="make gcc libc6-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu \
 qemu-system-arm device-tree-compiler python3 python3-jinja2 python3-libfdt \
 libfdt-dev gcovr lcov cppcheck clang libclang-rt-14-dev cpio gzip gnuplot-nox"
ARM64_PKGS="libfdt-dev libfdt1 busybox-static"

need_sudo() { if [ "$(id -u)" -ne 0 ]; then echo sudo; fi; }
SUDO=$(need_sudo)
export DEBIAN_FRONTEND=noninteractive

missing=""
for p in $HOST_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
updated=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
  updated=0
fi
if [ -n "$missing" ] || [ ! -f "$deps/.apt-updated" ]; then
  $SUDO apt-get update -qq
  updated=1
  mkdir -p "$deps"; touch "$deps/.apt-updated"
fi
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The kernel package name carries the ABI number, which changes with updates:
# resolve it from the metapackage instead of hard-coding it.
kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null \
        | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kpkg" ]; then
  [ "$updated" = 1 ] || { $SUDO apt-get update -qq; updated=1; }
  kpkg=$(apt-cache depends linux-image-arm64:arm64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$kpkg" ] || { echo "setup: cannot resolve the arm64 kernel package" >&2; exit 1; }
kpkg=${kpkg%:arm64}

mkdir -p "$debs" "$arm64"
for p in $ARM64_PKGS "$kpkg"; do
  stamp="$arm64/.$p.unpacked"
  [ -f "$stamp" ] && continue
  ( cd "$debs" && ls "${p}"_*_arm64.deb >/dev/null 2>&1 || apt-get download -q -o APT::Sandbox::User=root "$p:arm64" >/dev/null )
  deb=$(ls "$debs/${p}"_*_arm64.deb | head -n 1)
  echo "setup: unpacking $(basename "$deb")"
  dpkg-deb -x "$deb" "$arm64"
  touch "$stamp"
done

# Stable names for the build: the kernel Image and the static libfdt.
kimg=$(ls "$arm64"/boot/vmlinuz-* | head -n 1)
ln -sf "$kimg" "$deps/Image"
ln -sf "$arm64/usr/lib/aarch64-linux-gnu/libfdt.a" "$deps/libfdt.a"
ln -sf "$arm64/bin/busybox" "$deps/busybox"
echo "setup: done (kernel $(basename "$kimg"))"
