/* The per-physical-CPU cooperative loop. A VCPU keeps its CPU until it
 * halts, yields, turns itself off, or its optional budget runs out; then
 * the next runnable VCPU of this CPU runs, round-robin. This file runs on
 * every exit: no logging, no searching beyond this CPU's own VCPU list. */
#include "sched.h"
#include "vcpu.h"
#include "vm.h"
#include "exit_handler.h"
#include "arch_cpu.h"
#include "arch_timer.h"
#include "arch_vcpu.h"

struct pcpu pcpus[CFG_NUM_PCPUS];

#define IDLE_RECHECK_NS 1000000u

static struct vcpu *pcpu_vcpu(const struct pcpu *pc, uint32_t slot)
{
    const struct cfg_pcpu *c = &cfg_pcpus[pc->id];
    return &vcpus[cfg_pcpu_vcpus[c->first + slot]];
}

struct vcpu *sched_pick(struct pcpu *pc)
{
    uint32_t count = cfg_pcpus[pc->id].count;
    uint32_t i;

    for (i = 0u; i < count; i++) {
        uint32_t slot = (pc->rr_next + i) % count;
        struct vcpu *v = pcpu_vcpu(pc, slot);

        if ((v->vm->state == VM_STOPPING) && (v->state != VCPU_STOPPED)) {
            vm_retire_vcpu(v);
            continue;
        }
        if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == (uint32_t)VCPU_RUNNABLE) {
            /* Acquire: pairs with the release that made it runnable, so
             * its VM's state set up before that is visible here. */
            pc->rr_next = (slot + 1u) % count;
            return v;
        }
    }
    return NULL;
}

void sched_arm_timer(struct pcpu *pc, const struct vcpu *running)
{
    uint32_t count = cfg_pcpus[pc->id].count;
    uint64_t deadline = TIMER_NEVER;
    uint32_t i;

    for (i = 0u; i < count; i++) {
        const struct vcpu *v = pcpu_vcpu(pc, i);
        if ((v != pc->loaded) && (v->state == VCPU_HALTED) && (v->timer_deadline < deadline)) {
            deadline = v->timer_deadline;
        }
    }
    pc->slice_end = TIMER_NEVER;
    if (running == NULL) {
        /* Idle: wake at least every IDLE_RECHECK_NS even if no interrupt
         * comes. Under single-threaded emulation (QEMU -icount) a busy
         * CPU is only descheduled at a timer deadline, so without one a
         * kick from it could wait forever. */
        uint64_t recheck = arch_timer_now() + arch_timer_ns_to_ticks(IDLE_RECHECK_NS);
        if (recheck < deadline) {
            deadline = recheck;
        }
    }
    if ((running != NULL) && (running->cfg->budget_ns != 0u) && (count > 1u)) {
        pc->slice_end = arch_timer_now() + arch_timer_ns_to_ticks(running->cfg->budget_ns);
        if (pc->slice_end < deadline) {
            deadline = pc->slice_end;
        }
    }
    arch_timer_set(deadline);
}

void sched_timer_expired(struct pcpu *pc)
{
    uint32_t count = cfg_pcpus[pc->id].count;
    uint64_t now = arch_timer_now();
    uint64_t deadline = TIMER_NEVER;
    uint32_t i;

    for (i = 0u; i < count; i++) {
        struct vcpu *v = pcpu_vcpu(pc, i);
        if ((v != pc->loaded) && (v->state == VCPU_HALTED)) {
            if (v->timer_deadline <= now) {
                vcpu_wake(v);
            } else if (v->timer_deadline < deadline) {
                deadline = v->timer_deadline;
            } else {
                /* a later deadline */
            }
        }
    }
    if (pc->slice_end <= now) {
        pc->yield = true;
        pc->slice_end = TIMER_NEVER;
    } else if (pc->slice_end < deadline) {
        deadline = pc->slice_end;
    } else {
        /* no budget running, or it ends later */
    }
    /* The running VCPU may keep the CPU: what is still due must stay armed. */
    arch_timer_set(deadline);
}

/* A VM hosted here is stopping: retire its VCPUs now, even if the loaded
 * VCPU of another VM keeps this CPU. */
static void sched_retire_stopping(struct pcpu *pc)
{
    uint32_t count = cfg_pcpus[pc->id].count;
    uint32_t i;

    pc->retire_check = false;
    for (i = 0u; i < count; i++) {
        struct vcpu *v = pcpu_vcpu(pc, i);
        if ((v->vm->state == VM_STOPPING) && (v->state != VCPU_STOPPED)) {
            vm_retire_vcpu(v);
        }
    }
}

/* Switch the hardware context of this CPU to `v`. */
static void sched_switch_to(struct pcpu *pc, struct vcpu *v)
{
    struct vcpu *old = pc->loaded;

    if ((old != v) && (old != NULL)) {
        arch_vcpu_unload(old);
        old->timer_deadline = arch_vcpu_timer_deadline(old);
        pc->loaded = NULL;
    }
    if (v->reset_pending) {
        arch_vcpu_reset(v, v->reset_entry, v->reset_arg);
        v->reset_pending = false;
        pc->loaded = NULL; /* the reset state must be loaded afresh */
    }
    if (pc->loaded != v) {
        arch_vcpu_load(v);
        pc->loaded = v;
        v->timer_deadline = TIMER_NEVER;
        sched_arm_timer(pc, v);
    }
}

void sched_step(struct pcpu *pc)
{
    struct vcpu *v;

    if (pc->retire_check) {
        sched_retire_stopping(pc);
    }
    v = pc->loaded;

    /* Keep running the loaded VCPU while it wants the CPU (cooperative). */
    if ((v == NULL) || pc->yield || (v->state != VCPU_RUNNABLE) || (v->vm->state != VM_RUNNING)
        || v->reset_pending) {
        if (pc->yield) {
            /* It yielded (or its budget ran out). A VCPU that yields
             * usually waits for another CPU (a VCPU of its VM elsewhere, a
             * lock holder): pass the hint on to the physical CPU. Under
             * single-threaded emulation (QEMU -icount) that other CPU runs
             * only once this one stops, and going straight back into
             * waiting VCPUs would never stop. */
            arch_cpu_relax();
        }
        pc->yield = false;
        v = sched_pick(pc);
    }
    if (v == NULL) {
        vm_console_flush_stale();
        sched_arm_timer(pc, NULL);
        arch_cpu_idle();
        irq_handle_pending(pc);
        return;
    }
    sched_switch_to(pc, v);
    arch_vcpu_run(v);
    v->nr_exits++;
    exit_handle(pc, v);
}

_Noreturn void sched_loop(struct pcpu *pc)
{
    for (;;) {
        sched_step(pc);
    }
}
