/* src/core/boot_fdt.c: the boot DTB against platform qemu-aarch64 and the
 * VM regions of host_test.toml. The DTBs are the tests/host/dts files,
 * compiled by run.sh into HOST_DTB_DIR. */
#include <stdlib.h>
#include "support.h"
#include "boot_fdt.h"

#ifndef HOST_DTB_DIR
#error "HOST_DTB_DIR: directory of the compiled tests/host/dts files"
#endif

static uint64_t dtb_buf[64 * 1024 / 8]; /* 8-byte aligned, as a boot DTB is */

static const void *load(const char *name)
{
    char path[512];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s.dtb", HOST_DTB_DIR, name);
    memset(dtb_buf, 0, sizeof(dtb_buf));
    f = fopen(path, "rb");
    if (f == NULL) {
        check_fail(__FILE__, __LINE__, "cannot open %s", path);
        return dtb_buf;
    }
    n = fread(dtb_buf, 1, sizeof(dtb_buf), f);
    fclose(f);
    if ((n == 0u) || (n == sizeof(dtb_buf))) {
        check_fail(__FILE__, __LINE__, "%s: empty or too big", path);
    }
    return dtb_buf;
}

static uint32_t check_file(const char *name)
{
    const void *fdt = load(name);

    fake_console_clear();
    return boot_fdt_check(fdt);
}

/* Each problem is one "[hv] boot DTB..." log line. */
static uint32_t logged_problems(void)
{
    return count_in(fake.console, "[hv] boot DTB");
}

/* REQ-BOOT-02 */
static void t_good(void)
{
    CHECK_EQ(check_file("good"), 0);
    CHECK_EQ(fake.console_len, 0);
    CHECK_EQ(check_file("good_two_banks"), 0);
    CHECK_EQ(check_file("good_cpu_reg64"), 0);
    CHECK_STR(fake.console, "");
}

/* REQ-BOOT-02 */
static void t_wrong_cpu_count(void)
{
    CHECK_EQ(check_file("cpus3"), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: 3 CPUs, but platform qemu-aarch64 has 4 (start QEMU with "
                                 "-smp 4)\r\n");
    CHECK_EQ(logged_problems(), 1);
    CHECK_EQ(check_file("cpus5"), 2); /* the count, and the unknown MPIDR 4 */
    CHECK_CONTAINS(fake.console, "5 CPUs, but platform qemu-aarch64 has 4");
    CHECK_CONTAINS(fake.console, "CPU with MPIDR 0x4 is not in platform qemu-aarch64");
    CHECK_EQ(check_file("no_cpus"), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: no /cpus node\r\n");
}

/* REQ-BOOT-02 */
static void t_unknown_mpidr(void)
{
    CHECK_EQ(check_file("unknown_mpidr"), 2);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: CPU with MPIDR 0x100 is not in platform qemu-aarch64\r\n");
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: platform CPU 3 (MPIDR 0x3) is missing\r\n");
    CHECK_EQ(logged_problems(), 2);
}

/* REQ-BOOT-02 */
static void t_ram_too_small(void)
{
    uint32_t expected = 0u;
    uint32_t v;
    uint32_t r;

    /* 256 MiB at 0x40000000: the hypervisor fits, no VM RAM region does */
    for (v = 0u; v < CFG_NUM_VMS; v++) {
        for (r = 0u; r < cfg_vms[v].num_regions; r++) {
            if ((cfg_vms[v].regions[r].flags & CFG_MEM_RAM) != 0u) {
                expected++;
            }
        }
    }
    CHECK_EQ(expected, 6);
    CHECK_EQ(check_file("ram_small"), expected);
    CHECK_EQ(logged_problems(), expected);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: RAM does not cover vm a region 0x50000000-0x503fffff (start "
                                 "QEMU with more memory, e.g. -m 1024)\r\n");
    CHECK_CONTAINS(fake.console, "vm c region 0x51000000-0x513fffff");
    CHECK_NOT_CONTAINS(fake.console, "hypervisor");
}

/* REQ-BOOT-02 */
static void t_ram_misses_hypervisor(void)
{
    CHECK_EQ(check_file("ram_no_hyp"), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: RAM does not cover the hypervisor's 0x40000000-0x4fffffff\r\n");
    CHECK_EQ(check_file("no_memory"), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: no memory node\r\n");
}

/* REQ-BOOT-02 */
static void t_gic_wrong(void)
{
    CHECK_EQ(check_file("gicd_wrong"), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: GICv3 distributor at 0x8010000, platform qemu-aarch64 "
                                 "expects 0x8000000\r\n");
    CHECK_EQ(check_file("gicr_wrong"), 1);
    CHECK_CONTAINS(fake.console, "GICv3 redistributors at 0x8100000, platform qemu-aarch64 expects 0x80a0000");
    CHECK_EQ(check_file("gicr_missing"), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: GICv3 redistributors has no usable reg\r\n");
    CHECK_EQ(check_file("no_gic"), 2); /* neither the distributor nor the redistributors */
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: no GICv3 distributor (compatible \"arm,gic-v3\")\r\n");
}

/* REQ-BOOT-02 */
static void t_uart(void)
{
    CHECK_EQ(check_file("no_uart"), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: no PL011 UART (compatible \"arm,pl011\")\r\n");
    CHECK_EQ(check_file("uart_wrong"), 1);
    CHECK_CONTAINS(fake.console, "PL011 UART at 0x9001000, platform qemu-aarch64 expects 0x9000000");
}

/* REQ-BOOT-02 */
static void t_nested_nodes(void)
{
    /* The bus's 32-bit cells read RAM and UART right; the first PL011 in
     * tree order is the one checked. */
    CHECK_EQ(check_file("good_nested"), 0);
    CHECK_EQ(logged_problems(), 0);
    CHECK_EQ(check_file("too_deep"), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB: nodes nested deeper than 16 levels\r\n");
}

/* REQ-BOOT-02 */
static void t_not_a_dtb(void)
{
    static const uint64_t zeros[16];
    static const char text[64] = "this is not a flattened device tree, just some text.....";
    uint32_t *words;

    fake_console_clear();
    CHECK_EQ(boot_fdt_check(zeros), 1);
    CHECK_CONTAINS(fake.console, "[hv] boot DTB is not a device tree: ");
    CHECK_EQ(boot_fdt_check(text), 1);
    /* the right magic, a broken header */
    (void)load("good");
    words = (uint32_t *)dtb_buf;
    words[5] = 0x11000000u; /* version 17 -> 0x11 in the wrong byte order */
    words[6] = 0xffffffffu;
    fake_console_clear();
    CHECK_EQ(boot_fdt_check(dtb_buf), 1);
    CHECK_EQ(count_in(fake.console, "is not a device tree"), 1);
}

static const struct test_case cases[] = {
    TEST(good),
    TEST(wrong_cpu_count),
    TEST(unknown_mpidr),
    TEST(ram_too_small),
    TEST(ram_misses_hypervisor),
    TEST(gic_wrong),
    TEST(uart),
    TEST(nested_nodes),
    TEST(not_a_dtb),
};

int main(void)
{
    return check_run("test_boot_fdt", cases, ARRAY_SIZE(cases));
}
