/* Hypervisor timer hooks: the counter and the EL2 timer the core keeps for
 * itself (guests use their own virtual timer directly). */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include "types.h"

#define TIMER_NEVER UINT64_MAX

uint64_t arch_timer_now(void);           /* counter ticks */
uint64_t arch_timer_ns_to_ticks(uint64_t ns);
/* Fire the EL2 timer interrupt at counter value `deadline` (TIMER_NEVER: off). */
void arch_timer_set(uint64_t deadline);

#endif
