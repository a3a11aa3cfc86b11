/*
 * WFE and WFI as a hypervisor handles them: WFE must come back (hypscope
 * traps it and yields), WFI must block until the EL1 virtual timer fires and
 * then return, with PSTATE.I kept set so the interrupt is never taken
 * (Arm ARM, "Wait for Interrupt": a pending interrupt ends WFI whatever
 * PSTATE.I says).
 * Every vCPU runs the timer part at once, each with its own deadlines.
 */
#include "libguest.h"

#define WAITS	     8
#define WAIT_US	     5000
#define MAX_WFI_EACH 4 /* more than this per wait: WFI is not really blocking */
#define DAIF_I	     (1u << 7)

static void check_wfe(void)
{
	uint64_t start, kctl = read_sysreg(cntkctl_el1);

	/* SEVL sets the event register, so this first WFE must fall through. */
	sevl();
	wfe();
	report(true, "WFE after SEVL returns");

	/*
	 * Plain WFEs: hypscope traps and yields. The event stream (CNTKCTL_EL1.
	 * EVNTEN, an event every 2^(EVNTI+1) counter ticks) bounds the wait
	 * where WFE really sleeps.
	 */
	write_sysreg((kctl & ~0xf0ull) | (1u << 2) | (9u << 4), cntkctl_el1);
	isb();
	start = timer_now();
	for (unsigned int i = 0; i < 100; i++)
		wfe();
	report(timer_now() - start < timer_freq(), "100 WFEs return within a second (%lu ticks)",
	       timer_now() - start);
	write_sysreg(kctl, cntkctl_el1);
	isb();
}

/* One wait written out, to look at CNTV_CTL_EL0 while the condition holds. */
static void check_one_wfi(void)
{
	uint64_t cval, ctl, now;
	unsigned int n;

	/* timer_wfi_until() also makes the timer reach the CPU on a plain board. */
	timer_wfi_until(timer_now());

	cval = timer_now() + timer_ticks_us(WAIT_US);
	write_sysreg(cval, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	/* Arm the timer before waiting for it. */
	isb();
	n = 0;
	do {
		wfi();
		n++;
	} while (timer_now() < cval && n < 1000);
	now = timer_now();
	ctl = read_sysreg(cntv_ctl_el0);
	write_sysreg(0, cntv_ctl_el0);
	isb();

	report(now >= cval, "WFI with CNTV armed returns once CNTVCT >= CVAL (late by %ld ticks)",
	       (int64_t)(now - cval));
	report(n <= MAX_WFI_EACH, "WFI blocked until the timer fired (%u WFI)", n);
	report(ctl & CNT_CTL_ISTATUS, "CNTV_CTL_EL0.ISTATUS is set after the wake-up (%#lx)", ctl);
	report(read_sysreg(daif) & DAIF_I, "PSTATE.I stayed set: the interrupt was not taken");
}

static void check_past_deadline(void)
{
	uint64_t start = timer_now();
	unsigned int n = timer_wfi_until(start - 1);

	report(n == 0 && timer_now() - start < timer_freq() / 10,
	       "a deadline already passed does not wait (%u WFI)", n);

	/* CVAL in the past but the timer enabled: WFI must not block. */
	write_sysreg(start - 1, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	isb();
	wfi();
	write_sysreg(0, cntv_ctl_el0);
	isb();
	report(timer_now() - start < timer_freq(), "WFI with the timer condition already met returns");
}

struct wfi_result {
	uint32_t done;
	uint32_t late;	  /* waits that returned before CVAL */
	uint32_t wfis;	  /* WFIs over all waits */
	uint64_t max_over; /* worst lateness, ticks */
};

static struct wfi_result results[GUEST_MAX_VCPUS];

/* WAITS timed waits, staggered per vCPU so their deadlines differ. */
static void timed_waits(void *arg)
{
	struct wfi_result *r = arg;
	unsigned int cpu = smp_processor_id();

	for (unsigned int i = 0; i < WAITS; i++) {
		uint64_t cval = timer_now() + timer_ticks_us(WAIT_US + 700 * cpu);
		uint64_t now;

		r->wfis += timer_wfi_until(cval);
		now = timer_now();
		if (now < cval)
			r->late++;
		else if (now - cval > r->max_over)
			r->max_over = now - cval;
	}
	/* Pairs with the load_acquire32() in main(). */
	store_release32(&r->done, 1);
	smp_notify();
}

int main(void)
{
	unsigned int n = boot.nr_vcpus, started = 1;

	check_wfe();
	check_one_wfi();
	check_past_deadline();

	for (unsigned int cpu = 1; cpu < n; cpu++) {
		int32_t r = smp_start(cpu, timed_waits, &results[cpu]);

		report(r == PSCI_RET_SUCCESS, "vCPU %u started (%d)", cpu, r);
		if (r == PSCI_RET_SUCCESS)
			started++;
	}
	timed_waits(&results[0]);
	for (unsigned int cpu = 0; cpu < started; cpu++) {
		struct wfi_result *r = &results[cpu];

		while (!load_acquire32(&r->done))
			wfe();
		report(r->late == 0, "vCPU %u: %u timed WFI waits all ended at or after CVAL", cpu,
		       WAITS);
		report(r->wfis <= WAITS * MAX_WFI_EACH, "vCPU %u: WFI blocked (%u WFIs for %u waits)",
		       cpu, r->wfis, WAITS);
		report_info("vCPU %u: worst wake-up latency %lu us", cpu,
			    r->max_over * 1000000 / timer_freq());
		if (cpu)
			smp_wait(cpu);
	}
	return report_summary();
}
