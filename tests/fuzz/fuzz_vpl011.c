/* REQ-FUZZ-01 REQ-PERF-01 */
/* fuzz_vpl011: the emulated PL011 (src/core/vpl011.c) through its MMIO
 * handlers (vpl011_ops, the fast one included) and its console-input side
 * (vpl011_rx_push), with
 * the real console.c and log.c behind it and small fakes for the arch hooks
 * and the vGIC line (vpl011_irq_level). struct vm comes from the generated
 * cfg_sizes.h of tests/fuzz/configs/core.toml; this target uses its own
 * struct vm and cfg_vm, not the generated tables.
 *
 * Input: a sequence of operations, each an opcode byte (mod 7) and its
 * arguments (tests/fuzz/make_seeds.py writes seeds in this encoding):
 *   0 READ   u16 offset, u8 width index (1, 2, 4, 8)
 *   1 WRITE  u16 offset, u8 width index, u32 value
 *   2 RX     u8 byte                      (vpl011_rx_push)
 *   3 BURST  u8 count, u8 first byte      (count pushes of byte, byte+1, ...)
 *   4 RESET                               (vpl011_init, as on a VM restart)
 *   5 FAST_READ, 6 FAST_WRITE: as READ and WRITE, but offered to
 *     vpl011_ops.fast first, as the fast exit path does (fast_exit.c)
 * Offsets are taken modulo 0x1010, so a few fall past the 4 KiB window.
 *
 * Invariants (ids for FUZZ_IGNORE), checked after every operation:
 *   fifo-depth    rx_count <= the current depth (32 with LCR_H.FEN, else 1)
 *   fifo-data     a shadow FIFO: bytes leave DR in the order they entered
 *                 (rx_push, loopback), none invented, none lost while there
 *                 was room; rx_push says false exactly when it was full
 *   fifo-count    nothing else changes the count (LCR_H.FEN flips empty it)
 *   fr            FR: RXFE iff empty, RXFF iff full, TXFE always, BUSY never
 *   mis           MIS reads RIS & IMSC
 *   ris           RIS holds defined bits only; RX and RT imply bytes waiting;
 *                 a DR write raises TX
 *   level         the model's level is (RIS & IMSC) != 0, and the last
 *                 vpl011_irq_level() call carried it; that call is made
 *                 with the UART lock free
 *   access        64-bit, unaligned and out-of-window accesses are
 *                 rejected; an accepted read fits its width
 *   tx            a DR write outside loopback reaches the VM's console line
 *                 (but '\r' and ANSI escape sequences, which it drops)
 *   console       console output: no control character but "\r\n" line ends
 *   lock          no lock left held, none taken twice
 *   fast          an access the fast op answers ends exactly as the full
 *                 path would end it (same value, same UART state, same
 *                 console line, no line report due); one it declines
 *                 changes nothing */
#include <stdio.h>
#include <string.h>
#include "fuzz_common.h"
#include "arch_console.h"
#include "arch_cpu.h"
#include "arch_lock.h"
#include "arch_timer.h"
#include "console.h"
#include "vm.h"
#include "vpl011.h"

#define MAX_OPS 512u
#define UART_INTID 33u

/* PL011 registers and bits (PrimeCell UART TRM, DDI 0183). */
#define DR    0x000u
#define FR    0x018u
#define LCR_H 0x02cu
#define CR    0x030u
#define IMSC  0x038u
#define RIS   0x03cu
#define MIS   0x040u
#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)
#define LCR_H_FEN (1u << 4)
#define CR_LBE (1u << 7)
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)
#define INT_ALL 0x7ffu

static struct fuzz_log oplog;

void fuzz_dump_context(void)
{
    fuzz_log_dump(&oplog);
}

/* ---- the VM around the UART, and the fakes ---- */

static const struct cfg_vm fuzz_cfg_vm = { .name = "u0", .console = CFG_CONSOLE_EMULATED };
static struct vm vm;
#define U (&vm.uart)

static uint32_t locks_held;
static uint32_t irq_calls;
static bool irq_last;
static int console_prev = '\n'; /* last byte the physical UART got */

void arch_spin_lock(struct spinlock *l)
{
    FUZZ_CHECK("lock", l->next == l->owner, "arch_spin_lock(%p): already held", (void *)l);
    l->next++;
    locks_held++;
}

void arch_spin_unlock(struct spinlock *l)
{
    FUZZ_CHECK("lock", l->next != l->owner, "arch_spin_unlock(%p): not held", (void *)l);
    l->owner++;
    locks_held--;
}

void vpl011_irq_level(struct vpl011 *u, bool level)
{
    FUZZ_CHECK("level", u == U, "vpl011_irq_level for an unknown UART");
    FUZZ_CHECK("level", u->lock.next == u->lock.owner, "vpl011_irq_level called with the UART lock held");
    irq_calls++;
    irq_last = level;
}

/* Console lines are "[prefix] text\r\n" with control characters shown as
 * '.': a guest must not be able to end a line early or move the cursor. */
FUZZ_NO_COVERAGE void arch_console_putc(char ch)
{
    int c = (unsigned char)ch;

    if (c == '\n') {
        FUZZ_CHECK("console", console_prev == '\r', "console: a bare \\n");
    } else if (console_prev == '\r') {
        FUZZ_CHECK("console", false, "console: \\r not followed by \\n");
    } else if (c != '\r') {
        FUZZ_CHECK("console", (c == '\t') || ((c >= 0x20) && (c != 0x7f)),
                   "console: control character 0x%02x reached the physical UART", c);
    }
    console_prev = c;
}

void arch_console_init(void)
{
}

void arch_console_rx_enable(void)
{
}

bool arch_console_getc(uint8_t *c)
{
    (void)c;
    return false;
}

uint32_t arch_cpu_id(void)
{
    return 0u;
}

/* console.c time-stamps partial lines. */
uint64_t arch_timer_now(void)
{
    return 0u;
}

uint64_t arch_timer_ns_to_ticks(uint64_t ns)
{
    return ns / 16u;
}

_Noreturn void arch_cpu_halt(void)
{
    FUZZ_CHECK("panic", false, "arch_cpu_halt(): panic");
    abort();
}

/* ---- the oracle's state ---- */

static uint8_t shadow[64];
static uint32_t shadow_len;

/* The console's ANSI escape filter (docs/console.md): ESC, then for "ESC ["
 * everything up to a final byte 0x40..0x7e; other escapes are two bytes.
 * Returns true if the byte is swallowed. A '\r' is dropped before it. */
enum { ESC_NONE, ESC_SEEN, ESC_CSI };
static uint32_t shadow_esc;

static bool shadow_escape(uint8_t c)
{
    switch (shadow_esc) {
    case ESC_SEEN:
        shadow_esc = (c == '[') ? ESC_CSI : ESC_NONE;
        return true;
    case ESC_CSI:
        if ((c >= 0x40u) && (c <= 0x7eu)) {
            shadow_esc = ESC_NONE;
        }
        return true;
    default:
        if (c == 0x1bu) {
            shadow_esc = ESC_SEEN;
            return true;
        }
        return false;
    }
}

static uint32_t depth_now(void)
{
    return ((U->regs[LCR_H >> 2] & LCR_H_FEN) != 0u) ? VPL011_FIFO_DEPTH : 1u;
}

static void shadow_push(uint8_t c)
{
    if (shadow_len < sizeof(shadow)) {
        shadow[shadow_len] = c;
        shadow_len++;
    }
}

FUZZ_NO_COVERAGE static void check_state(void)
{
    bool want = (U->ris & (uint32_t)U->regs[IMSC >> 2]) != 0u;

    FUZZ_CHECK("lock", locks_held == 0u, "%u lock(s) left held", locks_held);
    FUZZ_CHECK("fifo-depth", U->rx_count <= depth_now(), "rx_count %u > depth %u", U->rx_count,
               depth_now());
    FUZZ_CHECK("fifo-depth", U->rx_head < VPL011_FIFO_DEPTH, "rx_head %u", U->rx_head);
    FUZZ_CHECK("fifo-count", U->rx_count == shadow_len, "rx_count %u, but %u byte(s) went in and not out",
               U->rx_count, shadow_len);
    FUZZ_CHECK("ris", (U->ris & ~INT_ALL) == 0u, "RIS 0x%x has undefined bits", U->ris);
    FUZZ_CHECK("ris", ((U->ris & (INT_RX | INT_RT)) == 0u) || (U->rx_count > 0u),
               "RIS 0x%x signals received data with an empty FIFO", U->ris);
    FUZZ_CHECK("level", U->level == want, "level %u but (RIS 0x%x & IMSC 0x%x) != 0 is %u", U->level, U->ris,
               U->regs[IMSC >> 2], want);
    FUZZ_CHECK("level", irq_last == U->level, "the vGIC was last told level %u, the model has %u", irq_last,
               U->level);
}

/* The UART's model state and the VM's console line, without the locks'
 * ticket counters (which count acquisitions, not state). */
struct uart_state {
    struct vpl011 u;
    struct console_line line;
};

static void snapshot(struct uart_state *st)
{
    memcpy(&st->u, U, sizeof(st->u));
    memcpy(&st->line, &vm.console, sizeof(st->line));
    memset(&st->u.lock, 0, sizeof(st->u.lock));
}

/* The fast op on an in-window access (fast_exit.c checks the window):
 * if it answers, the access is undone and made again through the full
 * path, and both must end the same. Returns true if it answered. */
FUZZ_NO_COVERAGE static bool fast_matches_full(uint32_t off, uint32_t width, bool write, uint64_t *value)
{
    struct uart_state before;
    struct uart_state after_fast;
    struct uart_state after_full;
    uint32_t calls0 = irq_calls;
    uint64_t fast_value = write ? *value : 0u;
    bool full_ok;

    if ((off + width) > VPL011_WINDOW) {
        return false;
    }
    snapshot(&before);
    if (!vpl011_ops.fast(U, off, width, write, &fast_value)) {
        snapshot(&after_fast);
        FUZZ_CHECK("fast", memcmp(&before, &after_fast, sizeof(before)) == 0,
                   "the fast op declined %s +0x%03x w%u but changed the UART or the console line",
                   write ? "write" : "read", off, width);
        return false;
    }
    FUZZ_CHECK("fast", irq_calls == calls0, "the fast op reported a line level");
    snapshot(&after_fast);
    {
        struct spinlock held = U->lock; /* the ticket counters go on counting */
        memcpy(U, &before.u, sizeof(*U));
        U->lock = held;
    }
    memcpy(&vm.console, &before.line, sizeof(vm.console));
    *value = write ? *value : 0u;
    full_ok = write ? vpl011_ops.write(NULL, U, off, width, *value) : vpl011_ops.read(NULL, U, off, width, value);
    snapshot(&after_full);
    FUZZ_CHECK("fast", full_ok, "the fast op answered %s +0x%03x w%u, which the full path rejects",
               write ? "write" : "read", off, width);
    FUZZ_CHECK("fast", irq_calls == calls0, "the fast op answered an access that changes the line level");
    FUZZ_CHECK("fast", write || (fast_value == *value), "fast read of +0x%03x gave 0x%llx, the full path 0x%llx",
               off, (unsigned long long)fast_value, (unsigned long long)*value);
    FUZZ_CHECK("fast", memcmp(&after_fast, &after_full, sizeof(after_fast)) == 0,
               "%s +0x%03x w%u: the fast op and the full path leave different states",
               write ? "write" : "read", off, width);
    return true;
}

/* One access through the vdev ops, as vdev_dispatch makes it (offered to
 * the fast op first if `fast`). */
static bool access(uint32_t off, uint32_t width, bool write, uint64_t *value, bool fast)
{
    if (fast && fast_matches_full(off, width, write, value)) {
        return true;
    }
    if (write) {
        return vpl011_ops.write(NULL, U, off, width, *value);
    }
    *value = 0u;
    return vpl011_ops.read(NULL, U, off, width, value);
}

static void op_access(uint32_t off, uint32_t width, bool write, uint32_t wvalue, bool fast)
{
    uint32_t count0 = U->rx_count;
    uint32_t depth0 = depth_now();
    uint32_t fen0 = U->regs[LCR_H >> 2] & LCR_H_FEN;
    bool loop0 = (U->regs[CR >> 2] & CR_LBE) != 0u;
    uint32_t ris0 = U->ris;
    uint32_t imsc0 = U->regs[IMSC >> 2];
    uint32_t line0 = vm.console.len;
    uint64_t value = wvalue;
    uint64_t wmask = (width >= 4u) ? 0xffffffffull : ((1ull << (8u * width)) - 1u);
    bool ok = access(off, width, write, &value, fast);

    fuzz_log(&oplog, "%s%s +0x%03x w%u %s0x%llx -> %s", fast ? "fast " : "", write ? "write" : "read", off, width,
             write ? "" : "= ", (unsigned long long)(write ? wvalue : value), ok ? "ok" : "rejected");
    FUZZ_CHECK("access", !ok || ((width != 8u) && ((off % 4u) == 0u) && (off < VPL011_WINDOW)),
               "accepted a %u-byte access at offset 0x%x", width, off);
    if (!ok) {
        FUZZ_CHECK("fifo-count", U->rx_count == count0, "a rejected access changed the FIFO");
        return;
    }
    if (!write) {
        FUZZ_CHECK("access", (value & ~wmask) == 0u, "a %u-byte read returned 0x%llx", width,
                   (unsigned long long)value);
    }
    if ((off == DR) && !write) {
        if (count0 > 0u) {
            FUZZ_CHECK("fifo-data", value == shadow[0], "DR read 0x%llx, expected the oldest byte 0x%02x",
                       (unsigned long long)value, shadow[0]);
            shadow_len--;
            memmove(&shadow[0], &shadow[1], shadow_len);
        } else {
            FUZZ_CHECK("fifo-data", value == 0u, "DR read 0x%llx from an empty FIFO",
                       (unsigned long long)value);
        }
    } else if ((off == DR) && write) {
        uint8_t c = (uint8_t)wvalue;
        FUZZ_CHECK("ris", (U->ris & INT_TX) != 0u, "a DR write did not raise TX (RIS 0x%x)", U->ris);
        if (loop0) {
            if (count0 < depth0) {
                shadow_push(c);
            }
        } else if ((c == '\r') || shadow_escape(c)) {
            FUZZ_CHECK("tx", vm.console.len == line0, "TX of 0x%02x (dropped) changed the console line", c);
        } else if (c == '\n') {
            FUZZ_CHECK("tx", vm.console.len == 0u, "TX of \\n left %u byte(s) in the console line",
                       vm.console.len);
        } else {
            FUZZ_CHECK("tx", (vm.console.len >= 1u) && ((uint8_t)vm.console.buf[vm.console.len - 1u] == c),
                       "TX of 0x%02x did not reach the console line (len %u, was %u)", c, vm.console.len,
                       line0);
        }
    } else if ((off == LCR_H) && write) {
        if ((U->regs[LCR_H >> 2] & LCR_H_FEN) != fen0) {
            shadow_len = 0u; /* switching FIFO mode empties it */
        }
    } else if ((off == FR) && !write) {
        uint32_t want = FR_TXFE | ((count0 == 0u) ? FR_RXFE : 0u) | ((count0 >= depth0) ? FR_RXFF : 0u);
        FUZZ_CHECK("fr", (value & (FR_BUSY | FR_RXFE | FR_TXFF | FR_RXFF | FR_TXFE)) == (want & wmask),
                   "FR 0x%llx with %u of %u byte(s) waiting (want 0x%x)", (unsigned long long)value, count0,
                   depth0, want);
    } else if ((off == MIS) && !write) {
        FUZZ_CHECK("mis", value == ((ris0 & imsc0) & wmask), "MIS 0x%llx, RIS 0x%x & IMSC 0x%x",
                   (unsigned long long)value, ris0, imsc0);
    } else if ((off == RIS) && !write) {
        FUZZ_CHECK("ris", value == (ris0 & wmask), "RIS read 0x%llx, model 0x%x", (unsigned long long)value,
                   ris0);
    } else {
        /* other registers: the state checks cover them */
    }
}

static void op_push(uint8_t c)
{
    uint32_t count0 = U->rx_count;
    uint32_t depth0 = depth_now();
    uint32_t dropped0 = U->rx_dropped;
    bool ok = vpl011_rx_push(U, c);

    FUZZ_CHECK("fifo-data", ok == (count0 < depth0), "rx_push of 0x%02x with %u of %u waiting returned %u", c,
               count0, depth0, ok);
    FUZZ_CHECK("fifo-data", ok || (U->rx_dropped == dropped0 + 1u), "a dropped byte was not counted");
    if (ok) {
        shadow_push(c);
        FUZZ_CHECK("ris", (U->ris & INT_RT) != 0u, "a received byte did not raise RT");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t widths[4] = { 1u, 2u, 4u, 8u };
    struct fuzz_in in = { data, size };
    uint32_t ops;

    /* A fresh, zeroed UART as at boot (static storage), then its init. */
    memset(&vm, 0, sizeof(vm));
    vm.cfg = &fuzz_cfg_vm;
    irq_calls = 0u;
    irq_last = false;
    shadow_len = 0u;
    shadow_esc = ESC_NONE;
    memset(&oplog, 0, sizeof(oplog));
    vpl011_init(U, &vm, UART_INTID);
    check_state();

    for (ops = 0u; (ops < MAX_OPS) && !fin_done(&in); ops++) {
        uint32_t op = fin_pick(&in, 7u);
        switch (op) {
        case 0u:
        case 5u: {
            uint32_t off = fin_u16(&in) % 0x1010u;
            op_access(off, widths[fin_pick(&in, 4u)], false, 0u, op == 5u);
            break;
        }
        case 1u:
        case 6u: {
            uint32_t off = fin_u16(&in) % 0x1010u;
            uint32_t width = widths[fin_pick(&in, 4u)];
            op_access(off, width, true, fin_u32(&in), op == 6u);
            break;
        }
        case 2u: {
            uint8_t c = fin_u8(&in);
            fuzz_log(&oplog, "rx_push 0x%02x", c);
            op_push(c);
            break;
        }
        case 3u: {
            uint32_t n = fin_u8(&in) % 48u;
            uint8_t c = fin_u8(&in);
            uint32_t i;
            fuzz_log(&oplog, "rx_push %u bytes from 0x%02x", n, c);
            for (i = 0u; i < n; i++) {
                op_push((uint8_t)(c + i));
                check_state();
            }
            break;
        }
        default:
            fuzz_log(&oplog, "vpl011_init (VM restart)");
            vpl011_init(U, &vm, UART_INTID);
            shadow_len = 0u;
            FUZZ_CHECK("fifo-count", U->rx_count == 0u, "vpl011_init left %u byte(s)", U->rx_count);
            break;
        }
        check_state();
    }
    return 0;
}
