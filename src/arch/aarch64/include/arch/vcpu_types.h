/* aarch64 part of struct vcpu and struct vm: what must be saved and
 * restored to run a VCPU. `regs` comes first: vectors.S uses its offsets. */
#ifndef ARCH_VCPU_TYPES_H
#define ARCH_VCPU_TYPES_H

#include <stdint.h>

#define GUEST_REGS_ELR  (31 * 8)
#define GUEST_REGS_SPSR (32 * 8)

struct guest_regs {
    uint64_t x[31];
    uint64_t elr;  /* guest PC */
    uint64_t spsr; /* guest PSTATE */
};

struct el1_context {
    uint64_t sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
    uint64_t tpidr_el0, tpidrro_el0, tpidr_el1, sp_el0, sp_el1, elr, spsr;
    uint64_t esr, far, afsr0, afsr1, par, cpacr, csselr, cntkctl, mdscr;
    uint64_t cntv_ctl, cntv_cval;
    uint64_t vmpidr;
};

#define VGIC_MAX_LR 16u

struct vgic_cpu_state {
    uint64_t lr[VGIC_MAX_LR];
    uint64_t vmcr;
    uint64_t ap0r0;
    uint64_t ap1r0;
};

struct fp_state {
    uint64_t q[64]; /* V0..V31, 128 bits each */
    uint64_t fpcr;
    uint64_t fpsr;
};

struct arch_vcpu {
    struct guest_regs regs;
    struct el1_context el1;
    struct vgic_cpu_state vgic;
    struct fp_state fp;
};

struct arch_vm {
    uint64_t vttbr;   /* VMID and stage-2 root */
    uint32_t pool_used;
};

#endif
