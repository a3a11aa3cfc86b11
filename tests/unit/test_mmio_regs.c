#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "formats/host/mmio_regs.h"
#include "formats/trace.h"

static const char *name(uint32_t dev, uint64_t off)
{
	static char buf[64];

	return mmio_reg_name(dev, off, buf, sizeof(buf));
}

static void test_gicd_single_registers_and_arrays_are_named(void **state)
{
	(void)state;
	assert_string_equal(name(TRACE_DEV_GICD, 0x0), "GICD_CTLR");
	assert_string_equal(name(TRACE_DEV_GICD, 0x4), "GICD_TYPER");
	/* ISENABLER<n> covers INTIDs 32n..32n+31 */
	assert_string_equal(name(TRACE_DEV_GICD, 0x104), "GICD_ISENABLER1");
	/* IPRIORITYR<n> holds INTIDs 4n..4n+3: a byte access names the byte */
	assert_string_equal(name(TRACE_DEV_GICD, 0x420), "GICD_IPRIORITYR8");
	assert_string_equal(name(TRACE_DEV_GICD, 0x422), "GICD_IPRIORITYR8+2");
	/* IROUTER<n> is 64-bit, for SPI n, from 0x6000 + 8n */
	assert_string_equal(name(TRACE_DEV_GICD, 0x6000 + 8 * 40), "GICD_IROUTER40");
	assert_string_equal(name(TRACE_DEV_GICD, 0xffe8), "GICD_PIDR2");
}

static void test_gicr_rd_and_sgi_frames_are_named(void **state)
{
	(void)state;
	assert_string_equal(name(TRACE_DEV_GICR, 0x14), "GICR_WAKER");
	assert_string_equal(name(TRACE_DEV_GICR, 0x8), "GICR_TYPER");
	assert_string_equal(name(TRACE_DEV_GICR, 0xc), "GICR_TYPER+4");
	assert_string_equal(name(TRACE_DEV_GICR, 0x10100), "GICR_ISENABLER0");
	assert_string_equal(name(TRACE_DEV_GICR, 0x1041c), "GICR_IPRIORITYR7");
	assert_string_equal(name(TRACE_DEV_GICR, 0x10c04), "GICR_ICFGR1");
}

static void test_pl011_registers_are_named(void **state)
{
	(void)state;
	assert_string_equal(name(TRACE_DEV_UART, 0x0), "UARTDR");
	assert_string_equal(name(TRACE_DEV_UART, 0x18), "UARTFR");
	assert_string_equal(name(TRACE_DEV_UART, 0x38), "UARTIMSC");
	assert_string_equal(name(TRACE_DEV_UART, 0xfe8), "UARTPeriphID2");
}

static void test_unknown_offsets_and_devices_give_an_empty_name(void **state)
{
	char buf[4] = "xyz";

	(void)state;
	assert_string_equal(name(TRACE_DEV_UART, 0x50), "");
	assert_string_equal(name(TRACE_DEV_GICD, 0x1000), "");
	assert_string_equal(name(TRACE_DEV_NONE, 0x0), "");
	assert_string_equal(name(999, 0x0), "");
	/* A short buffer is truncated, never overrun. */
	mmio_reg_name(TRACE_DEV_GICD, 0x104, buf, sizeof(buf));
	assert_string_equal(buf, "GIC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gicd_single_registers_and_arrays_are_named),
		cmocka_unit_test(test_gicr_rd_and_sgi_frames_are_named),
		cmocka_unit_test(test_pl011_registers_are_named),
		cmocka_unit_test(test_unknown_offsets_and_devices_give_an_empty_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
