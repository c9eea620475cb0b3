/* tests/guests/victim/main.c: the victim of the hostile-guest tests (tests/qemu/cases_hostile.py).
 * One VCPU. Keeps a secret in a static variable, opens its GIC (every SGI and PPI enabled, its
 * own SPI 48 if the configuration gives it, group 1 on, IRQs unmasked) and then beats forever:
 * every 5 ms of virtual counter time (HV_YIELD while it waits) it prints VICTIM beat=<n>; every
 * 10 beats it re-reads the secret and prints VICTIM secret-ok (or VICTIM secret-CHANGED).
 * Any interrupt it takes is reported as VICTIM irq=<intid> (nothing should ever reach it), any
 * exception as VICTIM exception ..., a beat more than 100 ms late as VICTIM late ....
 * Markers: VICTIM start, VICTIM gic ..., VICTIM beat=, VICTIM secret-ok/CHANGED, VICTIM irq=. */
#define HOSTILE_IMPL
#include "../hostile_common/hostile.h"

#define SECRET      0x5ec7e75ec7e7ull
#define PERIOD_US   5000u
#define LATE_US     100000u
#define OWN_SPI     48u

/* .data: loaded from the image; nothing in this guest ever writes it. */
static volatile uint64_t secret = SECRET;

/* Written by the IRQ handler only; the main loop prints. */
static volatile uint32_t irq_count;
static volatile uint32_t irq_last;
static volatile uint32_t irq_mask_seen; /* INTIDs < 32 seen, as bits */

void hostile_irq(struct exc_frame *f)
{
    (void)f;
    for (unsigned n = 0; n < 64; n++) {
        uint32_t id = icc_iar1_read();
        if (id >= 1020u)
            break;
        irq_count++;
        irq_last = id;
        if (id < 32u)
            irq_mask_seen |= 1u << id;
        icc_eoir1_write(id);
    }
}

void hostile_sync(struct exc_frame *f, uint64_t offset, uint64_t esr, uint64_t far)
{
    printf("VICTIM exception vector=0x%lx esr=0x%lx elr=0x%lx far=0x%lx\n", offset, esr, f->elr, far);
    for (;;)
        wfi();
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;
    uint32_t irqs_reported = 0;

    (void)x0;
    if (vcpu != 0)
        return;
    exc_install();
    (void)vm_info(&info);
    printf("VICTIM start vm=%lu boot=%lu secret-at=0x%lx\n", info.vm, info.boot_count,
           (uint64_t)(uintptr_t)&secret);

    /* Everything a neighbour could try to inject is enabled here. */
    gic_open(0, 1);
    mmio_write32(GICR_ISENABLER0(0), 0xffffffffu);
    for (unsigned n = 1; n < 4; n++)
        mmio_write32(GICD_ISENABLER(n), 0xffffffffu);
    mmio_write64(GICD_IROUTER(OWN_SPI), 0);
    printf("VICTIM gic ctlr=0x%x isenabler0=0x%x isenabler1=0x%x\n", mmio_read32(GICD_CTLR),
           mmio_read32(GICR_ISENABLER0(0)), mmio_read32(GICD_ISENABLER(1)));
    irq_enable();

    const uint64_t period = us_to_ticks(PERIOD_US);
    const uint64_t late = us_to_ticks(LATE_US);
    uint64_t next = read_cntvct() + period;

    for (uint64_t beat = 1;; beat++) {
        uint64_t now;

        while ((now = read_cntvct()) < next)
            (void)hv_yield();
        if (now - next > late)
            printf("VICTIM late beat=%lu by-us=%lu\n", beat,
                   (now - next) / (us_to_ticks(1000) ? us_to_ticks(1000) : 1) * 1000);
        next = (now - next > late) ? now + period : next + period;
        printf("VICTIM beat=%lu\n", beat);
        if (irq_count != irqs_reported) {
            irqs_reported = irq_count;
            printf("VICTIM irq=%u count=%u sgi-ppi-mask=0x%x\n", irq_last, irq_count, irq_mask_seen);
        }
        if (beat % 10 == 0) {
            if (secret == SECRET)
                puts("VICTIM secret-ok");
            else
                printf("VICTIM secret-CHANGED value=0x%lx\n", secret);
        }
    }
}
