/*
 * VMID allocation with generations (hyp/include/vmid.h), as KVM/arm64 does
 * it: lock-free while a VM's VMID is current, a rollover under the lock.
 */
#include <stddef.h>
#include <string.h>

#include "formats/vmid.h"
#include "hyp/include/arch.h"
#include "hyp/include/panic.h"
#include "hyp/include/trace.h"
#include "hyp/include/vmid.h"

static inline unsigned vmid_nr(const struct vmid_allocator *a, uint64_t vmid)
{
	return (unsigned)vmid_of(vmid, a->bits);
}

static bool map_test_and_set(struct vmid_allocator *a, unsigned n)
{
	uint64_t bit = 1ull << (n % 64);
	bool was = a->map[n / 64] & bit;

	if (!was) {
		a->map[n / 64] |= bit;
		a->in_use++;
	}
	return was;
}

static void map_reset(struct vmid_allocator *a)
{
	memset(a->map, 0, sizeof(a->map));
	a->in_use = 0;
	/* Number 0 is never handed out: a VTTBR with VMID 0 means "no VM". */
	a->map[0] = 1;
}

void vmid_allocator_init(struct vmid_allocator *a, unsigned bits)
{
	memset(a, 0, sizeof(*a));
	a->bits = bits;
	a->generation = vmid_gen_first(bits);
	a->next = 1;
	map_reset(a);
}

uint64_t vmid_generation_number(const struct vmid_allocator *a)
{
	return vmid_gen_number(__atomic_load_n(&a->generation, __ATOMIC_RELAXED), a->bits);
}

static void rollover(struct vmid_allocator *a)
{
	uint64_t old_gen = vmid_gen_number(a->generation, a->bits);
	unsigned in_use = a->in_use;
	uint64_t t0;

	__atomic_store_n(&a->generation, vmid_gen_next(a->generation, a->bits), __ATOMIC_RELAXED);
	map_reset(a);
	for (unsigned cpu = 0; cpu < HYP_MAX_CPUS; cpu++) {
		/* Zeroing active[] makes the fast path of that CPU fail its
		 * cmpxchg, so its next entry takes the lock and sees the new
		 * generation. A CPU reset earlier that has not entered since
		 * keeps its previous reservation. */
		uint64_t vmid = __atomic_exchange_n(&a->active[cpu], 0, __ATOMIC_RELAXED);

		if (!vmid)
			vmid = a->reserved[cpu];
		if (vmid)
			map_test_and_set(a, vmid_nr(a, vmid));
		a->reserved[cpu] = vmid;
	}
	/* Numbers are about to be handed to new VMs: no TLB entry of their
	 * previous owners may survive (Arm ARM D8.14.1, VMID reuse). */
	t0 = arch_cycles();
	arch_tlb_flush_guests();
	a->last_flush_cost = (uint32_t)(arch_cycles() - t0); /* 32-bit counter */
	a->flushes++;
	a->rollovers++;
	trace_vmid_rollover(old_gen, vmid_gen_number(a->generation, a->bits), a->last_flush_cost,
			    in_use, a->bits);
}

/* A VM running on some CPU at the last rollover keeps its number. */
static bool update_reserved(struct vmid_allocator *a, uint64_t old, uint64_t new)
{
	bool hit = false;

	for (unsigned cpu = 0; cpu < HYP_MAX_CPUS; cpu++) {
		if (a->reserved[cpu] == old) {
			a->reserved[cpu] = new;
			hit = true;
		}
	}
	return hit;
}

static int find_free(struct vmid_allocator *a)
{
	unsigned total = 1u << a->bits;

	for (unsigned i = 0; i < total; i++) {
		unsigned n = (a->next + i) % total;

		if (n && !(a->map[n / 64] & (1ull << (n % 64))))
			return (int)n;
	}
	return -1;
}

static uint64_t new_vmid(struct vmid_allocator *a, uint64_t old)
{
	int n;

	if (old) {
		uint64_t renewed = vmid_pack(a->generation, old, a->bits);

		if (update_reserved(a, old, renewed))
			return renewed;
		if (!map_test_and_set(a, vmid_nr(a, old)))
			return renewed;
	}
	n = find_free(a);
	if (n < 0) {
		rollover(a);
		n = find_free(a);
		/* Only the reserved numbers survive a rollover, and there are
		 * fewer CPUs than numbers (bits >= 3), so one is free now. */
		BUG_ON(n < 0);
	}
	map_test_and_set(a, (unsigned)n);
	a->next = (unsigned)n + 1;
	return vmid_pack(a->generation, (unsigned)n, a->bits);
}

uint64_t vmid_acquire_slow(struct vmid_allocator *a, uint64_t *vm_vmid, unsigned cpu)
{
	uint64_t vmid;

	spin_lock(&a->lock);
	vmid = *vm_vmid;
	if (!vmid_gen_current(vmid, a->generation, a->bits)) {
		vmid = new_vmid(a, vmid);
		__atomic_store_n(vm_vmid, vmid, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&a->active[cpu], vmid, __ATOMIC_RELAXED);
	spin_unlock(&a->lock);
	return vmid;
}

void vmid_release(struct vmid_allocator *a, uint64_t *vm_vmid)
{
	uint64_t vmid;

	spin_lock(&a->lock);
	vmid = *vm_vmid;
	for (unsigned cpu = 0; cpu < HYP_MAX_CPUS && vmid; cpu++) {
		uint64_t cur = vmid;

		/* Nothing runs this VM any more: forget it as a CPU's last VMID
		 * (that CPU's next entry takes the slow path once). */
		__atomic_compare_exchange_n(&a->active[cpu], &cur, 0, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
		if (a->reserved[cpu] == vmid)
			a->reserved[cpu] = 0;
	}
	/*
	 * The number stays taken until the next rollover: its TLB entries may
	 * still be live, and only the rollover's single flush makes numbers
	 * safe to hand out again (no TLB maintenance per destroyed VM).
	 */
	*vm_vmid = 0;
	spin_unlock(&a->lock);
}
