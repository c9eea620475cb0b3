/* Internal interfaces between the files of src/arch/aarch64. */
#ifndef ARCH_AARCH64_H
#define ARCH_AARCH64_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/sysreg_bits.h"
#include "arch/vcpu_types.h"

struct vcpu;

/* VTCR_EL2: 4 KiB granule, 39-bit IPA starting at level 1, 40-bit PA,
 * inner-shareable write-back walks. tools/gen_config.py sizes the stage-2
 * pool for exactly this layout. */
#define VTCR_EL2_VALUE ((1ULL << 31) | (2ULL << 16) | (3ULL << 12) | (1ULL << 10) | (1ULL << 8) \
                        | (1ULL << 6) | 25ULL)

/* Exception kinds returned by hv_guest_enter (vectors.S). */
#define EXC_SYNC    0u
#define EXC_IRQ     1u
#define EXC_FIQ     2u
#define EXC_SERROR  3u
#define EXC_AARCH32 4u

void secondary_entry(void);
uint64_t hv_guest_enter(struct guest_regs *regs, struct vcpu *v);
/* Called by the vectors with the guest's x0-x18 and x30 saved: 0 if the
 * exit was answered and the guest resumes, FAST_AGAIN to be called again
 * as fast_exit_again once x19-x29 are saved too, else kind + 1, for the
 * full path (fast_exit.c). */
#define FAST_AGAIN 16u /* as in vectors.S */
uint64_t fast_exit(uint64_t kind, struct vcpu *v);
/* The synchronous exception fast_exit answered FAST_AGAIN, with every
 * guest register saved: 0 if answered, else EXC_SYNC + 1. */
uint64_t fast_exit_again(struct vcpu *v);
void fp_save(struct fp_state *fp);
void fp_restore(const struct fp_state *fp);

_Noreturn void arch_boot_primary(uint64_t dtb);
_Noreturn void arch_boot_secondary(uint64_t cpu);
_Noreturn void arch_el2_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far);

void mmu_el2_build(void);
void mmu_el2_enable(void);

void gic_dist_init(void);
void gic_cpu_init(uint32_t cpu);
uint32_t gic_num_lrs(void);

/* Turn the exception just taken from the guest into v->exit. */
void trap_decode(struct vcpu *v, uint64_t kind);
/* SMCCC call in x0..x3 of the guest (HVC or SMC): PSCI or hypercall. */
void smccc_dispatch(struct vcpu *v);
/* Calls whose answer depends on nothing but the function ID (the
 * versions): true and the answer in *ret. Both paths answer them here. */
bool smccc_constant(uint32_t fid, uint64_t *ret);
/* A data abort syndrome's SSE as bit 0 and SF as bit 1: the sign_extend
 * argument of mmio_load_value. */
static inline uint32_t iss_dabt_extend(uint32_t iss)
{
    return (((iss & ISS_DABT_SSE) != 0u) ? 1u : 0u) | (((iss & ISS_DABT_SF) != 0u) ? 2u : 0u);
}

/* Register value of an emulated MMIO load: width bytes, sign-extended as
 * the syndrome's SSE (bit 0) and SF (bit 1) ask. */
static inline uint64_t mmio_load_value(uint64_t value, uint32_t width, uint32_t sign_extend)
{
    uint64_t val = value;
    uint32_t bits = 8u * width;

    if (bits < 64u) {
        val &= (1ULL << bits) - 1U;
        if (((sign_extend & 1U) != 0U) && ((val >> (bits - 1U)) != 0U)) {
            val |= ~((1ULL << bits) - 1U);
            if ((sign_extend & 2U) == 0U) {
                val &= 0xffffffffULL; /* LDRSB/LDRSH Wt: the upper half is zero */
            }
        }
    }
    return val;
}
/* A physical interrupt acknowledged by the fast path but not its business:
 * arch_irq_ack() returns it first. The fast path then always ends in an
 * IRQ exit, whose handling acknowledges at once, so it never waits. */
void gic_irq_stash(uint32_t intid);
/* PSCI return code for a core enum vcpu_on_result. */
int64_t psci_cpu_on_code(uint64_t on_result);

/* Physical SPI control for SPIs assigned to VMs (gicv3.c). */
void gic_spi_config(uint32_t intid, bool enable, uint32_t pcpu);
void gic_spi_deactivate(uint32_t intid);

#endif
