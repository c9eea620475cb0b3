"""Linux guests (Debian's arm64 kernel, busybox initramfs): dual_linux and
linux_baremetal. The initramfs /init prints one marker line,
`GUEST-UP name=<vm> cpus=<online CPUs> mem=<MemTotal kB>`."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import Case, check_prefixes  # noqa: E402
from interactive import Script, count  # noqa: E402

# 256 MiB of RAM leaves MemTotal a little lower (kernel image, reserved memory).
MEM = r"mem=(2[0-5]\d{4})"


def mem_ok(lines):
    for l in lines:
        m = re.search(r"GUEST-UP name=\S+ cpus=\d+ mem=(\d+)", l)
        if m and not (200000 <= int(m.group(1)) <= 262144):
            return f"MemTotal {m.group(1)} kB does not match a 256 MiB VM"
    return None


def reboot_final(lines):
    a, b = count(lines, r"^\[linux0\] GUEST-UP "), count(lines, r"^\[linux1\] GUEST-UP ")
    if (a, b) != (2, 1):
        return f"GUEST-UP markers: linux0 {a} (want 2), linux1 {b} (want 1)"
    return mem_ok(lines) or check_prefixes([l for l in lines if l])


def heartbeat_final(lines):
    first_linux = next((i for i, l in enumerate(lines) if l.startswith("[linux0] ")), None)
    up = next((i for i, l in enumerate(lines) if "[linux0] GUEST-UP" in l), None)
    beats = [i for i, l in enumerate(lines) if l.startswith("[rt0] HEARTBEAT")]
    if first_linux is None or up is None:
        return "Linux did not come up"
    during = [i for i in beats if first_linux < i < up]
    after = [i for i in beats if i > up]
    if len(during) < 5 or len(after) < 3:
        return f"heartbeat stalled: {len(during)} beats during the Linux boot, {len(after)} after"
    return None


CASES = [
    # REQ-LINUX-01 REQ-GEN-07
    Case("dual_linux_both_up_and_poweroff", "tests/qemu/configs/dual_linux_poweroff.toml",
         timeout=240,
         expect=[r"^\[linux0\] GUEST-UP name=linux0 cpus=2 " + MEM + "$",
                 r"^\[linux1\] GUEST-UP name=linux1 cpus=2 " + MEM + "$",
                 r"^\[hv\] vm linux0: stopped$", r"^\[hv\] vm linux1: stopped$",
                 r"^\[hv\] all VMs stopped: powering off$"],
         forbid=[r"PANIC", r"^\[hv\] vm \S+ vcpu \d+: fault", r"Kernel panic", r"Oops", r"BUG:"],
         check=mem_ok),
    # REQ-LINUX-02 REQ-CONS-04
    Script("dual_linux_reboot_one_vm_and_console_switch", "config/dual_linux.toml",
           steps=[("wait", r"^\[linux0\] GUEST-UP name=linux0 cpus=2 "),
                  ("count", r"^\[linux1\] GUEST-UP name=linux1 cpus=2 ", 1),
                  ("sleep", 1.0),
                  ("send", b"reboot -f\n"),
                  ("wait", r"^\[hv\] vm linux0: restarting \(start #2\)$"),
                  ("wait", r"^\[linux0\] GUEST-UP name=linux0 cpus=2 "),
                  ("sleep", 1.0),
                  ("send", b"poweroff -f\n"),
                  ("wait", r"^\[hv\] vm linux0: stopped$"),
                  ("send", b"\x011"),
                  ("wait", r"^\[hv\] console input now goes to vm linux1"),
                  ("send", b"poweroff -f\n"),
                  ("wait", r"^\[hv\] vm linux1: stopped$")],
           until_exit=True, final=reboot_final, timeout=300),
    # REQ-LINUX-03
    Script("linux_baremetal_heartbeat_through_linux_boot", "config/linux_baremetal.toml",
           steps=[("wait", r"^\[linux0\] GUEST-UP name=linux0 cpus=2 "),
                  ("count", r"^\[rt0\] HEARTBEAT", 1),
                  ("sleep", 1.0)],
           final=heartbeat_final, timeout=240),
]
