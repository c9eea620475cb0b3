#!/usr/bin/python3
"""Builds the initramfs of `make bench`'s Linux rows: Debian's static busybox, the
bench /init (tests/bench/init) and the CPU-bound program as /bin/cpubound. Reuses
tools/mk_initramfs.py's deterministic archive writer (fixed owners, modes, time stamps)
and writes the output only when its bytes change, so that `make` does not rebuild
what embeds it. Prints "changed" or "unchanged".
Usage: mk_initramfs.py --busybox B --init I --cpubound P --out F"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in tools/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from mk_initramfs import gzip_bytes, newc_archive  # noqa: E402


def build(busybox, init, cpubound):
    return gzip_bytes(newc_archive(("bin", "dev", "proc", "sys", "tmp"),
                                   (("file", "bin/busybox", busybox), ("file", "bin/cpubound", cpubound),
                                    ("file", "init", init), ("symlink", "bin/sh", "busybox"))))


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
