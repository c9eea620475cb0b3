/* GICv3 list registers of the VCPU loaded on this CPU: injection of
 * hardware-linked interrupts, the pending check for WFI, and saving and
 * restoring them when the CPU switches VCPUs. */
#include "arch/sysreg.h"
#include "arch/aarch64.h"
#include "arch_vcpu.h"
#include "vcpu.h"

#define LR_STATE_SHIFT 62
#define LR_STATE_MASK  (3ull << LR_STATE_SHIFT)
#define LR_PENDING     (1ull << LR_STATE_SHIFT)
#define LR_HW          (1ull << 61)
#define LR_GROUP1      (1ull << 60)
#define LR_PRIO(p)     ((uint64_t)(p) << 48)
#define LR_PINTID(i)   ((uint64_t)(i) << 32)
#define LR_VINTID_MASK 0xffffffffull
#define LR_PINTID_MASK (0x3ffull << 32)

static uint64_t lr_read(uint32_t n)
{
    switch (n) {
    case 0u: return read_ich_lr0_el2();
    case 1u: return read_ich_lr1_el2();
    case 2u: return read_ich_lr2_el2();
    case 3u: return read_ich_lr3_el2();
    case 4u: return read_ich_lr4_el2();
    case 5u: return read_ich_lr5_el2();
    case 6u: return read_ich_lr6_el2();
    case 7u: return read_ich_lr7_el2();
    case 8u: return read_ich_lr8_el2();
    case 9u: return read_ich_lr9_el2();
    case 10u: return read_ich_lr10_el2();
    case 11u: return read_ich_lr11_el2();
    case 12u: return read_ich_lr12_el2();
    case 13u: return read_ich_lr13_el2();
    case 14u: return read_ich_lr14_el2();
    case 15u: return read_ich_lr15_el2();
    default: return 0u;
    }
}

static void lr_write(uint32_t n, uint64_t v)
{
    switch (n) {
    case 0u: write_ich_lr0_el2(v); break;
    case 1u: write_ich_lr1_el2(v); break;
    case 2u: write_ich_lr2_el2(v); break;
    case 3u: write_ich_lr3_el2(v); break;
    case 4u: write_ich_lr4_el2(v); break;
    case 5u: write_ich_lr5_el2(v); break;
    case 6u: write_ich_lr6_el2(v); break;
    case 7u: write_ich_lr7_el2(v); break;
    case 8u: write_ich_lr8_el2(v); break;
    case 9u: write_ich_lr9_el2(v); break;
    case 10u: write_ich_lr10_el2(v); break;
    case 11u: write_ich_lr11_el2(v); break;
    case 12u: write_ich_lr12_el2(v); break;
    case 13u: write_ich_lr13_el2(v); break;
    case 14u: write_ich_lr14_el2(v); break;
    case 15u: write_ich_lr15_el2(v); break;
    default: break;
    }
}

void arch_vcpu_inject_hw(struct vcpu *v, uint32_t intid)
{
    uint32_t n = gic_num_lrs();
    uint32_t free_lr = n;
    uint32_t i;
    uint64_t lr = LR_PENDING | LR_HW | LR_GROUP1 | LR_PRIO(0xa0u) | LR_PINTID(intid) | intid;

    (void)v;
    for (i = 0u; i < n; i++) {
        uint64_t cur = lr_read(i);
        if ((cur & LR_STATE_MASK) == 0u) {
            if (free_lr == n) {
                free_lr = i;
            }
        } else if ((cur & LR_VINTID_MASK) == intid) {
            /* Already there (maybe active, maybe unlinked after a switch):
             * link it to the hardware and add the pending state. */
            lr_write(i, cur | lr);
            return;
        } else {
            /* another interrupt in this LR */
        }
    }
    if (free_lr < n) {
        lr_write(free_lr, lr);
    }
    /* With no free LR the physical interrupt stays active and unseen by the
     * guest until one frees up; issue 4's vGIC adds an overflow queue. */
}

bool vgic_lr_pending(const struct vcpu *v, bool loaded)
{
    uint32_t n = gic_num_lrs();
    uint32_t i;

    for (i = 0u; i < n; i++) {
        uint64_t lr = loaded ? lr_read(i) : v->arch.vgic.lr[i];
        if ((lr & LR_PENDING) != 0u) {
            return true;
        }
    }
    return false;
}

void vgic_lr_save(struct vcpu *v)
{
    uint32_t n = gic_num_lrs();
    uint32_t i;

    v->arch.vgic.vmcr = read_ich_vmcr_el2();
    v->arch.vgic.ap0r0 = read_ich_ap0r0_el2();
    v->arch.vgic.ap1r0 = read_ich_ap1r0_el2();
    for (i = 0u; i < n; i++) {
        uint64_t lr = lr_read(i);
        if ((lr & LR_HW) != 0u) {
            /* The physical interrupt must not stay active while another
             * VCPU owns this CPU: deactivate it and keep a purely
             * virtual copy. Its source (the timer) is silenced on unload
             * and fires again once this VCPU is loaded, if still due. */
            write_icc_dir_el1((lr & LR_PINTID_MASK) >> 32);
            lr &= ~(LR_HW | LR_PINTID_MASK);
        }
        v->arch.vgic.lr[i] = lr;
        lr_write(i, 0u);
    }
    isb();
}

void vgic_lr_restore(const struct vcpu *v)
{
    uint32_t n = gic_num_lrs();
    uint32_t i;

    write_ich_vmcr_el2(v->arch.vgic.vmcr);
    write_ich_ap0r0_el2(v->arch.vgic.ap0r0);
    write_ich_ap1r0_el2(v->arch.vgic.ap1r0);
    for (i = 0u; i < n; i++) {
        lr_write(i, v->arch.vgic.lr[i]);
    }
    isb();
}
