/* System register access for aarch64 EL2 code. Only src/arch/aarch64 may
 * include this. Registers the assembler knows by name use their names;
 * GICv3 ones use their encodings so that no -march flag is needed. */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <stdint.h>
#include "arch/sysreg_bits.h"

#define SYSREG_READ(name)                                            \
    static inline uint64_t read_##name(void)                          \
    {                                                                 \
        uint64_t v_;                                                  \
        __asm__ volatile("mrs %0, " #name : "=r"(v_));                \
        return v_;                                                    \
    }
#define SYSREG_WRITE(name)                                           \
    static inline void write_##name(uint64_t v_)                      \
    {                                                                 \
        __asm__ volatile("msr " #name ", %0" : : "r"(v_) : "memory"); \
    }
#define SYSREG_RW(name) SYSREG_READ(name) SYSREG_WRITE(name)

/* Named by encoding: read_NAME()/write_NAME() for register ENC. */
#define SYSREG_ENC_RW(name, enc)                                      \
    static inline uint64_t read_##name(void)                          \
    {                                                                 \
        uint64_t v_;                                                  \
        __asm__ volatile("mrs %0, " enc : "=r"(v_));                  \
        return v_;                                                    \
    }                                                                 \
    static inline void write_##name(uint64_t v_)                      \
    {                                                                 \
        __asm__ volatile("msr " enc ", %0" : : "r"(v_) : "memory");   \
    }

SYSREG_READ(mpidr_el1)
SYSREG_READ(midr_el1)
SYSREG_READ(id_aa64mmfr0_el1)
SYSREG_RW(tpidr_el2)
SYSREG_RW(hcr_el2)
SYSREG_RW(vttbr_el2)
SYSREG_RW(vtcr_el2)
SYSREG_RW(vpidr_el2)
SYSREG_RW(vmpidr_el2)
SYSREG_RW(sctlr_el2)
SYSREG_RW(tcr_el2)
SYSREG_RW(mair_el2)
SYSREG_RW(ttbr0_el2)
SYSREG_RW(cptr_el2)
SYSREG_RW(mdcr_el2)
SYSREG_RW(elr_el2)
SYSREG_RW(spsr_el2)
SYSREG_READ(esr_el2)
SYSREG_READ(far_el2)
SYSREG_READ(hpfar_el2)
SYSREG_RW(cnthctl_el2)
SYSREG_RW(cntvoff_el2)
SYSREG_RW(cnthp_ctl_el2)
SYSREG_RW(cnthp_cval_el2)
SYSREG_READ(cntpct_el0)
SYSREG_READ(cntfrq_el0)

/* EL1 context of the guest */
SYSREG_RW(sctlr_el1)
SYSREG_RW(ttbr0_el1)
SYSREG_RW(ttbr1_el1)
SYSREG_RW(tcr_el1)
SYSREG_RW(mair_el1)
SYSREG_RW(amair_el1)
SYSREG_RW(vbar_el1)
SYSREG_RW(contextidr_el1)
SYSREG_RW(tpidr_el0)
SYSREG_RW(tpidrro_el0)
SYSREG_RW(tpidr_el1)
SYSREG_RW(sp_el0)
SYSREG_RW(sp_el1)
SYSREG_RW(elr_el1)
SYSREG_RW(spsr_el1)
SYSREG_RW(esr_el1)
SYSREG_RW(far_el1)
SYSREG_RW(afsr0_el1)
SYSREG_RW(afsr1_el1)
SYSREG_RW(par_el1)
SYSREG_RW(cpacr_el1)
SYSREG_RW(csselr_el1)
SYSREG_RW(cntkctl_el1)
SYSREG_RW(cntv_ctl_el0)
SYSREG_RW(cntv_cval_el0)
SYSREG_RW(mdscr_el1)

/* GICv3 CPU interface and its virtualization control */
SYSREG_ENC_RW(icc_iar1_el1, "s3_0_c12_c12_0")
SYSREG_ENC_RW(icc_eoir1_el1, "s3_0_c12_c12_1")
SYSREG_ENC_RW(icc_dir_el1, "s3_0_c12_c11_1")
SYSREG_ENC_RW(icc_pmr_el1, "s3_0_c4_c6_0")
SYSREG_ENC_RW(icc_bpr1_el1, "s3_0_c12_c12_3")
SYSREG_ENC_RW(icc_ctlr_el1, "s3_0_c12_c12_4")
SYSREG_ENC_RW(icc_sre_el1, "s3_0_c12_c12_5")
SYSREG_ENC_RW(icc_igrpen1_el1, "s3_0_c12_c12_7")
SYSREG_ENC_RW(icc_sgi1r_el1, "s3_0_c12_c11_5")
SYSREG_ENC_RW(icc_sre_el2, "s3_4_c12_c9_5")
SYSREG_ENC_RW(ich_hcr_el2, "s3_4_c12_c11_0")
SYSREG_ENC_RW(ich_vtr_el2, "s3_4_c12_c11_1")
SYSREG_ENC_RW(ich_vmcr_el2, "s3_4_c12_c11_7")
SYSREG_ENC_RW(ich_elrsr_el2, "s3_4_c12_c11_5")
SYSREG_ENC_RW(ich_eisr_el2, "s3_4_c12_c11_3")
SYSREG_ENC_RW(ich_ap0r0_el2, "s3_4_c12_c8_0")
SYSREG_ENC_RW(ich_ap1r0_el2, "s3_4_c12_c9_0")
SYSREG_ENC_RW(ich_lr0_el2, "s3_4_c12_c12_0")
SYSREG_ENC_RW(ich_lr1_el2, "s3_4_c12_c12_1")
SYSREG_ENC_RW(ich_lr2_el2, "s3_4_c12_c12_2")
SYSREG_ENC_RW(ich_lr3_el2, "s3_4_c12_c12_3")
SYSREG_ENC_RW(ich_lr4_el2, "s3_4_c12_c12_4")
SYSREG_ENC_RW(ich_lr5_el2, "s3_4_c12_c12_5")
SYSREG_ENC_RW(ich_lr6_el2, "s3_4_c12_c12_6")
SYSREG_ENC_RW(ich_lr7_el2, "s3_4_c12_c12_7")
SYSREG_ENC_RW(ich_lr8_el2, "s3_4_c12_c13_0")
SYSREG_ENC_RW(ich_lr9_el2, "s3_4_c12_c13_1")
SYSREG_ENC_RW(ich_lr10_el2, "s3_4_c12_c13_2")
SYSREG_ENC_RW(ich_lr11_el2, "s3_4_c12_c13_3")
SYSREG_ENC_RW(ich_lr12_el2, "s3_4_c12_c13_4")
SYSREG_ENC_RW(ich_lr13_el2, "s3_4_c12_c13_5")
SYSREG_ENC_RW(ich_lr14_el2, "s3_4_c12_c13_6")
SYSREG_ENC_RW(ich_lr15_el2, "s3_4_c12_c13_7")

static inline void isb(void) { __asm__ volatile("isb" : : : "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" : : : "memory"); }
static inline void dsb_ish(void) { __asm__ volatile("dsb ish" : : : "memory"); }
static inline void dsb_ishst(void) { __asm__ volatile("dsb ishst" : : : "memory"); }

#endif
