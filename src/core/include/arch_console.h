/* The physical UART the hypervisor writes its own and the guests' lines to. */
#ifndef ARCH_CONSOLE_H
#define ARCH_CONSOLE_H

#include "types.h"

void arch_console_init(void);
void arch_console_putc(char c);
/* Receive: interrupt on input (boot CPU), and read one byte if any. */
void arch_console_rx_enable(void);
bool arch_console_getc(uint8_t *c);

#endif
