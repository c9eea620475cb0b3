/* Raw access to the GICv3 list registers by number (the ICH_LR<n>_EL2
 * system registers have no indexed form). vgic.c owns what goes in them. */
#include "arch/sysreg.h"
#include "arch/vgic.h"

uint64_t lr_read(uint32_t n)
{
    switch (n) {
    case 0u: return read_ich_lr0_el2();
    case 1u: return read_ich_lr1_el2();
    case 2u: return read_ich_lr2_el2();
    case 3u: return read_ich_lr3_el2();
    case 4u: return read_ich_lr4_el2();
    case 5u: return read_ich_lr5_el2();
    case 6u: return read_ich_lr6_el2();
    case 7u: return read_ich_lr7_el2();
    case 8u: return read_ich_lr8_el2();
    case 9u: return read_ich_lr9_el2();
    case 10u: return read_ich_lr10_el2();
    case 11u: return read_ich_lr11_el2();
    case 12u: return read_ich_lr12_el2();
    case 13u: return read_ich_lr13_el2();
    case 14u: return read_ich_lr14_el2();
    case 15u: return read_ich_lr15_el2();
    default: return 0u;
    }
}

void lr_write(uint32_t n, uint64_t v)
{
    switch (n) {
    case 0u: write_ich_lr0_el2(v); break;
    case 1u: write_ich_lr1_el2(v); break;
    case 2u: write_ich_lr2_el2(v); break;
    case 3u: write_ich_lr3_el2(v); break;
    case 4u: write_ich_lr4_el2(v); break;
    case 5u: write_ich_lr5_el2(v); break;
    case 6u: write_ich_lr6_el2(v); break;
    case 7u: write_ich_lr7_el2(v); break;
    case 8u: write_ich_lr8_el2(v); break;
    case 9u: write_ich_lr9_el2(v); break;
    case 10u: write_ich_lr10_el2(v); break;
    case 11u: write_ich_lr11_el2(v); break;
    case 12u: write_ich_lr12_el2(v); break;
    case 13u: write_ich_lr13_el2(v); break;
    case 14u: write_ich_lr14_el2(v); break;
    case 15u: write_ich_lr15_el2(v); break;
    default: break;
    }
}

