/* host-config: host_ro
 * src/core/vm.c with tests/host/host_ro.toml: the generator places the
 * initrd of VM r in its read-only region, which docs/configuration.md
 * allows ("read-only ones included: the hypervisor copies images in
 * before the VM starts"). The hypervisor must load it there at boot and at
 * every restart, while the guest still cannot write the region. */
#include "support.h"

#define R_RO_IPA 0x40800000ull
#define R_INITRD_SIZE 200u /* b.bin: 'B' bytes */
#define R_KERNEL_SIZE 100u /* c.bin: 'C' bytes */

static bool all_bytes(const uint8_t *p, uint8_t c, size_t n)
{
    size_t i;

    for (i = 0u; (p != NULL) && (i < n); i++) {
        if (p[i] != c) {
            return false;
        }
    }
    return p != NULL;
}

/* REQ-GEN-01 */
static void t_config_layout(void)
{
    CHECK_EQ(CFG_NUM_VMS, 1);
    CHECK_EQ(cfg_vms[0].num_images, 3);
    CHECK_EQ(cfg_vms[0].images[1].load_ipa, R_RO_IPA);
    CHECK_EQ(cfg_vms[0].images[1].size, R_INITRD_SIZE);
    CHECK_EQ(cfg_vms[0].regions[1].ipa, R_RO_IPA);
    CHECK_EQ(cfg_vms[0].regions[1].flags, CFG_MEM_RAM | CFG_MEM_RO);
}

/* check_setup() ran vm_init_all(): it must not have panicked. */
/* REQ-BOOT-04 */
static void t_boot_loads_image_into_read_only_region(void)
{
    CHECK_EQ(vms[0].state, VM_STOPPED);
    CHECK(vms[0].cfg != NULL);
    CHECK(all_bytes(guest_mem(0, 0x40000000ull), 'C', R_KERNEL_SIZE));
    CHECK(all_bytes(guest_mem(0, R_RO_IPA), 'B', R_INITRD_SIZE));
    /* ... and the guest still cannot write there */
    CHECK(vm_guest_ptr(&vms[0], R_RO_IPA, 1, true) == NULL);
    CHECK(vm_guest_ptr(&vms[0], R_RO_IPA, 1, false) != NULL);
}

/* REQ-BOOT-04 REQ-FAULT-02 */
static void t_restart_reloads_image_into_read_only_region(void)
{
    uint8_t *ro = guest_mem(0, R_RO_IPA);

    if (vms[0].cfg == NULL) {
        CHECK(!"VM r was not built (see setup)");
        return;
    }
    start_vms();
    CHECK(step_until_loaded(0, 0, 1));
    ro[0] = 0; /* e.g. a DMA-capable passthrough device, or the previous run */
    fake_script_smccc(0, 0x84000009u, 0, 0, 0); /* SYSTEM_RESET */
    (void)step(0);
    CHECK_EQ(step(0), 0);
    CHECK_EQ(fake.cpu_halt_calls, 0);
    CHECK_EQ(vms[0].boot_count, 2);
    CHECK(all_bytes(ro, 'B', R_INITRD_SIZE));
    (void)take_cpu_halt();
    support_skip_invariants = (vms[0].boot_count != 2);
}

static const struct test_case cases[] = {
    TEST(config_layout),
    TEST(boot_loads_image_into_read_only_region),
    TEST(restart_reloads_image_into_read_only_region),
};

int main(void)
{
    return check_run("test_vm_ro_image", cases, ARRAY_SIZE(cases));
}
