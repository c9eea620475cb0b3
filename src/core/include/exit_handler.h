/* The core's handling of one VCPU exit, by exit kind. */
#ifndef EXIT_HANDLER_H
#define EXIT_HANDLER_H

struct vcpu;
struct pcpu;

void exit_handle(struct pcpu *pc, struct vcpu *v);
/* Physical interrupts pending at EL2 (after an IRQ exit or in idle). */
void irq_handle_pending(struct pcpu *pc);

#endif
