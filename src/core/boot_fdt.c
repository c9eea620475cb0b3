/* Reads the boot DTB with libfdt, once, on the boot CPU before any VM
 * exists, and checks it against cfg_platform: CPUs and their MPIDRs, RAM
 * covering the hypervisor and every VM region, GICv3 and UART addresses.
 * (libfdt was built with FP/SIMD: it must never run while a guest's FP
 * state is live; at boot there is none.) */
#include <libfdt.h>
#include "boot_fdt.h"
#include "cfg_sizes.h"
#include "cfg_types.h"
#include "log.h"

#define MAX_RAM_BANKS 8u

struct ram_bank {
    uint64_t base;
    uint64_t size;
};

static uint64_t read_cells(const fdt32_t *p, int cells)
{
    uint64_t v = 0u;
    int i;

    for (i = 0; i < cells; i++) {
        v = (v << 32) | (uint64_t)fdt32_to_cpu(p[i]);
    }
    return v;
}

/* reg entry `index` of node `node` under a parent with the given cells. */
static bool read_reg(const void *fdt, int node, uint32_t index, uint64_t *base, uint64_t *size)
{
    int parent = fdt_parent_offset(fdt, node);
    int ac = fdt_address_cells(fdt, parent);
    int sc = fdt_size_cells(fdt, parent);
    int len = 0;
    const fdt32_t *reg = (const fdt32_t *)fdt_getprop(fdt, node, "reg", &len);
    uint32_t stride;

    if ((reg == NULL) || (ac < 1) || (ac > 2) || (sc < 0) || (sc > 2)) {
        return false;
    }
    stride = (uint32_t)(ac + sc);
    if ((uint32_t)len < ((index + 1u) * stride * 4u)) {
        return false;
    }
    *base = read_cells(&reg[index * stride], ac);
    *size = (sc == 0) ? 0u : read_cells(&reg[(index * stride) + (uint32_t)ac], sc);
    return true;
}

static uint32_t check_cpus(const void *fdt)
{
    int cpus = fdt_path_offset(fdt, "/cpus");
    uint32_t found = 0u;
    uint32_t errors = 0u;
    bool seen[CFG_NUM_PCPUS] = { false };
    int node;

    if (cpus < 0) {
        log_line("boot DTB: no /cpus node");
        return 1u;
    }
    fdt_for_each_subnode(node, fdt, cpus) {
        const char *type = (const char *)fdt_getprop(fdt, node, "device_type", NULL);
        int len = 0;
        const fdt32_t *reg;
        uint64_t mpidr;
        uint32_t i;
        bool known = false;

        if ((type == NULL) || (strcmp(type, "cpu") != 0)) {
            continue;
        }
        found++;
        reg = (const fdt32_t *)fdt_getprop(fdt, node, "reg", &len);
        if ((reg == NULL) || (len < 4)) {
            log_line("boot DTB: %s has no reg", fdt_get_name(fdt, node, NULL));
            errors++;
            continue;
        }
        mpidr = read_cells(reg, (len >= 8) ? 2 : 1);
        for (i = 0u; i < cfg_platform.num_cpus; i++) {
            if (cfg_platform.cpu_mpidr[i] == mpidr) {
                seen[i] = true;
                known = true;
            }
        }
        if (!known) {
            log_line("boot DTB: CPU with MPIDR 0x%lx is not in platform %s", mpidr, cfg_platform.name);
            errors++;
        }
    }
    if (found != cfg_platform.num_cpus) {
        log_line("boot DTB: %u CPUs, but platform %s has %u (start QEMU with -smp %u)", found,
                 cfg_platform.name, cfg_platform.num_cpus, cfg_platform.num_cpus);
        errors++;
    } else {
        uint32_t i;
        for (i = 0u; i < cfg_platform.num_cpus; i++) {
            if (!seen[i]) {
                log_line("boot DTB: platform CPU %u (MPIDR 0x%lx) is missing", i,
                         cfg_platform.cpu_mpidr[i]);
                errors++;
            }
        }
    }
    return errors;
}

static uint32_t read_ram(const void *fdt, struct ram_bank *banks)
{
    uint32_t n = 0u;
    int node;

    for (node = fdt_next_node(fdt, -1, NULL); node >= 0; node = fdt_next_node(fdt, node, NULL)) {
        const char *type = (const char *)fdt_getprop(fdt, node, "device_type", NULL);
        uint32_t i;

        if ((type == NULL) || (strcmp(type, "memory") != 0)) {
            continue;
        }
        for (i = 0u; n < MAX_RAM_BANKS; i++) {
            if (!read_reg(fdt, node, i, &banks[n].base, &banks[n].size)) {
                break;
            }
            n++;
        }
    }
    return n;
}

static bool ram_covers(const struct ram_bank *banks, uint32_t n, uint64_t base, uint64_t size)
{
    uint32_t i;

    for (i = 0u; i < n; i++) {
        if ((base >= banks[i].base) && (size <= banks[i].size)
            && ((base - banks[i].base) <= (banks[i].size - size))) {
            return true;
        }
    }
    return false;
}

static uint32_t check_ram(const void *fdt)
{
    struct ram_bank banks[MAX_RAM_BANKS];
    uint32_t n = read_ram(fdt, banks);
    uint32_t errors = 0u;
    uint32_t v;

    if (n == 0u) {
        log_line("boot DTB: no memory node");
        return 1u;
    }
    if (!ram_covers(banks, n, cfg_platform.hyp_base, cfg_platform.hyp_size)) {
        log_line("boot DTB: RAM does not cover the hypervisor's 0x%lx-0x%lx", cfg_platform.hyp_base,
                 cfg_platform.hyp_base + cfg_platform.hyp_size - 1u);
        errors++;
    }
    for (v = 0u; v < CFG_NUM_VMS; v++) {
        const struct cfg_vm *vm = &cfg_vms[v];
        uint32_t r;
        for (r = 0u; r < vm->num_regions; r++) {
            const struct cfg_mem_region *reg = &vm->regions[r];
            if (((reg->flags & CFG_MEM_RAM) != 0u) && !ram_covers(banks, n, reg->pa, reg->size)) {
                log_line("boot DTB: RAM does not cover vm %s region 0x%lx-0x%lx (start QEMU with "
                         "more memory, e.g. -m %lu)",
                         vm->name, reg->pa, reg->pa + reg->size - 1u,
                         (cfg_platform.ram_size >> 20));
                errors++;
            }
        }
    }
    return errors;
}

static uint32_t check_device(const void *fdt, const char *compatible, const char *what,
                             uint32_t index, uint64_t expected)
{
    int node = fdt_node_offset_by_compatible(fdt, -1, compatible);
    uint64_t base = 0u;
    uint64_t size = 0u;

    if (node < 0) {
        log_line("boot DTB: no %s (compatible \"%s\")", what, compatible);
        return 1u;
    }
    if (!read_reg(fdt, node, index, &base, &size)) {
        log_line("boot DTB: %s has no usable reg", what);
        return 1u;
    }
    if (base != expected) {
        log_line("boot DTB: %s at 0x%lx, platform %s expects 0x%lx", what, base, cfg_platform.name,
                 expected);
        return 1u;
    }
    return 0u;
}

uint32_t boot_fdt_check(const void *fdt)
{
    uint32_t errors = 0u;
    int err = fdt_check_header(fdt);

    if (err != 0) {
        log_line("boot DTB is not a device tree: %s", fdt_strerror(err));
        return 1u;
    }
    errors += check_cpus(fdt);
    errors += check_ram(fdt);
    errors += check_device(fdt, "arm,gic-v3", "GICv3 distributor", 0u, cfg_platform.gicd_base);
    errors += check_device(fdt, "arm,gic-v3", "GICv3 redistributors", 1u, cfg_platform.gicr_base);
    errors += check_device(fdt, "arm,pl011", "PL011 UART", 0u, cfg_platform.uart_base);
    return errors;
}
