/* The project's own hypercalls (docs/hypercalls.md). Every argument comes
 * from the guest: check it, and on a bad one return an error and change
 * nothing. */
#include "hypercall.h"
#include "sched.h"
#include "vcpu.h"
#include "vm.h"
#include "arch_lock.h"

/* SMCCC vendor-hypervisor service queries. */
#define HV_FN_CALL_COUNT 0xff00u
#define HV_FN_CALL_UID   0xff01u
#define HV_FN_REVISION   0xff03u

static void console_write(struct vm *vm, const char *p, uint64_t len)
{
    uint64_t i;

    arch_spin_lock(&vm->lock);
    for (i = 0u; i < len; i++) {
        console_vm_putc(&vm->console, vm->cfg->name, p[i]);
    }
    arch_spin_unlock(&vm->lock);
}

/* HV_CONSOLE_PUTC (x1 = byte) and HV_CONSOLE_WRITE (x1 = IPA, x2 = length). */
static void hypercall_console(struct vm *vm, struct vcpu_exit *e, uint32_t fn)
{
    if (fn == HV_FN_CONSOLE_PUTC) {
        char c = (char)(e->arg[1] & 0xffu);
        console_write(vm, &c, 1u);
        e->ret[0] = (uint64_t)HV_OK;
    } else {
        uint64_t len = e->arg[2];
        const char *p = NULL;
        if ((len != 0u) && (len <= HV_CONSOLE_WRITE_MAX)) {
            p = (const char *)vm_guest_ptr(vm, e->arg[1], len, false);
        }
        if (p == NULL) {
            e->ret[0] = (uint64_t)(int64_t)HV_INVALID_PARAMETER;
        } else {
            console_write(vm, p, len);
            e->ret[0] = len;
        }
    }
}

void hypercall_handle(struct pcpu *pc, struct vcpu *v)
{
    struct vcpu_exit *e = &v->exit;
    struct vm *vm = v->vm;
    uint32_t fn = (uint32_t)(e->arg[0] & 0xffffu);

    e->nret = 1u;
    switch (fn) {
    case HV_FN_VERSION:
        e->ret[0] = HV_VERSION_VALUE;
        break;
    case HV_FN_YIELD:
        pc->yield = true;
        e->ret[0] = (uint64_t)HV_OK;
        break;
    case HV_FN_CONSOLE_PUTC:
    case HV_FN_CONSOLE_WRITE:
        if (vm->cfg->console == CFG_CONSOLE_PASSTHROUGH) {
            /* It owns the UART: it writes there itself. */
            e->ret[0] = (uint64_t)(int64_t)HV_NOT_SUPPORTED;
            break;
        }
        hypercall_console(vm, e, fn);
        break;
    case HV_FN_VM_INFO:
        e->ret[0] = (uint64_t)HV_OK;
        e->ret[1] = vm->index;
        e->ret[2] = vm->cfg->num_vcpus;
        e->ret[3] = vm->boot_count;
        e->nret = 4u;
        break;
    case HV_FN_CALL_COUNT:
        e->ret[0] = HV_FN_COUNT;
        break;
    case HV_FN_CALL_UID:
        /* "hv-hypervisor!" plus a revision word. */
        e->ret[0] = 0x76682d68u;
        e->ret[1] = 0x79706572u;
        e->ret[2] = 0x7669736fu;
        e->ret[3] = 0x72210001u;
        e->nret = 4u;
        break;
    case HV_FN_REVISION:
        e->ret[0] = HV_VERSION_VALUE >> 16;
        e->ret[1] = HV_VERSION_VALUE & 0xffffu;
        e->nret = 2u;
        break;
    default:
        e->ret[0] = (uint64_t)(int64_t)HV_NOT_SUPPORTED;
        break;
    }
}
