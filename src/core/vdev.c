/* Dispatch of a trapped data abort to the VM's emulated device windows,
 * found through the generator's per-VM page map. Runs on every MMIO exit. */
#include "vdev.h"
#include "vcpu.h"
#include "vm.h"

bool vdev_dispatch(struct vcpu *v)
{
    struct vcpu_exit *e = &v->exit;
    const struct vdev *d = vm_vdev_at(v->vm, e->addr);

    if (d != NULL) {
        uint64_t off = e->addr - d->base;

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

void vm_bind_vdev(struct vm *vm, uint32_t kind, const struct vdev_ops *ops, void *dev)
{
    uint32_t i;

    for (i = 0u; (i < vm->cfg->num_vdevs) && (i < VDEV_MAX_PER_VM); i++) {
        if (vm->cfg->vdevs[i].kind == kind) {
            vm->vdevs[i].base = vm->cfg->vdevs[i].base;
            vm->vdevs[i].size = vm->cfg->vdevs[i].size;
            vm->vdevs[i].kind = kind;
            vm->vdevs[i].ops = ops;
            vm->vdevs[i].dev = dev;
        }
    }
}
