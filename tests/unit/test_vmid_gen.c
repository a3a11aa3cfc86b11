/*
 * VMID + generation packing (formats/vmid.h), as the hypervisor's VMID
 * allocator uses it, for both VMID widths the architecture offers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "formats/vmid.h"

static void test_pack_and_unpack_8bit_vmid(void **state)
{
	uint64_t gen = UINT64_C(5) << 8;
	uint64_t v = vmid_pack(gen, 0x42, 8);

	(void)state;
	assert_int_equal(v, 0x542);
	assert_int_equal(vmid_of(v, 8), 0x42);
	assert_int_equal(vmid_gen_of(v, 8), 0x500);
	assert_int_equal(vmid_gen_number(v, 8), 5);
}

static void test_pack_and_unpack_16bit_vmid(void **state)
{
	uint64_t gen = UINT64_C(3) << 16;
	uint64_t v = vmid_pack(gen, 0xbeef, 16);

	(void)state;
	assert_int_equal(v, 0x3beef);
	assert_int_equal(vmid_of(v, 16), 0xbeef);
	assert_int_equal(vmid_gen_of(v, 16), 0x30000);
	assert_int_equal(vmid_gen_number(v, 16), 3);
}

static void test_pack_keeps_vmid_out_of_the_generation_bits(void **state)
{
	(void)state;
	/* a VMID wider than vmid_bits is truncated, stray low generation bits dropped */
	assert_int_equal(vmid_pack(0x5ff, 0x1234, 8), 0x534);
	assert_int_equal(vmid_pack(UINT64_C(1) << 16, 0xffff, 16), 0x1ffff);
	assert_int_equal(vmid_gen_number(vmid_pack(UINT64_C(1) << 16, 0xffff, 16), 16), 1);
	assert_int_equal(vmid_mask(8), 0xff);
	assert_int_equal(vmid_mask(16), 0xffff);
}

static void test_every_vmid_of_a_generation_is_current(void **state)
{
	uint64_t gen = vmid_gen_next(vmid_gen_first(8), 8);
	unsigned vmid;

	(void)state;
	for (vmid = 0; vmid < 256; vmid++)
		assert_true(vmid_gen_current(vmid_pack(gen, vmid, 8), gen, 8));
}

static void test_rollover_makes_older_vmids_stale(void **state)
{
	uint64_t gen = vmid_gen_first(16);
	uint64_t v = vmid_pack(gen, 7, 16);
	uint64_t next = vmid_gen_next(gen, 16);

	(void)state;
	assert_true(vmid_gen_current(v, gen, 16));
	assert_false(vmid_gen_current(v, next, 16));
	assert_true(vmid_gen_current(vmid_pack(next, vmid_of(v, 16), 16), next, 16));
	/* a newer value is not current for an older generation either */
	assert_false(vmid_gen_current(vmid_pack(next, 7, 16), gen, 16));
	assert_int_equal(vmid_gen_number(next, 16), 2);
}

static void test_unallocated_zero_is_never_current(void **state)
{
	(void)state;
	assert_int_equal(vmid_gen_first(8), 0x100);
	assert_int_equal(vmid_gen_first(16), 0x10000);
	assert_false(vmid_gen_current(0, vmid_gen_first(8), 8));
	assert_false(vmid_gen_current(0, vmid_gen_first(16), 16));
}

static void test_generation_counts_in_units_of_vmid_space(void **state)
{
	uint64_t gen = vmid_gen_first(8);
	unsigned i;

	(void)state;
	for (i = 1; i < 1000; i++) {
		assert_int_equal(vmid_gen_number(gen, 8), i);
		assert_int_equal(vmid_of(gen, 8), 0);
		gen = vmid_gen_next(gen, 8);
	}
}

static void test_vmid_bits_read_from_id_aa64mmfr1(void **state)
{
	(void)state;
	/* VMIDBits, ID_AA64MMFR1_EL1 [7:4]: 0b0000 = 8 bits, 0b0010 = 16 bits */
	assert_int_equal(vmid_bits_from_mmfr1(0x0), 8);
	assert_int_equal(vmid_bits_from_mmfr1(0x20), 16);
	assert_int_equal(vmid_bits_from_mmfr1(0xffffffffffffff0fULL), 8);
	assert_int_equal(vmid_bits_from_mmfr1(0x10212122ULL), 16);
	assert_int_equal(vmid_bits_from_mmfr1(0x10), 8); /* reserved value */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_and_unpack_8bit_vmid),
		cmocka_unit_test(test_pack_and_unpack_16bit_vmid),
		cmocka_unit_test(test_pack_keeps_vmid_out_of_the_generation_bits),
		cmocka_unit_test(test_every_vmid_of_a_generation_is_current),
		cmocka_unit_test(test_rollover_makes_older_vmids_stale),
		cmocka_unit_test(test_unallocated_zero_is_never_current),
		cmocka_unit_test(test_generation_counts_in_units_of_vmid_space),
		cmocka_unit_test(test_vmid_bits_read_from_id_aa64mmfr1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
