/* Hooks every architecture provides for physical CPUs and memory.
 * The core calls only these; it never touches a system register itself. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include "types.h"

/* Index of the physical CPU running this code (0 = boot CPU). */
uint32_t arch_cpu_id(void);

/* Wait at EL2 until an interrupt is pending; interrupts stay masked, so
 * the caller polls the interrupt controller afterwards. */
void arch_cpu_idle(void);

/* A hint, no wait: this CPU is only going round a loop until another one
 * does something (a VCPU yielded). Cores sharing a pipeline, and
 * single-threaded emulation (QEMU's round-robin TCG, -icount), run the
 * others on it; elsewhere it costs one instruction. */
void arch_cpu_relax(void);

/* Power on secondary physical CPU `pcpu` (affinity `mpidr`) through firmware;
 * it enters core_secondary_main(). Returns 0 or a negative firmware code. */
int64_t arch_cpu_start(uint32_t pcpu, uint64_t mpidr);

/* Power the machine off through firmware. Never returns. */
_Noreturn void arch_system_off(void);

/* Stop this physical CPU for good (fatal hypervisor error). */
_Noreturn void arch_cpu_halt(void);

/* Hypervisor pointer to host-physical address `pa` (RAM is identity mapped). */
void *arch_pa_to_ptr(uint64_t pa);

/* Per-CPU entry points the arch boot code calls once the CPU has a stack. */
_Noreturn void core_boot_main(uint64_t boot_dtb);
_Noreturn void core_secondary_main(void);

#endif
