/* The physical GICv3, owned by the hypervisor: distributor set-up on the
 * boot CPU, each CPU's redistributor and system-register CPU interface,
 * acknowledge/EOI with split priority drop and deactivation (EOImode 1),
 * so that an interrupt forwarded to a guest stays active until the guest
 * deactivates it, and SGIs to kick other physical CPUs. */
#include "arch/sysreg.h"
#include "arch/aarch64.h"
#include "arch_cpu.h"
#include "arch_irq.h"
#include "cfg_sizes.h"
#include "cfg_types.h"
#include "log.h"

#define GICD_CTLR       0x0000u
#define GICD_TYPER      0x0004u
#define GICD_IGROUPR    0x0080u
#define GICD_ICENABLER  0x0180u
#define GICD_ICPENDR    0x0280u
#define GICD_ICACTIVER  0x0380u
#define GICD_IPRIORITYR 0x0400u
#define GICD_ISENABLER  0x0100u
#define GICD_IROUTER    0x6000u
#define GICD_CTLR_RWP   (1u << 31)
#define GICD_CTLR_ARE   (1u << 4)
#define GICD_CTLR_GRP1  (1u << 1)

#define GICR_TYPER      0x0008u
#define GICR_WAKER      0x0014u
#define GICR_SGI        0x10000u
#define GICR_IGROUPR0   (GICR_SGI + 0x0080u)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100u)
#define GICR_ICENABLER0 (GICR_SGI + 0x0180u)
#define GICR_ICPENDR0   (GICR_SGI + 0x0280u)
#define GICR_ICACTIVER0 (GICR_SGI + 0x0380u)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400u)
#define GICR_TYPER_LAST (1ULL << 4)
#define GICR_WAKER_SLEEP    (1u << 1)
#define GICR_WAKER_ASLEEP   (1u << 2)

#define PRIO_DEFAULT 0xa0a0a0a0u
#define ICC_SRE_ALL  0xfu   /* SRE, DFB, DIB, and EL1 may use its own SRE */
#define ICC_CTLR_EOIMODE (1u << 1)

static uintptr_t gicr_frame[CFG_NUM_PCPUS];
/* List registers, read at CPU set-up: every CPU of the platform has as many. */
static uint32_t num_lrs;

static inline uint32_t mmio_read32(uintptr_t a)
{
    return *(volatile const uint32_t *)a;
}

static inline uint64_t mmio_read64(uintptr_t a)
{
    return *(volatile const uint64_t *)a;
}

static inline void mmio_write32(uintptr_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}

static void gicd_wait_rwp(void)
{
    while ((mmio_read32((uintptr_t)cfg_platform.gicd_base + GICD_CTLR) & GICD_CTLR_RWP) != 0u) {
    }
}

void gic_dist_init(void)
{
    uintptr_t d = (uintptr_t)cfg_platform.gicd_base;
    uint32_t lines = 32u * ((mmio_read32(d + GICD_TYPER) & 0x1fu) + 1u);
    uint32_t i;

    mmio_write32(d + GICD_CTLR, 0u);
    gicd_wait_rwp();
    for (i = 32u; i < lines; i += 32u) {
        mmio_write32(d + GICD_ICENABLER + (i / 8u), 0xffffffffu);
        mmio_write32(d + GICD_ICPENDR + (i / 8u), 0xffffffffu);
        mmio_write32(d + GICD_ICACTIVER + (i / 8u), 0xffffffffu);
        mmio_write32(d + GICD_IGROUPR + (i / 8u), 0xffffffffu);
    }
    for (i = 32u; i < lines; i += 4u) {
        mmio_write32(d + GICD_IPRIORITYR + i, PRIO_DEFAULT);
    }
    gicd_wait_rwp();
    mmio_write32(d + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    gicd_wait_rwp();
}

static uintptr_t gicr_find(uint64_t mpidr)
{
    uintptr_t f = (uintptr_t)cfg_platform.gicr_base;
    uint64_t aff = ((mpidr >> 8) & 0xff000000ULL) | (mpidr & 0xffffffULL);
    uint32_t n;

    for (n = 0u; n < 256u; n++) {
        uint64_t typer = mmio_read64(f + GICR_TYPER);
        if ((typer >> 32) == aff) {
            return f;
        }
        if ((typer & GICR_TYPER_LAST) != 0u) {
            break;
        }
        f += (uintptr_t)cfg_platform.gicr_stride;
    }
    return 0u;
}

void gic_cpu_init(uint32_t cpu)
{
    uintptr_t r = gicr_find(cfg_platform.cpu_mpidr[cpu]);
    uint32_t i;

    if (r == 0u) {
        panic("cpu %u: no GICv3 redistributor for MPIDR 0x%lx", cpu, cfg_platform.cpu_mpidr[cpu]);
    }
    gicr_frame[cpu] = r;
    mmio_write32(r + GICR_WAKER, mmio_read32(r + GICR_WAKER) & ~GICR_WAKER_SLEEP);
    while ((mmio_read32(r + GICR_WAKER) & GICR_WAKER_ASLEEP) != 0u) {
    }
    mmio_write32(r + GICR_ICENABLER0, 0xffffffffu);
    mmio_write32(r + GICR_ICPENDR0, 0xffffffffu);
    mmio_write32(r + GICR_ICACTIVER0, 0xffffffffu);
    mmio_write32(r + GICR_IGROUPR0, 0xffffffffu);
    for (i = 0u; i < 32u; i += 4u) {
        mmio_write32(r + GICR_IPRIORITYR + i, PRIO_DEFAULT);
    }
    mmio_write32(r + GICR_ISENABLER0, (1u << IRQ_IPI_KICK) | (1u << cfg_platform.timer_virt_irq)
                                          | (1u << cfg_platform.timer_hyp_irq)
                                          | (1u << cfg_platform.gic_maint_irq));

    write_icc_sre_el2(ICC_SRE_ALL);
    isb();
    write_icc_pmr_el1(0xffu);
    write_icc_bpr1_el1(0u);
    write_icc_ctlr_el1(ICC_CTLR_EOIMODE);
    write_icc_igrpen1_el1(1u);
    write_ich_vmcr_el2(0u);
    write_ich_hcr_el2(1u); /* En: the virtual CPU interface works */
    num_lrs = (uint32_t)(read_ich_vtr_el2() & 0x1fu) + 1u;
    isb();
}

uint32_t gic_num_lrs(void)
{
    return num_lrs;
}

/* Per CPU: INTID + 1 of an interrupt the fast path acknowledged, or 0. */
static uint32_t stashed[CFG_NUM_PCPUS];

void gic_irq_stash(uint32_t intid)
{
    stashed[arch_cpu_id()] = intid + 1u;
}

uint32_t arch_irq_ack(void)
{
    uint32_t cpu = arch_cpu_id();
    uint32_t id;

    if (stashed[cpu] != 0u) {
        id = stashed[cpu] - 1u;
        stashed[cpu] = 0u;
        return id;
    }
    id = (uint32_t)(read_icc_iar1_el1() & 0xffffffu);
    __asm__ volatile("dsb sy" : : : "memory");
    return (id >= 1020u) ? IRQ_NONE : id;
}

void arch_irq_done(uint32_t intid)
{
    write_icc_eoir1_el1(intid);
    write_icc_dir_el1(intid);
    isb();
}

void arch_irq_drop(uint32_t intid)
{
    write_icc_eoir1_el1(intid);
    isb();
}

void arch_irq_kick(uint32_t pcpu)
{
    uint64_t m = cfg_platform.cpu_mpidr[pcpu];
    uint64_t sgi = (((m >> 32) & 0xffu) << 48) | (((m >> 16) & 0xffu) << 32)
                   | (((m >> 8) & 0xffu) << 16) | ((uint64_t)IRQ_IPI_KICK << 24)
                   | (1ULL << (m & 0xfu));

    dsb_ishst();
    write_icc_sgi1r_el1(sgi);
    isb();
}

void gic_spi_config(uint32_t intid, bool enable, uint32_t pcpu)
{
    uintptr_t d = (uintptr_t)cfg_platform.gicd_base;
    uint64_t m = cfg_platform.cpu_mpidr[pcpu];
    uint64_t route = ((m >> 8) & 0xff00000000ULL) | (m & 0xffffffULL);

    if ((intid < 32u) || (intid >= 1020u)) {
        return;
    }
    *(volatile uint64_t *)(d + GICD_IROUTER + (8u * intid)) = route;
    mmio_write32(d + (enable ? GICD_ISENABLER : GICD_ICENABLER) + (4u * (intid / 32u)),
                 1u << (intid % 32u));
}

void gic_spi_deactivate(uint32_t intid)
{
    if ((intid >= 32u) && (intid < 1020u)) {
        mmio_write32((uintptr_t)cfg_platform.gicd_base + GICD_ICACTIVER + (4u * (intid / 32u)),
                     1u << (intid % 32u));
    }
}
