/* What tests/host/host_test.toml configures, as the tests use it. The
 * config_layout case of test_vm_stop.c checks these against the generated
 * tables, so a change of the TOML file shows up there first. */
#ifndef HOST_CFG_H
#define HOST_CFG_H

/* VMs */
#define VM_A 0u /* on_fault stop */
#define VM_B 1u /* on_fault restart, default restart_limit (3) */
#define VM_C 2u

/* Global VCPU indices (VMs in file order, each VM's VCPUs in order). */
#define A0 0u /* CPU 0 */
#define A1 1u /* CPU 1 */
#define B0 2u /* CPU 0, budget 100 us */
#define B1 3u /* CPU 1 */
#define C0 4u /* CPU 2, on_fault restart, restart_limit 2 */

#define RAM_IPA 0x40000000ull      /* every VM's main RAM */
#define RAM_SIZE 0x400000ull       /* 4 MiB */
#define A_RO_IPA 0x40400000ull     /* a: read-only page right after its RAM */
#define SHARED_IPA 0x48000000ull   /* a and b: one shared page */
#define A_ENTRY 0x40000040ull
#define B_ENTRY 0x40000000ull
#define DTB_IPA 0x40200000ull
#define A_IMAGE_SIZE 300u          /* 'A' bytes, see run.sh */
#define B_IMAGE_SIZE 200u          /* 'B' bytes */
#define C_IMAGE_SIZE 100u          /* 'C' bytes */
#define B0_BUDGET_TICKS (100000u / 16u) /* 100 us at the fake's 62.5 MHz */

#endif
