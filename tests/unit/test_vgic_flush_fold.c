/*
 * hyp/vgic: injection, flush into list registers, the guest acting on them
 * (played by the virtual CPU interface model, as the hardware would), fold
 * back, maintenance interrupts, and LR overflow with QEMU's 4 LRs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/vgic/vgic.h"
#include "tests/vgic_model.h"

#define NR_LRS 4u

struct fx {
	struct vgic_vm vm;
	struct vgic_cpu cpu[2];
	unsigned kicks[VGIC_MAX_VCPUS];
	unsigned nr_kicks;
};

static void count_kick(void *opaque, unsigned vcpu_id)
{
	struct fx *f = opaque;

	assert_true(vcpu_id < VGIC_MAX_VCPUS);
	f->kicks[vcpu_id]++;
	f->nr_kicks++;
}

static uint64_t dist_rd(struct fx *f, uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeef;

	assert_true(vgic_dist_mmio(&f->vm, 0, off, size, false, &v));
	return v;
}

static void dist_wr(struct fx *f, uint64_t off, unsigned size, uint64_t v)
{
	assert_true(vgic_dist_mmio(&f->vm, 0, off, size, true, &v));
}

static void redist_wr(struct fx *f, unsigned vcpu, uint64_t off, unsigned size, uint64_t v)
{
	assert_true(vgic_redist_mmio(&f->vm, vcpu * VGIC_REDIST_STRIDE + off, size, true, &v));
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	vgic_vm_init(&f->vm, 2, count_kick, f);
	for (unsigned i = 0; i < 2; i++) {
		assert_true(vgic_cpu_init(&f->vm, &f->cpu[i], i));
		/* The guest's CPU interface: both groups on, nothing masked. */
		f->cpu[i].hw.vmcr = ICH_VMCR_VENG0 | ICH_VMCR_VENG1 | ICH_VMCR_VPMR_MASK;
	}
	dist_wr(f, 0x0000, 4, GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* An enabled Group 1 SPI with the given priority and trigger. */
static void spi_setup(struct fx *f, unsigned intid, uint8_t prio, bool edge)
{
	uint64_t cfg = dist_rd(f, 0x0c00 + intid / 16 * 4, 4);
	unsigned sh = (intid % 16) * 2 + 1;

	dist_wr(f, 0x0400 + intid, 1, prio);
	cfg = edge ? cfg | 1ull << sh : cfg & ~(1ull << sh);
	dist_wr(f, 0x0c00 + intid / 16 * 4, 4, cfg);
	dist_wr(f, 0x0100 + intid / 32 * 4, 4, 1ull << (intid % 32));
}

/* The vCPU leaves the guest: what the integrator reads back, then fold (and maint). */
static uint32_t guest_exit(struct vgic_cpu *vc)
{
	uint32_t elrsr = vgic_vif_elrsr(&vc->hw);
	uint32_t eisr = vgic_vif_eisr(&vc->hw);
	uint32_t misr = vgic_vif_misr(&vc->hw);

	vgic_fold(vc, elrsr, eisr);
	if (misr)
		vgic_maint(vc, misr);
	return misr;
}

static struct vgic_irq peek(struct fx *f, unsigned vcpu, unsigned intid)
{
	struct vgic_irq irq;

	assert_true(vgic_irq_peek(&f->vm, vcpu, intid, &irq));
	return irq;
}

static uint64_t lr_val(enum ich_lr_state st, bool g1, uint8_t prio, uint32_t vintid, bool eoi)
{
	struct ich_lr lr = {
		.state = st, .group1 = g1, .priority = prio, .vintid = vintid, .eoi = eoi,
	};

	return ich_lr_encode(&lr);
}

/* ---------------------------------------------------------------- edge */

static void test_flush_loads_pending_edge_exactly(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0xa0, true);
	assert_true(vgic_inject(&f->vm, 0, 40, true));
	assert_int_equal(f->kicks[0], 1);

	assert_int_equal(vgic_flush(vc, NR_LRS), 1);
	assert_int_equal(vc->hw.lr[0], lr_val(ICH_LR_STATE_PENDING, true, 0xa0, 40, false));
	for (unsigned i = 1; i < NR_LRS; i++)
		assert_int_equal(vc->hw.lr[i], 0);
	assert_int_equal(vc->hw.hcr, ICH_HCR_EN);
	assert_int_equal(vc->hw.used_lrs, 1);
}

static void test_fold_keeps_active_bit(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_irq irq;

	spi_setup(f, 40, 0xa0, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vgic_vif_ack(&vc->hw), 40);
	guest_exit(vc);

	irq = peek(f, 0, 40);
	assert_true(irq.active);
	assert_false(irq.pending_latch);
	assert_int_equal(irq.ap_vcpu, 0);
	assert_int_equal(irq.lr_vcpu, VGIC_NO_VCPU);

	assert_int_equal(vgic_flush(vc, NR_LRS), 1);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_ACTIVE);
}

static void test_edge_not_acknowledged_stays_pending_across_fold(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 41, 0x80, true);
	vgic_inject(&f->vm, 0, 41, true);
	vgic_flush(vc, NR_LRS);
	guest_exit(vc); /* exit before the guest took it */

	assert_true(peek(f, 0, 41).pending_latch);
	assert_int_equal(vgic_flush(vc, NR_LRS), 1);
	assert_int_equal(vc->hw.lr[0], lr_val(ICH_LR_STATE_PENDING, true, 0x80, 41, false));
}

static void test_edge_again_while_active_in_lr_becomes_pending_active(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0xa0, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vgic_vif_ack(&vc->hw), 40);
	f->kicks[0] = 0;
	/* Another CPU injects a second edge while the vCPU runs with it active. */
	vgic_inject(&f->vm, 0, 40, true);
	assert_int_equal(f->kicks[0], 1);
	guest_exit(vc);

	vgic_flush(vc, NR_LRS);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_PENDING_ACTIVE);
	/* EOI: the pending half is taken next. */
	assert_true(vgic_vif_eoi(&vc->hw, 40));
	assert_int_equal(vgic_vif_ack(&vc->hw), 40);
}

static void test_edge_eoi_frees_the_entry(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_irq irq;

	spi_setup(f, 40, 0xa0, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_flush(vc, NR_LRS);
	vgic_vif_ack(&vc->hw);
	assert_true(vgic_vif_eoi(&vc->hw, 40));
	/* Edge: no EOI maintenance request, the LR just empties. */
	assert_int_equal(vgic_vif_elrsr(&vc->hw) & 1, 1);
	assert_int_equal(vgic_vif_eisr(&vc->hw), 0);
	assert_int_equal(guest_exit(vc), 0);

	irq = peek(f, 0, 40);
	assert_false(irq.active);
	assert_false(irq.pending_latch);
	assert_int_equal(irq.ap_vcpu, VGIC_NO_VCPU);
	assert_int_equal(vc->ap_count, 0);
	assert_int_equal(vgic_flush(vc, NR_LRS), 0);
	assert_int_equal(vc->hw.lr[0], 0);
}

static void test_disabled_pending_interrupt_is_not_loaded(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0xa0, true);
	dist_wr(f, 0x0180 + 4, 4, 1u << 8); /* ICENABLER1: INTID 40 */
	vgic_inject(&f->vm, 0, 40, true);
	assert_int_equal(f->kicks[0], 0);
	assert_int_equal(vgic_flush(vc, NR_LRS), 0);
	assert_false(vgic_cpu_has_pending(vc));

	/* Enabling it delivers the pending edge. */
	dist_wr(f, 0x0100 + 4, 4, 1u << 8);
	assert_int_equal(f->kicks[0], 1);
	assert_true(vgic_cpu_has_pending(vc));
	assert_int_equal(vgic_flush(vc, NR_LRS), 1);
}

/* ---------------------------------------------------------------- level */

static void test_level_lr_requests_eoi_maintenance(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, VGIC_INTID_UART, 0x90, false);
	assert_true(vgic_uart_set_level(&f->vm, true));
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vc->hw.lr[0], lr_val(ICH_LR_STATE_PENDING, true, 0x90, 33, true));
}

static void test_level_still_high_after_eoi_is_delivered_again(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_snapshot snap;
	uint32_t misr;

	spi_setup(f, VGIC_INTID_UART, 0x90, false);
	vgic_uart_set_level(&f->vm, true);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vgic_vif_ack(&vc->hw), 33);
	vgic_vif_eoi(&vc->hw, 33);
	/* Deactivated with EOI set: EISR, not ELRSR, and a maintenance interrupt. */
	assert_int_equal(vgic_vif_eisr(&vc->hw), 1);
	assert_int_equal(vgic_vif_elrsr(&vc->hw) & 1, 0);
	misr = guest_exit(vc);
	assert_int_equal(misr, ICH_MISR_EOI);

	assert_true(peek(f, 0, 33).line_level);
	assert_int_equal(vgic_flush(vc, NR_LRS), 1);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_PENDING);
	vgic_snapshot(vc, &snap);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_EOI], 1);
	assert_int_equal(snap.maint_irqs, 1);
	assert_int_equal(snap.eisr_folded, 1);
}

static void test_level_lowered_while_active_is_not_delivered_again(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_irq irq;

	spi_setup(f, VGIC_INTID_UART, 0x90, false);
	vgic_uart_set_level(&f->vm, true);
	vgic_flush(vc, NR_LRS);
	vgic_vif_ack(&vc->hw);
	f->kicks[0] = 0;
	/* The guest's handler clears the UART interrupt (from another CPU's view). */
	vgic_uart_set_level(&f->vm, false);
	assert_int_equal(f->kicks[0], 1); /* the LR holder is made to exit */
	vgic_vif_eoi(&vc->hw, 33);
	guest_exit(vc);

	irq = peek(f, 0, 33);
	assert_false(irq.active);
	assert_false(vgic_irq_pending_view(&irq));
	assert_int_equal(vc->ap_count, 0);
	assert_int_equal(vgic_flush(vc, NR_LRS), 0);
}

static void test_level_dropped_before_ack_is_withdrawn(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, VGIC_INTID_UART, 0x90, false);
	vgic_uart_set_level(&f->vm, true);
	vgic_flush(vc, NR_LRS);
	vgic_uart_set_level(&f->vm, false);
	guest_exit(vc); /* LR still pending, line low */

	assert_int_equal(vc->ap_count, 0);
	assert_int_equal(vgic_flush(vc, NR_LRS), 0);
}

static void test_soft_pending_level_is_consumed_by_acknowledge(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 50, 0x40, false);
	dist_wr(f, 0x0200 + 4, 4, 1u << 18); /* ISPENDR1: INTID 50, line low */
	assert_int_equal(dist_rd(f, 0x0200 + 4, 4), 1u << 18);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(dist_rd(f, 0x0200 + 4, 4), 1u << 18); /* held by the LR */
	assert_int_equal(vgic_vif_ack(&vc->hw), 50);
	guest_exit(vc);

	assert_false(peek(f, 0, 50).pending_latch);
	assert_true(peek(f, 0, 50).active);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_ACTIVE);
	vgic_vif_eoi(&vc->hw, 50);
	guest_exit(vc);
	assert_int_equal(vc->ap_count, 0);
}

/* ---------------------------------------------------------------- HW-forwarded timer */

static void vtimer_setup(struct fx *f)
{
	redist_wr(f, 0, VGIC_SGI_FRAME + 0x0400 + 27, 1, 0xa0);
	redist_wr(f, 0, VGIC_SGI_FRAME + 0x0100, 4, 1u << 27);
	assert_true(vgic_set_hw_forward(&f->vm, 0, VGIC_INTID_VTIMER, 27));
}

static void test_hw_timer_lr_carries_pintid_and_no_eoi(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct ich_lr lr;

	vtimer_setup(f);
	assert_true(vgic_vtimer_fired(&f->vm, 0));
	assert_int_equal(vgic_flush(vc, NR_LRS), 1);
	ich_lr_decode(vc->hw.lr[0], &lr);
	assert_int_equal(lr.state, ICH_LR_STATE_PENDING);
	assert_true(lr.hw);
	assert_int_equal(lr.pintid, 27);
	assert_int_equal(lr.vintid, 27);
	/* Bits [44:32] are pINTID 27 and nothing else: no EOI request (bit 41). */
	assert_int_equal(vc->hw.lr[0] & ICH_LR_PINTID_MASK, 27ull << 32);
}

static void test_hw_deactivated_through_link_follows_its_line(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_irq irq;

	vtimer_setup(f);
	vgic_vtimer_fired(&f->vm, 0);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vgic_vif_ack(&vc->hw), 27);
	vgic_vif_eoi(&vc->hw, 27); /* also deactivates physical 27 */
	assert_int_equal(vgic_vif_elrsr(&vc->hw) & 1, 1);
	assert_int_equal(guest_exit(vc), 0); /* no maintenance interrupt for HW */

	/* The line is its source's (hyp/core/timer.c): still high, so the
	 * level interrupt is pending again, not dropped. */
	irq = peek(f, 0, 27);
	assert_false(irq.active);
	assert_true(irq.line_level);
	assert_int_equal(vgic_flush(vc, NR_LRS), 1);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_PENDING);
	assert_int_equal(guest_exit(vc), 0);

	/* The source drops it before the guest took it: gone from the LRs. */
	assert_true(vgic_inject(&f->vm, 0, 27, false));
	irq = peek(f, 0, 27);
	assert_false(irq.line_level);
	assert_int_equal(vc->ap_count, 0);
	assert_int_equal(vgic_flush(vc, NR_LRS), 0);
	assert_false(vgic_cpu_has_pending(vc));

	/* The physical timer fires again: delivered again. */
	vgic_vtimer_fired(&f->vm, 0);
	assert_int_equal(vgic_flush(vc, NR_LRS), 1);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_PENDING);
}

static void test_hw_active_is_never_loaded_pending_and_active(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	vtimer_setup(f);
	vgic_vtimer_fired(&f->vm, 0);
	vgic_flush(vc, NR_LRS);
	vgic_vif_ack(&vc->hw);
	guest_exit(vc); /* exits with 27 active, line still high */

	assert_true(peek(f, 0, 27).line_level);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_ACTIVE);
	assert_true(vc->hw.lr[0] & ICH_LR_HW);
	assert_false(vgic_cpu_has_pending(vc));
}

static void test_hw_active_interrupt_in_lr_still_folds_active(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	vtimer_setup(f);
	vgic_vtimer_fired(&f->vm, 0);
	vgic_flush(vc, NR_LRS);
	vgic_vif_ack(&vc->hw);
	guest_exit(vc);
	vgic_flush(vc, NR_LRS);
	vgic_vif_eoi(&vc->hw, 27);
	guest_exit(vc);
	assert_false(peek(f, 0, 27).active);
	assert_true(peek(f, 0, 27).line_level); /* the source's until it lowers it */
	assert_true(vgic_clear_hw_forward(&f->vm, 0, 27));
	assert_false(peek(f, 0, 27).hw);
}

/* ---------------------------------------------------------------- priorities */

static void test_lr_priority_is_exactly_the_readable_priority(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 60, 0xa7, true); /* low 3 bits are not implemented */
	assert_int_equal(dist_rd(f, 0x0400 + 60, 1), 0xa0);
	vgic_inject(&f->vm, 0, 60, true);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(ich_lr_get_priority(vc->hw.lr[0]), 0xa0);
}

static void test_vif_model_honours_vpmr_and_running_priority(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0x80, true);
	spi_setup(f, 41, 0x40, true);
	spi_setup(f, 42, 0x20, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_inject(&f->vm, 0, 41, true);
	vgic_flush(vc, NR_LRS);

	/* VPMR 0x40 masks both 0x40 and 0x80. */
	vc->hw.vmcr = (vc->hw.vmcr & ~ICH_VMCR_VPMR_MASK) | (0x40u << ICH_VMCR_VPMR_SHIFT);
	assert_int_equal(vgic_vif_hppi(&vc->hw), -1);
	vc->hw.vmcr = (vc->hw.vmcr & ~ICH_VMCR_VPMR_MASK) | (0x50u << ICH_VMCR_VPMR_SHIFT);
	assert_int_equal(vgic_vif_ack(&vc->hw), 41);
	assert_int_equal(vgic_vif_rpr(&vc->hw), 0x40);
	vc->hw.vmcr |= ICH_VMCR_VPMR_MASK;
	/* 0x80 cannot preempt running 0x40. */
	assert_int_equal(vgic_vif_hppi(&vc->hw), -1);
	guest_exit(vc);

	/* 0x20 arrives and preempts; flush orders the active one first. */
	vgic_inject(&f->vm, 0, 42, true);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[0]), 41);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_ACTIVE);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[1]), 42);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[2]), 40);
	assert_int_equal(vgic_vif_ack(&vc->hw), 42);
	assert_int_equal(vgic_vif_rpr(&vc->hw), 0x20);
}

static void test_vif_model_binary_point_limits_preemption(void **state)
{
	struct fx *f = *state;
	struct vgic_hw *hw = &f->cpu[0].hw;

	hw->nr_lrs = 2;
	hw->lr[0] = lr_val(ICH_LR_STATE_ACTIVE, true, 0x40, 40, false);
	hw->lr[1] = lr_val(ICH_LR_STATE_PENDING, true, 0x38, 41, false);
	hw->ap1r[0] = 1u << (0x40 >> 3);

	/* VBPR1 = 3: group priority [7:3], 0x38 preempts 0x40. */
	hw->vmcr = ICH_VMCR_VENG1 | ICH_VMCR_VPMR_MASK | (3u << ICH_VMCR_VBPR1_SHIFT);
	assert_int_equal(vgic_vif_hppi(hw), 1);
	/* Running 0x48: a pending 0x40 differs only in bit 3, part of Group 1's [7:3]... */
	hw->lr[0] = lr_val(ICH_LR_STATE_ACTIVE, true, 0x48, 40, false);
	hw->lr[1] = lr_val(ICH_LR_STATE_PENDING, true, 0x40, 41, false);
	hw->ap1r[0] = 1u << (0x48 >> 3);
	assert_int_equal(vgic_vif_hppi(hw), 1);
	/* ...but not of Group 0's [7:VBPR0+1] = [7:4] that VCBPR imposes with VBPR0 = 3. */
	hw->vmcr |= ICH_VMCR_VCBPR | (3u << ICH_VMCR_VBPR0_SHIFT);
	assert_int_equal(vgic_vif_hppi(hw), -1);
	hw->lr[0] = lr_val(ICH_LR_STATE_ACTIVE, true, 0x40, 40, false);
	hw->lr[1] = lr_val(ICH_LR_STATE_PENDING, true, 0x38, 41, false);
	hw->ap1r[0] = 1u << (0x40 >> 3);
	/* VBPR1 = 7: group priority [7], both are group priority 0: no preemption. */
	hw->vmcr = ICH_VMCR_VENG1 | ICH_VMCR_VPMR_MASK | (7u << ICH_VMCR_VBPR1_SHIFT);
	assert_int_equal(vgic_vif_hppi(hw), -1);
	/* VCBPR: Group 1 uses VBPR0 (here 2: [7:3]) the way Group 0 does. */
	hw->vmcr |= ICH_VMCR_VCBPR | (2u << ICH_VMCR_VBPR0_SHIFT);
	assert_int_equal(vgic_vif_hppi(hw), 1);
	/* Group 1 disabled: nothing is signalled. */
	hw->vmcr &= ~ICH_VMCR_VENG1;
	assert_int_equal(vgic_vif_hppi(hw), -1);
}

/* ---------------------------------------------------------------- overflow */

static void test_exactly_nr_lrs_fit_without_maintenance_requests(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	for (unsigned i = 0; i < NR_LRS; i++) {
		spi_setup(f, 40 + i, 0x80, true);
		vgic_inject(&f->vm, 0, 40 + i, true);
	}
	assert_int_equal(vgic_flush(vc, NR_LRS), NR_LRS);
	assert_int_equal(vc->hw.hcr, ICH_HCR_EN);
	assert_int_equal(vc->stats.overflows, 0);
}

static void test_one_more_than_nr_lrs_sets_uie_and_npie(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_snapshot snap;

	for (unsigned i = 0; i <= NR_LRS; i++) {
		spi_setup(f, 40 + i, (uint8_t)(0x80 - 8 * i), true);
		vgic_inject(&f->vm, 0, 40 + i, true);
	}
	assert_int_equal(vgic_flush(vc, NR_LRS), NR_LRS);
	assert_int_equal(vc->hw.hcr, ICH_HCR_EN | ICH_HCR_UIE | ICH_HCR_NPIE);
	/* The one left out is the lowest priority: INTID 40 (0x80). */
	for (unsigned i = 0; i < NR_LRS; i++)
		assert_int_not_equal(ich_lr_get_vintid(vc->hw.lr[i]), 40);
	vgic_snapshot(vc, &snap);
	assert_int_equal(snap.overflows, 1);
	assert_int_equal(snap.waiting, 1);
	assert_int_equal(snap.nr_flushed, NR_LRS);
	assert_int_equal(snap.hcr_flushed, ICH_HCR_EN | ICH_HCR_UIE | ICH_HCR_NPIE);
}

/* TRACE_ENTRY's pending_irqs: pending interrupts at the flush, loaded or waiting; not active ones. */
static void test_flush_counts_pending_in_lrs_and_waiting(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	for (unsigned i = 0; i <= NR_LRS; i++) {
		spi_setup(f, 40 + i, (uint8_t)(0x80 - 8 * i), true);
		vgic_inject(&f->vm, 0, 40 + i, true);
	}
	assert_int_equal(vgic_flush(vc, NR_LRS), NR_LRS);
	assert_int_equal(vc->pending_flushed, NR_LRS + 1);
	assert_int_equal(vc->hw.used_lrs, NR_LRS);
	/* The guest takes the highest: active now, no longer pending. */
	assert_int_equal(vgic_vif_ack(&vc->hw), 40 + NR_LRS);
	guest_exit(vc);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vc->pending_flushed, NR_LRS);
	assert_int_equal(vc->hw.used_lrs, NR_LRS);
}

/* 16 SPIs, priorities mixed and with ties. */
static const uint8_t mixed_prio[16] = {0x80, 0x10, 0xf0, 0x40, 0x10, 0xa0, 0x00, 0x58,
				       0x80, 0xc8, 0x28, 0x40, 0xf8, 0x08, 0x60, 0x98};

static void test_sixteen_pending_delivered_in_priority_order_through_4_lrs(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	uint32_t order[16];
	unsigned delivered = 0, cycles = 0;
	bool seen[16] = {false};
	struct vgic_snapshot snap;

	for (unsigned i = 0; i < 16; i++) {
		spi_setup(f, 64 + i, mixed_prio[i], true);
		vgic_inject(&f->vm, 0, 64 + i, true);
	}

	while (delivered < 16) {
		unsigned left = 16 - delivered;
		unsigned used = vgic_flush(vc, NR_LRS);
		uint32_t intid, misr;
		bool more = left > NR_LRS;

		assert_int_equal(used, more ? NR_LRS : left);
		/* UIE and NPIE exactly while more wait than the LRs hold. */
		assert_int_equal(vc->hw.hcr, ICH_HCR_EN | (more ? ICH_HCR_UIE | ICH_HCR_NPIE : 0));

		/* The guest takes and completes everything it is offered. */
		while ((intid = vgic_vif_ack(&vc->hw)) != 1023) {
			assert_in_range(intid, 64, 79);
			order[delivered++] = intid;
			assert_true(vgic_vif_eoi(&vc->hw, intid));
		}
		misr = guest_exit(vc);
		/* The exit came from the maintenance interrupt iff something waited. */
		assert_int_equal(misr, more ? ICH_MISR_U | ICH_MISR_NP : 0);
		assert_true(++cycles <= 4);
	}

	assert_int_equal(cycles, 4);
	for (unsigned i = 0; i < 16; i++) {
		unsigned k = order[i] - 64;

		assert_false(seen[k]);
		seen[k] = true;
		if (i > 0)
			assert_true(mixed_prio[order[i - 1] - 64] <= mixed_prio[k]);
	}
	assert_int_equal(vc->ap_count, 0);
	vgic_snapshot(vc, &snap);
	assert_int_equal(snap.overflows, 3);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_U], 3);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_NP], 3);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_EOI], 0);
	assert_int_equal(snap.flushes, 4);
	assert_int_equal(snap.folds, 4);
}

static void test_partial_ack_then_exit_refills_with_next_highest(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	uint8_t prios[NR_LRS];

	for (unsigned i = 0; i < 16; i++) {
		spi_setup(f, 64 + i, mixed_prio[i], true);
		vgic_inject(&f->vm, 0, 64 + i, true);
	}
	vgic_flush(vc, NR_LRS);
	/* Top four: 0x00 (70), 0x08 (77), 0x10 (65), 0x10 (68). */
	assert_int_equal(vgic_vif_ack(&vc->hw), 70);
	vgic_vif_eoi(&vc->hw, 70);
	assert_int_equal(vgic_vif_ack(&vc->hw), 77);
	vgic_vif_eoi(&vc->hw, 77);
	assert_int_equal(guest_exit(vc), 0); /* two pending LRs left: no maintenance */

	assert_int_equal(vc->ap_count, 14);
	vgic_flush(vc, NR_LRS);
	for (unsigned i = 0; i < NR_LRS; i++)
		prios[i] = ich_lr_get_priority(vc->hw.lr[i]);
	/* 65 and 68 still pending, then 0x28 (74) and 0x40 (67). */
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[0]), 65);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[1]), 68);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[2]), 74);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[3]), 67);
	assert_int_equal(prios[3], 0x40);
}

static void test_higher_priority_injected_during_overflow_goes_first(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	for (unsigned i = 0; i < 8; i++) {
		spi_setup(f, 64 + i, 0x80, true);
		vgic_inject(&f->vm, 0, 64 + i, true);
	}
	spi_setup(f, 90, 0x00, true);
	vgic_flush(vc, NR_LRS);
	vgic_inject(&f->vm, 0, 90, true); /* arrives while the guest runs */
	assert_int_equal(f->kicks[0], 9);
	guest_exit(vc);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vgic_vif_ack(&vc->hw), 90);
}

static void test_active_overflow_keeps_a_slot_for_pending_and_asks_lrenp(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	/* Five nested actives (made active through ISACTIVER) and one pending. */
	for (unsigned i = 0; i < 5; i++) {
		spi_setup(f, 64 + i, (uint8_t)(0x20 + 8 * i), true);
		dist_wr(f, 0x0300 + 8, 4, 1u << i);
	}
	spi_setup(f, 80, 0x00, true);
	vgic_inject(&f->vm, 0, 80, true);

	assert_int_equal(vgic_flush(vc, NR_LRS), NR_LRS);
	assert_int_equal(vc->hw.hcr, ICH_HCR_EN | ICH_HCR_UIE | ICH_HCR_LRENPIE);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[0]), 64);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[1]), 65);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[2]), 66);
	assert_int_equal(vc->hw.lr[3], lr_val(ICH_LR_STATE_PENDING, true, 0x00, 80, false));
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(ich_lr_get_state(vc->hw.lr[i]), ICH_LR_STATE_ACTIVE);
}

static void test_eoicount_deactivates_the_left_out_active(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_snapshot snap;

	for (unsigned i = 0; i < 5; i++) {
		spi_setup(f, 64 + i, (uint8_t)(0x20 + 8 * i), true);
		dist_wr(f, 0x0300 + 8, 4, 1u << i);
	}
	spi_setup(f, 80, 0x00, true);
	vgic_inject(&f->vm, 0, 80, true);
	vgic_flush(vc, NR_LRS);

	/* The guest EOIs 67 and 68, which no LR holds: EOIcount 2. */
	assert_false(vgic_vif_eoi(&vc->hw, 67));
	assert_false(vgic_vif_eoi(&vc->hw, 68));
	assert_int_equal(vgic_vif_misr(&vc->hw) & ICH_MISR_LRENP, ICH_MISR_LRENP);
	guest_exit(vc);

	assert_false(peek(f, 0, 67).active);
	assert_false(peek(f, 0, 68).active);
	assert_true(peek(f, 0, 64).active);
	assert_true(peek(f, 0, 66).active);
	assert_int_equal(vc->ap_count, 4);
	vgic_snapshot(vc, &snap);
	assert_int_equal(snap.eoicount, 2);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_LRENP], 1);

	/* Now all fit: no maintenance requests, EOIcount cleared. */
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vc->hw.hcr, ICH_HCR_EN);
}

/* ---------------------------------------------------------------- maintenance, snapshot */

static void test_maint_counts_causes_and_drops_fired_enables(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_snapshot snap;

	vc->hw.hcr = ICH_HCR_EN | ICH_HCR_UIE | ICH_HCR_NPIE | ICH_HCR_LRENPIE;
	vgic_maint(vc, ICH_MISR_U | ICH_MISR_EOI);
	assert_int_equal(vc->hw.hcr, ICH_HCR_EN | ICH_HCR_NPIE | ICH_HCR_LRENPIE);
	vgic_maint(vc, ICH_MISR_NP | ICH_MISR_VGRP1E);
	assert_int_equal(vc->hw.hcr, ICH_HCR_EN | ICH_HCR_LRENPIE);

	vgic_snapshot(vc, &snap);
	assert_int_equal(snap.maint_irqs, 2);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_U], 1);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_EOI], 1);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_NP], 1);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_VGRP1E], 1);
	assert_int_equal(snap.maint[ICH_MISR_CAUSE_LRENP], 0);
	assert_int_equal(snap.misr_last, ICH_MISR_NP | ICH_MISR_VGRP1E);
}

static void test_snapshot_has_lrs_as_flushed_and_as_folded(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_snapshot snap;

	spi_setup(f, 40, 0xa0, true);
	spi_setup(f, 41, 0x90, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_inject(&f->vm, 0, 41, true);
	vgic_flush(vc, NR_LRS);
	vgic_vif_ack(&vc->hw); /* 41 becomes active */
	guest_exit(vc);

	vgic_snapshot(vc, &snap);
	assert_int_equal(snap.lr_flushed[0], lr_val(ICH_LR_STATE_PENDING, true, 0x90, 41, false));
	assert_int_equal(snap.lr_flushed[1], lr_val(ICH_LR_STATE_PENDING, true, 0xa0, 40, false));
	assert_int_equal(snap.lr_folded[0], lr_val(ICH_LR_STATE_ACTIVE, true, 0x90, 41, false));
	assert_int_equal(snap.lr_folded[1], lr_val(ICH_LR_STATE_PENDING, true, 0xa0, 40, false));
	assert_int_equal(snap.lr_folded[2], 0);
	assert_int_equal(snap.nr_flushed, 2);
	assert_int_equal(snap.elrsr_folded, 0xc);
	assert_int_equal(snap.ap_count, 2);
}

static void test_flush_again_without_exit_reloads_the_same_lrs(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	uint64_t first[NR_LRS];

	spi_setup(f, 40, 0xa0, true);
	spi_setup(f, VGIC_INTID_UART, 0x90, false);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_uart_set_level(&f->vm, true);
	vgic_flush(vc, NR_LRS);
	memcpy(first, vc->hw.lr, sizeof(first));
	vgic_flush(vc, NR_LRS);
	assert_memory_equal(first, vc->hw.lr, sizeof(first));
	assert_int_equal(vc->stats.folds, 1);
}

static void test_spi_routed_to_other_vcpu_is_loaded_there_only(void **state)
{
	struct fx *f = *state;

	spi_setup(f, 45, 0x50, true);
	dist_wr(f, 0x6000 + 8 * 45, 8, 1); /* Aff0 = 1 */
	vgic_inject(&f->vm, 0, 45, true);
	assert_int_equal(f->kicks[1], 1);
	assert_int_equal(f->kicks[0], 0);
	assert_int_equal(vgic_flush(&f->cpu[0], NR_LRS), 0);
	assert_int_equal(vgic_flush(&f->cpu[1], NR_LRS), 1);
	assert_int_equal(ich_lr_get_vintid(f->cpu[1].hw.lr[0]), 45);
}

static void test_retarget_while_active_moves_after_deactivation(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *c0 = &f->cpu[0], *c1 = &f->cpu[1];

	spi_setup(f, 45, 0x50, true);
	vgic_inject(&f->vm, 0, 45, true);
	vgic_flush(c0, NR_LRS);
	vgic_vif_ack(&c0->hw);
	/* Routed to vCPU 1 while vCPU 0 runs its handler; a new edge comes. */
	dist_wr(f, 0x6000 + 8 * 45, 8, 1);
	vgic_inject(&f->vm, 0, 45, true);
	guest_exit(c0);
	assert_int_equal(peek(f, 0, 45).ap_vcpu, 0); /* active stays on vCPU 0 */
	vgic_flush(c0, NR_LRS);
	/* Pending part held back for vCPU 1; EOI maintenance to hand it over. */
	assert_int_equal(c0->hw.lr[0], lr_val(ICH_LR_STATE_ACTIVE, true, 0x50, 45, true));
	f->kicks[1] = 0;
	vgic_vif_eoi(&c0->hw, 45);
	assert_int_equal(guest_exit(c0), ICH_MISR_EOI);
	assert_int_equal(peek(f, 0, 45).ap_vcpu, 1);
	assert_int_equal(f->kicks[1], 1);
	assert_int_equal(vgic_flush(c1, NR_LRS), 1);
	assert_int_equal(ich_lr_get_state(c1->hw.lr[0]), ICH_LR_STATE_PENDING);
}

static void test_inject_rejects_unknown_intid_and_vcpu(void **state)
{
	struct fx *f = *state;

	assert_false(vgic_inject(&f->vm, 0, VGIC_NR_IRQS, true));
	assert_false(vgic_inject(&f->vm, 2, 20, true)); /* PPI of a vCPU that does not exist */
	assert_true(vgic_inject(&f->vm, 7, 40, true)); /* SPIs ignore the vCPU */
	assert_false(vgic_set_hw_forward(&f->vm, 0, 27, 5000));
}

/* ---------------------------------------------------------------- changes while an LR holds it */

static void test_clear_pending_from_another_vcpu_while_in_lr(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0xa0, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_flush(vc, NR_LRS);
	f->kicks[0] = 0;
	dist_wr(f, 0x0280 + 4, 4, 1u << 8); /* ICPENDR1 by vCPU 1 */
	assert_int_equal(dist_rd(f, 0x0200 + 4, 4), 0);
	assert_int_equal(f->kicks[0], 1);
	guest_exit(vc); /* the LR still says pending */

	assert_false(peek(f, 0, 40).pending_latch);
	assert_int_equal(vc->ap_count, 0);
	assert_int_equal(vgic_flush(vc, NR_LRS), 0);
}

static void test_set_active_from_another_vcpu_while_in_lr(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0xa0, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_flush(vc, NR_LRS);
	dist_wr(f, 0x0300 + 4, 4, 1u << 8); /* ISACTIVER1 */
	assert_int_equal(dist_rd(f, 0x0300 + 4, 4), 1u << 8);
	guest_exit(vc); /* LR: pending, not active */

	assert_true(peek(f, 0, 40).active);
	assert_true(peek(f, 0, 40).pending_latch);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_PENDING_ACTIVE);

	/* And cleared again while loaded: the LR's active state is dropped. */
	dist_wr(f, 0x0380 + 4, 4, 1u << 8); /* ICACTIVER1 */
	assert_int_equal(dist_rd(f, 0x0300 + 4, 4), 0);
	guest_exit(vc);
	assert_false(peek(f, 0, 40).active);
}

static void test_fold_trusts_elrsr_over_stale_lr_values(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];
	struct vgic_hw seen;
	uint32_t elrsr, eisr;

	spi_setup(f, 40, 0xa0, true);
	spi_setup(f, 41, 0xb0, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_inject(&f->vm, 0, 41, true);
	vgic_flush(vc, NR_LRS);
	/* The guest runs on the hardware's copy... */
	seen = vc->hw;
	assert_int_equal(vgic_vif_ack(&seen), 40);
	vgic_vif_eoi(&seen, 40);
	elrsr = vgic_vif_elrsr(&seen);
	eisr = vgic_vif_eisr(&seen);
	assert_int_equal(elrsr & 1, 1);
	/* ...and the integrator reads back only the LRs ELRSR calls in use. */
	for (unsigned i = 0; i < vc->hw.used_lrs; i++)
		if (!(elrsr & (1u << i)))
			vc->hw.lr[i] = seen.lr[i];
	vgic_fold(vc, elrsr, eisr);

	assert_false(peek(f, 0, 40).pending_latch);
	assert_false(peek(f, 0, 40).active);
	assert_true(peek(f, 0, 41).pending_latch);
	assert_int_equal(vc->ap_count, 1);
	assert_int_equal(vc->lr_folded[0], vc->lr_flushed[0] & ~ICH_LR_STATE_MASK);
	assert_int_equal(vc->stats.lr_mismatches, 0);
}

static void test_priority_change_while_in_lr_keeps_flush_order(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0x10, true); /* A */
	spi_setup(f, 41, 0x20, true); /* X */
	spi_setup(f, 42, 0x60, true); /* B */
	spi_setup(f, 43, 0x70, true); /* D */
	spi_setup(f, 44, 0x18, true); /* E */
	spi_setup(f, 45, 0x08, true); /* C */
	for (unsigned i = 40; i < 44; i++)
		vgic_inject(&f->vm, 0, i, true);
	assert_int_equal(vgic_flush(vc, 2), 2); /* A and X in the LRs */

	/* While the guest runs: E arrives, X's priority changes, C arrives. */
	vgic_inject(&f->vm, 0, 44, true);
	dist_wr(f, 0x0400 + 41, 1, 0x00);
	vgic_inject(&f->vm, 0, 45, true);
	guest_exit(vc);

	/* Highest two now: X (0x00) and C (0x08). */
	assert_int_equal(vgic_flush(vc, 2), 2);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[0]), 41);
	assert_int_equal(ich_lr_get_vintid(vc->hw.lr[1]), 45);
	assert_int_equal(ich_lr_get_priority(vc->hw.lr[0]), 0x00);
}

static void test_group0_interrupt_loads_without_group_bit_and_activates_in_ap0r(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0x30, true);
	dist_wr(f, 0x0080 + 4, 4, ~(1u << 8)); /* IGROUPR1: INTID 40 in Group 0 */
	vgic_inject(&f->vm, 0, 40, true);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(vc->hw.lr[0], lr_val(ICH_LR_STATE_PENDING, false, 0x30, 40, false));
	assert_int_equal(vgic_vif_ack(&vc->hw), 40);
	assert_int_equal(vc->hw.ap0r[0], 1u << (0x30 >> 3));
	assert_int_equal(vc->hw.ap1r[0], 0);
	assert_int_equal(vgic_vif_rpr(&vc->hw), 0x30);

	/* Group 0 disabled at the distributor: withdrawn, but the active one stays. */
	dist_wr(f, 0x0000, 4, GICD_CTLR_ENABLE_G1);
	vgic_inject(&f->vm, 0, 40, true);
	guest_exit(vc);
	vgic_flush(vc, NR_LRS);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_ACTIVE);
}

static void test_fold_counts_an_lr_read_back_with_another_vintid(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[0];

	spi_setup(f, 40, 0x30, true);
	vgic_inject(&f->vm, 0, 40, true);
	vgic_flush(vc, NR_LRS);
	vc->hw.lr[0] = lr_val(ICH_LR_STATE_PENDING, true, 0x30, 41, false); /* integrator bug */
	vgic_fold(vc, 0, 0);
	assert_int_equal(vc->stats.lr_mismatches, 1);
	/* The state still goes to the interrupt flush loaded there. */
	assert_true(peek(f, 0, 40).pending_latch);
	assert_false(peek(f, 0, 41).pending_latch);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_flush_loads_pending_edge_exactly),
		T(test_fold_keeps_active_bit),
		T(test_edge_not_acknowledged_stays_pending_across_fold),
		T(test_edge_again_while_active_in_lr_becomes_pending_active),
		T(test_edge_eoi_frees_the_entry),
		T(test_disabled_pending_interrupt_is_not_loaded),
		T(test_level_lr_requests_eoi_maintenance),
		T(test_level_still_high_after_eoi_is_delivered_again),
		T(test_level_lowered_while_active_is_not_delivered_again),
		T(test_level_dropped_before_ack_is_withdrawn),
		T(test_soft_pending_level_is_consumed_by_acknowledge),
		T(test_hw_timer_lr_carries_pintid_and_no_eoi),
		T(test_hw_deactivated_through_link_follows_its_line),
		T(test_hw_active_is_never_loaded_pending_and_active),
		T(test_hw_active_interrupt_in_lr_still_folds_active),
		T(test_lr_priority_is_exactly_the_readable_priority),
		T(test_vif_model_honours_vpmr_and_running_priority),
		T(test_vif_model_binary_point_limits_preemption),
		T(test_exactly_nr_lrs_fit_without_maintenance_requests),
		T(test_one_more_than_nr_lrs_sets_uie_and_npie),
		T(test_flush_counts_pending_in_lrs_and_waiting),
		T(test_sixteen_pending_delivered_in_priority_order_through_4_lrs),
		T(test_partial_ack_then_exit_refills_with_next_highest),
		T(test_higher_priority_injected_during_overflow_goes_first),
		T(test_active_overflow_keeps_a_slot_for_pending_and_asks_lrenp),
		T(test_eoicount_deactivates_the_left_out_active),
		T(test_maint_counts_causes_and_drops_fired_enables),
		T(test_snapshot_has_lrs_as_flushed_and_as_folded),
		T(test_flush_again_without_exit_reloads_the_same_lrs),
		T(test_spi_routed_to_other_vcpu_is_loaded_there_only),
		T(test_retarget_while_active_moves_after_deactivation),
		T(test_inject_rejects_unknown_intid_and_vcpu),
		T(test_clear_pending_from_another_vcpu_while_in_lr),
		T(test_set_active_from_another_vcpu_while_in_lr),
		T(test_fold_trusts_elrsr_over_stale_lr_values),
		T(test_priority_change_while_in_lr_keeps_flush_order),
		T(test_group0_interrupt_loads_without_group_bit_and_activates_in_ap0r),
		T(test_fold_counts_an_lr_read_back_with_another_vintid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
