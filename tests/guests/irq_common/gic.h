/* tests/guests/irq_common/gic.h: GICv3 helpers for the test guests that take real IRQ
 * exceptions (vtimer_periodic, sgi_pingpong, sgi_spy, uart_rx): distributor and
 * redistributor addresses of QEMU virt, ICC_* system register accessors, PSTATE.I control,
 * and the IRQ vector table of irq_vectors.S. Not a guest itself (not in GUEST_NAMES): each
 * user includes it from its main.c and includes irq_vectors.S from its own vectors.S. */
#ifndef IRQ_COMMON_GIC_H
#define IRQ_COMMON_GIC_H

#include <stdint.h>

/* ---- distributor (GICD) ---- */
#define GICD_BASE          0x08000000u
#define GICD_CTLR          (GICD_BASE + 0x0000u)
#define GICD_CTLR_GRP1     (1u << 1)          /* EnableGrp1 (single security state) */
#define GICD_CTLR_ARE      (1u << 4)
#define GICD_ISENABLER(n)  (GICD_BASE + 0x0100u + 4u * (n))
#define GICD_ICENABLER(n)  (GICD_BASE + 0x0180u + 4u * (n))
#define GICD_IPRIORITYR(i) (GICD_BASE + 0x0400u + (i))      /* byte per INTID */
#define GICD_IROUTER(i)    (GICD_BASE + 0x6000u + 8u * (i)) /* 64-bit per SPI */

/* ---- redistributors: one per VCPU, RD frame then SGI/PPI frame ---- */
#define GICR_BASE          0x080a0000u
#define GICR_STRIDE        0x20000u
#define GICR_RD(v)         (GICR_BASE + GICR_STRIDE * (v))
#define GICR_WAKER(v)      (GICR_RD(v) + 0x0014u)
#define GICR_WAKER_PSLEEP  (1u << 1)
#define GICR_WAKER_CASLEEP (1u << 2)
#define GICR_SGI(v)        (GICR_RD(v) + 0x10000u)
#define GICR_ISENABLER0(v) (GICR_SGI(v) + 0x0100u)
#define GICR_ICENABLER0(v) (GICR_SGI(v) + 0x0180u)

#define INTID_SPURIOUS     1023u

/* ---- GIC CPU interface (system registers) ---- */
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

/* ICC_SGI1R_EL1 fields. */
#define SGI1R_INTID(id)     ((uint64_t)((id) & 0xfu) << 24)
#define SGI1R_TARGETS(mask) ((uint64_t)((mask) & 0xffffu))
#define SGI1R_IRM           (1ull << 40)

static inline void icc_sgi1r_write(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C11_5, %0\n\tisb" : : "r"(v) : "memory");
}

/* SGI `intid` to VCPU `vcpu` (< 16) of this VM: Aff3.Aff2.Aff1 = 0, target list bit. */
static inline void sgi_send_to(uint32_t intid, unsigned vcpu)
{
    icc_sgi1r_write(SGI1R_INTID(intid) | SGI1R_TARGETS(1u << vcpu));
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

/* ---- plain MMIO (the MMU is off) ---- */
static inline uint32_t gic_read32(uint64_t addr)
{
    return *(volatile uint32_t *)(uintptr_t)addr;
}

static inline void gic_write32(uint64_t addr, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline void gic_write64(uint64_t addr, uint64_t v)
{
    *(volatile uint64_t *)(uintptr_t)addr = v;
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

/* Per-VCPU set-up as a bare-metal GICv3 driver does it: wake this VCPU's redistributor,
 * enable `enable_mask` (bit n = INTID n, SGIs and PPIs) in its SGI frame, and open the
 * CPU interface (system registers, every priority, group 1). The distributor's
 * GICD_CTLR is the caller's business (once per VM). */
static inline void gic_cpu_init(unsigned vcpu, uint32_t enable_mask)
{
    gic_write32(GICR_WAKER(vcpu), gic_read32(GICR_WAKER(vcpu)) & ~GICR_WAKER_PSLEEP);
    for (uint32_t spins = 0; spins < 1000000u; spins++) {
        if ((gic_read32(GICR_WAKER(vcpu)) & GICR_WAKER_CASLEEP) == 0u)
            break;
    }
    gic_write32(GICR_ISENABLER0(vcpu), enable_mask);
    icc_sre_write(icc_sre_read() | 1u); /* SRE: system-register interface */
    icc_pmr_write(0xff);                 /* let every priority through */
    icc_bpr1_write(0);
    icc_igrpen1_write(1);                /* enable group 1 */
}

#endif /* IRQ_COMMON_GIC_H */
