/* tests/guests/wild/main.c: reads guest-physical 0x51000000, outside the VM's RAM
 * (0x40000000 + 16 MiB); the hypervisor must stop the VM. Markers: WILD ... */
#include "guest.h"

#define WILD_ADDR 0x51000000u

void guest_main(unsigned vcpu, uint64_t x0)
{
    (void)x0;
    if (vcpu != 0)
        return;
    puts("WILD start");
    printf("WILD reading 0x%x\n", WILD_ADDR);
    uint32_t value = mmio_read32(WILD_ADDR); /* one plain 32-bit load */
    printf("WILD survived value=0x%x\n", value);
    psci_system_off();
}
