/*
 * An emulated PL011 UART, one per VM, at the address its DTB gives.
 * Transmitted characters go to the hypervisor console, one line at a time,
 * prefixed with the VM's name. Received characters come from the console
 * input routed to the VM (pl011_rx_push).
 */
#ifndef HYP_DEV_PL011_H
#define HYP_DEV_PL011_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/include/spinlock.h"

struct vcpu;

#define PL011_RX_FIFO 32
#define PL011_RX_BACKLOG 1024 /* typed input waiting behind the FIFO */
#define PL011_LINE_MAX 160

struct pl011;
/* Called with a finished line (without the newline), for the console. */
typedef void (*pl011_line_fn)(void *opaque, const char *line, unsigned len);
/* Interactive: called with characters as they are written, newlines included. */
typedef void (*pl011_chars_fn)(void *opaque, const char *s, unsigned len);
/* Called when the interrupt line level changes (for the vGIC, SPI 1). */
typedef void (*pl011_irq_fn)(void *opaque, bool level);

struct pl011 {
	spinlock_t lock;  /* MMIO on the vCPU's CPU, console input on another */
	uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, ris, dmacr, rsr;
	uint8_t rx[PL011_RX_FIFO];
	unsigned rx_head, rx_count;
	uint8_t backlog[PL011_RX_BACKLOG];
	unsigned bl_head, bl_count;
	char line[PL011_LINE_MAX];
	unsigned line_len;
	bool irq_level;
	pl011_line_fn line_out;
	pl011_chars_fn chars_out;
	bool interactive; /* characters out at once (prompts show), not whole lines */
	pl011_irq_fn set_irq;
	void *opaque;
	uint64_t tx_count, rx_overruns, bad_accesses;
};

void pl011_init(struct pl011 *u, pl011_line_fn line_out, pl011_irq_fn set_irq, void *opaque);
/* The MMIO handler (mmio_handler_t with the pl011 as opaque). */
bool pl011_mmio(void *opaque, struct vcpu *vcpu, uint64_t offset, unsigned size, bool write,
		uint64_t *val);
/* Console input for the guest: into the FIFO, or the backlog behind it while the FIFO is
 * full (as a terminal with flow control would wait); false when both are full (dropped). */
bool pl011_rx_push(struct pl011 *u, uint8_t c);
/*
 * The VM the console's input goes to is interactive: its output goes out a
 * character at a time through chars_out (a shell's prompt has no newline);
 * the others are line-buffered. Turning it on sends what was buffered.
 */
void pl011_set_interactive(struct pl011 *u, pl011_chars_fn chars_out, bool on);
/* Emits a partial line, e.g. when the VM ends. */
void pl011_flush(struct pl011 *u);

#endif
