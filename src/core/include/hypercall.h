/* The project's hypercalls (docs/hypercalls.md): vendor-hypervisor range. */
#ifndef HYPERCALL_H
#define HYPERCALL_H

#include "types.h"

#define HV_FN_VERSION       0x00u
#define HV_FN_YIELD         0x01u
#define HV_FN_CONSOLE_PUTC  0x02u
#define HV_FN_CONSOLE_WRITE 0x03u
#define HV_FN_VM_INFO       0x04u
#define HV_FN_COUNT         5u

#define HV_VERSION_VALUE 0x00000001u /* 0.1 */

#define HV_OK 0
#define HV_NOT_SUPPORTED (-1)
#define HV_INVALID_PARAMETER (-3)

#define HV_CONSOLE_WRITE_MAX 256u

struct vcpu;
struct pcpu;

/* arg[0] = function ID; fills v->exit.ret / nret. */
void hypercall_handle(struct pcpu *pc, struct vcpu *v);

#endif
