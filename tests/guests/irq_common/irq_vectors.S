/* tests/guests/irq_common/irq_vectors.S: EL1 vector table for guests that take IRQs.
 * The IRQ vector of "current EL with SP_ELx" (offset 0x280; guests run in EL1h) saves the
 * registers the AAPCS64 lets a call clobber, plus ELR/SPSR, calls irq_dispatch() (defined
 * by the guest) and returns with eret. Every other vector branches to the same entry of
 * common/start.S's guest_vectors, which reports GUEST-EXCEPTION and powers the VM off.
 * Included by the vectors.S of each guest that uses it (not assembled on its own). */
#include "../common/asm.inc.S"

#define IRQ_FRAME 192           /* x0-x18, x29, x30, ELR, SPSR: 23 slots, 16-byte aligned */

    .section .text.irq_vectors, "ax", %progbits
    .balign 0x800
    .global irq_vectors
irq_vectors:
    to_guest_vectors 0, 4
    .balign 0x80                /* 0x280: IRQ, current EL, SP_ELx */
    b       irq_entry
    to_guest_vectors 6, 15

    .balign 0x80
irq_entry:
    irq_call_c irq_dispatch, IRQ_FRAME, x0, x1, \
               x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18, x29
    eret

    .section .note.GNU-stack, "", %progbits
