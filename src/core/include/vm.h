/* VMs: their state, start, stop and restart. */
#ifndef VM_H
#define VM_H

#include "types.h"
#include "cfg_types.h"
#include "cfg_sizes.h"
#include "arch_lock.h"
#include "wait_queue.h"
#include "console.h"
#include "vdev.h"
#include "vpl011.h"
#include "arch/vcpu_types.h"

enum vm_state {
    VM_RUNNING = 0,
    VM_STOPPING,  /* its VCPUs are leaving; the last one out finishes */
    VM_STOPPED,
};

struct vm {
    const struct cfg_vm *cfg;
    struct vcpu *vcpus;       /* cfg->num_vcpus entries of the global array */
    struct spinlock lock;     /* VM and VCPU state, the wait queue */
    struct wait_queue wq;     /* VCPUs that are OFF or HALTED */
    volatile uint32_t state;  /* enum vm_state */
    uint32_t live_vcpus;      /* VCPUs not yet STOPPED while stopping */
    bool restart_requested;
    uint32_t boot_count;      /* starts so far, 1 after the first boot */
    uint32_t fault_restarts;  /* restarts caused by faults, for restart_limit */
    uint16_t index;
    struct arch_vm arch;      /* stage-2 root, VMID */
    struct console_line console;
    struct vdev vdevs[VDEV_MAX_PER_VM]; /* emulated MMIO windows, as cfg->vdevs */
    struct vpl011 uart;       /* when cfg->console is CFG_CONSOLE_EMULATED */
};

extern struct vm vms[];

/* Boot CPU, before the secondaries run: build every VM, load images. */
void vm_init_all(void);
/* Boot CPU: make every VM's VCPU 0 runnable. */
void vm_start_all(void);

/* Translate a guest range to a hypervisor pointer if it lies inside one
 * RAM region of the VM (writable if `write`); NULL otherwise. */
void *vm_guest_ptr(const struct vm *vm, uint64_t ipa, uint64_t len, bool write);
bool vm_ipa_in_ram(const struct vm *vm, uint64_t ipa);

/* Begin stopping the VM (restart: start it again once stopped). */
void vm_request_stop(struct vm *vm, bool restart);
/* A guest-caused fault on `v`: one log line, then the VM's fault policy. */
void vm_fault(struct vcpu *v);

/* Bind the handlers of the VM's emulated window of kind CFG_VDEV_* (boot only). */
void vm_bind_vdev(struct vm *vm, uint32_t kind, const struct vdev_ops *ops, void *dev);

/* The emulated window holding guest-physical `addr`, or NULL. The
 * generator's page map names the windows in its page (almost always one),
 * so the cost does not grow with the number of devices. Inline: the fast
 * exit path uses it too. */
static inline const struct vdev *vm_vdev_at(const struct vm *vm, uint64_t addr)
{
    const struct cfg_vm *c = vm->cfg;
    /* Below the map's base the difference wraps: beyond its end too. */
    uint64_t page = (addr - c->vdev_map_base) >> c->vdev_map_shift;
    uint32_t in_page = (page < c->vdev_map_pages) ? c->vdev_map[page] : 0u;

    while (in_page != 0u) {
        const struct vdev *d = &vm->vdevs[__builtin_ctz(in_page)];
        if ((addr - d->base) < d->size) {
            return (d->ops != NULL) ? d : NULL;
        }
        in_page &= in_page - 1u;
    }
    return NULL;
}

/* Scheduler hook: `v` belongs to a stopping VM; retire it (last out finishes). */
void vm_retire_vcpu(struct vcpu *v);

/* Idle CPUs: show partial console lines nobody added to for a while. */
void vm_console_flush_stale(void);

/* Number of VMs not yet stopped for good. */
uint32_t vm_running_count(void);

#endif
