/* src/core/vdev.c and vm_vdev_at (vm.h): the emulated MMIO windows of a VM,
 * found through the generator's per-VM page map, and the dispatch of a
 * trapped access to them. The host configuration's VMs have the vGIC
 * windows only (console = "hypercall"); the fake arch binds nothing, so
 * each test binds recording handlers itself. */
#include "support.h"
#include "host_cfg.h"
#include "vdev.h"
#include "vm.h"

static uint32_t reads, writes;
static uint64_t last_off, last_value;
static uint32_t last_width;
static bool accept;

static bool rec_read(struct vcpu *v, void *dev, uint64_t off, uint32_t width, uint64_t *value)
{
    (void)v;
    (void)dev;
    reads++;
    last_off = off;
    last_width = width;
    *value = 0x1234u;
    return accept;
}

static bool rec_write(struct vcpu *v, void *dev, uint64_t off, uint32_t width, uint64_t value)
{
    (void)v;
    (void)dev;
    writes++;
    last_off = off;
    last_width = width;
    last_value = value;
    return accept;
}

static const struct vdev_ops rec_ops = { rec_read, rec_write, NULL };

static struct vm *setup(void)
{
    struct vm *vm = &vms[VM_A]; /* set up afresh by check_setup for each case */

    reads = writes = 0u;
    accept = true;
    vm_bind_vdev(vm, CFG_VDEV_GICD, &rec_ops, vm);
    vm_bind_vdev(vm, CFG_VDEV_GICR, &rec_ops, vm);
    return vm;
}

static const struct vdev *at(const struct vm *vm, uint64_t addr)
{
    return vm_vdev_at(vm, addr);
}

/* REQ-ISO-05 */
static void t_map_finds_each_window(void)
{
    struct vm *vm = setup();
    uint64_t gicr_end = cfg_platform.gicr_base + (cfg_platform.gicr_stride * vm->cfg->num_vcpus);

    CHECK(vm->cfg->num_vdevs == 2u);
    CHECK(at(vm, cfg_platform.gicd_base) != NULL);
    CHECK_EQ(at(vm, cfg_platform.gicd_base)->kind, CFG_VDEV_GICD);
    CHECK_EQ(at(vm, cfg_platform.gicd_base + cfg_platform.gicd_size - 1u)->kind, CFG_VDEV_GICD);
    CHECK(at(vm, cfg_platform.gicd_base + cfg_platform.gicd_size) == NULL); /* the gap after it */
    CHECK_EQ(at(vm, cfg_platform.gicr_base)->kind, CFG_VDEV_GICR);
    CHECK_EQ(at(vm, gicr_end - 4u)->kind, CFG_VDEV_GICR);
    /* Another VCPU's frame of a bigger VM is not this VM's. */
    CHECK(at(vm, gicr_end) == NULL);
    CHECK(at(vm, cfg_platform.gicd_base - 1u) == NULL);           /* below the map */
    CHECK(at(vm, 0u) == NULL);
    CHECK(at(vm, UINT64_MAX) == NULL);                             /* far above it */
    CHECK(at(vm, cfg_platform.uart_base) == NULL);                 /* no emulated UART */
}

/* REQ-ISO-05 */
static void t_unbound_window_is_nothing(void)
{
    /* Nothing bound: the fake arch binds no vGIC. */
    CHECK(at(&vms[VM_A], cfg_platform.gicd_base) == NULL);
}

static struct vcpu_exit *mmio(struct vcpu *v, uint64_t addr, uint32_t width, bool write, uint64_t value)
{
    struct vcpu_exit *e = &v->exit;

    e->kind = EXIT_MMIO;
    e->addr = addr;
    e->width = (uint8_t)width;
    e->is_write = write ? 1u : 0u;
    e->value = value;
    e->cause = 0u;
    return e;
}

/* REQ-ISO-05 */
static void t_dispatch(void)
{
    struct vm *vm = setup();
    struct vcpu *v = &vm->vcpus[0];
    struct vcpu_exit *e;

    e = mmio(v, cfg_platform.gicd_base + 0x104u, 4u, false, 0u);
    CHECK(vdev_dispatch(v));
    CHECK_EQ(reads, 1u);
    CHECK_EQ(last_off, 0x104u);
    CHECK_EQ(last_width, 4u);
    CHECK_EQ(e->value, 0x1234u);
    e = mmio(v, cfg_platform.gicr_base + cfg_platform.gicr_stride + 8u, 8u, true, 0xabcu);
    CHECK(vdev_dispatch(v));
    CHECK_EQ(writes, 1u);
    CHECK_EQ(last_off, cfg_platform.gicr_stride + 8u); /* offset within the whole window */
    CHECK_EQ(last_value, 0xabcu);
    /* No syndrome, straddling the end, rejected by the device, outside. */
    e = mmio(v, cfg_platform.gicd_base, 0u, false, 0u);
    CHECK(!vdev_dispatch(v));
    CHECK_EQ(e->cause, FAULT_MMIO_DECODE);
    e = mmio(v, cfg_platform.gicd_base + cfg_platform.gicd_size - 2u, 4u, false, 0u);
    CHECK(!vdev_dispatch(v));
    CHECK_EQ(e->cause, FAULT_MMIO_DECODE);
    accept = false;
    e = mmio(v, cfg_platform.gicd_base, 4u, false, 0u);
    CHECK(!vdev_dispatch(v));
    CHECK_EQ(e->cause, FAULT_MMIO_DECODE);
    e = mmio(v, cfg_platform.gicd_base, 4u, true, 1u);
    CHECK(!vdev_dispatch(v));
    CHECK_EQ(e->cause, FAULT_MMIO_DECODE);
    e = mmio(v, cfg_platform.uart_base, 4u, false, 0u);
    CHECK(!vdev_dispatch(v));
    CHECK_EQ(e->cause, FAULT_STAGE2_DATA);
    CHECK_EQ(reads, 2u);
    CHECK_EQ(writes, 2u);
}

static const struct test_case cases[] = {
    TEST(map_finds_each_window),
    TEST(unbound_window_is_nothing),
    TEST(dispatch),
};

int main(void)
{
    return check_run("test_vdev", cases, ARRAY_SIZE(cases));
}
