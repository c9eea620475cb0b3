/* Address translation: the hypervisor's own EL2 identity map (devices
 * below RAM, RAM as normal memory, in 1 GiB blocks) and each VM's stage-2
 * tables, built once at boot from the VM's slice of the static pool. */
#include "arch/sysreg.h"
#include "arch/aarch64.h"
#include "arch_vcpu.h"
#include "cfg_sizes.h"
#include "cfg_types.h"
#include "lib.h"
#include "vm.h"

#define PTE_VALID  0x1ULL
#define PTE_TABLE  0x3ULL  /* table (levels 0-2) or page (level 3) */
#define PTE_BLOCK  0x1ULL
#define PTE_AF     (1ULL << 10)
#define PTE_SH_IS  (3ULL << 8)
#define PTE_XN     (1ULL << 54)
#define PTE_ADDR   0x0000fffffffff000ULL

/* EL2 stage 1: MAIR index 0 normal write-back, 1 device-nGnRE. */
#define MAIR_EL2_VALUE 0x04ffULL
#define S1_NORMAL (PTE_AF | PTE_SH_IS | (0ULL << 2))
#define S1_DEVICE (PTE_AF | PTE_XN | (1ULL << 2))
/* TCR_EL2: T0SZ 25 (39-bit VA), write-back walks, inner shareable, 40-bit PA. */
#define TCR_EL2_VALUE ((1ULL << 31) | (1ULL << 23) | (2ULL << 16) | (3ULL << 12) | (1ULL << 10) \
                       | (1ULL << 8) | 25ULL)
#define SCTLR_EL2_RES1 0x30c50830ULL
#define SCTLR_M  (1ULL << 0)
#define SCTLR_C  (1ULL << 2)
#define SCTLR_SA (1ULL << 3)
#define SCTLR_I  (1ULL << 12)

/* Stage 2 attributes: MemAttr [5:2], S2AP [7:6]. */
#define S2_NORMAL (PTE_AF | PTE_SH_IS | (0xfULL << 2))
#define S2_DEVICE (PTE_AF | PTE_XN | (0x1ULL << 2))
#define S2_RW     (3ULL << 6)
#define S2_RO     (1ULL << 6)

#define ENTRIES 512u
#define L2_BLOCK 0x200000ULL

static uint64_t el2_l1[ENTRIES] __attribute__((aligned(4096)));
static uint64_t s2_pool[CFG_S2_POOL_PAGES][ENTRIES] __attribute__((aligned(4096)));

void mmu_el2_build(void)
{
    uint64_t ram_first = cfg_platform.ram_base >> 30;
    uint64_t ram_last = (cfg_platform.ram_base + cfg_platform.ram_size - 1u) >> 30;
    uint64_t i;

    for (i = 0u; i < ENTRIES; i++) {
        if (i < ram_first) {
            el2_l1[i] = (i << 30) | S1_DEVICE | PTE_BLOCK;
        } else if (i <= ram_last) {
            el2_l1[i] = (i << 30) | S1_NORMAL | PTE_BLOCK;
        } else {
            el2_l1[i] = 0u;
        }
    }
    dsb_sy();
}

void mmu_el2_enable(void)
{
    write_mair_el2(MAIR_EL2_VALUE);
    write_tcr_el2(TCR_EL2_VALUE);
    write_ttbr0_el2((uint64_t)(uintptr_t)el2_l1);
    isb();
    __asm__ volatile("tlbi alle2\n\tdsb ish\n\tisb" : : : "memory");
    write_sctlr_el2(SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I);
    isb();
}

static uint64_t *s2_alloc(struct vm *vm)
{
    uint64_t *t;

    if (vm->arch.pool_used >= vm->cfg->s2_pool_pages) {
        return NULL;
    }
    t = s2_pool[vm->cfg->s2_pool_first + vm->arch.pool_used];
    vm->arch.pool_used++;
    (void)memset(t, 0, PAGE_SIZE);
    return t;
}

/* Next-level table behind entry `e`, made on first use. */
static uint64_t *s2_next(struct vm *vm, uint64_t *e)
{
    if ((*e & PTE_VALID) == 0u) {
        uint64_t *t = s2_alloc(vm);
        if (t == NULL) {
            return NULL;
        }
        *e = ((uint64_t)(uintptr_t)t & PTE_ADDR) | PTE_TABLE;
    }
    return (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
}

/* Same walk as tools/gen_config.py's pool sizing: 2 MiB blocks where
 * both addresses allow, 4 KiB pages elsewhere. */
static int s2_map_region(struct vm *vm, uint64_t *root, const struct cfg_mem_region *r)
{
    uint64_t attr;
    uint64_t off = 0u;

    if ((r->flags & CFG_MEM_DEVICE) != 0u) {
        attr = S2_DEVICE | S2_RW;
    } else {
        attr = S2_NORMAL | (((r->flags & CFG_MEM_RO) != 0u) ? S2_RO : S2_RW);
    }
    while (off < r->size) {
        uint64_t ipa = r->ipa + off;
        uint64_t pa = r->pa + off;
        uint64_t *l2 = s2_next(vm, &root[(ipa >> 30) & (ENTRIES - 1u)]);
        uint64_t *l3;

        if (l2 == NULL) {
            return -1;
        }
        if ((((ipa | pa) & (L2_BLOCK - 1u)) == 0u) && ((r->size - off) >= L2_BLOCK)) {
            l2[(ipa >> 21) & (ENTRIES - 1u)] = pa | attr | PTE_BLOCK;
            off += L2_BLOCK;
            continue;
        }
        l3 = s2_next(vm, &l2[(ipa >> 21) & (ENTRIES - 1u)]);
        if (l3 == NULL) {
            return -1;
        }
        l3[(ipa >> 12) & (ENTRIES - 1u)] = pa | attr | PTE_TABLE;
        off += PAGE_SIZE;
    }
    return 0;
}

int arch_vm_init(struct vm *vm)
{
    uint64_t *root;
    uint32_t i;

    vm->arch.pool_used = 0u;
    root = s2_alloc(vm);
    if (root == NULL) {
        return -1;
    }
    for (i = 0u; i < vm->cfg->num_regions; i++) {
        if (s2_map_region(vm, root, &vm->cfg->regions[i]) != 0) {
            return -1;
        }
    }
    vm->arch.vttbr = ((uint64_t)vm->cfg->vmid << 48) | (uint64_t)(uintptr_t)root;
    dsb_ish();
    __asm__ volatile("tlbi alle1is\n\tdsb ish\n\tisb" : : : "memory");
    return 0;
}
