/*
 * The hypervisor's VM machinery on the host (hyp/arch/fake), for the unit
 * tests and fuzzers that make VMs with vm_create(): two CPUs with their run
 * queues, an empty configuration and statistics page, 40-bit IPAs, a VMID
 * allocator, and a guest chunk pool and hypervisor page allocator over
 * aligned_alloc'd host memory. Header-only so each of those single-file
 * programs includes it without build rules of its own.
 *
 * hostvm_reset() puts all of it back as at boot (the memory is allocated on
 * the first call, and kept until hostvm_free()); hostvm_describe() fills a
 * configuration slot for a VM of one chunk of RAM booting a small image at
 * GUEST_RAM_IPA. Then vm_create() makes the VMs described.
 */
#ifndef TESTS_HOSTVM_H
#define TESTS_HOSTVM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/hypcfg.h"
#include "hyp/arch/fake/fake.h"
#include "hyp/include/mm.h"
#include "hyp/include/percpu.h"
#include "hyp/include/sched.h"
#include "hyp/include/stage2.h"
#include "hyp/include/vm.h"
#include "hyp/include/vmid.h"

#define HOSTVM_POOL_CHUNKS 4u
#define HOSTVM_HEAP_PAGES  64u
#define HOSTVM_RAM_SIZE    CHUNK_SIZE

struct hostvm {
	struct hypcfg cfg;
	struct hypstat st;
	void *pool_mem, *heap_mem;
	uint8_t image[64];
	unsigned pool_free0;   /* guest chunks free before any VM */
	uint64_t pages_used0;  /* hypervisor pages in use before any VM */
};

static struct hostvm hostvm;

static inline void hostvm_reset(void)
{
	if (!hostvm.pool_mem) {
		hostvm.pool_mem = aligned_alloc(CHUNK_SIZE, HOSTVM_POOL_CHUNKS * CHUNK_SIZE);
		hostvm.heap_mem = aligned_alloc(PAGE_SIZE, HOSTVM_HEAP_PAGES * PAGE_SIZE);
		if (!hostvm.pool_mem || !hostvm.heap_mem) {
			fprintf(stderr, "hostvm: out of memory\n");
			abort();
		}
	}
	fake_reset();
	memset(vms, 0, sizeof(vms));
	nr_cpus = 2;
	for (unsigned i = 0; i < HYP_MAX_CPUS; i++)
		rq_init(&percpu[i].rq, 1000);
	memset(&hostvm.cfg, 0, sizeof(hostvm.cfg));
	memset(&hostvm.st, 0, sizeof(hostvm.st));
	hypcfg = &hostvm.cfg;
	hypstat = &hostvm.st;
	stage2_ipa_bits = 40;
	vmid_allocator_init(&vmids, 8);
	chunk_pool_init(&guest_pool, virt_to_phys(hostvm.pool_mem),
			HOSTVM_POOL_CHUNKS * CHUNK_SIZE);
	page_allocator_init(&hyp_pages, virt_to_phys(hostvm.heap_mem),
			    HOSTVM_HEAP_PAGES * PAGE_SIZE);
	hostvm.pool_free0 = guest_pool.free_chunks;
	hostvm.pages_used0 = hyp_pages.used_pages;
}

static inline void hostvm_free(void)
{
	free(hostvm.pool_mem);
	free(hostvm.heap_mem);
	hostvm.pool_mem = hostvm.heap_mem = NULL;
}

static inline void hostvm_describe(struct hypcfg_vm *c, const char *name, unsigned nr_vcpus)
{
	strcpy(c->name, name);
	c->image_pa = virt_to_phys(hostvm.image);
	c->image_size = sizeof(hostvm.image);
	c->load_ipa = GUEST_RAM_IPA;
	c->entry_ipa = GUEST_RAM_IPA;
	c->mem_size = HOSTVM_RAM_SIZE;
	c->nr_vcpus = nr_vcpus;
	c->instances = 1;
}

#endif
