/* tests/guests/sgi_pingpong/main.c: SGIs between the two VCPUs of one VM, taken as real IRQ
 * exceptions. VCPU 0 starts VCPU 1 (PSCI CPU_ON); both enable SGIs 0-15 in their own
 * redistributor. VCPU 0 sends SGI 1 to VCPU 1 (targeted: Aff0 target list bit 1), VCPU 1's
 * handler answers with SGI 2 to VCPU 0; 100 round trips, each checked for strict
 * alternation. Then VCPU 0 broadcasts SGI 3 (IRM = 1), which must reach VCPU 1 (it answers
 * with SGI 4) and not VCPU 0 itself. Every wait is a WFI woken by an interrupt (handshakes
 * are SGIs too: 5 = VCPU 1 ready, 6 = finish, 7 = VCPU 1 reported), bounded by the virtual
 * timer. Markers: SGI-START, SGI-PINGPONG rounds=..., SGI-BROADCAST received-by=...,
 * SGI-VCPU0/1 ..., SGI-DONE, SGI-ERROR. */
#include "guest.h"
#include "../irq_common/gic.h"

#define ROUNDS      100u
#define SGI_PING    1u  /* 0 -> 1 */
#define SGI_PONG    2u  /* 1 -> 0 */
#define SGI_BCAST   3u  /* 0 -> all but self */
#define SGI_BACK    4u  /* 1 -> 0: broadcast received */
#define SGI_READY   5u  /* 1 -> 0: set up */
#define SGI_FINISH  6u  /* 0 -> 1 */
#define SGI_BYE     7u  /* 1 -> 0: reported */
#define NVCPUS      2u
#define WAIT_US     2000000u /* bound of every wait: 2 s of virtual counter */
#define SETTLE_US   2000u    /* after the broadcast: time for a wrong delivery to show */

/* What each VCPU may receive, and how often by the end. */
static const uint32_t want_count[NVCPUS][16] = {
    [0] = { [SGI_PONG] = ROUNDS, [SGI_BACK] = 1, [SGI_READY] = 1, [SGI_BYE] = 1 },
    [1] = { [SGI_PING] = ROUNDS, [SGI_BCAST] = 1, [SGI_FINISH] = 1 },
};

/* Per VCPU, written only by that VCPU (its handler). */
static volatile uint32_t sgi_count[NVCPUS][16];
static volatile uint32_t timer_fired[NVCPUS];
static volatile uint32_t timer_stale[NVCPUS];
static volatile uint32_t other_count[NVCPUS];
static volatile uint32_t other_last[NVCPUS];
static volatile uint32_t spurious[NVCPUS];

static void on_sgi(unsigned v, uint32_t intid)
{
    sgi_count[v][intid]++;
    if (v == 1u) {
        if (intid == SGI_PING)
            sgi_send_to(SGI_PONG, 0);
        else if (intid == SGI_BCAST)
            sgi_send_to(SGI_BACK, 0);
    }
}

static void on_irq(uint32_t intid)
{
    const unsigned v = current_vcpu() % NVCPUS;

    if (intid < 16u) {
        on_sgi(v, intid);
    } else if (intid == VTIMER_INTID) {
        if (vtimer_take_expiry())
            timer_fired[v]++;
        else
            timer_stale[v]++;
    } else {
        other_count[v]++;
        other_last[v] = intid;
    }
}

void irq_dispatch(void)
{
    if (irq_handle_pending(on_irq) == 0u)
        spurious[current_vcpu() % NVCPUS]++;
}

/* Sleep in WFI until *p >= want (an interrupt handler moves it), at most `us`. Checks with
 * PSTATE.I set, so a wake-up between the check and the WFI is not lost. 0 on success. */
static int wait_for(volatile uint32_t *p, uint32_t want, uint64_t us, const char *what)
{
    const unsigned v = current_vcpu() % NVCPUS;
    const int r = irq_wait_until(p, want, &timer_fired[v], us);

    vtimer_disable();
    if (r != 0)
        printf("SGI-ERROR vcpu=%u timeout waiting for %s (%u < %u)\n", v, what, *p, want);
    return r;
}

static void nap_us(uint64_t us)
{
    const unsigned v = current_vcpu() % NVCPUS;

    (void)wait_for(&timer_fired[v], timer_fired[v] + 1u, us, "nap");
}

/* Counts of VCPU v against want_count; prints and returns the number of mismatches. */
static unsigned report(unsigned v)
{
    unsigned bad = 0;

    printf("SGI-VCPU%u sgis=", v);
    for (unsigned i = 0; i < 16u; i++)
        printf("%s%u", i ? "," : "", sgi_count[v][i]);
    printf(" other=%u spurious=%u stale-timer=%u\n", other_count[v], spurious[v], timer_stale[v]);
    for (unsigned i = 0; i < 16u; i++) {
        if (sgi_count[v][i] != want_count[v][i]) {
            printf("SGI-ERROR vcpu=%u sgi%u count=%u want=%u\n", v, i, sgi_count[v][i],
                   want_count[v][i]);
            bad++;
        }
    }
    if (other_count[v] != 0u) {
        printf("SGI-ERROR vcpu=%u unexpected intid=%u\n", v, other_last[v]);
        bad++;
    }
    return bad;
}

static void secondary(void) __attribute__((noreturn));
static void secondary(void)
{
    irq_cpu_start(1, GIC_SGIS_AND_VTIMER);
    sgi_send_to(SGI_READY, 0);
    /* The ping-pong and the broadcast are handled in the IRQ handler meanwhile. */
    if (wait_for(&sgi_count[1][SGI_FINISH], 1, 4u * WAIT_US, "finish") == 0)
        (void)report(1);
    sgi_send_to(SGI_BYE, 0);
    psci_cpu_off();
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;
    unsigned errors = 0;

    (void)x0;
    if (vcpu == 1)
        secondary();
    if (vcpu != 0)
        return;

    if (vm_info(&info) != HV_OK || info.vcpus != NVCPUS) {
        printf("SGI-ERROR this VM must have %u VCPUs (has %lu)\n", NVCPUS, info.vcpus);
        psci_system_off();
    }
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    irq_cpu_start(0, GIC_SGIS_AND_VTIMER);

    int64_t r = psci_cpu_on(1, (uint64_t)(uintptr_t)&secondary_entry, 1);
    if (r != PSCI_SUCCESS) {
        printf("SGI-ERROR CPU_ON vcpu 1: %ld\n", r);
        psci_system_off();
    }
    if (wait_for(&sgi_count[0][SGI_READY], 1, WAIT_US, "vcpu 1 ready") != 0)
        psci_system_off();
    printf("SGI-START vcpus=%u rounds=%u\n", NVCPUS, ROUNDS);

    const uint64_t t0 = read_cntvct();
    unsigned done = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        sgi_send_to(SGI_PING, 1);
        if (wait_for(&sgi_count[0][SGI_PONG], round + 1u, WAIT_US, "pong") != 0) {
            errors++;
            break;
        }
        /* Strict alternation: exactly one ping seen for each pong. */
        if (sgi_count[1][SGI_PING] != round + 1u || sgi_count[0][SGI_PONG] != round + 1u) {
            printf("SGI-ERROR round=%u ping=%u pong=%u\n", round, sgi_count[1][SGI_PING],
                   sgi_count[0][SGI_PONG]);
            errors++;
            break;
        }
        done++;
    }
    const uint64_t t1 = read_cntvct();
    if (errors == 0u)
        printf("SGI-PINGPONG rounds=%u ticks=%lu\n", done, t1 - t0);

    /* Broadcast: every VCPU of this VM but the sender. */
    sgi_broadcast(SGI_BCAST);
    (void)wait_for(&sgi_count[0][SGI_BACK], 1, WAIT_US, "broadcast answer");
    nap_us(SETTLE_US); /* a delivery to VCPU 0 itself would be taken meanwhile */
    char who[16];
    unsigned n = 0;
    for (unsigned v = 0; v < NVCPUS; v++) {
        if (sgi_count[v][SGI_BCAST] != 0u) {
            if (n != 0u)
                who[n++] = ',';
            who[n++] = (char)('0' + v);
        }
    }
    who[n] = '\0';
    printf("SGI-BROADCAST received-by=%s count0=%u count1=%u\n", n ? who : "none",
           sgi_count[0][SGI_BCAST], sgi_count[1][SGI_BCAST]);

    sgi_send_to(SGI_FINISH, 1);
    if (wait_for(&sgi_count[0][SGI_BYE], 1, WAIT_US, "vcpu 1 report") != 0)
        errors++;
    errors += report(0);
    printf("SGI-DONE errors=%u\n", errors);
    psci_system_off();
}
