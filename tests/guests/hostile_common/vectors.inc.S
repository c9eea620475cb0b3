/* tests/guests/hostile_common/vectors.inc.S: guest-local EL1 exception vectors of the hostile
 * tests (included by a .S file in each user's directory). Every entry saves x0-x30, ELR_EL1
 * and SPSR_EL1 in a struct exc_frame on the current stack, calls
 * exc_dispatch(frame, vector offset) (hostile.h, HOSTILE_IMPL), restores the possibly
 * changed frame and returns with eret, so a handler can skip a faulting instruction. */

#include "../common/asm.inc.S"

#define EXC_FRAME_SIZE 272

.macro hventry off
    .balign 0x80
    sub     sp, sp, #EXC_FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\off
    b       hostile_exc_common
.endm

    .section .text.vectors_hostile, "ax", %progbits
    .balign 0x800
    .global hostile_vectors
hostile_vectors:
    hventry 0x000
    hventry 0x080
    hventry 0x100
    hventry 0x180
    hventry 0x200
    hventry 0x280
    hventry 0x300
    hventry 0x380
    hventry 0x400
    hventry 0x480
    hventry 0x500
    hventry 0x580
    hventry 0x600
    hventry 0x680
    hventry 0x700
    hventry 0x780

hostile_exc_common:
    stp_seq sp, 16, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, \
                    x16, x17, x18, x19, x20, x21, x22, x23, x24, x25, x26, x27, x28, x29
    str     x30, [sp, #240]
    mrs     x1, elr_el1
    mrs     x2, spsr_el1
    stp     x1, x2, [sp, #248]
    mov     x1, x0
    mov     x0, sp
    bl      exc_dispatch
    ldp     x1, x2, [sp, #248]
    msr     elr_el1, x1
    msr     spsr_el1, x2
    ldr     x30, [sp, #240]
    ldp_seq sp, 16, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, \
                    x16, x17, x18, x19, x20, x21, x22, x23, x24, x25, x26, x27, x28, x29
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #EXC_FRAME_SIZE
    eret

    .global exc_install
    .type   exc_install, %function
exc_install:
    adr_abs x0, hostile_vectors
    msr     vbar_el1, x0
    isb
    ret
    .size   exc_install, . - exc_install

    .section .note.GNU-stack, "", %progbits
