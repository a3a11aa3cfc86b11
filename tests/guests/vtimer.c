/*
 * Timer interrupts through the vGIC (Arm ARM, "The Generic Timer"; IHI 0069
 * for the interrupt side). The EL1 virtual timer (PPI 27) is forwarded by
 * the hypervisor with HW = 1, so the guest's EOI also deactivates the
 * physical interrupt; the EL1 physical timer (PPI 30) is emulated, a level
 * line the hypervisor drives.
 *
 *  - a 1 kHz tick, CNTV_CVAL moved on a period in the handler, for a second
 *    of CNTVCT: each of its 1000 deadlines taken exactly once, none early
 *    (how late is the host's business: reported, judged only by a bound
 *    that a lost interrupt exceeds);
 *  - WFI with PSTATE.I clear wakes on the timer and the IRQ is taken; the
 *    interrupt is active in its handler, inactive after the EOI, and once
 *    the handler masked the timer it does not come back until reprogrammed;
 *  - a timer still asserting after the EOI is taken again (level);
 *  - with PSTATE.I set it stays pending (GICR_ISPENDR0, ICC_HPPIR1_EL1);
 *  - the physical timer fires once when programmed, and also re-fires while
 *    its condition holds. Its EOI asks for an EOI maintenance interrupt
 *    (level, not forwarded), so this part comes last.
 */
#include "libguest.h"

#define TICK_HZ	      1000u
#define TICK_RUN_MS   1000u
#define TICK_LATE_MS  10000u /* a tick still owed this long after its second
			      * ended was lost, not late (docs/robustness.md) */
#define ONESHOT_US    5000u
#define QUIET_US      10000u
#define REFIRES	      5u
#define MAX_EARLY     4u /* WFIs returning before the deadline: a WFI that does
			  * not block returns thousands of times */
#define VTIMER_PRIO   0x80u
#define PTIMER_PRIO   0x90u

enum timer_mode {
	MODE_PERIODIC, /* move CVAL on a period, until tick_stop */
	MODE_ONESHOT,  /* set IMASK: silence the timer until reprogrammed */
	MODE_REFIRE,   /* leave the condition met REFIRES times, then silence it */
};

static volatile enum timer_mode vmode, pmode;
static volatile uint64_t period;    /* counter ticks per tick */
static volatile uint64_t vfired, pfired, spurious, others;
static volatile uint64_t worst_late, early_ticks;
static volatile uint64_t tick_stop; /* periodic: no deadline after this one */
static volatile uint64_t fired_at;
static volatile bool active_in_handler, istatus_in_handler, pistatus_in_handler;
static volatile uint8_t rpr_in_handler;
static volatile uint32_t hppir_in_handler;

static void vtimer_irq(void)
{
	vfired++;
	fired_at = timer_now();
	switch (vmode) {
	case MODE_PERIODIC: {
		/*
		 * CNTVCT - CVAL is how late this tick is taken. The next
		 * deadline is this one plus a period, so lateness does not
		 * accumulate and no deadline is skipped: a tick more than a
		 * period late fires again at once and catches up. After the
		 * last deadline of the run the timer is masked.
		 */
		uint64_t cval = read_sysreg(cntv_cval_el0), now = timer_now();

		if (now < cval)
			early_ticks++;
		else if (now - cval > worst_late)
			worst_late = now - cval;
		cval += period;
		write_sysreg(cval, cntv_cval_el0);
		if (cval > tick_stop)
			write_sysreg(CNT_CTL_ENABLE | CNT_CTL_IMASK, cntv_ctl_el0);
		break;
	}
	case MODE_ONESHOT:
		istatus_in_handler = read_sysreg(cntv_ctl_el0) & CNT_CTL_ISTATUS;
		active_in_handler = gic_irq_active(GIC_INTID_VTIMER);
		rpr_in_handler = gic_rpr();
		hppir_in_handler = gic_hppir();
		write_sysreg(CNT_CTL_ENABLE | CNT_CTL_IMASK, cntv_ctl_el0);
		break;
	case MODE_REFIRE:
		if (vfired >= REFIRES)
			write_sysreg(CNT_CTL_ENABLE | CNT_CTL_IMASK, cntv_ctl_el0);
		break;
	}
	/* The timer's output follows the new CTL/TVAL before the EOI. */
	isb();
}

static void ptimer_irq(void)
{
	pfired++;
	fired_at = timer_now();
	pistatus_in_handler = read_sysreg(cntp_ctl_el0) & CNT_CTL_ISTATUS;
	if (pmode == MODE_ONESHOT || pfired >= REFIRES)
		write_sysreg(CNT_CTL_ENABLE | CNT_CTL_IMASK, cntp_ctl_el0);
	isb();
}

static void timer_handler(void)
{
	uint32_t intid = gic_ack();

	if (intid == GIC_INTID_SPURIOUS) {
		spurious++;
		return;
	}
	if (intid == GIC_INTID_VTIMER)
		vtimer_irq();
	else if (intid == GIC_INTID_PTIMER)
		ptimer_irq();
	else
		others++;
	gic_eoi(intid);
}

static void vtimer_arm(uint64_t ticks_from_now)
{
	write_sysreg(timer_now() + ticks_from_now, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	isb();
}

static void vtimer_off(void)
{
	write_sysreg(0, cntv_ctl_el0);
	isb();
}

/*
 * Waiting for an interrupt whose handler sets the condition: the check and
 * the WFI run with PSTATE.I set, and the interrupt is taken between two
 * WFIs. With IRQs unmasked, an interrupt taken after the check and before
 * the WFI leaves that WFI waiting for a next one; a one-shot timer masked
 * in its handler never sends one, and with no timer armed nothing ends the
 * WFI: the guest waits for good. WFI wakes on a pending interrupt whatever
 * PSTATE.I (Arm ARM, "Wait for Interrupt"), so nothing is lost this way.
 */

/* WFI until @cond or @us passed; the number of WFIs. */
#define wfi_until(cond, us)                                                                        \
	({                                                                                         \
		uint64_t __end = timer_now() + timer_ticks_us(us);                                 \
		unsigned int __n = 0;                                                              \
		irq_disable();                                                                     \
		while (!(cond) && timer_now() < __end) {                                           \
			wfi();                                                                     \
			__n++;                                                                     \
			irq_enable(); /* the interrupt that ended the WFI is taken here */          \
			irq_disable();                                                             \
		}                                                                                  \
		irq_enable();                                                                      \
		__n;                                                                               \
	})

/*
 * WFI until the armed timer's handler has run (*fired, zeroed by the caller
 * before it armed the timer: on a loaded host the interrupt can be taken
 * before this is called), counting the WFIs that returned before the
 * counter reached @deadline. Those are what a WFI that does not block would
 * show; once the deadline passed, WFI may return again and again until the
 * interrupt arrives, which a loaded host delays. Check and WFI with
 * PSTATE.I set, as in wfi_until().
 */
static unsigned int wfi_early(volatile uint64_t *fired, uint64_t deadline)
{
	uint64_t end = timer_now() + timer_freq();
	unsigned int early = 0;

	irq_disable();
	while (*fired == 0 && timer_now() < end) {
		wfi();
		if (timer_now() < deadline)
			early++;
		irq_enable();
		irq_disable();
	}
	irq_enable();
	return early;
}

static void check_periodic(void)
{
	uint64_t start, ticks;
	unsigned int wfis;

	vmode = MODE_PERIODIC;
	period = timer_freq() / TICK_HZ;
	vfired = 0;
	worst_late = 0;
	early_ticks = 0;
	start = timer_now();
	/* Deadlines start + k * period, k = 1 .. TICK_HZ * TICK_RUN_MS / 1000. */
	tick_stop = start + period * (TICK_HZ * TICK_RUN_MS / 1000);
	write_sysreg(start + period, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	isb();
	/*
	 * Until every deadline of the second was taken. A vCPU kept off its
	 * CPU (other vCPUs' slices, a VM created on that CPU, a loaded TCG
	 * host) takes its ticks late and catches up; only a lost interrupt
	 * leaves them owed for TICK_LATE_MS after the second.
	 */
	wfis = wfi_until(vfired >= TICK_HZ * TICK_RUN_MS / 1000,
			 (TICK_RUN_MS + TICK_LATE_MS) * 1000ull);
	delay_us(QUIET_US);
	irq_disable();
	ticks = vfired;
	vtimer_off();
	irq_enable();

	report(ticks == TICK_HZ * TICK_RUN_MS / 1000 && early_ticks == 0,
	       "%u Hz tick: %lu ticks for the %u deadlines of a second of CNTVCT, %lu early",
	       TICK_HZ, ticks, TICK_HZ * TICK_RUN_MS / 1000, early_ticks);
	/*
	 * Not a check: how late the ticks come is the host's and the
	 * scheduler's doing; WFI may also return between CNTVCT passing CVAL
	 * and the interrupt reaching the vCPU, which a loaded host stretches.
	 */
	report_info("worst tick latency %lu us, %u WFIs for %lu ticks",
		    worst_late * 1000000 / timer_freq(), wfis, ticks);
}

static void check_oneshot(void)
{
	uint64_t cval;
	unsigned int early;
	bool pend, act;

	vmode = MODE_ONESHOT;
	vfired = 0;
	cval = timer_now() + timer_ticks_us(ONESHOT_US);
	write_sysreg(cval, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	isb();
	early = wfi_early(&vfired, cval);
	report(vfired == 1 && fired_at >= cval,
	       "WFI with PSTATE.I clear wakes on the virtual timer and the IRQ is taken "
	       "(late by %ld ticks)",
	       (int64_t)(fired_at - cval));
	report(early <= MAX_EARLY, "WFI blocked until CVAL (%u WFIs returned early)", early);
	report(istatus_in_handler, "CNTV_CTL_EL0.ISTATUS is set in the handler");
	report(active_in_handler, "INTID 27 is active in its handler (GICR_ISACTIVER0)");
	report(rpr_in_handler == VTIMER_PRIO, "running priority in the handler is %#x (%#x)",
	       VTIMER_PRIO, rpr_in_handler);
	report(hppir_in_handler == GIC_INTID_SPURIOUS,
	       "nothing else pending in the handler (ICC_HPPIR1_EL1 %u)", hppir_in_handler);

	/* IMASK set by the handler: the interrupt must not come back. */
	delay_us(QUIET_US);
	act = gic_irq_active(GIC_INTID_VTIMER);
	pend = gic_irq_pending(GIC_INTID_VTIMER);
	report(vfired == 1, "masked in its handler, the timer does not fire again (%lu)", vfired);
	report(!act && !pend, "after the EOI INTID 27 is neither active nor pending (%d, %d)", act,
	       pend);

	/* Reprogrammed: exactly one more. */
	cval = timer_now() + timer_ticks_us(ONESHOT_US / 5);
	write_sysreg(cval, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	isb();
	wfi_until(vfired >= 2, ONESHOT_US + 1000000);
	delay_us(QUIET_US);
	report(vfired == 2 && fired_at >= cval, "reprogrammed, it fires exactly once more (%lu)",
	       vfired - 1);
	vtimer_off();
}

static void check_refire(void)
{
	bool ok;

	vmode = MODE_REFIRE;
	vfired = 0;
	vtimer_arm(0);
	ok = spin_until(vfired >= REFIRES, 1000000);
	delay_us(QUIET_US);
	report(ok && vfired == REFIRES,
	       "with its condition still met after the EOI, the virtual timer is taken again "
	       "(%lu of %u)",
	       vfired, REFIRES);
	vtimer_off();
}

static void check_masked(void)
{
	bool pend;
	uint32_t hppir;

	vmode = MODE_ONESHOT;
	vfired = 0;
	irq_disable();
	vtimer_arm(timer_ticks_us(1000));
	spin_until(read_sysreg(cntv_ctl_el0) & CNT_CTL_ISTATUS, 100000);
	/*
	 * The interrupt reaches the vGIC through the physical PPI, which a
	 * loaded host can deliver milliseconds after CNTVCT passed CVAL.
	 */
	pend = spin_until(gic_irq_pending(GIC_INTID_VTIMER), 200000);
	hppir = gic_hppir();
	report(vfired == 0 && pend,
	       "with PSTATE.I set the fired timer waits, pending (GICR_ISPENDR0 %d)", pend);
	report(hppir == GIC_INTID_VTIMER, "ICC_HPPIR1_EL1 shows INTID 27 (%u)", hppir);
	irq_enable();
	report(spin_until(vfired == 1, 10000), "taken once PSTATE.I is cleared (%lu)", vfired);
	vtimer_off();
}

static void check_ptimer(void)
{
	uint64_t start;
	unsigned int early;
	bool pend, ist;

	gic_irq_set_priority(GIC_INTID_PTIMER, PTIMER_PRIO);
	gic_irq_enable(GIC_INTID_PTIMER);

	/* IRQs masked: the emulated line goes high and the interrupt waits. */
	pmode = MODE_ONESHOT;
	pfired = 0;
	irq_disable();
	write_sysreg(timer_ticks_us(1000), cntp_tval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntp_ctl_el0);
	isb();
	ist = spin_until(read_sysreg(cntp_ctl_el0) & CNT_CTL_ISTATUS, 1000000);
	delay_us(1000);
	pend = gic_irq_pending(GIC_INTID_PTIMER);
	report(ist && pend, "the physical timer (PPI 30) fired with PSTATE.I set: pending "
	       "(ISTATUS %d, GICR_ISPENDR0 %d)", ist, pend);
	report(gic_hppir() == GIC_INTID_PTIMER, "ICC_HPPIR1_EL1 shows INTID 30 (%u)", gic_hppir());
	write_sysreg(CNT_CTL_ENABLE | CNT_CTL_IMASK, cntp_ctl_el0);
	isb();
	delay_us(1000);
	pend = gic_irq_pending(GIC_INTID_PTIMER);
	report(!pend, "CNTP_CTL_EL0.IMASK lowers the level line: no longer pending (%d)", pend);
	irq_enable();
	report(pfired == 0, "and nothing is taken when IRQs are unmasked (%lu)", pfired);

	/*
	 * From here on the guest takes and EOIs the level-sensitive PPI 30,
	 * which asks the hypervisor for an EOI maintenance interrupt.
	 */
	pfired = 0;
	start = timer_now();
	write_sysreg(timer_ticks_us(2000), cntp_tval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntp_ctl_el0);
	isb();
	early = wfi_early(&pfired, start + timer_ticks_us(2000));
	report(pfired == 1 && fired_at - start >= timer_ticks_us(2000),
	       "WFI wakes on the physical timer and its IRQ is taken, after %lu us",
	       (fired_at - start) * 1000000 / timer_freq());
	report(early <= MAX_EARLY, "WFI blocked until the physical timer's deadline (%u WFIs "
	       "returned early)", early);
	report(pistatus_in_handler, "CNTP_CTL_EL0.ISTATUS is set in the handler");
	delay_us(QUIET_US);
	report(pfired == 1, "masked in its handler, the physical timer fires only once (%lu)",
	       pfired);
	report(!gic_irq_active(GIC_INTID_PTIMER) && !gic_irq_pending(GIC_INTID_PTIMER),
	       "after the EOI INTID 30 is neither active nor pending");

	pmode = MODE_REFIRE;
	pfired = 0;
	write_sysreg(0, cntp_tval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntp_ctl_el0);
	isb();
	spin_until(pfired >= REFIRES, 1000000);
	delay_us(QUIET_US);
	report(pfired == REFIRES,
	       "with its condition still met after the EOI, the physical timer is taken again "
	       "(%lu of %u)",
	       pfired, REFIRES);
	write_sysreg(0, cntp_ctl_el0);
	isb();
	gic_irq_disable(GIC_INTID_PTIMER);
}

int main(void)
{
	report(gic_init(), "GIC redistributor found and woken");
	irq_set_handler(timer_handler);
	gic_irq_set_priority(GIC_INTID_VTIMER, VTIMER_PRIO);
	report(gic_irq_priority(GIC_INTID_VTIMER) == VTIMER_PRIO, "INTID 27 priority reads back %#x",
	       VTIMER_PRIO);
	gic_irq_enable(GIC_INTID_VTIMER);
	irq_enable();

	check_periodic();
	check_oneshot();
	check_refire();
	check_masked();
	check_ptimer();

	irq_disable();
	report(!spurious && !others, "no spurious acknowledge and no other interrupt (%lu, %lu)",
	       spurious, others);
	return report_summary();
}
