/* tests/guests/halt_wake/main.c: WFI wake-up by the virtual timer with IRQs masked (PSTATE.I):
 * 5 rounds of arm 2 ms, wfi until ISTATUS, acknowledge through the GICv3 CPU interface. */
#include "guest.h"

#define ROUNDS         5u
#define ROUND_US       2000u
#define INTID_SPURIOUS 1023u

static inline uint64_t icc_sre_read(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, icc_sre_el1" : "=r"(v));
    return v;
}

static inline void icc_sre_write(uint64_t v)
{
    __asm__ volatile("msr icc_sre_el1, %0\n\tisb" : : "r"(v) : "memory");
}

static inline void icc_pmr_write(uint64_t v)
{
    __asm__ volatile("msr icc_pmr_el1, %0" : : "r"(v) : "memory");
}

static inline void icc_bpr1_write(uint64_t v)
{
    __asm__ volatile("msr icc_bpr1_el1, %0" : : "r"(v) : "memory");
}

static inline void icc_igrpen1_write(uint64_t v)
{
    __asm__ volatile("msr icc_igrpen1_el1, %0\n\tisb" : : "r"(v) : "memory");
}

static inline uint32_t icc_iar1_read(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, icc_iar1_el1" : "=r"(v) : : "memory");
    return (uint32_t)(v & 0xffffffu);
}

static inline void icc_eoir1_write(uint32_t intid)
{
    __asm__ volatile("msr icc_eoir1_el1, %0\n\tisb" : : "r"((uint64_t)intid) : "memory");
}

#define GICD_CTLR_ADDR     0x08000000u
#define GICD_CTLR_ARE_GRP1 0x12u
#define GICR_SGI_BASE      (0x080a0000u + 0x10000u) /* VCPU 0's SGI/PPI frame */
#define GICR_ISENABLER0    0x100u
#define INTID_VTIMER       27u

static inline void irqs_mask(void)
{
    __asm__ volatile("msr daifset, #0x2" : : : "memory");
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    (void)x0;
    if (vcpu != 0)
        return;

    /* start.S already masks IRQs; make it explicit: PSTATE.I stays set throughout,
     * so a pending IRQ only ends WFI and is never taken. */
    irqs_mask();

    /* As on a bare QEMU virt board: group 1 on in the distributor, the
     * virtual timer PPI enabled in this VCPU's redistributor. */
    *(volatile uint32_t *)(uintptr_t)GICD_CTLR_ADDR = GICD_CTLR_ARE_GRP1;
    *(volatile uint32_t *)(uintptr_t)(GICR_SGI_BASE + GICR_ISENABLER0) = 1u << INTID_VTIMER;

    icc_sre_write(icc_sre_read() | 1u); /* SRE: system-register interface */
    icc_pmr_write(0xff);                 /* let every priority through */
    icc_bpr1_write(0);
    icc_igrpen1_write(1);                /* enable Group 1 */

    for (unsigned round = 0; round < ROUNDS; round++) {
        uint64_t wfis = 0;

        vtimer_arm_us(ROUND_US);
        while (!(vtimer_ctl() & CNTV_CTL_ISTATUS)) {
            wfi();
            wfis++;
        }

        uint32_t intid = icc_iar1_read();
        vtimer_disable(); /* IMASK=1, ENABLE=0: the timer's line drops */
        if (intid != INTID_SPURIOUS)
            icc_eoir1_write(intid);

        printf("WAKE round=%u intid=%u wfis=%lu\n", round, intid, wfis);
        if (intid == INTID_SPURIOUS)
            printf("WAKE-NOTE round=%u spurious (no interrupt pending at IAR read)\n", round);
        else if (intid != VTIMER_INTID)
            printf("WAKE-NOTE round=%u unexpected intid=%u (want %u)\n", round, intid, VTIMER_INTID);
    }

    printf("HALT-WAKE-DONE rounds=%u\n", ROUNDS);
    psci_system_off();
}
