"""Hostile guests: an attacker VM tries to reach a victim VM, the hypervisor or the
machine, and must not succeed (docs/security.md has the table of attacks).

Every configuration (tests/qemu/configs/hostile_*.toml) runs `victim`
(tests/guests/victim) next to an attacker. The victim beats forever
(`VICTIM beat=<n>` every 5 ms of virtual time, `VICTIM secret-ok` every 10
beats), has every interrupt enabled and reports any it takes
(`VICTIM irq=...`). The attacker is tests/guests/hostile with a suite chosen
by its bootargs (`suite=<name>`), one attack step per VM start, or
tests/guests/restarter. Each case waits for the attacker's end marker, then
for five more victim beats, stops QEMU (the victim never powers off) and
checks: the documented outcome of every attack (`ATTACK <suite> ... ok`
lines and the hypervisor's fault lines, in order), nothing forbidden (a
panic, the victim's secret changed or an interrupt or exception reaching it,
the victim stopped or restarted, the machine powering off, an attacker line
saying BAD or SURVIVED), victim beats during the attack and after it,
numbered without gaps, and that the attacker printed nothing but its
ATTACK lines (console forgeries are expected by exact text)."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import ICOUNT, check_patterns  # noqa: E402
from interactive import Script  # noqa: E402

CFG = "tests/qemu/configs/"
BEAT = r"^\[victim\] VICTIM beat=\d+$"
FETCH = "instruction fetch outside the partition"
DATA = "data access outside the partition"
MMIO = "MMIO access that cannot be emulated"

# Never, in any case.
FORBID = [r"PANIC",
          r"^\[victim\] VICTIM secret-CHANGED",
          r"^\[victim\] VICTIM irq=",
          r"^\[victim\] VICTIM exception",
          r"^\[hv\] vm victim( vcpu \d+|: (stopped|restarting))",  # victim faulted/stopped/reset
          r"^\[hv\] all VMs stopped",               # the machine powering off
          r"^\[[a-z]+\] ATTACK .*\bBAD\b",
          r"^\[[a-z]+\] ATTACK .*\bSURVIVED\b",
          r"UNEXPECTED-EXCEPTION", r"GUEST-EXCEPTION"]


def qemu_version():
    try:
        out = subprocess.run(["qemu-system-aarch64", "--version"], capture_output=True,
                             text=True).stdout
        m = re.search(r"version (\d+)\.(\d+)", out)
        return (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    except OSError:
        return (0, 0)


# HCR_EL2.TIDCP (trap implementation-defined registers) is implemented from QEMU 8.1 on;
# before that the cortex-a57 model lets EL1 read L2CTLR/L2ACTLR/CBAR without a trap.
QEMU_TRAPS_TIDCP = qemu_version() >= (8, 1)


def fault(vm, cause, addr, action="restarting VM", vcpu=0):
    return (rf"^\[hv\] vm {vm} vcpu {vcpu}: fault: {cause} at {addr}, pc 0x[0-9a-f]+, "
            rf"syndrome 0x[0-9a-f]+: {action}$")


def ok(vm, what):
    """An `ATTACK <vm> <what> ... ok` line; `what` is a regex fragment."""
    return rf"^\[{vm}\] ATTACK {vm} {what}.* ok$"


def step(vm, k, n, name):
    return rf"^\[{vm}\] ATTACK {vm} step={k}/{n} {name}$"


class Hostile(Script):
    """A Script with a fixed shape: wait for the victim's start, then for `end` (the
    attacker's last marker) within `end_secs`, then for `after` more victim beats within
    `after_secs`; QEMU is stopped then. `expect`, `forbid` (added to FORBID) and `order`
    are judged like run.Case's, `check(lines)` last. `attacker` names the attacker VM
    whose every line must be an ATTACK line or match one of `allowed`."""

    def __init__(self, name, config, attacker, end, expect=(), forbid=(), order=(),
                 allowed=(), check=None, after=5, end_secs=60, after_secs=30,
                 during=1, extra=ICOUNT, forbid_late=True):
        super().__init__(name, CFG + config, steps=[], extra=extra,
                         timeout=end_secs + after_secs + 30)
        self.attacker, self.end, self.after = attacker, end, after
        self.end_secs, self.after_secs, self.during = end_secs, after_secs, during
        self.expect, self.order, self.allowed, self.user_check = expect, order, allowed, check
        self.forbid = list(FORBID) + list(forbid)
        if forbid_late:
            self.forbid.append(r"^\[victim\] VICTIM late")
        self.final = self.judge_lines

    def play(self, p, lines, cond, deadline):
        def wait_for(pat, start, secs):
            rx = re.compile(pat)
            until = min(deadline, time.monotonic() + secs)
            with cond:
                while True:
                    hit = next((i for i in range(start, len(lines)) if rx.search(lines[i])), None)
                    if hit is not None:
                        return hit
                    left = until - time.monotonic()
                    if left <= 0 or p.poll() is not None and not cond.wait(0.2):
                        return None
                    cond.wait(min(left, 1.0))

        first = wait_for(r"^\[victim\] VICTIM start ", 0, 30)
        if first is None:
            return "the victim never started"
        end = wait_for(self.end, 0, self.end_secs)
        if end is None:
            return (f"attacker end marker /{self.end}/ not seen within {self.end_secs} s"
                    + (" (QEMU exited)" if p.poll() is not None else ""))
        pos = end
        for k in range(self.after):
            pos = wait_for(BEAT, pos + 1, self.after_secs)
            if pos is None:
                return f"the victim stopped beating after the attack ({k} of {self.after} beats)"
        return None

    def judge_lines(self, lines):
        return (check_patterns(lines, self.expect, self.forbid, self.order)
                or self.victim_ok(lines) or self.attacker_quiet(lines)
                or (self.user_check(lines) if self.user_check else None))

    def victim_ok(self, lines):
        starts = [l for l in lines if l.startswith("[victim] VICTIM start ")]
        if len(starts) != 1:
            return f"the victim started {len(starts)} times"
        beats = [int(m.group(1)) for m in (re.match(r"^\[victim\] VICTIM beat=(\d+)$", l)
                                           for l in lines) if m]
        if beats != list(range(1, len(beats) + 1)):
            return "victim beats are not numbered 1, 2, 3, ... without gaps"
        if not any(l == "[victim] VICTIM secret-ok" for l in lines):
            return "the victim never checked its secret"
        att = [i for i, l in enumerate(lines) if l.startswith(f"[{self.attacker}] ")]
        endi = next((i for i, l in enumerate(lines) if re.search(self.end, l)), None)
        if att and endi is not None and self.during:
            during = sum(1 for l in lines[att[0]:endi] if re.match(BEAT, l))
            if during < self.during:
                return f"only {during} victim beats while the attack ran (want {self.during})"
        return None

    def attacker_quiet(self, lines):
        allowed = [re.compile(a) for a in self.allowed]
        for l in lines:
            if l.startswith(f"[{self.attacker}] ") and not l.startswith(f"[{self.attacker}] ATTACK "):
                if not any(a.search(l) for a in allowed):
                    return f"unexpected attacker output {l!r}"
        return None


# ---- mem: addresses outside the VM's RAM, one per start ------------------------------
MEM_STEPS = [
    ("mem_read_victim", DATA, "0x51000000"), ("mem_write_victim", DATA, "0x51002000"),
    ("mem_read_hyp", DATA, "0x40200000"), ("mem_write_hyp", DATA, "0x40200100"),
    ("mem_read_rtc", DATA, "0x9010000"), ("mem_write_virtio", DATA, "0xa000000"),
    ("mem_read_its", DATA, "0x8080000"), ("mem_read_uart", DATA, "0x9000000"),
    ("mem_read_ipa_2p40", DATA, "0x10000000000"), ("mem_read_ipa_top", DATA, "0x7ffffff000"),
    ("mem_fetch_victim", FETCH, "0x51000000"), ("mem_fetch_rtc", FETCH, "0x9010000"),
    ("mem_fetch_gicd", FETCH, "0x8000000"),
]
mem_order = [step("mem", 1, 16, "mem_own_ram"), ok("mem", "read-own-ipa-0x40000000"),
             ok("mem", "read-own-dtb-magic")]
for k, (name, cause, addr) in enumerate(MEM_STEPS, start=2):
    mem_order += [step("mem", k, 16, name), fault("mem", cause, addr)]
mem_order += [step("mem", 15, 16, "mem_pa_range"),
              ok("mem", r"read-2p47-own-exception exception ec=0x25"),
              step("mem", 16, 16, "mem_last"),
              fault("mem", DATA, "0x5100fff0", "stopping VM"),  # restart_limit used up
              r"^\[hv\] vm mem: stopped$"]

# ---- vgic: foreign SPIs, SGIs at VCPUs it does not have, other redistributor frames ----
VGIC_OK = ["gicd-typer-itlines", "spi48-isenabler1", "spi48-irouter-aff0", "spi48-irouter-irm",
           "spi48-irouter-lo32", "spi48-irouter-hi32", "spi48-ispendr1", "spi48-isactiver1",
           "spi48-ipriorityr", "spi48-icfgr3", "all-spis-enable-pend-active-or",
           "all-spis-irouter-or", "gicr0-typer", "own-gicr-ispendr0-after-foreign-sgis",
           "self-sgi7-acknowledged", "own-gicr-ispendr0-end"]
vgic_order = ([step("vgic", 1, 5, "vgic_ownership")] + [ok("vgic", w + " = ") for w in VGIC_OK]
              + [step("vgic", 2, 5, "vgic_gicr_frame1"), fault("vgic", DATA, "0x80c0008"),
                 step("vgic", 3, 5, "vgic_gicr_frame1_sgi"), fault("vgic", DATA, "0x80d0200"),
                 step("vgic", 4, 5, "vgic_gicr_frame4"), fault("vgic", DATA, "0x8120014"),
                 r"^\[vgic\] ATTACK vgic done$", r"^\[hv\] vm vgic: stopped$"])

# ---- mmio: every width and form at the emulated GIC and PL011 --------------------------
MMIO_OK = ["gicd-ctlr-ldr-w", "gicd-ctlr-stlr-ldar", "gicd-ctlr-str-wzr", "gicd-irouter32-ldr-x",
           "gicr-typer-ldr-x", "gicr-ipriority5-ldrb", "gicr-ipriority4-7-ldr-w",
           "gicr-ipriority5-ldrsb-x", "gicr-ipriority5-ldrsb-w", "gicr-ipriority4-7-ldrsw",
           "pl011-fr-ldr-w", "pl011-cr-ldrh", "pl011-periphid0-ldrb", "pl011-unknown-0x080",
           "gicd-ctlr-ldr-wzr", "fast-regs-x19-x29"]
MMIO_FAULTS = [  # (step, address), each must fault the VM with cause MMIO
    ("mmio_ldrh", "0x8000000"), ("mmio_ldr_x", "0x8000000"), ("mmio_ldrb", "0x8000004"),
    ("mmio_strh", "0x8000420"), ("mmio_ldp", "0x8000000"), ("mmio_stp", "0x8000100"),
    ("mmio_ldr_post", "0x8000000"), ("mmio_str_pre", "0x8000004"), ("mmio_ldxr", "0x8000000"),
    ("mmio_stxr", None), ("mmio_ldr_q", "0x8000000"), ("mmio_dc_civac", None),
    ("mmio_unaligned_w", "0x8000002"), ("mmio_unaligned_x", "0x8006104"),
    ("mmio_gicr_ldrh", "0x80a0014"), ("mmio_pl011_ldr_x", "0x9000000"),
    ("mmio_pl011_strb_cr", "0x9000030"), ("mmio_pl011_unaligned", "0x9000002"),
]
mmio_order = [step("mmio", 1, 21, "mmio_valid")] + [ok("mmio", w + " ") for w in MMIO_OK]
mmio_order += [step("mmio", 2, 21, "mmio_unaligned_mmu_off"),
               # architecturally the guest's own alignment fault; QEMU 7.2 checks stage 2 first
               fault("mmio", MMIO, "0x8000002") + "|" + ok("mmio", "gicd-unaligned-mmu-off-own-exception")]
for k, (name, addr) in enumerate(MMIO_FAULTS, start=3):
    mmio_order.append(step("mmio", k, 21, name))
    if name == "mmio_stxr":  # may fail without any access (QEMU does)
        mmio_order.append(fault("mmio", MMIO, "0x8000000") + "|" + ok("mmio", "stxr failed status=1"))
    elif name == "mmio_dc_civac":  # no data access: QEMU performs it, hardware may abort
        mmio_order.append(fault("mmio", MMIO, "0x8000000") + "|" + ok("mmio", "dc-civac completed"))
    else:
        mmio_order.append(fault("mmio", MMIO, addr))
mmio_order += [r"^\[mmio\] ATTACK mmio done$", r"^\[hv\] vm mmio: stopped$"]

# ---- psci: CPU_ON/AFFINITY_INFO abuse, firmware and random function IDs ---------------
PSCI_OK = (["psci-version-hvc", "psci-version-smc"]
           + [rf"cpu-on-mpidr-{m} smc=-2 hvc=-2" for m in
              ("0x2", "0x7", "0xff", "0x100", "0x10000", "0x100000000", "0x80000001",
               "0x80000000", "0xffffffffffffffff")]
           + ["cpu-on-self-running = -4", "cpu-on-entry-victim-pa = -9", "cpu-on-entry-hyp-image = -9",
              "cpu-on-entry-2p40 = -9", "cpu-on-entry-all-ones = -9", "cpu-on-entry-gicd = -9",
              "affinity-info-vcpu1-still-off", "cpu-on-vcpu1 = 0", "cpu-on-vcpu1-again",
              "affinity-info-vcpu1-off-again", "affinity-info-mpidr2 = -2",
              "affinity-info-level1 = -2", "affinity-info-aff1 = -2", "features-system-off = 0",
              "features-system-reset2 = -1", "features-random = -1",
              r"listed-fids n=42 not-supported=42", "psci-version-x0-upper-bits",
              "hvc-imm1-system-off = -1", "hvc-immffff-system-off = -1",
              r"random-fids n=\d+ not-supported=\d+"])
psci_order = ([step("psci", 1, 4, "psci_abuse")] + [ok("psci", w) for w in PSCI_OK]
              + [r"^\[hv\] vm psci vcpu 0: SYSTEM_RESET$", r"^\[hv\] vm psci: restarting \(start #2\)$",
                 ok("psci", "restarted-by-smc-system-reset-boot = 0x2"),
                 ok("psci", "vcpu1-off-after-reset = 1"),
                 r"^\[hv\] vm psci vcpu 0: SYSTEM_RESET$", r"^\[hv\] vm psci: restarting \(start #3\)$",
                 ok("psci", "restarted-by-hvc-system-reset-boot = 0x3"),
                 r"^\[hv\] vm psci: restarting \(start #4\)$",
                 r"^\[psci\] ATTACK psci done$", r"^\[hv\] vm psci vcpu 0: SYSTEM_OFF$",
                 r"^\[hv\] vm psci: stopped$"])

# ---- hc: hypercalls with bad arguments, console forgery -------------------------------
HC_OK = (["unknown-hypercalls n=12 all-not-supported", "hv-version-32bit-form = 0x1"]
         + [w + " = -3" for w in
            ("write-victim-pa", "write-hyp-image", "write-hyp-reserved-top", "write-gicd", "write-uart",
             "write-straddle-ram0-end", "write-straddle-ram1-end", "write-straddle-ram0-ram1",
             "write-len-0", "write-len-257", "write-len-100000", "write-len-all-ones",
             "write-len-2p32-plus-16", "write-addr-wraps", "write-addr-2p40-plus-buf",
             "write-addr-2p63")]
         + ["console-write-32bit-form = 54", "forge-victim-line = 32", "forge-hv-line = 42",
            "forge-after-128-bytes = 158", "putc-upper-bits = 0"])
HC_FORGED = [r"^\[hc\] \[victim\] VICTIM secret-CHANGED$",          # CR dropped, prefix kept
             # ESC[2K dropped as an escape sequence (or shown as ".[2K"), CR dropped
             r"^\[hc\] (\.\[2K)?\[hv\] vm victim vcpu 0: fault: forged$",
             r"^\[hc\] [A-Z]{128}$",                                  # split at 128 bytes...
             r"^\[hc\] \[victim\] VICTIM irq=1 count=1$",            # ...the rest still prefixed
             r"^\[hc\] \[victim\] VICTIM irq=2$", r"^\[hc\] $"]
hc_order = ([step("hc", 1, 2, "hc_abuse")] + [ok("hc", w) for w in HC_OK[:-5]]
            + [r"^\[hc\] ATTACK hc console-write-32bit-form-upper-bits-ignored$"]
            + [ok("hc", w) for w in HC_OK[-5:]]
            + [r"^\[hc\] ATTACK hc done$", r"^\[hv\] vm hc vcpu 0: SYSTEM_OFF$",
               r"^\[hv\] vm hc: stopped$"])

# ---- sysreg: trapped, EL2 and implementation-defined registers -------------------------
IMPDEF = ["mrs-s3_1_c15_c0_0", "msr-s3_1_c15_c0_0", "mrs-s3_1_c11_c0_2", "msr-s3_1_c11_c0_2",
          "mrs-s3_1_c15_c3_0"]
SYSREG_UNDEF = ["mrs-s3_0_c15_c0_0", "mrs-s3_7_c15_c15_7", "mrs-cntp_ctl_el0",
                "msr-cntp_cval_el0", "mrs-ich_vtr_el2", "mrs-vttbr_el2", "msr-hcr_el2",
                "msr-ich_hcr_el2", "msr-cnthctl_el2"]
sysreg_order = [step("sysreg", 1, 4, "sysreg_abuse"), ok("sysreg", "icc-sgi1r-all-ones-and-random"),
                ok("sysreg", "icc-sgi1r-read")]
for w in IMPDEF:
    undef = ok("sysreg", rf"{w} exception ec=0x0 esr=0x2000000")
    sysreg_order.append(undef if QEMU_TRAPS_TIDCP
                        else undef + "|" + rf"^\[sysreg\] ATTACK sysreg {w} not-trapped value=0x[0-9a-f]+$")
sysreg_order += [ok("sysreg", rf"{w} exception ec=0x0 esr=0x2000000") for w in SYSREG_UNDEF]
sysreg_order += [ok("sysreg", "mrs-cntpct_el0 readable"), ok("sysreg", "undef-elr-is-the-mrs"),
                 ok("sysreg", "undef-esr-el1 = 0x2000000"),
                 # informational, see docs/security.md (limitations)
                 r"^\[sysreg\] ATTACK sysreg info pmu (accessible|trapped) pmcr=0x[0-9a-f]+ "
                 r"cycle-counter-runs=[01], debug-registers (accessible|trapped)$",
                 step("sysreg", 2, 4, "sysreg_vbar_victim"), fault("sysreg", FETCH, "0x51000200"),
                 step("sysreg", 3, 4, "sysreg_vbar_hole"), fault("sysreg", FETCH, "0x40200200"),
                 r"^\[sysreg\] ATTACK sysreg done$", r"^\[hv\] vm sysreg: stopped$"]

# ---- storm: WFE/WFI/yield/SGI storms and a hog on the victim's CPU, with budgets --------
storm_order = [step("storm", 1, 1, "storm"), ok("storm", "wfe x1000000"),
               ok("storm", "wfi-with-masked-pending x1000000"),
               ok("storm", "wfi-halt-wake x20000 woken=20000"), ok("storm", "hv-yield x100000"),
               ok("storm", "self-sgi x50000 received=50000"),
               ok("storm", "active-across-switch rounds=8 delivered-again=8"),
               r"^\[storm\] ATTACK storm hog start$"]


# ---- restart stress ----------------------------------------------------------------------
def restart_check(lines):
    pos = {}
    for i, l in enumerate(lines):
        m = re.match(r"^\[restarter\] RESTART n=(\d+)$", l)
        if m:
            n = int(m.group(1))
            if n in pos:
                return f"RESTART n={n} printed twice"
            pos[n] = i
    if sorted(pos) != list(range(1, 101)):
        return f"restarts seen: {len(pos)}, want n=1..100"
    starts = [int(m.group(1)) for m in (re.match(r"^\[hv\] vm restarter: restarting \(start #(\d+)\)$", l)
                                        for l in lines) if m]
    if starts != list(range(2, 101)):
        return "the hypervisor did not log restarts #2..#100 in order"
    beats = [i for i, l in enumerate(lines) if re.match(BEAT, l)]
    for a, b in ((1, 25), (25, 50), (50, 75), (75, 100)):
        if not any(pos[a] < i < pos[b] for i in beats):
            return f"no victim beat between restarts {a} and {b}"
    return None


CASES = [
    # REQ-ISO-03
    Hostile("hostile_memory_outside_ram", "hostile_mem.toml", "mem",
            end=r"^\[hv\] vm mem: stopped$", order=mem_order, during=5),
    # REQ-ISO-04 REQ-VGIC-02
    Hostile("hostile_vgic_foreign_interrupts", "hostile_vgic.toml", "vgic",
            end=r"^\[hv\] vm vgic: stopped$", order=vgic_order,
            expect=[r"^\[victim\] VICTIM gic ctlr=0x52 isenabler0=0xffffffff isenabler1=0x10000$"]),
    # REQ-ISO-05 REQ-UART-03
    Hostile("hostile_mmio_widths_and_forms", "hostile_mmio.toml", "mmio",
            end=r"^\[hv\] vm mmio: stopped$", order=mmio_order, during=5,
            expect=[r"^\[hv\] vm mmio: pl011: read of unknown offset 0x080: reads as zero, writes ignored$"],
            allowed=[r"^\[mmio\] ATTACK mmio pl011-dr-strb reached the console$"]),
    # REQ-ISO-06 REQ-LIFE-03
    Hostile("hostile_psci_and_smc", "hostile_psci.toml", "psci",
            end=r"^\[hv\] vm psci: stopped$", order=psci_order,
            expect=[r"^\[psci\] ATTACK psci vcpu1 up ctx=0xc0ffee$"]),
    # REQ-ISO-07 REQ-HC-02 REQ-CONS-02
    Hostile("hostile_hypercalls_and_console", "hostile_hc.toml", "hc",
            end=r"^\[hv\] vm hc: stopped$", order=hc_order, expect=HC_FORGED, allowed=HC_FORGED),
    # REQ-ISO-08
    Hostile("hostile_system_registers", "hostile_sysreg.toml", "sysreg",
            end=r"^\[hv\] vm sysreg: stopped$", order=sysreg_order),
    # REQ-ISO-09 REQ-SCHED-05
    Hostile("hostile_storms_and_hog_with_budget", "hostile_storm.toml", "storm",
            end=r"^\[storm\] ATTACK storm hog start$", order=storm_order, after=20),
    # REQ-VTIMER-03
    Hostile("hostile_vtimer_with_ppi_disabled", "hostile_vtimer.toml", "vtimer",
            end=r"^\[hv\] vm vtimer: stopped$", end_secs=20, after_secs=10,
            order=[step("vtimer", 1, 2, "vtimer_ppi_disabled"),
                   ok("vtimer", "gicr0-isenabler0-ppi27 = 0x0"),
                   r"^\[vtimer\] ATTACK vtimer timer condition met istatus=1$",
                   ok("vtimer", "still running after 20 ms with the timer asserted"),
                   r"^\[vtimer\] ATTACK vtimer done$", r"^\[hv\] vm vtimer: stopped$"]),
    # REQ-VGIC-05
    Hostile("hostile_list_register_overflow", "hostile_lrs.toml", "lrs",
            end=r"^\[hv\] vm lrs: stopped$", end_secs=20, after_secs=10,
            order=[step("lrs", 1, 2, "lrs_overflow"),
                   ok("lrs", "acknowledged=16 mask=0xff00ff"),
                   r"^\[lrs\] ATTACK lrs done$", r"^\[hv\] vm lrs: stopped$"]),
    # Real parallelism (no -icount): the restarts race with the other CPUs for real.
    # REQ-FAULT-03 REQ-FAULT-02
    Hostile("hostile_restart_stress", "hostile_restart.toml", "restarter",
            end=r"^\[hv\] vm restarter: stopped$", extra=(), forbid_late=False,
            forbid=[r"RESTART dirty", r"RESTART timer-lost", r"RESTART BAD"],
            expect=[r"^\[restarter\] RESTART done n=100 dirty=0$"],
            allowed=[r"^\[restarter\] RESTART (n=\d+|done n=100 dirty=0)$"],
            check=restart_check, during=50),
]
