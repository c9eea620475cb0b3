/* The emulated GICv3's interrupt state machine. Every interrupt of a VM
 * has a small state record (enable, pending latch, line level, active,
 * priority, route). An interrupt that is pending, enabled and whose group
 * is enabled is "deliverable": it sits in its target VCPU's pending bitmap
 * until vgic_flush() moves it into a free list register just before that
 * VCPU is entered. vgic_sync() notices list registers the guest has
 * finished with. More pending interrupts than list registers: the rest
 * wait in the bitmap and the underflow maintenance interrupt brings the
 * VCPU back to refill. All vGIC state of a VM is under one lock. */
#include "arch/aarch64.h"
#include "arch/sysreg.h"
#include "arch/vgic.h"
#include "arch/vgic_fast.h"
#include "arch_cpu.h"
#include "arch_irq.h"
#include "arch_vcpu.h"
#include "lib.h"
#include "vcpu.h"
#include "vdev.h"
#include "vm.h"
#include "vpl011.h"

#define ICH_HCR_EN     1ULL
#define ICH_HCR_UIE    2ULL

void vgic_lock(struct vm *vm)
{
    arch_spin_lock(&vm->arch.vgic.lock);
}

void vgic_unlock(struct vm *vm)
{
    arch_spin_unlock(&vm->arch.vgic.lock);
}

struct vgic_irq *vgic_irq_of(struct vcpu *v, uint32_t intid)
{
    if (intid < VGIC_NR_PRIV) {
        return &v->arch.vgic.priv[intid];
    }
    if (intid < VGIC_NR_IRQS) {
        return &v->vm->arch.vgic.spi[intid - VGIC_NR_PRIV];
    }
    return NULL;
}

static void pend_set(struct vcpu *v, uint32_t intid, bool on)
{
    uint64_t bit = 1ULL << (intid % 64u);

    if (on) {
        v->arch.vgic.pend[intid / 64u] |= bit;
    } else {
        v->arch.vgic.pend[intid / 64u] &= ~bit;
    }
}

void vgic_kick(struct vcpu *t)
{
    vcpu_wake(t);
    if ((uint32_t)t->pcpu != arch_cpu_id()) {
        /* It may be running right now: make it exit and flush. */
        arch_irq_kick(t->pcpu);
    }
}

struct vcpu *vgic_update(struct vm *vm, struct vcpu *v, uint32_t intid)
{
    struct vgic_irq *irq = vgic_irq_of(v, intid);
    struct vcpu *target = v;
    uint32_t i;
    bool deliverable;

    if (irq == NULL) {
        return NULL;
    }
    if (intid >= VGIC_NR_PRIV) {
        target = &vm->vcpus[(irq->target < vm->cfg->num_vcpus) ? irq->target : 0u];
        /* An SPI is deliverable to one VCPU only: clear it elsewhere. */
        for (i = 0u; i < vm->cfg->num_vcpus; i++) {
            pend_set(&vm->vcpus[i], intid, false);
        }
    }
    deliverable = ((irq->flags & (VIRQ_PENDING | VIRQ_LINE)) != 0u)
                  && ((irq->flags & (VIRQ_ENABLED | VIRQ_IN_LR)) == VIRQ_ENABLED)
                  && ((vm->arch.vgic.ctlr & GICD_CTLR_GRP1) != 0u)
                  && ((intid < VGIC_NR_PRIV) || ((irq->flags & VIRQ_OWNED) != 0u));
    /* An interrupt the guest acknowledged but has not ended, taken out of
     * the list registers by a VCPU switch, must go back into one, or the
     * guest's EOI would find nothing to end. */
    if ((irq->flags & (VIRQ_ACTIVE | VIRQ_IN_LR)) == VIRQ_ACTIVE) {
        deliverable = true;
    }
    pend_set(target, intid, deliverable);
    if (((irq->flags & (VIRQ_IN_LR | VIRQ_PENDING)) == (VIRQ_IN_LR | VIRQ_PENDING))
        && ((irq->flags & VIRQ_ENABLED) != 0u)) {
        /* Pended again while the guest still handles it: the list register
         * must become pending+active, which only its own CPU can write,
         * at the VCPU's next entry (vgic_flush). */
        target->arch.vgic.repend = true;
        return target;
    }
    return deliverable ? target : NULL;
}

void vgic_reevaluate(struct vm *vm)
{
    uint32_t i;
    uint32_t id;

    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        for (id = 0u; id < VGIC_NR_PRIV; id++) {
            (void)vgic_update(vm, &vm->vcpus[i], id);
        }
    }
    for (id = VGIC_NR_PRIV; id < VGIC_NR_IRQS; id++) {
        (void)vgic_update(vm, &vm->vcpus[0], id);
    }
}

void vgic_vcpu_reset(struct vcpu *v)
{
    struct vgic_cpu_state *g = &v->arch.vgic;
    uint32_t id;

    (void)memset(g, 0, sizeof(*g));
    for (id = 0u; id < VGIC_NR_PRIV; id++) {
        g->priv[id].priority = 0u;
        /* SGIs are edge-triggered by definition; PPIs reset to level. */
        g->priv[id].flags = (id < 16u) ? (uint8_t)(VIRQ_EDGE | VIRQ_ENABLED) : 0u;
    }
    g->waker = 2u; /* ProcessorSleep */
    g->hcr = ICH_HCR_EN;
}

void vgic_vm_reset(struct vm *vm)
{
    struct vgic_dist_state *d = &vm->arch.vgic;
    uint32_t i;

    d->ctlr = 0u;
    for (i = 0u; i < VGIC_NR_SPIS; i++) {
        d->spi[i].flags = 0u;
        d->spi[i].priority = 0u;
        d->spi[i].target = 0u;
        d->irouter[i] = 0u;
    }
    for (i = 0u; i < vm->cfg->num_irqs; i++) {
        uint32_t id = vm->cfg->irqs[i];
        if ((id >= VGIC_NR_PRIV) && (id < VGIC_NR_IRQS)) {
            d->spi[id - VGIC_NR_PRIV].flags = (uint8_t)(VIRQ_OWNED | VIRQ_HW);
        }
    }
    if ((vm->cfg->console == CFG_CONSOLE_EMULATED) && (cfg_platform.uart_irq >= VGIC_NR_PRIV)
        && (cfg_platform.uart_irq < VGIC_NR_IRQS)) {
        d->spi[cfg_platform.uart_irq - VGIC_NR_PRIV].flags = VIRQ_OWNED;
    }
    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        vgic_vcpu_reset(&vm->vcpus[i]);
    }
}

static uint64_t lr_value(uint32_t intid, const struct vgic_irq *irq)
{
    uint64_t lr = LR_GROUP1 | ((uint64_t)irq->priority << 48) | intid;

    if ((irq->flags & VIRQ_ACTIVE) != 0u) {
        lr |= LR_ACTIVE;
    }
    if (((irq->flags & (VIRQ_PENDING | VIRQ_LINE)) != 0u) && ((irq->flags & VIRQ_ENABLED) != 0u)) {
        lr |= LR_PENDING;
    }
    if ((irq->flags & VIRQ_HW) != 0u) {
        if ((lr & LR_ACTIVE) != 0u) {
            lr &= ~LR_PENDING; /* pending+active is not allowed with HW set */
        }
        lr |= LR_HW | ((uint64_t)intid << 32);
    } else if ((irq->flags & VIRQ_LINE) != 0u) {
        /* Level-sensitive: if the line is still high when the guest EOIs,
         * it must be delivered again right away, so have the EOI trap. */
        lr |= LR_EOI_MAINT;
    } else {
        /* edge, software: nothing to re-sample */
    }
    return lr;
}

/* Highest-priority deliverable interrupt of `v`, or VGIC_NR_IRQS. */
static uint32_t best_pending(struct vcpu *v)
{
    uint32_t best = VGIC_NR_IRQS;
    uint32_t best_prio = 0x100u;
    uint32_t w;

    for (w = 0u; w < (VGIC_NR_IRQS / 64u); w++) {
        uint64_t bits = v->arch.vgic.pend[w];
        while (bits != 0u) {
            uint32_t id = (w * 64u) + (uint32_t)__builtin_ctzll(bits);
            uint32_t prio = vgic_irq_of(v, id)->priority;
            if (prio < best_prio) {
                best_prio = prio;
                best = id;
            }
            bits &= bits - 1u;
        }
    }
    return best;
}

/* Deactivate the physical twins of linked private interrupts released
 * while not in a list register (vgic_hw_release): only their own CPU may.
 * Caller holds the vGIC lock. */
static void hw_deact_drain(struct vgic_cpu_state *g)
{
    while (g->hw_deact != 0u) {
        write_icc_dir_el1((uint32_t)__builtin_ctz(g->hw_deact));
        g->hw_deact &= g->hw_deact - 1u;
    }
}

static void set_hcr(struct vcpu *v, uint64_t hcr)
{
    if (v->arch.vgic.hcr != hcr) {
        v->arch.vgic.hcr = hcr;
        write_ich_hcr_el2(hcr);
    }
}

void vgic_flush(struct vcpu *v)
{
    struct vgic_cpu_state *g = &v->arch.vgic;
    uint32_t nr = gic_num_lrs();
    uint32_t n;

    /* Racy fast path: an injector sets bits under the lock and then kicks
     * this CPU, so a bit missed here is seen at the next entry. */
    if (!vgic_any_pending_bits(v) && ((g->hcr & ICH_HCR_UIE) == 0u) && !g->repend
        && (g->hw_deact == 0u)) {
        return;
    }
    vgic_lock(v->vm);
    hw_deact_drain(g);
    if (g->repend) {
        g->repend = false;
        for (n = 0u; n < nr; n++) {
            if ((g->lr_used & (1u << n)) != 0u) {
                uint64_t lr = lr_read(n);
                struct vgic_irq *irq = vgic_irq_of(v, (uint32_t)(lr & 0xffffffffu));
                if ((irq != NULL) && ((irq->flags & VIRQ_PENDING) != 0u)
                    && ((lr & LR_PENDING) == 0u) && ((lr & LR_ACTIVE) != 0u)) {
                    lr_write(n, lr | LR_PENDING);
                    irq->flags &= (uint8_t)~VIRQ_PENDING;
                }
            }
        }
    }
    for (n = 0u; n < nr; n++) {
        uint32_t id;
        struct vgic_irq *irq;

        if ((g->lr_used & (1u << n)) != 0u) {
            continue;
        }
        id = best_pending(v);
        if (id == VGIC_NR_IRQS) {
            break;
        }
        irq = vgic_irq_of(v, id);
        lr_write(n, lr_value(id, irq));
        irq->flags = (uint8_t)((irq->flags | VIRQ_IN_LR) & ~(VIRQ_PENDING | VIRQ_ACTIVE));
        irq->lr = (uint8_t)n;
        g->lr_used |= 1u << n;
        pend_set(v, id, false);
    }
    /* Interrupts left over: ask for a maintenance interrupt once the list
     * registers (nearly) run empty, and refill then. */
    set_hcr(v, vgic_any_pending_bits(v) ? (ICH_HCR_EN | ICH_HCR_UIE) : ICH_HCR_EN);
    vgic_unlock(v->vm);
}

/* LR `n` of `v` no longer holds its interrupt (the guest finished it, or
 * the VCPU is being unloaded with `lr` still live). */
static void lr_release(struct vcpu *v, uint32_t n, uint64_t lr)
{
    uint32_t id = (uint32_t)(lr & 0xffffffffu);
    struct vgic_irq *irq = vgic_irq_of(v, id);
    struct vcpu *t;

    v->arch.vgic.lr_used &= ~(1u << n);
    if ((irq == NULL) || ((irq->flags & VIRQ_IN_LR) == 0u) || (irq->lr != n)) {
        return;
    }
    irq->flags &= (uint8_t)~VIRQ_IN_LR;
    if ((lr & LR_PENDING) != 0u) {
        irq->flags |= VIRQ_PENDING;
    }
    if ((lr & LR_ACTIVE) != 0u) {
        irq->flags |= VIRQ_ACTIVE;
    }
    t = vgic_update(v->vm, v, id);
    if ((t != NULL) && (t != v)) {
        vgic_kick(t);
    }
}

void vgic_sync(struct vcpu *v)
{
    uint32_t empty;
    uint32_t n;

    if (v->arch.vgic.lr_used == 0u) {
        return;
    }
    /* ELRSR leaves out a finished LR that asked for an EOI maintenance
     * interrupt; EISR lists exactly those. */
    empty = (uint32_t)(read_ich_elrsr_el2() | read_ich_eisr_el2()) & v->arch.vgic.lr_used;
    if (empty == 0u) {
        return;
    }
    vgic_lock(v->vm);
    for (n = 0u; empty != 0u; n++) {
        if ((empty & (1u << n)) != 0u) {
            lr_release(v, n, 0u | (lr_read(n) & 0xffffffffu));
            lr_write(n, 0u);
            empty &= ~(1u << n);
        }
    }
    vgic_unlock(v->vm);
}

void vgic_unload(struct vcpu *v)
{
    uint32_t n;

    vgic_lock(v->vm);
    for (n = 0u; v->arch.vgic.lr_used != 0u; n++) {
        if ((v->arch.vgic.lr_used & (1u << n)) != 0u) {
            uint64_t lr = lr_read(n);
            if (((lr & LR_HW) != 0u) && ((lr >> LR_STATE_SHIFT) != 0u)) {
                /* The physical interrupt must not stay active while another
                 * VCPU owns this CPU: deactivate it; the virtual state is
                 * kept, and its source fires again if still due. */
                write_icc_dir_el1((lr & LR_PINTID_MASK) >> 32);
                vgic_irq_of(v, (uint32_t)(lr & 0xffffffffu))->flags &= (uint8_t)~VIRQ_HW;
            }
            lr_release(v, n, lr);
            lr_write(n, 0u);
        }
    }
    hw_deact_drain(&v->arch.vgic);
    /* A linked private interrupt still waiting for a list register holds
     * its physical twin active (we dropped its priority only): release it,
     * or this CPU would never see that interrupt again. The virtual
     * timer's is the only private interrupt ever linked (its injections:
     * arch_vcpu_inject_hw, vgic_fast_inject_*), so only it is checked. */
    {
        struct vgic_irq *irq = &v->arch.vgic.priv[CFG_TIMER_VIRT_IRQ % VGIC_NR_PRIV];
        if ((irq->flags & VIRQ_HW) != 0u) {
            write_icc_dir_el1(CFG_TIMER_VIRT_IRQ);
            irq->flags &= (uint8_t)~VIRQ_HW;
        }
    }
    vgic_unlock(v->vm);
    write_ich_hcr_el2(ICH_HCR_EN);
    v->arch.vgic.hcr = ICH_HCR_EN;
    isb();
}

bool vgic_has_pending(const struct vcpu *v)
{
    uint32_t nr = gic_num_lrs();
    uint32_t n;

    if (vgic_any_pending_bits(v)) {
        return true;
    }
    for (n = 0u; n < nr; n++) {
        if (((v->arch.vgic.lr_used & (1u << n)) != 0u) && ((lr_read(n) & LR_PENDING) != 0u)) {
            return true;
        }
    }
    return false;
}

/* Physical interrupt `intid` for the loaded VCPU `v` (its virtual timer):
 * pending and linked, so that the guest's EOI deactivates the physical one. */
void arch_vcpu_inject_hw(struct vcpu *v, uint32_t intid)
{
    struct vgic_irq *irq;

    vgic_lock(v->vm);
    irq = vgic_irq_of(v, intid);
    if (irq != NULL) {
        /* The timer is level-sensitive and its pending state lives in the
         * physical GIC: an interrupt the guest has already acknowledged
         * (active) is only linked, never pended again, or the guest would
         * take a second tick after it re-armed its timer. Its EOI then
         * deactivates the physical one, which fires anew if still due.
         * (The architecture also forbids pending+active with HW set.) */
        if ((irq->flags & VIRQ_IN_LR) != 0u) {
            /* Still held (maybe unlinked after a switch): link it again. */
            uint64_t lr = lr_read(irq->lr) | LR_HW | ((uint64_t)intid << 32);
            lr = ((lr & LR_ACTIVE) != 0u) ? (lr & ~LR_PENDING) : (lr | LR_PENDING);
            lr_write(irq->lr, lr);
        } else if ((irq->flags & VIRQ_ACTIVE) == 0u) {
            irq->flags |= VIRQ_PENDING;
        } else {
            /* active, out of the list registers: linked on its way back */
        }
        irq->flags |= VIRQ_HW;
        /* If the guest has it disabled, it stays pending here and the
         * physical one stays active, which keeps the still-asserted timer
         * line from firing again and again: a guest that arms its timer
         * before enabling the interrupt (Linux does) must not livelock.
         * Enabling it delivers it, and the guest's EOI deactivates both. */
        (void)vgic_update(v->vm, v, intid);
    }
    vgic_unlock(v->vm);
}

bool vgic_fast_inject_locked(struct vcpu *v, uint32_t intid, bool linked)
{
    bool ok;

    vgic_lock(v->vm);
    ok = vgic_fast_inject_nolock(v, intid, linked);
    vgic_unlock(v->vm);
    return ok;
}

void vgic_send_sgi(struct vcpu *v, uint64_t value)
{
    struct vm *vm = v->vm;
    uint32_t intid = (uint32_t)(value >> 24) & 0xfu;
    uint32_t list = (uint32_t)(value & 0xffffu);
    uint32_t rs = (uint32_t)(value >> 44) & 0xfu;
    bool broadcast = ((value >> 40) & 1u) != 0u;
    bool other_aff = (((value >> 16) & 0xffu) | ((value >> 32) & 0xffu) | ((value >> 48) & 0xffu)) != 0u;
    struct vcpu *wake[CFG_MAX_VCPUS_PER_VM];
    uint32_t nwake = 0u;
    uint32_t i;

    if (!broadcast && other_aff) {
        return; /* our VCPUs all have Aff1..Aff3 = 0: nobody there */
    }
    vgic_lock(vm);
    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        struct vcpu *t = &vm->vcpus[i];
        bool hit = broadcast ? (t != v)
                             : (((i / 16u) == rs) && ((list & (1u << (i % 16u))) != 0u));
        if (hit) {
            t->arch.vgic.priv[intid].flags |= VIRQ_PENDING;
            if ((vgic_update(vm, t, intid) != NULL) && (t != v)) {
                wake[nwake] = t;
                nwake++;
            }
        }
    }
    vgic_unlock(vm);
    for (i = 0u; i < nwake; i++) {
        vgic_kick(wake[i]);
    }
}

/* For the emulated UART: its SPI's input line. */

void vpl011_irq_level(struct vpl011 *u, bool level)
{
    struct vm *vm = u->vm;
    struct vcpu *t = NULL;
    struct vgic_irq *irq;

    if ((u->intid < VGIC_NR_PRIV) || (u->intid >= VGIC_NR_IRQS)) {
        return;
    }
    vgic_lock(vm);
    irq = &vm->arch.vgic.spi[u->intid - VGIC_NR_PRIV];
    if (level) {
        irq->flags |= VIRQ_LINE;
    } else {
        irq->flags &= (uint8_t)~VIRQ_LINE;
    }
    t = vgic_update(vm, &vm->vcpus[0], u->intid);
    vgic_unlock(vm);
    if (t != NULL) {
        vgic_kick(t);
    }
}

/* Owner of each physical SPI assigned by the configuration: VM index + 1,
 * 0 for none. Filled at boot from cfg_vms; read on every forwarded IRQ. */
static uint8_t spi_owner[VGIC_NR_IRQS];

void arch_vm_devices_init(struct vm *vm)
{
    uint32_t i;

    vm_bind_vdev(vm, CFG_VDEV_GICD, &vgic_dist_ops, vm);
    vm_bind_vdev(vm, CFG_VDEV_GICR, &vgic_redist_ops, vm);
    for (i = 0u; i < vm->cfg->num_irqs; i++) {
        uint32_t id = vm->cfg->irqs[i];
        if ((id >= VGIC_NR_PRIV) && (id < VGIC_NR_IRQS)) {
            spi_owner[id] = (uint8_t)(vm->index + 1u);
        }
    }
}

void arch_vm_devices_reset(struct vm *vm)
{
    uint32_t i;

    vgic_lock(vm);
    vgic_vm_reset(vm);
    vgic_unlock(vm);
    for (i = 0u; i < VGIC_NR_IRQS; i++) {
        if (spi_owner[i] == (uint8_t)(vm->index + 1u)) {
            /* Disabled until the guest enables it, and not left active by
             * the previous run of the VM. */
            gic_spi_config(i, false, vm->vcpus[0].pcpu);
            gic_spi_deactivate(i);
        }
    }
}

/* Keep a passthrough SPI's physical enable and routing in step with what
 * the guest programmed, so it arrives on the physical CPU of its target
 * VCPU. Caller holds the vGIC lock. */
void vgic_spi_hw_sync(struct vm *vm, uint32_t intid)
{
    const struct vgic_irq *irq;

    if ((intid < VGIC_NR_PRIV) || (intid >= VGIC_NR_IRQS)
        || (spi_owner[intid] != (uint8_t)(vm->index + 1u))) {
        return;
    }
    irq = &vm->arch.vgic.spi[intid - VGIC_NR_PRIV];
    gic_spi_config(intid, (irq->flags & VIRQ_ENABLED) != 0u,
                   vm->vcpus[(irq->target < vm->cfg->num_vcpus) ? irq->target : 0u].pcpu);
}

bool arch_irq_forward(uint32_t intid)
{
    struct vm *vm;
    struct vgic_irq *irq;
    struct vcpu *t;

    if ((intid < VGIC_NR_PRIV) || (intid >= VGIC_NR_IRQS) || (spi_owner[intid] == 0u)) {
        return false;
    }
    vm = &vms[spi_owner[intid] - 1u];
    vgic_lock(vm);
    irq = &vm->arch.vgic.spi[intid - VGIC_NR_PRIV];
    t = &vm->vcpus[(irq->target < vm->cfg->num_vcpus) ? irq->target : 0u];
    irq->flags |= VIRQ_PENDING;
    if ((uint32_t)t->pcpu == arch_cpu_id()) {
        /* Linked: the physical one stays active until the guest's EOI. */
        irq->flags |= VIRQ_HW;
        arch_irq_drop(intid);
    } else {
        /* Routed elsewhere meanwhile: deliver it as a virtual interrupt. */
        irq->flags &= (uint8_t)~VIRQ_HW;
        arch_irq_done(intid);
    }
    t = vgic_update(vm, t, intid);
    vgic_unlock(vm);
    if (t != NULL) {
        vgic_kick(t);
    }
    return true;
}

void arch_vcpu_maintenance(struct vcpu *v)
{
    /* The underflow condition stays true until the next flush refills the
     * list registers: left enabled, it would fire again and again. */
    write_ich_hcr_el2(ICH_HCR_EN);
    isb();
    if (v != NULL) {
        v->arch.vgic.hcr = ICH_HCR_EN;
    }
}

void vgic_hw_release(struct vcpu *v, uint32_t intid)
{
    if (intid >= VGIC_NR_PRIV) {
        gic_spi_deactivate(intid);
    } else {
        v->arch.vgic.hw_deact |= 1u << intid;
        if ((uint32_t)v->pcpu != arch_cpu_id()) {
            arch_irq_kick(v->pcpu);
        }
    }
}
