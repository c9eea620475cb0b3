#!/usr/bin/python3
"""make bench: deterministic benchmarks of the hypervisor under QEMU -icount.

Runs the benchmark guest (tests/guests/bench) directly on QEMU at EL1 (the
baseline) and in a VM of the hypervisor (tests/bench/bench.toml, and
tests/bench/bench_switch.toml for the VCPU switch), boots Debian's kernel with
the bench initramfs in a VM (tests/bench/bench_linux*.toml) and directly on
QEMU, boots config/dual_linux.toml, and measures the footprint of the
dual_baremetal build. Every QEMU runs with -icount shift=0,sleep=off (1 ns of
virtual time per instruction), no random DTB nodes and a virtual-time RTC, so
two runs give identical numbers.

Writes build/bench/results.json (one record per figure), build/bench/results.md
(the table), build/bench/results.png (gnuplot: each figure against its
baseline) and prints the table. docs/performance.md explains every figure.

  tools/bench.py                 everything (make bench)
  tools/bench.py --smoke         every figure, no chart; PASS:/FAIL: bench/<figure> lines
  tools/bench.py --update-doc    also rewrite the table in docs/performance.md
  tools/bench.py --check-repeat  run everything twice and require identical results
"""
import argparse
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLATFORM = "qemu-aarch64"
OUT = os.path.join(ROOT, "build", "bench")
CROSS = "aarch64-linux-gnu-"
DETERMINISM = ["-icount", "shift=0,sleep=off", "-rtc", "base=2024-01-01T00:00:00,clock=vm"]
NO_RANDOM = ",dtb-randomness=off"  # QEMU's rng-seed/kaslr-seed would change each run
BARE_MACHINE = "virt,gic-version=3" + NO_RANDOM  # EL1 only: PSCI over HVC, as the VMs see it

CONFIGS = {
    "bench": "tests/bench/bench.toml",
    "bench_switch": "tests/bench/bench_switch.toml",
    "bench_linux": "tests/bench/bench_linux.toml",
    "bench_linux_quiet": "tests/bench/bench_linux_quiet.toml",
    "bench_linux_passthrough": "tests/bench/bench_linux_passthrough.toml",
    "dual_linux": "config/dual_linux.toml",
    "dual_baremetal": "config/dual_baremetal.toml",
}
# The one-VM Linux configurations (they embed the bench initramfs); each one's
# raw results are keyed by its name without "bench_": linux, linux_quiet, ...
LINUX_BENCH = [n for n in CONFIGS if n.startswith("bench_linux")]

# Figure metadata: unit, group, what it is, and the target (informational).
FIGURES = [
    ("hvc_psci_version", "insn", "guest", "hvc round trip, PSCI_VERSION", "extra <= 100"),
    ("hvc_hv_version", "insn", "guest", "hvc round trip, HV_VERSION (cheapest project call)",
     "extra <= 100"),
    ("mmio_gicd_typer", "insn", "guest", "trapped MMIO read of GICD_TYPER", "extra <= 120"),
    ("sgi_self", "insn", "guest", "self-SGI: ICC_SGI1R_EL1 write to handler entry", "extra <= 300"),
    ("vtimer_spin", "insn", "guest", "virtual timer: CVAL reached to handler entry, spinning",
     "extra <= 100"),
    ("vtimer_wfi", "insn", "guest", "virtual timer: CVAL reached to handler entry, from WFI",
     "extra <= 100"),
    ("vcpu_switch", "insn", "guest", "VCPU switch on a shared CPU (HV_YIELD ping-pong), one way",
     ""),
    ("boot_to_guest", "ns", "boot", "QEMU reset to the guest's first C instruction", ""),
    ("linux_run_init", "ns", "linux", "Linux: kernel time stamp of 'Run /init' (one VM)",
     "within 0.2 %"),
    ("linux_run_init_quiet", "ns", "linux", "Linux: 'Run /init' time stamp, quiet boot",
     "within 0.2 %"),
    ("linux_run_init_passthrough", "ns", "linux",
     "Linux: 'Run /init' time stamp, verbose boot, UART passed through", "within 0.2 %"),
    ("linux_user_start", "ns", "linux", "Linux: virtual time at /init's first program", ""),
    ("linux_cpubound", "ns", "linux", "Linux: CPU-bound program timed in the guest",
     "within 0.2 %"),
    ("dual_linux_run_init_linux0", "ns", "linux",
     "dual_linux: 'Run /init' of linux0 (both VMs boot at once)", ""),
    ("dual_linux_run_init_linux1", "ns", "linux",
     "dual_linux: 'Run /init' of linux1 (both VMs boot at once)", ""),
    ("hv_bin_no_guests", "bytes", "footprint",
     "hypervisor.bin of dual_baremetal without .guest_images", "< 65536"),
    ("hv_text", "bytes", "footprint", ".text of the dual_baremetal ELF", ""),
    ("hv_rodata", "bytes", "footprint", ".rodata", ""),
    ("hv_data", "bytes", "footprint", ".data + .got + .got.plt", ""),
    ("hv_bss", "bytes", "footprint", ".bss (stacks, stage-2 pool, VM/VCPU state)", ""),
    ("bytes_per_vm", "bytes", "footprint", "sizeof(struct vm): size of vms / number of VMs", ""),
    ("s2_pool_per_vm", "bytes", "footprint", "stage-2 table pool / number of VMs", ""),
    ("bytes_per_vcpu", "bytes", "footprint", "sizeof(struct vcpu): size of vcpus / number", ""),
    ("bytes_per_pcpu", "bytes", "footprint", "struct pcpu + its EL2 stack", ""),
    ("sloc_core", "lines", "footprint", "non-blank non-comment lines of src/core", ""),
    ("sloc_arch", "lines", "footprint", "non-blank non-comment lines of src/arch", ""),
]
GUEST_FIGURES = [f[0] for f in FIGURES if f[2] == "guest"]


class BenchError(Exception):
    pass


_T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - _T0:5.1f}s] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- building

def make_config(name):
    """Builds one configuration; returns its build directory."""
    cfg = CONFIGS[name]
    r = subprocess.run(["make", "-s", f"PLATFORM={PLATFORM}", f"CONFIG={cfg}"], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"make CONFIG={cfg} failed:\n{(r.stdout + r.stderr)[-3000:]}")
    return os.path.join(ROOT, "build", PLATFORM, os.path.splitext(os.path.basename(cfg))[0])


def write_if_changed(path, data):
    if os.path.isfile(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return True


def build_linux_userland():
    """tests/bench/cpubound.c and the bench initramfs, rebuilt only when they change."""
    os.makedirs(OUT, exist_ok=True)
    tmp = os.path.join(OUT, "cpubound.new")
    r = subprocess.run([CROSS + "gcc", "-static", "-O2", "-nostdlib", "-ffreestanding", "-fno-pie",
                        "-no-pie", "-fno-stack-protector", "-Wall", "-Wextra", "-Werror",
                        "-Wl,--build-id=none", "-o", tmp, "tests/bench/cpubound.c"],
                       cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"building tests/bench/cpubound.c failed:\n{r.stderr[-2000:]}")
    with open(tmp, "rb") as f:
        write_if_changed(os.path.join(OUT, "cpubound"), f.read())
    os.unlink(tmp)
    initramfs = os.path.join(OUT, "initramfs.cpio.gz")
    r = subprocess.run([sys.executable, "tests/bench/mk_initramfs.py", "--busybox", ".deps/busybox",
                        "--init", "tests/bench/init", "--cpubound", os.path.join(OUT, "cpubound"),
                        "--out", initramfs], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"tests/bench/mk_initramfs.py failed:\n{r.stdout}{r.stderr}")
    # The Makefile does not know that these images embed the bench initramfs:
    # re-assemble their images.S when it is newer.
    for name in LINUX_BENCH:
        obj = os.path.join(ROOT, "build", PLATFORM, name, "obj", "gen", "images.o")
        if os.path.isfile(obj) and os.path.getmtime(obj) < os.path.getmtime(initramfs):
            os.unlink(obj)
    return initramfs


# ---------------------------------------------------------------- running QEMU

def platform_qemu():
    with open(os.path.join(ROOT, "platform", PLATFORM, "platform.toml"), "rb") as f:
        p = tomllib.load(f)
    q = p["qemu"]
    return q["machine"], q.get("cpu", "cortex-a57"), len(p["cpu"]), q["memory_mib"]


def qemu_cmd(machine, cpu, smp, mem):
    return ["qemu-system-aarch64", "-M", machine, "-cpu", cpu, "-smp", str(smp), "-m", str(mem),
            "-display", "none", "-nic", "none", "-monitor", "none", "-serial", "stdio"] + DETERMINISM


def run_qemu(cmd, what, timeout=180, until=()):
    """Runs QEMU to its own power-off, or until every regex of `until` has matched a
    line (then stops it); returns the console text without carriage returns."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    buf = b""
    pending = [re.compile(u, re.M) for u in until]
    stopped = False
    try:
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                raise BenchError(f"{what}: no result within {timeout} s; console tail:\n"
                                 + buf.decode("utf-8", "replace")[-2000:])
            ready, _, _ = select.select([p.stdout], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            if pending:
                text = buf.decode("utf-8", "replace").replace("\r", "")
                pending = [u for u in pending if not u.search(text)]
                if not pending:
                    stopped = True
                    break
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        p.stdout.close()
    text = buf.decode("utf-8", "replace").replace("\r", "")
    if not stopped and until:
        raise BenchError(f"{what}: QEMU exited before {[u.pattern for u in pending]}; tail:\n"
                         + text[-2000:])
    if not until and p.returncode != 0:
        raise BenchError(f"{what}: QEMU exit status {p.returncode}; tail:\n{text[-2000:]}")
    return text


def hv_run(build_dir, what, **kw):
    machine, cpu, smp, mem = platform_qemu()
    cmd = qemu_cmd(machine + NO_RANDOM, cpu, smp, mem) + [
        "-kernel", os.path.join(build_dir, "hypervisor.bin")]
    return run_qemu(cmd, what, **kw)


def bare_run(what, smp, mem, kernel, extra=(), **kw):
    _, cpu, _, _ = platform_qemu()
    cmd = qemu_cmd(BARE_MACHINE, cpu, smp, mem) + ["-kernel", kernel] + list(extra)
    return run_qemu(cmd, what, **kw)


# ---------------------------------------------------------------- parsing

def strip_prefix(text, vm=None):
    """Console lines of one VM (prefix removed), or all lines when vm is None."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^\[([a-z][a-z0-9_-]*)\] (.*)$", line)
        if vm is None:
            out.append(m.group(2) if m and m.group(1) != "hv" else line)
        elif m and m.group(1) == vm:
            out.append(m.group(2))
    return out


def kv(line):
    return {k: v for k, v in re.findall(r"(\w[\w-]*)=(\S+)", line)}


def parse_guest(text, what):
    lines = strip_prefix(text)
    errors = [l for l in lines if l.startswith("BENCH-ERROR") or "GUEST-EXCEPTION" in l]
    if errors:
        raise BenchError(f"{what}: {errors[0]}")
    if "BENCH-DONE" not in lines:
        raise BenchError(f"{what}: no BENCH-DONE; tail:\n" + "\n".join(lines[-20:]))
    res = {"figures": {}, "cnt": {}}
    for l in lines:
        if l.startswith("BENCH-RESULT "):
            d = kv(l)
            n = int(d["n"])
            res["figures"][d["name"]] = {"n": n, "min": int(d["min"]), "median": int(d["med"]),
                                         "max": int(d["max"]), "mean": int(d["sum"]) / n}
        elif l.startswith("BENCH-CNT "):
            d = kv(l)
            res["cnt"][d["name"]] = int(d["ns_sum"]) / int(d["n"])
        elif l.startswith("BENCH-BOOT "):
            res["boot_ns"] = int(kv(l)["ns"])
        elif l.startswith("BENCH-CHECK "):
            d = kv(l)
            res["drift"] = int(d["drift"])
            res["spurious"] = int(d["spurious"])
        elif l.startswith("BENCH-INFO "):
            res["info"] = kv(l)
        elif l.startswith("BENCH-SETUP "):
            res["setup"] = kv(l)
    if res.get("drift") != 0:
        raise BenchError(f"{what}: the cycle counter drifted from the virtual counter by "
                         f"{res.get('drift')} ns: PMCCNTR_EL0 does not count every instruction "
                         "(is PMCCFILTR_EL0.NSH honoured, MDCR_EL2.HPMD clear?)")
    return res


def run_init_ns(lines, what):
    for l in lines:
        m = re.search(r"\[\s*(\d+)\.(\d{6})\] Run /init as init process", l)
        if m:
            return int(m.group(1)) * 1000000000 + int(m.group(2)) * 1000
    raise BenchError(f"{what}: no 'Run /init' time stamp; tail:\n" + "\n".join(lines[-20:]))


def parse_linux(text, vm, what):
    lines = strip_prefix(text, vm)
    res = {"run_init": run_init_ns(lines, what)}
    for l in lines:
        if l.startswith("CPUBOUND "):
            d = kv(l)
            res["cpubound"] = int(d["ns"])
            res["checksum"] = d["checksum"]
        elif l.startswith("CPUBOUND-STAMP "):
            res["user_start"] = int(kv(l)["ns"])
    return res


def stat1(v):
    return {"n": 1, "min": v, "median": v, "max": v, "mean": v}


# ---------------------------------------------------------------- footprint

def sloc(paths):
    """Non-blank lines that are not only comments (C, headers, assembly, linker script)."""
    total = 0
    for top in paths:
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".h", ".S", ".s", ".lds.in", ".ld")):
                    continue
                with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                    text = f.read()
                total += count_code_lines(text)
    return total


def count_code_lines(text):
    out = []
    i, n = 0, len(text)
    in_block = False
    quote = None
    line_has_code = False
    while i < n:
        c = text[i]
        if in_block:
            if text.startswith("*/", i):
                in_block = False
                i += 2
                continue
            if c == "\n":
                out.append(line_has_code)
                line_has_code = False
            i += 1
            continue
        if quote:
            if c == "\\":
                i += 2
                line_has_code = True
                continue
            if c == quote or c == "\n":
                quote = None
            if c == "\n":
                out.append(line_has_code)
                line_has_code = False
            i += 1
            continue
        if text.startswith("/*", i):
            in_block = True
            i += 2
            continue
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c == "\n":
            out.append(line_has_code)
            line_has_code = False
        elif c in "\"'":
            quote = c
            line_has_code = True
        elif not c.isspace():
            line_has_code = True
        i += 1
    if line_has_code:
        out.append(True)
    return sum(out)


def footprint(build_dir):
    elf = os.path.join(build_dir, "hypervisor.elf")
    binf = os.path.join(build_dir, "hypervisor.bin")
    sec = {}
    for line in subprocess.run([CROSS + "size", "-A", elf], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[0].startswith("."):
            sec[p[0]] = (int(p[1]), int(p[2]))
    syms = {}
    for line in subprocess.run([CROSS + "nm", "-S", elf], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 4:
            syms[p[3]] = int(p[1], 16)
    sizes = {}
    with open(os.path.join(build_dir, "gen", "cfg_sizes.h")) as f:
        for m in re.finditer(r"#define (CFG_NUM_\w+) CFG_U\((\d+)\)", f.read()):
            sizes[m.group(1)] = int(m.group(2))
    bin_size = os.path.getsize(binf)
    # Without the section, .data would follow .rodata at the next 4 KiB boundary,
    # exactly where .guest_images starts now.
    gi = sec[".guest_images"][1]
    data = sec[".data"][1]
    vms, vcpus, pcpus = sizes["CFG_NUM_VMS"], sizes["CFG_NUM_VCPUS"], sizes["CFG_NUM_PCPUS"]
    return {
        "hv_bin_no_guests": bin_size - (data - gi),
        "hv_text": sec[".text"][0],
        "hv_rodata": sec[".rodata"][0],
        "hv_data": sum(sec.get(s, (0, 0))[0] for s in (".data", ".got", ".got.plt")),
        "hv_bss": sec[".bss"][0],
        "bytes_per_vm": syms["vms"] // vms,
        "s2_pool_per_vm": syms.get("s2_pool", 0) // vms,
        "bytes_per_vcpu": syms["vcpus"] // vcpus,
        "bytes_per_pcpu": (syms["pcpus"] + syms.get("hv_stacks", 0)) // pcpus,
        "_bin_size": bin_size,
        "_guest_images": sec[".guest_images"][0],
    }


# ---------------------------------------------------------------- the benchmark

def vm_table(config_name, vm_index=0):
    with open(os.path.join(ROOT, CONFIGS[config_name]), "rb") as f:
        return tomllib.load(f)["vm"][vm_index]


def vm_geometry(config_name, vm_index=0):
    vm = vm_table(config_name, vm_index)
    return vm["name"], len(vm["vcpus"]), vm["memory"][0]["size"] >> 20, vm.get("bootargs", "")


def check_position_independent():
    """bench.bin is linked at 0x40000000 (guests.mk) but loaded at 0x40080000: relink its
    objects at the load address and require a byte-identical image, i.e. no absolute
    address anywhere in it."""
    objdir = os.path.join(ROOT, "build", "guests", "obj", "bench")
    # guests.mk's order: common/start.o, common/guest_lib.o, the guest's .c, then its .S.
    own = sorted(f for f in os.listdir(objdir) if f.endswith(".o"))
    objs = [os.path.join(objdir, "common", "start.o"), os.path.join(objdir, "common", "guest_lib.o")]
    objs += [os.path.join(objdir, f) for f in own
             if os.path.isfile(os.path.join(ROOT, "tests", "guests", "bench", f[:-2] + ".c"))]
    objs += [os.path.join(objdir, f) for f in own
             if os.path.isfile(os.path.join(ROOT, "tests", "guests", "bench", f[:-2] + ".S"))]
    elf = os.path.join(OUT, "bench-relinked.elf")
    binf = os.path.join(OUT, "bench-relinked.bin")
    r = subprocess.run([CROSS + "gcc", "-T", "tests/guests/common/guest.ld", "-nostdlib", "-static",
                        "-no-pie", "-Wl,--build-id=none", "-Wl,--defsym=GUEST_BASE=0x40080000",
                        "-Wl,-z,noexecstack", "-o", elf] + objs, cwd=ROOT, capture_output=True,
                       text=True)
    if r.returncode == 0:
        r = subprocess.run([CROSS + "objcopy", "-O", "binary", elf, binf], capture_output=True,
                           text=True)
    if r.returncode != 0:
        raise BenchError(f"relinking the benchmark guest failed:\n{r.stderr[-2000:]}")
    with open(binf, "rb") as a, open(os.path.join(ROOT, "build", "guests", "bench.bin"), "rb") as b:
        same = a.read() == b.read()
    os.unlink(elf)
    os.unlink(binf)
    if not same:
        raise BenchError("build/guests/bench.bin is not position-independent (it changes when "
                         "linked at 0x40080000): an absolute address crept into the guest")


def snapshot(name, build_dir):
    """Copies what the runs use out of a build directory (another make may rebuild it
    meanwhile); returns the copy, laid out like the build directory."""
    dst = os.path.join(OUT, "snap", name)
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(os.path.join(dst, "gen"))
    for f in ("hypervisor.bin", "hypervisor.elf"):
        shutil.copyfile(os.path.join(build_dir, f), os.path.join(dst, f))
    for f in os.listdir(os.path.join(build_dir, "gen")):
        if f.endswith(".dtb") or f == "cfg_sizes.h":
            shutil.copyfile(os.path.join(build_dir, "gen", f), os.path.join(dst, "gen", f))
    return dst


def build_all():
    """Builds everything the runs need; returns the build directories."""
    log("bench: building")
    build_linux_userland()
    dirs = {name: snapshot(name, make_config(name)) for name in CONFIGS}
    check_position_independent()
    snap = os.path.join(OUT, "snap", "bench.bin")
    shutil.copyfile(os.path.join(ROOT, "build", "guests", "bench.bin"), snap)
    dirs["_bench_bin"] = snap
    # Counted with the build, so that --check-repeat compares runs of one source tree.
    dirs["_sloc"] = {"sloc_core": sloc(["src/core"]), "sloc_arch": sloc(["src/arch"])}
    return dirs


def run_all(dirs):
    raw = {}
    initramfs = os.path.join(OUT, "initramfs.cpio.gz")
    bench_bin = dirs["_bench_bin"]

    log("bench: benchmark guest on bare QEMU")
    # The same -smp/-m as the hypervisor's platform: only EL2 differs.
    _, _, smp, mem = platform_qemu()
    raw["bare"] = parse_guest(bare_run("bare guest", smp, mem, bench_bin), "bare guest")
    log("bench: benchmark guest in a VM")
    raw["hv"] = parse_guest(hv_run(dirs["bench"], "guest in a VM"), "guest in a VM")
    log("bench: VCPU switch")
    raw["switch"] = parse_guest(hv_run(dirs["bench_switch"], "VCPU switch"), "VCPU switch")

    for cfg in LINUX_BENCH:
        key = cfg[len("bench_"):]
        vm, vcpus, mib, bootargs = vm_geometry(cfg)
        log(f"bench: Linux ({cfg}) in a VM")
        # A passthrough VM writes the UART itself: its lines have no prefix.
        own = None if vm_table(cfg).get("console") == "passthrough" else vm
        raw[key + "_hv"] = parse_linux(hv_run(dirs[cfg], cfg), own, cfg)
        log(f"bench: Linux ({cfg}) on bare QEMU")
        # The VM's own generated DTB, so that both kernels see the same devices.
        raw[key + "_bare"] = parse_linux(
            bare_run(cfg + " bare", vcpus, mib, os.path.join(ROOT, ".deps", "Image"),
                     ["-initrd", initramfs, "-dtb", os.path.join(dirs[cfg], "gen", vm + ".dtb"),
                      "-append", bootargs]), None, cfg + " bare")

    log("bench: dual_linux")
    text = hv_run(dirs["dual_linux"], "dual_linux", timeout=240,
                  until=[r"^\[linux0\] GUEST-UP ", r"^\[linux1\] GUEST-UP "])
    raw["dual_hv"] = {vm: run_init_ns(strip_prefix(text, vm), "dual_linux " + vm)
                      for vm in ("linux0", "linux1")}
    vm, vcpus, mib, bootargs = vm_geometry("dual_linux", 0)
    text = bare_run("dual_linux bare", vcpus, mib, os.path.join(ROOT, ".deps", "Image"),
                    ["-initrd", os.path.join(ROOT, "build", "linux", "initramfs.cpio.gz"),
                     "-dtb", os.path.join(dirs["dual_linux"], "gen", vm + ".dtb"),
                     "-append", bootargs], until=[r"^GUEST-UP "])
    raw["dual_bare"] = run_init_ns(strip_prefix(text), "dual_linux bare")

    raw["footprint"] = dict(footprint(dirs["dual_baremetal"]), **dirs["_sloc"])
    log("bench: runs done")
    return raw


def records(raw):
    """One record per figure, in FIGURES order."""
    g_hv, g_bare, sw = raw["hv"]["figures"], raw["bare"]["figures"], raw["switch"]["figures"]
    cnt_hv, cnt_bare = raw["hv"]["cnt"], raw["bare"]["cnt"]
    fp = raw["footprint"]
    lin, linq = (raw["linux_hv"], raw["linux_bare"]), (raw["linux_quiet_hv"], raw["linux_quiet_bare"])
    values = {}
    for f in GUEST_FIGURES:
        if f == "vcpu_switch":
            values[f] = (sw[f], None, {})
        else:
            values[f] = (g_hv[f], g_bare[f], {"cntvct_mean_hv": cnt_hv.get(f),
                                               "cntvct_mean_baseline": cnt_bare.get(f)})
    values["boot_to_guest"] = (stat1(raw["hv"]["boot_ns"]), stat1(raw["bare"]["boot_ns"]), {})
    values["linux_run_init"] = (stat1(lin[0]["run_init"]), stat1(lin[1]["run_init"]), {})
    values["linux_run_init_quiet"] = (stat1(linq[0]["run_init"]), stat1(linq[1]["run_init"]), {})
    values["linux_run_init_passthrough"] = (stat1(raw["linux_passthrough_hv"]["run_init"]),
                                            stat1(raw["linux_passthrough_bare"]["run_init"]), {})
    values["linux_user_start"] = (stat1(lin[0]["user_start"]), stat1(lin[1]["user_start"]), {})
    values["linux_cpubound"] = (stat1(lin[0]["cpubound"]), stat1(lin[1]["cpubound"]),
                                {"checksum_hv": lin[0]["checksum"],
                                 "checksum_baseline": lin[1]["checksum"]})
    for vm in ("linux0", "linux1"):
        values["dual_linux_run_init_" + vm] = (stat1(raw["dual_hv"][vm]), stat1(raw["dual_bare"]), {})
    for k in ("hv_bin_no_guests", "hv_text", "hv_rodata", "hv_data", "hv_bss", "bytes_per_vm",
              "s2_pool_per_vm", "bytes_per_vcpu", "bytes_per_pcpu", "sloc_core", "sloc_arch"):
        values[k] = (stat1(fp[k]), None, {})
    out = []
    for name, unit, group, desc, target in FIGURES:
        hv, base, extra_info = values[name]
        rec = {"figure": name, "unit": unit, "group": group, "description": desc,
               "hypervisor": hv, "baseline": base, "ratio": None, "extra": None,
               "target": target or None}
        if base is not None:
            rec["extra"] = hv["median"] - base["median"]
            rec["ratio"] = round(hv["median"] / base["median"], 6) if base["median"] else None
        rec.update({k: v for k, v in extra_info.items() if v is not None})
        out.append(rec)
    return out


def checks(raw, recs):
    """Sanity checks that do not depend on the values' size."""
    problems = []
    for side in ("hv", "bare"):
        empty = raw[side]["figures"].get("empty")
        if not empty or empty["max"] != 0:
            problems.append(f"{side}: back-to-back cycle counter reads are not 1 instruction apart")
    lh, lb = raw["linux_hv"], raw["linux_bare"]
    if lh.get("checksum") != lb.get("checksum"):
        problems.append(f"cpubound checksums differ: {lh.get('checksum')} vs {lb.get('checksum')}")
    for r in recs:
        for k in ("cntvct_mean_hv", "cntvct_mean_baseline"):
            side = "hypervisor" if k.endswith("_hv") else "baseline"
            if k in r and abs(r[k] - r[side]["mean"]) > 20:
                problems.append(f"{r['figure']}: virtual-counter mean {r[k]:.1f} far from the "
                                f"cycle-counter mean {r[side]['mean']:.1f}")
    return problems


# ---------------------------------------------------------------- output

def fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.4f}" if v < 100 else f"{v:.1f}"
    return str(v)


def table_rows(recs):
    head = ["figure", "unit", "hv min", "hv median", "hv max", "baseline", "ratio", "extra",
            "target"]
    rows = []
    for r in recs:
        hv, base = r["hypervisor"], r["baseline"]
        extra = r["extra"]
        rows.append([r["figure"], r["unit"], fmt(hv["min"]), fmt(hv["median"]), fmt(hv["max"]),
                     fmt(base["median"]) if base else "n/a", fmt(r["ratio"]),
                     (f"{extra:+d}" if extra is not None else "n/a"), r["target"] or ""])
    return head, rows


def text_table(recs):
    head, rows = table_rows(recs)
    w = [max(len(x) for x in col) for col in zip(head, *rows)]
    right = {2, 3, 4, 5, 6, 7}

    def line(cells):
        return "  ".join(c.rjust(w[i]) if i in right else c.ljust(w[i])
                         for i, c in enumerate(cells)).rstrip()
    return "\n".join([line(head), line(["-" * x for x in w])] + [line(r) for r in rows])


def md_table(recs):
    head, rows = table_rows(recs)
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i < 2 or i == 8 else "---:" for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(f"`{c}`" if i == 0 else c for i, c in enumerate(r)) + " |"
            for r in rows]
    return "\n".join(out)


def chart(recs, path):
    """Bar chart with gnuplot: the guest figures against bare QEMU (log scale), and the
    Linux figures as overhead in per cent of bare QEMU."""
    gp = shutil.which("gnuplot")
    if gp is None:
        raise BenchError("gnuplot not found: install Debian's gnuplot-nox (make deps)")
    d1 = os.path.join(OUT, "chart_guest.dat")
    d2 = os.path.join(OUT, "chart_linux.dat")
    with open(d1, "w") as f:
        f.write("# figure hypervisor baseline\n")
        for r in recs:
            if r["group"] in ("guest", "boot"):
                scale = 1000.0 if r["unit"] == "ns" else 1.0  # boot in microseconds
                label = r["figure"] + (" (us)" if scale != 1.0 else "")
                base = r["baseline"]["median"] / scale if r["baseline"] else "?"
                f.write(f'"{label}" {r["hypervisor"]["median"] / scale} {base}\n')
    with open(d2, "w") as f:
        f.write("# figure overhead-percent\n")
        for r in recs:
            # dual_linux's ratio is mostly the shared -icount clock (two VMs boot at
            # once), not overhead: it stays in the table, out of this panel.
            if r["group"] == "linux" and r["ratio"] and not r["figure"].startswith("dual_"):
                f.write(f'"{r["figure"]}" {(r["ratio"] - 1) * 100:.4f}\n')
    script = f"""
set terminal pngcairo size 1200,900 font "sans,9" noenhanced
set output '{path}'
set multiplot layout 2,1 title "make bench: hypervisor vs bare QEMU (-icount shift=0: 1 ns = 1 instruction)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -25 scale 0 nomirror
set grid ytics
set key top left
set logscale y
set ylabel "instructions (median, log scale)"
set title "Guest paths: median per operation"
plot '{d1}' using 2:xtic(1) title "hypervisor" lc rgb "#c0392b", \\
     '' using 3 title "bare QEMU" lc rgb "#2471a3", \\
     '' using 0:2:(sprintf("%g", $2)) with labels offset -2,0.6 notitle, \\
     '' using 0:3:(sprintf("%g", $3)) with labels offset 2,0.6 notitle
unset logscale y
set ylabel "overhead vs bare QEMU (%)"
set title "Linux: time with the hypervisor, relative to bare QEMU (same kernel, initramfs, DTB)"
set yrange [0:*]
plot '{d2}' using 2:xtic(1) title "overhead %" lc rgb "#c0392b", \\
     '' using 0:2:(sprintf("%.3f %%", $2)) with labels offset 0,0.7 notitle, \\
     0.2 with lines dt 2 lc rgb "black" title "target 0.2 %"
unset multiplot
"""
    sp = os.path.join(OUT, "chart.gp")
    with open(sp, "w") as f:
        f.write(script)
    r = subprocess.run([gp, sp], capture_output=True, text=True)
    if r.returncode != 0 or not os.path.isfile(path):
        raise BenchError(f"gnuplot failed:\n{r.stderr[-2000:]}")


def update_doc(recs):
    doc = os.path.join(ROOT, "docs", "performance.md")
    with open(doc) as f:
        text = f.read()
    begin, end = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"
    if begin not in text or end not in text:
        raise BenchError(f"{doc}: no {begin} / {end} markers")
    new = text.split(begin)[0] + begin + "\n" + md_table(recs) + "\n" + end + text.split(end, 1)[1]
    with open(doc, "w") as f:
        f.write(new)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="every figure, no chart, PASS/FAIL lines")
    ap.add_argument("--no-chart", action="store_true")
    ap.add_argument("--update-doc", action="store_true", help="rewrite the table in docs/performance.md")
    ap.add_argument("--check-repeat", action="store_true", help="run twice, require identical results")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    try:
        dirs = build_all()
        raw = run_all(dirs)
        recs = records(raw)
        if a.check_repeat:
            log("bench: second run, same builds")
            again = records(run_all(dirs))
            if json.dumps(again, sort_keys=True) != json.dumps(recs, sort_keys=True):
                diff = [f"{r['figure']} ({r['hypervisor']['median']}/"
                        f"{(r['baseline'] or {}).get('median')} then {s['hypervisor']['median']}/"
                        f"{(s['baseline'] or {}).get('median')})"
                        for r, s in zip(recs, again) if r != s]
                raise BenchError(f"two runs differ: {', '.join(diff)}")
            log("bench: two runs gave identical results")
    except BenchError as e:
        if a.smoke:
            print(f"FAIL: bench/run: {e}")
            return 1
        log(f"bench: FAILED: {e}")
        return 1

    problems = checks(raw, recs)
    result = {"tool": "tools/bench.py", "platform": PLATFORM,
              "qemu": ["-icount", "shift=0,sleep=off", "dtb-randomness=off", "-rtc clock=vm"],
              "note": "ns are virtual nanoseconds: 1 ns = 1 guest-visible instruction",
              "checks": problems, "figures": recs}
    # The smoke run keeps its own file: it does not draw the chart of make bench's.
    stem = "results-smoke" if a.smoke else "results"
    with open(os.path.join(OUT, stem + ".json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=False)
        f.write("\n")
    with open(os.path.join(OUT, stem + ".md"), "w") as f:
        f.write(md_table(recs) + "\n")

    if a.smoke:
        failed = 0
        for r in recs:
            hv = r["hypervisor"]
            ok = hv is not None and hv["median"] is not None and hv["n"] >= 1
            if r["group"] == "guest":
                ok = ok and hv["n"] >= 1000 and (r["figure"] == "vcpu_switch"
                                                  or (r["baseline"] and r["baseline"]["n"] >= 1000))
            elif r["group"] in ("boot", "linux"):
                ok = ok and r["baseline"] is not None
            print(f"{'PASS' if ok else 'FAIL'}: bench/{r['figure']}"
                  + ("" if ok else ": missing or incomplete"))
            failed += not ok
        print(f"{'PASS' if not problems else 'FAIL'}: bench/checks"
              + ("" if not problems else ": " + "; ".join(problems)))
        return 1 if failed or problems else 0

    print(text_table(recs))
    for p in problems:
        print(f"CHECK FAILED: {p}")
    print(f"\nwrote {os.path.relpath(os.path.join(OUT, 'results.json'), ROOT)}, "
          f"{os.path.relpath(os.path.join(OUT, 'results.md'), ROOT)}", end="")
    if not a.no_chart:
        try:
            chart(recs, os.path.join(OUT, "results.png"))
            print(f", {os.path.relpath(os.path.join(OUT, 'results.png'), ROOT)}", end="")
        except BenchError as e:
            print()
            log(f"bench: {e}")
            return 1
    print()
    if a.update_doc:
        update_doc(recs)
        print("updated docs/performance.md")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
