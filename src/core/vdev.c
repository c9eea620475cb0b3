/* Dispatch of a trapped data abort to the VM's emulated device windows.
 * Runs on every MMIO exit: a scan of at most VDEV_MAX_PER_VM windows. */
#include "vdev.h"
#include "vcpu.h"
#include "vm.h"

bool vdev_dispatch(struct vcpu *v)
{
    struct vcpu_exit *e = &v->exit;
    struct vm *vm = v->vm;
    uint32_t i;

    for (i = 0u; i < vm->num_vdevs; i++) {
        const struct vdev *d = &vm->vdevs[i];
        uint64_t off = e->addr - d->base;

        if ((e->addr < d->base) || (off >= d->size)) {
            continue;
        }
        if (e->width == 0u) {
            /* Inside a device, but the hardware gave no syndrome
             * (writeback, pair, exclusive): cannot be emulated. */
            e->cause = FAULT_MMIO_DECODE;
            return false;
        }
        if ((off + e->width) > d->size) {
            e->cause = FAULT_MMIO_DECODE;
            return false;
        }
        if (e->is_write != 0u) {
            if (!d->ops->write(v, d->dev, off, e->width, e->value)) {
                e->cause = FAULT_MMIO_DECODE;
                return false;
            }
        } else {
            e->value = 0u;
            if (!d->ops->read(v, d->dev, off, e->width, &e->value)) {
                e->cause = FAULT_MMIO_DECODE;
                return false;
            }
        }
        return true;
    }
    e->cause = FAULT_STAGE2_DATA;
    return false;
}

void vm_add_vdev(struct vm *vm, uint64_t base, uint64_t size, const struct vdev_ops *ops, void *dev)
{
    struct vdev *d;

    if (vm->num_vdevs >= VDEV_MAX_PER_VM) {
        return; /* sized for the GIC windows and the UART: cannot happen */
    }
    d = &vm->vdevs[vm->num_vdevs];
    d->base = base;
    d->size = size;
    d->ops = ops;
    d->dev = dev;
    vm->num_vdevs++;
}
