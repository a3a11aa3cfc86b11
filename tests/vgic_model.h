/*
 * A model of the GICv3 virtual CPU interface, for the tests: what the
 * hardware does with the list registers while the guest runs, on a struct
 * vgic_hw with hw->nr_lrs LRs and VGIC_PRI_BITS priority and preemption bits
 * (QEMU's TCG GICv3). The unit tests and the vGIC fuzzer play the guest with
 * it between a flush and a fold (IHI 0069, "Virtual CPU interface"). It is
 * not part of the hypervisor: hyp.elf has the real hardware.
 */
#ifndef TESTS_VGIC_MODEL_H
#define TESTS_VGIC_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/ich_lr.h"
#include "hyp/include/compiler.h"
#include "hyp/vgic/vgic.h"

#define VIF_BIT32(n) (1u << (n))

/* Running priority from the active priority registers; 0xff when idle. */
static inline uint8_t vgic_vif_rpr(const struct vgic_hw *hw);
/*
 * The LR the virtual interface signals: highest-priority LR in the pending
 * state whose group is enabled (VMCR VENG0/VENG1), priority below VPMR, and
 * group priority (after the binary point) above the running priority. -1 if none.
 */
static inline int vgic_vif_hppi(const struct vgic_hw *hw);
/* Acknowledge (ICV_IAR*): that LR becomes active, its priority active. 1023 if none. */
static inline uint32_t vgic_vif_ack(struct vgic_hw *hw);
/*
 * EOI with EOImode 0 (ICV_EOIR*): priority drop, then deactivation of the LR
 * holding vintid; with no such LR, ICH_HCR_EL2.EOIcount is incremented.
 * true if an LR was deactivated.
 */
static inline bool vgic_vif_eoi(struct vgic_hw *hw, uint32_t vintid);
/* ICH_ELRSR_EL2, ICH_EISR_EL2 and ICH_MISR_EL2 as the hardware computes them. */
static inline uint32_t vgic_vif_elrsr(const struct vgic_hw *hw);
static inline uint32_t vgic_vif_eisr(const struct vgic_hw *hw);
static inline uint32_t vgic_vif_misr(const struct vgic_hw *hw);

/* Active priority register bit n stands for group priority n << VIF_APR_SHIFT. */
#define VIF_APR_SHIFT (8 - VGIC_PRI_BITS)

/*
 * Bits of a priority that take part in preemption (the group priority),
 * IHI 0069 "Priority grouping": Group 0 uses bits [7:VBPR0+1]; Group 1 uses
 * bits [7:VBPR1], or VBPR0 as Group 0 does when VCBPR is set. Never finer
 * than the implemented preemption bits.
 */
static inline uint8_t vif_group_mask(uint32_t vmcr, bool group1)
{
	unsigned shift;

	if (!group1 || (vmcr & ICH_VMCR_VCBPR))
		shift = ((vmcr & ICH_VMCR_VBPR0_MASK) >> ICH_VMCR_VBPR0_SHIFT) + 1;
	else
		shift = (vmcr & ICH_VMCR_VBPR1_MASK) >> ICH_VMCR_VBPR1_SHIFT;
	if (shift < VIF_APR_SHIFT)
		shift = VIF_APR_SHIFT;
	return (uint8_t)(0xffu << shift);
}

static inline uint8_t vgic_vif_rpr(const struct vgic_hw *hw)
{
	for (unsigned r = 0; r < 4; r++) {
		uint32_t bits = hw->ap0r[r] | hw->ap1r[r];

		if (bits)
			return (uint8_t)((r * 32 + (unsigned)__builtin_ctz(bits)) << VIF_APR_SHIFT);
	}
	return 0xff;
}

static inline int vgic_vif_hppi(const struct vgic_hw *hw)
{
	uint8_t vpmr = (uint8_t)((hw->vmcr & ICH_VMCR_VPMR_MASK) >> ICH_VMCR_VPMR_SHIFT);
	uint8_t rpr = vgic_vif_rpr(hw);
	unsigned best_prio = 0x100;
	int best = -1;

	for (unsigned i = 0; i < hw->nr_lrs && i < VGIC_MAX_LRS; i++) {
		uint64_t v = hw->lr[i];
		bool g1 = (v & ICH_LR_GROUP) != 0;
		uint8_t prio = ich_lr_get_priority(v);
		uint8_t gmask = vif_group_mask(hw->vmcr, g1);

		if (ich_lr_get_state(v) != ICH_LR_STATE_PENDING)
			continue;
		if (!(hw->vmcr & (g1 ? ICH_VMCR_VENG1 : ICH_VMCR_VENG0)))
			continue;
		if (prio >= vpmr)
			continue; /* masked by ICV_PMR_EL1 */
		if (rpr != 0xff && (prio & gmask) >= (rpr & gmask))
			continue; /* cannot preempt the running priority */
		if (prio < best_prio) {
			best_prio = prio;
			best = (int)i;
		}
	}
	return best;
}

static inline uint32_t vgic_vif_ack(struct vgic_hw *hw)
{
	int i = vgic_vif_hppi(hw);
	uint64_t v;
	bool g1;
	unsigned bit;

	if (i < 0)
		return 1023; /* spurious */
	v = hw->lr[i];
	g1 = (v & ICH_LR_GROUP) != 0;
	bit = (ich_lr_get_priority(v) & vif_group_mask(hw->vmcr, g1)) >> VIF_APR_SHIFT;
	hw->lr[i] = (v & ~ICH_LR_STATE_MASK) | ICH_LR_ACTIVE_BIT;
	if (g1)
		hw->ap1r[bit / 32] |= VIF_BIT32(bit % 32);
	else
		hw->ap0r[bit / 32] |= VIF_BIT32(bit % 32);
	return ich_lr_get_vintid(v);
}

static inline bool vgic_vif_eoi(struct vgic_hw *hw, uint32_t vintid)
{
	unsigned cnt;

	/* Priority drop: the highest active priority leaves the APRs. */
	for (unsigned r = 0; r < 4; r++) {
		uint32_t bits = hw->ap0r[r] | hw->ap1r[r];

		if (bits) {
			uint32_t low = bits & -bits;

			hw->ap0r[r] &= ~low;
			hw->ap1r[r] &= ~low;
			break;
		}
	}
	/* Deactivation: A becomes invalid, PA becomes P. */
	for (unsigned i = 0; i < hw->nr_lrs && i < VGIC_MAX_LRS; i++) {
		uint64_t v = hw->lr[i];

		if (ich_lr_get_vintid(v) == vintid && (v & ICH_LR_ACTIVE_BIT)) {
			hw->lr[i] = v & ~ICH_LR_ACTIVE_BIT;
			return true;
		}
	}
	cnt = ((hw->hcr & ICH_HCR_EOICOUNT_MASK) >> ICH_HCR_EOICOUNT_SHIFT) + 1;
	hw->hcr = (hw->hcr & ~ICH_HCR_EOICOUNT_MASK) |
		  ((cnt << ICH_HCR_EOICOUNT_SHIFT) & ICH_HCR_EOICOUNT_MASK);
	return false;
}

static inline uint32_t vgic_vif_elrsr(const struct vgic_hw *hw)
{
	uint32_t r = 0;

	/* Empty: invalid, and no EOI maintenance request left in it. */
	for (unsigned i = 0; i < hw->nr_lrs && i < VGIC_MAX_LRS; i++) {
		uint64_t v = hw->lr[i];

		if (ich_lr_get_state(v) == ICH_LR_STATE_INVALID &&
		    ((v & ICH_LR_HW) || !(v & ICH_LR_EOI)))
			r |= VIF_BIT32(i);
	}
	return r;
}

static inline uint32_t vgic_vif_eisr(const struct vgic_hw *hw)
{
	uint32_t r = 0;

	for (unsigned i = 0; i < hw->nr_lrs && i < VGIC_MAX_LRS; i++) {
		uint64_t v = hw->lr[i];

		if (ich_lr_get_state(v) == ICH_LR_STATE_INVALID && !(v & ICH_LR_HW) &&
		    (v & ICH_LR_EOI))
			r |= VIF_BIT32(i);
	}
	return r;
}

static inline uint32_t vgic_vif_misr(const struct vgic_hw *hw)
{
	unsigned valid = 0;
	bool pending = false;
	uint32_t misr = 0;

	for (unsigned i = 0; i < hw->nr_lrs && i < VGIC_MAX_LRS; i++) {
		enum ich_lr_state st = ich_lr_get_state(hw->lr[i]);

		if (st != ICH_LR_STATE_INVALID)
			valid++;
		if (st == ICH_LR_STATE_PENDING)
			pending = true;
	}
	if (vgic_vif_eisr(hw))
		misr |= ICH_MISR_EOI;
	if ((hw->hcr & ICH_HCR_UIE) && valid <= 1)
		misr |= ICH_MISR_U;
	if ((hw->hcr & ICH_HCR_LRENPIE) && (hw->hcr & ICH_HCR_EOICOUNT_MASK))
		misr |= ICH_MISR_LRENP;
	if ((hw->hcr & ICH_HCR_NPIE) && !pending)
		misr |= ICH_MISR_NP;
	if ((hw->hcr & ICH_HCR_VGRP0EIE) && (hw->vmcr & ICH_VMCR_VENG0))
		misr |= ICH_MISR_VGRP0E;
	if ((hw->hcr & ICH_HCR_VGRP0DIE) && !(hw->vmcr & ICH_VMCR_VENG0))
		misr |= ICH_MISR_VGRP0D;
	if ((hw->hcr & ICH_HCR_VGRP1EIE) && (hw->vmcr & ICH_VMCR_VENG1))
		misr |= ICH_MISR_VGRP1E;
	if ((hw->hcr & ICH_HCR_VGRP1DIE) && !(hw->vmcr & ICH_VMCR_VENG1))
		misr |= ICH_MISR_VGRP1D;
	return misr;
}

#endif
