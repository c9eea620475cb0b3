/* Fake architecture backend: see fake_arch.h. Every hook also checks that
 * the core uses it as the real aarch64 backend requires (a VCPU is only
 * touched by its own physical CPU, one VCPU loaded per CPU, no lock taken
 * twice...); misuse is recorded in fake.violations and fails the test. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_arch.h"
#include "arch_console.h"
#include "arch_cpu.h"
#include "arch_irq.h"
#include "arch_lock.h"
#include "arch_timer.h"
#include "arch_vcpu.h"
#include "arch/aarch64.h"
#include "cfg_types.h"
#include "vcpu.h"
#include "vm.h"

struct fake_state fake;
jmp_buf *fake_jmp;

#define FAKE_RAM_SIZE (32u << 20)
static uint8_t ram[FAKE_RAM_SIZE];
static uint64_t ram_base;
static uint64_t ram_span;

static void ram_layout(void)
{
    uint64_t lo = UINT64_MAX;
    uint64_t hi = 0u;
    uint32_t i;
    uint32_t r;

    if (ram_span != 0u) {
        return;
    }
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        for (r = 0u; r < cfg_vms[i].num_regions; r++) {
            const struct cfg_mem_region *reg = &cfg_vms[i].regions[r];
            if ((reg->flags & CFG_MEM_RAM) == 0u) {
                continue;
            }
            if (reg->pa < lo) {
                lo = reg->pa;
            }
            if (reg->pa + reg->size > hi) {
                hi = reg->pa + reg->size;
            }
        }
    }
    if ((hi - lo) > FAKE_RAM_SIZE) {
        fprintf(stderr, "fake_arch: the config's RAM spans 0x%llx bytes, more than the fake's 0x%x\n",
                (unsigned long long)(hi - lo), FAKE_RAM_SIZE);
        hi = lo + FAKE_RAM_SIZE;
    }
    ram_base = lo;
    ram_span = hi - lo;
}

uint8_t *fake_ram(uint64_t pa)
{
    ram_layout();
    if ((pa < ram_base) || ((pa - ram_base) >= ram_span)) {
        return NULL;
    }
    return &ram[pa - ram_base];
}

void fake_ram_clear(void)
{
    ram_layout();
    memset(ram, 0, (size_t)ram_span);
}

void fake_violation(const char *fmt, ...)
{
    va_list ap;

    if (fake.violations == 0u) {
        va_start(ap, fmt);
        vsnprintf(fake.violation, sizeof(fake.violation), fmt, ap);
        va_end(ap);
    }
    fake.violations++;
}

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
    va_list ap;
    int n;

    if (fake.trace_len + 1u >= FAKE_TRACE_MAX) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(&fake.trace[fake.trace_len], FAKE_TRACE_MAX - fake.trace_len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        fake.trace_len += (uint32_t)n;
        if (fake.trace_len >= FAKE_TRACE_MAX) {
            fake.trace_len = FAKE_TRACE_MAX - 1u;
        }
    }
}

void fake_trace_clear(void)
{
    fake.trace_len = 0u;
    fake.trace[0] = '\0';
}

void fake_console_clear(void)
{
    fake.console_len = 0u;
    fake.console[0] = '\0';
}

void fake_reset(void)
{
    uint32_t i;

    memset(&fake, 0, sizeof(fake));
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        fake.cpus[i].timer_deadline = TIMER_NEVER;
    }
    for (i = 0u; i < CFG_NUM_VCPUS; i++) {
        fake.vcpus[i].timer_deadline = TIMER_NEVER;
        fake.vcpus[i].idle_exit = EXIT_NONE;
    }
    fake_jmp = NULL;
}

static _Noreturn void leave(const char *what)
{
    if (fake_jmp == NULL) {
        fprintf(stderr, "fake_arch: %s with no fake_jmp set: aborting\n", what);
        fflush(stdout);
        abort();
    }
    longjmp(*fake_jmp, 1);
}

int fake_call_noreturn(void (*fn)(void *), void *arg)
{
    jmp_buf jb;
    jmp_buf *saved = fake_jmp;

    fake_jmp = &jb;
    if (setjmp(jb) == 0) {
        fn(arg);
        fake_jmp = saved;
        return 0;
    }
    fake_jmp = saved;
    return 1;
}

/* ---- arch_cpu.h ---- */

uint32_t arch_cpu_id(void)
{
    return fake.cpu;
}

void arch_cpu_idle(void)
{
    if (fake.cpu < CFG_NUM_PCPUS) {
        fake.cpus[fake.cpu].idles++;
    }
    trace("idle(%u) ", fake.cpu);
    if ((fake.idle_escape_after != 0u) && (fake.cpus[fake.cpu].idles >= fake.idle_escape_after)) {
        leave("arch_cpu_idle escape");
    }
}

void arch_cpu_relax(void)
{
    if (fake.cpu < CFG_NUM_PCPUS) {
        fake.cpus[fake.cpu].relaxes++;
    }
}

int64_t arch_cpu_start(uint32_t pcpu, uint64_t mpidr)
{
    if (pcpu >= CFG_NUM_PCPUS) {
        fake_violation("arch_cpu_start(%u): no such CPU", pcpu);
        return -2;
    }
    fake.cpus[pcpu].starts++;
    fake.cpus[pcpu].start_mpidr = mpidr;
    trace("start(%u) ", pcpu);
    return fake.cpu_start_result;
}

_Noreturn void arch_system_off(void)
{
    fake.system_off_calls++;
    trace("system_off ");
    leave("arch_system_off");
}

_Noreturn void arch_cpu_halt(void)
{
    fake.cpu_halt_calls++;
    trace("cpu_halt ");
    leave("arch_cpu_halt");
}

void *arch_pa_to_ptr(uint64_t pa)
{
    void *p;

    if ((fake.extra_ptr != NULL) && (pa >= fake.extra_pa) && ((pa - fake.extra_pa) < fake.extra_size)) {
        return (uint8_t *)fake.extra_ptr + (pa - fake.extra_pa);
    }
    p = fake_ram(pa);
    if (p == NULL) {
        fake_violation("arch_pa_to_ptr(0x%llx): outside every RAM region of the config",
                       (unsigned long long)pa);
    }
    return p;
}

/* ---- arch_irq.h ---- */

void fake_irq_push(uint32_t cpu, uint32_t intid)
{
    struct fake_cpu_state *c = &fake.cpus[cpu];

    if (c->irq_len < FAKE_IRQ_MAX) {
        c->irq_queue[(c->irq_head + c->irq_len) % FAKE_IRQ_MAX] = intid;
        c->irq_len++;
    }
}

uint32_t fake_irq_queued(uint32_t cpu)
{
    return fake.cpus[cpu].irq_len;
}

uint32_t arch_irq_ack(void)
{
    struct fake_cpu_state *c = &fake.cpus[fake.cpu];
    uint32_t id;

    if (c->irq_len == 0u) {
        return IRQ_NONE;
    }
    id = c->irq_queue[c->irq_head];
    c->irq_head = (c->irq_head + 1u) % FAKE_IRQ_MAX;
    c->irq_len--;
    return id;
}

void arch_irq_done(uint32_t intid)
{
    struct fake_cpu_state *c = &fake.cpus[fake.cpu];

    if (c->n_done < FAKE_LOG_MAX) {
        c->done[c->n_done++] = intid;
    }
}

void arch_irq_drop(uint32_t intid)
{
    struct fake_cpu_state *c = &fake.cpus[fake.cpu];

    if (c->n_dropped < FAKE_LOG_MAX) {
        c->dropped[c->n_dropped++] = intid;
    }
}

/* An SPI is forwarded if a VM of the config owns it (or the test says so). */
bool arch_irq_forward(uint32_t intid)
{
    struct fake_cpu_state *c = &fake.cpus[fake.cpu];
    bool owned = (intid != 0u) && (intid == fake.forward_extra);
    uint32_t i;
    uint32_t k;

    for (i = 0u; i < CFG_NUM_VMS; i++) {
        for (k = 0u; k < cfg_vms[i].num_irqs; k++) {
            if (cfg_vms[i].irqs[k] == intid) {
                owned = true;
            }
        }
    }
    if (owned && (c->n_forwarded < FAKE_LOG_MAX)) {
        c->forwarded[c->n_forwarded++] = intid;
    }
    return owned;
}

void arch_irq_kick(uint32_t pcpu)
{
    if (pcpu >= CFG_NUM_PCPUS) {
        fake_violation("arch_irq_kick(%u): no such CPU", pcpu);
        return;
    }
    fake.cpus[pcpu].kicks++;
    trace("kick(%u) ", pcpu);
}

/* ---- arch_lock.h ---- */

void arch_spin_lock(struct spinlock *l)
{
    if (l->next != l->owner) {
        fake_violation("arch_spin_lock(%p): already held (deadlock on hardware)", (void *)l);
    }
    l->next++;
    fake.locks_held++;
}

void arch_spin_unlock(struct spinlock *l)
{
    if (l->next == l->owner) {
        fake_violation("arch_spin_unlock(%p): not held", (void *)l);
        return;
    }
    l->owner++;
    fake.locks_held--;
}

/* ---- arch_timer.h ---- */

uint64_t arch_timer_now(void)
{
    return fake.now;
}

uint64_t arch_timer_ns_to_ticks(uint64_t ns)
{
    return ns / 16u; /* a 62.5 MHz counter, as on QEMU */
}

void fake_advance(uint32_t cpu, uint64_t now)
{
    fake.now = now;
    if (fake.cpus[cpu].timer_deadline <= now) {
        fake_irq_push(cpu, cfg_platform.timer_hyp_irq);
    }
}

void arch_timer_set(uint64_t deadline)
{
    fake.cpus[fake.cpu].timer_deadline = deadline;
    fake.cpus[fake.cpu].timer_sets++;
}

/* ---- arch_console.h ---- */

void arch_console_init(void)
{
    fake.console_inits++;
}

void arch_console_rx_enable(void)
{
    fake.console_rx_enables++;
}

bool arch_console_getc(uint8_t *c)
{
    if (fake.console_in_pos >= fake.console_in_len) {
        return false;
    }
    *c = fake.console_in[fake.console_in_pos++];
    return true;
}

void arch_console_putc(char c)
{
    if (fake.console_len + 1u < FAKE_CONSOLE_MAX) {
        fake.console[fake.console_len++] = c;
        fake.console[fake.console_len] = '\0';
    }
}

/* ---- arch_vcpu.h ---- */

static uint32_t vidx(const struct vcpu *v)
{
    return (uint32_t)(v - vcpus);
}

static const char *vname(const struct vcpu *v)
{
    static char names[4][24];
    static uint32_t next;
    char *n = names[next++ % 4u];

    snprintf(n, sizeof(names[0]), "%s%u", (v->vm != NULL) ? v->vm->cfg->name : "?", (uint32_t)v->id);
    return n;
}

static bool own_cpu(const struct vcpu *v, const char *what)
{
    if (vidx(v) >= CFG_NUM_VCPUS) {
        fake_violation("%s: not a VCPU of vcpus[]", what);
        return false;
    }
    if (v->cfg->pcpu != fake.cpu) {
        fake_violation("%s(%s) on CPU %u, but it belongs to CPU %u", what, vname(v), fake.cpu,
                       (uint32_t)v->cfg->pcpu);
    }
    return true;
}

static struct vcpu *fake_loaded_on(uint32_t cpu)
{
    uint32_t i;

    for (i = 0u; i < CFG_NUM_VCPUS; i++) {
        if (fake.vcpus[i].loaded && (vcpus[i].cfg->pcpu == cpu)) {
            return &vcpus[i];
        }
    }
    return NULL;
}

int arch_vm_init(struct vm *vm)
{
    fake.vm_inits++;
    (void)vm;
    return fake.vm_init_result;
}

void arch_vm_devices_init(struct vm *vm)
{
    fake.vm_devices_inits[vm->index]++;
}

void arch_vm_devices_reset(struct vm *vm)
{
    uint32_t i;

    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        if (fake.vcpus[vm->cfg->first_vcpu + i].loaded) {
            fake_violation("arch_vm_devices_reset(%s) while VCPU %u is loaded", vm->cfg->name, i);
        }
    }
    fake.vm_devices_resets[vm->index]++;
}

/* The vGIC side of the emulated PL011 (src/arch/aarch64/vgic.c). */
struct vpl011;
void vpl011_irq_level(struct vpl011 *u, bool level);
void vpl011_irq_level(struct vpl011 *u, bool level)
{
    (void)u;
    fake.vpl011_irq_calls++;
    fake.vpl011_irq_last = level;
}

void arch_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t arg)
{
    struct fake_vcpu *f;

    if (!own_cpu(v, "arch_vcpu_reset")) {
        return;
    }
    f = &fake.vcpus[vidx(v)];
    f->resets++;
    f->reset_entry = entry;
    f->reset_arg = arg;
    f->reset_since_load = true;
    /* What the real one does to the core-visible state. */
    memset(&v->arch, 0, sizeof(v->arch));
    memset(&v->exit, 0, sizeof(v->exit));
    v->arch.regs.x[0] = arg;
    v->arch.regs.elr = entry;
    trace("reset(%s) ", vname(v));
}

void arch_vcpu_load(struct vcpu *v)
{
    struct fake_vcpu *f;
    struct vcpu *other;

    if (!own_cpu(v, "arch_vcpu_load")) {
        return;
    }
    f = &fake.vcpus[vidx(v)];
    other = fake_loaded_on(v->cfg->pcpu);
    if ((other != NULL) && (other != v)) {
        fake_violation("arch_vcpu_load(%s) while %s is still loaded on CPU %u", vname(v), vname(other),
                       (uint32_t)v->cfg->pcpu);
        fake.vcpus[vidx(other)].loaded = false;
    }
    if ((other == v) && !f->reset_since_load) {
        fake_violation("arch_vcpu_load(%s): already loaded", vname(v));
    }
    f->loads++;
    f->loaded = true;
    f->reset_since_load = false;
    trace("load(%s) ", vname(v));
}

void arch_vcpu_unload(struct vcpu *v)
{
    struct fake_vcpu *f;

    if (!own_cpu(v, "arch_vcpu_unload")) {
        return;
    }
    f = &fake.vcpus[vidx(v)];
    if (!f->loaded) {
        fake_violation("arch_vcpu_unload(%s): not loaded", vname(v));
    }
    f->unloads++;
    f->loaded = false;
    trace("unload(%s) ", vname(v));
}

/* As the aarch64 complete_exit(): the core's results go into x0..x3. */
static void complete_exit(struct vcpu *v)
{
    struct vcpu_exit *e = &v->exit;
    uint32_t i;

    if (e->kind == EXIT_CPU_UP) {
        v->arch.regs.x[0] = (uint64_t)psci_cpu_on_code(e->ret[0]);
    } else {
        for (i = 0u; (i < e->nret) && (i < 4u); i++) {
            v->arch.regs.x[i] = e->ret[i];
        }
    }
    e->kind = EXIT_NONE;
    e->nret = 0u;
}

void arch_vcpu_run(struct vcpu *v)
{
    struct fake_vcpu *f;
    uint32_t i;

    if (!own_cpu(v, "arch_vcpu_run")) {
        return;
    }
    f = &fake.vcpus[vidx(v)];
    if (!f->loaded || f->reset_since_load) {
        fake_violation("arch_vcpu_run(%s): not loaded (or reset and not reloaded)", vname(v));
    }
    f->runs++;
    f->handed_back = v->exit;
    complete_exit(v);
    for (i = 0u; i < 4u; i++) {
        f->seen_x[i] = v->arch.regs.x[i];
    }
    trace("run(%s) ", vname(v));

    memset(&v->exit, 0, sizeof(v->exit));
    v->exit.pc = v->arch.regs.elr;
    if (fake.cpus[fake.cpu].irq_len != 0u) {
        /* A physical interrupt pending at EL2 is taken as soon as the
         * guest runs: the script waits. */
        v->exit.kind = EXIT_IRQ;
    } else if (f->script_pos < f->script_len) {
        const struct fake_step *s = &f->script[f->script_pos++];
        if (s->kind == FAKE_SMCCC) {
            for (i = 0u; i < 4u; i++) {
                v->arch.regs.x[i] = s->x[i];
            }
            smccc_dispatch(v);
        } else {
            v->exit = s->exit;
        }
    } else {
        v->exit.kind = f->idle_exit;
    }
}

bool arch_vcpu_irq_pending(const struct vcpu *v)
{
    own_cpu(v, "arch_vcpu_irq_pending");
    return fake.vcpus[vidx(v)].irq_pending;
}

uint64_t arch_vcpu_timer_deadline(const struct vcpu *v)
{
    struct fake_vcpu *f = &fake.vcpus[vidx(v)];

    own_cpu(v, "arch_vcpu_timer_deadline");
    if (f->loaded) {
        /* The aarch64 one reads the saved context: stale while loaded. */
        fake_violation("arch_vcpu_timer_deadline(%s) while it is loaded", vname(v));
    }
    f->deadline_queries++;
    return f->timer_deadline;
}

void arch_vcpu_inject_hw(struct vcpu *v, uint32_t intid)
{
    struct fake_vcpu *f;

    if (!own_cpu(v, "arch_vcpu_inject_hw")) {
        return;
    }
    f = &fake.vcpus[vidx(v)];
    if (!f->loaded) {
        fake_violation("arch_vcpu_inject_hw(%s, %u): not loaded", vname(v), intid);
    }
    if (f->n_injected < FAKE_LOG_MAX) {
        f->injected[f->n_injected++] = intid;
    }
    trace("inject(%s,%u) ", vname(v), intid);
}

void arch_vcpu_maintenance(struct vcpu *v)
{
    fake.maintenance_calls++;
    trace("maint(%s) ", (v != NULL) ? vname(v) : "-");
}

/* ---- scripts ---- */

void fake_script_step(uint32_t global, const struct fake_step *s)
{
    struct fake_vcpu *f = &fake.vcpus[global];

    if (f->script_len < FAKE_SCRIPT_MAX) {
        f->script[f->script_len++] = *s;
    } else {
        fake_violation("script of VCPU %u is full", global);
    }
}

void fake_script_exit(uint32_t global, uint32_t kind)
{
    struct fake_step s;

    memset(&s, 0, sizeof(s));
    s.kind = FAKE_EXIT;
    s.exit.kind = kind;
    fake_script_step(global, &s);
}

void fake_script_smccc(uint32_t global, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3)
{
    struct fake_step s;

    memset(&s, 0, sizeof(s));
    s.kind = FAKE_SMCCC;
    s.x[0] = x0;
    s.x[1] = x1;
    s.x[2] = x2;
    s.x[3] = x3;
    fake_script_step(global, &s);
}
