#!/usr/bin/python3
"""No dynamic allocation, no foreign C library: checks the linked image
(link map and ELF symbol table) and reports its static memory.

  alloc_check.py --elf B/hypervisor.elf --map B/hypervisor.map --obj B/obj \
                 --libfdt .deps/libfdt.a --gen B/gen --out alloc.txt

Fails (exit 1) if:
- a symbol of an allocator (malloc, calloc, realloc, free, sbrk, brk, ...)
  is defined or referenced anywhere in the image;
- the image has an undefined symbol (everything is resolved at link time);
- the link map shows an input other than the project's objects (B/obj/) and
  members of libfdt.a (no libc.a, libgcc.a, crt files);
- a symbol of the image comes from none of those objects nor the linker
  script (hv.ld);
- a function of the C standard library is defined by anything other than
  src/core/lib.c (libfdt's objects reference them, lib.c provides them);
- a section looks like a heap (.heap, .sbrk, a section named *heap*), or a
  writable allocated section other than .data, .bss and the GOT exists.
The report lists the sections, the largest static objects, and the static
memory per VM (struct vm, its VCPUs, its stage-2 tables) and for the
hypervisor (text, data, bss, stacks, the stage-2 pool).
"""
import argparse
import glob
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in tools/
from check_report import finish  # noqa: E402

NM = "aarch64-linux-gnu-nm"
READELF = "aarch64-linux-gnu-readelf"

ALLOCATORS = {"malloc", "calloc", "realloc", "reallocarray", "free", "cfree", "sbrk", "_sbrk", "brk",
              "_brk", "__brk", "__sbrk", "posix_memalign", "aligned_alloc", "memalign", "valloc",
              "pvalloc", "malloc_usable_size", "_malloc_r", "_free_r", "_realloc_r", "_calloc_r",
              "__libc_malloc", "__libc_free", "__libc_calloc", "__libc_realloc", "mmap", "munmap",
              "alloca", "__builtin_alloca", "_Znwm", "_Znam", "_ZdlPv", "_ZdaPv", "strdup", "strndup"}

# The C standard library's functions (C11, freestanding and hosted headers).
LIBC = set("""
memcpy memmove memset memcmp memchr strlen strnlen strcpy strncpy strcat strncat strcmp strncmp
strcoll strxfrm strchr strrchr strspn strcspn strpbrk strstr strtok strerror strtol strtoul
strtoll strtoull strtod strtof strtold atoi atol atoll atof abs labs llabs div ldiv lldiv
qsort bsearch rand srand abort exit _Exit atexit quick_exit at_quick_exit getenv system
printf fprintf sprintf snprintf vprintf vfprintf vsprintf vsnprintf puts putchar fputs fputc
putc getchar getc fgetc fgets scanf sscanf fscanf fopen fclose fread fwrite fflush fseek ftell
rewind remove rename tmpfile perror setjmp longjmp signal raise time clock difftime mktime
localtime gmtime strftime asctime ctime isalnum isalpha isdigit isspace isupper islower
isxdigit isprint toupper tolower __stack_chk_fail __stack_chk_guard
""".split()) | ALLOCATORS


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def nm_defined(path):
    """{symbol} defined (any section) by an object or archive."""
    out = set()
    for line in run([NM, "--defined-only", path]).splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out.add(parts[2])
    return out


def sizes_h(path):
    vals = {}
    with open(path) as f:
        for m in re.finditer(r"^#define (CFG_\w+) CFG_U+L*\((\w+)\)", f.read(), re.M):
            vals[m.group(1)] = int(m.group(2), 0)
    return vals


def vms_of(hv_config):
    """[(name, num_vcpus, s2_pool_pages, ram_bytes)] from the generated tables."""
    with open(hv_config) as f:
        text = f.read()
    regions = {}
    for m in re.finditer(r"static const struct cfg_mem_region (\w+)\[\] = \{(.*?)\n\};", text, re.S):
        total = 0
        for r in re.finditer(r"\.size = (0x[0-9a-fA-F]+|\d+)ULL,\s*\.flags = ([^}]*)\}", m.group(2)):
            if "CFG_MEM_RAM" in r.group(2):
                total += int(r.group(1), 0)
        regions[m.group(1)] = total
    out = []
    body = text.split("const struct cfg_vm cfg_vms", 1)[1].split("\n};", 1)[0]
    for m in re.finditer(r"\{\s*\.name = \"([^\"]+)\",(.*?)\n    \}", body, re.S):
        fields = dict(re.findall(r"\.(\w+) = ([^,]+),", m.group(2)))
        num = lambda k: int(fields[k].rstrip("ULul"), 0)
        out.append((m.group(1), num("num_vcpus"), num("s2_pool_pages"), regions.get(fields["regions"], 0)))
    return out


def kib(n):
    return f"{n:>10} B  ({n / 1024:.1f} KiB)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--obj", required=True, help="the build's object directory (B/obj)")
    ap.add_argument("--libfdt", required=True)
    ap.add_argument("--gen", required=True, help="the generated config directory (B/gen)")
    ap.add_argument("--lds", help="the linker script (B/hv.ld): its symbols are allowed")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    errors, out = [], []

    # --- symbols of the image
    syms = {}     # name -> (type, size)
    undefined = []
    for line in run([NM, "-S", a.elf]).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("U", "w", "v"):
            undefined.append(parts[1])
            continue
        if len(parts) == 2 and parts[0] in "Ww":
            undefined.append(parts[1])
            continue
        if len(parts) == 3:
            syms[parts[2]] = (parts[1], 0)
        elif len(parts) == 4:
            syms[parts[3]] = (parts[2], int(parts[1], 16))
    for u in undefined:
        errors.append(f"undefined symbol in the image: {u}")
    bad = sorted((set(syms) | set(undefined)) & ALLOCATORS)
    for s in bad:
        errors.append(f"allocator symbol in the image: {s}")

    # --- inputs of the link
    with open(a.map) as f:
        mp = f.read()
    inputs = set(re.findall(r"^LOAD (\S+)$", mp, re.M))
    tail = mp.split("Linker script and memory map", 1)[-1]
    for tok in re.findall(r"(\S+\.(?:o|a)(?:\([^)]*\))?)$", tail, re.M):
        inputs.add(tok)
    members = set(re.findall(r"^(\S+\.a\([^)]*\))", mp, re.M))
    inputs |= members
    objdir = os.path.normpath(a.obj) + "/"
    libfdt = os.path.normpath(a.libfdt)
    ok_inputs, fdt_members = [], []
    for i in sorted(inputs):
        if i.startswith(objdir):
            ok_inputs.append(i)
        elif i == libfdt or re.fullmatch(re.escape(libfdt) + r"\((fdt[\w]*\.o)\)", i):
            if "(" in i:
                fdt_members.append(i)
        else:
            errors.append(f"link input outside the project and libfdt: {i}")

    # --- every symbol comes from a project object, libfdt or the linker script
    proj = {}
    for o in sorted(glob.glob(os.path.join(a.obj, "**", "*.o"), recursive=True)):
        if o not in inputs:
            continue
        for s in nm_defined(o):
            proj.setdefault(s, o)
    fdt_syms = nm_defined(a.libfdt)
    lds_syms = set()
    if a.lds and os.path.exists(a.lds):
        with open(a.lds) as f:
            lds_syms = set(re.findall(r"\b([A-Za-z_]\w*)\s*=", f.read()))
    lds_syms |= {"_GLOBAL_OFFSET_TABLE_"}    # made by the linker for libfdt's GOT accesses
    stray = sorted(s for s in syms if s not in proj and s not in fdt_syms and s not in lds_syms
                   and not s.startswith("$") and not s.startswith(".L"))
    for s in stray:
        errors.append(f"symbol {s} comes from no project object, libfdt or the linker script")
    lib_o = next((o for o in proj.values() if o.endswith("src/core/lib.c.o")), None)
    lib_defs = nm_defined(lib_o) if lib_o else set()
    libc_here = sorted(s for s in syms if s in LIBC)
    for s in libc_here:
        if s not in lib_defs:
            errors.append(f"C library function {s} not defined by src/core/lib.c")

    # --- sections
    sections = []
    for line in run([READELF, "-SW", a.elf]).splitlines():
        m = re.match(r"^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*)\s", line)
        if m and m.group(1) != "NULL":
            name, typ, addr, size, flags = m.group(1), m.group(2), int(m.group(3), 16), int(m.group(4), 16), m.group(5)
            sections.append((name, typ, addr, size, flags))
    for name, typ, addr, size, flags in sections:
        if "heap" in name.lower() or name in (".sbrk", ".brk"):
            errors.append(f"heap-like section {name}")
        if "A" in flags and "W" in flags and name not in (".data", ".bss", ".got", ".got.plt"):
            errors.append(f"unexpected writable section {name} ({size} bytes)")
    secsize = {s[0]: s[3] for s in sections}

    # --- report
    cfg = sizes_h(os.path.join(a.gen, "cfg_sizes.h"))
    vms = vms_of(os.path.join(a.gen, "hv_config.c"))
    nvms, nvcpus, npcpus = cfg.get("CFG_NUM_VMS", 0), cfg.get("CFG_NUM_VCPUS", 0), cfg.get("CFG_NUM_PCPUS", 0)

    def size_of(s):
        return syms.get(s, ("?", 0))[1]

    out.append(f"Image: {a.elf}")
    out.append(f"Link inputs: {len(ok_inputs)} project objects, libfdt members: "
               f"{', '.join(m[m.index('(') + 1:-1] for m in fdt_members)}")
    out.append(f"Undefined symbols: {len(undefined)}; allocator symbols: {len(bad)} "
               f"(checked: {', '.join(sorted(ALLOCATORS - {'__builtin_alloca'})[:12])}, ...)")
    out.append(f"C library functions in the image, all from src/core/lib.c: {' '.join(libc_here)}")
    out.append("")
    out.append("Sections (allocated):")
    for name, typ, addr, size, flags in sections:
        if "A" in flags:
            out.append(f"  {name:<16} {typ:<9} 0x{addr:010x} {kib(size)}  {flags}")
    text = secsize.get(".text", 0)
    rodata = secsize.get(".rodata", 0)
    data = secsize.get(".data", 0) + secsize.get(".got", 0) + secsize.get(".got.plt", 0)
    bss = secsize.get(".bss", 0)
    images = sum(s[3] for s in sections if "image" in s[0])
    stacks, pool = size_of("hv_stacks"), size_of("s2_pool")
    s_vm = size_of("vms") // nvms if nvms else 0
    s_vcpu = size_of("vcpus") // nvcpus if nvcpus else 0
    s_pcpu = size_of("pcpus") // npcpus if npcpus else 0
    out.append("")
    out.append("Hypervisor (static, fixed at link time):")
    out.append(f"  text            {kib(text)}")
    out.append(f"  rodata          {kib(rodata)}   (read-only tables, strings)")
    out.append(f"  data            {kib(data)}   (.data + GOT)")
    out.append(f"  bss             {kib(bss)}   of which:")
    out.append(f"    stacks        {kib(stacks)}   hv_stacks: {npcpus} CPUs x {stacks // npcpus if npcpus else 0} B")
    out.append(f"    stage-2 pool  {kib(pool)}   s2_pool: {cfg.get('CFG_S2_POOL_PAGES', 0)} pages of 4 KiB")
    out.append(f"    VMs           {kib(size_of('vms'))}   vms: {nvms} x struct vm ({s_vm} B)")
    out.append(f"    VCPUs         {kib(size_of('vcpus'))}   vcpus: {nvcpus} x struct vcpu ({s_vcpu} B)")
    out.append(f"    physical CPUs {kib(size_of('pcpus'))}   pcpus: {npcpus} x struct pcpu ({s_pcpu} B)")
    out.append(f"  guest images    {kib(images)}   (.incbin'd kernels, initramfs, DTBs; copied into guest RAM)")
    out.append(f"  total in RAM    {kib(text + rodata + data + bss + images)}")
    out.append("")
    out.append("Per VM (hypervisor memory it uses; its own RAM is separate, carved out at build time):")
    out.append(f"  {'vm':<12} {'vcpus':>5} {'struct vm':>10} {'vcpus B':>8} {'stage 2':>8} {'total B':>8} {'guest RAM':>12}")
    for name, nv, pages, ram in vms:
        tot = s_vm + nv * s_vcpu + pages * 4096
        out.append(f"  {name:<12} {nv:>5} {s_vm:>10} {nv * s_vcpu:>8} {pages * 4096:>8} {tot:>8} "
                   f"{ram // (1 << 20):>8} MiB")
    out.append("")
    out.append("Largest static objects (bss/data/rodata, guest images excluded):")
    objs = sorted(((sz, n, t) for n, (t, sz) in syms.items() if t in "bBdDrR" and not n.startswith("hv_blob")),
                  reverse=True)[:12]
    for sz, n, t in objs:
        out.append(f"  {sz:>8} B  {n} ({t})")
    if errors:
        out += ["", "FAILED:"]
        out += [f"  {e}" for e in errors]
    summary = (f"alloc: {'PASS' if not errors else 'FAIL'}: no allocator, no libc beyond lib.c; "
               f"struct vm {s_vm} B, struct vcpu {s_vcpu} B; hypervisor {(text + rodata + data + bss) // 1024} KiB "
               f"(stacks {stacks // 1024} KiB, stage-2 pool {pool // 1024} KiB)")
    if errors:
        summary = f"alloc: FAIL: {len(errors)} problem(s)"
    return finish("alloc_check", out, summary, errors, a.out)


if __name__ == "__main__":
    sys.exit(main())
