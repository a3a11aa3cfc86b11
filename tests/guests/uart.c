/*
 * The PL011 as a driver sees it (PrimeCell UART (PL011) Technical Reference
 * Manual, r1p5, chapter 3): identification registers, flags, the data
 * register at 32-bit and narrower widths, and the configuration registers a
 * driver programs and reads back. Everything changed is restored so the
 * console keeps working.
 */
#include "libguest.h"

#define UART_PERIPHID0 0xfe0u
#define UART_PCELLID0  0xff0u
#define UART_CR_UARTEN (1u << 0)
#define UART_CR_TXE    (1u << 8)
#define UART_CR_RXE    (1u << 9)
#define UART_CR_RTS    (1u << 11)
#define UART_LCR_FEN   (1u << 4)
#define UART_LCR_WLEN8 (3u << 5)

static inline volatile uint32_t *reg32(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(GUEST_UART_IPA + off);
}

/*
 * The four ID registers each hold one byte of the 32-bit identification
 * value. An emulation that lacks them answers with an abort: that is a
 * failure to report, not a reason to stop the other checks.
 */
static bool read_id(uint32_t off, uint32_t *id)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < 4; i++) {
		/* One expected exception at a time: stop at the first abort. */
		expect_exception();
		v |= (*reg32(off + 4 * i) & 0xffu) << (8 * i);
		if (exception_taken(NULL))
			return false;
	}
	*id = v;
	return true;
}

static void check_ids(void)
{
	uint32_t periph, cell;
	bool periph_ok = read_id(UART_PERIPHID0, &periph), cell_ok = read_id(UART_PCELLID0, &cell);

	report(periph_ok, "UARTPeriphID0-3 (0xfe0) readable");
	report(cell_ok, "UARTPCellID0-3 (0xff0) readable");
	if (!periph_ok || !cell_ok)
		return;
	/* Part number 0x011, designer 0x41 (Arm); the revision (bits 23:20) may vary. */
	report((periph & 0xfffu) == 0x011, "UARTPeriphID part number is 0x011 (%#010x)", periph);
	report(((periph >> 12) & 0xffu) == 0x41, "UARTPeriphID designer is 0x41, Arm (%#010x)",
	       periph);
	report((periph >> 24) == 0, "UARTPeriphID configuration is 0 (%#010x)", periph);
	report(cell == 0xb105f00du, "UARTPCellID is 0xb105f00d (%#010x)", cell);
}

static bool wait_tx_empty(void)
{
	uint64_t deadline = timer_now() + timer_freq();

	while (!(*reg32(UART_FR) & UART_FR_TXFE)) {
		if (timer_now() > deadline)
			return false;
	}
	return true;
}

static void check_flags_and_data(void)
{
	static const char line[] = "uart: 32-bit DR writes reach the console\n";
	uint32_t fr;

	fr = *reg32(UART_FR);
	report(!(fr & UART_FR_TXFF), "FR: transmit FIFO not full (%#x)", fr);
	report(wait_tx_empty(), "FR: TXFE set once the transmitter drained");
	report(fr & UART_FR_RXFE, "FR: receive FIFO empty, nothing was typed (%#x)", fr);

	/* The runner looks for these lines in the console output. */
	for (const char *p = line; *p; p++) {
		while (*reg32(UART_FR) & UART_FR_TXFF)
			cpu_relax();
		*reg32(UART_DR) = (unsigned char)*p;
	}
	report(wait_tx_empty(), "FR: TXFE set again after writing a line to DR");
}

/*
 * Byte and halfword stores to DR, as some firmware consoles do. QEMU's
 * PL011 model accepts them as writes of the low byte; an emulation may
 * instead refuse them with an external abort. Either is handled: the guest
 * must not die, and the runner looks for the lines that were written.
 */
static void check_narrow_dr(void)
{
	static const char bline[] = "uart: 8-bit DR writes reach the console\n";
	static const char hline[] = "uart: 16-bit DR writes reach the console\n";
	volatile uint8_t *dr8 = (volatile uint8_t *)(uintptr_t)(GUEST_UART_IPA + UART_DR);
	volatile uint16_t *dr16 = (volatile uint16_t *)(uintptr_t)(GUEST_UART_IPA + UART_DR);
	struct exception_info ex;
	bool faulted = false;

	for (const char *p = bline; *p && !faulted; p++) {
		while (*reg32(UART_FR) & UART_FR_TXFF)
			cpu_relax();
		/* One expected exception at a time: stop at the first abort. */
		expect_exception();
		*dr8 = (uint8_t)(unsigned char)*p;
		faulted = exception_taken(&ex);
	}
	report(!faulted || (ESR_EC(ex.esr) == ESR_EC_DABT_CUR),
	       "8-bit DR writes work or are refused with a data abort (%s)",
	       faulted ? "aborted" : "written");

	faulted = false;
	for (const char *p = hline; *p && !faulted; p++) {
		while (*reg32(UART_FR) & UART_FR_TXFF)
			cpu_relax();
		expect_exception();
		*dr16 = (uint16_t)(unsigned char)*p;
		faulted = exception_taken(&ex);
	}
	report(!faulted || (ESR_EC(ex.esr) == ESR_EC_DABT_CUR),
	       "16-bit DR writes work or are refused with a data abort (%s)",
	       faulted ? "aborted" : "written");
}

struct rw_case {
	uint32_t off;
	const char *name;
	uint32_t values[2];
};

/*
 * Values keep the UART enabled with TX on (CR), 8-bit words (LCR_H), and
 * never set BRK or loopback: the console must keep working meanwhile.
 */
static const struct rw_case rw_cases[] = {
	{ UART_CR, "CR",
	  { UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE,
	    UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE | UART_CR_RTS } },
	{ UART_LCR_H, "LCR_H", { UART_LCR_WLEN8 | UART_LCR_FEN, UART_LCR_WLEN8 | 0x0e } },
	{ UART_IBRD, "IBRD", { 0x0027, 0xfedc } },
	{ UART_FBRD, "FBRD", { 0x04, 0x3f } },
	{ UART_IMSC, "IMSC", { 0x07ff, 0x0050 } },
};

static void check_config_registers(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(rw_cases); i++) {
		const struct rw_case *c = &rw_cases[i];
		uint32_t saved, got[2];

		/* Console output must not change format while the registers do. */
		wait_tx_empty();
		saved = *reg32(c->off);
		for (unsigned int j = 0; j < 2; j++) {
			*reg32(c->off) = c->values[j];
			got[j] = *reg32(c->off);
		}
		*reg32(c->off) = saved;
		for (unsigned int j = 0; j < 2; j++)
			report(got[j] == c->values[j], "%s reads back %#x (got %#x)", c->name,
			       c->values[j], got[j]);
		report(*reg32(c->off) == saved, "%s restored to %#x", c->name, saved);
	}
}

int main(void)
{
	check_ids();
	check_flags_and_data();
	check_narrow_dr();
	check_config_registers();
	return report_summary();
}
