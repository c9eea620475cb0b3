/* Register emulation of each VM's GICv3 distributor and redistributors,
 * one table row per register range (after KVM's vgic-mmio tables). Only
 * affinity routing (ARE = 1), one security state (DS = 1) and group 1 are
 * offered. SPIs not owned by the VM read as zero and ignore writes, so a
 * VM can neither observe nor enable, route or pend them. A register not in
 * a table reads as zero, ignores writes and is logged once. */
#include "arch/aarch64.h"
#include "arch/vgic.h"
#include "arch/vgic_fast.h"
#include "cfg_types.h"
#include "log.h"
#include "vcpu.h"
#include "vdev.h"
#include "vm.h"

#define GICD_CTLR_ARE  (1u << 4)
#define GICD_CTLR_DS   (1u << 6)
#define SGI_FRAME      0x10000u
#define IROUTER_IRM    (1ULL << 31)

enum field {
    F_GROUP, F_SET_ENABLE, F_CLEAR_ENABLE, F_SET_PENDING, F_CLEAR_PENDING,
    F_SET_ACTIVE, F_CLEAR_ACTIVE, F_PRIORITY, F_CONFIG, F_RAZ,
};

/* One per-interrupt register range: `bits` per interrupt, starting at
 * INTID 0 at `offset`. */
struct irq_row {
    uint16_t offset;
    uint16_t size;
    uint8_t bits;
    uint8_t field;  /* enum field */
};

/* Distributor and redistributor SGI-frame per-interrupt registers share
 * their layout; the distributor covers SPIs, the redistributor INTIDs 0-31. */
static const struct irq_row irq_rows[] = {
    { 0x0080u, 0x80u, 1u, F_GROUP },         /* IGROUPR */
    { 0x0100u, 0x80u, 1u, F_SET_ENABLE },    /* ISENABLER */
    { 0x0180u, 0x80u, 1u, F_CLEAR_ENABLE },  /* ICENABLER */
    { 0x0200u, 0x80u, 1u, F_SET_PENDING },   /* ISPENDR */
    { 0x0280u, 0x80u, 1u, F_CLEAR_PENDING }, /* ICPENDR */
    { 0x0300u, 0x80u, 1u, F_SET_ACTIVE },    /* ISACTIVER */
    { 0x0380u, 0x80u, 1u, F_CLEAR_ACTIVE },  /* ICACTIVER */
    { 0x0400u, 0x400u, 8u, F_PRIORITY },     /* IPRIORITYR */
    { 0x0c00u, 0x100u, 2u, F_CONFIG },       /* ICFGR */
    { 0x0d00u, 0x80u, 1u, F_RAZ },           /* IGRPMODR */
    { 0x0e00u, 0x100u, 2u, F_RAZ },          /* NSACR */
};

struct access {
    struct vm *vm;
    struct vcpu *owner;    /* VCPU whose private interrupts a GICR access names */
    bool private_frame;    /* redistributor: INTIDs 0-31 only */
    bool kick[CFG_MAX_VCPUS_PER_VM];
};

static uint32_t logged_dist[0x10000u / 4u / 32u];
static uint32_t logged_redist[0x20000u / 4u / 32u];

static void log_unhandled(uint32_t *bitmap, const char *what, uint64_t offset)
{
    uint32_t word = (uint32_t)(offset / 4u);

    if ((bitmap[word / 32u] & (1u << (word % 32u))) == 0u) {
        bitmap[word / 32u] |= 1u << (word % 32u);
        log_line("vgic: %s register at offset 0x%lx not emulated: reads as zero (logged once)",
                 what, offset);
    }
}

/* The interrupt a per-interrupt register access names, or NULL when it is
 * not the VM's to see. */
static struct vgic_irq *access_irq(struct access *a, uint32_t intid)
{
    struct vgic_irq *irq;

    if (a->private_frame != (intid < VGIC_NR_PRIV)) {
        return NULL;
    }
    irq = vgic_irq_of(a->owner, intid);
    if ((irq != NULL) && (intid >= VGIC_NR_PRIV) && ((irq->flags & VIRQ_OWNED) == 0u)) {
        return NULL;
    }
    return irq;
}

static uint32_t field_read(const struct vgic_irq *irq, uint32_t field, uint32_t intid)
{
    switch (field) {
    case F_GROUP:
        return 1u;
    case F_SET_ENABLE:
    case F_CLEAR_ENABLE:
        return ((irq->flags & VIRQ_ENABLED) != 0u) ? 1u : 0u;
    case F_SET_PENDING:
    case F_CLEAR_PENDING:
        return ((irq->flags & (VIRQ_PENDING | VIRQ_LINE | VIRQ_IN_LR)) != 0u) ? 1u : 0u;
    case F_SET_ACTIVE:
    case F_CLEAR_ACTIVE:
        return ((irq->flags & VIRQ_ACTIVE) != 0u) ? 1u : 0u;
    case F_PRIORITY:
        return irq->priority;
    case F_CONFIG:
        return ((intid < 16u) || ((irq->flags & VIRQ_EDGE) != 0u)) ? 2u : 0u;
    case F_RAZ:
    default:
        return 0u;
    }
}

static void field_write(struct access *a, struct vgic_irq *irq, uint32_t field, uint32_t intid,
                        uint32_t val)
{
    struct vcpu *t;

    switch (field) {
    case F_SET_ENABLE:
        if (val != 0u) {
            irq->flags |= VIRQ_ENABLED;
        }
        break;
    case F_CLEAR_ENABLE:
        if (val != 0u) {
            irq->flags &= (uint8_t)~VIRQ_ENABLED;
        }
        break;
    case F_SET_PENDING:
        if (val != 0u) {
            irq->flags |= VIRQ_PENDING;
        }
        break;
    case F_CLEAR_PENDING:
        if (val != 0u) {
            irq->flags &= (uint8_t)~VIRQ_PENDING;
            if ((irq->flags & (VIRQ_HW | VIRQ_IN_LR)) == VIRQ_HW) {
                /* A linked interrupt that will now never reach a list
                 * register: its physical twin, acknowledged and left
                 * active for the guest's EOI, must be released. */
                irq->flags &= (uint8_t)~VIRQ_HW;
                vgic_hw_release(a->owner, intid);
            }
        }
        break;
    case F_SET_ACTIVE:
        /* Not needed by guests we know; activating from software is not
         * offered. */
        break;
    case F_CLEAR_ACTIVE:
        if (val != 0u) {
            irq->flags &= (uint8_t)~VIRQ_ACTIVE;
        }
        break;
    case F_PRIORITY:
        irq->priority = (uint8_t)val;
        break;
    case F_CONFIG:
        if (intid >= 16u) {
            irq->flags = (uint8_t)(((val & 2u) != 0u) ? (irq->flags | VIRQ_EDGE)
                                                      : (irq->flags & ~VIRQ_EDGE));
        }
        break;
    case F_GROUP:
    case F_RAZ:
    default:
        return;
    }
    if ((intid >= VGIC_NR_PRIV) && ((field == F_SET_ENABLE) || (field == F_CLEAR_ENABLE))) {
        vgic_spi_hw_sync(a->vm, intid);
    }
    t = vgic_update(a->vm, a->owner, intid);
    if (t != NULL) {
        a->kick[t->id] = true;
    }
}

/* Per-interrupt registers. Returns false if `offset` is not one of them. */
static bool irq_regs(struct access *a, uint32_t offset, uint32_t width, uint64_t *value, bool write)
{
    uint32_t r;

    for (r = 0u; r < (uint32_t)ARRAY_SIZE(irq_rows); r++) {
        const struct irq_row *row = &irq_rows[r];
        uint32_t first;
        uint32_t count;
        uint32_t i;
        uint64_t v = 0u;

        if ((offset < row->offset) || (offset >= ((uint32_t)row->offset + row->size))) {
            continue;
        }
        first = ((offset - row->offset) * 8u) / row->bits;
        count = (width * 8u) / row->bits;
        for (i = 0u; i < count; i++) {
            uint32_t intid = first + i;
            uint64_t mask = (row->bits == 64u) ? UINT64_MAX : ((1ULL << row->bits) - 1u);
            struct vgic_irq *irq = (intid < VGIC_NR_IRQS) ? access_irq(a, intid) : NULL;

            if (irq == NULL) {
                continue;
            }
            if (write) {
                field_write(a, irq, row->field, intid, (uint32_t)((*value >> (i * row->bits)) & mask));
            } else {
                v |= ((uint64_t)field_read(irq, row->field, intid) & mask) << (i * row->bits);
            }
        }
        if (!write) {
            *value = v;
        }
        return true;
    }
    return false;
}

/* Byte accesses only to IPRIORITYR (and IROUTER halves as words). */
static bool width_ok(uint32_t offset, uint32_t width)
{
    if ((offset % width) != 0u) {
        return false;
    }
    if ((offset >= 0x0400u) && (offset < 0x0800u)) {
        return (width == 1u) || (width == 4u);
    }
    if ((offset >= 0x6000u) && (offset < 0x8000u)) {
        return (width == 4u) || (width == 8u);
    }
    return width == 4u;
}

static void kick_all(struct access *a)
{
    uint32_t i;

    for (i = 0u; i < a->vm->cfg->num_vcpus; i++) {
        if (a->kick[i]) {
            vgic_kick(&a->vm->vcpus[i]);
        }
    }
}

static bool dist_access(struct vcpu *v, uint64_t off64, uint32_t width, uint64_t *value, bool write)
{
    struct access a = { v->vm, v, false, { false } };
    uint32_t offset = (uint32_t)off64;
    struct vgic_dist_state *d = &v->vm->arch.vgic;
    uint64_t cval;

    if (!width_ok(offset, width)) {
        return false;
    }
    if (vgic_dist_const(offset, &cval)) {
        *value = write ? *value : cval;
        return true;
    }
    vgic_lock(a.vm);
    if (offset == 0x0000u) { /* GICD_CTLR */
        if (write) {
            d->ctlr = (uint32_t)*value & GICD_CTLR_GRP1;
            vgic_reevaluate(a.vm);
            {
                uint32_t i;
                for (i = 0u; i < a.vm->cfg->num_vcpus; i++) {
                    a.kick[i] = true;
                }
            }
        } else {
            *value = d->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
        }
    } else if ((offset >= 0x6100u) && (offset < (0x6000u + (8u * VGIC_NR_IRQS)))) {
        uint32_t intid = (offset - 0x6000u) / 8u;
        struct vgic_irq *irq = access_irq(&a, intid);
        uint64_t *route = &d->irouter[intid - VGIC_NR_PRIV];
        uint32_t shift = ((offset % 8u) != 0u) ? 32u : 0u;
        uint64_t mask = (width == 8u) ? UINT64_MAX : (0xffffffffULL << shift);

        if (irq == NULL) {
            *value = write ? *value : 0u;
        } else if (write) {
            struct vcpu *t;
            *route = (*route & ~mask) | ((*value << shift) & mask);
            *route &= 0xff00ffffffULL | IROUTER_IRM;
            /* Aff0 names the VCPU; any other affinity, or "any CPU",
             * routes to VCPU 0. */
            irq->target = (((*route & (0xff00ffff00ULL | IROUTER_IRM)) == 0u)
                           && ((*route & 0xffu) < a.vm->cfg->num_vcpus))
                              ? (uint8_t)(*route & 0xffu)
                              : 0u;
            vgic_spi_hw_sync(a.vm, intid);
            t = vgic_update(a.vm, v, intid);
            if (t != NULL) {
                a.kick[t->id] = true;
            }
        } else {
            *value = (*route & mask) >> shift;
        }
    } else if (!irq_regs(&a, offset, width, value, write)) {
        log_unhandled(logged_dist, "distributor", offset);
        *value = write ? *value : 0u;
    } else {
        /* handled by the per-interrupt table */
    }
    vgic_unlock(a.vm);
    kick_all(&a);
    return true;
}

static bool redist_access(struct vcpu *v, uint64_t off64, uint32_t width, uint64_t *value,
                          bool write)
{
    struct vm *vm = v->vm;
    uint32_t idx = (uint32_t)(off64 / cfg_platform.gicr_stride);
    uint32_t offset = (uint32_t)(off64 % cfg_platform.gicr_stride);
    struct access a = { vm, NULL, true, { false } };
    struct vcpu *t;

    if (idx >= vm->cfg->num_vcpus) {
        return false;
    }
    t = &vm->vcpus[idx];
    a.owner = t;
    if ((offset == 0x0008u) && (width == 8u) && !write) { /* GICR_TYPER */
        *value = (vcpu_mpidr(t->id) << 32) | ((uint64_t)t->id << 8)
                 | (((idx + 1u) == vm->cfg->num_vcpus) ? (1u << 4) : 0u);
        return true;
    }
    if (((offset == 0x0008u) || (offset == 0x000cu)) && (width == 4u) && !write) {
        uint64_t typer = (vcpu_mpidr(t->id) << 32) | ((uint64_t)t->id << 8)
                         | (((idx + 1u) == vm->cfg->num_vcpus) ? (1u << 4) : 0u);
        *value = (offset == 0x0008u) ? (typer & 0xffffffffu) : (typer >> 32);
        return true;
    }
    if (!width_ok(offset % SGI_FRAME, width) && !((offset >= (SGI_FRAME + 0x400u))
                                                  && (offset < (SGI_FRAME + 0x420u)) && (width == 1u))) {
        return false;
    }
    vgic_lock(vm);
    if (offset == 0x0014u) { /* GICR_WAKER: ChildrenAsleep follows ProcessorSleep */
        if (write) {
            t->arch.vgic.waker = (uint32_t)*value & 2u;
        } else {
            *value = (t->arch.vgic.waker != 0u) ? 6u : 0u;
        }
    } else if (offset == 0x0004u) { /* GICR_IIDR */
        *value = write ? *value : IIDR_ARM;
    } else if ((offset == 0xffe8u) || (offset == (SGI_FRAME + 0xffe8u))) { /* GICR_PIDR2 */
        *value = write ? *value : PIDR2_GICV3;
    } else if ((offset == 0x0000u) || (offset == 0x0010u)) { /* GICR_CTLR, STATUSR */
        *value = write ? *value : 0u;
    } else if ((offset < SGI_FRAME) || !irq_regs(&a, offset - SGI_FRAME, width, value, write)) {
        log_unhandled(logged_redist, "redistributor", offset);
        *value = write ? *value : 0u;
    } else {
        /* handled by the per-interrupt table */
    }
    vgic_unlock(vm);
    kick_all(&a);
    return true;
}

static bool dist_read(struct vcpu *v, void *dev, uint64_t offset, uint32_t width, uint64_t *value)
{
    (void)dev;
    return dist_access(v, offset, width, value, false);
}

static bool dist_write(struct vcpu *v, void *dev, uint64_t offset, uint32_t width, uint64_t value)
{
    (void)dev;
    return dist_access(v, offset, width, &value, true);
}

static bool redist_read(struct vcpu *v, void *dev, uint64_t offset, uint32_t width, uint64_t *value)
{
    (void)dev;
    return redist_access(v, offset, width, value, false);
}

static bool redist_write(struct vcpu *v, void *dev, uint64_t offset, uint32_t width, uint64_t value)
{
    (void)dev;
    return redist_access(v, offset, width, &value, true);
}

/* No fast op: fast_exit.c answers the constant registers inline. */
const struct vdev_ops vgic_dist_ops = { dist_read, dist_write, NULL };
const struct vdev_ops vgic_redist_ops = { redist_read, redist_write, NULL };
