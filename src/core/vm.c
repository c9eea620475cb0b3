/* VMs: build them at boot, (re)load their images, and coordinate their
 * stop: the VCPU that requests it marks the VM stopping, every VCPU is
 * retired by its own physical CPU, and the last one out finishes the job
 * (restart, or count the VM as gone and power off when none is left). */
#include "vm.h"
#include "vcpu.h"
#include "sched.h"
#include "lib.h"
#include "log.h"
#include "arch_cpu.h"
#include "arch_irq.h"
#include "arch_vcpu.h"
#include "arch_timer.h"
#include "console_input.h"
#include "vpl011.h"

struct vm vms[CFG_NUM_VMS];
static struct vpl011 *vm_uarts[CFG_NUM_VMS]; /* console input targets, by VM */

static struct spinlock running_lock;
static uint32_t running_vms;

static void vm_load_images(const struct vm *vm)
{
    uint32_t i;

    for (i = 0u; i < vm->cfg->num_images; i++) {
        const struct cfg_image *img = &vm->cfg->images[i];
        /* The hypervisor writes images even into regions the guest may
         * only read. */
        void *dst = vm_guest_ptr(vm, img->load_ipa, img->size, false);

        if (dst == NULL) {
            /* The generator checked this; a mismatch is a build error. */
            panic("vm %s: image %u does not fit its RAM", vm->cfg->name, i);
        }
        (void)memcpy(dst, img->data, (size_t)img->size);
    }
}

static void vm_clear_ram(const struct vm *vm)
{
    uint32_t i;

    for (i = 0u; i < vm->cfg->num_regions; i++) {
        const struct cfg_mem_region *r = &vm->cfg->regions[i];
        if ((r->flags & (CFG_MEM_RAM | CFG_MEM_SHARED)) == CFG_MEM_RAM) {
            (void)memset(arch_pa_to_ptr(r->pa), 0, (size_t)r->size);
        }
    }
}

/* Every VCPU OFF on the wait queue except VCPU 0, which its CPU resets to
 * the VM's entry point. Caller: the VM is not running anywhere. */
static void vm_boot(struct vm *vm)
{
    struct vcpu *v0 = &vm->vcpus[0];
    uint32_t i;

    arch_spin_lock(&vm->lock);
    wq_init(&vm->wq);
    vm->boot_count++;
    (void)memset(&vm->console, 0, sizeof(vm->console)); /* escape state too */
    arch_vm_devices_reset(vm);
    if (vm->cfg->console == CFG_CONSOLE_EMULATED) {
        vpl011_init(&vm->uart, vm, cfg_platform.uart_irq);
    }
    for (i = 1u; i < vm->cfg->num_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        v->reset_pending = false;
        v->timer_deadline = UINT64_MAX;
        v->state = VCPU_OFF;
        wq_add(&vm->wq, v);
    }
    vm->state = VM_RUNNING;
    v0->timer_deadline = UINT64_MAX;
    v0->reset_entry = vm->cfg->entry_ipa;
    v0->reset_arg = vm->cfg->dtb_ipa;
    v0->reset_pending = true;
    /* Last, and published with a release: a CPU that sees VCPU 0
     * runnable (sched_pick reads without the lock) sees the VM ready. */
    __atomic_store_n(&v0->state, (uint32_t)VCPU_RUNNABLE, __ATOMIC_RELEASE);
    arch_spin_unlock(&vm->lock);
    if ((uint32_t)v0->pcpu != arch_cpu_id()) {
        arch_irq_kick(v0->pcpu);
    }
}

void vm_init_all(void)
{
    uint32_t i;
    uint32_t j;

    for (i = 0u; i < CFG_NUM_VMS; i++) {
        struct vm *vm = &vms[i];

        vm->cfg = &cfg_vms[i];
        vm->index = (uint16_t)i;
        vm->vcpus = &vcpus[vm->cfg->first_vcpu];
        vm->state = VM_STOPPED;
        wq_init(&vm->wq);
        for (j = 0u; j < vm->cfg->num_vcpus; j++) {
            struct vcpu *v = &vm->vcpus[j];
            v->index = (uint16_t)(vm->cfg->first_vcpu + j);
            v->cfg = &cfg_vcpus[v->index];
            v->vm = vm;
            v->id = (uint16_t)j;
            v->pcpu = v->cfg->pcpu;
            v->state = VCPU_STOPPED;
        }
        if (arch_vm_init(vm) != 0) {
            panic("vm %s: stage-2 page-table pool too small", vm->cfg->name);
        }
        arch_vm_devices_init(vm);
        if (vm->cfg->console == CFG_CONSOLE_EMULATED) {
            vm_bind_vdev(vm, CFG_VDEV_UART, &vpl011_ops, &vm->uart);
        }
        vm_load_images(vm);
    }
    running_vms = CFG_NUM_VMS;
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        if (cfg_vms[i].console == CFG_CONSOLE_PASSTHROUGH) {
            return; /* the UART's input belongs to that VM */
        }
        vm_uarts[i] = (cfg_vms[i].console == CFG_CONSOLE_EMULATED) ? &vms[i].uart : NULL;
    }
    console_input_init(vm_uarts, CFG_NUM_VMS);
}

void vm_start_all(void)
{
    uint32_t i;

    for (i = 0u; i < CFG_NUM_VMS; i++) {
        vm_boot(&vms[i]);
    }
}

void *vm_guest_ptr(const struct vm *vm, uint64_t ipa, uint64_t len, bool write)
{
    uint32_t i;

    for (i = 0u; i < vm->cfg->num_regions; i++) {
        const struct cfg_mem_region *r = &vm->cfg->regions[i];

        if ((r->flags & CFG_MEM_RAM) == 0u) {
            continue;
        }
        if (write && ((r->flags & CFG_MEM_RO) != 0u)) {
            continue;
        }
        /* Written so that no sum can overflow: ipa and len are the guest's. */
        if ((ipa >= r->ipa) && (len <= r->size) && ((ipa - r->ipa) <= (r->size - len))) {
            return arch_pa_to_ptr(r->pa + (ipa - r->ipa));
        }
    }
    return NULL;
}

bool vm_ipa_in_ram(const struct vm *vm, uint64_t ipa)
{
    return vm_guest_ptr(vm, ipa, 4u, false) != NULL;
}

uint32_t vm_running_count(void)
{
    return running_vms;
}

/* Caller holds vm->lock. Returns true if this call began the stop. */
static bool vm_begin_stop_locked(struct vm *vm, bool restart)
{
    if (vm->state != VM_RUNNING) {
        return false;
    }
    vm->state = VM_STOPPING;
    vm->live_vcpus = vm->cfg->num_vcpus;
    vm->restart_requested = restart;
    return true;
}

/* Every physical CPU with a VCPU of this VM must notice the stop. */
static void vm_kick_stop(struct vm *vm)
{
    uint32_t i;

    for (i = 0u; i < vm->cfg->num_vcpus; i++) {
        uint32_t cpu = vm->vcpus[i].pcpu;
        pcpus[cpu].retire_check = true;
        if (cpu != arch_cpu_id()) {
            arch_irq_kick(cpu);
        }
    }
}

void vm_request_stop(struct vm *vm, bool restart)
{
    bool started;

    arch_spin_lock(&vm->lock);
    started = vm_begin_stop_locked(vm, restart);
    arch_spin_unlock(&vm->lock);
    if (started) {
        vm_kick_stop(vm);
    }
}

static void vm_finish_stop(struct vm *vm)
{
    bool power_off = false;

    if (vm->restart_requested) {
        log_line("vm %s: restarting (start #%u)", vm->cfg->name, vm->boot_count + 1u);
        vm_clear_ram(vm);
        vm_load_images(vm);
        vm_boot(vm);
        return;
    }
    log_line("vm %s: stopped", vm->cfg->name);
    arch_spin_lock(&running_lock);
    running_vms--;
    power_off = (running_vms == 0u);
    arch_spin_unlock(&running_lock);
    if (power_off) {
        log_line("all VMs stopped: powering off");
        arch_system_off();
    }
}

void vm_retire_vcpu(struct vcpu *v)
{
    struct vm *vm = v->vm;
    struct pcpu *pc = &pcpus[v->pcpu];
    bool last = false;

    arch_spin_lock(&vm->lock);
    if ((vm->state != VM_STOPPING) || (v->state == VCPU_STOPPED)) {
        arch_spin_unlock(&vm->lock);
        return;
    }
    arch_spin_unlock(&vm->lock);

    /* Out of the hardware first (its list registers, timer, EL1 state):
     * once it counts as retired, the last VCPU out may reset and restart
     * the VM, and nothing of the old run may still be live here. Only this
     * CPU retires its VCPUs, so the state checked above still holds. */
    if (pc->loaded == v) {
        arch_vcpu_unload(v);
        pc->loaded = NULL;
    }

    arch_spin_lock(&vm->lock);
    (void)wq_remove(&vm->wq, v);
    v->state = VCPU_STOPPED;
    vm->live_vcpus--;
    if (vm->live_vcpus == 0u) {
        vm->state = VM_STOPPED;
        last = true;
    }
    arch_spin_unlock(&vm->lock);

    if (last) {
        vm_finish_stop(vm);
    }
}

void vm_fault(struct vcpu *v)
{
    struct vm *vm = v->vm;
    const struct vcpu_exit *e = &v->exit;
    bool restart = false;
    bool started;

    /* Decided under the lock: two VCPUs faulting at once make one stop,
     * and use up at most one restart. */
    arch_spin_lock(&vm->lock);
    if ((vm->state == VM_RUNNING) && (vm->cfg->on_fault == CFG_FAULT_RESTART)
        && (vm->fault_restarts < vm->cfg->restart_limit)) {
        vm->fault_restarts++;
        restart = true;
    }
    started = vm_begin_stop_locked(vm, restart);
    arch_spin_unlock(&vm->lock);

    log_line("vm %s vcpu %u: fault: %s at 0x%lx, pc 0x%lx, syndrome 0x%lx: %s", vm->cfg->name,
             (uint32_t)v->id, exit_cause_name(e->cause), e->addr, e->pc, e->syndrome,
             !started ? "VM already stopping" : (restart ? "restarting VM" : "stopping VM"));
    if (started) {
        vm_kick_stop(vm);
    }
}

void vm_console_flush_stale(void)
{
    uint64_t now = arch_timer_now();
    uint32_t i;

    for (i = 0u; i < CFG_NUM_VMS; i++) {
        struct vm *vm = &vms[i];
        if (vm->console.len != 0u) { /* racy peek: the lock decides */
            arch_spin_lock(&vm->lock);
            console_vm_flush_stale(&vm->console, vm->cfg->name, now);
            arch_spin_unlock(&vm->lock);
        }
    }
}
