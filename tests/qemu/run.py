#!/usr/bin/python3
"""QEMU integration tests: boot the hypervisor with a configuration, read
the console, and assert on the markers the guests and the hypervisor print.
Each case prints one line, `PASS: qemu/<name>` or `FAIL: qemu/<name>: why`,
followed on failure by the tail of the console. Usage: run.py [name ...]"""
import os
import re
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLATFORM = "qemu-aarch64"
ICOUNT = ["-icount", "shift=0,sleep=off"]


def qemu_base(platform, smp=None, mem=None):
    with open(os.path.join(ROOT, "platform", platform, "platform.toml"), "rb") as f:
        p = tomllib.load(f)
    q = p["qemu"]
    return ["qemu-system-aarch64", "-M", q["machine"], "-cpu", q["cpu"],
            "-smp", str(smp or len(p["cpu"])), "-m", str(mem or q["memory_mib"]),
            "-display", "none", "-nic", "none", "-monitor", "none", "-serial", "stdio"]


_built = {}


def build(config):
    """make the image for `config` once; returns (path, error)."""
    if config in _built:
        return _built[config]
    r = subprocess.run(["make", "-s", f"PLATFORM={PLATFORM}", f"CONFIG={config}"], cwd=ROOT,
                       capture_output=True, text=True)
    name = os.path.splitext(os.path.basename(config))[0]
    img = os.path.join(ROOT, "build", PLATFORM, name, "hypervisor.bin")
    res = (img, None) if r.returncode == 0 else (None, (r.stdout + r.stderr)[-2000:])
    _built[config] = res
    return res


class Case:
    def __init__(self, name, config, expect=(), forbid=(), order=(), timeout=60,
                 extra=(), smp=None, mem=None, exit_ok=True, check=None):
        self.name, self.config = name, config
        self.expect, self.forbid, self.order = expect, forbid, order
        self.timeout, self.extra, self.smp, self.mem = timeout, list(extra), smp, mem
        self.exit_ok = exit_ok   # True: must power off (exit 0); False: must still run at timeout
        self.check = check

    def qemu_command(self):
        """Builds the case's image; returns (the QEMU command line, None), or
        (None, why the build failed)."""
        img, err = build(self.config)
        if img is None:
            return None, f"build failed: {err}"
        return qemu_base(PLATFORM, self.smp, self.mem) + ["-kernel", img] + self.extra, None

    def run(self):
        cmd, why = self.qemu_command()
        if cmd is None:
            return why, ""
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=self.timeout)
            out, code, timed_out = p.stdout, p.returncode, False
        except subprocess.TimeoutExpired as e:
            out, code, timed_out = e.stdout or b"", None, True
        text = out.decode("utf-8", "replace").replace("\r", "")
        lines = text.splitlines()
        why = self.judge(text, lines, code, timed_out, time.monotonic() - t0)
        return why, text

    def judge(self, text, lines, code, timed_out, secs):
        if self.exit_ok and timed_out:
            return f"did not power off within {self.timeout} s"
        if self.exit_ok and code != 0:
            return f"QEMU exit status {code}"
        if not self.exit_ok and not timed_out:
            return f"QEMU exited ({code}) but should have kept running"
        why = check_patterns(lines, self.expect, self.forbid, self.order)
        if why is None and self.check:
            return self.check(lines)
        return why


def check_patterns(lines, expect=(), forbid=(), order=()):
    """Every `expect` regex somewhere, no `forbid` regex anywhere, the `order`
    regexes on lines in that order. Returns what is wrong, or None."""
    text = "\n".join(lines)
    for pat in expect:
        if not re.search(pat, text, re.M):
            return f"missing /{pat}/"
    for pat in forbid:
        m = re.search(pat, text, re.M)
        if m:
            return f"forbidden /{pat}/ matched {m.group(0)!r}"
    pos = -1
    for pat in order:
        idx = next((i for i, l in enumerate(lines) if i > pos and re.search(pat, l)), None)
        if idx is None:
            return f"/{pat}/ not found after line {pos + 1} (order {tuple(order)})"
        pos = idx
    return None


def first(lines, pat):
    return next((i for i, l in enumerate(lines) if re.search(pat, l)), None)


def check_interleaved(lines):
    """Both VMs print before either finishes: they really run at once."""
    a_first, b_first = first(lines, r"^\[vm0\] "), first(lines, r"^\[vm1\] ")
    a_done, b_done = first(lines, r"^\[vm0\] SMP-DONE"), first(lines, r"^\[vm1\] SMP-DONE")
    if None in (a_first, b_first, a_done, b_done):
        return "a VM printed nothing or did not finish"
    if not (b_first < a_done and a_first < b_done):
        return "the two VMs did not run at the same time"
    return None


def check_prefixes(lines):
    """Every line has a known prefix: nothing mixed within a line."""
    for l in lines:
        if l and not re.match(r"^\[(hv|hv PANIC|vm\d|[a-z][a-z0-9_-]*)\] ", l):
            return f"line without a prefix: {l!r}"
    return None


CASES = [
    # REQ-BUILD-01 REQ-BOOT-01 REQ-HC-01 REQ-LIFE-03 REQ-LIFE-04
    Case("banner_and_poweroff", "tests/qemu/configs/hello.toml",
         expect=[r"^\[hv\] hypervisor \S+ at EL2: platform qemu-aarch64, config hello$",
                 r"^\[hello\] HELLO vm=0 vcpus=1 boot=1$",
                 r"^\[hello\] HELLO hv-version=0x1$",
                 r"^\[hello\] HELLO psci-version=0x10001$",
                 r"^\[hv\] all VMs stopped: powering off$"],
         order=[r"HELLO-DONE", r"vm hello vcpu 0: SYSTEM_OFF", r"vm hello: stopped",
                r"all VMs stopped"]),
    # REQ-BOOT-03 REQ-SCHED-01 REQ-LIFE-01 REQ-CONS-01
    Case("dual_baremetal_side_by_side", "config/dual_baremetal.toml",
         expect=[r"^\[vm0\] SMP-CHECK self=-4 bogus=-2$", r"^\[vm1\] SMP-CHECK self=-4 bogus=-2$",
                 r"^\[vm0\] SMP-HELLO vcpu=1 ctx=0x1001$", r"^\[vm1\] SMP-HELLO vcpu=1 ctx=0x1001$",
                 r"^\[vm0\] TICK vcpu=1 n=4$", r"^\[vm1\] TICK vcpu=1 n=4$",
                 r"^\[vm0\] SMP-DONE vcpus=2$", r"^\[vm1\] SMP-DONE vcpus=2$",
                 r"^\[hv\] cpu 3 online$"],
         forbid=[r"SMP-ERROR|SMP-TIMEOUT|GUEST-EXCEPTION|PANIC|fault"],
         check=lambda l: check_interleaved(l) or check_prefixes(l)),
    # REQ-SCHED-01 REQ-WQ-02 REQ-VTIMER-01
    Case("shared_cpu_all_progress", "config/shared_cpu.toml",
         expect=[r"^\[vm0\] SMP-DONE vcpus=2$", r"^\[vm1\] SMP-DONE vcpus=2$",
                 r"^\[vm2\] HALT-WAKE-DONE rounds=5$",
                 r"^\[vm2\] WAKE round=4 intid=27 wfis=\d+$"],
         forbid=[r"SMP-ERROR|SMP-TIMEOUT|GUEST-EXCEPTION|PANIC|WAKE-NOTE"],
         check=check_prefixes),
    # REQ-ISO-01 REQ-FAULT-01
    Case("foreign_memory_stops_only_that_vm", "tests/qemu/configs/wild.toml", extra=ICOUNT,
         expect=[r"^\[hv\] vm wild vcpu 0: fault: data access outside the partition at "
                 r"0x51000000, pc 0x4[0-9a-f]+, syndrome 0x[0-9a-f]+: stopping VM$",
                 r"^\[victim\] SMP-DONE vcpus=2$"],
         forbid=[r"WILD survived", r"PANIC", r"GUEST-EXCEPTION"],
         order=[r"^\[wild\] WILD reading 0x51000000", r"vm wild vcpu 0: fault",
                r"^\[hv\] vm wild: stopped", r"^\[victim\] ", r"^\[hv\] all VMs stopped"]),
    # REQ-LIFE-04
    Case("system_off_stops_only_that_vm", "tests/qemu/configs/sysoff.toml", extra=ICOUNT,
         expect=[r"^\[stayer\] SMP-DONE vcpus=2$"],
         forbid=[r"PANIC", r"GUEST-EXCEPTION"],
         order=[r"^\[quitter\] SYSOFF now", r"^\[hv\] vm quitter vcpu 0: SYSTEM_OFF",
                r"^\[hv\] vm quitter: stopped", r"^\[stayer\] TICK", r"^\[stayer\] SMP-DONE",
                r"^\[hv\] vm stayer: stopped", r"^\[hv\] all VMs stopped"]),
    # REQ-LIFE-04 REQ-FAULT-02
    Case("system_reset_restarts_only_that_vm", "tests/qemu/configs/reset.toml",
         expect=[r"^\[other\] SMP-DONE vcpus=2$"],
         forbid=[r"PANIC", r"GUEST-EXCEPTION", r"reset-failed", r"^\[hv\] vm other: restarting"],
         order=[r"^\[resetter\] RESET-ONCE boot=1$", r"^\[resetter\] RESET-ONCE marker-before=0x11111111$",
                r"^\[hv\] vm resetter vcpu 0: SYSTEM_RESET$",
                r"^\[hv\] vm resetter: restarting \(start #2\)$",
                r"^\[resetter\] RESET-ONCE boot=2$", r"^\[resetter\] RESET-ONCE marker=0x11111111$",
                r"^\[hv\] vm resetter: stopped$"]),
    # REQ-CONS-05
    Case("passthrough_uart_handed_over", "tests/qemu/configs/passthrough.toml",
         expect=[r"^\[hv\] the UART now belongs to its passthrough VM: no more hypervisor output$",
                 r"^HELLO vm=0 vcpus=1 boot=1$", r"^HELLO-DONE$"],
         forbid=[r"^\[owner\] ", r"^\[hv\] vm owner( vcpu \d+)?: (stopped|SYSTEM_OFF)",
                 r"^\[hv\] all VMs stopped", r"console input"]),
    # REQ-VTIMER-03 REQ-SCHED-06
    Case("vtimer_fires_while_disabled_no_livelock", "tests/qemu/configs/timer_before_enable.toml",
         extra=ICOUNT, timeout=30,
         expect=[r"^\[tbe\] TBE survived irqs=0$", r"^\[tbe\] TBE enabled irqs=1$"],
         forbid=[r"PANIC", r"GUEST-EXCEPTION"]),
    # REQ-VGIC-03
    Case("assigned_spi_forwarded_hw_linked", "tests/qemu/configs/rtc_irq.toml", timeout=30,
         expect=[r"^\[rtc\] RTC enabled=1$", r"^\[rtc\] RTC-IRQ count=1 other=0$"],
         forbid=[r"PANIC", r"GUEST-EXCEPTION", r"fault"]),
    # REQ-BOOT-02
    Case("boot_dtb_cpu_mismatch_refused", "config/dual_baremetal.toml", smp=2, timeout=8,
         exit_ok=False,
         expect=[r"^\[hv\] boot DTB: 2 CPUs, but platform qemu-aarch64 has 4 \(start QEMU with -smp 4\)$",
                 r"^\[hv PANIC\] the boot DTB does not match platform qemu-aarch64"],
         forbid=[r"^\[vm\d\] "]),
    # REQ-BOOT-02
    Case("boot_dtb_ram_mismatch_refused", "config/dual_baremetal.toml", mem=256, timeout=8,
         exit_ok=False,
         expect=[r"^\[hv\] boot DTB: RAM does not cover the hypervisor's|"
                 r"^\[hv\] boot DTB: RAM does not cover vm vm0 region 0x50000000-0x50ffffff",
                 r"^\[hv PANIC\] the boot DTB does not match platform qemu-aarch64"],
         forbid=[r"^\[vm\d\] "]),
]


def all_cases():
    """CASES here plus those of every tests/qemu/cases_*.py module."""
    import glob
    import importlib.util
    cases = list(CASES)
    for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases_*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        cases.extend(mod.CASES)
    return cases


def main():
    wanted = set(sys.argv[1:])
    failed = 0
    for c in all_cases():
        if wanted and c.name not in wanted:
            continue
        why, text = c.run()
        if why is None:
            print(f"PASS: qemu/{c.name}", flush=True)
        else:
            failed += 1
            print(f"FAIL: qemu/{c.name}: {why}", flush=True)
            tail = text.splitlines()[-25:]
            print("  --- console tail ---\n  " + "\n  ".join(tail), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
