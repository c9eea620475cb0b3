/* SMC Calling Convention calls from a guest (HVC or trapped SMC): the
 * virtual PSCI 1.1 every VM sees, SMCCC version queries, and routing of
 * the vendor-hypervisor range to the core's hypercalls. Nothing here ever
 * reaches the firmware. Pure C over the saved registers, so the host tests
 * can drive it. */
#include "arch/aarch64.h"
#include "hypercall.h"
#include "vcpu.h"
#include "vm.h"

#define FID_FAST      (1u << 31)
#define FID_SMC64     (1u << 30)
#define FID_OEN(f)    (((f) >> 24) & 0x3fu)
#define FID_RESERVED(f) (((f) >> 16) & 0xffu)
#define FID_NUM(f)    ((f) & 0xffffu)
#define OEN_ARCH      0u
#define OEN_STANDARD  4u
#define OEN_VENDOR_HYP 6u

#define SMCCC_VERSION      0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u

#define PSCI_VERSION          0x0u
#define PSCI_CPU_SUSPEND      0x1u
#define PSCI_CPU_OFF          0x2u
#define PSCI_CPU_ON           0x3u
#define PSCI_AFFINITY_INFO    0x4u
#define PSCI_MIGRATE_INFO_TYPE 0x6u
#define PSCI_SYSTEM_OFF       0x8u
#define PSCI_SYSTEM_RESET     0x9u
#define PSCI_FEATURES         0xau

#define PSCI_SUCCESS            0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)
#define PSCI_INVALID_ADDRESS    (-9)

int64_t psci_cpu_on_code(uint64_t on_result)
{
    switch (on_result) {
    case VCPU_ON_OK:
        return PSCI_SUCCESS;
    case VCPU_ON_ALREADY_ON:
        return PSCI_ALREADY_ON;
    case VCPU_ON_PENDING:
        return PSCI_ON_PENDING;
    case VCPU_ON_BAD_ENTRY:
        return PSCI_INVALID_ADDRESS;
    case VCPU_ON_INVALID:
    default:
        return PSCI_INVALID_PARAMETERS;
    }
}

static void ret1(struct vcpu_exit *e, int64_t v)
{
    e->ret[0] = (uint64_t)v;
    e->nret = 1u;
}

/* Functions PSCI_FEATURES reports; the 64-bit forms where they exist. */
static bool psci_implemented(uint32_t fid)
{
    uint32_t num = FID_NUM(fid);
    bool is64 = (fid & FID_SMC64) != 0u;

    if ((FID_OEN(fid) != OEN_STANDARD) || (FID_RESERVED(fid) != 0u) || ((fid & FID_FAST) == 0u)) {
        return false;
    }
    switch (num) {
    case PSCI_VERSION:
    case PSCI_CPU_OFF:
    case PSCI_MIGRATE_INFO_TYPE:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
    case PSCI_FEATURES:
        return !is64;
    case PSCI_CPU_SUSPEND:
    case PSCI_CPU_ON:
    case PSCI_AFFINITY_INFO:
        return true;
    default:
        return false;
    }
}

static void psci_call(struct vcpu *v, uint32_t fid)
{
    struct vcpu_exit *e = &v->exit;
    const uint64_t *x = v->arch.regs.x;
    uint64_t mask = ((fid & FID_SMC64) != 0u) ? UINT64_MAX : 0xffffffffULL;

    if (!psci_implemented(fid)) {
        ret1(e, PSCI_NOT_SUPPORTED);
        return;
    }
    /* PSCI_VERSION never gets here: smccc_constant() answers it. */
    switch (FID_NUM(fid)) {
    case PSCI_CPU_SUSPEND:
        /* Every suspend is treated as standby: wait for an interrupt,
         * then return success. */
        e->kind = EXIT_HALT;
        ret1(e, PSCI_SUCCESS);
        break;
    case PSCI_CPU_OFF:
        e->kind = EXIT_CPU_DOWN;
        break;
    case PSCI_CPU_ON:
        e->kind = EXIT_CPU_UP;
        e->arg[0] = x[1] & mask;
        e->arg[1] = x[2] & mask;
        e->arg[2] = x[3] & mask;
        break;
    case PSCI_AFFINITY_INFO: {
        int32_t r = ((x[2] & mask) != 0u) ? -1 : vcpu_affinity_info(v->vm, x[1] & mask);
        ret1(e, (r < 0) ? PSCI_INVALID_PARAMETERS : (int64_t)r);
        break;
    }
    case PSCI_MIGRATE_INFO_TYPE:
        ret1(e, 2); /* no trusted OS */
        break;
    case PSCI_SYSTEM_OFF:
        e->kind = EXIT_SYSTEM_OFF;
        break;
    case PSCI_SYSTEM_RESET:
        e->kind = EXIT_SYSTEM_RESET;
        break;
    case PSCI_FEATURES:
        ret1(e, (((uint32_t)x[1] == SMCCC_VERSION) || psci_implemented((uint32_t)x[1]))
                    ? PSCI_SUCCESS
                    : PSCI_NOT_SUPPORTED);
        break;
    default:
        ret1(e, PSCI_NOT_SUPPORTED);
        break;
    }
}

bool smccc_constant(uint32_t fid, uint64_t *ret)
{
    bool known = true;

    switch (fid) {
    case SMCCC_VERSION:
        *ret = 0x10001u; /* SMCCC 1.1 */
        break;
    case FID_FAST | (OEN_STANDARD << 24) | PSCI_VERSION:
        *ret = 0x10001u; /* PSCI 1.1 */
        break;
    case FID_FAST | (OEN_VENDOR_HYP << 24) | HV_FN_VERSION:
    case FID_FAST | FID_SMC64 | (OEN_VENDOR_HYP << 24) | HV_FN_VERSION:
        *ret = HV_VERSION_VALUE;
        break;
    default:
        known = false;
        break;
    }
    return known;
}

void smccc_dispatch(struct vcpu *v)
{
    struct vcpu_exit *e = &v->exit;
    uint32_t fid = (uint32_t)v->arch.regs.x[0];
    uint64_t ret;

    e->kind = EXIT_NONE;
    if (smccc_constant(fid, &ret)) {
        e->ret[0] = ret;
        e->nret = 1u;
        return;
    }
    if (((fid & FID_FAST) == 0u) || (FID_RESERVED(fid) != 0u)) {
        ret1(e, PSCI_NOT_SUPPORTED); /* yielding calls are not provided */
        return;
    }
    switch (FID_OEN(fid)) {
    case OEN_ARCH:
        /* SMCCC_VERSION is a constant; no firmware workarounds to offer. */
        ret1(e, PSCI_NOT_SUPPORTED);
        break;
    case OEN_STANDARD:
        psci_call(v, fid);
        break;
    case OEN_VENDOR_HYP: {
        /* SMC32 calls pass 32-bit arguments: ignore the upper halves. */
        uint64_t mask = ((fid & FID_SMC64) != 0u) ? UINT64_MAX : 0xffffffffULL;
        e->kind = EXIT_HYPERCALL;
        e->arg[0] = fid;
        e->arg[1] = v->arch.regs.x[1] & mask;
        e->arg[2] = v->arch.regs.x[2] & mask;
        e->arg[3] = v->arch.regs.x[3] & mask;
        break;
    }
    default:
        ret1(e, PSCI_NOT_SUPPORTED);
        break;
    }
}
