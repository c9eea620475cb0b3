/* tests/guests/vtimer_periodic/main.c: periodic EL1 virtual timer interrupts taken as real IRQ
 * exceptions. The timer (PPI 27) fires every 1 ms, 20 times; the handler acknowledges it
 * (ICC_IAR1_EL1), re-arms CNTV_TVAL_EL0 and EOIs, while the main loop sits in WFI. Prints
 * VTIMER ticks=<n> with the min/max interval in counter ticks, then SYSTEM_OFF.
 * Markers: VTIMER-START, VTIMER ticks=..., VTIMER-NOTE, VTIMER-ERROR. */
#include "guest.h"
#include "../irq_common/gic.h"

#define TICKS      20u
#define PERIOD_US  1000u
#define TIMEOUT_US 2000000u /* watchdog for the main loop: report instead of hanging */

static uint64_t period;             /* counter ticks per timer period */
static volatile uint32_t ticks;     /* timer interrupts handled */
static volatile uint32_t wrong;     /* interrupts other than the timer */
static volatile uint32_t spurious;  /* IAR reads that returned 1023 */
static volatile uint32_t not_fired; /* timer interrupt without ISTATUS */
static volatile uint32_t last_wrong;
static uint64_t last_stamp;         /* counter at the previous tick (or at arming) */
static volatile uint64_t min_iv = UINT64_MAX;
static volatile uint64_t max_iv;

static void timer_tick(void)
{
    const uint64_t now = read_cntvct();
    const uint64_t iv = now - last_stamp;

    if (!(vtimer_ctl() & CNTV_CTL_ISTATUS))
        not_fired++;
    last_stamp = now;
    if (iv < min_iv)
        min_iv = iv;
    if (iv > max_iv)
        max_iv = iv;
    if (ticks + 1u < TICKS) {
        /* Re-arm relative to now: the line drops before the EOI below. */
        __asm__ volatile("msr cntv_tval_el0, %0\n\tisb" : : "r"(period) : "memory");
    } else {
        vtimer_disable();
    }
    ticks = ticks + 1u;
}

static void on_irq(uint32_t intid)
{
    if (intid == VTIMER_INTID) {
        timer_tick();
    } else {
        wrong++;
        last_wrong = intid;
    }
}

void irq_dispatch(void)
{
    if (irq_handle_pending(on_irq) == 0u)
        spurious++; /* taken, but nothing to acknowledge */
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    (void)x0;
    if (vcpu != 0)
        return;

    period = us_to_ticks(PERIOD_US);
    irq_vectors_install();
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    gic_cpu_init(0, 1u << VTIMER_INTID);
    printf("VTIMER-START period=%lu ticks-wanted=%u\n", period, TICKS);

    const uint64_t t0 = read_cntvct();
    const uint64_t timeout = us_to_ticks(TIMEOUT_US);
    uint64_t wfis = 0;

    last_stamp = read_cntvct();
    vtimer_arm_ticks(period);
    /* Check and sleep with PSTATE.I set, so that a tick between the check and the WFI
     * cannot be lost (a pending IRQ ends WFI even while masked); take it once unmasked. */
    for (;;) {
        irq_disable();
        if (ticks >= TICKS)
            break;
        if (read_cntvct() - t0 > timeout) {
            printf("VTIMER-ERROR timeout ticks=%u ctl=0x%lx\n", ticks, vtimer_ctl());
            psci_system_off();
        }
        wfi();
        wfis++;
        irq_enable();
    }
    irq_enable();

    printf("VTIMER ticks=%u min=%lu max=%lu period=%lu\n", ticks, min_iv, max_iv, period);
    printf("VTIMER wfis=%lu wrong=%u spurious=%u not-fired=%u\n", wfis, wrong, spurious, not_fired);
    if (wrong != 0u)
        printf("VTIMER-ERROR unexpected intid=%u\n", last_wrong);
    if (min_iv < period)
        printf("VTIMER-ERROR interval %lu shorter than the period %lu\n", min_iv, period);
    psci_system_off();
}
