/*
 * ICH_LR<n>_EL2 encode/decode and the names of LR states and maintenance
 * interrupt causes. Freestanding: linked into hyp.elf and into the host tool.
 */
#include "formats/ich_lr.h"

uint64_t ich_lr_encode(const struct ich_lr *lr)
{
	uint64_t v;

	v = (uint64_t)((unsigned)lr->state & 3u) << ICH_LR_STATE_SHIFT;
	v |= (uint64_t)lr->priority << ICH_LR_PRIORITY_SHIFT;
	v |= lr->vintid;
	if (lr->group1)
		v |= ICH_LR_GROUP;
	if (lr->hw) {
		v |= ICH_LR_HW;
		v |= ((uint64_t)lr->pintid << ICH_LR_PINTID_SHIFT) & ICH_LR_PINTID_MASK;
	} else if (lr->eoi) {
		v |= ICH_LR_EOI;
	}
	return v;
}

void ich_lr_decode(uint64_t val, struct ich_lr *lr)
{
	lr->state = ich_lr_get_state(val);
	lr->hw = (val & ICH_LR_HW) != 0;
	lr->group1 = (val & ICH_LR_GROUP) != 0;
	lr->priority = ich_lr_get_priority(val);
	lr->vintid = ich_lr_get_vintid(val);
	if (lr->hw) {
		lr->pintid = (uint32_t)((val & ICH_LR_PINTID_MASK) >> ICH_LR_PINTID_SHIFT);
		lr->eoi = false;
	} else {
		lr->pintid = 0;
		lr->eoi = (val & ICH_LR_EOI) != 0;
	}
}

const char *ich_lr_state_str(enum ich_lr_state state)
{
	static const char *const names[] = {
		[ICH_LR_STATE_INVALID] = "-",
		[ICH_LR_STATE_PENDING] = "P",
		[ICH_LR_STATE_ACTIVE] = "A",
		[ICH_LR_STATE_PENDING_ACTIVE] = "PA",
	};

	if ((unsigned)state >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[state];
}

const char *ich_misr_cause_name(unsigned cause)
{
	static const char *const names[ICH_MISR_NR_CAUSES] = {
		[ICH_MISR_CAUSE_EOI] = "EOI",       [ICH_MISR_CAUSE_U] = "U",
		[ICH_MISR_CAUSE_LRENP] = "LRENP",   [ICH_MISR_CAUSE_NP] = "NP",
		[ICH_MISR_CAUSE_VGRP0E] = "VGrp0E", [ICH_MISR_CAUSE_VGRP0D] = "VGrp0D",
		[ICH_MISR_CAUSE_VGRP1E] = "VGrp1E", [ICH_MISR_CAUSE_VGRP1D] = "VGrp1D",
	};

	if (cause >= ICH_MISR_NR_CAUSES)
		return "?";
	return names[cause];
}
