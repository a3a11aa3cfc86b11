/*
 * Priority order of pending interrupts (IHI 0069, "Interrupt
 * prioritization" and "Preemption"): the 16 SGIs get 16 different
 * priorities and are made pending at once while the vCPU cannot take them;
 * once it can, each must be taken exactly once, highest priority (lowest
 * value) first. With QEMU's 4 list registers the hypervisor has to refill
 * the LRs as the guest drains them (underflow and no-pending maintenance
 * interrupts), and must never load a lower-priority one ahead of a higher.
 *
 * Then preemption through the running priority: an interrupt taken and not
 * yet EOI'd is preempted, inside its handler with IRQs unmasked, by the
 * pending ones of higher priority, in order, while the lower ones wait for
 * its EOI; and a chain of 16 nested interrupts, each handler raising the
 * next higher one, more active interrupts than LRs.
 *
 * The checks that fit in 4 LRs come first; overflow ones after them.
 */
#include "libguest.h"

#define NR_SGIS		GIC_NR_SGIS
#define ALL_SGIS	0xffffu
#define PRIO_STEP	8u /* 5 priority bits: values are multiples of 8 */
#define OUTER_PRIO	0x40u
#define EV_EXIT		0x100u /* event flag: the handler EOI'd it */
#define MAX_EVENTS	64u

enum mode {
	MODE_PLAIN,  /* ack, record, EOI */
	MODE_OUTER,  /* the OUTER_PRIO one makes others pending and unmasks IRQs */
	MODE_CHAIN,  /* each raises the next higher-priority SGI and unmasks IRQs */
};

static uint8_t prio[NR_SGIS];
static uint8_t by_prio[NR_SGIS]; /* INTIDs, highest priority first */

static volatile enum mode mode;
static volatile uint16_t outer_pend; /* MODE_OUTER: GICR_ISPENDR0 value to write */
static volatile uint16_t events[MAX_EVENTS];
static volatile unsigned int nr_events, depth, max_depth;
static volatile uint64_t taken[NR_SGIS], spurious, others;
static volatile bool rpr_ok;

static void record(uint16_t ev)
{
	if (nr_events < MAX_EVENTS)
		events[nr_events] = ev;
	nr_events++;
}

static void sgi_handler(void)
{
	uint32_t intid = gic_ack();

	if (intid == GIC_INTID_SPURIOUS) {
		spurious++;
		return;
	}
	if (intid >= NR_SGIS) {
		others++;
		gic_eoi(intid);
		return;
	}
	taken[intid]++;
	record((uint16_t)intid);
	if (++depth > max_depth)
		max_depth = depth;
	/* The running priority is the one of the interrupt just taken. */
	if (gic_rpr() != prio[intid])
		rpr_ok = false;

	if (mode == MODE_OUTER && prio[intid] == OUTER_PRIO) {
		mmio_write32(gic_rd_base(smp_processor_id()) + GICR_ISPENDR0, outer_pend);
		/* Higher-priority ones preempt right here, lower ones wait. */
		irq_enable();
		irq_disable();
		record((uint16_t)(intid | EV_EXIT));
	} else if (mode == MODE_CHAIN) {
		unsigned int pos = 0;

		while (by_prio[pos] != intid)
			pos++;
		if (pos > 0) {
			gic_sgi_send(by_prio[pos - 1], 1u << smp_processor_id());
			irq_enable();
			irq_disable();
		}
		record((uint16_t)(intid | EV_EXIT));
	}
	depth--;
	gic_eoi(intid);
}

static void reset_events(enum mode m)
{
	mode = m;
	nr_events = 0;
	depth = 0;
	max_depth = 0;
	rpr_ok = true;
	for (unsigned int i = 0; i < NR_SGIS; i++)
		taken[i] = 0;
}

static uint32_t pending_sgis(void)
{
	return mmio_read32(gic_rd_base(smp_processor_id()) + GICR_ISPENDR0) & ALL_SGIS;
}

static bool each_taken_once(uint32_t mask)
{
	for (unsigned int i = 0; i < NR_SGIS; i++)
		if (taken[i] != ((mask >> i) & 1))
			return false;
	return true;
}

/* The events match @expect[0..n); else the first difference is reported. */
static bool events_are(const uint16_t *expect, unsigned int n, const char *what)
{
	if (nr_events != n) {
		report_info("%s: %u events, expected %u", what, nr_events, n);
		return false;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (events[i] != expect[i]) {
			report_info("%s: event %u is %s%u (prio %#x), expected %s%u (prio %#x)", what,
				    i, events[i] & EV_EXIT ? "EOI of " : "", events[i] & 0xff,
				    prio[events[i] & 0xff], expect[i] & EV_EXIT ? "EOI of " : "",
				    expect[i] & 0xff, prio[expect[i] & 0xff]);
			return false;
		}
	}
	return true;
}

/* Highest priority first, of the SGIs in @mask. */
static unsigned int in_priority_order(uint32_t mask, uint16_t *out)
{
	unsigned int n = 0;

	for (unsigned int pos = 0; pos < NR_SGIS; pos++)
		if (mask & (1u << by_prio[pos]))
			out[n++] = by_prio[pos];
	return n;
}

static void setup_priorities(void)
{
	unsigned int bpr;
	bool ok = true;

	/* A permutation of the 16 values 0x00, 0x08 .. 0x78 (5 coprime with 16). */
	for (unsigned int i = 0; i < NR_SGIS; i++) {
		prio[i] = (uint8_t)(((i * 5 + 3) % NR_SGIS) * PRIO_STEP);
		by_prio[prio[i] / PRIO_STEP] = (uint8_t)i;
		gic_irq_set_priority(i, prio[i]);
	}
	for (unsigned int i = 0; i < NR_SGIS; i++)
		ok &= gic_irq_priority(i) == prio[i];
	report(ok, "16 SGIs with 16 priorities 0x00..0x78, read back from GICR_IPRIORITYR");

	/* Each priority is its own group: the binary point at its minimum. */
	gic_set_bpr1(0);
	bpr = gic_bpr1();
	report(bpr <= 3, "ICC_BPR1_EL1 written 0 reads back its minimum, %u (at most 3)", bpr);
	report_info("ICC_CTLR_EL1.PRIbits: %u priority bits",
		    ICC_CTLR_PRIBITS(read_sysreg_s(SYS_ICC_CTLR_EL1)));
	for (unsigned int i = 0; i < NR_SGIS; i++)
		gic_irq_enable(i);
}

/* Make @mask pending with PSTATE.I set, then unmask: taken once each, in order. */
static void check_masked_by_psr(uint32_t mask, const char *what)
{
	uint16_t expect[NR_SGIS];
	unsigned int n = in_priority_order(mask, expect);
	uint32_t pend;
	bool all;

	reset_events(MODE_PLAIN);
	irq_disable();
	for (unsigned int i = 0; i < NR_SGIS; i++)
		if (mask & (1u << i))
			gic_sgi_send(i, 1u << smp_processor_id());
	pend = pending_sgis();
	report(pend == mask, "%s: with PSTATE.I set all are pending (GICR_ISPENDR0 %#x)", what,
	       pend);
	irq_enable();
	all = spin_until(nr_events >= n, 1000000);
	delay_us(1000);
	report(all && each_taken_once(mask), "%s: each taken exactly once when unmasked", what);
	report(events_are(expect, n, what), "%s: taken in priority order, highest first", what);
	report(rpr_ok, "%s: ICC_RPR_EL1 in each handler is that interrupt's priority", what);
	report(pending_sgis() == 0, "%s: none left pending", what);
}

/* The same with ICC_PMR_EL1 = 0 masking everything and one GICR_ISPENDR0 write. */
static void check_masked_by_pmr(void)
{
	uint16_t expect[NR_SGIS];
	unsigned int n = in_priority_order(ALL_SGIS, expect);
	uint32_t pend;
	bool all;

	reset_events(MODE_PLAIN);
	gic_set_pmr(0);
	mmio_write32(gic_rd_base(smp_processor_id()) + GICR_ISPENDR0, ALL_SGIS);
	delay_us(1000);
	pend = pending_sgis();
	report(nr_events == 0 && pend == ALL_SGIS,
	       "PMR 0: 16 SGIs made pending by one GICR_ISPENDR0 write wait (%u taken, %#x)",
	       nr_events, pend);
	gic_set_pmr(0xff);
	all = spin_until(nr_events >= n, 1000000);
	delay_us(1000);
	report(all && each_taken_once(ALL_SGIS), "PMR 0xff: each taken exactly once");
	report(events_are(expect, n, "PMR"), "PMR 0xff: taken in priority order, highest first");
}

/*
 * The OUTER_PRIO SGI is taken alone; its handler makes the SGIs of @others
 * pending in one write and unmasks IRQs. Expected: the higher-priority ones
 * nest, in order, before its EOI; the lower ones come after it, in order.
 */
static void check_preemption(uint32_t others_mask, const char *what)
{
	unsigned int outer = by_prio[OUTER_PRIO / PRIO_STEP], n = 0;
	uint16_t expect[2 * NR_SGIS], order[NR_SGIS];
	unsigned int m = in_priority_order(others_mask, order);
	bool all;

	expect[n++] = (uint16_t)outer;
	for (unsigned int i = 0; i < m; i++)
		if (prio[order[i]] < OUTER_PRIO)
			expect[n++] = order[i];
	expect[n++] = (uint16_t)(outer | EV_EXIT);
	for (unsigned int i = 0; i < m; i++)
		if (prio[order[i]] > OUTER_PRIO)
			expect[n++] = order[i];

	reset_events(MODE_OUTER);
	outer_pend = (uint16_t)others_mask;
	gic_sgi_send(outer, 1u << smp_processor_id());
	all = spin_until(nr_events >= n, 1000000);
	delay_us(1000);
	report(all && each_taken_once(others_mask | 1u << outer),
	       "%s: the SGI at %#x and %u others each taken once", what, OUTER_PRIO, m);
	report(events_are(expect, n, what),
	       "%s: higher priorities preempt the %#x handler in order, lower ones wait for its EOI",
	       what, OUTER_PRIO);
	report(rpr_ok, "%s: ICC_RPR_EL1 in each handler is that interrupt's priority", what);
}

/* Each handler raises the next higher-priority SGI: 16 nested, all active at once. */
static void check_chain(void)
{
	uint16_t expect[2 * NR_SGIS];
	unsigned int n = 0;
	bool all;

	for (unsigned int pos = NR_SGIS; pos-- > 0;)
		expect[n++] = by_prio[pos];
	for (unsigned int pos = 0; pos < NR_SGIS; pos++)
		expect[n++] = (uint16_t)(by_prio[pos] | EV_EXIT);

	reset_events(MODE_CHAIN);
	gic_sgi_send(by_prio[NR_SGIS - 1], 1u << smp_processor_id());
	all = spin_until(nr_events >= n, 1000000);
	delay_us(1000);
	report(all && each_taken_once(ALL_SGIS) && max_depth == NR_SGIS,
	       "chain: 16 SGIs nested 16 deep, each taken once (depth %u)", max_depth);
	report(events_are(expect, n, "chain"),
	       "chain: entered lowest priority first, EOI'd highest priority first");
	report(rpr_ok, "chain: ICC_RPR_EL1 in each handler is that interrupt's priority");
	report(gic_rpr() == 0xff || gic_rpr() == 0xf8,
	       "chain: idle running priority after the last EOI (%#x)", gic_rpr());
	report(pending_sgis() == 0 &&
		       !(mmio_read32(gic_rd_base(smp_processor_id()) + GICR_ISACTIVER0) & ALL_SGIS),
	       "chain: nothing left pending or active");
}

int main(void)
{
	uint32_t fits, around, outer;

	report(gic_init(), "GIC redistributor found and woken");
	irq_set_handler(sgi_handler);
	setup_priorities();

	/* Four SGIs: as many as QEMU's list registers. */
	fits = 1u << by_prio[0] | 1u << by_prio[5] | 1u << by_prio[9] | 1u << by_prio[15];
	/* Around the SGI at OUTER_PRIO: two above it and one below, 4 in flight at most. */
	around = 1u << by_prio[2] | 1u << by_prio[6] | 1u << by_prio[12];
	outer = 1u << by_prio[OUTER_PRIO / PRIO_STEP];

	check_masked_by_psr(fits, "4 SGIs");
	check_preemption(around, "4 SGIs");

	/* More interrupts than list registers from here on. */
	check_masked_by_psr(ALL_SGIS, "16 SGIs");
	check_masked_by_pmr();
	check_preemption(ALL_SGIS & ~outer, "16 SGIs");
	check_chain();

	irq_disable();
	report(!spurious && !others, "no spurious acknowledge and no other interrupt (%lu, %lu)",
	       spurious, others);
	return report_summary();
}
