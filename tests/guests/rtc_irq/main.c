/* tests/guests/rtc_irq: a VM given QEMU's PL031 RTC by passthrough
 * (`devices = ["rtc"]`) programs a match one second ahead and waits for the
 * RTC's SPI (INTID 34), which the hypervisor forwards as a hardware-linked
 * virtual interrupt routed to the VCPU the guest chose. */
#include "guest.h"
#include "../irq_common/gic.h"

#define RTC_BASE  0x09010000u
#define RTC_DR    (RTC_BASE + 0x00u)
#define RTC_MR    (RTC_BASE + 0x04u)
#define RTC_CR    (RTC_BASE + 0x0cu)
#define RTC_IMSC  (RTC_BASE + 0x10u)
#define RTC_ICR   (RTC_BASE + 0x1cu)
#define INTID_RTC 34u

static volatile uint32_t rtc_irqs;
static volatile uint32_t other_irqs;

void irq_dispatch(void)
{
    uint32_t intid = icc_iar1_read();

    if (intid == INTID_RTC) {
        rtc_irqs++;
        mmio_write32(RTC_IMSC, 0u);
        mmio_write32(RTC_ICR, 1u);
    } else if (intid != INTID_SPURIOUS) {
        other_irqs++;
    } else {
        return;
    }
    icc_eoir1_write(intid);
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    uint64_t until;

    (void)x0;
    if (vcpu != 0u) {
        return;
    }
    irq_vectors_install();
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    gic_cpu_init(0u, 0u);
    mmio_write64(GICD_IROUTER(INTID_RTC), 0u);       /* to VCPU 0 */
    mmio_write32(GICD_ISENABLER(INTID_RTC / 32u), 1u << (INTID_RTC % 32u));
    printf("RTC enabled=%u\n", (unsigned)((mmio_read32(GICD_ISENABLER(1u)) >> 2) & 1u));

    mmio_write32(RTC_CR, 1u);
    mmio_write32(RTC_ICR, 1u);
    mmio_write32(RTC_MR, mmio_read32(RTC_DR) + 1u);
    mmio_write32(RTC_IMSC, 1u);
    irq_enable();
    until = read_cntvct() + us_to_ticks(5000000u);
    while ((rtc_irqs == 0u) && (read_cntvct() < until)) {
        wfi();
    }
    printf("RTC-IRQ count=%u other=%u\n", (unsigned)rtc_irqs, (unsigned)other_irqs);
    psci_system_off();
}
