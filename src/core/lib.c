/* Freestanding string and memory functions for the hypervisor and for the
 * libfdt it links. Simple byte loops: they run at boot and on VM restart,
 * never on an exit path. Built with -fno-tree-loop-distribute-patterns so
 * the compiler does not turn these loops back into calls to themselves. */
#include "lib.h"
#include "log.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    size_t i;

    if ((((uintptr_t)d | (uintptr_t)s | n) & 7u) == 0u) {
        uint64_t *d8 = (uint64_t *)dst;
        const uint64_t *s8 = (const uint64_t *)src;
        for (i = 0u; i < (n / 8u); i++) {
            d8[i] = s8[i];
        }
        return dst;
    }
    for (i = 0u; i < n; i++) {
        d[i] = s[i];
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;

    if ((d <= s) || (d >= (s + n))) {
        return memcpy(dst, src, n);
    }
    while (n > 0u) {
        n--;
        d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    size_t i;

    if ((c == 0) && ((((uintptr_t)d | n) & 7u) == 0u)) {
        uint64_t *d8 = (uint64_t *)dst;
        for (i = 0u; i < (n / 8u); i++) {
            d8[i] = 0u;
        }
        return dst;
    }
    for (i = 0u; i < n; i++) {
        d[i] = (uint8_t)c;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = (const uint8_t *)a;
    const uint8_t *y = (const uint8_t *)b;
    size_t i;

    for (i = 0u; i < n; i++) {
        if (x[i] != y[i]) {
            return (int)x[i] - (int)y[i];
        }
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i;

    for (i = 0u; i < n; i++) {
        if (p[i] == (uint8_t)c) {
            return (void *)(uintptr_t)&p[i];
        }
    }
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0u;

    while (s[n] != '\0') {
        n++;
    }
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0u;

    while ((n < max) && (s[n] != '\0')) {
        n++;
    }
    return n;
}

char *strchr(const char *s, int c)
{
    for (;;) {
        if (*s == (char)c) {
            return (char *)(uintptr_t)s;
        }
        if (*s == '\0') {
            return NULL;
        }
        s++;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;

    for (;;) {
        if (*s == (char)c) {
            last = s;
        }
        if (*s == '\0') {
            return (char *)(uintptr_t)last;
        }
        s++;
    }
}

int strcmp(const char *a, const char *b)
{
    while ((*a != '\0') && (*a == *b)) {
        a++;
        b++;
    }
    return (int)(uint8_t)*a - (int)(uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0u; i < n; i++) {
        if ((a[i] != b[i]) || (a[i] == '\0')) {
            return (int)(uint8_t)a[i] - (int)(uint8_t)b[i];
        }
    }
    return 0;
}

static int digit_value(char c)
{
    if ((c >= '0') && (c <= '9')) {
        return c - '0';
    }
    if ((c >= 'a') && (c <= 'z')) {
        return (c - 'a') + 10;
    }
    if ((c >= 'A') && (c <= 'Z')) {
        return (c - 'A') + 10;
    }
    return 99;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    unsigned long v = 0u;

    while ((*s == ' ') || (*s == '\t')) {
        s++;
    }
    if (((base == 0) || (base == 16)) && (s[0] == '0') && ((s[1] == 'x') || (s[1] == 'X'))) {
        s += 2;
        base = 16;
    } else if ((base == 0) && (s[0] == '0')) {
        base = 8;
    } else if (base == 0) {
        base = 10;
    } else {
        /* base given by the caller */
    }
    for (;;) {
        int d = digit_value(*s);
        if (d >= base) {
            break;
        }
        v = (v * (unsigned long)base) + (unsigned long)d;
        s++;
    }
    if (end != NULL) {
        *end = (char *)(uintptr_t)s;
    }
    return v;
}

/* Stack protector support for libfdt, which Debian builds with it. */
uintptr_t __stack_chk_guard = 0x5a17c0de5a17c0deu;
_Noreturn void __stack_chk_fail(void);
_Noreturn void __stack_chk_fail(void)
{
    panic("stack protector: corrupted stack in libfdt");
}
