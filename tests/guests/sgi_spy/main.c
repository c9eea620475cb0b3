/* tests/guests/sgi_spy/main.c: SGI isolation between VMs. Every VCPU of this VM (VCPU 0
 * starts the others) enables all SGIs and opens its CPU interface, then sleeps in WFI for a
 * fixed window of virtual counter time (ended by its own virtual timer, PPI 27), counting
 * every interrupt it takes. Run next to sgi_pingpong, whose targeted and broadcast SGIs name
 * Aff0 0 and 1, which exist here too: none of them may arrive. Nothing in this VM sends an
 * SGI. VCPU 0 prints the totals, SPY sgis=<n> other=<n> spurious=<n>, and powers off.
 * Markers: SPY-START, SPY vcpu=..., SPY sgis=..., SPY-ERROR. */
#include "guest.h"
#include "../irq_common/gic.h"

#define WINDOW_US 300000u  /* 300 ms of virtual counter */
#define POLL_US   1000u    /* VCPU 0 naps this long between looks at the others */
#define POLLS     5000u    /* ... this many times at most */

static volatile uint32_t sgis[GUEST_MAX_VCPUS];
static volatile uint32_t sgi_mask[GUEST_MAX_VCPUS];   /* which SGI INTIDs came */
static volatile uint32_t other[GUEST_MAX_VCPUS];      /* anything but SGIs and the timer */
static volatile uint32_t other_last[GUEST_MAX_VCPUS];
static volatile uint32_t spurious[GUEST_MAX_VCPUS];
static volatile uint32_t timer_fired[GUEST_MAX_VCPUS];
static volatile uint32_t reported[GUEST_MAX_VCPUS];

static void on_irq(uint32_t intid)
{
    const unsigned v = current_vcpu() % GUEST_MAX_VCPUS;

    if (intid < 16u) {
        sgis[v]++;
        sgi_mask[v] |= 1u << intid;
    } else if (intid == VTIMER_INTID) {
        if (vtimer_take_expiry())
            timer_fired[v]++;
    } else {
        other[v]++;
        other_last[v] = intid;
    }
}

void irq_dispatch(void)
{
    if (irq_handle_pending(on_irq) == 0u)
        spurious[current_vcpu() % GUEST_MAX_VCPUS]++;
}

/* Sleep in WFI for `us` of virtual counter, taking whatever interrupts come. */
static void nap_us(uint64_t us)
{
    irq_nap_us(&timer_fired[current_vcpu() % GUEST_MAX_VCPUS], us);
}

/* One VCPU's window: everything enabled, sleep until the timer ends it. */
static void spy_window(unsigned v)
{
    irq_cpu_start(v, GIC_SGIS_AND_VTIMER);
    nap_us(WINDOW_US);
    printf("SPY vcpu=%u sgis=%u sgi-mask=0x%x other=%u spurious=%u\n", v, sgis[v], sgi_mask[v],
           other[v], spurious[v]);
    if (other[v] != 0u)
        printf("SPY-ERROR vcpu=%u unexpected intid=%u\n", v, other_last[v]);
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;

    (void)x0;
    if (vcpu >= GUEST_MAX_VCPUS)
        return;
    if (vcpu != 0) {
        spy_window(vcpu);
        reported[vcpu] = 1;
        return; /* start.S: CPU_OFF */
    }

    unsigned n = 1;
    if (vm_info(&info) == HV_OK && info.vcpus >= 1u && info.vcpus <= GUEST_MAX_VCPUS)
        n = (unsigned)info.vcpus;
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    printf("SPY-START vcpus=%u window-us=%u\n", n, WINDOW_US);
    for (unsigned i = 1; i < n; i++) {
        int64_t r = psci_cpu_on(i, (uint64_t)(uintptr_t)&secondary_entry, i);
        if (r != PSCI_SUCCESS) {
            printf("SPY-ERROR CPU_ON vcpu %u: %ld\n", i, r);
            psci_system_off();
        }
    }
    spy_window(0);

    /* The others finish their windows a little later; they tell by memory only (no SGI
     * in this VM), so look every POLL_US, sleeping in between. */
    uint32_t total = sgis[0];
    uint32_t total_other = other[0];
    uint32_t total_spurious = spurious[0];
    for (unsigned i = 1; i < n; i++) {
        unsigned polls = 0;
        while (!reported[i]) {
            if (++polls > POLLS) {
                printf("SPY-ERROR vcpu %u did not finish its window\n", i);
                psci_system_off();
            }
            nap_us(POLL_US);
        }
        total += sgis[i];
        total_other += other[i];
        total_spurious += spurious[i];
    }
    printf("SPY sgis=%u other=%u spurious=%u\n", total, total_other, total_spurious);
    psci_system_off();
}
