/* tests/guests/restarter/main.c: restart stress next to tests/guests/victim. Two VCPUs and SPI 49.
 * On every start n (HV_VM_INFO x3) VCPU 0 prints RESTART n=<n> and checks that nothing of the
 * previous run survived: its .data variable and a RAM probe are back to the image's contents,
 * the distributor (GICD_CTLR, SPI 49's enable/pending/active/priority/route), both
 * redistributors (ISPENDR0/ISACTIVER0/ISENABLER0/IPRIORITYR/WAKER), the virtual timer and
 * the virtual CPU interface (running priority idle, nothing to acknowledge) are at reset
 * values, and VCPU 1 is off; each difference prints RESTART dirty n=<n> what=<reg> value=<v>.
 * Then it leaves as much state behind as it can: interrupts pending and active (the virtual
 * timer, hardware-linked, acknowledged and never ended, under an SGI also active, and more
 * pending), SGIs and SPI 49 pending on VCPU 1,
 * which it starts and which acknowledges one of them and keeps yielding; and it calls
 * PSCI SYSTEM_RESET (on even starts VCPU 1 does, on the victim's physical CPU). On start 100 it prints RESTART done and calls SYSTEM_OFF.
 * Markers: RESTART n=, RESTART dirty, RESTART timer-lost, RESTART done, RESTART BAD. */
#define HOSTILE_IMPL
#include "../hostile_common/hostile.h"

#define RESTARTS     100u
#define MARKER       0x11111111u
#define PROBE        0x40100000ull /* inside the VM's RAM, outside the image */
#define OWN_SPI      49u
#define SPI_BIT      (1u << (OWN_SPI - 32u))
#define WAIT_US      200000u

static volatile uint32_t marker = MARKER;
static volatile uint32_t sec_ready;
static volatile uint32_t sec_acked;
static volatile uint32_t sec_do_reset;
static unsigned start_n;
static unsigned dirty;

void hostile_irq(struct exc_frame *f)
{
    (void)f;
    printf("RESTART BAD irq taken n=%u\n", start_n);
}

void hostile_sync(struct exc_frame *f, uint64_t offset, uint64_t esr, uint64_t far)
{
    printf("RESTART BAD exception n=%u vector=0x%lx esr=0x%lx elr=0x%lx far=0x%lx\n", start_n, offset,
           esr, f->elr, far);
    for (;;)
        wfi();
}

static void want(const char *what, uint64_t got, uint64_t expect)
{
    if (got != expect) {
        dirty++;
        printf("RESTART dirty n=%u what=%s value=0x%lx want=0x%lx\n", start_n, what, got, expect);
    }
}

static void secondary(unsigned vcpu, uint64_t ctx) __attribute__((noreturn));
static void secondary(unsigned vcpu, uint64_t ctx)
{
    (void)ctx;
    gic_open(vcpu, 0);
    mmio_write32(GICR_ISENABLER0(vcpu), 0xffffffffu);
    uint64_t t0 = read_cntvct();
    uint32_t id = 1023;
    while (id >= 1020u && read_cntvct() - t0 < us_to_ticks(WAIT_US)) {
        id = icc_iar1_read(); /* acknowledged, never ended: stays active */
        if (id >= 1020u)
            (void)hv_yield();
    }
    sec_acked = id;
    __asm__ volatile("dmb sy" : : : "memory");
    sec_ready = 1;
    for (;;) {
        if (sec_do_reset) {
            int64_t r = psci_system_reset();
            printf("RESTART BAD vcpu1 reset returned %ld\n", r);
        }
        (void)hv_yield();
    }
}

static void check_clean(void)
{
    want("data-marker", marker, MARKER);
    want("ram-probe", *(volatile uint64_t *)PROBE, 0);
    want("gicd-ctlr", mmio_read32(GICD_CTLR), 0x50);
    want("gicd-isenabler1", mmio_read32(GICD_ISENABLER(1)), 0);
    want("gicd-ispendr1", mmio_read32(GICD_ISPENDR(1)), 0);
    want("gicd-isactiver1", mmio_read32(GICD_ISACTIVER(1)), 0);
    want("gicd-ipriority49", mmio_read8(GICD_IPRIORITYR(OWN_SPI)), 0);
    want("gicd-irouter49", mmio_read64(GICD_IROUTER(OWN_SPI)), 0);
    for (unsigned n = 2; n < 4; n++) {
        want("gicd-ispendr2-3", mmio_read32(GICD_ISPENDR(n)), 0);
        want("gicd-isactiver2-3", mmio_read32(GICD_ISACTIVER(n)), 0);
    }
    for (unsigned v = 0; v < 2; v++) {
        want(v ? "gicr1-ispendr0" : "gicr0-ispendr0", mmio_read32(GICR_ISPENDR0(v)), 0);
        want(v ? "gicr1-isactiver0" : "gicr0-isactiver0", mmio_read32(GICR_ISACTIVER0(v)), 0);
        want(v ? "gicr1-isenabler0" : "gicr0-isenabler0", mmio_read32(GICR_ISENABLER0(v)), 0xffff);
        want(v ? "gicr1-waker" : "gicr0-waker", mmio_read32(GICR_WAKER(v)), 6);
        uint32_t prio = 0;
        for (unsigned i = 0; i < 32; i += 4)
            prio |= mmio_read32(GICR_IPRIORITYR(v, i));
        want(v ? "gicr1-ipriority-or" : "gicr0-ipriority-or", prio, 0);
    }
    want("cntv-ctl", vtimer_ctl() & 3u, 0);
    want("icc-rpr", icc_rpr_read() & 0xffu, 0xff);
    want("vcpu1-affinity", (uint64_t)psci_affinity_info(1, 0), PSCI_AFF_OFF);
    gic_open(0, 1);
    want("icc-iar1", icc_iar1_read(), INTID_SPURIOUS);
}

static void leave_mess(void)
{
    marker = 0xdeadbeefu;
    *(volatile uint64_t *)PROBE = 0x1234567890abcdefull;

    /* SPI 49: enabled, high priority, routed to VCPU 1, pending. */
    mmio_write8(GICD_IPRIORITYR(OWN_SPI), 0x10);
    mmio_write64(GICD_IROUTER(OWN_SPI), 1);
    mmio_write32(GICD_ISENABLER(1), SPI_BIT);
    mmio_write32(GICD_ISPENDR(1), SPI_BIT);
    want("spi49-took-pending", mmio_read32(GICD_ISPENDR(1)) & SPI_BIT, SPI_BIT);

    /* Own private interrupts: all enabled, priorities set, a PPI pending. At most four
     * interrupts per VCPU are pending or active at once here -- the list registers of
     * QEMU's GICv3 -- so that this test is about restarts; more than that is
     * hostile_lrs's subject. */
    mmio_write32(GICR_ISENABLER0(0), 0xffffffffu);
    for (unsigned i = 0; i < 32; i++)
        mmio_write8(GICR_IPRIORITYR(0, i), (uint8_t)(i == VTIMER_INTID ? 0x80 : (i < 16 ? 0x00 : 0xa0)));
    mmio_write32(GICR_ISPENDR0(0), 1u << 16);

    /* The virtual timer fires (hardware-linked interrupt) and is acknowledged, not ended. */
    vtimer_arm_ticks(0);
    uint64_t t0 = read_cntvct();
    uint32_t id = 1023;
    for (;;) {
        id = icc_iar1_read();
        if (id == VTIMER_INTID || read_cntvct() - t0 > us_to_ticks(WAIT_US))
            break;
        if (id < 1020u && id != 16u)
            icc_eoir1_write(id);
    }
    if (id != VTIMER_INTID)
        printf("RESTART timer-lost n=%u last=%u\n", start_n, id);
    /* An SGI of higher priority preempts it: two active interrupts. */
    icc_sgi1r_write(SGI1R(3, 1));
    id = icc_iar1_read();
    if (id != 3u)
        printf("RESTART BAD n=%u sgi3 not acknowledged: %u\n", start_n, id);
    icc_sgi1r_write(SGI1R(1, 1)); /* pending under the active ones, with PPI 16 */

    /* VCPU 1: started, takes one interrupt, the SGIs from here pending on top. */
    sec_ready = 0;
    int64_t r = psci_cpu_on(1, (uint64_t)(uintptr_t)&secondary_entry, start_n);
    if (r != PSCI_SUCCESS)
        printf("RESTART BAD n=%u cpu_on=%ld\n", start_n, r);
    for (unsigned s = 1; s < 3; s++)
        icc_sgi1r_write(SGI1R(s, 2));
    t0 = read_cntvct();
    while (!sec_ready && read_cntvct() - t0 < us_to_ticks(WAIT_US))
        (void)hv_yield();
    if (!sec_ready || sec_acked >= 1020u)
        printf("RESTART BAD n=%u vcpu1 ready=%u acked=%u\n", start_n, sec_ready, sec_acked);
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;

    if (vcpu != 0)
        secondary(vcpu, x0);
    exc_install();
    (void)vm_info(&info);
    start_n = (unsigned)info.boot_count;
    printf("RESTART n=%u\n", start_n);
    check_clean();
    if (start_n >= RESTARTS) {
        printf("RESTART done n=%u dirty=%u\n", start_n, dirty);
        psci_system_off();
    }
    leave_mess();
    if ((start_n & 1u) == 0 && sec_ready) {
        /* Every other time VCPU 1, on the victim's CPU, asks for the reset: then that CPU
         * usually retires its VCPU first and the other one finishes the restart. */
        sec_do_reset = 1;
        for (;;)
            (void)hv_yield();
    }
    int64_t r = psci_system_reset();
    printf("RESTART BAD n=%u reset returned %ld\n", start_n, r);
    psci_system_off();
}
