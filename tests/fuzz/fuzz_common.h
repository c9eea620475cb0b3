/* Shared by the libFuzzer harnesses in tests/fuzz: reading the input as a
 * stream of small decisions, and invariant checks that stop the run.
 *
 * Input decoding never fails: once the bytes run out every read returns 0,
 * so any byte string is a valid program of operations and the fuzzer never
 * wastes time on inputs a parser would reject.
 *
 * A failed check prints one line "FUZZ CHECK <id> FAILED: ..." and calls
 * abort(), which libFuzzer reports as a crash and saves the input.
 * Every check has a short id; FUZZ_IGNORE=id1,id2 in the environment
 * disables those, so that a known (reported, not yet fixed) bug does not hide
 * the others during a long run. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t fin_u8(struct fuzz_in *in)
{
    uint8_t v = 0u;

    if (in->n > 0u) {
        v = *in->p;
        in->p++;
        in->n--;
    }
    return v;
}

static inline uint16_t fin_u16(struct fuzz_in *in)
{
    uint16_t lo = fin_u8(in);
    return (uint16_t)(lo | ((uint16_t)fin_u8(in) << 8));
}

static inline uint32_t fin_u32(struct fuzz_in *in)
{
    uint32_t lo = fin_u16(in);
    return lo | ((uint32_t)fin_u16(in) << 16);
}

static inline uint64_t fin_u64(struct fuzz_in *in)
{
    uint64_t lo = fin_u32(in);
    return lo | ((uint64_t)fin_u32(in) << 32);
}

/* A value in [0, n) (n >= 1), from one byte: n must stay small. */
static inline uint32_t fin_pick(struct fuzz_in *in, uint32_t n)
{
    return (uint32_t)fin_u8(in) % n;
}

static inline bool fin_done(const struct fuzz_in *in)
{
    return in->n == 0u;
}

/* Checking code gets no coverage instrumentation: it is not what the fuzzer
 * should explore, and its comparisons would otherwise cost most of the time. */
#if defined(__clang__)
#define FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define FUZZ_NO_COVERAGE
#endif

/* ---- checks ---- */

static inline bool fuzz_check_enabled(const char *id)
{
    static const char *ignore;
    static bool read;
    const char *p;
    size_t len = strlen(id);

    if (!read) {
        ignore = getenv("FUZZ_IGNORE");
        read = true;
    }
    for (p = ignore; (p != NULL) && (*p != '\0');) {
        size_t l = strcspn(p, ",");
        if ((l == len) && (strncmp(p, id, len) == 0)) {
            return false;
        }
        p += l;
        if (*p == ',') {
            p++;
        }
    }
    return true;
}

/* A harness may print its own context (the operation log) before aborting. */
extern void fuzz_dump_context(void);

static inline __attribute__((noreturn, format(printf, 4, 5))) void
fuzz_fail(const char *id, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "FUZZ CHECK %s FAILED: %s:%d: ", id, file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fuzz_dump_context();
    fflush(stderr);
    abort();
}

#define FUZZ_CHECK(id, cond, ...)                                    \
    do {                                                             \
        if (!(cond) && fuzz_check_enabled(id)) {                     \
            fuzz_fail(id, __FILE__, __LINE__, __VA_ARGS__);          \
        }                                                            \
    } while (0)

/* ---- an operation log, printed when a check fails ---- */

#define FUZZ_LOG_LINES 64u
#define FUZZ_LOG_WIDTH 160u

struct fuzz_log {
    char lines[FUZZ_LOG_LINES][FUZZ_LOG_WIDTH];
    uint32_t count; /* total lines logged this input; the last FUZZ_LOG_LINES are kept */
};

/* FUZZ_TRACE=1 in the environment also prints each line as it is logged
 * (to follow one input: FUZZ_TRACE=1 build/fuzz/<target> <file>). */
static inline bool fuzz_trace(void)
{
    static int on = -1;

    if (on < 0) {
        on = (getenv("FUZZ_TRACE") != NULL) ? 1 : 0;
    }
    return on != 0;
}

static inline __attribute__((format(printf, 2, 3))) void fuzz_log(struct fuzz_log *l, const char *fmt, ...)
{
    va_list ap;
    char *line = l->lines[l->count % FUZZ_LOG_LINES];

    va_start(ap, fmt);
    vsnprintf(line, FUZZ_LOG_WIDTH, fmt, ap);
    va_end(ap);
    if (fuzz_trace()) {
        fprintf(stderr, "op #%u: %s\n", l->count, line);
    }
    l->count++;
}

static inline void fuzz_log_dump(const struct fuzz_log *l)
{
    uint32_t first = (l->count > FUZZ_LOG_LINES) ? (l->count - FUZZ_LOG_LINES) : 0u;
    uint32_t i;

    fprintf(stderr, "operations of this input (last %u of %u):\n", l->count - first, l->count);
    for (i = first; i < l->count; i++) {
        fprintf(stderr, "  #%u %s\n", i, l->lines[i % FUZZ_LOG_LINES]);
    }
}

#endif
