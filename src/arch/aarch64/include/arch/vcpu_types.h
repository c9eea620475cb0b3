/* aarch64 part of struct vcpu and struct vm: what must be saved and
 * restored to run a VCPU. `regs` comes first: vectors.S uses its offsets. */
#ifndef ARCH_VCPU_TYPES_H
#define ARCH_VCPU_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include "arch_lock.h"

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

/* Emulated GICv3 (see vgic.c): INTIDs 0-31 are private to each VCPU,
 * 32..VGIC_NR_IRQS-1 are the VM's SPIs. */
#define VGIC_NR_IRQS 128u
#define VGIC_NR_PRIV 32u
#define VGIC_NR_SPIS (VGIC_NR_IRQS - VGIC_NR_PRIV)

/* struct vgic_irq.flags */
#define VIRQ_ENABLED 0x01u
#define VIRQ_PENDING 0x02u /* latched pending (edge, or set by ISPENDR) */
#define VIRQ_LINE    0x04u /* input line high (level-sensitive sources) */
#define VIRQ_ACTIVE  0x08u /* active while not in a list register */
#define VIRQ_EDGE    0x10u /* configured edge-triggered */
#define VIRQ_HW      0x20u /* linked to the physical interrupt of the same INTID */
#define VIRQ_IN_LR   0x40u /* currently held by list register `lr` */
#define VIRQ_OWNED   0x80u /* SPI: assigned to, or emulated for, this VM */

struct vgic_irq {
    uint8_t flags;
    uint8_t priority;
    uint8_t target; /* SPI: VCPU id it is routed to */
    uint8_t lr;
};

struct vgic_cpu_state {
    struct vgic_irq priv[VGIC_NR_PRIV];
    uint64_t pend[VGIC_NR_IRQS / 64u]; /* deliverable to this VCPU, not in an LR */
    uint32_t lr_used;                  /* list registers holding its interrupts */
    uint32_t waker;                    /* GICR_WAKER.ProcessorSleep */
    uint64_t vmcr;
    uint64_t ap0r0;
    uint64_t ap1r0;
    uint64_t hcr;                      /* ICH_HCR_EL2 last written */
    bool repend;                       /* an interrupt held in an LR was pended again */
    uint32_t hw_deact;                 /* private INTIDs whose physical twin its CPU must deactivate */
};

struct vgic_dist_state {
    struct spinlock lock;              /* all vGIC state of the VM */
    uint32_t ctlr;
    struct vgic_irq spi[VGIC_NR_SPIS];
    uint64_t irouter[VGIC_NR_SPIS];
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
    struct vgic_dist_state vgic;
};

#endif
