/* tests/guests/common/start.S: entry of every test-guest VCPU (VCPU 0 at the image start,
 * secondaries at secondary_entry via PSCI CPU_ON) and the EL1 exception vectors. */

#define GUEST_MAX_VCPUS   8
#define GUEST_STACK_SHIFT 13            /* 8 KiB per VCPU; must match guest.h / guest.ld */
#define PSCI_CPU_OFF      0x84000002
#define PSCI_SYSTEM_OFF   0x84000008

#include "asm.inc.S"

    .section .text.entry, "ax", %progbits
    .global _start
    .type   _start, %function
_start:
    /* VCPU 0, x0 = DTB address. Only VCPU 0 ever enters here, and it runs
     * before any secondary is started, so it alone clears .bss. */
    msr     daifset, #0xf
    mov     x19, x0
    adr_abs x1, __bss_start
    adr_abs x2, __bss_end
1:  cmp     x1, x2
    b.hs    common_entry
    str     xzr, [x1], #8               /* bounds are 16-byte aligned (guest.ld) */
    b       1b
    .size   _start, . - _start

    .global secondary_entry
    .type   secondary_entry, %function
secondary_entry:
    /* Secondary VCPU started by PSCI CPU_ON, x0 = context id. */
    msr     daifset, #0xf
    mov     x19, x0
    /* fall through */

common_entry:
    msr     spsel, #1
    mrs     x20, mpidr_el1
    and     x20, x20, #0xff             /* Aff0 = VCPU index */
    cmp     x20, #GUEST_MAX_VCPUS
    b.hs    no_stack_off

    /* sp = __stacks_start + (vcpu + 1) * 8 KiB */
    adr_abs x1, __stacks_start
    add     x2, x20, #1
    add     x1, x1, x2, lsl #GUEST_STACK_SHIFT
    mov     sp, x1

    adr_abs x1, guest_vectors
    msr     vbar_el1, x1

    /* CPACR_EL1.FPEN = 0b11: no FP/SIMD traps. */
    mrs     x1, cpacr_el1
    orr     x1, x1, #(3 << 20)
    msr     cpacr_el1, x1
    isb

    /* Report SErrors; IRQ/FIQ stay masked (the guests poll, they take no interrupts). */
    msr     daifclr, #0x4

    mov     x29, xzr
    mov     x30, xzr
    mov     w0, w20                     /* vcpu */
    mov     x1, x19                     /* DTB address or context id */
    bl      guest_main

    /* guest_main returned: this VCPU is done. */
    movw32  w0, PSCI_CPU_OFF
    hvc     #0
    b       park

no_stack_off:
    /* Aff0 beyond the stacks we have: nothing can run here. */
    movw32  w0, PSCI_CPU_OFF
    hvc     #0
park:
    wfi
    b       park
    .size   secondary_entry, . - secondary_entry

/*
 * Exception vectors: 16 entries of 0x80 bytes. Every one reports and powers the
 * VM off; nothing returns, so the entry freely reuses x0..x5 and resets sp to the
 * top of this VCPU's stack (the faulting sp may be the problem).
 */
    .section .text.vectors, "ax", %progbits
    .balign 0x800
    .global guest_vectors
guest_vectors:
    .irp    idx, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    mov     x0, #(\idx * 0x80)
    b       vector_common
    .endr

vector_common:
    msr     daifset, #0xf
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cmp     x1, #GUEST_MAX_VCPUS
    b.hs    vector_no_stack
    adr_abs x2, __stacks_start
    add     x3, x1, #1
    add     x2, x2, x3, lsl #GUEST_STACK_SHIFT
    mov     sp, x2
    mrs     x2, esr_el1
    mrs     x3, elr_el1
    mrs     x4, far_el1
    mov     x29, xzr
    mov     x30, xzr
    bl      guest_exception             /* (vector, vcpu, esr, elr, far), does not return */
vector_no_stack:
    movw32  w0, PSCI_SYSTEM_OFF
    hvc     #0
1:  wfi
    b       1b

    .section .note.GNU-stack, "", %progbits
