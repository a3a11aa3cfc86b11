/*
 * hyp/core/stage2.c: stage-2 tables with the 4 KiB granule. The walk starts
 * at level 0 or 1 by IPA size, s2_map() maps with 2 MiB blocks where IPA
 * and PA allow it and 4 KiB pages elsewhere, s2_map_pages() (what guest RAM
 * is mapped with) with 4 KiB pages only, descriptors carry normal
 * write-back, read-write, inner-shareable, accessed attributes, and
 * destroying the tables gives every page back.
 *
 * Table pages come from a page allocator over host memory (PAs are host
 * pointers); the guest RAM PAs only appear in descriptors, never dereferenced.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/include/mm.h"
#include "hyp/include/stage2.h"

#define HEAP_PAGES 64u
#define RAM_IPA 0x40000000ull
#define RAM_PA  0x880000000ull

static struct page_allocator pa;
static struct s2_pgtable s2;
static void *heap;

/* Descriptor fields (Arm ARM D8.3, stage-2 block and page descriptors). */
#define DESC_TYPE(d)    ((d) & 3)
#define DESC_MEMATTR(d) (((d) >> 2) & 0xf)
#define DESC_S2AP(d)    (((d) >> 6) & 3)
#define DESC_SH(d)      (((d) >> 8) & 3)
#define DESC_AF(d)      (((d) >> 10) & 1)
#define DESC_XN(d)      (((d) >> 53) & 3)
#define DESC_ADDR(d)    ((d) & PTE_ADDR_MASK)

static int setup_heap(void **state)
{
	(void)state;
	heap = aligned_alloc(PAGE_SIZE, HEAP_PAGES * PAGE_SIZE);
	assert_non_null(heap);
	memset(heap, 0xee, HEAP_PAGES * PAGE_SIZE);
	page_allocator_init(&pa, virt_to_phys(heap), HEAP_PAGES * PAGE_SIZE);
	memset(&s2, 0, sizeof(s2));
	return 0;
}

/* A 40-bit IPA space: the walk starts at level 0. */
static int setup(void **state)
{
	setup_heap(state);
	assert_int_equal(s2_init(&s2, &pa, 40), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	s2_destroy(&s2, &pa);
	free(heap);
	/* Every test leaves nothing behind once its tables are destroyed. */
	assert_int_equal(pa.used_pages, 0);
	return 0;
}

static unsigned idx(uint64_t ipa, unsigned level)
{
	return (unsigned)(ipa >> (12 + 9 * (3 - level))) & 0x1ff;
}

/* The table at `level` on the way to ipa; fails the test if an entry above is not a table. */
static const uint64_t *table_at(uint64_t ipa, unsigned level)
{
	const uint64_t *t = phys_to_virt(s2.root_pa);

	for (unsigned l = s2.start_level; l < level; l++) {
		uint64_t e = t[idx(ipa, l)];

		assert_int_equal(DESC_TYPE(e), PTE_TABLE);
		t = phys_to_virt(DESC_ADDR(e));
	}
	return t;
}

static uint64_t entry_at(uint64_t ipa, unsigned level)
{
	return table_at(ipa, level)[idx(ipa, level)];
}

static void assert_ram_attributes(uint64_t d)
{
	assert_int_equal(DESC_MEMATTR(d), 0xf); /* Normal, outer and inner write-back */
	assert_int_equal(DESC_S2AP(d), 3);      /* read-write */
	assert_int_equal(DESC_SH(d), 3);        /* inner shareable */
	assert_int_equal(DESC_AF(d), 1);
	assert_int_equal(DESC_XN(d), 0);        /* executable */
}

static void assert_block(uint64_t ipa, uint64_t expect_pa)
{
	uint64_t d = entry_at(ipa, 2);

	assert_int_equal(DESC_TYPE(d), PTE_BLOCK);
	assert_int_equal(DESC_ADDR(d), expect_pa);
	assert_ram_attributes(d);
}

static void assert_page(uint64_t ipa, uint64_t expect_pa)
{
	uint64_t d = entry_at(ipa, 3);

	assert_int_equal(DESC_TYPE(d), 3); /* page descriptor at level 3 */
	assert_int_equal(DESC_ADDR(d), expect_pa);
	assert_ram_attributes(d);
}

static uint64_t translate(uint64_t ipa)
{
	uint64_t out = 0;

	assert_int_equal(s2_translate(&s2, ipa, &out), 0);
	return out;
}

static void test_start_level_follows_ipa_size(void **state)
{
	(void)state;
	for (unsigned bits = 32; bits <= 39; bits++)
		assert_int_equal(s2_start_level(bits), 1);
	for (unsigned bits = 40; bits <= 48; bits++)
		assert_int_equal(s2_start_level(bits), 0);
}

static void test_init_allocates_one_empty_root(void **state)
{
	const uint64_t *root;

	(void)state;
	assert_int_equal(pa.used_pages, 1);
	assert_int_equal(s2.start_level, 0);
	assert_true(IS_ALIGNED(s2.root_pa, PAGE_SIZE));
	root = phys_to_virt(s2.root_pa);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(root[i], 0);
}

static void test_aligned_ram_is_mapped_with_2mib_blocks(void **state)
{
	(void)state;
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, 4 * CHUNK_SIZE, S2_NORMAL_RWX), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_block(RAM_IPA + i * CHUNK_SIZE, RAM_PA + i * CHUNK_SIZE);
	assert_int_equal(entry_at(RAM_IPA + 4 * CHUNK_SIZE, 2), 0);
	assert_int_equal(s2_translate(&s2, RAM_IPA - 1, &(uint64_t){ 0 }), -ENOENT);
	/* Root, one level-1 and one level-2 table: no level 3 at all. */
	assert_int_equal(pa.used_pages, 3);
}

static void test_map_pages_maps_aligned_ram_with_4k_pages_only(void **state)
{
	(void)state;
	assert_int_equal(s2_map_pages(&s2, &pa, RAM_IPA, RAM_PA, 2 * CHUNK_SIZE, S2_NORMAL_RWX), 0);
	for (uint64_t off = 0; off < 2 * CHUNK_SIZE; off += PAGE_SIZE)
		assert_page(RAM_IPA + off, RAM_PA + off);
	assert_int_equal(DESC_TYPE(entry_at(RAM_IPA, 2)), PTE_TABLE);
	assert_int_equal(DESC_TYPE(entry_at(RAM_IPA + CHUNK_SIZE, 2)), PTE_TABLE);
	assert_int_equal(entry_at(RAM_IPA + 2 * CHUNK_SIZE, 2), 0);
	assert_int_equal(translate(RAM_IPA + CHUNK_SIZE + 0x123), RAM_PA + CHUNK_SIZE + 0x123);
	/* Root, level 1, level 2 and one level-3 table per 2 MiB. */
	assert_int_equal(pa.used_pages, 5);
	assert_int_equal(s2_map_pages(&s2, &pa, RAM_IPA + 0x1000, RAM_PA, PAGE_SIZE, S2_NORMAL_RWX),
			 -EEXIST);
	assert_int_equal(s2_map_pages(&s2, &pa, RAM_IPA, RAM_PA, 0x800, S2_NORMAL_RWX), -EINVAL);
}

static void test_unaligned_ram_is_mapped_with_4k_pages(void **state)
{
	(void)state;
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + 0x1000, RAM_PA + 0x1000, 4 * PAGE_SIZE,
				S2_NORMAL_RWX),
			 0);
	for (unsigned i = 1; i <= 4; i++)
		assert_page(RAM_IPA + i * PAGE_SIZE, RAM_PA + i * PAGE_SIZE);
	assert_int_equal(entry_at(RAM_IPA, 3), 0);
	assert_int_equal(entry_at(RAM_IPA + 5 * PAGE_SIZE, 3), 0);
	assert_int_equal(DESC_TYPE(entry_at(RAM_IPA, 2)), PTE_TABLE);
	assert_int_equal(pa.used_pages, 4);
}

static void test_block_needs_both_ipa_and_pa_aligned(void **state)
{
	(void)state;
	/* IPA on a 2 MiB boundary, PA only on 4 KiB: pages all the way. */
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA + 0x1000, CHUNK_SIZE, S2_NORMAL_RWX), 0);
	assert_int_equal(DESC_TYPE(entry_at(RAM_IPA, 2)), PTE_TABLE);
	assert_page(RAM_IPA, RAM_PA + 0x1000);
	assert_page(RAM_IPA + CHUNK_SIZE - PAGE_SIZE, RAM_PA + CHUNK_SIZE);
}

static void test_range_mixes_pages_and_blocks_at_its_edges(void **state)
{
	uint64_t ipa = RAM_IPA + CHUNK_SIZE / 2, size = 3 * CHUNK_SIZE;

	(void)state;
	/* [1 MiB, 7 MiB): pages up to 2 MiB, blocks for 2..6 MiB, pages to 7 MiB. */
	assert_int_equal(s2_map(&s2, &pa, ipa, RAM_PA + CHUNK_SIZE / 2, size, S2_NORMAL_RWX), 0);
	assert_int_equal(DESC_TYPE(entry_at(RAM_IPA, 2)), PTE_TABLE);
	assert_int_equal(entry_at(RAM_IPA, 3), 0);
	assert_page(ipa, RAM_PA + CHUNK_SIZE / 2);
	assert_page(RAM_IPA + CHUNK_SIZE - PAGE_SIZE, RAM_PA + CHUNK_SIZE - PAGE_SIZE);
	assert_block(RAM_IPA + CHUNK_SIZE, RAM_PA + CHUNK_SIZE);
	assert_block(RAM_IPA + 2 * CHUNK_SIZE, RAM_PA + 2 * CHUNK_SIZE);
	assert_int_equal(DESC_TYPE(entry_at(RAM_IPA + 3 * CHUNK_SIZE, 2)), PTE_TABLE);
	assert_page(RAM_IPA + 3 * CHUNK_SIZE, RAM_PA + 3 * CHUNK_SIZE);
	assert_page(ipa + size - PAGE_SIZE, RAM_PA + CHUNK_SIZE / 2 + size - PAGE_SIZE);
	assert_int_equal(entry_at(ipa + size, 3), 0);
	/* Root, L1, L2 and two L3 tables. */
	assert_int_equal(pa.used_pages, 5);
}

static void test_translate_finds_mapped_ipas(void **state)
{
	(void)state;
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, 2 * CHUNK_SIZE, S2_NORMAL_RWX), 0);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + 4 * CHUNK_SIZE + PAGE_SIZE, 0x12345000,
				PAGE_SIZE, S2_NORMAL_RWX),
			 0);
	assert_int_equal(translate(RAM_IPA), RAM_PA);
	assert_int_equal(translate(RAM_IPA + 0x123456), RAM_PA + 0x123456);
	assert_int_equal(translate(RAM_IPA + 2 * CHUNK_SIZE - 1), RAM_PA + 2 * CHUNK_SIZE - 1);
	assert_int_equal(translate(RAM_IPA + 4 * CHUNK_SIZE + PAGE_SIZE + 0xabc), 0x12345abc);
}

static void test_translate_refuses_unmapped_ipas(void **state)
{
	uint64_t out = 0xdead;

	(void)state;
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, CHUNK_SIZE, S2_NORMAL_RWX), 0);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + 4 * CHUNK_SIZE + PAGE_SIZE, RAM_PA, PAGE_SIZE,
				S2_NORMAL_RWX),
			 0);
	/* Nothing at levels 1 and 2, holes at level 3, nothing at level 0. */
	assert_int_equal(s2_translate(&s2, 0x09000000, &out), -ENOENT);
	assert_int_equal(s2_translate(&s2, RAM_IPA + CHUNK_SIZE, &out), -ENOENT);
	assert_int_equal(s2_translate(&s2, RAM_IPA + 4 * CHUNK_SIZE, &out), -ENOENT);
	assert_int_equal(s2_translate(&s2, RAM_IPA + 4 * CHUNK_SIZE + 2 * PAGE_SIZE, &out),
			 -ENOENT);
	assert_int_equal(s2_translate(&s2, 1ull << 39, &out), -ENOENT);
	assert_int_equal(out, 0xdead);
}

static void test_top_of_a_48_bit_ipa_space_is_reachable(void **state)
{
	uint64_t top = (1ull << 48) - CHUNK_SIZE;

	(void)state;
	s2_destroy(&s2, &pa);
	assert_int_equal(s2_init(&s2, &pa, 48), 0);
	assert_int_equal(s2_map(&s2, &pa, top, RAM_PA, CHUNK_SIZE, S2_NORMAL_RWX), 0);
	assert_int_equal(idx(top, 0), 511);
	assert_block(top, RAM_PA);
	assert_int_equal(translate(top + 0x1fffff), RAM_PA + 0x1fffff);
}

static void test_32_bit_ipa_space_starts_at_level_1(void **state)
{
	const uint64_t *root;

	setup_heap(state);
	assert_int_equal(s2_init(&s2, &pa, 32), 0);
	assert_int_equal(s2.start_level, 1);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, CHUNK_SIZE, S2_NORMAL_RWX), 0);
	/* The root is the level-1 table: entry 1 covers [1 GiB, 2 GiB). */
	root = phys_to_virt(s2.root_pa);
	assert_int_equal(DESC_TYPE(root[1]), PTE_TABLE);
	assert_int_equal(root[0], 0);
	assert_block(RAM_IPA, RAM_PA);
	assert_int_equal(translate(RAM_IPA + 0x10), RAM_PA + 0x10);
	assert_int_equal(pa.used_pages, 2);
}

static void test_mapping_a_mapped_range_again_is_eexist(void **state)
{
	(void)state;
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, 2 * CHUNK_SIZE, S2_NORMAL_RWX), 0);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, 2 * CHUNK_SIZE, S2_NORMAL_RWX), -EEXIST);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + CHUNK_SIZE, 0x1000000, CHUNK_SIZE,
				S2_NORMAL_RWX),
			 -EEXIST);
	/* The first mapping is intact. */
	assert_int_equal(translate(RAM_IPA + CHUNK_SIZE + 8), RAM_PA + CHUNK_SIZE + 8);
}

static void test_mapping_a_mapped_page_again_is_eexist(void **state)
{
	(void)state;
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + PAGE_SIZE, RAM_PA, 2 * PAGE_SIZE,
				S2_NORMAL_RWX),
			 0);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + 2 * PAGE_SIZE, RAM_PA, PAGE_SIZE,
				S2_NORMAL_RWX),
			 -EEXIST);
	/* A block over a range that already has a page table. */
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, CHUNK_SIZE, S2_NORMAL_RWX), -EEXIST);
	assert_int_equal(translate(RAM_IPA + 2 * PAGE_SIZE), RAM_PA + PAGE_SIZE);
}

/*
 * A page inside an existing 2 MiB block is -EEXIST, not an allocation failure. */
static void test_mapping_a_page_inside_a_block_is_eexist(void **state)
{
	(void)state;
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, CHUNK_SIZE, S2_NORMAL_RWX), 0);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + PAGE_SIZE, RAM_PA, PAGE_SIZE, S2_NORMAL_RWX),
			 -EEXIST);
}

static void test_unaligned_arguments_are_rejected(void **state)
{
	(void)state;
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + 1, RAM_PA, PAGE_SIZE, S2_NORMAL_RWX), -EINVAL);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA + 8, PAGE_SIZE, S2_NORMAL_RWX), -EINVAL);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, PAGE_SIZE + 1, S2_NORMAL_RWX), -EINVAL);
	assert_int_equal(pa.used_pages, 1);
}

static void test_destroy_returns_every_table_page(void **state)
{
	(void)state;
	s2_destroy(&s2, &pa);
	assert_int_equal(pa.used_pages, 0);
	assert_int_equal(s2_init(&s2, &pa, 40), 0);
	/* Tables under two level-0 entries, several level-1 and level-3 tables. */
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA + PAGE_SIZE, RAM_PA + PAGE_SIZE,
				3 * CHUNK_SIZE, S2_NORMAL_RWX),
			 0);
	assert_int_equal(s2_map(&s2, &pa, 0x8000000000ull, RAM_PA, CHUNK_SIZE + PAGE_SIZE,
				S2_NORMAL_RWX),
			 0);
	assert_int_equal(s2_map(&s2, &pa, 0x100000000ull, RAM_PA, PAGE_SIZE, S2_NORMAL_RWX), 0);
	/* Root; L1 and L2 for RAM with two L3 tables; under L0 entry 1 an L1,
	 * an L2 and an L3; under L1 entry 4 an L2 and an L3. */
	assert_int_equal(pa.used_pages, 10);
	s2_destroy(&s2, &pa);
	assert_int_equal(pa.used_pages, 0);
	assert_int_equal(s2.root_pa, 0);
	/* Destroying twice, or tables never created, is harmless. */
	s2_destroy(&s2, &pa);
	assert_int_equal(pa.used_pages, 0);
}

static void test_map_reports_enomem_and_destroy_still_frees_everything(void **state)
{
	(void)state;
	s2_destroy(&s2, &pa);
	/* Room for the root and two more tables: a level-3 table is one too many. */
	page_allocator_init(&pa, virt_to_phys(heap), 3 * PAGE_SIZE);
	assert_int_equal(s2_init(&s2, &pa, 40), 0);
	assert_int_equal(s2_map(&s2, &pa, RAM_IPA, RAM_PA, PAGE_SIZE, S2_NORMAL_RWX), -ENOMEM);
	assert_int_equal(pa.used_pages, 3);
	s2_destroy(&s2, &pa);
	assert_int_equal(pa.used_pages, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_level_follows_ipa_size),
		T(test_init_allocates_one_empty_root),
		T(test_aligned_ram_is_mapped_with_2mib_blocks),
		T(test_unaligned_ram_is_mapped_with_4k_pages),
		T(test_map_pages_maps_aligned_ram_with_4k_pages_only),
		T(test_block_needs_both_ipa_and_pa_aligned),
		T(test_range_mixes_pages_and_blocks_at_its_edges),
		T(test_translate_finds_mapped_ipas),
		T(test_translate_refuses_unmapped_ipas),
		T(test_top_of_a_48_bit_ipa_space_is_reachable),
		cmocka_unit_test_teardown(test_32_bit_ipa_space_starts_at_level_1, teardown),
		T(test_mapping_a_mapped_range_again_is_eexist),
		T(test_mapping_a_mapped_page_again_is_eexist),
		T(test_mapping_a_page_inside_a_block_is_eexist),
		T(test_unaligned_arguments_are_rejected),
		T(test_destroy_returns_every_table_page),
		T(test_map_reports_enomem_and_destroy_still_frees_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
