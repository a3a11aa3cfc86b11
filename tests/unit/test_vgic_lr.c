/*
 * formats/ich_lr: ICH_LR<n>_EL2 values field by field, the HW/EOI overlap,
 * and the names used by traces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "formats/ich_lr.h"

static void test_lr_encode_places_every_field(void **state)
{
	(void)state;
	struct ich_lr lr = {
		.state = ICH_LR_STATE_PENDING,
		.group1 = true,
		.priority = 0xa8,
		.vintid = 33,
	};

	/* State 01 at [63:62], Group at 60, priority at [55:48], vINTID at [31:0]. */
	assert_int_equal(ich_lr_encode(&lr), 0x5000000000000000ull | 0x00a8000000000000ull | 33);
}

static void test_lr_encode_each_state(void **state)
{
	(void)state;
	static const struct {
		enum ich_lr_state st;
		uint64_t bits;
	} cases[] = {
		{ICH_LR_STATE_INVALID, 0},
		{ICH_LR_STATE_PENDING, 1ull << 62},
		{ICH_LR_STATE_ACTIVE, 1ull << 63},
		{ICH_LR_STATE_PENDING_ACTIVE, 3ull << 62},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ich_lr lr = {.state = cases[i].st, .vintid = 5};
		struct ich_lr out;
		uint64_t v = ich_lr_encode(&lr);

		assert_int_equal(v & ICH_LR_STATE_MASK, cases[i].bits);
		ich_lr_decode(v, &out);
		assert_int_equal(out.state, cases[i].st);
		assert_int_equal(out.vintid, 5);
	}
}

static void test_lr_hw_puts_pintid_in_44_32_and_ignores_eoi(void **state)
{
	(void)state;
	struct ich_lr lr = {
		.state = ICH_LR_STATE_PENDING,
		.hw = true,
		.eoi = true, /* must not leak into bit 41 */
		.group1 = true,
		.priority = 0xa0,
		.vintid = 27,
		.pintid = 27,
	};
	uint64_t v = ich_lr_encode(&lr);
	struct ich_lr out;

	assert_true(v & ICH_LR_HW);
	assert_int_equal((v >> 32) & 0x1fff, 27);
	assert_false(v & ICH_LR_EOI); /* 27 has bit 9 of pINTID clear */
	ich_lr_decode(v, &out);
	assert_true(out.hw);
	assert_false(out.eoi);
	assert_int_equal(out.pintid, 27);
	assert_int_equal(out.vintid, 27);
	assert_int_equal(out.priority, 0xa0);
	assert_true(out.group1);
}

static void test_lr_hw_pintid_with_bit9_decodes_as_pintid_not_eoi(void **state)
{
	(void)state;
	/* pINTID 512 sets LR bit 41: with HW it is a pINTID bit, not EOI. */
	struct ich_lr lr = {.state = ICH_LR_STATE_ACTIVE, .hw = true, .vintid = 40, .pintid = 512};
	struct ich_lr out;
	uint64_t v = ich_lr_encode(&lr);

	assert_true(v & (1ull << 41));
	ich_lr_decode(v, &out);
	assert_int_equal(out.pintid, 512);
	assert_false(out.eoi);
}

static void test_lr_eoi_bit_without_hw(void **state)
{
	(void)state;
	struct ich_lr lr = {
		.state = ICH_LR_STATE_PENDING,
		.eoi = true,
		.pintid = 99, /* ignored without HW */
		.priority = 0x80,
		.vintid = 33,
	};
	uint64_t v = ich_lr_encode(&lr);
	struct ich_lr out;

	assert_int_equal(v & ~(ICH_LR_STATE_MASK | ICH_LR_PRIORITY_MASK | ICH_LR_VINTID_MASK),
			 ICH_LR_EOI);
	ich_lr_decode(v, &out);
	assert_true(out.eoi);
	assert_false(out.hw);
	assert_int_equal(out.pintid, 0);
	assert_false(out.group1);
}

static void test_lr_decode_encode_round_trip(void **state)
{
	(void)state;
	static const uint64_t values[] = {
		0,
		0x40a0000000000021ull, /* P, G0, prio a0, 33 */
		0xf0f8001b0000001bull, /* PA, HW, G1, prio f8, p27 v27 */
		0x9008020000000401ull, /* A, G1, EOI, prio 08, v1025 */
	};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct ich_lr lr;

		ich_lr_decode(values[i], &lr);
		assert_int_equal(ich_lr_encode(&lr), values[i]);
	}
}

static void test_lr_state_names(void **state)
{
	(void)state;
	assert_string_equal(ich_lr_state_str(ICH_LR_STATE_INVALID), "-");
	assert_string_equal(ich_lr_state_str(ICH_LR_STATE_PENDING), "P");
	assert_string_equal(ich_lr_state_str(ICH_LR_STATE_ACTIVE), "A");
	assert_string_equal(ich_lr_state_str(ICH_LR_STATE_PENDING_ACTIVE), "PA");
	assert_string_equal(ich_lr_state_str((enum ich_lr_state)7), "?");
}

static void test_misr_cause_names_match_bit_positions(void **state)
{
	(void)state;
	static const char *const expect[] = {"EOI",    "U",      "LRENP",  "NP",
					     "VGrp0E", "VGrp0D", "VGrp1E", "VGrp1D"};

	for (unsigned i = 0; i < ICH_MISR_NR_CAUSES; i++)
		assert_string_equal(ich_misr_cause_name(i), expect[i]);
	assert_string_equal(ich_misr_cause_name(8), "?");
	assert_int_equal(ICH_MISR_NP, 1u << 3);
	assert_int_equal(ICH_MISR_VGRP1D, 1u << 7);
}

static void test_vtr_fields(void **state)
{
	(void)state;
	/* QEMU's TCG GICv3: 4 LRs, 5 priority and preemption bits, 16 ID bits. */
	uint32_t vtr = (4u << 29) | (4u << 26) | (0u << 23) | 3u;

	assert_int_equal(ICH_VTR_LISTREGS(vtr), 4);
	assert_int_equal(ICH_VTR_PRIBITS(vtr), 5);
	assert_int_equal(ICH_VTR_PREBITS(vtr), 5);
	assert_int_equal(ICH_VTR_IDBITS(vtr), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lr_encode_places_every_field),
		cmocka_unit_test(test_lr_encode_each_state),
		cmocka_unit_test(test_lr_hw_puts_pintid_in_44_32_and_ignores_eoi),
		cmocka_unit_test(test_lr_hw_pintid_with_bit9_decodes_as_pintid_not_eoi),
		cmocka_unit_test(test_lr_eoi_bit_without_hw),
		cmocka_unit_test(test_lr_decode_encode_round_trip),
		cmocka_unit_test(test_lr_state_names),
		cmocka_unit_test(test_misr_cause_names_match_bit_positions),
		cmocka_unit_test(test_vtr_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
