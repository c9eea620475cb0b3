/* VCPU lifecycle: CPU_ON/CPU_OFF, halt and wake. State changes happen under
 * the VM's lock; a VCPU's architectural state is only ever touched by its
 * own physical CPU (a CPU_ON from elsewhere leaves a reset request). */
#include "vcpu.h"
#include "vm.h"
#include "arch_cpu.h"
#include "arch_irq.h"
#include "arch_vcpu.h"

struct vcpu vcpus[CFG_NUM_VCPUS];

/* Affinity fields of an MPIDR: Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0]. */
#define MPIDR_AFF_MASK 0xff00ffffffULL

uint64_t vcpu_mpidr(uint32_t id)
{
    return (uint64_t)id;
}

struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
    if ((mpidr & ~MPIDR_AFF_MASK) != 0u) {
        return NULL;
    }
    if (mpidr >= (uint64_t)vm->cfg->num_vcpus) {
        return NULL;
    }
    return &vm->vcpus[mpidr];
}

static void kick_owner(const struct vcpu *v)
{
    if ((uint32_t)v->pcpu != arch_cpu_id()) {
        arch_irq_kick(v->pcpu);
    }
}

enum vcpu_on_result vcpu_cpu_on(struct vm *vm, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
    struct vcpu *t = vcpu_by_mpidr(vm, mpidr);
    enum vcpu_on_result res;

    if (t == NULL) {
        return VCPU_ON_INVALID;
    }
    if (!vm_ipa_in_ram(vm, entry)) {
        return VCPU_ON_BAD_ENTRY;
    }
    arch_spin_lock(&vm->lock);
    switch (t->state) {
    case VCPU_OFF:
        (void)wq_remove(&vm->wq, t);
        t->reset_entry = entry;
        t->reset_arg = ctx;
        t->reset_pending = true;
        /* Release: its CPU reads the state without the lock (sched_pick). */
        __atomic_store_n(&t->state, (uint32_t)VCPU_RUNNABLE, __ATOMIC_RELEASE);
        res = VCPU_ON_OK;
        break;
    case VCPU_RUNNABLE:
        res = t->reset_pending ? VCPU_ON_PENDING : VCPU_ON_ALREADY_ON;
        break;
    case VCPU_HALTED:
        res = VCPU_ON_ALREADY_ON;
        break;
    case VCPU_STOPPED:
    default:
        /* The VM is stopping: the caller is about to be retired too. */
        res = VCPU_ON_INVALID;
        break;
    }
    arch_spin_unlock(&vm->lock);
    if (res == VCPU_ON_OK) {
        kick_owner(t);
    }
    return res;
}

void vcpu_cpu_off(struct vcpu *v)
{
    struct vm *vm = v->vm;

    arch_spin_lock(&vm->lock);
    if (v->state == VCPU_RUNNABLE) {
        v->state = VCPU_OFF;
        wq_add(&vm->wq, v);
    }
    arch_spin_unlock(&vm->lock);
}

int32_t vcpu_affinity_info(struct vm *vm, uint64_t mpidr)
{
    const struct vcpu *t = vcpu_by_mpidr(vm, mpidr);

    if (t == NULL) {
        return -1;
    }
    switch (t->state) {
    case VCPU_OFF:
    case VCPU_STOPPED:
        return 1;
    case VCPU_RUNNABLE:
        return t->reset_pending ? 2 : 0;
    case VCPU_HALTED:
    default:
        return 0;
    }
}

void vcpu_halt(struct vcpu *v)
{
    struct vm *vm = v->vm;

    arch_spin_lock(&vm->lock);
    if ((v->state == VCPU_RUNNABLE) && !arch_vcpu_irq_pending(v)) {
        v->state = VCPU_HALTED;
        wq_add(&vm->wq, v);
    }
    arch_spin_unlock(&vm->lock);
}

void vcpu_wake(struct vcpu *v)
{
    struct vm *vm = v->vm;
    bool woken = false;

    arch_spin_lock(&vm->lock);
    if (v->state == VCPU_HALTED) {
        (void)wq_remove(&vm->wq, v);
        v->state = VCPU_RUNNABLE;
        woken = true;
    }
    arch_spin_unlock(&vm->lock);
    if (woken) {
        kick_owner(v);
    }
}
