"""Interactive QEMU cases: a script of steps run against the live console
(wait for a line, type into the console, pause), for tests that must talk
to a guest or stop once something has been seen."""
import re
import subprocess
import threading
import time

from run import Case


class Script(Case):
    """steps: ("wait", regex[, seconds]) | ("send", bytes) | ("sleep", seconds)
    | ("count", regex, n): wait until regex matched n lines in total.
    If `until_exit`, QEMU must then power off by itself; otherwise it is
    stopped once the script has run."""

    def __init__(self, name, config, steps, until_exit=False, final=None, extra=(), timeout=180):
        super().__init__(name, config, timeout=timeout, extra=extra)
        self.steps, self.until_exit, self.final = steps, until_exit, final

    def run(self):
        cmd, why = self.qemu_command()
        if cmd is None:
            return why, ""
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        lines, cond = [], threading.Condition()

        def reader():
            for raw in p.stdout:
                with cond:
                    lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
                    cond.notify_all()
            with cond:
                cond.notify_all()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        deadline = time.monotonic() + self.timeout
        why = None
        try:
            why = self.play(p, lines, cond, deadline)
            if why is None and self.until_exit:
                try:
                    code = p.wait(timeout=max(1.0, deadline - time.monotonic()))
                    if code != 0:
                        why = f"QEMU exit status {code}"
                except subprocess.TimeoutExpired:
                    why = "did not power off in time"
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()
            t.join(timeout=5)
        if why is None and self.final is not None:
            why = self.final(lines)
        return why, "\n".join(lines)

    def play(self, p, lines, cond, deadline):
        seen = 0  # lines already consumed by earlier waits
        for step in self.steps:
            kind = step[0]
            if kind == "send":
                p.stdin.write(step[1])
                p.stdin.flush()
            elif kind == "sleep":
                time.sleep(step[1])
            elif kind in ("wait", "count"):
                pat = re.compile(step[1])
                want = step[2] if kind == "count" else 1
                with cond:
                    while True:
                        if kind == "wait":
                            hit = next((i for i in range(seen, len(lines)) if pat.search(lines[i])), None)
                            if hit is not None:
                                seen = hit + 1
                                break
                        elif sum(1 for l in lines if pat.search(l)) >= want:
                            break
                        left = deadline - time.monotonic()
                        if left <= 0 or (p.poll() is not None and not cond.wait(0.2)):
                            return f"step {step!r}: not seen" + (" (QEMU exited)" if p.poll() is not None else "")
                        cond.wait(min(left, 1.0))
            else:
                raise ValueError(step)
        return None


def count(lines, pat):
    return sum(1 for l in lines if re.search(pat, l))
