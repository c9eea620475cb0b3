/* The emulated GICv3 of each VM: internal interface between vgic.c (the
 * interrupt state machine and list registers), vgic_mmio.c (distributor and
 * redistributor registers) and the rest of the aarch64 code. */
#ifndef ARCH_VGIC_H
#define ARCH_VGIC_H

#include "types.h"

struct vcpu;
struct vm;
struct vgic_irq;

#define VGIC_PRIO_DEFAULT 0xa0u

/* Under the VM's vGIC lock. */
struct vgic_irq *vgic_irq_of(struct vcpu *v, uint32_t intid);
/* Re-evaluate whether `intid` is deliverable and to which VCPU; wakes and
 * kicks that VCPU if it became deliverable. Takes and drops nothing. */
struct vcpu *vgic_update(struct vm *vm, struct vcpu *v, uint32_t intid);
void vgic_kick(struct vcpu *t);
void vgic_lock(struct vm *vm);
void vgic_unlock(struct vm *vm);
/* Take a physical interrupt routed to this VM's SPI into account: keep the
 * physical line's enable and routing in step with the virtual ones. */
void vgic_spi_hw_sync(struct vm *vm, uint32_t intid);

/* Deactivate the physical twin of linked interrupt `intid` of `v`: an SPI
 * at once, a private one by `v`'s own CPU at its next entry. */
void vgic_hw_release(struct vcpu *v, uint32_t intid);

/* Whole-VM and per-VCPU reset to the architectural reset state. */
void vgic_vm_reset(struct vm *vm);
void vgic_vcpu_reset(struct vcpu *v);
/* Rebuild every pending bitmap of the VM (after GICD_CTLR changes). */
void vgic_reevaluate(struct vm *vm);

/* The loaded VCPU: fill free list registers before entry; learn which
 * ones the guest finished after exit; everything out of the LRs on unload. */
void vgic_flush(struct vcpu *v);
void vgic_sync(struct vcpu *v);
void vgic_unload(struct vcpu *v);
bool vgic_has_pending(const struct vcpu *v);

/* Trapped ICC_SGI1R_EL1 / ICC_SGI0R_EL1 write from `v`. */
void vgic_send_sgi(struct vcpu *v, uint64_t value);

/* The fast path's shortcut (arch/vgic_fast.h) under the vGIC lock, for
 * VMs with several VCPUs. */
bool vgic_fast_inject_locked(struct vcpu *v, uint32_t intid, bool linked);

/* List register access (vgic_lr.c). */
uint64_t lr_read(uint32_t n);
void lr_write(uint32_t n, uint64_t value);

/* MMIO windows (vgic_mmio.c). */
extern const struct vdev_ops vgic_dist_ops;
extern const struct vdev_ops vgic_redist_ops;

#endif
