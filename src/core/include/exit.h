/* The exit record: what the arch trap decoder tells the core about why a
 * VCPU left the guest, and what the core hands back for the next entry. */
#ifndef EXIT_H
#define EXIT_H

#include "types.h"

enum exit_kind {
    EXIT_NONE = 0,     /* fully handled by the arch decoder: resume */
    EXIT_HYPERCALL,    /* project hypercall: arg[0] = function ID, arg[1..3] */
    EXIT_IRQ,          /* a physical interrupt is pending at EL2 */
    EXIT_HALT,         /* WFI or PSCI CPU_SUSPEND: wait for an interrupt */
    EXIT_YIELD,        /* WFE: let the other VCPUs of this CPU run */
    EXIT_CPU_UP,       /* PSCI CPU_ON: arg[0] = target MPIDR, arg[1] = entry, arg[2] = context */
    EXIT_CPU_DOWN,     /* PSCI CPU_OFF */
    EXIT_SYSTEM_OFF,   /* PSCI SYSTEM_OFF: stop this VM */
    EXIT_SYSTEM_RESET, /* PSCI SYSTEM_RESET: restart this VM */
    EXIT_MMIO,         /* data abort on an address the VM has no RAM at */
    EXIT_FAULT,        /* a guest-caused fault the VM cannot continue from */
    EXIT_FAIL_ENTRY,   /* the VCPU could not be entered */
};

enum fault_cause {
    FAULT_NONE = 0,
    FAULT_STAGE2_DATA,   /* data access outside the partition */
    FAULT_STAGE2_INSN,   /* instruction fetch outside the partition */
    FAULT_UNHANDLED_EC,  /* an exception class the hypervisor does not handle */
    FAULT_SERROR,        /* asynchronous external abort */
    FAULT_MMIO_DECODE,   /* MMIO access that cannot be emulated (no syndrome) */
    FAULT_BAD_ENTRY,     /* entry state rejected */
};

/* Results the core wants written back into the guest on its next entry. */
#define EXIT_RET_NONE 0u

struct vcpu_exit {
    uint32_t kind;      /* enum exit_kind */
    uint32_t cause;     /* enum fault_cause for EXIT_FAULT */
    uint64_t arg[4];    /* decoded arguments, see enum exit_kind */
    uint64_t ret[4];    /* values for x0..x3 (nret of them) */
    uint32_t nret;      /* number of ret[] values to write back */
    /* MMIO and faults */
    uint8_t width;      /* access size in bytes: 1, 2, 4 or 8 */
    uint8_t is_write;
    uint8_t reg;        /* guest register number (31 = zero register) */
    uint8_t sign_extend; /* bit 0: sign-extend; bit 1: into a 64-bit register (else 32) */
    uint64_t addr;      /* faulting guest-physical address */
    uint64_t value;     /* MMIO write data, or read result from the emulator */
    uint64_t syndrome;  /* raw architectural syndrome, for the log */
    uint64_t pc;        /* guest PC of the exit */
};

const char *exit_cause_name(uint32_t cause);

#endif
