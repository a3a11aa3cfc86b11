/*
 * The virtual CPU interface's state in and out with its vCPU (ICH_VMCR_EL2,
 * ICH_AP0R0_EL2, ICH_AP1R0_EL2): inline in arch_vcpu_load() and
 * arch_vcpu_put() (vcpu.c), which every switch runs, so that neither needs a
 * stack frame. The list registers around each entry are vgic_hw.c's.
 */
#ifndef HYP_ARCH_VGIC_HW_H
#define HYP_ARCH_VGIC_HW_H

#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/include/vm.h"
#include "hyp/vgic/vgic.h"

static inline void arch_vgic_load(struct vcpu *v)
{
	write_sysreg(v->vgic.hw.vmcr, SYS_ICH_VMCR_EL2);
	write_sysreg(v->vgic.hw.ap0r[0], SYS_ICH_AP0R0_EL2);
	write_sysreg(v->vgic.hw.ap1r[0], SYS_ICH_AP1R0_EL2);
}

/* The status block's copy of what only a flush or its fold moves. */
void vgic_put_stats(struct vcpu *v);

static inline void arch_vgic_put(struct vcpu *v)
{
	struct vgic_cpu *vc = &v->vgic;
	struct hypstat_vcpu *st = v->stat;

	vc->hw.vmcr = (uint32_t)read_sysreg(SYS_ICH_VMCR_EL2);
	vc->hw.ap0r[0] = (uint32_t)read_sysreg(SYS_ICH_AP0R0_EL2);
	vc->hw.ap1r[0] = (uint32_t)read_sysreg(SYS_ICH_AP1R0_EL2);

	/* For the status block: what the live view and the summary show. All
	 * but the pending count move only with a flush (overflows), or its fold
	 * (LRs, maintenance causes): nothing to copy again without one. */
	st->vgic_pending = vc->ap_count;
	if (st->vgic_flushes != vc->stats.flushes)
		vgic_put_stats(v);
}

#endif
