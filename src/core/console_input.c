/* Console input multiplexer: owns the focus (which VM's emulated UART gets
 * the bytes typed on the physical UART) and the Ctrl-A escape state.
 *
 * Locking: input_lock is the outermost lock. It is held across the push
 * into a vpl011 (which takes that UART's lock and may call the vGIC) and
 * across log lines (the console lock), so a focus switch can never
 * interleave with a byte still on its way to the previous VM. Nothing
 * holding those locks ever calls in here. */
#include "console_input.h"
#include "arch_lock.h"
#include "cfg_types.h"
#include "log.h"
#include "vpl011.h"

static struct spinlock input_lock;
static struct vpl011 *const *input_uarts; /* input_count entries, NULL = no UART */
static uint32_t input_count;
/* Written under input_lock; console_input_focus() reads it without. */
static volatile uint32_t input_focus = CONSOLE_INPUT_NO_FOCUS;
static bool escape_pending; /* the previous byte was a lone Ctrl-A */

static void announce_focus(void)
{
    log_line("console input now goes to vm %s (Ctrl-A then a VM number switches)",
             cfg_vms[input_focus].name);
}

/* To the focused VM. A full FIFO drops the byte, as a real UART overruns:
 * the physical UART cannot be paused, and one slow VM must not hold up
 * the hypervisor's receive path. */
static void send(uint8_t c)
{
    if (input_focus != CONSOLE_INPUT_NO_FOCUS) {
        (void)vpl011_rx_push(input_uarts[input_focus], c);
    }
}

/* Keep the focus and say why: `name` is NULL when VM n does not exist. */
static void refuse_focus(uint32_t n, const char *name)
{
    bool none = (input_focus == CONSOLE_INPUT_NO_FOCUS);
    const char *stays = none ? "no VM takes console input" : "console input stays with vm ";
    const char *current = none ? "" : cfg_vms[input_focus].name;

    if (name == NULL) {
        log_line("there is no vm %u: %s%s", n, stays, current);
    } else {
        log_line("vm %u (%s) has no emulated console: %s%s", n, name, stays, current);
    }
}

static void switch_focus(uint32_t n)
{
    if (n >= input_count) {
        refuse_focus(n, NULL);
    } else if (input_uarts[n] == NULL) {
        refuse_focus(n, cfg_vms[n].name);
    } else {
        input_focus = n;
        announce_focus();
    }
}

static void print_help(void)
{
    uint32_t i;

    log_line("console input: Ctrl-A N focuses vm N, Ctrl-A Ctrl-A sends one Ctrl-A, "
             "Ctrl-A h prints this list:");
    for (i = 0u; i < input_count; i++) {
        const char *note = "";
        if (i == input_focus) {
            note = " <- input goes here";
        } else if (input_uarts[i] == NULL) {
            note = " (no emulated console)";
        } else {
            /* an emulated console that is not focused: no note */
        }
        log_line("  %u: vm %s%s", i, cfg_vms[i].name, note);
    }
}

void console_input_init(struct vpl011 *const *uarts, uint32_t count)
{
    uint32_t i;

    arch_spin_lock(&input_lock);
    input_uarts = uarts;
    input_count = count;
    escape_pending = false;
    input_focus = CONSOLE_INPUT_NO_FOCUS;
    for (i = 0u; i < count; i++) {
        if (uarts[i] != NULL) {
            input_focus = i;
            break;
        }
    }
    if (input_focus == CONSOLE_INPUT_NO_FOCUS) {
        log_line("console input: no VM has an emulated console, input is ignored");
    } else {
        announce_focus();
    }
    arch_spin_unlock(&input_lock);
}

void console_input_byte(uint8_t c)
{
    arch_spin_lock(&input_lock);
    if (!escape_pending) {
        if (c == CONSOLE_INPUT_ESCAPE) {
            escape_pending = true;
        } else {
            send(c);
        }
    } else {
        escape_pending = false;
        if (c == CONSOLE_INPUT_ESCAPE) {
            send(c); /* Ctrl-A Ctrl-A: one literal Ctrl-A */
        } else if ((c >= (uint8_t)'0') && (c <= (uint8_t)'9')) {
            switch_focus((uint32_t)c - (uint32_t)'0');
        } else if ((c == (uint8_t)'h') || (c == (uint8_t)'?')) {
            print_help();
        } else {
            /* Not an escape after all: the VM gets what was typed. */
            send(CONSOLE_INPUT_ESCAPE);
            send(c);
        }
    }
    arch_spin_unlock(&input_lock);
}

uint32_t console_input_focus(void)
{
    return input_focus;
}
