/*
 * Timer interrupts are levels (Arm ARM D11.2.4; IHI 0069 4.1.1): for the EL1
 * virtual timer (PPI 27, forwarded by the hypervisor) and the emulated EL1
 * physical timer (PPI 30), the interrupt is pending exactly while the
 * timer's output is asserted (ENABLE, not IMASK, condition met).
 *
 * With PSTATE.I set, each timer is fired, then disabled, masked with IMASK
 * and given a compare value in the future, and re-enabled or rearmed in
 * between: after each step GICR_ISPENDR0 must say what the output says,
 * CNT*_CTL_EL0.ISTATUS must say whether the condition holds (while enabled;
 * disabled, it is UNKNOWN), and a dropped interrupt must be gone from the
 * CPU interface (ICC_HPPIR1_EL1). PSTATE.I is cleared at the moments the interrupt must
 * not be taken (dropped) and where it must be taken exactly once (rearmed),
 * and every delivery is counted.
 */
#include "libguest.h"

#define QUIET_US 5000u  /* how long "nothing is taken" is watched */
#define FIRE_US  2000u  /* a rearmed timer's distance */
#define FAR_S    10u    /* a compare value "in the future" */

struct timer {
	const char *name;
	unsigned int intid;
	uint64_t (*now)(void);
	uint64_t (*ctl)(void);
	void (*set_ctl)(uint64_t);
	void (*set_cval)(uint64_t);
};

static uint64_t vnow(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

static uint64_t pnow(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

static uint64_t vctl(void)
{
	return read_sysreg(cntv_ctl_el0);
}

static uint64_t pctl(void)
{
	return read_sysreg(cntp_ctl_el0);
}

/* Each write is in force (the timer's output follows it) before what comes next. */
static void set_vctl(uint64_t v)
{
	write_sysreg(v, cntv_ctl_el0);
	isb();
}

static void set_pctl(uint64_t v)
{
	write_sysreg(v, cntp_ctl_el0);
	isb();
}

static void set_vcval(uint64_t v)
{
	write_sysreg(v, cntv_cval_el0);
	isb();
}

static void set_pcval(uint64_t v)
{
	write_sysreg(v, cntp_cval_el0);
	isb();
}

static const struct timer timers[] = {
	{ "virtual timer", GIC_INTID_VTIMER, vnow, vctl, set_vctl, set_vcval },
	{ "physical timer", GIC_INTID_PTIMER, pnow, pctl, set_pctl, set_pcval },
};

static const struct timer *volatile cur;
static volatile uint64_t taken[GIC_NR_PRIVATE];
static volatile uint64_t spurious, others;
static volatile bool istatus_in_handler;
static volatile uint64_t taken_at; /* the timer's count when it was last taken */

/* One delivery: count it, check the timer says why, silence it (IMASK). */
static void irq_handler(void)
{
	uint32_t intid = gic_ack();

	if (intid == GIC_INTID_SPURIOUS) {
		spurious++;
		return;
	}
	if (intid < GIC_NR_PRIVATE)
		taken[intid]++;
	else
		others++;
	if (cur && intid == cur->intid) {
		uint64_t ctl = cur->ctl();

		taken_at = cur->now();
		istatus_in_handler = (ctl & CNT_CTL_ISTATUS) && (ctl & CNT_CTL_ENABLE);
		cur->set_ctl(CNT_CTL_ENABLE | CNT_CTL_IMASK);
	}
	gic_eoi(intid);
}

static bool istatus(const struct timer *t)
{
	return t->ctl() & CNT_CTL_ISTATUS;
}

/*
 * After a step, with PSTATE.I set: GICR_ISPENDR0 (a trapped read, so the
 * hypervisor has looked at the timer), ISTATUS and, for a dropped
 * interrupt, the CPU interface must agree with what is expected.
 */
#define UNKNOWN (-1) /* ISTATUS while ENABLE is 0 (Arm ARM, CNTV_CTL_EL0) */

static void expect(const struct timer *t, const char *step, bool want_pending, int want_istatus)
{
	bool pend = gic_irq_pending(t->intid);
	bool ist = istatus(t);
	uint32_t hppir = gic_hppir();

	report(pend == want_pending && (want_istatus == UNKNOWN || ist == want_istatus),
	       "%s: %s (GICR_ISPENDR0 %d), ISTATUS %d", step,
	       want_pending ? "pending" : "not pending", pend, ist);
	if (!want_pending)
		report(hppir != t->intid, "%s: INTID %u left the CPU interface (ICC_HPPIR1_EL1 %u)", step,
		       t->intid, hppir);
}

/* Unmask PSTATE.I for QUIET_US: nothing may be taken. */
static void expect_quiet(const struct timer *t, const char *step)
{
	uint64_t before = taken[t->intid];

	irq_enable();
	delay_us(QUIET_US);
	irq_disable();
	report(taken[t->intid] == before, "%s: nothing taken with IRQs unmasked (%lu)", step, taken[t->intid] - before);
}

static void check_timer(const struct timer *t)
{
	uint64_t freq = timer_freq(), before, cval;

	cur = t;
	report_prefix_push(t->name);
	irq_disable();
	gic_irq_enable(t->intid);

	/* Fired: the condition holds, enabled, not masked. */
	t->set_cval(t->now());
	t->set_ctl(CNT_CTL_ENABLE);
	report(spin_until(istatus(t), 100000), "fires at its compare value");
	expect(t, "fired", true, true);

	/* Disabled: the output drops (ISTATUS is UNKNOWN then); enabled again, back. */
	t->set_ctl(0);
	expect(t, "disabled", false, UNKNOWN);
	expect_quiet(t, "disabled");
	t->set_ctl(CNT_CTL_ENABLE);
	expect(t, "enabled again", true, true);

	/* IMASK: the output drops, the status does not. */
	t->set_ctl(CNT_CTL_ENABLE | CNT_CTL_IMASK);
	expect(t, "IMASK set", false, true);
	expect_quiet(t, "IMASK set");
	t->set_ctl(CNT_CTL_ENABLE);
	expect(t, "IMASK cleared", true, true);

	/* A compare value in the future: the condition no longer holds. */
	t->set_cval(t->now() + FAR_S * freq);
	expect(t, "CVAL in the future", false, false);
	expect_quiet(t, "CVAL in the future");

	/* Rearmed a little ahead: pending once due, then taken exactly once. */
	t->set_cval(t->now() + timer_ticks_us(FIRE_US));
	report(spin_until(istatus(t), 1000000), "rearmed: the condition comes back");
	expect(t, "rearmed and due", true, true);
	before = taken[t->intid];
	istatus_in_handler = false;
	irq_enable();
	spin_until(taken[t->intid] != before, 100000);
	delay_us(QUIET_US);
	irq_disable();
	report(taken[t->intid] - before == 1, "rearmed: taken exactly once (%lu)",
	       taken[t->intid] - before);
	report(istatus_in_handler, "ISTATUS and ENABLE set in its handler");
	/* The handler set IMASK: the condition still holds, the line is down. */
	expect(t, "masked by its handler", false, true);

	/* Rearmed while IRQs are unmasked: taken once, at its compare value,
	 * not before (a loaded host may delay it, never advance it). */
	before = taken[t->intid];
	taken_at = 0;
	irq_enable();
	cval = t->now() + timer_ticks_us(FIRE_US);
	t->set_cval(cval);
	t->set_ctl(CNT_CTL_ENABLE);
	spin_until(taken[t->intid] != before, 1000000);
	delay_us(QUIET_US);
	irq_disable();
	report(taken[t->intid] - before == 1, "armed with IRQs unmasked: taken once (%lu)",
	       taken[t->intid] - before);
	report(taken_at >= cval, "taken at its compare value, not before (%ld ticks after it)",
	       (long)(taken_at - cval));

	t->set_ctl(0);
	gic_irq_disable(t->intid);
	report_prefix_pop();
	cur = NULL;
}

int main(void)
{
	report(gic_init(), "GIC redistributor found and woken");
	irq_set_handler(irq_handler);
	for (unsigned int i = 0; i < ARRAY_SIZE(timers); i++)
		check_timer(&timers[i]);
	report(!spurious && !others, "no spurious acknowledge and no other interrupt (%lu, %lu)",
	       spurious, others);
	return report_summary();
}
