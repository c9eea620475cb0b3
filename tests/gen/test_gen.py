#!/usr/bin/env python3
"""Tests of tools/gen_config.py.

Covers the shipped configs (generation, host compile of hv_config.c, aarch64
assembly of images.S, the generated DTBs), determinism, stage-2 pool sizing,
image placement, --describe, the check and fix-up of a VM's own DTB, and one
rejection test per tests/gen/bad/*.toml: each bad file names the message it
must produce in '# expect:' lines ('{guests}'/'{deps}' stand for the fake
image directory). Guest images are fake files made in a temporary directory;
the own DTBs are tests/gen/dtb/*.dts compiled there with dtc. Prints 'PASS: <name>' or
'FAIL: <name>: <reason>' per test and exits 1 if any failed.
"""
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import libfdt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True          # keep the source tree clean
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_config  # noqa: E402

GEN = os.path.join(ROOT, "tools", "gen_config.py")
PLATFORM = "platform/qemu-aarch64/platform.toml"
SHIPPED = {"dual_baremetal": ["vm0", "vm1"], "shared_cpu": ["vm0", "vm1", "vm2"],
           "dual_linux": ["linux0", "linux1"], "linux_baremetal": ["linux0", "rt0"]}
BAD_DIR = os.path.join(ROOT, "tests", "gen", "bad")
GOOD_DIR = os.path.join(ROOT, "tests", "gen", "good")
DTS_DIR = os.path.join(ROOT, "tests", "gen", "dtb")
MIB = 1 << 20
TESTS = []


def test(fn):
    TESTS.append((fn.__name__, fn))
    return fn


class Failure(Exception):
    pass


def check(condition, reason):
    if not condition:
        raise Failure(reason)


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------

def arm64_image(text_offset, image_size, length=8192):
    head = bytearray(length)
    head[0:4] = b"\x1f\x20\x03\xd5"                  # nop, like a real Image's code0
    struct.pack_into("<QQ", head, 8, text_offset, image_size)
    head[56:60] = b"ARM\x64"
    return bytes(head)


def make_fakes(d):
    """Fake guest images: the names the shipped and bad configs use."""
    for name in ("smp_hello.bin", "halt_wake.bin", "heartbeat.bin", "hello.bin"):
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes(range(256)) * 16)
    files = {"Image": arm64_image(0, 24 * MIB), "Image_off": arm64_image(0x80000, 4 * MIB),
             "initramfs.cpio.gz": b"\x1f\x8b" + bytes(8190), "empty.bin": b"",
             "big_dtb.dtb": b"\xd0\x0d\xfe\xed" + bytes(2 * MIB + 4092)}
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "big.bin"), "wb") as f:
        f.truncate(17 * MIB)
    for dts in sorted(glob.glob(os.path.join(DTS_DIR, "*.dts"))):
        name = os.path.splitext(os.path.basename(dts))[0]
        subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", os.path.join(d, f"{name}.dtb"), dts],
                       check=True)
    with open(os.path.join(d, "own.dtb"), "rb") as f:
        own = f.read()
    with open(os.path.join(d, "own_corrupt.dtb"), "wb") as f:      # header intact, tree cut off
        f.write(own[:len(own) // 2])
    grows = libfdt.Fdt(own)                                         # exactly 2 MiB before the fix-up
    grows.resize(2 * MIB + 4096)
    grows.setprop(0, "filler", bytes(2 * MIB - len(own) - 64))
    grows.pack()
    grows = grows.as_bytearray()
    grows += bytes(2 * MIB - len(grows))
    struct.pack_into(">I", grows, 4, len(grows))                    # totalsize: the padding is free space
    with open(os.path.join(d, "own_grows.dtb"), "wb") as f:
        f.write(grows)


TMP = tempfile.mkdtemp(prefix="test_gen.")
FAKE = os.path.join(TMP, "images")
os.mkdir(FAKE)
make_fakes(FAKE)
VARS = ["--var", f"guests={FAKE}", "--var", f"deps={FAKE}", "--var", f"linux={FAKE}"]


def run_gen(config, out=None, *extra, platform=PLATFORM, cwd=ROOT, env=None):
    cmd = [sys.executable, GEN, "--platform", platform, "--config", config] + VARS + list(extra)
    if out:
        cmd += ["--out", out]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)


def generate(config, out=None):
    out = out or tempfile.mkdtemp(prefix="out.", dir=TMP)
    res = run_gen(config, out)
    check(res.returncode == 0, f"generator failed: {res.stderr.strip()}")
    check(res.stderr == "", f"generator printed: {res.stderr.strip()}")
    return out


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    check(res.returncode == 0, f"{' '.join(cmd)}: {res.stderr.strip()}")
    return res.stdout


def snapshot(d):
    return {name: read(os.path.join(d, name), "rb") for name in sorted(os.listdir(d))}


# --------------------------------------------------------------------------
# DTB reading (python3-libfdt)
# --------------------------------------------------------------------------

class Dtb:
    def __init__(self, path):
        self.fdt = libfdt.Fdt(read(path, "rb"))

    def node(self, path):
        return self.fdt.path_offset(path)

    def prop(self, path, name):
        return bytes(self.fdt.getprop(self.node(path), name))

    def has(self, path, name=None):
        try:
            off = self.node(path)
            return name is None or not isinstance(self.fdt.getprop(off, name, libfdt.QUIET_NOTFOUND), int)
        except libfdt.FdtException:
            return False

    def string(self, path, name):
        return self.prop(path, name).rstrip(b"\0").decode()

    def cells(self, path, name, width=1):
        raw = self.prop(path, name)
        words = struct.unpack(f">{len(raw) // 4}I", raw)
        if width == 1:
            return list(words)
        return [(words[i] << 32) | words[i + 1] for i in range(0, len(words), 2)]

    def subnodes(self, path):
        names, off = [], self.fdt.first_subnode(self.node(path), libfdt.QUIET_NOTFOUND)
        while off >= 0:
            names.append(self.fdt.get_name(off))
            off = self.fdt.next_subnode(off, libfdt.QUIET_NOTFOUND)
        return names


# --------------------------------------------------------------------------
# Shipped configurations
# --------------------------------------------------------------------------

# REQ-GEN-01
def shipped_test(config, vms):
    path = f"config/{config}.toml"

    def generates():
        out = generate(path)
        expected = {"cfg_sizes.h", "hv_config.c", "images.S"} | \
            {f"{vm}.{ext}" for vm in vms for ext in ("dts", "dtb")}
        check(set(os.listdir(out)) == expected, f"files {sorted(os.listdir(out))}")
        run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-Wpedantic", "-I", "src/core/include",
             "-I", out, "-c", os.path.join(out, "hv_config.c"), "-o", os.path.join(out, "c.o")], cwd=ROOT)
        run(["aarch64-linux-gnu-gcc", "-ffreestanding", "-std=c11", "-Wall", "-Wextra", "-Werror",
             "-Wpedantic", "-I", "src/core/include", "-I", out, "-c", os.path.join(out, "hv_config.c"),
             "-o", os.path.join(out, "a64.o")], cwd=ROOT)
        run(["aarch64-linux-gnu-gcc", "-c", os.path.join(out, "images.S"), "-o", os.path.join(out, "img.o")],
            cwd=ROOT)
        run(["aarch64-linux-gnu-ld", "-r", "-o", os.path.join(out, "all.o"), os.path.join(out, "a64.o"),
             os.path.join(out, "img.o")])
        undefined = run(["aarch64-linux-gnu-nm", "-u", os.path.join(out, "all.o")])
        check(undefined.strip() == "", f"unresolved symbols: {undefined.strip()}")
        for vm in vms:
            warn = subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", "/dev/null",
                                   os.path.join(out, f"{vm}.dts")], capture_output=True, text=True)
            check(warn.returncode == 0 and warn.stderr == "", f"dtc on {vm}.dts: {warn.stderr.strip()}")
    generates.__name__ = f"shipped_{config}_generates_compiles_assembles"
    test(generates)


for _config, _vms in SHIPPED.items():
    shipped_test(_config, _vms)


# REQ-GEN-03
@test
def determinism_two_runs_identical():
    for config in SHIPPED:
        out = os.path.join(TMP, f"det_{config}")
        first = snapshot(generate(f"config/{config}.toml", out))
        shutil.rmtree(out)
        second = snapshot(generate(f"config/{config}.toml", out))
        check(first == second, f"{config}: outputs differ between runs")
        for name, data in first.items():
            if not name.endswith(".dtb"):
                text = data.decode()
                check(f'"{TMP}' not in text and ROOT not in text, f"{config}/{name} contains an absolute path")


# REQ-GEN-03
@test
def rerun_keeps_unchanged_files():
    out = generate("config/dual_baremetal.toml")
    stamps = {n: os.stat(os.path.join(out, n)).st_mtime_ns for n in os.listdir(out)}
    os.utime(os.path.join(out, "hv_config.c"), ns=(1, 1))
    generate("config/dual_baremetal.toml", out)
    check(os.stat(os.path.join(out, "hv_config.c")).st_mtime_ns == 1, "unchanged hv_config.c was rewritten")
    check(os.stat(os.path.join(out, "images.S")).st_mtime_ns == stamps["images.S"], "images.S rewritten")


# REQ-GEN-03
@test
def incbin_paths_relative_to_cwd():
    out = generate("config/dual_baremetal.toml", os.path.join(TMP, "incbin"))
    text = read(os.path.join(out, "images.S"))
    rel = os.path.relpath(os.path.join(FAKE, "smp_hello.bin"), ROOT)
    check(f'.incbin "{rel}"' in text, f"no .incbin of {rel}")
    check(f'.incbin "{os.path.relpath(os.path.join(out, "vm1.dtb"), ROOT)}"' in text, "no .incbin of vm1.dtb")
    check(text.rstrip().endswith('.section .note.GNU-stack,"",%progbits'), "GNU-stack note not last")


# REQ-GEN-01
@test
def shared_cpu_tables():
    out = generate("config/shared_cpu.toml")
    sizes, c, s = (read(os.path.join(out, n)) for n in ("cfg_sizes.h", "hv_config.c", "images.S"))
    for line in ("#define CFG_NUM_VMS CFG_U(3)", "#define CFG_NUM_VCPUS CFG_U(5)", "#define CFG_NUM_PCPUS CFG_U(4)",
                 "#define CFG_MAX_VCPUS_PER_VM CFG_U(2)", "#define CFG_MAX_VCPUS_PER_PCPU CFG_U(3)",
                 "#define CFG_S2_POOL_PAGES CFG_U(6)", "#define CFG_HYP_BASE CFG_ULL(0x40000000)",
                 "#define CFG_HYP_SIZE CFG_ULL(0x10000000)", "#define CFG_HYP_LOAD CFG_ULL(0x40200000)",
                 "#define CFG_NUM_IRQS_MAX CFG_U(0)", '#define CFG_PLATFORM_NAME "qemu-aarch64"'):
        check(line in sizes, f"cfg_sizes.h lacks {line!r}")
    check(s.count(".incbin") == 5, "expected 2 deduplicated image blobs + 3 DTBs")
    check(c.count("hv_blob_0, .size = 4096ULL") == 2, "vm0 and vm1 should share blob 0")
    pcpus = c[c.index("cfg_pcpu_vcpus[CFG_NUM_VCPUS]"):]
    order = [int(line.split("U,")[0]) for line in pcpus.splitlines()[1:6]]
    check(order == [0, 2, 1, 3, 4], f"cfg_pcpu_vcpus order {order}")
    for pcpu in ("{ .first = 0U, .count = 2U }", "{ .first = 2U, .count = 3U }", "{ .first = 5U, .count = 0U }"):
        check(pcpu in c, f"cfg_pcpus lacks {pcpu}")
    check(".vmid = 3U" in c and ".s2_pool_first = 4U" in c, "vm2 vmid/pool slice")
    check(".irqs = (const uint32_t *)0" in c and ".dtb_ipa = 0x40e00000ULL" in c, "irqs NULL / dtb default")


# REQ-GEN-06
@test
def dtb_dual_linux():
    out = generate("config/dual_linux.toml")
    for i, vm in enumerate(("linux0", "linux1")):
        dtb = Dtb(os.path.join(out, f"{vm}.dtb"))
        check([n for n in dtb.subnodes("/cpus")] == ["cpu@0", "cpu@1"], f"{vm}: cpus {dtb.subnodes('/cpus')}")
        check(dtb.cells("/cpus/cpu@1", "reg") == [1], "cpu@1 reg")
        check(dtb.string("/cpus/cpu@0", "enable-method") == "psci", "enable-method")
        check(dtb.cells("/memory@40000000", "reg", 2) == [0x40000000, 256 * MIB], "memory reg")
        check(dtb.string("/psci", "method") == "hvc", "psci method")
        check(dtb.string("/", "model") == f"hv-qemu-aarch64-{vm}", "model")
        check(dtb.cells("/intc@8000000", "reg", 2) == [0x8000000, 0x10000, 0x80a0000, 2 * 0x20000], "gic reg")
        check(dtb.cells("/timer", "interrupts") == [1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4], "timer irqs")
        check(dtb.cells("/pl011@9000000", "interrupts") == [0, 1, 4], "pl011 irq")
        check(dtb.string("/chosen", "stdout-path") == "/pl011@9000000", "stdout-path")
        check(dtb.string("/chosen", "bootargs").endswith(f"hv.name={vm}"), "bootargs")
        start, end = (dtb.cells("/chosen", f"linux,initrd-{k}", 2)[0] for k in ("start", "end"))
        check((start, end) == (0x4fc00000, 0x4fc00000 + 8192), f"initrd range {start:#x}-{end:#x}")
        check(dtb.cells("/", "interrupt-parent") == dtb.cells("/intc@8000000", "phandle"), "interrupt-parent")
    c = read(os.path.join(out, "hv_config.c"))
    check(".load_ipa = 0x4fc00000ULL }, /* initrd */" in c, "initrd load in hv_config.c")


# REQ-GEN-06
@test
def dtb_baremetal_has_no_uart():
    out = generate("config/linux_baremetal.toml")
    dtb = Dtb(os.path.join(out, "rt0.dtb"))
    check(dtb.subnodes("/cpus") == ["cpu@0"], "rt0 has one cpu")
    check(not dtb.has("/pl011@9000000"), "hypercall console must not describe a UART")
    check(not dtb.has("/chosen", "stdout-path") and not dtb.has("/chosen", "bootargs"), "chosen")
    check(dtb.cells("/memory@40000000", "reg", 2) == [0x40000000, 16 * MIB], "memory reg")


# --------------------------------------------------------------------------
# Stage-2 pool sizing and image placement (module level)
# --------------------------------------------------------------------------

def region(ipa, size, pa=None):
    return gen_config.Region(ipa, ipa if pa is None else pa, size, gen_config.CFG_MEM_RAM, "r", "r")


# REQ-GEN-04
@test
def pool_block_plus_page():
    check(gen_config.s2_pool_pages([region(0x40000000, 2 * MIB + 4096, 0x50000000)]) == 3, "2 MiB + 4 KiB")


# REQ-GEN-04
@test
def pool_aligned_16mib():
    check(gen_config.s2_pool_pages([region(0x40000000, 16 * MIB, 0x50000000)]) == 2, "16 MiB aligned")


# REQ-GEN-04
@test
def pool_misaligned_pa_uses_pages():
    # IPA aligned, PA only 4 KiB aligned: 1024 pages in two 2 MiB slots.
    check(gen_config.s2_pool_pages([region(0x40000000, 4 * MIB, 0x50001000)]) == 4, "misaligned pa")


# REQ-GEN-04
@test
def pool_crosses_1gib():
    check(gen_config.s2_pool_pages([region(0x7fe00000, 4 * MIB, 0x50000000)]) == 3, "two level-1 slots")


# REQ-GEN-04
@test
def pool_regions_share_tables():
    regions = [region(0x09000000, 4096), region(0x09010000, 4096), region(0x40000000, 16 * MIB, 0x50000000)]
    check(gen_config.s2_pool_pages(regions) == 4, "uart+rtc share one level-3 table")


# REQ-GEN-01
@test
def features_config_tables():
    out = generate(os.path.join(GOOD_DIR, "features.toml"))
    c = read(os.path.join(out, "hv_config.c"))
    sizes = read(os.path.join(out, "cfg_sizes.h"))
    expected = ["CFG_MEM_RAM | CFG_MEM_SHARED", "CFG_MEM_RAM | CFG_MEM_RO",
                "{ .ipa = 0x9000000ULL, .pa = 0x9000000ULL, .size = 0x1000ULL,\n      .flags = CFG_MEM_DEVICE }",
                "{ .ipa = 0x9030000ULL, .pa = 0x9030000ULL, .size = 0x1000ULL,\n      .flags = CFG_MEM_DEVICE }",
                "static const uint32_t vm0_irqs[] = {\n    33U, 34U, 35U, 39U, 40U\n};",
                ".budget_ns = 1000000ULL", ".budget_ns = 500000ULL", ".console = 2U", ".on_fault = 1U",
                ".restart_limit = 5U", ".s2_pool_pages = 7U", ".s2_pool_first = 7U", ".s2_pool_pages = 3U",
                ".entry_ipa = 0x40000100ULL", ".entry_ipa = 0x40280000ULL", ".load_ipa = 0x40280000ULL",
                ".dtb_ipa = 0x40f00000ULL", ".irqs = vm0_irqs,", ".num_regions = 6U"]
    for text in expected:
        check(text in c, f"hv_config.c lacks {text!r}")
    for text in ("#define CFG_NUM_IRQS_MAX CFG_U(5)", "#define CFG_MAX_VCPUS_PER_PCPU CFG_U(2)", "#define CFG_S2_POOL_PAGES CFG_U(10)"):
        check(text in sizes, f"cfg_sizes.h lacks {text!r}")
    check(sorted(os.listdir(out)) == ["cfg_sizes.h", "hv_config.c", "images.S", "io.dtb", "io.dts", "peer.dtb"],
          "peer brings its own DTB: no peer.dts, its fixed-up peer.dtb")
    run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-Wpedantic", "-I", "src/core/include", "-I", out,
         "-c", os.path.join(out, "hv_config.c"), "-o", os.path.join(out, "c.o")], cwd=ROOT)
    dtb = Dtb(os.path.join(out, "io.dtb"))
    check(dtb.subnodes("/cpus") == ["cpu@0", "cpu@1"], "io cpus")
    check(dtb.has("/memory@40000000") and dtb.has("/memory@60000000") and not dtb.has("/memory@70000000"),
          "memory nodes: RAM yes, read-only no")
    check(dtb.string("/rtc@9010000", "compatible") == "arm,pl031", "rtc node")
    check(dtb.cells("/gpio@9030000", "interrupts") == [0, 7, 4], "gpio interrupt")
    check(dtb.cells("/chosen", "linux,initrd-start", 2) == [0x40100000], "explicit initrd load")
    check(dtb.string("/chosen", "bootargs") == "quiet", "bootargs")
    peer = Dtb(os.path.join(out, "peer.dtb"))      # tests/gen/dtb/peer.dts: no memory, chosen or psci
    check(peer.cells("/memory@40000000", "reg", 2) == [0x40000000, 16 * MIB], "peer memory@40000000")
    check(peer.cells("/memory@50000000", "reg", 2) == [0x50000000, 1 * MIB], "peer memory@50000000")
    check(peer.string("/psci", "method") == "hvc" and peer.has("/psci", "compatible"), "peer psci node added")
    check(peer.has("/chosen") and not peer.has("/chosen", "bootargs") and
          not peer.has("/chosen", "linux,initrd-start"), "peer chosen: empty")
    check(f".size = {len(read(os.path.join(out, 'peer.dtb'), 'rb'))}ULL, .load_ipa = 0x40f00000ULL }}, /* dtb */" in c,
          "peer's DTB image has the fixed-up size")


# --------------------------------------------------------------------------
# A VM's own DTB: checked and fixed up at build time (tests/gen/dtb/own.dts)
# --------------------------------------------------------------------------

OWN = os.path.join(GOOD_DIR, "own_dtb.toml")


# REQ-GEN-06
@test
def own_dtb_fixed_up():
    out = generate(OWN)
    check(sorted(os.listdir(out)) == ["cfg_sizes.h", "hv_config.c", "images.S", "own.dtb"], f"files {os.listdir(out)}")
    dtb = Dtb(os.path.join(out, "own.dtb"))
    memory = [n for n in dtb.subnodes("/") if n.startswith("memory")]
    check(memory == ["memory@40000000", "memory@48000000"], f"memory nodes {memory} (read-only region: none)")
    check(dtb.cells("/memory@40000000", "reg", 2) == [0x40000000, 64 * MIB], "memory@40000000 replaced")
    check(dtb.cells("/memory@48000000", "reg", 2) == [0x48000000, 16 * MIB], "memory@48000000 added")
    check(dtb.string("/memory@48000000", "device_type") == "memory", "memory device_type")
    check(dtb.string("/chosen", "bootargs") == "console=ttyAMA0 hv.name=own", "bootargs from the TOML override")
    check(dtb.string("/chosen", "stdout-path") == "/pl011@9000000", "stdout-path kept")
    start, end = (dtb.cells("/chosen", f"linux,initrd-{k}", 2)[0] for k in ("start", "end"))
    check((start, end) == (0x43c00000, 0x43c00000 + 8192), f"initrd range {start:#x}-{end:#x}")
    check(dtb.string("/psci", "method") == "hvc", "psci method smc -> hvc")
    check(dtb.cells("/soc@9010000/rtc@0", "reg") == [0, 0x1000] and dtb.has("/cpus/cpu@1"), "rest kept")
    size = len(read(os.path.join(out, "own.dtb"), "rb"))
    c, s = read(os.path.join(out, "hv_config.c")), read(os.path.join(out, "images.S"))
    check(f".size = {size}ULL, .load_ipa = 0x43e00000ULL }}, /* dtb */" in c, "DTB image size and default load")
    check(f'.incbin "{os.path.relpath(os.path.join(out, "own.dtb"), ROOT)}"' in s, "images.S includes the fixed-up DTB")
    check(os.path.relpath(os.path.join(FAKE, "own.dtb"), ROOT) not in s, "images.S includes the user's file")
    res = run_gen(OWN, None, "--describe")
    check(f"own.dtb, checked and fixed up into own.dtb: {size} bytes" in res.stdout, "--describe")


# REQ-GEN-06 REQ-GEN-03
@test
def own_dtb_deterministic_and_idempotent():
    first = snapshot(generate(OWN, os.path.join(TMP, "own_a")))
    second = snapshot(generate(OWN, os.path.join(TMP, "own_a2")))
    check(first["own.dtb"] == second["own.dtb"], "fixed-up DTB differs between runs")
    # Fixing up the fixed-up DTB again changes nothing.
    d = tempfile.mkdtemp(dir=TMP)
    shutil.copy(os.path.join(TMP, "own_a", "own.dtb"), os.path.join(d, "again.dtb"))
    config = os.path.join(d, "again.toml")
    with open(config, "w") as f:
        f.write(read(OWN).replace("${guests}/own.dtb", "again.dtb"))
    again = snapshot(generate(config))
    check(again["own.dtb"] == first["own.dtb"], "a second fix-up changed the DTB")


# REQ-GEN-07
@test
def arm64_header_placement():
    errors = gen_config.Errors()
    plan = gen_config.build_plan(os.path.join(ROOT, PLATFORM), os.path.join(ROOT, "config/dual_linux.toml"),
                                 {"deps": FAKE, "linux": FAKE}, errors)
    check(plan is not None, f"errors: {errors.lines}")
    kernel = plan.vms[0].images[0]
    check((kernel.load, kernel.footprint, kernel.size) == (0x40000000, 24 * MIB, 8192), "Image footprint")
    errors = gen_config.Errors()
    plan = gen_config.build_plan(os.path.join(ROOT, PLATFORM), os.path.join(GOOD_DIR, "features.toml"),
                                 {"guests": FAKE, "deps": FAKE, "linux": FAKE}, errors)
    check(plan is not None, f"errors: {errors.lines}")
    kernel = plan.vms[1].images[0]
    check((kernel.load, kernel.footprint, plan.vms[1].entry) == (0x40280000, 4 * MIB, 0x40280000),
          f"text_offset placement: {kernel}")


# REQ-GEN-01
@test
def relative_path_is_relative_to_toml():
    d = tempfile.mkdtemp(dir=TMP)
    shutil.copy(os.path.join(FAKE, "hello.bin"), os.path.join(d, "k.bin"))
    config = os.path.join(d, "rel.toml")
    with open(config, "w") as f:
        f.write('[[vm]]\nname = "a"\nvcpus = [0]\nconsole = "hypercall"\n[[vm.memory]]\nipa = 0x40000000\n'
                'pa = 0x50000000\nsize = 0x1000000\n[vm.kernel]\nfile = "k.bin"\n')
    out = generate(config)
    rel = os.path.relpath(os.path.join(d, "k.bin"), ROOT)
    check(f'.incbin "{rel}"' in read(os.path.join(out, "images.S")), f"k.bin not resolved next to the TOML ({rel})")


# --------------------------------------------------------------------------
# --describe and the command line
# --------------------------------------------------------------------------

# REQ-GEN-05
@test
def describe_shows_plan():
    res = run_gen("config/shared_cpu.toml", None, "--describe")
    check(res.returncode == 0, res.stderr)
    text = res.stdout
    for needle in ("vm 'vm0'", "vm 'vm1'", "vm 'vm2'", "pCPU 0: vm0.vcpu0, vm1.vcpu0",
                   "pCPU 1: vm0.vcpu1, vm1.vcpu1, vm2.vcpu0", "vcpu 0 -> pCPU 1",
                   "0x40000000-0x40ffffff -> 0x52000000-0x52ffffff", "16 MiB", "halt_wake.bin",
                   "at IPA 0x40000000 (PA 0x51000000)", "console hypercall", "emulated GIC distributor"):
        check(needle in text, f"--describe lacks {needle!r}")


# REQ-GEN-05
@test
def describe_writes_nothing():
    cwd = tempfile.mkdtemp(dir=TMP)
    res = run_gen(os.path.join(ROOT, "config/dual_linux.toml"), None, "--describe",
                  platform=os.path.join(ROOT, PLATFORM), cwd=cwd)
    check(res.returncode == 0 and "vm 'linux1'" in res.stdout, res.stderr)
    check("bootargs: console=ttyAMA0" in res.stdout and "initrd" in res.stdout, "bootargs/initrd in plan")
    check(os.listdir(cwd) == [], f"--describe wrote {os.listdir(cwd)}")


# REQ-GEN-05
@test
def describe_with_out_writes_both():
    out = os.path.join(TMP, "describe_out")
    res = run_gen("config/dual_baremetal.toml", out, "--describe")
    check(res.returncode == 0 and "vm 'vm1'" in res.stdout, res.stderr)
    check(os.path.isfile(os.path.join(out, "hv_config.c")), "no hv_config.c")


# REQ-GEN-02
@test
def missing_dtc_fails_cleanly():
    out = os.path.join(TMP, "nodtc")
    res = run_gen("config/dual_baremetal.toml", out, env=dict(os.environ, PATH="/nonexistent"))
    check(res.returncode == 1, f"exit {res.returncode}")
    check("dtc not found" in res.stderr, res.stderr)
    check(not os.path.exists(out), "output directory created")


# REQ-GEN-02
@test
def error_keeps_existing_out_untouched():
    out = os.path.join(TMP, "kept")
    generate("config/dual_baremetal.toml", out)
    before = snapshot(out)
    res = run_gen(os.path.join(BAD_DIR, "pa_overlap_vms.toml"), out)
    check(res.returncode == 1, f"exit {res.returncode}")
    check(snapshot(out) == before, "output directory changed")


# --------------------------------------------------------------------------
# Rejections: one test per tests/gen/bad/*.toml
# --------------------------------------------------------------------------

def expected_lines(path):
    subst = {"{guests}": os.path.relpath(FAKE, ROOT), "{deps}": os.path.relpath(FAKE, ROOT)}
    lines = []
    for line in read(path).splitlines():
        if line.startswith("# expect: "):
            text = line[len("# expect: "):]
            for key, value in subst.items():
                text = text.replace(key, value)
            lines.append(text)
    return lines


# REQ-GEN-02
def bad_test(path):
    name = os.path.splitext(os.path.basename(path))[0]
    rel = os.path.relpath(path, ROOT)
    is_platform = name.startswith("platform_")

    def rejected():
        expects = expected_lines(path)
        check(expects, "no '# expect:' line")
        out = os.path.join(TMP, f"bad_{name}")
        if is_platform:
            res = run_gen("config/dual_baremetal.toml", out, platform=rel)
        else:
            res = run_gen(rel, out)
        check(res.returncode == 1, f"exit status {res.returncode}, stderr {res.stderr.strip()!r}")
        got = res.stderr.splitlines()
        for text in expects:
            check(f"{rel}: {text}" in got, f"missing error line {rel}: {text!r}; got {got}")
        check(not os.path.exists(out), "output directory was created")
        check(res.stdout == "", "printed to stdout")
    rejected.__name__ = f"rejects_{name}"
    test(rejected)


for _path in sorted(glob.glob(os.path.join(BAD_DIR, "*.toml"))):
    bad_test(_path)


# --------------------------------------------------------------------------

def main():
    failed = 0
    for name, fn in TESTS:
        try:
            fn()
            print(f"PASS: {name}")
        except Failure as e:
            failed += 1
            print(f"FAIL: {name}: {e}")
        except Exception as e:  # a crash is a failure of that test, not of the run
            failed += 1
            print(f"FAIL: {name}: {type(e).__name__}: {e}")
    shutil.rmtree(TMP, ignore_errors=True)
    print(f"{len(TESTS) - failed}/{len(TESTS)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
