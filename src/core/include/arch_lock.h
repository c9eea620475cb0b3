/* Spinlock hooks: a ticket lock whose atomics the architecture provides. */
#ifndef ARCH_LOCK_H
#define ARCH_LOCK_H

#include "types.h"

struct spinlock {
    volatile uint32_t next;  /* ticket handed to the next arrival */
    volatile uint32_t owner; /* ticket allowed in */
};

void arch_spin_lock(struct spinlock *l);
void arch_spin_unlock(struct spinlock *l);

#endif
