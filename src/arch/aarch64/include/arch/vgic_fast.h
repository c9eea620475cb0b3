/* The vGIC's shortcut for the fast exit path (fast_exit.c): a private
 * interrupt of the loaded VCPU goes straight into a list register. Inline,
 * so that the virtual timer's and a self-SGI's way back into the guest is
 * one C function. vgic.c (its locked variant) and the vGIC fuzz target,
 * which drives it like fast_exit.c does, include it too. */
#ifndef ARCH_VGIC_FAST_H
#define ARCH_VGIC_FAST_H

#include "arch/sysreg.h"
#include "arch/vgic.h"
#include "arch/aarch64.h"
#include "vcpu.h"
#include "vm.h"

#define LR_STATE_SHIFT 62
#define LR_PENDING     (1ULL << 62)
#define LR_ACTIVE      (1ULL << 63)
#define LR_HW          (1ULL << 61)
#define LR_GROUP1      (1ULL << 60)
#define LR_EOI_MAINT   (1ULL << 41) /* software interrupts: maintenance IRQ on EOI */
#define LR_PINTID_MASK (0x3ffULL << 32)
#define GICD_CTLR_GRP1 2u
#define PIDR2_GICV3    0x3bu
#define IIDR_ARM       0x0000043bu

/* Distributor registers whose value never changes (32-bit; writes are
 * ignored): read without the lock, by the fast path too. */
static inline bool vgic_dist_const(uint32_t offset, uint64_t *value)
{
    bool known = true;

    switch (offset) {
    case 0x0004u: /* GICD_TYPER: IDbits 10, ITLinesNumber */
        *value = (9u << 19) | ((VGIC_NR_IRQS / 32u) - 1u);
        break;
    case 0x0008u: /* GICD_IIDR */
        *value = IIDR_ARM;
        break;
    case 0x000cu: /* GICD_TYPER2 */
    case 0x0010u: /* GICD_STATUSR */
        *value = 0u;
        break;
    case 0xffe8u: /* GICD_PIDR2 */
        *value = PIDR2_GICV3;
        break;
    default:
        known = false;
        break;
    }
    return known;
}

static inline bool vgic_any_pending_bits(const struct vcpu *v)
{
    uint64_t any = 0u;
    uint32_t w;

    for (w = 0u; w < (VGIC_NR_IRQS / 64u); w++) {
        any |= v->arch.vgic.pend[w];
    }
    return any != 0u;
}

/* Make private interrupt `intid` of the loaded VCPU `v` pending in a list
 * register (linked to the physical interrupt of the same ID if `linked`) when
 * that is exactly what the next vgic_flush would do: it is enabled and
 * idle, nothing else waits for a list register, no deferred work is
 * pending for vgic_flush, and a list register is free. Otherwise change
 * nothing and return false. The caller holds the vGIC lock if needed. */
static inline bool vgic_fast_inject_nolock(struct vcpu *v, uint32_t intid, bool linked)
{
    struct vgic_cpu_state *g = &v->arch.vgic;
    struct vgic_irq *irq = &g->priv[intid % VGIC_NR_PRIV];
    uint64_t lr;
    uint32_t n;

    if (((irq->flags & (VIRQ_ENABLED | VIRQ_PENDING | VIRQ_ACTIVE | VIRQ_LINE)) != VIRQ_ENABLED)
        || ((v->vm->arch.vgic.ctlr & GICD_CTLR_GRP1) == 0u) || vgic_any_pending_bits(v) || g->repend
        || (g->hw_deact != 0u)) {
        return false;
    }
    if ((irq->flags & VIRQ_IN_LR) != 0u) {
        /* Its previous delivery, finished (the LR is empty: these never
         * ask for an EOI maintenance interrupt) but not yet collected by
         * vgic_sync, which would free exactly this LR. */
        n = irq->lr;
        if (((read_ich_elrsr_el2() >> n) & 1u) == 0u) {
            return false;
        }
    } else {
        uint32_t idle = ~g->lr_used & ((1u << gic_num_lrs()) - 1u);
        if (idle == 0u) {
            return false;
        }
        n = (uint32_t)__builtin_ctz(idle);
        irq->flags |= VIRQ_IN_LR;
        irq->lr = (uint8_t)n;
        g->lr_used |= 1u << n;
    }
    lr = LR_PENDING | LR_GROUP1 | ((uint64_t)irq->priority << 48) | intid;
    if (linked) {
        lr |= LR_HW | ((uint64_t)intid << 32);
        irq->flags |= VIRQ_HW;
    }
    lr_write(n, lr);
    return true;
}

static inline bool vgic_fast_inject_inline(struct vcpu *v, uint32_t intid, bool linked)
{
    /* With one VCPU, only this CPU ever touches this VCPU's private
     * interrupts and list registers (other CPUs reach the VM's SPIs only,
     * whose pending bits a racing read here sees at the next entry at the
     * latest, as vgic_flush's own unlocked check does): no lock. */
    if (v->vm->cfg->num_vcpus == 1u) {
        return vgic_fast_inject_nolock(v, intid, linked);
    }
    return vgic_fast_inject_locked(v, intid, linked);
}

/* An ICC_SGI1R_EL1 value that names `v` alone: inject that SGI as above. */
static inline bool vgic_fast_self_sgi(struct vcpu *v, uint64_t value)
{
    /* TargetList, Aff1, INTID, Aff2, IRM, RS, Aff3: all that is decoded. */
    const uint64_t decoded = 0x00ffffff0fffffffULL;
    uint32_t intid = (uint32_t)(value >> 24) & 0xfu;
    uint64_t self = ((uint64_t)(v->id / 16u) << 44) | ((uint64_t)intid << 24) | (1ULL << (v->id % 16u));

    return ((value & decoded) == self) && vgic_fast_inject_inline(v, intid, false);
}

#endif
