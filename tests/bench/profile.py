#!/usr/bin/python3
"""Where the hypervisor's instructions go: an instruction-exact profile of every
exit path, for the hot-path work behind `make bench` (docs/performance.md).

Runs a configuration (default tests/bench/bench.toml, the benchmark guest) under
QEMU -icount with one instruction per translation block and the execution log
restricted to the hypervisor image (-singlestep -d exec,nochain -dfilter), so the
log has one line per EL2 instruction executed. Each exit (from the EL2 vector of
a lower-EL exception to the next eret: hv_guest_enter's, or the fast path's in
vectors.S) becomes an episode; episodes
with the same per-function instruction counts are grouped, and the groups are
printed most frequent first, with the boot (reset to the first guest entry).

  tests/bench/profile.py [--config FILE] [--top N] [--keep-trace]

The trace is large (about 500 MB for the benchmark guest) and is deleted at the
end unless --keep-trace. Needs the bench builds (make bench builds them).
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CROSS = "aarch64-linux-gnu-"
PLATFORM = "qemu-aarch64"


def symbols(elf):
    syms = []
    for line in subprocess.run([CROSS + "nm", "-n", elf], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tT":
            syms.append((int(p[0], 16), p[2]))
        elif len(p) == 3 and p[2] in ("_image_start", "_image_end"):
            syms.append((int(p[0], 16), p[2]))
    syms.sort()
    return syms


def label(kind, funcs):
    """A name for an episode from the functions it ran."""
    if "fast_exit" in funcs and "guest_exit_tail" not in funcs:
        what = ("self-SGI" if "fast_sysreg" in funcs else
                "constant SMCCC call" if "smccc_constant" in funcs else
                "device MMIO access (vdev_ops.fast)" if "fast_mmio_dev" in funcs else
                "constant GICD read" if "fast_mmio" in funcs else
                "WFI" if "fast_wfi" in funcs else
                "virtual timer IRQ" if kind == "irq" else kind)
        if "fast_exit_again" in funcs:
            what += ", through x19-x29 (FAST_AGAIN)"
        return f"fast path: {what}"
    if "arch_vcpu_unload" in funcs and "hypercall_handle" in funcs:
        return "HV_YIELD with a VCPU switch"
    if "vcpu_halt" in funcs:
        return "WFI: halt, idle, wake-up by an interrupt, re-entry"
    if "vgic_send_sgi" in funcs:
        return "trapped ICC_SGI1R_EL1 write (SGI)"
    if "vdev_dispatch" in funcs:
        dev = next((f for f in ("dist_access", "redist_access", "vpl011_read", "vpl011_write")
                    if f in funcs), "device")
        return f"trapped MMIO access ({dev})"
    if "hypercall_handle" in funcs:
        return "project hypercall"
    if "smccc_dispatch" in funcs:
        return "PSCI / SMCCC call"
    if kind == "irq":
        return "physical IRQ while the guest runs"
    return kind + " exit"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="tests/bench/bench.toml")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--keep-trace", action="store_true")
    a = ap.parse_args()

    r = subprocess.run(["make", "-s", f"PLATFORM={PLATFORM}", f"CONFIG={a.config}"], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"make failed:\n{(r.stdout + r.stderr)[-2000:]}")
    bdir = os.path.join(ROOT, "build", PLATFORM, os.path.splitext(os.path.basename(a.config))[0])
    elf = os.path.join(bdir, "hypervisor.elf")
    syms = symbols(elf)
    start = next(s[0] for s in syms if s[1] == "_image_start")
    end = next(s[0] for s in syms if s[1] == "_image_end")
    code = [s for s in syms if s[1] not in ("_image_start", "_image_end")]
    addrs = [s[0] for s in code]
    vec = next(s[0] for s in code if s[1] == "hv_vectors")
    dis = subprocess.run([CROSS + "objdump", "-d", elf], capture_output=True, text=True,
                         check=True).stdout
    # Every eret of the image ends an episode: hv_guest_enter's and the fast path's.
    erets = {int(m.group(1), 16) for m in re.finditer(r"^\s*([0-9a-f]+):\s+d69f03e0\s+eret", dis, re.M)}
    entries = {vec + 0x400: "sync", vec + 0x480: "irq", vec + 0x500: "fiq", vec + 0x580: "serror"}

    with open(os.path.join(ROOT, "platform", PLATFORM, "platform.toml"), "rb") as f:
        q = tomllib.load(f)
    trace = os.path.join(ROOT, "build", "bench", "trace.log")
    os.makedirs(os.path.dirname(trace), exist_ok=True)
    cmd = ["qemu-system-aarch64", "-M", q["qemu"]["machine"] + ",dtb-randomness=off",
           "-cpu", q["qemu"].get("cpu", "cortex-a57"), "-smp", str(len(q["cpu"])),
           "-m", str(q["qemu"]["memory_mib"]), "-display", "none", "-nic", "none",
           "-monitor", "none", "-serial", "stdio", "-icount", "shift=0,sleep=off",
           "-rtc", "base=2024-01-01T00:00:00,clock=vm", "-kernel", os.path.join(bdir, "hypervisor.bin"),
           "-singlestep", "-d", "exec,nochain", "-dfilter", f"{start:#x}..{end - 1:#x}", "-D", trace]
    print(f"profile: running {a.config} with an EL2 instruction trace", file=sys.stderr)
    try:
        subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=600)
    except subprocess.TimeoutExpired:
        print("profile: QEMU did not power off within 600 s; using the trace so far",
              file=sys.stderr)

    names = {}

    def fn(pc):
        i = bisect.bisect_right(addrs, pc) - 1
        return code[i][1] if i >= 0 else "?"

    rx = re.compile(rb"\[[0-9a-f]+/([0-9a-f]+)/")
    groups = collections.Counter()
    boot = None
    kind, n, ep = "boot", 0, collections.Counter()
    with open(trace, "rb") as f:
        for line in f:
            m = rx.search(line)
            if not m:
                continue
            pc = int(m.group(1), 16)
            if pc in entries:
                kind, n, ep = entries[pc], 0, collections.Counter()
            name = names.get(pc)
            if name is None:
                name = names[pc] = fn(pc)
            ep[name] += 1
            n += 1
            if pc in erets:
                key = (kind, n, tuple(sorted(ep.items())))
                if boot is None:
                    boot = key
                else:
                    groups[key] += 1
                kind, n, ep = "?", 0, collections.Counter()
    if not a.keep_trace:
        os.unlink(trace)

    if boot is None:
        sys.exit("profile: no guest entry found in the trace")
    print(f"boot: {boot[1]} EL2 instructions from reset to the first guest entry")
    for f_, c in sorted(boot[2], key=lambda x: -x[1])[:15]:
        print(f"  {c:9d}  {f_}")
    for (kind, n, items), count in groups.most_common(a.top):
        funcs = dict(items)
        print(f"\n{label(kind, funcs)}: {n} EL2 instructions ({count} times)")
        for f_, c in sorted(items, key=lambda x: -x[1]):
            print(f"  {c:9d}  {f_}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
