/* tests/guests/hostile_common/hostile.h: helpers shared by the hostile-guest tests (victim,
 * hostile, restarter): the GIC of irq_common/gic.h opened the hostile way, raw SMC calls,
 * guest-local exception vectors (vectors.inc.S) with a "catch the next synchronous
 * exception" facility, and a minimal flattened-device-tree reader for /chosen/bootargs.
 * Not a guest itself (not in GUEST_NAMES): users include it from their main.c, and
 * include vectors.inc.S from a .S file of their own directory. */
#ifndef HOSTILE_COMMON_HOSTILE_H
#define HOSTILE_COMMON_HOSTILE_H

#include "guest.h"
#include "../irq_common/gic.h"

/* Opens this VCPU's GIC CPU interface: redistributor awake, every priority accepted,
 * group 1 on at the CPU interface and (if `dist`) at the distributor. */
static inline void gic_open(unsigned vcpu, int dist)
{
    uint32_t spins = 0;

    mmio_write32(GICR_WAKER(vcpu), 0);
    while ((mmio_read32(GICR_WAKER(vcpu)) & GICR_WAKER_CASLEEP) && spins < 100000u)
        spins++;
    if (dist)
        mmio_write32(GICD_CTLR, GICD_CTLR_GRP1);
    icc_pmr_write(0xff);
    icc_igrpen1_write(1);
}

/* ---- raw SMCCC call through SMC (hvc_call64 in guest.h is the HVC one) ---- */
GUEST_SMCCC_CALL(smc_call, "smc #0")

/* ---- guest-local exception vectors (vectors.inc.S) ---- */
struct exc_frame {
    uint64_t x[31];
    uint64_t elr;
    uint64_t spsr;
    uint64_t pad;
};

/* Installs hostile_vectors in VBAR_EL1. */
void exc_install(void);

/* Hooks each user defines. `offset` is the vector's offset (0x200 = synchronous from
 * EL1 with SP_EL1, 0x280 = IRQ from EL1 with SP_EL1, ...). */
void hostile_sync(struct exc_frame *f, uint64_t offset, uint64_t esr, uint64_t far);
void hostile_irq(struct exc_frame *f);

/* Catching: while `exc_catch.armed`, the next synchronous exception from EL1 is recorded
 * here and the faulting instruction is skipped (ELR + 4); hostile_sync of each guest
 * calls exc_try_catch() first. */
struct exc_catch_state {
    volatile uint32_t armed;
    volatile uint32_t caught;
    volatile uint64_t esr;
    volatile uint64_t elr;
    volatile uint64_t far;
};
extern struct exc_catch_state exc_catch;

static inline void exc_arm(void)
{
    exc_catch.caught = 0;
    exc_catch.esr = 0;
    exc_catch.elr = 0;
    exc_catch.far = 0;
    __asm__ volatile("" : : : "memory");
    exc_catch.armed = 1;
}

static inline int exc_try_catch(struct exc_frame *f, uint64_t offset, uint64_t esr, uint64_t far)
{
    if (!exc_catch.armed || offset != 0x200u)
        return 0;
    exc_catch.armed = 0;
    exc_catch.caught = 1;
    exc_catch.esr = esr;
    exc_catch.elr = f->elr;
    exc_catch.far = far;
    f->elr += 4;
    return 1;
}

#define ESR_EC(esr) (((esr) >> 26) & 0x3fu)

/* ---- flattened device tree: /chosen/bootargs ---- */
static inline uint32_t fdt_be32(const volatile uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* The NUL-terminated bootargs of the DTB at `dtb`, or NULL. */
static inline const char *fdt_bootargs(uint64_t dtb)
{
    const volatile uint8_t *f = (const volatile uint8_t *)(uintptr_t)dtb;
    uint32_t off_struct, off_strings, size;
    const volatile uint8_t *p;
    int depth = 0, chosen_depth = -1;

    if (dtb == 0 || (dtb & 3u) || fdt_be32(f) != 0xd00dfeedu)
        return NULL;
    size = fdt_be32(f + 4);
    off_struct = fdt_be32(f + 8);
    off_strings = fdt_be32(f + 12);
    if (size > 0x200000u || off_struct >= size || off_strings >= size)
        return NULL;
    p = f + off_struct;
    while (p < f + size) {
        uint32_t tok = fdt_be32(p);
        p += 4;
        if (tok == 1u) { /* FDT_BEGIN_NODE */
            const char *name = (const char *)p;
            size_t n = strlen(name);
            depth++;
            if (depth == 2 && n >= 6 && name[0] == 'c' && name[1] == 'h' && name[2] == 'o'
                && name[3] == 's' && name[4] == 'e' && name[5] == 'n' && (n == 6 || name[6] == '@'))
                chosen_depth = depth;
            p += (n + 1 + 3) & ~(size_t)3;
        } else if (tok == 2u) { /* FDT_END_NODE */
            if (depth == chosen_depth)
                chosen_depth = -1;
            depth--;
        } else if (tok == 3u) { /* FDT_PROP */
            uint32_t len = fdt_be32(p);
            uint32_t nameoff = fdt_be32(p + 4);
            p += 8;
            if (chosen_depth == depth && off_strings + nameoff < size
                && str_eq((const char *)(f + off_strings + nameoff), "bootargs"))
                return (const char *)p;
            p += (len + 3u) & ~3u;
        } else if (tok == 4u) { /* FDT_NOP */
            continue;
        } else {
            break; /* FDT_END or garbage */
        }
    }
    return NULL;
}

/* Copies the value of `key=` from `args` (up to a space) into out[cap]; 1 if found. */
static inline int arg_value(const char *args, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);

    if (args == NULL)
        return 0;
    for (const char *p = args; *p; p++) {
        if ((p == args || p[-1] == ' ') && memcmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t i = 0;
            p += klen + 1;
            while (p[i] && p[i] != ' ' && i + 1 < cap) {
                out[i] = p[i];
                i++;
            }
            out[i] = 0;
            return 1;
        }
    }
    return 0;
}

/* ---- definitions: exactly one file of each guest defines HOSTILE_IMPL first ---- */
#ifdef HOSTILE_IMPL
struct exc_catch_state exc_catch;

void exc_dispatch(struct exc_frame *f, uint64_t offset);
void exc_dispatch(struct exc_frame *f, uint64_t offset)
{
    uint64_t esr, far;

    __asm__ volatile("mrs %0, esr_el1" : "=r"(esr));
    __asm__ volatile("mrs %0, far_el1" : "=r"(far));
    if ((offset & 0x180u) == 0x080u) { /* IRQ from any EL / stack */
        hostile_irq(f);
        return;
    }
    if (exc_try_catch(f, offset, esr, far))
        return;
    hostile_sync(f, offset, esr, far);
}
#endif

#endif /* HOSTILE_COMMON_HOSTILE_H */
