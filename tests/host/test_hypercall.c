/* src/core/hypercall.c (docs/hypercalls.md), through exit_handle() as an
 * EXIT_HYPERCALL from the arch decoder. */
#include "support.h"
#include "host_cfg.h"
#include "hypercall.h"

#define HV_CALL(n) (0xc6000000ull | (n))
#define HV_CALL32(n) (0x86000000ull | (n))
#define INVALID ((uint64_t)(int64_t)-3)
#define NOT_SUPPORTED ((uint64_t)(int64_t)-1)

static struct vcpu_exit *hc(uint32_t global, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return handle_exit(vc(global), EXIT_HYPERCALL, fn, a1, a2, a3);
}

/* Copy of everything a hypercall could change, but the caller's exit record. */
static struct {
    struct vm vms[CFG_NUM_VMS];
    struct vcpu vcpus[CFG_NUM_VCPUS];
    struct pcpu pcpus[CFG_NUM_PCPUS];
    uint32_t console_len;
    uint32_t kicks;
} snap;

static void take_snapshot(void)
{
    uint32_t i;

    memcpy(snap.vms, vms, sizeof(snap.vms));
    memcpy(snap.vcpus, vcpus, sizeof(snap.vcpus));
    memcpy(snap.pcpus, pcpus, sizeof(snap.pcpus));
    snap.console_len = fake.console_len;
    snap.kicks = 0u;
    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        snap.kicks += fake.cpus[i].kicks;
    }
}

static bool unchanged_but_exit_of(uint32_t global)
{
    uint32_t i;
    uint32_t kicks = 0u;
    bool same = true;

    for (i = 0u; i < CFG_NUM_PCPUS; i++) {
        kicks += fake.cpus[i].kicks;
    }
    memcpy(&snap.vcpus[global].exit, &vcpus[global].exit, sizeof(struct vcpu_exit));
    same = same && (memcmp(snap.vms, vms, sizeof(snap.vms)) == 0);
    same = same && (memcmp(snap.vcpus, vcpus, sizeof(snap.vcpus)) == 0);
    same = same && (memcmp(snap.pcpus, pcpus, sizeof(snap.pcpus)) == 0);
    return same && (snap.console_len == fake.console_len) && (snap.kicks == kicks);
}

static void put_guest(uint32_t vm, uint64_t ipa, const char *s)
{
    memcpy(guest_mem(vm, ipa), s, strlen(s));
}

/* REQ-HC-01 */
static void t_version(void)
{
    struct vcpu_exit *e;

    start_vms();
    e = hc(A0, HV_CALL(0), 0, 0, 0);
    CHECK_EQ(e->ret[0], 0x00000001u); /* 0.1 */
    CHECK_EQ(e->nret, 1);
    e = hc(B1, HV_CALL32(0), 0, 0, 0);
    CHECK_EQ(e->ret[0], 0x00000001u);
    CHECK_EQ(e->nret, 1);
}

/* REQ-HC-01 REQ-SCHED-02 */
static void t_yield(void)
{
    struct vcpu_exit *e;

    start_vms();
    e = hc(A0, HV_CALL(1), 0, 0, 0);
    CHECK_EQ(e->ret[0], 0);
    CHECK_EQ(e->nret, 1);
    CHECK(pcpus[0].yield);
    CHECK(!pcpus[1].yield);
}

/* REQ-HC-01 */
static void t_console_putc(void)
{
    struct vcpu_exit *e;

    start_vms();
    e = hc(A0, HV_CALL(2), 'h', 0, 0);
    CHECK_EQ(e->ret[0], 0);
    CHECK_EQ(e->nret, 1);
    CHECK_EQ(fake.console_len, 0); /* buffered until the line ends */
    (void)hc(A0, HV_CALL(2), 0x12345600u | 'i', 0, 0); /* only the low byte counts */
    (void)hc(A0, HV_CALL32(2), '\n', 0, 0);
    CHECK_STR(fake.console, "[a] hi\r\n");
    CHECK_EQ(vms[VM_A].console.len, 0);
}

/* REQ-HC-01 */
static void t_console_write(void)
{
    struct vcpu_exit *e;

    start_vms();
    put_guest(VM_A, RAM_IPA + 0x1000u, "hello\nworld");
    e = hc(A1, HV_CALL(3), RAM_IPA + 0x1000u, 6, 0);
    CHECK_EQ(e->ret[0], 6);
    CHECK_EQ(e->nret, 1);
    CHECK_STR(fake.console, "[a] hello\r\n");
    e = hc(A1, HV_CALL(3), RAM_IPA + 0x1006u, 5, 0);
    CHECK_EQ(e->ret[0], 5);
    CHECK_EQ(vms[VM_A].console.len, 5); /* "world" waits for its newline */
    (void)hc(A0, HV_CALL(2), '\n', 0, 0);
    CHECK_STR(fake.console, "[a] hello\r\n[a] world\r\n");
}

/* REQ-HC-02 REQ-ISO-02 */
static void t_console_write_other_regions(void)
{
    struct vcpu_exit *e;

    start_vms();
    put_guest(VM_A, A_RO_IPA, "ro\n");
    put_guest(VM_A, SHARED_IPA + 0xff0u, "shared-end\n");
    e = hc(A0, HV_CALL(3), A_RO_IPA, 3, 0);
    CHECK_EQ(e->ret[0], 3);
    e = hc(B0, HV_CALL(3), SHARED_IPA + 0xff0u, 0x10, 0); /* up to the last byte */
    CHECK_EQ(e->ret[0], 0x10);
    CHECK_STR(fake.console, "[a] ro\r\n[b] shared-end\r\n");
}

/* REQ-HC-02 */
static void t_console_write_lengths(void)
{
    struct vcpu_exit *e;
    uint32_t i;

    start_vms();
    memset(guest_mem(VM_C, RAM_IPA + 0x2000u), 'x', 300);
    take_snapshot();
    e = hc(C0, HV_CALL(3), RAM_IPA + 0x2000u, 0, 0);
    CHECK_EQ(e->ret[0], INVALID);
    CHECK_EQ(e->nret, 1);
    CHECK(unchanged_but_exit_of(C0));
    e = hc(C0, HV_CALL(3), RAM_IPA + 0x2000u, 257, 0);
    CHECK_EQ(e->ret[0], INVALID);
    CHECK(unchanged_but_exit_of(C0));
    e = hc(C0, HV_CALL(3), RAM_IPA + 0x2000u, 1ull << 32, 0);
    CHECK_EQ(e->ret[0], INVALID);
    e = hc(C0, HV_CALL(3), RAM_IPA + 0x2000u, UINT64_MAX, 0);
    CHECK_EQ(e->ret[0], INVALID);
    CHECK(unchanged_but_exit_of(C0));
    /* 256 is the maximum: all of it goes to the console, in lines of 128 */
    e = hc(C0, HV_CALL(3), RAM_IPA + 0x2000u, 256, 0);
    CHECK_EQ(e->ret[0], 256);
    CHECK_LE(1, count_in(fake.console, "[c] "));
    CHECK_EQ(count_in(fake.console, "x") + vms[VM_C].console.len, 256);
    for (i = 0u; i < 128u; i++) {
        if (fake.console[4u + i] != 'x') {
            CHECK(!"line 1 is not 128 x");
            break;
        }
    }
    CHECK(strncmp(&fake.console[4u + 128u], "\r\n", 2) == 0);
    e = hc(C0, HV_CALL(3), RAM_IPA + 0x2000u, 1, 0);
    CHECK_EQ(e->ret[0], 1);
}

/* REQ-HC-02 REQ-ISO-02 */
static void t_console_write_outside_ram(void)
{
    static const struct {
        uint32_t vcpu;
        uint64_t ipa;
        uint64_t len;
    } bad[] = {
        { A0, 0, 1 },
        { A0, RAM_IPA - 1u, 2 },                 /* starts before RAM */
        { A0, RAM_IPA + RAM_SIZE - 10u, 20 },     /* straddles into the read-only page */
        { A0, A_RO_IPA + 0x1000u - 4u, 8 },       /* straddles the read-only page's end */
        { A0, SHARED_IPA + 0xff8u, 9 },
        { A0, 0x08000000ull, 16 },                /* GIC */
        { A0, 0x09000000ull, 16 },                /* UART */
        { B0, RAM_IPA + RAM_SIZE - 10u, 20 },     /* straddles the end of RAM */
        { B0, A_RO_IPA, 4 },                      /* a's page, not b's */
        { B0, 0x50c00000ull, 4 },                 /* its host-physical address */
        { C0, UINT64_MAX - 5u, 10 },              /* wraps around */
        { C0, UINT64_MAX, 1 },
        { C0, RAM_IPA + RAM_SIZE, 1 },
    };
    uint32_t i;

    start_vms();
    for (i = 0u; i < ARRAY_SIZE(bad); i++) {
        struct vcpu_exit *e;

        take_snapshot();
        e = hc(bad[i].vcpu, HV_CALL(3), bad[i].ipa, bad[i].len, 0);
        if ((e->ret[0] != INVALID) || !unchanged_but_exit_of(bad[i].vcpu)) {
            check_fail(__FILE__, __LINE__, "bad console write #%u (ipa 0x%llx, len %llu) returned 0x%llx%s",
                       i, (unsigned long long)bad[i].ipa, (unsigned long long)bad[i].len,
                       (unsigned long long)e->ret[0],
                       unchanged_but_exit_of(bad[i].vcpu) ? "" : " and changed state");
        }
    }
    CHECK_EQ(fake.console_len, 0);
}

/* REQ-HC-01 */
static void t_vm_info(void)
{
    struct vcpu_exit *e;

    start_vms();
    e = hc(A1, HV_CALL(4), 0, 0, 0);
    CHECK_EQ(e->nret, 4);
    CHECK_EQ(e->ret[0], 0);
    CHECK_EQ(e->ret[1], VM_A);
    CHECK_EQ(e->ret[2], 2);
    CHECK_EQ(e->ret[3], 1);
    e = hc(C0, HV_CALL32(4), 0, 0, 0);
    CHECK_EQ(e->ret[1], VM_C);
    CHECK_EQ(e->ret[2], 1);
    CHECK_EQ(e->ret[3], 1);
}

/* REQ-HC-01 */
static void t_service_queries(void)
{
    struct vcpu_exit *e;

    start_vms();
    e = hc(B0, 0x8600ff00u, 0, 0, 0);
    CHECK_EQ(e->ret[0], 5);
    CHECK_EQ(e->nret, 1);
    e = hc(B0, 0x8600ff01u, 0, 0, 0);
    CHECK_EQ(e->nret, 4);
    CHECK_EQ(e->ret[0], 0x76682d68u);
    CHECK_EQ(e->ret[1], 0x79706572u);
    CHECK_EQ(e->ret[2], 0x7669736fu);
    CHECK_EQ(e->ret[3], 0x72210001u);
    e = hc(B0, 0x8600ff03u, 0, 0, 0);
    CHECK_EQ(e->nret, 2);
    CHECK_EQ(e->ret[0], 0);
    CHECK_EQ(e->ret[1], 1);
    e = hc(B0, 0xc600ff00u, 0, 0, 0);
    CHECK_EQ(e->ret[0], 5);
}

/* REQ-HC-02 */
static void t_unknown_numbers(void)
{
    static const uint64_t bad[] = {
        HV_CALL(5), HV_CALL(6), HV_CALL(0x100), HV_CALL(0xff02), HV_CALL(0xff04), HV_CALL(0xffff),
        HV_CALL32(0x7fff),
    };
    uint32_t i;

    start_vms();
    CHECK(step_until_loaded(0, A0, 1));
    for (i = 0u; i < ARRAY_SIZE(bad); i++) {
        struct vcpu_exit *e;

        take_snapshot();
        e = hc(A0, bad[i], RAM_IPA, 4, 1);
        CHECK_EQ(e->ret[0], NOT_SUPPORTED);
        CHECK_EQ(e->nret, 1);
        CHECK(unchanged_but_exit_of(A0));
    }
}

/* From the guest's registers, through smccc_dispatch and the scheduler. */
/* REQ-HC-01 */
static void t_end_to_end(void)
{
    start_vms();
    put_guest(VM_C, RAM_IPA + 0x3000u, "via hvc\n");
    fake_script_smccc(C0, HV_CALL(3), RAM_IPA + 0x3000u, 8, 0);
    fake_script_smccc(C0, HV_CALL(3), 0, 8, 0);
    fake_script_smccc(C0, HV_CALL(4), 0, 0, 0);
    fake_script_smccc(C0, HV_CALL(0x55), 0, 0, 0);
    fake_script_exit(C0, EXIT_NONE);
    (void)step(2);
    (void)step(2);
    CHECK_EQ(fake.vcpus[C0].seen_x[0], 8);
    CHECK_STR(fake.console, "[c] via hvc\r\n");
    (void)step(2);
    CHECK_EQ(fake.vcpus[C0].seen_x[0], INVALID);
    (void)step(2);
    CHECK_EQ(fake.vcpus[C0].seen_x[0], 0);
    CHECK_EQ(fake.vcpus[C0].seen_x[1], VM_C);
    CHECK_EQ(fake.vcpus[C0].seen_x[2], 1);
    CHECK_EQ(fake.vcpus[C0].seen_x[3], 1);
    (void)step(2);
    CHECK_EQ(fake.vcpus[C0].seen_x[0], NOT_SUPPORTED);
}

static const struct test_case cases[] = {
    TEST(version),
    TEST(yield),
    TEST(console_putc),
    TEST(console_write),
    TEST(console_write_other_regions),
    TEST(console_write_lengths),
    TEST(console_write_outside_ram),
    TEST(vm_info),
    TEST(service_queries),
    TEST(unknown_numbers),
    TEST(end_to_end),
};

int main(void)
{
    return check_run("test_hypercall", cases, ARRAY_SIZE(cases));
}
