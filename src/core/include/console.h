/* Console lines: per-VM line buffers, and whole-line output to the UART
 * with a VM-name prefix, so lines of different VMs never mix. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "types.h"

#define CONSOLE_LINE_MAX 128u

struct console_line {
    char buf[CONSOLE_LINE_MAX];
    uint32_t len;
};

void console_init(void);
/* Append one byte of VM output; a newline or a full buffer flushes the line. */
void console_vm_putc(struct console_line *line, const char *prefix, char c);
/* Write one complete line with `prefix` (no trailing newline in `text`). */
void console_write_line(const char *prefix, const char *text, uint32_t len);

#endif
