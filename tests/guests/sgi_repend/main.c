/* tests/guests/sgi_repend/main.c: an SGI that becomes pending again while its previous
 * instance is still active must be taken again as soon as the handler ends (GICv3: "active
 * and pending"), even if the receiving VCPU then runs without ever trapping. VCPU 0 sends
 * SGI 1 to VCPU 1 and, while VCPU 1's handler for it is still running (it waits for this),
 * sends SGI 1 again. After the handler's EOI, VCPU 1 busy-waits with IRQs unmasked and
 * makes no hypercall, MMIO access or WFI for 200 ms of virtual counter: the second SGI must
 * arrive within that time. Then it reports, once more after a hypercall.
 * Markers: REPEND-START, REPEND busy-wait sgi1=<n>, REPEND after-exit sgi1=<n>, REPEND-ERROR. */
#include "guest.h"
#include "../irq_common/gic.h"

#define SGI_TEST    1u  /* 0 -> 1, twice */
#define SGI_READY   5u  /* 1 -> 0 */
#define SGI_BYE     7u  /* 1 -> 0 */
#define NVCPUS      2u
#define BUSY_US     200000u  /* VCPU 1's trap-free busy wait for the second SGI */
#define HANDLER_US  1000000u /* bound of VCPU 1's handler waiting for the second send */
#define NAP_US      100u     /* VCPU 0 polls in WFI naps, so single-threaded QEMU runs VCPU 1 */
#define NAPS        50000u   /* 5 s */

static volatile uint32_t sgi_count[NVCPUS][16];
static volatile uint32_t timer_fired[NVCPUS];
static volatile uint32_t other_count[NVCPUS];
/* Handshake through memory, each written by one side only. */
static volatile uint32_t in_handler; /* VCPU 1: inside its first SGI 1 handler */
static volatile uint32_t sent_second; /* VCPU 0: the second SGI 1 is sent */
static volatile uint32_t handler_timeout;

static void on_irq(uint32_t intid)
{
    const unsigned v = current_vcpu() % NVCPUS;

    if (intid < 16u) {
        sgi_count[v][intid]++;
        if (v == 1u && intid == SGI_TEST && sgi_count[1][SGI_TEST] == 1u) {
            /* Stay active until VCPU 0 has sent the second one (memory only: no
             * trap here). */
            const uint64_t t0 = read_cntvct();
            in_handler = 1;
            while (!sent_second) {
                if (read_cntvct() - t0 > us_to_ticks(HANDLER_US)) {
                    handler_timeout = 1;
                    break;
                }
            }
        }
    } else if (intid == VTIMER_INTID) {
        if (vtimer_take_expiry())
            timer_fired[v]++;
    } else {
        other_count[v]++;
    }
}

void irq_dispatch(void)
{
    (void)irq_handle_pending(on_irq);
}

static void nap_us(uint64_t us)
{
    irq_nap_us(&timer_fired[current_vcpu() % NVCPUS], us);
}

/* Nap until *p >= want; 0 on success. */
static int nap_until(volatile uint32_t *p, uint32_t want, const char *what)
{
    for (unsigned n = 0; n < NAPS; n++) {
        if (*p >= want)
            return 0;
        nap_us(NAP_US);
    }
    printf("REPEND-ERROR timeout waiting for %s\n", what);
    return -1;
}

static void secondary(void) __attribute__((noreturn));
static void secondary(void)
{
    irq_cpu_start(1, GIC_SGIS_AND_VTIMER);
    sgi_send_to(SGI_READY, 0);

    /* The first SGI 1 comes, its handler waits for the second send and returns; then
     * nothing here traps until the second one is in or BUSY_US have passed. */
    while (sgi_count[1][SGI_TEST] == 0u)
        ;
    const uint64_t t0 = read_cntvct();
    const uint64_t limit = us_to_ticks(BUSY_US);
    while (sgi_count[1][SGI_TEST] < 2u && read_cntvct() - t0 < limit)
        ;
    const uint32_t busy = sgi_count[1][SGI_TEST];
    const uint64_t waited = read_cntvct() - t0;

    printf("REPEND busy-wait sgi1=%u ticks=%lu handler-timeout=%u\n", busy, waited, handler_timeout);
    /* The hypercall above was an exit: whatever the hypervisor held back is due now. */
    nap_us(1000);
    printf("REPEND after-exit sgi1=%u\n", sgi_count[1][SGI_TEST]);
    sgi_send_to(SGI_BYE, 0);
    psci_cpu_off();
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    (void)x0;
    if (vcpu == 1)
        secondary();
    if (vcpu != 0)
        return;

    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    irq_cpu_start(0, GIC_SGIS_AND_VTIMER);
    int64_t r = psci_cpu_on(1, (uint64_t)(uintptr_t)&secondary_entry, 1);
    if (r != PSCI_SUCCESS) {
        printf("REPEND-ERROR CPU_ON vcpu 1: %ld\n", r);
        psci_system_off();
    }
    if (nap_until(&sgi_count[0][SGI_READY], 1, "vcpu 1 ready") != 0)
        psci_system_off();
    printf("REPEND-START\n");

    sgi_send_to(SGI_TEST, 1);
    if (nap_until(&in_handler, 1, "vcpu 1 in its handler") != 0)
        psci_system_off();
    sgi_send_to(SGI_TEST, 1); /* SGI 1 is active on VCPU 1 right now */
    __asm__ volatile("dmb sy" : : : "memory");
    sent_second = 1;

    if (nap_until(&sgi_count[0][SGI_BYE], 1, "vcpu 1 report") != 0)
        psci_system_off();
    printf("REPEND-DONE other=%u\n", other_count[0] + other_count[1]);
    psci_system_off();
}
