#!/usr/bin/python3
"""Worst-case stack depth of every entry point of the hypervisor, from the
compiler's own data: GCC's -fstack-usage (.su: the frame of each function)
and -fcallgraph-info=su (.ci: who calls whom, indirect calls included).

What the compiler cannot see comes from an annotation file
(tools/stack_annotations.txt, format below): assembly functions and their
stack use, the targets of each function's indirect calls, the frames and
callees of the libfdt functions (Debian's libfdt.a has no .su), the entry
points, and functions deliberately left out of every path.

  stack_check.py --obj DIR --annotations FILE --stack-size-from cpu.c \
                 [--boot-s boot.S] [--libfdt libfdt.a] [--out stack.txt]
  stack_check.py --measure libfdt.a [--roots fdt_a,fdt_b]   (prints 'extern' lines)

Fails (exit 1) on: recursion in the call graph; a depth above the per-CPU
stack; a frame the compiler marks dynamic; a call to a function nobody
defines or declares; an indirect call without annotated targets; an
annotated target that does not exist; a libfdt frame smaller than its
disassembly shows (or a callee the annotation misses); a defined function
that no entry point reaches and that is not declared unused (its calls
might hide an unannotated indirect call).

Annotation lines (# starts a comment):
  entry  <label> <function> [on-top-of <label>,<label>...]
  asm    <function> <bytes> [-> <callee> ...]
  extern <function> <bytes> [-> <callee> ...]        libfdt, measured
  indirect <caller> -> <target> ...                  targets may be globs
  unused <function>                                  reason in a comment
  cut    <caller> -> <callee>                        an edge that cannot be taken
  argcheck <function> <n> <regex>                    every call in the C sources
                                                     passes an n-th argument matching
                                                     regex (the premise of a cut)
Functions are named as in the .ci files: `name` for external linkage,
`path/file.c:name` for internal linkage.
"""
import argparse
import fnmatch
import glob
import os
import re
import subprocess
import sys

OBJDUMP = "aarch64-linux-gnu-objdump"


class Graph:
    def __init__(self):
        self.frame = {}      # function -> bytes
        self.kind = {}       # function -> "c" | "asm" | "extern"
        self.where = {}      # function -> "file:line"
        self.calls = {}      # function -> set of callees
        self.indirect = {}   # function -> list of call sites
        self.errors = []

    def add(self, fn, size, kind, where):
        if fn in self.frame and self.kind.get(fn) == "c" and kind == "c":
            self.errors.append(f"{fn} defined twice ({self.where[fn]}, {where})")
        self.frame[fn] = size
        self.kind[fn] = kind
        self.where[fn] = where
        self.calls.setdefault(fn, set())


# ---------------------------------------------------------------------------
# GCC's .su and .ci files

NODE = re.compile(r'^node: \{ title: "([^"]+)" label: "([^"]*)"(.*)\}$')
EDGE = re.compile(r'^edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)" label: "([^"]*)" \}$')


def read_su(path):
    """{(file:line:col, name): (bytes, qualifier)}"""
    out = {}
    with open(path) as f:
        for line in f:
            loc, size, qual = line.rstrip("\n").split("\t")
            where, name = loc.rsplit(":", 1)
            out[(where, name)] = (int(size), qual)
    return out


def read_ci(path, g):
    su = read_su(path[:-3] + ".su")
    with open(path) as f:
        for line in f:
            line = line.strip()
            m = NODE.match(line)
            if m:
                title, label, rest = m.groups()
                parts = label.split("\\n")
                if "shape : ellipse" in rest or len(parts) < 3:
                    continue      # declared here, defined elsewhere (or the indirect placeholder)
                name, where = parts[0], parts[1]
                key = (where, name)
                if key not in su:
                    g.errors.append(f"{title}: in {os.path.basename(path)} but not in its .su")
                    continue
                size, qual = su[key]
                if qual != "static":
                    g.errors.append(f"{title} ({where}): frame is '{qual}' (VLA or alloca): not bounded")
                g.add(title, size, "c", where)
                continue
            m = EDGE.match(line)
            if m:
                src, dst, site = m.groups()
                if dst == "__indirect_call":
                    g.indirect.setdefault(src, []).append(site)
                else:
                    g.calls.setdefault(src, set()).add(dst)


# ---------------------------------------------------------------------------
# libfdt.a: frames and calls from the disassembly

FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
INSN = re.compile(r"^\s+[0-9a-f]+:\s+(?:[0-9a-f]{8}\s+)?(\S+)\s*(.*)$")
RELOC = re.compile(r"^\s+[0-9a-f]+: R_AARCH64_(CALL26|JUMP26|CONDBR19|TSTBR14)\s+(\S+)$")
PUSH = re.compile(r"\[sp, #-(\d+)\]!")
SUBSP = re.compile(r"^sp, sp, #(0x[0-9a-f]+|\d+)(, lsl #12)?$")
TARGET = re.compile(r"([0-9a-f]+) <([^>+]+)(\+0x[0-9a-f]+)?>")
BRANCH = ("bl", "b", "cbz", "cbnz", "tbz", "tbnz")


def measure(lib):
    """{function: (bytes, callees)} for every function of a static library:
    bytes = every stack-pointer decrement in its body (pre-indexed stores
    with writeback to sp, `sub sp, sp, #N`), so a function with several
    prologue copies is over-estimated, never under; callees = bl targets
    and branches to another function (tail calls). In an object file an
    external target shows as a relocation, which wins over the displayed
    address. A blr/br (indirect call or jump table) is reported as an error."""
    dis = subprocess.run([OBJDUMP, "-dr", lib], capture_output=True, text=True, check=True).stdout
    funcs, errors = {}, []
    cur, pending = None, None

    def commit():
        if pending and pending[1] is None and pending[0] != cur:
            funcs[cur][1].add(pending[0])

    for line in dis.splitlines():
        m = FUNC.match(line)
        if m:
            if cur:
                commit()
            cur, pending = m.group(1), None
            funcs[cur] = [0, set()]
            continue
        if cur is None:
            continue
        m = RELOC.match(line)
        if m:
            if pending is not None:
                if m.group(2) != cur:
                    funcs[cur][1].add(m.group(2))
                pending = None
            continue
        m = INSN.match(line)
        if not m:
            continue
        commit()
        pending = None
        op, args = m.group(1), m.group(2)
        p = PUSH.search(args)
        if p and op in ("stp", "str"):
            funcs[cur][0] += int(p.group(1))
        s = SUBSP.match(args)
        if op == "sub" and s:
            n = int(s.group(1), 0)
            funcs[cur][0] += n << 12 if s.group(2) else n
        if op in ("blr", "br"):
            errors.append(f"{cur}: indirect call or jump '{op} {args}'")
        if op in BRANCH or op.startswith("b."):
            t = TARGET.search(args)
            if t:
                pending = (t.group(2), t.group(3))
    if cur:
        commit()
    return {fn: (v[0], v[1]) for fn, v in funcs.items()}, errors


def closure(funcs, roots):
    seen, todo = set(), list(roots)
    while todo:
        f = todo.pop()
        if f in seen or f not in funcs:
            continue
        seen.add(f)
        todo.extend(funcs[f][1])
    return seen


# ---------------------------------------------------------------------------
# Annotations

def read_annotations(path):
    ann = {"entry": [], "asm": {}, "extern": {}, "indirect": {}, "unused": set(), "cut": [],
           "argcheck": []}
    errors = []
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            head, _, tail = line.partition("->")
            words = head.split()
            callees = tail.split()
            kind = words[0]
            try:
                if kind == "entry":
                    on_top = []
                    if len(words) == 5 and words[3] == "on-top-of":
                        on_top = words[4].split(",")
                    elif len(words) != 3:
                        raise ValueError
                    ann["entry"].append((words[1], words[2], on_top))
                elif kind in ("asm", "extern"):
                    if len(words) != 3:
                        raise ValueError
                    ann[kind][words[1]] = (int(words[2], 0), set(callees))
                elif kind == "indirect":
                    if len(words) != 2 or not callees:
                        raise ValueError
                    ann["indirect"].setdefault(words[1], []).extend(callees)
                elif kind == "unused":
                    if len(words) != 2:
                        raise ValueError
                    ann["unused"].add(words[1])
                elif kind == "cut":
                    if len(words) != 2 or len(callees) != 1:
                        raise ValueError
                    ann["cut"].append((words[1], callees[0]))
                elif kind == "argcheck":
                    if len(words) != 4:
                        raise ValueError
                    ann["argcheck"].append((words[1], int(words[2]), re.compile(words[3])))
                else:
                    raise ValueError
            except ValueError:
                errors.append(f"{path}:{n}: cannot parse: {raw.strip()}")
    return ann, errors


# ---------------------------------------------------------------------------

def call_args(src, fn, n):
    """[(file:line, text of the n-th argument)] of every call of fn in src/**/*.c."""
    out = []
    for path in sorted(glob.glob(os.path.join(src, "**", "*.c"), recursive=True)):
        with open(path) as f:
            text = f.read()
        for m in re.finditer(r"\b%s\s*\(" % re.escape(fn), text):
            i, depth, args, cur = m.end(), 1, [], ""
            while i < len(text) and depth:
                c = text[i]
                if c == '"':
                    j = i + 1
                    while j < len(text) and text[j] != '"':
                        j += 2 if text[j] == "\\" else 1
                    cur += text[i:j + 1]
                    i = j + 1
                    continue
                if c in "([{":
                    depth += 1
                elif c in ")]}":
                    depth -= 1
                if depth == 1 and c == ",":
                    args.append(cur.strip())
                    cur = ""
                elif depth:
                    cur += c
                i += 1
            args.append(cur.strip())
            line = text.count("\n", 0, m.start()) + 1
            out.append((f"{path}:{line}", args[n - 1] if len(args) >= n else ""))
    return out


def stack_size(cpu_c, boot_s):
    def grab(path):
        with open(path) as f:
            m = re.search(r"^#define\s+STACK_SIZE\s+(0x[0-9a-fA-F]+|\d+)u?\b", f.read(), re.M)
        if not m:
            sys.exit(f"stack_check: no '#define STACK_SIZE' in {path}")
        return int(m.group(1), 0)
    size = grab(cpu_c)
    if boot_s and grab(boot_s) != size:
        sys.exit(f"stack_check: STACK_SIZE differs between {cpu_c} and {boot_s}")
    return size


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--obj", help="directory with the .su and .ci files (searched recursively)")
    ap.add_argument("--annotations")
    ap.add_argument("--stack-size-from", help="C file with '#define STACK_SIZE'")
    ap.add_argument("--boot-s", help="assembly file whose STACK_SIZE must agree")
    ap.add_argument("--libfdt", help="static library whose frames the 'extern' lines declare")
    ap.add_argument("--src", default="src", help="C sources for 'argcheck' (default src)")
    ap.add_argument("--out")
    ap.add_argument("--measure", help="print 'extern' lines for this static library and exit")
    ap.add_argument("--roots", default="", help="with --measure: only what these functions reach")
    a = ap.parse_args()

    if a.measure:
        funcs, errs = measure(a.measure)
        keep = closure(funcs, a.roots.split(",")) if a.roots else set(funcs)
        for fn in sorted(keep):
            size, callees = funcs[fn]
            tail = (" -> " + " ".join(sorted(callees))) if callees else ""
            print(f"extern {fn} {size}{tail}")
        for e in errs:
            print(f"# ERROR {e}")
        return 1 if errs else 0

    if not (a.obj and a.annotations and a.stack_size_from):
        ap.error("--obj, --annotations and --stack-size-from are required")
    limit = stack_size(a.stack_size_from, a.boot_s)
    g = Graph()
    cis = sorted(glob.glob(os.path.join(a.obj, "**", "*.ci"), recursive=True))
    if not cis:
        sys.exit(f"stack_check: no .ci files under {a.obj}")
    for ci in cis:
        read_ci(ci, g)
    ann, errors = read_annotations(a.annotations)
    errors += g.errors
    notes = []

    for kind in ("asm", "extern"):
        for fn, (size, callees) in ann[kind].items():
            if fn in g.frame and g.kind[fn] == "c":
                errors.append(f"{kind} {fn}: also defined in C")
            g.add(fn, size, kind, a.annotations)
            g.calls[fn] = set(callees)

    # libfdt: the declared frames must cover the measured ones.
    if a.libfdt:
        funcs, errs = measure(a.libfdt)
        errors += [f"{a.libfdt}: {e}" for e in errs]
        for fn, (size, callees) in ann["extern"].items():
            if fn not in funcs:
                errors.append(f"extern {fn}: not in {a.libfdt}")
                continue
            msize, mcallees = funcs[fn]
            if size < msize:
                errors.append(f"extern {fn}: declared {size} bytes, the disassembly shows {msize}")
            if not mcallees <= callees:
                errors.append(f"extern {fn}: calls {' '.join(sorted(mcallees - callees))} "
                              f"not declared (re-run --measure)")
        notes.append(f"libfdt frames re-measured from {a.libfdt}: {len(ann['extern'])} declared functions checked")

    # Edges that cannot be taken, and the argument checks they rest on.
    for caller, callee in ann["cut"]:
        if callee not in g.calls.get(caller, set()):
            errors.append(f"cut {caller} -> {callee}: no such call (stale annotation)")
        g.calls.get(caller, set()).discard(callee)
    for fn, n, rx in ann["argcheck"]:
        sites = call_args(a.src, fn, n)
        if not sites:
            errors.append(f"argcheck {fn}: no call found under {a.src}")
        for where, arg in sites:
            if not rx.search(arg):
                errors.append(f"argcheck {fn}: {where}: argument {n} is {arg!r}, not /{rx.pattern}/")
        if sites:
            notes.append(f"argcheck {fn}: argument {n} of {len(sites)} call(s) matches /{rx.pattern}/")

    # Indirect calls: every call site's function needs annotated targets.
    for caller, sites in sorted(g.indirect.items()):
        pats = ann["indirect"].get(caller)
        if not pats:
            errors.append(f"{caller}: indirect call at {', '.join(sites)} without 'indirect' annotation")
            continue
        for pat in pats:
            hits = [fn for fn in g.frame if fnmatch.fnmatchcase(fn, pat)]
            if not hits:
                errors.append(f"indirect {caller}: target {pat} matches no function")
            g.calls[caller].update(hits)
    for caller in ann["indirect"]:
        if caller not in g.indirect:
            errors.append(f"indirect {caller}: the compiler sees no indirect call there (stale annotation)")

    # Every callee must be known.
    for fn, callees in sorted(g.calls.items()):
        if fn not in g.frame:
            continue
        for c in sorted(callees):
            if c not in g.frame:
                errors.append(f"{fn} calls {c}: defined nowhere (no .ci node, no asm/extern annotation)")

    # Recursion: strongly connected components (iterative Tarjan).
    index, low, on, stack, sccs, counter = {}, {}, set(), [], [], [0]
    for root in sorted(g.frame):
        if root in index:
            continue
        work = [(root, iter(sorted(g.calls.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next((w for w in it if w in g.frame), None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(g.calls.get(nxt, ())))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in g.calls.get(v, ()):
                    sccs.append(sorted(comp))
    for comp in sccs:
        errors.append("recursion: " + " <-> ".join(comp))

    # Worst-case depth (the graph is acyclic once recursion is reported).
    depth, best = {}, {}
    cyclic = {f for comp in sccs for f in comp}

    def solve(fn):
        todo = [(fn, False)]
        while todo:
            f, done = todo.pop()
            if f in depth:
                continue
            if done:
                kids = [c for c in g.calls.get(f, ()) if c in g.frame and c not in cyclic]
                sub = max(kids, key=lambda c: depth[c], default=None)
                depth[f] = g.frame[f] + (depth[sub] if sub else 0)
                best[f] = sub
                continue
            todo.append((f, True))
            for c in g.calls.get(f, ()):
                if c in g.frame and c not in depth and c not in cyclic:
                    todo.append((c, False))
        return depth[fn]

    results = []
    reached = set()
    known = {}
    for label, fn, on_top in ann["entry"]:
        if fn not in g.frame:
            errors.append(f"entry {label}: {fn} is not defined")
            continue
        d = solve(fn)
        base = max((known[x][0] for x in on_top if x in known), default=0)
        for x in on_top:
            if x not in known:
                errors.append(f"entry {label}: on-top-of {x}: no such entry (list it first)")
        path, f = [], fn
        while f:
            path.append(f)
            f = best.get(f)
        total = base + d
        known[label] = (total, path)
        results.append((label, fn, total, base, path))
        reached |= closure({k: (0, g.calls.get(k, set())) for k in g.frame}, [fn])
        if total > limit:
            errors.append(f"entry {label} ({fn}): worst case {total} bytes > stack size {limit}")

    unreached = sorted(fn for fn in g.frame if g.kind[fn] == "c" and fn not in reached)
    for fn in unreached:
        if fn not in ann["unused"]:
            errors.append(f"{fn} ({g.where[fn]}): reached from no entry point and not declared "
                          f"'unused' (an indirect call target missing from the annotations?)")
    for fn in sorted(ann["unused"]):
        if fn in reached:
            errors.append(f"unused {fn}: it is reached (stale annotation)")
        elif fn not in g.frame:
            errors.append(f"unused {fn}: not defined (stale annotation)")

    lines = [f"Worst-case stack depth per entry point (per-CPU stack: {limit} bytes, "
             f"STACK_SIZE in {a.stack_size_from})", ""]
    lines.append(f"{'entry':<12} {'function':<22} {'bytes':>6} {'% of stack':>10}")
    for label, fn, total, base, path in results:
        lines.append(f"{label:<12} {fn:<22} {total:>6} {100.0 * total / limit:>9.1f}%")
    for label, fn, total, base, path in results:
        lines.append("")
        extra = f" on top of {base} bytes of the deepest entry it interrupts" if base else ""
        lines.append(f"Deepest path of {label} ({fn}){extra}:")
        for f in path:
            lines.append(f"  {g.frame[f]:>6}  {f}  [{g.kind[f]}] {g.where[f] if g.kind[f] == 'c' else ''}".rstrip())
    lines.append("")
    lines.append(f"Functions: {sum(1 for k in g.kind.values() if k == 'c')} C (from {len(cis)} .ci/.su pairs), "
                 f"{len(ann['asm'])} assembly, {len(ann['extern'])} libfdt (annotated)")
    ind = sum(len(v) for v in g.indirect.values())
    lines.append(f"Indirect call sites: {ind} in {len(g.indirect)} functions, resolved by annotation: "
                 + ", ".join(f"{c} -> {len([f for f in g.frame if any(fnmatch.fnmatchcase(f, p) for p in ann['indirect'].get(c, []))])} targets"
                             for c in sorted(g.indirect)))
    lines.append(f"Recursion: {'none' if not sccs else len(sccs)}")
    lines.append(f"Declared unused (not on any path): {', '.join(sorted(ann['unused'])) or 'none'}")
    lines += notes
    lines.append("")
    if errors:
        lines.append(f"FAILED: {len(errors)} problem(s)")
        lines += [f"  {e}" for e in errors]
    worst = max(results, key=lambda r: r[2]) if results else None
    if worst:
        summary = (f"worst {worst[2]} B of {limit} B ({worst[0]}: {worst[1]}), "
                   f"{len(results)} entries, recursion: {'none' if not sccs else 'YES'}")
    else:
        summary = "no entry point analysed"
    if errors:
        summary += f", {len(errors)} problem(s)"
    lines.append(f"stack: {'PASS' if not errors else 'FAIL'}: {summary}")
    text = "\n".join(lines) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    if errors:
        sys.stdout.write("\n".join(f"stack_check: {e}" for e in errors) + "\n")
    print(lines[-1])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
