/* Helpers shared by the host unit tests (any configuration). */
#ifndef SUPPORT_H
#define SUPPORT_H

#include <stdio.h>
#include <string.h>
#include "check.h"
#include "fake_arch.h"
#include "types.h"
#include "cfg_sizes.h"
#include "cfg_types.h"
#include "exit.h"
#include "arch_irq.h"
#include "arch_timer.h"
#include "sched.h"
#include "vcpu.h"
#include "vm.h"
#include "exit_handler.h"
#include "console.h"
#include "log.h"

/* Skip the end-of-case consistency checks (for cases that leave the core
 * half-way through an operation on purpose). */
extern bool support_skip_invariants;

static inline struct vcpu *vc(uint32_t global)
{
    return &vcpus[global];
}

/* What main.c does before the VMs start, then vm_init_all() (in check_setup). */
void reset_core(void);
/* vm_start_all() from the boot CPU, then forget the trace and the kicks. */
void start_vms(void);
/* One sched_step() on `cpu`; returns 1 if it left through arch_system_off/
 * arch_cpu_halt (counted in fake.system_off_calls / cpu_halt_calls). */
int step(uint32_t cpu);
/* sched_step() on `cpu` until VCPU `global` is the loaded one (at most
 * `max` steps); returns false if it never was. */
bool step_until_loaded(uint32_t cpu, uint32_t global, uint32_t max);
uint32_t take_system_off(void);
uint32_t take_cpu_halt(void);
uint32_t take_kicks(uint32_t cpu);

/* Fill v->exit as the arch decoder would and call the core's exit handler
 * on v's own CPU; returns v's exit record with the core's results. */
struct vcpu_exit *handle_exit(struct vcpu *v, uint32_t kind, uint64_t a0, uint64_t a1, uint64_t a2,
                              uint64_t a3);
/* Host pointer to guest-physical `ipa` of VM `vm` (through the config). */
uint8_t *guest_mem(uint32_t vm, uint64_t ipa);
/* Number of `needle` occurrences in the fake console / trace. */
uint32_t count_in(const char *hay, const char *needle);

#endif
