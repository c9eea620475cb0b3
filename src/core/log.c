/* Hypervisor log lines and the small printf subset behind them.
 * Not for exit hot paths: formatting costs hundreds of instructions. */
#include <stdarg.h>
#include "log.h"
#include "console.h"
#include "arch_cpu.h"

struct fmt_out {
    char *buf;
    uint32_t size;
    uint32_t len;
};

static void out_char(struct fmt_out *o, char c)
{
    if ((o->len + 1u) < o->size) {
        o->buf[o->len] = c;
        o->len++;
    }
}

static void out_number(struct fmt_out *o, uint64_t v, uint32_t base, bool negative,
                       uint32_t width, char pad)
{
    char digits[24];
    uint32_t n = 0u;

    do {
        uint32_t d = (uint32_t)(v % base);
        digits[n] = (char)((d < 10u) ? ('0' + d) : ('a' + (d - 10u)));
        n++;
        v /= base;
    } while ((v != 0u) && (n < sizeof(digits)));
    if (negative) {
        width = (width > 0u) ? (width - 1u) : 0u; /* the sign counts in the width */
        if (pad == '0') {
            out_char(o, '-');
        }
    }
    while (width > n) {
        out_char(o, pad);
        width--;
    }
    if (negative && (pad != '0')) {
        out_char(o, '-');
    }
    while (n > 0u) {
        n--;
        out_char(o, digits[n]);
    }
}

uint32_t log_format(char *buf, uint32_t size, const char *fmt, va_list ap)
{
    struct fmt_out o = { buf, size, 0u };
    const char *p = fmt;

    while (*p != '\0') {
        uint32_t width = 0u;
        uint32_t longs = 0u;
        char pad = ' ';

        if (*p != '%') {
            out_char(&o, *p);
            p++;
            continue;
        }
        p++;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while ((*p >= '0') && (*p <= '9')) {
            width = (width * 10u) + (uint32_t)(*p - '0');
            p++;
        }
        while (*p == 'l') {
            longs++;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL) {
                s = "(null)";
            }
            while (*s != '\0') {
                out_char(&o, *s);
                s++;
            }
            break;
        }
        case 'c':
            out_char(&o, (char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = (longs > 0u) ? va_arg(ap, int64_t) : (int64_t)va_arg(ap, int);
            uint64_t mag = (v < 0) ? ((uint64_t)0 - (uint64_t)v) : (uint64_t)v;
            out_number(&o, mag, 10u, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = (longs > 0u) ? va_arg(ap, uint64_t) : (uint64_t)va_arg(ap, unsigned int);
            out_number(&o, v, (*p == 'u') ? 10u : 16u, false, width, pad);
            break;
        }
        case '%':
            out_char(&o, '%');
            break;
        case '\0':
            p--; /* format ends after '%': stop at the terminator below */
            break;
        default:
            out_char(&o, '?');
            break;
        }
        p++;
    }
    if (o.size > 0u) {
        o.buf[o.len] = '\0';
    }
    return o.len;
}

static void log_emit(const char *prefix, const char *fmt, va_list ap)
{
    char line[CONSOLE_LINE_MAX + 64u];
    uint32_t len = log_format(line, (uint32_t)sizeof(line), fmt, ap);

    console_write_line(prefix, line, len);
}

void log_line(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_emit("hv", fmt, ap);
    va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_emit("hv PANIC", fmt, ap);
    va_end(ap);
    arch_cpu_halt();
}
