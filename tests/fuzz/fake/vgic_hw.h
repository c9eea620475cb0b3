/* Fake GIC hardware and arch hooks under the REAL vGIC (src/arch/aarch64/
 * vgic.c + vgic_mmio.c) and the real portable core, for fuzz_vgic_mmio.
 *
 * tests/host/fake/fake_arch.c cannot be used here: it fakes the vGIC's own
 * entry points (arch_vcpu_inject_hw, vpl011_irq_level, arch_irq_forward,
 * arch_vm_devices_*), which this target wants real. So this file provides
 * every other arch hook, plus a model of what the vGIC code drives:
 *   - one bank of list registers per physical CPU (lr_read/lr_write act on
 *     the bank of the current CPU, as ICH_LR<n>_EL2 do), the guest's view of
 *     them (acknowledge, EOI), and ICH_ELRSR_EL2 / ICH_EISR_EL2 computed
 *     from them;
 *   - physical interrupt state: active per CPU for PPIs/SGIs, active,
 *     enable and routing for SPIs; deactivation by ICC_DIR_EL1, by
 *     arch_irq_done, by gic_spi_deactivate, and by the guest's EOI of a
 *     hardware-linked list register;
 *   - a queue of interrupts pending at EL2 per CPU (arch_irq_ack), kicks,
 *     and spinlocks that catch double locking.
 * Single-threaded: "CPU c" runs when hw.cpu == c. */
#ifndef FUZZ_VGIC_HW_H
#define FUZZ_VGIC_HW_H

#include "types.h"
#include "cfg_sizes.h"
#include "arch/vcpu_types.h"

struct vcpu;

#define HW_MAX_LRS 16u
#define HW_IRQ_QUEUE 16u

/* ICH_LR<n>_EL2 fields */
#define LR_VINTID(lr)  ((uint32_t)((lr) & 0xffffffffu))
#define LR_PINTID(lr)  ((uint32_t)(((lr) >> 32) & 0x3ffu))
#define LR_STATE(lr)   ((uint32_t)((lr) >> 62))
#define LR_ST_PENDING  1u
#define LR_ST_ACTIVE   2u
#define LR_HW_BIT      (1ull << 61)
#define LR_GROUP1_BIT  (1ull << 60)
#define LR_PRIO(lr)    ((uint32_t)(((lr) >> 48) & 0xffu))

struct hw_cpu {
    uint64_t lr[HW_MAX_LRS];
    struct vcpu *loaded;       /* arch_vcpu_load()ed here */
    bool in_guest;             /* between vgic_flush and vgic_sync */
    uint64_t ich_hcr;          /* last ICH_HCR_EL2 written on this CPU */
    bool ppi_active[VGIC_NR_PRIV]; /* physical SGI/PPI active on this CPU */
    uint32_t queue[HW_IRQ_QUEUE];  /* pending at EL2, taken by arch_irq_ack */
    uint32_t queue_len;
    uint32_t kicks;            /* arch_irq_kick(this CPU) */
};

struct hw_state {
    uint32_t cpu;              /* arch_cpu_id() */
    uint32_t nr_lrs;           /* list registers per CPU, 1..16 */
    struct hw_cpu cpus[CFG_NUM_PCPUS];
    bool spi_active[VGIC_NR_IRQS];
    bool spi_enabled[VGIC_NR_IRQS];
    uint32_t spi_route[VGIC_NR_IRQS]; /* physical CPU from gic_spi_config */
    uint32_t locks_held;
    uint64_t now;
    uint8_t console_in[64];    /* bytes arch_console_getc() hands out */
    uint32_t console_in_len, console_in_pos;
    uint64_t console_bytes;    /* arch_console_putc() calls */
};

extern struct hw_state hw;

/* Everything back to power-on (also installs the sysreg hooks). */
void hw_reset(uint32_t nr_lrs);
/* The guest on CPU `cpu` acknowledges / ends the interrupt in LR n, as the
 * virtual CPU interface does; returns false if the LR is in no state for it. */
bool hw_guest_ack(uint32_t cpu, uint32_t n);
bool hw_guest_eoi(uint32_t cpu, uint32_t n);
/* Queue a physical interrupt at EL2 on `cpu` (acknowledged later). */
void hw_irq_push(uint32_t cpu, uint32_t intid);
/* Guest RAM of the configuration (host buffer). */
uint8_t *hw_ram(uint64_t pa);

#endif
