/* tests/guests/reset_once/main.c: on its first boot dirties a .data variable and calls PSCI
 * SYSTEM_RESET; on the next boot checks the variable was reloaded from the image. */
#include "guest.h"

#define MARKER_INITIAL 0x11111111u
#define MARKER_DIRTY   0x5a5a5a5au

/* Initialised, hence in .data and in the raw image; volatile so every access is real. */
static volatile uint32_t reset_marker = MARKER_INITIAL;

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;
    int64_t r;

    (void)x0;
    if (vcpu != 0)
        return;

    r = vm_info(&info);
    if (r != HV_OK) {
        printf("RESET-ONCE boot=? vm-info-error=%ld\n", r);
        psci_system_off();
    }
    printf("RESET-ONCE boot=%lu\n", info.boot_count);

    if (info.boot_count == 1) {
        printf("RESET-ONCE marker-before=0x%x\n", reset_marker);
        reset_marker = MARKER_DIRTY;
        r = psci_system_reset();
        printf("RESET-ONCE reset-failed ret=%ld\n", r);
        psci_system_off();
    }
    if (info.boot_count >= 2) {
        printf("RESET-ONCE marker=0x%x\n", reset_marker);
        psci_system_off();
    }
    puts("RESET-ONCE unexpected boot=0");
    psci_system_off();
}
