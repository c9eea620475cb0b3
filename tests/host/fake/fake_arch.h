/* Fake architecture backend for the host unit tests: every hook of
 * src/core/include/arch_*.h, with state the tests set and inspect.
 * Single-threaded: "physical CPUs" are simulated by setting fake_cpu
 * before calling into the core on that CPU's behalf. */
#ifndef FAKE_ARCH_H
#define FAKE_ARCH_H

#include <setjmp.h>
#include "types.h"
#include "cfg_sizes.h"
#include "exit.h"

struct vcpu;

#define FAKE_SCRIPT_MAX 32u
#define FAKE_IRQ_MAX 32u
#define FAKE_LOG_MAX 64u
#define FAKE_CONSOLE_MAX 65536u
#define FAKE_TRACE_MAX 8192u

/* One step of a scripted guest: what it does the next time it is entered. */
enum fake_step_kind {
    FAKE_EXIT = 0, /* exit with `exit` as the decoded exit record */
    FAKE_SMCCC,    /* load x0..x3 and let the real smccc_dispatch() decode the call */
};

struct fake_step {
    uint32_t kind; /* enum fake_step_kind */
    struct vcpu_exit exit;
    uint64_t x[4];
};

struct fake_vcpu {
    /* script: the "guest" */
    struct fake_step script[FAKE_SCRIPT_MAX];
    uint32_t script_len;
    uint32_t script_pos;
    uint32_t idle_exit;          /* exit kind once the script is done (default EXIT_NONE) */
    /* (a physical interrupt queued on its CPU makes it exit with EXIT_IRQ first) */
    /* settable answers */
    bool irq_pending;            /* arch_vcpu_irq_pending() */
    uint64_t timer_deadline;     /* arch_vcpu_timer_deadline() (default TIMER_NEVER) */
    /* recorded calls */
    uint32_t resets, loads, unloads, runs, deadline_queries;
    uint64_t reset_entry, reset_arg;
    bool loaded;                 /* in the fake hardware of its CPU */
    bool reset_since_load;
    uint32_t injected[FAKE_LOG_MAX];
    uint32_t n_injected;
    /* what the guest saw in x0..x3 when last entered (after the core's
     * results of the previous exit were written back, as the arch does) */
    uint64_t seen_x[4];
    struct vcpu_exit handed_back; /* v->exit as the core left it before the last entry */
};

struct fake_cpu_state {
    uint32_t irq_queue[FAKE_IRQ_MAX];
    uint32_t irq_head, irq_len;
    uint32_t kicks;              /* arch_irq_kick(this cpu) calls */
    uint32_t idles;
    uint32_t relaxes;            /* arch_cpu_relax() calls (not traced) */
    uint32_t done[FAKE_LOG_MAX], n_done;
    uint32_t dropped[FAKE_LOG_MAX], n_dropped;
    uint64_t timer_deadline;     /* last arch_timer_set() on this CPU */
    uint32_t timer_sets;
    uint32_t starts;             /* arch_cpu_start(this cpu) calls */
    uint64_t start_mpidr;
    uint32_t forwarded[FAKE_LOG_MAX], n_forwarded; /* arch_irq_forward() that returned true */
};

struct fake_state {
    uint32_t cpu;                /* arch_cpu_id() */
    uint64_t now;                /* arch_timer_now() */
    uint32_t maintenance_calls;  /* arch_vcpu_maintenance() */
    struct fake_cpu_state cpus[CFG_NUM_PCPUS];
    struct fake_vcpu vcpus[CFG_NUM_VCPUS];
    char console[FAKE_CONSOLE_MAX];
    uint32_t console_len;
    uint32_t console_inits;
    uint32_t console_rx_enables;
    uint8_t console_in[256];     /* bytes arch_console_getc() hands out */
    uint32_t console_in_len, console_in_pos;
    uint32_t forward_extra;      /* arch_irq_forward() also claims this INTID (0: none) */
    uint32_t vm_devices_inits[CFG_NUM_VMS];
    uint32_t vm_devices_resets[CFG_NUM_VMS];
    uint32_t vpl011_irq_calls;
    bool vpl011_irq_last;
    char trace[FAKE_TRACE_MAX];  /* "load(a0) run(a0) kick(1) ..." */
    uint32_t trace_len;
    int vm_init_result;          /* arch_vm_init() answer */
    uint32_t vm_inits;
    int64_t cpu_start_result;    /* arch_cpu_start() answer */
    uint32_t system_off_calls;
    uint32_t cpu_halt_calls;
    uint32_t idle_escape_after;  /* arch_cpu_idle longjmps after this many idles (0: never) */
    uint32_t locks_held;
    uint32_t violations;         /* misuse of the arch interface by the core */
    char violation[256];         /* the first one */
    /* extra physical window for arch_pa_to_ptr (e.g. a boot DTB) */
    uint64_t extra_pa;
    void *extra_ptr;
    uint64_t extra_size;
};

extern struct fake_state fake;
#define fake_cpu (fake.cpu)

/* Where arch_system_off()/arch_cpu_halt()/escaping arch_cpu_idle() longjmp to. */
extern jmp_buf *fake_jmp;

/* Reset every fake to its default (called before each test case). */
void fake_reset(void);
/* Guest RAM: host buffer standing for the config's RAM regions. */
uint8_t *fake_ram(uint64_t pa);
void fake_ram_clear(void);

/* Interrupts pending at EL2 on `cpu`: arch_irq_ack() pops them; while any
 * is queued, arch_vcpu_run() on that CPU exits with EXIT_IRQ at once. */
void fake_irq_push(uint32_t cpu, uint32_t intid);
uint32_t fake_irq_queued(uint32_t cpu);

/* Append steps to the script of VCPU `global` (index into vcpus[]). */
void fake_script_exit(uint32_t global, uint32_t kind);
void fake_script_step(uint32_t global, const struct fake_step *s);
void fake_script_smccc(uint32_t global, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3);

/* The counter reaches `now`: if the EL2 timer of `cpu` is armed at or
 * before it, its interrupt becomes pending there (as the hardware would). */
void fake_advance(uint32_t cpu, uint64_t now);

void fake_trace_clear(void);
void fake_console_clear(void);
void fake_violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run fn(arg); returns 1 if it left through a fake _Noreturn hook (longjmp). */
int fake_call_noreturn(void (*fn)(void *), void *arg);

#endif
