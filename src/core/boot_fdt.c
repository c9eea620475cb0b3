/* Reads the boot DTB with libfdt, once, on the boot CPU before any VM
 * exists, and checks it against cfg_platform: CPUs and their MPIDRs, RAM
 * covering the hypervisor and every VM region, GICv3 and UART addresses.
 * Memory nodes and devices are found in a single walk over the tree that
 * keeps each level's #address-cells/#size-cells: libfdt's own lookups
 * (fdt_parent_offset, fdt_node_offset_by_compatible) each rescan the tree
 * from the root, which made up most of the hypervisor's boot time.
 * (libfdt was built with FP/SIMD: it must never run while a guest's FP
 * state is live; at boot there is none.) */
#include <libfdt.h>
#include "boot_fdt.h"
#include "cfg_sizes.h"
#include "cfg_types.h"
#include "log.h"

#define MAX_RAM_BANKS 8u
/* Nesting the walk follows; real device trees use fewer than 8 levels. */
#define MAX_DEPTH 16

struct ram_bank {
    uint64_t base;
    uint64_t size;
};

/* How a node's reg is read: its parent's #address-cells and #size-cells. */
struct cells {
    int ac;
    int sc;
};

/* A device found by the walk: the first node with its compatible string. */
struct found_node {
    int node;     /* -1: none */
    struct cells cells;
};

/* What the walk collects. */
struct dtb_scan {
    struct ram_bank banks[MAX_RAM_BANKS];
    uint32_t num_banks;
    struct found_node gic;
    struct found_node uart;
    bool too_deep;
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

/* reg entry `index` of node `node`, whose parent has the given cells. */
static bool read_reg(const void *fdt, int node, struct cells c, uint32_t index, uint64_t *base,
                     uint64_t *size)
{
    int len = 0;
    const fdt32_t *reg = (const fdt32_t *)fdt_getprop(fdt, node, "reg", &len);
    uint32_t stride;

    if ((reg == NULL) || (c.ac < 1) || (c.ac > 2) || (c.sc < 0) || (c.sc > 2)) {
        return false;
    }
    stride = (uint32_t)c.ac + (uint32_t)c.sc;
    if ((uint32_t)len < ((index + 1u) * stride * 4u)) {
        return false;
    }
    *base = read_cells(&reg[index * stride], c.ac);
    *size = (c.sc == 0) ? 0u : read_cells(&reg[(index * stride) + (uint32_t)c.ac], c.sc);
    return true;
}

/* The properties of one node the walk looks at, from one pass over its
 * properties (a libfdt lookup by name is a pass of its own, each). */
struct node_props {
    bool memory;   /* device_type = "memory" */
    bool gic;      /* compatible with "arm,gic-v3" */
    bool uart;     /* compatible with "arm,pl011" */
    struct cells own; /* its #address-cells / #size-cells: for its children */
};

/* A #address-cells / #size-cells value (one big-endian cell); -1 if
 * malformed (read_reg then rejects every reg that needs it). */
static int cells_value(const char *val, int len)
{
    uint32_t v = 0u;
    int i;

    if (len != 4) {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        v = (v << 8) | (uint32_t)(uint8_t)val[i];
    }
    return (v <= 4u) ? (int)v : -1;
}

static void read_props(const void *fdt, int node, struct node_props *p)
{
    int prop;

    p->memory = false;
    p->gic = false;
    p->uart = false;
    p->own.ac = 2; /* the defaults when absent (devicetree specification) */
    p->own.sc = 1;
    fdt_for_each_property_offset(prop, fdt, node) {
        const char *name = NULL;
        int len = 0;
        const char *val = (const char *)fdt_getprop_by_offset(fdt, prop, &name, &len);

        if ((val == NULL) || (name == NULL)) {
            continue;
        }
        if (strcmp(name, "device_type") == 0) {
            p->memory = fdt_stringlist_contains(val, len, "memory") != 0;
        } else if (strcmp(name, "compatible") == 0) {
            p->gic = fdt_stringlist_contains(val, len, "arm,gic-v3") != 0;
            p->uart = fdt_stringlist_contains(val, len, "arm,pl011") != 0;
        } else if (strcmp(name, "#address-cells") == 0) {
            p->own.ac = cells_value(val, len);
        } else if (strcmp(name, "#size-cells") == 0) {
            p->own.sc = cells_value(val, len);
        } else {
            /* not needed */
        }
    }
}

static void read_banks(const void *fdt, int node, struct cells parent, struct dtb_scan *s)
{
    uint32_t i;

    for (i = 0u; (i < MAX_RAM_BANKS) && (s->num_banks < MAX_RAM_BANKS); i++) {
        struct ram_bank *b = &s->banks[s->num_banks];
        if (!read_reg(fdt, node, parent, i, &b->base, &b->size)) {
            break;
        }
        s->num_banks++;
    }
}

static void note_device(int node, struct cells parent, bool match, struct found_node *f)
{
    if (match && (f->node < 0)) {
        f->node = node;
        f->cells = parent;
    }
}

/* One walk in tree order: every memory node's reg entries (any depth, as
 * device_type = "memory" says, not the name) and the first GICv3 and
 * PL011 (as fdt_node_offset_by_compatible would find them). */
static void scan_tree(const void *fdt, struct dtb_scan *s)
{
    struct cells level[MAX_DEPTH]; /* what children of the node at each depth use */
    int depth = 0;
    int node = 0;                  /* the root */

    s->num_banks = 0u;
    s->gic.node = -1;
    s->uart.node = -1;
    s->too_deep = false;
    while ((node >= 0) && (depth >= 0)) {
        if (depth >= MAX_DEPTH) {
            s->too_deep = true;
        } else {
            struct node_props p;
            read_props(fdt, node, &p);
            level[depth] = p.own;
            if (depth > 0) {
                struct cells parent = level[depth - 1];
                if (p.memory) {
                    read_banks(fdt, node, parent, s);
                }
                note_device(node, parent, p.gic, &s->gic);
                note_device(node, parent, p.uart, &s->uart);
            }
        }
        node = fdt_next_node(fdt, node, &depth);
    }
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

static uint32_t check_ram(const struct dtb_scan *s)
{
    const struct ram_bank *banks = s->banks;
    uint32_t n = s->num_banks;
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

static uint32_t check_device(const void *fdt, const struct found_node *f, const char *compatible,
                             const char *what, uint32_t index, uint64_t expected)
{
    uint64_t base = 0u;
    uint64_t size = 0u;

    if (f->node < 0) {
        log_line("boot DTB: no %s (compatible \"%s\")", what, compatible);
        return 1u;
    }
    if (!read_reg(fdt, f->node, f->cells, index, &base, &size)) {
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
    struct dtb_scan scan;
    uint32_t errors = 0u;
    int err = fdt_check_header(fdt);

    if (err != 0) {
        log_line("boot DTB is not a device tree: %s", fdt_strerror(err));
        return 1u;
    }
    errors += check_cpus(fdt);
    scan_tree(fdt, &scan);
    if (scan.too_deep) {
        log_line("boot DTB: nodes nested deeper than %d levels", MAX_DEPTH);
        errors++;
    }
    errors += check_ram(&scan);
    errors += check_device(fdt, &scan.gic, "arm,gic-v3", "GICv3 distributor", 0u, cfg_platform.gicd_base);
    errors += check_device(fdt, &scan.gic, "arm,gic-v3", "GICv3 redistributors", 1u, cfg_platform.gicr_base);
    errors += check_device(fdt, &scan.uart, "arm,pl011", "PL011 UART", 0u, cfg_platform.uart_base);
    return errors;
}
