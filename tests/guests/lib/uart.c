/*
 * Polled PL011 output (PL011 TRM, "Register descriptions").
 *
 * No initialisation: both QEMU's model and hypscope's emulation come up
 * enabled, and a guest that reprograms the UART (the uart test) restores it.
 */
#include "libguest.h"

static inline volatile uint32_t *uart_reg(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(GUEST_UART_IPA + off);
}

void uart_putc(char c)
{
	/* TXFF: the transmit FIFO (or holding register) is full; wait for room. */
	while (*uart_reg(UART_FR) & UART_FR_TXFF)
		cpu_relax();
	*uart_reg(UART_DR) = (unsigned char)c;
}

void uart_write(const char *s, size_t n)
{
	while (n--)
		uart_putc(*s++);
}
