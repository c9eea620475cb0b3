/* Host stand-in for src/arch/aarch64/include/arch/sysreg.h (fuzz targets).
 *
 * The real header reads and writes system registers with inline `mrs`/`msr`,
 * which cannot be compiled for the host. This one offers the same function
 * names over plain storage (fake_sysreg.c), so that traps.c and vgic.c build
 * unchanged: tests/fuzz/run.sh puts tests/fuzz/fake BEFORE
 * src/arch/aarch64/include on the include path.
 *
 * A harness steers it through two optional hooks:
 *   fake_sysreg_read_hook   computes a value instead of the stored one
 *                           (e.g. ICH_ELRSR_EL2 from the fake list registers);
 *   fake_sysreg_write_hook  sees every write (e.g. ICC_DIR_EL1 deactivations).
 *
 * Keep in step with the real header: same register names, same constants.
 * tests/fuzz/run.sh compares the two lists and names any register missing
 * here (otherwise it shows up as an undefined read_/write_ function). */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <stdint.h>
#include "arch/sysreg_bits.h"

/* Every register of the real header, named as there. */
#define FAKE_SYSREGS(X)                                                                       \
    X(mpidr_el1) X(midr_el1) X(id_aa64mmfr0_el1) X(tpidr_el2) X(hcr_el2) X(vttbr_el2)         \
    X(vtcr_el2) X(vpidr_el2) X(vmpidr_el2) X(sctlr_el2) X(tcr_el2) X(mair_el2) X(ttbr0_el2)   \
    X(cptr_el2) X(mdcr_el2) X(elr_el2) X(spsr_el2) X(esr_el2) X(far_el2) X(hpfar_el2)         \
    X(cnthctl_el2) X(cntvoff_el2) X(cnthp_ctl_el2) X(cnthp_cval_el2) X(cntpct_el0)            \
    X(cntfrq_el0)                                                                             \
    X(sctlr_el1) X(ttbr0_el1) X(ttbr1_el1) X(tcr_el1) X(mair_el1) X(amair_el1) X(vbar_el1)    \
    X(contextidr_el1) X(tpidr_el0) X(tpidrro_el0) X(tpidr_el1) X(sp_el0) X(sp_el1)            \
    X(elr_el1) X(spsr_el1) X(esr_el1) X(far_el1) X(afsr0_el1) X(afsr1_el1) X(par_el1)         \
    X(cpacr_el1) X(csselr_el1) X(cntkctl_el1) X(cntv_ctl_el0) X(cntv_cval_el0) X(mdscr_el1)   \
    X(icc_iar1_el1) X(icc_eoir1_el1) X(icc_dir_el1) X(icc_pmr_el1) X(icc_bpr1_el1)            \
    X(icc_ctlr_el1) X(icc_sre_el1) X(icc_igrpen1_el1) X(icc_sgi1r_el1) X(icc_sre_el2)         \
    X(ich_hcr_el2) X(ich_vtr_el2) X(ich_vmcr_el2) X(ich_elrsr_el2) X(ich_eisr_el2)            \
    X(ich_ap0r0_el2)                                                                          \
    X(ich_ap1r0_el2)                                                                          \
    X(ich_lr0_el2) X(ich_lr1_el2) X(ich_lr2_el2) X(ich_lr3_el2) X(ich_lr4_el2)                \
    X(ich_lr5_el2) X(ich_lr6_el2) X(ich_lr7_el2) X(ich_lr8_el2) X(ich_lr9_el2)                \
    X(ich_lr10_el2) X(ich_lr11_el2) X(ich_lr12_el2) X(ich_lr13_el2) X(ich_lr14_el2)           \
    X(ich_lr15_el2)

#define FAKE_SR_ENUM_(name) FAKE_SR_##name,
enum fake_sysreg {
    FAKE_SYSREGS(FAKE_SR_ENUM_)
    FAKE_SR_COUNT
};
#undef FAKE_SR_ENUM_

/* Storage, indexed by enum fake_sysreg (fake_sysreg.c). */
extern uint64_t fake_sysregs[FAKE_SR_COUNT];
extern const char *const fake_sysreg_names[FAKE_SR_COUNT];
/* Optional hooks (NULL: plain storage). The read hook returns true and
 * sets *value to override the stored value. */
extern int (*fake_sysreg_read_hook)(enum fake_sysreg reg, uint64_t *value);
extern void (*fake_sysreg_write_hook)(enum fake_sysreg reg, uint64_t value);
/* Number of barriers executed (isb/dsb), for curiosity only. */
extern uint64_t fake_sysreg_barriers;

static inline uint64_t fake_sysreg_read(enum fake_sysreg reg)
{
    uint64_t v = fake_sysregs[reg];

    if ((fake_sysreg_read_hook != 0) && (fake_sysreg_read_hook(reg, &v) != 0)) {
        return v;
    }
    return fake_sysregs[reg];
}

static inline void fake_sysreg_write(enum fake_sysreg reg, uint64_t value)
{
    fake_sysregs[reg] = value;
    if (fake_sysreg_write_hook != 0) {
        fake_sysreg_write_hook(reg, value);
    }
}

/* read_NAME() and write_NAME() for every register. The real header only
 * has write_ for writable ones; an extra write_ here is never called. */
#define FAKE_SR_FNS_(name)                                                              \
    static inline __attribute__((unused)) uint64_t read_##name(void)                    \
    {                                                                                   \
        return fake_sysreg_read(FAKE_SR_##name);                                        \
    }                                                                                   \
    static inline __attribute__((unused)) void write_##name(uint64_t v_)                \
    {                                                                                   \
        fake_sysreg_write(FAKE_SR_##name, v_);                                          \
    }
FAKE_SYSREGS(FAKE_SR_FNS_)
#undef FAKE_SR_FNS_

static inline void isb(void) { fake_sysreg_barriers++; }
static inline void dsb_sy(void) { fake_sysreg_barriers++; }
static inline void dsb_ish(void) { fake_sysreg_barriers++; }
static inline void dsb_ishst(void) { fake_sysreg_barriers++; }

#endif
