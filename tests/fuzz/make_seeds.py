#!/usr/bin/env python3
"""Writes the checked-in seed corpora of the libFuzzer targets
(tests/fuzz/corpus/<target>/<name>), and the inputs of the bugs found that
are encoded here (tests/fuzz/crashes/<target>/ while open,
tests/fuzz/regressions/<target>/ once fixed): small, meaningful programs in each
harness's input encoding, so that fuzzing starts from states a guest really
reaches (GIC enabled, interrupts in list registers, UART FIFO filling, PSCI
bring-up, trapped SGIs...) instead of rediscovering them.

The encoders below mirror the decoders of the harnesses (the enum op order
and weights, the operand readers): change them together.
    python3 tests/fuzz/make_seeds.py          # rewrite every file it owns
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(v):
    return bytes([v & 0xff])


def u16(v):
    return struct.pack("<H", v & 0xffff)


def u32(v):
    return struct.pack("<I", v & 0xffffffff)


def u64(v):
    return struct.pack("<Q", v & 0xffffffffffffffff)


# ---- fuzz_vgic_mmio -------------------------------------------------------

VGIC_OPS = [("DIST", 40), ("REDIST", 30), ("UART", 10), ("SGI", 20), ("ACK", 20), ("EOI", 20),
            ("ACK_EOI", 20), ("RUN", 15), ("HALT", 10), ("UNLOAD", 8), ("TIMER", 15), ("SPI", 15),
            ("CONSOLE_IN", 6), ("LINE", 8), ("KICKS", 8), ("RESET_VM", 3)]
NUM_VCPUS, NUM_PCPUS = 5, 4          # tests/fuzz/configs/vgic.toml: a.0 a.1 a.2 b.0 b.1
DIST_BASES = [0x0000, 0x0004, 0x0008, 0x0080, 0x0100, 0x0180, 0x0200, 0x0280, 0x0300, 0x0380,
              0x0400, 0x0c00, 0x0d00, 0x0e00, 0x6000, 0x6100, 0xffe8, 0x000c]
REDIST_REGS = [0x0000, 0x0004, 0x0008, 0x000c, 0x0010, 0x0014, 0xffe8, 0x0080, 0x0100, 0x0180,
               0x0200, 0x0280, 0x0300, 0x0380, 0x0400, 0x0c00, 0x0c04, 0x0d00, 0x0e00]
WIDTHS = {4: 0, 1: 4, 2: 5, 8: 6}


def vgic_op(name):
    start = 0
    for n, w in VGIC_OPS:
        if n == name:
            return u8(start)
        start += w
    raise KeyError(name)


def value32(v):
    return u8(4) + u32(v)          # gen_value: case 4, a 32-bit value


def dist_write(vcpu, base, idx, value, width=4):
    return (vgic_op("DIST") + u8(vcpu) + u8(DIST_BASES.index(base)) + u8(idx) + u8(WIDTHS[width])
            + u8(1) + value32(value))


def dist_read(vcpu, base, idx, width=4):
    return vgic_op("DIST") + u8(vcpu) + u8(DIST_BASES.index(base)) + u8(idx) + u8(WIDTHS[width]) + u8(0)


def redist_write(vcpu, frame, sgi, reg, value, width=4):
    return (vgic_op("REDIST") + u8(vcpu) + u8(frame) + u8(sgi) + u8(REDIST_REGS.index(reg))
            + u8(WIDTHS[width]) + u8(1) + value32(value))


def sgi(vcpu, intid, targets):
    return vgic_op("SGI") + u8(vcpu) + u8(1) + u8(intid) + u16(targets) + u8(5)


def guest(op, cpu, lr):
    return vgic_op(op) + u8(cpu) + u8(lr)


def vgic_seeds():
    enable = dist_write(0, 0x0000, 0, 2)                      # GICD_CTLR.EnableGrp1
    enable_b = dist_write(3, 0x0000, 0, 2)
    seeds = {
        # GIC on, SGI 1 from a.0 to a.1, a.1 takes and ends it.
        "sgi_roundtrip": u8(3) + enable + sgi(0, 1, 0b10) + guest("ACK_EOI", 1, 0) + vgic_op("RUN") + u8(1),
        # rtc SPI 34 enabled and routed to a.2, fired, taken, ended.
        "spi_passthrough": (u8(3) + enable + dist_write(0, 0x0100, 1, 1 << 2)
                            + dist_write(0, 0x6100, 4, 2, width=8)
                            + vgic_op("SPI") + u8(0) + u8(1) + guest("ACK_EOI", 2, 0) + vgic_op("RUN") + u8(2)),
        # Virtual timer PPI 27 enabled in a.0's redistributor, fires, the
        # guest handles it; then it fires again and the VCPU is switched out.
        "vtimer": (u8(3) + enable + redist_write(0, 0, 1, 0x0100, 1 << 27) + vgic_op("TIMER") + u8(0)
                   + guest("ACK_EOI", 0, 0) + vgic_op("TIMER") + u8(0) + guest("ACK", 0, 0)
                   + vgic_op("RUN") + u8(3) + vgic_op("TIMER") + u8(0)),
        # More interrupts than list registers (one LR): overflow and refill.
        "overflow_one_lr": (u8(0) + enable + sgi(0, 1, 0b1) + sgi(0, 2, 0b1) + sgi(0, 3, 0b1)
                            + guest("ACK_EOI", 0, 0) + vgic_op("RUN") + u8(0) + guest("ACK_EOI", 0, 0)
                            + vgic_op("RUN") + u8(0)),
        # UART RX interrupt: IMSC.RX, console input, level to the vGIC.
        "uart_line": (u8(3) + enable + dist_write(0, 0x0100, 1, 1 << 1)
                      + vgic_op("UART") + u8(0) + u8(5) + u8(1) + u8(1) + value32(0x50)
                      + vgic_op("CONSOLE_IN") + u8(0) + u8(1) + u8(ord("x")) + guest("ACK", 0, 0)
                      + vgic_op("UART") + u8(0) + u8(0) + u8(1) + u8(0)),
        # VM b pokes at SPIs it does not own (a's 34, 40) and reads them back.
        "foreign_spis": (u8(3) + enable_b + dist_write(3, 0x0100, 1, 0xffffffff)
                         + dist_write(3, 0x0200, 1, 0xffffffff) + dist_write(3, 0x6100, 4, 0, width=8)
                         + dist_read(3, 0x0100, 1) + dist_read(3, 0x0400, 0x20)),
        # WFI with nothing pending, then an SGI from another CPU wakes it.
        "halt_wake": u8(3) + enable + vgic_op("HALT") + u8(1) + sgi(0, 5, 0b10) + vgic_op("RUN") + u8(1),
    }
    return seeds


def vgic_bugs():
    """Reproducers of the vGIC bugs found (tests/fuzz/crashes/fuzz_vgic_mmio/,
    tests/fuzz/known_bugs): kept out of the corpus, where they would stop
    every run at once."""
    enable = dist_write(0, 0x0000, 0, 2)
    return {
        # One LR, held by an SGI; the timer fires and waits in the bitmap
        # (linked to the active physical PPI); the guest then clears its
        # pending state through GICR_ICPENDR0.
        "vtimer_icpendr": (u8(0) + enable + redist_write(0, 0, 1, 0x0100, (1 << 27) | (1 << 1))
                           + sgi(0, 1, 0b1) + vgic_op("RUN") + u8(0) + vgic_op("TIMER") + u8(0)
                           + redist_write(0, 0, 1, 0x0280, 1 << 27)),
        # The same for the rtc SPI 34, routed to a.0 and cleared through
        # GICD_ICPENDR1 from a.1 before a.0 runs again.
        "spi_icpendr": (u8(3) + enable + dist_write(0, 0x0100, 1, 1 << 2) + vgic_op("SPI") + u8(0) + u8(1)
                        + dist_write(1, 0x0280, 1, 1 << 2)),
    }


def vgic_regressions():
    """Inputs of vGIC bugs since fixed (tests/fuzz/regressions/fuzz_vgic_mmio/)."""
    enable = dist_write(0, 0x0000, 0, 2)
    return {
        # Fixed in 052ac96 (checks active-restored, flush-pending).
        # An SGI acknowledged, its VCPU switched out while it is active, then
        # sent again: the active state must come back with the new pending.
        "active_switched_out": (u8(3) + enable + sgi(0, 1, 0b1) + guest("ACK", 0, 0) + vgic_op("UNLOAD")
                                + u8(0) + sgi(0, 1, 0b1) + guest("EOI", 0, 0) + vgic_op("RUN") + u8(0)),
    }


# ---- fuzz_vpl011 ------------------------------------------------------------

VPL_OPS = ["READ", "WRITE", "RX", "RX_BURST", "RESET", "FAST_READ", "FAST_WRITE"]


def vpl_read(off, width=4, fast=False):
    return u8(VPL_OPS.index("FAST_READ" if fast else "READ")) + u16(off) + u8({1: 0, 2: 1, 4: 2, 8: 3}[width])


def vpl_write(off, value, width=4, fast=False):
    return (u8(VPL_OPS.index("FAST_WRITE" if fast else "WRITE")) + u16(off) + u8({1: 0, 2: 1, 4: 2, 8: 3}[width])
            + u32(value))


def vpl_rx(c):
    return u8(VPL_OPS.index("RX")) + u8(c)


def vpl_burst(n, c):
    return u8(VPL_OPS.index("RX_BURST")) + u8(n) + u8(c)


def vpl011_seeds():
    fifo_on = vpl_write(0x2c, 0x70)                          # LCR_H: 8 bits, FIFO enabled
    return {
        "tx_line": vpl_write(0x30, 0x301) + b"".join(vpl_write(0, ord(c)) for c in "hello\n"),
        "rx_fifo": fifo_on + vpl_write(0x38, 0x50) + vpl_burst(20, ord("a")) + vpl_read(0x18)
                   + vpl_read(0x40) + b"".join(vpl_read(0) for _ in range(20)) + vpl_read(0x18),
        "rx_overrun": fifo_on + vpl_burst(40, ord("z")) + vpl_read(0x18) + vpl_read(0x3c),
        "no_fifo": vpl_write(0x38, 0x10) + vpl_rx(1) + vpl_rx(2) + vpl_read(0x18) + vpl_read(0),
        "loopback": vpl_write(0x30, 0x381) + fifo_on + vpl_write(0x38, 0x70) + vpl_write(0, 0x41)
                    + vpl_read(0x3c) + vpl_write(0x44, 0x7ff) + vpl_read(0),
        "ids_widths": vpl_read(0xfe0, 1) + vpl_read(0xff0, 4) + vpl_read(0x18, 8) + vpl_read(0x19, 1)
                      + vpl_read(0x80) + vpl_write(0x2c, 0x10, 2) + vpl_read(0x2c, 2),
        # What a console write does per byte, through the fast op: FR, then
        # DR; with the TX interrupt unmasked the first DR write raises the
        # line (the fast op must decline it), the next ones do not.
        "fast_console": (vpl_write(0x30, 0x301) + b"".join(vpl_read(0x18, 2, True) + vpl_write(0, ord(c), 1, True)
                                                         for c in "ok\n")
                         + vpl_write(0x38, 0x20) + vpl_write(0x44, 0x20) + vpl_write(0, 0x41, 2, True)
                         + vpl_write(0, 0x42, 4, True) + fifo_on + vpl_rx(0x61) + vpl_read(0x18, 4, True)
                         + vpl_write(0x30, 0x381) + vpl_write(0, 0x43, 1, True) + vpl_read(0x1c, 4, True)
                         + vpl_read(0x18, 1, True) + vpl_write(0xffc, 1, 8, True)),
        "trigger_levels": fifo_on + vpl_write(0x34, 0x20) + vpl_write(0x38, 0x10) + vpl_burst(28, 0x30)
                          + vpl_read(0x3c) + vpl_write(0x34, 0x00) + vpl_read(0x3c) + vpl_write(0x2c, 0x60),
    }


# ---- fuzz_smccc_hypercall -----------------------------------------------------

HC_OPS = ["CALL", "CALL", "CALL", "CALL", "CALL", "CALL", "RUN", "WFI", "IRQ", "TIME"]
PSCI = {"VERSION": 0x84000000, "CPU_ON64": 0xc4000003, "CPU_ON32": 0x84000003, "CPU_OFF": 0x84000002,
        "AFFINITY_INFO64": 0xc4000004, "SYSTEM_OFF": 0x84000008, "SYSTEM_RESET": 0x84000009,
        "FEATURES": 0x8400000a, "SUSPEND": 0xc4000001, "MIGRATE_INFO": 0x84000006}
HV = 0x86000000
HV64 = 0xc6000000


def hc_call(cpu, x0, x1=0, x2=0, x3=0):
    return u8(HC_OPS.index("CALL")) + u8(cpu) + u64(x0) + u64(x1) + u64(x2) + u64(x3)


def hc_simple(op, cpu, arg=0):
    return u8(HC_OPS.index(op)) + u8(cpu) + u8(arg)


def smccc_seeds():
    return {
        "psci_bringup": (hc_call(0, PSCI["VERSION"]) + hc_call(0, PSCI["FEATURES"], PSCI["CPU_ON64"])
                         + hc_call(0, PSCI["CPU_ON64"], 1, 0x40001000, 7) + hc_simple("RUN", 1)
                         + hc_call(1, PSCI["AFFINITY_INFO64"], 1) + hc_call(1, PSCI["CPU_OFF"])
                         + hc_call(0, PSCI["AFFINITY_INFO64"], 1)),
        "cpu_on_bad": (hc_call(0, PSCI["CPU_ON64"], 1, 0x10) + hc_call(0, PSCI["CPU_ON64"], 9, 0x40000000)
                       + hc_call(0, PSCI["CPU_ON32"], 0xffffffff00000001, 0x40000000)
                       + hc_call(0, PSCI["CPU_ON64"], 1, 0x40400000)),
        "console": (hc_call(0, HV | 2, ord("h")) + hc_call(0, HV | 2, ord("\n"))
                    + hc_call(0, HV | 3, 0x40000000, 16) + hc_call(0, HV | 3, 0x40400ff0, 16)
                    + hc_call(0, HV | 3, 0x483ffff0, 0x20) + hc_call(0, HV64 | 3, 0xfffffffffffffff0, 0x20)
                    + hc_call(0, HV | 3, 0x40000000, 257) + hc_call(0, HV | 4)),
        "stop_everything": (hc_call(0, PSCI["SYSTEM_OFF"]) + hc_simple("RUN", 0) + hc_simple("RUN", 1)
                            + hc_call(2, PSCI["SYSTEM_OFF"]) + hc_simple("RUN", 2) + hc_call(0, PSCI["SYSTEM_OFF"])
                            + hc_simple("RUN", 0) + hc_simple("RUN", 1) + hc_simple("RUN", 0)),
        "reset_and_yield": (hc_call(0, HV | 1) + hc_call(0, PSCI["SYSTEM_RESET"]) + hc_simple("RUN", 0)
                            + hc_simple("RUN", 1) + hc_call(2, PSCI["SUSPEND"]) + hc_simple("IRQ", 2, 0)
                            + hc_simple("TIME", 0, 200) + hc_simple("RUN", 0)),
        "smccc_misc": (hc_call(0, 0x80000000) + hc_call(0, 0x80000001, 0x80000000) + hc_call(0, 0x04000000)
                       + hc_call(0, 0x86ff0000) + hc_call(0, HV | 0xff01) + hc_call(0, PSCI["MIGRATE_INFO"])
                       + hc_simple("WFI", 1) + hc_simple("IRQ", 1, 1)),
    }


# ---- fuzz_sysreg_trap ---------------------------------------------------------

TRAP_OPS = ["TRAP", "TRAP", "TRAP", "TRAP", "TRAP", "RUN", "IRQ"]
EC = {"WFX": 0x01, "HVC": 0x16, "SMC": 0x17, "SYSREG": 0x18, "IABT": 0x20, "DABT": 0x24, "BRK": 0x3c}


def esr(ec, iss):
    return (ec << 26) | (1 << 25) | iss


def sysreg_iss(op0, op1, crn, crm, op2, rt, read):
    return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | int(read)


def dabt_iss(sas, srt, wnr, sse=0):
    return (1 << 24) | (sas << 22) | (sse << 21) | (srt << 16) | (wnr << 6)


def trap(cpu, esr_value, far=0, hpfar=0, kind=0, rt=0, xval=0, spsr=0x3c5, vbar=0x40080000):
    # cpu, kind, esr, far, hpfar, spsr (its mode from the next byte: 0 EL1h,
    # 1 EL1t, 2 EL0t), vbar, then x[rt] = xval
    mode = {5: 0, 4: 1, 0: 2}[spsr & 0xf]
    return (u8(TRAP_OPS.index("TRAP")) + u8(cpu) + u8(kind) + u64(esr_value) + u64(far) + u64(hpfar)
            + u64(spsr) + u8(mode) + u64(vbar) + u8(rt) + u64(xval))


def sysreg_trap_seeds():
    uart = 0x09000000
    return {
        "sgi1r": trap(0, esr(EC["SYSREG"], sysreg_iss(3, 0, 12, 11, 5, 3, False)), rt=3, xval=(1 << 24) | 2)
                 + trap(0, esr(EC["SYSREG"], sysreg_iss(3, 0, 12, 11, 5, 4, True)), rt=4, xval=77),
        "undef_sysreg": trap(0, esr(EC["SYSREG"], sysreg_iss(3, 1, 15, 2, 0, 5, True)), spsr=0x3c4)
                        + trap(0, esr(EC["SYSREG"], sysreg_iss(3, 0, 12, 11, 6, 31, False)), spsr=0x0),
        "wfx_hvc_smc": trap(0, esr(EC["WFX"], 0)) + trap(0, esr(EC["WFX"], 1)) + trap(0, esr(EC["HVC"], 0))
                       + trap(0, esr(EC["HVC"], 0x1234)) + trap(0, esr(EC["SMC"], 0)),
        "uart_mmio": trap(0, esr(EC["DABT"], dabt_iss(2, 1, 1)), far=uart, hpfar=(uart >> 12) << 4, rt=1,
                          xval=0x41)
                     + trap(0, esr(EC["DABT"], dabt_iss(2, 2, 0)), far=uart + 0x18, hpfar=(uart >> 12) << 4)
                     + trap(0, esr(EC["DABT"], dabt_iss(0, 2, 0, 1)), far=uart + 0xfe0,
                            hpfar=(uart >> 12) << 4),
        "faults": trap(2, esr(EC["DABT"], 0), far=0x1234, hpfar=0x100) + trap(2, esr(EC["IABT"], 0x10))
                  + trap(0, esr(EC["BRK"], 0)) + trap(0, 0, kind=3) + trap(0, 0, kind=1),
    }


def smccc_bugs():
    """Reproducers of bugs found through fuzz_smccc_hypercall (crashes/)."""
    return {
        # a.0 prints ESC, then resets its VM; a.1 (OFF, on CPU 1) is retired
        # last, so the restart completes on CPU 1 with nothing run after it:
        # the new boot's console line still has the escape state.
        "esc_across_restart": (hc_call(0, HV | 2, 0x1b) + hc_call(0, PSCI["SYSTEM_RESET"]) + hc_simple("RUN", 0)
                               + hc_simple("RUN", 1)),
    }


TARGETS = {"fuzz_vgic_mmio": vgic_seeds, "fuzz_vpl011": vpl011_seeds,
           "fuzz_smccc_hypercall": smccc_seeds, "fuzz_sysreg_trap": sysreg_trap_seeds}
BUGS = {"fuzz_vgic_mmio": vgic_bugs, "fuzz_smccc_hypercall": smccc_bugs}
REGRESSIONS = {"fuzz_vgic_mmio": vgic_regressions}


def write_all(kind, table):
    for target, make in table.items():
        d = os.path.join(HERE, kind, target)
        os.makedirs(d, exist_ok=True)
        for name, data in make().items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


def main():
    write_all("corpus", TARGETS)
    # The bugs these reproduce are fixed: they are regression inputs now.
    write_all("regressions", BUGS)
    write_all("regressions", REGRESSIONS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
