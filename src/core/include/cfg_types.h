/* Types of the read-only tables that tools/gen_config.py generates.
 * The generator owns the values; the runtime only reads them. Changing a
 * field here means changing tools/templates/hv_config.c.j2 in the same commit. */
#ifndef CFG_TYPES_H
#define CFG_TYPES_H

#include <stdint.h>

/* cfg_mem_region.flags */
#define CFG_MEM_RAM    0x1u /* normal write-back memory */
#define CFG_MEM_DEVICE 0x2u /* passthrough MMIO: device-nGnRE, never executable */
#define CFG_MEM_SHARED 0x4u /* declared shared with another VM */
#define CFG_MEM_RO     0x8u /* guest may not write */

struct cfg_mem_region {
    uint64_t ipa;   /* guest-physical base */
    uint64_t pa;    /* host-physical base */
    uint64_t size;  /* bytes, multiple of 4 KiB */
    uint32_t flags; /* CFG_MEM_* */
};

/* An MMIO window the hypervisor emulates for a VM (struct cfg_vdev.kind). */
#define CFG_VDEV_GICD 0u /* vGIC distributor */
#define CFG_VDEV_GICR 1u /* vGIC redistributors, one frame per VCPU */
#define CFG_VDEV_UART 2u /* emulated PL011 */

struct cfg_vdev {
    uint64_t base;  /* guest-physical */
    uint64_t size;
    uint32_t kind;  /* CFG_VDEV_* */
};

/* A blob copied into guest RAM every time the VM (re)starts. */
struct cfg_image {
    const uint8_t *data; /* inside the hypervisor image (.incbin) */
    uint64_t size;
    uint64_t load_ipa;   /* lies inside one CFG_MEM_RAM region of the VM */
};

struct cfg_vcpu {
    uint16_t vm;        /* index into cfg_vms */
    uint16_t id;        /* index inside its VM; Aff0 of its virtual MPIDR */
    uint16_t pcpu;      /* fixed physical CPU (index into cfg_platform.cpu_mpidr) */
    uint16_t pad;
    uint64_t budget_ns; /* time slice enforced with the EL2 timer; 0 = cooperative */
};

/* cfg_vm.console */
#define CFG_CONSOLE_NONE        0u /* only the debug-console hypercall */
#define CFG_CONSOLE_EMULATED    1u /* emulated PL011 at the platform UART address */
#define CFG_CONSOLE_PASSTHROUGH 2u /* the physical UART is mapped into the VM */

/* cfg_vm.on_fault */
#define CFG_FAULT_STOP    0u
#define CFG_FAULT_RESTART 1u

struct cfg_vm {
    const char *name;
    uint16_t vmid;         /* stage-2 VMID, unique, never 0 */
    uint16_t num_vcpus;
    uint16_t first_vcpu;   /* the VM's VCPUs are cfg_vcpus[first_vcpu .. +num_vcpus) */
    uint16_t num_regions;
    const struct cfg_mem_region *regions;
    uint16_t num_images;
    uint16_t num_irqs;
    uint32_t console;      /* CFG_CONSOLE_* */
    const struct cfg_image *images;
    const uint32_t *irqs;  /* physical SPI INTIDs assigned to the VM, ascending */
    uint64_t entry_ipa;    /* PC of VCPU 0 at (re)start */
    uint64_t dtb_ipa;      /* x0 of VCPU 0 at (re)start; 0 when the VM has no DTB */
    uint32_t s2_pool_first;/* first page of the VM's slice of hv_s2_pool */
    uint32_t s2_pool_pages;/* pages in that slice: exactly what its map needs */
    uint32_t on_fault;     /* CFG_FAULT_* */
    uint32_t restart_limit;
    uint32_t num_vdevs;    /* emulated MMIO windows */
    const struct cfg_vdev *vdevs;
    /* Which windows lie in each page of 2^vdev_map_shift bytes from
     * vdev_map_base: a bit mask per page, so that the window of a fault
     * address is found without a search (vdev.c). */
    const uint8_t *vdev_map;
    uint64_t vdev_map_base;
    uint32_t vdev_map_pages;
    uint32_t vdev_map_shift;
};

struct cfg_platform {
    const char *name;
    uint32_t num_cpus;
    const uint64_t *cpu_mpidr; /* affinity fields only, per physical CPU index */
    uint64_t ram_base;
    uint64_t ram_size;
    uint64_t hyp_base;         /* memory reserved for the hypervisor */
    uint64_t hyp_size;
    uint64_t gicd_base;
    uint64_t gicd_size;
    uint64_t gicr_base;
    uint64_t gicr_stride;      /* bytes per redistributor (RD + SGI frames) */
    uint64_t uart_base;
    uint64_t uart_size;
    uint32_t uart_irq;         /* INTID */
    uint32_t timer_virt_irq;   /* INTID of the EL1 virtual timer PPI */
    uint32_t timer_hyp_irq;    /* INTID of the EL2 physical timer PPI */
    uint32_t gic_maint_irq;    /* INTID of the GIC maintenance PPI */
};

/* Physical CPU -> the VCPUs it schedules, in round-robin order. */
struct cfg_pcpu {
    uint16_t first;  /* into cfg_pcpu_vcpus */
    uint16_t count;
};

extern const struct cfg_platform cfg_platform;
extern const struct cfg_vm cfg_vms[];
extern const struct cfg_vcpu cfg_vcpus[];
extern const struct cfg_pcpu cfg_pcpus[];
extern const uint16_t cfg_pcpu_vcpus[]; /* global VCPU indices */
extern const char cfg_name[];           /* configuration name, for the banner */

#endif
