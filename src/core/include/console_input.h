/* Console input multiplexer: bytes typed on the physical UART go to the
 * emulated UART of exactly one VM, the focused one. Ctrl-A starts an
 * escape (docs/console.md):
 *   Ctrl-A 0..9      focus VM 0..9 (only a VM with console = "emulated")
 *   Ctrl-A Ctrl-A    send one Ctrl-A to the focused VM
 *   Ctrl-A h, ?      list the VMs and their numbers
 *   Ctrl-A other     send both bytes to the focused VM */
#ifndef CONSOLE_INPUT_H
#define CONSOLE_INPUT_H

#include "types.h"

struct vpl011;

#define CONSOLE_INPUT_ESCAPE   0x01u        /* Ctrl-A */
#define CONSOLE_INPUT_NO_FOCUS 0xffffffffu  /* no VM has an emulated UART */

/* uarts[i] is VM i's emulated UART, NULL if it has none; count is the
 * number of VMs (cfg_vms order, so names come from cfg_vms[i]). The array
 * is kept, not copied: it must stay valid (static). Focus starts on the
 * first VM with a UART and is announced with a log line. Boot CPU, once. */
void console_input_init(struct vpl011 *const *uarts, uint32_t count);

/* One byte from the physical UART's receive path (any CPU). */
void console_input_byte(uint8_t c);

/* Index of the focused VM, or CONSOLE_INPUT_NO_FOCUS. */
uint32_t console_input_focus(void);

#endif
