#!/usr/bin/python3
"""Matches cppcheck's findings (MISRA C:2012 addon and cppcheck's own
warnings) against the documented deviations, and writes the report.

  misra_check.py --findings cppcheck.txt --deviations docs/misra-deviations.md \
                 [--out misra.txt]

--findings holds cppcheck's output written with
  --template='{file}:{line}:{column}:{id}:{severity}:{message}'
A finding is documented when a deviation of its rule lists a location
pattern matching it: a file glob (fnmatch, `*` also crosses `/`) and,
optionally, a regular expression the reported source line must match.
Deviation file format (Markdown, see docs/misra-deviations.md):

  ### <rule> (<category>) <title>        rule: 15.5, a cppcheck id, or *
  - `<file glob>`
  - `<file glob>` where the line matches `<regex>`
  <justification: at least one line of text>

Exit status 1 if a finding is undocumented, a deviation has no
justification or cannot be parsed, or cppcheck reported an analysis
error (a file it could not parse is a file it did not check).
"""
import argparse
import collections
import fnmatch
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in tools/
from check_report import finish  # noqa: E402

HEAD = re.compile(r"^### (\S+) \(([^)]*)\)\s*(.*)$")
WHERE = re.compile(r"^- `([^`]+)`(?: where the line matches `([^`]+)`)?\s*$")
FINDING = re.compile(r"^(.+?):(\d+):(\d+):([^:]+):([^:]+):(.*)$")
# cppcheck ids that mean the analysis itself failed somewhere.
ANALYSIS_ERRORS = {"syntaxError", "internalAstError", "cppcheckError", "preprocessorErrorDirective",
                   "unknownMacro", "internalError", "missingInclude"}


def read_deviations(path):
    devs, errors, cur = [], [], None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = HEAD.match(line)
            if m:
                cur = {"rule": m.group(1), "category": m.group(2), "title": m.group(3),
                       "where": [], "why": [], "line": n}
                devs.append(cur)
                continue
            if line.startswith("## ") or line.startswith("# "):
                cur = None
                continue
            if cur is None:
                continue
            m = WHERE.match(line)
            if m:
                try:
                    rx = re.compile(m.group(2)) if m.group(2) else None
                except re.error as e:
                    errors.append(f"{path}:{n}: bad regex: {e}")
                    continue
                cur["where"].append({"glob": m.group(1), "rx": rx, "hits": 0, "line": n})
            elif line.startswith("- "):
                errors.append(f"{path}:{n}: cannot parse location: {line}")
            elif line.strip():
                cur["why"].append(line.strip())
    for d in devs:
        if not d["where"]:
            errors.append(f"{path}:{d['line']}: deviation {d['rule']} lists no location")
        if not d["why"]:
            errors.append(f"{path}:{d['line']}: deviation {d['rule']} has no justification")
    return devs, errors


def source_line(path, line, cache={}):
    if path not in cache:
        try:
            with open(path, errors="replace") as f:
                cache[path] = f.read().splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def rule_of(fid):
    return fid[len("misra-c2012-"):] if fid.startswith("misra-c2012-") else fid


def rule_key(r):
    parts = re.findall(r"\d+", r)
    return (0, [int(p) for p in parts]) if r[0].isdigit() else (1, r)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--findings", required=True)
    ap.add_argument("--deviations", required=True)
    ap.add_argument("--out")
    ap.add_argument("--files", type=int, default=0, help="number of source files analysed (report only)")
    a = ap.parse_args()

    devs, errors = read_deviations(a.deviations)
    findings, seen, other = [], set(), []
    with open(a.findings, errors="replace") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            m = FINDING.match(raw)
            if not m:
                if raw.strip():
                    other.append(raw)
                continue
            path, line, col, fid, sev, msg = m.groups()
            path = os.path.normpath(path)
            key = (path, int(line), int(col), fid)
            if key in seen:
                continue
            seen.add(key)
            findings.append({"file": path, "line": int(line), "col": int(col), "id": fid,
                             "rule": rule_of(fid), "sev": sev, "msg": msg})

    per_rule = collections.defaultdict(lambda: [0, 0])
    undocumented = []
    for fd in findings:
        text = source_line(fd["file"], fd["line"])
        dev = None
        if fd["id"] not in ANALYSIS_ERRORS:
            for d in devs:
                if d["rule"] not in (fd["rule"], "*"):
                    continue
                for w in d["where"]:
                    if fnmatch.fnmatchcase(fd["file"], w["glob"]) and (w["rx"] is None or w["rx"].search(text)):
                        dev = d
                        w["hits"] += 1
                        break
                if dev:
                    break
        per_rule[fd["rule"]][0] += 1
        if dev:
            per_rule[fd["rule"]][1] += 1
        else:
            undocumented.append((fd, text))

    out = []
    misra = [f for f in findings if f["id"].startswith("misra-c2012-")]
    out.append("MISRA C:2012 check: cppcheck 2.10 with its MISRA addon (rule numbers only: the rule "
               "texts are not redistributable)")
    if a.files:
        out.append(f"Files analysed: {a.files} C sources of src/ (headers they include are checked with them)")
    out.append(f"Findings: {len(findings)} ({len(misra)} MISRA, {len(findings) - len(misra)} cppcheck), "
               f"{len(findings) - len(undocumented)} covered by a documented deviation, "
               f"{len(undocumented)} undocumented")
    out.append("")
    out.append(f"{'rule':<28} {'found':>6} {'deviated':>9} {'open':>5}")
    for r in sorted(per_rule, key=rule_key):
        n, dv = per_rule[r]
        out.append(f"{r:<28} {n:>6} {dv:>9} {n - dv:>5}")
    out.append("")
    out.append(f"Deviations used ({a.deviations}):")
    for d in devs:
        for w in d["where"]:
            pat = w["glob"] + (f" /{w['rx'].pattern}/" if w["rx"] else "")
            out.append(f"  {d['rule']:<26} {w['hits']:>5}  {pat}")
    unused = [(d, w) for d in devs for w in d["where"] if w["hits"] == 0]
    if unused:
        out.append("")
        out.append("Deviation locations matching nothing in this configuration (not an error; "
                   "remove them once no configuration needs them):")
        for d, w in unused:
            out.append(f"  {d['rule']}: {w['glob']} ({a.deviations}:{w['line']})")
    if other:
        out.append("")
        out.append("Other cppcheck output:")
        out += [f"  {o}" for o in other[:50]]
    if errors or undocumented:
        out.append("")
        out.append("FAILED:")
        out += [f"  {e}" for e in errors]
        for fd, text in undocumented:
            why = "analysis error" if fd["id"] in ANALYSIS_ERRORS else "no deviation"
            out.append(f"  {fd['file']}:{fd['line']}:{fd['col']}: {fd['rule']} ({why}): "
                       f"{fd['msg'] if not fd['id'].startswith('misra') else text.strip()}")
    ok = not errors and not undocumented
    rules = len(per_rule)
    summary = (f"misra: {'PASS' if ok else 'FAIL'}: {len(findings)} findings in {rules} rules, "
               f"{len(findings) - len(undocumented)} deviated ({len(devs)} deviation entries), "
               f"{len(undocumented)} undocumented")
    if errors:
        summary += f", {len(errors)} deviation-file error(s)"
    problems = errors + [f"undocumented {fd['rule']} at {fd['file']}:{fd['line']}: {t.strip()}"
                         for fd, t in undocumented[:40]]
    if len(undocumented) > 40:
        problems.append(f"... {len(undocumented) - 40} more (see the report)")
    return finish("misra_check", out, summary, problems, a.out)


if __name__ == "__main__":
    sys.exit(main())
