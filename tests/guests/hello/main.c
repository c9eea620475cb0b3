/* tests/guests/hello/main.c: minimal guest: prints VM info, HV_VERSION and PSCI_VERSION,
 * then powers its VM off. Markers: HELLO ..., HELLO-DONE. */
#include "guest.h"

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;

    (void)x0;
    if (vcpu != 0)
        return; /* only VCPU 0 runs this guest; start.S turns others off */

    if (vm_info(&info) == HV_OK)
        printf("HELLO vm=%lu vcpus=%lu boot=%lu\n", info.vm, info.vcpus, info.boot_count);
    else
        puts("HELLO vm=? vcpus=? boot=?");

    printf("HELLO hv-version=0x%lx\n", (uint64_t)hv_version());
    printf("HELLO psci-version=0x%lx\n", (uint64_t)psci_version());
    puts("HELLO-DONE");
    psci_system_off();
}
