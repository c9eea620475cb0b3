#!/usr/bin/python3
"""Requirements-to-tests matrix.

Reads the requirement table of docs/requirements.md (rows `| REQ-... | text
| source |`) and the requirement tags of the tests (the convention is in
that file: IDs in the comment lines directly above a test's definition), and
writes a Markdown matrix.

  trace_matrix.py [--requirements docs/requirements.md] [--out trace.md]

Fails (exit 1) if a requirement has no test, a test names an ID that is not
a requirement, an ID is listed twice, or a REQ- ID in a test file is not
attached to a test. Untagged tests are listed, not an error.
"""
import argparse
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQ = re.compile(r"\bREQ-[A-Z0-9]+-\d+\b")
ROW = re.compile(r"^\|\s*(REQ-[A-Z0-9]+-\d+)\s*\|\s*(.*?)\s*\|\s*(.*?)\s*\|\s*$")


def read_requirements(path):
    reqs, errors = {}, []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = ROW.match(line)
            if not m:
                continue
            rid, text, src = m.groups()
            if not re.fullmatch(r"REQ-[A-Z]+-\d\d", rid):
                errors.append(f"{path}:{n}: {rid}: IDs are REQ-<AREA>-<NN>")
            if rid in reqs:
                errors.append(f"{path}:{n}: {rid} listed twice")
            reqs[rid] = (text, src)
    return reqs, errors


def tags_above(lines, i, is_comment):
    """REQ IDs in the contiguous comment lines directly above line i (skipping
    decorators), and the set of line numbers consumed."""
    ids, used = [], set()
    j = i - 1
    while j >= 0 and lines[j].strip().startswith("@"):
        j -= 1
    while j >= 0 and lines[j].strip() and is_comment(lines[j]):
        ids += REQ.findall(lines[j])
        used.add(j)
        j -= 1
    ids += REQ.findall(lines[i])
    used.add(i)
    return ids, used


def c_comment(line):
    s = line.strip()
    return s.startswith("/*") or s.startswith("*") or s.startswith("//") or s.endswith("*/")


def py_comment(line):
    return line.strip().startswith("#")


def scan_host(path, tests, errors):
    with open(path) as f:
        lines = f.read().splitlines()
    stem = os.path.splitext(os.path.basename(path))[0]
    listed = set(re.findall(r"\bTEST\((\w+)\)", "\n".join(lines)))
    used_all = set()
    for i, line in enumerate(lines):
        m = re.match(r"^static void t_(\w+)\(void\)", line)
        if not m:
            continue
        ids, used = tags_above(lines, i, c_comment)
        used_all |= used
        if m.group(1) in listed:
            tests.append((f"host/{stem}/{m.group(1)}", ids, f"{path}:{i + 1}"))
        elif ids:
            errors.append(f"{path}:{i + 1}: t_{m.group(1)} is tagged but not in the TEST() list")
    stray(path, lines, used_all, errors)


def scan_gen(path, tests, errors):
    with open(path) as f:
        lines = f.read().splitlines()
    used_all = set()
    for i, line in enumerate(lines):
        m = re.match(r"^def (\w+)\((.*)\):", line)
        if not m:
            continue
        name, params = m.groups()
        decorated = i > 0 and lines[i - 1].strip() == "@test"
        # A factory: a function that renames and registers the tests it makes.
        body = []
        for l in lines[i + 1:]:
            if l and not l.startswith((" ", "\t")):
                break
            body.append(l)
        made = re.findall(r"\.__name__ = f\"([^\"]+)\"", "\n".join(body))
        if not decorated and not made:
            continue
        ids, used = tags_above(lines, i, py_comment)
        used_all |= used
        if decorated:
            tests.append((f"gen/{name}", ids, f"{path}:{i + 1}"))
        for pat in made:
            tests.append(("gen/" + re.sub(r"\{[^}]*\}", "*", pat), ids, f"{path}:{i + 1}"))
    stray(path, lines, used_all, errors)


# An entry of a CASES list: a class (Case, Script, InputCase, Hostile, ...) or
# a helper named *_case, called with the case's name first.
CASE = re.compile(r"^\s*(?:[A-Z]\w*|\w+_case)\(\s*\"([^\"]+)\"")


def scan_qemu(path, tests, errors):
    with open(path) as f:
        lines = f.read().splitlines()
    used_all = set()
    in_cases = False
    for i, line in enumerate(lines):
        if re.match(r"^CASES\s*=\s*\[", line):
            in_cases = True
            continue
        if in_cases and line.startswith("]"):
            in_cases = False
        if not in_cases:
            continue
        m = CASE.match(line)
        if not m:
            continue
        ids, used = tags_above(lines, i, py_comment)
        used_all |= used
        tests.append((f"qemu/{m.group(1)}", ids, f"{path}:{i + 1}"))
    stray(path, lines, used_all, errors)


def scan_fuzz(path, tests, errors):
    with open(path, errors="replace") as f:
        ids = REQ.findall(f.read())
    name = os.path.splitext(os.path.basename(path))[0]
    if ids or name.startswith("fuzz_"):
        tests.append((f"fuzz/{name}", ids, path))


def scan_cert(path, tests, errors):
    with open(path) as f:
        lines = f.read().splitlines()
    used_all = set()
    for i, line in enumerate(lines):
        m = re.match(r"^\s*step\s+(\w+)\s", line)
        if not m:
            continue
        ids, used = tags_above(lines, i, py_comment)
        used_all |= used
        tests.append((f"cert/{m.group(1)}", ids, f"{path}:{i + 1}"))
    stray(path, lines, used_all, errors)


def stray(path, lines, used, errors):
    for i, line in enumerate(lines):
        if i not in used and REQ.search(line):
            errors.append(f"{path}:{i + 1}: {', '.join(REQ.findall(line))} not attached to a test "
                          f"(tags go in the comment lines directly above the test)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requirements", default=os.path.join(ROOT, "docs", "requirements.md"))
    ap.add_argument("--out")
    a = ap.parse_args()
    os.chdir(ROOT)
    reqs, errors = read_requirements(a.requirements)
    tests = []
    for p in sorted(glob.glob("tests/host/test_*.c")):
        scan_host(p, tests, errors)
    for p in ["tests/gen/test_gen.py"]:
        if os.path.exists(p):
            scan_gen(p, tests, errors)
    for p in ["tests/qemu/run.py"] + sorted(glob.glob("tests/qemu/cases_*.py")):
        scan_qemu(p, tests, errors)
    for p in sorted(glob.glob("tests/fuzz/*.c") + glob.glob("tests/fuzz/*.py")):
        scan_fuzz(p, tests, errors)
    if os.path.exists("ci/cert.sh"):
        scan_cert("ci/cert.sh", tests, errors)

    by_req = {r: [] for r in reqs}
    for name, ids, where in tests:
        for rid in dict.fromkeys(ids):
            if rid in by_req:
                by_req[rid].append(name)
            else:
                errors.append(f"{where}: {name} names {rid}, which is not in {a.requirements}")
    untested = [r for r, ts in by_req.items() if not ts]
    for r in untested:
        errors.append(f"{r} has no test")
    untagged = [name for name, ids, where in tests if not ids]
    tagged = len(tests) - len(untagged)

    out = ["# Requirements to tests", "",
           f"Generated by `tools/trace_matrix.py` from `{os.path.relpath(a.requirements, ROOT)}` and the tags "
           f"of the tests. {len(reqs)} requirements, {len(tests)} tests of which {tagged} tagged.", "",
           "| Requirement | Tests | Verified by |", "|---|---|---|"]
    for r, (text, src) in reqs.items():
        ts = by_req[r]
        short = text if len(text) <= 90 else text[:87].rsplit(" ", 1)[0] + " ..."
        out.append(f"| **{r}** {short} | {len(ts)} | {'<br>'.join(f'`{t}`' for t in ts) or '**none**'} |")
    kinds = {}
    for name, ids, where in tests:
        kinds.setdefault(name.split("/")[0], [0, 0])
        kinds[name.split("/")[0]][0] += 1
        kinds[name.split("/")[0]][1] += 1 if ids else 0
    out += ["", "| suite | tests | tagged |", "|---|---|---|"]
    for k, (n, t) in kinds.items():
        out.append(f"| {k} | {n} | {t} |")
    if untagged:
        out += ["", f"Tests without a requirement tag ({len(untagged)}): "
                + ", ".join(f"`{t}`" for t in untagged)]
    if errors:
        out += ["", "## FAILED", ""] + [f"- {e}" for e in errors]
    summary = (f"trace: {'PASS' if not errors else 'FAIL'}: {len(reqs)} requirements, "
               f"{len(reqs) - len(untested)} with tests; {tagged}/{len(tests)} tests tagged")
    if errors:
        summary += f"; {len(errors)} problem(s)"
    out += ["", summary]
    text = "\n".join(out) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    for e in errors:
        print(f"trace_matrix: {e}")
    print(summary)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
