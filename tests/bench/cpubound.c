/* tests/bench/cpubound.c: the CPU-bound user program of `make bench` (Linux rows). A
 * static aarch64 Linux executable without a C library (raw system calls), so that it
 * builds with nothing but aarch64-linux-gnu-gcc:
 *     aarch64-linux-gnu-gcc -static -O2 -nostdlib -ffreestanding -fno-pie -no-pie ...
 * It fills a fixed 1 MiB buffer from a fixed seed, then checksums it PASSES times, and
 * times that with the virtual counter (CNTVCT_EL0, readable at EL0 under Linux). Under
 * QEMU -icount shift=0 one instruction is 1 ns and the work is the same on every run, so
 * the time differs between a VM and bare QEMU only by what the hypervisor (and the
 * kernel's own interrupts meanwhile) adds.
 *
 *   cpubound          CPUBOUND ticks=<n> ns=<n> freq=<hz> checksum=0x<x>
 *   cpubound stamp    CPUBOUND-STAMP cntvct=<n> ns=<n>   (virtual time since QEMU reset)
 */
#include <stddef.h>
#include <stdint.h>

#define BUF_WORDS (1u << 17)   /* 1 MiB of 64-bit words */
#define PASSES    400u

static uint64_t buf[BUF_WORDS];

static long sys3(long nr, long a, long b, long c)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;

    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

static void out(const char *s, size_t n)
{
    (void)sys3(64, 1, (long)s, (long)n); /* write(1, s, n) */
}

static __attribute__((noreturn)) void leave(int code)
{
    for (;;)
        (void)sys3(93, code, 0, 0); /* exit */
}

static inline uint64_t cntvct(void)
{
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

static inline uint64_t cntfrq(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v & 0xffffffffu;
}

/* Appends "name=<v>" (decimal, or hex after 0x) and a separator to line[*n]. */
static void field(char *line, size_t *n, const char *name, uint64_t v, int hex)
{
    char tmp[24];
    int len = 0;

    while (*name)
        line[(*n)++] = *name++;
    line[(*n)++] = '=';
    if (hex) {
        line[(*n)++] = '0';
        line[(*n)++] = 'x';
    }
    do {
        unsigned d = (unsigned)(v % (hex ? 16u : 10u));
        tmp[len++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= hex ? 16u : 10u;
    } while (v);
    while (len)
        line[(*n)++] = tmp[--len];
    line[(*n)++] = ' ';
}

static uint64_t ticks_to_ns(uint64_t t, uint64_t f)
{
    if (f == 0)
        f = 62500000u;
    return (t / f) * 1000000000u + ((t % f) * 1000000000u) / f;
}

static int run(int stamp)
{
    char line[160];
    size_t n = 0;
    const uint64_t f = cntfrq();

    if (stamp) {
        uint64_t now = cntvct();
        const char *p = "CPUBOUND-STAMP ";
        while (*p)
            line[n++] = *p++;
        field(line, &n, "cntvct", now, 0);
        field(line, &n, "ns", ticks_to_ns(now, f), 0);
        line[n - 1] = '\n';
        out(line, n);
        return 0;
    }

    /* Fixed contents: a 64-bit LCG from a fixed seed. */
    uint64_t x = 0x243f6a8885a308d3ull;
    for (uint32_t i = 0; i < BUF_WORDS; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = x;
    }

    const uint64_t t0 = cntvct();
    uint64_t a = 1, b = 0;
    for (uint32_t pass = 0; pass < PASSES; pass++) {
        for (uint32_t i = 0; i < BUF_WORDS; i++) {
            a += buf[i] ^ pass;
            b += a;
        }
        a = (a << 7) | (a >> 57);
    }
    const uint64_t t1 = cntvct();

    const char *p = "CPUBOUND ";
    while (*p)
        line[n++] = *p++;
    field(line, &n, "ticks", t1 - t0, 0);
    field(line, &n, "ns", ticks_to_ns(t1 - t0, f), 0);
    field(line, &n, "freq", f, 0);
    field(line, &n, "checksum", a ^ (b << 1), 1);
    line[n - 1] = '\n';
    out(line, n);
    return 0;
}

/* Entry from the kernel: sp -> argc, argv[0], argv[1], ... */
__attribute__((used)) static void cmain(uint64_t *sp)
{
    int argc = (int)sp[0];
    const char *arg1 = argc > 1 ? (const char *)sp[2] : "";
    int stamp = arg1[0] == 's';

    leave(run(stamp));
}

__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "    mov x0, sp\n"
        "    and sp, x0, #~15\n"
        "    bl cmain\n"
        "    b .\n");
