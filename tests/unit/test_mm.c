/*
 * hyp/core/mm.c: the hypervisor's 4 KiB page allocator (zeroed pages, a
 * LIFO free list, NULL when exhausted) and the 2 MiB chunk pool for guest
 * RAM (reserved ranges, next-fit, contiguous runs, -ENOMEM when fragmented).
 *
 * The page allocator works on host memory (PAs are pointers on the host);
 * the chunk pool only does arithmetic, so its addresses need no backing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/include/compiler.h"
#include "hyp/include/mm.h"

#define IS_PAGE_ALIGNED(p) IS_ALIGNED(virt_to_phys(p), PAGE_SIZE)

#define NR_PAGES 16u
#define POOL_BASE 0x80000000ull
#define POOL_CHUNKS 8u

static struct page_allocator pa;
static struct chunk_pool pool;
static uint8_t *heap;

static int setup_pages(void **state)
{
	(void)state;
	heap = aligned_alloc(PAGE_SIZE, NR_PAGES * PAGE_SIZE);
	assert_non_null(heap);
	memset(heap, 0xcc, NR_PAGES * PAGE_SIZE);
	page_allocator_init(&pa, virt_to_phys(heap), NR_PAGES * PAGE_SIZE);
	return 0;
}

static int teardown_pages(void **state)
{
	(void)state;
	free(heap);
	return 0;
}

static int setup_pool(void **state)
{
	(void)state;
	chunk_pool_init(&pool, POOL_BASE, POOL_CHUNKS * CHUNK_SIZE);
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* ------------------------------------------------------------ pages */

static void test_allocated_page_is_zeroed_and_inside_the_heap(void **state)
{
	uint8_t *p;

	(void)state;
	p = page_alloc(&pa);
	assert_non_null(p);
	assert_true(p >= heap && p < heap + NR_PAGES * PAGE_SIZE);
	assert_true(IS_PAGE_ALIGNED(p));
	assert_true(all_zero(p, PAGE_SIZE));
	assert_int_equal(pa.used_pages, 1);
}

static void test_freed_page_comes_back_zeroed(void **state)
{
	uint8_t *p, *q;

	(void)state;
	p = page_alloc(&pa);
	memset(p, 0x5a, PAGE_SIZE);
	page_free(&pa, p);
	assert_int_equal(pa.used_pages, 0);
	assert_int_equal(pa.free_pages, 1);
	q = page_alloc(&pa);
	assert_ptr_equal(q, p);
	/* The free-list link in its first word is gone too. */
	assert_true(all_zero(q, PAGE_SIZE));
	assert_int_equal(pa.free_pages, 0);
}

static void test_free_list_is_reused_last_in_first_out(void **state)
{
	void *a, *b, *c, *d;

	(void)state;
	a = page_alloc(&pa);
	b = page_alloc(&pa);
	c = page_alloc(&pa);
	page_free(&pa, b);
	assert_ptr_equal(page_alloc(&pa), b);
	page_free(&pa, a);
	page_free(&pa, c);
	assert_ptr_equal(page_alloc(&pa), c);
	assert_ptr_equal(page_alloc(&pa), a);
	/* Free list empty: the next page is a fresh one. */
	d = page_alloc(&pa);
	assert_true(d != a && d != b && d != c);
	assert_int_equal(pa.used_pages, 4);
}

static void test_exhausted_allocator_returns_null(void **state)
{
	void *pages[NR_PAGES];

	(void)state;
	for (unsigned i = 0; i < NR_PAGES; i++) {
		pages[i] = page_alloc(&pa);
		assert_non_null(pages[i]);
		for (unsigned j = 0; j < i; j++)
			assert_ptr_not_equal(pages[i], pages[j]);
	}
	assert_null(page_alloc(&pa));
	assert_null(page_alloc(&pa));
	assert_int_equal(pa.used_pages, NR_PAGES);
	/* One freed page is one more allocation. */
	page_free(&pa, pages[7]);
	assert_ptr_equal(page_alloc(&pa), pages[7]);
	assert_null(page_alloc(&pa));
}

static void test_unaligned_heap_is_trimmed_to_whole_pages(void **state)
{
	void *p;
	unsigned n = 0;

	(void)state;
	/* Half a page lost at each end. */
	page_allocator_init(&pa, virt_to_phys(heap) + PAGE_SIZE / 2, (NR_PAGES - 1) * PAGE_SIZE);
	while ((p = page_alloc(&pa))) {
		assert_true(IS_PAGE_ALIGNED(p));
		assert_true((uint8_t *)p >= heap + PAGE_SIZE);
		assert_true((uint8_t *)p + PAGE_SIZE <=
			    heap + NR_PAGES * PAGE_SIZE - PAGE_SIZE / 2);
		n++;
	}
	assert_int_equal(n, NR_PAGES - 2);
}

static void test_freeing_null_is_a_no_op(void **state)
{
	(void)state;
	page_free(&pa, NULL);
	assert_int_equal(pa.used_pages, 0);
	assert_int_equal(pa.free_pages, 0);
	assert_int_equal(pa.free_list, 0);
}

/* ------------------------------------------------------------ chunks */

static uint64_t chunk(unsigned i)
{
	return POOL_BASE + i * CHUNK_SIZE;
}

static uint64_t alloc_ok(uint64_t size)
{
	uint64_t at = 0;

	assert_int_equal(chunk_pool_alloc(&pool, size, &at), 0);
	assert_true(IS_ALIGNED(at, CHUNK_SIZE));
	return at;
}

static void test_pool_hands_out_2mib_chunks_in_order(void **state)
{
	(void)state;
	assert_int_equal(pool.nr_chunks, POOL_CHUNKS);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS);
	for (unsigned i = 0; i < POOL_CHUNKS; i++)
		assert_int_equal(alloc_ok(CHUNK_SIZE), chunk(i));
	assert_int_equal(pool.free_chunks, 0);
}

static void test_pool_trims_an_unaligned_range_to_whole_chunks(void **state)
{
	uint64_t at;

	(void)state;
	chunk_pool_init(&pool, POOL_BASE + 4096, 4 * CHUNK_SIZE);
	/* [base + 4 KiB, base + 8 MiB + 4 KiB): only chunks 1..3 are whole. */
	assert_int_equal(pool.base, chunk(1));
	assert_int_equal(pool.nr_chunks, 3);
	at = alloc_ok(CHUNK_SIZE);
	assert_int_equal(at, chunk(1));
	chunk_pool_init(&pool, POOL_BASE + 4096, CHUNK_SIZE);
	assert_int_equal(pool.nr_chunks, 0);
	assert_int_equal(chunk_pool_alloc(&pool, CHUNK_SIZE, &at), -ENOMEM);
}

static void test_allocation_after_a_free_does_not_reuse_the_freed_chunk(void **state)
{
	uint64_t a, b, c;

	(void)state;
	a = alloc_ok(CHUNK_SIZE);
	b = alloc_ok(CHUNK_SIZE);
	chunk_pool_free(&pool, a, CHUNK_SIZE);
	/* Next fit: the memory a destroyed VM had is not the next VM's. */
	c = alloc_ok(CHUNK_SIZE);
	assert_int_not_equal(c, a);
	assert_int_equal(c, chunk(2));
	chunk_pool_free(&pool, c, CHUNK_SIZE);
	assert_int_not_equal(alloc_ok(CHUNK_SIZE), c);
	(void)b;
}

static void test_next_fit_wraps_around_to_freed_chunks(void **state)
{
	(void)state;
	for (unsigned i = 0; i < POOL_CHUNKS - 2; i++)
		alloc_ok(CHUNK_SIZE);
	chunk_pool_free(&pool, chunk(1), CHUNK_SIZE);
	/* Chunk 1 is behind the cursor: the ones ahead go first. */
	assert_int_equal(alloc_ok(CHUNK_SIZE), chunk(POOL_CHUNKS - 2));
	assert_int_equal(alloc_ok(CHUNK_SIZE), chunk(POOL_CHUNKS - 1));
	assert_int_equal(alloc_ok(CHUNK_SIZE), chunk(1));
	assert_int_equal(pool.free_chunks, 0);
}

static void test_multi_chunk_allocation_is_contiguous(void **state)
{
	uint64_t a, b;

	(void)state;
	a = alloc_ok(3 * CHUNK_SIZE);
	assert_int_equal(a, chunk(0));
	assert_int_equal(pool.free_chunks, POOL_CHUNKS - 3);
	/* A size that is not a multiple of 2 MiB takes whole chunks. */
	b = alloc_ok(CHUNK_SIZE + 4096);
	assert_int_equal(b, chunk(3));
	assert_int_equal(pool.free_chunks, POOL_CHUNKS - 5);
	chunk_pool_free(&pool, a, 3 * CHUNK_SIZE);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS - 2);
	/* Three free at the end (5..7): a 3-chunk run fits there, not in 0..2. */
	assert_int_equal(alloc_ok(3 * CHUNK_SIZE), chunk(5));
	chunk_pool_free(&pool, b, CHUNK_SIZE + 4096);
	assert_int_equal(alloc_ok(5 * CHUNK_SIZE), chunk(0));
	assert_int_equal(pool.free_chunks, 0);
}

static void test_run_does_not_wrap_past_the_end_of_the_pool(void **state)
{
	uint64_t at = 0;

	(void)state;
	alloc_ok(6 * CHUNK_SIZE);
	chunk_pool_free(&pool, chunk(0), CHUNK_SIZE);
	/* Chunks 6, 7 and 0 are free, but 7 and 0 are not adjacent memory. */
	assert_int_equal(chunk_pool_alloc(&pool, 3 * CHUNK_SIZE, &at), -ENOMEM);
	assert_int_equal(alloc_ok(2 * CHUNK_SIZE), chunk(6));
}

static void test_fragmented_pool_returns_enomem(void **state)
{
	uint64_t at = 0x1234;

	(void)state;
	for (unsigned i = 0; i < POOL_CHUNKS; i++)
		alloc_ok(CHUNK_SIZE);
	for (unsigned i = 0; i < POOL_CHUNKS; i += 2)
		chunk_pool_free(&pool, chunk(i), CHUNK_SIZE);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS / 2);
	assert_int_equal(chunk_pool_alloc(&pool, 2 * CHUNK_SIZE, &at), -ENOMEM);
	assert_int_equal(at, 0x1234);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS / 2);
	/* Single chunks still fit. */
	alloc_ok(CHUNK_SIZE);
}

static void test_impossible_sizes_return_enomem(void **state)
{
	uint64_t at;

	(void)state;
	assert_int_equal(chunk_pool_alloc(&pool, 0, &at), -ENOMEM);
	assert_int_equal(chunk_pool_alloc(&pool, (POOL_CHUNKS + 1) * CHUNK_SIZE, &at), -ENOMEM);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS);
}

/*
 * A huge size must not wrap into a small chunk count (vm_create zeroes
 * mem_size bytes from what it gets). */
static void test_huge_size_is_not_truncated_into_a_small_one(void **state)
{
	uint64_t at = 0;

	(void)state;
	assert_int_equal(chunk_pool_alloc(&pool, (1ull << 53) + CHUNK_SIZE, &at), -ENOMEM);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS);
}

static void test_reserved_range_is_never_allocated(void **state)
{
	(void)state;
	/* 3 MiB from the middle of chunk 1: chunks 1 and 2 are touched. */
	chunk_pool_reserve(&pool, chunk(1) + CHUNK_SIZE / 2, 3 * (CHUNK_SIZE / 2));
	assert_int_equal(pool.free_chunks, POOL_CHUNKS - 2);
	assert_int_equal(alloc_ok(CHUNK_SIZE), chunk(0));
	assert_int_equal(alloc_ok(CHUNK_SIZE), chunk(3));
	/* A 2-chunk run cannot straddle the reservation either. */
	chunk_pool_free(&pool, chunk(0), CHUNK_SIZE);
	chunk_pool_free(&pool, chunk(3), CHUNK_SIZE);
	assert_int_equal(alloc_ok(5 * CHUNK_SIZE), chunk(3));
	assert_int_equal(pool.free_chunks, 1);
}

static void test_reserve_outside_the_pool_changes_nothing(void **state)
{
	(void)state;
	chunk_pool_reserve(&pool, POOL_BASE - 4 * CHUNK_SIZE, 4 * CHUNK_SIZE); /* ends at base */
	chunk_pool_reserve(&pool, chunk(POOL_CHUNKS), CHUNK_SIZE);           /* past the end */
	chunk_pool_reserve(&pool, chunk(2), 0);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS);
	/* A range that starts below the pool reserves the part inside. */
	chunk_pool_reserve(&pool, POOL_BASE - CHUNK_SIZE, CHUNK_SIZE + 1);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS - 1);
	assert_int_equal(alloc_ok(CHUNK_SIZE), chunk(1));
}

static void test_reserving_twice_counts_once(void **state)
{
	(void)state;
	chunk_pool_reserve(&pool, chunk(4), CHUNK_SIZE);
	chunk_pool_reserve(&pool, chunk(4), CHUNK_SIZE);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS - 1);
	/* Freeing what is free does not inflate the count either. */
	chunk_pool_free(&pool, chunk(0), CHUNK_SIZE);
	assert_int_equal(pool.free_chunks, POOL_CHUNKS - 1);
}

static void test_free_outside_the_pool_is_ignored(void **state)
{
	(void)state;
	for (unsigned i = 0; i < POOL_CHUNKS; i++)
		alloc_ok(CHUNK_SIZE);
	chunk_pool_free(&pool, POOL_BASE - CHUNK_SIZE, 2 * CHUNK_SIZE);
	chunk_pool_free(&pool, chunk(POOL_CHUNKS), CHUNK_SIZE);
	assert_int_equal(pool.free_chunks, 0);
	/* A run that goes past the end frees only what is inside. */
	chunk_pool_free(&pool, chunk(POOL_CHUNKS - 1), 4 * CHUNK_SIZE);
	assert_int_equal(pool.free_chunks, 1);
}

static void test_pool_of_unknown_ram_is_never_called_zeroed(void **state)
{
	uint64_t a;

	(void)state;
	/* Without chunk_pool_set_zeroed nothing is known of the RAM. */
	a = alloc_ok(2 * CHUNK_SIZE);
	assert_false(chunk_pool_zeroed(&pool, a, 2 * CHUNK_SIZE));
}

static void test_zeroed_pool_stays_zeroed_until_a_chunk_comes_back(void **state)
{
	uint64_t a, b, c;

	(void)state;
	chunk_pool_set_zeroed(&pool);
	a = alloc_ok(2 * CHUNK_SIZE);
	assert_true(chunk_pool_zeroed(&pool, a, 2 * CHUNK_SIZE));
	b = alloc_ok(CHUNK_SIZE);
	chunk_pool_free(&pool, a, 2 * CHUNK_SIZE);
	/* A VM's memory given back is dirty; its neighbour is untouched. */
	assert_false(chunk_pool_zeroed(&pool, a, CHUNK_SIZE));
	assert_false(chunk_pool_zeroed(&pool, a + CHUNK_SIZE, CHUNK_SIZE));
	assert_true(chunk_pool_zeroed(&pool, b, CHUNK_SIZE));
	/* A run with one dirty chunk in it is not zeroed. */
	assert_false(chunk_pool_zeroed(&pool, a + CHUNK_SIZE, 2 * CHUNK_SIZE));
	/* Once the cursor wraps, the freed chunks come back dirty. */
	for (unsigned i = 0; i < POOL_CHUNKS - 3; i++) {
		c = alloc_ok(CHUNK_SIZE);
		assert_true(chunk_pool_zeroed(&pool, c, CHUNK_SIZE));
	}
	c = alloc_ok(CHUNK_SIZE);
	assert_int_equal(c, a);
	assert_false(chunk_pool_zeroed(&pool, c, CHUNK_SIZE));
}

static void test_zeroed_asks_outside_the_pool_say_no(void **state)
{
	(void)state;
	chunk_pool_set_zeroed(&pool);
	assert_false(chunk_pool_zeroed(&pool, POOL_BASE - CHUNK_SIZE, CHUNK_SIZE));
	assert_false(chunk_pool_zeroed(&pool, chunk(POOL_CHUNKS - 1), 2 * CHUNK_SIZE));
	assert_false(chunk_pool_zeroed(&pool, chunk(0), 0));
	assert_false(chunk_pool_zeroed(&pool, chunk(0), (1ull << 53) + CHUNK_SIZE));
	assert_true(chunk_pool_zeroed(&pool, chunk(0), POOL_CHUNKS * CHUNK_SIZE));
}

#define POOL(fn) cmocka_unit_test_setup(fn, setup_pool)
#define PAGES(fn) cmocka_unit_test_setup_teardown(fn, setup_pages, teardown_pages)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PAGES(test_allocated_page_is_zeroed_and_inside_the_heap),
		PAGES(test_freed_page_comes_back_zeroed),
		PAGES(test_free_list_is_reused_last_in_first_out),
		PAGES(test_exhausted_allocator_returns_null),
		PAGES(test_unaligned_heap_is_trimmed_to_whole_pages),
		PAGES(test_freeing_null_is_a_no_op),
		POOL(test_pool_hands_out_2mib_chunks_in_order),
		POOL(test_pool_trims_an_unaligned_range_to_whole_chunks),
		POOL(test_allocation_after_a_free_does_not_reuse_the_freed_chunk),
		POOL(test_next_fit_wraps_around_to_freed_chunks),
		POOL(test_multi_chunk_allocation_is_contiguous),
		POOL(test_run_does_not_wrap_past_the_end_of_the_pool),
		POOL(test_fragmented_pool_returns_enomem),
		POOL(test_impossible_sizes_return_enomem),
		POOL(test_pool_of_unknown_ram_is_never_called_zeroed),
		POOL(test_zeroed_pool_stays_zeroed_until_a_chunk_comes_back),
		POOL(test_zeroed_asks_outside_the_pool_say_no),
		POOL(test_huge_size_is_not_truncated_into_a_small_one),
		POOL(test_reserved_range_is_never_allocated),
		POOL(test_reserve_outside_the_pool_changes_nothing),
		POOL(test_reserving_twice_counts_once),
		POOL(test_free_outside_the_pool_is_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
