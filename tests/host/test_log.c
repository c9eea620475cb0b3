/* src/core/log.c: log_format() (the printf subset of log.h), log_line()
 * and panic(). */
#include <limits.h>
#include <stdarg.h>
#include "support.h"

/* log_format into a guarded buffer; checks the return value, the NUL and
 * that nothing beyond `size` was written. */
static char out[512];

static uint32_t bounded_len(const char *s, uint32_t max)
{
    uint32_t n = 0u;

    while ((n < max) && (s[n] != '\0')) {
        n++;
    }
    return n;
}

static const char *fmt_n(uint32_t size, const char *fmt, ...)
{
    static char guard[600];
    va_list ap;
    uint32_t len;
    uint32_t i;

    memset(guard, '#', sizeof(guard));
    va_start(ap, fmt);
    len = log_format(guard, size, fmt, ap);
    va_end(ap);
    for (i = size; i < sizeof(guard); i++) {
        if (guard[i] != '#') {
            check_fail(__FILE__, __LINE__, "log_format(size %u, \"%s\") wrote byte %u", size, fmt, i);
            break;
        }
    }
    if (size == 0u) {
        CHECK_EQ(len, 0);
        CHECK_EQ(guard[0], '#');
        out[0] = '\0';
        return out;
    }
    if ((bounded_len(guard, size) != len) || (len >= size)) {
        check_fail(__FILE__, __LINE__, "log_format(size %u, \"%s\") returned %u for a %u-byte string",
                   size, fmt, len, bounded_len(guard, size));
    }
    memcpy(out, guard, size);
    out[sizeof(out) - 1u] = '\0';
    return out;
}

#define FMT(...) fmt_n(sizeof(out), __VA_ARGS__)

/* log_format and the host's printf agree on this conversion. */
#define SAME(fmt, ...)                                                     \
    do {                                                                   \
        char want_[256];                                                   \
        snprintf(want_, sizeof(want_), fmt, __VA_ARGS__);                  \
        CHECK_STR(FMT(fmt, __VA_ARGS__), want_);                           \
    } while (0)

/* REQ-CONS-06 */
static void t_plain_and_percent(void)
{
    CHECK_STR(FMT("hello"), "hello");
    CHECK_STR(FMT(""), "");
    CHECK_STR(FMT("100%%"), "100%");
    CHECK_STR(FMT("%%%%"), "%%");
}

/* REQ-CONS-06 */
static void t_strings_and_chars(void)
{
    const char *null_str = NULL;

    CHECK_STR(FMT("[%s]", "abc"), "[abc]");
    CHECK_STR(FMT("%s%s", "", "x"), "x");
    CHECK_STR(FMT("%s", null_str), "(null)");
    CHECK_STR(FMT("%c%c%c", 'a', 'b', 'c'), "abc");
    CHECK_STR(FMT("%c", 0x141), "A"); /* an int, converted to char */
}

/* REQ-CONS-06 */
static void t_decimal(void)
{
    SAME("%d", 0);
    SAME("%d", 42);
    SAME("%d", -42);
    SAME("%d", INT_MAX);
    SAME("%d", INT_MIN);
    SAME("%u", 0u);
    SAME("%u", UINT_MAX);
    SAME("%ld", (long)INT64_MIN);
    SAME("%ld", (long)INT64_MAX);
    SAME("%lu", (unsigned long)UINT64_MAX);
    SAME("%llu", (unsigned long long)UINT64_MAX);
    SAME("%lld", (long long)-1);
    SAME("%d %u %d", -1, 1u, 2);
}

/* REQ-CONS-06 */
static void t_hex(void)
{
    SAME("%x", 0u);
    SAME("%x", 0xdeadbeefu);
    SAME("%x", UINT_MAX);
    SAME("%lx", (unsigned long)UINT64_MAX);
    SAME("%llx", (unsigned long long)0x0123456789abcdefull);
    SAME("0x%lx", (unsigned long)0x40000000ul);
    SAME("%x", (unsigned)-1);
}

/* REQ-CONS-06 */
static void t_widths_and_zero_pad(void)
{
    SAME("%08lx", (unsigned long)0xbeeful);
    SAME("%08x", 0u);
    SAME("%016lx", (unsigned long)UINT64_MAX);
    SAME("%2x", 0x1234u);     /* narrower than the number */
    SAME("%5u", 42u);
    SAME("%05u", 42u);
    SAME("%1u", 0u);
    SAME("%3d", 7);
    SAME("%03d", 7);
    SAME("[%10lu]", (unsigned long)123456789ul);
    SAME("%020lu", (unsigned long)UINT64_MAX);
}

/* The width counts the sign, as in printf: "  -42" and "-0042". */
/* REQ-CONS-06 */
static void t_negative_with_width(void)
{
    SAME("%5d", -42);
    SAME("%05d", -42);
    SAME("%3d", -7);
    SAME("%08ld", (long)-1);
    SAME("%2d", -42); /* width smaller than sign and digits */
}

/* REQ-CONS-06 */
static void t_unknown_and_truncated_format(void)
{
    CHECK_STR(FMT("%q"), "?");
    CHECK_STR(FMT("a%"), "a");
    CHECK_STR(FMT("a%0"), "a");
    CHECK_STR(FMT("a%l"), "a");
    CHECK_STR(FMT("%u%", 5u), "5");
}

/* REQ-CONS-06 */
static void t_truncation(void)
{
    CHECK_STR(fmt_n(8, "hello world"), "hello w");
    CHECK_STR(fmt_n(6, "hello"), "hello");
    CHECK_STR(fmt_n(5, "hello"), "hell");
    CHECK_STR(fmt_n(1, "hello"), "");
    CHECK_STR(fmt_n(0, "hello"), "");
    CHECK_STR(fmt_n(5, "%lx", (unsigned long)UINT64_MAX), "ffff");
    CHECK_STR(fmt_n(4, "%s", "abcdef"), "abc");
    CHECK_STR(fmt_n(4, "%08x", 0x12u), "000");
    CHECK_STR(fmt_n(3, "%d", -12345), "-1");
    CHECK_STR(fmt_n(2, "%c%c", 'x', 'y'), "x");
}

/* REQ-CONS-06 */
static void t_log_line(void)
{
    char long_arg[400];

    log_line("vm %s: %u VCPU(s) at 0x%lx", "vm0", 2u, (unsigned long)0x50000000ul);
    CHECK_STR(fake.console, "[hv] vm vm0: 2 VCPU(s) at 0x50000000\r\n");
    /* a line longer than the log buffer is cut, still one line */
    fake_console_clear();
    memset(long_arg, 'z', sizeof(long_arg) - 1u);
    long_arg[sizeof(long_arg) - 1u] = '\0';
    log_line("%s", long_arg);
    CHECK_EQ(count_in(fake.console, "\r\n"), 1);
    CHECK_EQ(count_in(fake.console, "[hv] "), 1);
    CHECK_LT(fake.console_len, 260u);
    CHECK_LT(128u, fake.console_len);
}

static void panic_fn(void *arg)
{
    panic("bad thing %d at 0x%x", -5, *(unsigned *)arg);
}

/* REQ-CONS-06 */
static void t_panic_halts(void)
{
    unsigned where = 0xabcu;

    CHECK_EQ(fake_call_noreturn(panic_fn, &where), 1);
    CHECK_EQ(take_cpu_halt(), 1);
    CHECK_STR(fake.console, "[hv PANIC] bad thing -5 at 0xabc\r\n");
}

static const struct test_case cases[] = {
    TEST(plain_and_percent),
    TEST(strings_and_chars),
    TEST(decimal),
    TEST(hex),
    TEST(widths_and_zero_pad),
    TEST(negative_with_width),
    TEST(unknown_and_truncated_format),
    TEST(truncation),
    TEST(log_line),
    TEST(panic_halts),
};

int main(void)
{
    return check_run("test_log", cases, ARRAY_SIZE(cases));
}
