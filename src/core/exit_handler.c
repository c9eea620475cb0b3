/* What the core does with each kind of VCPU exit, and with the physical
 * interrupts that arrive at EL2. Runs on every exit: no logging except on
 * the way to stopping a VM. */
#include "exit_handler.h"
#include "hypercall.h"
#include "console_input.h"
#include "vdev.h"
#include "arch_console.h"
#include "arch_lock.h"
#include "console.h"
#include "sched.h"
#include "vcpu.h"
#include "vm.h"
#include "log.h"
#include "arch_irq.h"
#include "arch_timer.h"
#include "arch_vcpu.h"

const char *exit_cause_name(uint32_t cause)
{
    switch (cause) {
    case FAULT_STAGE2_DATA:
        return "data access outside the partition";
    case FAULT_STAGE2_INSN:
        return "instruction fetch outside the partition";
    case FAULT_UNHANDLED_EC:
        return "unhandled exception class";
    case FAULT_SERROR:
        return "SError";
    case FAULT_MMIO_DECODE:
        return "MMIO access that cannot be emulated";
    case FAULT_BAD_ENTRY:
        return "failed entry";
    case FAULT_NONE:
    default:
        return "unknown";
    }
}

/* At most this many interrupts per call: a level-triggered source that
 * cannot be silenced must not keep the CPU here forever; the rest come
 * back as another exit. */
#define IRQ_BATCH_MAX 32u

void irq_handle_pending(struct pcpu *pc)
{
    static bool warned_unexpected;
    uint32_t n;

    for (n = 0u; n < IRQ_BATCH_MAX; n++) {
        uint32_t id = arch_irq_ack();

        if (id == IRQ_NONE) {
            break;
        }
        if (id == IRQ_IPI_KICK) {
            /* Only wakes the loop, which re-reads the VCPU states. */
            arch_irq_done(id);
        } else if (id == cfg_platform.timer_virt_irq) {
            struct vcpu *v = pc->loaded;
            if (v != NULL) {
                arch_irq_drop(id);
                arch_vcpu_inject_hw(v, id);
                vcpu_wake(v);
            } else {
                arch_irq_done(id);
            }
        } else if (id == cfg_platform.timer_hyp_irq) {
            arch_timer_set(TIMER_NEVER);
            arch_irq_done(id);
            sched_timer_expired(pc);
        } else if (id == cfg_platform.gic_maint_irq) {
            /* List registers ran low: the next entry refills them. */
            arch_vcpu_maintenance(pc->loaded);
            arch_irq_done(id);
        } else if (arch_irq_forward(id)) {
            /* pending in its VM now; the guest deactivates it */
        } else if (id == cfg_platform.uart_irq) {
            uint8_t c;
            while (arch_console_getc(&c)) {
                console_input_byte(c);
            }
            arch_irq_done(id);
        } else {
            if (!warned_unexpected) {
                warned_unexpected = true;
                log_line("cpu %u: unexpected interrupt %u ignored (logged once)", pc->id, id);
            }
            arch_irq_done(id);
        }
    }
}

void exit_handle(struct pcpu *pc, struct vcpu *v)
{
    struct vcpu_exit *e = &v->exit;

    switch (e->kind) {
    case EXIT_NONE:
        break;
    case EXIT_HYPERCALL:
        hypercall_handle(pc, v);
        break;
    case EXIT_IRQ:
        irq_handle_pending(pc);
        break;
    case EXIT_HALT:
        vcpu_halt(v);
        break;
    case EXIT_YIELD:
        pc->yield = true;
        break;
    case EXIT_CPU_UP:
        e->ret[0] = (uint64_t)vcpu_cpu_on(v->vm, e->arg[0], e->arg[1], e->arg[2]);
        e->nret = 1u;
        break;
    case EXIT_CPU_DOWN:
        vcpu_cpu_off(v);
        break;
    case EXIT_SYSTEM_OFF:
        log_line("vm %s vcpu %u: SYSTEM_OFF", v->vm->cfg->name, (uint32_t)v->id);
        vm_request_stop(v->vm, false);
        break;
    case EXIT_SYSTEM_RESET:
        log_line("vm %s vcpu %u: SYSTEM_RESET", v->vm->cfg->name, (uint32_t)v->id);
        vm_request_stop(v->vm, true);
        break;
    case EXIT_MMIO:
        if (!vdev_dispatch(v)) {
            vm_fault(v);
        }
        break;
    case EXIT_FAIL_ENTRY:
        e->cause = FAULT_BAD_ENTRY;
        vm_fault(v);
        break;
    case EXIT_FAULT:
    default:
        vm_fault(v);
        break;
    }
}
