/* tests/guests/common/asm.inc.S: assembler macros shared by the test guests' .S files
 * (common/start.S, irq_common/irq_vectors.S, hostile_common/vectors.inc.S, bench/vectors.S).
 * Included, never assembled on its own. Everything here is position-independent. */
#ifndef GUEST_ASM_INC_S
#define GUEST_ASM_INC_S

/* w<reg> = 32-bit constant */
.macro movw32 reg, val
    movz    \reg, #((\val) & 0xffff)
    movk    \reg, #(((\val) >> 16) & 0xffff), lsl #16
.endm

/* reg = address of sym (PC-relative) */
.macro adr_abs reg, sym
    adrp    \reg, \sym
    add     \reg, \reg, #:lo12:\sym
.endm

/* Stores the registers r1, r2, rest... (an even number) in pairs at [base, #off] upwards. */
.macro stp_seq base, off, r1, r2, rest:vararg
    stp     \r1, \r2, [\base, #(\off)]
    .ifnb \rest
    stp_seq \base, (\off + 16), \rest
    .endif
.endm

/* Loads what stp_seq with the same arguments stored, the last pair first. */
.macro ldp_seq base, off, r1, r2, rest:vararg
    .ifnb \rest
    ldp_seq \base, (\off + 16), \rest
    .endif
    ldp     \r1, \r2, [\base, #(\off)]
.endm

/* Vector-table entries from..to (0-15), each branching to the same entry of common/start.S's
 * guest_vectors (which reports GUEST-EXCEPTION and powers the VM off). */
.macro to_guest_vectors from, to
    .balign 0x80
    b       guest_vectors + ((\from) * 0x80)
    .if (\to) - (\from)
    to_guest_vectors (\from + 1), \to
    .endif
.endm

/* Body of an IRQ vector that calls C: saves the register pairs `regs` (stp_seq from [sp]),
 * then x30, ELR_EL1 and SPSR_EL1 at the top of a `frame`-byte stack frame (t0 and t1, two of
 * `regs`, carry ELR and SPSR), calls fn, restores all of them and frees the frame. The
 * caller ends with eret. */
.macro irq_call_c fn, frame, t0, t1, regs:vararg
    sub     sp, sp, #(\frame)
    stp_seq sp, 0, \regs
    mrs     \t0, elr_el1
    mrs     \t1, spsr_el1
    stp     x30, \t0, [sp, #((\frame) - 32)]
    str     \t1, [sp, #((\frame) - 16)]
    bl      \fn
    ldr     \t1, [sp, #((\frame) - 16)]
    ldp     x30, \t0, [sp, #((\frame) - 32)]
    msr     spsr_el1, \t1
    msr     elr_el1, \t0
    ldp_seq sp, 0, \regs
    add     sp, sp, #(\frame)
.endm

#endif /* GUEST_ASM_INC_S */
