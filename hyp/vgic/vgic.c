/*
 * Virtual GICv3 core: interrupt state, the per-vCPU ap_list, flush to and fold
 * from the list registers, maintenance interrupts, SGIs. (The model of the
 * virtual CPU interface the tests play the guest with is tests/vgic_model.h.)
 *
 * State model. Between fold and the next flush (the vCPU is not in the guest)
 * struct vgic_irq is the whole truth. Between flush and fold the LR is the
 * truth for the pending and active state of the interrupts it holds: the
 * guest acknowledges and deactivates them without exiting. Changes other
 * CPUs make meanwhile are recorded (pending_latch, lr_req) and merged at
 * fold; the vCPU holding the LR is kicked so that happens soon.
 */
#include <string.h>

#include "hyp/vgic/vgic.h"

#define BIT32(n) (1u << (n))

/* ---------------------------------------------------------------- lookup */

struct vgic_irq *vgic_get_irq(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid)
{
	if (intid < VGIC_NR_PRIVATE) {
		if (vcpu_id >= vm->nr_vcpus || !vm->cpus[vcpu_id])
			return NULL;
		return &vm->cpus[vcpu_id]->private_irqs[intid];
	}
	if (intid < VGIC_NR_IRQS)
		return &vm->spis[intid - VGIC_NR_PRIVATE];
	if (vgic_is_lpi(intid))
		return &vm->lpis[intid - VGIC_LPI_BASE];
	return NULL;
}

uint8_t vgic_route(const struct vgic_vm *vm, uint64_t irouter)
{
	/* GICD_IROUTER: Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0]. */
	uint32_t aff = (uint32_t)((irouter >> 8) & 0xff000000u) | (uint32_t)(irouter & 0xffffffu);

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->cpus[i] && vgic_affinity(i) == aff)
			return (uint8_t)i;
	return VGIC_NO_VCPU;
}

/* ---------------------------------------------------------------- interrupt state */

static bool irq_pending(const struct vgic_irq *irq)
{
	return irq->pending_latch || (!irq->edge && irq->line_level);
}

bool vgic_irq_pending_view(const struct vgic_irq *irq)
{
	if (irq_pending(irq))
		return true;
	/* An LR holds the pending edge (or ISPENDR state) it was handed. */
	return irq->lr_vcpu != VGIC_NO_VCPU && irq->latch_in_lr &&
	       !(irq->lr_req & VGIC_LR_REQ_CLR_PEND);
}

bool vgic_irq_active_view(const struct vgic_irq *irq)
{
	if (irq->lr_req & VGIC_LR_REQ_SET_ACT)
		return true;
	if (irq->lr_req & VGIC_LR_REQ_CLR_ACT)
		return false;
	return irq->active;
}

static bool group_enabled(const struct vgic_vm *vm, const struct vgic_irq *irq)
{
	/*
	 * LPIs bypass the distributor: their target redistributor's
	 * GICR_CTLR.EnableLPIs gates them (IHI 0069, "LPIs").
	 */
	if (irq->intid >= VGIC_LPI_BASE)
		return irq->target < vm->nr_vcpus && vm->cpus[irq->target] &&
		       vm->cpus[irq->target]->lpis_enabled;
	return vm->ctlr & (irq->group1 ? GICD_CTLR_ENABLE_G1 : GICD_CTLR_ENABLE_G0);
}

/* The distributor forwards it: pending, enabled, its group enabled. */
static bool irq_deliverable(const struct vgic_vm *vm, const struct vgic_irq *irq)
{
	return irq_pending(irq) && irq->enabled && group_enabled(vm, irq);
}

/* Belongs on an ap_list: deliverable, or active (its deactivation needs an LR). */
static bool irq_in_flight(const struct vgic_vm *vm, const struct vgic_irq *irq)
{
	return irq->active || irq_deliverable(vm, irq);
}

/* ---------------------------------------------------------------- ap_list */

static struct vgic_irq *ap_irq(struct vgic_cpu *vc, unsigned i)
{
	return vgic_get_irq(vc->vm, vc->id, vc->ap_list[i]);
}

/* Flush order: active first (they must get an LR to be deactivated), then priority, then INTID. */
static bool ap_before(const struct vgic_irq *a, const struct vgic_irq *b)
{
	if (a->active != b->active)
		return a->active;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->intid < b->intid;
}

static void ap_insert(struct vgic_cpu *vc, struct vgic_irq *irq)
{
	unsigned pos = vc->ap_count;

	/* Each interrupt is on at most one list, so a list never exceeds VGIC_AP_MAX. */
	if (vc->ap_count >= VGIC_AP_MAX)
		return;
	while (pos > 0 && ap_before(irq, ap_irq(vc, pos - 1))) {
		vc->ap_list[pos] = vc->ap_list[pos - 1];
		pos--;
	}
	vc->ap_list[pos] = irq->intid;
	vc->ap_count++;
	irq->ap_vcpu = (uint8_t)vc->id;
}

static void ap_remove(struct vgic_cpu *vc, struct vgic_irq *irq)
{
	for (unsigned i = 0; i < vc->ap_count; i++) {
		if (vc->ap_list[i] != irq->intid)
			continue;
		memmove(&vc->ap_list[i], &vc->ap_list[i + 1],
			(vc->ap_count - i - 1) * sizeof(vc->ap_list[0]));
		vc->ap_count--;
		break;
	}
	irq->ap_vcpu = VGIC_NO_VCPU;
}

/*
 * Insertion sort, linear on a sorted list. Needed before each flush: while a
 * running vCPU's LR holds an interrupt, its priority can change under it
 * (GICD_IPRIORITYR from another vCPU) and later insertions compare against
 * the new key; fold puts it back in place, but its neighbours may be left
 * out of order.
 */
static void ap_sort(struct vgic_cpu *vc)
{
	for (unsigned i = 1; i < vc->ap_count; i++) {
		uint16_t intid = vc->ap_list[i];
		struct vgic_irq *irq = ap_irq(vc, i);
		unsigned j = i;

		while (j > 0 && ap_before(irq, ap_irq(vc, j - 1))) {
			vc->ap_list[j] = vc->ap_list[j - 1];
			j--;
		}
		vc->ap_list[j] = intid;
	}
}

void vgic_irq_update(struct vgic_vm *vm, struct vgic_irq *irq, uint32_t *kicks)
{
	unsigned dest;

	if (irq->lr_vcpu != VGIC_NO_VCPU) {
		/*
		 * A running vCPU's LR holds it: its LR is the truth until fold,
		 * which comes back here. Make that vCPU exit so the change
		 * reaches the guest.
		 */
		*kicks |= BIT32(irq->lr_vcpu);
		return;
	}

	if (irq->sdei_bound) {
		/* Bound to an SDEI event: the dispatcher reads its pending
		 * state before the next entry of the vCPUs kicked here. */
		if (irq->ap_vcpu != VGIC_NO_VCPU)
			ap_remove(vm->cpus[irq->ap_vcpu], irq);
		if (irq_pending(irq))
			*kicks |= irq->sdei_kick;
		return;
	}
	dest = irq->target;
	if (irq->ap_vcpu != VGIC_NO_VCPU) {
		struct vgic_cpu *cur = vm->cpus[irq->ap_vcpu];

		/* Removed and inserted again: the sort key may have changed. */
		ap_remove(cur, irq);
		/* An active interrupt stays where it is active until deactivated. */
		if (irq->active)
			dest = cur->id;
	}
	if (!irq_in_flight(vm, irq))
		return;
	if (dest >= vm->nr_vcpus || !vm->cpus[dest])
		return; /* routed nowhere: stays pending until IROUTER names a vCPU */
	ap_insert(vm->cpus[dest], irq);
	if (irq_deliverable(vm, irq))
		*kicks |= BIT32(dest);
}

void vgic_update_all(struct vgic_vm *vm, uint32_t *kicks)
{
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++)
		vgic_irq_update(vm, &vm->spis[i], kicks);
	for (unsigned i = 0; i < VGIC_NR_LPIS; i++)
		if (vm->lpis[i].target != VGIC_NO_VCPU)
			vgic_irq_update(vm, &vm->lpis[i], kicks);
	for (unsigned c = 0; c < vm->nr_vcpus; c++) {
		if (!vm->cpus[c])
			continue;
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			vgic_irq_update(vm, &vm->cpus[c]->private_irqs[i], kicks);
	}
}

void vgic_kick(struct vgic_vm *vm, uint32_t kicks)
{
	if (!vm->kick)
		return;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (kicks & BIT32(i))
			vm->kick(vm->opaque, i);
}

/* ---------------------------------------------------------------- setup */

static void irq_reset(struct vgic_irq *irq, unsigned intid, uint8_t target)
{
	memset(irq, 0, sizeof(*irq));
	irq->intid = (uint16_t)intid;
	irq->target = target;
	irq->ap_vcpu = VGIC_NO_VCPU;
	irq->lr_vcpu = VGIC_NO_VCPU;
	irq->group1 = true;
	irq->edge = intid < VGIC_NR_SGIS; /* SGIs are always edge-triggered */
}

void vgic_vm_init(struct vgic_vm *vm, unsigned nr_vcpus, vgic_kick_fn kick, void *opaque)
{
	memset(vm, 0, sizeof(*vm));
	if (nr_vcpus > VGIC_MAX_VCPUS)
		nr_vcpus = VGIC_MAX_VCPUS;
	vm->nr_vcpus = nr_vcpus;
	vm->kick = kick;
	vm->opaque = opaque;
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++)
		irq_reset(&vm->spis[i], VGIC_NR_PRIVATE + i, 0); /* IROUTER 0: vCPU 0 */
	/* LPIs: edge-triggered Group 1, disabled until their configuration is read. */
	for (unsigned i = 0; i < VGIC_NR_LPIS; i++) {
		irq_reset(&vm->lpis[i], VGIC_LPI_BASE + i, VGIC_NO_VCPU);
		vm->lpis[i].edge = true;
	}
}

bool vgic_cpu_init(struct vgic_vm *vm, struct vgic_cpu *vc, unsigned vcpu_id)
{
	uint32_t kicks = 0;

	if (vcpu_id >= vm->nr_vcpus)
		return false;
	memset(vc, 0, sizeof(*vc));
	vc->vm = vm;
	vc->id = vcpu_id;
	vc->waker = GICR_WAKER_PROCESSOR_SLEEP;
	for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
		irq_reset(&vc->private_irqs[i], i, (uint8_t)vcpu_id);
	spin_lock(&vm->lock);
	vm->cpus[vcpu_id] = vc;
	/* SPIs routed to this vCPU before it existed reach it now. */
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++) {
		struct vgic_irq *irq = &vm->spis[i];

		if (irq->target == VGIC_NO_VCPU)
			irq->target = vgic_route(vm, irq->irouter);
		if (irq->target == vcpu_id)
			vgic_irq_update(vm, irq, &kicks);
	}
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return true;
}

/* ---------------------------------------------------------------- injection */

bool vgic_inject(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, bool level)
{
	struct vgic_irq *irq;
	uint32_t kicks = 0;

	spin_lock(&vm->lock);
	irq = vgic_get_irq(vm, vcpu_id, intid);
	if (!irq) {
		spin_unlock(&vm->lock);
		return false;
	}
	if (irq->edge && level)
		irq->pending_latch = true;
	irq->line_level = level;
	vgic_irq_update(vm, irq, &kicks);
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return true;
}

static bool set_hw(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, bool hw, unsigned pintid)
{
	struct vgic_irq *irq;
	uint32_t kicks = 0;

	if (pintid > ICH_LR_PINTID_MAX)
		return false;
	spin_lock(&vm->lock);
	irq = vgic_get_irq(vm, vcpu_id, intid);
	if (irq) {
		irq->hw = hw;
		irq->pintid = hw ? (uint16_t)pintid : 0;
		vgic_irq_update(vm, irq, &kicks);
	}
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return irq != NULL;
}

bool vgic_set_hw_forward(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, unsigned pintid)
{
	return set_hw(vm, vcpu_id, intid, true, pintid);
}

bool vgic_clear_hw_forward(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid)
{
	return set_hw(vm, vcpu_id, intid, false, 0);
}

/* ---------------------------------------------------------------- fold */

static void fold_locked(struct vgic_cpu *vc, uint32_t elrsr, uint32_t eisr, uint32_t *kicks)
{
	struct vgic_vm *vm = vc->vm;
	unsigned eoicount = (vc->hw.hcr & ICH_HCR_EOICOUNT_MASK) >> ICH_HCR_EOICOUNT_SHIFT;
	uint16_t done[32];
	unsigned nr_done = 0;

	/*
	 * EOIcount: the guest deactivated interrupts that no LR held. Only the
	 * active ones flush left out can be such; with EOImode 0 the guest
	 * deactivates its highest-priority active interrupt first, so take them
	 * in ap_list order (active first, highest priority first).
	 */
	for (unsigned i = 0; i < vc->ap_count && nr_done < eoicount; i++) {
		struct vgic_irq *irq = ap_irq(vc, i);

		if (!irq || !irq->active)
			break; /* actives come first */
		if (irq->lr_vcpu == VGIC_NO_VCPU)
			done[nr_done++] = irq->intid;
	}
	for (unsigned i = 0; i < nr_done; i++) {
		struct vgic_irq *irq = vgic_get_irq(vm, vc->id, done[i]);

		irq->active = false;
		vc->stats.eoicount++;
		vgic_irq_update(vm, irq, kicks);
	}

	if (vc->hw.used_lrs > VGIC_MAX_LRS)
		vc->hw.used_lrs = VGIC_MAX_LRS;
	for (unsigned i = 0; i < vc->hw.used_lrs; i++) {
		struct vgic_irq *irq = vgic_get_irq(vm, vc->id, vc->lr_intid[i]);
		uint64_t val = vc->hw.lr[i];
		enum ich_lr_state st;

		if ((elrsr | eisr) & BIT32(i)) {
			/* Empty, or deactivated with an EOI maintenance request: inactive. */
			val &= ~ICH_LR_STATE_MASK;
		} else if (ich_lr_get_vintid(val) != vc->lr_intid[i]) {
			vc->stats.lr_mismatches++;
		}
		vc->lr_folded[i] = val;
		st = ich_lr_get_state(val);

		if (!irq || irq->lr_vcpu != vc->id)
			continue;
		irq->lr_vcpu = VGIC_NO_VCPU;
		irq->active = (st & ICH_LR_STATE_ACTIVE) != 0;
		/* Not yet acknowledged: the pending state flush handed over is still there. */
		if ((st & ICH_LR_STATE_PENDING) && irq->latch_in_lr &&
		    !(irq->lr_req & VGIC_LR_REQ_CLR_PEND))
			irq->pending_latch = true;
		irq->latch_in_lr = false;
		if (irq->lr_req & VGIC_LR_REQ_SET_ACT)
			irq->active = true;
		if (irq->lr_req & VGIC_LR_REQ_CLR_ACT)
			irq->active = false;
		irq->lr_req = 0;
		/* Level lines are resampled here: pending again if still asserted
		 * (a forwarded one's line is its source's: hyp/core/timer.c). */
		vgic_irq_update(vm, irq, kicks);
	}
	for (unsigned i = vc->hw.used_lrs; i < VGIC_MAX_LRS; i++)
		vc->lr_folded[i] = 0;

	vc->elrsr_folded = elrsr;
	vc->eisr_folded = eisr;
	vc->hw.used_lrs = 0;
	vc->hw.hcr &= ~ICH_HCR_EOICOUNT_MASK;
	vc->stats.folds++;
	/* This vCPU is in EL2 and flushes before it enters again. */
	*kicks &= ~BIT32(vc->id);
}

void vgic_fold(struct vgic_cpu *vc, uint32_t elrsr, uint32_t eisr)
{
	uint32_t kicks = 0;

	spin_lock(&vc->vm->lock);
	fold_locked(vc, elrsr, eisr, &kicks);
	spin_unlock(&vc->vm->lock);
	vgic_kick(vc->vm, kicks);
}

/* ---------------------------------------------------------------- flush */

static uint64_t load_lr(struct vgic_cpu *vc, struct vgic_irq *irq, unsigned n)
{
	bool deliver = irq_deliverable(vc->vm, irq);
	bool held = false;
	struct ich_lr lr = {
		.hw = irq->hw,
		.pintid = irq->pintid,
		.group1 = irq->group1,
		.priority = irq->priority,
		.vintid = irq->intid,
	};

	/*
	 * Pending again while active: loaded pending and active, except for a
	 * forwarded interrupt (its pending state lives at the physical
	 * distributor while it is active, HW = 1 never goes with PA) and for
	 * an SPI routed elsewhere since (the pending part belongs to the new
	 * target once this one is deactivated).
	 */
	if (irq->active && deliver && (irq->hw || irq->target != vc->id)) {
		deliver = false;
		held = true;
	}
	/*
	 * EOI maintenance: a level line must be resampled once the guest
	 * deactivates it, and a held-back pending state must move on then.
	 * Forwarded interrupts cannot ask (bit 41 is part of pINTID).
	 */
	lr.eoi = !irq->hw && (!irq->edge || held);
	lr.state = (enum ich_lr_state)((irq->active ? ICH_LR_STATE_ACTIVE : 0) |
				       (deliver ? ICH_LR_STATE_PENDING : 0));
	if (deliver) {
		/* The LR owns the latched pending state until fold. */
		irq->latch_in_lr = irq->pending_latch;
		irq->pending_latch = false;
	} else {
		irq->latch_in_lr = false;
	}
	irq->lr_vcpu = (uint8_t)vc->id;
	vc->lr_intid[n] = irq->intid;
	return ich_lr_encode(&lr);
}

unsigned vgic_flush(struct vgic_cpu *vc, unsigned nr_lrs)
{
	struct vgic_vm *vm = vc->vm;
	unsigned n_act = 0, n_pend, a_slots, p_slots, used = 0;
	bool overflow, loaded_pending = false;
	uint32_t hcr = ICH_HCR_EN, kicks = 0;

	if (nr_lrs > VGIC_MAX_LRS)
		nr_lrs = VGIC_MAX_LRS;

	spin_lock(&vm->lock);
	if (vc->hw.used_lrs)
		fold_locked(vc, 0, 0, &kicks); /* no exit since the last flush */
	ap_sort(vc);

	while (n_act < vc->ap_count && ap_irq(vc, n_act)->active)
		n_act++;
	n_pend = vc->ap_count - n_act;

	/*
	 * Everything fits, or choose: active interrupts first, by priority,
	 * but keep one LR for the highest-priority pending interrupt so a
	 * deep nest of actives cannot hide it; then pending by priority.
	 * Pending interrupts left out are all of lower (or equal) priority
	 * than every pending one loaded, so the guest cannot take them out
	 * of order.
	 */
	overflow = vc->ap_count > nr_lrs;
	a_slots = n_act;
	p_slots = n_pend;
	if (overflow) {
		a_slots = n_act < nr_lrs ? n_act : nr_lrs;
		if (n_pend && a_slots == nr_lrs && nr_lrs > 0)
			a_slots = nr_lrs - 1;
		p_slots = nr_lrs - a_slots < n_pend ? nr_lrs - a_slots : n_pend;
	}

	for (unsigned i = 0; i < a_slots; i++) {
		vc->hw.lr[used] = load_lr(vc, ap_irq(vc, i), used);
		used++;
	}
	for (unsigned i = n_act; i < n_act + p_slots; i++) {
		vc->hw.lr[used] = load_lr(vc, ap_irq(vc, i), used);
		if (ich_lr_get_state(vc->hw.lr[used]) == ICH_LR_STATE_PENDING)
			loaded_pending = true;
		used++;
	}
	for (unsigned i = used; i < nr_lrs; i++)
		vc->hw.lr[i] = 0;

	if (overflow) {
		/* Underflow: the LRs drained to at most one valid; room for the rest. */
		if (used >= 2)
			hcr |= ICH_HCR_UIE;
		/*
		 * No pending: the guest took every pending LR; load the next.
		 * Only with a pending LR loaded, or it would fire at once.
		 */
		if (p_slots < n_pend && loaded_pending)
			hcr |= ICH_HCR_NPIE;
		/* An active interrupt without an LR: its EOI lands in EOIcount. */
		if (a_slots < n_act)
			hcr |= ICH_HCR_LRENPIE;
		vc->stats.overflows++;
	}
	vc->hw.hcr = hcr;
	vc->hw.used_lrs = used;
	vc->hw.nr_lrs = nr_lrs;

	memcpy(vc->lr_flushed, vc->hw.lr, sizeof(vc->lr_flushed[0]) * nr_lrs);
	for (unsigned i = nr_lrs; i < VGIC_MAX_LRS; i++)
		vc->lr_flushed[i] = 0;
	vc->nr_flushed = used;
	vc->hcr_flushed = hcr;
	vc->waiting = vc->ap_count - used;
	vc->pending_flushed = n_pend;
	vc->stats.flushes++;
	spin_unlock(&vm->lock);

	vgic_kick(vm, kicks & ~BIT32(vc->id));
	return used;
}

/* ---------------------------------------------------------------- maintenance */

void vgic_maint(struct vgic_cpu *vc, uint32_t misr)
{
	static const uint32_t enable_for_cause[ICH_MISR_NR_CAUSES] = {
		[ICH_MISR_CAUSE_EOI] = 0, /* per LR, cleared by rewriting the LR */
		[ICH_MISR_CAUSE_U] = ICH_HCR_UIE,
		[ICH_MISR_CAUSE_LRENP] = ICH_HCR_LRENPIE,
		[ICH_MISR_CAUSE_NP] = ICH_HCR_NPIE,
		[ICH_MISR_CAUSE_VGRP0E] = ICH_HCR_VGRP0EIE,
		[ICH_MISR_CAUSE_VGRP0D] = ICH_HCR_VGRP0DIE,
		[ICH_MISR_CAUSE_VGRP1E] = ICH_HCR_VGRP1EIE,
		[ICH_MISR_CAUSE_VGRP1D] = ICH_HCR_VGRP1DIE,
	};

	spin_lock(&vc->vm->lock);
	vc->misr_last = misr;
	vc->stats.maint_irqs++;
	for (unsigned c = 0; c < ICH_MISR_NR_CAUSES; c++) {
		if (!(misr & BIT32(c)))
			continue;
		vc->stats.maint[c]++;
		vc->hw.hcr &= ~enable_for_cause[c];
	}
	spin_unlock(&vc->vm->lock);
}

bool vgic_cpu_has_pending(struct vgic_cpu *vc)
{
	bool ret = false;

	spin_lock(&vc->vm->lock);
	for (unsigned i = 0; i < vc->ap_count && !ret; i++) {
		struct vgic_irq *irq = ap_irq(vc, i);

		ret = irq_deliverable(vc->vm, irq) && !(irq->hw && irq->active);
	}
	spin_unlock(&vc->vm->lock);
	return ret;
}

/* ---------------------------------------------------------------- SGIs */

static uint32_t sgi_targets(const struct vgic_vm *vm, unsigned src, uint64_t v)
{
	uint32_t targets = 0;

	if (v & ICC_SGIR_IRM) {
		/* IRM = 1: every PE but the sender. */
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			if (i != src && vm->cpus[i])
				targets |= BIT32(i);
		return targets;
	}

	/*
	 * IRM = 0: the PEs Aff3.Aff2.Aff1.<a> with a = RS * 16 + n for each
	 * TargetList bit n. RS != 0 (GICD_TYPER.RSS == 0 here) can only name
	 * Aff0 values >= 16, which no vCPU has: the write is then ignored.
	 */
	uint32_t cluster = ICC_SGIR_AFF3(v) << 16 | ICC_SGIR_AFF2(v) << 8 | ICC_SGIR_AFF1(v);
	unsigned base = ICC_SGIR_RS(v) * 16;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		uint32_t aff = vgic_affinity(i);
		unsigned aff0 = aff & 0xff;

		if (!vm->cpus[i] || aff >> 8 != cluster || aff0 < base || aff0 >= base + 16)
			continue;
		if (ICC_SGIR_TARGETLIST(v) & BIT32(aff0 - base))
			targets |= BIT32(i);
	}
	return targets;
}

static uint32_t sgi_write(struct vgic_vm *vm, unsigned src, uint64_t v, bool allow_group1)
{
	unsigned intid = ICC_SGIR_INTID(v);
	uint32_t targets, kicks = 0;

	spin_lock(&vm->lock);
	targets = sgi_targets(vm, src, v);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vgic_irq *irq;

		if (!(targets & BIT32(i)))
			continue;
		irq = &vm->cpus[i]->private_irqs[intid];
		if (irq->group1 && !allow_group1) {
			targets &= ~BIT32(i);
			continue;
		}
		irq->pending_latch = true;
		vgic_irq_update(vm, irq, &kicks);
	}
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return targets;
}

uint32_t vgic_sgi1r_write(struct vgic_vm *vm, unsigned src_vcpu, uint64_t value)
{
	return sgi_write(vm, src_vcpu, value, true);
}

uint32_t vgic_asgi1r_write(struct vgic_vm *vm, unsigned src_vcpu, uint64_t value)
{
	/* No other Security state to send Group 1 SGIs to: acts as SGI0R. */
	return sgi_write(vm, src_vcpu, value, false);
}

uint32_t vgic_sgi0r_write(struct vgic_vm *vm, unsigned src_vcpu, uint64_t value)
{
	return sgi_write(vm, src_vcpu, value, false);
}

/* ---------------------------------------------------------------- inspection */

void vgic_snapshot(struct vgic_cpu *vc, struct vgic_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	spin_lock(&vc->vm->lock);
	memcpy(out->lr_flushed, vc->lr_flushed, sizeof(out->lr_flushed));
	memcpy(out->lr_folded, vc->lr_folded, sizeof(out->lr_folded));
	memcpy(out->maint, vc->stats.maint, sizeof(out->maint));
	out->flushes = vc->stats.flushes;
	out->folds = vc->stats.folds;
	out->overflows = vc->stats.overflows;
	out->maint_irqs = vc->stats.maint_irqs;
	out->eoicount = vc->stats.eoicount;
	out->lr_mismatches = vc->stats.lr_mismatches;
	out->nr_flushed = vc->nr_flushed;
	out->hcr_flushed = vc->hcr_flushed;
	out->elrsr_folded = vc->elrsr_folded;
	out->eisr_folded = vc->eisr_folded;
	out->misr_last = vc->misr_last;
	out->ap_count = vc->ap_count;
	out->waiting = vc->waiting;
	spin_unlock(&vc->vm->lock);
}

bool vgic_irq_peek(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, struct vgic_irq *out)
{
	struct vgic_irq *irq;

	spin_lock(&vm->lock);
	irq = vgic_get_irq(vm, vcpu_id, intid);
	if (irq)
		*out = *irq;
	spin_unlock(&vm->lock);
	return irq != NULL;
}

/* ---------------------------------------------------------------- SDEI */

static void sdei_bind_one(struct vgic_vm *vm, struct vgic_irq *irq, bool bound, uint8_t kick,
			  uint32_t *kicks)
{
	irq->sdei_bound = bound;
	irq->sdei_kick = bound ? kick : 0;
	vgic_irq_update(vm, irq, kicks);
}

static bool sdei_bind(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, bool bound,
		      uint8_t kick_mask, uint8_t *priority)
{
	uint32_t kicks = 0;

	if (intid < VGIC_NR_SGIS || intid >= VGIC_NR_IRQS)
		return false;
	spin_lock(&vm->lock);
	if (intid < VGIC_NR_PRIVATE) {
		for (unsigned c = 0; c < vm->nr_vcpus; c++) {
			if (!vm->cpus[c])
				continue;
			if (priority && c == vcpu_id)
				*priority = vm->cpus[c]->private_irqs[intid].priority;
			sdei_bind_one(vm, &vm->cpus[c]->private_irqs[intid], bound,
				      (uint8_t)BIT32(c), &kicks);
		}
	} else {
		struct vgic_irq *irq = &vm->spis[intid - VGIC_NR_PRIVATE];

		if (priority)
			*priority = irq->priority;
		sdei_bind_one(vm, irq, bound, kick_mask, &kicks);
	}
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return true;
}

bool vgic_sdei_bind(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid, uint8_t kick_mask,
		    uint8_t *priority)
{
	return sdei_bind(vm, vcpu_id, intid, true, kick_mask, priority);
}

bool vgic_sdei_unbind(struct vgic_vm *vm, unsigned intid)
{
	return sdei_bind(vm, 0, intid, false, 0, NULL);
}

void vgic_sdei_set_kick(struct vgic_vm *vm, unsigned intid, uint8_t kick_mask)
{
	struct vgic_irq *irq;
	uint32_t kicks = 0;

	spin_lock(&vm->lock);
	irq = vgic_get_irq(vm, 0, intid);
	if (irq && intid >= VGIC_NR_PRIVATE && irq->sdei_bound) {
		irq->sdei_kick = kick_mask;
		vgic_irq_update(vm, irq, &kicks);
	}
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
}

bool vgic_sdei_pending(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid)
{
	struct vgic_irq *irq;
	bool ret;

	spin_lock(&vm->lock);
	irq = vgic_get_irq(vm, vcpu_id, intid);
	ret = irq && irq->sdei_bound && irq_pending(irq);
	spin_unlock(&vm->lock);
	return ret;
}

void vgic_sdei_ack(struct vgic_vm *vm, unsigned vcpu_id, unsigned intid)
{
	struct vgic_irq *irq;

	spin_lock(&vm->lock);
	irq = vgic_get_irq(vm, vcpu_id, intid);
	if (irq && irq->sdei_bound)
		irq->pending_latch = false;
	spin_unlock(&vm->lock);
}
