/* Decodes an exception taken from the guest (ESR_EL2) into the core's
 * exit record. Runs on every exit: no logging. Anything the hypervisor
 * does not handle becomes a fault of that VM, never a hypervisor panic. */
#include "arch/sysreg.h"
#include "arch/aarch64.h"
#include "arch/vgic.h"
#include "vcpu.h"

#define SPSR_M_MASK  0xfULL
#define SPSR_M_EL1T  0x4ULL
#define SPSR_M_EL1H  0x5ULL
#define SPSR_EL1H_MASKED 0x3c5ULL

static uint64_t fault_ipa(void)
{
    return FAULT_IPA(read_hpfar_el2(), read_far_el2());
}

/* Deliver an Undefined Instruction exception to the guest's EL1, as real
 * hardware does for a system register it does not implement. */
static void inject_undef(struct vcpu *v)
{
    struct guest_regs *r = &v->arch.regs;
    uint64_t mode = r->spsr & SPSR_M_MASK;
    uint64_t offset;

    if (mode == SPSR_M_EL1H) {
        offset = 0x200u;
    } else if (mode == SPSR_M_EL1T) {
        offset = 0x000u;
    } else {
        offset = 0x400u; /* from EL0 (AArch64) */
    }
    write_elr_el1(r->elr);
    write_spsr_el1(r->spsr);
    write_esr_el1(ESR_IL | ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT));
    r->elr = read_vbar_el1() + offset;
    r->spsr = SPSR_EL1H_MASKED;
}

/* System registers the hypervisor traps: the SGI generation registers of
 * the GIC CPU interface (HCR_EL2.IMO makes them trap). Anything else
 * (implementation-defined registers, TIDCP) is undefined, as on hardware
 * that does not implement it. */
static void sysreg_trap(struct vcpu *v, uint32_t iss)
{
    uint32_t key = iss & SYSREG_KEY_MASK;
    uint32_t rt = (iss >> 5) & 0x1fu;
    bool read = (iss & 1u) != 0u;
    uint64_t val = (rt == 31u) ? 0u : v->arch.regs.x[rt];

    if ((key == ICC_SGI1R_KEY) || (key == ICC_SGI0R_KEY) || (key == ICC_ASGI1R_KEY)) {
        if (read) {
            if (rt != 31u) {
                v->arch.regs.x[rt] = 0u; /* write-only: reads as zero */
            }
        } else if (key != ICC_ASGI1R_KEY) {
            vgic_send_sgi(v, val);
        } else {
            /* other security state: there is none */
        }
        v->arch.regs.elr += 4u;
        return;
    }
    inject_undef(v);
}

static void decode_dabt(struct vcpu *v, uint32_t iss)
{
    struct vcpu_exit *e = &v->exit;

    e->kind = EXIT_MMIO;
    e->addr = fault_ipa();
    if ((iss & ISS_DABT_ISV) == 0u) {
        /* No syndrome (writeback, pair, exclusive...): width 0 tells the
         * core it cannot be emulated. */
        e->width = 0u;
        return;
    }
    e->width = (uint8_t)(1u << ISS_DABT_SAS(iss));
    e->is_write = ((iss & ISS_DABT_WNR) != 0u) ? 1u : 0u;
    e->sign_extend = (uint8_t)iss_dabt_extend(iss);
    e->reg = (uint8_t)ISS_DABT_SRT(iss);
    if (e->is_write != 0u) {
        e->value = (e->reg == 31u) ? 0u : v->arch.regs.x[e->reg];
    }
    /* Emulated or fatal: either way the guest never re-executes it. */
    v->arch.regs.elr += 4u;
}

void trap_decode(struct vcpu *v, uint64_t kind)
{
    struct vcpu_exit *e = &v->exit;
    uint64_t esr;
    uint32_t iss;

    e->kind = EXIT_NONE;
    e->nret = 0u;
    e->pc = v->arch.regs.elr;
    if ((kind == EXC_IRQ) || (kind == EXC_FIQ)) {
        e->kind = EXIT_IRQ;
        return;
    }
    esr = read_esr_el2();
    e->syndrome = esr;
    e->addr = 0u;
    if (kind != EXC_SYNC) {
        e->kind = EXIT_FAULT;
        e->cause = (kind == EXC_SERROR) ? FAULT_SERROR : FAULT_UNHANDLED_EC;
        return;
    }
    iss = (uint32_t)(esr & 0x1ffffffu);
    switch ((uint32_t)(esr >> ESR_EC_SHIFT) & 0x3fu) {
    case EC_WFX:
        v->arch.regs.elr += 4u;
        e->kind = ((iss & ISS_WFX_WFE) != 0u) ? EXIT_YIELD : EXIT_HALT;
        break;
    case EC_HVC64:
        if ((iss & 0xffffu) != 0u) {
            /* Only "hvc #0" is a call; others answer NOT_SUPPORTED. */
            e->ret[0] = (uint64_t)(int64_t)-1;
            e->nret = 1u;
        } else {
            smccc_dispatch(v);
        }
        break;
    case EC_SMC64:
        /* A trapped SMC returns to the SMC itself: step over it. */
        v->arch.regs.elr += 4u;
        smccc_dispatch(v);
        break;
    case EC_SYSREG:
        sysreg_trap(v, iss);
        break;
    case EC_DABT_LOW:
        decode_dabt(v, iss);
        break;
    case EC_IABT_LOW:
        e->kind = EXIT_FAULT;
        e->cause = FAULT_STAGE2_INSN;
        e->addr = fault_ipa();
        break;
    default:
        e->kind = EXIT_FAULT;
        e->cause = FAULT_UNHANDLED_EC;
        e->addr = read_far_el2();
        break;
    }
}
