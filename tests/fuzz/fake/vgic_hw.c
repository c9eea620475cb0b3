/* Fake GIC hardware and arch hooks for the real vGIC: see vgic_hw.h.
 * A misuse of the hardware by the code under test (an LR beyond the
 * implemented ones, a lock taken twice, firmware called) fails the fuzz
 * run through FUZZ_CHECK. */
#include <string.h>
#include "../fuzz_common.h"
#include "vgic_hw.h"
#include "arch/sysreg.h"
#include "arch/aarch64.h"
#include "arch/vgic.h"
#include "arch_console.h"
#include "arch_cpu.h"
#include "arch_irq.h"
#include "arch_lock.h"
#include "arch_timer.h"
#include "arch_vcpu.h"
#include "cfg_types.h"
#include "vcpu.h"
#include "vm.h"

struct hw_state hw;

/* ---- guest RAM: one buffer spanning the RAM regions of the config ---- */

#define HW_RAM_MAX (16u << 20)
static uint8_t ram[HW_RAM_MAX];
static uint64_t ram_base;
static uint64_t ram_span;

uint8_t *hw_ram(uint64_t pa)
{
    if (ram_span == 0u) {
        uint64_t lo = UINT64_MAX;
        uint64_t hi = 0u;
        uint32_t i;
        uint32_t r;
        for (i = 0u; i < CFG_NUM_VMS; i++) {
            for (r = 0u; r < cfg_vms[i].num_regions; r++) {
                const struct cfg_mem_region *reg = &cfg_vms[i].regions[r];
                if ((reg->flags & CFG_MEM_RAM) != 0u) {
                    lo = (reg->pa < lo) ? reg->pa : lo;
                    hi = ((reg->pa + reg->size) > hi) ? (reg->pa + reg->size) : hi;
                }
            }
        }
        FUZZ_CHECK("setup", (hi - lo) <= HW_RAM_MAX, "config RAM spans 0x%llx bytes, too many",
                   (unsigned long long)(hi - lo));
        ram_base = lo;
        ram_span = hi - lo;
    }
    if ((pa < ram_base) || ((pa - ram_base) >= ram_span)) {
        return NULL;
    }
    return &ram[pa - ram_base];
}

/* ---- list registers and the system register hooks ---- */

static struct hw_cpu *here(void)
{
    return &hw.cpus[hw.cpu];
}

uint64_t lr_read(uint32_t n)
{
    FUZZ_CHECK("lr-range", n < hw.nr_lrs, "lr_read(%u) with %u list registers implemented", n,
               hw.nr_lrs);
    return (n < HW_MAX_LRS) ? here()->lr[n] : 0u;
}

void lr_write(uint32_t n, uint64_t value)
{
    FUZZ_CHECK("lr-range", n < hw.nr_lrs, "lr_write(%u) with %u list registers implemented", n,
               hw.nr_lrs);
    if (n < HW_MAX_LRS) {
        here()->lr[n] = value;
    }
}

/* ICH_ELRSR_EL2: LR n is empty when it holds no pending or active state
 * (and, for a software interrupt, asks for no EOI maintenance: bit 41,
 * which the vGIC never sets). */
static uint64_t elrsr(const struct hw_cpu *c)
{
    uint64_t bits = 0u;
    uint32_t n;

    for (n = 0u; n < hw.nr_lrs; n++) {
        uint64_t lr = c->lr[n];
        bool eoi_maint = ((lr & LR_HW_BIT) == 0u) && ((lr & (1ull << 41)) != 0u);
        if ((LR_STATE(lr) == 0u) && !eoi_maint) {
            bits |= 1ull << n;
        }
    }
    return bits;
}

/* ICH_EISR_EL2: LR n is empty and asked for an EOI maintenance interrupt
 * (a software interrupt with bit 41 set that the guest has ended). */
static uint64_t eisr(const struct hw_cpu *c)
{
    uint64_t bits = 0u;
    uint32_t n;

    for (n = 0u; n < hw.nr_lrs; n++) {
        uint64_t lr = c->lr[n];
        if ((LR_STATE(lr) == 0u) && ((lr & LR_HW_BIT) == 0u) && ((lr & (1ull << 41)) != 0u)) {
            bits |= 1ull << n;
        }
    }
    return bits;
}

static void deactivate(uint32_t cpu, uint32_t intid)
{
    if (intid < VGIC_NR_PRIV) {
        hw.cpus[cpu].ppi_active[intid] = false;
    } else if (intid < VGIC_NR_IRQS) {
        hw.spi_active[intid] = false;
    } else {
        /* the vGIC models no higher INTID: nothing to deactivate */
    }
}

static int sysreg_read(enum fake_sysreg reg, uint64_t *value)
{
    switch (reg) {
    case FAKE_SR_ich_elrsr_el2:
        *value = elrsr(here());
        return 1;
    case FAKE_SR_ich_eisr_el2:
        *value = eisr(here());
        return 1;
    case FAKE_SR_ich_vtr_el2:
        *value = (uint64_t)(hw.nr_lrs - 1u);
        return 1;
    default:
        return 0;
    }
}

static void sysreg_write(enum fake_sysreg reg, uint64_t value)
{
    switch (reg) {
    case FAKE_SR_icc_dir_el1:
        deactivate(hw.cpu, (uint32_t)(value & 0xffffffu));
        break;
    case FAKE_SR_ich_hcr_el2:
        here()->ich_hcr = value;
        break;
    default:
        break;
    }
}

void hw_reset(uint32_t nr_lrs)
{
    memset(&hw, 0, sizeof(hw));
    hw.nr_lrs = nr_lrs;
    memset(fake_sysregs, 0, sizeof(fake_sysregs));
    fake_sysreg_read_hook = sysreg_read;
    fake_sysreg_write_hook = sysreg_write;
}

bool hw_guest_ack(uint32_t cpu, uint32_t n)
{
    uint64_t *lr = &hw.cpus[cpu].lr[n];

    if (LR_STATE(*lr) != LR_ST_PENDING) {
        return false;
    }
    *lr = (*lr & ~(3ull << 62)) | ((uint64_t)LR_ST_ACTIVE << 62);
    return true;
}

bool hw_guest_eoi(uint32_t cpu, uint32_t n)
{
    uint64_t *lr = &hw.cpus[cpu].lr[n];

    if ((LR_STATE(*lr) & LR_ST_ACTIVE) == 0u) {
        return false;
    }
    *lr &= ~((uint64_t)LR_ST_ACTIVE << 62);
    if ((*lr & LR_HW_BIT) != 0u) {
        /* A linked interrupt: the EOI deactivates the physical one too. */
        deactivate(cpu, LR_PINTID(*lr));
    }
    return true;
}

void hw_irq_push(uint32_t cpu, uint32_t intid)
{
    struct hw_cpu *c = &hw.cpus[cpu];

    if (c->queue_len < HW_IRQ_QUEUE) {
        c->queue[c->queue_len] = intid;
        c->queue_len++;
    }
}

/* ---- aarch64-internal hooks the vGIC calls (gicv3.c on hardware) ---- */

uint32_t gic_num_lrs(void)
{
    return (uint32_t)(read_ich_vtr_el2() & 0x1fu) + 1u;
}

void gic_spi_config(uint32_t intid, bool enable, uint32_t pcpu)
{
    FUZZ_CHECK("pcpu-range", pcpu < CFG_NUM_PCPUS, "gic_spi_config(%u): no physical CPU %u", intid,
               pcpu);
    if ((intid >= VGIC_NR_PRIV) && (intid < VGIC_NR_IRQS)) {
        hw.spi_enabled[intid] = enable;
        hw.spi_route[intid] = pcpu;
    }
}

void gic_spi_deactivate(uint32_t intid)
{
    if ((intid >= VGIC_NR_PRIV) && (intid < VGIC_NR_IRQS)) {
        hw.spi_active[intid] = false;
    }
}

/* ---- arch_cpu.h ---- */

uint32_t arch_cpu_id(void)
{
    return hw.cpu;
}

void arch_cpu_idle(void)
{
}

void arch_cpu_relax(void)
{
}

int64_t arch_cpu_start(uint32_t pcpu, uint64_t mpidr)
{
    (void)mpidr;
    FUZZ_CHECK("firmware", false, "arch_cpu_start(%u) called by the code under test", pcpu);
    return -1;
}

_Noreturn void arch_system_off(void)
{
    FUZZ_CHECK("firmware", false, "arch_system_off() called: no VM stops in this harness");
    abort();
}

_Noreturn void arch_cpu_halt(void)
{
    FUZZ_CHECK("panic", false, "arch_cpu_halt(): the hypervisor panicked (see the [hv PANIC] line)");
    abort();
}

void *arch_pa_to_ptr(uint64_t pa)
{
    uint8_t *p = hw_ram(pa);

    FUZZ_CHECK("pa-range", p != NULL, "arch_pa_to_ptr(0x%llx): outside the config's RAM",
               (unsigned long long)pa);
    return p;
}

/* ---- arch_irq.h (arch_irq_forward is the vGIC's own) ---- */

uint32_t arch_irq_ack(void)
{
    struct hw_cpu *c = here();
    uint32_t id;

    if (c->queue_len == 0u) {
        return IRQ_NONE;
    }
    id = c->queue[0];
    c->queue_len--;
    memmove(&c->queue[0], &c->queue[1], c->queue_len * sizeof(c->queue[0]));
    /* Acknowledged: active until deactivated. */
    if (id < VGIC_NR_PRIV) {
        c->ppi_active[id] = true;
    } else if (id < VGIC_NR_IRQS) {
        hw.spi_active[id] = true;
    } else {
        /* not modelled */
    }
    return id;
}

void arch_irq_done(uint32_t intid)
{
    deactivate(hw.cpu, intid);
}

void arch_irq_drop(uint32_t intid)
{
    (void)intid; /* priority drop only: stays active */
}

void arch_irq_kick(uint32_t pcpu)
{
    FUZZ_CHECK("pcpu-range", pcpu < CFG_NUM_PCPUS, "arch_irq_kick(%u): no such CPU", pcpu);
    FUZZ_CHECK("kick-self", pcpu != hw.cpu, "arch_irq_kick(%u) from CPU %u itself", pcpu, hw.cpu);
    if (pcpu < CFG_NUM_PCPUS) {
        hw.cpus[pcpu].kicks++;
    }
}

/* ---- arch_lock.h ---- */

void arch_spin_lock(struct spinlock *l)
{
    FUZZ_CHECK("lock", l->next == l->owner, "arch_spin_lock(%p): already held (deadlock)", (void *)l);
    l->next++;
    hw.locks_held++;
}

void arch_spin_unlock(struct spinlock *l)
{
    FUZZ_CHECK("lock", l->next != l->owner, "arch_spin_unlock(%p): not held", (void *)l);
    l->owner++;
    hw.locks_held--;
}

/* ---- arch_timer.h ---- */

uint64_t arch_timer_now(void)
{
    return hw.now;
}

uint64_t arch_timer_ns_to_ticks(uint64_t ns)
{
    return ns / 16u;
}

void arch_timer_set(uint64_t deadline)
{
    (void)deadline;
}

/* ---- arch_console.h ---- */

void arch_console_init(void)
{
}

void arch_console_putc(char c)
{
    (void)c;
    hw.console_bytes++;
}

void arch_console_rx_enable(void)
{
}

bool arch_console_getc(uint8_t *c)
{
    if (hw.console_in_pos >= hw.console_in_len) {
        return false;
    }
    *c = hw.console_in[hw.console_in_pos];
    hw.console_in_pos++;
    return true;
}

/* ---- arch_vcpu.h (inject_hw and the device hooks are the vGIC's) ---- */

int arch_vm_init(struct vm *vm)
{
    (void)vm;
    return 0;
}

void arch_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t arg)
{
    /* As vcpu_run.c: the redistributor state survives; the CPU interface
     * registers do not. */
    memset(&v->arch.regs, 0, sizeof(v->arch.regs));
    v->arch.vgic.vmcr = 0u;
    v->arch.vgic.ap0r0 = 0u;
    v->arch.vgic.ap1r0 = 0u;
    v->arch.regs.x[0] = arg;
    v->arch.regs.elr = entry;
}

void arch_vcpu_load(struct vcpu *v)
{
    struct hw_cpu *c = here();

    FUZZ_CHECK("own-cpu", v->pcpu == hw.cpu, "arch_vcpu_load of a VCPU of CPU %u on CPU %u",
               (unsigned)v->pcpu, hw.cpu);
    FUZZ_CHECK("load", c->loaded == NULL, "arch_vcpu_load while another VCPU is loaded");
    write_ich_vmcr_el2(v->arch.vgic.vmcr);
    write_ich_ap0r0_el2(v->arch.vgic.ap0r0);
    write_ich_ap1r0_el2(v->arch.vgic.ap1r0);
    write_ich_hcr_el2(v->arch.vgic.hcr);
    c->loaded = v;
}

void arch_vcpu_unload(struct vcpu *v)
{
    struct hw_cpu *c = here();

    FUZZ_CHECK("load", c->loaded == v, "arch_vcpu_unload of a VCPU that is not loaded here");
    FUZZ_CHECK("load", !c->in_guest, "arch_vcpu_unload while the guest runs");
    vgic_unload(v);
    v->arch.vgic.vmcr = read_ich_vmcr_el2();
    v->arch.vgic.ap0r0 = read_ich_ap0r0_el2();
    v->arch.vgic.ap1r0 = read_ich_ap1r0_el2();
    c->loaded = NULL;
}

void arch_vcpu_run(struct vcpu *v)
{
    (void)v;
    FUZZ_CHECK("harness", false, "arch_vcpu_run: the harness enters guests itself");
}

bool arch_vcpu_irq_pending(const struct vcpu *v)
{
    /* As vcpu_run.c without the timer (its line is modelled as the
     * hardware-linked PPI only). */
    return vgic_has_pending(v);
}

uint64_t arch_vcpu_timer_deadline(const struct vcpu *v)
{
    (void)v;
    return TIMER_NEVER;
}
