#!/usr/bin/python3
"""Builds the initramfs of `make bench`'s Linux rows: Debian's static busybox, the
bench /init (tests/bench/init) and the CPU-bound program as /bin/cpubound. Reuses
tools/mk_initramfs.py's deterministic cpio writer (fixed owners, modes, time stamps)
and writes the output only when its bytes change, so that `make` does not rebuild
what embeds it. Prints "changed" or "unchanged".
Usage: mk_initramfs.py --busybox B --init I --cpubound P --out F"""
import argparse
import gzip
import io
import os
import stat
import sys

sys.dont_write_bytecode = True  # no __pycache__ in tools/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from mk_initramfs import cpio_entry  # noqa: E402


def build(busybox, init, cpubound):
    buf = io.BytesIO()
    ino = 1
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        cpio_entry(buf, d, stat.S_IFDIR | 0o755, ino=ino)
        ino += 1
    cpio_entry(buf, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1), ino=ino)
    ino += 1
    cpio_entry(buf, "dev/null", stat.S_IFCHR | 0o666, rdev=(1, 3), ino=ino)
    ino += 1
    for name, path in (("bin/busybox", busybox), ("bin/cpubound", cpubound), ("init", init)):
        with open(path, "rb") as f:
            cpio_entry(buf, name, stat.S_IFREG | 0o755, f.read(), ino=ino)
        ino += 1
    cpio_entry(buf, "bin/sh", stat.S_IFLNK | 0o777, b"busybox", ino=ino)
    cpio_entry(buf, "TRAILER!!!", 0, ino=0)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue())
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--busybox", required=True)
    ap.add_argument("--init", required=True)
    ap.add_argument("--cpubound", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    for p in (a.busybox, a.init, a.cpubound):
        if not os.path.isfile(p):
            sys.exit(f"mk_initramfs: {p}: not found")
    data = build(a.busybox, a.init, a.cpubound)
    if os.path.isfile(a.out):
        with open(a.out, "rb") as f:
            if f.read() == data:
                print("unchanged")
                return
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, a.out)
    print("changed")


if __name__ == "__main__":
    main()
