/*
 * What keeps a pending interrupt from being taken (IHI 0069, "Interrupt
 * prioritization", "Preemption", ICC_PMR_EL1, ICC_BPR1_EL1, ICC_RPR_EL1):
 *  - the priority mask: only priorities strictly higher (lower values) than
 *    ICC_PMR_EL1 are signalled; a masked one stays pending, through WFI too,
 *    until the mask is lowered;
 *  - the running priority: inside the handler of a 0x80 interrupt, a
 *    pending 0xa0 one waits for the EOI and a 0x40 one preempts;
 *  - the binary point: only the group priority (bits [7:BPR1]) preempts, so
 *    with ICC_BPR1_EL1 = 5 a 0x88 interrupt cannot preempt a 0x90 one
 *    (same group, 0x80) while with the minimum binary point it can;
 *  - ICC_IGRPEN1_EL1 = 0 holds back every Group 1 interrupt.
 * Everything fits in the 4 list registers.
 */
#include "libguest.h"

#define SGI_MASKED	1u
#define SGI_A		2u /* the interrupt being handled */
#define SGI_B		3u /* lower priority than A */
#define SGI_C		4u /* higher priority than A */
#define EV_EXIT		0x100u
#define MAX_EVENTS	16u
#define HOLD_US		10000u

static volatile uint16_t events[MAX_EVENTS];
static volatile unsigned int nr_events;
static volatile uint64_t taken[GIC_NR_SGIS], spurious, others, timer_wakes;
/* SGI_A's handler makes these pending, unmasks IRQs, then records the HPPIR. */
static volatile uint32_t a_raises;
static volatile uint32_t hppir_in_a;
static volatile uint8_t rpr_in_a;

static void record(uint16_t ev)
{
	if (nr_events < MAX_EVENTS)
		events[nr_events] = ev;
	nr_events++;
}

static void handler(void)
{
	uint32_t intid = gic_ack();

	if (intid == GIC_INTID_SPURIOUS) {
		spurious++;
		return;
	}
	if (intid == GIC_INTID_VTIMER) {
		/* Silence the timer: its line stays high until then. */
		write_sysreg(0, cntv_ctl_el0);
		isb();
		timer_wakes++;
		gic_eoi(intid);
		return;
	}
	if (intid >= GIC_NR_SGIS) {
		others++;
		gic_eoi(intid);
		return;
	}
	taken[intid]++;
	record((uint16_t)intid);
	if (intid == SGI_A && a_raises) {
		rpr_in_a = gic_rpr();
		mmio_write32(gic_rd_base(smp_processor_id()) + GICR_ISPENDR0, a_raises);
		/* What can preempt A is taken here. */
		irq_enable();
		irq_disable();
		hppir_in_a = gic_hppir();
		record((uint16_t)(intid | EV_EXIT));
	}
	gic_eoi(intid);
}

static void reset_events(void)
{
	nr_events = 0;
	for (unsigned int i = 0; i < GIC_NR_SGIS; i++)
		taken[i] = 0;
}

static bool events_are(const uint16_t *expect, unsigned int n)
{
	if (nr_events != n)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (events[i] != expect[i])
			return false;
	return true;
}

static void show_events(const char *what)
{
	char line[160];
	int len = 0;

	for (unsigned int i = 0; i < nr_events && i < MAX_EVENTS; i++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %s%u",
				events[i] & EV_EXIT ? "EOI" : "SGI", events[i] & 0xff);
	line[len] = 0;
	report_info("%s: events:%s", what, nr_events ? line : " none");
}

static void send_self(unsigned int sgi)
{
	gic_sgi_send(sgi, 1u << smp_processor_id());
}

static void check_pmr(void)
{
	uint64_t end;
	unsigned int wfis = 0;
	uint8_t pmr;

	gic_irq_set_priority(SGI_MASKED, 0x60);
	reset_events();

	gic_set_pmr(0x67);
	pmr = gic_pmr();
	report(pmr == 0x60, "ICC_PMR_EL1 keeps the 5 implemented bits: 0x67 reads back %#x", pmr);

	/* PMR equal to the priority: masked (it must be strictly higher). */
	gic_set_pmr(0x60);
	send_self(SGI_MASKED);
	end = timer_now() + timer_ticks_us(HOLD_US);
	while (timer_now() < end && !taken[SGI_MASKED])
		cpu_relax();
	report(!taken[SGI_MASKED] && gic_irq_pending(SGI_MASKED),
	       "PMR 0x60: a pending 0x60 SGI is not taken in %u ms of polling", HOLD_US / 1000);
	report(gic_hppir() == SGI_MASKED, "ICC_HPPIR1_EL1 still names it (%u)", gic_hppir());

	/*
	 * WFI, ended by the virtual timer, whose priority passes the mask:
	 * the SGI must still not be taken when the timer's IRQ is.
	 */
	gic_set_pmr(0x40);
	gic_irq_set_priority(GIC_INTID_VTIMER, 0x20);
	gic_irq_enable(GIC_INTID_VTIMER);
	end = timer_now() + timer_ticks_us(HOLD_US);
	write_sysreg(end, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	isb();
	while (!timer_wakes && !taken[SGI_MASKED]) {
		wfi();
		wfis++;
	}
	gic_irq_disable(GIC_INTID_VTIMER);
	report(!taken[SGI_MASKED] && timer_wakes == 1,
	       "PMR 0x40: nor while WFI waits %u ms for a 0x20 timer interrupt, which is taken",
	       HOLD_US / 1000);
	/* Not a check: WFI may return early, as long as the SGI is not taken. */
	report_info("%u WFIs in those %u ms", wfis, HOLD_US / 1000);

	gic_set_pmr(0x68);
	report(spin_until(taken[SGI_MASKED] == 1, 10000),
	       "PMR 0x68: released, it is taken at once (%lu)", taken[SGI_MASKED]);
	gic_set_pmr(0xff);
	delay_us(1000);
	report(taken[SGI_MASKED] == 1 && !gic_irq_pending(SGI_MASKED), "and only once");
}

/* A at 0x80 taken; in its handler B (0xa0) and C (0x40) become pending. */
static void check_running_priority(void)
{
	const uint16_t expect[] = { SGI_A, SGI_C, SGI_A | EV_EXIT, SGI_B };
	bool ok;

	gic_irq_set_priority(SGI_A, 0x80);
	gic_irq_set_priority(SGI_B, 0xa0);
	gic_irq_set_priority(SGI_C, 0x40);
	reset_events();
	a_raises = 1u << SGI_B | 1u << SGI_C;
	send_self(SGI_A);
	ok = spin_until(nr_events >= ARRAY_SIZE(expect), 100000);
	delay_us(1000);
	a_raises = 0;
	report(ok && events_are(expect, ARRAY_SIZE(expect)),
	       "in the 0x80 handler a 0x40 SGI preempts and a 0xa0 one waits for the EOI");
	if (!events_are(expect, ARRAY_SIZE(expect)))
		show_events("running priority");
	report(rpr_in_a == 0x80, "ICC_RPR_EL1 in the 0x80 handler is 0x80 (%#x)", rpr_in_a);
	report(hppir_in_a == SGI_B, "ICC_HPPIR1_EL1 names the waiting 0xa0 SGI (%u)", hppir_in_a);
	report(gic_rpr() == 0xff || gic_rpr() == 0xf8, "idle running priority afterwards (%#x)",
	       gic_rpr());
}

/*
 * A at 0x90 taken; in its handler B at 0x88 and C at 0x78 become pending.
 * The group priorities decide what preempts A.
 */
static void check_binary_point(void)
{
	const uint16_t coarse[] = { SGI_A, SGI_C, SGI_A | EV_EXIT, SGI_B };
	const uint16_t fine[] = { SGI_A, SGI_C, SGI_B, SGI_A | EV_EXIT };
	unsigned int bpr;
	bool ok;

	gic_irq_set_priority(SGI_A, 0x90);
	gic_irq_set_priority(SGI_B, 0x88);
	gic_irq_set_priority(SGI_C, 0x78);

	/* BPR1 = 5: group priority is bits [7:5]: A and B are both in group 0x80. */
	gic_set_bpr1(5);
	bpr = gic_bpr1();
	report(bpr == 5, "ICC_BPR1_EL1 reads back 5 (%u)", bpr);
	reset_events();
	a_raises = 1u << SGI_B | 1u << SGI_C;
	send_self(SGI_A);
	ok = spin_until(nr_events >= ARRAY_SIZE(coarse), 100000);
	delay_us(1000);
	report(ok && events_are(coarse, ARRAY_SIZE(coarse)),
	       "BPR1 5: 0x78 (group 0x60) preempts 0x90 (group 0x80), 0x88 (group 0x80) does not");
	if (!events_are(coarse, ARRAY_SIZE(coarse)))
		show_events("BPR1 5");
	report_info("BPR1 5: ICC_RPR_EL1 in the 0x90 handler %#x", rpr_in_a);

	/* The smallest binary point: every implemented bit is group priority. */
	gic_set_bpr1(0);
	reset_events();
	send_self(SGI_A);
	ok = spin_until(nr_events >= ARRAY_SIZE(fine), 100000);
	delay_us(1000);
	a_raises = 0;
	report(ok && events_are(fine, ARRAY_SIZE(fine)),
	       "BPR1 %u: both 0x78 and 0x88 preempt 0x90, in priority order", gic_bpr1());
	if (!events_are(fine, ARRAY_SIZE(fine)))
		show_events("BPR1 minimum");
	report(rpr_in_a == 0x90, "ICC_RPR_EL1 in the 0x90 handler is 0x90 (%#x)", rpr_in_a);
}

static void check_group_enable(void)
{
	reset_events();
	gic_irq_set_priority(SGI_B, 0xa0);
	write_sysreg_s(0, SYS_ICC_IGRPEN1_EL1);
	isb();
	send_self(SGI_B);
	delay_us(HOLD_US);
	report(!taken[SGI_B] && gic_irq_pending(SGI_B),
	       "ICC_IGRPEN1_EL1 0: a pending Group 1 SGI is not taken");
	write_sysreg_s(1, SYS_ICC_IGRPEN1_EL1);
	isb();
	report(spin_until(taken[SGI_B] == 1, 10000), "ICC_IGRPEN1_EL1 1: it is taken (%lu)",
	       taken[SGI_B]);
}

int main(void)
{
	report(gic_init(), "GIC redistributor found and woken");
	irq_set_handler(handler);
	for (unsigned int sgi = SGI_MASKED; sgi <= SGI_C; sgi++)
		gic_irq_enable(sgi);
	irq_enable();

	check_pmr();
	check_running_priority();
	check_binary_point();
	check_group_enable();

	irq_disable();
	report(!spurious && !others, "no spurious acknowledge and no other interrupt (%lu, %lu)",
	       spurious, others);
	return report_summary();
}
