/* Emulated MMIO devices: each VM has a small fixed table of device windows
 * (its vGIC distributor and redistributors, its PL011), set up at boot.
 * A stage-2 data abort inside a window becomes a call to the device's
 * read or write handler; an access outside every window is a fault. */
#ifndef VDEV_H
#define VDEV_H

#include "types.h"

struct vcpu;

struct vdev_ops {
    /* Return false for an access the device rejects (bad width or
     * alignment); the VM then gets the fault policy. Reads fill *value. */
    bool (*read)(struct vcpu *v, void *dev, uint64_t offset, uint32_t width, uint64_t *value);
    bool (*write)(struct vcpu *v, void *dev, uint64_t offset, uint32_t width, uint64_t value);
    /* Optional (NULL: none), called by the arch's fast exit path before the
     * full one: answer the access completely and return true, or change
     * nothing and return false to have it go through read/write. For the
     * accesses a device sees by the thousand (a console's flag register
     * and data register, constant ID registers). It runs with the VCPU's
     * state not fully saved: it may take the device's lock and, to print,
     * the VM's and the console's, nothing else (no logging, no vGIC
     * calls, no waiting for other CPUs).
     * Loads fill *value; stores pass it (the whole register, as to
     * write). Offsets and widths are not checked beforehand, except that
     * the access lies inside the window. */
    bool (*fast)(void *dev, uint64_t offset, uint32_t width, bool is_write, uint64_t *value);
};

/* The windows come from the generator (cfg_vm.vdevs, in that order); the
 * device code binds its handlers to them by kind at boot. */
struct vdev {
    uint64_t base;  /* guest-physical */
    uint64_t size;
    uint32_t kind;  /* CFG_VDEV_* */
    const struct vdev_ops *ops; /* NULL until bound: accesses fault */
    void *dev;      /* the device's state, statically allocated */
};

#define VDEV_MAX_PER_VM 3u /* distributor, redistributors, UART */

/* Dispatch the EXIT_MMIO in v->exit. Returns false if no window holds the
 * address or the device rejected the access. */
bool vdev_dispatch(struct vcpu *v);

#endif
