/* REQ-FUZZ-01 */
/* fuzz_smccc_hypercall: guest SMCCC calls (HVC/SMC with x0..x3 chosen by
 * the fuzzer) through the real src/arch/aarch64/smccc.c (smccc_dispatch),
 * src/core/hypercall.c and the core's exit handling, scheduling, VCPU
 * lifecycle and VM stop/restart (exit_handler.c, sched.c, vcpu.c, vm.c...),
 * on the fake arch of tests/host/fake. See core_common.h for the setup and
 * the invariants shared with fuzz_sysreg_trap.
 *
 * Input: a sequence of operations, an opcode byte (mod 10) and arguments:
 *   0-5 CALL  u8 cpu, u64 x0, x1, x2, x3: whichever VCPU physical CPU `cpu`
 *             runs next makes this call (scripted in the fake guest; the
 *             real smccc_dispatch decodes it, exit_handle handles it)
 *   6   RUN   u8 cpu, u8 n: 1..4 scheduler steps, the guest doing nothing
 *   7   WFI   u8 cpu, u8 -: the next VCPU there executes WFI
 *   8   IRQ   u8 cpu, u8 which: a physical interrupt at EL2 (kick, timers,
 *             maintenance, UART, a passthrough SPI, a spurious one)
 *   9   TIME  u8 cpu, u8 d: the counter advances by (d+1)*1000 ticks if
 *             d < 128, else by (d-127)*200000 (up to ~410 ms at 62.5 MHz);
 *             timers and the console's partial-line flush may fire
 * (tests/fuzz/make_seeds.py writes seeds in this encoding.)
 *
 * After each call the results are checked against docs/hypercalls.md and
 * the PSCI / SMCCC specifications (id "result"), console output against
 * the guest's own memory (id "console": a CONSOLE_WRITE reads exactly the
 * VM's RAM it names, nothing of another VM), and core_check() runs. */
#include <string.h>
#include "core_common.h"
#include "hypercall.h"

/* SMCCC function ID fields (SMC Calling Convention, DEN 0028). */
#define FID_FAST  (1u << 31)
#define FID_64    (1u << 30)
#define FID_OEN(f) (((f) >> 24) & 0x3fu)
#define FID_RSV(f) (((f) >> 16) & 0xffu)
#define FID_NUM(f) ((f) & 0xffffu)

/* PSCI return codes (DEN 0022). */
#define NOT_SUPPORTED (-1)
#define INVALID_PARAMETERS (-2)

struct before {
    uint32_t state[CFG_NUM_VCPUS];
    bool reset_pending[CFG_NUM_VCPUS];
    uint32_t vm_state[CFG_NUM_VMS];
    uint32_t boot_count[CFG_NUM_VMS];
    struct console_snap console[CFG_NUM_VMS];
};

/* The VCPUs physical CPU `cpu` schedules (global indices). */
static uint32_t vcpus_of(uint32_t cpu, uint32_t *out)
{
    uint32_t n = 0u;
    uint32_t g;

    for (g = 0u; g < CFG_NUM_VCPUS; g++) {
        if (cfg_vcpus[g].pcpu == cpu) {
            out[n] = g;
            n++;
        }
    }
    return n;
}

static void clear_scripts(uint32_t cpu)
{
    uint32_t list[CFG_NUM_VCPUS];
    uint32_t n = vcpus_of(cpu, list);
    uint32_t i;

    for (i = 0u; i < n; i++) {
        fake.vcpus[list[i]].script_len = 0u;
        fake.vcpus[list[i]].script_pos = 0u;
    }
}

/* Run one step of `cpu` with `s` as the next thing its guest does; returns
 * the global index of the VCPU that did it, or -1 (none ran, or it took a
 * pending physical interrupt first). */
static int step_with(uint32_t cpu, const struct fake_step *s)
{
    uint32_t list[CFG_NUM_VCPUS];
    uint32_t n = vcpus_of(cpu, list);
    uint32_t i;
    int who = -1;

    clear_scripts(cpu);
    for (i = 0u; i < n; i++) {
        fake_script_step(list[i], s);
    }
    core_step(cpu);
    for (i = 0u; i < n; i++) {
        if (fake.vcpus[list[i]].script_pos != 0u) {
            who = (int)list[i];
        }
    }
    clear_scripts(cpu);
    return who;
}

/* ---- the oracle ---- */

#define EXPECT_RET(v, want)                                                                          \
    FUZZ_CHECK("result", ((v)->exit.nret >= 1u) && ((v)->exit.ret[0] == (uint64_t)(int64_t)(want)), \
               "fid 0x%08x: x0 = 0x%llx (nret %u), expected %lld", fid,                             \
               (unsigned long long)(v)->exit.ret[0], (v)->exit.nret, (long long)(want))

/* docs/hypercalls.md, "Virtual PSCI": the IDs PSCI_FEATURES reports. */
FUZZ_NO_COVERAGE static bool psci_listed(uint32_t f)
{
    static const uint32_t ids[] = { 0x84000000u, 0x84000001u, 0xc4000001u, 0x84000002u, 0x84000003u,
                                    0xc4000003u, 0x84000004u, 0xc4000004u, 0x84000006u, 0x84000008u,
                                    0x84000009u, 0x8400000au };
    uint32_t i;

    for (i = 0u; i < ARRAY_SIZE(ids); i++) {
        if (ids[i] == f) {
            return true;
        }
    }
    return false;
}

FUZZ_NO_COVERAGE static bool mpidr_valid(const struct vm *vm, uint64_t mpidr)
{
    return ((mpidr & ~0xff00ffffffull) == 0u) && (mpidr < vm->cfg->num_vcpus);
}

FUZZ_NO_COVERAGE static void check_psci(struct vcpu *v, uint32_t fid, const uint64_t *x, const struct before *b)
{
    struct vm *vm = v->vm;
    uint64_t mask = ((fid & FID_64) != 0u) ? UINT64_MAX : 0xffffffffull;

    if (!psci_listed(fid)) {
        EXPECT_RET(v, NOT_SUPPORTED);
        return;
    }
    switch (FID_NUM(fid)) {
    case 0x0u: /* PSCI_VERSION */
        EXPECT_RET(v, 0x10001);
        break;
    case 0x1u: /* CPU_SUSPEND: a halt that returns 0 */
        EXPECT_RET(v, 0);
        break;
    case 0x2u: /* CPU_OFF */
        FUZZ_CHECK("result", (v->state == VCPU_OFF) || (vm->state != VM_RUNNING),
                   "CPU_OFF left vm %s vcpu %u in state %u", vm->cfg->name, (unsigned)v->id,
                   (unsigned)v->state);
        break;
    case 0x3u: { /* CPU_ON: ret[0] is the core's enum vcpu_on_result */
        uint64_t mpidr = x[1] & mask;
        uint64_t entry = x[2] & mask;
        uint64_t want;
        if (!mpidr_valid(vm, mpidr)) {
            want = VCPU_ON_INVALID;
        } else if (core_guest_range(vm->index, entry, 4u, false) == NULL) {
            want = VCPU_ON_BAD_ENTRY;
        } else {
            uint32_t g = vm->cfg->first_vcpu + (uint32_t)mpidr;
            /* Its state when the call was made: the snapshot, except for
             * the caller, which the step reset and entered meanwhile. */
            switch ((&vcpus[g] == v) ? (uint32_t)VCPU_RUNNABLE : b->state[g]) {
            case VCPU_OFF:
                want = VCPU_ON_OK;
                break;
            case VCPU_RUNNABLE:
                want = (b->reset_pending[g] && (&vcpus[g] != v)) ? VCPU_ON_PENDING : VCPU_ON_ALREADY_ON;
                break;
            case VCPU_HALTED:
                want = VCPU_ON_ALREADY_ON;
                break;
            default:
                want = VCPU_ON_INVALID;
                break;
            }
            if (want == VCPU_ON_OK) {
                struct vcpu *t = &vcpus[g];
                FUZZ_CHECK("result",
                           (t->state == VCPU_RUNNABLE) && ((t->reset_entry == entry) || !t->reset_pending)
                               && ((t->reset_arg == (x[3] & mask)) || !t->reset_pending),
                           "CPU_ON of vcpu %u: state %u, entry 0x%llx, arg 0x%llx", (unsigned)mpidr,
                           (unsigned)t->state, (unsigned long long)t->reset_entry,
                           (unsigned long long)t->reset_arg);
            }
        }
        FUZZ_CHECK("result", (v->exit.nret == 1u) && (v->exit.ret[0] == want),
                   "CPU_ON(0x%llx, 0x%llx): result %llu, expected %llu", (unsigned long long)mpidr,
                   (unsigned long long)entry, (unsigned long long)v->exit.ret[0], (unsigned long long)want);
        break;
    }
    case 0x4u: { /* AFFINITY_INFO */
        uint64_t mpidr = x[1] & mask;
        int64_t want;
        if (((x[2] & mask) != 0u) || !mpidr_valid(vm, mpidr)) {
            want = INVALID_PARAMETERS;
        } else {
            uint32_t g = vm->cfg->first_vcpu + (uint32_t)mpidr;
            switch (vcpus[g].state) {
            case VCPU_OFF:
            case VCPU_STOPPED:
                want = 1;
                break;
            case VCPU_RUNNABLE:
                want = vcpus[g].reset_pending ? 2 : 0;
                break;
            default:
                want = 0;
                break;
            }
        }
        EXPECT_RET(v, want);
        break;
    }
    case 0x6u: /* MIGRATE_INFO_TYPE */
        EXPECT_RET(v, 2);
        break;
    case 0x8u: /* SYSTEM_OFF: this VM only */
    case 0x9u: /* SYSTEM_RESET */
        FUZZ_CHECK("result", (vm->state != VM_RUNNING) || (vm->boot_count != b->boot_count[vm->index]),
                   "fid 0x%08x: vm %s still running", fid, vm->cfg->name);
        break;
    case 0xau: /* PSCI_FEATURES */
        EXPECT_RET(v, (((uint32_t)x[1] == 0x80000000u) || psci_listed((uint32_t)x[1])) ? 0 : NOT_SUPPORTED);
        break;
    default:
        FUZZ_CHECK("result", false, "fid 0x%08x listed but not checked", fid);
        break;
    }
}

FUZZ_NO_COVERAGE static void check_hypercall(struct vcpu *v, uint32_t fid, const uint64_t *x, const struct before *b)
{
    struct vm *vm = v->vm;
    uint64_t mask = ((fid & FID_64) != 0u) ? UINT64_MAX : 0xffffffffull;
    const struct console_snap *snap = &b->console[vm->index];

    switch (FID_NUM(fid)) {
    case HV_FN_VERSION:
        EXPECT_RET(v, HV_VERSION_VALUE);
        break;
    case HV_FN_YIELD:
        EXPECT_RET(v, HV_OK);
        break;
    case HV_FN_CONSOLE_PUTC: {
        uint8_t c = (uint8_t)x[1];
        EXPECT_RET(v, HV_OK);
        console_expect(snap, &c, 1u);
        break;
    }
    case HV_FN_CONSOLE_WRITE: {
        uint64_t ipa = x[1] & mask;
        uint64_t len = x[2] & mask;
        const uint8_t *p = NULL;
        if ((len >= 1u) && (len <= HV_CONSOLE_WRITE_MAX)) {
            p = core_guest_range(vm->index, ipa, len, false);
        }
        if (p == NULL) {
            EXPECT_RET(v, HV_INVALID_PARAMETER);
            console_expect(snap, NULL, 0u); /* nothing printed */
        } else {
            EXPECT_RET(v, len);
            console_expect(snap, p, len);
        }
        break;
    }
    case HV_FN_VM_INFO:
        FUZZ_CHECK("result",
                   (v->exit.nret == 4u) && (v->exit.ret[0] == 0u) && (v->exit.ret[1] == vm->index)
                       && (v->exit.ret[2] == vm->cfg->num_vcpus) && (v->exit.ret[3] == vm->boot_count),
                   "VM_INFO: nret %u, 0x%llx 0x%llx 0x%llx 0x%llx", v->exit.nret,
                   (unsigned long long)v->exit.ret[0], (unsigned long long)v->exit.ret[1],
                   (unsigned long long)v->exit.ret[2], (unsigned long long)v->exit.ret[3]);
        break;
    case 0xff00u:
        EXPECT_RET(v, HV_FN_COUNT);
        break;
    case 0xff01u:
        FUZZ_CHECK("result",
                   (v->exit.nret == 4u) && (v->exit.ret[0] == 0x76682d68u) && (v->exit.ret[1] == 0x79706572u)
                       && (v->exit.ret[2] == 0x7669736fu) && (v->exit.ret[3] == 0x72210001u),
                   "call UID wrong");
        break;
    case 0xff03u:
        FUZZ_CHECK("result", (v->exit.nret == 2u) && (v->exit.ret[0] == 0u) && (v->exit.ret[1] == 1u),
                   "revision wrong");
        break;
    default:
        EXPECT_RET(v, HV_NOT_SUPPORTED);
        break;
    }
}

FUZZ_NO_COVERAGE static void check_call(struct vcpu *v, const uint64_t *x, const struct before *b)
{
    uint32_t fid = (uint32_t)x[0];

    if (((fid & FID_FAST) == 0u) || (FID_RSV(fid) != 0u)) {
        EXPECT_RET(v, NOT_SUPPORTED);
        return;
    }
    switch (FID_OEN(fid)) {
    case 0u: /* SMCCC arch: version 1.1, nothing else (no workarounds) */
        EXPECT_RET(v, (fid == 0x80000000u) ? 0x10001 : NOT_SUPPORTED);
        break;
    case 4u:
        check_psci(v, fid, x, b);
        break;
    case 6u:
        check_hypercall(v, fid, x, b);
        break;
    default:
        EXPECT_RET(v, NOT_SUPPORTED);
        break;
    }
}

/* ---- operations ---- */

FUZZ_NO_COVERAGE static void take_before(struct before *b)
{
    uint32_t i;

    for (i = 0u; i < CFG_NUM_VCPUS; i++) {
        b->state[i] = vcpus[i].state;
        b->reset_pending[i] = vcpus[i].reset_pending;
    }
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        b->vm_state[i] = vms[i].state;
        b->boot_count[i] = vms[i].boot_count;
        console_snap(&b->console[i], i);
    }
}

static void op_call(struct fuzz_in *in)
{
    struct fake_step s;
    struct before b;
    uint32_t cpu = fin_pick(in, CFG_NUM_PCPUS);
    int who;
    uint32_t i;

    memset(&s, 0, sizeof(s));
    s.kind = FAKE_SMCCC;
    for (i = 0u; i < 4u; i++) {
        s.x[i] = fin_u64(in);
    }
    take_before(&b);
    who = step_with(cpu, &s);
    fuzz_log(&oplog, "CPU %u: call x0=0x%llx x1=0x%llx x2=0x%llx x3=0x%llx by %s%d", cpu,
             (unsigned long long)s.x[0], (unsigned long long)s.x[1], (unsigned long long)s.x[2],
             (unsigned long long)s.x[3], (who < 0) ? "nobody " : "vcpu ", who);
    if ((who >= 0) && (fake.system_off_calls == 0u)) {
        check_call(&vcpus[who], s.x, &b);
    }
}

static void op_exit(struct fuzz_in *in, uint32_t kind, const char *what)
{
    struct fake_step s;
    uint32_t cpu = fin_pick(in, CFG_NUM_PCPUS);
    int who;

    (void)fin_u8(in);
    memset(&s, 0, sizeof(s));
    s.kind = FAKE_EXIT;
    s.exit.kind = kind;
    who = step_with(cpu, &s);
    fuzz_log(&oplog, "CPU %u: %s by vcpu %d", cpu, what, who);
}

static void do_op(struct fuzz_in *in)
{
    switch (fin_pick(in, 10u)) {
    case 6u:
        core_op_run(in);
        break;
    case 7u:
        op_exit(in, EXIT_HALT, "WFI");
        break;
    case 8u:
        core_op_irq(in);
        break;
    case 9u: {
        uint32_t cpu = fin_pick(in, CFG_NUM_PCPUS);
        /* Up to 128 us in small steps, or up to 410 ms in big ones (budgets,
         * timers, the console's 100 ms partial-line flush). */
        uint64_t d = fin_u8(in);
        uint64_t delta = (d < 128u) ? ((d + 1u) * 1000u) : ((d - 127u) * 200000u);
        fuzz_log(&oplog, "CPU %u: time +%llu ticks", cpu, (unsigned long long)delta);
        fake_advance(cpu, fake.now + delta);
        core_step(cpu);
        break;
    }
    default:
        op_call(in);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    core_run_input(data, size, do_op);
    return 0;
}
