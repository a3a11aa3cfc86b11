/*
 * Memory the hypervisor hands out: 4 KiB pages for its own tables (stage-2
 * page tables) from the heap, and 2 MiB chunks of guest RAM from the pool
 * (the RAM QEMU gives the machine minus what the hypervisor, its control
 * block, the trace rings and the staged images occupy).
 *
 * EL2 maps all RAM 1:1, so a physical address is also a pointer. On the host
 * the unit tests hand in ordinary memory and the same identity holds.
 */
#ifndef HYP_MM_H
#define HYP_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyp/include/spinlock.h"

#define PAGE_SIZE   4096ull
#define CHUNK_SIZE  (2ull << 20)
#define POOL_MAX_CHUNKS 4096 /* 8 GiB of guest RAM */

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline uint64_t virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

struct page_allocator {
	spinlock_t lock;
	uint64_t base, end, bump;
	uint64_t free_list;   /* PA of the first free page, 0 = none */
	uint64_t free_pages;
	uint64_t used_pages;
};

void page_allocator_init(struct page_allocator *pa, uint64_t base, uint64_t size);
/* A zeroed page, or NULL. */
void *page_alloc(struct page_allocator *pa);
void page_free(struct page_allocator *pa, void *page);

struct chunk_pool {
	spinlock_t lock;
	uint64_t base;        /* 2 MiB aligned */
	unsigned nr_chunks;
	unsigned next;        /* next-fit cursor: consecutive VMs get different memory */
	uint64_t map[POOL_MAX_CHUNKS / 64]; /* set = in use or reserved */
	uint64_t dirty[POOL_MAX_CHUNKS / 64]; /* set = given back by a VM, or RAM of unknown
						 content; clear = zeroes until allocated */
	unsigned free_chunks;
};

/* Every chunk starts dirty: nothing is known of what the RAM holds. */
void chunk_pool_init(struct chunk_pool *p, uint64_t base, uint64_t size);
/* The RAM reads as zeroes (a fresh memory file): every chunk is clean. */
void chunk_pool_set_zeroed(struct chunk_pool *p);
/* Marks [pa, pa + size) as not for guests (staged images, rings...). */
void chunk_pool_reserve(struct chunk_pool *p, uint64_t pa, uint64_t size);
/* size bytes of contiguous chunks; 0 and *pa set, or -ENOMEM. */
int chunk_pool_alloc(struct chunk_pool *p, uint64_t size, uint64_t *pa);
/* Freed chunks are dirty: they held a VM's memory. */
void chunk_pool_free(struct chunk_pool *p, uint64_t pa, uint64_t size);
/* Was no chunk of [pa, pa + size) freed since chunk_pool_set_zeroed? Asked
 * right after chunk_pool_alloc, before anything writes them: such chunks still
 * read as zeroes, and scrubbing them would be work for nothing. */
bool chunk_pool_zeroed(struct chunk_pool *p, uint64_t pa, uint64_t size);

extern struct page_allocator hyp_pages;
extern struct chunk_pool guest_pool;

#endif
