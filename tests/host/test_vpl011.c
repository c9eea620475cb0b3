/* Host tests of the emulated PL011 (src/core/vpl011.c) through its vdev
 * handlers and its console-input API: registers and reset values, TX to
 * the VM's console line, the RX FIFO, interrupt levels, access widths and
 * unknown offsets. Expected values come from the PL011 TRM and the brief
 * in docs/console.md, not from the source under test. */
#include <stdio.h>
#include <string.h>
#include "vpl011.h"
#include "vm.h"
#include "console_fakes.h"

/* PL011 register offsets and bits, from the TRM. */
#define DR     0x000u
#define RSR    0x004u
#define FR     0x018u
#define ILPR   0x020u
#define IBRD   0x024u
#define FBRD   0x028u
#define LCR_H  0x02cu
#define CR     0x030u
#define IFLS   0x034u
#define IMSC   0x038u
#define RIS    0x03cu
#define MIS    0x040u
#define ICR    0x044u
#define DMACR  0x048u

#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)
#define FEN     (1u << 4)
#define LBE     (1u << 7)
#define I_RX    (1u << 4)
#define I_TX    (1u << 5)
#define I_RT    (1u << 6)

static struct vm vm0;
static struct vm vm2;
static struct vpl011 uart;
static struct vpl011 uart2;

static uint64_t rd_at(const char *file, int line, struct vpl011 *u, uint32_t off, uint32_t width)
{
    uint64_t v = 0xbadbadbadull;

    if (!vpl011_ops.read(NULL, u, off, width, &v)) {
        cf_fail(file, line, "read of 0x%03x, width %u, rejected", off, width);
    }
    return v;
}

static void wr_at(const char *file, int line, struct vpl011 *u, uint32_t off, uint32_t width,
                  uint64_t v)
{
    if (!vpl011_ops.write(NULL, u, off, width, v)) {
        cf_fail(file, line, "write of 0x%03x, width %u, rejected", off, width);
    }
}

#define RD(off)          rd_at(__FILE__, __LINE__, &uart, (off), 4u)
#define RDW(off, w)      rd_at(__FILE__, __LINE__, &uart, (off), (w))
#define WR(off, v)       wr_at(__FILE__, __LINE__, &uart, (off), 4u, (v))
#define WRW(off, w, v)   wr_at(__FILE__, __LINE__, &uart, (off), (w), (v))

static void setup(void)
{
    memset(&uart, 0, sizeof(uart));
    memset(&uart2, 0, sizeof(uart2));
    memset(&vm0, 0, sizeof(vm0));
    memset(&vm2, 0, sizeof(vm2));
    vm0.cfg = &cfg_vms[0];
    vm2.cfg = &cfg_vms[2];
    vm2.index = 2u;
    vpl011_init(&uart, &vm0, 33u);
    vpl011_init(&uart2, &vm2, 34u);
}

static void push_n(uint32_t n)
{
    uint32_t i;

    for (i = 0u; i < n; i++) {
        CHECK(vpl011_rx_push(&uart, (uint8_t)('A' + (i % 26u))));
    }
}

/* REQ-UART-01 */
static void t_reset_values(void)
{
    CHECK_EQ(RD(FR), FR_TXFE | FR_RXFE);
    CHECK_EQ(RD(RSR), 0u);
    CHECK_EQ(RD(ILPR), 0u);
    CHECK_EQ(RD(IBRD), 0u);
    CHECK_EQ(RD(FBRD), 0u);
    CHECK_EQ(RD(LCR_H), 0u);
    CHECK_EQ(RD(CR), 0x300u);
    CHECK_EQ(RD(IFLS), 0x12u);
    CHECK_EQ(RD(IMSC), 0u);
    CHECK_EQ(RD(RIS), 0u);
    CHECK_EQ(RD(MIS), 0u);
    CHECK_EQ(RD(ICR), 0u);
    CHECK_EQ(RD(DMACR), 0u);
    CHECK_EQ(uart.intid, 33u);
    CHECK(uart.vm == &vm0);
    CHECK_EQ(cf_irq_calls, 0u); /* the line starts low: nothing to report */
    CHECK_STR(cf_console, "");
}

/* REQ-UART-01 */
static void t_id_registers(void)
{
    static const uint8_t want[8] = { 0x11u, 0x10u, 0x14u, 0x00u, 0x0du, 0xf0u, 0x05u, 0xb1u };
    uint32_t i;

    for (i = 0u; i < 8u; i++) {
        uint32_t off = 0xfe0u + (4u * i);
        CHECK_EQ(RD(off), want[i]);
        CHECK_EQ(RDW(off, 1u), want[i]);
        CHECK_EQ(RDW(off, 2u), want[i]);
        WR(off, 0xffu); /* read-only */
        CHECK_EQ(RD(off), want[i]);
    }
    CHECK_STR(cf_console, ""); /* known registers: nothing logged */
}

/* REQ-UART-01 */
static void t_stored_registers(void)
{
    WR(ILPR, 0xffffffffu);
    WR(IBRD, 0xffffffffu);
    WR(FBRD, 0xffffffffu);
    WR(LCR_H, 0x70u);
    WR(CR, 0x301u);
    WR(IFLS, 0xffffffffu);
    WR(DMACR, 0xffffffffu);
    CHECK_EQ(RD(ILPR), 0xffu);
    CHECK_EQ(RD(IBRD), 0xffffu);
    CHECK_EQ(RD(FBRD), 0x3fu);
    CHECK_EQ(RD(LCR_H), 0x70u);
    CHECK_EQ(RD(CR), 0x301u);
    CHECK_EQ(RD(IFLS), 0x3fu);
    CHECK_EQ(RD(DMACR), 0x7u);
    WR(FR, 0u); /* read-only */
    WR(RIS, 0x7ffu);
    CHECK_EQ(RD(FR), FR_TXFE | FR_RXFE);
    CHECK_EQ(RD(RIS), 0u);
}

/* REQ-UART-02 REQ-CONS-01 */
static void t_tx_line_with_prefix(void)
{
    cf_console_needs = &vm0.lock; /* console_vm_putc must run under vm->lock */
    WR(DR, 'h');
    WR(DR, 'i');
    CHECK_STR(cf_console, ""); /* whole lines only */
    WR(DR, '\n');
    CHECK_STR(cf_console, "[vm0] hi\r\n");
    CHECK_EQ(vm0.lock.next, vm0.lock.owner);
}

/* REQ-UART-02 */
static void t_tx_ignores_upper_bits(void)
{
    WR(DR, 0xf00u | 'x'); /* bits [11:8] are not data */
    WR(DR, '\n');
    CHECK_STR(cf_console, "[vm0] x\r\n");
}

/* REQ-UART-03 */
static void t_dr_byte_and_halfword(void)
{
    WRW(DR, 1u, 'a');
    WRW(DR, 2u, 0x0100u | 'b');
    WRW(DR, 1u, '\n');
    CHECK_STR(cf_console, "[vm0] ab\r\n");
    WR(LCR_H, FEN);
    push_n(3u);
    CHECK_EQ(RDW(DR, 1u), 'A');
    CHECK_EQ(RDW(DR, 2u), 'B');
    CHECK_EQ(RD(DR), 'C');
    CHECK_EQ(RD(DR), 0u); /* empty: no data, no error bits */
}

/* REQ-UART-03 */
static void t_halfword_any_register(void)
{
    /* Linux's amba-pl011 uses readw/writew on every register. */
    WRW(IBRD, 2u, 0x1234u);
    CHECK_EQ(RDW(IBRD, 2u), 0x1234u);
    WRW(IMSC, 2u, I_RX | I_RT);
    CHECK_EQ(RDW(IMSC, 2u), I_RX | I_RT);
    CHECK_EQ(RDW(FR, 2u), FR_TXFE | FR_RXFE);
    WRW(ICR, 2u, 0x7ffu);
    CHECK_EQ(RDW(CR, 2u), 0x300u);
}

/* REQ-UART-01 */
static void t_fr_flags(void)
{
    uint32_t fr;

    WR(LCR_H, FEN);
    fr = (uint32_t)RD(FR);
    CHECK_EQ(fr & (FR_RXFE | FR_RXFF | FR_TXFE | FR_TXFF | FR_BUSY), FR_RXFE | FR_TXFE);
    push_n(5u);
    fr = (uint32_t)RD(FR);
    CHECK_EQ(fr & (FR_RXFE | FR_RXFF | FR_TXFE | FR_TXFF | FR_BUSY), FR_TXFE);
    push_n(VPL011_FIFO_DEPTH - 5u);
    fr = (uint32_t)RD(FR);
    CHECK_EQ(fr & (FR_RXFE | FR_RXFF | FR_TXFE | FR_TXFF | FR_BUSY), FR_RXFF | FR_TXFE);
    WR(DR, 'z'); /* transmitting never makes TX busy or full */
    CHECK_EQ(RD(FR) & (FR_TXFF | FR_BUSY | FR_TXFE), FR_TXFE);
}

/* REQ-UART-02 */
static void t_rx_order_and_overflow(void)
{
    uint32_t i;

    WR(LCR_H, FEN);
    for (i = 0u; i < VPL011_FIFO_DEPTH; i++) {
        CHECK(vpl011_rx_ready(&uart));
        CHECK(vpl011_rx_push(&uart, (uint8_t)(0x40u + i)));
    }
    CHECK(!vpl011_rx_ready(&uart));
    CHECK(!vpl011_rx_push(&uart, 0x7eu)); /* dropped */
    CHECK_EQ(uart.rx_dropped, 1u);
    CHECK_EQ(RD(DR), 0x40u);
    CHECK(vpl011_rx_ready(&uart));
    CHECK(vpl011_rx_push(&uart, 0x7fu)); /* wraps around the ring */
    for (i = 1u; i < VPL011_FIFO_DEPTH; i++) {
        CHECK_EQ(RD(DR), 0x40u + i);
    }
    CHECK_EQ(RD(DR), 0x7fu);
    CHECK(RD(FR) & FR_RXFE);
}

/* REQ-UART-02 */
static void t_fen0_depth_one(void)
{
    CHECK_EQ(RD(LCR_H) & FEN, 0u); /* reset: no FIFO */
    CHECK(vpl011_rx_ready(&uart));
    CHECK(vpl011_rx_push(&uart, 'a'));
    CHECK(!vpl011_rx_ready(&uart));
    CHECK(!vpl011_rx_push(&uart, 'b'));
    CHECK_EQ(RD(FR) & (FR_RXFF | FR_RXFE), FR_RXFF);
    CHECK_EQ(RD(DR), 'a');
    CHECK_EQ(RD(FR) & (FR_RXFF | FR_RXFE), FR_RXFE);
}

/* REQ-UART-02 */
static void t_fen_toggle_flushes(void)
{
    WR(LCR_H, FEN);
    push_n(3u);
    WR(LCR_H, FEN | 0x60u); /* FEN unchanged: kept */
    CHECK_EQ(RD(FR) & FR_RXFE, 0u);
    WR(LCR_H, 0x60u);       /* FIFO -> holding register: emptied */
    CHECK(RD(FR) & FR_RXFE);
    CHECK_EQ(RD(RIS) & (I_RX | I_RT), 0u);
}

/* REQ-UART-02 */
static void t_irq_tx(void)
{
    WR(DR, 'a');
    CHECK_EQ(RD(RIS), I_TX);
    CHECK_EQ(RD(MIS), 0u);
    CHECK_EQ(cf_irq_calls, 0u); /* masked: line stays low */
    WR(IMSC, I_TX);
    CHECK_EQ(RD(MIS), I_TX);
    CHECK_EQ(cf_irq_calls, 1u);
    CHECK(cf_irq_last);
    CHECK(cf_irq_dev == &uart);
    WR(DR, 'b'); /* still high: no new report */
    CHECK_EQ(cf_irq_calls, 1u);
    WR(ICR, I_TX);
    CHECK_EQ(RD(RIS), 0u);
    CHECK_EQ(cf_irq_calls, 2u);
    CHECK(!cf_irq_last);
    WR(DR, '\n');
    CHECK_EQ(cf_irq_calls, 3u);
    CHECK(cf_irq_last);
    WR(IMSC, 0u);
    CHECK_EQ(cf_irq_calls, 4u);
    CHECK(!cf_irq_last);
    CHECK_EQ(RD(RIS), I_TX); /* masking does not clear the raw status */
}

/* REQ-UART-02 */
static void t_irq_rx_and_rt(void)
{
    uint32_t i;

    WR(LCR_H, FEN); /* IFLS reset 0x12: RX at 1/2 = 16 bytes */
    WR(IMSC, I_RX | I_RT);
    CHECK(vpl011_rx_push(&uart, 'a'));
    CHECK_EQ(RD(RIS), I_RT);
    CHECK_EQ(RD(MIS), I_RT);
    CHECK_EQ(cf_irq_calls, 1u);
    CHECK(cf_irq_last);
    push_n(14u);
    CHECK_EQ(RD(RIS), I_RT); /* 15 < 16 */
    push_n(1u);
    CHECK_EQ(RD(RIS), I_RX | I_RT);
    CHECK_EQ(RD(MIS), I_RX | I_RT);
    CHECK_EQ(cf_irq_calls, 1u); /* already high */
    (void)RD(DR);
    CHECK_EQ(RD(RIS), I_RT); /* 15 left: below the trigger */
    for (i = 0u; i < 14u; i++) {
        (void)RD(DR);
    }
    CHECK_EQ(RD(RIS), I_RT);
    CHECK_EQ(cf_irq_calls, 1u);
    (void)RD(DR); /* empty now */
    CHECK_EQ(RD(RIS), 0u);
    CHECK_EQ(cf_irq_calls, 2u);
    CHECK(!cf_irq_last);
}

/* REQ-UART-02 */
static void t_irq_rx_fen0(void)
{
    WR(IMSC, I_RX);
    CHECK(vpl011_rx_push(&uart, 'a')); /* no FIFO: every byte triggers */
    CHECK_EQ(RD(RIS), I_RX | I_RT);
    CHECK_EQ(RD(MIS), I_RX);
    CHECK(cf_irq_last);
    CHECK_EQ(RD(DR), 'a');
    CHECK_EQ(RD(RIS), 0u);
    CHECK(!cf_irq_last);
    CHECK_EQ(cf_irq_calls, 2u);
}

/* REQ-UART-02 */
static void t_ifls_trigger_levels(void)
{
    static const uint32_t level[5] = { 4u, 8u, 16u, 24u, 28u };
    uint32_t sel;

    for (sel = 0u; sel < 5u; sel++) {
        setup();
        WR(LCR_H, FEN);
        WR(IFLS, sel << 3);
        push_n(level[sel] - 1u);
        CHECK_EQ(RD(RIS) & I_RX, 0u);
        push_n(1u);
        CHECK_EQ(RD(RIS) & I_RX, I_RX);
    }
}

/* REQ-UART-02 */
static void t_icr_clears_named_bits(void)
{
    WR(IMSC, I_RX | I_TX);
    WR(DR, 'a');
    CHECK(vpl011_rx_push(&uart, 'b'));
    CHECK_EQ(RD(RIS), I_RX | I_TX | I_RT);
    CHECK_EQ(RD(MIS), I_RX | I_TX);
    WR(ICR, I_RT);
    CHECK_EQ(RD(RIS), I_RX | I_TX);
    CHECK(cf_irq_last);
    WR(ICR, I_TX);
    CHECK_EQ(RD(RIS), I_RX);
    CHECK(cf_irq_last);
    WR(ICR, I_RX);
    CHECK_EQ(RD(RIS), 0u);
    CHECK(!cf_irq_last);
    CHECK_EQ(RD(DR), 'b'); /* ICR clears interrupts, not data */
}

/* REQ-UART-02 */
static void t_imsc_masking(void)
{
    CHECK(vpl011_rx_push(&uart, 'a'));
    CHECK_EQ(cf_irq_calls, 0u);
    WR(IMSC, I_TX);
    CHECK_EQ(cf_irq_calls, 0u);
    WR(IMSC, I_RT);
    CHECK_EQ(cf_irq_calls, 1u);
    CHECK(cf_irq_last);
    WR(IMSC, I_RT | I_RX);
    CHECK_EQ(cf_irq_calls, 1u);
    WR(IMSC, 0u);
    CHECK_EQ(cf_irq_calls, 2u);
    CHECK(!cf_irq_last);
}

/* REQ-UART-03 */
static void t_bad_accesses_rejected(void)
{
    uint64_t v = 0x55u;

    WR(IMSC, I_TX);
    CHECK(!vpl011_ops.write(NULL, &uart, DR, 8u, 'q'));       /* 64-bit */
    CHECK(!vpl011_ops.read(NULL, &uart, DR, 8u, &v));
    CHECK(!vpl011_ops.write(NULL, &uart, DR, 0u, 'q'));       /* no syndrome */
    CHECK(!vpl011_ops.write(NULL, &uart, 0x001u, 1u, 'q'));   /* misaligned byte */
    CHECK(!vpl011_ops.write(NULL, &uart, 0x002u, 2u, 'q'));   /* misaligned halfword */
    CHECK(!vpl011_ops.read(NULL, &uart, 0x01au, 2u, &v));
    CHECK(!vpl011_ops.read(NULL, &uart, 0x019u, 4u, &v));
    CHECK(!vpl011_ops.read(NULL, &uart, FR, 1u, &v));         /* bytes: DR and IDs only */
    CHECK(!vpl011_ops.write(NULL, &uart, CR, 1u, 0u));
    CHECK(!vpl011_ops.read(NULL, &uart, 0x008u, 1u, &v));     /* nor unknown offsets */
    CHECK(!vpl011_ops.read(NULL, &uart, 0x1000u, 4u, &v));    /* outside the window */
    CHECK(!vpl011_ops.read(NULL, &uart, 0xffffffffffff0000ull, 4u, &v));
    CHECK_EQ(v, 0x55u); /* rejected reads leave the value alone */
    CHECK_EQ(RD(RIS), 0u); /* and rejected writes did nothing */
    CHECK_EQ(RD(CR), 0x300u);
    CHECK_EQ(cf_irq_calls, 0u);
    WR(DR, '\n');
    CHECK_STR(cf_console, "[vm0] \r\n"); /* 'q' never reached the console */
}

/* REQ-UART-03 */
static void t_unknown_offset_raz_wi_logged_once(void)
{
    const char *line = "[hv] vm vm0: pl011: read of unknown offset 0x008: reads as zero, writes ignored\r\n";

    CHECK_EQ(RD(0x008u), 0u);
    CHECK_STR(cf_console, line);
    cf_console_clear();
    WR(0x008u, 0xffu);
    CHECK_EQ(RD(0x008u), 0u);
    CHECK_EQ(RDW(0x008u, 2u), 0u);
    CHECK_STR(cf_console, ""); /* once per offset */
    WR(0x080u, 1u); /* ITCR: not modelled */
    CHECK_STR(cf_console,
              "[hv] vm vm0: pl011: write of unknown offset 0x080: reads as zero, writes ignored\r\n");
    cf_console_clear();
    CHECK_EQ(RD(0x080u), 0u);
    CHECK_EQ(RD(0xffcu - 0x20u), 0u); /* 0xfdc, just below the IDs */
    CHECK(strstr(cf_console, "0xfdc") != NULL);
    cf_console_clear();
    /* Per device: the other UART logs its own first access. */
    CHECK_EQ(rd_at(__FILE__, __LINE__, &uart2, 0x008u, 4u), 0u);
    CHECK_STR(cf_console,
              "[hv] vm vm2: pl011: read of unknown offset 0x008: reads as zero, writes ignored\r\n");
    cf_console_clear();
    /* A VM restart resets the UART but does not repeat the log lines. */
    vpl011_init(&uart, &vm0, 33u);
    CHECK_EQ(RD(0x008u), 0u);
    CHECK_STR(cf_console, "");
    CHECK_EQ(RD(RIS), 0u); /* nothing else changed either */
}

/* REQ-UART-02 */
static void t_loopback(void)
{
    WR(LCR_H, FEN);
    WR(CR, 0x301u | LBE);
    WR(DR, 'L');
    WR(DR, '\n');
    CHECK_STR(cf_console, "");
    CHECK_EQ(RD(DR), 'L');
    CHECK_EQ(RD(DR), '\n');
    WR(CR, 0x301u);
    WR(DR, 'M');
    WR(DR, '\n');
    CHECK_STR(cf_console, "[vm0] M\r\n");
}

static bool fast(uint32_t off, uint32_t width, bool is_write, uint64_t *v)
{
    return vpl011_ops.fast(&uart, off, width, is_write, v);
}

/* The fast exit path's share: a console write's FR loads and DR stores,
 * answered as the full handlers would; anything that would change the
 * interrupt line, loop back or touch another register is declined. */
/* REQ-UART-02 REQ-PERF-01 */
static void t_fast_console_write(void)
{
    uint64_t v = 0u;

    cf_console_needs = &vm0.lock;
    CHECK(fast(FR, 2u, false, &v));
    CHECK_EQ(v, FR_TXFE | FR_RXFE);
    v = 'o';
    CHECK(fast(DR, 1u, true, &v));
    v = 0xf00u | 'k'; /* bits [11:8] are not data */
    CHECK(fast(DR, 4u, true, &v));
    v = '\n';
    CHECK(fast(DR, 2u, true, &v));
    CHECK_STR(cf_console, "[vm0] ok\r\n");
    CHECK_EQ(RD(RIS), I_TX);
    CHECK_EQ(cf_irq_calls, 0u);
    CHECK(vpl011_rx_push(&uart, 'x'));
    CHECK(fast(FR, 4u, false, &v));
    CHECK_EQ(v, FR_TXFE | FR_RXFF); /* FIFO off: one byte fills the holding register */
    CHECK_EQ(uart.lock.next, uart.lock.owner);
}

/* REQ-UART-02 REQ-PERF-01 */
static void t_fast_declines_the_rest(void)
{
    uint64_t v = 0u;

    CHECK(!fast(FR, 1u, false, &v));  /* FR takes halfwords and words only */
    CHECK(!fast(FR, 8u, false, &v));
    CHECK(!fast(DR, 8u, true, &v));
    CHECK(!fast(RIS, 4u, false, &v)); /* not a console register */
    CHECK(!fast(DR, 4u, false, &v));  /* a DR load pops the RX FIFO */
    CHECK(!fast(FR, 4u, true, &v));
    WR(ICR, I_TX);
    WR(IMSC, I_TX);
    v = 'a';
    CHECK(!fast(DR, 4u, true, &v));   /* TX would raise the line: the vGIC must hear */
    CHECK_EQ(RD(RIS), 0u);
    CHECK_EQ(vm0.console.len, 0u);
    WR(DR, 'a');                      /* the full path raises it */
    CHECK_EQ(cf_irq_calls, 1u);
    v = 'b';
    CHECK(fast(DR, 4u, true, &v));    /* already high: no change */
    CHECK_EQ(cf_irq_calls, 1u);
    CHECK_EQ(vm0.console.len, 2u);
    WR(CR, 0x381u);                   /* loopback: TX feeds RX */
    CHECK(!fast(DR, 4u, true, &v));
    CHECK_EQ(vm0.console.len, 2u);
    CHECK_EQ(uart.rx_count, 0u);
}

/* REQ-UART-01 */
static void t_init_resets_and_lowers_line(void)
{
    WR(LCR_H, FEN);
    WR(IBRD, 5u);
    WR(IMSC, I_RT);
    push_n(4u);
    CHECK(cf_irq_last);
    CHECK_EQ(cf_irq_calls, 1u);
    vpl011_init(&uart, &vm0, 33u);
    CHECK_EQ(cf_irq_calls, 2u);
    CHECK(!cf_irq_last);
    CHECK_EQ(RD(IBRD), 0u);
    CHECK_EQ(RD(IMSC), 0u);
    CHECK_EQ(RD(LCR_H), 0u);
    CHECK_EQ(RD(FR), FR_TXFE | FR_RXFE);
    CHECK_EQ(RD(CR), 0x300u);
    CHECK_EQ(RD(IFLS), 0x12u);
    vpl011_init(&uart, &vm0, 33u); /* already low: no report */
    CHECK_EQ(cf_irq_calls, 2u);
}

/* REQ-UART-01 */
static void t_two_devices_independent(void)
{
    wr_at(__FILE__, __LINE__, &uart2, IMSC, 4u, I_RT);
    CHECK(vpl011_rx_push(&uart2, 'z'));
    CHECK(cf_irq_dev == &uart2);
    CHECK(RD(FR) & FR_RXFE);
    CHECK_EQ(rd_at(__FILE__, __LINE__, &uart2, DR, 4u), 'z');
    wr_at(__FILE__, __LINE__, &uart2, DR, 4u, 'y');
    wr_at(__FILE__, __LINE__, &uart2, DR, 4u, '\n');
    WR(DR, 'x');
    WR(DR, '\n');
    CHECK_STR(cf_console, "[vm2] y\r\n[vm0] x\r\n");
}

static const struct cf_case cases[] = {
    TEST(reset_values),
    TEST(id_registers),
    TEST(stored_registers),
    TEST(tx_line_with_prefix),
    TEST(tx_ignores_upper_bits),
    TEST(dr_byte_and_halfword),
    TEST(halfword_any_register),
    TEST(fr_flags),
    TEST(rx_order_and_overflow),
    TEST(fen0_depth_one),
    TEST(fen_toggle_flushes),
    TEST(irq_tx),
    TEST(irq_rx_and_rt),
    TEST(irq_rx_fen0),
    TEST(ifls_trigger_levels),
    TEST(icr_clears_named_bits),
    TEST(imsc_masking),
    TEST(bad_accesses_rejected),
    TEST(unknown_offset_raz_wi_logged_once),
    TEST(loopback),
    TEST(fast_console_write),
    TEST(fast_declines_the_rest),
    TEST(init_resets_and_lowers_line),
    TEST(two_devices_independent),
};

int main(void)
{
    return cf_run("test_vpl011", cases, sizeof(cases) / sizeof(cases[0]), setup);
}
