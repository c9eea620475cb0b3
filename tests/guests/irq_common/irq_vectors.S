/* tests/guests/irq_common/irq_vectors.S: EL1 vector table for guests that take IRQs.
 * The IRQ vector of "current EL with SP_ELx" (offset 0x280; guests run in EL1h) saves the
 * registers the AAPCS64 lets a call clobber, plus ELR/SPSR, calls irq_dispatch() (defined
 * by the guest) and returns with eret. Every other vector branches to the same entry of
 * common/start.S's guest_vectors, which reports GUEST-EXCEPTION and powers the VM off.
 * Included by the vectors.S of each guest that uses it (not assembled on its own). */

#define IRQ_FRAME 192           /* x0-x18, x29, x30, ELR, SPSR: 23 slots, 16-byte aligned */

    .section .text.irq_vectors, "ax", %progbits
    .balign 0x800
    .global irq_vectors
irq_vectors:
    .irp    idx, 0, 1, 2, 3, 4
    .balign 0x80
    b       guest_vectors + (\idx * 0x80)
    .endr
    .balign 0x80                /* 0x280: IRQ, current EL, SP_ELx */
    b       irq_entry
    .irp    idx, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    b       guest_vectors + (\idx * 0x80)
    .endr

    .balign 0x80
irq_entry:
    sub     sp, sp, #IRQ_FRAME
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    mrs     x0, elr_el1
    mrs     x1, spsr_el1
    stp     x30, x0, [sp, #160]
    str     x1, [sp, #176]
    bl      irq_dispatch
    ldr     x1, [sp, #176]
    ldp     x30, x0, [sp, #160]
    msr     spsr_el1, x1
    msr     elr_el1, x0
    ldp     x18, x29, [sp, #144]
    ldp     x16, x17, [sp, #128]
    ldp     x14, x15, [sp, #112]
    ldp     x12, x13, [sp, #96]
    ldp     x10, x11, [sp, #80]
    ldp     x8, x9, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #IRQ_FRAME
    eret

    .section .note.GNU-stack, "", %progbits
