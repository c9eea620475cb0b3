/* Shared by fuzz_smccc_hypercall and fuzz_sysreg_trap: the real portable
 * core on the fake arch of tests/host/fake (configuration
 * tests/fuzz/configs/core.toml), reset for every input, with oracles that
 * do not trust the code under test:
 *   - guest RAM holds a pattern that depends on the physical address, so
 *     bytes read from the wrong VM (or the wrong offset) differ;
 *   - guest addresses are translated here from the configuration tables,
 *     independently of vm_guest_ptr();
 *   - console output is predicted byte for byte from the guest's memory.
 * Both targets also share the input loop (core_run_input) and their RUN and
 * IRQ operations (core_op_run, core_op_irq).
 * core_check() runs the invariants common to both targets after each
 * operation (ids for FUZZ_IGNORE):
 *   arch-misuse   the fake arch saw the core misuse an arch hook
 *   lock          a spinlock left held (or taken twice: arch-misuse)
 *   panic         arch_cpu_halt(): a guest made the hypervisor panic
 *   firmware      arch_system_off() while a VM still runs, or any
 *                 arch_cpu_start() after boot
 *   core-state    tests/host/support.c's check_teardown(): wait queues and
 *                 the loaded VCPU of each CPU are consistent
 *   entry-range   a VCPU was reset to an entry point outside its VM's RAM
 *   console-restart  a restarted VM starts with an empty console line (no
 *                 partial text, no half-read escape sequence) */
#ifndef FUZZ_CORE_COMMON_H
#define FUZZ_CORE_COMMON_H

#include "support.h"
#include "fuzz_common.h"

extern struct fuzz_log oplog;

/* Per input: fakes, core and VMs as after boot (vm_init_all, vm_start_all). */
void core_reset(void);
/* One sched_step() on `cpu` (arch_system_off/arch_cpu_halt are caught). */
void core_step(uint32_t cpu);
/* arch_system_off() happened: the input is over. */
bool core_powered_off(void);
/* Invariants after an operation. */
void core_check(void);

/* One input of a target: core_reset(), then operations decoded by `do_op`
 * (at most CORE_MAX_OPS) until the input ends or the machine is off, with
 * core_check() before the first and after each. */
#define CORE_MAX_OPS 200u
void core_run_input(const uint8_t *data, size_t size, void (*do_op)(struct fuzz_in *in));

/* Operations both targets decode the same way (after their opcode byte):
 *   RUN  u8 cpu, u8 n: 1..4 scheduler steps, the guest doing nothing
 *   IRQ  u8 cpu, u8 which: a physical interrupt at EL2 (kick, timers,
 *        maintenance, UART, a passthrough SPI, a spurious one), then a step */
void core_op_run(struct fuzz_in *in);
void core_op_irq(struct fuzz_in *in);

/* Host pointer to [ipa, ipa + len) of VM `vm` if the range lies inside one
 * RAM region of it (readable; writable too unless `write`), else NULL. */
const uint8_t *core_guest_range(uint32_t vm, uint64_t ipa, uint64_t len, bool write);

/* Console oracle: take a snapshot, tell it what the VM printed, check. */
struct console_snap {
    uint32_t console_len;
    struct console_line line;
    uint32_t vm;
};
void console_snap(struct console_snap *s, uint32_t vm);
/* VM `s->vm` printed `len` bytes: the lines they complete must appear on
 * the physical console in order, and the VM's line hold the rest. */
void console_expect(const struct console_snap *s, const uint8_t *bytes, uint64_t len);

#endif
