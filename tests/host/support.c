/* Test support: reset between cases, stepping CPUs, and the end-of-case
 * consistency checks of the core's state. */
#include <stdio.h>
#include <string.h>
#include "support.h"
#include "exit_handler.h"

bool support_skip_invariants;

void reset_core(void)
{
    uint32_t i;

    memset(vms, 0, sizeof(struct vm) * CFG_NUM_VMS);
    memset(vcpus, 0, sizeof(struct vcpu) * CFG_NUM_VCPUS);
    memset(pcpus, 0, sizeof(struct pcpu) * CFG_NUM_PCPUS);
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        pcpus[i].id = i;
        pcpus[i].slice_end = UINT64_MAX;
    }
}

static void init_fn(void *arg)
{
    (void)arg;
    vm_init_all();
}

void check_setup(void)
{
    support_skip_invariants = false;
    fake_reset();
    fake_ram_clear();
    reset_core();
    if (fake_call_noreturn(init_fn, NULL) != 0) {
        const char *panic = strstr(fake.console, "[hv PANIC]");
        check_fail(__FILE__, __LINE__, "setup: vm_init_all() did not return: %.*s",
                   (int)strcspn(panic != NULL ? panic : fake.console, "\r"),
                   panic != NULL ? panic : fake.console);
        fake.cpu_halt_calls = 0u;
        fake.system_off_calls = 0u;
        support_skip_invariants = true;
    }
    fake_trace_clear();
    fake_console_clear();
}

void start_vms(void)
{
    uint32_t i;

    fake.cpu = 0u;
    vm_start_all();
    fake_trace_clear();
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        fake.cpus[i].kicks = 0u;
    }
}

static void step_fn(void *arg)
{
    sched_step((struct pcpu *)arg);
}

int step(uint32_t cpu)
{
    fake.cpu = cpu;
    return fake_call_noreturn(step_fn, &pcpus[cpu]);
}

bool step_until_loaded(uint32_t cpu, uint32_t global, uint32_t max)
{
    uint32_t i;

    for (i = 0u; i < max; i++) {
        (void)step(cpu);
        if (pcpus[cpu].loaded == &vcpus[global]) {
            return true;
        }
    }
    return false;
}

uint32_t take_system_off(void)
{
    uint32_t n = fake.system_off_calls;
    fake.system_off_calls = 0u;
    return n;
}

uint32_t take_cpu_halt(void)
{
    uint32_t n = fake.cpu_halt_calls;
    fake.cpu_halt_calls = 0u;
    return n;
}

uint32_t take_kicks(uint32_t cpu)
{
    uint32_t n = fake.cpus[cpu].kicks;
    fake.cpus[cpu].kicks = 0u;
    return n;
}

struct vcpu_exit *handle_exit(struct vcpu *v, uint32_t kind, uint64_t a0, uint64_t a1, uint64_t a2,
                              uint64_t a3)
{
    memset(&v->exit, 0, sizeof(v->exit));
    v->exit.kind = kind;
    v->exit.arg[0] = a0;
    v->exit.arg[1] = a1;
    v->exit.arg[2] = a2;
    v->exit.arg[3] = a3;
    fake.cpu = v->cfg->pcpu;
    exit_handle(&pcpus[v->cfg->pcpu], v);
    return &v->exit;
}

uint8_t *guest_mem(uint32_t vm, uint64_t ipa)
{
    const struct cfg_vm *c = &cfg_vms[vm];
    uint32_t r;

    for (r = 0u; r < c->num_regions; r++) {
        const struct cfg_mem_region *reg = &c->regions[r];
        if ((ipa >= reg->ipa) && (ipa - reg->ipa < reg->size)) {
            return fake_ram(reg->pa + (ipa - reg->ipa));
        }
    }
    return NULL;
}

uint32_t count_in(const char *hay, const char *needle)
{
    uint32_t n = 0u;
    size_t len = strlen(needle);
    const char *p = hay;

    if (len == 0u) {
        return 0u;
    }
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += len;
    }
    return n;
}

/* After every case: the wait queue of each VM holds exactly its OFF and
 * HALTED VCPUs, once each, with a consistent tail; the core's idea of the
 * loaded VCPU of each CPU is the fake hardware's. */
const char *check_teardown(void)
{
    static char msg[256];
    uint32_t i;
    uint32_t j;

    if (support_skip_invariants) {
        return NULL;
    }
    for (i = 0u; i < CFG_NUM_VMS; i++) {
        const struct vm *vm = &vms[i];
        const struct vcpu *last = NULL;
        const struct vcpu *cur;
        uint32_t n = 0u;

        if (vm->cfg == NULL) {
            continue; /* not built (a case that stops in vm_init_all) */
        }
        for (cur = vm->wq.head; cur != NULL; cur = cur->wq_next) {
            if ((cur->vm != vm) || (n > CFG_NUM_VCPUS)) {
                snprintf(msg, sizeof(msg), "invariant: vm %s wait queue holds a foreign VCPU or loops",
                         vm->cfg->name);
                return msg;
            }
            last = cur;
            n++;
        }
        if (vm->wq.tail != last) {
            snprintf(msg, sizeof(msg), "invariant: vm %s wait queue tail is not its last element",
                     vm->cfg->name);
            return msg;
        }
        for (j = 0u; j < vm->cfg->num_vcpus; j++) {
            const struct vcpu *v = &vm->vcpus[j];
            bool waits = (v->state == VCPU_OFF) || (v->state == VCPU_HALTED);
            if (wq_contains(&vm->wq, v) != waits) {
                snprintf(msg, sizeof(msg),
                         "invariant: vm %s vcpu %u in state %u is %son the wait queue", vm->cfg->name,
                         j, (unsigned)v->state, waits ? "not " : "");
                return msg;
            }
        }
    }
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        for (j = 0u; j < CFG_NUM_VCPUS; j++) {
            bool core_says = (pcpus[i].loaded == &vcpus[j]);
            bool hw_says = fake.vcpus[j].loaded && (vcpus[j].cfg != NULL) && (vcpus[j].cfg->pcpu == i);
            if (core_says != hw_says) {
                snprintf(msg, sizeof(msg),
                         "invariant: CPU %u: core says VCPU %u is %sloaded, the fake hardware disagrees", i,
                         j, core_says ? "" : "not ");
                return msg;
            }
        }
    }
    return NULL;
}
