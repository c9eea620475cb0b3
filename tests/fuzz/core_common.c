/* See core_common.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core_common.h"

struct fuzz_log oplog;

void fuzz_dump_context(void)
{
    fuzz_log_dump(&oplog);
    if (fake.violations != 0u) {
        fprintf(stderr, "fake arch: %s\n", fake.violation);
    }
}

/* ---- guest RAM pattern ---- */

/* A printable byte that depends on the physical address: two VMs never
 * see the same bytes at the same offsets, and a shifted read shows. */
static uint8_t pattern(uint64_t pa)
{
    uint64_t h = (pa * 0x9e3779b97f4a7c15ull) >> 40;
    return (uint8_t)(0x21u + (h % 94u));
}

/* RAM as every input starts with it (pattern, then images), and whether a
 * VM's private RAM changed since (a restart clears and reloads it). */
static uint8_t *ram_snapshot[CFG_NUM_VMS][16];
static bool ram_dirty[CFG_NUM_VMS];

static uint8_t *region_ptr(const struct cfg_mem_region *r)
{
    uint8_t *p = fake_ram(r->pa);

    FUZZ_CHECK("setup", (p != NULL) && (fake_ram(r->pa + r->size - 1u) == p + r->size - 1u),
               "RAM region at 0x%llx is not inside the fake's RAM", (unsigned long long)r->pa);
    return p;
}

static bool private_ram(const struct cfg_mem_region *r)
{
    return (r->flags & (CFG_MEM_RAM | CFG_MEM_SHARED)) == CFG_MEM_RAM;
}

static void restore_vm(uint32_t vm)
{
    uint32_t r;

    for (r = 0u; (r < cfg_vms[vm].num_regions) && (r < 16u); r++) {
        const struct cfg_mem_region *reg = &cfg_vms[vm].regions[r];
        if (private_ram(reg) && (ram_snapshot[vm][r] != NULL)) {
            memcpy(region_ptr(reg), ram_snapshot[vm][r], (size_t)reg->size);
        }
    }
    ram_dirty[vm] = false;
}

static uint32_t boot_counts[CFG_NUM_VMS];
static uint32_t vm_runs[CFG_NUM_VMS]; /* guest entries of the VM's VCPUs so far */
static uint32_t resets_seen[CFG_NUM_VCPUS];
static bool powered_off;

static void init_fn(void *arg)
{
    (void)arg;
    vm_init_all();
}

static uint32_t runs_of(uint32_t vm)
{
    uint32_t n = 0u;
    uint32_t j;

    for (j = 0u; j < cfg_vms[vm].num_vcpus; j++) {
        n += fake.vcpus[cfg_vms[vm].first_vcpu + j].runs;
    }
    return n;
}

static void first_time(void)
{
    uint32_t i;
    uint32_t r;
    uint64_t off;

    fake_reset();
    fake_ram_clear();
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        for (r = 0u; r < cfg_vms[i].num_regions; r++) {
            const struct cfg_mem_region *reg = &cfg_vms[i].regions[r];
            if ((reg->flags & CFG_MEM_RAM) != 0u) {
                uint8_t *p = region_ptr(reg);
                for (off = 0u; off < reg->size; off++) {
                    p[off] = pattern(reg->pa + off);
                }
            }
        }
    }
    reset_core();
    FUZZ_CHECK("setup", fake_call_noreturn(init_fn, NULL) == 0, "vm_init_all() did not return: %s",
               fake.console);
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        for (r = 0u; (r < cfg_vms[i].num_regions) && (r < 16u); r++) {
            const struct cfg_mem_region *reg = &cfg_vms[i].regions[r];
            if (private_ram(reg)) {
                ram_snapshot[i][r] = malloc((size_t)reg->size);
                memcpy(ram_snapshot[i][r], region_ptr(reg), (size_t)reg->size);
            }
        }
    }
}

void core_reset(void)
{
    static bool once;
    uint32_t i;

    if (!once) {
        /* Every RAM region gets its pattern once (20 MiB: too slow to
         * repeat per input); images and restarts are the only writers
         * afterwards, and a restarted VM's RAM is restored below. */
        first_time();
        once = true;
    }
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        if (ram_dirty[i]) {
            restore_vm(i);
        }
    }
    fake_reset();
    reset_core();
    support_skip_invariants = false;
    FUZZ_CHECK("setup", fake_call_noreturn(init_fn, NULL) == 0, "vm_init_all() did not return: %s",
               fake.console);
    start_vms();
    fake_console_clear();
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        boot_counts[i] = vms[i].boot_count;
        vm_runs[i] = runs_of(i);
    }
    for (i = 0u; i < CFG_NUM_VCPUS; i++) {
        resets_seen[i] = fake.vcpus[i].resets;
    }
    powered_off = false;
    memset(&oplog, 0, sizeof(oplog));
}

void core_step(uint32_t cpu)
{
    (void)step(cpu);
}

bool core_powered_off(void)
{
    return powered_off;
}

void core_run_input(const uint8_t *data, size_t size, void (*do_op)(struct fuzz_in *in))
{
    struct fuzz_in in = { data, size };
    uint32_t ops;

    core_reset();
    core_check();
    for (ops = 0u; (ops < CORE_MAX_OPS) && !fin_done(&in) && !core_powered_off(); ops++) {
        do_op(&in);
        core_check();
    }
}

/* ---- operations shared by the targets ---- */

void core_op_run(struct fuzz_in *in)
{
    uint32_t cpu = fin_pick(in, CFG_NUM_PCPUS);
    uint32_t n = 1u + fin_pick(in, 4u);
    uint32_t i;

    fuzz_log(&oplog, "CPU %u: %u step(s)", cpu, n);
    for (i = 0u; (i < n) && (fake.system_off_calls == 0u); i++) {
        core_step(cpu);
    }
}

void core_op_irq(struct fuzz_in *in)
{
    const uint32_t ids[] = { IRQ_IPI_KICK, cfg_platform.timer_virt_irq, cfg_platform.timer_hyp_irq,
                             cfg_platform.gic_maint_irq, cfg_platform.uart_irq, 34u, 77u, 1020u };
    uint32_t cpu = fin_pick(in, CFG_NUM_PCPUS);
    uint32_t id = ids[fin_pick(in, ARRAY_SIZE(ids))];

    fuzz_log(&oplog, "CPU %u: physical interrupt %u", cpu, id);
    fake_irq_push(cpu, id);
    core_step(cpu);
}

/* ---- independent address translation ---- */

FUZZ_NO_COVERAGE const uint8_t *core_guest_range(uint32_t vm, uint64_t ipa, uint64_t len, bool write)
{
    const struct cfg_vm *c = &cfg_vms[vm];
    uint32_t r;

    for (r = 0u; r < c->num_regions; r++) {
        const struct cfg_mem_region *reg = &c->regions[r];
        if (((reg->flags & CFG_MEM_RAM) == 0u) || (write && ((reg->flags & CFG_MEM_RO) != 0u))) {
            continue;
        }
        /* In 128-bit arithmetic: no wrap-around can sneak a range in. */
        if (((unsigned __int128)ipa >= reg->ipa)
            && (((unsigned __int128)ipa + len) <= ((unsigned __int128)reg->ipa + reg->size))) {
            return fake_ram(reg->pa + (ipa - reg->ipa));
        }
    }
    return NULL;
}

/* ---- console oracle ---- */

void console_snap(struct console_snap *s, uint32_t vm)
{
    s->console_len = fake.console_len;
    s->line = vms[vm].console;
    s->vm = vm;
}

/* docs/console.md: ANSI escape sequences are dropped (ESC, then for
 * "ESC [" everything up to a final byte 0x40..0x7e; other escapes are two
 * bytes). Returns true if `c` is swallowed. */
FUZZ_NO_COVERAGE static bool escape_consumes(uint8_t *esc, uint8_t c)
{
    switch (*esc) {
    case 1u: /* ESC seen */
        *esc = (c == '[') ? 2u : 0u;
        return true;
    case 2u: /* in a CSI sequence */
        if ((c >= 0x40u) && (c <= 0x7eu)) {
            *esc = 0u;
        }
        return true;
    default:
        if (c == 0x1bu) {
            *esc = 1u;
            return true;
        }
        return false;
    }
}

/* A line as the physical console shows it: control characters but tab as '.'. */
FUZZ_NO_COVERAGE static size_t shown(char *out, size_t room, const char *text, uint32_t len)
{
    size_t n = 0u;
    uint32_t i;

    for (i = 0u; (i < len) && ((n + 3u) < room); i++) {
        unsigned char c = (unsigned char)text[i];
        out[n] = (((c < 0x20u) && (c != '\t')) || (c == 0x7fu)) ? '.' : (char)c;
        n++;
    }
    out[n] = '\r';
    out[n + 1u] = '\n';
    out[n + 2u] = '\0';
    return n + 2u;
}

FUZZ_NO_COVERAGE void console_expect(const struct console_snap *s, const uint8_t *bytes, uint64_t len)
{
    char want[CONSOLE_LINE_MAX + 8u];
    struct console_line line = s->line;
    const char *name = cfg_vms[s->vm].name;
    const struct console_line *now = &vms[s->vm].console;
    const char *from = &fake.console[s->console_len];
    bool room = (fake.console_len + 1u) < FAKE_CONSOLE_MAX;
    uint64_t i;

    /* console_vm_putc(), as docs/console.md describes it: '\r' and escape
     * sequences dropped; a '\n', or a byte that finds the line full, sends
     * the line out. Each line sent out must appear on the physical console,
     * in order, ended by "\r\n" (after a "[name] " prefix, or continuing
     * the VM's own partial line left open). */
    for (i = 0u; i < len; i++) {
        char c = (char)bytes[i];
        bool out = false;
        if ((c == '\r') || escape_consumes(&line.esc, (uint8_t)c)) {
            continue;
        }
        if ((c == '\n') || (line.len == CONSOLE_LINE_MAX)) {
            (void)shown(want, sizeof(want), line.buf, line.len);
            line.len = 0u;
            out = true;
        }
        if (out && room) {
            const char *at = strstr(from, want);
            FUZZ_CHECK("console", at != NULL, "vm %s: the line \"%s\" it completed is not on the console", name,
                       want);
            from = (at != NULL) ? (at + strlen(want)) : from;
        }
        if (c != '\n') {
            line.buf[line.len] = c;
            line.len++;
        }
    }
    FUZZ_CHECK("console",
               (now->len == line.len) && (memcmp(now->buf, line.buf, line.len) == 0) && (now->esc == line.esc),
               "vm %s: console line holds %u byte(s) (escape state %u), expected %u (%u)", name, now->len,
               now->esc, line.len, line.esc);
}

/* ---- invariants ---- */

FUZZ_NO_COVERAGE void core_check(void)
{
    const char *teardown;
    uint32_t i;

    FUZZ_CHECK("arch-misuse", fake.violations == 0u, "%s", fake.violation);
    FUZZ_CHECK("lock", fake.locks_held == 0u, "%u spinlock(s) left held", fake.locks_held);
    FUZZ_CHECK("panic", fake.cpu_halt_calls == 0u, "arch_cpu_halt(): %s",
               strstr(fake.console, "PANIC") != NULL ? strstr(fake.console, "PANIC") : "(no panic line)");
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        FUZZ_CHECK("firmware", fake.cpus[i].starts == 0u, "arch_cpu_start(%u) after boot", i);
    }
    if (fake.system_off_calls != 0u) {
        FUZZ_CHECK("firmware", fake.system_off_calls == 1u, "arch_system_off() called %u times",
                   fake.system_off_calls);
        FUZZ_CHECK("firmware", vm_running_count() == 0u,
                   "arch_system_off() with %u VM(s) still counted as running", vm_running_count());
        for (i = 0u; i < CFG_NUM_VMS; i++) {
            FUZZ_CHECK("firmware", vms[i].state == VM_STOPPED,
                       "arch_system_off() while vm %s is in state %u", vms[i].cfg->name,
                       (unsigned)vms[i].state);
        }
        powered_off = true;
        return; /* the machine is off: nothing else to look at */
    }
    teardown = check_teardown();
    FUZZ_CHECK("core-state", teardown == NULL, "%s", teardown);
    for (i = 0u; i < CFG_NUM_VCPUS; i++) {
        if (fake.vcpus[i].resets != resets_seen[i]) {
            resets_seen[i] = fake.vcpus[i].resets;
            FUZZ_CHECK("entry-range",
                       core_guest_range(vcpus[i].cfg->vm, fake.vcpus[i].reset_entry, 4u, false) != NULL,
                       "VCPU %u reset to entry 0x%llx, outside its VM's RAM", i,
                       (unsigned long long)fake.vcpus[i].reset_entry);
        }
    }
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        uint32_t runs = runs_of(i);
        if (vms[i].boot_count != boot_counts[i]) {
            /* Restarted: its RAM was cleared and reloaded (the console
             * oracle reads the same memory, so it stays exact); the next
             * input gets the pattern back. Its console line must be fresh,
             * which can be judged only if the new boot has not printed yet
             * (none of its VCPUs entered the guest during this operation). */
            boot_counts[i] = vms[i].boot_count;
            ram_dirty[i] = true;
            FUZZ_CHECK("console-restart",
                       (runs != vm_runs[i]) || ((vms[i].console.len == 0u) && (vms[i].console.esc == 0u)),
                       "vm %s restarted with %u byte(s) and escape state %u left in its console line: "
                       "the new boot's first output is swallowed or glued to the old",
                       vms[i].cfg->name, vms[i].console.len, (unsigned)vms[i].console.esc);
        }
        vm_runs[i] = runs;
    }
}
