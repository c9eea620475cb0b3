/* src/core/vcpu.c: CPU_ON/CPU_OFF, AFFINITY_INFO, halt and wake. */
#include "support.h"
#include "host_cfg.h"

#define PSCI_CPU_ON_64 0xc4000003ull
#define PSCI_CPU_ON_32 0x84000003ull

/* CPU_ON as the core sees it (EXIT_CPU_UP from `caller`); returns ret[0]. */
static uint64_t cpu_on(uint32_t caller, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
    struct vcpu *v = vc(caller);

    handle_exit(v, EXIT_CPU_UP, mpidr, entry, ctx, 0);
    CHECK_EQ(v->exit.nret, 1);
    return v->exit.ret[0];
}

/* REQ-LIFE-01 */
static void t_mpidr_mapping(void)
{
    CHECK_EQ(vcpu_mpidr(0), 0);
    CHECK_EQ(vcpu_mpidr(1), 1);
    CHECK(vcpu_by_mpidr(&vms[VM_A], 0) == vc(A0));
    CHECK(vcpu_by_mpidr(&vms[VM_A], 1) == vc(A1));
    CHECK(vcpu_by_mpidr(&vms[VM_B], 1) == vc(B1));
    CHECK(vcpu_by_mpidr(&vms[VM_A], 2) == NULL);
    CHECK(vcpu_by_mpidr(&vms[VM_C], 1) == NULL);
    CHECK(vcpu_by_mpidr(&vms[VM_A], 0x100) == NULL);           /* Aff1 = 1 */
    CHECK(vcpu_by_mpidr(&vms[VM_A], 0x100000000ull) == NULL);  /* Aff3 = 1 */
    CHECK(vcpu_by_mpidr(&vms[VM_A], (1ull << 31) | 1u) == NULL); /* RES1 bit: not affinity */
    CHECK(vcpu_by_mpidr(&vms[VM_A], (1ull << 24) | 1u) == NULL); /* MT bit */
    CHECK(vcpu_by_mpidr(&vms[VM_A], (1ull << 40) | 1u) == NULL);
    CHECK(vcpu_by_mpidr(&vms[VM_A], UINT64_MAX) == NULL);
}

/* REQ-LIFE-01 */
static void t_cpu_on_ok(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    CHECK_EQ(vc(A1)->state, VCPU_OFF);
    CHECK_EQ(cpu_on(A0, 1, 0x40001000ull, 0x1234), VCPU_ON_OK);
    CHECK_EQ(vc(A1)->state, VCPU_RUNNABLE);
    CHECK(vc(A1)->reset_pending);
    CHECK_EQ(vc(A1)->reset_entry, 0x40001000ull);
    CHECK_EQ(vc(A1)->reset_arg, 0x1234);
    CHECK(!wq_contains(&vms[VM_A].wq, vc(A1)));
    /* Only its own CPU touches it: CPU 1 is kicked, nothing is reset yet. */
    CHECK_EQ(take_kicks(1), 1);
    CHECK_EQ(take_kicks(0), 0);
    CHECK_EQ(fake.vcpus[A1].resets, 0);
    CHECK(step_until_loaded(1, A1, 1));
    CHECK_EQ(fake.vcpus[A1].resets, 1);
    CHECK_EQ(fake.vcpus[A1].reset_entry, 0x40001000ull);
    CHECK_EQ(fake.vcpus[A1].reset_arg, 0x1234);
    CHECK_EQ(fake.vcpus[A1].seen_x[0], 0x1234); /* context id in x0 at entry */
    CHECK(!vc(A1)->reset_pending);
    CHECK_EQ(fake.vcpus[A1].runs, 1);
}

/* REQ-LIFE-01 */
static void t_cpu_on_already_on(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    /* a.0 is running: CPU_ON of itself */
    CHECK_EQ(cpu_on(A0, 0, RAM_IPA, 0), VCPU_ON_ALREADY_ON);
    CHECK_EQ(fake.vcpus[A0].resets, 1);
    CHECK(!vc(A0)->reset_pending);
    /* a.1 on, reset and running: ALREADY_ON */
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA, 0), VCPU_ON_OK);
    CHECK(step_until_loaded(1, A1, 1));
    (void)take_kicks(1);
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA + 0x100u, 7), VCPU_ON_ALREADY_ON);
    CHECK_EQ(vc(A1)->reset_entry, RAM_IPA); /* unchanged */
    CHECK(!vc(A1)->reset_pending);
    CHECK_EQ(take_kicks(1), 0);
    /* halted is still on */
    fake_script_exit(A1, EXIT_HALT);
    (void)step(1);
    CHECK_EQ(vc(A1)->state, VCPU_HALTED);
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA, 0), VCPU_ON_ALREADY_ON);
    CHECK_EQ(vc(A1)->state, VCPU_HALTED);
    CHECK(wq_contains(&vms[VM_A].wq, vc(A1)));
}

/* REQ-LIFE-01 */
static void t_cpu_on_pending(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA + 0x2000u, 1), VCPU_ON_OK);
    CHECK_EQ(vcpu_affinity_info(&vms[VM_A], 1), 2);
    /* Before CPU 1 reset it: ON_PENDING, and the first request stands. */
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA + 0x3000u, 2), VCPU_ON_PENDING);
    CHECK_EQ(vc(A1)->reset_entry, RAM_IPA + 0x2000u);
    CHECK_EQ(vc(A1)->reset_arg, 1);
    CHECK(step_until_loaded(1, A1, 1));
    CHECK_EQ(fake.vcpus[A1].reset_entry, RAM_IPA + 0x2000u);
    CHECK_EQ(vcpu_affinity_info(&vms[VM_A], 1), 0);
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA, 0), VCPU_ON_ALREADY_ON);
    /* VCPU 0 of a just-started VM is pending too, until its CPU resets it. */
    CHECK_EQ(cpu_on(B1, 0, RAM_IPA, 0), VCPU_ON_PENDING);
}

/* REQ-LIFE-01 */
static void t_cpu_on_invalid(void)
{
    static const uint64_t bad[] = {
        2u,                      /* a has VCPUs 0 and 1 */
        0xffu,
        0x100u,                  /* Aff1 */
        0x10000u,                /* Aff2 */
        0x100000000ull,          /* Aff3 */
        (1ull << 31) | 1u,       /* bits outside the affinity fields */
        (1ull << 30) | 1u,
        (1ull << 24) | 1u,
        (1ull << 40) | 1u,
        (1ull << 63) | 1u,
    };
    uint32_t i;

    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    for (i = 0u; i < ARRAY_SIZE(bad); i++) {
        CHECK_EQ(cpu_on(A0, bad[i], RAM_IPA, 0), VCPU_ON_INVALID);
        CHECK_EQ(vcpu_affinity_info(&vms[VM_A], bad[i]), (uint64_t)(int64_t)-1);
    }
    CHECK_EQ(vc(A1)->state, VCPU_OFF);
    CHECK(!vc(A1)->reset_pending);
    CHECK(wq_contains(&vms[VM_A].wq, vc(A1)));
    CHECK_EQ(take_kicks(1), 0);
    /* c has one VCPU */
    CHECK_EQ(cpu_on(C0, 1, RAM_IPA, 0), VCPU_ON_INVALID);
}

/* REQ-LIFE-01 */
static void t_cpu_on_bad_entry(void)
{
    static const uint64_t bad[] = {
        0u,
        RAM_IPA - 4u,
        RAM_IPA + RAM_SIZE - 2u,  /* the 4-byte instruction would straddle the end */
        A_RO_IPA + 0x1000u,       /* just after a's read-only page */
        0x08000000ull,            /* the GIC distributor */
        0x09000000ull,            /* the UART */
        SHARED_IPA + 0x1000u,
        UINT64_MAX,
        UINT64_MAX - 2u,
        (1ull << 39) + RAM_IPA,   /* beyond the IPA space, aliasing RAM if truncated */
    };
    uint32_t i;

    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    for (i = 0u; i < ARRAY_SIZE(bad); i++) {
        CHECK_EQ(cpu_on(A0, 1, bad[i], 0), VCPU_ON_BAD_ENTRY);
    }
    CHECK_EQ(vc(A1)->state, VCPU_OFF);
    CHECK(!vc(A1)->reset_pending);
    CHECK_EQ(take_kicks(1), 0);
    /* b has no read-only page after its RAM */
    CHECK_EQ(cpu_on(B0, 1, A_RO_IPA, 0), VCPU_ON_BAD_ENTRY);
    /* Edges that are RAM: last word, read-only page, shared page. */
    CHECK_EQ(cpu_on(B0, 1, SHARED_IPA + 0xffcu, 0), VCPU_ON_OK);
    CHECK_EQ(cpu_on(A0, 1, A_RO_IPA, 0), VCPU_ON_OK);
    CHECK_EQ(vc(A1)->reset_entry, A_RO_IPA);
    CHECK_EQ(cpu_on(C0, 0, RAM_IPA + RAM_SIZE - 4u, 0), VCPU_ON_PENDING); /* entry fine, c.0 not reset yet */
}

/* REQ-LIFE-02 */
static void t_affinity_info_values(void)
{
    struct vm *a = &vms[VM_A];

    /* before the VMs start every VCPU is stopped, i.e. off */
    CHECK_EQ(vcpu_affinity_info(a, 0), 1);
    start_vms();
    CHECK_EQ(vcpu_affinity_info(a, 0), 2); /* runnable, not yet reset: on pending */
    CHECK_EQ(vcpu_affinity_info(a, 1), 1);
    CHECK(step_until_loaded(0, A0, 2));
    CHECK_EQ(vcpu_affinity_info(a, 0), 0);
    fake_script_exit(A0, EXIT_HALT);
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    CHECK_EQ(vcpu_affinity_info(a, 0), 0); /* halted is on */
    CHECK_EQ(vcpu_affinity_info(a, 2), (uint64_t)(int64_t)-1);
    CHECK_EQ(vcpu_affinity_info(&vms[VM_C], 0), 2);
}

/* REQ-LIFE-02 */
static void t_cpu_off_then_on(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA + 0x100u, 11), VCPU_ON_OK);
    fake_script_exit(A1, EXIT_NONE);
    fake_script_exit(A1, EXIT_CPU_DOWN);
    CHECK(step_until_loaded(1, A1, 1));
    (void)step(1);
    CHECK_EQ(vc(A1)->state, VCPU_OFF);
    CHECK(wq_contains(&vms[VM_A].wq, vc(A1)));
    CHECK_EQ(vcpu_affinity_info(&vms[VM_A], 1), 1);
    /* CPU 1 has nothing else to run: it idles, a.1 is not entered again */
    fake_trace_clear();
    (void)step(1);
    CHECK_EQ(fake.vcpus[A1].runs, 2);
    CHECK_CONTAINS(fake.trace, "idle(1)");
    CHECK_NOT_CONTAINS(fake.trace, "run(");
    /* CPU_OFF of an OFF VCPU changes nothing */
    vcpu_cpu_off(vc(A1));
    CHECK_EQ(wq_length(&vms[VM_A].wq), 1);
    /* on again, at a new entry point: reset afresh */
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA + 0x200u, 22), VCPU_ON_OK);
    CHECK_EQ(take_kicks(1), 2);
    fake_trace_clear();
    (void)step(1);
    CHECK_STR(fake.trace, "reset(a1) load(a1) run(a1) ");
    CHECK_EQ(fake.vcpus[A1].resets, 2);
    CHECK_EQ(fake.vcpus[A1].reset_entry, RAM_IPA + 0x200u);
    CHECK_EQ(fake.vcpus[A1].seen_x[0], 22);
    CHECK_EQ(vc(A1)->state, VCPU_RUNNABLE);
}

/* REQ-LIFE-02 */
static void t_cpu_off_only_when_runnable(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    fake_script_exit(A0, EXIT_HALT);
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    vcpu_cpu_off(vc(A0));
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    CHECK_EQ(wq_length(&vms[VM_A].wq), 2);
}

/* REQ-WQ-02 */
static void t_halt_without_pending_irq(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    fake_script_exit(A0, EXIT_HALT);
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    CHECK(wq_contains(&vms[VM_A].wq, vc(A0)));
    CHECK_EQ(wq_length(&vms[VM_A].wq), 2);
}

/* REQ-WQ-02 */
static void t_halt_with_pending_irq(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    fake.vcpus[A0].irq_pending = true;
    fake_script_exit(A0, EXIT_HALT);
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_RUNNABLE);
    CHECK(!wq_contains(&vms[VM_A].wq, vc(A0)));
    /* it keeps the CPU: entered again */
    fake_trace_clear();
    (void)step(0);
    CHECK_STR(fake.trace, "run(a0) ");
}

/* REQ-WQ-02 */
static void t_halt_only_when_runnable(void)
{
    start_vms();
    vcpu_halt(vc(A1)); /* OFF */
    CHECK_EQ(vc(A1)->state, VCPU_OFF);
    CHECK_EQ(wq_length(&vms[VM_A].wq), 1);
}

/* REQ-WQ-02 */
static void t_wake_from_other_cpu_kicks_owner(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    fake_script_exit(A0, EXIT_HALT);
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    fake.cpu = 1u;
    vcpu_wake(vc(A0));
    CHECK_EQ(vc(A0)->state, VCPU_RUNNABLE);
    CHECK(!wq_contains(&vms[VM_A].wq, vc(A0)));
    CHECK_EQ(take_kicks(0), 1);
    CHECK_EQ(take_kicks(1), 0);
    /* waking a runnable VCPU: nothing, no kick */
    vcpu_wake(vc(A0));
    CHECK_EQ(take_kicks(0), 0);
}

/* REQ-WQ-02 */
static void t_wake_on_own_cpu_no_kick(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    fake_script_exit(A0, EXIT_HALT);
    (void)step(0);
    fake.cpu = 0u;
    vcpu_wake(vc(A0));
    CHECK_EQ(vc(A0)->state, VCPU_RUNNABLE);
    CHECK_EQ(take_kicks(0), 0);
}

/* REQ-WQ-02 */
static void t_wake_does_not_turn_on(void)
{
    start_vms();
    fake.cpu = 0u;
    vcpu_wake(vc(A1)); /* OFF: an interrupt does not power it on */
    CHECK_EQ(vc(A1)->state, VCPU_OFF);
    CHECK(wq_contains(&vms[VM_A].wq, vc(A1)));
    CHECK_EQ(take_kicks(1), 0);
    vcpu_wake(vc(A0)); /* stopped VMs: nothing either */
    reset_core();
    vm_init_all();
    vcpu_wake(vc(A0));
    CHECK_EQ(vc(A0)->state, VCPU_STOPPED);
}

/* REQ-LIFE-01 */
static void t_cpu_on_stopping_vm(void)
{
    start_vms();
    fake.cpu = 0u;
    vm_request_stop(&vms[VM_A], false);
    fake.cpu = 1u;
    (void)step(1); /* retires a.1 */
    CHECK_EQ(vc(A1)->state, VCPU_STOPPED);
    CHECK_EQ(cpu_on(A0, 1, RAM_IPA, 0), VCPU_ON_INVALID);
    CHECK_EQ(vcpu_affinity_info(&vms[VM_A], 1), 1);
}

/* PSCI CPU_ON from the guest through smccc_dispatch, as the guest sees the
 * PSCI return codes. */
/* REQ-LIFE-01 */
static void t_psci_cpu_on_end_to_end(void)
{
    start_vms();
    fake_script_smccc(A0, PSCI_CPU_ON_64, 1, RAM_IPA + 0x400u, 0xabcdef0123ull);
    fake_script_smccc(A0, PSCI_CPU_ON_64, 1, RAM_IPA, 0);               /* pending */
    fake_script_smccc(A0, PSCI_CPU_ON_64, 5, RAM_IPA, 0);               /* invalid */
    fake_script_smccc(A0, PSCI_CPU_ON_64, 0, 0x10, 0);                  /* bad entry */
    fake_script_smccc(A0, PSCI_CPU_ON_32, 0xffffffff00000001ull, RAM_IPA, 0); /* masked: 1, pending */
    fake_script_smccc(A0, PSCI_CPU_ON_64, 0, RAM_IPA, 0);               /* itself: already on */
    fake_script_exit(A0, EXIT_NONE);
    CHECK(step_until_loaded(0, A0, 2));
    (void)step(0);
    CHECK_EQ(fake.vcpus[A0].seen_x[0], 0);
    (void)step(0);
    CHECK_EQ(fake.vcpus[A0].seen_x[0], (uint64_t)(int64_t)-5);
    (void)step(0);
    CHECK_EQ(fake.vcpus[A0].seen_x[0], (uint64_t)(int64_t)-2);
    (void)step(0);
    CHECK_EQ(fake.vcpus[A0].seen_x[0], (uint64_t)(int64_t)-9);
    (void)step(0);
    CHECK_EQ(fake.vcpus[A0].seen_x[0], (uint64_t)(int64_t)-5);
    (void)step(0);
    CHECK_EQ(fake.vcpus[A0].seen_x[0], (uint64_t)(int64_t)-4);
    CHECK(step_until_loaded(1, A1, 1));
    CHECK_EQ(fake.vcpus[A1].seen_x[0], 0xabcdef0123ull);
    CHECK_EQ(fake.vcpus[A1].reset_entry, RAM_IPA + 0x400u);
}

static const struct test_case cases[] = {
    TEST(mpidr_mapping),
    TEST(cpu_on_ok),
    TEST(cpu_on_already_on),
    TEST(cpu_on_pending),
    TEST(cpu_on_invalid),
    TEST(cpu_on_bad_entry),
    TEST(affinity_info_values),
    TEST(cpu_off_then_on),
    TEST(cpu_off_only_when_runnable),
    TEST(halt_without_pending_irq),
    TEST(halt_with_pending_irq),
    TEST(halt_only_when_runnable),
    TEST(wake_from_other_cpu_kicks_owner),
    TEST(wake_on_own_cpu_no_kick),
    TEST(wake_does_not_turn_on),
    TEST(cpu_on_stopping_vm),
    TEST(psci_cpu_on_end_to_end),
};

int main(void)
{
    return check_run("test_vcpu_lifecycle", cases, ARRAY_SIZE(cases));
}
