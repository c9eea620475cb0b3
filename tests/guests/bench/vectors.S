/* tests/guests/bench/vectors.S: the benchmark guest's EL1 vector table and its
 * timing primitives. The IRQ vector (current EL, SP_ELx) stamps the cycle counter
 * (PMCCNTR_EL0, one count per instruction under QEMU -icount shift=0) and the
 * virtual counter in its first instructions, then calls bench_irq(pmc, cnt).
 * Every other vector goes to common/start.S's reporting vectors.
 *
 * Everything here is position-independent (adr/adrp and relative branches only):
 * the same bench.bin runs at whatever address it is loaded (docs/performance.md). */

#include "../common/asm.inc.S"

#define IRQ_FRAME 176           /* x2-x18, x29, x30, ELR, SPSR: 21 slots, 16-byte aligned */

    .section .text.bench_vectors, "ax", %progbits
    .balign 0x800
    .global bench_vectors
bench_vectors:
    to_guest_vectors 0, 4
    .balign 0x80                /* 0x280: IRQ, current EL, SP_ELx */
    stp     x0, x1, [sp, #-16]!
    mrs     x0, pmccntr_el0     /* the third instruction after the exception */
    mrs     x1, cntvct_el0
    b       bench_irq_entry
    to_guest_vectors 6, 15

    .balign 0x80
bench_irq_entry:
    irq_call_c bench_irq, IRQ_FRAME, x2, x3, \
               x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18, x29
    ldp     x0, x1, [sp], #16
    eret

/* void bench_calibrate(uint64_t out[17]): out[0] = PMCCNTR_EL0, out[1..16] = CNTVCT_EL0
 * read by the 16 instructions right after it, one instruction apart. Where the
 * counter ticks inside that run tells the cycle counter's offset from virtual time
 * exactly (main.c: pmu_offset). */
    .text
    .balign 16
    .global bench_calibrate
    .type   bench_calibrate, %function
bench_calibrate:
    isb
    mrs     x1, pmccntr_el0
    mrs     x2, cntvct_el0
    mrs     x3, cntvct_el0
    mrs     x4, cntvct_el0
    mrs     x5, cntvct_el0
    mrs     x6, cntvct_el0
    mrs     x7, cntvct_el0
    mrs     x8, cntvct_el0
    mrs     x9, cntvct_el0
    mrs     x10, cntvct_el0
    mrs     x11, cntvct_el0
    mrs     x12, cntvct_el0
    mrs     x13, cntvct_el0
    mrs     x14, cntvct_el0
    mrs     x15, cntvct_el0
    mrs     x16, cntvct_el0
    mrs     x17, cntvct_el0
    stp_seq x0, 0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16
    str     x17, [x0, #128]
    ret
    .size   bench_calibrate, . - bench_calibrate

/* The timed loops of the BENCH-CNT figures: uint64_t name(arg, uint64_t n) returns the
 * virtual-counter ticks of n rounds of "mov w0, w9; op; subs; b.ne" with r9 = arg, where
 * argw (w or x) is the width of arg. */
.macro bench_batch name, argw, op:vararg
    .global \name
    .type   \name, %function
\name:
    mov     \argw\()9, \argw\()0
    mov     x10, x1
    isb
    mrs     x11, cntvct_el0
1:  mov     w0, w9
    \op
    subs    x10, x10, #1
    b.ne    1b
    isb
    mrs     x12, cntvct_el0
    sub     x0, x12, x11
    ret
    .size   \name, . - \name
.endm

/* bench_batch_hvc(uint32_t fid, n): n back-to-back "hvc #0" calls of fid. */
    bench_batch bench_batch_hvc, w, hvc #0
/* bench_batch_empty(uint32_t fid, n): the same loop without the hvc. */
    bench_batch bench_batch_empty, w, nop
/* bench_batch_load(uint64_t addr, n): n 32-bit loads of addr (bench_batch_empty is its
 * empty twin). */
    bench_batch bench_batch_load, x, ldr w13, [x9]

    .section .note.GNU-stack, "", %progbits
