/* The emulated PL011 UART (PrimeCell r1p5) of a VM: its register model
 * (one table row per register range, one dispatcher), its RX FIFO, the TX
 * path into the VM's console line, and the interrupt level it hands to the
 * vGIC through vpl011_irq_level().
 *
 * Interrupts follow QEMU's pl011 model, which Linux's amba-pl011 driver and
 * earlycon are known to work with: transmission is instantaneous, so every
 * DR write raises TX and FR never shows a busy or full transmitter.
 *
 * Locking: u->lock guards the model. Console output (vm->lock, then the
 * console lock), log lines and the vGIC call all happen after u->lock is
 * dropped, so this file never holds two locks at once. */
#include "vpl011.h"
#include "console.h"
#include "log.h"
#include "vm.h"

/* Register offsets (PL011 TRM, DDI 0183). */
#define UART_DR        0x000u
#define UART_RSR       0x004u /* RSR on read, ECR on write */
#define UART_FR        0x018u
#define UART_ILPR      0x020u
#define UART_IBRD      0x024u
#define UART_FBRD      0x028u
#define UART_LCR_H     0x02cu
#define UART_CR        0x030u
#define UART_IFLS      0x034u
#define UART_IMSC      0x038u
#define UART_RIS       0x03cu
#define UART_MIS       0x040u
#define UART_ICR       0x044u
#define UART_DMACR     0x048u
#define UART_PERIPHID0 0xfe0u
#define UART_PCELLID0  0xff0u

#define FR_RXFE   (1u << 4)
#define FR_RXFF   (1u << 6)
#define FR_TXFE   (1u << 7)
#define LCR_H_FEN (1u << 4)
#define CR_LBE    (1u << 7)
#define INT_RX    (1u << 4)
#define INT_TX    (1u << 5)
#define INT_RT    (1u << 6)

#define REG(off) ((off) >> 2) /* index into u->regs */

/* Access widths a row accepts: the bit for a width is its size in bytes. */
#define W8  0x1u
#define W16 0x2u
#define W32 0x4u
/* Linux's amba-pl011 accesses every register with readw/writew (its ARM
 * vendor entry does not ask for 32-bit accesses), everything else uses
 * 32-bit accesses: so every register takes both. Bytes only where software
 * is known to use them: DR (earlycon's writeb) and the ID registers. */
#define W_REG (W16 | W32)
#define W_ANY (W8 | W16 | W32)

/* A byte the DR write handler wants sent once u->lock is dropped. */
struct tx_out {
    bool pending;
    uint8_t byte;
};

struct reg_row;
/* Handlers run under u->lock. `off` is the offset of the accessed register
 * inside the window; write values are already cut to the access width. */
typedef uint32_t (*reg_read_fn)(struct vpl011 *u, const struct reg_row *r, uint32_t off);
typedef void (*reg_write_fn)(struct vpl011 *u, const struct reg_row *r, uint32_t off, uint32_t val,
                             struct tx_out *tx);

struct reg_row {
    uint16_t offset;
    uint16_t size;   /* bytes covered, 4 per register */
    uint16_t widths; /* W8 | W16 | W32 */
    uint16_t mask;   /* writable bits of a stored register (or ICR) */
    uint16_t reset;  /* reset value of a stored register */
    reg_read_fn read;
    reg_write_fn write;
};

static const uint8_t vpl011_ids[8] = {
    0x11u, 0x10u, 0x14u, 0x00u, /* PeriphID0-3: part 0x011, ARM, revision r1p5 */
    0x0du, 0xf0u, 0x05u, 0xb1u, /* PCellID0-3: the PrimeCell signature */
};

static uint32_t rx_depth(const struct vpl011 *u)
{
    /* FEN = 0 replaces the FIFO with a one-character holding register. */
    return ((u->regs[REG(UART_LCR_H)] & LCR_H_FEN) != 0u) ? VPL011_FIFO_DEPTH : 1u;
}

static uint32_t rx_trigger(const struct vpl011 *u)
{
    /* IFLS.RXIFLSEL (bits [5:3]) in eighths of the FIFO; the reserved
     * encodings 5..7 act like the reset value, 1/2. */
    static const uint8_t eighths[8] = { 1u, 2u, 4u, 6u, 7u, 4u, 4u, 4u };
    uint32_t sel = ((uint32_t)u->regs[REG(UART_IFLS)] >> 3) & 7u;

    if ((u->regs[REG(UART_LCR_H)] & LCR_H_FEN) == 0u) {
        return 1u; /* every character interrupts without the FIFO */
    }
    return (VPL011_FIFO_DEPTH * (uint32_t)eighths[sel]) / 8u;
}

static bool rx_push_locked(struct vpl011 *u, uint8_t c)
{
    if (u->rx_count >= rx_depth(u)) {
        u->rx_dropped++;
        return false;
    }
    u->rx_fifo[(u->rx_head + u->rx_count) % VPL011_FIFO_DEPTH] = c;
    u->rx_count++;
    if (u->rx_count >= rx_trigger(u)) {
        u->ris |= INT_RX;
    }
    /* Input arrives one byte at a time at human speed: signal the
     * timeout right away instead of modelling 32 bit periods of silence,
     * so a byte below the trigger level is never left waiting. */
    u->ris |= INT_RT;
    return true;
}

static uint8_t rx_pop_locked(struct vpl011 *u)
{
    uint8_t c = 0u;

    if (u->rx_count > 0u) {
        c = u->rx_fifo[u->rx_head];
        u->rx_head = (u->rx_head + 1u) % VPL011_FIFO_DEPTH;
        u->rx_count--;
    }
    /* As on the hardware: RX clears when the level drops below the
     * trigger, RT when the FIFO is empty; reading until empty clears both. */
    if (u->rx_count < rx_trigger(u)) {
        u->ris &= ~INT_RX;
    }
    if (u->rx_count == 0u) {
        u->ris &= ~INT_RT;
    }
    return c;
}

static void rx_flush_locked(struct vpl011 *u)
{
    u->rx_head = 0u;
    u->rx_count = 0u;
    u->ris &= ~(INT_RX | INT_RT);
}

/* ---- register handlers (under u->lock) ---- */

static uint32_t rd_zero(struct vpl011 *u, const struct reg_row *r, uint32_t off)
{
    (void)u;
    (void)r;
    (void)off;
    return 0u;
}

static void wr_ignore(struct vpl011 *u, const struct reg_row *r, uint32_t off, uint32_t val,
                      struct tx_out *tx)
{
    (void)u;
    (void)r;
    (void)off;
    (void)val;
    (void)tx;
}

static uint32_t rd_stored(struct vpl011 *u, const struct reg_row *r, uint32_t off)
{
    (void)r;
    return u->regs[REG(off)];
}

static void wr_stored(struct vpl011 *u, const struct reg_row *r, uint32_t off, uint32_t val,
                      struct tx_out *tx)
{
    (void)tx;
    u->regs[REG(off)] = (uint16_t)(val & r->mask);
}

static uint32_t rd_dr(struct vpl011 *u, const struct reg_row *r, uint32_t off)
{
    (void)r;
    (void)off;
    return rx_pop_locked(u); /* error bits [11:8] are always clear */
}

static void wr_dr(struct vpl011 *u, const struct reg_row *r, uint32_t off, uint32_t val,
                  struct tx_out *tx)
{
    uint8_t c = (uint8_t)(val & 0xffu);

    (void)r;
    (void)off;
    /* CR.UARTEN and CR.TXE are not checked: earlycon writes to a UART it
     * assumes firmware enabled, and ours resets with UARTEN clear. */
    u->ris |= INT_TX;
    if ((u->regs[REG(UART_CR)] & CR_LBE) != 0u) {
        (void)rx_push_locked(u, c); /* loopback test mode: TX feeds RX */
    } else {
        tx->pending = true;
        tx->byte = c;
    }
}

static uint32_t rd_fr(struct vpl011 *u, const struct reg_row *r, uint32_t off)
{
    uint32_t fr = FR_TXFE; /* TX is instantaneous: never busy, never full */

    (void)r;
    (void)off;
    if (u->rx_count == 0u) {
        fr |= FR_RXFE;
    }
    if (u->rx_count >= rx_depth(u)) {
        fr |= FR_RXFF;
    }
    return fr;
}

static void wr_lcr_h(struct vpl011 *u, const struct reg_row *r, uint32_t off, uint32_t val,
                     struct tx_out *tx)
{
    uint32_t old = u->regs[REG(off)];

    wr_stored(u, r, off, val, tx);
    /* Like QEMU: switching between FIFO and holding register empties it,
     * so the count can never exceed the new depth. */
    if (((old ^ (uint32_t)u->regs[REG(off)]) & LCR_H_FEN) != 0u) {
        rx_flush_locked(u);
    }
}

static uint32_t rd_ris(struct vpl011 *u, const struct reg_row *r, uint32_t off)
{
    (void)r;
    (void)off;
    return u->ris;
}

static uint32_t rd_mis(struct vpl011 *u, const struct reg_row *r, uint32_t off)
{
    (void)r;
    (void)off;
    return u->ris & (uint32_t)u->regs[REG(UART_IMSC)];
}

static void wr_icr(struct vpl011 *u, const struct reg_row *r, uint32_t off, uint32_t val,
                   struct tx_out *tx)
{
    (void)off;
    (void)tx;
    u->ris &= ~(val & r->mask);
}

static uint32_t rd_id(struct vpl011 *u, const struct reg_row *r, uint32_t off)
{
    (void)u;
    (void)r;
    return vpl011_ids[(off - UART_PERIPHID0) >> 2];
}

/* Offsets not in this table (the reserved gaps, the test registers at
 * 0x080..0x08c) read as zero, ignore writes and are logged once. */
static const struct reg_row vpl011_regs[] = {
    /* offset         size  widths  mask     reset    read       write */
    { UART_DR,        4u,   W_ANY,  0x0000u, 0x0000u, rd_dr,     wr_dr },
    { UART_RSR,       4u,   W_REG,  0x0000u, 0x0000u, rd_zero,   wr_ignore }, /* no errors to clear */
    { UART_FR,        4u,   W_REG,  0x0000u, 0x0000u, rd_fr,     wr_ignore },
    { UART_ILPR,      4u,   W_REG,  0x00ffu, 0x0000u, rd_stored, wr_stored },
    { UART_IBRD,      4u,   W_REG,  0xffffu, 0x0000u, rd_stored, wr_stored },
    { UART_FBRD,      4u,   W_REG,  0x003fu, 0x0000u, rd_stored, wr_stored },
    { UART_LCR_H,     4u,   W_REG,  0x00ffu, 0x0000u, rd_stored, wr_lcr_h },
    { UART_CR,        4u,   W_REG,  0xff87u, 0x0300u, rd_stored, wr_stored },
    { UART_IFLS,      4u,   W_REG,  0x003fu, 0x0012u, rd_stored, wr_stored },
    { UART_IMSC,      4u,   W_REG,  0x07ffu, 0x0000u, rd_stored, wr_stored },
    { UART_RIS,       4u,   W_REG,  0x0000u, 0x0000u, rd_ris,    wr_ignore },
    { UART_MIS,       4u,   W_REG,  0x0000u, 0x0000u, rd_mis,    wr_ignore },
    { UART_ICR,       4u,   W_REG,  0x07ffu, 0x0000u, rd_zero,   wr_icr },
    { UART_DMACR,     4u,   W_REG,  0x0007u, 0x0000u, rd_stored, wr_stored }, /* no DMA behind it */
    { UART_PERIPHID0, 16u,  W_ANY,  0x0000u, 0x0000u, rd_id,     wr_ignore },
    { UART_PCELLID0,  16u,  W_ANY,  0x0000u, 0x0000u, rd_id,     wr_ignore },
};

/* ---- dispatcher ---- */

static const struct reg_row *find_row(uint32_t off)
{
    uint32_t i;

    for (i = 0u; i < (uint32_t)ARRAY_SIZE(vpl011_regs); i++) {
        const struct reg_row *r = &vpl011_regs[i];
        if ((off >= r->offset) && (off < ((uint32_t)r->offset + r->size))) {
            return r;
        }
    }
    return NULL;
}

/* Unknown offsets accept what an ordinary register does. */
static bool width_ok(const struct reg_row *r, uint32_t width)
{
    uint32_t widths = (r != NULL) ? r->widths : W_REG;
    uint32_t bit;

    switch (width) {
    case 1u:
        bit = W8;
        break;
    case 2u:
        bit = W16;
        break;
    case 4u:
        bit = W32;
        break;
    default:
        bit = 0u; /* 64-bit, or an access without a syndrome (width 0) */
        break;
    }
    return (widths & bit) != 0u;
}

/* First access to unknown offset `off` on this device? Marks it. */
static bool first_unknown_access(struct vpl011 *u, uint32_t off)
{
    uint32_t word = off >> 2;
    uint32_t bit = 1u << (word & 31u);
    bool first = (u->logged[word >> 5] & bit) == 0u;

    u->logged[word >> 5] |= bit;
    return first;
}

/* Recompute the line level; true if it changed (the caller reports it). */
static bool update_level(struct vpl011 *u, bool *level)
{
    bool now = (u->ris & (uint32_t)u->regs[REG(UART_IMSC)]) != 0u;
    bool changed = (now != u->level);

    u->level = now;
    *level = now;
    return changed;
}

/* Report a level change to the vGIC, outside u->lock. Two CPUs may report
 * in the opposite order of their changes; re-checking after each call and
 * reporting again on a difference makes the last call carry the current
 * level. It loops only while other CPUs keep changing the level. */
static void report_level(struct vpl011 *u, bool level)
{
    bool now = level;
    bool again = true;

    while (again) {
        vpl011_irq_level(u, now);
        arch_spin_lock(&u->lock);
        again = (u->level != now);
        now = u->level;
        arch_spin_unlock(&u->lock);
    }
}

static void transmit(struct vpl011 *u, uint8_t c)
{
    struct vm *vm = u->vm;

    /* vm->console is shared with the console hypercalls, under vm->lock. */
    arch_spin_lock(&vm->lock);
    console_vm_putc(&vm->console, vm->cfg->name, (char)c);
    arch_spin_unlock(&vm->lock);
}

static bool vpl011_access(struct vpl011 *u, uint64_t offset, uint32_t width, bool is_write,
                          uint64_t *value)
{
    const struct reg_row *r;
    struct tx_out tx = { false, 0u };
    uint32_t off;
    uint32_t wmask;
    bool log_it = false;
    bool changed;
    bool level;

    if ((offset >= VPL011_WINDOW) || !IS_ALIGNED(offset, 4u)) {
        return false;
    }
    off = (uint32_t)offset;
    r = find_row(off);
    if (!width_ok(r, width)) {
        return false;
    }
    wmask = (width == 4u) ? 0xffffffffu : ((1u << (8u * width)) - 1u);

    arch_spin_lock(&u->lock);
    if (r == NULL) {
        log_it = first_unknown_access(u, off);
        if (!is_write) {
            *value = 0u;
        }
    } else if (is_write) {
        r->write(u, r, off, (uint32_t)*value & wmask, &tx);
    } else {
        *value = (uint64_t)(r->read(u, r, off) & wmask);
    }
    changed = update_level(u, &level);
    arch_spin_unlock(&u->lock);

    if (tx.pending) {
        transmit(u, tx.byte);
    }
    if (log_it) {
        log_line("vm %s: pl011: %s of unknown offset 0x%03x: reads as zero, writes ignored",
                 u->vm->cfg->name, is_write ? "write" : "read", off);
    }
    if (changed) {
        report_level(u, level);
    }
    return true;
}

static bool vpl011_read(struct vcpu *v, void *dev, uint64_t offset, uint32_t width, uint64_t *value)
{
    (void)v;
    return vpl011_access((struct vpl011 *)dev, offset, width, false, value);
}

static bool vpl011_write(struct vcpu *v, void *dev, uint64_t offset, uint32_t width, uint64_t value)
{
    (void)v;
    return vpl011_access((struct vpl011 *)dev, offset, width, true, &value);
}

/* The fast exit path's share (vdev_ops.fast): what a console write does
 * for each byte, a flag register load and a data register store, as long
 * as the store neither changes the interrupt line (the vGIC is not called
 * from the fast path) nor loops back. It must behave exactly as
 * vpl011_access would; anything else goes there. */
static bool vpl011_fast(void *dev, uint64_t offset, uint32_t width, bool is_write, uint64_t *value)
{
    struct vpl011 *u = (struct vpl011 *)dev;
    bool done = false;

    if (!is_write) {
        if ((offset != UART_FR) || ((width != 2u) && (width != 4u))) {
            return false;
        }
        arch_spin_lock(&u->lock);
        *value = rd_fr(u, NULL, UART_FR);
        arch_spin_unlock(&u->lock);
        return true;
    }
    if ((offset != UART_DR) || (width > 4u)) {
        return false;
    }
    arch_spin_lock(&u->lock);
    if (((u->regs[REG(UART_CR)] & CR_LBE) == 0u)
        && (((u->ris | INT_TX) & (uint32_t)u->regs[REG(UART_IMSC)]) != 0u) == u->level) {
        u->ris |= INT_TX;
        done = true;
    }
    arch_spin_unlock(&u->lock);
    if (done) {
        transmit(u, (uint8_t)(*value & 0xffu));
    }
    return done;
}

const struct vdev_ops vpl011_ops = {
    .read = vpl011_read,
    .write = vpl011_write,
    .fast = vpl011_fast,
};

/* ---- API ---- */

void vpl011_init(struct vpl011 *u, struct vm *vm, uint32_t intid)
{
    uint32_t i;
    bool was_high;

    arch_spin_lock(&u->lock);
    u->vm = vm;
    u->intid = intid;
    u->rx_head = 0u;
    u->rx_count = 0u;
    u->rx_dropped = 0u;
    u->ris = 0u;
    for (i = 0u; i < VPL011_NUM_REGS; i++) {
        u->regs[i] = 0u;
    }
    for (i = 0u; i < (uint32_t)ARRAY_SIZE(vpl011_regs); i++) {
        if (REG((uint32_t)vpl011_regs[i].offset) < VPL011_NUM_REGS) {
            u->regs[REG((uint32_t)vpl011_regs[i].offset)] = vpl011_regs[i].reset;
        }
    }
    was_high = u->level;
    u->level = false;
    arch_spin_unlock(&u->lock);
    if (was_high) {
        report_level(u, false);
    }
}

bool vpl011_rx_push(struct vpl011 *u, uint8_t c)
{
    bool ok;
    bool changed;
    bool level;

    arch_spin_lock(&u->lock);
    ok = rx_push_locked(u, c);
    changed = update_level(u, &level);
    arch_spin_unlock(&u->lock);
    if (changed) {
        report_level(u, level);
    }
    return ok;
}

bool vpl011_rx_ready(const struct vpl011 *u)
{
    /* Without the lock (u is const): two aligned loads. The answer may be stale
     * by the time the caller acts on it; vpl011_rx_push rechecks. */
    const volatile uint32_t *count = &u->rx_count;
    const volatile uint16_t *lcr_h = &u->regs[REG(UART_LCR_H)];
    uint32_t depth = ((*lcr_h & LCR_H_FEN) != 0u) ? VPL011_FIFO_DEPTH : 1u;

    return *count < depth;
}
