/* tests/guests/smp_hello/main.c: SMP bring-up through virtual PSCI: negative CPU_ON checks,
 * CPU_ON of every secondary, interleaved TICK lines with HV_YIELD, AFFINITY_INFO until all off. */
#include "guest.h"

#define TICKS           5u
#define CTX_BASE        0x1000u
#define BOGUS_MPIDR     0x7u
#define OFF_TIMEOUT_US  10000000u /* 10 s of virtual time: report instead of hanging */

/* Progress of each secondary, written only by that secondary (cleared with .bss). */
#define SEC_STARTED 1u
#define SEC_DONE    2u
static volatile uint32_t sec_state[GUEST_MAX_VCPUS];

/* Ticks 5 ms apart (yielding while waiting), so that VMs started together
 * visibly run at the same time even on a busy host. */
#define TICK_GAP_US 5000u

static void ticks(unsigned vcpu)
{
    for (unsigned k = 0; k < TICKS; k++) {
        printf("TICK vcpu=%u n=%u\n", vcpu, k);
        if (k + 1 < TICKS) {
            uint64_t until = read_cntvct() + us_to_ticks(TICK_GAP_US);
            do {
                (void)hv_yield();
            } while (read_cntvct() < until);
        }
    }
}

static void secondary(unsigned vcpu, uint64_t ctx) __attribute__((noreturn));
static void secondary(unsigned vcpu, uint64_t ctx)
{
    sec_state[vcpu] = SEC_STARTED;
    printf("SMP-HELLO vcpu=%u ctx=0x%lx\n", vcpu, ctx);
    ticks(vcpu);
    __asm__ volatile("dmb sy" : : : "memory");
    sec_state[vcpu] = SEC_DONE;
    psci_cpu_off();
}

/* Without HV_VM_INFO (bare QEMU): count MPIDRs 0, 1, ... that AFFINITY_INFO knows. */
static unsigned probe_vcpus(void)
{
    unsigned n = 0;

    while (n < GUEST_MAX_VCPUS && psci_affinity_info(n, 0) >= 0)
        n++;
    return n;
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    const uint64_t entry = (uint64_t)(uintptr_t)&secondary_entry;
    struct vm_info info;
    unsigned n;
    int64_t r;

    if (vcpu != 0)
        secondary(vcpu, x0);

    r = vm_info(&info);
    if (r == HV_OK) {
        n = (unsigned)info.vcpus;
    } else {
        n = probe_vcpus();
        printf("SMP-NOTE vm-info-error=%ld probed-vcpus=%u\n", r, n);
    }
    if (n == 0 || n > GUEST_MAX_VCPUS) {
        printf("SMP-ERROR bad vcpu count %u\n", n);
        psci_system_off();
    }
    printf("SMP-START vcpus=%u\n", n);

    /* Negative checks before anything else is started. MPIDR 0x7 names no VCPU
     * as long as n <= 7 (the tests use n <= 4). */
    int64_t self = psci_cpu_on(0, entry, CTX_BASE);
    int64_t bogus = psci_cpu_on(n <= BOGUS_MPIDR ? BOGUS_MPIDR : 0xffu, entry, CTX_BASE + BOGUS_MPIDR);
    printf("SMP-CHECK self=%ld bogus=%ld\n", self, bogus);

    for (unsigned i = 1; i < n; i++) {
        r = psci_cpu_on(i, entry, CTX_BASE + i);
        if (r != PSCI_SUCCESS)
            printf("SMP-ERROR cpu_on vcpu=%u ret=%ld\n", i, r);
    }

    ticks(0);

    /*
     * Done when every secondary reports OFF. A secondary must also have got as
     * far as CPU_OFF (sec_state): a PSCI that says OFF between a successful
     * CPU_ON and the target's start is flagged with SMP-NOTE (bare QEMU does that;
     * PSCI wants ON_PENDING there) and waited out.
     */
    const uint64_t t0 = read_cntvct();
    const uint64_t timeout = us_to_ticks(OFF_TIMEOUT_US);
    uint32_t noted = 0;
    for (;;) {
        unsigned all_off = 1;
        unsigned last_i = 0;
        int64_t last_state = 0;

        for (unsigned i = 1; i < n; i++) {
            r = psci_affinity_info(i, 0);
            if (r == PSCI_AFF_OFF && sec_state[i] != SEC_DONE) {
                if (!(noted & (1u << i))) {
                    noted |= 1u << i;
                    printf("SMP-NOTE vcpu=%u off-before-done state=%u\n", i, sec_state[i]);
                }
                r = PSCI_AFF_ON_PENDING;
            }
            if (r != PSCI_AFF_OFF) {
                all_off = 0;
                last_i = i;
                last_state = r;
            }
        }
        if (all_off)
            break;
        if (read_cntvct() - t0 > timeout) {
            printf("SMP-TIMEOUT vcpu=%u state=%ld\n", last_i, last_state);
            psci_system_off();
        }
        (void)hv_yield();
    }

    printf("SMP-DONE vcpus=%u\n", n);
    psci_system_off();
}
