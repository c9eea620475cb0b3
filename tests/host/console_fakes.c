/* Host fakes and the case runner shared by test_vpl011.c and
 * test_console_input.c (tests/host/run_console.sh links this file into
 * both): the arch hooks console.c and log.c need, a physical UART that
 * writes into a buffer, spinlocks that catch double locking, the vGIC's
 * vpl011_irq_level() recording what it is told, and a fake cfg_vms[].
 * The test files use them through console_fakes.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch_console.h"
#include "arch_cpu.h"
#include "arch_lock.h"
#include "arch_timer.h"
#include "cfg_types.h"
#include "console_fakes.h"
#include "vpl011.h"

#define CF_CONSOLE_SIZE 65536u

/* VM 1 has no emulated console, like a console = "hypercall" VM. */
const struct cfg_vm cfg_vms[3] = {
    { .name = "vm0", .console = CFG_CONSOLE_EMULATED },
    { .name = "vm1", .console = CFG_CONSOLE_NONE },
    { .name = "vm2", .console = CFG_CONSOLE_EMULATED },
};

char cf_console[CF_CONSOLE_SIZE];
static size_t cf_console_len;
struct spinlock *cf_console_needs;
uint32_t cf_irq_calls;
bool cf_irq_last;
const struct vpl011 *cf_irq_dev;

static int cf_locks_held;
static char cf_first_failure[1024];
static unsigned cf_case_failures;

void cf_fail(const char *file, int line, const char *fmt, ...)
{
    char raw[400];
    char msg[800];
    size_t i;
    size_t n = 0u;
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* Console text in a message: escape it so a result stays one line. */
    for (i = 0u; (raw[i] != '\0') && ((n + 5u) < sizeof(msg)); i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '\n') {
            n += (size_t)snprintf(&msg[n], sizeof(msg) - n, "\\n");
        } else if (c == '\r') {
            n += (size_t)snprintf(&msg[n], sizeof(msg) - n, "\\r");
        } else if ((c < 0x20u) || (c == 0x7fu)) {
            n += (size_t)snprintf(&msg[n], sizeof(msg) - n, "\\x%02x", c);
        } else {
            msg[n] = (char)c;
            n++;
        }
    }
    msg[n] = '\0';
    if (cf_case_failures == 0u) {
        (void)snprintf(cf_first_failure, sizeof(cf_first_failure), "%s:%d: %s", file, line, msg);
    } else {
        fprintf(stderr, "  also %s:%d: %s\n", file, line, msg);
    }
    cf_case_failures++;
}

void cf_console_clear(void)
{
    cf_console_len = 0u;
    cf_console[0] = '\0';
}

static bool held(const struct spinlock *l)
{
    return l->next != l->owner;
}

/* ---- arch hooks ---- */

void arch_console_init(void)
{
}

void arch_console_putc(char c)
{
    if ((cf_console_needs != NULL) && !held(cf_console_needs)) {
        cf_fail(__FILE__, __LINE__, "UART written without the required lock held");
    }
    if ((cf_console_len + 1u) < CF_CONSOLE_SIZE) {
        cf_console[cf_console_len] = c;
        cf_console_len++;
        cf_console[cf_console_len] = '\0';
    }
}

/* Single-threaded: taking a lock that is already held would deadlock. */
void arch_spin_lock(struct spinlock *l)
{
    if (held(l)) {
        cf_fail(__FILE__, __LINE__, "spinlock %p taken while already held (deadlock)", (void *)l);
    }
    l->next++;
    cf_locks_held++;
}

void arch_spin_unlock(struct spinlock *l)
{
    if (!held(l)) {
        cf_fail(__FILE__, __LINE__, "spinlock %p released while not held", (void *)l);
    }
    l->owner++;
    cf_locks_held--;
}

/* Console lines record when they were last written to; time stands still here. */
uint64_t arch_timer_now(void)
{
    return 0u;
}

uint64_t arch_timer_ns_to_ticks(uint64_t ns)
{
    return ns;
}

uint32_t arch_cpu_id(void)
{
    return 0u;
}

_Noreturn void arch_cpu_halt(void)
{
    fprintf(stderr, "arch_cpu_halt() (panic):\n%s\n", cf_console);
    abort();
}

/* ---- the vGIC side of the UART ---- */

void vpl011_irq_level(struct vpl011 *u, bool level)
{
    if (held(&u->lock)) {
        cf_fail(__FILE__, __LINE__, "vpl011_irq_level called with the UART lock held");
    }
    cf_irq_calls++;
    cf_irq_last = level;
    cf_irq_dev = u;
}

/* ---- runner ---- */

int cf_run(const char *file, const struct cf_case *cases, size_t n, void (*setup)(void))
{
    size_t i;
    int failed = 0;

    for (i = 0u; i < n; i++) {
        cf_case_failures = 0u;
        cf_locks_held = 0;
        cf_console_needs = NULL;
        cf_irq_calls = 0u;
        cf_irq_last = false;
        cf_irq_dev = NULL;
        cf_console_clear();
        setup();
        cases[i].fn();
        cf_console_needs = NULL;
        if (cf_locks_held != 0) {
            cf_fail(__FILE__, __LINE__, "%d lock(s) left held", cf_locks_held);
        }
        if (cf_case_failures == 0u) {
            printf("PASS: host/%s/%s\n", file, cases[i].name);
        } else {
            printf("FAIL: host/%s/%s: %s\n", file, cases[i].name, cf_first_failure);
            failed++;
        }
        (void)fflush(stdout);
    }
    return (failed == 0) ? 0 : 1;
}
