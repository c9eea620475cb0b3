/* EL2 exception vectors and the guest entry/exit path.
 * hv_guest_enter(regs, vcpu) saves the hypervisor's callee-saved registers
 * on its stack, loads the guest's and erets; an exception from the guest
 * saves the guest's registers into the same struct and returns from
 * hv_guest_enter with the kind of exception. Runs on every exit.
 *
 * Synchronous exceptions and IRQs first try fast_exit() (fast_exit.c)
 * with only the registers a C call may clobber saved (x0-x18, x30): the
 * guest's x19-x29 stay live in the registers, which the C code preserves.
 * If it answered the exit, those few are restored and the guest resumes
 * at once; otherwise the rest is saved and the full path runs. An MMIO
 * access through one of x19-x29 is answered the same way, once those are
 * saved too: fast_exit asks for that with FAST_AGAIN, fast_exit_again
 * answers it. */
#define EXC_SYNC   0
#define EXC_IRQ    1
#define EXC_FIQ    2
#define EXC_SERROR 3
#define EXC_AARCH32 4
#define FAST_AGAIN 16 /* as in aarch64.h */

/* struct guest_regs: x0..x30 at 0..240, elr at 248, spsr at 256.
 * While the guest runs, the stack holds (from sp up) the regs pointer,
 * the struct vcpu pointer and the hypervisor's callee-saved registers. */

/* x2..x17 into the struct guest_regs at x1, or from the one at `base`. */
.macro save_x2_x17
    stp     x2, x3, [x1, #16]
    stp     x4, x5, [x1, #32]
    stp     x6, x7, [x1, #48]
    stp     x8, x9, [x1, #64]
    stp     x10, x11, [x1, #80]
    stp     x12, x13, [x1, #96]
    stp     x14, x15, [x1, #112]
    stp     x16, x17, [x1, #128]
.endm

.macro load_x2_x17 base
    ldp     x2, x3, [\base, #16]
    ldp     x4, x5, [\base, #32]
    ldp     x6, x7, [\base, #48]
    ldp     x8, x9, [\base, #64]
    ldp     x10, x11, [\base, #80]
    ldp     x12, x13, [\base, #96]
    ldp     x14, x15, [\base, #112]
    ldp     x16, x17, [\base, #128]
.endm

.macro guest_exit kind
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x0, #\kind
    b       guest_exit_common
.endm

.macro guest_exit_fast kind
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x0, #\kind
    b       guest_exit_fast_path
.endm

.macro hyp_fault kind
    .balign 0x80
    mov     x0, #\kind
    mrs     x1, esr_el2
    mrs     x2, elr_el2
    mrs     x3, far_el2
    b       arch_el2_fault
.endm

    .text
    .balign 0x800
    .global hv_vectors
hv_vectors:
    /* current EL with SP_EL0: never used */
    hyp_fault EXC_SYNC
    hyp_fault EXC_IRQ
    hyp_fault EXC_FIQ
    hyp_fault EXC_SERROR
    /* current EL with SP_EL2: a hypervisor bug */
    hyp_fault EXC_SYNC
    hyp_fault EXC_IRQ
    hyp_fault EXC_FIQ
    hyp_fault EXC_SERROR
    /* lower EL, AArch64: the guest */
    guest_exit_fast EXC_SYNC
    guest_exit_fast EXC_IRQ
    guest_exit EXC_FIQ
    guest_exit EXC_SERROR
    /* lower EL, AArch32: not supported (HCR_EL2.RW = 1) */
    guest_exit EXC_AARCH32
    guest_exit EXC_AARCH32
    guest_exit EXC_AARCH32
    guest_exit EXC_AARCH32

guest_exit_fast_path:
    ldr     x1, [sp, #16]           /* struct guest_regs *, pushed at entry */
    save_x2_x17
    str     x18, [x1, #144]
    str     x30, [x1, #240]
    ldp     x2, x3, [sp]            /* the guest's x0, x1 */
    stp     x2, x3, [x1, #0]
    ldr     x1, [sp, #24]           /* struct vcpu * */
    bl      fast_exit               /* 0: answered; FAST_AGAIN; else kind + 1 */
    ldr     x1, [sp, #16]
    cbnz    x0, 1f
3:  ldr     x30, [x1, #240]         /* answered: back into the guest */
    load_x2_x17 x1
    ldr     x18, [x1, #144]
    ldp     x0, x1, [x1, #0]
    add     sp, sp, #16
    eret
1:  str     x19, [x1, #152]         /* still the guest's: C preserved them */
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    cmp     x0, #FAST_AGAIN
    b.ne    2f
    ldr     x0, [sp, #24]           /* struct vcpu * */
    bl      fast_exit_again         /* 0: answered; else EXC_SYNC + 1 */
    ldr     x1, [sp, #16]
    cbnz    x0, 2f
    ldr     x19, [x1, #152]         /* a load may have written one of them */
    ldp     x20, x21, [x1, #160]
    ldp     x22, x23, [x1, #176]
    ldp     x24, x25, [x1, #192]
    ldp     x26, x27, [x1, #208]
    ldp     x28, x29, [x1, #224]
    b       3b
2:  sub     x0, x0, #1
    ldr     x30, [x1, #240]         /* the tail stores it again */
    add     sp, sp, #16             /* the guest's x0, x1: saved above */
    b       guest_exit_tail

guest_exit_common:
    ldr     x1, [sp, #16]           /* struct guest_regs *, pushed at entry */
    save_x2_x17
    stp     x18, x19, [x1, #144]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    ldp     x2, x3, [sp], #16       /* the guest's x0, x1 */
    stp     x2, x3, [x1, #0]
guest_exit_tail:                    /* x0 = kind, x1 = regs, all GPRs saved */
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x30, x2, [x1, #240]
    str     x3, [x1, #256]
    add     sp, sp, #16             /* drop the regs pointer slot */
    ldp     x19, x20, [sp], #16
    ldp     x21, x22, [sp], #16
    ldp     x23, x24, [sp], #16
    ldp     x25, x26, [sp], #16
    ldp     x27, x28, [sp], #16
    ldp     x29, x30, [sp], #16
    ret

/* uint64_t hv_guest_enter(struct guest_regs *regs, struct vcpu *v) */
    .global hv_guest_enter
hv_guest_enter:
    stp     x29, x30, [sp, #-16]!
    stp     x27, x28, [sp, #-16]!
    stp     x25, x26, [sp, #-16]!
    stp     x23, x24, [sp, #-16]!
    stp     x21, x22, [sp, #-16]!
    stp     x19, x20, [sp, #-16]!
    stp     x0, x1, [sp, #-16]!
    ldp     x30, x2, [x0, #240]
    ldr     x3, [x0, #256]
    msr     elr_el2, x2
    msr     spsr_el2, x3
    load_x2_x17 x0
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldp     x0, x1, [x0, #0]
    eret

    .section .note.GNU-stack, "", %progbits
