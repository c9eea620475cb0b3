/* The counter and the EL2 physical timer (CNTHP), which the hypervisor
 * keeps for VCPU budgets and for waking VCPUs whose virtual timer expires
 * while they are not loaded. Guests own the EL1 virtual timer. */
#include "arch/sysreg.h"
#include "arch_timer.h"

uint64_t arch_timer_now(void)
{
    isb();
    return read_cntpct_el0();
}

uint64_t arch_timer_ns_to_ticks(uint64_t ns)
{
    uint64_t hz = read_cntfrq_el0();

    /* Split so that budgets of minutes cannot overflow 64 bits. */
    return ((ns / 1000000000u) * hz) + (((ns % 1000000000u) * (hz / 1000u)) / 1000000u);
}

void arch_timer_set(uint64_t deadline)
{
    if (deadline == TIMER_NEVER) {
        write_cnthp_ctl_el2(0u);
    } else {
        write_cnthp_cval_el2(deadline);
        write_cnthp_ctl_el2(1u);
    }
    isb();
}
