/* The physical PL011 UART: polled transmit of the hypervisor's lines. */
#include "arch_console.h"
#include "cfg_types.h"

#define UART_DR   0x000u
#define UART_FR   0x018u
#define UART_CR   0x030u
#define UART_FR_TXFF (1u << 5)
#define UART_CR_EN   ((1u << 0) | (1u << 8) | (1u << 9)) /* UARTEN, TXE, RXE */

static inline volatile uint32_t *uart_reg(uint32_t off)
{
    return (volatile uint32_t *)(uintptr_t)(cfg_platform.uart_base + off);
}

void arch_console_init(void)
{
    *uart_reg(UART_CR) = UART_CR_EN;
}

void arch_console_putc(char c)
{
    while ((*uart_reg(UART_FR) & UART_FR_TXFF) != 0u) {
    }
    *uart_reg(UART_DR) = (uint32_t)(uint8_t)c;
}
