/* src/core/sched.c (and the interrupt side of exit_handler.c): the
 * cooperative per-CPU loop, load/unload, the EL2 timer for sleeping VCPUs
 * and budgets. CPU 0 runs a.0 and b.0 (b.0 has a 100 us budget). */
#include "support.h"
#include "host_cfg.h"
#include "exit_handler.h"
#include "hypercall.h"

#define HYP_TIMER 26u
#define VIRT_TIMER 27u

/* Both VCPUs of CPU 0 runnable and never stopping on their own. */
static void cpu0_both_runnable(uint32_t exit_kind)
{
    fake.vcpus[A0].idle_exit = exit_kind;
    fake.vcpus[B0].idle_exit = exit_kind;
    start_vms();
}

/* REQ-SCHED-01 */
static void t_round_robin(void)
{
    cpu0_both_runnable(EXIT_YIELD);
    (void)step(0);
    (void)step(0);
    (void)step(0);
    (void)step(0);
    CHECK_STR(fake.trace, "reset(a0) load(a0) run(a0) "
                          "unload(a0) reset(b0) load(b0) run(b0) "
                          "unload(b0) load(a0) run(a0) "
                          "unload(a0) load(b0) run(b0) ");
    CHECK_EQ(vc(A0)->nr_exits, 2);
    CHECK_EQ(vc(B0)->nr_exits, 2);
}

/* REQ-SCHED-01 */
static void t_round_robin_three_way_skips_blocked(void)
{
    /* CPU 1: a.1 and b.1; bring both up, then b.1 halts: a.1 alone runs. */
    start_vms();
    fake.cpu = 0u;
    CHECK_EQ(vcpu_cpu_on(&vms[VM_A], 1, RAM_IPA, 0), VCPU_ON_OK);
    CHECK_EQ(vcpu_cpu_on(&vms[VM_B], 1, RAM_IPA, 0), VCPU_ON_OK);
    fake.vcpus[A1].idle_exit = EXIT_YIELD;
    fake_script_exit(B1, EXIT_HALT);
    (void)step(1);
    (void)step(1);
    CHECK_EQ(vc(B1)->state, VCPU_HALTED);
    fake_trace_clear();
    (void)step(1);
    (void)step(1);
    (void)step(1);
    CHECK_STR(fake.trace, "unload(b1) load(a1) run(a1) run(a1) run(a1) ");
}

/* REQ-SCHED-01 */
static void t_cooperative_keeps_cpu(void)
{
    struct fake_step s;

    start_vms();
    fake_script_exit(A0, EXIT_NONE);
    memset(&s, 0, sizeof(s));
    s.exit.kind = EXIT_HYPERCALL;
    s.exit.arg[0] = 0xc6000000u; /* HV_VERSION */
    fake_script_step(A0, &s);
    fake_script_exit(A0, EXIT_NONE);
    fake_script_exit(A0, EXIT_HALT);
    fake.vcpus[B0].idle_exit = EXIT_YIELD;
    (void)step(0);
    (void)step(0);
    fake_irq_push(0, IRQ_IPI_KICK); /* an interrupt is no reason to switch */
    (void)step(0);                  /* EXIT_IRQ */
    CHECK_EQ(fake_irq_queued(0), 0);
    (void)step(0);
    (void)step(0); /* halts */
    CHECK_EQ(fake.vcpus[A0].runs, 5);
    CHECK_EQ(fake.vcpus[B0].runs, 0);
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    (void)step(0);
    CHECK_EQ(fake.vcpus[B0].runs, 1);
    CHECK_EQ(fake.cpus[0].n_done, 1);
    CHECK_EQ(fake.cpus[0].done[0], IRQ_IPI_KICK);
}

/* REQ-SCHED-02 */
static void t_yield_hypercall_switches(void)
{
    cpu0_both_runnable(EXIT_NONE);
    fake_script_smccc(A0, 0xc6000001u, 0, 0, 0); /* HV_YIELD */
    (void)step(0);
    CHECK(pcpus[0].yield);
    (void)step(0);
    CHECK(!pcpus[0].yield);
    CHECK(pcpus[0].loaded == vc(B0));
    CHECK_EQ(fake.vcpus[A0].runs, 1);
    /* the result reaches the guest when it next runs */
    CHECK_EQ(vc(A0)->exit.ret[0], 0);
    CHECK_EQ(vc(A0)->exit.nret, 1);
}

/* REQ-SCHED-02 */
static void t_yield_alone_keeps_running(void)
{
    start_vms();
    fake.vcpus[C0].idle_exit = EXIT_YIELD;
    (void)step(2);
    (void)step(2);
    (void)step(2);
    CHECK_STR(fake.trace, "reset(c0) load(c0) run(c0) run(c0) run(c0) ");
}

/* REQ-SCHED-02 REQ-SCHED-06 */
static void t_yield_hints_the_physical_cpu(void)
{
    /* c.0 is alone on CPU 2: a yield changes nothing there but the hint,
     * which lets the other CPUs run under single-threaded emulation. A
     * yield gives it (so does a budget end), no other exit, not idling. */
    start_vms();
    fake_script_exit(C0, EXIT_NONE);
    fake_script_smccc(C0, 0xc6000001u, 0, 0, 0); /* HV_YIELD */
    fake_script_exit(C0, EXIT_YIELD);            /* WFE */
    fake_script_exit(C0, EXIT_HALT);
    (void)step(2);
    (void)step(2); /* HV_YIELD */
    CHECK_EQ(fake.cpus[2].relaxes, 0);
    (void)step(2); /* the hint, then c.0 again: WFE */
    CHECK_EQ(fake.cpus[2].relaxes, 1);
    (void)step(2); /* the hint, then c.0 again: halts */
    CHECK_EQ(fake.cpus[2].relaxes, 2);
    CHECK_EQ(vc(C0)->state, VCPU_HALTED);
    (void)step(2); /* idle */
    CHECK_EQ(fake.cpus[2].idles, 1);
    CHECK_EQ(fake.cpus[2].relaxes, 2);
    CHECK_EQ(fake.vcpus[C0].runs, 4);
}

/* REQ-SCHED-03 */
static void t_idle_when_nothing_runnable(void)
{
    start_vms();
    fake_script_exit(C0, EXIT_HALT);
    (void)step(2);
    CHECK_EQ(vc(C0)->state, VCPU_HALTED);
    fake_trace_clear();
    (void)step(2);
    (void)step(2);
    CHECK_STR(fake.trace, "idle(2) idle(2) ");
    CHECK_EQ(fake.cpus[2].idles, 2);
    /* the halted VCPU stays loaded while the CPU idles: no pointless switch */
    CHECK(pcpus[2].loaded == vc(C0));
    /* CPU 3 has no VCPU at all */
    (void)step(3);
    CHECK_EQ(fake.cpus[3].idles, 1);
    /* before the VMs start nothing runs anywhere */
    reset_core();
    vm_init_all();
    fake_reset();
    (void)step(0);
    CHECK_EQ(fake.cpus[0].idles, 1);
}

/* REQ-SCHED-03 */
static void t_idle_handles_pending_irqs(void)
{
    start_vms();
    fake_script_exit(C0, EXIT_HALT);
    (void)step(2);
    fake_irq_push(2, IRQ_IPI_KICK);
    fake_irq_push(2, IRQ_IPI_KICK);
    (void)step(2);
    CHECK_EQ(fake_irq_queued(2), 0);
    CHECK_EQ(fake.cpus[2].n_done, 2);
}

/* REQ-SCHED-04 */
static void t_unload_load_on_switch(void)
{
    cpu0_both_runnable(EXIT_NONE);
    fake_script_exit(A0, EXIT_HALT);
    fake.vcpus[A0].timer_deadline = 777777u;
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    fake_trace_clear();
    (void)step(0);
    CHECK_STR(fake.trace, "unload(a0) reset(b0) load(b0) run(b0) ");
    /* the sleeping VCPU's timer is read from its saved (unloaded) state */
    CHECK_EQ(fake.vcpus[A0].deadline_queries, 1);
    CHECK_EQ(vc(A0)->timer_deadline, 777777u);
    CHECK_EQ(vc(B0)->timer_deadline, TIMER_NEVER);
    CHECK(pcpus[0].loaded == vc(B0));
    CHECK_EQ(fake.vcpus[A0].unloads, 1);
    CHECK_EQ(fake.vcpus[A0].loads, 1);
}

/* REQ-SCHED-04 */
static void t_reset_pending_by_owner_only(void)
{
    start_vms();
    CHECK(step_until_loaded(0, A0, 2));
    fake_script_smccc(A0, 0xc4000003u, 1, RAM_IPA + 0x80u, 5); /* CPU_ON a.1 */
    (void)step(0);
    (void)step(0);
    CHECK(vc(A1)->reset_pending);
    CHECK_EQ(fake.vcpus[A1].resets, 0);
    CHECK_NOT_CONTAINS(fake.trace, "(a1)");
    (void)step(1);
    CHECK_EQ(fake.vcpus[A1].resets, 1);
    CHECK(!vc(A1)->reset_pending);
    CHECK_CONTAINS(fake.trace, "reset(a1) load(a1) run(a1) ");
}

/* REQ-VTIMER-02 */
static void t_timer_armed_for_sleeping_vcpu(void)
{
    cpu0_both_runnable(EXIT_NONE);
    fake.now = 1000u;
    fake_script_exit(A0, EXIT_HALT);
    fake.vcpus[A0].timer_deadline = 3000u;
    fake_script_exit(B0, EXIT_HALT);
    (void)step(0);            /* a.0 runs and halts */
    (void)step(0);            /* b.0 loaded: a.0 sleeps until 3000 */
    CHECK_EQ(fake.cpus[0].timer_deadline, 3000u);
    CHECK_EQ(pcpus[0].slice_end, 1000u + B0_BUDGET_TICKS);
    (void)step(0);            /* idle: b.0 halted too (still loaded) */
    CHECK_EQ(vc(B0)->state, VCPU_HALTED);
    CHECK_EQ(fake.cpus[0].idles, 1);
    CHECK_EQ(fake.cpus[0].timer_deadline, 3000u);
    /* the EL2 timer fires at 3000 */
    fake_advance(0, 3000u);
    CHECK_EQ(fake_irq_queued(0), 1);
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_RUNNABLE);
    CHECK(!wq_contains(&vms[VM_A].wq, vc(A0)));
    CHECK_EQ(fake.cpus[0].n_done, 1);
    CHECK_EQ(fake.cpus[0].done[0], HYP_TIMER);
    fake_trace_clear();
    (void)step(0);
    CHECK_STR(fake.trace, "unload(b0) load(a0) run(a0) ");
    CHECK_EQ(vc(A0)->timer_deadline, TIMER_NEVER);
}

/* REQ-VTIMER-02 */
static void t_timer_not_armed_for_expired_early(void)
{
    /* Only halted, unloaded VCPUs with a deadline count; a timer that
     * fires before the deadline wakes nobody. */
    cpu0_both_runnable(EXIT_NONE);
    fake_script_exit(A0, EXIT_HALT);
    fake.vcpus[A0].timer_deadline = 50000u;
    fake_script_exit(B0, EXIT_HALT);
    (void)step(0);
    (void)step(0);
    (void)step(0); /* idle */
    CHECK_EQ(fake.cpus[0].timer_deadline, 50000u);
    fake_advance(0, 49999u);
    CHECK_EQ(fake_irq_queued(0), 0); /* not yet */
    fake_irq_push(0, HYP_TIMER);      /* but it fires anyway (spurious) */
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    /* and it is armed again when the CPU goes back to idle */
    (void)step(0);
    CHECK_EQ(fake.cpus[0].idles, 3);
    CHECK_EQ(fake.cpus[0].timer_deadline, 50000u);
}

/* REQ-VTIMER-01 */
static void t_virt_timer_wakes_loaded_vcpu(void)
{
    start_vms();
    fake_script_exit(C0, EXIT_HALT);
    (void)step(2);
    CHECK_EQ(vc(C0)->state, VCPU_HALTED);
    fake_irq_push(2, VIRT_TIMER);
    (void)step(2); /* idle, then the virtual timer PPI */
    CHECK_EQ(vc(C0)->state, VCPU_RUNNABLE);
    CHECK_EQ(fake.cpus[2].n_dropped, 1);
    CHECK_EQ(fake.cpus[2].dropped[0], VIRT_TIMER);
    CHECK_EQ(fake.cpus[2].n_done, 0); /* the guest deactivates it */
    CHECK_EQ(fake.vcpus[C0].n_injected, 1);
    CHECK_EQ(fake.vcpus[C0].injected[0], VIRT_TIMER);
    fake_trace_clear();
    (void)step(2);
    CHECK_STR(fake.trace, "run(c0) ");
}

/* REQ-VTIMER-01 */
static void t_virt_timer_without_loaded_vcpu(void)
{
    start_vms();
    fake.cpu = 3u;
    fake_irq_push(3, VIRT_TIMER);
    (void)step(3);
    CHECK_EQ(fake.cpus[3].n_done, 1);
    CHECK_EQ(fake.cpus[3].done[0], VIRT_TIMER);
    CHECK_EQ(fake.cpus[3].n_dropped, 0);
}

/* (irq_handle_pending() logs the first unexpected interrupt of the
 * program only: no other case of this file may raise one.) */
/* REQ-SCHED-03 */
static void t_unexpected_irq_ignored(void)
{
    start_vms();
    fake_irq_push(2, 99u);
    fake_irq_push(2, 100u);
    (void)step(2);
    CHECK_EQ(fake.cpus[2].n_done, 2);
    CHECK_EQ(fake.cpus[2].done[0], 99u);
    CHECK_EQ(fake.cpus[2].done[1], 100u);
    CHECK_EQ(count_in(fake.console, "unexpected interrupt"), 1);
    CHECK_EQ(vc(C0)->state, VCPU_RUNNABLE);
}

/* The other interrupts the hypervisor owns or routes (on an idle CPU). */
/* REQ-SCHED-03 REQ-VGIC-03 */
static void t_irq_routing(void)
{
    start_vms();
    fake.forward_extra = 40u;           /* as if a VM owned SPI 40 */
    fake.console_in[0] = 'h';
    fake.console_in[1] = 'i';
    fake.console_in_len = 2u;
    fake_irq_push(3, cfg_platform.gic_maint_irq);
    fake_irq_push(3, 40u);
    fake_irq_push(3, cfg_platform.uart_irq);
    (void)step(3);
    CHECK_EQ(fake_irq_queued(3), 0);
    CHECK_EQ(fake.cpus[3].n_forwarded, 1);
    CHECK_EQ(fake.cpus[3].forwarded[0], 40u);
    CHECK_EQ(fake.cpus[3].n_done, 2);   /* the forwarded one is the guest's to deactivate */
    CHECK_EQ(fake.cpus[3].done[0], cfg_platform.gic_maint_irq);
    CHECK_EQ(fake.cpus[3].done[1], cfg_platform.uart_irq);
    CHECK_EQ(fake.cpus[3].n_dropped, 0);
    CHECK_EQ(fake.console_in_pos, 2);   /* the UART's input drained */
    CHECK_NOT_CONTAINS(fake.console, "unexpected interrupt");
}

/* REQ-SCHED-05 */
static void t_budget_yields(void)
{
    cpu0_both_runnable(EXIT_NONE);
    fake_script_exit(A0, EXIT_YIELD);
    (void)step(0); /* a.0: cooperative, no slice */
    CHECK_EQ(pcpus[0].slice_end, TIMER_NEVER);
    CHECK_EQ(fake.cpus[0].timer_deadline, TIMER_NEVER);
    fake.now = 1000u;
    (void)step(0); /* b.0 with its budget */
    CHECK(pcpus[0].loaded == vc(B0));
    CHECK_EQ(pcpus[0].slice_end, 1000u + B0_BUDGET_TICKS);
    CHECK_EQ(fake.cpus[0].timer_deadline, 1000u + B0_BUDGET_TICKS);
    (void)step(0);
    (void)step(0);
    CHECK(pcpus[0].loaded == vc(B0)); /* within its slice it keeps the CPU */
    fake_advance(0, 1000u + B0_BUDGET_TICKS - 1u);
    CHECK_EQ(fake_irq_queued(0), 0);
    fake_advance(0, 1000u + B0_BUDGET_TICKS);
    (void)step(0);
    CHECK(pcpus[0].yield);
    fake_trace_clear();
    (void)step(0);
    CHECK_STR(fake.trace, "unload(b0) load(a0) run(a0) ");
    CHECK_EQ(pcpus[0].slice_end, TIMER_NEVER);
}

/* REQ-SCHED-05 */
static void t_budget_only_with_competition(void)
{
    /* c.0 is cooperative and alone on its CPU: no slice, no timer. */
    start_vms();
    (void)step(2);
    CHECK_EQ(pcpus[2].slice_end, TIMER_NEVER);
    CHECK_EQ(fake.cpus[2].timer_deadline, TIMER_NEVER);
}

/* Known bug (see the report): the EL2 timer is not re-armed when it fires
 * for a sleeping VCPU while a VCPU with a budget keeps running, so the
 * budget is no longer enforced and the woken VCPU waits until b.0 gives up
 * the CPU on its own. */
/* REQ-SCHED-05 */
static void t_budget_survives_sleeper_wakeup(void)
{
    cpu0_both_runnable(EXIT_NONE);
    fake_script_exit(A0, EXIT_HALT);
    fake.vcpus[A0].timer_deadline = 2000u;
    (void)step(0); /* a.0 halts, sleeping until 2000 */
    fake.now = 1000u;
    (void)step(0); /* b.0 runs, slice until 1000 + budget */
    CHECK_EQ(fake.cpus[0].timer_deadline, 2000u);
    fake_advance(0, 2000u);
    (void)step(0); /* b.0 interrupted: a.0 woken, b.0 goes on (its slice is not over) */
    CHECK_EQ(vc(A0)->state, VCPU_RUNNABLE);
    CHECK(pcpus[0].loaded == vc(B0));
    /* b.0's slice must still end at 1000 + budget ... */
    CHECK_LE(fake.cpus[0].timer_deadline, 1000u + B0_BUDGET_TICKS);
    /* ... and then a.0 gets the CPU */
    fake_advance(0, 1000u + B0_BUDGET_TICKS);
    (void)step(0);
    (void)step(0);
    CHECK(pcpus[0].loaded == vc(A0));
}

/* Same bug, other symptom: the slice ends, b.0 is the only runnable VCPU
 * and goes on; the sleeping a.0's deadline is no longer armed. */
/* REQ-SCHED-05 REQ-VTIMER-02 */
static void t_sleeper_deadline_survives_slice_end(void)
{
    cpu0_both_runnable(EXIT_NONE);
    fake_script_exit(A0, EXIT_HALT);
    fake.vcpus[A0].timer_deadline = 100000u;
    (void)step(0);
    fake.now = 1000u;
    (void)step(0); /* b.0 with a slice until 1000 + budget */
    CHECK_EQ(fake.cpus[0].timer_deadline, 1000u + B0_BUDGET_TICKS);
    fake_advance(0, 1000u + B0_BUDGET_TICKS);
    (void)step(0);
    (void)step(0); /* b.0 picked again: nothing else is runnable */
    CHECK(pcpus[0].loaded == vc(B0));
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    /* a.0 must still be woken at 100000 */
    CHECK_LE(fake.cpus[0].timer_deadline, 100000u);
    fake_advance(0, 100000u);
    (void)step(0);
    CHECK_EQ(vc(A0)->state, VCPU_RUNNABLE);
}

/* REQ-SCHED-01 */
static void t_sched_pick_order_and_rr_position(void)
{
    start_vms();
    /* a.0 and b.0 runnable: the first pick is slot 0, then rr_next moves on */
    fake.cpu = 0u;
    CHECK(sched_pick(&pcpus[0]) == vc(A0));
    CHECK_EQ(pcpus[0].rr_next, 1);
    CHECK(sched_pick(&pcpus[0]) == vc(B0));
    CHECK_EQ(pcpus[0].rr_next, 0);
    CHECK(sched_pick(&pcpus[3]) == NULL);
    vc(B0)->state = VCPU_HALTED;
    wq_add(&vms[VM_B].wq, vc(B0));
    CHECK(sched_pick(&pcpus[0]) == vc(A0));
    CHECK(sched_pick(&pcpus[0]) == vc(A0));
}

static const struct test_case cases[] = {
    TEST(round_robin),
    TEST(round_robin_three_way_skips_blocked),
    TEST(cooperative_keeps_cpu),
    TEST(yield_hypercall_switches),
    TEST(yield_alone_keeps_running),
    TEST(yield_hints_the_physical_cpu),
    TEST(idle_when_nothing_runnable),
    TEST(idle_handles_pending_irqs),
    TEST(unload_load_on_switch),
    TEST(reset_pending_by_owner_only),
    TEST(timer_armed_for_sleeping_vcpu),
    TEST(timer_not_armed_for_expired_early),
    TEST(virt_timer_wakes_loaded_vcpu),
    TEST(virt_timer_without_loaded_vcpu),
    TEST(unexpected_irq_ignored),
    TEST(irq_routing),
    TEST(budget_yields),
    TEST(budget_only_with_competition),
    TEST(budget_survives_sleeper_wakeup),
    TEST(sleeper_deadline_survives_slice_end),
    TEST(sched_pick_order_and_rr_position),
};

int main(void)
{
    return check_run("test_sched", cases, ARRAY_SIZE(cases));
}
