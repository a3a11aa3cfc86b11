/*
 * The guest PMUv3 (Arm ARM D7): what a kernel's PMU driver relies on.
 *
 *  - PMCR_EL0.N and ID_AA64DFR0_EL1.PMUVer say there is a PMU; PMCEID0 lists
 *    cycles, SW_INCR and CHAIN; a counter past N is UNDEFINED;
 *  - the cycle counter counts while enabled and stands still when not;
 *  - instructions retired (when PMCEID0 lists it: QEMU with -icount) of a
 *    loop of known length, within a few instructions;
 *  - PMSWINC steps SW_INCR counters that are enabled, and only those;
 *  - an overflow raises PPI 23, once when the handler clears PMOVSCLR, again
 *    and again while it does not (a level);
 *  - a chained pair: the odd counter counts the even one's overflows;
 *  - PMUSERENR_EL0: EL0 reaches what EN, CR and SW grant and traps to EL1
 *    (EC 0x18) for the rest; EL1-only registers stay UNDEFINED at EL0;
 *  - isolation: vCPU 1's counters stand still while it waits and vCPU 0
 *    runs, and its PMSWINC does not touch vCPU 0's counters.
 */
#include "libguest.h"

#define PMCR_EL0       S3_3_C9_C12_0
#define PMCNTENSET_EL0 S3_3_C9_C12_1
#define PMCNTENCLR_EL0 S3_3_C9_C12_2
#define PMOVSCLR_EL0   S3_3_C9_C12_3
#define PMSWINC_EL0    S3_3_C9_C12_4
#define PMSELR_EL0     S3_3_C9_C12_5
#define PMCEID0_EL0    S3_3_C9_C12_6
#define PMCCNTR_EL0    S3_3_C9_C13_0
#define PMXEVTYPER_EL0 S3_3_C9_C13_1
#define PMXEVCNTR_EL0  S3_3_C9_C13_2
#define PMOVSSET_EL0   S3_3_C9_C14_3
#define PMINTENSET_EL1 S3_0_C9_C14_1
#define PMINTENCLR_EL1 S3_0_C9_C14_2
#define PMCCFILTR_EL0  S3_3_C14_C15_7
#define PMUSERENR_EL0  S3_3_C9_C14_0

#define USERENR_EN (1ul << 0)
#define USERENR_SW (1ul << 1)
#define USERENR_CR (1ul << 2)
#define ESR_EC_SYS64 0x18u

#define PMCR_E  (1ul << 0)
#define PMCR_P  (1ul << 1)
#define PMCR_C  (1ul << 2)
#define PMCR_LC (1ul << 6)
#define CYCLE   (1ul << 31)

#define EVT_SW_INCR 0x00u
#define EVT_INSNS   0x08u
#define EVT_CYCLES  0x11u
#define EVT_CHAIN   0x1eu

#define GIC_INTID_PMU 23u
#define LOOP_TURNS    10000ul

static unsigned int nr_counters;

static void select_counter(unsigned int i)
{
	write_sysreg_s(i, PMSELR_EL0);
	isb();
}

static void set_type(unsigned int i, uint64_t type)
{
	select_counter(i);
	write_sysreg_s(type, PMXEVTYPER_EL0);
}

static uint64_t get_counter(unsigned int i)
{
	select_counter(i);
	return read_sysreg_s(PMXEVCNTR_EL0);
}

static void set_counter(unsigned int i, uint64_t v)
{
	select_counter(i);
	write_sysreg_s(v, PMXEVCNTR_EL0);
}

/* Two instructions a turn: SUBS, B.NE. */
static void spin_loop(uint64_t turns)
{
	asm volatile("1:	subs	%0, %0, #1\n"
		     "	b.ne	1b"
		     : "+r"(turns)
		     :
		     : "cc");
}

static void pmu_quiet(void)
{
	write_sysreg_s(~0ul, PMCNTENCLR_EL0);
	write_sysreg_s(~0ul, PMINTENCLR_EL1);
	write_sysreg_s(~0ul, PMOVSCLR_EL0);
	write_sysreg_s(PMCR_P | PMCR_C | PMCR_LC, PMCR_EL0);
	isb();
}

static void check_presence(void)
{
	uint64_t pmcr = read_sysreg_s(PMCR_EL0), dfr0 = read_sysreg(id_aa64dfr0_el1);
	uint64_t ceid0 = read_sysreg_s(PMCEID0_EL0);
	struct exception_info ex;
	bool taken;

	nr_counters = (pmcr >> 11) & 0x1f;
	report(((dfr0 >> 8) & 0xf) == 1, "ID_AA64DFR0_EL1.PMUVer is 1, PMUv3 (%lu)",
	       (dfr0 >> 8) & 0xf);
	report(nr_counters >= 4 && nr_counters < 31, "PMCR_EL0.N = %u event counters", nr_counters);
	report((ceid0 & (1ul << EVT_CYCLES)) && (ceid0 & (1ul << EVT_SW_INCR)) &&
		       (ceid0 & (1ul << EVT_CHAIN)),
	       "PMCEID0_EL0 lists CPU_CYCLES, SW_INCR and CHAIN (%#lx)", ceid0);
	report((ceid0 & ~((1ul << EVT_SW_INCR) | (1ul << EVT_INSNS) | (1ul << EVT_CYCLES) |
			  (1ul << EVT_CHAIN))) == 0,
	       "PMCEID0_EL0 lists nothing that does not count");
	select_counter(nr_counters);
	expect_exception();
	(void)read_sysreg_s(PMXEVCNTR_EL0);
	taken = exception_taken(&ex);
	report(taken && ESR_EC(ex.esr) == ESR_EC_UNKNOWN, "event counter N (%u) is UNDEFINED",
	       nr_counters);
}

static void check_cycles(void)
{
	uint64_t a, b, c;

	pmu_quiet();
	write_sysreg_s(0, PMCCFILTR_EL0);
	write_sysreg_s(PMCR_E | PMCR_LC, PMCR_EL0);
	write_sysreg_s(CYCLE, PMCNTENSET_EL0);
	isb();
	a = read_sysreg_s(PMCCNTR_EL0);
	spin_loop(LOOP_TURNS);
	b = read_sysreg_s(PMCCNTR_EL0);
	report(b > a, "the cycle counter counts a loop (%lu cycles)", b - a);
	write_sysreg_s(CYCLE, PMCNTENCLR_EL0);
	isb();
	b = read_sysreg_s(PMCCNTR_EL0);
	spin_loop(LOOP_TURNS);
	c = read_sysreg_s(PMCCNTR_EL0);
	report(c == b, "a disabled cycle counter stands still (%lu, %lu)", b, c);
}

static void check_insns(void)
{
	uint64_t n;

	if (!(read_sysreg_s(PMCEID0_EL0) & (1ul << EVT_INSNS))) {
		report_skip("INST_RETIRED not counted by this CPU (QEMU without -icount)");
		return;
	}
	pmu_quiet();
	set_type(0, EVT_INSNS); /* EL1 and EL0, not EL2 */
	set_counter(0, 0);
	write_sysreg_s(PMCR_E, PMCR_EL0);
	isb();
	write_sysreg_s(1ul, PMCNTENSET_EL0);
	spin_loop(LOOP_TURNS);
	n = get_counter(0);
	/* 2 per turn, and the few around the loop up to the trapped read. */
	report(n >= 2 * LOOP_TURNS && n <= 2 * LOOP_TURNS + 16,
	       "instructions retired by a %lu-turn loop: %lu (expected %lu..%lu)", LOOP_TURNS, n,
	       2 * LOOP_TURNS, 2 * LOOP_TURNS + 16);
}

static void check_swinc(void)
{
	pmu_quiet();
	set_type(1, EVT_SW_INCR);
	set_type(2, EVT_SW_INCR);
	write_sysreg_s(PMCR_E, PMCR_EL0);
	write_sysreg_s(1ul << 1, PMCNTENSET_EL0);
	for (int i = 0; i < 3; i++)
		write_sysreg_s((1ul << 1) | (1ul << 2), PMSWINC_EL0);
	report(get_counter(1) == 3, "PMSWINC steps an enabled SW_INCR counter (%lu)",
	       get_counter(1));
	report(get_counter(2) == 0, "and not a disabled one (%lu)", get_counter(2));
}

static volatile unsigned int pmu_irqs, other_irqs, clear_after;
static volatile uint64_t ovs_in_handler;

static void pmu_handler(void)
{
	uint32_t intid = gic_ack();

	if (intid != GIC_INTID_PMU) {
		other_irqs++;
		if (intid != GIC_INTID_SPURIOUS)
			gic_eoi(intid);
		return;
	}
	ovs_in_handler = read_sysreg_s(PMOVSSET_EL0);
	if (++pmu_irqs >= clear_after) {
		write_sysreg_s(1ul, PMOVSCLR_EL0);
		isb(); /* the line is low before the EOI */
	}
	gic_eoi(intid);
}

/* Counter 0 (SW_INCR) from 0xffffffff: one PMSWINC overflows it. */
static unsigned int overflow_once(unsigned int clear_on)
{
	pmu_quiet();
	pmu_irqs = 0;
	clear_after = clear_on;
	set_type(0, EVT_SW_INCR);
	set_counter(0, 0xffffffffu);
	write_sysreg_s(1ul, PMINTENSET_EL1);
	write_sysreg_s(PMCR_E, PMCR_EL0);
	write_sysreg_s(1ul, PMCNTENSET_EL0);
	write_sysreg_s(1ul, PMSWINC_EL0);
	isb();
	irq_enable();
	spin_until(pmu_irqs >= clear_on, 100000);
	delay_us(2000); /* time for a redelivery that should not happen */
	irq_disable();
	return pmu_irqs;
}

static void check_overflow_irq(void)
{
	unsigned int n;

	irq_set_handler(pmu_handler);
	gic_irq_enable(GIC_INTID_PMU);
	n = overflow_once(1);
	report(n == 1, "an overflow raises PPI 23 once when the handler clears PMOVSCLR (%u)", n);
	report(ovs_in_handler & 1, "PMOVSSET_EL0 bit 0 set in the handler (%#lx)", ovs_in_handler);
	report(get_counter(0) == 0, "the overflowed counter wrapped to 0 (%lu)", get_counter(0));
	report(!gic_irq_pending(GIC_INTID_PMU), "PPI 23 not pending after PMOVSCLR");
	n = overflow_once(3);
	report(n == 3, "a handler that does not clear PMOVS gets it again: level (%u, want 3)", n);
	report(other_irqs == 0, "no other interrupt (%u)", other_irqs);
	/* Overflow with the interrupt disabled: the flag, no interrupt. */
	pmu_quiet();
	pmu_irqs = 0;
	set_counter(0, 0xffffffffu);
	write_sysreg_s(PMCR_E, PMCR_EL0);
	write_sysreg_s(1ul, PMCNTENSET_EL0);
	write_sysreg_s(1ul, PMSWINC_EL0);
	irq_enable();
	delay_us(2000);
	irq_disable();
	report(pmu_irqs == 0 && (read_sysreg_s(PMOVSSET_EL0) & 1),
	       "with PMINTENSET clear: PMOVSSET set, no interrupt (%u)", pmu_irqs);
	pmu_quiet();
	gic_irq_disable(GIC_INTID_PMU);
}

static void check_chain(void)
{
	uint64_t lo, hi;

	pmu_quiet();
	set_type(2, EVT_SW_INCR);
	set_type(3, EVT_CHAIN);
	set_counter(2, 0xfffffffeu);
	set_counter(3, 7);
	write_sysreg_s(PMCR_E, PMCR_EL0);
	write_sysreg_s((1ul << 2) | (1ul << 3), PMCNTENSET_EL0);
	write_sysreg_s(1ul << 2, PMSWINC_EL0);
	report(get_counter(3) == 7, "CHAIN: no step before the even counter overflows (%lu)",
	       get_counter(3));
	write_sysreg_s(1ul << 2, PMSWINC_EL0);
	lo = get_counter(2);
	hi = get_counter(3);
	report(lo == 0 && hi == 8, "CHAIN: the even counter's overflow steps the odd one (%lu:%lu)",
	       hi, lo);

	/* Cycles on the even counter, overflowing a few times in hardware. */
	pmu_quiet();
	set_type(2, EVT_CYCLES);
	set_type(3, EVT_CHAIN);
	set_counter(2, 0xffffff00u);
	set_counter(3, 0);
	write_sysreg_s(PMCR_E, PMCR_EL0);
	write_sysreg_s((1ul << 2) | (1ul << 3), PMCNTENSET_EL0);
	spin_loop(LOOP_TURNS);
	write_sysreg_s((1ul << 2) | (1ul << 3), PMCNTENCLR_EL0);
	hi = get_counter(3);
	report(hi == 1, "CHAIN over CPU_CYCLES: the pair crossed 2^32 once (%lu:%lu)", hi,
	       get_counter(2));
	report(read_sysreg_s(PMOVSSET_EL0) & (1ul << 2), "and the even counter's PMOVS bit is set");
	pmu_quiet();
}

/* ---- EL0 access (PMUSERENR_EL0) */

static uint64_t el0_read_ccntr(void)
{
	return read_sysreg_s(PMCCNTR_EL0);
}

static uint64_t el0_swinc(void)
{
	write_sysreg_s(1ul, PMSWINC_EL0);
	return 0;
}

static uint64_t el0_read_inten(void)
{
	return read_sysreg_s(PMINTENSET_EL1);
}

static uint64_t el0_write_userenr(void)
{
	write_sysreg_s(0, PMUSERENR_EL0);
	return 0;
}

/* fn at EL0: the EC of the exception it took, or -1 for none. */
static int el0_try(uint64_t (*fn)(void), uint64_t *val)
{
	struct exception_info ex;
	uint64_t v;

	expect_exception();
	v = el0_run(fn);
	if (exception_taken(&ex))
		return (int)ESR_EC(ex.esr);
	if (val)
		*val = v;
	return -1;
}

static void check_el0(void)
{
	uint64_t a = 0, b = 0;
	int ec;

	pmu_quiet();
	write_sysreg_s(0, PMUSERENR_EL0);
	ec = el0_try(el0_read_ccntr, NULL);
	report(ec == ESR_EC_SYS64, "EL0 PMCCNTR_EL0 read with PMUSERENR_EL0 0 traps to EL1 (EC %#x)",
	       ec);

	write_sysreg_s(PMCR_E | PMCR_LC, PMCR_EL0);
	write_sysreg_s(CYCLE, PMCNTENSET_EL0);
	write_sysreg_s(USERENR_EN, PMUSERENR_EL0);
	isb();
	report(el0_try(el0_read_ccntr, &a) < 0 && el0_try(el0_read_ccntr, &b) < 0 && b > a,
	       "EL0 reads the running cycle counter with PMUSERENR_EL0.EN (%lu, %lu)", a, b);
	ec = el0_try(el0_read_inten, NULL);
	report(ec == ESR_EC_UNKNOWN, "EL0 PMINTENSET_EL1 read is UNDEFINED (EC %#x)", ec);
	ec = el0_try(el0_write_userenr, NULL);
	report(ec == ESR_EC_UNKNOWN, "EL0 PMUSERENR_EL0 write is UNDEFINED (EC %#x)", ec);
	report(read_sysreg_s(PMUSERENR_EL0) == USERENR_EN, "and PMUSERENR_EL0 kept its value");

	write_sysreg_s(USERENR_CR, PMUSERENR_EL0);
	isb();
	ec = el0_try(el0_read_ccntr, NULL);
	report(ec < 0, "EL0 PMCCNTR_EL0 read with PMUSERENR_EL0.CR only (EC %#x)", ec);
	ec = el0_try(el0_swinc, NULL);
	report(ec == ESR_EC_SYS64, "but its PMSWINC_EL0 write traps to EL1 (EC %#x)", ec);

	set_type(0, EVT_SW_INCR);
	set_counter(0, 0);
	write_sysreg_s(1ul, PMCNTENSET_EL0);
	write_sysreg_s(USERENR_SW, PMUSERENR_EL0);
	isb();
	ec = el0_try(el0_swinc, NULL);
	report(ec < 0 && get_counter(0) == 1, "EL0 PMSWINC_EL0 with PMUSERENR_EL0.SW steps counter 0 "
	       "(EC %#x, %lu)", ec, get_counter(0));
	write_sysreg_s(0, PMUSERENR_EL0);
	pmu_quiet();
}

/* ---- isolation between vCPUs (both on one physical CPU) */

static uint32_t v1_phase;
static uint64_t v1_before, v1_after, v1_sw;

static void vcpu1_main(void *arg)
{
	(void)arg;
	pmu_quiet();
	set_type(0, EVT_SW_INCR);
	write_sysreg_s(PMCR_E | PMCR_LC, PMCR_EL0);
	write_sysreg_s(CYCLE | 1ul, PMCNTENSET_EL0);
	for (int i = 0; i < 5; i++)
		write_sysreg_s(1ul, PMSWINC_EL0);
	v1_sw = get_counter(0);
	v1_before = read_sysreg_s(PMCCNTR_EL0);
	/* Blocked in WFI for 50 ms while vCPU 0 spins. */
	timer_wfi_until(timer_now() + timer_ticks_us(50000));
	v1_after = read_sysreg_s(PMCCNTR_EL0);
	pmu_quiet();
	store_release32(&v1_phase, 1);
	smp_notify();
}

static void check_isolation(void)
{
	uint64_t c0, c1, mine;
	int32_t r;

	if (boot.nr_vcpus < 2) {
		report_skip("one vCPU: isolation not checked");
		return;
	}
	pmu_quiet();
	set_type(0, EVT_SW_INCR);
	set_counter(0, 0);
	write_sysreg_s(PMCR_E | PMCR_LC, PMCR_EL0);
	write_sysreg_s(CYCLE | 1ul, PMCNTENSET_EL0);
	c0 = read_sysreg_s(PMCCNTR_EL0);
	r = smp_start(1, vcpu1_main, NULL);
	report(r == PSCI_RET_SUCCESS, "vCPU 1 started (%d)", r);
	if (r != PSCI_RET_SUCCESS)
		return;
	while (!load_acquire32(&v1_phase))
		spin_loop(LOOP_TURNS);
	c1 = read_sysreg_s(PMCCNTR_EL0);
	mine = get_counter(0);
	smp_wait(1);
	report(v1_sw == 5, "vCPU 1's PMSWINC steps its own counter 0 (%lu)", v1_sw);
	report(mine == 0, "and not vCPU 0's (%lu)", mine);
	report(c1 - c0 > 0, "vCPU 0's cycle counter ran while it spun (%lu)", c1 - c0);
	report(v1_after - v1_before < (c1 - c0) / 4,
	       "vCPU 1's cycle counter stood still while it waited: %lu against vCPU 0's %lu",
	       v1_after - v1_before, c1 - c0);
	pmu_quiet();
}

int main(void)
{
	report(gic_init(), "GIC redistributor found and woken");
	check_presence();
	if (nr_counters < 4) {
		report_skip("fewer than 4 event counters: the rest is not run");
		return report_summary();
	}
	check_cycles();
	check_insns();
	check_swinc();
	check_overflow_irq();
	check_chain();
	check_el0();
	check_isolation();
	return report_summary();
}
