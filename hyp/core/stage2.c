/*
 * Stage-2 translation tables (hyp/include/stage2.h) with the 4 KiB granule:
 * mapping guest RAM, translating an IPA, and freeing a VM's tables.
 */
#include <errno.h>

#include "hyp/include/stage2.h"

#define LEVEL_SHIFT(l) (12u + 9u * (3u - (l)))
#define TABLE_INDEX(ipa, l) (((ipa) >> LEVEL_SHIFT(l)) & 0x1ffu)

unsigned s2_start_level(unsigned ipa_bits)
{
	return ipa_bits > 39 ? 0 : 1;
}

int s2_init(struct s2_pgtable *s2, struct page_allocator *pages, unsigned ipa_bits)
{
	uint64_t *root = page_alloc(pages);

	if (!root)
		return -ENOMEM;
	s2->root_pa = virt_to_phys(root);
	s2->start_level = s2_start_level(ipa_bits);
	return 0;
}

/* The table below entry, created if needed: 0, -EEXIST (a block is there) or -ENOMEM. */
static int next_table(uint64_t *entry, struct page_allocator *pages, uint64_t **table)
{
	uint64_t *t;

	if ((*entry & 3) == PTE_TABLE) {
		*table = phys_to_virt(*entry & PTE_ADDR_MASK);
		return 0;
	}
	if (*entry & PTE_VALID)
		return -EEXIST;
	t = page_alloc(pages);
	if (!t)
		return -ENOMEM;
	/* The zeroed table must be visible to the walker before the entry
	 * that points to it (pairs with the walker's read of the entry). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*entry = virt_to_phys(t) | PTE_TABLE;
	*table = t;
	return 0;
}

uint64_t *s2_entry(struct s2_pgtable *s2, struct page_allocator *pages, uint64_t ipa,
		   unsigned level, int *err)
{
	uint64_t *table = phys_to_virt(s2->root_pa);

	*err = 0;
	for (unsigned l = s2->start_level; l < level; l++) {
		uint64_t *e = &table[TABLE_INDEX(ipa, l)];

		if ((*e & 3) == PTE_TABLE) {
			table = phys_to_virt(*e & PTE_ADDR_MASK);
			continue;
		}
		if (!pages) {
			*err = *e & PTE_VALID ? -EEXIST : -ENOENT;
			return NULL;
		}
		*err = next_table(e, pages, &table);
		if (*err)
			return NULL;
	}
	return &table[TABLE_INDEX(ipa, level)];
}

static int map_one(struct s2_pgtable *s2, struct page_allocator *pages, uint64_t ipa, uint64_t pa,
		   unsigned level, uint64_t attrs)
{
	int ret;
	uint64_t *e = s2_entry(s2, pages, ipa, level, &ret);

	if (!e)
		return ret;
	if (*e & PTE_VALID)
		return -EEXIST;
	*e = (pa & PTE_ADDR_MASK) | attrs | (level == 3 ? PTE_TABLE : PTE_BLOCK);
	return 0;
}

static int map_range(struct s2_pgtable *s2, struct page_allocator *pages, uint64_t ipa,
		     uint64_t pa, uint64_t size, uint64_t attrs, bool blocks)
{
	if ((ipa | pa | size) & (PAGE_SIZE - 1))
		return -EINVAL;
	while (size) {
		bool block = blocks && !((ipa | pa) & (CHUNK_SIZE - 1)) && size >= CHUNK_SIZE;
		uint64_t step = block ? CHUNK_SIZE : PAGE_SIZE;
		int ret = map_one(s2, pages, ipa, pa, block ? 2 : 3, attrs);

		if (ret)
			return ret;
		ipa += step;
		pa += step;
		size -= step;
	}
	return 0;
}

int s2_map(struct s2_pgtable *s2, struct page_allocator *pages, uint64_t ipa, uint64_t pa,
	   uint64_t size, uint64_t attrs)
{
	return map_range(s2, pages, ipa, pa, size, attrs, true);
}

int s2_map_pages(struct s2_pgtable *s2, struct page_allocator *pages, uint64_t ipa, uint64_t pa,
		 uint64_t size, uint64_t attrs)
{
	return map_range(s2, pages, ipa, pa, size, attrs, false);
}

int s2_leaf(const struct s2_pgtable *s2, uint64_t ipa, uint64_t *pa, uint64_t *desc)
{
	const uint64_t *table = phys_to_virt(s2->root_pa);

	for (unsigned l = s2->start_level; l <= 3; l++) {
		uint64_t e = table[TABLE_INDEX(ipa, l)];
		uint64_t mask = (1ull << LEVEL_SHIFT(l)) - 1;

		if (!(e & PTE_VALID))
			return -ENOENT;
		if (l == 3 || (e & 3) == PTE_BLOCK) {
			*pa = ((e & PTE_ADDR_MASK) & ~mask) | (ipa & mask);
			if (desc)
				*desc = e;
			return 0;
		}
		table = phys_to_virt(e & PTE_ADDR_MASK);
	}
	return -ENOENT;
}

int s2_translate(const struct s2_pgtable *s2, uint64_t ipa, uint64_t *pa)
{
	return s2_leaf(s2, ipa, pa, NULL);
}

static void free_table(uint64_t *table, unsigned level, struct page_allocator *pages)
{
	if (level < 3) {
		for (unsigned i = 0; i < 512; i++)
			if ((table[i] & 3) == PTE_TABLE)
				free_table(phys_to_virt(table[i] & PTE_ADDR_MASK), level + 1, pages);
	}
	page_free(pages, table);
}

void s2_destroy(struct s2_pgtable *s2, struct page_allocator *pages)
{
	if (!s2->root_pa)
		return;
	free_table(phys_to_virt(s2->root_pa), s2->start_level, pages);
	s2->root_pa = 0;
}
