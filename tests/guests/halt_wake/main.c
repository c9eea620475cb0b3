/* tests/guests/halt_wake/main.c: WFI wake-up by the virtual timer with IRQs masked (PSTATE.I):
 * 5 rounds of arm 2 ms, wfi until ISTATUS, acknowledge through the GICv3 CPU interface. */
#include "guest.h"
#include "../irq_common/gic.h"

#define ROUNDS         5u
#define ROUND_US       2000u

void guest_main(unsigned vcpu, uint64_t x0)
{
    (void)x0;
    if (vcpu != 0)
        return;

    /* start.S already masks IRQs; make it explicit: PSTATE.I stays set throughout,
     * so a pending IRQ only ends WFI and is never taken. */
    irq_disable();

    /* As on a bare QEMU virt board: group 1 on in the distributor, the
     * virtual timer PPI enabled in this VCPU's redistributor. */
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    mmio_write32(GICR_ISENABLER0(0), 1u << VTIMER_INTID);
    icc_open();

    for (unsigned round = 0; round < ROUNDS; round++) {
        uint64_t wfis = 0;
        const uint32_t intid = vtimer_sleep_masked(ROUND_US, &wfis);

        printf("WAKE round=%u intid=%u wfis=%lu\n", round, intid, wfis);
        if (intid == INTID_SPURIOUS)
            printf("WAKE-NOTE round=%u spurious (no interrupt pending at IAR read)\n", round);
        else if (intid != VTIMER_INTID)
            printf("WAKE-NOTE round=%u unexpected intid=%u (want %u)\n", round, intid, VTIMER_INTID);
    }

    printf("HALT-WAKE-DONE rounds=%u\n", ROUNDS);
    psci_system_off();
}
