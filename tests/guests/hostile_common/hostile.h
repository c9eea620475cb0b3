/* tests/guests/hostile_common/hostile.h: helpers shared by the hostile-guest tests (victim,
 * hostile, restarter): GICv3 addresses of QEMU virt, ICC_* accessors, raw SMC/HVC calls,
 * guest-local exception vectors (vectors.inc.S) with a "catch the next synchronous
 * exception" facility, and a minimal flattened-device-tree reader for /chosen/bootargs.
 * Not a guest itself (not in GUEST_NAMES): users include it from their main.c, and
 * include vectors.inc.S from a .S file of their own directory. */
#ifndef HOSTILE_COMMON_HOSTILE_H
#define HOSTILE_COMMON_HOSTILE_H

#include "guest.h"

/* ---- GICv3 as every VM sees it (docs/configuration.md, platform qemu-aarch64) ---- */
#define H_GICD_BASE         0x08000000ull
#define H_GICD_CTLR         (H_GICD_BASE + 0x0000u)
#define H_GICD_TYPER        (H_GICD_BASE + 0x0004u)
#define H_GICD_IGROUPR(n)   (H_GICD_BASE + 0x0080u + 4u * (n))
#define H_GICD_ISENABLER(n) (H_GICD_BASE + 0x0100u + 4u * (n))
#define H_GICD_ICENABLER(n) (H_GICD_BASE + 0x0180u + 4u * (n))
#define H_GICD_ISPENDR(n)   (H_GICD_BASE + 0x0200u + 4u * (n))
#define H_GICD_ICPENDR(n)   (H_GICD_BASE + 0x0280u + 4u * (n))
#define H_GICD_ISACTIVER(n) (H_GICD_BASE + 0x0300u + 4u * (n))
#define H_GICD_IPRIORITYR(i) (H_GICD_BASE + 0x0400u + (i))
#define H_GICD_ICFGR(n)     (H_GICD_BASE + 0x0c00u + 4u * (n))
#define H_GICD_IROUTER(i)   (H_GICD_BASE + 0x6000u + 8u * (i))
#define H_GICD_CTLR_GRP1    (1u << 1)

#define H_GICR_BASE         0x080a0000ull
#define H_GICR_STRIDE       0x20000u
#define H_GICR_RD(v)        (H_GICR_BASE + (uint64_t)H_GICR_STRIDE * (v))
#define H_GICR_TYPER(v)     (H_GICR_RD(v) + 0x0008u)
#define H_GICR_WAKER(v)     (H_GICR_RD(v) + 0x0014u)
#define H_GICR_SGI(v)       (H_GICR_RD(v) + 0x10000u)
#define H_GICR_ISENABLER0(v) (H_GICR_SGI(v) + 0x0100u)
#define H_GICR_ICENABLER0(v) (H_GICR_SGI(v) + 0x0180u)
#define H_GICR_ISPENDR0(v)  (H_GICR_SGI(v) + 0x0200u)
#define H_GICR_ICPENDR0(v)  (H_GICR_SGI(v) + 0x0280u)
#define H_GICR_ISACTIVER0(v) (H_GICR_SGI(v) + 0x0300u)
#define H_GICR_IPRIORITYR(v, i) (H_GICR_SGI(v) + 0x0400u + (i))

#define H_INTID_SPURIOUS    1023u

static inline uint8_t mmio_read8(uint64_t a)
{
    uint8_t v;
    __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}

static inline void mmio_write8(uint64_t a, uint8_t v)
{
    __asm__ volatile("strb %w0, [%1]" : : "r"(v), "r"(a) : "memory");
}

static inline uint16_t mmio_read16(uint64_t a)
{
    uint16_t v;
    __asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}

static inline uint64_t mmio_read64(uint64_t a)
{
    uint64_t v;
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}

static inline void mmio_write64(uint64_t a, uint64_t v)
{
    __asm__ volatile("str %0, [%1]" : : "r"(v), "r"(a) : "memory");
}

/* ---- GIC CPU interface (ICC_* at EL1; the ICV_* ones under a hypervisor) ---- */
static inline void icc_pmr(uint64_t v)
{
    __asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(v) : "memory");
}

static inline void icc_igrpen1(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C12_7, %0\n\tisb" : : "r"(v) : "memory");
}

static inline uint32_t icc_iar1(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(v) : : "memory");
    return (uint32_t)(v & 0xffffffu);
}

static inline void icc_eoir1(uint32_t id)
{
    __asm__ volatile("msr S3_0_C12_C12_1, %0\n\tisb" : : "r"((uint64_t)id) : "memory");
}

static inline uint64_t icc_rpr(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, S3_0_C12_C11_3" : "=r"(v) : : "memory");
    return v;
}

static inline void icc_sgi1r(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C11_5, %0\n\tisb" : : "r"(v) : "memory");
}

static inline void icc_asgi1r(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C11_6, %0\n\tisb" : : "r"(v) : "memory");
}

static inline void icc_sgi0r(uint64_t v)
{
    __asm__ volatile("msr S3_0_C12_C11_7, %0\n\tisb" : : "r"(v) : "memory");
}

#define SGI1R(intid, targets) ((((uint64_t)(intid) & 0xfu) << 24) | ((uint64_t)(targets) & 0xffffu))
#define SGI1R_AFF1(a)  ((uint64_t)((a) & 0xffu) << 16)
#define SGI1R_AFF2(a)  ((uint64_t)((a) & 0xffu) << 32)
#define SGI1R_AFF3(a)  ((uint64_t)((a) & 0xffu) << 48)
#define SGI1R_RS(rs)   ((uint64_t)((rs) & 0xfu) << 44)
#define SGI1R_IRM      (1ull << 40)

static inline void irqs_unmask(void)
{
    __asm__ volatile("msr daifclr, #2\n\tisb" : : : "memory");
}

static inline void irqs_mask(void)
{
    __asm__ volatile("msr daifset, #2\n\tisb" : : : "memory");
}

/* Opens this VCPU's GIC CPU interface: redistributor awake, every priority accepted,
 * group 1 on at the CPU interface and (if `dist`) at the distributor. */
static inline void gic_open(unsigned vcpu, int dist)
{
    uint32_t spins = 0;

    mmio_write32(H_GICR_WAKER(vcpu), 0);
    while ((mmio_read32(H_GICR_WAKER(vcpu)) & 4u) && spins < 100000u)
        spins++;
    if (dist)
        mmio_write32(H_GICD_CTLR, H_GICD_CTLR_GRP1);
    icc_pmr(0xff);
    icc_igrpen1(1);
}

/* ---- raw SMCCC calls ---- */
static inline struct hvc_ret smc_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
    struct hvc_ret r = { (int64_t)x0, x1, x2, x3 };
    return r;
}

/* hvc_call with the full 64-bit x0 (guest.h's takes a 32-bit function ID). */
static inline struct hvc_ret hvc_call64(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
    struct hvc_ret r = { (int64_t)x0, x1, x2, x3 };
    return r;
}

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
