/* tests/guests/uart_rx/main.c: console input through the emulated PL011 and its interrupt.
 * The guest drives the PL011 at 0x09000000 directly, as on bare QEMU virt: output goes to
 * its data register; the receive FIFO is enabled (LCR_H.FEN) with the RX and receive
 * timeout interrupts (UARTIMSC), SPI 33 is enabled and routed to VCPU 0 in the distributor,
 * and VCPU 0 waits in WFI, taking each interrupt as a real IRQ exception and echoing every
 * byte as RX got=0x<hex>. VM 0 expects "ping", any other VM "pong" (sent once the test has
 * moved the console focus to it). After 4 bytes: UART-RX ok (or UART-RX mismatch), power off.
 * Markers: UART-RX ready, RX got=..., UART-RX ok, UART-RX mismatch, UART-RX stats. */
#include "guest.h"
#include "../irq_common/gic.h"

#define UART_BASE   0x09000000u
#define UART_DR     (UART_BASE + 0x000u)
#define UART_FR     (UART_BASE + 0x018u)
#define UART_LCR_H  (UART_BASE + 0x02cu)
#define UART_CR     (UART_BASE + 0x030u)
#define UART_IFLS   (UART_BASE + 0x034u)
#define UART_IMSC   (UART_BASE + 0x038u)
#define UART_MIS    (UART_BASE + 0x040u)
#define UART_ICR    (UART_BASE + 0x044u)
#define FR_RXFE     (1u << 4)
#define LCR_H_FEN   (1u << 4)
#define LCR_H_WLEN8 (3u << 5)
#define CR_ENABLE   ((1u << 0) | (1u << 8) | (1u << 9)) /* UARTEN, TXE, RXE */
#define INT_RX      (1u << 4)
#define INT_RT      (1u << 6)
#define INT_ALL     0x7ffu
#define UART_INTID  33u

#define WANT        4u
#define MAX_BYTES   32u

static volatile uint32_t received;
static volatile uint8_t bytes[MAX_BYTES];
static volatile uint32_t uart_irqs;
static volatile uint32_t empty_irqs; /* UART interrupt with MIS = 0 */
static volatile uint32_t other_irqs;
static volatile uint32_t other_last;
static volatile uint32_t spurious;

/* ---- output: straight to the (emulated) PL011 data register ---- */
static void uart_putc(char c)
{
    mmio_write32(UART_DR, (uint8_t)c);
}

static void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

static void uart_hex8(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";

    uart_puts("0x");
    uart_putc(digits[(v >> 4) & 0xfu]);
    uart_putc(digits[v & 0xfu]);
}

static void uart_dec(uint64_t v)
{
    char tmp[GUEST_DIGITS_MAX];
    int n = digits_reversed(tmp, v, 10);

    while (n > 0)
        uart_putc(tmp[--n]);
}

static void uart_rx_irq(void)
{
    uart_irqs++;
    if (mmio_read32(UART_MIS) == 0u)
        empty_irqs++;
    /* Clear first, then drain: a byte arriving after the drain raises RT again. */
    mmio_write32(UART_ICR, INT_RX | INT_RT);
    while (!(mmio_read32(UART_FR) & FR_RXFE)) {
        uint32_t c = mmio_read32(UART_DR) & 0xffu;

        if (received < MAX_BYTES)
            bytes[received] = (uint8_t)c;
        received = received + 1u;
        uart_puts("RX got=");
        uart_hex8(c);
        uart_putc('\n');
    }
}

static void on_irq(uint32_t intid)
{
    if (intid == UART_INTID) {
        uart_rx_irq();
    } else {
        other_irqs++;
        other_last = intid;
    }
}

void irq_dispatch(void)
{
    if (irq_handle_pending(on_irq) == 0u)
        spurious++;
}

void guest_main(unsigned vcpu, uint64_t x0)
{
    struct vm_info info;

    (void)x0;
    if (vcpu != 0)
        return;
    if (vm_info(&info) != HV_OK)
        info.vm = 0;
    const char *expect = (info.vm == 0u) ? "ping" : "pong";

    /* The UART: FIFO on, 8 bits, RX and receive-timeout interrupts. */
    mmio_write32(UART_CR, 0);
    mmio_write32(UART_LCR_H, LCR_H_FEN | LCR_H_WLEN8);
    mmio_write32(UART_IFLS, 0x12u); /* RX trigger at 1/2 full: RT reports the rest */
    mmio_write32(UART_ICR, INT_ALL);
    mmio_write32(UART_IMSC, INT_RX | INT_RT);
    mmio_write32(UART_CR, CR_ENABLE);

    /* The GIC: group 1 on, SPI 33 at a middle priority, routed to VCPU 0 (Aff0 = 0), enabled. */
    irq_vectors_install();
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    mmio_write8(GICD_IPRIORITYR(UART_INTID), 0xa0u);
    mmio_write64(GICD_IROUTER(UART_INTID), 0);
    mmio_write32(GICD_ISENABLER(UART_INTID / 32u), 1u << (UART_INTID % 32u));
    gic_cpu_init(0, 0);

    uart_puts("UART-RX ready vm=");
    uart_dec(info.vm);
    uart_puts(" expect=");
    uart_puts(expect);
    uart_putc('\n');

    for (;;) {
        irq_disable();
        if (received >= WANT)
            break;
        wfi();
        irq_enable();
    }
    irq_enable();

    unsigned ok = 1;
    for (unsigned i = 0; i < WANT; i++) {
        if (bytes[i] != (uint8_t)expect[i])
            ok = 0;
    }
    if (ok) {
        uart_puts("UART-RX ok\n");
    } else {
        uart_puts("UART-RX mismatch got=");
        for (unsigned i = 0; i < WANT; i++)
            uart_hex8(bytes[i]);
        uart_putc('\n');
    }
    uart_puts("UART-RX stats bytes=");
    uart_dec(received);
    uart_puts(" uart-irqs=");
    uart_dec(uart_irqs);
    uart_puts(" empty-irqs=");
    uart_dec(empty_irqs);
    uart_puts(" other-irqs=");
    uart_dec(other_irqs);
    uart_puts(" spurious=");
    uart_dec(spurious);
    uart_putc('\n');
    psci_system_off();
}
