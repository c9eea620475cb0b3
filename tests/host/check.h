/* Tiny test framework of the host unit tests.
 *
 *   static void t_something(void) { CHECK_EQ(f(1), 2); }
 *   static const struct test_case cases[] = { TEST(something) };
 *   int main(void) { return check_run("test_x", cases, ARRAY_SIZE(cases)); }
 *
 * Each case prints exactly one line on stdout:
 *   PASS: host/test_x/something
 *   FAIL: host/test_x/something: test_x.c:12: CHECK_EQ(f(1), 2): 0x3 (3) != 0x2 (2)
 * Further failures of the same case go to stderr. Before each case the
 * runner resets the fake arch and the core (check_setup()); after it, any
 * misuse of the arch interface the fake detected, a lock left held, or an
 * unexpected arch_system_off()/arch_cpu_halt() fails the case too. */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct test_case {
    const char *name;
    void (*fn)(void);
};

#define TEST(name) { #name, t_##name }

void check_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void check_fail_u64(const char *file, int line, const char *what, const char *op,
                    unsigned long long a, unsigned long long b);
void check_fail_str(const char *file, int line, const char *what, const char *a, const char *b);
int check_run(const char *file, const struct test_case *cases, size_t n);
/* Number of failures recorded so far in the current case. */
unsigned check_failures(void);

/* Provided by the test support code: reset everything before a case. */
void check_setup(void);
/* Called after a case: extra checks of leftovers (returns a message or NULL). */
const char *check_teardown(void);

#define CHECK(cond)                                                   \
    do {                                                              \
        if (!(cond)) {                                                \
            check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);       \
        }                                                             \
    } while (0)

#define CHECK_OP_(a, op, b, sa, sb)                                                                 \
    do {                                                                                      \
        unsigned long long a_ = (unsigned long long)(a);                                      \
        unsigned long long b_ = (unsigned long long)(b);                                      \
        if (!(a_ op b_)) {                                                                    \
            check_fail_u64(__FILE__, __LINE__, sa ", " sb, #op, a_, b_);                        \
        }                                                                                     \
    } while (0)

/* Compared as unsigned 64-bit values (so -1 == UINT64_MAX). */
#define CHECK_EQ(a, b) CHECK_OP_(a, ==, b, #a, #b)
#define CHECK_NE(a, b) CHECK_OP_(a, !=, b, #a, #b)
#define CHECK_LE(a, b) CHECK_OP_(a, <=, b, #a, #b)
#define CHECK_LT(a, b) CHECK_OP_(a, <, b, #a, #b)

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *a_ = (a);                                                 \
        const char *b_ = (b);                                                 \
        if ((a_ == NULL) || (b_ == NULL) || (strcmp(a_, b_) != 0)) {          \
            check_fail_str(__FILE__, __LINE__, "CHECK_STR(" #a ", " #b ")", a_, b_); \
        }                                                                     \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                        \
    do {                                                                                   \
        const char *h_ = (hay);                                                            \
        const char *n_ = (needle);                                                         \
        if ((h_ == NULL) || (strstr(h_, n_) == NULL)) {                                    \
            check_fail_str(__FILE__, __LINE__, "CHECK_CONTAINS(" #hay ", " #needle ")", h_, n_); \
        }                                                                                  \
    } while (0)

#define CHECK_NOT_CONTAINS(hay, needle)                                                        \
    do {                                                                                       \
        const char *h_ = (hay);                                                                \
        const char *n_ = (needle);                                                             \
        if ((h_ == NULL) || (strstr(h_, n_) != NULL)) {                                        \
            check_fail_str(__FILE__, __LINE__, "CHECK_NOT_CONTAINS(" #hay ", " #needle ")", h_, n_); \
        }                                                                                      \
    } while (0)

#endif
