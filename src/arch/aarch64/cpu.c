/* Physical CPUs: boot-time EL2 set-up per CPU, firmware (PSCI over SMC)
 * calls, idle, spinlocks and the hypervisor's own fatal exceptions. */
#include "arch/sysreg.h"
#include "arch/aarch64.h"
#include "arch_cpu.h"
#include "arch_lock.h"
#include "cfg_sizes.h"
#include "cfg_types.h"
#include "log.h"

#define STACK_SIZE 0x4000u

/* boot.S points each CPU's SP at the top of its slot. */
uint8_t hv_stacks[CFG_NUM_PCPUS][STACK_SIZE] __attribute__((aligned(16)));

#define PSCI_CPU_ON_64  0xc4000003u
#define PSCI_SYSTEM_OFF 0x84000008u
#define MPIDR_AFF_MASK  0xff00ffffffULL

/* HCR_EL2 while guests run: stage 2 on, interrupts and aborts to EL2,
 * WFI/WFE/SMC and implementation-defined registers trapped, EL1 is AArch64. */
#define HCR_GUEST (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS \
                   | HCR_TWI | HCR_TWE | HCR_TSC | HCR_TIDCP | HCR_RW)

/* CPTR_EL2: RES1 bits only, so neither FP/SIMD nor trace traps. */
#define CPTR_EL2_DEFAULT 0x33ffu

static volatile uint32_t cpu_online[CFG_NUM_PCPUS];

static int64_t smc_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;

    __asm__ volatile("smc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x16", "x17", "memory");
    return (int64_t)x0;
}

uint32_t arch_cpu_id(void)
{
    return (uint32_t)read_tpidr_el2();
}

void arch_cpu_idle(void)
{
    __asm__ volatile("dsb sy\n\twfi" : : : "memory");
}

void arch_cpu_relax(void)
{
    __asm__ volatile("yield" : : : "memory");
}

int64_t arch_cpu_start(uint32_t pcpu, uint64_t mpidr)
{
    uint32_t spins;
    int64_t r = smc_call(PSCI_CPU_ON_64, mpidr & MPIDR_AFF_MASK, (uint64_t)(uintptr_t)secondary_entry,
                         pcpu);

    if (r != 0) {
        return r;
    }
    /* Wait until it runs C, so that boot messages stay in order. Bounded:
     * a CPU that never comes up is reported, not waited for forever. */
    for (spins = 0u; (cpu_online[pcpu] == 0u) && (spins < 100000000u); spins++) {
        __asm__ volatile("yield");
    }
    return (cpu_online[pcpu] != 0u) ? 0 : -6;
}

_Noreturn void arch_system_off(void)
{
    (void)smc_call(PSCI_SYSTEM_OFF, 0u, 0u, 0u);
    arch_cpu_halt();
}

_Noreturn void arch_cpu_halt(void)
{
    for (;;) {
        __asm__ volatile("wfi");
    }
}

void *arch_pa_to_ptr(uint64_t pa)
{
    return (void *)(uintptr_t)pa;
}

void arch_spin_lock(struct spinlock *l)
{
    uint32_t ticket = __atomic_fetch_add(&l->next, 1u, __ATOMIC_RELAXED);

    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket) {
        __asm__ volatile("yield");
    }
}

void arch_spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->owner, l->owner + 1u, __ATOMIC_RELEASE);
}

/* Per-CPU EL2 state that stays the same for every guest. */
static void cpu_el2_init(void)
{
    write_cptr_el2(CPTR_EL2_DEFAULT);
    write_hcr_el2(HCR_GUEST);
    write_vtcr_el2(VTCR_EL2_VALUE);
    write_vpidr_el2(read_midr_el1());
    write_cntvoff_el2(0u);
    /* EL1 may read the physical counter; the physical timer stays ours. */
    write_cnthctl_el2(1u);
    write_cnthp_ctl_el2(0u);
    isb();
}

_Noreturn void arch_boot_primary(uint64_t dtb)
{
    mmu_el2_build();
    mmu_el2_enable();
    cpu_el2_init();
    gic_dist_init();
    gic_cpu_init(0u);
    cpu_online[0] = 1u;
    core_boot_main(dtb);
}

_Noreturn void arch_boot_secondary(uint64_t cpu)
{
    mmu_el2_enable();
    cpu_el2_init();
    gic_cpu_init((uint32_t)cpu);
    log_line("cpu %u online", (uint32_t)cpu);
    cpu_online[cpu] = 1u;
    core_secondary_main();
}

/* An exception taken from EL2 itself: a hypervisor bug. */
_Noreturn void arch_el2_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far)
{
    panic("cpu %u: exception %lu at EL2: esr 0x%lx elr 0x%lx far 0x%lx", arch_cpu_id(), kind,
          esr, elr, far);
}
