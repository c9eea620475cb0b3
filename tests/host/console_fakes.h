/* The interface of console_fakes.c for the console host tests
 * (test_vpl011.c, test_console_input.c; tests/host/run_console.sh): the
 * case runner, the failure recorder and its CHECK macros, the captured
 * physical-UART output and what the fake vpl011_irq_level() was told. */
#ifndef CONSOLE_FAKES_H
#define CONSOLE_FAKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct spinlock;
struct vpl011;

struct cf_case {
    const char *name;
    void (*fn)(void);
};
#define TEST(name) { #name, t_##name }

/* Records a failure of the current case (the first one is its FAIL line). */
void cf_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Runs each case after setup() on fresh fakes; prints one PASS/FAIL line a
 * case; returns 0 if all passed, else 1. */
int cf_run(const char *file, const struct cf_case *cases, size_t n, void (*setup)(void));

/* What the hypervisor wrote to the physical UART (NUL-terminated). */
extern char cf_console[];
void cf_console_clear(void);
/* Non-NULL: a lock that must be held whenever the physical UART is written. */
extern struct spinlock *cf_console_needs;

/* vpl011_irq_level() calls since the case began, the last level and UART. */
extern uint32_t cf_irq_calls;
extern bool cf_irq_last;
extern const struct vpl011 *cf_irq_dev;

#define CHECK(c)                                                      \
    do {                                                              \
        if (!(c)) {                                                   \
            cf_fail(__FILE__, __LINE__, "CHECK(%s)", #c);             \
        }                                                             \
    } while (0)
#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        unsigned long long a_ = (unsigned long long)(a);                                   \
        unsigned long long b_ = (unsigned long long)(b);                                   \
        if (a_ != b_) {                                                                    \
            cf_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): 0x%llx != 0x%llx", #a, #b, a_, b_); \
        }                                                                                  \
    } while (0)
#define CHECK_STR(a, b)                                                                   \
    do {                                                                                  \
        if (strcmp((a), (b)) != 0) {                                                      \
            cf_fail(__FILE__, __LINE__, "CHECK_STR(%s): \"%s\" != \"%s\"", #a, (a), (b)); \
        }                                                                                 \
    } while (0)

#endif
