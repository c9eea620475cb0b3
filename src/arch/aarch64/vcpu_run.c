/* Running a VCPU on this physical CPU: reset, load/unload of its EL1,
 * timer, list-register and FP/SIMD state, and the entry itself, which
 * first hands the core's results of the previous exit back to the guest. */
#include "arch/sysreg.h"
#include "arch/aarch64.h"
#include "arch/vgic.h"
#include "arch_cpu.h"
#include "arch_timer.h"
#include "arch_vcpu.h"
#include "lib.h"
#include "vcpu.h"
#include "vm.h"

#define SPSR_EL1H_MASKED 0x3c5ULL       /* EL1h, D A I F masked */
#define SCTLR_EL1_RESET  0x30d00800ULL  /* RES1 bits; MMU and caches off */
#define MPIDR_RES1       (1ULL << 31)
#define CNTV_CTL_ENABLE  1ULL
#define CNTV_CTL_IMASK   2ULL

static struct vcpu *loaded_vcpu[CFG_NUM_PCPUS];

void arch_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t arg)
{
    /* The redistributor state (v->arch.vgic) survives a CPU power cycle,
     * as on hardware: only the CPU interface is reset. */
    (void)memset(&v->arch.regs, 0, sizeof(v->arch.regs));
    (void)memset(&v->arch.el1, 0, sizeof(v->arch.el1));
    (void)memset(&v->arch.fp, 0, sizeof(v->arch.fp));
    v->arch.vgic.vmcr = 0u;
    v->arch.vgic.ap0r0 = 0u;
    v->arch.vgic.ap1r0 = 0u;
    (void)memset(&v->exit, 0, sizeof(v->exit));
    v->arch.regs.x[0] = arg;
    v->arch.regs.elr = entry;
    v->arch.regs.spsr = SPSR_EL1H_MASKED;
    v->arch.el1.sctlr = SCTLR_EL1_RESET;
    v->arch.el1.vmpidr = MPIDR_RES1 | vcpu_mpidr(v->id);
}

void arch_vcpu_load(struct vcpu *v)
{
    const struct el1_context *c = &v->arch.el1;

    write_vttbr_el2(v->vm->arch.vttbr);
    write_vmpidr_el2(c->vmpidr);
    write_sctlr_el1(c->sctlr);
    write_ttbr0_el1(c->ttbr0);
    write_ttbr1_el1(c->ttbr1);
    write_tcr_el1(c->tcr);
    write_mair_el1(c->mair);
    write_amair_el1(c->amair);
    write_vbar_el1(c->vbar);
    write_contextidr_el1(c->contextidr);
    write_tpidr_el0(c->tpidr_el0);
    write_tpidrro_el0(c->tpidrro_el0);
    write_tpidr_el1(c->tpidr_el1);
    write_sp_el0(c->sp_el0);
    write_sp_el1(c->sp_el1);
    write_elr_el1(c->elr);
    write_spsr_el1(c->spsr);
    write_esr_el1(c->esr);
    write_far_el1(c->far);
    write_afsr0_el1(c->afsr0);
    write_afsr1_el1(c->afsr1);
    write_par_el1(c->par);
    write_cpacr_el1(c->cpacr);
    write_csselr_el1(c->csselr);
    write_cntkctl_el1(c->cntkctl);
    write_mdscr_el1(c->mdscr);
    write_cntv_cval_el0(c->cntv_cval);
    write_cntv_ctl_el0(c->cntv_ctl);
    write_ich_vmcr_el2(v->arch.vgic.vmcr);
    write_ich_ap0r0_el2(v->arch.vgic.ap0r0);
    write_ich_ap1r0_el2(v->arch.vgic.ap1r0);
    write_ich_hcr_el2(v->arch.vgic.hcr);
    fp_restore(&v->arch.fp);
    isb();
    loaded_vcpu[arch_cpu_id()] = v;
}

void arch_vcpu_unload(struct vcpu *v)
{
    struct el1_context *c = &v->arch.el1;

    c->sctlr = read_sctlr_el1();
    c->ttbr0 = read_ttbr0_el1();
    c->ttbr1 = read_ttbr1_el1();
    c->tcr = read_tcr_el1();
    c->mair = read_mair_el1();
    c->amair = read_amair_el1();
    c->vbar = read_vbar_el1();
    c->contextidr = read_contextidr_el1();
    c->tpidr_el0 = read_tpidr_el0();
    c->tpidrro_el0 = read_tpidrro_el0();
    c->tpidr_el1 = read_tpidr_el1();
    c->sp_el0 = read_sp_el0();
    c->sp_el1 = read_sp_el1();
    c->elr = read_elr_el1();
    c->spsr = read_spsr_el1();
    c->esr = read_esr_el1();
    c->far = read_far_el1();
    c->afsr0 = read_afsr0_el1();
    c->afsr1 = read_afsr1_el1();
    c->par = read_par_el1();
    c->cpacr = read_cpacr_el1();
    c->csselr = read_csselr_el1();
    c->cntkctl = read_cntkctl_el1();
    c->mdscr = read_mdscr_el1();
    c->cntv_ctl = read_cntv_ctl_el0();
    c->cntv_cval = read_cntv_cval_el0();
    /* Silence its timer: the hardware one now belongs to the next VCPU. */
    write_cntv_ctl_el0(CNTV_CTL_IMASK);
    vgic_unload(v);
    v->arch.vgic.vmcr = read_ich_vmcr_el2();
    v->arch.vgic.ap0r0 = read_ich_ap0r0_el2();
    v->arch.vgic.ap1r0 = read_ich_ap1r0_el2();
    fp_save(&v->arch.fp);
    loaded_vcpu[arch_cpu_id()] = NULL;
}

bool arch_vcpu_irq_pending(const struct vcpu *v)
{
    bool loaded = (loaded_vcpu[arch_cpu_id()] == v);
    uint64_t ctl = loaded ? read_cntv_ctl_el0() : v->arch.el1.cntv_ctl;

    /* ISTATUS (bit 2) with the timer enabled and unmasked. */
    if ((ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK | 4ULL)) == (CNTV_CTL_ENABLE | 4ULL)) {
        return true;
    }
    return vgic_has_pending(v);
}

uint64_t arch_vcpu_timer_deadline(const struct vcpu *v)
{
    const struct el1_context *c = &v->arch.el1;

    if ((c->cntv_ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) != CNTV_CTL_ENABLE) {
        return TIMER_NEVER;
    }
    return c->cntv_cval; /* CNTVOFF_EL2 is 0: virtual time = physical time */
}

/* Hand the core's results of the previous exit to the guest. */
static void complete_exit(struct vcpu *v)
{
    struct vcpu_exit *e = &v->exit;
    uint32_t i;

    if (e->kind == EXIT_CPU_UP) {
        v->arch.regs.x[0] = (uint64_t)psci_cpu_on_code(e->ret[0]);
    } else if ((e->kind == EXIT_MMIO) && (e->is_write == 0u) && (e->reg < 31u)) {
        v->arch.regs.x[e->reg] = mmio_load_value(e->value, e->width, e->sign_extend);
    } else {
        for (i = 0u; (i < e->nret) && (i < 4u); i++) {
            v->arch.regs.x[i] = e->ret[i];
        }
    }
    e->kind = EXIT_NONE;
    e->nret = 0u;
}

void arch_vcpu_run(struct vcpu *v)
{
    uint64_t kind;

    complete_exit(v);
    for (;;) {
        vgic_flush(v);
        kind = hv_guest_enter(&v->arch.regs, v);
        vgic_sync(v);
        trap_decode(v, kind);
        /* Exits handled here completely (PSCI and SMCCC queries, SGIs,
         * undefined system registers) go straight back into the guest.
         * Nothing is missed: a kick from another CPU is a physical
         * interrupt, which exits again at once to the core. */
        if (v->exit.kind != EXIT_NONE) {
            break;
        }
        complete_exit(v);
    }
}
