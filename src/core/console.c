/* Console output: whole lines, one lock around each, so that output of VMs
 * on different physical CPUs never mixes within a line. A partial line left
 * alone for CONSOLE_PARTIAL_NS is shown too, so that a shell prompt
 * appears; that physical line stays "open" for the same VM, and anyone
 * else's output first ends it. */
#include "console.h"
#include "arch_console.h"
#include "arch_lock.h"
#include "arch_timer.h"

static struct spinlock console_lock;
/* The VM line whose partial text ends the physical line right now. */
static const struct console_line *open_line;
/* A VM owns the physical UART (passthrough): the hypervisor keeps off it. */
static bool uart_handed_over;

void console_init(void)
{
    arch_console_init();
}

static void emit_text(const char *text, uint32_t len)
{
    uint32_t i;

    for (i = 0u; i < len; i++) {
        char c = text[i];
        /* Control characters other than tab would let a guest forge
         * another VM's prefix or move the cursor: show them as '.'. */
        if (((c < ' ') && (c != '\t')) || (c == (char)0x7f)) {
            c = '.';
        }
        arch_console_putc(c);
    }
}

/* Caller holds console_lock. `owner` is the VM line, NULL for the hypervisor. */
static void emit(const struct console_line *owner, const char *prefix, const char *text,
                 uint32_t len, bool end_line)
{
    uint32_t i;

    if (uart_handed_over) {
        return;
    }
    if ((open_line != NULL) && (open_line != owner)) {
        arch_console_putc('\r');
        arch_console_putc('\n');
        open_line = NULL;
    }
    if (open_line == NULL) {
        arch_console_putc('[');
        for (i = 0u; prefix[i] != '\0'; i++) {
            arch_console_putc(prefix[i]);
        }
        arch_console_putc(']');
        arch_console_putc(' ');
    }
    emit_text(text, len);
    if (end_line) {
        arch_console_putc('\r');
        arch_console_putc('\n');
        open_line = NULL;
    } else {
        open_line = owner;
    }
}

void console_hand_over(void)
{
    arch_spin_lock(&console_lock);
    uart_handed_over = true;
    arch_spin_unlock(&console_lock);
}

void console_write_line(const char *prefix, const char *text, uint32_t len)
{
    arch_spin_lock(&console_lock);
    emit(NULL, prefix, text, len, true);
    arch_spin_unlock(&console_lock);
}

static void vm_line_out(struct console_line *line, const char *prefix, bool end_line)
{
    arch_spin_lock(&console_lock);
    emit(line, prefix, line->buf, line->len, end_line);
    arch_spin_unlock(&console_lock);
    line->len = 0u;
}

/* ANSI escape sequences (colours, cursor moves, terminal queries) are
 * dropped: on a console shared by several VMs they would act on, or ask
 * about, a screen the VM does not own. ESC, then for CSI '[' and parameter
 * bytes up to a final byte 0x40..0x7e; other escapes are two bytes. */
#define ESC_NONE 0u
#define ESC_SEEN 1u
#define ESC_CSI  2u

static bool escape_consumes(struct console_line *line, char c)
{
    uint8_t b = (uint8_t)c;

    switch (line->esc) {
    case ESC_SEEN:
        line->esc = (b == (uint8_t)'[') ? ESC_CSI : ESC_NONE;
        return true;
    case ESC_CSI:
        if ((b >= 0x40u) && (b <= 0x7eu)) {
            line->esc = ESC_NONE;
        }
        return true;
    case ESC_NONE:
    default:
        if (b == 0x1bu) {
            line->esc = ESC_SEEN;
            return true;
        }
        return false;
    }
}

void console_vm_putc(struct console_line *line, const char *prefix, char c)
{
    if ((c == '\r') || escape_consumes(line, c)) {
        return;
    }
    if (c == '\n') {
        vm_line_out(line, prefix, true);
        return;
    }
    /* A full buffer goes out before the next byte, so that a line of
     * exactly CONSOLE_LINE_MAX bytes is not followed by an empty one. */
    if (line->len == CONSOLE_LINE_MAX) {
        vm_line_out(line, prefix, true);
    }
    line->buf[line->len] = c;
    line->len++;
    line->last_ts = arch_timer_now();
}

void console_vm_flush_stale(struct console_line *line, const char *prefix, uint64_t now)
{
    if ((line->len != 0u) && ((now - line->last_ts) >= arch_timer_ns_to_ticks(CONSOLE_PARTIAL_NS))) {
        vm_line_out(line, prefix, false);
    }
}
