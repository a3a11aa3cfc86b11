/*
 * VMID allocation with generations, as KVM/arm64 does it.
 *
 * A VM's VMID is one uint64_t: the generation in the high bits, the VMID
 * number in the low `bits` (formats/vmid.h). A VM keeps its VMID while its
 * generation is current. When the numbers run out, a new generation starts:
 * the bitmap is cleared except for the VMIDs running on a CPU right now
 * (reserved, so that no other VM can get them while their TLB entries are
 * live), the TLBs of all guests are invalidated once, and every other VM
 * takes a new VMID lazily at its next entry.
 *
 * The entry fast path takes no lock: the VM's generation is current and this
 * CPU's active entry was not reset by a rollover in between (the cmpxchg).
 */
#ifndef HYP_VMID_H
#define HYP_VMID_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "formats/vmid.h"
#include "hyp/include/compiler.h"
#include "hyp/include/spinlock.h"

#define VMID_MAX_BITS 16

struct vmid_allocator {
	spinlock_t lock;
	unsigned bits;
	uint64_t generation;              /* high part: a multiple of 1 << bits */
	uint64_t map[(1u << VMID_MAX_BITS) / 64];
	uint64_t active[HYP_MAX_CPUS];    /* VMID loaded on each CPU; 0 once a rollover reset it */
	uint64_t reserved[HYP_MAX_CPUS];  /* VMID each CPU held at the last rollover */
	unsigned next;                    /* where the search for a free number resumes */
	unsigned in_use;
	uint64_t rollovers;
	uint64_t flushes;                 /* full guest TLB invalidations */
	uint64_t last_flush_cost;         /* CPU cycles of the last rollover's TLB flush */
};

/* bits: 3..16. Number 0 is never handed out. */
void vmid_allocator_init(struct vmid_allocator *a, unsigned bits);
/* vmid_acquire()'s way when its fast path fails: under the lock. */
uint64_t vmid_acquire_slow(struct vmid_allocator *a, uint64_t *vm_vmid, unsigned cpu);

/* vmid_acquire()'s fast path alone, active = &a->active[cpu]: true with
 * *out the VMID when it took it without the lock, else false (then
 * vmid_acquire() or vmid_acquire_slow()). */
static inline bool vmid_acquire_fast(struct vmid_allocator *a, uint64_t *vm_vmid, uint64_t *active,
				     uint64_t *out)
{
	/* Single loads (READ_ONCE: aligned 64-bit loads are single-copy
	 * atomic, as the relaxed atomic loads they stand for, and their
	 * offsets fold into the instruction). */
	uint64_t vmid = READ_ONCE(*vm_vmid);
	uint64_t old_active = __atomic_load_n(active, __ATOMIC_RELAXED);

	/* The cmpxchg fails if a rollover zeroed active[cpu] after we read
	 * the generation; the slow path then sorts it out. */
	*out = vmid;
	return old_active && vmid_gen_current(vmid, READ_ONCE(a->generation), a->bits) &&
	       __atomic_compare_exchange_n(active, &old_active, vmid, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

/* At a vCPU's load on `cpu` (at every entry for a guest hypervisor's): the
 * VM's VMID, allocated or renewed if needed. The fast path inline. */
static inline uint64_t vmid_acquire(struct vmid_allocator *a, uint64_t *vm_vmid, unsigned cpu)
{
	uint64_t vmid;

	if (vmid_acquire_fast(a, vm_vmid, &a->active[cpu], &vmid))
		return vmid;
	return vmid_acquire_slow(a, vm_vmid, cpu);
}

/*
 * At the entry of a vCPU whose VMID was acquired at its load on this CPU
 * (active: &a->active[cpu]): whether this CPU's active VMID is still that
 * one. Only a rollover (or the VM's release) zeroes it, and nothing else
 * acquires on this CPU between a load and its entries - a guest
 * hypervisor's vCPU aside, whose shadow stage 2 takes its own VMID here by
 * turns, and which acquires at every entry. False: the VMID is acquired
 * again before the entry; its number survived as this CPU's reservation,
 * its generation did not.
 */
static inline bool vmid_still_active(const uint64_t *active)
{
	return __atomic_load_n(active, __ATOMIC_RELAXED) != 0;
}

/* When the VM is destroyed. Its number is free again only after the next rollover. */
void vmid_release(struct vmid_allocator *a, uint64_t *vm_vmid);
uint64_t vmid_generation_number(const struct vmid_allocator *a);

#endif
