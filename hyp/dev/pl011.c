/*
 * PL011 emulation (ARM PrimeCell UART (PL011) Technical Reference Manual,
 * r1p5, chapter 3: register map and reset values).
 *
 * Transmission is instantaneous: the FIFO is always empty, so FR reads TXFE
 * and never TXFF. The TX interrupt is raised as the real one is when its FIFO
 * drains to the trigger level: at reset and after every character written
 * (it leaves at once); UARTICR clears it until the next write.
 */
#include <stddef.h>
#include <string.h>

#include "hyp/dev/pl011.h"
#include "hyp/include/compiler.h"

#define UARTDR    0x000
#define UARTRSR   0x004
#define UARTFR    0x018
#define UARTILPR  0x020
#define UARTIBRD  0x024
#define UARTFBRD  0x028
#define UARTLCR_H 0x02c
#define UARTCR    0x030
#define UARTIFLS  0x034
#define UARTIMSC  0x038
#define UARTRIS   0x03c
#define UARTMIS   0x040
#define UARTICR   0x044
#define UARTDMACR 0x048

#define FR_RXFE BIT(4)
#define FR_TXFF BIT(5)
#define FR_RXFF BIT(6)
#define FR_TXFE BIT(7)

#define INT_RX  BIT(4)
#define INT_TX  BIT(5)
#define INT_RT  BIT(6)
#define INT_OE  BIT(10)
#define INT_ALL 0x7ffu

#define CR_UARTEN BIT(0)
#define CR_TXE    BIT(8)
#define CR_RXE    BIT(9)

/* PeriphID0..3 and PCellID0..3 at 0xfe0..0xffc: part 0x011, designer 0x41, r1p5 */
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static void pl011_update_irq(struct pl011 *u)
{
	bool level = (u->ris & u->imsc) != 0;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->opaque, level);
	}
}

static void pl011_update_rx(struct pl011 *u)
{
	if (u->rx_count)
		u->ris |= INT_RX | INT_RT;
	else
		u->ris &= ~(INT_RX | INT_RT);
}

void pl011_init(struct pl011 *u, pl011_line_fn line_out, pl011_irq_fn set_irq, void *opaque)
{
	memset(u, 0, sizeof(*u));
	/* Reset values from the TRM: TXE and RXE set, UART disabled, IFLS half-full. */
	u->cr = CR_TXE | CR_RXE;
	u->ifls = 0x12;
	u->ris = INT_TX; /* the transmit FIFO is empty */
	u->line_out = line_out;
	u->set_irq = set_irq;
	u->opaque = opaque;
}

void pl011_flush(struct pl011 *u)
{
	if (u->line_len && u->line_out)
		u->line_out(u->opaque, u->line, u->line_len);
	u->line_len = 0;
}

static void pl011_tx(struct pl011 *u, uint8_t c)
{
	u->tx_count++;
	u->ris |= INT_TX; /* the FIFO drained at once */
	if (u->interactive && u->chars_out) {
		char ch = (char)c;

		u->chars_out(u->opaque, &ch, 1);
		return;
	}
	if (c == '\n') {
		if (u->line_out)
			u->line_out(u->opaque, u->line, u->line_len);
		u->line_len = 0;
		return;
	}
	if (c == '\r')
		return;
	if (u->line_len == sizeof(u->line))
		pl011_flush(u);
	u->line[u->line_len++] = (char)c;
}

static void pl011_fifo_put(struct pl011 *u, uint8_t c)
{
	u->rx[(u->rx_head + u->rx_count) % PL011_RX_FIFO] = c;
	u->rx_count++;
}

/* Input waiting in the backlog moves into the FIFO as the guest reads. */
static void pl011_refill(struct pl011 *u)
{
	while (u->bl_count && u->rx_count < PL011_RX_FIFO) {
		pl011_fifo_put(u, u->backlog[u->bl_head]);
		u->bl_head = (u->bl_head + 1) % PL011_RX_BACKLOG;
		u->bl_count--;
	}
}

static bool pl011_rx_push_locked(struct pl011 *u, uint8_t c)
{
	if (u->rx_count == PL011_RX_FIFO && u->bl_count < PL011_RX_BACKLOG) {
		u->backlog[(u->bl_head + u->bl_count) % PL011_RX_BACKLOG] = c;
		u->bl_count++;
		return true;
	}
	if (u->rx_count == PL011_RX_FIFO) {
		u->rx_overruns++;
		u->ris |= INT_OE;
		u->rsr |= 0x8; /* overrun error */
		pl011_update_irq(u);
		return false;
	}
	pl011_fifo_put(u, c);
	pl011_update_rx(u);
	pl011_update_irq(u);
	return true;
}

void pl011_set_interactive(struct pl011 *u, pl011_chars_fn chars_out, bool on)
{
	spin_lock(&u->lock);
	u->chars_out = chars_out;
	u->interactive = on && chars_out;
	if (u->interactive && u->line_len) {
		u->chars_out(u->opaque, u->line, u->line_len);
		u->line_len = 0;
	}
	spin_unlock(&u->lock);
}

bool pl011_rx_push(struct pl011 *u, uint8_t c)
{
	bool ok;

	spin_lock(&u->lock);
	ok = pl011_rx_push_locked(u, c);
	spin_unlock(&u->lock);
	return ok;
}

static uint32_t pl011_read_dr(struct pl011 *u)
{
	uint32_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % PL011_RX_FIFO;
	u->rx_count--;
	pl011_refill(u);
	pl011_update_rx(u);
	return c;
}

static uint32_t pl011_fr(const struct pl011 *u)
{
	uint32_t fr = FR_TXFE;

	if (!u->rx_count)
		fr |= FR_RXFE;
	if (u->rx_count == PL011_RX_FIFO)
		fr |= FR_RXFF;
	return fr;
}

static bool pl011_mmio_locked(struct pl011 *u, uint64_t offset, unsigned size, bool write,
			      uint64_t *val)
{
	uint32_t v = (uint32_t)*val;

	/* The PL011 has 32-bit registers; drivers also use byte and halfword
	 * accesses on DR (earlycon), so any width up to 4 bytes at the register's
	 * base works. Anything else is a bus error. */
	if (size > 4 || (offset & 3)) {
		u->bad_accesses++;
		return false;
	}

	if (!write) {
		uint32_t r;

		if (offset >= 0xfe0 && offset < 0x1000) {
			*val = pl011_id[(offset - 0xfe0) / 4];
			return true;
		}
		switch (offset) {
		case UARTDR:    r = pl011_read_dr(u); pl011_update_irq(u); break;
		case UARTRSR:   r = u->rsr; break;
		case UARTFR:    r = pl011_fr(u); break;
		case UARTILPR:  r = 0; break;
		case UARTIBRD:  r = u->ibrd; break;
		case UARTFBRD:  r = u->fbrd; break;
		case UARTLCR_H: r = u->lcr_h; break;
		case UARTCR:    r = u->cr; break;
		case UARTIFLS:  r = u->ifls; break;
		case UARTIMSC:  r = u->imsc; break;
		case UARTRIS:   r = u->ris; break;
		case UARTMIS:   r = u->ris & u->imsc; break;
		case UARTDMACR: r = u->dmacr; break;
		default:
			/* Reserved offsets read as zero (TRM: "do not access"); counted. */
			u->bad_accesses++;
			r = 0;
			break;
		}
		*val = r;
		return true;
	}

	switch (offset) {
	case UARTDR:
		pl011_tx(u, (uint8_t)v);
		break;
	case UARTRSR:
		u->rsr = 0; /* any write clears the error flags */
		break;
	case UARTIBRD:  u->ibrd = v & 0xffff; break;
	case UARTFBRD:  u->fbrd = v & 0x3f; break;
	case UARTLCR_H: u->lcr_h = v & 0xff; break;
	case UARTCR:    u->cr = v & 0xff87; break;
	case UARTIFLS:  u->ifls = v & 0x3f; break;
	case UARTIMSC:  u->imsc = v & INT_ALL; break;
	case UARTICR:
		u->ris &= ~v;
		pl011_update_rx(u); /* RX stays raised while data waits */
		break;
	case UARTDMACR: u->dmacr = v & 7; break;
	default:
		u->bad_accesses++;
		break;
	}
	pl011_update_irq(u);
	return true;
}

bool pl011_mmio(void *opaque, struct vcpu *vcpu, uint64_t offset, unsigned size, bool write,
		uint64_t *val)
{
	struct pl011 *u = opaque;
	bool ok;

	(void)vcpu;
	spin_lock(&u->lock);
	ok = pl011_mmio_locked(u, offset, size, write, val);
	spin_unlock(&u->lock);
	return ok;
}
