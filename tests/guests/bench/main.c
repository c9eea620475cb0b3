/* tests/guests/bench/main.c: the benchmark guest (make bench, tools/bench.py). One binary,
 * written for bare QEMU `virt` (GICv3 at 0x08000000/0x080a0000, EL1 virtual timer, PSCI
 * over HVC, PL011 at 0x09000000), that runs both in a VM of the hypervisor and directly
 * on QEMU at EL1, where it gives the baseline. Under QEMU -icount shift=0,sleep=off one
 * instruction takes 1 ns of virtual time: the cycle counter PMCCNTR_EL0 (QEMU derives it
 * from virtual time, 1 GHz) then counts instructions, at EL2 too once PMCCFILTR_EL0.NSH is
 * set, and the virtual counter advances once every 16 of them (62.5 MHz).
 *
 * Each figure is N_SAMPLES samples after N_WARMUP discarded ones, each sample timed with
 * the cycle counter (one-instruction resolution); the cycle counter's offset from the
 * virtual counter is calibrated exactly at the start and checked again at the end
 * (BENCH-CHECK drift=0 means every figure is virtual-counter time). The constant-cost
 * round trips are also timed as batches with the virtual counter alone (BENCH-CNT).
 *
 * Output (one line each): BENCH-SETUP, BENCH-BOOT, BENCH-RESULT name=<figure> unit=insn
 * n= min= med= max= sum=, BENCH-CNT name=<figure> n= ns_sum=, BENCH-CHECK, BENCH-DONE;
 * BENCH-ERROR on anything unexpected. Then PSCI SYSTEM_OFF.
 *
 * With "bench=switch" in the DTB's bootargs (tests/bench/bench_switch.toml: two VMs, one
 * VCPU each, on one physical CPU, sharing a page at SHARED_IPA), the VM's only job is the
 * VCPU switch figure: the two VMs ping-pong with HV_YIELD and VM index 0 reports.
 *
 * Everything is position-independent (no absolute addresses in data): the same bench.bin
 * is loaded at 0x40080000 by bare QEMU and by the hypervisor (kernel.load). */
#include "guest.h"
#include "../irq_common/gic.h"

#define N_SAMPLES 1000u
#define N_WARMUP  100u
#define N_TOTAL   (N_SAMPLES + N_WARMUP)
#define N_BATCH   1000u

/* The GICv3 of QEMU virt (the VM sees the same addresses): irq_common/gic.h. */
#define BENCH_SGI        1u

#define SHARED_IPA       0x41000000ul    /* bench_switch.toml: the page both VMs share */
#define SHARED_MAGIC     0x62656e63u     /* "benc" */

/* ---- from vectors.S and guest.ld ---- */
extern char bench_vectors[];
extern char _end[];
void bench_calibrate(uint64_t out[17]);
uint64_t bench_batch_hvc(uint32_t fid, uint64_t n);
uint64_t bench_batch_empty(uint32_t fid, uint64_t n);
uint64_t bench_batch_load(uint64_t addr, uint64_t n);
void bench_irq(uint64_t pmc, uint64_t cnt);

/* ---- interrupt handler state ---- */
static volatile uint64_t irq_pmc;     /* cycle counter in the vector's 2nd instruction */
static volatile uint64_t irq_cnt;     /* virtual counter one instruction later */
static volatile uint32_t irq_id;
static volatile uint32_t irq_count;
static volatile uint32_t irq_spurious;

static uint64_t boot_cnt;             /* virtual counter at guest_main's entry */
static uint32_t *samples;             /* N_TOTAL slots, past the image (_end) */

/* ---- system registers ---- */
static inline uint64_t pmc_read(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
    return v;
}

static inline uint64_t cnt_read(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

static inline void vtimer_at(uint64_t cval)
{
    __asm__ volatile("msr cntv_cval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb"
                     : : "r"(cval), "r"(1ull) : "memory");
}

/* ---- interrupts ---- */
void bench_irq(uint64_t pmc, uint64_t cnt)
{
    uint32_t id = icc_iar1_read();

    if (id >= INTID_SPECIAL) {
        irq_spurious++;
        return;
    }
    if (id == VTIMER_INTID)
        vtimer_set_ctl(0); /* off: drop the line before the EOI */
    irq_pmc = pmc;
    irq_cnt = cnt;
    irq_id = id;
    irq_count++;
    icc_eoir1_write(id);
}

static void gic_init(void)
{
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    gic_redist_wake(0);
    mmio_write32(GICR_IGROUPR0(0), 0xffffffffu); /* group 1 (bare QEMU resets them to group 0) */
    mmio_write32(GICR_ISENABLER0(0), (1u << BENCH_SGI) | (1u << VTIMER_INTID));
    icc_open();
    __asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"((uint64_t)(uintptr_t)bench_vectors) : "memory");
    irq_enable();
}

/* ---- the cycle counter ---- */
static int pmu_init(void)
{
    uint64_t dfr0;
    uint64_t pmcr;

    __asm__ volatile("mrs %0, id_aa64dfr0_el1" : "=r"(dfr0));
    if (((dfr0 >> 8) & 0xfu) == 0u || ((dfr0 >> 8) & 0xfu) == 0xfu)
        return 0;
    /* Count at EL1 and EL0 and, with NSH, at EL2: hypervisor work is guest-visible time. */
    __asm__ volatile("msr pmccfiltr_el0, %0" : : "r"(1ull << 27) : "memory");
    __asm__ volatile("msr pmcntenset_el0, %0" : : "r"(1ull << 31) : "memory");
    __asm__ volatile("mrs %0, pmcr_el0" : "=r"(pmcr));
    pmcr = (pmcr | 1u | (1u << 6)) & ~(1ull << 3); /* E, LC; no divider; never reset */
    __asm__ volatile("msr pmcr_el0, %0\n\tisb" : : "r"(pmcr) : "memory");
    return 1;
}

/* Cycle counter minus virtual time in ns (virtual counter x 16), exact: of 16 virtual
 * counter reads one instruction apart, the one that sees a new tick runs at a multiple
 * of 16 ns; with no tick inside the run, the first read is the tick's first ns. */
static int64_t pmu_offset(void)
{
    uint64_t o[17];
    uint32_t j = 1;

    bench_calibrate(o);
    for (uint32_t i = 2; i <= 16; i++) {
        if (o[i] != o[i - 1]) {
            j = i;
            break;
        }
    }
    return (int64_t)(o[0] - (o[j] * 16u - j));
}

/* ---- statistics ---- */
static void sort_u32(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        uint32_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* Reports samples[N_WARMUP .. N_TOTAL). */
static void report(const char *name)
{
    uint32_t *s = samples + N_WARMUP;
    uint64_t sum = 0;

    for (uint32_t i = 0; i < N_SAMPLES; i++)
        sum += s[i];
    sort_u32(s, N_SAMPLES);
    printf("BENCH-RESULT name=%s unit=insn n=%u min=%u med=%u max=%u sum=%lu\n", name,
           N_SAMPLES, s[0], s[N_SAMPLES / 2], s[N_SAMPLES - 1], sum);
}

static void report_cnt(const char *name, uint64_t n, uint64_t ns_sum)
{
    printf("BENCH-CNT name=%s n=%lu ns_sum=%lu\n", name, n, ns_sum);
}

/* ---- the figures ---- */

/* The instructions between two cycle-counter reads, minus the one of the second read:
 * what the operation between them costs, the operation itself counting as one. */

static void bench_empty(void)
{
    for (uint32_t i = 0; i < N_TOTAL; i++) {
        uint64_t a, b;
        __asm__ volatile("isb\n\tmrs %0, pmccntr_el0\n\tmrs %1, pmccntr_el0"
                         : "=&r"(a), "=&r"(b) : : "memory");
        samples[i] = (uint32_t)(b - a - 1u);
    }
    report("empty");
}

static void bench_hvc(const char *name, uint32_t fid)
{
    for (uint32_t i = 0; i < N_TOTAL; i++) {
        register uint64_t x0 __asm__("x0") = fid;
        uint64_t a, b;
        __asm__ volatile("isb\n\tmrs %[a], pmccntr_el0\n\thvc #0\n\tmrs %[b], pmccntr_el0"
                         : [a] "=&r"(a), [b] "=&r"(b), "+r"(x0)
                         :
                         : "x1", "x2", "x3", "memory");
        samples[i] = (uint32_t)(b - a - 1u);
    }
    report(name);
    report_cnt(name, N_BATCH,
               (bench_batch_hvc(fid, N_BATCH) - bench_batch_empty(fid, N_BATCH)) * 16u);
}

static void bench_mmio(void)
{
    for (uint32_t i = 0; i < N_TOTAL; i++) {
        uint64_t a, b;
        uint32_t v;
        __asm__ volatile("isb\n\tmrs %[a], pmccntr_el0\n\tldr %w[v], [%[p]]\n\tmrs %[b], pmccntr_el0"
                         : [a] "=&r"(a), [b] "=&r"(b), [v] "=&r"(v)
                         : [p] "r"(GICD_TYPER)
                         : "memory");
        samples[i] = (uint32_t)(b - a - 1u);
        (void)v;
    }
    report("mmio_gicd_typer");
    report_cnt("mmio_gicd_typer", N_BATCH,
               (bench_batch_load(GICD_TYPER, N_BATCH) - bench_batch_empty(0, N_BATCH)) * 16u);
}

/* Self-IPI: from the ICC_SGI1R_EL1 write to the handler's cycle-counter read (which is
 * the vector's 2nd instruction: the stp before it is counted too). */
static void bench_sgi(void)
{
    const uint64_t sgi = ((uint64_t)BENCH_SGI << 24) | 1u; /* Aff3.2.1 = 0, target list: CPU 0 */
    uint64_t ns_sum = 0;

    for (uint32_t i = 0; i < N_TOTAL; i++) {
        uint32_t before = irq_count;
        uint64_t a, c;
        __asm__ volatile("isb\n\tmrs %[c], cntvct_el0\n\tmrs %[a], pmccntr_el0\n\t"
                         "msr S3_0_C12_C11_5, %[v]\n\tisb"
                         : [a] "=&r"(a), [c] "=&r"(c)
                         : [v] "r"(sgi)
                         : "memory");
        for (uint32_t spins = 0; irq_count == before && spins < 1000000u; spins++)
            ;
        if (irq_count == before || irq_id != BENCH_SGI) {
            printf("BENCH-ERROR sgi: no interrupt (count %u id %u)\n", irq_count, irq_id);
            return;
        }
        samples[i] = (uint32_t)(irq_pmc - a - 1u);
        if (i >= N_WARMUP)
            ns_sum += (irq_cnt - c) * 16u;
    }
    report("sgi_self");
    report_cnt("sgi_self", N_SAMPLES, ns_sum);
}

/* Virtual timer: from the counter reaching CNTV_CVAL_EL0 to the handler's cycle-counter
 * read, converted to virtual time with the calibrated offset. */
static void bench_vtimer(const char *name, int use_wfi, int64_t off)
{
    const uint64_t lead = use_wfi ? 2000u : 200u; /* ticks: 32000 / 3200 instructions */
    uint64_t ns_sum = 0;

    for (uint32_t i = 0; i < N_TOTAL; i++) {
        uint32_t before = irq_count;
        uint64_t cval = cnt_read() + lead;

        vtimer_at(cval);
        if (use_wfi) {
            for (uint32_t w = 0; irq_count == before && w < 100u; w++)
                wfi();
        } else {
            for (uint32_t spins = 0; irq_count == before && spins < 10000000u; spins++)
                ;
        }
        if (irq_count == before || irq_id != VTIMER_INTID) {
            vtimer_set_ctl(0);
            printf("BENCH-ERROR %s: no timer interrupt (count %u id %u)\n", name, irq_count, irq_id);
            return;
        }
        samples[i] = (uint32_t)((int64_t)irq_pmc - off - (int64_t)(cval * 16u));
        if (i >= N_WARMUP)
            ns_sum += (irq_cnt - cval) * 16u;
    }
    report(name);
    report_cnt(name, N_SAMPLES, ns_sum);
}

/* ---- VCPU switch (bench=switch): two VMs on one physical CPU ---- */
struct shared_page {
    volatile uint32_t magic;
    volatile uint32_t ready[2];
    volatile uint32_t done[2];
    volatile uint32_t pad;
    volatile uint64_t stamp[2];
    volatile uint32_t samples[2][N_TOTAL];
};

static void switch_side(unsigned me)
{
    struct shared_page *sh = (struct shared_page *)SHARED_IPA;
    const unsigned other = 1u - me;
    volatile uint64_t *mine = &sh->stamp[me];

    /* One round more than recorded: the partner's last sample needs our last stamp. */
    for (uint32_t r = 0; r <= N_TOTAL; r++) {
        register uint64_t x0 __asm__("x0") = HV_YIELD;
        uint64_t a, b;
        __asm__ volatile("isb\n\tmrs %[a], pmccntr_el0\n\tstr %[a], [%[p]]\n\thvc #0\n\t"
                         "mrs %[b], pmccntr_el0"
                         : [a] "=&r"(a), [b] "=&r"(b), "+r"(x0)
                         : [p] "r"(mine)
                         : "x1", "x2", "x3", "memory");
        /* From the partner's stamp to our read, minus its str and our mrs. */
        if (r < N_TOTAL)
            sh->samples[me][r] = (uint32_t)(b - sh->stamp[other] - 2u);
    }
}

static void bench_switch(unsigned vm)
{
    struct shared_page *sh = (struct shared_page *)SHARED_IPA;

    if (vm == 0) {
        memset((void *)sh, 0, sizeof(*sh));
        sh->magic = SHARED_MAGIC;
        sh->ready[0] = 1;
        while (!sh->ready[1])
            hv_yield();
        switch_side(0);
        while (!sh->done[1])
            hv_yield();
        /* Both directions together (the buffer past the image has room for them). */
        uint32_t *both = samples;
        uint64_t sum = 0;
        for (uint32_t i = 0; i < N_SAMPLES; i++) {
            both[i] = sh->samples[0][N_WARMUP + i];
            both[N_SAMPLES + i] = sh->samples[1][N_WARMUP + i];
        }
        for (uint32_t i = 0; i < 2 * N_SAMPLES; i++)
            sum += both[i];
        sort_u32(both, 2 * N_SAMPLES);
        printf("BENCH-RESULT name=vcpu_switch unit=insn n=%u min=%u med=%u max=%u sum=%lu\n",
               2 * N_SAMPLES, both[0], both[N_SAMPLES], both[2 * N_SAMPLES - 1], sum);
    } else {
        for (uint32_t spins = 0; sh->magic != SHARED_MAGIC; spins++) {
            if (spins > 100000u) {
                printf("BENCH-ERROR switch: vm 0 never showed up\n");
                psci_system_off();
            }
            hv_yield();
        }
        sh->ready[1] = 1;
        switch_side(1);
        sh->done[1] = 1;
        psci_system_off(); /* this VM only: vm 0 reports */
    }
}

/* ---- set-up ---- */
static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Whether the DTB at `dtb` contains the string `s` (the bootargs carry the mode). */
static int dtb_has(uint64_t dtb, const char *s)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)dtb;
    size_t n = strlen(s);
    uint32_t size;

    if (dtb == 0 || (dtb & 7u) != 0 || be32(p) != 0xd00dfeedu)
        return 0;
    size = be32(p + 4);
    if (size > 0x200000u)
        return 0;
    for (uint32_t i = 0; i + n <= size; i++) {
        if (memcmp(p + i, s, n) == 0)
            return 1;
    }
    return 0;
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;
    int in_vm;
    int64_t off0, off1;

    boot_cnt = read_cntvct();
    if (vcpu != 0)
        return;
    samples = (uint32_t *)(((uintptr_t)_end + 0xfffu) & ~(uintptr_t)0xfffu);
    in_vm = vm_info(&info) == HV_OK;
    if (!pmu_init()) {
        puts("BENCH-ERROR no PMU cycle counter");
        psci_system_off();
    }
    gic_init();
    off0 = pmu_offset();

    if (in_vm && dtb_has(x0, "bench=switch")) {
        printf("BENCH-SETUP mode=switch vm=%lu\n", info.vm);
        bench_switch((unsigned)info.vm);
    } else {
        printf("BENCH-SETUP mode=%s load=0x%lx\n", in_vm ? "vm" : "bare",
               (uint64_t)(uintptr_t)&guest_main);
        printf("BENCH-BOOT cntvct=%lu ns=%lu\n", boot_cnt, boot_cnt * 16u);
        printf("BENCH-INFO psci-version=0x%lx hv-version=%ld gicd-typer=0x%x\n",
               (uint64_t)psci_version(), hv_version(), mmio_read32(GICD_TYPER));
        bench_empty();
        bench_hvc("hvc_psci_version", PSCI_VERSION);
        bench_hvc("hvc_hv_version", HV_VERSION);
        bench_mmio();
        bench_sgi();
        bench_vtimer("vtimer_spin", 0, off0);
        bench_vtimer("vtimer_wfi", 1, off0);
    }
    off1 = pmu_offset();
    printf("BENCH-CHECK drift=%ld spurious=%u\n", off1 - off0, irq_spurious);
    puts("BENCH-DONE");
    psci_system_off();
}
