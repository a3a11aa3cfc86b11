/*
 * The GICv3 virtual CPU interface control registers as values: ICH_LR<n>_EL2,
 * ICH_HCR_EL2, ICH_MISR_EL2, ICH_VTR_EL2 and ICH_VMCR_EL2 (GICv3 architecture
 * specification, IHI 0069, chapter 12 "ICH_* register descriptions").
 *
 * Freestanding: the hypervisor builds list register values with these, the
 * host decodes the ones it finds in traces and snapshots with the same code.
 */
#ifndef FORMATS_ICH_LR_H
#define FORMATS_ICH_LR_H

#include <stdbool.h>
#include <stdint.h>

/* ICH_LR<n>_EL2 */
#define ICH_LR_VINTID_MASK     0x00000000ffffffffull /* [31:0] vINTID */
#define ICH_LR_PINTID_SHIFT    32
#define ICH_LR_PINTID_MASK     (0x1fffull << ICH_LR_PINTID_SHIFT) /* [44:32] when HW == 1 */
#define ICH_LR_EOI             (1ull << 41) /* when HW == 0: maintenance IRQ on deactivation */
#define ICH_LR_PRIORITY_SHIFT  48
#define ICH_LR_PRIORITY_MASK   (0xffull << ICH_LR_PRIORITY_SHIFT) /* [55:48] */
#define ICH_LR_NMI             (1ull << 59) /* FEAT_GICv3_NMI only; RES0 here */
#define ICH_LR_GROUP           (1ull << 60) /* 1: Group 1, signalled as vIRQ */
#define ICH_LR_HW              (1ull << 61) /* deactivation also deactivates pINTID */
#define ICH_LR_STATE_SHIFT     62
#define ICH_LR_STATE_MASK      (3ull << ICH_LR_STATE_SHIFT)
#define ICH_LR_PENDING_BIT     (1ull << ICH_LR_STATE_SHIFT)
#define ICH_LR_ACTIVE_BIT      (2ull << ICH_LR_STATE_SHIFT)

/* Largest pINTID the field holds; SPIs end at 1019. */
#define ICH_LR_PINTID_MAX      1019u

enum ich_lr_state {
	ICH_LR_STATE_INVALID = 0,
	ICH_LR_STATE_PENDING = 1,
	ICH_LR_STATE_ACTIVE = 2,
	ICH_LR_STATE_PENDING_ACTIVE = 3,
};

/* One list register, field by field. */
struct ich_lr {
	enum ich_lr_state state;
	bool hw;          /* HW: the virtual interrupt is linked to physical pintid */
	bool group1;      /* Group: 0 = Group 0 (vFIQ), 1 = Group 1 (vIRQ) */
	bool eoi;         /* EOI maintenance request; only meaningful when !hw */
	uint8_t priority;
	uint32_t vintid;
	uint32_t pintid;  /* only meaningful when hw */
};

static inline enum ich_lr_state ich_lr_get_state(uint64_t lr)
{
	return (enum ich_lr_state)((lr & ICH_LR_STATE_MASK) >> ICH_LR_STATE_SHIFT);
}

static inline uint32_t ich_lr_get_vintid(uint64_t lr)
{
	return (uint32_t)(lr & ICH_LR_VINTID_MASK);
}

static inline uint8_t ich_lr_get_priority(uint64_t lr)
{
	return (uint8_t)((lr & ICH_LR_PRIORITY_MASK) >> ICH_LR_PRIORITY_SHIFT);
}

/*
 * Encode a list register. With hw, pintid fills bits [44:32] and eoi is
 * ignored (bit 41 belongs to pINTID then); without hw, bit 41 is the EOI
 * request and pintid is ignored.
 */
uint64_t ich_lr_encode(const struct ich_lr *lr);
void ich_lr_decode(uint64_t val, struct ich_lr *lr);

/* "-", "P", "A", "PA"; "?" for a value outside the enum. */
const char *ich_lr_state_str(enum ich_lr_state state);

/* ICH_HCR_EL2 */
#define ICH_HCR_EN             (1u << 0)
#define ICH_HCR_UIE            (1u << 1)  /* underflow: zero or one LR valid */
#define ICH_HCR_LRENPIE        (1u << 2)  /* EOIcount != 0 */
#define ICH_HCR_NPIE           (1u << 3)  /* no LR in the pending state */
#define ICH_HCR_VGRP0EIE       (1u << 4)
#define ICH_HCR_VGRP0DIE       (1u << 5)
#define ICH_HCR_VGRP1EIE       (1u << 6)
#define ICH_HCR_VGRP1DIE       (1u << 7)
#define ICH_HCR_TC             (1u << 10)
#define ICH_HCR_TALL0          (1u << 11)
#define ICH_HCR_TALL1          (1u << 12)
#define ICH_HCR_TSEI           (1u << 13)
#define ICH_HCR_TDIR           (1u << 14)
#define ICH_HCR_DVIM           (1u << 15)
#define ICH_HCR_EOICOUNT_SHIFT 27
#define ICH_HCR_EOICOUNT_MASK  (0x1fu << ICH_HCR_EOICOUNT_SHIFT)

/* ICH_MISR_EL2: why the maintenance interrupt is asserted, one bit per cause. */
enum ich_misr_cause {
	ICH_MISR_CAUSE_EOI = 0,    /* an LR with EOI set was deactivated (see EISR) */
	ICH_MISR_CAUSE_U = 1,      /* underflow */
	ICH_MISR_CAUSE_LRENP = 2,  /* EOI of an interrupt not in any LR (EOIcount) */
	ICH_MISR_CAUSE_NP = 3,     /* no pending */
	ICH_MISR_CAUSE_VGRP0E = 4, /* virtual Group 0 enabled */
	ICH_MISR_CAUSE_VGRP0D = 5,
	ICH_MISR_CAUSE_VGRP1E = 6,
	ICH_MISR_CAUSE_VGRP1D = 7,
	ICH_MISR_NR_CAUSES = 8,
};

#define ICH_MISR_EOI    (1u << ICH_MISR_CAUSE_EOI)
#define ICH_MISR_U      (1u << ICH_MISR_CAUSE_U)
#define ICH_MISR_LRENP  (1u << ICH_MISR_CAUSE_LRENP)
#define ICH_MISR_NP     (1u << ICH_MISR_CAUSE_NP)
#define ICH_MISR_VGRP0E (1u << ICH_MISR_CAUSE_VGRP0E)
#define ICH_MISR_VGRP0D (1u << ICH_MISR_CAUSE_VGRP0D)
#define ICH_MISR_VGRP1E (1u << ICH_MISR_CAUSE_VGRP1E)
#define ICH_MISR_VGRP1D (1u << ICH_MISR_CAUSE_VGRP1D)
#define ICH_MISR_MASK   ((1u << ICH_MISR_NR_CAUSES) - 1)

/* "EOI", "U", "LRENP", "NP", "VGrp0E", "VGrp0D", "VGrp1E", "VGrp1D"; "?" otherwise. */
const char *ich_misr_cause_name(unsigned cause);

/* ICH_VTR_EL2 */
#define ICH_VTR_LISTREGS(v)    (((v) & 0x1fu) + 1)        /* number of LRs */
#define ICH_VTR_IDBITS(v)      (((v) >> 23) & 0x7u)
#define ICH_VTR_PREBITS(v)     ((((v) >> 26) & 0x7u) + 1) /* preemption bits */
#define ICH_VTR_PRIBITS(v)     ((((v) >> 29) & 0x7u) + 1) /* priority bits */

/* ICH_VMCR_EL2: the guest's view of ICV_PMR, ICV_BPRn, ICV_CTLR and ICV_IGRPENn. */
#define ICH_VMCR_VENG0         (1u << 0)
#define ICH_VMCR_VENG1         (1u << 1)
#define ICH_VMCR_VACKCTL       (1u << 2)
#define ICH_VMCR_VFIQEN        (1u << 3)
#define ICH_VMCR_VCBPR         (1u << 4)
#define ICH_VMCR_VEOIM         (1u << 9)
#define ICH_VMCR_VBPR1_SHIFT   18
#define ICH_VMCR_VBPR1_MASK    (0x7u << ICH_VMCR_VBPR1_SHIFT)
#define ICH_VMCR_VBPR0_SHIFT   21
#define ICH_VMCR_VBPR0_MASK    (0x7u << ICH_VMCR_VBPR0_SHIFT)
#define ICH_VMCR_VPMR_SHIFT    24
#define ICH_VMCR_VPMR_MASK     (0xffu << ICH_VMCR_VPMR_SHIFT)

#endif
