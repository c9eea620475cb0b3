/* Console lines: per-VM line buffers, and whole-line output to the UART
 * with a VM-name prefix, so lines of different VMs never mix. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "types.h"

#define CONSOLE_LINE_MAX 128u

struct console_line {
    char buf[CONSOLE_LINE_MAX];
    uint32_t len;
    uint64_t last_ts; /* counter value of the last byte appended */
    uint8_t esc;      /* inside an ANSI escape sequence being dropped */
};

/* A partial line untouched this long is shown anyway (a shell prompt). */
#define CONSOLE_PARTIAL_NS 100000000u

void console_init(void);
/* Append one byte of VM output; a newline or a full buffer flushes the line. */
void console_vm_putc(struct console_line *line, const char *prefix, char c);
/* Show the VM's partial line if nothing was appended to it for
 * CONSOLE_PARTIAL_NS (e.g. a shell prompt waiting for input); its next
 * bytes continue that physical line unless another line came in between.
 * Caller holds the VM's lock, as for putc. */
void console_vm_flush_stale(struct console_line *line, const char *prefix, uint64_t now);
/* A VM was given the physical UART (console = "passthrough"): from now on
 * the hypervisor writes nothing there, its own lines included. */
void console_hand_over(void);
/* Write one complete line with `prefix` (no trailing newline in `text`). */
void console_write_line(const char *prefix, const char *text, uint32_t len);

#endif
