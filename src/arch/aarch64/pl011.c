/* The physical PL011 UART: polled transmit of the hypervisor's lines. */
#include "arch_console.h"
#include "cfg_types.h"
#include "arch/aarch64.h"

#define UART_DR   0x000u
#define UART_FR   0x018u
#define UART_CR   0x030u
#define UART_IMSC 0x038u
#define UART_ICR  0x044u
#define UART_FR_RXFE (1u << 4)
#define UART_INT_RX_RT ((1u << 4) | (1u << 6))
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

void arch_console_rx_enable(void)
{
    *uart_reg(UART_ICR) = 0x7ffu;
    *uart_reg(UART_IMSC) = UART_INT_RX_RT;
    gic_spi_config(cfg_platform.uart_irq, true, 0u);
}

bool arch_console_getc(uint8_t *c)
{
    if ((*uart_reg(UART_FR) & UART_FR_RXFE) != 0u) {
        return false;
    }
    *c = (uint8_t)(*uart_reg(UART_DR) & 0xffu);
    return true;
}
