/* REQ-FUZZ-01 */
/* fuzz_sysreg_trap: the trap decoder src/arch/aarch64/traps.c (trap_decode)
 * on a fuzzed exception (kind, ESR_EL2, FAR_EL2, HPFAR_EL2, the guest's
 * SPSR, VBAR_EL1 and one general register), read through the fake
 * arch/sysreg.h, then the core's exit handler on the decoded exit, on the
 * fake arch of tests/host/fake (core_common.h). smccc.c is real (HVC/SMC);
 * vgic_send_sgi is recorded here instead of the vGIC (fuzz_vgic_mmio
 * covers it), so that the decoder's hand-over can be checked exactly.
 *
 * Input: a sequence of operations, an opcode byte (mod 7) and arguments:
 *   0-4 TRAP  u8 cpu, u8 kind (mod 5: EXC_SYNC, IRQ, FIQ, SERROR, AARCH32),
 *             u64 ESR_EL2, u64 FAR_EL2, u64 HPFAR_EL2, u64 SPSR, u64
 *             VBAR_EL1, u8 register number, u64 its value: the VCPU that
 *             CPU `cpu` runs takes this exception
 *   5   RUN   u8 cpu, u8 n: 1..4 scheduler steps
 *   6   IRQ   u8 cpu, u8 which: a physical interrupt at EL2
 * Inputs are made architecturally possible where the hardware guarantees
 * it: HPFAR_EL2 only has FIPA bits [47:4], the SPSR names AArch64 EL0t,
 * EL1t or EL1h (a trap from AArch32 is kind EXC_AARCH32).
 *
 * Checks (ids for FUZZ_IGNORE) besides core_check():
 *   decode      the exit record and the guest registers trap_decode leaves
 *               match the ARM ARM: WFx, HVC/SMC (PC adjustments), trapped
 *               ICC_SGI*R_EL1 (one vgic_send_sgi with the register's value,
 *               or a read as zero), any other MSR/MRS -> an Undefined
 *               Instruction exception injected at the right vector with
 *               ELR/SPSR/ESR_EL1, data aborts (IPA, width, register,
 *               direction, sign extension, value), instruction aborts
 *   fault-stops a fault, an MMIO access without syndrome, or one outside
 *               every emulated window stops (or restarts) the VM */
#include <string.h>
#include "core_common.h"
#include "arch/aarch64.h"
#include "arch/sysreg.h"
#include "arch/vgic.h"

/* ---- vgic_send_sgi, recorded ---- */

static uint32_t sgi_calls;
static uint64_t sgi_value;
static struct vcpu *sgi_from;

void vgic_send_sgi(struct vcpu *v, uint64_t value)
{
    sgi_calls++;
    sgi_value = value;
    sgi_from = v;
}

/* ---- the decode oracle (ARM ARM D13.2.37 ESR_EL2, D13.2.53 HPFAR_EL2) ---- */

/* The oracle's own EC and ISS fields, not arch/sysreg_bits.h's ESR_EC()
 * and ESR_ISS(): those are part of the decoder under test. */
#define SYNDROME_EC(e)  ((uint32_t)((e) >> 26) & 0x3fu)
#define SYNDROME_ISS(e) ((uint32_t)((e) & 0x1ffffffu))

struct trap_in {
    uint32_t kind;
    uint64_t esr, far, hpfar, spsr, vbar;
    uint32_t rt;
    uint64_t xval;
};

struct regs_before {
    uint64_t elr, spsr;
    uint64_t x[31];
};

FUZZ_NO_COVERAGE static uint64_t fault_ipa(const struct trap_in *t)
{
    return (((t->hpfar >> 4) & 0xfffffffffffull) << 12) | (t->far & 0xfffu);
}

/* exit.sign_extend: bit 0 = ISS.SSE; bit 1, where the core records it, =
 * ISS.SF (a 64-bit target register); nothing else. */
FUZZ_NO_COVERAGE static bool sign_extend_ok(uint8_t se, uint32_t iss)
{
    bool sse = ((iss >> 21) & 1u) != 0u;
    bool sf = ((iss >> 15) & 1u) != 0u;

    return ((se & ~3u) == 0u) && (((se & 1u) != 0u) == sse) && (((se & 2u) == 0u) || sf);
}

/* Trapped MSR/MRS: Op0, Op1, CRn, CRm, Op2 of the three SGI registers. */
FUZZ_NO_COVERAGE static bool is_sgi_reg(uint32_t iss, bool *asgi)
{
    uint32_t op0 = (iss >> 20) & 3u;
    uint32_t op2 = (iss >> 17) & 7u;
    uint32_t op1 = (iss >> 14) & 7u;
    uint32_t crn = (iss >> 10) & 0xfu;
    uint32_t crm = (iss >> 1) & 0xfu;

    *asgi = (op2 == 6u);
    return (op0 == 3u) && (op1 == 0u) && (crn == 12u) && (crm == 11u) && (op2 >= 5u);
}

FUZZ_NO_COVERAGE static void check_sysreg(struct vcpu *v, const struct trap_in *t, const struct regs_before *b,
                         uint32_t sgi0)
{
    uint32_t iss = SYNDROME_ISS(t->esr);
    uint32_t rt = (iss >> 5) & 0x1fu;
    bool read = (iss & 1u) != 0u;
    bool asgi;

    FUZZ_CHECK("decode", v->exit.kind == EXIT_NONE, "MSR/MRS trap: exit kind %u", v->exit.kind);
    if (is_sgi_reg(iss, &asgi)) {
        uint32_t want_calls = (!read && !asgi) ? 1u : 0u;
        FUZZ_CHECK("decode", v->arch.regs.elr == b->elr + 4u, "SGI register access: ELR 0x%llx, was 0x%llx",
                   (unsigned long long)v->arch.regs.elr, (unsigned long long)b->elr);
        FUZZ_CHECK("decode", sgi_calls == sgi0 + want_calls, "ICC_SGI%sR_EL1 %s: %u vgic_send_sgi call(s)",
                   asgi ? "A1" : "1/0", read ? "read" : "write", sgi_calls - sgi0);
        if (want_calls != 0u) {
            uint64_t want = (rt == 31u) ? 0u : b->x[rt];
            FUZZ_CHECK("decode", (sgi_from == v) && (sgi_value == want),
                       "vgic_send_sgi got 0x%llx, x%u held 0x%llx", (unsigned long long)sgi_value, rt,
                       (unsigned long long)want);
        }
        if (read && (rt != 31u)) {
            FUZZ_CHECK("decode", v->arch.regs.x[rt] == 0u, "a read of a write-only SGI register gave 0x%llx",
                       (unsigned long long)v->arch.regs.x[rt]);
        }
        return;
    }
    /* Undefined Instruction exception taken to EL1 (ARM ARM D1.10):
     * vector offset 0x000 from EL1t, 0x200 from EL1h, 0x400 from AArch64 EL0. */
    {
        uint64_t mode = b->spsr & 0xfu;
        uint64_t off = (mode == 5u) ? 0x200u : ((mode == 4u) ? 0x000u : 0x400u);
        FUZZ_CHECK("decode", sgi_calls == sgi0, "an undefined system register reached vgic_send_sgi");
        FUZZ_CHECK("decode", v->arch.regs.elr == t->vbar + off,
                   "undef from mode %llu: PC 0x%llx, expected VBAR_EL1 0x%llx + 0x%llx", (unsigned long long)mode,
                   (unsigned long long)v->arch.regs.elr, (unsigned long long)t->vbar, (unsigned long long)off);
        FUZZ_CHECK("decode", v->arch.regs.spsr == 0x3c5u, "undef: PSTATE 0x%llx, expected EL1h, DAIF masked",
                   (unsigned long long)v->arch.regs.spsr);
        FUZZ_CHECK("decode",
                   (read_elr_el1() == b->elr) && (read_spsr_el1() == b->spsr)
                       && (read_esr_el1() == ((uint64_t)EC_UNKNOWN << 26 | (1ull << 25))),
                   "undef: ELR_EL1 0x%llx SPSR_EL1 0x%llx ESR_EL1 0x%llx", (unsigned long long)read_elr_el1(),
                   (unsigned long long)read_spsr_el1(), (unsigned long long)read_esr_el1());
    }
}

FUZZ_NO_COVERAGE static void check_decode(struct vcpu *v, const struct trap_in *t, const struct regs_before *b, uint32_t sgi0)
{
    const struct vcpu_exit *e = &v->exit;
    uint32_t iss = SYNDROME_ISS(t->esr);

    FUZZ_CHECK("decode", e->pc == b->elr, "exit pc 0x%llx, guest PC was 0x%llx", (unsigned long long)e->pc,
               (unsigned long long)b->elr);
    if ((t->kind == EXC_IRQ) || (t->kind == EXC_FIQ)) {
        FUZZ_CHECK("decode", (e->kind == EXIT_IRQ) && (v->arch.regs.elr == b->elr), "IRQ exit: kind %u", e->kind);
        return;
    }
    FUZZ_CHECK("decode", e->syndrome == t->esr, "syndrome 0x%llx, ESR 0x%llx", (unsigned long long)e->syndrome,
               (unsigned long long)t->esr);
    if (t->kind != EXC_SYNC) {
        FUZZ_CHECK("decode",
                   (e->kind == EXIT_FAULT)
                       && (e->cause == ((t->kind == EXC_SERROR) ? FAULT_SERROR : FAULT_UNHANDLED_EC)),
                   "exception kind %u: exit %u cause %u", t->kind, e->kind, e->cause);
        return;
    }
    switch (SYNDROME_EC(t->esr)) {
    case EC_WFX:
        FUZZ_CHECK("decode",
                   (e->kind == (((iss & 1u) != 0u) ? EXIT_YIELD : EXIT_HALT)) && (v->arch.regs.elr == b->elr + 4u),
                   "WF%c: exit %u, ELR +%lld", ((iss & 1u) != 0u) ? 'E' : 'I', e->kind,
                   (long long)(v->arch.regs.elr - b->elr));
        break;
    case EC_HVC64:
        /* The preferred return of HVC is the next instruction already. */
        FUZZ_CHECK("decode", v->arch.regs.elr == b->elr, "HVC moved ELR by %lld",
                   (long long)(v->arch.regs.elr - b->elr));
        if ((iss & 0xffffu) != 0u) {
            FUZZ_CHECK("decode", (e->kind == EXIT_NONE) && (e->nret == 1u) && (e->ret[0] == UINT64_MAX),
                       "hvc #0x%x: exit %u, x0 0x%llx", iss & 0xffffu, e->kind, (unsigned long long)e->ret[0]);
        }
        break;
    case EC_SMC64:
        /* A trapped SMC returns to the SMC itself: the decoder steps over. */
        FUZZ_CHECK("decode", v->arch.regs.elr == b->elr + 4u, "SMC: ELR +%lld", (long long)(v->arch.regs.elr - b->elr));
        break;
    case EC_SYSREG:
        check_sysreg(v, t, b, sgi0);
        break;
    case EC_DABT_LOW:
        FUZZ_CHECK("decode", (e->kind == EXIT_MMIO) && (e->addr == fault_ipa(t)),
                   "data abort: exit %u addr 0x%llx, expected IPA 0x%llx", e->kind, (unsigned long long)e->addr,
                   (unsigned long long)fault_ipa(t));
        if ((iss & (1u << 24)) == 0u) { /* ISV = 0: no syndrome */
            FUZZ_CHECK("decode", (e->width == 0u) && (v->arch.regs.elr == b->elr),
                       "data abort without syndrome: width %u, ELR +%lld", e->width,
                       (long long)(v->arch.regs.elr - b->elr));
        } else {
            uint32_t srt = (iss >> 16) & 0x1fu;
            bool wnr = (iss & (1u << 6)) != 0u;
            FUZZ_CHECK("decode",
                       (e->width == (1u << ((iss >> 22) & 3u))) && (e->reg == srt) && (e->is_write == wnr)
                           && sign_extend_ok(e->sign_extend, iss) && (v->arch.regs.elr == b->elr + 4u),
                       "data abort ISS 0x%x: width %u reg %u write %u sse %u, ELR +%lld", iss, e->width, e->reg,
                       e->is_write, e->sign_extend, (long long)(v->arch.regs.elr - b->elr));
            if (wnr) {
                FUZZ_CHECK("decode", e->value == ((srt == 31u) ? 0u : b->x[srt]),
                           "MMIO write of x%u = 0x%llx carries 0x%llx", srt,
                           (unsigned long long)((srt == 31u) ? 0u : b->x[srt]), (unsigned long long)e->value);
            }
        }
        break;
    case EC_IABT_LOW:
        FUZZ_CHECK("decode", (e->kind == EXIT_FAULT) && (e->cause == FAULT_STAGE2_INSN) && (e->addr == fault_ipa(t)),
                   "instruction abort: exit %u cause %u addr 0x%llx", e->kind, e->cause,
                   (unsigned long long)e->addr);
        break;
    default:
        FUZZ_CHECK("decode", (e->kind == EXIT_FAULT) && (e->cause == FAULT_UNHANDLED_EC) && (e->addr == t->far),
                   "EC 0x%x: exit %u cause %u addr 0x%llx", SYNDROME_EC(t->esr), e->kind, e->cause,
                   (unsigned long long)e->addr);
        break;
    }
}

/* ---- after exit_handle ---- */

static bool in_uart_window(const struct vm *vm, uint64_t addr)
{
    return (vm->cfg->console == CFG_CONSOLE_EMULATED) && (addr >= cfg_platform.uart_base)
           && ((addr - cfg_platform.uart_base) < cfg_platform.uart_size);
}

FUZZ_NO_COVERAGE static void check_handled(struct vcpu *v, uint32_t kind, uint64_t addr, uint32_t width)
{
    bool must_stop = (kind == EXIT_FAULT) || ((kind == EXIT_MMIO) && ((width == 0u) || !in_uart_window(v->vm, addr)));

    FUZZ_CHECK("fault-stops", !must_stop || (v->vm->state != VM_RUNNING),
               "exit %u (addr 0x%llx, width %u) left vm %s running", kind, (unsigned long long)addr, width,
               v->vm->cfg->name);
}

/* ---- operations ---- */

static struct pcpu *handle_pc;
static struct vcpu *handle_v;

static void handle_fn(void *arg)
{
    (void)arg;
    exit_handle(handle_pc, handle_v);
}

/* The VCPU CPU `cpu` is running: a step in which its guest does nothing,
 * after which it is still the one the scheduler keeps running. */
static struct vcpu *running_on(uint32_t cpu)
{
    struct vcpu *v;

    core_step(cpu);
    v = pcpus[cpu].loaded;
    if ((fake.system_off_calls != 0u) || (v == NULL) || (v->state != VCPU_RUNNABLE) || (v->vm->state != VM_RUNNING)
        || v->reset_pending || pcpus[cpu].yield) {
        return NULL;
    }
    return v;
}

static void op_trap(struct fuzz_in *in)
{
    static const uint64_t modes[4] = { 0x5u, 0x4u, 0x0u, 0x5u }; /* EL1h, EL1t, EL0t */
    struct trap_in t;
    struct regs_before b;
    struct vcpu *v;
    uint32_t cpu = fin_pick(in, CFG_NUM_PCPUS);
    uint32_t sgi0 = sgi_calls;
    uint32_t kind;
    uint64_t addr;
    uint32_t width;

    t.kind = fin_pick(in, 5u);
    t.esr = fin_u64(in);
    t.far = fin_u64(in);
    t.hpfar = fin_u64(in) & 0x0000fffffffffff0ull; /* FIPA [47:4] only */
    t.spsr = (fin_u64(in) & ~0x1full) | modes[fin_pick(in, 4u)];
    t.vbar = fin_u64(in) & ~0x7ffull; /* VBAR_EL1 bits [10:0] are RES0 */
    t.rt = fin_pick(in, 32u);
    t.xval = fin_u64(in);

    v = running_on(cpu);
    fuzz_log(&oplog, "CPU %u: kind %u ESR 0x%llx FAR 0x%llx HPFAR 0x%llx SPSR 0x%llx x%u=0x%llx on %s%d", cpu,
             t.kind, (unsigned long long)t.esr, (unsigned long long)t.far, (unsigned long long)t.hpfar,
             (unsigned long long)t.spsr, t.rt, (unsigned long long)t.xval, (v == NULL) ? "nobody " : "vcpu ",
             (v == NULL) ? -1 : (int)v->index);
    if (v == NULL) {
        return;
    }
    /* The guest state at the exception, and the syndrome registers. */
    if (t.rt != 31u) {
        v->arch.regs.x[t.rt] = t.xval;
    }
    v->arch.regs.spsr = t.spsr;
    fake_sysreg_write(FAKE_SR_esr_el2, t.esr);
    fake_sysreg_write(FAKE_SR_far_el2, t.far);
    fake_sysreg_write(FAKE_SR_hpfar_el2, t.hpfar);
    fake_sysreg_write(FAKE_SR_vbar_el1, t.vbar);
    b.elr = v->arch.regs.elr;
    b.spsr = v->arch.regs.spsr;
    memcpy(b.x, v->arch.regs.x, sizeof(b.x));

    fake.cpu = cpu;
    trap_decode(v, t.kind);
    check_decode(v, &t, &b, sgi0);
    kind = v->exit.kind;
    addr = v->exit.addr;
    width = v->exit.width;
    handle_pc = &pcpus[cpu];
    handle_v = v;
    (void)fake_call_noreturn(handle_fn, NULL);
    if (fake.system_off_calls == 0u) {
        check_handled(v, kind, addr, width);
    }
}

static void do_op(struct fuzz_in *in)
{
    switch (fin_pick(in, 7u)) {
    case 5u:
        core_op_run(in);
        break;
    case 6u:
        core_op_irq(in);
        break;
    default:
        op_trap(in);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(fake_sysregs, 0, sizeof(fake_sysregs));
    core_run_input(data, size, do_op);
    return 0;
}
