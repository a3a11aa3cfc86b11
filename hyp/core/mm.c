/*
 * The hypervisor's memory (hyp/include/mm.h): a page allocator for its own
 * tables and the pool of 2 MiB chunks guest RAM comes from.
 */
#include <errno.h>
#include <string.h>

#include "hyp/include/compiler.h"
#include "hyp/include/mm.h"

struct page_allocator hyp_pages;
struct chunk_pool guest_pool;

void page_allocator_init(struct page_allocator *pa, uint64_t base, uint64_t size)
{
	memset(pa, 0, sizeof(*pa));
	pa->base = ALIGN_UP(base, PAGE_SIZE);
	pa->end = ALIGN_DOWN(base + size, PAGE_SIZE);
	pa->bump = pa->base;
}

void *page_alloc(struct page_allocator *pa)
{
	uint64_t page = 0;

	spin_lock(&pa->lock);
	if (pa->free_list) {
		page = pa->free_list;
		/* A free page holds the address of the next one in its first word. */
		pa->free_list = *(uint64_t *)phys_to_virt(page);
		pa->free_pages--;
	} else if (pa->bump < pa->end) {
		page = pa->bump;
		pa->bump += PAGE_SIZE;
	}
	if (page)
		pa->used_pages++;
	spin_unlock(&pa->lock);
	if (!page)
		return NULL;
	memset(phys_to_virt(page), 0, PAGE_SIZE);
	return phys_to_virt(page);
}

void page_free(struct page_allocator *pa, void *p)
{
	if (!p)
		return;
	spin_lock(&pa->lock);
	*(uint64_t *)p = pa->free_list;
	pa->free_list = virt_to_phys(p);
	pa->free_pages++;
	pa->used_pages--;
	spin_unlock(&pa->lock);
}

static bool chunk_used(const struct chunk_pool *p, unsigned i)
{
	return p->map[i / 64] & (1ull << (i % 64));
}

static void chunk_set(struct chunk_pool *p, unsigned i, bool used)
{
	if (used == chunk_used(p, i))
		return;
	if (used) {
		p->map[i / 64] |= 1ull << (i % 64);
		p->free_chunks--;
	} else {
		p->map[i / 64] &= ~(1ull << (i % 64));
		p->free_chunks++;
	}
}

void chunk_pool_init(struct chunk_pool *p, uint64_t base, uint64_t size)
{
	uint64_t start = ALIGN_UP(base, CHUNK_SIZE);
	uint64_t end = ALIGN_DOWN(base + size, CHUNK_SIZE);

	memset(p, 0, sizeof(*p));
	p->base = start;
	p->nr_chunks = end > start ? (unsigned)MIN((end - start) / CHUNK_SIZE, POOL_MAX_CHUNKS) : 0;
	p->free_chunks = p->nr_chunks;
	memset(p->dirty, 0xff, sizeof(p->dirty));
}

void chunk_pool_set_zeroed(struct chunk_pool *p)
{
	spin_lock(&p->lock);
	memset(p->dirty, 0, sizeof(p->dirty));
	spin_unlock(&p->lock);
}

void chunk_pool_reserve(struct chunk_pool *p, uint64_t pa, uint64_t size)
{
	uint64_t end = pa + size;

	if (!size || end <= p->base)
		return;
	spin_lock(&p->lock);
	for (unsigned i = 0; i < p->nr_chunks; i++) {
		uint64_t c = p->base + i * CHUNK_SIZE;

		if (c < end && pa < c + CHUNK_SIZE)
			chunk_set(p, i, true);
	}
	spin_unlock(&p->lock);
}

int chunk_pool_alloc(struct chunk_pool *p, uint64_t size, uint64_t *pa)
{
	unsigned need;
	int ret = -ENOMEM;

	/* Checked before narrowing: a huge size must not wrap into a small one. */
	if (!size || size > (uint64_t)p->nr_chunks * CHUNK_SIZE)
		return -ENOMEM;
	need = (unsigned)(ALIGN_UP(size, CHUNK_SIZE) / CHUNK_SIZE);
	spin_lock(&p->lock);
	/* Next fit: start after the last allocation, so that a VM created
	 * right after another was destroyed gets different memory. */
	for (unsigned n = 0; n < p->nr_chunks; n++) {
		unsigned first = (p->next + n) % p->nr_chunks;
		unsigned i;

		if (first + need > p->nr_chunks)
			continue;
		for (i = 0; i < need && !chunk_used(p, first + i); i++)
			;
		if (i < need)
			continue;
		for (i = 0; i < need; i++)
			chunk_set(p, first + i, true);
		p->next = (first + need) % p->nr_chunks;
		*pa = p->base + (uint64_t)first * CHUNK_SIZE;
		ret = 0;
		break;
	}
	spin_unlock(&p->lock);
	return ret;
}

void chunk_pool_free(struct chunk_pool *p, uint64_t pa, uint64_t size)
{
	unsigned first, need;

	if (pa < p->base || size > (uint64_t)p->nr_chunks * CHUNK_SIZE)
		return;
	need = (unsigned)(ALIGN_UP(size, CHUNK_SIZE) / CHUNK_SIZE);
	first = (unsigned)((pa - p->base) / CHUNK_SIZE);
	spin_lock(&p->lock);
	for (unsigned i = 0; i < need && first + i < p->nr_chunks; i++) {
		chunk_set(p, first + i, false);
		p->dirty[(first + i) / 64] |= 1ull << ((first + i) % 64);
	}
	spin_unlock(&p->lock);
}

bool chunk_pool_zeroed(struct chunk_pool *p, uint64_t pa, uint64_t size)
{
	unsigned first, need;
	bool zeroed = true;

	if (pa < p->base || !size || size > (uint64_t)p->nr_chunks * CHUNK_SIZE)
		return false;
	need = (unsigned)(ALIGN_UP(size, CHUNK_SIZE) / CHUNK_SIZE);
	first = (unsigned)((pa - p->base) / CHUNK_SIZE);
	if (first + need > p->nr_chunks)
		return false;
	spin_lock(&p->lock);
	for (unsigned i = first; i < first + need && zeroed; i++)
		zeroed = !(p->dirty[i / 64] & (1ull << (i % 64)));
	spin_unlock(&p->lock);
	return zeroed;
}
