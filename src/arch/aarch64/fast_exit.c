/* The short way back into the guest. vectors.S calls fast_exit() with only
 * the guest's x0-x18 and x30 saved; it answers the exits whose whole effect
 * is a register value or a list register of the running VCPU:
 *   - SMCCC calls with constant answers (PSCI_VERSION, SMCCC_VERSION,
 *     HV_VERSION), by HVC or trapped SMC;
 *   - a self-targeted SGI (ICC_SGI1R_EL1), and the virtual timer's physical
 *     interrupt, injected straight into a free list register;
 *   - loads of the vGIC distributor's constant registers (vgic_dist_const),
 *     and MMIO accesses another device answers on its own (vdev_ops.fast):
 *     the PL011's flag register loads and data register stores, which a
 *     console write makes for every byte;
 *   - WFI with an interrupt already pending, or with the VCPU's own timer
 *     due soon on a CPU it has to itself: the wait happens here.
 * An access through one of the guest's x19-x29, which are not saved yet,
 * returns FAST_AGAIN: vectors.S saves them and calls fast_exit_again.
 * Everything else, and every case where a condition does not hold, returns
 * the kind + 1 for the full path (trap_decode, the core's exit
 * handling), which sees the exit exactly as if this file did not exist:
 * nothing here changes state before it is sure to answer, except that a
 * physical interrupt it acknowledged is handed over (gic_irq_stash) with an
 * IRQ exit (a WFI is then executed again). No locks but the
 * vGIC's and a device's (with the VM's console line), no logging, no loops
 * over VCPUs or devices. */
#include "arch/sysreg.h"
#include "arch/aarch64.h"
#include "arch/vgic.h"
#include "arch/vgic_fast.h"
#include "arch_cpu.h"
#include "arch_timer.h"
#include "arch_vcpu.h"
#include "vcpu.h"
#include "vdev.h"
#include "vm.h"

#define FAST_DONE 0u
#define CNTV_CTL_ENABLE 1ULL
#define CNTV_CTL_IMASK  2ULL
/* The longest wait done here: as long as the idle loop ever sleeps before
 * it re-checks (sched.c), so that nothing the idle loop does waits longer. */
#define FAST_WFI_MAX_MS 1u

/* Each handler returns what fast_exit() returns: FAST_DONE, or the kind
 * + 1 for the full path. They are separate functions on purpose: the
 * dispatcher tail-calls them and each pays only for its own registers. */
#define FAST_HANDLER static __attribute__((noinline)) uint64_t
#define FULL_SYNC (EXC_SYNC + 1u)
#define FULL_IRQ  (EXC_IRQ + 1u)

/* Guest registers this path may read or write: the saved ones (and xzr);
 * all of them once vectors.S saved x19-x29 too (fast_exit_again). */
static inline bool reg_saved(uint32_t rt, bool all)
{
    return all || (rt <= 18u) || (rt >= 30u);
}

static void step_over(void)
{
    write_elr_el2(read_elr_el2() + 4u);
}

/* HVC #0 (`step` false) or a trapped SMC (true: returns to the SMC). */
FAST_HANDLER fast_smccc(struct vcpu *v, bool step)
{
    uint64_t ret;

    if (!smccc_constant((uint32_t)v->arch.regs.x[0], &ret)) {
        return FULL_SYNC;
    }
    v->arch.regs.x[0] = ret;
    if (step) {
        step_over();
    }
    return FAST_DONE;
}

FAST_HANDLER fast_sysreg(struct vcpu *v, uint32_t iss, bool all)
{
    uint32_t rt = (iss >> 5) & 0x1fu;

    if (((iss & SYSREG_KEY_MASK) != ICC_SGI1R_KEY) || ((iss & 1u) != 0u)) {
        return FULL_SYNC;
    }
    if (!reg_saved(rt, all)) {
        return FAST_AGAIN;
    }
    if (!vgic_fast_self_sgi(v, (rt == 31u) ? 0u : v->arch.regs.x[rt])) {
        return FULL_SYNC;
    }
    step_over();
    return FAST_DONE;
}

/* The end of an answered MMIO load: the value into the target register
 * (sized and sign-extended as the syndrome says), then past the load. */
static inline __attribute__((always_inline)) uint64_t load_done(struct vcpu *v, uint32_t iss, uint64_t val)
{
    uint32_t rt = ISS_DABT_SRT(iss);

    if (rt != 31u) {
        v->arch.regs.x[rt] = mmio_load_value(val, 1u << ISS_DABT_SAS(iss), iss_dabt_extend(iss));
    }
    step_over();
    return FAST_DONE;
}

/* A trapped load or store answered by the device's fast op (the PL011's
 * flag and data registers). Separate from fast_mmio so that only this path
 * pays for the call; noipa keeps GCC from cloning it under another name,
 * which tools/stack_annotations.txt names for its indirect call. */
static __attribute__((noipa)) uint64_t fast_mmio_dev(struct vcpu *v, uint32_t iss, const struct vdev *d, uint64_t off)
{
    uint32_t rt = ISS_DABT_SRT(iss);
    bool is_write = (iss & ISS_DABT_WNR) != 0u;
    uint64_t val = (is_write && (rt != 31u)) ? v->arch.regs.x[rt] : 0u;

    if (!d->ops->fast(d->dev, off, 1u << ISS_DABT_SAS(iss), is_write, &val)) {
        return FULL_SYNC;
    }
    if (!is_write) {
        return load_done(v, iss, val);
    }
    step_over();
    return FAST_DONE;
}

/* A trapped MMIO access wholly inside one emulated window. The vGIC
 * distributor's constant registers are answered here, inline: it is this
 * architecture's own device and its hottest read. Compilers keep values in
 * x19-x29 too: an access through one of those that may be answered here
 * is worth the eleven stores that let fast_exit_again see it (`all`). */
FAST_HANDLER fast_mmio(struct vcpu *v, uint32_t iss, bool all)
{
    uint32_t width = 1u << ISS_DABT_SAS(iss);
    uint64_t ipa;
    uint64_t off;
    const struct vdev *d;
    uint64_t val = 0u;

    if ((iss & ISS_DABT_ISV) == 0u) {
        return FULL_SYNC;
    }
    ipa = FAULT_IPA(read_hpfar_el2(), read_far_el2());
    d = vm_vdev_at(v->vm, ipa);
    if ((d == NULL) || (((ipa - d->base) + width) > d->size)) {
        return FULL_SYNC;
    }
    off = ipa - d->base;
    if (d->kind == CFG_VDEV_GICD) {
        if (((iss & ISS_DABT_WNR) != 0u) || (width != 4u) || !vgic_dist_const((uint32_t)off, &val)) {
            return FULL_SYNC;
        }
    } else if (d->ops->fast == NULL) {
        return FULL_SYNC;
    } else {
        /* the device decides: fast_mmio_dev */
    }
    if (!reg_saved(ISS_DABT_SRT(iss), all)) {
        return FAST_AGAIN;
    }
    return (d->kind == CFG_VDEV_GICD) ? load_done(v, iss, val) : fast_mmio_dev(v, iss, d, off);
}

/* The physical interrupt just signalled: the running VCPU's virtual timer
 * goes straight into a list register. Anything else (another interrupt, or
 * a timer interrupt needing the full injection) is acknowledged already, so
 * it is kept for irq_handle_pending (gic_irq_stash), which the caller's
 * FULL_IRQ leads to at once. */
static inline __attribute__((always_inline)) bool timer_irq(struct vcpu *v)
{
    uint32_t id = (uint32_t)(read_icc_iar1_el1() & 0xffffffu);

    if ((id == CFG_TIMER_VIRT_IRQ) && vgic_fast_inject_inline(v, id, true)) {
        write_icc_eoir1_el1(id); /* priority drop; the guest's EOI deactivates */
        return true;
    }
    if (id < 1020u) { /* (else gone already: the full path finds nothing either) */
        gic_irq_stash(id);
    }
    return false;
}

FAST_HANDLER fast_irq(struct vcpu *v)
{
    return timer_irq(v) ? FAST_DONE : FULL_IRQ;
}

FAST_HANDLER fast_wfi(struct vcpu *v)
{
    uint64_t ctl = read_cntv_ctl_el0();

    if (arch_vcpu_irq_pending(v)) {
        step_over(); /* the WFI completes at once, as on hardware */
        return FAST_DONE;
    }
    /* Wait here only if nothing else may want this CPU and the VCPU's own
     * timer ends the wait soon: otherwise the scheduler must see the halt. */
    if ((cfg_pcpus[arch_cpu_id()].count != 1u)
        || ((ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) != CNTV_CTL_ENABLE)
        || ((read_cntv_cval_el0() - arch_timer_now()) > ((read_cntfrq_el0() / 1000u) * FAST_WFI_MAX_MS))) {
        return FULL_SYNC;
    }
    __asm__ volatile("dsb sy\n\twfi" : : : "memory");
    if (!timer_irq(v)) {
        /* Woken by something else: the full path handles that interrupt
         * and the guest then executes its WFI again. */
        return FULL_IRQ;
    }
    step_over();
    return FAST_DONE;
}

uint64_t fast_exit(uint64_t kind, struct vcpu *v)
{
    uint64_t esr;
    uint32_t iss;
    uint64_t ret;

    if (kind == EXC_IRQ) {
        return fast_irq(v);
    }
    esr = read_esr_el2();
    iss = ESR_ISS(esr);
    switch (ESR_EC(esr)) {
    case EC_HVC64:
        ret = ((iss & 0xffffu) == 0u) ? fast_smccc(v, false) : FULL_SYNC;
        break;
    case EC_SMC64:
        ret = fast_smccc(v, true);
        break;
    case EC_SYSREG:
        ret = fast_sysreg(v, iss, false);
        break;
    case EC_DABT_LOW:
        ret = fast_mmio(v, iss, false);
        break;
    case EC_WFX:
        ret = ((iss & ISS_WFX_WFE) == 0u) ? fast_wfi(v) : FULL_SYNC;
        break;
    default:
        ret = FULL_SYNC;
        break;
    }
    return ret;
}

uint64_t fast_exit_again(struct vcpu *v)
{
    uint64_t esr = read_esr_el2();
    uint64_t ret;

    /* Only these two ask for FAST_AGAIN. */
    switch (ESR_EC(esr)) {
    case EC_SYSREG:
        ret = fast_sysreg(v, ESR_ISS(esr), true);
        break;
    case EC_DABT_LOW:
        ret = fast_mmio(v, ESR_ISS(esr), true);
        break;
    default:
        ret = FULL_SYNC;
        break;
    }
    return ret;
}
