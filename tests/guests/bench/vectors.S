/* tests/guests/bench/vectors.S: the benchmark guest's EL1 vector table and its
 * timing primitives. The IRQ vector (current EL, SP_ELx) stamps the cycle counter
 * (PMCCNTR_EL0, one count per instruction under QEMU -icount shift=0) and the
 * virtual counter in its first instructions, then calls bench_irq(pmc, cnt).
 * Every other vector goes to common/start.S's reporting vectors.
 *
 * Everything here is position-independent (adr/adrp and relative branches only):
 * the same bench.bin runs at whatever address it is loaded (docs/performance.md). */

#define IRQ_FRAME 176           /* x2-x18, x29, x30, ELR, SPSR: 21 slots, 16-byte aligned */

    .section .text.bench_vectors, "ax", %progbits
    .balign 0x800
    .global bench_vectors
bench_vectors:
    .irp    idx, 0, 1, 2, 3, 4
    .balign 0x80
    b       guest_vectors + (\idx * 0x80)
    .endr
    .balign 0x80                /* 0x280: IRQ, current EL, SP_ELx */
    stp     x0, x1, [sp, #-16]!
    mrs     x0, pmccntr_el0     /* the third instruction after the exception */
    mrs     x1, cntvct_el0
    b       bench_irq_entry
    .irp    idx, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    b       guest_vectors + (\idx * 0x80)
    .endr

    .balign 0x80
bench_irq_entry:
    sub     sp, sp, #IRQ_FRAME
    stp     x2, x3, [sp, #0]
    stp     x4, x5, [sp, #16]
    stp     x6, x7, [sp, #32]
    stp     x8, x9, [sp, #48]
    stp     x10, x11, [sp, #64]
    stp     x12, x13, [sp, #80]
    stp     x14, x15, [sp, #96]
    stp     x16, x17, [sp, #112]
    stp     x18, x29, [sp, #128]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x30, x2, [sp, #144]
    str     x3, [sp, #160]
    bl      bench_irq           /* (pmc, cntvct) */
    ldr     x3, [sp, #160]
    ldp     x30, x2, [sp, #144]
    msr     spsr_el1, x3
    msr     elr_el1, x2
    ldp     x18, x29, [sp, #128]
    ldp     x16, x17, [sp, #112]
    ldp     x14, x15, [sp, #96]
    ldp     x12, x13, [sp, #80]
    ldp     x10, x11, [sp, #64]
    ldp     x8, x9, [sp, #48]
    ldp     x6, x7, [sp, #32]
    ldp     x4, x5, [sp, #16]
    ldp     x2, x3, [sp, #0]
    add     sp, sp, #IRQ_FRAME
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
    stp     x1, x2, [x0, #0]
    stp     x3, x4, [x0, #16]
    stp     x5, x6, [x0, #32]
    stp     x7, x8, [x0, #48]
    stp     x9, x10, [x0, #64]
    stp     x11, x12, [x0, #80]
    stp     x13, x14, [x0, #96]
    stp     x15, x16, [x0, #112]
    str     x17, [x0, #128]
    ret
    .size   bench_calibrate, . - bench_calibrate

/* uint64_t bench_batch_hvc(uint32_t fid, uint64_t n): virtual-counter ticks for n
 * back-to-back "hvc #0" calls of fid (loop: mov, hvc, subs, b.ne). */
    .global bench_batch_hvc
    .type   bench_batch_hvc, %function
bench_batch_hvc:
    mov     w9, w0
    mov     x10, x1
    isb
    mrs     x11, cntvct_el0
1:  mov     w0, w9
    hvc     #0
    subs    x10, x10, #1
    b.ne    1b
    isb
    mrs     x12, cntvct_el0
    sub     x0, x12, x11
    ret
    .size   bench_batch_hvc, . - bench_batch_hvc

/* uint64_t bench_batch_empty(uint32_t fid, uint64_t n): the same loop without the hvc. */
    .global bench_batch_empty
    .type   bench_batch_empty, %function
bench_batch_empty:
    mov     w9, w0
    mov     x10, x1
    isb
    mrs     x11, cntvct_el0
1:  mov     w0, w9
    nop
    subs    x10, x10, #1
    b.ne    1b
    isb
    mrs     x12, cntvct_el0
    sub     x0, x12, x11
    ret
    .size   bench_batch_empty, . - bench_batch_empty

/* uint64_t bench_batch_load(uint64_t addr, uint64_t n): ticks for n 32-bit loads of addr
 * (loop: mov, ldr, subs, b.ne; bench_batch_empty is its empty twin). */
    .global bench_batch_load
    .type   bench_batch_load, %function
bench_batch_load:
    mov     x9, x0
    mov     x10, x1
    isb
    mrs     x11, cntvct_el0
1:  mov     w0, w9
    ldr     w13, [x9]
    subs    x10, x10, #1
    b.ne    1b
    isb
    mrs     x12, cntvct_el0
    sub     x0, x12, x11
    ret
    .size   bench_batch_load, . - bench_batch_load

    .section .note.GNU-stack, "", %progbits
