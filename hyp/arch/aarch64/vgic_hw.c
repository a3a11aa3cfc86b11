/*
 * The hardware side of the vGIC: list registers in and out around each
 * entry; the virtual CPU interface's state (ICH_VMCR_EL2, ICH_AP0R/AP1R)
 * with the vCPU is include/vgic_hw.h's, inline.
 * The logic (what goes in which LR, what comes back) is hyp/vgic/vgic.c.
 */
#include <stdint.h>

#include "formats/ich_lr.h"
#include "hyp/arch/aarch64/include/cpu.h"
#include "hyp/arch/aarch64/include/gic.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "hyp/arch/aarch64/include/vgic_hw.h"
#include "hyp/include/percpu.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"
#include "hyp/vgic/vgic.h"

/* ICH_LR<n>_EL2 are separate registers: one case per index. */
static uint64_t read_lr(unsigned n)
{
	switch (n) {
	case 0: return read_sysreg(SYS_ICH_LR0_EL2);
	case 1: return read_sysreg(SYS_ICH_LR1_EL2);
	case 2: return read_sysreg(SYS_ICH_LR2_EL2);
	case 3: return read_sysreg(SYS_ICH_LR3_EL2);
	case 4: return read_sysreg(SYS_ICH_LR4_EL2);
	case 5: return read_sysreg(SYS_ICH_LR5_EL2);
	case 6: return read_sysreg(SYS_ICH_LR6_EL2);
	case 7: return read_sysreg(SYS_ICH_LR7_EL2);
	case 8: return read_sysreg(SYS_ICH_LR8_EL2);
	case 9: return read_sysreg(SYS_ICH_LR9_EL2);
	case 10: return read_sysreg(SYS_ICH_LR10_EL2);
	case 11: return read_sysreg(SYS_ICH_LR11_EL2);
	case 12: return read_sysreg(SYS_ICH_LR12_EL2);
	case 13: return read_sysreg(SYS_ICH_LR13_EL2);
	case 14: return read_sysreg(SYS_ICH_LR14_EL2);
	default: return read_sysreg(SYS_ICH_LR15_EL2);
	}
}

static void write_lr(unsigned n, uint64_t v)
{
	switch (n) {
	case 0: write_sysreg(v, SYS_ICH_LR0_EL2); break;
	case 1: write_sysreg(v, SYS_ICH_LR1_EL2); break;
	case 2: write_sysreg(v, SYS_ICH_LR2_EL2); break;
	case 3: write_sysreg(v, SYS_ICH_LR3_EL2); break;
	case 4: write_sysreg(v, SYS_ICH_LR4_EL2); break;
	case 5: write_sysreg(v, SYS_ICH_LR5_EL2); break;
	case 6: write_sysreg(v, SYS_ICH_LR6_EL2); break;
	case 7: write_sysreg(v, SYS_ICH_LR7_EL2); break;
	case 8: write_sysreg(v, SYS_ICH_LR8_EL2); break;
	case 9: write_sysreg(v, SYS_ICH_LR9_EL2); break;
	case 10: write_sysreg(v, SYS_ICH_LR10_EL2); break;
	case 11: write_sysreg(v, SYS_ICH_LR11_EL2); break;
	case 12: write_sysreg(v, SYS_ICH_LR12_EL2); break;
	case 13: write_sysreg(v, SYS_ICH_LR13_EL2); break;
	case 14: write_sysreg(v, SYS_ICH_LR14_EL2); break;
	default: write_sysreg(v, SYS_ICH_LR15_EL2); break;
	}
}

void vgic_put_stats(struct vcpu *v)
{
	struct vgic_cpu *vc = &v->vgic;
	struct hypstat_vcpu *st = v->stat;

	st->vgic_flushes = vc->stats.flushes;
	st->vgic_overflows = vc->stats.overflows;
	for (unsigned c = 0; c < ICH_MISR_NR_CAUSES; c++)
		st->vgic_maint[c] = vc->stats.maint[c];
	/* The LRs past nr_lrs stay as the status block was laid out: zero. */
	for (unsigned i = 0; i < cpu.nr_lrs && i < VGIC_MAX_LRS; i++)
		st->vgic_lr[i] = vc->lr_folded[i];
	st->vgic_nr_lrs = cpu.nr_lrs;
}

static void trace_lrs(const struct vcpu *v, unsigned point, uint32_t elrsr, uint32_t eisr,
		      uint32_t misr)
{
	struct ring_slot s;
	struct trace_vgic_lrs *e = trace_vcpu_begin(v, TRACE_VGIC_LRS, sizeof(*e), &s);
	const struct vgic_cpu *vc = &v->vgic;

	if (!e)
		return;
	for (unsigned i = 0; i < TRACE_MAX_LRS; i++)
		e->lr[i] = i < cpu.nr_lrs ? (point == TRACE_LRS_FLUSH ? vc->lr_flushed[i] :
									   vc->hw.lr[i]) :
					   0;
	e->hcr = vc->hw.hcr;
	e->misr = misr;
	e->eisr = eisr;
	e->elrsr = elrsr;
	e->nr_lrs = (uint8_t)cpu.nr_lrs;
	e->point = (uint8_t)point;
	e->used = (uint16_t)((1u << vc->hw.used_lrs) - 1);
	e->reserved = 0;
	trace_vcpu_commit(&s);
}

/* arch_vgic_flush() with interrupts in flight: out of line, so that the
 * common case (nothing in flight) needs no stack frame. */
static __attribute__((noinline)) void vgic_flush_lrs(struct vcpu *v)
{
	struct vgic_cpu *vc = &v->vgic;
	unsigned used = vgic_flush(vc, cpu.nr_lrs);

	for (unsigned i = 0; i < cpu.nr_lrs; i++)
		write_lr(i, i < used ? vc->hw.lr[i] : 0);
	write_sysreg(vc->hw.hcr, SYS_ICH_HCR_EL2);
	this_cpu()->vif_enabled = true;
	if (trace_on)
		trace_lrs(v, TRACE_LRS_FLUSH, 0, 0, 0);
}

void arch_vgic_flush(struct vcpu *v)
{
	struct vgic_cpu *vc = &v->vgic;

	/* Nothing in flight (a racy peek: an injection from another CPU comes
	 * with a kick, and the exit brings us back here): the LRs are empty
	 * since the last fold; the virtual CPU interface just needs enabling. */
	if (likely(!READ_ONCE(vc->ap_count) && !vc->hw.used_lrs)) {
		struct percpu *pc = this_cpu();

		vc->pending_flushed = 0;
		if (!pc->vif_enabled) {
			write_sysreg(ICH_HCR_EN, SYS_ICH_HCR_EL2);
			pc->vif_enabled = true;
		}
		return;
	}
	vgic_flush_lrs(v);
}

/* arch_vgic_fold() with LRs in use: out of line, as vgic_flush_lrs(). */
static __attribute__((noinline)) void vgic_fold_lrs(struct vcpu *v)
{
	struct vgic_cpu *vc = &v->vgic;
	uint32_t elrsr, eisr, misr;

	for (unsigned i = 0; i < vc->hw.used_lrs; i++)
		vc->hw.lr[i] = read_lr(i);
	/* ICH_HCR_EL2.EOIcount: deactivations of interrupts no LR held. */
	vc->hw.hcr = (uint32_t)read_sysreg(SYS_ICH_HCR_EL2);
	elrsr = (uint32_t)read_sysreg(SYS_ICH_ELRSR_EL2);
	eisr = (uint32_t)read_sysreg(SYS_ICH_EISR_EL2);
	misr = (uint32_t)read_sysreg(SYS_ICH_MISR_EL2);
	/*
	 * Off with the virtual CPU interface and its list registers until the
	 * next flush: the maintenance interrupt is level-sensitive and would
	 * stay asserted at EL2 for as long as its condition (an EOI'd LR,
	 * underflow, no pending) holds in the hardware (GICv3 4.8, "Maintenance
	 * interrupts"). The next entry writes them all again.
	 */
	write_sysreg(0, SYS_ICH_HCR_EL2);
	for (unsigned i = 0; i < vc->hw.used_lrs; i++)
		write_lr(i, 0);
	this_cpu()->vif_enabled = false;
	if (trace_on)
		trace_lrs(v, TRACE_LRS_FOLD, elrsr, eisr, misr);
	if (misr) {
		vgic_maint(vc, misr);
		if (trace_on) {
			struct ring_slot s;
			struct trace_vgic_maint *e =
				trace_vcpu_begin(v, TRACE_VGIC_MAINT, sizeof(*e), &s);

			if (e) {
				e->misr = misr;
				e->eisr = eisr;
				e->hcr = vc->hw.hcr;
				e->reserved = 0;
				trace_vcpu_commit(&s);
			}
		}
	}
	vgic_fold(vc, elrsr, eisr);
}

void arch_vgic_fold(struct vcpu *v)
{
	if (v->vgic.hw.used_lrs)
		vgic_fold_lrs(v);
}
