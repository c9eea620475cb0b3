/* src/arch/aarch64/smccc.c: SMCCC/PSCI decoding of the guest's x0..x3
 * into the exit record (docs/hypercalls.md). */
#include "support.h"
#include "host_cfg.h"
#include "arch/aarch64.h"
#include "hypercall.h"

#define NOT_SUPPORTED ((uint64_t)(int64_t)-1)
#define INVALID_PARAMS ((uint64_t)(int64_t)-2)

static struct vcpu_exit *call(uint32_t global, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3)
{
    struct vcpu *v = vc(global);

    /* as trap_decode() leaves it before calling smccc_dispatch() */
    memset(&v->exit, 0xa5, sizeof(v->exit));
    v->exit.kind = EXIT_NONE;
    v->exit.nret = 0u;
    v->arch.regs.x[0] = x0;
    v->arch.regs.x[1] = x1;
    v->arch.regs.x[2] = x2;
    v->arch.regs.x[3] = x3;
    fake.cpu = v->cfg->pcpu;
    smccc_dispatch(v);
    return &v->exit;
}

/* A call answered in place: no exit to the core, one result. */
static uint64_t answer(uint64_t x0, uint64_t x1, uint64_t x2)
{
    struct vcpu_exit *e = call(A0, x0, x1, x2, 0);

    CHECK_EQ(e->kind, EXIT_NONE);
    CHECK_EQ(e->nret, 1);
    return e->ret[0];
}

/* REQ-LIFE-03 */
static void t_smccc_version(void)
{
    CHECK_EQ(answer(0x80000000u, 0, 0), 0x10001u);
    CHECK_EQ(answer(0xffffffff80000000ull, 0, 0), 0x10001u); /* only w0 counts */
    CHECK_EQ(answer(0x80000001u, 0x80000000u, 0), NOT_SUPPORTED); /* ARCH_FEATURES */
    CHECK_EQ(answer(0x80008000u, 0, 0), NOT_SUPPORTED);  /* ARCH_WORKAROUND_1 */
    CHECK_EQ(answer(0xc0000000u, 0, 0), NOT_SUPPORTED);
    CHECK_EQ(answer(0x8000ffffu, 0, 0), NOT_SUPPORTED);
}

/* REQ-LIFE-03 */
static void t_psci_version(void)
{
    CHECK_EQ(answer(0x84000000u, 0, 0), 0x00010001u);
    CHECK_EQ(answer(0xc4000000u, 0, 0), NOT_SUPPORTED); /* no SMC64 form */
    CHECK_EQ(answer(0x84000006u, 0, 0), 2);              /* MIGRATE_INFO_TYPE */
    CHECK_EQ(answer(0xc4000006u, 0, 0), NOT_SUPPORTED);
}

/* REQ-LIFE-03 */
static void t_psci_features(void)
{
    static const uint32_t supported[] = {
        0x84000000u, 0x84000001u, 0xc4000001u, 0x84000002u, 0x84000003u, 0xc4000003u,
        0x84000004u, 0xc4000004u, 0x84000006u, 0x84000008u, 0x84000009u, 0x8400000au,
        0x80000000u, /* SMCCC_VERSION */
    };
    static const uint32_t unsupported[] = {
        0xc4000000u, 0xc4000002u, 0x84000005u, 0x84000007u, 0xc4000007u, 0xc4000008u,
        0xc4000009u, 0xc400000au, 0x8400000bu, 0x8400000cu, 0x8400000eu, 0x84000012u,
        0x8400001fu, 0x84000020u, 0x84000100u, 0x84010003u, 0x04000003u, 0xc5000003u,
        0x80000001u, 0xc6000000u, 0x86000003u, 0x82000000u, 0x0u, 0xffffffffu,
    };
    uint32_t i;

    for (i = 0u; i < ARRAY_SIZE(supported); i++) {
        uint64_t r = answer(0x8400000au, supported[i], 0);
        if (r != 0u) {
            check_fail(__FILE__, __LINE__, "PSCI_FEATURES(0x%08x) = %lld, expected 0", supported[i],
                       (long long)r);
        }
    }
    for (i = 0u; i < ARRAY_SIZE(unsupported); i++) {
        uint64_t r = answer(0x8400000au, unsupported[i], 0);
        if (r != NOT_SUPPORTED) {
            check_fail(__FILE__, __LINE__, "PSCI_FEATURES(0x%08x) = %lld, expected -1", unsupported[i],
                       (long long)r);
        }
    }
    /* the queried ID is a 32-bit value */
    CHECK_EQ(answer(0x8400000au, 0xffffffff84000000ull, 0), 0);
    CHECK_EQ(answer(0xc400000au, 0x84000000u, 0), NOT_SUPPORTED); /* FEATURES has no SMC64 form */
}

/* REQ-LIFE-02 */
static void t_cpu_suspend_is_halt(void)
{
    struct vcpu_exit *e = call(A0, 0x84000001u, 0x10000, RAM_IPA, 0);

    CHECK_EQ(e->kind, EXIT_HALT);
    CHECK_EQ(e->nret, 1);
    CHECK_EQ(e->ret[0], 0);
    e = call(A0, 0xc4000001u, 0, 0, 0);
    CHECK_EQ(e->kind, EXIT_HALT);
}

/* REQ-LIFE-02 */
static void t_cpu_off(void)
{
    struct vcpu_exit *e = call(A1, 0x84000002u, 0, 0, 0);

    CHECK_EQ(e->kind, EXIT_CPU_DOWN);
    CHECK_EQ(e->nret, 0);
    CHECK_EQ(answer(0xc4000002u, 0, 0), NOT_SUPPORTED);
}

/* REQ-LIFE-01 */
static void t_cpu_on_args(void)
{
    struct vcpu_exit *e;

    e = call(A0, 0xc4000003u, 0xff00000001ull, 0x123440000000ull, 0xffffffff12345678ull);
    CHECK_EQ(e->kind, EXIT_CPU_UP);
    CHECK_EQ(e->arg[0], 0xff00000001ull);
    CHECK_EQ(e->arg[1], 0x123440000000ull);
    CHECK_EQ(e->arg[2], 0xffffffff12345678ull);
    /* SMC32 form: only the low 32 bits of each argument */
    e = call(A0, 0x84000003u, 0xdead00000001ull, 0x140000000ull, 0xffffffff12345678ull);
    CHECK_EQ(e->kind, EXIT_CPU_UP);
    CHECK_EQ(e->arg[0], 1);
    CHECK_EQ(e->arg[1], 0x40000000u);
    CHECK_EQ(e->arg[2], 0x12345678u);
}

/* REQ-LIFE-02 */
static void t_affinity_info(void)
{
    start_vms();
    CHECK_EQ(answer(0x84000004u, 1, 0), 1);         /* a.1 off */
    CHECK_EQ(answer(0xc4000004u, 0, 0), 2);         /* a.0 on pending */
    CHECK(step_until_loaded(0, A0, 1));
    CHECK_EQ(answer(0x84000004u, 0, 0), 0);
    CHECK_EQ(answer(0x84000004u, 0, 1), INVALID_PARAMS); /* only level 0 */
    CHECK_EQ(answer(0x84000004u, 0, 3), INVALID_PARAMS);
    CHECK_EQ(answer(0xc4000004u, 0, 0x100000000ull), INVALID_PARAMS);
    CHECK_EQ(answer(0x84000004u, 0, 0x100000000ull), 0); /* SMC32: level is w2 = 0 */
    CHECK_EQ(answer(0x84000004u, 2, 0), INVALID_PARAMS); /* no such VCPU */
    CHECK_EQ(answer(0xc4000004u, 0x100000000ull, 0), INVALID_PARAMS); /* Aff3 = 1 */
    CHECK_EQ(answer(0x84000004u, 0x100000001ull, 0), 1); /* SMC32: target w1 = 1 */
    CHECK_EQ(answer(0xc4000004u, (1ull << 31) | 1u, 0), INVALID_PARAMS);
}

/* REQ-LIFE-04 */
static void t_system_off_reset(void)
{
    struct vcpu_exit *e;

    e = call(B1, 0x84000008u, 0, 0, 0);
    CHECK_EQ(e->kind, EXIT_SYSTEM_OFF);
    CHECK_EQ(e->nret, 0);
    e = call(B1, 0x84000009u, 0, 0, 0);
    CHECK_EQ(e->kind, EXIT_SYSTEM_RESET);
    CHECK_EQ(answer(0xc4000008u, 0, 0), NOT_SUPPORTED);
    CHECK_EQ(answer(0xc4000009u, 0, 0), NOT_SUPPORTED);
}

/* REQ-LIFE-03 */
static void t_yielding_and_reserved(void)
{
    static const uint64_t bad[] = {
        0x00000000u, /* yielding SMCCC_VERSION */
        0x04000000u, /* yielding PSCI_VERSION */
        0x44000008u, /* yielding SMC64 SYSTEM_OFF */
        0x06000000u, /* yielding vendor call */
        0x84010000u, /* reserved bits [23:16] */
        0x84800008u,
        0x80010000u,
        0xc6010000u,
        0x86ff0002u,
    };
    uint32_t i;

    for (i = 0u; i < ARRAY_SIZE(bad); i++) {
        struct vcpu_exit *e = call(C0, bad[i], 1, 2, 3);
        if ((e->kind != EXIT_NONE) || (e->nret != 1u) || (e->ret[0] != NOT_SUPPORTED)) {
            check_fail(__FILE__, __LINE__, "call 0x%08llx: kind %u nret %u ret 0x%llx, expected NOT_SUPPORTED",
                       (unsigned long long)bad[i], e->kind, e->nret, (unsigned long long)e->ret[0]);
        }
    }
}

/* REQ-LIFE-03 */
static void t_other_services(void)
{
    CHECK_EQ(answer(0x81000000u, 0, 0), NOT_SUPPORTED); /* CPU service */
    CHECK_EQ(answer(0x82000000u, 0, 0), NOT_SUPPORTED); /* SiP */
    CHECK_EQ(answer(0xc3000001u, 0, 0), NOT_SUPPORTED); /* OEM */
    CHECK_EQ(answer(0x85000000u, 0, 0), NOT_SUPPORTED); /* standard hypervisor */
    CHECK_EQ(answer(0xb0000000u, 0, 0), NOT_SUPPORTED); /* trusted applications */
    CHECK_EQ(answer(0xbf00ff01u, 0, 0), NOT_SUPPORTED); /* trusted OS */
    CHECK_EQ(answer(0x87000000u, 0, 0), NOT_SUPPORTED);
}

/* REQ-HC-01 */
static void t_vendor_range_is_hypercall(void)
{
    struct vcpu_exit *e;

    e = call(B0, 0xc6000003u, 0xffffffff40001000ull, 0x1234567890ull, 0xabcdull);
    CHECK_EQ(e->kind, EXIT_HYPERCALL);
    CHECK_EQ(e->arg[0], 0xc6000003u);
    CHECK_EQ(e->arg[1], 0xffffffff40001000ull);
    CHECK_EQ(e->arg[2], 0x1234567890ull);
    CHECK_EQ(e->arg[3], 0xabcdull);
    e = call(B0, 0x8600ff01u, 0, 0, 0);
    CHECK_EQ(e->kind, EXIT_HYPERCALL);
    CHECK_EQ(e->arg[0], 0x8600ff01u);
    e = call(B0, 0xffffffffc6000001ull, 0, 0, 0); /* only w0 is the function ID */
    CHECK_EQ(e->kind, EXIT_HYPERCALL);
    CHECK_EQ(e->arg[0], 0xc6000001u);
}

/* REQ-HC-01 REQ-PERF-01: the constant answers (smccc_constant, shared with the fast
 * exit path) come back at once, in 32- and 64-bit forms alike. */
static void t_constant_answers(void)
{
    struct vcpu_exit *e;
    uint64_t ret = 0u;

    e = call(B0, 0xc6000000u, 0, 0, 0);
    CHECK_EQ(e->kind, EXIT_NONE);
    CHECK_EQ(e->nret, 1u);
    CHECK_EQ(e->ret[0], HV_VERSION_VALUE);
    e = call(B0, 0xffffffff86000000ull, 0, 0, 0);
    CHECK_EQ(e->kind, EXIT_NONE);
    CHECK_EQ(e->ret[0], HV_VERSION_VALUE);
    CHECK(smccc_constant(0x84000000u, &ret));
    CHECK_EQ(ret, 0x10001u);
    CHECK(smccc_constant(0x80000000u, &ret));
    CHECK_EQ(ret, 0x10001u);
    CHECK(!smccc_constant(0xc4000000u, &ret)); /* PSCI_VERSION has no 64-bit form */
    CHECK(!smccc_constant(0x86000001u, &ret)); /* HV_YIELD does something */
    CHECK(!smccc_constant(0x84000003u, &ret)); /* CPU_ON */
}

/* REQ-LIFE-01 */
static void t_cpu_on_code(void)
{
    CHECK_EQ(psci_cpu_on_code(VCPU_ON_OK), 0);
    CHECK_EQ(psci_cpu_on_code(VCPU_ON_ALREADY_ON), (uint64_t)(int64_t)-4);
    CHECK_EQ(psci_cpu_on_code(VCPU_ON_PENDING), (uint64_t)(int64_t)-5);
    CHECK_EQ(psci_cpu_on_code(VCPU_ON_BAD_ENTRY), (uint64_t)(int64_t)-9);
    CHECK_EQ(psci_cpu_on_code(VCPU_ON_INVALID), INVALID_PARAMS);
    CHECK_EQ(psci_cpu_on_code(99u), INVALID_PARAMS);
    CHECK_EQ(psci_cpu_on_code(UINT64_MAX), INVALID_PARAMS);
}

static const struct test_case cases[] = {
    TEST(smccc_version),
    TEST(psci_version),
    TEST(constant_answers),
    TEST(psci_features),
    TEST(cpu_suspend_is_halt),
    TEST(cpu_off),
    TEST(cpu_on_args),
    TEST(affinity_info),
    TEST(system_off_reset),
    TEST(yielding_and_reserved),
    TEST(other_services),
    TEST(vendor_range_is_hypercall),
    TEST(cpu_on_code),
};

int main(void)
{
    return check_run("test_smccc", cases, ARRAY_SIZE(cases));
}
