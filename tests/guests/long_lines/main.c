/* tests/guests/long_lines/main.c: whole-line console output under load. Prints 50 lines of
 * 100+ characters as fast as it can (no yields): LL vm=<vm> n=<k> <100 x C> end, where C is
 * a character unique to the VM ('A' + VM index). Even lines go out in one HV_CONSOLE_WRITE,
 * odd lines one byte per HV_CONSOLE_PUTC, so a line is often half-way in the hypervisor's
 * buffer while another VM prints. Then one 300-character line (LLX ...) byte by byte, which
 * the hypervisor must split into 128-byte pieces. Run two or more at once on different
 * physical CPUs; every console line must hold one VM's text only. Before the burst it sleeps
 * 20 ms in WFI (virtual timer, PPI 27 through the GIC, PSTATE.I set) so that the other VMs
 * come up: a busy wait would keep them from running under single-threaded QEMU (-icount).
 * Markers: LL-START, LL vm=..., LL-DONE, LLX ..., LLX-DONE. */
#include "guest.h"
#include "../irq_common/gic.h"

#define LINES      50u
#define RUN        100u   /* repeated characters per line */
#define LONG_LEN   300u   /* characters of the LLX line, prefix included */
#define START_US   20000u /* let the other VMs come up before the burst */

static char line[256];

static unsigned append(unsigned n, const char *s)
{
    while (*s)
        line[n++] = *s++;
    return n;
}

static unsigned append_dec(unsigned n, uint64_t v)
{
    char tmp[GUEST_DIGITS_MAX];
    int len = digits_reversed(tmp, v, 10);

    while (len > 0)
        line[n++] = tmp[--len];
    return n;
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;

    (void)x0;
    if (vcpu != 0)
        return;
    if (vm_info(&info) != HV_OK)
        info.vm = 0;
    const char c = (char)('A' + (info.vm % 26u));

    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    gic_cpu_init(0, 1u << VTIMER_INTID);
    printf("LL-START vm=%lu char=%c\n", info.vm, c);
    /* PSTATE.I is set (start.S leaves IRQs masked): the timer interrupt only ends WFI. */
    (void)vtimer_sleep_masked(START_US, NULL);

    for (unsigned k = 0; k < LINES; k++) {
        unsigned n = append(0, "LL vm=");
        n = append_dec(n, info.vm);
        n = append(n, " n=");
        n = append_dec(n, k);
        line[n++] = ' ';
        for (unsigned i = 0; i < RUN; i++)
            line[n++] = c;
        n = append(n, " end\n");
        if ((k & 1u) == 0u) {
            int64_t r = hv_console_write(line, n);
            if (r != (int64_t)n)
                printf("\nLL-ERROR console-write n=%u ret=%ld\n", k, r);
        } else {
            for (unsigned i = 0; i < n; i++)
                (void)hv_console_putc(line[i]);
        }
    }
    printf("LL-DONE vm=%lu lines=%u\n", info.vm, LINES);

    /* One line longer than the hypervisor's 128-byte line buffer. */
    unsigned n = append(0, "LLX vm=");
    n = append_dec(n, info.vm);
    line[n++] = ' ';
    for (unsigned i = 0; i < LONG_LEN; i++)
        (void)hv_console_putc(i < n ? line[i] : c);
    (void)hv_console_putc('\n');
    printf("LLX-DONE vm=%lu len=%u\n", info.vm, LONG_LEN);
    psci_system_off();
}
