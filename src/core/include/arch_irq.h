/* Physical interrupt controller hooks (the hypervisor owns it). */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include "types.h"

#define IRQ_NONE 1023u     /* nothing pending */
#define IRQ_IPI_KICK 0u    /* SGI that makes a CPU re-run its scheduler */

/* Acknowledge the highest-priority pending interrupt, or IRQ_NONE. */
uint32_t arch_irq_ack(void);
/* Priority drop and deactivation: the hypervisor handled it. */
void arch_irq_done(uint32_t intid);
/* Priority drop only: the guest deactivates it through a linked virtual interrupt. */
void arch_irq_drop(uint32_t intid);
/* A physical SPI assigned to a VM: make it pending in its target VCPU.
 * Returns false if no VM owns `intid`. */
bool arch_irq_forward(uint32_t intid);
/* Send IRQ_IPI_KICK to physical CPU `pcpu`. */
void arch_irq_kick(uint32_t pcpu);

#endif
