/* Check of the boot device tree against the generated platform tables. */
#ifndef BOOT_FDT_H
#define BOOT_FDT_H

#include "types.h"

/* Returns 0 if the DTB at `fdt` describes the platform the hypervisor was
 * built for and the RAM holds every configured region; otherwise logs
 * each mismatch and returns the number found. */
uint32_t boot_fdt_check(const void *fdt);

#endif
