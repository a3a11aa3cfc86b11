/*
 * hyp/core/mmio.c: a VM's MMIO bus. Regions are found only when they hold
 * the whole access; overlapping, empty and wrapping regions are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/trace.h"
#include "hyp/include/mmio.h"

static struct mmio_bus bus;
static int dev_a, dev_b;

static bool handler_a(void *opaque, struct vcpu *vcpu, uint64_t offset, unsigned size, bool write,
		      uint64_t *val)
{
	(void)vcpu;
	(void)write;
	*val = offset + size + (opaque == &dev_a ? 0xa000 : 0);
	return true;
}

static bool handler_b(void *opaque, struct vcpu *vcpu, uint64_t offset, unsigned size, bool write,
		      uint64_t *val)
{
	(void)opaque;
	(void)vcpu;
	(void)offset;
	(void)size;
	(void)write;
	(void)val;
	return false;
}

static int setup(void **state)
{
	(void)state;
	memset(&bus, 0xa5, sizeof(bus)); /* init must not rely on zeroed memory */
	mmio_bus_init(&bus);
	return 0;
}

static int add(uint64_t base, uint64_t size)
{
	return mmio_bus_add(&bus, base, size, "dev", TRACE_DEV_NONE, handler_b, &dev_b);
}

static void test_empty_bus_finds_nothing(void **state)
{
	(void)state;
	assert_int_equal(bus.nr, 0);
	assert_null(mmio_bus_find(&bus, 0, 4));
	assert_null(mmio_bus_find(&bus, 0x9000000, 1));
}

static void test_added_region_is_found_with_its_fields(void **state)
{
	const struct mmio_region *r;
	uint64_t val = 0;

	(void)state;
	assert_int_equal(mmio_bus_add(&bus, 0x9000000, 0x1000, "pl011", TRACE_DEV_UART, handler_a,
				      &dev_a),
			 0);
	r = mmio_bus_find(&bus, 0x9000018, 4);
	assert_non_null(r);
	assert_int_equal(r->base, 0x9000000);
	assert_int_equal(r->size, 0x1000);
	assert_string_equal(r->name, "pl011");
	assert_int_equal(r->dev_id, TRACE_DEV_UART);
	assert_ptr_equal(r->opaque, &dev_a);
	assert_true(r->handler(r->opaque, NULL, 0x18, 4, false, &val));
	assert_int_equal(val, 0xa000 + 0x18 + 4);
}

static void test_access_at_both_ends_of_a_region_is_found(void **state)
{
	(void)state;
	assert_int_equal(add(0x9000000, 0x1000), 0);
	assert_non_null(mmio_bus_find(&bus, 0x9000000, 1));
	assert_non_null(mmio_bus_find(&bus, 0x9000000, 8));
	assert_non_null(mmio_bus_find(&bus, 0x9000fff, 1));
	assert_non_null(mmio_bus_find(&bus, 0x9000ffc, 4));
	assert_non_null(mmio_bus_find(&bus, 0x9000ff8, 8));
}

static void test_access_straddling_the_end_is_not_matched(void **state)
{
	(void)state;
	assert_int_equal(add(0x9000000, 0x1000), 0);
	assert_null(mmio_bus_find(&bus, 0x9000ffd, 4));
	assert_null(mmio_bus_find(&bus, 0x9000ff9, 8));
	assert_null(mmio_bus_find(&bus, 0x9000fff, 2));
	assert_null(mmio_bus_find(&bus, 0x9001000, 1));
}

static void test_access_starting_before_the_region_is_not_matched(void **state)
{
	(void)state;
	assert_int_equal(add(0x9000000, 0x1000), 0);
	assert_null(mmio_bus_find(&bus, 0x8ffffff, 1));
	assert_null(mmio_bus_find(&bus, 0x8fffffe, 4));
}

static void test_access_larger_than_the_region_is_not_matched(void **state)
{
	(void)state;
	assert_int_equal(add(0x1000, 4), 0);
	assert_non_null(mmio_bus_find(&bus, 0x1000, 4));
	assert_null(mmio_bus_find(&bus, 0x1000, 8));
}

static void test_find_near_the_top_of_the_address_space_does_not_wrap(void **state)
{
	(void)state;
	assert_int_equal(add(0x1000, 0x1000), 0);
	assert_int_equal(add(UINT64_MAX - 0xfff, 0xfff), 0);
	assert_null(mmio_bus_find(&bus, UINT64_MAX, 8));
	assert_null(mmio_bus_find(&bus, UINT64_MAX - 3, 8));
	assert_non_null(mmio_bus_find(&bus, UINT64_MAX - 4, 4));
	assert_null(mmio_bus_find(&bus, UINT64_MAX - 3, 4));
}

static void test_each_access_goes_to_its_own_region(void **state)
{
	const struct mmio_region *r;

	(void)state;
	assert_int_equal(mmio_bus_add(&bus, 0x8000000, 0x10000, "gicd", TRACE_DEV_GICD, handler_a,
				      &dev_a),
			 0);
	assert_int_equal(mmio_bus_add(&bus, 0x80a0000, 0x80000, "gicr", TRACE_DEV_GICR, handler_b,
				      &dev_b),
			 0);
	assert_int_equal(mmio_bus_add(&bus, 0x8010000, 0x10000, "next", TRACE_DEV_NONE, handler_b,
				      &dev_b),
			 0); /* adjacent to gicd */
	r = mmio_bus_find(&bus, 0x800fffc, 4);
	assert_non_null(r);
	assert_int_equal(r->dev_id, TRACE_DEV_GICD);
	r = mmio_bus_find(&bus, 0x8010000, 4);
	assert_non_null(r);
	assert_string_equal(r->name, "next");
	r = mmio_bus_find(&bus, 0x80a0000 + 0x7fff8, 8);
	assert_non_null(r);
	assert_int_equal(r->dev_id, TRACE_DEV_GICR);
	assert_null(mmio_bus_find(&bus, 0x8020000, 4));
	assert_null(mmio_bus_find(&bus, 0x800fffe, 4)); /* spans two regions */
}

static void test_overlapping_region_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(add(0x10000, 0x1000), 0);
	assert_int_equal(add(0x10000, 0x1000), -EEXIST);  /* the same */
	assert_int_equal(add(0x0f800, 0x1000), -EEXIST);  /* over its start */
	assert_int_equal(add(0x10800, 0x1000), -EEXIST);  /* over its end */
	assert_int_equal(add(0x10400, 0x100), -EEXIST);   /* inside */
	assert_int_equal(add(0x08000, 0x10000), -EEXIST); /* around */
	assert_int_equal(add(0x10fff, 1), -EEXIST);       /* its last byte */
	assert_int_equal(bus.nr, 1);
	/* Touching is not overlapping. */
	assert_int_equal(add(0x0f000, 0x1000), 0);
	assert_int_equal(add(0x11000, 0x1000), 0);
	assert_int_equal(bus.nr, 3);
}

static void test_full_bus_refuses_another_region(void **state)
{
	(void)state;
	for (unsigned i = 0; i < MMIO_MAX_REGIONS; i++)
		assert_int_equal(add(0x100000 * (i + 1), 0x1000), 0);
	assert_int_equal(add(0x100000 * (MMIO_MAX_REGIONS + 1), 0x1000), -ENOSPC);
	assert_int_equal(bus.nr, MMIO_MAX_REGIONS);
	/* Every one of them still answers. */
	for (unsigned i = 0; i < MMIO_MAX_REGIONS; i++)
		assert_non_null(mmio_bus_find(&bus, 0x100000 * (i + 1) + 0xffc, 4));
	assert_null(mmio_bus_find(&bus, 0x100000 * (MMIO_MAX_REGIONS + 1), 4));
}

static void test_zero_size_region_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(add(0x10000, 0), -EINVAL);
	assert_int_equal(bus.nr, 0);
	assert_null(mmio_bus_find(&bus, 0x10000, 0));
}

static void test_wrapping_region_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(add(UINT64_MAX - 0xfff, 0x2000), -EINVAL);
	assert_int_equal(add(UINT64_MAX, 2), -EINVAL);
	assert_int_equal(add(0x1000, UINT64_MAX), -EINVAL);
	assert_int_equal(bus.nr, 0);
	/* A wrapped region would have "overlapped" low addresses. */
	assert_null(mmio_bus_find(&bus, 0, 4));
}

static void test_region_without_handler_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(mmio_bus_add(&bus, 0x10000, 0x1000, "x", TRACE_DEV_NONE, NULL, NULL),
			 -EINVAL);
	assert_int_equal(bus.nr, 0);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_bus_finds_nothing),
		T(test_added_region_is_found_with_its_fields),
		T(test_access_at_both_ends_of_a_region_is_found),
		T(test_access_straddling_the_end_is_not_matched),
		T(test_access_starting_before_the_region_is_not_matched),
		T(test_access_larger_than_the_region_is_not_matched),
		T(test_find_near_the_top_of_the_address_space_does_not_wrap),
		T(test_each_access_goes_to_its_own_region),
		T(test_overlapping_region_is_rejected),
		T(test_full_bus_refuses_another_region),
		T(test_zero_size_region_is_rejected),
		T(test_wrapping_region_is_rejected),
		T(test_region_without_handler_is_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
