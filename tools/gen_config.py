#!/usr/bin/env python3
"""Static configuration generator of the hypervisor.

Owns the platform and VM configuration TOML schemas and every validation rule
on them, the placement of guest images in guest memory, the stage-2 page-table
pool sizing, the --describe partition plan, and the generated build inputs
(cfg_sizes.h, hv_config.c, images.S and one .dts/.dtb per VM) rendered from
tools/templates/*.j2, and the build-time check and fix-up (pylibfdt) of a DTB
a VM brings itself.  The reference for users is docs/configuration.md; the C
side of the tables is src/core/include/cfg_types.h.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field

import jinja2
import libfdt

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
PAGE, BLOCK = 4 * KIB, 2 * MIB
IPA_LIMIT = 1 << 39               # 39-bit IPA space, stage 2 starts at level 1
DTB_MAX = 2 * MIB                 # largest DTB; also the generated DTB's reservation
MAX_VMS = 255                     # VMIDs 1..255
MAX_BUDGET_US = 1_000_000_000
MAX_RESTARTS = 1000
FIRST_SPI, LAST_SPI = 32, 1019
VGIC_LAST_SPI = 127  # the vGIC models INTIDs 0-127 (VGIC_NR_IRQS in the runtime)
ARM64_MAGIC = b"ARM\x64"          # 0x644d5241 little-endian, at byte offset 56
FDT_MAGIC = b"\xd0\x0d\xfe\xed"
AFFINITY_MASK = 0xFF00FFFFFF      # MPIDR Aff3..Aff0

CFG_MEM_RAM, CFG_MEM_DEVICE, CFG_MEM_SHARED, CFG_MEM_RO = 0x1, 0x2, 0x4, 0x8
CONSOLES = {"hypercall": 0, "emulated": 1, "passthrough": 2}   # CFG_CONSOLE_*
ON_FAULT = {"stop": 0, "restart": 1}                           # CFG_FAULT_*
VM_NAME_RE = re.compile(r"[a-z][a-z0-9_-]{0,15}\Z")
PLATFORM_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}\Z")
VAR_RE = re.compile(r"\$\{([^}]*)\}")
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


class GenError(Exception):
    """A failure after validation (dtc missing or failing)."""


# ---- Schema: keys, types and defaults of the TOML files --------------------

@dataclass(frozen=True)
class Key:
    kind: str        # int str bool table tables ints strs str_or_strs vcpus vcpu
    required: bool = False
    default: object = None
    schema: dict = None


def req(kind, schema=None):
    return Key(kind, True, None, schema)


def opt(kind, default=None, schema=None):
    return Key(kind, False, default, schema)


WINDOW = {"base": req("int"), "size": req("int")}
PLATFORM_SCHEMA = {
    "name": req("str"),
    "arch": req("str"),
    "qemu": opt("table", {}, {"machine": opt("str"), "cpu": opt("str", "cortex-a57"),
                              "memory_mib": opt("int")}),
    "cpu": req("tables", {"mpidr": req("int")}),
    "ram": req("table", WINDOW),
    "hypervisor": req("table", dict(WINDOW, load=req("int"))),
    "gic": req("table", {"version": req("int"), "distributor": req("table", WINDOW),
                         "redistributor": req("table", {"base": req("int"), "stride": req("int")}),
                         "maintenance_irq": req("int")}),
    "uart": req("table", dict(WINDOW, compatible=req("str"), irq=req("int"), clock_hz=req("int"))),
    "timer": req("table", {"virtual_irq": req("int"), "hyp_irq": req("int"), "phys_irq": req("int")}),
    "device": opt("tables", [], dict(WINDOW, name=req("str"), compatible=req("str_or_strs"),
                                     irqs=opt("ints", []))),
}
VCPU_SCHEMA = {"pcpu": req("int"), "budget_us": opt("int")}
VM_SCHEMA = {
    "name": req("str"),
    "vcpus": req("vcpus"),
    "allow_shared_pcpu": opt("bool", False),
    "console": opt("str", "emulated"),
    "on_fault": opt("str", "stop"),
    "restart_limit": opt("int"),
    "devices": opt("strs", []),
    "irqs": opt("ints", []),
    "bootargs": opt("str"),
    "memory": req("tables", {"ipa": req("int"), "pa": req("int"), "size": req("int"),
                             "shared": opt("bool", False), "read_only": opt("bool", False)}),
    "kernel": req("table", {"file": req("str"), "load": opt("int"), "entry": opt("int")}),
    "initrd": opt("table", None, {"file": req("str"), "load": opt("int")}),
    "dtb": opt("table", {}, {"file": opt("str"), "load": opt("int")}),
}
CONFIG_SCHEMA = {"description": opt("str"), "vm": opt("tables", [])}   # VMs checked one by one
INVALID = object()


def join(path, key):
    return f"{path}.{key}" if path else key


def describe_value(value):
    """'a string ("16M")' style description of a TOML value, for type errors."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, str):
        return f'a string ("{value}")'
    words = {float: "a float", dict: "a table", list: "an array"}
    return next((w for t, w in words.items() if isinstance(value, t)), "a date/time")


def unknown_key_message(key, choices):
    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}'; did you mean '{close[0]}'?"
    return f"unknown key '{key}'; valid keys: {', '.join(sorted(choices))}"


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


SCALARS = {"int": (is_int, "an integer"),
           "str": (lambda v: isinstance(v, str), "a string"),
           "bool": (lambda v: isinstance(v, bool), "a boolean")}
LIST_ITEMS = {"tables": "table", "ints": "int", "strs": "str", "vcpus": "vcpu"}


def check_table(data, schema, path, err):
    """Checks keys and types of one table; returns it with defaults filled in, or None."""
    ok, out = True, {}
    for key in data:
        if key not in schema:
            err(join(path, key), unknown_key_message(key, schema))
            ok = False
    for key, spec in schema.items():
        where = join(path, key)
        if key not in data:
            if spec.required:
                err(where, "missing required key")
                ok = False
            elif spec.kind == "table" and spec.default == {}:
                out[key] = check_table({}, spec.schema, where, err)
            else:
                out[key] = spec.default
            continue
        value = check_value(data[key], spec, where, err)
        ok = ok and value is not INVALID
        out[key] = value
    return out if ok else None


def check_value(value, spec, where, err):
    """Checks one value against its Key; returns the normalized value or INVALID."""
    kind = spec.kind
    if kind in SCALARS:
        test, word = SCALARS[kind]
        if test(value):
            return value
        err(where, f"expected {word}, got {describe_value(value)}")
        return INVALID
    if kind == "str_or_strs" and isinstance(value, str):
        return [value]
    if kind == "vcpu":
        if is_int(value):
            return {"pcpu": value, "budget_us": None}
        if isinstance(value, dict):
            return check_value(value, Key("table", schema=VCPU_SCHEMA), where, err)
        err(where, f"expected a physical CPU number or a table {{ pcpu = N, budget_us = N }}, "
                   f"got {describe_value(value)}")
        return INVALID
    if kind == "table":
        if not isinstance(value, dict):
            err(where, f"expected a table, got {describe_value(value)}")
            return INVALID
        if spec.schema is None:
            return value
        table = check_table(value, spec.schema, where, err)
        return INVALID if table is None else table
    if not isinstance(value, list):
        err(where, f"expected an array, got {describe_value(value)}")
        return INVALID
    item = Key(LIST_ITEMS.get(kind, "str"), schema=spec.schema)
    items = [check_value(v, item, f"{where}[{i}]", err) for i, v in enumerate(value)]
    return INVALID if any(v is INVALID for v in items) else items


# ---- Helpers on address ranges and error reporting -------------------------

def overlaps(a_base, a_size, b_base, b_size):
    return a_base < b_base + b_size and b_base < a_base + a_size


def inside(base, size, outer_base, outer_size):
    return outer_base <= base and base + size <= outer_base + outer_size


def span(base, size, digits=0):
    return f"0x{base:0{digits}x}-0x{base + size - 1:0{digits}x}"


def align_down(value, align):
    return value - value % align


def human_size(size):
    for unit, name in ((GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} bytes"


class Errors:
    """Collects '<file>: [vm '<name>': ]<field>: <message>' lines."""

    def __init__(self):
        self.lines = []

    def scope(self, file, vm=None):
        prefix = f"{file}: " + (f"vm '{vm}': " if vm is not None else "")
        return lambda where, what: self.lines.append(f"{prefix}{where}: {what}")


def load_toml(path, errors):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        errors.lines.append(f"{path}: cannot read file: {e.strerror}")
    except tomllib.TOMLDecodeError as e:
        errors.lines.append(f"{path}: invalid TOML: {e}")
    except UnicodeDecodeError:
        errors.lines.append(f"{path}: invalid TOML: not UTF-8")
    return None


# ---- Platform --------------------------------------------------------------

def check_window(window, where, err):
    """A platform address window: 4 KiB aligned base, non-zero 4 KiB multiple size."""
    if window["base"] % PAGE:
        err(f"{where}.base", f"0x{window['base']:x} is not 4 KiB aligned")
    if window["size"] <= 0 or window["size"] % PAGE:
        err(f"{where}.size", f"0x{window['size']:x} is not a non-zero multiple of 4 KiB")


def check_intid(irq, where, err, low, high, what):
    if not low <= irq <= high:
        err(where, f"INTID {irq} is not {what} (INTID {low}-{high})")


def platform_windows(p):
    """Named physical windows of the platform, for overlap checks."""
    gic = p["gic"]
    windows = [("ram", p["ram"]["base"], p["ram"]["size"]),
               ("gic.distributor", gic["distributor"]["base"], gic["distributor"]["size"]),
               ("gic.redistributor", gic["redistributor"]["base"],
                len(p["cpu"]) * gic["redistributor"]["stride"]),
               ("uart", p["uart"]["base"], p["uart"]["size"])]
    return windows + [(f"device[{i}]", d["base"], d["size"]) for i, d in enumerate(p["device"])]


def check_platform(p, err):
    """Semantic checks of a schema-valid platform table."""
    if not PLATFORM_NAME_RE.match(p["name"]):
        err("name", f"'{p['name']}' is not a valid platform name; use [a-z0-9][a-z0-9_.-]*")
    if p["arch"] != "aarch64":
        err("arch", f"unsupported architecture '{p['arch']}'; expected \"aarch64\"")
    if not p["cpu"]:
        err("cpu", "no CPUs; add one [[cpu]] table per physical CPU")
    seen = {}
    for i, cpu in enumerate(p["cpu"]):
        if cpu["mpidr"] & ~AFFINITY_MASK or cpu["mpidr"] < 0:
            err(f"cpu[{i}].mpidr", f"0x{cpu['mpidr']:x} has bits outside the affinity fields "
                                   f"(mask 0x{AFFINITY_MASK:x})")
        elif cpu["mpidr"] in seen:
            err(f"cpu[{i}].mpidr", f"0x{cpu['mpidr']:x} is also the MPIDR of cpu[{seen[cpu['mpidr']]}]")
        seen.setdefault(cpu["mpidr"], i)
    ram, hyp = p["ram"], p["hypervisor"]
    for where, window in (("ram", ram), ("hypervisor", hyp), ("gic.distributor", p["gic"]["distributor"]),
                          ("uart", p["uart"])):
        check_window(window, where, err)
    if not inside(hyp["base"], hyp["size"], ram["base"], ram["size"]):
        err("hypervisor", f"reservation {span(hyp['base'], hyp['size'])} is not inside RAM "
                          f"{span(ram['base'], ram['size'])}")
    if not hyp["base"] <= hyp["load"] < hyp["base"] + hyp["size"]:
        err("hypervisor.load", f"0x{hyp['load']:x} is outside the hypervisor reservation "
                               f"{span(hyp['base'], hyp['size'])}")
    mib = p["qemu"]["memory_mib"]
    if mib is not None and ram["size"] > mib * MIB:
        err("ram.size", f"0x{ram['size']:x} is more than qemu.memory_mib ({mib} MiB)")
    gic = p["gic"]
    if gic["version"] != 3:
        err("gic.version", f"GIC version {gic['version']} is not supported; expected 3")
    stride = gic["redistributor"]["stride"]
    if stride <= 0 or stride % (64 * KIB):
        err("gic.redistributor.stride", f"0x{stride:x} is not a non-zero multiple of 64 KiB")
    if gic["redistributor"]["base"] % (64 * KIB):
        err("gic.redistributor.base", f"0x{gic['redistributor']['base']:x} is not 64 KiB aligned")
    ppis = (("gic.maintenance_irq", gic["maintenance_irq"]), ("timer.virtual_irq", p["timer"]["virtual_irq"]),
            ("timer.hyp_irq", p["timer"]["hyp_irq"]), ("timer.phys_irq", p["timer"]["phys_irq"]))
    for where, irq in ppis:
        check_intid(irq, where, err, 16, 31, "a PPI")
    check_intid(p["uart"]["irq"], "uart.irq", err, FIRST_SPI, LAST_SPI, "an SPI")
    if p["uart"]["clock_hz"] <= 0:
        err("uart.clock_hz", f"{p['uart']['clock_hz']} is not a positive frequency")
    check_platform_devices(p, err)
    windows = platform_windows(p)
    for i, (a, a_base, a_size) in enumerate(windows):
        for b, b_base, b_size in windows[i + 1:]:
            if overlaps(a_base, a_size, b_base, b_size):
                err(b, f"{span(b_base, b_size)} overlaps {a} {span(a_base, a_size)}")


def check_platform_devices(p, err):
    names, irqs = {}, {p["uart"]["irq"]: "uart"}
    for i, dev in enumerate(p["device"]):
        where = f"device[{i}]"
        if not VM_NAME_RE.match(dev["name"]):
            err(f"{where}.name", f"'{dev['name']}' is not a valid device name; use [a-z][a-z0-9_-]{{0,15}}")
        elif dev["name"] in names:
            err(f"{where}.name", f"device '{dev['name']}' is already defined as device[{names[dev['name']]}]")
        names.setdefault(dev["name"], i)
        check_window(dev, where, err)
        for k, irq in enumerate(dev["irqs"]):
            check_intid(irq, f"{where}.irqs[{k}]", err, FIRST_SPI, LAST_SPI, "an SPI")
            if irq in irqs:
                err(f"{where}.irqs[{k}]", f"INTID {irq} is already used by {irqs[irq]}")
            irqs.setdefault(irq, f"device '{dev['name']}'")


def load_platform(path, errors):
    """Loads and validates the platform file; returns its normalized dict or None."""
    data = load_toml(path, errors)
    if data is None:
        return None
    err = errors.scope(path)
    before = len(errors.lines)
    platform = check_table(data, PLATFORM_SCHEMA, "", err)
    if platform is not None:
        check_platform(platform, err)
        platform["devices"] = {d["name"]: d for d in platform["device"]}
    return platform if len(errors.lines) == before else None


# ---- VMs: model and semantic checks ----------------------------------------

@dataclass
class Region:
    ipa: int
    pa: int
    size: int
    flags: int
    label: str        # "memory[1]", "device 'rtc'", "the passthrough UART"
    where: str        # config field to blame in errors


@dataclass
class Image:
    kind: str         # "kernel" | "initrd" | "dtb"
    path: str         # relative to the working directory; None for a generated DTB
    size: int         # bytes copied into the guest (generated DTB: set once compiled)
    load: int         # IPA the bytes are copied to
    footprint: int    # guest bytes the image occupies (overlap and fit checks)
    blob: str = ""    # hv_blob_N symbol
    data: bytes = None  # an own DTB after its fix-up: written as <vm>.dtb


@dataclass
class VM:
    index: int
    name: str
    vcpus: list       # [(pcpu, budget_us or None)] in VCPU order
    console: str
    on_fault: str
    restart_limit: int
    devices: list
    irqs: dict        # INTID -> (field, source description)
    bootargs: str
    regions: list = field(default_factory=list)
    images: list = field(default_factory=list)
    entry: int = 0
    first_vcpu: int = 0
    pool_first: int = 0
    pool_pages: int = 0

    @property
    def vmid(self):
        return self.index + 1

    @property
    def ram(self):
        return [r for r in self.regions if r.flags & CFG_MEM_RAM]

    @property
    def dtb(self):
        return next(i for i in self.images if i.kind == "dtb")

    @property
    def initrd(self):
        return next((i for i in self.images if i.kind == "initrd"), None)


def check_vm_basics(cfg, p, err):
    """Name, VCPU placement, console and fault policy of one VM."""
    if not VM_NAME_RE.match(cfg["name"]):
        err("name", f"'{cfg['name']}' is not a valid VM name; use [a-z][a-z0-9_-]{{0,15}}")
    ncpus = len(p["cpu"])
    if not cfg["vcpus"]:
        err("vcpus", "no VCPUs; give the physical CPU of at least one VCPU")
    placed = {}
    for i, vcpu in enumerate(cfg["vcpus"]):
        pcpu, budget = vcpu["pcpu"], vcpu["budget_us"]
        where = f"vcpus[{i}]"
        if not 0 <= pcpu < ncpus:
            err(where, f"physical CPU {pcpu} does not exist; {p['name']} has CPUs 0-{ncpus - 1}")
        elif pcpu in placed and not cfg["allow_shared_pcpu"]:
            err(where, f"VCPUs {placed[pcpu]} and {i} both run on physical CPU {pcpu}; "
                       f"set allow_shared_pcpu = true to allow this")
        placed.setdefault(pcpu, i)
        if budget is not None and not 0 < budget <= MAX_BUDGET_US:
            err(f"{where}.budget_us", f"{budget} is not a positive integer; "
                                      f"give microseconds, 1-{MAX_BUDGET_US}")
    for key, choices in (("console", CONSOLES), ("on_fault", ON_FAULT)):
        if cfg[key] not in choices:
            err(key, f"unknown value '{cfg[key]}'; expected one of "
                     + ", ".join(f'"{c}"' for c in sorted(choices)))
    if cfg["restart_limit"] is not None:
        if cfg["on_fault"] != "restart":
            err("restart_limit", 'only allowed with on_fault = "restart"')
        elif not 1 <= cfg["restart_limit"] <= MAX_RESTARTS:
            err("restart_limit", f"{cfg['restart_limit']} is out of range; expected 1-{MAX_RESTARTS}")


def build_ram_regions(cfg, p, err):
    """The VM's [[vm.memory]] regions, checked against platform RAM and the hypervisor."""
    ram, hyp = p["ram"], p["hypervisor"]
    regions = []
    if not cfg["memory"]:
        err("memory", "no memory regions; add at least one [[vm.memory]]")
    for i, m in enumerate(cfg["memory"]):
        where = f"memory[{i}]"
        for key in ("ipa", "pa"):
            if m[key] % PAGE or m[key] < 0:
                err(f"{where}.{key}", f"0x{m[key]:x} is not 4 KiB aligned")
        if m["size"] <= 0:
            err(f"{where}.size", "must not be zero; give a multiple of 4 KiB")
            continue
        if m["size"] % PAGE:
            err(f"{where}.size", f"0x{m['size']:x} is not a multiple of 4 KiB (0x1000)")
        if m["ipa"] + m["size"] > IPA_LIMIT:
            err(f"{where}.ipa", f"{span(m['ipa'], m['size'])} is beyond the 39-bit IPA space")
        if not inside(m["pa"], m["size"], ram["base"], ram["size"]):
            err(f"{where}.pa", f"{span(m['pa'], m['size'])} is outside platform RAM "
                               f"{span(ram['base'], ram['size'])}")
        elif overlaps(m["pa"], m["size"], hyp["base"], hyp["size"]):
            err(f"{where}.pa", f"{span(m['pa'], m['size'])} overlaps the hypervisor reservation "
                               f"{span(hyp['base'], hyp['size'])}")
        flags = CFG_MEM_RAM | (CFG_MEM_SHARED if m["shared"] else 0) | (CFG_MEM_RO if m["read_only"] else 0)
        regions.append(Region(m["ipa"], m["pa"], m["size"], flags, where, where))
    if cfg["memory"] and cfg["memory"][0]["read_only"]:
        err("memory[0].read_only", "the first region is the VM's main RAM and must be writable")
    for j, b in enumerate(regions):
        for a in regions[:j]:
            if overlaps(a.pa, a.size, b.pa, b.size):
                err(f"{b.where}.pa", f"host-physical {span(b.pa, b.size)} overlaps {a.label} "
                                     f"{span(a.pa, a.size)}")
    return regions


def build_device_regions(cfg, p, err):
    """Passthrough devices and UART, mapped at their physical address."""
    regions = []
    if cfg["console"] == "passthrough":
        u = p["uart"]
        regions.append(Region(u["base"], u["base"], u["size"], CFG_MEM_DEVICE, "the passthrough UART", "console"))
    for k, name in enumerate(cfg["devices"]):
        where = f"devices[{k}]"
        dev = p["devices"].get(name)
        if dev is None:
            close = difflib.get_close_matches(name, list(p["devices"]), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else \
                "platform devices: " + (", ".join(sorted(p["devices"])) or "none")
            err(where, f"device '{name}' is not in platform {p['name']}; {hint}")
        elif name in cfg["devices"][:k]:
            err(where, f"device '{name}' is listed twice")
        else:
            regions.append(Region(dev["base"], dev["base"], dev["size"], CFG_MEM_DEVICE,
                                  f"device '{name}'", where))
    return regions


def emulated_windows(cfg, p):
    """IPA windows the hypervisor emulates for this VM."""
    gic = p["gic"]
    windows = [("GIC distributor", gic["distributor"]["base"], gic["distributor"]["size"]),
               ("GIC redistributors", gic["redistributor"]["base"],
                len(cfg["vcpus"]) * gic["redistributor"]["stride"])]
    if cfg["console"] == "emulated":
        windows.append(("UART", p["uart"]["base"], PAGE))
    return windows


VDEV_KINDS = {"GIC distributor": "CFG_VDEV_GICD", "GIC redistributors": "CFG_VDEV_GICR",
              "UART": "CFG_VDEV_UART"}
VDEV_MAP_MAX = 512  # entries of a VM's MMIO page map


def vdev_map(vm, p):
    """The VM's emulated windows and the table that finds one from a fault address
    in constant time: one byte per page of 2^shift bytes (64 KiB, or larger if the
    windows span more than VDEV_MAP_MAX such pages) from `base`, each a bit mask of
    the windows that overlap that page (almost always a single one)."""
    windows = [(VDEV_KINDS[name], base, size)
               for name, base, size in emulated_windows({"vcpus": vm.vcpus, "console": vm.console}, p)]
    shift = 16
    lo = min(base for _, base, _ in windows)
    hi = max(base + size for _, base, size in windows)
    while ((hi - 1) >> shift) - (lo >> shift) + 1 > VDEV_MAP_MAX:
        shift += 1
    first = lo >> shift
    pages = ((hi - 1) >> shift) - first + 1
    entries = [0] * pages
    for i, (_, base, size) in enumerate(windows):
        for page in range((base >> shift) - first, ((base + size - 1) >> shift) - first + 1):
            entries[page] |= 1 << i
    return {"windows": windows, "base": first << shift, "shift": shift, "entries": entries}


def check_ipa_layout(regions, cfg, p, err):
    """No two regions and no region and emulated window share guest-physical space."""
    for j, b in enumerate(regions):
        for a in regions[:j]:
            if overlaps(a.ipa, a.size, b.ipa, b.size):
                err(f"{b.where}.ipa" if b.flags & CFG_MEM_RAM else b.where,
                    f"IPA {span(b.ipa, b.size)} overlaps {a.label} at IPA {span(a.ipa, a.size)}")
        for name, base, size in emulated_windows(cfg, p):
            if overlaps(base, size, b.ipa, b.size):
                err(f"{b.where}.ipa" if b.flags & CFG_MEM_RAM else b.where,
                    f"IPA {span(b.ipa, b.size)} overlaps the emulated {name} at IPA {span(base, size)}")


def collect_irqs(cfg, p, err):
    """INTID -> (field, source) of every SPI the VM owns."""
    uart_irq, passthrough = p["uart"]["irq"], cfg["console"] == "passthrough"
    irqs = {uart_irq: ("console", "the passthrough UART")} if passthrough else {}
    for k, name in enumerate(cfg["devices"]):
        for irq in p["devices"].get(name, {"irqs": []})["irqs"]:
            if irq > VGIC_LAST_SPI:
                err(f"devices[{k}]", f"device '{name}' uses INTID {irq}, beyond the vGIC, which "
                                     f"models INTIDs up to {VGIC_LAST_SPI}")
            irqs.setdefault(irq, (f"devices[{k}]", f"device '{name}'"))
    for i, irq in enumerate(cfg["irqs"]):
        where = f"irqs[{i}]"
        if irq < FIRST_SPI:
            err(where, f"INTID {irq} is an SGI or PPI, reserved by the hypervisor; "
                       f"only SPIs {FIRST_SPI}-{VGIC_LAST_SPI} can be assigned")
        elif irq > LAST_SPI:
            err(where, f"INTID {irq} is not an SPI; only SPIs {FIRST_SPI}-{VGIC_LAST_SPI} can be assigned")
        elif irq > VGIC_LAST_SPI:
            err(where, f"INTID {irq} is beyond the vGIC, which models INTIDs up to {VGIC_LAST_SPI}; "
                       f"only SPIs {FIRST_SPI}-{VGIC_LAST_SPI} can be assigned")
        elif irq == uart_irq and not passthrough:
            err(where, f"INTID {irq} is the platform UART interrupt, reserved by the hypervisor; "
                       f'only a VM with console = "passthrough" gets it')
        elif irq in irqs:
            err(where, f"INTID {irq} is already assigned to this VM by {irqs[irq][1]}")
        else:
            irqs[irq] = (where, f"irqs[{i}]")
    return irqs


# ---- Images ----------------------------------------------------------------

def make_resolver(toml_file, variables, err):
    """Returns resolve(where, text) -> path relative to the working directory, or None."""
    base = os.path.dirname(os.path.abspath(toml_file))

    def resolve(where, text):
        used = False

        def substitute(match):
            nonlocal used
            used = True
            if match.group(1) not in variables:
                known = ", ".join(sorted(variables)) or "none"
                raise KeyError(f"unknown variable ${{{match.group(1)}}}; defined: {known} "
                               f"(pass --var {match.group(1)}=PATH)")
            return variables[match.group(1)]
        try:
            path = VAR_RE.sub(substitute, text)
        except KeyError as e:
            err(where, e.args[0])
            return None
        if not used and not os.path.isabs(path):
            path = os.path.join(base, path)
        path = os.path.relpath(os.path.abspath(path))
        if not os.path.exists(path):
            err(where, f"file not found: {path}")
            return None
        if not os.path.isfile(path):
            err(where, f"not a regular file: {path}")
            return None
        return path
    return resolve


def read_head(path, count=64):
    with open(path, "rb") as f:
        return f.read(count)


def arm64_header(head):
    """(text_offset, image_size) of an arm64 Image header, or None."""
    if len(head) < 64 or head[56:60] != ARM64_MAGIC:
        return None
    return int.from_bytes(head[8:16], "little"), int.from_bytes(head[16:24], "little")


def image_file(kind, path, load, ram_total, err):
    """An Image for a file; None (after reporting) if it is empty or bigger than the VM's RAM."""
    size = os.path.getsize(path)
    if size == 0:
        err(f"{kind}.file", f"file is empty: {path}")
        return None
    if size > ram_total:
        err(f"{kind}.file", f"{path} is {size} bytes, larger than the VM's memory ({ram_total} bytes)")
        return None
    return Image(kind, path, size, load, size)


def place_kernel(cfg, vm, resolve, ram_total, err):
    main = vm.ram[0]
    kernel = cfg["kernel"]
    path = resolve("kernel.file", kernel["file"])
    load = main.ipa if kernel["load"] is None else kernel["load"]
    image = path and image_file("kernel", path, load, ram_total, err)
    if not image:
        return None
    header = arm64_header(read_head(path))
    if header:
        text_offset, image_size = header
        if load % BLOCK:
            err("kernel.load", f"0x{load:x} is not 2 MiB aligned; {path} is an arm64 Image, "
                               f"which must be loaded at a 2 MiB boundary")
        image.load = load + text_offset
        image.footprint = max(image_size or image.size, image.size)
    vm.entry = image.load if kernel["entry"] is None else kernel["entry"]
    return image


def place_dtb(cfg, vm, resolve, err):
    main = vm.ram[0]
    dtb = cfg["dtb"]
    load = main.ipa + main.size - DTB_MAX if dtb["load"] is None else dtb["load"]
    if load % 8:
        err("dtb.load", f"0x{load:x} is not 8-byte aligned")
    if dtb["file"] is None:
        return Image("dtb", None, 0, load, DTB_MAX)
    path = resolve("dtb.file", dtb["file"])
    if path is None:
        return None
    size = os.path.getsize(path)
    if size > DTB_MAX:
        err("dtb.file", f"{path} is {size} bytes; a DTB may be at most 2 MiB")
        return None
    if read_head(path, 4) != FDT_MAGIC:
        err("dtb.file", f"{path} is not a flattened device tree (no 0xd00dfeed magic)")
        return None
    return Image("dtb", path, size, load, size)


def place_initrd(cfg, dtb_load, resolve, ram_total, err):
    initrd = cfg["initrd"]
    path = resolve("initrd.file", initrd["file"])
    image = path and image_file("initrd", path, 0, ram_total, err)
    if image:
        default = max(0, align_down(dtb_load - image.size, BLOCK))
        image.load = default if initrd["load"] is None else initrd["load"]
    return image


def place_images(cfg, vm, p, resolve, err):
    """Kernel, initrd and DTB placement (an own DTB checked and fixed up) and their
    fit/overlap checks."""
    ram_total = sum(r.size for r in vm.ram)
    images = [place_kernel(cfg, vm, resolve, ram_total, err), place_dtb(cfg, vm, resolve, err)]
    if cfg["initrd"] is not None:
        images.insert(1, images[1] and place_initrd(cfg, images[1].load, resolve, ram_total, err))
    if None in images:
        return
    vm.images = images
    if vm.dtb.path:
        fix_up_own_dtb(vm, p, err)
    for j, b in enumerate(images):
        if not any(inside(b.load, b.footprint, r.ipa, r.size) for r in vm.ram):
            ram = ", ".join(span(r.ipa, r.size) for r in vm.ram)
            err(f"{b.kind}.load", f"{b.kind} at IPA {span(b.load, b.footprint)} does not fit inside "
                                  f"one RAM region of the VM (RAM at IPA {ram})")
        for a in images[:j]:
            if overlaps(a.load, a.footprint, b.load, b.footprint):
                err(f"{b.kind}.load", f"{b.kind} at IPA {span(b.load, b.footprint)} overlaps the "
                                      f"{a.kind} at IPA {span(a.load, a.footprint)}")
    if not any(inside(vm.entry, 1, r.ipa, r.size) for r in vm.ram):
        err("kernel.entry", f"0x{vm.entry:x} is outside the VM's memory (RAM at IPA "
                            f"{', '.join(span(r.ipa, r.size) for r in vm.ram)})")


# ---- A VM's own DTB: build-time check and fix-up with pylibfdt -------------
# The hypervisor image carries the finished DTB; the hypervisor never runs
# libfdt on a guest DTB (see "A DTB of your own" in docs/configuration.md).

IDENTITY = [(0, 0, 1 << 128)]     # bus window: [(bus address, IPA, size)]


@dataclass
class DtNode:
    path: str
    off: int
    regs: list        # [(IPA or None if outside the parent's ranges, size)]; None: not memory-mapped
    enabled: bool     # neither it nor an ancestor has a status other than "okay"


def fdt_prop(fdt, off, name):
    value = fdt.getprop(off, name, libfdt.QUIET_NOTFOUND)
    return None if isinstance(value, int) else bytes(value)


def fdt_strings(fdt, off, name):
    value = fdt_prop(fdt, off, name)
    return value.rstrip(b"\0").decode(errors="replace").split("\0") if value else []


def fdt_cells(fdt, off, name, default):
    value = fdt_prop(fdt, off, name)
    return int.from_bytes(value[:4], "big") if value and len(value) >= 4 else default


def split_cells(raw, *widths):
    """raw (big-endian cells) as tuples of numbers widths[0], widths[1], ... cells wide."""
    step, out = 4 * sum(widths), []
    for at in range(0, len(raw) - step + 1, step) if step else ():
        values = []
        for width in widths:
            values.append(int.from_bytes(raw[at:at + 4 * width], "big"))
            at += 4 * width
        out.append(tuple(values))
    return out


def translate(window, addr, size):
    return next((ipa + addr - bus for bus, ipa, length in window
                 if bus <= addr and addr + size <= bus + length), None)


def bus_window(fdt, off, cells, parent_address_cells, parent_window):
    """How the addresses of a node's children map to IPAs (its `ranges`); None if they don't."""
    ranges = fdt_prop(fdt, off, "ranges")
    if ranges is None or parent_window is None:
        return None
    if not ranges:
        return parent_window
    window = []
    for bus, parent, size in split_cells(ranges, cells[0], parent_address_cells, cells[1]):
        ipa = translate(parent_window, parent, size)
        if ipa is not None:
            window.append((bus, ipa, size))
    return window


def dtb_nodes(fdt):
    """Every node under the root, its `reg` translated to IPAs through the parents'
    #address-cells, #size-cells and ranges."""
    nodes = []

    def walk(parent, path, cells, window, enabled):
        off = fdt.first_subnode(parent, libfdt.QUIET_NOTFOUND)
        while off >= 0:
            node_path = f"{path}/{fdt.get_name(off)}"
            raw = fdt_prop(fdt, off, "reg")
            mapped = raw is not None and window is not None and cells[1] > 0
            regs = [(translate(window, a, size), size) for a, size in split_cells(raw, *cells)] if mapped else None
            on = enabled and fdt_strings(fdt, off, "status")[:1] in ([], ["okay"], ["ok"])
            nodes.append(DtNode(node_path, off, regs, on))
            own = (fdt_cells(fdt, off, "#address-cells", 2), fdt_cells(fdt, off, "#size-cells", 1))
            walk(off, node_path, own, bus_window(fdt, off, own, cells[0], window), on)
            off = fdt.next_subnode(off, libfdt.QUIET_NOTFOUND)
    walk(0, "", (fdt_cells(fdt, 0, "#address-cells", 2), fdt_cells(fdt, 0, "#size-cells", 1)), IDENTITY, True)
    return nodes


def is_memory_node(fdt, node):
    return fdt_strings(fdt, node.off, "device_type") == ["memory"] or node.path.split("@")[0] == "/memory"


def is_psci_node(fdt, node):
    return node.path == "/psci" or any(c.startswith("arm,psci") for c in fdt_strings(fdt, node.off, "compatible"))


def check_dtb_cpus(fdt, count, fail):
    """/cpus: one cpu node per VCPU, reg = the virtual MPIDRs 0..count-1, PSCI enable-method."""
    ids = "0" if count == 1 else f"0-{count - 1}"
    cpus = fdt.path_offset("/cpus", libfdt.QUIET_NOTFOUND)
    if cpus < 0:
        fail(f"no /cpus node; give one cpu node per VCPU, reg {ids}")
        return
    cells, regs = fdt_cells(fdt, cpus, "#address-cells", 2), []
    off = fdt.first_subnode(cpus, libfdt.QUIET_NOTFOUND)
    while off >= 0:
        name = fdt.get_name(off)
        if name.split("@")[0] == "cpu":
            reg = split_cells(fdt_prop(fdt, off, "reg") or b"", cells)
            regs.append(reg[0][0] if reg else None)
            method = fdt_strings(fdt, off, "enable-method")
            if method not in ([], ["psci"]):
                fail(f'/cpus/{name}: enable-method is "{",".join(method)}"; the hypervisor starts '
                     f'VCPUs by PSCI: use "psci"')
        off = fdt.next_subnode(off, libfdt.QUIET_NOTFOUND)
    if len(regs) != count:
        fail(f"/cpus has {len(regs)} cpu node{'s' * (len(regs) != 1)}; the VM has {count} "
             f"VCPU{'s' * (count != 1)}: give one cpu node per VCPU, reg {ids}")
    elif sorted(regs, key=lambda r: -1 if r is None else r) != list(range(count)):
        shown = ", ".join("none" if r is None else f"0x{r:x}" for r in regs)
        fail(f"/cpus: cpu reg values are {shown}; the VCPUs' virtual MPIDRs are {ids}")


def check_own_dtb(fdt, nodes, vm, p, fail):
    """Everything in a parsed DTB that contradicts the VM's partition, reported with fail()."""
    check_dtb_cpus(fdt, len(vm.vcpus), fail)
    gicd, gicr = p["gic"]["distributor"]["base"], p["gic"]["redistributor"]["base"]
    gic = next((n for n in nodes if "arm,gic-v3" in fdt_strings(fdt, n.off, "compatible")), None)
    if gic is None:
        fail(f'no GICv3 node (compatible "arm,gic-v3"); describe the GIC with reg = the distributor '
             f"at 0x{gicd:x}, then the redistributors at 0x{gicr:x}")
    elif len(gic.regs or []) < 2:
        fail(f"{gic.path}: reg has {len(gic.regs or [])} entries; give the distributor at 0x{gicd:x}, "
             f"then the redistributors at 0x{gicr:x}")
    else:
        for i, what, want in ((0, "distributor", gicd), (1, "redistributor", gicr)):
            if gic.regs[i][0] != want:
                got = "not memory-mapped" if gic.regs[i][0] is None else f"0x{gic.regs[i][0]:x}"
                fail(f"{gic.path}: reg[{i}], the GIC {what} base, is {got}; the platform's is 0x{want:x}")
    for node in nodes:
        method = fdt_strings(fdt, node.off, "method")
        if is_psci_node(fdt, node) and method not in (["hvc"], ["smc"]):
            got = f'"{",".join(method)}"' if method else "missing"
            fail(f'{node.path}: method is {got}; use "hvc" or "smc" (the hypervisor traps both)')
    ram = [(r.ipa, r.size) for r in vm.ram]
    partition = [(r.ipa, r.size) for r in vm.regions] + \
        [(base, size) for _, base, size in emulated_windows({"vcpus": vm.vcpus, "console": vm.console}, p)]
    for node in (n for n in nodes if n.regs):
        memory = is_memory_node(fdt, node)
        for ipa, size in node.regs if memory or node.enabled else ():
            if ipa is None:
                fail(f"{node.path}: reg is outside the ranges of its parent; fix the reg or the ranges")
            elif memory and not any(inside(ipa, size, *r) for r in ram):
                fail(f"{node.path}: {span(ipa, max(size, 1))} is outside the VM's RAM (IPA "
                     f"{', '.join(span(*r) for r in ram)}); describe only the VM's RAM")
            elif not memory and not any(inside(ipa, size, *w) for w in partition):
                fail(f"{node.path}: reg {span(ipa, max(size, 1))} is outside the VM's partition; remove "
                     f"the node, or pass the device through with devices = [...]")
    cells = (fdt_cells(fdt, 0, "#address-cells", 2), fdt_cells(fdt, 0, "#size-cells", 1))
    if any(r.ipa >> 32 * cells[0] or r.size >> 32 * cells[1] for r in vm.ram):
        fail(f"/: #address-cells = <{cells[0]}> and #size-cells = <{cells[1]}> cannot describe the "
             f"VM's RAM; use <2>")


def fdt_grow(fdt, method, *args):
    """fdt.<method>(*args), moving the tree into a bigger buffer while libfdt lacks space."""
    while True:
        result = getattr(fdt, method)(*args, quiet=libfdt.QUIET_NOSPACE)
        if result != -libfdt.NOSPACE:
            return result
        fdt.resize(fdt.totalsize() + 4 * KIB)


def rewrite_own_dtb(fdt, nodes, vm):
    """The fix-up: /memory@<ipa> per writable RAM region, /chosen bootargs and initrd range,
    PSCI by hvc. Returns the packed DTB."""
    memory = [n.path for n in nodes if is_memory_node(fdt, n)]
    psci = next((n.path for n in nodes if is_psci_node(fdt, n)), None)
    fdt.resize(fdt.totalsize())                          # fdt_open_into: a layout libfdt can edit
    for path in memory:
        off = fdt.path_offset(path, libfdt.QUIET_NOTFOUND)   # gone if inside a deleted one
        if off >= 0:
            fdt.del_node(off)
    cells = (fdt_cells(fdt, 0, "#address-cells", 2), fdt_cells(fdt, 0, "#size-cells", 1))
    for r in reversed([r for r in vm.ram if not r.flags & CFG_MEM_RO]):   # each goes first
        off = fdt_grow(fdt, "add_subnode", 0, f"memory@{r.ipa:x}")
        reg = r.ipa.to_bytes(4 * cells[0], "big") + r.size.to_bytes(4 * cells[1], "big")
        fdt_grow(fdt, "setprop", off, "reg", reg)
        fdt_grow(fdt, "setprop_str", off, "device_type", "memory")    # a new property goes first
    chosen = fdt.path_offset("/chosen", libfdt.QUIET_NOTFOUND)
    if chosen < 0:
        chosen = fdt_grow(fdt, "add_subnode", 0, "chosen")
    if vm.bootargs is not None:
        fdt_grow(fdt, "setprop_str", chosen, "bootargs", vm.bootargs)
    if vm.initrd:
        fdt_grow(fdt, "setprop_u64", chosen, "linux,initrd-end", vm.initrd.load + vm.initrd.size)
        fdt_grow(fdt, "setprop_u64", chosen, "linux,initrd-start", vm.initrd.load)
    else:
        for key in ("linux,initrd-start", "linux,initrd-end"):
            fdt.delprop(chosen, key, libfdt.QUIET_NOTFOUND)
    off = fdt.path_offset(psci, libfdt.QUIET_NOTFOUND) if psci else -1
    if off < 0:
        off = fdt_grow(fdt, "add_subnode", 0, "psci")
        fdt_grow(fdt, "setprop", off, "compatible", b"arm,psci-1.0\0arm,psci-0.2\0")
    fdt_grow(fdt, "setprop_str", off, "method", "hvc")
    fdt.pack()
    return bytes(fdt.as_bytearray())


def fix_up_own_dtb(vm, p, err):
    """Checks the VM's dtb.file against its partition and, if it passes, fixes it up:
    vm.dtb then holds the finished DTB (data, size, footprint)."""
    image = vm.dtb
    with open(image.path, "rb") as f:
        blob = f.read()
    status = libfdt.fdt_check_full(bytearray(blob), len(blob))
    if status:
        err("dtb.file", f"{image.path} is not a valid device tree (libfdt: {libfdt.strerror(status)}); "
                        f"give a DTB compiled by dtc")
        return
    fdt = libfdt.Fdt(blob)
    problems = []
    nodes = dtb_nodes(fdt)
    check_own_dtb(fdt, nodes, vm, p, problems.append)
    for what in problems:
        err("dtb.file", f"{image.path}: {what}")
    if problems:
        return
    data = rewrite_own_dtb(fdt, nodes, vm)
    if len(data) > DTB_MAX:
        err("dtb.file", f"{image.path} is {len(data)} bytes after the fix-up; a DTB may be at most 2 MiB")
        return
    image.data, image.size, image.footprint = data, len(data), len(data)


def build_vm(index, cfg, p, resolve, err):
    """One schema-valid [[vm]] table -> VM, reporting every per-VM problem."""
    check_vm_basics(cfg, p, err)
    vm = VM(index, cfg["name"], [(v["pcpu"], v["budget_us"]) for v in cfg["vcpus"]], cfg["console"],
            cfg["on_fault"], cfg["restart_limit"] or (3 if cfg["on_fault"] == "restart" else 0),
            cfg["devices"], collect_irqs(cfg, p, err), cfg["bootargs"])
    vm.regions = build_ram_regions(cfg, p, err) + build_device_regions(cfg, p, err)
    check_ipa_layout(vm.regions, cfg, p, err)
    if vm.ram:
        place_images(cfg, vm, p, resolve, err)
    return vm


# ---- Whole configuration ---------------------------------------------------

def check_between_vms(vms, errors, file):
    """Host memory, devices, interrupts and the UART given to two VMs."""
    owner_dev, owner_irq, passthrough = {}, {}, None
    for b in vms:
        err = errors.scope(file, b.name)
        for a in vms[:b.index]:
            for ra in a.ram:
                for rb in b.ram:
                    same = (ra.pa, ra.size) == (rb.pa, rb.size)
                    if overlaps(ra.pa, ra.size, rb.pa, rb.size) and not (
                            same and ra.flags & rb.flags & CFG_MEM_SHARED):
                        err(f"{rb.where}.pa", f"host-physical {span(rb.pa, rb.size)} overlaps vm '{a.name}' "
                                              f"{ra.label} {span(ra.pa, ra.size)}; memory shared between "
                                              f"VMs needs shared = true in both and identical pa and size")
        for k, name in enumerate(b.devices):
            if owner_dev.setdefault(name, b.name) != b.name:
                err(f"devices[{k}]", f"device '{name}' is already passed through to vm '{owner_dev[name]}'")
        for irq, (where, source) in sorted(b.irqs.items()):
            other = owner_irq.setdefault(irq, (b.name, source))
            if other[0] != b.name and not (source == other[1] and not source.startswith("irqs")):
                err(where, f"INTID {irq} is already assigned to vm '{other[0]}'")
        if b.console == "passthrough":
            if passthrough:
                err("console", f"vm '{passthrough}' already has the UART passed through; "
                               f'only one VM can have console = "passthrough"')
            passthrough = passthrough or b.name


def load_vms(path, p, variables, errors):
    """Loads and validates the VM configuration; returns (description, [VM]) or None."""
    data = load_toml(path, errors)
    if data is None:
        return None
    top = check_table(data, CONFIG_SCHEMA, "", errors.scope(path))
    if top is None:
        return None
    if not top["vm"]:
        errors.scope(path)("vm", "no VMs defined; add at least one [[vm]] table")
    if len(top["vm"]) > MAX_VMS:
        errors.scope(path)("vm", f"{len(top['vm'])} VMs defined; at most {MAX_VMS} are supported (VMIDs 1-255)")
    vms, names = [], {}
    for i, raw in enumerate(top["vm"]):
        name = raw.get("name") if isinstance(raw.get("name"), str) else f"#{i}"
        err = errors.scope(path, name)
        cfg = check_table(raw, VM_SCHEMA, "", err)
        if name in names:
            err("name", f"another VM (#{names[name]}) is already named '{name}'; names must be unique")
        names.setdefault(name, i)
        if cfg is not None:
            vms.append(build_vm(len(vms), cfg, p, make_resolver(path, variables, err), err))
    check_between_vms(vms, errors, path)
    return top["description"], vms


def s2_pool_pages(regions):
    """Stage-2 table pages the runtime needs for `regions` (4 KiB granule, start at level 1)."""
    level1, level2 = set(), set()
    for r in regions:
        ipa, pa, left = r.ipa, r.pa, r.size
        while left > 0:
            if ipa % BLOCK == 0 and pa % BLOCK == 0 and left >= BLOCK:
                step = BLOCK
            else:
                step = PAGE
                level2.add(ipa >> 21)
            level1.add(ipa >> 30)
            ipa, pa, left = ipa + step, pa + step, left - step
    return 1 + len(level1) + len(level2)


@dataclass
class Plan:
    name: str
    description: str
    platform: dict
    vms: list
    pcpu_vcpus: list   # per physical CPU: ascending global VCPU indices
    blobs: list        # [(symbol, image path, None) or (symbol, None, vm): <vm>.dtb in --out]


def finish_plan(name, description, platform, vms):
    """Global VCPU numbering, stage-2 pool slices and blob symbols."""
    pcpu_vcpus = [[] for _ in platform["cpu"]]
    vcpu, pool = 0, 0
    for vm in vms:
        vm.first_vcpu, vm.pool_first = vcpu, pool
        vm.pool_pages = s2_pool_pages(vm.regions)
        for pcpu, _ in vm.vcpus:
            pcpu_vcpus[pcpu].append(vcpu)
            vcpu += 1
        pool += vm.pool_pages
    blobs, by_file = [], {}
    for vm in vms:
        for image in vm.images:
            if image.kind != "dtb":
                key = os.path.realpath(image.path)
                if key not in by_file:
                    by_file[key] = f"hv_blob_{len(blobs)}"
                    blobs.append((by_file[key], image.path, None))
                image.blob = by_file[key]
    for vm in vms:                       # generated or fixed up: each VM's own <vm>.dtb
        vm.dtb.blob = f"hv_blob_{len(blobs)}"
        blobs.append((vm.dtb.blob, None, vm))
    return Plan(name, description, platform, vms, pcpu_vcpus, blobs)


def build_plan(platform_file, config_file, variables, errors):
    """Validates both files; returns the Plan, or None with `errors` filled."""
    platform = load_platform(platform_file, errors)
    if platform is None:
        return None
    loaded = load_vms(config_file, platform, variables, errors)
    if loaded is None or errors.lines:
        return None
    name = os.path.splitext(os.path.basename(config_file))[0]
    return finish_plan(name, loaded[0], platform, loaded[1])


# ---- Describe --------------------------------------------------------------

def ipa_to_pa(vm, ipa):
    region = next((r for r in vm.regions if r.ipa <= ipa < r.ipa + r.size), None)
    return region.pa + ipa - region.ipa if region else None


def describe_vm(vm, p):
    lines = [f"vm '{vm.name}' (vmid {vm.vmid}): {len(vm.vcpus)} VCPU(s), console {vm.console}, "
             f"on fault {vm.on_fault}" + (f" (at most {vm.restart_limit} restarts)" if vm.restart_limit else "")]
    for i, (pcpu, budget) in enumerate(vm.vcpus):
        slice_ = f"budget {budget} us" if budget else "cooperative"
        lines.append(f"  vcpu {i} -> pCPU {pcpu} (global vcpu {vm.first_vcpu + i}, {slice_})")
    lines.append("  memory (guest IPA -> host PA):")
    for r in vm.regions:
        kind = "device" if r.flags & CFG_MEM_DEVICE else "ram" + (
            ", shared" if r.flags & CFG_MEM_SHARED else "") + (", read-only" if r.flags & CFG_MEM_RO else "")
        lines.append(f"    {span(r.ipa, r.size, 8)} -> {span(r.pa, r.size, 8)}  {human_size(r.size):>9}  "
                     f"{r.label}: {kind}")
    for name, base, size in emulated_windows({"vcpus": vm.vcpus, "console": vm.console}, p):
        lines.append(f"    {span(base, size, 8)}  (emulated {name})")
    lines.append("  images:")
    for image in vm.images:
        what = image.path or f"generated {vm.name}.dtb (up to 2 MiB reserved)"
        if image.data:
            what = f"{image.path}, checked and fixed up into {vm.name}.dtb"
        size = f"{image.size} bytes, " if image.size else ""
        lines.append(f"    {image.kind:6} {what}: {size}at IPA 0x{image.load:x} (PA 0x{ipa_to_pa(vm, image.load):x})")
    lines.append(f"  entry IPA 0x{vm.entry:x}, DTB IPA 0x{vm.dtb.load:x}")
    lines.append(f"  devices: {', '.join(vm.devices) or 'none'}; interrupts (SPI INTIDs): "
                 f"{', '.join(str(i) for i in sorted(vm.irqs)) or 'none'}")
    if vm.bootargs:
        lines.append(f"  bootargs: {vm.bootargs}")
    lines.append(f"  stage-2 tables: {vm.pool_pages} pages (pool pages {vm.pool_first}-"
                 f"{vm.pool_first + vm.pool_pages - 1})")
    return lines


def describe(plan):
    """The human-readable partition plan printed by --describe."""
    p = plan.platform
    lines = [f"configuration {plan.name}" + (f": {plan.description}" if plan.description else ""),
             f"platform {p['name']}: {len(p['cpu'])} CPUs, RAM {span(p['ram']['base'], p['ram']['size'])}, "
             f"hypervisor {span(p['hypervisor']['base'], p['hypervisor']['size'])} "
             f"(load 0x{p['hypervisor']['load']:x})", "", "physical CPUs:"]
    vcpu_names = [f"{vm.name}.vcpu{i}" for vm in plan.vms for i in range(len(vm.vcpus))]
    for pcpu, vcpus in enumerate(plan.pcpu_vcpus):
        lines.append(f"  pCPU {pcpu}: " + (", ".join(vcpu_names[v] for v in vcpus) or "idle"))
    for vm in plan.vms:
        lines += [""] + describe_vm(vm, p)
    lines += ["", f"stage-2 pool: {sum(vm.pool_pages for vm in plan.vms)} pages"]
    return "\n".join(lines) + "\n"


# ---- Outputs ---------------------------------------------------------------

def quote(text):
    """A double-quoted C / assembler / DTS string literal."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.extend(f"\\{b:03o}" for b in ch.encode())
    return '"' + "".join(out) + '"'


def template_env():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["hex"] = lambda v: f"0x{v:x}"
    env.filters["quote"] = quote
    env.filters["cells"] = lambda v: f"0x{v >> 32:x} 0x{v & 0xFFFFFFFF:x}"
    return env


def dts_context(vm, plan):
    p = plan.platform
    devices = [dict(p["devices"][name], spis=[i - 32 for i in p["devices"][name]["irqs"]])
               for name in vm.devices]
    initrd = vm.initrd
    return dict(vm=vm, plan=plan, platform=p, cpu_type=p["qemu"]["cpu"],
                memory=[r for r in vm.ram if not r.flags & CFG_MEM_RO],
                gicr_size=len(vm.vcpus) * p["gic"]["redistributor"]["stride"],
                ppi=lambda intid: intid - 16, uart_spi=p["uart"]["irq"] - 32,
                has_uart=vm.console != "hypercall", devices=devices,
                initrd=(initrd.load, initrd.load + initrd.size) if initrd else None)


def compile_dtbs(plan, env, errors_file):
    """Renders and compiles each generated DTS; returns {filename: bytes}."""
    files = {}
    with tempfile.TemporaryDirectory(prefix="gen_config.") as tmp:
        for vm in plan.vms:
            if vm.dtb.path is not None:
                continue
            dts = env.get_template("vm.dts.j2").render(dts_context(vm, plan))
            with open(os.path.join(tmp, f"{vm.name}.dts"), "w") as f:
                f.write(dts)
            cmd = ["dtc", "-I", "dts", "-O", "dtb", "-o", f"{vm.name}.dtb", f"{vm.name}.dts"]
            try:
                res = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
            except FileNotFoundError:
                raise GenError("dtc not found; install the device-tree-compiler package") from None
            if res.returncode != 0:
                raise GenError(f"{errors_file}: vm '{vm.name}': dtb: dtc failed on the generated "
                               f"{vm.name}.dts:\n{res.stderr.strip()}")
            if res.stderr:
                sys.stderr.write(res.stderr)
            with open(os.path.join(tmp, f"{vm.name}.dtb"), "rb") as f:
                dtb = f.read()
            if len(dtb) > DTB_MAX:
                raise GenError(f"{errors_file}: vm '{vm.name}': dtb: generated DTB is {len(dtb)} "
                               f"bytes; at most 2 MiB")
            vm.dtb.size = len(dtb)
            files[f"{vm.name}.dts"] = dts.encode()
            files[f"{vm.name}.dtb"] = dtb
    return files


def render_all(plan, out_dir, config_file):
    """Every output file as {filename: bytes}; raises GenError if dtc fails."""
    env = template_env()
    files = compile_dtbs(plan, env, config_file)
    files.update({f"{vm.name}.dtb": vm.dtb.data for vm in plan.vms if vm.dtb.path})
    blobs = [(symbol, path or os.path.relpath(os.path.abspath(os.path.join(out_dir, f"{vm.name}.dtb"))))
             for symbol, path, vm in plan.blobs]
    context = dict(plan=plan, platform=plan.platform, blobs=blobs,
                   max_vcpus_per_vm=max(len(vm.vcpus) for vm in plan.vms),
                   max_vcpus_per_pcpu=max(len(v) for v in plan.pcpu_vcpus),
                   pool_pages=sum(vm.pool_pages for vm in plan.vms),
                   max_irqs=max(len(vm.irqs) for vm in plan.vms),
                   num_vcpus=sum(len(vm.vcpus) for vm in plan.vms),
                   consoles=CONSOLES, on_fault=ON_FAULT, flag_names=flag_names,
                   vdev_maps={vm.index: vdev_map(vm, plan.platform) for vm in plan.vms})
    for name in ("cfg_sizes.h", "hv_config.c", "images.S"):
        files[name] = env.get_template(f"{name}.j2").render(context).encode()
    return files


def flag_names(flags):
    names = ((CFG_MEM_RAM, "CFG_MEM_RAM"), (CFG_MEM_DEVICE, "CFG_MEM_DEVICE"),
             (CFG_MEM_SHARED, "CFG_MEM_SHARED"), (CFG_MEM_RO, "CFG_MEM_RO"))
    return " | ".join(n for bit, n in names if flags & bit)


def write_outputs(out_dir, files):
    """Writes the files into out_dir, leaving unchanged ones untouched (keeps make quiet)."""
    os.makedirs(out_dir, exist_ok=True)
    for name, data in sorted(files.items()):
        path = os.path.join(out_dir, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                if f.read() == data:
                    continue
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)


# ---- Command line ----------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description="Validate a hypervisor configuration and generate "
                                                 "its static tables (see docs/configuration.md).")
    parser.add_argument("--platform", required=True, help="platform TOML file")
    parser.add_argument("--config", required=True, help="VM configuration TOML file")
    parser.add_argument("--out", help="directory for the generated files (nothing is written without it)")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=PATH",
                        help="value of ${NAME} in file keys (repeatable)")
    parser.add_argument("--describe", action="store_true", help="print the partition plan")
    parser.add_argument("--depfile", metavar="FILE",
                        help="with --out: write a make rule making OUT/.stamp depend on every input file")
    args = parser.parse_args(argv)
    args.variables = {}
    for item in args.var:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            parser.error(f"--var {item}: expected NAME=PATH")
        args.variables[name] = value
    return args


def main(argv=None):
    args = parse_args(argv)
    errors = Errors()
    plan = build_plan(args.platform, args.config, args.variables, errors)
    if plan is None:
        for line in errors.lines:
            print(line, file=sys.stderr)
        return 1
    if args.out:
        try:
            files = render_all(plan, args.out, args.config)
        except GenError as e:
            print(e, file=sys.stderr)
            return 1
    if args.describe:
        sys.stdout.write(describe(plan))
    if args.out:
        try:
            write_outputs(args.out, files)
            if args.depfile:
                write_depfile(args.depfile, os.path.join(args.out, ".stamp"), plan, args)
        except OSError as e:
            print(f"{args.out}: cannot write: {e}", file=sys.stderr)
            return 1
    return 0


def write_depfile(path, target, plan, args):
    """A make rule: the generated files depend on the TOML files and on every
    image and DTB file they name (so editing a user DTB regenerates)."""
    inputs = [args.platform, args.config]
    inputs += [p for _, p, _ in plan.blobs if p]
    inputs += [vm.dtb.path for vm in plan.vms if vm.dtb.path]
    seen = []
    for p in inputs:
        if p not in seen:
            seen.append(p)
    with open(path, "w") as f:
        f.write(f"{target}: " + " ".join(p.replace(" ", "\\ ") for p in seen) + "\n")


if __name__ == "__main__":
    sys.exit(main())
