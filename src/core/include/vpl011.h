/* The emulated PL011 UART (PrimeCell r1p5) a VM with console = "emulated"
 * sees at the platform UART address: its state, its MMIO handlers, and the
 * receive side that console input feeds. Register-level behaviour is in
 * docs/console.md and at the register table in src/core/vpl011.c. */
#ifndef VPL011_H
#define VPL011_H

#include "types.h"
#include "arch_lock.h"
#include "vdev.h"

struct vm;

#define VPL011_WINDOW      0x1000u /* bytes of the MMIO window */
#define VPL011_FIFO_DEPTH  32u     /* RX FIFO entries with LCR_H.FEN = 1 */
#define VPL011_NUM_REGS    19u     /* stored registers: offsets 0x000..0x048 */

struct vpl011 {
    struct spinlock lock;      /* everything below except vm and intid */
    struct vm *vm;             /* owner: TX goes to vm->console */
    uint32_t intid;            /* the SPI the vGIC raises for this UART */
    uint8_t rx_fifo[VPL011_FIFO_DEPTH];
    uint32_t rx_head;          /* index of the oldest byte */
    uint32_t rx_count;         /* bytes in the FIFO */
    uint32_t rx_dropped;       /* console input lost to a full FIFO, for debugging */
    uint32_t ris;              /* raw interrupt status (UARTRIS) */
    uint16_t regs[VPL011_NUM_REGS]; /* plain stored registers, by offset / 4 */
    bool level;                /* last line level computed: (ris & imsc) != 0 */
    /* Unknown offsets already logged, one bit per 32-bit word of the
     * window. Kept across vpl011_init so a VM restarting in a loop does
     * not repeat the same log lines. */
    uint32_t logged[VPL011_WINDOW / 4u / 32u];
};

/* Reset the UART to its power-on state (also on VM restart). The first
 * call must find `u` zeroed (static storage): later calls may race with
 * console input, so they reset under the lock. Lowers the line if it was
 * high. */
void vpl011_init(struct vpl011 *u, struct vm *vm, uint32_t intid);

/* MMIO handlers; the vdev's dev pointer is the struct vpl011. */
extern const struct vdev_ops vpl011_ops;

/* Console input for this VM: false if the RX FIFO is full (the byte is
 * dropped, as a real UART overruns). Any CPU. */
bool vpl011_rx_push(struct vpl011 *u, uint8_t c);
/* The RX FIFO has room for one more byte: a snapshot, only a hint. */
bool vpl011_rx_ready(const struct vpl011 *u);

/* Defined by the vGIC integration, not here: set the UART's interrupt
 * line (intid) of its VM to `level`. Called with no vpl011 lock held,
 * each time the level computed by the model changes; concurrent callers
 * re-check after the call, so the last call always carries the current
 * level. */
void vpl011_irq_level(struct vpl011 *u, bool level);

#endif
