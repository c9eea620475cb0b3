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

sys.dont_write_bytecode = True  # no __pycache__ in tools/
from check_report import finish  # noqa: E402

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


def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def tagged(path, lines, found, is_comment, errors):
    """For each (line index, what) in `found`, yields (what, its REQ IDs from
    the comment lines directly above, "path:line"); once `found` is used up,
    reports every REQ ID of the file that is attached to none of them."""
    used_all = set()
    for i, what in found:
        ids, used = tags_above(lines, i, is_comment)
        used_all |= used
        yield what, ids, f"{path}:{i + 1}"
    stray(path, lines, used_all, errors)


def matches(lines, pattern):
    """(index, match) of each line that `pattern` matches at its start."""
    for i, line in enumerate(lines):
        m = re.match(pattern, line)
        if m:
            yield i, m


def scan_host(path, tests, errors):
    lines = read_lines(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    listed = set(re.findall(r"\bTEST\((\w+)\)", "\n".join(lines)))
    cases = ((i, m.group(1)) for i, m in matches(lines, r"^static void t_(\w+)\(void\)"))
    for case, ids, where in tagged(path, lines, cases, c_comment, errors):
        if case in listed:
            tests.append((f"host/{stem}/{case}", ids, where))
        elif ids:
            errors.append(f"{where}: t_{case} is tagged but not in the TEST() list")


def gen_tests(lines):
    """(index, names) of each test definition of test_gen.py: a @test
    function, or a factory that renames and registers the tests it makes."""
    for i, m in matches(lines, r"^def (\w+)\((.*)\):"):
        name = m.group(1)
        decorated = i > 0 and lines[i - 1].strip() == "@test"
        body = []
        for l in lines[i + 1:]:
            if l and not l.startswith((" ", "\t")):
                break
            body.append(l)
        made = re.findall(r"\.__name__ = f\"([^\"]+)\"", "\n".join(body))
        names = [f"gen/{name}"] if decorated else []
        names += ["gen/" + re.sub(r"\{[^}]*\}", "*", pat) for pat in made]
        if names:
            yield i, names


def scan_gen(path, tests, errors):
    lines = read_lines(path)
    for names, ids, where in tagged(path, lines, gen_tests(lines), py_comment, errors):
        tests += [(name, ids, where) for name in names]


# An entry of a CASES list: a class (Case, Script, InputCase, Hostile, ...) or
# a helper named *_case, called with the case's name first.
CASE = re.compile(r"^\s*(?:[A-Z]\w*|\w+_case)\(\s*\"([^\"]+)\"")


def qemu_cases(lines):
    """(index, name) of each entry of the file's CASES = [...] lists."""
    in_cases = False
    for i, line in enumerate(lines):
        if re.match(r"^CASES\s*=\s*\[", line):
            in_cases = True
            continue
        if in_cases and line.startswith("]"):
            in_cases = False
        m = CASE.match(line) if in_cases else None
        if m:
            yield i, m.group(1)


def scan_qemu(path, tests, errors):
    lines = read_lines(path)
    for case, ids, where in tagged(path, lines, qemu_cases(lines), py_comment, errors):
        tests.append((f"qemu/{case}", ids, where))


def scan_fuzz(path, tests, errors):
    with open(path, errors="replace") as f:
        ids = REQ.findall(f.read())
    name = os.path.splitext(os.path.basename(path))[0]
    if ids or name.startswith("fuzz_"):
        tests.append((f"fuzz/{name}", ids, path))


def scan_cert(path, tests, errors):
    lines = read_lines(path)
    steps = ((i, m.group(1)) for i, m in matches(lines, r"^\s*step\s+(\w+)\s"))
    for step, ids, where in tagged(path, lines, steps, py_comment, errors):
        tests.append((f"cert/{step}", ids, where))


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
    return finish("trace_matrix", out, summary, errors, a.out)


if __name__ == "__main__":
    sys.exit(main())
