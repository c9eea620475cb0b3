/* src/core/main.c: the boot sequence (DTB check, VMs, secondary CPUs, the
 * scheduling loop), run until the fake arch_cpu_idle() escapes. */
#include "support.h"
#include "host_cfg.h"
#include "arch_cpu.h"

#ifndef HOST_DTB_DIR
#error "HOST_DTB_DIR: directory of the compiled tests/host/dts files"
#endif

#define BOOT_DTB_PA 0x48000000ull /* where QEMU puts it: RAM + 128 MiB */

static uint64_t dtb[64 * 1024 / 8];

static void map_dtb(const char *name)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.dtb", HOST_DTB_DIR, name);
    memset(dtb, 0, sizeof(dtb));
    f = fopen(path, "rb");
    if (f == NULL) {
        check_fail(__FILE__, __LINE__, "cannot open %s", path);
        return;
    }
    (void)fread(dtb, 1, sizeof(dtb), f);
    fclose(f);
    fake.extra_pa = BOOT_DTB_PA;
    fake.extra_ptr = dtb;
    fake.extra_size = sizeof(dtb);
}

static void boot_fn(void *arg)
{
    (void)arg;
    core_boot_main(BOOT_DTB_PA);
}

static void secondary_fn(void *arg)
{
    (void)arg;
    core_secondary_main();
}

/* The state core_boot_main() starts from: nothing built yet. */
static void fresh(void)
{
    reset_core();
    fake.vm_inits = 0u;
    fake.cpu = 0u;
}

/* REQ-BOOT-01 REQ-BOOT-02 REQ-BOOT-03 */
static void t_boot_good_dtb(void)
{
    fresh();
    map_dtb("good");
    fake_script_exit(A0, EXIT_HALT);
    fake_script_exit(B0, EXIT_HALT);
    fake.idle_escape_after = 1u;
    CHECK_EQ(fake_call_noreturn(boot_fn, NULL), 1);
    CHECK_EQ(fake.cpu_halt_calls, 0);
    CHECK_EQ(fake.console_inits, 1);
    CHECK_CONTAINS(fake.console, "[hv] hypervisor 0.1 at EL2: platform qemu-aarch64, config host_test\r\n");
    CHECK_CONTAINS(fake.console, "[hv] vm a: 2 VCPU(s) on CPU 0,1, 4 MiB at 0x50000000\r\n");
    CHECK_CONTAINS(fake.console, "[hv] vm c: 1 VCPU(s) on CPU 2, 4 MiB at 0x51000000\r\n");
    CHECK_EQ(fake.vm_inits, 3);
    /* secondaries with VCPUs are started, CPU 3 (none) is left off */
    CHECK_EQ(fake.cpus[1].starts, 1);
    CHECK_EQ(fake.cpus[1].start_mpidr, 1);
    CHECK_EQ(fake.cpus[2].starts, 1);
    CHECK_EQ(fake.cpus[2].start_mpidr, 2);
    CHECK_EQ(fake.cpus[3].starts, 0);
    CHECK_EQ(fake.cpus[0].starts, 0);
    /* VMs started before the loop: then CPU 0 ran a.0 and b.0 and idled */
    CHECK_EQ(vms[VM_A].boot_count, 1);
    CHECK_EQ(vms[VM_C].boot_count, 1);
    CHECK_EQ(pcpus[3].id, 3);
    CHECK_CONTAINS(fake.trace, "start(1) start(2) kick(2) reset(a0) load(a0) run(a0) unload(a0) reset(b0) "
                               "load(b0) run(b0) idle(0) ");
    CHECK_EQ(vc(A0)->state, VCPU_HALTED);
    CHECK_EQ(vc(B0)->state, VCPU_HALTED);
    CHECK(vc(A0)->arch.regs.elr == A_ENTRY);
}

/* REQ-BOOT-02 */
static void t_boot_bad_dtb_panics(void)
{
    fresh();
    map_dtb("cpus3");
    CHECK_EQ(fake_call_noreturn(boot_fn, NULL), 1);
    CHECK_EQ(take_cpu_halt(), 1);
    CHECK_CONTAINS(fake.console, "3 CPUs, but platform qemu-aarch64 has 4");
    CHECK_CONTAINS(fake.console, "[hv PANIC] the boot DTB does not match platform qemu-aarch64 (1 problem(s) "
                                 "above): no VM started\r\n");
    CHECK_EQ(fake.vm_inits, 0);
    CHECK_EQ(fake.cpus[1].starts, 0);
    CHECK_EQ(vms[VM_A].boot_count, 0);
    CHECK_NOT_CONTAINS(fake.trace, "run(");
}

/* REQ-BOOT-03 */
static void t_boot_cpu_start_failure_panics(void)
{
    fresh();
    map_dtb("good");
    fake.cpu_start_result = -4;
    CHECK_EQ(fake_call_noreturn(boot_fn, NULL), 1);
    CHECK_EQ(take_cpu_halt(), 1);
    CHECK_CONTAINS(fake.console, "[hv PANIC] cannot start physical CPU 1 (MPIDR 0x1): PSCI error -4\r\n");
    CHECK_EQ(fake.cpus[2].starts, 0);
    CHECK_EQ(vms[VM_A].boot_count, 0); /* no VM started */
}

/* REQ-BOOT-03 */
static void t_secondary_enters_its_loop(void)
{
    fresh();
    vm_init_all();
    start_vms();
    fake.cpu = 2u;
    fake_script_exit(C0, EXIT_HALT);
    fake.idle_escape_after = 1u;
    CHECK_EQ(fake_call_noreturn(secondary_fn, NULL), 1);
    CHECK_STR(fake.trace, "reset(c0) load(c0) run(c0) idle(2) ");
    CHECK_EQ(fake.cpus[0].idles, 0);
}

static const struct test_case cases[] = {
    TEST(boot_good_dtb),
    TEST(boot_bad_dtb_panics),
    TEST(boot_cpu_start_failure_panics),
    TEST(secondary_enters_its_loop),
};

int main(void)
{
    return check_run("test_main", cases, ARRAY_SIZE(cases));
}
