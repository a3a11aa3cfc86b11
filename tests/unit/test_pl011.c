/*
 * hyp/dev/pl011.c: the emulated PL011 (PrimeCell UART TRM r1p5, chapter 3).
 * ID registers, flag bits, whole TX lines to the console, the RX FIFO with
 * overruns, the raw/masked interrupt status with its line level, and what
 * happens to accesses the device does not have.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/dev/pl011.h"

#define DR    0x000
#define RSR   0x004
#define FR    0x018
#define ILPR  0x020
#define IBRD  0x024
#define FBRD  0x028
#define LCR_H 0x02c
#define CR    0x030
#define IFLS  0x034
#define IMSC  0x038
#define RIS   0x03c
#define MIS   0x040
#define ICR   0x044
#define DMACR 0x048

#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)

#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)
#define INT_OE (1u << 10)

#define MAX_LINES 8

struct fx {
	struct pl011 u;
	char lines[MAX_LINES][PL011_LINE_MAX + 1];
	unsigned lens[MAX_LINES];
	unsigned nr_lines;
	bool levels[16]; /* every level the irq callback was given */
	unsigned nr_levels;
};

static struct fx f;

static void on_line(void *opaque, const char *line, unsigned len)
{
	struct fx *x = opaque;

	assert_ptr_equal(x, &f);
	assert_true(len <= PL011_LINE_MAX);
	assert_true(x->nr_lines < MAX_LINES);
	memcpy(x->lines[x->nr_lines], line, len);
	x->lines[x->nr_lines][len] = '\0';
	x->lens[x->nr_lines++] = len;
}

static void on_irq(void *opaque, bool level)
{
	struct fx *x = opaque;

	assert_true(x->nr_levels < 16);
	x->levels[x->nr_levels++] = level;
}

static int setup(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	pl011_init(&f.u, on_line, on_irq, &f);
	return 0;
}

static uint64_t rd(uint64_t off)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	assert_true(pl011_mmio(&f.u, NULL, off, 4, false, &v));
	return v;
}

static void wr(uint64_t off, uint64_t val)
{
	assert_true(pl011_mmio(&f.u, NULL, off, 4, true, &val));
}

static void put(const char *s)
{
	while (*s)
		wr(DR, (uint8_t)*s++);
}

static void test_id_registers_name_an_arm_pl011(void **state)
{
	static const uint8_t id[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	(void)state;
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(rd(0xfe0 + 4 * i), id[i]);
	/* Part number 0x011, designer 0x41 ('A'), PrimeCell ID 0xb105f00d. */
	assert_int_equal(rd(0xfe0) | (rd(0xfe4) & 0xf) << 8, 0x011);
	assert_int_equal((rd(0xfe4) >> 4) | (rd(0xfe8) & 0xf) << 4, 0x41);
	assert_int_equal(rd(0xff0) | rd(0xff4) << 8 | rd(0xff8) << 16 | rd(0xffc) << 24,
			 0xb105f00d);
	assert_int_equal(f.u.bad_accesses, 0);
}

static void test_reset_values_follow_the_trm(void **state)
{
	(void)state;
	assert_int_equal(rd(CR), 0x300); /* TXE, RXE; UART disabled */
	assert_int_equal(rd(IFLS), 0x12);
	assert_int_equal(rd(IMSC), 0);
	assert_int_equal(rd(LCR_H), 0);
	assert_int_equal(rd(RSR), 0);
	assert_int_equal(rd(ILPR), 0);
	assert_false(f.u.irq_level);
	assert_int_equal(f.nr_levels, 0);
}

static void test_fr_always_reports_an_empty_transmit_fifo(void **state)
{
	(void)state;
	assert_int_equal(rd(FR) & (FR_TXFE | FR_TXFF), FR_TXFE);
	put("some output that would fill a real FIFO...\n");
	assert_int_equal(rd(FR) & (FR_TXFE | FR_TXFF), FR_TXFE);
}

static void test_fr_follows_the_receive_fifo(void **state)
{
	(void)state;
	assert_int_equal(rd(FR) & (FR_RXFE | FR_RXFF), FR_RXFE);
	assert_true(pl011_rx_push(&f.u, 'a'));
	assert_int_equal(rd(FR) & (FR_RXFE | FR_RXFF), 0);
	for (unsigned i = 1; i < PL011_RX_FIFO; i++)
		assert_true(pl011_rx_push(&f.u, (uint8_t)i));
	assert_int_equal(rd(FR) & (FR_RXFE | FR_RXFF), FR_RXFF);
	rd(DR);
	assert_int_equal(rd(FR) & (FR_RXFE | FR_RXFF), 0);
}

static void test_tx_line_is_delivered_whole_without_newline(void **state)
{
	(void)state;
	put("hello");
	assert_int_equal(f.nr_lines, 0);
	put(", world\n");
	assert_int_equal(f.nr_lines, 1);
	assert_string_equal(f.lines[0], "hello, world");
	assert_int_equal(f.u.tx_count, 13);
}

static void test_tx_splits_on_newline_and_drops_carriage_return(void **state)
{
	(void)state;
	put("one\r\ntwo\r\n\r\nthree\n");
	assert_int_equal(f.nr_lines, 4);
	assert_string_equal(f.lines[0], "one");
	assert_string_equal(f.lines[1], "two");
	assert_int_equal(f.lens[2], 0); /* an empty line is still a line */
	assert_string_equal(f.lines[3], "three");
}

static void test_long_tx_line_is_flushed_at_the_limit(void **state)
{
	char buf[PL011_LINE_MAX + 41];

	(void)state;
	for (unsigned i = 0; i < sizeof(buf) - 1; i++)
		buf[i] = (char)('a' + i % 26);
	buf[sizeof(buf) - 1] = '\0';
	put(buf);
	/* The first PL011_LINE_MAX characters went out when the next one came. */
	assert_int_equal(f.nr_lines, 1);
	assert_int_equal(f.lens[0], PL011_LINE_MAX);
	assert_memory_equal(f.lines[0], buf, PL011_LINE_MAX);
	put("\n");
	assert_int_equal(f.nr_lines, 2);
	assert_int_equal(f.lens[1], 40);
	assert_memory_equal(f.lines[1], buf + PL011_LINE_MAX, 40);
}

static void test_line_of_exactly_the_limit_is_one_line(void **state)
{
	char buf[PL011_LINE_MAX + 1];

	(void)state;
	memset(buf, 'x', PL011_LINE_MAX);
	buf[PL011_LINE_MAX] = '\0';
	put(buf);
	put("\n");
	assert_int_equal(f.nr_lines, 1);
	assert_int_equal(f.lens[0], PL011_LINE_MAX);
}

static void test_flush_emits_a_partial_line_once(void **state)
{
	(void)state;
	put("no newline");
	pl011_flush(&f.u);
	assert_int_equal(f.nr_lines, 1);
	assert_string_equal(f.lines[0], "no newline");
	pl011_flush(&f.u);
	assert_int_equal(f.nr_lines, 1);
}

static void test_byte_write_to_dr_transmits(void **state)
{
	uint64_t c = 'k';

	(void)state;
	assert_true(pl011_mmio(&f.u, NULL, DR, 1, true, &c));
	c = '\n';
	assert_true(pl011_mmio(&f.u, NULL, DR, 2, true, &c));
	assert_int_equal(f.nr_lines, 1);
	assert_string_equal(f.lines[0], "k");
}

static char chars[256];
static unsigned nr_chars;

static void on_chars(void *opaque, const char *s, unsigned len)
{
	assert_ptr_equal(opaque, &f);
	assert_true(nr_chars + len < sizeof(chars));
	memcpy(chars + nr_chars, s, len);
	nr_chars += len;
	chars[nr_chars] = '\0';
}

static void test_interactive_output_goes_out_a_character_at_a_time(void **state)
{
	(void)state;
	nr_chars = 0;
	put("buffered ");
	assert_int_equal(f.nr_lines, 0);
	/* Turning it on sends what was buffered, then each character as written. */
	pl011_set_interactive(&f.u, on_chars, true);
	assert_string_equal(chars, "buffered ");
	put("/ # ");
	assert_string_equal(chars, "buffered / # ");
	put("x\r\n");
	assert_string_equal(chars, "buffered / # x\r\n");
	assert_int_equal(f.nr_lines, 0);
	assert_int_equal(f.u.tx_count, 16);
	/* Off again: back to whole lines. */
	pl011_set_interactive(&f.u, on_chars, false);
	put("line\n");
	assert_int_equal(f.nr_lines, 1);
	assert_string_equal(f.lines[0], "line");
	assert_string_equal(chars, "buffered / # x\r\n");
}

static void test_interactive_needs_a_callback(void **state)
{
	(void)state;
	pl011_set_interactive(&f.u, NULL, true);
	put("still lines\n");
	assert_int_equal(f.nr_lines, 1);
	assert_string_equal(f.lines[0], "still lines");
}

static void test_rx_fifo_returns_characters_in_order(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 3 * PL011_RX_FIFO; i++) {
		/* Keep the ring index moving past its end. */
		assert_true(pl011_rx_push(&f.u, (uint8_t)i));
		assert_true(pl011_rx_push(&f.u, (uint8_t)(i + 100)));
		assert_int_equal(rd(DR), (uint8_t)i);
		assert_int_equal(rd(DR), (uint8_t)(i + 100));
	}
	assert_int_equal(rd(FR) & FR_RXFE, FR_RXFE);
	/* An empty FIFO reads as 0. */
	assert_int_equal(rd(DR), 0);
	assert_int_equal(f.u.rx_overruns, 0);
}

/* Fills the FIFO and the backlog behind it: FIFO + backlog characters. */
static void fill_rx(void)
{
	for (unsigned i = 0; i < PL011_RX_FIFO + PL011_RX_BACKLOG; i++)
		assert_true(pl011_rx_push(&f.u, (uint8_t)('A' + i % 26)));
}

static void test_typed_input_waits_behind_a_full_fifo_in_order(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 3 * PL011_RX_FIFO; i++)
		assert_true(pl011_rx_push(&f.u, (uint8_t)i));
	/* The FIFO shows 32; the rest comes in as the guest reads, in order. */
	assert_int_equal(f.u.rx_count, PL011_RX_FIFO);
	for (unsigned i = 0; i < 3 * PL011_RX_FIFO; i++)
		assert_int_equal(rd(DR), (uint8_t)i);
	assert_int_equal(rd(FR) & FR_RXFE, FR_RXFE);
	assert_int_equal(f.u.rx_overruns, 0);
}

static void test_rx_overrun_drops_the_character_and_counts_it(void **state)
{
	(void)state;
	fill_rx();
	assert_false(pl011_rx_push(&f.u, '!'));
	assert_false(pl011_rx_push(&f.u, '?'));
	assert_int_equal(f.u.rx_overruns, 2);
	assert_true(rd(RIS) & INT_OE);
	assert_int_equal(rd(RSR) & 0x8, 0x8); /* OE in the error register */
	/* What was queued is intact; the extra characters are gone. */
	for (unsigned i = 0; i < PL011_RX_FIFO + PL011_RX_BACKLOG; i++)
		assert_int_equal(rd(DR), 'A' + i % 26);
	assert_int_equal(rd(FR) & FR_RXFE, FR_RXFE);
	/* Any write to RSR/ECR clears the error; ICR clears the interrupt. */
	wr(RSR, 0);
	assert_int_equal(rd(RSR), 0);
	wr(ICR, INT_OE);
	assert_false(rd(RIS) & INT_OE);
}

static void test_tx_raised_at_reset_cleared_by_icr_raised_by_the_next_write(void **state)
{
	(void)state;
	/* The FIFO is empty at reset: at the trigger level. */
	assert_int_equal(rd(RIS), INT_TX);
	wr(ICR, 0x7ff);
	assert_int_equal(rd(RIS), 0);
	assert_int_equal(rd(RIS), 0); /* it stays cleared */
	/* A character leaves at once: the FIFO drains, TX is raised again. */
	wr(DR, 'x');
	assert_int_equal(rd(RIS), INT_TX);
}

static void test_mis_is_ris_under_the_mask(void **state)
{
	(void)state;
	assert_int_equal(rd(MIS), 0);
	pl011_rx_push(&f.u, 'x');
	assert_int_equal(rd(RIS), INT_TX | INT_RX | INT_RT);
	assert_int_equal(rd(MIS), 0);
	wr(IMSC, INT_RX);
	assert_int_equal(rd(IMSC), INT_RX);
	assert_int_equal(rd(MIS), INT_RX);
	wr(IMSC, INT_RX | INT_RT | INT_TX);
	assert_int_equal(rd(MIS), INT_TX | INT_RX | INT_RT);
	/* IMSC keeps only the 11 interrupt bits. */
	wr(IMSC, 0xffffffff);
	assert_int_equal(rd(IMSC), 0x7ff);
}

static void test_unmasking_tx_raises_the_line_and_masking_lowers_it(void **state)
{
	(void)state;
	wr(IMSC, INT_TX);
	assert_true(f.u.irq_level);
	assert_int_equal(f.nr_levels, 1);
	assert_true(f.levels[0]);
	/* Writes that change nothing do not call back again. */
	wr(IMSC, INT_TX);
	put("x");
	assert_int_equal(f.nr_levels, 1);
	wr(IMSC, 0);
	assert_int_equal(f.nr_levels, 2);
	assert_false(f.levels[1]);
	assert_false(f.u.irq_level);
}

static void test_rx_interrupt_is_raised_while_data_is_there(void **state)
{
	(void)state;
	wr(IMSC, INT_RX | INT_RT);
	assert_int_equal(f.nr_levels, 0);
	pl011_rx_push(&f.u, 'a');
	assert_int_equal(f.nr_levels, 1);
	assert_true(f.levels[0]);
	pl011_rx_push(&f.u, 'b');
	assert_int_equal(f.nr_levels, 1);
	rd(DR);
	/* Still data: still raised, even after ICR tries to clear it. */
	assert_true(f.u.irq_level);
	wr(ICR, INT_RX | INT_RT);
	assert_true(rd(RIS) & INT_RX);
	assert_true(f.u.irq_level);
	assert_int_equal(f.nr_levels, 1);
	rd(DR);
	assert_int_equal(f.nr_levels, 2);
	assert_false(f.levels[1]);
	assert_false(rd(RIS) & (INT_RX | INT_RT));
}

static void test_overrun_interrupt_raises_the_line_until_cleared(void **state)
{
	(void)state;
	wr(IMSC, INT_OE);
	fill_rx();
	assert_int_equal(f.nr_levels, 0);
	pl011_rx_push(&f.u, 'z');
	assert_int_equal(f.nr_levels, 1);
	assert_true(f.levels[0]);
	wr(ICR, INT_OE);
	assert_int_equal(f.nr_levels, 2);
	assert_false(f.levels[1]);
}

static void test_control_registers_keep_their_defined_bits(void **state)
{
	(void)state;
	wr(IBRD, 0xffffffff);
	wr(FBRD, 0xffffffff);
	wr(LCR_H, 0xffffffff);
	wr(CR, 0xffffffff);
	wr(IFLS, 0xffffffff);
	wr(DMACR, 0xffffffff);
	assert_int_equal(rd(IBRD), 0xffff);
	assert_int_equal(rd(FBRD), 0x3f);
	assert_int_equal(rd(LCR_H), 0xff);
	assert_int_equal(rd(CR), 0xff87);
	assert_int_equal(rd(IFLS), 0x3f);
	assert_int_equal(rd(DMACR), 7);
	assert_int_equal(f.u.bad_accesses, 0);
}

static void test_wide_or_unaligned_accesses_are_bus_errors(void **state)
{
	uint64_t v = 0x41;

	(void)state;
	assert_false(pl011_mmio(&f.u, NULL, DR, 8, true, &v));
	assert_false(pl011_mmio(&f.u, NULL, FR, 8, false, &v));
	assert_false(pl011_mmio(&f.u, NULL, DR + 1, 1, true, &v));
	assert_false(pl011_mmio(&f.u, NULL, FR + 2, 2, false, &v));
	assert_int_equal(f.u.bad_accesses, 4);
	/* Nothing was transmitted. */
	pl011_flush(&f.u);
	assert_int_equal(f.nr_lines, 0);
	assert_int_equal(f.u.tx_count, 0);
}

static void test_reserved_offsets_read_as_zero_and_ignore_writes(void **state)
{
	(void)state;
	assert_int_equal(rd(0x008), 0);
	assert_int_equal(rd(0x100), 0);
	assert_int_equal(rd(ICR), 0); /* write-only */
	assert_int_equal(f.u.bad_accesses, 3);
	wr(0x100, 0xffff);
	wr(FR, 0);     /* read-only */
	wr(RIS, 0x7ff);
	wr(MIS, 0x7ff);
	assert_int_equal(f.u.bad_accesses, 7);
	assert_int_equal(rd(RIS), INT_TX);
	assert_int_equal(rd(FR) & FR_TXFE, FR_TXFE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_id_registers_name_an_arm_pl011, setup),
		cmocka_unit_test_setup(test_reset_values_follow_the_trm, setup),
		cmocka_unit_test_setup(test_fr_always_reports_an_empty_transmit_fifo, setup),
		cmocka_unit_test_setup(test_fr_follows_the_receive_fifo, setup),
		cmocka_unit_test_setup(test_tx_line_is_delivered_whole_without_newline, setup),
		cmocka_unit_test_setup(test_tx_splits_on_newline_and_drops_carriage_return, setup),
		cmocka_unit_test_setup(test_long_tx_line_is_flushed_at_the_limit, setup),
		cmocka_unit_test_setup(test_line_of_exactly_the_limit_is_one_line, setup),
		cmocka_unit_test_setup(test_flush_emits_a_partial_line_once, setup),
		cmocka_unit_test_setup(test_byte_write_to_dr_transmits, setup),
		cmocka_unit_test_setup(test_interactive_output_goes_out_a_character_at_a_time,
				       setup),
		cmocka_unit_test_setup(test_interactive_needs_a_callback, setup),
		cmocka_unit_test_setup(test_rx_fifo_returns_characters_in_order, setup),
		cmocka_unit_test_setup(test_typed_input_waits_behind_a_full_fifo_in_order, setup),
		cmocka_unit_test_setup(test_rx_overrun_drops_the_character_and_counts_it, setup),
		cmocka_unit_test_setup(test_tx_raised_at_reset_cleared_by_icr_raised_by_the_next_write, setup),
		cmocka_unit_test_setup(test_mis_is_ris_under_the_mask, setup),
		cmocka_unit_test_setup(test_unmasking_tx_raises_the_line_and_masking_lowers_it,
				       setup),
		cmocka_unit_test_setup(test_rx_interrupt_is_raised_while_data_is_there, setup),
		cmocka_unit_test_setup(test_overrun_interrupt_raises_the_line_until_cleared, setup),
		cmocka_unit_test_setup(test_control_registers_keep_their_defined_bits, setup),
		cmocka_unit_test_setup(test_wide_or_unaligned_accesses_are_bus_errors, setup),
		cmocka_unit_test_setup(test_reserved_offsets_read_as_zero_and_ignore_writes, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
