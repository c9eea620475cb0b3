/* Boot sequence of the hypervisor, after the arch code has set up EL2,
 * the MMU and a stack: banner, platform check, VMs, secondary CPUs, then
 * every CPU enters its scheduling loop. Any mismatch stops here, before a
 * single guest instruction runs. */
#include "arch_console.h"
#include "arch_cpu.h"
#include "boot_fdt.h"
#include "cfg_sizes.h"
#include "cfg_types.h"
#include "console.h"
#include "log.h"
#include "sched.h"
#include "vcpu.h"
#include "vm.h"

#ifndef HV_VERSION_STRING
#define HV_VERSION_STRING "0.1"
#endif

static bool console_passthrough(void)
{
    uint32_t i;

    for (i = 0u; i < CFG_NUM_VMS; i++) {
        if (cfg_vms[i].console == CFG_CONSOLE_PASSTHROUGH) {
            return true;
        }
    }
    return false;
}

static void log_plan(void)
{
    uint32_t i;

    for (i = 0u; i < CFG_NUM_VMS; i++) {
        const struct cfg_vm *vm = &cfg_vms[i];
        char cpus[64];
        uint32_t n = 0u;
        uint32_t j;

        for (j = 0u; (j < vm->num_vcpus) && ((n + 4u) < sizeof(cpus)); j++) {
            uint32_t p = cfg_vcpus[vm->first_vcpu + j].pcpu;
            if (j > 0u) {
                cpus[n] = ',';
                n++;
            }
            cpus[n] = (char)('0' + (p % 10u));
            n++;
        }
        cpus[n] = '\0';
        log_line("vm %s: %u VCPU(s) on CPU %s, %u MiB at 0x%lx", vm->name, (uint32_t)vm->num_vcpus,
                 cpus, (uint32_t)(vm->regions[0].size >> 20), vm->regions[0].pa);
    }
}

_Noreturn void core_boot_main(uint64_t boot_dtb)
{
    uint32_t errors;
    uint32_t i;

    console_init();
    log_line("hypervisor " HV_VERSION_STRING " at EL2: platform %s, config %s", cfg_platform.name,
             cfg_name);
    errors = boot_fdt_check(arch_pa_to_ptr(boot_dtb));
    if (errors != 0u) {
        panic("the boot DTB does not match platform %s (%u problem(s) above): no VM started",
              cfg_platform.name, errors);
    }
    log_plan();
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        pcpus[i].id = i;
        pcpus[i].slice_end = UINT64_MAX;
    }
    vm_init_all();
    if (!console_passthrough()) {
        arch_console_rx_enable(); /* console input, for the VMs' emulated UARTs */
    }
    for (i = 1u; i < CFG_NUM_PCPUS; i++) {
        if (cfg_pcpus[i].count == 0u) {
            continue; /* no VCPU here: leave the CPU off */
        }
        int64_t r = arch_cpu_start(i, cfg_platform.cpu_mpidr[i]);
        if (r != 0) {
            panic("cannot start physical CPU %u (MPIDR 0x%lx): PSCI error %ld", i,
                  cfg_platform.cpu_mpidr[i], r);
        }
    }
    if (console_passthrough()) {
        log_line("the UART now belongs to its passthrough VM: no more hypervisor output");
        console_hand_over();
    }
    vm_start_all();
    sched_loop(&pcpus[0]);
}

_Noreturn void core_secondary_main(void)
{
    sched_loop(&pcpus[arch_cpu_id()]);
}
