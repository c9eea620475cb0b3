/* Runner of the host unit tests: see check.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "fake_arch.h"

static char first[512];
static unsigned failures;
static const char *current_file;
static const char *current_case;

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return (s != NULL) ? s + 1 : path;
}

static void record(const char *msg)
{
    if (failures == 0u) {
        snprintf(first, sizeof(first), "%s", msg);
    } else {
        fprintf(stderr, "  host/%s/%s also: %s\n", current_file, current_case, msg);
    }
    failures++;
}

void check_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof(msg), "%s:%d: %s", base_name(file), line, what);
    record(msg);
}

void check_fail_u64(const char *file, int line, const char *what, const char *op,
                    unsigned long long a, unsigned long long b)
{
    check_fail(file, line, "expected (%s) %s: 0x%llx (%lld) vs 0x%llx (%lld)", what, op, a,
               (long long)a, b, (long long)b);
}

/* Quoted, with control characters escaped, shortened if long. */
static void quote(char *out, size_t size, const char *s)
{
    size_t n = 0u;

    if (s == NULL) {
        snprintf(out, size, "(null)");
        return;
    }
    out[n++] = '"';
    for (; (*s != '\0') && (n + 8u < size); s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20u) || (c >= 0x7fu)) {
            n += (size_t)snprintf(&out[n], size - n, "\\x%02x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    if (*s != '\0') {
        out[n++] = '.';
        out[n++] = '.';
    }
    out[n++] = '"';
    out[n] = '\0';
}

void check_fail_str(const char *file, int line, const char *what, const char *a, const char *b)
{
    char qa[200];
    char qb[200];

    quote(qa, sizeof(qa), a);
    quote(qb, sizeof(qb), b);
    check_fail(file, line, "%s: %s vs %s", what, qa, qb);
}

unsigned check_failures(void)
{
    return failures;
}

/* Returns 1 if the case left through a fake _Noreturn hook. */
static int run_case(void (*fn)(void))
{
    jmp_buf jb;

    fake_jmp = &jb;
    if (setjmp(jb) == 0) {
        fn();
        fake_jmp = NULL;
        return 0;
    }
    fake_jmp = NULL;
    return 1;
}

int check_run(const char *file, const struct test_case *cases, size_t n)
{
    size_t i;
    int failed = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 0u; i < n; i++) {
        const char *extra;

        current_file = file;
        current_case = cases[i].name;
        failures = 0u;
        first[0] = '\0';
        check_setup();
        if (run_case(cases[i].fn) != 0) {
            record(fake.system_off_calls != 0u ? "unexpected arch_system_off()"
                                               : "unexpected arch_cpu_halt() (panic) or idle escape");
            fake.system_off_calls = 0u;
            fake.cpu_halt_calls = 0u;
        }
        if (fake.violations != 0u) {
            char msg[400];
            snprintf(msg, sizeof(msg), "arch interface misuse (%u): %s", fake.violations, fake.violation);
            record(msg);
        }
        if (fake.locks_held != 0u) {
            record("a spinlock is still held at the end of the case");
        }
        if (fake.system_off_calls != 0u) {
            record("arch_system_off() was called and the case did not expect it");
        }
        if (fake.cpu_halt_calls != 0u) {
            record("arch_cpu_halt() (panic) was called and the case did not expect it");
        }
        extra = check_teardown();
        if (extra != NULL) {
            record(extra);
        }
        if (failures == 0u) {
            printf("PASS: host/%s/%s\n", file, cases[i].name);
        } else {
            printf("FAIL: host/%s/%s: %s%s\n", file, cases[i].name, first,
                   failures > 1u ? " (more on stderr)" : "");
            failed = 1;
        }
    }
    return failed;
}
