/* tests/guests/timer_before_enable: arms the virtual timer while its PPI is
 * still disabled in the GIC, as Linux does during timer set-up, lets it
 * expire, and checks that it keeps running (the hypervisor must not
 * livelock re-injecting an interrupt the guest has disabled), then enables
 * the PPI and expects the interrupt exactly once. */
#include "guest.h"
#include "../irq_common/gic.h"

static volatile uint32_t timer_irqs;

void irq_dispatch(void)
{
    uint32_t intid = icc_iar1_read();

    if (intid == VTIMER_INTID) {
        timer_irqs++;
        vtimer_disable();
    }
    if (intid != INTID_SPURIOUS) {
        icc_eoir1_write(intid);
    }
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    uint64_t until;

    (void)x0;
    if (vcpu != 0u) {
        return;
    }
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    irq_cpu_start(0u, 0u); /* PPI 27 left disabled */

    vtimer_arm_us(100u);
    while ((vtimer_ctl() & 4u) == 0u) {
    }
    /* The timer line is asserted now. Run on for a while. */
    until = read_cntvct() + us_to_ticks(2000u);
    while (read_cntvct() < until) {
    }
    printf("TBE survived irqs=%u\n", (unsigned)timer_irqs);

    mmio_write32(GICR_ISENABLER0(0u), 1u << VTIMER_INTID);
    until = read_cntvct() + us_to_ticks(2000u);
    while ((timer_irqs == 0u) && (read_cntvct() < until)) {
    }
    printf("TBE enabled irqs=%u\n", (unsigned)timer_irqs);
    psci_system_off();
}
