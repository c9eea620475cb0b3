"""The end shared by the `make cert` checkers (alloc_check.py,
coverage_check.py, misra_check.py, trace_matrix.py): the summary line
closes the report, which goes to --out if given; each problem and then the
summary are printed; the exit status."""


def finish(prog, out, summary, errors, path):
    """Ends the report lines `out` with a blank line and `summary`, writes
    them to `path` (if any), prints "<prog>: <error>" per error and the
    summary; returns the exit status, 1 if there were errors."""
    out += ["", summary]
    text = "\n".join(out) + "\n"
    if path:
        with open(path, "w") as f:
            f.write(text)
    for e in errors:
        print(f"{prog}: {e}")
    print(summary)
    return 1 if errors else 0
