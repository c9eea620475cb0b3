/* Entry points of the hypervisor image: the arm64 Image header QEMU loads
 * by, the boot CPU's entry (x0 = boot DTB), and the secondary CPUs' entry
 * (x0 = CPU index, passed as PSCI CPU_ON context id). Sets up EL2 just
 * enough to run C: stack, vectors, masked interrupts, zeroed .bss. */
#define STACK_SIZE 0x4000

    .section .text.boot, "ax"
    .global _start
_start:
    b       primary_entry
    .long   0
    .quad   0                   /* text_offset */
    .quad   _image_size         /* image_size: file plus .bss, from hv.ld */
    .quad   0x2                 /* flags: little endian, 4 KiB pages */
    .quad   0
    .quad   0
    .quad   0
    .ascii  "ARM\x64"
    .long   0

primary_entry:
    mov     x19, x0
    mrs     x1, CurrentEL
    cmp     x1, #(2 << 2)
    b.ne    wrong_place
    /* Linked for one address: refuse to run anywhere else. */
    adr     x1, _start
    ldr     x2, =_start
    cmp     x1, x2
    b.ne    wrong_place

    adrp    x1, _bss_start
    add     x1, x1, :lo12:_bss_start
    adrp    x2, _bss_end
    add     x2, x2, :lo12:_bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:
    mov     x0, #0
    bl      cpu_early_init
    mov     x0, x19
    bl      arch_boot_primary
    b       wrong_place

    .global secondary_entry
secondary_entry:
    mov     x19, x0
    bl      cpu_early_init
    mov     x0, x19
    bl      arch_boot_secondary
    b       wrong_place

/* x0 = CPU index. Clobbers x1-x3. */
cpu_early_init:
    msr     daifset, #0xf
    msr     tpidr_el2, x0
    adrp    x1, hv_stacks
    add     x1, x1, :lo12:hv_stacks
    add     x2, x0, #1
    mov     x3, #STACK_SIZE
    madd    x1, x2, x3, x1
    mov     sp, x1
    adrp    x1, hv_vectors
    add     x1, x1, :lo12:hv_vectors
    msr     vbar_el2, x1
    isb
    ret

wrong_place:
    wfi
    b       wrong_place

    .section .note.GNU-stack, "", %progbits
