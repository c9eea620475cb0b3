/* tests/guests/common/guest.h: shared API of the bare-metal AArch64 EL1 test guests:
 * hypercalls (docs/hypercalls.md), virtual PSCI, counter and timer helpers, MMIO accessors,
 * line-buffered console and number digits. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Must match guest.ld and start.S. */
#define GUEST_MAX_VCPUS  8u
#define GUEST_STACK_SIZE 8192u

/* ---- project hypercalls (vendor hypervisor service, fast SMC64 form) ---- */
#define HV_VERSION        0xC6000000u
#define HV_YIELD          0xC6000001u
#define HV_CONSOLE_PUTC   0xC6000002u
#define HV_CONSOLE_WRITE  0xC6000003u
#define HV_VM_INFO        0xC6000004u

#define HV_OK                 0
#define HV_NOT_SUPPORTED      (-1)
#define HV_INVALID_PARAMETER  (-3)

#define HV_CONSOLE_WRITE_MAX  256u

/* ---- PSCI ---- */
#define PSCI_VERSION          0x84000000u
#define PSCI_CPU_OFF          0x84000002u
#define PSCI_CPU_ON           0xC4000003u
#define PSCI_AFFINITY_INFO    0xC4000004u
#define PSCI_SYSTEM_OFF       0x84000008u
#define PSCI_SYSTEM_RESET     0x84000009u
#define PSCI_FEATURES         0x8400000Au

#define PSCI_SUCCESS             0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED             (-3)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)
#define PSCI_INTERNAL_FAILURE   (-6)
#define PSCI_INVALID_ADDRESS    (-9)

/* AFFINITY_INFO results */
#define PSCI_AFF_ON          0
#define PSCI_AFF_OFF         1
#define PSCI_AFF_ON_PENDING  2

/* ---- entry points (start.S) and the per-guest main ---- */
/* Every VCPU lands here once start.S has set up its stack, vectors and FP/SIMD.
 * vcpu = MPIDR_EL1.Aff0; x0 = DTB address (VCPU 0) or the CPU_ON context id. */
void guest_main(unsigned vcpu, uint64_t x0);
/* Entry address to pass to PSCI CPU_ON for secondary VCPUs. */
void secondary_entry(void);
/* Called by the exception vectors in start.S; prints GUEST-EXCEPTION and powers off. */
void guest_exception(uint64_t vector, uint64_t vcpu, uint64_t esr, uint64_t elr, uint64_t far)
    __attribute__((noreturn));

/* ---- raw hypercall ---- */
struct hvc_ret {
    int64_t x0;
    uint64_t x1;
    uint64_t x2;
    uint64_t x3;
};

/* Defines `struct hvc_ret name(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)`: an SMCCC
 * call through the conduit instruction `insn` ("hvc #0", "smc #0"), x0-x3 in and out.
 * "memory": the hypervisor may read guest memory (HV_CONSOLE_WRITE). */
#define GUEST_SMCCC_CALL(name, insn)                                                            \
    static inline struct hvc_ret name(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)     \
    {                                                                                           \
        register uint64_t x0 __asm__("x0") = fid;                                               \
        register uint64_t x1 __asm__("x1") = a1;                                                \
        register uint64_t x2 __asm__("x2") = a2;                                                \
        register uint64_t x3 __asm__("x3") = a3;                                                \
        __asm__ volatile(insn : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");           \
        struct hvc_ret r = { (int64_t)x0, x1, x2, x3 };                                         \
        return r;                                                                               \
    }

/* hvc_call64 takes the full 64-bit x0; hvc_call the 32-bit function IDs of the calls here. */
GUEST_SMCCC_CALL(hvc_call64, "hvc #0")

static inline struct hvc_ret hvc_call(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return hvc_call64(fid, a1, a2, a3);
}

/* ---- project hypercall wrappers ---- */
int64_t hv_version(void);                 /* x0: (major << 16) | minor, or a negative error */
int64_t hv_yield(void);
int64_t hv_console_putc(char c);          /* 0 on success */
int64_t hv_console_write(const void *buf, uint64_t len); /* bytes written or negative error */

struct vm_info {
    uint64_t vm;         /* VM index */
    uint64_t vcpus;      /* number of VCPUs of the VM */
    uint64_t boot_count; /* 1 on first boot, +1 per reset/restart */
};
/* Returns HV_OK and fills *out, or the (negative) error; *out is zeroed on error. */
int64_t vm_info(struct vm_info *out);

/* ---- PSCI wrappers ---- */
int64_t psci_version(void);
int64_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context_id);
int64_t psci_affinity_info(uint64_t target_mpidr, uint64_t level);
int64_t psci_features(uint32_t fid);
/* These only return on failure; the wrappers then print the error and park the VCPU. */
void psci_cpu_off(void) __attribute__((noreturn));
void psci_system_off(void) __attribute__((noreturn));
/* Returns only on failure, with the PSCI error code. */
int64_t psci_system_reset(void);

/* ---- system registers ---- */
static inline uint64_t read_mpidr(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
    return v;
}

/* VCPU index of the caller: MPIDR_EL1.Aff0. */
static inline unsigned current_vcpu(void)
{
    return (unsigned)(read_mpidr() & 0xffu);
}

static inline void isb(void)
{
    __asm__ volatile("isb" : : : "memory");
}

static inline void wfi(void)
{
    __asm__ volatile("wfi" : : : "memory");
}

/* ---- virtual counter ---- */
static inline uint64_t read_cntvct(void)
{
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

static inline uint64_t read_cntfrq_raw(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

/* Counter frequency in Hz; falls back to 62.5 MHz (QEMU's) if CNTFRQ_EL0 reads 0. */
uint64_t counter_freq(void);
uint64_t us_to_ticks(uint64_t us);
/* Busy-waits on CNTVCT_EL0 (no hypercalls). */
void delay_us(uint64_t us);

/* ---- virtual timer (EL1 virtual timer, PPI INTID 27) ---- */
#define CNTV_CTL_ENABLE  (1u << 0)
#define CNTV_CTL_IMASK   (1u << 1)
#define CNTV_CTL_ISTATUS (1u << 2)
#define VTIMER_INTID     27u

static inline uint64_t vtimer_ctl(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntv_ctl_el0" : "=r"(v) : : "memory");
    return v;
}

static inline void vtimer_set_ctl(uint64_t v)
{
    __asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(v) : "memory");
}

/* Fires after `ticks` counter ticks: CNTV_TVAL_EL0 = ticks, CNTV_CTL_EL0 = ENABLE. */
static inline void vtimer_arm_ticks(uint64_t ticks)
{
    __asm__ volatile("msr cntv_tval_el0, %0" : : "r"(ticks) : "memory");
    vtimer_set_ctl(CNTV_CTL_ENABLE);
}

void vtimer_arm_us(uint64_t us);

/* Stops the timer: IMASK set, ENABLE clear (drops the interrupt line). */
static inline void vtimer_disable(void)
{
    vtimer_set_ctl(CNTV_CTL_IMASK);
}

/* ---- MMIO (single, plain accesses; the MMU is off) ---- */
/* Defines mmio_read<bits>(addr) and mmio_write<bits>(addr, v): one `ldr<sfx>`/`str<sfx>` of
 * register operand `reg` ("w" or "" for x). */
#define GUEST_MMIO_ACCESSORS(bits, type, sfx, reg)                                              \
    static inline type mmio_read##bits(uint64_t addr)                                           \
    {                                                                                           \
        type v;                                                                                 \
        __asm__ volatile("ldr" sfx " %" reg "0, [%1]" : "=r"(v) : "r"(addr) : "memory");        \
        return v;                                                                               \
    }                                                                                           \
    static inline void mmio_write##bits(uint64_t addr, type v)                                  \
    {                                                                                           \
        __asm__ volatile("str" sfx " %" reg "0, [%1]" : : "r"(v), "r"(addr) : "memory");        \
    }

GUEST_MMIO_ACCESSORS(8, uint8_t, "b", "w")
GUEST_MMIO_ACCESSORS(16, uint16_t, "h", "w")
GUEST_MMIO_ACCESSORS(32, uint32_t, "", "w")
GUEST_MMIO_ACCESSORS(64, uint64_t, "", "")

/* ---- console ----
 * Output is collected per VCPU and sent one whole line per HV_CONSOLE_WRITE, so
 * lines of different VCPUs never mix. If HV_CONSOLE_WRITE is not supported, each
 * byte goes through HV_CONSOLE_PUTC; if that fails too, to the PL011 at 0x09000000
 * (which makes the guests runnable on bare QEMU `virt`). */
#define GUEST_PL011_BASE 0x09000000u

void putc(char c);              /* flushes the line on '\n' */
void puts(const char *s);       /* writes s and a newline (like C puts) */
void print_hex(uint64_t v);     /* "0x" followed by lowercase hex digits */
void print_dec(uint64_t v);
void console_flush(void);       /* sends the caller's partial line, if any */
/* Supports %s %d %u %x %ld %lu %lx %c %% only (no width/precision/flags). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The digits of v in base 10 or 16 (lowercase, no leading zeros), least significant first,
 * in out[GUEST_DIGITS_MAX]; returns how many. Callers emit out[n-1] down to out[0]. */
#define GUEST_DIGITS_MAX 24u
static inline int digits_reversed(char *out, uint64_t v, unsigned base)
{
    int len = 0;

    do {
        unsigned d = (unsigned)(v % base);
        out[len++] = (char)(d < 10 ? '0' + d : 'a' + (d - 10));
        v /= base;
    } while (v != 0);
    return len;
}

/* ---- freestanding helpers GCC may call implicitly ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif /* GUEST_H */
