/* Whole-line console output: one lock around each line so that output of
 * VMs on different physical CPUs never mixes within a line. */
#include "console.h"
#include "arch_console.h"
#include "arch_lock.h"

static struct spinlock console_lock;

void console_init(void)
{
    arch_console_init();
}

void console_write_line(const char *prefix, const char *text, uint32_t len)
{
    uint32_t i;

    arch_spin_lock(&console_lock);
    arch_console_putc('[');
    for (i = 0u; prefix[i] != '\0'; i++) {
        arch_console_putc(prefix[i]);
    }
    arch_console_putc(']');
    arch_console_putc(' ');
    for (i = 0u; i < len; i++) {
        char c = text[i];
        /* Control characters other than tab would let a guest forge
         * another VM's prefix or move the cursor: show them as '.'. */
        if (((c < ' ') && (c != '\t')) || (c == (char)0x7f)) {
            c = '.';
        }
        arch_console_putc(c);
    }
    arch_console_putc('\r');
    arch_console_putc('\n');
    arch_spin_unlock(&console_lock);
}

void console_vm_putc(struct console_line *line, const char *prefix, char c)
{
    if (c == '\r') {
        return;
    }
    if (c == '\n') {
        console_write_line(prefix, line->buf, line->len);
        line->len = 0u;
        return;
    }
    /* A full buffer goes out before the next byte, so that a line of
     * exactly CONSOLE_LINE_MAX bytes is not followed by an empty one. */
    if (line->len == CONSOLE_LINE_MAX) {
        console_write_line(prefix, line->buf, line->len);
        line->len = 0u;
    }
    line->buf[line->len] = c;
    line->len++;
}
