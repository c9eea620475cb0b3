/* VCPUs: statically allocated, each bound for life to one physical CPU. */
#ifndef VCPU_H
#define VCPU_H

#include "types.h"
#include "exit.h"
#include "cfg_types.h"
#include "arch/vcpu_types.h"

struct vm;

/* Lifecycle (docs/design.md has the diagram):
 *   OFF --CPU_ON / VM start--> RUNNABLE <--wake-- HALTED
 *   RUNNABLE --WFI--> HALTED, RUNNABLE --CPU_OFF--> OFF
 *   any --VM stop--> STOPPED --VM restart--> OFF / RUNNABLE */
enum vcpu_state {
    VCPU_OFF = 0,   /* waits on its VM's wait queue for CPU_ON */
    VCPU_RUNNABLE,  /* its physical CPU may enter it */
    VCPU_HALTED,    /* waits on its VM's wait queue for an interrupt */
    VCPU_STOPPED,   /* its VM stopped; never scheduled */
};

struct vcpu {
    struct arch_vcpu arch;     /* registers and EL1 context (first: asm offsets) */
    struct vcpu_exit exit;     /* last exit, and what to hand back at entry */
    const struct cfg_vcpu *cfg;
    struct vm *vm;
    struct vcpu *wq_next;      /* link while on a wait queue */
    volatile uint32_t state;   /* enum vcpu_state; written under vm->lock */
    uint16_t index;            /* global index into cfg_vcpus */
    uint16_t id;               /* index inside its VM */
    uint16_t pcpu;             /* its physical CPU, fixed */
    bool reset_pending;        /* its own CPU resets it before the next entry */
    uint64_t reset_entry;      /* PC and x0 for that reset (CPU_ON, VM start) */
    uint64_t reset_arg;
    uint64_t timer_deadline;   /* saved virtual timer, while unloaded */
    uint64_t nr_exits;
};

extern struct vcpu vcpus[];

/* Result of a CPU_ON request, mapped to PSCI codes by the arch. */
enum vcpu_on_result {
    VCPU_ON_OK = 0,
    VCPU_ON_INVALID,     /* no such VCPU in this VM */
    VCPU_ON_ALREADY_ON,
    VCPU_ON_PENDING,
    VCPU_ON_BAD_ENTRY,   /* entry point outside the VM's RAM */
};

/* Affinity (MPIDR Aff0..Aff3) of VCPU `id` as its guest sees it. */
uint64_t vcpu_mpidr(uint32_t id);
struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr);

enum vcpu_on_result vcpu_cpu_on(struct vm *vm, uint64_t mpidr, uint64_t entry, uint64_t ctx);
void vcpu_cpu_off(struct vcpu *v);
/* PSCI AFFINITY_INFO: 0 on, 1 off, 2 on pending, -1 no such VCPU. */
int32_t vcpu_affinity_info(struct vm *vm, uint64_t mpidr);

/* WFI: block unless an interrupt is already pending. */
void vcpu_halt(struct vcpu *v);
/* An interrupt is pending for `v`: make it runnable (from any CPU). */
void vcpu_wake(struct vcpu *v);

#endif
