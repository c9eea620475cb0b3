/* The per-physical-CPU cooperative loop over the VCPUs mapped to it. */
#ifndef SCHED_H
#define SCHED_H

#include "types.h"
#include "cfg_sizes.h"

struct vcpu;

struct pcpu {
    uint32_t id;
    uint32_t rr_next;        /* round-robin position in its VCPU list */
    struct vcpu *loaded;     /* VCPU whose EL1 context is in the hardware */
    uint64_t slice_end;      /* budget end of the running VCPU, or TIMER_NEVER */
    bool yield;              /* the running VCPU asked to give up the CPU */
    volatile bool retire_check; /* a VM with VCPUs here is stopping */
    uint64_t idle_count;
};

extern struct pcpu pcpus[];

/* Pick the next VCPU to run on `pc`, retiring VCPUs of stopping VMs on the way;
 * NULL if nothing is runnable. */
struct vcpu *sched_pick(struct pcpu *pc);
/* One iteration of the loop: run a VCPU and handle its exit, or idle. */
void sched_step(struct pcpu *pc);
_Noreturn void sched_loop(struct pcpu *pc);
/* Program the EL2 timer for the earliest budget end or sleeping timer. */
void sched_arm_timer(struct pcpu *pc, const struct vcpu *running);
/* EL2 timer fired: wake VCPUs whose virtual timer expired while unloaded. */
void sched_timer_expired(struct pcpu *pc);

#endif
