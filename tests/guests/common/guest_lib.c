/* tests/guests/common/guest_lib.c: runtime shared by the test guests: hypercall and PSCI
 * wrappers, per-VCPU line-buffered console with PUTC/PL011 fallbacks, printf-lite, timers. */
#include "guest.h"

/* ------------------------------------------------------------------------- */
/* Hypercalls                                                                */

int64_t hv_version(void)
{
    return hvc_call(HV_VERSION, 0, 0, 0).x0;
}

int64_t hv_yield(void)
{
    return hvc_call(HV_YIELD, 0, 0, 0).x0;
}

int64_t hv_console_putc(char c)
{
    return hvc_call(HV_CONSOLE_PUTC, (uint8_t)c, 0, 0).x0;
}

int64_t hv_console_write(const void *buf, uint64_t len)
{
    /* The MMU is off: the virtual address is the guest-physical address. */
    return hvc_call(HV_CONSOLE_WRITE, (uint64_t)(uintptr_t)buf, len, 0).x0;
}

int64_t vm_info(struct vm_info *out)
{
    struct hvc_ret r = hvc_call(HV_VM_INFO, 0, 0, 0);

    if (r.x0 != HV_OK) {
        out->vm = 0;
        out->vcpus = 0;
        out->boot_count = 0;
        return r.x0;
    }
    out->vm = r.x1;
    out->vcpus = r.x2;
    out->boot_count = r.x3;
    return HV_OK;
}

/* ------------------------------------------------------------------------- */
/* PSCI                                                                      */

static void park(void) __attribute__((noreturn));
static void park(void)
{
    for (;;)
        wfi();
}

int64_t psci_version(void)
{
    return hvc_call(PSCI_VERSION, 0, 0, 0).x0;
}

int64_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context_id)
{
    return hvc_call(PSCI_CPU_ON, target_mpidr, entry, context_id).x0;
}

int64_t psci_affinity_info(uint64_t target_mpidr, uint64_t level)
{
    return hvc_call(PSCI_AFFINITY_INFO, target_mpidr, level, 0).x0;
}

int64_t psci_features(uint32_t fid)
{
    return hvc_call(PSCI_FEATURES, fid, 0, 0).x0;
}

void psci_cpu_off(void)
{
    int64_t r = hvc_call(PSCI_CPU_OFF, 0, 0, 0).x0;

    printf("GUEST-ERROR vcpu=%u CPU_OFF returned %ld\n", current_vcpu(), r);
    park();
}

void psci_system_off(void)
{
    int64_t r = hvc_call(PSCI_SYSTEM_OFF, 0, 0, 0).x0;

    printf("GUEST-ERROR vcpu=%u SYSTEM_OFF returned %ld\n", current_vcpu(), r);
    park();
}

int64_t psci_system_reset(void)
{
    return hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0).x0;
}

/* ------------------------------------------------------------------------- */
/* Counter and timer                                                         */

uint64_t counter_freq(void)
{
    uint64_t f = read_cntfrq_raw() & 0xffffffffu;

    return f ? f : 62500000u;
}

uint64_t us_to_ticks(uint64_t us)
{
    uint64_t f = counter_freq();

    return (us / 1000000u) * f + ((us % 1000000u) * f) / 1000000u;
}

void delay_us(uint64_t us)
{
    uint64_t start = read_cntvct();
    uint64_t ticks = us_to_ticks(us);

    while (read_cntvct() - start < ticks)
        ;
}

void vtimer_arm_us(uint64_t us)
{
    vtimer_arm_ticks(us_to_ticks(us));
}

/* ------------------------------------------------------------------------- */
/* Console                                                                   */

#define GUEST_LINE_MAX 128u /* the hypervisor's per-VM line buffer is 128 bytes too */

enum console_mode {
    CONSOLE_HV_WRITE = 0, /* HV_CONSOLE_WRITE, one call per line */
    CONSOLE_HV_PUTC = 1,  /* HV_CONSOLE_PUTC, one call per byte */
    CONSOLE_PL011 = 2,    /* PL011 data register */
};

#define PL011_DR   0x000u
#define PL011_FR   0x018u
#define PL011_TXFF (1u << 5)

/* Shared by all VCPUs; it only ever moves towards the fallbacks. */
static volatile uint32_t console_mode;

/* Per-VCPU line buffers: a VCPU only touches its own. */
static char line_buf[GUEST_MAX_VCPUS][GUEST_LINE_MAX];
static uint32_t line_len[GUEST_MAX_VCPUS];

/*
 * The per-byte fallbacks (HV_CONSOLE_PUTC, PL011) are serialised between the VCPUs
 * with Lamport's bakery lock: plain loads and stores plus barriers only, because
 * with the MMU off there are no exclusives to rely on. HV_CONSOLE_WRITE needs no lock.
 */
static volatile uint8_t bakery_choosing[GUEST_MAX_VCPUS];
static volatile uint32_t bakery_number[GUEST_MAX_VCPUS];

static inline void dmb(void)
{
    __asm__ volatile("dmb sy" : : : "memory");
}

static void fallback_lock(unsigned v)
{
    uint32_t max = 0;

    bakery_choosing[v] = 1;
    dmb();
    for (unsigned j = 0; j < GUEST_MAX_VCPUS; j++) {
        uint32_t n = bakery_number[j];
        if (n > max)
            max = n;
    }
    bakery_number[v] = max + 1;
    dmb();
    bakery_choosing[v] = 0;
    dmb();
    for (unsigned j = 0; j < GUEST_MAX_VCPUS; j++) {
        if (j == v)
            continue;
        while (bakery_choosing[j])
            dmb();
        for (;;) {
            uint32_t n = bakery_number[j];
            uint32_t mine = bakery_number[v];
            if (n == 0 || n > mine || (n == mine && j > v))
                break;
            dmb();
        }
    }
    dmb();
}

static void fallback_unlock(unsigned v)
{
    dmb();
    bakery_number[v] = 0;
    dmb();
}

static void pl011_putc(char c)
{
    uint32_t spins = 0;

    while ((mmio_read32(GUEST_PL011_BASE + PL011_FR) & PL011_TXFF) && spins < 1000000u)
        spins++;
    mmio_write32(GUEST_PL011_BASE + PL011_DR, (uint8_t)c);
}

static void pl011_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            pl011_putc('\r');
        pl011_putc(s[i]);
    }
}

/* Sends s[0..len) from VCPU slot v (its own line buffer). */
static void console_emit(unsigned v, const char *s, size_t len)
{
    if (console_mode == CONSOLE_HV_WRITE) {
        while (len > 0) {
            size_t chunk = len < HV_CONSOLE_WRITE_MAX ? len : HV_CONSOLE_WRITE_MAX;
            int64_t r = hv_console_write(s, chunk);

            if (r <= 0 || (uint64_t)r > chunk) {
                /* Only "unknown call" switches for good; other errors fall back
                 * for this line only. */
                if (r == HV_NOT_SUPPORTED)
                    console_mode = CONSOLE_HV_PUTC;
                break;
            }
            s += r;
            len -= (size_t)r;
        }
        if (len == 0)
            return;
    }
    fallback_lock(v);
    if (console_mode <= CONSOLE_HV_PUTC) {
        while (len > 0) {
            if (hv_console_putc(*s) != 0) {
                console_mode = CONSOLE_PL011;
                break;
            }
            s++;
            len--;
        }
    }
    if (len > 0)
        pl011_write(s, len);
    fallback_unlock(v);
}

static unsigned console_slot(void)
{
    return current_vcpu() % GUEST_MAX_VCPUS;
}

static void flush_slot(unsigned v)
{
    if (line_len[v] > 0) {
        console_emit(v, line_buf[v], line_len[v]);
        line_len[v] = 0;
    }
}

void console_flush(void)
{
    flush_slot(console_slot());
}

static void putc_slot(unsigned v, char c)
{
    line_buf[v][line_len[v]++] = c;
    if (c == '\n' || line_len[v] >= GUEST_LINE_MAX)
        flush_slot(v);
}

void putc(char c)
{
    putc_slot(console_slot(), c);
}

static void puts_slot(unsigned v, const char *s)
{
    while (*s)
        putc_slot(v, *s++);
}

void puts(const char *s)
{
    unsigned v = console_slot();

    puts_slot(v, s);
    putc_slot(v, '\n');
}

/* Writes v in base 10 or 16 (lowercase), without leading zeros. */
static int put_unsigned(unsigned v, uint64_t n, unsigned base)
{
    char tmp[GUEST_DIGITS_MAX];
    int len = digits_reversed(tmp, n, base);

    for (int i = len - 1; i >= 0; i--)
        putc_slot(v, tmp[i]);
    return len;
}

static int put_signed(unsigned v, int64_t n)
{
    if (n < 0) {
        putc_slot(v, '-');
        return 1 + put_unsigned(v, 0u - (uint64_t)n, 10);
    }
    return put_unsigned(v, (uint64_t)n, 10);
}

void print_hex(uint64_t n)
{
    unsigned v = console_slot();

    puts_slot(v, "0x");
    put_unsigned(v, n, 16);
}

void print_dec(uint64_t n)
{
    put_unsigned(console_slot(), n, 10);
}

int vprintf(const char *fmt, va_list ap)
{
    unsigned v = console_slot();
    int count = 0;

    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            putc_slot(v, *p);
            count++;
            continue;
        }
        p++;
        int is_long = 0;
        if (*p == 'l') {
            is_long = 1;
            p++;
        }
        switch (*p) {
        case 'd':
            count += put_signed(v, is_long ? va_arg(ap, long) : va_arg(ap, int));
            break;
        case 'u':
            count += put_unsigned(v, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10);
            break;
        case 'x':
            count += put_unsigned(v, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16);
            break;
        case 'c':
            putc_slot(v, (char)va_arg(ap, int));
            count++;
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            for (; *s; s++, count++)
                putc_slot(v, *s);
            break;
        }
        case '%':
            putc_slot(v, '%');
            count++;
            break;
        case '\0':
            /* Lone '%' at the end: print it and stop. */
            putc_slot(v, '%');
            return count + 1;
        default:
            /* Unsupported conversion: echo it so the mistake is visible. */
            putc_slot(v, '%');
            putc_slot(v, *p);
            count += 2;
            break;
        }
    }
    return count;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* ------------------------------------------------------------------------- */
/* Exceptions (called from the vectors in start.S on the VCPU's own stack)   */

static volatile uint8_t in_exception[GUEST_MAX_VCPUS];

void guest_exception(uint64_t vector, uint64_t vcpu, uint64_t esr, uint64_t elr, uint64_t far)
{
    unsigned v = (unsigned)(vcpu % GUEST_MAX_VCPUS);

    (void)vector;
    if (in_exception[v]) {
        /* Faulted while reporting a fault: stop without printing. */
        (void)hvc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
        park();
    }
    in_exception[v] = 1;
    /* The fault may have hit while this VCPU held the console lock: drop it. */
    bakery_choosing[v] = 0;
    bakery_number[v] = 0;
    if (line_len[v] > 0)
        putc_slot(v, '\n'); /* terminate whatever was being printed */
    printf("GUEST-EXCEPTION vcpu=%lu esr=0x%lx elr=0x%lx far=0x%lx\n", vcpu, esr, elr, far);
    psci_system_off();
}

/* ------------------------------------------------------------------------- */
/* Freestanding helpers. guests.mk builds with -fno-tree-loop-distribute-patterns,
 * so GCC does not turn these loops back into calls to themselves. */

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;

    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a;
    const uint8_t *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}
