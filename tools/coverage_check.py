#!/usr/bin/python3
"""Coverage report and gate of `make cert`: reads gcovr's JSON summaries of
src/core and of the device emulators (src/core/vpl011.c, console_input.c)
measured by the host unit tests, writes cert/coverage.txt and fails below
the thresholds kept in ci/coverage_threshold.txt.

  coverage_check.py --core core.json --devices devices.json \
      --thresholds ci/coverage_threshold.txt [--lines t.txt] [--branches t.txt] \
      [--tests tests.log] [--out coverage.txt]

Threshold file: `<scope>.<metric> <percent>` lines, scope core or devices,
metric lines or branches; # starts a comment. Raise them as tests grow.
"""
import argparse
import json
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in tools/
from check_report import finish  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--core", required=True)
    ap.add_argument("--devices", required=True)
    ap.add_argument("--thresholds", required=True)
    ap.add_argument("--lines")
    ap.add_argument("--branches")
    ap.add_argument("--tests")
    ap.add_argument("--out")
    a = ap.parse_args()

    data = {}
    for scope, path in (("core", a.core), ("devices", a.devices)):
        with open(path) as f:
            d = json.load(f)
        data[scope] = {"lines": (d["line_covered"], d["line_total"]),
                       "branches": (d["branch_covered"], d["branch_total"]),
                       "files": d["files"]}
    limits, errors = {}, []
    with open(a.thresholds) as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"(core|devices)\.(lines|branches)\s+(\d+(?:\.\d+)?)", line)
            if not m:
                errors.append(f"{a.thresholds}:{n}: cannot parse: {raw.strip()}")
                continue
            limits[(m.group(1), m.group(2))] = float(m.group(3))

    out = ["Coverage of src/core by the host unit tests (tests/host/run.sh and run_console.sh, "
           "built with gcc --coverage, merged by gcovr; lines and branches the compiler marks "
           "unreachable excluded)", ""]
    if a.tests:
        with open(a.tests, errors="replace") as f:
            log = f.read()
        p, fl = len(re.findall(r"^PASS: ", log, re.M)), len(re.findall(r"^FAIL: ", log, re.M))
        out.append(f"Host test cases run: {p} passed, {fl} failed")
        out.append("")
    results = []
    for scope, title in (("core", "src/core (all files)"), ("devices", "device emulators: src/core/vpl011.c, console_input.c")):
        out.append(title)
        for metric in ("lines", "branches"):
            cov, tot = data[scope][metric]
            pct = 100.0 * cov / tot if tot else 100.0
            lim = limits.get((scope, metric))
            ok = lim is None or pct >= lim
            results.append((scope, metric, pct, lim, ok))
            out.append(f"  {metric:<9} {cov:>5} / {tot:<5} {pct:6.1f}%   threshold {lim if lim is not None else '-'}%"
                       f"{'' if ok else '   BELOW THRESHOLD'}")
            if not ok:
                errors.append(f"{scope} {metric} coverage {pct:.1f}% < threshold {lim}%")
        out.append("")
    out.append(f"{'file':<32} {'lines':>14} {'branches':>14}")
    def pct(c, t):
        return f"{100.0 * c / t:5.1f}%" if t else "    -"
    for fd in sorted(data["core"]["files"], key=lambda x: x["filename"]):
        out.append(f"{fd['filename']:<32} {fd['line_covered']:>5}/{fd['line_total']:<5}"
                   f"{pct(fd['line_covered'], fd['line_total'])} "
                   f"{fd['branch_covered']:>5}/{fd['branch_total']:<5}{pct(fd['branch_covered'], fd['branch_total'])}")
    for path, title in ((a.lines, "Uncovered lines"), (a.branches, "Branches per file")):
        if path:
            with open(path) as f:
                out += ["", f"{title} (gcovr):", f.read().rstrip()]
    if errors:
        out += ["", "FAILED:"] + [f"  {e}" for e in errors]
    core_l = next(r for r in results if r[:2] == ("core", "lines"))
    core_b = next(r for r in results if r[:2] == ("core", "branches"))
    dev_l = next(r for r in results if r[:2] == ("devices", "lines"))
    summary = (f"coverage: {'PASS' if not errors else 'FAIL'}: src/core lines {core_l[2]:.1f}% "
               f"(min {core_l[3]}), branches {core_b[2]:.1f}% (min {core_b[3]}); "
               f"emulators lines {dev_l[2]:.1f}% (min {dev_l[3]})")
    return finish("coverage_check", out, summary, errors, a.out)


if __name__ == "__main__":
    sys.exit(main())
