/* REQ-FUZZ-01 REQ-PERF-01 */
/* fuzz_vgic_mmio: the real vGIC (src/arch/aarch64/vgic.c, vgic_mmio.c) with
 * the real core around it (VMs, VCPUs, MMIO dispatch, the physical IRQ
 * handler, the emulated PL011 and console input), on the fake GIC hardware
 * of fake/vgic_hw.c, configuration tests/fuzz/configs/vgic.toml.
 *
 * Input: byte 0 chooses the number of list registers (1..16), then a
 * sequence of operations, each an opcode byte and its arguments:
 *   - guest MMIO to the distributor / a redistributor / the UART, at
 *     fuzzer-chosen offsets, widths (1, 2, 4, 8) and values (vdev_dispatch);
 *   - ICC_SGI1R_EL1 writes (vgic_send_sgi);
 *   - the guest acknowledging / ending interrupts in its list registers;
 *   - WFI (vcpu_halt), switching and unloading VCPUs (vgic_unload);
 *   - physical interrupts at EL2 through the real irq_handle_pending(): the
 *     virtual timer PPI (arch_vcpu_inject_hw), passthrough SPIs
 *     (arch_irq_forward), console input into the emulated UART;
 *   - UART line changes (vpl011_irq_level), kicks, VM resets.
 * Every VCPU operation is one guest entry and exit, as vcpu_run.c does it:
 * vgic_flush before the guest runs, vgic_sync after. After every operation
 * check_all() verifies the invariants below; a failure aborts with the
 * operation log of the input.
 *
 * Invariants (ids for FUZZ_IGNORE):
 *   foreign-spi       an SPI the VM does not own has no state at all
 *   foreign-read      ... and reads back as zero in every GICD register (each
 *                     read the input makes; all of them every 16th input)
 *   target-range      an SPI routes to an existing VCPU
 *   pend-deliverable  a pend bitmap holds only interrupts waiting for an LR
 *                     (deliverable, or active and out of the LRs), each
 *                     SPI only in its target's bitmap
 *   deliverable-pend  every deliverable interrupt is in its target's bitmap
 *   lr-used / lr-stale / lr-unloaded / lr-flag
 *   lr-hw-state       an LR linked to a physical interrupt is never
 *                     pending+active (the architecture forbids it)
 *                     lr_used matches the VIRQ_IN_LR flags and the list
 *                     registers, both ways; free LRs are empty
 *   flush-pending     an interrupt vgic_flush puts in an LR has its state
 *                     there: pending iff pending (or line high) and
 *                     enabled, active iff active
 *   flush-fill        after vgic_flush, interrupts wait in the bitmap only
 *                     if every LR is in use, and then (only then) the
 *                     underflow maintenance interrupt is requested
 *   active-restored   an interrupt the guest had active when its VCPU was
 *                     switched out is back in an LR after the next flush
 *   hcr-cache         the cached ICH_HCR_EL2 is what the hardware holds
 *   halted-pending    a halted VCPU has nothing it could take pending: no
 *                     pend bit (but of an interrupt still active), no
 *                     purely pending LR (no lost wake-up)
 *   kick              an interrupt made deliverable to a VCPU running (or
 *                     halted) on another CPU kicks that CPU
 *   phys-*            a physical interrupt left active at EL2 is linked to
 *                     a virtual one that will deactivate it (no stuck PPI
 *                     or SPI)
 *   lock, lr-range, pcpu-range, firmware, panic, pa-range: see vgic_hw.c */
#include <stdio.h>
#include <string.h>
#include "fuzz_common.h"
#include "fake/vgic_hw.h"
#include "arch/aarch64.h"
#include "arch/vgic.h"
#include "arch/vgic_fast.h"
#include "arch_irq.h"
#include "arch_vcpu.h"
#include "cfg_types.h"
#include "exit_handler.h"
#include "sched.h"
#include "vcpu.h"
#include "vdev.h"
#include "vm.h"
#include "vpl011.h"

#define MAX_OPS 256u
#define NO_CPU 0xffffffffu

/* struct vgic_irq.flags bits and ICH_HCR_EL2 bits, from the vGIC's contract
 * (vcpu_types.h has the flags; these are the architectural HCR bits). */
#define HCR_EN  1ull
#define HCR_UIE 2ull
#define GICD_CTLR_GRP1 2u

static struct fuzz_log oplog;

void fuzz_dump_context(void)
{
    fuzz_log_dump(&oplog);
}

/* ---- an oracle of ownership, from the configuration alone ---- */

static bool owned[CFG_NUM_VMS][VGIC_NR_IRQS];
static uint32_t owner_of_spi[VGIC_NR_IRQS]; /* VM index + 1 of a passthrough SPI, 0: none */
static uint32_t fireable[VGIC_NR_IRQS];     /* passthrough SPIs, for the SPI operation */
static uint32_t num_fireable;

static void compute_owned(void)
{
    uint32_t i;
    uint32_t k;

    memset(owned, 0, sizeof(owned));
    memset(owner_of_spi, 0, sizeof(owner_of_spi));
    num_fireable = 0u;
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        for (k = 0u; k < cfg_vms[i].num_irqs; k++) {
            uint32_t id = cfg_vms[i].irqs[k];
            if ((id >= VGIC_NR_PRIV) && (id < VGIC_NR_IRQS)) {
                owned[i][id] = true;
                owner_of_spi[id] = i + 1u;
                fireable[num_fireable] = id;
                num_fireable++;
            }
        }
        if ((cfg_vms[i].console == CFG_CONSOLE_EMULATED) && (cfg_platform.uart_irq >= VGIC_NR_PRIV)
            && (cfg_platform.uart_irq < VGIC_NR_IRQS)) {
            owned[i][cfg_platform.uart_irq] = true;
        }
    }
}

/* ---- independent views of the vGIC state ---- */

FUZZ_NO_COVERAGE static struct vgic_irq *irq_at(struct vcpu *v, uint32_t id)
{
    return (id < VGIC_NR_PRIV) ? &v->arch.vgic.priv[id] : &v->vm->arch.vgic.spi[id - VGIC_NR_PRIV];
}

FUZZ_NO_COVERAGE static struct vcpu *spi_target(struct vm *vm, uint32_t id)
{
    uint32_t t = vm->arch.vgic.spi[id - VGIC_NR_PRIV].target;
    return &vm->vcpus[(t < vm->cfg->num_vcpus) ? t : 0u];
}

/* The design's definition (vgic.c header): pending or line high, enabled,
 * not in a list register, group 1 enabled, and for an SPI owned. */
FUZZ_NO_COVERAGE static bool deliverable(struct vm *vm, struct vcpu *v, uint32_t id)
{
    const struct vgic_irq *irq = irq_at(v, id);

    return ((irq->flags & (VIRQ_PENDING | VIRQ_LINE)) != 0u) && ((irq->flags & VIRQ_ENABLED) != 0u)
           && ((irq->flags & VIRQ_IN_LR) == 0u) && ((vm->arch.vgic.ctlr & GICD_CTLR_GRP1) != 0u)
           && ((id < VGIC_NR_PRIV) || owned[vm->index][id]);
}

FUZZ_NO_COVERAGE static bool pend_bit(const struct vcpu *v, uint32_t id)
{
    return ((v->arch.vgic.pend[id / 64u] >> (id % 64u)) & 1u) != 0u;
}

FUZZ_NO_COVERAGE static bool any_pend(const struct vcpu *v)
{
    return (v->arch.vgic.pend[0] | v->arch.vgic.pend[1]) != 0u;
}

FUZZ_NO_COVERAGE static struct hw_cpu *cpu_of(const struct vcpu *v)
{
    return &hw.cpus[v->pcpu];
}

FUZZ_NO_COVERAGE static bool is_loaded(const struct vcpu *v)
{
    return cpu_of(v)->loaded == v;
}

/* ---- GICD register layout (GICv3 architecture), for the read checks ---- */

struct spec_row {
    uint32_t offset, size, bits;
};

static const struct spec_row gicd_rows[] = {
    { 0x0080u, 0x80u, 1u },  /* IGROUPR */
    { 0x0100u, 0x80u, 1u },  /* ISENABLER */
    { 0x0180u, 0x80u, 1u },  /* ICENABLER */
    { 0x0200u, 0x80u, 1u },  /* ISPENDR */
    { 0x0280u, 0x80u, 1u },  /* ICPENDR */
    { 0x0300u, 0x80u, 1u },  /* ISACTIVER */
    { 0x0380u, 0x80u, 1u },  /* ICACTIVER */
    { 0x0400u, 0x400u, 8u }, /* IPRIORITYR */
    { 0x0c00u, 0x100u, 2u }, /* ICFGR */
    { 0x0d00u, 0x80u, 1u },  /* IGRPMODR */
    { 0x0e00u, 0x100u, 2u }, /* NSACR */
};

/* A GICD read by VM `vmi` returned `value`: no bit may describe an SPI the
 * VM does not own. */
FUZZ_NO_COVERAGE static void check_dist_read(uint32_t vmi, uint32_t off, uint32_t width, uint64_t value)
{
    uint32_t r;
    uint32_t i;

    if ((off >= 0x6000u) && (off < 0x8000u)) { /* IROUTER<n>, 64 bits each */
        uint32_t id = (off - 0x6000u) / 8u;
        FUZZ_CHECK("foreign-read",
                   !((id >= VGIC_NR_PRIV) && (id < VGIC_NR_IRQS) && !owned[vmi][id]) || (value == 0u),
                   "vm %u: GICD_IROUTER of SPI %u it does not own reads 0x%llx", vmi, id,
                   (unsigned long long)value);
        return;
    }
    for (r = 0u; r < ARRAY_SIZE(gicd_rows); r++) {
        const struct spec_row *row = &gicd_rows[r];
        if ((off < row->offset) || (off >= (row->offset + row->size))) {
            continue;
        }
        for (i = 0u; i < (width * 8u) / row->bits; i++) {
            uint32_t id = (((off - row->offset) * 8u) / row->bits) + i;
            uint64_t field = (value >> (i * row->bits)) & ((1ull << row->bits) - 1u);
            if ((id >= VGIC_NR_PRIV) && (id < VGIC_NR_IRQS) && !owned[vmi][id]) {
                FUZZ_CHECK("foreign-read", field == 0u,
                           "vm %u: GICD offset 0x%x (width %u) shows state 0x%llx of SPI %u it does not own",
                           vmi, off, width, (unsigned long long)field, id);
            }
        }
        return;
    }
}

/* ---- invariants ---- */

FUZZ_NO_COVERAGE static void check_spis(struct vm *vm)
{
    uint32_t id;

    for (id = VGIC_NR_PRIV; id < VGIC_NR_IRQS; id++) {
        const struct vgic_irq *irq = &vm->arch.vgic.spi[id - VGIC_NR_PRIV];
        if (!owned[vm->index][id]) {
            FUZZ_CHECK("foreign-spi",
                       (irq->flags == 0u) && (irq->priority == 0u) && (irq->target == 0u)
                           && (vm->arch.vgic.irouter[id - VGIC_NR_PRIV] == 0u),
                       "vm %s: SPI %u it does not own has state (flags 0x%x prio 0x%x target %u route 0x%llx)",
                       vm->cfg->name, id, irq->flags, irq->priority, irq->target,
                       (unsigned long long)vm->arch.vgic.irouter[id - VGIC_NR_PRIV]);
        }
        FUZZ_CHECK("target-range", irq->target < vm->cfg->num_vcpus,
                   "vm %s: SPI %u routed to VCPU %u of %u", vm->cfg->name, id, irq->target,
                   (unsigned)vm->cfg->num_vcpus);
    }
}

FUZZ_NO_COVERAGE static void check_pending(struct vm *vm)
{
    uint32_t nv = vm->cfg->num_vcpus;
    uint32_t i;
    uint32_t id;

    for (i = 0u; i < nv; i++) {
        struct vcpu *v = &vm->vcpus[i];
        for (id = 0u; id < VGIC_NR_IRQS; id++) {
            if (!pend_bit(v, id)) {
                continue;
            }
            /* Waiting for a list register: deliverable, or active and out
             * of the LRs (the guest handles it and must find it there). */
            FUZZ_CHECK("pend-deliverable",
                       deliverable(vm, v, id)
                           || ((irq_at(v, id)->flags & (VIRQ_ACTIVE | VIRQ_IN_LR)) == VIRQ_ACTIVE),
                       "vm %s vcpu %u: INTID %u in the pend bitmap but not deliverable (flags 0x%x, ctlr 0x%x)",
                       vm->cfg->name, i, id, irq_at(v, id)->flags, vm->arch.vgic.ctlr);
            FUZZ_CHECK("pend-deliverable", (id < VGIC_NR_PRIV) || (spi_target(vm, id) == v),
                       "vm %s: SPI %u pending at VCPU %u, but routed to VCPU %u", vm->cfg->name, id, i,
                       (unsigned)spi_target(vm, id)->id);
        }
        for (id = 0u; id < VGIC_NR_PRIV; id++) {
            FUZZ_CHECK("deliverable-pend", !deliverable(vm, v, id) || pend_bit(v, id),
                       "vm %s vcpu %u: INTID %u is deliverable (flags 0x%x) but in no pend bitmap: never delivered",
                       vm->cfg->name, i, id, irq_at(v, id)->flags);
        }
    }
    for (id = VGIC_NR_PRIV; id < VGIC_NR_IRQS; id++) {
        struct vcpu *t = spi_target(vm, id);
        FUZZ_CHECK("deliverable-pend", !deliverable(vm, t, id) || pend_bit(t, id),
                   "vm %s: SPI %u is deliverable (flags 0x%x) but not pending at its target VCPU %u",
                   vm->cfg->name, id, irq_at(t, id)->flags, (unsigned)t->id);
    }
}

FUZZ_NO_COVERAGE static void check_lrs(void)
{
    uint32_t c;
    uint32_t n;

    for (c = 0u; c < CFG_NUM_PCPUS; c++) {
        struct hw_cpu *hc = &hw.cpus[c];
        struct vcpu *v = hc->loaded;
        uint32_t used = (v != NULL) ? v->arch.vgic.lr_used : 0u;

        FUZZ_CHECK("harness", pcpus[c].loaded == v, "CPU %u: core and fake disagree on the loaded VCPU", c);
        FUZZ_CHECK("lr-used", (used >> hw.nr_lrs) == 0u, "CPU %u: lr_used 0x%x with %u LRs", c, used,
                   hw.nr_lrs);
        for (n = 0u; n < HW_MAX_LRS; n++) {
            uint64_t lr = hc->lr[n];
            if ((used & (1u << n)) == 0u) {
                FUZZ_CHECK("lr-stale", lr == 0u,
                           "CPU %u: LR%u = 0x%016llx is not in lr_used but not empty: the guest sees a stale interrupt",
                           c, n, (unsigned long long)lr);
                continue;
            }
            uint32_t id = LR_VINTID(lr);
            FUZZ_CHECK("lr-used", id < VGIC_NR_IRQS, "CPU %u: LR%u holds INTID %u", c, n, id);
            if (id >= VGIC_NR_IRQS) {
                continue;
            }
            const struct vgic_irq *irq = irq_at(v, id);
            FUZZ_CHECK("lr-used", ((irq->flags & VIRQ_IN_LR) != 0u) && (irq->lr == n),
                       "CPU %u: LR%u holds INTID %u, whose flags 0x%x / lr %u do not say so", c, n, id,
                       irq->flags, irq->lr);
            FUZZ_CHECK("lr-used", ((lr & LR_HW_BIT) == 0u) || (LR_PINTID(lr) == id),
                       "CPU %u: LR%u links virtual INTID %u to physical %u", c, n, id, LR_PINTID(lr));
            FUZZ_CHECK("lr-hw-state", ((lr & LR_HW_BIT) == 0u) || (LR_STATE(lr) != 3u),
                       "CPU %u: LR%u (INTID %u) is pending+active with HW set: a second delivery "
                       "of an interrupt whose physical pending state the GIC holds", c, n, id);
        }
        if (v != NULL) {
            FUZZ_CHECK("hcr-cache", hc->ich_hcr == v->arch.vgic.hcr,
                       "CPU %u: ICH_HCR_EL2 is 0x%llx, the cached copy 0x%llx", c,
                       (unsigned long long)hc->ich_hcr, (unsigned long long)v->arch.vgic.hcr);
        }
    }
}

/* The other direction: every VIRQ_IN_LR flag is backed by exactly one LR. */
FUZZ_NO_COVERAGE static void check_in_lr_flags(struct vm *vm)
{
    uint32_t i;
    uint32_t id;

    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (!is_loaded(v)) {
            FUZZ_CHECK("lr-unloaded", v->arch.vgic.lr_used == 0u,
                       "vm %s vcpu %u is not loaded but has lr_used 0x%x", vm->cfg->name, i,
                       v->arch.vgic.lr_used);
        }
        for (id = 0u; id < VGIC_NR_PRIV; id++) {
            const struct vgic_irq *irq = &v->arch.vgic.priv[id];
            if ((irq->flags & VIRQ_IN_LR) == 0u) {
                continue;
            }
            FUZZ_CHECK("lr-flag",
                       is_loaded(v) && (irq->lr < hw.nr_lrs) && ((v->arch.vgic.lr_used >> irq->lr) & 1u)
                           && (LR_VINTID(cpu_of(v)->lr[irq->lr]) == id),
                       "vm %s vcpu %u: INTID %u flagged in LR %u, which does not hold it", vm->cfg->name, i,
                       id, irq->lr);
        }
    }
    for (id = VGIC_NR_PRIV; id < VGIC_NR_IRQS; id++) {
        const struct vgic_irq *irq = &vm->arch.vgic.spi[id - VGIC_NR_PRIV];
        uint32_t holders = 0u;
        if ((irq->flags & VIRQ_IN_LR) == 0u) {
            continue;
        }
        for (i = 0u; i < vm->cfg->num_vcpus; i++) {
            struct vcpu *v = &vm->vcpus[i];
            if (is_loaded(v) && (irq->lr < hw.nr_lrs) && ((v->arch.vgic.lr_used >> irq->lr) & 1u)
                && (LR_VINTID(cpu_of(v)->lr[irq->lr]) == id)) {
                holders++;
            }
        }
        FUZZ_CHECK("lr-flag", holders == 1u, "vm %s: SPI %u flagged in LR %u, held by %u VCPUs",
                   vm->cfg->name, id, irq->lr, holders);
    }
}

FUZZ_NO_COVERAGE static void check_halted(struct vm *vm)
{
    uint32_t i;
    uint32_t n;
    uint32_t id;

    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (v->state != VCPU_HALTED) {
            continue;
        }
        /* Something the guest could take must have woken it. Not so an
         * interrupt pending again while still active: the GIC signals that
         * new instance only once the guest deactivates the first one. */
        for (id = 0u; id < VGIC_NR_IRQS; id++) {
            FUZZ_CHECK("halted-pending", !pend_bit(v, id) || ((irq_at(v, id)->flags & VIRQ_ACTIVE) != 0u),
                       "vm %s vcpu %u is halted with INTID %u deliverable (flags 0x%x): lost wake-up",
                       vm->cfg->name, i, id, irq_at(v, id)->flags);
        }
        if (is_loaded(v)) {
            /* Only a purely pending LR can be taken: the pending half of a
             * pending+active one waits for the guest's deactivation, on
             * hardware too, so it does not end a WFI. */
            for (n = 0u; n < hw.nr_lrs; n++) {
                bool pend = (((v->arch.vgic.lr_used >> n) & 1u) != 0u)
                            && (LR_STATE(cpu_of(v)->lr[n]) == LR_ST_PENDING);
                FUZZ_CHECK("halted-pending", !pend, "vm %s vcpu %u is halted with LR%u pending",
                           vm->cfg->name, i, n);
            }
        }
    }
}

/* Physical interrupts still active at EL2 must be on their way to a
 * deactivation: linked to a virtual interrupt that is pending, in an LR,
 * or whose line is high. Anything else stays active for good: that CPU
 * (PPI) or the whole system (SPI) never takes it again. */
FUZZ_NO_COVERAGE static void check_physical(void)
{
    uint32_t c;
    uint32_t id;
    uint32_t vt = cfg_platform.timer_virt_irq;

    for (c = 0u; c < CFG_NUM_PCPUS; c++) {
        struct hw_cpu *hc = &hw.cpus[c];
        for (id = 0u; id < VGIC_NR_PRIV; id++) {
            if (!hc->ppi_active[id]) {
                continue;
            }
            FUZZ_CHECK("phys-ppi", id == vt, "CPU %u: physical PPI/SGI %u left active", c, id);
            if ((hc->loaded != NULL) && ((hc->loaded->arch.vgic.hw_deact & (1u << id)) != 0u)) {
                /* Released by the guest (ICPENDR), deactivated by this CPU
                 * before the VCPU is entered again: not stuck. */
                continue;
            }
            FUZZ_CHECK("phys-timer-link",
                       (hc->loaded != NULL) && ((hc->loaded->arch.vgic.priv[vt].flags & VIRQ_HW) != 0u),
                       "CPU %u: the physical timer PPI %u is active but no loaded VCPU links it", c, vt);
            if (hc->loaded != NULL) {
                uint8_t f = hc->loaded->arch.vgic.priv[vt].flags;
                FUZZ_CHECK("phys-timer-live", (f & (VIRQ_IN_LR | VIRQ_PENDING | VIRQ_LINE)) != 0u,
                           "CPU %u: physical timer PPI %u active and linked, but its virtual twin "
                           "(flags 0x%x) is neither pending nor in an LR: nothing will deactivate it, "
                           "the timer of this CPU is dead until the VCPU is switched out",
                           c, vt, f);
            }
        }
    }
    for (id = VGIC_NR_PRIV; id < VGIC_NR_IRQS; id++) {
        struct vm *vm;
        uint8_t f;
        if (!hw.spi_active[id]) {
            continue;
        }
        FUZZ_CHECK("phys-spi", owner_of_spi[id] != 0u, "physical SPI %u left active, owned by no VM", id);
        if (owner_of_spi[id] == 0u) {
            continue;
        }
        vm = &vms[owner_of_spi[id] - 1u];
        f = vm->arch.vgic.spi[id - VGIC_NR_PRIV].flags;
        FUZZ_CHECK("phys-spi-link", (f & VIRQ_HW) != 0u,
                   "physical SPI %u is active but its virtual twin in vm %s (flags 0x%x) is not linked", id,
                   vm->cfg->name, f);
        FUZZ_CHECK("phys-spi-live", (f & (VIRQ_IN_LR | VIRQ_PENDING | VIRQ_LINE)) != 0u,
                   "physical SPI %u is active and linked, but its virtual twin in vm %s (flags 0x%x) is "
                   "neither pending nor in an LR: nothing will deactivate it",
                   id, vm->cfg->name, f);
    }
}

FUZZ_NO_COVERAGE static void check_all(void)
{
    uint32_t i;

    FUZZ_CHECK("lock", hw.locks_held == 0u, "%u lock(s) left held after the operation", hw.locks_held);
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        check_spis(&vms[i]);
        check_pending(&vms[i]);
        check_in_lr_flags(&vms[i]);
        check_halted(&vms[i]);
    }
    check_lrs();
    check_physical();
}

/* ---- the guest entry/exit cycle of each CPU ---- */

static void enter_guest(uint32_t c);

/* The guest on CPU c exits: vgic_sync, as vcpu_run.c does after every exit. */
static void exit_guest(uint32_t c)
{
    struct hw_cpu *hc = &hw.cpus[c];

    hw.cpu = c;
    if (hc->in_guest) {
        vgic_sync(hc->loaded);
        hc->in_guest = false;
    }
}

/* Just before CPU c enters its loaded VCPU: vgic_flush, then check that
 * what it placed in LRs is pending and that it filled what it could. */
static void enter_guest(uint32_t c)
{
    struct hw_cpu *hc = &hw.cpus[c];
    struct vcpu *v = hc->loaded;
    uint8_t flags0[VGIC_NR_IRQS];
    uint32_t before;
    uint32_t placed;
    uint32_t n;
    uint32_t id;

    hw.cpu = c;
    if ((v == NULL) || hc->in_guest) {
        return;
    }
    before = v->arch.vgic.lr_used;
    for (id = 0u; id < VGIC_NR_IRQS; id++) {
        flags0[id] = irq_at(v, id)->flags;
    }
    vgic_flush(v);
    hc->in_guest = true;
    placed = v->arch.vgic.lr_used & ~before;
    for (n = 0u; n < hw.nr_lrs; n++) {
        if ((placed & (1u << n)) != 0u) {
            /* The LR carries the interrupt's state: pending if it was
             * pending (or its line high) and enabled, active if active. */
            uint32_t lid = LR_VINTID(hc->lr[n]) % VGIC_NR_IRQS;
            uint8_t f = flags0[lid];
            uint32_t want = (((f & (VIRQ_PENDING | VIRQ_LINE)) != 0u) && ((f & VIRQ_ENABLED) != 0u)
                                 ? LR_ST_PENDING : 0u)
                            | (((f & VIRQ_ACTIVE) != 0u) ? LR_ST_ACTIVE : 0u);
            /* Linked to a physical interrupt, an active one is only active:
             * the physical GIC keeps its pending state. */
            if (((hc->lr[n] & LR_HW_BIT) != 0u) && ((want & LR_ST_ACTIVE) != 0u)) {
                want = LR_ST_ACTIVE;
            }
            FUZZ_CHECK("flush-pending", (LR_STATE(hc->lr[n]) == want) && (want != 0u),
                       "vgic_flush put INTID %u (flags 0x%x) into LR%u as 0x%016llx: state %u, expected %u "
                       "(a pending state lost, or an LR the guest never takes and never frees)",
                       lid, f, n, (unsigned long long)hc->lr[n], LR_STATE(hc->lr[n]), want);
        }
    }
    if (any_pend(v)) {
        FUZZ_CHECK("flush-fill", v->arch.vgic.lr_used == ((1u << hw.nr_lrs) - 1u),
                   "vgic_flush left interrupts waiting (pend 0x%llx 0x%llx) with free LRs (lr_used 0x%x)",
                   (unsigned long long)v->arch.vgic.pend[0], (unsigned long long)v->arch.vgic.pend[1],
                   v->arch.vgic.lr_used);
    }
    FUZZ_CHECK("flush-fill", ((v->arch.vgic.hcr & HCR_UIE) != 0u) == any_pend(v),
               "after vgic_flush ICH_HCR_EL2.UIE is %u with %s interrupts waiting",
               (unsigned)((v->arch.vgic.hcr & HCR_UIE) != 0u), any_pend(v) ? "some" : "no");
    if (v->arch.vgic.lr_used != ((1u << hw.nr_lrs) - 1u)) {
        /* Room left: nothing of this VCPU may stay active outside the LRs
         * (the guest is handling it and will EOI it). */
        for (id = 0u; id < VGIC_NR_IRQS; id++) {
            const struct vgic_irq *irq = irq_at(v, id);
            if ((id >= VGIC_NR_PRIV) && (spi_target(v->vm, id) != v)) {
                continue;
            }
            FUZZ_CHECK("active-restored", (irq->flags & (VIRQ_ACTIVE | VIRQ_IN_LR)) != VIRQ_ACTIVE,
                       "vm %s vcpu %u: INTID %u is active (flags 0x%x) but not back in an LR after "
                       "vgic_flush: the guest's EOI finds no LR and the state stays active for good",
                       v->vm->cfg->name, (unsigned)v->id, id, irq->flags);
        }
    }
}

/* VCPU v's CPU switches to it if needed (as sched_switch_to does, with the
 * wake-up a timer or kick would bring), then the guest runs and exits. */
static bool run_vcpu(struct vcpu *v)
{
    uint32_t c = v->pcpu;
    struct hw_cpu *hc = &hw.cpus[c];

    hw.cpu = c;
    if (v->state == VCPU_STOPPED) {
        return false;
    }
    if (v->state == VCPU_OFF) {
        (void)vcpu_cpu_on(v->vm, v->id, v->vm->cfg->entry_ipa, 0u);
    } else if (v->state == VCPU_HALTED) {
        vcpu_wake(v);
    } else {
        /* runnable */
    }
    if (hc->loaded != v) {
        exit_guest(c);
        if (hc->loaded != NULL) {
            arch_vcpu_unload(hc->loaded);
            pcpus[c].loaded = NULL;
        }
        if (v->reset_pending) {
            arch_vcpu_reset(v, v->reset_entry, v->reset_arg);
            v->reset_pending = false;
        }
        arch_vcpu_load(v);
        pcpus[c].loaded = v;
    }
    enter_guest(c);
    exit_guest(c);
    hw.cpu = c;
    return true;
}

/* Physical interrupts at EL2 on CPU c: the guest there exits, and the
 * core's real handler acknowledges them. */
static void take_irqs(uint32_t c)
{
    exit_guest(c);
    hw.cpu = c;
    irq_handle_pending(&pcpus[c]);
}

/* ---- per-input setup ---- */

static void reset_all(uint32_t nr_lrs)
{
    uint32_t i;

    hw_reset(nr_lrs);
    memset(vms, 0, sizeof(struct vm) * CFG_NUM_VMS);
    memset(vcpus, 0, sizeof(struct vcpu) * CFG_NUM_VCPUS);
    memset(pcpus, 0, sizeof(struct pcpu) * CFG_NUM_PCPUS);
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        pcpus[i].id = i;
        pcpus[i].slice_end = UINT64_MAX;
    }
    vm_init_all();
    vm_start_all();
    memset(&oplog, 0, sizeof(oplog));
}

/* What vm_boot() does on a restart, minus the image reload: every VCPU of
 * the VM switched out first, as the stop sequence guarantees. */
static void reset_vm(struct vm *vm)
{
    uint32_t i;

    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (is_loaded(v)) {
            exit_guest(v->pcpu);
            arch_vcpu_unload(v);
            pcpus[v->pcpu].loaded = NULL;
        }
    }
    hw.cpu = 0u;
    arch_spin_lock(&vm->lock);
    wq_init(&vm->wq);
    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        v->reset_pending = (i == 0u);
        v->reset_entry = vm->cfg->entry_ipa;
        v->state = (i == 0u) ? VCPU_RUNNABLE : VCPU_OFF;
        if (i != 0u) {
            wq_add(&vm->wq, v);
        }
    }
    arch_vm_devices_reset(vm);
    if (vm->cfg->console == CFG_CONSOLE_EMULATED) {
        vpl011_init(&vm->uart, vm, cfg_platform.uart_irq);
    }
    arch_spin_unlock(&vm->lock);
}

/* ---- operand generators ---- */

static uint64_t gen_value(struct fuzz_in *in)
{
    switch (fin_pick(in, 6u)) {
    case 0u:
        return 0u;
    case 1u:
        return UINT64_MAX;
    case 2u:
        return 1ull << fin_pick(in, 64u);
    case 3u:
        return fin_u8(in);
    case 4u:
        return fin_u32(in);
    default:
        return fin_u64(in);
    }
}

static uint32_t gen_width(struct fuzz_in *in)
{
    static const uint8_t widths[8] = { 4u, 4u, 4u, 4u, 1u, 2u, 8u, 8u };
    return widths[fin_pick(in, 8u)];
}

/* A distributor offset: mostly a register of the layout plus an index. */
static uint32_t gen_dist_offset(struct fuzz_in *in)
{
    static const uint16_t bases[] = { 0x0000u, 0x0004u, 0x0008u, 0x0080u, 0x0100u, 0x0180u, 0x0200u,
                                      0x0280u, 0x0300u, 0x0380u, 0x0400u, 0x0c00u, 0x0d00u, 0x0e00u,
                                      0x6000u, 0x6100u, 0xffe8u, 0x000cu };
    uint32_t pick = fin_pick(in, ARRAY_SIZE(bases) + 2u);
    uint32_t idx = fin_u8(in);

    if (pick >= ARRAY_SIZE(bases)) {
        return fin_u16(in); /* anywhere in the 64 KiB window */
    }
    if (bases[pick] == 0x0400u) {
        return 0x0400u + (idx & 0x7fu); /* IPRIORITYR: bytes 0..127 */
    }
    if ((bases[pick] == 0x6000u) || (bases[pick] == 0x6100u)) {
        return bases[pick] + ((idx & 0x7fu) * 4u); /* IROUTER and its halves */
    }
    if (bases[pick] >= 0x0080u && bases[pick] < 0x0400u) {
        return bases[pick] + ((idx & 3u) * 4u);
    }
    if ((bases[pick] == 0x0c00u) || (bases[pick] == 0x0e00u)) {
        return bases[pick] + ((idx & 7u) * 4u);
    }
    return bases[pick];
}

/* A redistributor offset: frame of VCPU `idx`, RD or SGI frame, a register. */
static uint64_t gen_redist_offset(struct fuzz_in *in, uint32_t nvcpus)
{
    static const uint16_t regs[] = { 0x0000u, 0x0004u, 0x0008u, 0x000cu, 0x0010u, 0x0014u, 0xffe8u,
                                     0x0080u, 0x0100u, 0x0180u, 0x0200u, 0x0280u, 0x0300u, 0x0380u,
                                     0x0400u, 0x0c00u, 0x0c04u, 0x0d00u, 0x0e00u };
    uint32_t idx = fin_pick(in, nvcpus + 1u); /* one past the last frame: out of the window */
    uint32_t sgi = fin_pick(in, 2u);
    uint32_t pick = fin_pick(in, ARRAY_SIZE(regs) + 2u);
    uint32_t reg;

    if (pick >= ARRAY_SIZE(regs)) {
        reg = fin_u16(in);
    } else if (regs[pick] == 0x0400u) {
        reg = 0x0400u + fin_pick(in, 32u);
    } else {
        reg = regs[pick];
    }
    return ((uint64_t)idx * cfg_platform.gicr_stride) + (sgi * 0x10000u) + reg;
}

static uint32_t gen_uart_offset(struct fuzz_in *in)
{
    static const uint16_t regs[] = { 0x000u, 0x018u, 0x02cu, 0x030u, 0x034u, 0x038u, 0x03cu, 0x040u,
                                     0x044u };
    uint32_t pick = fin_pick(in, ARRAY_SIZE(regs) + 1u);
    return (pick < ARRAY_SIZE(regs)) ? regs[pick] : (fin_u16(in) & 0xfffu);
}

static uint64_t gen_sgi1r(struct fuzz_in *in)
{
    uint64_t v;

    if (fin_pick(in, 8u) == 0u) {
        return fin_u64(in);
    }
    v = ((uint64_t)fin_pick(in, 16u) << 24) | fin_u16(in); /* INTID, TargetList */
    switch (fin_pick(in, 6u)) {
    case 0u:
        v |= 1ull << 40; /* IRM: everyone but self */
        break;
    case 1u:
        v |= (uint64_t)fin_pick(in, 4u) << 44; /* RS */
        break;
    case 2u:
        v |= (uint64_t)fin_u8(in) << 16; /* Aff1 */
        break;
    default:
        break;
    }
    return v;
}

static struct vcpu *gen_vcpu(struct fuzz_in *in)
{
    return &vcpus[fin_pick(in, CFG_NUM_VCPUS)];
}

/* ---- operations ---- */

enum op {
    OP_DIST, OP_REDIST, OP_UART, OP_SGI, OP_ACK, OP_EOI, OP_ACK_EOI, OP_RUN, OP_HALT, OP_UNLOAD,
    OP_TIMER, OP_SPI, OP_CONSOLE_IN, OP_LINE, OP_KICKS, OP_RESET_VM, OP_FAST_SGI, OP_FAST_TIMER,
    OP_COUNT
};

/* Weights: mostly register accesses and the guest's part of the LR cycle. */
static const uint8_t op_weight[OP_COUNT] = {
    [OP_DIST] = 40, [OP_REDIST] = 30, [OP_UART] = 10, [OP_SGI] = 20, [OP_ACK] = 20, [OP_EOI] = 20,
    [OP_ACK_EOI] = 20, [OP_RUN] = 15, [OP_HALT] = 10, [OP_UNLOAD] = 8, [OP_TIMER] = 15, [OP_SPI] = 15,
    [OP_CONSOLE_IN] = 6, [OP_LINE] = 8, [OP_KICKS] = 8, [OP_RESET_VM] = 3, [OP_FAST_SGI] = 15,
    [OP_FAST_TIMER] = 12,
};

/* After the fast path (fast_exit.c) answered: `intid` of `v` must now be
 * pending in one of its list registers, linked iff `hw`. */
FUZZ_NO_COVERAGE static void check_fast_injected(struct vcpu *v, uint32_t intid, bool hw_linked)
{
    const struct hw_cpu *hc = &hw.cpus[v->pcpu];
    uint32_t n;

    for (n = 0u; n < hw.nr_lrs; n++) {
        if ((LR_VINTID(hc->lr[n]) == intid) && ((v->arch.vgic.lr_used & (1u << n)) != 0u)) {
            FUZZ_CHECK("fast-inject", (LR_STATE(hc->lr[n]) == LR_ST_PENDING)
                                          && (((hc->lr[n] & LR_HW_BIT) != 0u) == hw_linked),
                       "fast path injected INTID %u of vm %s vcpu %u into LR%u as 0x%016llx", intid,
                       v->vm->cfg->name, (unsigned)v->id, n, (unsigned long long)hc->lr[n]);
            return;
        }
    }
    FUZZ_CHECK("fast-inject", false, "fast path said INTID %u of vm %s vcpu %u is injected: no LR holds it",
               intid, v->vm->cfg->name, (unsigned)v->id);
}

/* Is v running its guest on its CPU right now (where the fast path runs)? */
static bool in_guest_now(const struct vcpu *v)
{
    const struct hw_cpu *hc = &hw.cpus[v->pcpu];
    return (hc->loaded == v) && hc->in_guest && (v->state == VCPU_RUNNABLE);
}

static enum op gen_op(struct fuzz_in *in)
{
    uint32_t total = 0u;
    uint32_t x;
    uint32_t i;

    for (i = 0u; i < OP_COUNT; i++) {
        total += op_weight[i];
    }
    x = fin_u8(in) % total;
    for (i = 0u; i < OP_COUNT; i++) {
        if (x < op_weight[i]) {
            return (enum op)i;
        }
        x -= op_weight[i];
    }
    return OP_DIST;
}

enum window { W_GICD, W_GICR, W_UART };
static const char *const window_name[] = { "GICD", "GICR", "UART" };

/* A guest MMIO access from v through the real vdev_dispatch. */
static void do_mmio(struct vcpu *v, enum window w, uint64_t off, uint32_t width, bool write, uint64_t value)
{
    static const uint64_t *const bases[] = { &cfg_platform.gicd_base, &cfg_platform.gicr_base,
                                             &cfg_platform.uart_base };
    uint64_t addr = *bases[w] + off;
    struct vcpu_exit *e = &v->exit;
    bool ok;

    if (!run_vcpu(v)) {
        return;
    }
    memset(e, 0, sizeof(*e));
    e->kind = EXIT_MMIO;
    e->addr = addr;
    e->width = (uint8_t)width;
    e->is_write = write ? 1u : 0u;
    e->value = value;
    ok = vdev_dispatch(v);
    fuzz_log(&oplog, "vm %s vcpu %u: %s %s +0x%llx w%u %s0x%llx -> %s", v->vm->cfg->name, (unsigned)v->id,
             write ? "write" : "read", window_name[w], (unsigned long long)off, width, write ? "" : "= ",
             (unsigned long long)(write ? value : e->value), ok ? "ok" : "rejected (VM fault)");
    if (ok && !write && (w == W_GICD)) {
        check_dist_read(v->vm->index, (uint32_t)off, width, e->value);
    }
}

/* Snapshot for the kick check. */
struct snap {
    uint64_t pend[CFG_NUM_VCPUS][VGIC_NR_IRQS / 64u];
    uint32_t state[CFG_NUM_VCPUS];
    bool in_guest[CFG_NUM_VCPUS];
    uint32_t kicks[CFG_NUM_PCPUS];
};

FUZZ_NO_COVERAGE static void take_snap(struct snap *s)
{
    uint32_t i;

    for (i = 0u; i < CFG_NUM_VCPUS; i++) {
        memcpy(s->pend[i], vcpus[i].arch.vgic.pend, sizeof(s->pend[i]));
        s->state[i] = vcpus[i].state;
        s->in_guest[i] = is_loaded(&vcpus[i]) && cpu_of(&vcpus[i])->in_guest;
    }
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        s->kicks[i] = hw.cpus[i].kicks;
    }
}

/* An interrupt newly deliverable to a VCPU that runs a guest on another
 * CPU, or sleeps there, must come with a kick of that CPU: otherwise it
 * waits for an unrelated exit (or forever on an idle CPU). */
FUZZ_NO_COVERAGE static void check_kicks(const struct snap *s, uint32_t op_cpu)
{
    uint32_t i;

    if (op_cpu == NO_CPU) {
        return;
    }
    for (i = 0u; i < CFG_NUM_VCPUS; i++) {
        struct vcpu *v = &vcpus[i];
        uint64_t fresh = (v->arch.vgic.pend[0] & ~s->pend[i][0]) | (v->arch.vgic.pend[1] & ~s->pend[i][1]);
        if ((fresh == 0u) || (v->pcpu == op_cpu)) {
            continue;
        }
        if (s->in_guest[i] || (s->state[i] == VCPU_HALTED)) {
            FUZZ_CHECK("kick", hw.cpus[v->pcpu].kicks > s->kicks[v->pcpu],
                       "vm %s vcpu %u (CPU %u, %s) got new deliverable interrupts from CPU %u without a kick",
                       v->vm->cfg->name, (unsigned)v->id, (unsigned)v->pcpu,
                       s->in_guest[i] ? "in its guest" : "halted", op_cpu);
        }
    }
}

static uint32_t do_op(struct fuzz_in *in)
{
    enum op op = gen_op(in);

    switch (op) {
    case OP_DIST: {
        struct vcpu *v = gen_vcpu(in);
        uint32_t off = gen_dist_offset(in);
        uint32_t width = gen_width(in);
        bool write = fin_pick(in, 2u) != 0u;
        uint64_t value = write ? gen_value(in) : 0u;
        do_mmio(v, W_GICD, off, width, write, value);
        return v->pcpu;
    }
    case OP_REDIST: {
        struct vcpu *v = gen_vcpu(in);
        uint64_t off = gen_redist_offset(in, v->vm->cfg->num_vcpus);
        uint32_t width = gen_width(in);
        bool write = fin_pick(in, 2u) != 0u;
        uint64_t value = write ? gen_value(in) : 0u;
        do_mmio(v, W_GICR, off, width, write, value);
        return v->pcpu;
    }
    case OP_UART: {
        struct vcpu *v = gen_vcpu(in);
        uint32_t off = gen_uart_offset(in);
        uint32_t width = (fin_pick(in, 4u) == 0u) ? 2u : 4u;
        bool write = fin_pick(in, 2u) != 0u;
        uint64_t value = write ? gen_value(in) : 0u;
        do_mmio(v, W_UART, off, width, write, value);
        return v->pcpu;
    }
    case OP_SGI: {
        struct vcpu *v = gen_vcpu(in);
        uint64_t value = gen_sgi1r(in);
        if (run_vcpu(v)) {
            fuzz_log(&oplog, "vm %s vcpu %u: ICC_SGI1R_EL1 = 0x%llx", v->vm->cfg->name, (unsigned)v->id,
                     (unsigned long long)value);
            vgic_send_sgi(v, value);
        }
        return v->pcpu;
    }
    case OP_ACK:
    case OP_EOI:
    case OP_ACK_EOI: {
        uint32_t c = fin_pick(in, CFG_NUM_PCPUS);
        uint32_t n = fin_pick(in, hw.nr_lrs);
        bool acked = false;
        bool eoied = false;
        /* Only a running guest acts on its LRs (a halted VCPU stays
         * loaded, but its CPU does not enter it). */
        if ((hw.cpus[c].loaded == NULL) || (hw.cpus[c].loaded->state != VCPU_RUNNABLE)) {
            return c;
        }
        enter_guest(c);
        if (op != OP_EOI) {
            acked = hw_guest_ack(c, n);
        }
        if (op != OP_ACK) {
            eoied = hw_guest_eoi(c, n);
        }
        fuzz_log(&oplog, "CPU %u guest: %s%s LR%u (now 0x%016llx)", c, acked ? "ack " : "",
                 eoied ? "eoi" : (acked ? "" : "nothing to do on"), n, (unsigned long long)hw.cpus[c].lr[n]);
        return c;
    }
    case OP_FAST_SGI: {
        /* A trapped ICC_SGI1R_EL1 write taken by the fast path: no
         * vgic_sync before, no vgic_flush after; if it declines, the full
         * path handles the same exit. */
        struct vcpu *v = gen_vcpu(in);
        uint64_t value = gen_sgi1r(in);
        if (fin_pick(in, 2u) == 0u) { /* aimed at itself, as the fast path wants */
            value = (value & ~0x00ffffff00ffffffULL) | ((uint64_t)(v->id / 16u) << 44)
                    | (1ULL << (v->id % 16u));
        }
        if (in_guest_now(v)) {
            hw.cpu = v->pcpu;
            if (vgic_fast_self_sgi(v, value)) {
                fuzz_log(&oplog, "vm %s vcpu %u: ICC_SGI1R_EL1 = 0x%llx (fast path)", v->vm->cfg->name,
                         (unsigned)v->id, (unsigned long long)value);
                check_fast_injected(v, (uint32_t)(value >> 24) & 0xfu, false);
            } else {
                fuzz_log(&oplog, "vm %s vcpu %u: ICC_SGI1R_EL1 = 0x%llx (fast path declined)",
                         v->vm->cfg->name, (unsigned)v->id, (unsigned long long)value);
                exit_guest(v->pcpu);
                vgic_send_sgi(v, value);
            }
        }
        return v->pcpu;
    }
    case OP_FAST_TIMER: {
        /* The running VCPU's virtual timer fires and the fast path takes
         * the physical interrupt (as fast_exit.c's timer_irq does). */
        uint32_t c = fin_pick(in, CFG_NUM_PCPUS);
        uint32_t vt = cfg_platform.timer_virt_irq;
        struct vcpu *v = hw.cpus[c].loaded;
        if ((v == NULL) || !in_guest_now(v) || hw.cpus[c].ppi_active[vt] || (hw.cpus[c].queue_len != 0u)) {
            return c;
        }
        hw.cpu = c;
        hw_irq_push(c, vt);
        FUZZ_CHECK("fast-timer", arch_irq_ack() == vt, "CPU %u: acknowledged something else than the timer", c);
        arch_irq_drop(vt);
        if (vgic_fast_inject_inline(v, vt, true)) {
            fuzz_log(&oplog, "CPU %u: virtual timer PPI %u fires for vm %s vcpu %u (fast path)", c, vt,
                     v->vm->cfg->name, (unsigned)v->id);
            check_fast_injected(v, vt, true);
        } else {
            fuzz_log(&oplog, "CPU %u: virtual timer PPI %u fires for vm %s vcpu %u (fast path declined)", c,
                     vt, v->vm->cfg->name, (unsigned)v->id);
            arch_vcpu_inject_hw(v, vt);
            exit_guest(c);
        }
        return c;
    }
    case OP_RUN: {
        struct vcpu *v = gen_vcpu(in);
        fuzz_log(&oplog, "vm %s vcpu %u: runs and exits", v->vm->cfg->name, (unsigned)v->id);
        (void)run_vcpu(v);
        return v->pcpu;
    }
    case OP_HALT: {
        struct vcpu *v = gen_vcpu(in);
        if (run_vcpu(v)) {
            vcpu_halt(v);
            fuzz_log(&oplog, "vm %s vcpu %u: WFI -> %s", v->vm->cfg->name, (unsigned)v->id,
                     (v->state == VCPU_HALTED) ? "halted" : "keeps running (interrupt pending)");
        }
        return v->pcpu;
    }
    case OP_UNLOAD: {
        uint32_t c = fin_pick(in, CFG_NUM_PCPUS);
        exit_guest(c);
        if (hw.cpus[c].loaded != NULL) {
            fuzz_log(&oplog, "CPU %u: unload vm %s vcpu %u", c, hw.cpus[c].loaded->vm->cfg->name,
                     (unsigned)hw.cpus[c].loaded->id);
            arch_vcpu_unload(hw.cpus[c].loaded);
            pcpus[c].loaded = NULL;
        }
        return c;
    }
    case OP_TIMER: {
        /* The loaded VCPU's virtual timer fires: only possible while the
         * physical PPI is not active (the GIC does not signal it again). */
        uint32_t c = fin_pick(in, CFG_NUM_PCPUS);
        uint32_t vt = cfg_platform.timer_virt_irq;
        if ((hw.cpus[c].loaded == NULL) || hw.cpus[c].ppi_active[vt]) {
            return c;
        }
        fuzz_log(&oplog, "CPU %u: virtual timer PPI %u fires for vm %s vcpu %u", c, vt,
                 hw.cpus[c].loaded->vm->cfg->name, (unsigned)hw.cpus[c].loaded->id);
        hw_irq_push(c, vt);
        take_irqs(c);
        return c;
    }
    case OP_SPI: {
        /* A passthrough device raises its SPI: it arrives where the vGIC
         * routed it, if enabled and not active; rarely elsewhere (it was
         * re-routed while in flight). */
        uint32_t id;
        uint32_t c;
        if (num_fireable == 0u) {
            return NO_CPU;
        }
        id = fireable[fin_pick(in, num_fireable)];
        c = (fin_pick(in, 8u) == 0u) ? fin_pick(in, CFG_NUM_PCPUS) : hw.spi_route[id];
        if (!hw.spi_enabled[id] || hw.spi_active[id]) {
            return NO_CPU;
        }
        fuzz_log(&oplog, "CPU %u: physical SPI %u arrives", c, id);
        hw_irq_push(c, id);
        take_irqs(c);
        return c;
    }
    case OP_CONSOLE_IN: {
        /* Bytes typed on the physical UART: its interrupt on CPU 0, the
         * core's console input into the focused VM's emulated UART. */
        uint32_t n = 1u + fin_pick(in, 4u);
        uint32_t i;
        hw.console_in_len = 0u;
        hw.console_in_pos = 0u;
        for (i = 0u; i < n; i++) {
            hw.console_in[hw.console_in_len++] = (fin_pick(in, 4u) == 0u) ? 1u : fin_u8(in);
        }
        fuzz_log(&oplog, "CPU 0: %u byte(s) of console input", n);
        hw_irq_push(0u, cfg_platform.uart_irq);
        take_irqs(0u);
        return 0u;
    }
    case OP_LINE: {
        /* vpl011_irq_level from any CPU, for each VM with an emulated UART. */
        uint32_t c = fin_pick(in, CFG_NUM_PCPUS);
        struct vm *vm = &vms[fin_pick(in, CFG_NUM_VMS)];
        bool level = fin_pick(in, 2u) != 0u;
        if (vm->cfg->console != CFG_CONSOLE_EMULATED) {
            return NO_CPU;
        }
        exit_guest(c);
        hw.cpu = c;
        fuzz_log(&oplog, "CPU %u: vm %s UART line %s", c, vm->cfg->name, level ? "high" : "low");
        vpl011_irq_level(&vm->uart, level);
        return c;
    }
    case OP_KICKS: {
        /* Every CPU with a kick sent takes it: its guest exits and re-enters. */
        uint32_t c;
        for (c = 0u; c < CFG_NUM_PCPUS; c++) {
            if (hw.cpus[c].in_guest && (hw.cpus[c].kicks != 0u)) {
                hw.cpus[c].kicks = 0u;
                exit_guest(c);
                enter_guest(c);
            }
        }
        fuzz_log(&oplog, "kicked CPUs exit and re-enter");
        return NO_CPU;
    }
    case OP_RESET_VM:
    default: {
        struct vm *vm = &vms[fin_pick(in, CFG_NUM_VMS)];
        fuzz_log(&oplog, "vm %s restarts", vm->cfg->name);
        reset_vm(vm);
        return NO_CPU;
    }
    }
}

/* At the end: every GICD register a guest can read shows nothing of the
 * SPIs its VM does not own. */
FUZZ_NO_COVERAGE static void readback(void)
{
    uint32_t i;
    uint32_t r;
    uint32_t off;

    for (i = 0u; i < CFG_NUM_VMS; i++) {
        struct vcpu *v = &vms[i].vcpus[0];
        hw.cpu = v->pcpu;
        for (r = 0u; r < ARRAY_SIZE(gicd_rows); r++) {
            for (off = gicd_rows[r].offset + 4u; off < (gicd_rows[r].offset + gicd_rows[r].size); off += 4u) {
                uint64_t val = 0u;
                if (vgic_dist_ops.read(v, &vms[i], off, 4u, &val)) {
                    check_dist_read(i, off, 4u, val);
                }
            }
        }
        for (off = 0x6100u; off < 0x6400u; off += 8u) {
            uint64_t val = 0u;
            if (vgic_dist_ops.read(v, &vms[i], off, 8u, &val)) {
                check_dist_read(i, off, 8u, val);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    static bool once;
    static uint32_t inputs;
    uint32_t ops;

    if (!once) {
        compute_owned();
        once = true;
    }
    reset_all(1u + (fin_u8(&in) & 15u));
    check_all();
    for (ops = 0u; (ops < MAX_OPS) && !fin_done(&in); ops++) {
        struct snap s;
        uint32_t op_cpu;
        take_snap(&s);
        op_cpu = do_op(&in);
        check_kicks(&s, op_cpu);
        check_all();
    }
    /* The full GICD read-back costs more than a typical input: every 16th. */
    if ((++inputs % 16u) == 0u) {
        readback();
    }
    return 0;
}
