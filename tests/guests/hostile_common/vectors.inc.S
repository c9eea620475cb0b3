/* tests/guests/hostile_common/vectors.inc.S: guest-local EL1 exception vectors of the hostile
 * tests (included by a .S file in each user's directory). Every entry saves x0-x30, ELR_EL1
 * and SPSR_EL1 in a struct exc_frame on the current stack, calls
 * exc_dispatch(frame, vector offset) (hostile.h, HOSTILE_IMPL), restores the possibly
 * changed frame and returns with eret, so a handler can skip a faulting instruction. */

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
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
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
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #EXC_FRAME_SIZE
    eret

    .global exc_install
    .type   exc_install, %function
exc_install:
    adrp    x0, hostile_vectors
    add     x0, x0, #:lo12:hostile_vectors
    msr     vbar_el1, x0
    isb
    ret
    .size   exc_install, . - exc_install

    .section .note.GNU-stack, "", %progbits
