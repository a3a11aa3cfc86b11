/*
 * A VMID tagged with the allocator generation it was handed out in.
 *
 * Freestanding, header only: used by the hypervisor's VMID allocator and by
 * the host tools that decode its trace records.
 *
 * The hardware VMID (VTTBR_EL2.VMID) is vmid_bits wide: 8, or 16 when
 * ID_AA64MMFR1_EL1.VMIDBits says so and VTCR_EL2.VS is set. The allocator
 * keeps one uint64_t per VM:
 *
 *	[63:vmid_bits]  generation
 *	[vmid_bits-1:0] VMID
 *
 * The generation is counted in units of 1 << vmid_bits, so it is the value
 * itself with the VMID bits clear: the allocator's current generation and a
 * VM's packed value compare without shifting. Generation 0 is never handed
 * out (the first one is vmid_gen_first()), so a zeroed VM never looks
 * current and always takes the allocation path once. When the VMIDs of a
 * generation run out, the allocator moves to vmid_gen_next(), which makes
 * every older value stale; it must then invalidate the TLBs of all VMIDs
 * before handing any out again.
 */
#ifndef FORMATS_VMID_H
#define FORMATS_VMID_H

#include <stdbool.h>
#include <stdint.h>

/* vmid_bits is 8 or 16; anything in 1..32 works with these helpers. */
static inline uint64_t vmid_mask(unsigned vmid_bits)
{
	return (UINT64_C(1) << vmid_bits) - 1;
}

static inline uint64_t vmid_of(uint64_t v, unsigned vmid_bits)
{
	return v & vmid_mask(vmid_bits);
}

static inline uint64_t vmid_gen_of(uint64_t v, unsigned vmid_bits)
{
	return v & ~vmid_mask(vmid_bits);
}

/* gen must be a generation value (low vmid_bits clear); vmid is truncated. */
static inline uint64_t vmid_pack(uint64_t gen, uint64_t vmid, unsigned vmid_bits)
{
	return vmid_gen_of(gen, vmid_bits) | vmid_of(vmid, vmid_bits);
}

/* True when v was allocated in generation cur_gen, i.e. its VMID is still live. */
static inline bool vmid_gen_current(uint64_t v, uint64_t cur_gen, unsigned vmid_bits)
{
	return ((v ^ cur_gen) >> vmid_bits) == 0;
}

static inline uint64_t vmid_gen_first(unsigned vmid_bits)
{
	return UINT64_C(1) << vmid_bits;
}

static inline uint64_t vmid_gen_next(uint64_t gen, unsigned vmid_bits)
{
	return gen + (UINT64_C(1) << vmid_bits);
}

/* Number of generations counted since gen 0, for traces and reports. */
static inline uint64_t vmid_gen_number(uint64_t v, unsigned vmid_bits)
{
	return v >> vmid_bits;
}

/* ID_AA64MMFR1_EL1.VMIDBits [7:4]: 0b0010 means 16-bit VMIDs, else 8. */
static inline unsigned vmid_bits_from_mmfr1(uint64_t id_aa64mmfr1)
{
	return ((id_aa64mmfr1 >> 4) & 0xf) == 2 ? 16 : 8;
}

#endif
