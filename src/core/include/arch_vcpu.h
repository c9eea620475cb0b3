/* Hooks the architecture provides to run VCPUs and VMs. */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "types.h"

struct vcpu;
struct vm;

/* Build the VM's stage-2 translation from its configuration, in its slice
 * of the static page-table pool. Returns 0, or -1 if the slice is too small. */
int arch_vm_init(struct vm *vm);

/* Register the VM's emulated interrupt-controller windows (boot), and
 * reset their state (every VM start and restart, no VCPU running). */
void arch_vm_devices_init(struct vm *vm);
void arch_vm_devices_reset(struct vm *vm);

/* Fresh architectural state: PC = entry, x0 = arg, EL1h, MMU off, all
 * interrupts masked, no pending virtual interrupts. */
void arch_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t arg);

/* Put the saved EL1 context, timer and interrupt state of `v` into this
 * physical CPU; arch_vcpu_unload() saves them back (and silences the
 * hardware virtual timer, so that it cannot fire for another VCPU). */
void arch_vcpu_load(struct vcpu *v);
void arch_vcpu_unload(struct vcpu *v);

/* Enter the loaded VCPU `v` until it exits; fills v->exit. Completes the
 * previous exit first (return values, MMIO read data). */
void arch_vcpu_run(struct vcpu *v);

/* Would an interrupt wake `v` from WFI right now? */
bool arch_vcpu_irq_pending(const struct vcpu *v);

/* Counter value at which the saved (unloaded) virtual timer of `v` fires,
 * or TIMER_NEVER. */
uint64_t arch_vcpu_timer_deadline(const struct vcpu *v);

/* Make a hardware interrupt pending in the loaded VCPU `v`, linked to the
 * physical one so that the guest's EOI deactivates it. */
void arch_vcpu_inject_hw(struct vcpu *v, uint32_t intid);

/* The GIC maintenance interrupt fired (list registers ran low): stop
 * asking for it until the next entry of `v` (the loaded VCPU, or NULL)
 * refills the list registers and asks again if still needed. */
void arch_vcpu_maintenance(struct vcpu *v);

#endif
