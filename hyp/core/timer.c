/*
 * A vCPU's EL1 timers and their interrupt lines (hyp/include/timer.h).
 *
 * The Arm ARM (D11.2.4, "Operation of the CompareValue views of the
 * timers") makes a timer's interrupt a level: asserted while ENABLE is 1,
 * IMASK is 0 and the condition (count - CVAL >= 0) holds. Both PPIs are
 * level-sensitive at the GIC, so their pending state follows that output
 * (IHI 0069, 4.1.1 "level-sensitive interrupts"): GICR_ISPENDR0 reads clear
 * once the output drops, and the interrupt is not delivered.
 *
 * The virtual timer. Its registers are the guest's own while it runs, and
 * writes to them do not trap; the hardware computes ISTATUS. Its output is
 * sampled after every exit (timer_sync) before the exit is handled, so a
 * trapped GICR_ISPENDR0 read, a GIC enable write or a WFI always sees the
 * line as the timer drives it now. The physical PPI 27 fires at EL2 when
 * the output rises while the guest runs (that exit, or the acknowledge of
 * the PPI in its handler, is where the rise is seen) and is kept active
 * while the guest owns a pending or active virtual PPI 27, so that it does
 * not fire again; the guest's deactivation
 * of the virtual interrupt deactivates it (ICH_LR<n>_EL2.HW = 1). When the
 * line drops before the guest took the interrupt, nothing will deactivate
 * it: this file does, so the next rise fires again.
 *
 * The emulated physical timer lives in struct vptimer. Its accesses trap,
 * and each one resamples the line; the hypervisor's own EL2 timer is set
 * for the next rise (timer_ptimer_due, from the run loop).
 *
 * The window a guest cannot see: between two exits the list registers are
 * the vGIC's truth. A guest that disables its virtual timer and unmasks
 * PSTATE.I without any exit in between may still take the interrupt the
 * list register held (bare hardware has a propagation window too; Linux
 * checks ISTATUS in its handler). Any trapped access in between (a GIC
 * register, an HVC) closes it.
 */
#include "formats/esr.h"
#include "formats/trace.h"
#include "hyp/include/arch.h"
#include "hyp/include/timer.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"
#include "hyp/vgic/vgic.h"

/* The output: condition met, enabled, not masked. ctl holds ISTATUS. */
static bool output(uint64_t ctl)
{
	return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS)) ==
	       (CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
}

/* ISTATUS: the condition while enabled; UNKNOWN when disabled (Arm ARM,
 * CNTP_CTL_EL0), 0 here as QEMU's virtual timer reads. */
static uint64_t with_istatus(uint64_t ctl, uint64_t count, uint64_t cval)
{
	ctl &= ~CNT_CTL_ISTATUS;
	if ((ctl & CNT_CTL_ENABLE) && (int64_t)(count - cval) >= 0)
		ctl |= CNT_CTL_ISTATUS;
	return ctl;
}

/*
 * Whether the guest owns a virtual PPI 27 (pending or active), so that the
 * physical one must stay active. Without the vGIC lock (vgic_irq_owned()):
 * GICR_ISPENDR0 and GICR_ISACTIVER0 may be written from another vCPU, which
 * then kicks this one, as it would after a locked read.
 */
static bool vtimer_busy(const struct vcpu *v)
{
	return vgic_irq_owned(v->timer.virq);
}

static void set_ppi_active(struct vcpu *v, bool active)
{
	if (active == v->timer.ppi_active)
		return;
	v->timer.ppi_active = active;
	arch_vtimer_ppi_active(active);
}

static void vtimer_set_line(struct vcpu *v, bool level)
{
	v->timer.vlevel = level;
	vgic_inject(&v->vm->vgic, v->id, VGIC_INTID_VTIMER, level);
	trace_irq_line(v, VGIC_INTID_VTIMER, TRACE_IRQ_SRC_TIMER, level);
	if (level) {
		trace_irq_inject(v, VGIC_INTID_VTIMER, TRACE_IRQ_SRC_TIMER, TRACE_NO_VCPU);
		/* Mostly set already: the physical PPI fired and is being taken. */
		set_ppi_active(v, true);
	} else {
		/* Taken and active, it stays so until the guest's EOI deactivates
		 * both; never taken, nothing else will deactivate the physical one. */
		set_ppi_active(v, vtimer_busy(v));
	}
}

static void ptimer_set_line(struct vcpu *v, bool level)
{
	v->timer.plevel = level;
	vgic_inject(&v->vm->vgic, v->id, VGIC_INTID_PTIMER, level);
	trace_irq_line(v, VGIC_INTID_PTIMER, TRACE_IRQ_SRC_TIMER, level);
	if (level)
		trace_irq_inject(v, VGIC_INTID_PTIMER, TRACE_IRQ_SRC_TIMER, TRACE_NO_VCPU);
}

static uint64_t ptimer_ctl(const struct vcpu *v, uint64_t now)
{
	return with_istatus(v->timer.phys.ctl, now, v->timer.phys.cval);
}

static void ptimer_sync(struct vcpu *v, uint64_t now)
{
	bool level = output(ptimer_ctl(v, now));

	if (level != v->timer.plevel)
		ptimer_set_line(v, level);
}

/* ------------------------------------------------------------ life cycle */

void timer_vcpu_reset(struct vcpu *v)
{
	/* The CNTV registers are zeroed with the rest of el1[]; the lines
	 * follow at the next sample, when the vCPU is next loaded. */
	v->timer.phys.ctl = 0;
	v->timer.phys.cval = 0;
}

bool timer_vcpu_init(struct vcpu *v)
{
	v->timer.vlevel = false;
	v->timer.plevel = false;
	v->timer.ppi_active = false;
	/* The vCPU's private interrupts live as long as its VM. */
	v->timer.virq = vgic_get_irq(&v->vm->vgic, v->id, VGIC_INTID_VTIMER);
	return v->timer.virq &&
	       vgic_set_hw_forward(&v->vm->vgic, v->id, VGIC_INTID_VTIMER, VGIC_INTID_VTIMER);
}

void timer_vcpu_load(struct vcpu *v)
{
	/* The PPI's active state first, then the timer that drives it: a
	 * restored timer already asserted must not fire at EL2 for an interrupt
	 * the guest still holds. */
	v->timer.ppi_active = vtimer_busy(v);
	arch_vtimer_load(v->vm->cntvoff, v->timer.ppi_active);
}

/* ------------------------------------------------------------ sampling */

/* Loaded, both lines as the timers drive them and the emulated timer off:
 * nothing to sample, the common case. */
static inline bool lines_current(const struct vcpu *v)
{
	return v->el1_loaded && output(arch_vtimer_ctl(v)) == v->timer.vlevel &&
	       !(v->timer.phys.ctl & CNT_CTL_ENABLE) && !v->timer.plevel;
}

static __attribute__((noinline)) void resample(struct vcpu *v, uint64_t now)
{
	uint64_t ctl = arch_vtimer_ctl(v);
	bool level;

	/* Loaded, ISTATUS is the hardware's; from memory it is as of the last
	 * save: recompute it. CNTVCT = CNTPCT - CNTVOFF. */
	if (!v->el1_loaded)
		ctl = with_istatus(ctl, now - v->vm->cntvoff, vcpu_el1_read(v, CNTV_CVAL_EL0));
	level = output(ctl);
	if (level != v->timer.vlevel)
		vtimer_set_line(v, level);
	if ((v->timer.phys.ctl & CNT_CTL_ENABLE) || v->timer.plevel)
		ptimer_sync(v, now);
}

void timer_sync(struct vcpu *v, uint64_t now)
{
	/* Every exit: a few instructions when nothing changed and the
	 * emulated timer is off (no stack frame on this path). */
	if (likely(lines_current(v)))
		return;
	resample(v, now);
}

void timer_vcpu_loaded(struct vcpu *v)
{
	/* Its time off the CPU counted too: resample both (the counter is
	 * read only when a line moves). */
	if (!lines_current(v))
		resample(v, arch_counter());
}

uint64_t timer_ptimer_due(const struct vcpu *v)
{
	if ((v->timer.phys.ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) != CNT_CTL_ENABLE ||
	    v->timer.plevel)
		return 0;
	return v->timer.phys.cval ? v->timer.phys.cval : 1;
}

uint64_t timer_wake_deadline(const struct vcpu *v)
{
	uint64_t ctl = vcpu_el1_read(v, CNTV_CTL_EL0);
	uint64_t vdue = 0, pdue = 0;

	if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE) {
		/* CNTVCT >= CVAL when CNTPCT >= CVAL + CNTVOFF; 0 means "now", not "never". */
		vdue = vcpu_el1_read(v, CNTV_CVAL_EL0) + v->vm->cntvoff;
		vdue = vdue ? vdue : 1;
	}
	if ((v->timer.phys.ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE)
		pdue = v->timer.phys.cval ? v->timer.phys.cval : 1;
	return deadline_earliest(vdue, pdue);
}

void timer_vtimer_catch_up(struct vcpu *v, uint64_t now)
{
	uint64_t ctl;

	if (!v->el1_loaded || v->timer.vlevel)
		return;
	ctl = arch_vtimer_ctl(v);
	if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) != CNT_CTL_ENABLE ||
	    (int64_t)(now - v->vm->cntvoff - vcpu_el1_read(v, CNTV_CVAL_EL0)) < 0)
		return;
	arch_vtimer_refresh(v);
	resample(v, now);
}

/* ------------------------------------------------------------ CNTP_* traps */

#define KEY_CNTP_TVAL SYSREG_KEY(3, 3, 14, 2, 0)
#define KEY_CNTP_CTL  SYSREG_KEY(3, 3, 14, 2, 1)
#define KEY_CNTP_CVAL SYSREG_KEY(3, 3, 14, 2, 2)

int timer_sysreg_access(struct vcpu *v, uint32_t key, bool is_read, uint64_t *val)
{
	struct vptimer *t = &v->timer.phys;
	uint64_t now = arch_counter();

	switch (key) {
	case KEY_CNTP_CTL:
		if (is_read)
			*val = ptimer_ctl(v, now);
		else
			t->ctl = *val & (CNT_CTL_ENABLE | CNT_CTL_IMASK); /* ISTATUS is RO */
		break;
	case KEY_CNTP_CVAL:
		if (is_read)
			*val = t->cval;
		else
			t->cval = *val;
		break;
	case KEY_CNTP_TVAL:
		/* TVAL is the signed 32-bit distance between CVAL and the counter. */
		if (is_read)
			*val = (uint32_t)(t->cval - now);
		else
			t->cval = now + (uint64_t)(int64_t)(int32_t)*val;
		break;
	default:
		return -1;
	}
	if (!is_read)
		ptimer_sync(v, now);
	return 1;
}
