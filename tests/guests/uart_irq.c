/*
 * The PL011's interrupt as a level-sensitive SPI (INTID 33) through the vGIC
 * (IHI 0069, "Level-sensitive interrupts"; PL011 TRM, "Interrupts"). The
 * transmit interrupt asserts while the transmit FIFO is empty, which with
 * an emulated UART is always: unmasking TXIM in UARTIMSC raises the line,
 * masking it lowers it. The receive side cannot be driven from the e2e run.
 *
 * Without taking the interrupt: the distributor shows it pending exactly
 * while the line is high; GICD_ICPENDR cannot clear a line that is still
 * asserted; GICD_ISPENDR latches it pending with the line low and
 * GICD_ICPENDR clears that latch. Then, taking it: the latch alone is taken
 * once; the line is taken again after every EOI while it stays asserted,
 * active and pending in the handler, until the handler masks TXIM; after
 * that, nothing more.
 */
#include "libguest.h"

#define UART_RIS	0x03cu
#define UART_MIS	0x040u
#define UART_ICR	0x044u
#define UART_INT_TX	(1u << 5)
#define UART_PRIO	0x80u
#define TAKES		5u     /* times the handler lets the line stay high */
#define QUIET_US	10000u

static volatile uint64_t taken, spurious, others;
static volatile uint32_t mask_after;  /* mask TXIM on this take; 0: never */
static volatile bool first_active, first_pending;

static uint32_t uart_read(uint32_t off)
{
	return mmio_read32(GUEST_UART_IPA + off);
}

static void uart_write_reg(uint32_t off, uint32_t v)
{
	mmio_write32(GUEST_UART_IPA + off, v);
}

static void uart_handler(void)
{
	uint32_t intid = gic_ack();

	if (intid == GIC_INTID_SPURIOUS) {
		spurious++;
		return;
	}
	if (intid != GIC_INTID_UART) {
		others++;
		gic_eoi(intid);
		return;
	}
	taken++;
	if (taken == 1) {
		/* Acknowledged while the line is still high: active and pending. */
		first_active = gic_irq_active(GIC_INTID_UART);
		first_pending = gic_irq_pending(GIC_INTID_UART);
	}
	if (mask_after && taken >= mask_after)
		uart_write_reg(UART_IMSC, uart_read(UART_IMSC) & ~UART_INT_TX);
	gic_eoi(intid);
}

static bool spi_pending(void)
{
	return gic_irq_pending(GIC_INTID_UART);
}

static void check_setup(void)
{
	uint64_t route;

	report(gic_nr_irqs() > GIC_INTID_UART, "the distributor implements INTID %u (%u INTIDs)",
	       GIC_INTID_UART, gic_nr_irqs());
	gic_irq_set_priority(GIC_INTID_UART, UART_PRIO);
	gic_irq_set_edge(GIC_INTID_UART, false);
	gic_spi_route(GIC_INTID_UART, 0);
	route = mmio_read64(GUEST_GICD_IPA + GICD_IROUTER + 8 * GIC_INTID_UART);
	report(route == 0, "GICD_IROUTER33 routes it to vCPU 0 (%#lx)", route);
	report(gic_irq_priority(GIC_INTID_UART) == UART_PRIO, "its priority reads back %#x",
	       UART_PRIO);
	report(!(mmio_read32(GUEST_GICD_IPA + GICD_ICFGR + 8) & (2u << 2)),
	       "GICD_ICFGR2 says level-sensitive");
	gic_irq_enable(GIC_INTID_UART);
	report(mmio_read32(GUEST_GICD_IPA + GICD_ISENABLER + 4) & (1u << 1),
	       "GICD_ISENABLER1 shows it enabled");
}

/* PSTATE.I set throughout: the pending state as the line and the registers make it. */
static void check_pending_state(void)
{
	uint32_t ris = uart_read(UART_RIS);
	bool pend;

	report(ris & UART_INT_TX, "UARTRIS.TXRIS is set: the transmit FIFO is empty (%#x)", ris);
	report(!(uart_read(UART_MIS) & UART_INT_TX) && !spi_pending(),
	       "TXIM masked: the line is low, INTID 33 not pending");

	uart_write_reg(UART_IMSC, uart_read(UART_IMSC) | UART_INT_TX);
	pend = spi_pending();
	report((uart_read(UART_MIS) & UART_INT_TX) && pend,
	       "TXIM unmasked: UARTMIS.TXMIS set and GICD_ISPENDR1 shows INTID 33 pending (%d)",
	       pend);
	report(gic_hppir() == GIC_INTID_UART, "ICC_HPPIR1_EL1 shows INTID 33 (%u)", gic_hppir());
	gic_irq_clear_pending(GIC_INTID_UART);
	pend = spi_pending();
	report(pend, "GICD_ICPENDR cannot clear it while the line stays asserted (%d)", pend);

	uart_write_reg(UART_IMSC, uart_read(UART_IMSC) & ~UART_INT_TX);
	pend = spi_pending();
	report(!pend && gic_hppir() == GIC_INTID_SPURIOUS,
	       "TXIM masked again: not pending (%d), ICC_HPPIR1_EL1 %u", pend, gic_hppir());

	gic_irq_set_pending(GIC_INTID_UART);
	pend = spi_pending();
	report(pend, "GICD_ISPENDR makes it pending with the line low (%d)", pend);
	gic_irq_clear_pending(GIC_INTID_UART);
	pend = spi_pending();
	report(!pend, "and GICD_ICPENDR clears that (%d)", pend);
}

/* From here on the interrupt is taken: the EOI of a level-sensitive SPI. */
static void check_taken(void)
{
	bool ok;

	/* The latched pending state alone: taken once, consumed by the acknowledge. */
	taken = 0;
	mask_after = 0;
	gic_irq_set_pending(GIC_INTID_UART);
	irq_enable();
	ok = spin_until(taken >= 1, 100000);
	delay_us(QUIET_US);
	irq_disable();
	report(ok && taken == 1, "made pending by GICD_ISPENDR with the line low, it is taken once "
	       "(%lu)", taken);
	report(!spi_pending() && !gic_irq_active(GIC_INTID_UART),
	       "then it is neither pending nor active");

	/* The line: taken again after each EOI until the handler masks TXIM. */
	taken = 0;
	mask_after = TAKES;
	uart_write_reg(UART_IMSC, uart_read(UART_IMSC) | UART_INT_TX);
	irq_enable();
	ok = spin_until(taken >= TAKES, 1000000);
	delay_us(QUIET_US);
	irq_disable();
	report(ok && taken == TAKES,
	       "with TXIM unmasked the level interrupt is taken again after each EOI, and no more "
	       "once the handler masks TXIM (%lu of %u)",
	       taken, TAKES);
	report(first_active && first_pending,
	       "in the handler, with the line still high, INTID 33 is active and pending (%d, %d)",
	       first_active, first_pending);
	report(!spi_pending() && !gic_irq_active(GIC_INTID_UART),
	       "after the last EOI, with TXIM masked, it is neither pending nor active");

	/*
	 * UARTICR.TXIC clears the transmit interrupt until the FIFO drains to
	 * the trigger level again (PL011 TRM 3.3.13): with nothing written, the
	 * line stays low; the next character written raises it.
	 */
	taken = 0;
	mask_after = 1;
	uart_write_reg(UART_IMSC, uart_read(UART_IMSC) | UART_INT_TX);
	/* Measured in silence: printing writes DR, which raises TX again. */
	uart_write_reg(UART_ICR, UART_INT_TX);
	{
		uint32_t mis = uart_read(UART_MIS);
		bool pending = spi_pending();
		unsigned long quiet;

		irq_enable();
		spin_until(taken >= 1, 20000);
		quiet = taken;
		uart_write_reg(UART_DR, '.');
		spin_until(taken >= 1, 100000);
		irq_disable();
		uart_write_reg(UART_IMSC, uart_read(UART_IMSC) & ~UART_INT_TX);
		printf("\n");
		report(!(mis & UART_INT_TX) && !pending,
		       "UARTICR.TXIC with TXIM unmasked lowers the line (UARTMIS %#x, INTID 33 %s)",
		       mis, pending ? "pending" : "not pending");
		report(quiet == 0, "and it stays low while nothing is written (taken %lu times)",
		       quiet);
		report(taken == 1, "the next character written raises it again (taken %lu times)",
		       taken);
	}
}

int main(void)
{
	uint32_t imsc = uart_read(UART_IMSC);

	report(gic_init(), "GIC redistributor found and woken");
	irq_set_handler(uart_handler);
	/* Nothing but TXIM may raise the line during the test. */
	uart_write_reg(UART_IMSC, 0);

	check_setup();
	check_pending_state();
	check_taken();

	uart_write_reg(UART_IMSC, imsc);
	gic_irq_disable(GIC_INTID_UART);
	report(!spurious && !others, "no spurious acknowledge and no other interrupt (%lu, %lu)",
	       spurious, others);
	return report_summary();
}
