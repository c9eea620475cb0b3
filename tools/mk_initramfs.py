#!/usr/bin/python3
"""Builds the Linux guests' initramfs (cpio newc, gzip) from Debian's static
busybox and the project's /init, deterministically: fixed owners, modes and
time stamps, so the same inputs give the same bytes. Device nodes are
written into the archive directly, so no root privileges are needed.
tests/bench/mk_initramfs.py builds the bench's initramfs with the same
newc_archive() and gzip_bytes()."""
import argparse
import gzip
import io
import os
import stat
import sys


def cpio_entry(out, name, mode, data=b"", rdev=(0, 0), ino=1):
    """Append one newc entry."""
    namez = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(namez), 0]
    out.write(b"070701" + b"".join(b"%08x" % f for f in fields))
    out.write(namez)
    out.write(b"\0" * ((4 - (110 + len(namez)) % 4) % 4))
    out.write(data)
    out.write(b"\0" * ((4 - len(data) % 4) % 4))


def newc_archive(dirs, members):
    """An uncompressed newc archive: the directories `dirs`, dev/console and
    dev/null, then `members` in order, each ("file", name, host path: copied,
    mode 0755) or ("symlink", name, target), then the trailer. Inodes are
    numbered from 1 in that order."""
    buf = io.BytesIO()
    ino = 1
    for d in dirs:
        cpio_entry(buf, d, stat.S_IFDIR | 0o755, ino=ino)
        ino += 1
    cpio_entry(buf, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1), ino=ino)
    ino += 1
    cpio_entry(buf, "dev/null", stat.S_IFCHR | 0o666, rdev=(1, 3), ino=ino)
    ino += 1
    for kind, name, what in members:
        if kind == "file":
            with open(what, "rb") as f:
                cpio_entry(buf, name, stat.S_IFREG | 0o755, f.read(), ino=ino)
        elif kind == "symlink":
            cpio_entry(buf, name, stat.S_IFLNK | 0o777, what.encode(), ino=ino)
        else:
            raise ValueError(f"{name}: unknown member kind {kind}")
        ino += 1
    cpio_entry(buf, "TRAILER!!!", 0, ino=0)
    return buf.getvalue()


def gzip_bytes(data):
    """`data` gzipped deterministically (no time stamp, no file name)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)
    return out.getvalue()


def build(busybox, init):
    return newc_archive(("bin", "dev", "proc", "sys", "tmp", "sbin", "usr", "usr/bin", "usr/sbin", "root"),
                        (("file", "bin/busybox", busybox), ("symlink", "bin/sh", "busybox"),
                         ("file", "init", init)))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--busybox", required=True)
    ap.add_argument("--init", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    for p in (a.busybox, a.init):
        if not os.path.isfile(p):
            sys.exit(f"mk_initramfs: {p}: not found (run 'make deps')")
    data = gzip_bytes(build(a.busybox, a.init))
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
