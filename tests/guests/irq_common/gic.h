/* tests/guests/irq_common/gic.h: the GICv3 of QEMU virt for the test guests: distributor and
 * redistributor addresses (every VM sees the same ones, docs/configuration.md), ICC_* system
 * register accessors, SGIs, PSTATE.I control, the IRQ vector table of irq_vectors.S and
 * the waits built on them. Used by the guests that take real IRQ exceptions (vtimer_periodic,
 * sgi_pingpong, sgi_spy, sgi_repend, uart_rx, rtc_irq, timer_before_enable), by those that
 * poll the CPU interface (halt_wake, long_lines), by hostile_common/hostile.h and by bench.
 * Not a guest itself (not in GUEST_NAMES): each user includes it from its main.c, and, to
 * take IRQs, includes irq_vectors.S from its own vectors.S. */
#ifndef IRQ_COMMON_GIC_H
#define IRQ_COMMON_GIC_H

#include "guest.h"

/* ---- distributor (GICD) ---- */
#define GICD_BASE          0x08000000ull
#define GICD_CTLR          (GICD_BASE + 0x0000u)
#define GICD_TYPER         (GICD_BASE + 0x0004u)
#define GICD_IGROUPR(n)    (GICD_BASE + 0x0080u + 4u * (n))
#define GICD_ISENABLER(n)  (GICD_BASE + 0x0100u + 4u * (n))
#define GICD_ICENABLER(n)  (GICD_BASE + 0x0180u + 4u * (n))
#define GICD_ISPENDR(n)    (GICD_BASE + 0x0200u + 4u * (n))
#define GICD_ICPENDR(n)    (GICD_BASE + 0x0280u + 4u * (n))
#define GICD_ISACTIVER(n)  (GICD_BASE + 0x0300u + 4u * (n))
#define GICD_IPRIORITYR(i) (GICD_BASE + 0x0400u + (i))      /* byte per INTID */
#define GICD_ICFGR(n)      (GICD_BASE + 0x0c00u + 4u * (n))
#define GICD_IROUTER(i)    (GICD_BASE + 0x6000u + 8u * (i)) /* 64-bit per SPI */
#define GICD_CTLR_GRP1     (1u << 1)          /* EnableGrp1 (single security state) */
#define GICD_CTLR_ARE      (1u << 4)

/* ---- redistributors: one per VCPU, RD frame then SGI/PPI frame ---- */
#define GICR_BASE          0x080a0000ull
#define GICR_STRIDE        0x20000u
#define GICR_RD(v)         (GICR_BASE + (uint64_t)GICR_STRIDE * (v))
#define GICR_TYPER(v)      (GICR_RD(v) + 0x0008u)
#define GICR_WAKER(v)      (GICR_RD(v) + 0x0014u)
#define GICR_WAKER_PSLEEP  (1u << 1)
#define GICR_WAKER_CASLEEP (1u << 2)
#define GICR_SGI(v)        (GICR_RD(v) + 0x10000u)
#define GICR_IGROUPR0(v)   (GICR_SGI(v) + 0x0080u)
#define GICR_ISENABLER0(v) (GICR_SGI(v) + 0x0100u)
#define GICR_ICENABLER0(v) (GICR_SGI(v) + 0x0180u)
#define GICR_ISPENDR0(v)   (GICR_SGI(v) + 0x0200u)
#define GICR_ICPENDR0(v)   (GICR_SGI(v) + 0x0280u)
#define GICR_ISACTIVER0(v) (GICR_SGI(v) + 0x0300u)
#define GICR_IPRIORITYR(v, i) (GICR_SGI(v) + 0x0400u + (i))  /* byte per INTID */

#define INTID_SPECIAL      1020u /* 1020-1023: special INTIDs, no interrupt */
#define INTID_SPURIOUS     1023u

/* ---- GIC CPU interface (ICC_* at EL1; the ICV_* ones under a hypervisor) ---- */
static inline uint64_t icc_sre_read(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, S3_0_C12_C12_5" : "=r"(v)); /* ICC_SRE_EL1 */
    return v;
}

static inline void icc_sre_write(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C12_5, %0\n\tisb" : : "r"(v) : "memory");
}

static inline void icc_pmr_write(uint64_t v)
{
    __asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(v) : "memory"); /* ICC_PMR_EL1 */
}

static inline void icc_bpr1_write(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C12_3, %0" : : "r"(v) : "memory"); /* ICC_BPR1_EL1 */
}

static inline void icc_igrpen1_write(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C12_7, %0\n\tisb" : : "r"(v) : "memory"); /* ICC_IGRPEN1_EL1 */
}

/* Acknowledge: the INTID (INTID_SPURIOUS when nothing is pending). */
static inline uint32_t icc_iar1_read(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(v) : : "memory"); /* ICC_IAR1_EL1 */
    return (uint32_t)(v & 0xffffffu);
}

/* End of interrupt (EOImode 0: priority drop and deactivation). */
static inline void icc_eoir1_write(uint32_t intid)
{
    __asm__ volatile("msr S3_0_C12_C12_1, %0\n\tisb" : : "r"((uint64_t)intid) : "memory");
}

/* Running priority (0xff: idle). */
static inline uint64_t icc_rpr_read(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, S3_0_C12_C11_3" : "=r"(v) : : "memory"); /* ICC_RPR_EL1 */
    return v;
}

/* ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 fields. */
#define SGI1R_INTID(id)     ((uint64_t)((id) & 0xfu) << 24)
#define SGI1R_TARGETS(mask) ((uint64_t)((mask) & 0xffffu))
#define SGI1R(intid, targets) (SGI1R_INTID(intid) | SGI1R_TARGETS(targets))
#define SGI1R_AFF1(a)       ((uint64_t)((a) & 0xffu) << 16)
#define SGI1R_AFF2(a)       ((uint64_t)((a) & 0xffu) << 32)
#define SGI1R_AFF3(a)       ((uint64_t)((a) & 0xffu) << 48)
#define SGI1R_RS(rs)        ((uint64_t)((rs) & 0xfu) << 44)
#define SGI1R_IRM           (1ull << 40)

static inline void icc_sgi1r_write(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C11_5, %0\n\tisb" : : "r"(v) : "memory");
}

static inline void icc_asgi1r_write(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C11_6, %0\n\tisb" : : "r"(v) : "memory");
}

static inline void icc_sgi0r_write(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C11_7, %0\n\tisb" : : "r"(v) : "memory");
}

/* SGI `intid` to VCPU `vcpu` (< 16) of this VM: Aff3.Aff2.Aff1 = 0, target list bit. */
static inline void sgi_send_to(uint32_t intid, unsigned vcpu)
{
    icc_sgi1r_write(SGI1R(intid, 1u << vcpu));
}

/* SGI `intid` to every VCPU of this VM but the sender (IRM = 1). */
static inline void sgi_broadcast(uint32_t intid)
{
    icc_sgi1r_write(SGI1R_INTID(intid) | SGI1R_IRM);
}

/* ---- PSTATE.I ---- */
static inline void irq_enable(void)
{
    __asm__ volatile("msr daifclr, #0x2\n\tisb" : : : "memory");
}

static inline void irq_disable(void)
{
    __asm__ volatile("msr daifset, #0x2" : : : "memory");
}

/* ---- set-up as a bare-metal GICv3 driver does it ---- */
/* Wakes VCPU `vcpu`'s redistributor: clears ProcessorSleep, waits (bounded) for ChildrenAsleep. */
static inline void gic_redist_wake(unsigned vcpu)
{
    mmio_write32(GICR_WAKER(vcpu), mmio_read32(GICR_WAKER(vcpu)) & ~GICR_WAKER_PSLEEP);
    for (uint32_t spins = 0; spins < 1000000u; spins++) {
        if ((mmio_read32(GICR_WAKER(vcpu)) & GICR_WAKER_CASLEEP) == 0u)
            break;
    }
}

/* Opens the caller's CPU interface: system registers, every priority, group 1 on. */
static inline void icc_open(void)
{
    icc_sre_write(icc_sre_read() | 1u); /* SRE: system-register interface */
    icc_pmr_write(0xff);                 /* let every priority through */
    icc_bpr1_write(0);
    icc_igrpen1_write(1);                /* enable group 1 */
}

/* Per-VCPU set-up: wake this VCPU's redistributor, enable `enable_mask` (bit n = INTID n,
 * SGIs and PPIs) in its SGI frame, and open the CPU interface. The distributor's
 * GICD_CTLR is the caller's business (once per VM). */
static inline void gic_cpu_init(unsigned vcpu, uint32_t enable_mask)
{
    gic_redist_wake(vcpu);
    mmio_write32(GICR_ISENABLER0(vcpu), enable_mask);
    icc_open();
}

/* ---- the IRQ vector table (irq_vectors.S) ----
 * IRQs taken at EL1h save the caller-saved registers and call irq_dispatch(), which
 * the guest defines (it acknowledges, handles and EOIs); every other vector goes to
 * common/start.S's reporting vectors (GUEST-EXCEPTION, power off). */
extern char irq_vectors[];
void irq_dispatch(void);

static inline void irq_vectors_install(void)
{
    __asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"((uint64_t)(uintptr_t)irq_vectors) : "memory");
}

/* An enable_mask for gic_cpu_init: every SGI and the virtual timer's PPI. */
#define GIC_SGIS_AND_VTIMER (0xffffu | (1u << VTIMER_INTID))

/* Start of a VCPU that takes IRQs: its vectors, gic_cpu_init(vcpu, enable_mask), IRQs unmasked. */
static inline void irq_cpu_start(unsigned vcpu, uint32_t enable_mask)
{
    irq_vectors_install();
    gic_cpu_init(vcpu, enable_mask);
    irq_enable();
}

/* The loop of an irq_dispatch: acknowledges every pending interrupt, passes its INTID to
 * handle() and ends it, until INTID_SPURIOUS. Returns how many (0: the IRQ was spurious). */
static inline unsigned irq_handle_pending(void (*handle)(uint32_t intid))
{
    unsigned handled = 0;

    for (;;) {
        uint32_t intid = icc_iar1_read();

        if (intid == INTID_SPURIOUS)
            return handled;
        handle(intid);
        icc_eoir1_write(intid);
        handled++;
    }
}

/* ---- waits ---- */
/* For an IRQ handler: whether the virtual timer as armed now has fired (ENABLE and ISTATUS
 * set, IMASK clear); if so it is stopped. A late interrupt of a timer since disabled or
 * re-armed does not count. */
static inline int vtimer_take_expiry(void)
{
    const uint64_t ctl = vtimer_ctl();

    if ((ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK | CNTV_CTL_ISTATUS)) !=
        (CNTV_CTL_ENABLE | CNTV_CTL_ISTATUS))
        return 0;
    vtimer_disable();
    return 1;
}

/* Sleeps in WFI, taking interrupts, until *p >= want (a handler moves it) or the virtual
 * timer, armed for `us`, has fired (the handler counts that in *fired, see
 * vtimer_take_expiry). Checks with PSTATE.I set, so a wake-up between the check and the WFI
 * is not lost. 0 if *p got there, -1 if the timer fired first; the timer may still run. */
static inline int irq_wait_until(volatile uint32_t *p, uint32_t want, volatile uint32_t *fired,
                                 uint64_t us)
{
    const uint32_t before = *fired;
    int r;

    vtimer_arm_us(us);
    for (;;) {
        irq_disable();
        if (*p >= want) {
            r = 0;
            break;
        }
        if (*fired != before) {
            r = -1;
            break;
        }
        wfi();
        irq_enable();
    }
    irq_enable();
    return r;
}

/* Sleeps in WFI, taking interrupts, until the virtual timer, armed for `us`, has fired
 * (counted in *fired by the handler, as for irq_wait_until). */
static inline void irq_nap_us(volatile uint32_t *fired, uint64_t us)
{
    (void)irq_wait_until(fired, *fired + 1u, fired, us);
}

/* With IRQs masked (PSTATE.I set): arms the virtual timer for `us`, sleeps in WFI until it
 * fires and acknowledges its interrupt by hand (IAR, timer off so the line drops, EOI unless
 * spurious). Returns the INTID read; counts the WFIs in *wfis unless it is NULL. */
static inline uint32_t vtimer_sleep_masked(uint64_t us, uint64_t *wfis)
{
    vtimer_arm_us(us);
    while (!(vtimer_ctl() & CNTV_CTL_ISTATUS)) {
        wfi();
        if (wfis != NULL)
            (*wfis)++;
    }
    uint32_t intid = icc_iar1_read();
    vtimer_disable();
    if (intid != INTID_SPURIOUS)
        icc_eoir1_write(intid);
    return intid;
}

#endif /* IRQ_COMMON_GIC_H */
