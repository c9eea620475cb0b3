/* tests/guests/sysoff_early/main.c: powers its VM off right away, to show that one VM
 * stopping leaves the others running. Marker: SYSOFF now. */
#include "guest.h"

void guest_main(unsigned vcpu, uint64_t x0)
{
    (void)x0;
    if (vcpu != 0)
        return;
    puts("SYSOFF now");
    psci_system_off();
}
