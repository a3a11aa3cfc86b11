/*
 * SGIs between vCPUs (IHI 0069, "Software Generated Interrupts" and
 * ICC_SGI1R_EL1): vCPUs 0 and 1, on different physical CPUs, bounce an SGI
 * back and forth thousands of times, each side waiting for the other's:
 * once polling with IRQs unmasked (the SGI interrupts a running vCPU), once
 * in WFI (the SGI wakes a blocked one). None may be lost or duplicated. Then an IRM = 1 broadcast from
 * vCPU 0 and from the last vCPU reaches every other vCPU exactly once and
 * never the sender, and every vCPU sends an SGI to itself, both with IRQs
 * unmasked (taken at once) and masked (pending until unmasked).
 *
 * Runs with any number of vCPUs from 2; the ping-pong pair is 0 and 1.
 */
#include "libguest.h"

#define ROUND_TRIPS	5000u  /* waiting in WFI */
#define POLL_ROUND_TRIPS 1000u /* polling: slower under TCG, where both vCPUs spin */
#define BCAST_ROUNDS	200u
#define STALL_MS	1000u  /* a round trip longer is a stall (polling: see STALL_SPINS) */
#define QUIET_US	10000u /* time to wait for a late duplicate */
/*
 * Polling, a round trip is a stall when it took STALL_MS and both vCPUs ran
 * meanwhile: each spun at least STALL_SPINS times in its wait. The counter
 * is the host's time, so wall time alone also counts the time QEMU's thread
 * for a vCPU waits for a host CPU: a loaded host (load 14 on 2 CPUs) made a
 * round trip take 1.3 s while the two vCPUs spun at a tenth of their rate
 * (docs/robustness.md). A lost SGI or kick leaves the target spinning, and
 * both sides reach STALL_SPINS in about half of STALL_MS on an idle host
 * (about 2,000 turns a ms each under TCG), later on a loaded one.
 * GIVE_UP_MS ends a wait whatever the spins say (a vCPU that never runs).
 */
#define STALL_SPINS	1000000u
#define GIVE_UP_MS	30000u

#define SGI_PING	1u
#define SGI_PONG	2u
#define SGI_BCAST	3u
#define SGI_SELF	4u

/* Written by the owning vCPU's handler only; read by anybody. */
static uint64_t sgi_count[GUEST_MAX_VCPUS][GIC_NR_SGIS];
static uint64_t other_irqs[GUEST_MAX_VCPUS]; /* PPIs, SPIs: nothing should send them */
static uint64_t spurious[GUEST_MAX_VCPUS];
static uint64_t pcpu_of[GUEST_MAX_VCPUS];
static bool pcpu_known;
static uint64_t arrivals; /* vcpu_sync() */
static uint32_t pair_ready[4][2]; /* vcpu_pair_sync() */
static unsigned int nr_cpus;

static void sgi_handler(void)
{
	unsigned int cpu = smp_processor_id();
	uint32_t intid = gic_ack();

	if (intid == GIC_INTID_SPURIOUS) {
		spurious[cpu]++;
		return;
	}
	if (intid < GIC_NR_SGIS)
		/* Pairs with the load_acquire64() of whoever waits for it. */
		store_release64(&sgi_count[cpu][intid], sgi_count[cpu][intid] + 1);
	else
		other_irqs[cpu]++;
	gic_eoi(intid);
	/* Wake a vCPU polling for this count in WFE. */
	smp_notify();
}

static uint64_t count(unsigned int cpu, unsigned int sgi)
{
	return load_acquire64(&sgi_count[cpu][sgi]);
}

/* Every vCPU calls it the same number of times: phase @phase starts together. */
static void vcpu_sync(unsigned int phase)
{
	atomic_add_return(&arrivals, 1);
	smp_notify();
	while (load_acquire64(&arrivals) < (uint64_t)phase * nr_cpus)
		wfe();
}

/* vCPUs 0 and 1 start a ping-pong run together. */
static void vcpu_pair_sync(unsigned int run)
{
	unsigned int cpu = smp_processor_id();

	store_release32(&pair_ready[run][cpu], 1);
	smp_notify();
	while (!load_acquire32(&pair_ready[run][!cpu]))
		wfe();
}

/*
 * Wait until this vCPU has taken @target of SGI @sgi, in WFI with IRQs
 * masked around the check, so an SGI arriving between the check and the
 * WFI still ends the WFI (a pending interrupt does, whatever PSTATE.I says)
 * and is taken once IRQs are unmasked again. CNTV is armed at the
 * deadline, so WFI cannot block past it even if the SGI never comes.
 */
static bool wait_sgi(unsigned int sgi, uint64_t target, uint64_t deadline)
{
	unsigned int cpu = smp_processor_id();
	bool ok;

	for (;;) {
		irq_disable();
		ok = count(cpu, sgi) >= target;
		if (ok || timer_now() >= deadline)
			break;
		wfi();
		irq_enable();
	}
	irq_enable();
	return ok;
}

static void arm_deadline(uint64_t deadline)
{
	/* The virtual timer's PPI stays disabled: it only bounds WFI. */
	write_sysreg(deadline, cntv_cval_el0);
	write_sysreg(CNT_CTL_ENABLE, cntv_ctl_el0);
	isb();
}

static void disarm_deadline(void)
{
	write_sysreg(0, cntv_ctl_el0);
	isb();
}

static void setup(void)
{
	unsigned int cpu = smp_processor_id();
	struct smccc_res r;
	bool ok = gic_init();

	report(ok, "vCPU %u: GIC redistributor found and woken", cpu);
	irq_set_handler(sgi_handler);
	for (unsigned int sgi = 0; sgi < GIC_NR_SGIS; sgi++)
		gic_irq_enable(sgi);

	r = smccc_hvc(HYPSCOPE_HVC_PCPU, 0, 0, 0);
	if ((int64_t)r.a0 == SMCCC_RET_SUCCESS) {
		pcpu_of[cpu] = r.a1;
		pcpu_known = true;
	}
	irq_enable();
}

/*
 * One ping-pong run: vCPU 0 sends a PING to vCPU 1 and waits for its PONG,
 * vCPU 1 answers every PING with a PONG. Waiting is in WFI or, in the
 * polling run, a loop with IRQs unmasked (the SGI then interrupts a running
 * vCPU). A stalled round trip (STALL_MS; polling, with both vCPUs spinning
 * STALL_SPINS times meanwhile) ends the run on both sides, so a lost SGI
 * shows as one failure instead of a hang.
 */
enum wait_mode { WAIT_POLL, WAIT_WFI };

static const char *const mode_name[] = { "polling", "WFI" };
static const unsigned int rounds[] = { POLL_ROUND_TRIPS, ROUND_TRIPS };

struct pingpong {
	uint64_t sent[2];     /* PINGs by vCPU 0, PONGs by vCPU 1 */
	uint64_t base[2];     /* PONGs taken by vCPU 0, PINGs by vCPU 1, before the run */
	uint64_t got[2];      /* and during the run, counted QUIET_US after its end */
	uint32_t stalled;     /* round trip number that took too long, 0 if none */
	uint64_t ticks;
	/* vCPU 0's slowest wait for a PONG, and how often each side spun meanwhile. */
	uint64_t slowest, slowest_spins[2];
};

/*
 * Polling loop turns of vCPUs 0 and 1: how far each got as a guest. Each
 * written by its vCPU only, with a plain store (a barrier in every turn
 * made the round trips 1.45 times slower), on a cache line of its own.
 */
static struct {
	volatile uint64_t n;
} __attribute__((aligned(64))) spins[2];

static uint64_t spun(unsigned int cpu)
{
	return spins[cpu].n;
}

static struct pingpong runs[2];

/* Whether both ping-pong vCPUs spun STALL_SPINS times since @from. */
static bool both_ran(const uint64_t from[2])
{
	return spun(0) - from[0] >= STALL_SPINS && spun(1) - from[1] >= STALL_SPINS;
}

/* Polling: spins (counted in spins[]) until the SGI came, the other side
 * gave up, or a stall (STALL_SPINS). */
static void poll_sgi(unsigned int sgi, uint64_t target, uint64_t deadline, const uint32_t *stalled)
{
	unsigned int cpu = smp_processor_id();
	uint64_t from[2] = { spun(0), spun(1) }, n = spun(cpu);
	uint64_t give_up = deadline + timer_ticks_us((GIVE_UP_MS - STALL_MS) * 1000ull);

	while (count(cpu, sgi) < target && !load_acquire32(stalled)) {
		uint64_t now = timer_now();

		if (now >= deadline && (both_ran(from) || now >= give_up))
			break;
		spins[cpu].n = ++n;
		cpu_relax();
	}
}

static bool wait_sgi_mode(enum wait_mode mode, unsigned int sgi, uint64_t target,
			  const uint32_t *stalled)
{
	uint64_t deadline = timer_now() + timer_ticks_us(STALL_MS * 1000ull);
	unsigned int cpu = smp_processor_id();

	if (mode == WAIT_WFI) {
		/* The other side's stall is noticed at the deadline at the latest. */
		arm_deadline(deadline);
		wait_sgi(sgi, target, deadline);
		disarm_deadline();
	} else {
		poll_sgi(sgi, target, deadline, stalled);
	}
	return count(cpu, sgi) >= target;
}

static void pingpong(enum wait_mode mode)
{
	struct pingpong *run = &runs[mode];
	unsigned int cpu = smp_processor_id(), peer = !cpu;
	unsigned int mine = cpu ? SGI_PING : SGI_PONG; /* the SGI this side waits for */
	uint64_t start, i;

	if (cpu > 1)
		return;
	run->base[cpu] = count(cpu, mine);
	vcpu_pair_sync(mode);
	start = timer_now();
	for (i = 1; i <= rounds[mode]; i++) {
		uint64_t t0 = timer_now(), s0[2] = { spun(0), spun(1) };
		bool ok;

		if (cpu == 0) {
			gic_sgi_send(SGI_PING, 1u << peer);
			run->sent[0]++;
		}
		ok = wait_sgi_mode(mode, mine, run->base[cpu] + i, &run->stalled);
		if (cpu == 0 && timer_now() - t0 > run->slowest) {
			run->slowest = timer_now() - t0;
			run->slowest_spins[0] = spun(0) - s0[0];
			run->slowest_spins[1] = spun(1) - s0[1];
		}
		if (!ok) {
			/* First one to notice tells the other side to stop too. */
			if (!load_acquire32(&run->stalled))
				store_release32(&run->stalled, (uint32_t)i);
			smp_notify();
			break;
		}
		if (cpu == 1) {
			gic_sgi_send(SGI_PONG, 1u << peer);
			run->sent[1]++;
		}
	}
	if (cpu == 0)
		run->ticks = timer_now() - start;

	vcpu_pair_sync(2 + mode);
	if (cpu == 0) {
		/* A duplicate or late SGI would be taken by now. */
		delay_us(QUIET_US);
		run->got[0] = count(0, SGI_PONG) - run->base[0];
		run->got[1] = count(1, SGI_PING) - run->base[1];
	}
}

static void report_pingpong(enum wait_mode mode)
{
	struct pingpong *run = &runs[mode];
	uint64_t pings = run->got[1], pongs = run->got[0];
	uint64_t done = pongs < rounds[mode] ? pongs : rounds[mode];

	report(!run->stalled && done == rounds[mode],
	       "%s: %lu of %u round trips, none stalled (%u ms%s)%s", mode_name[mode], done,
	       rounds[mode], STALL_MS, mode == WAIT_POLL ? " with both vCPUs running" : "",
	       run->stalled ? " (stalled)" : "");
	if (run->stalled)
		report_info("%s: round trip %u waited more than %u ms for its SGI", mode_name[mode],
			    run->stalled, STALL_MS);
	if (mode == WAIT_POLL)
		report_info("%s: slowest round trip %lu ms, vCPU 0 spun %lu times and vCPU 1 %lu "
			    "meanwhile", mode_name[mode], run->slowest * 1000 / timer_freq(),
			    run->slowest_spins[0], run->slowest_spins[1]);
	else
		report_info("%s: slowest round trip %lu ms", mode_name[mode],
			    run->slowest * 1000 / timer_freq());
	report(pings == run->sent[0], "%s: vCPU 1 took %lu PINGs of %lu sent", mode_name[mode],
	       pings, run->sent[0]);
	report(pongs == run->sent[1], "%s: vCPU 0 took %lu PONGs of %lu sent", mode_name[mode],
	       pongs, run->sent[1]);
	if (done)
		report_info("%s: %lu round trips in %lu ms, %lu us each", mode_name[mode], done,
			    run->ticks * 1000 / timer_freq(),
			    run->ticks * 1000000 / timer_freq() / done);
	if (mode == WAIT_POLL)
		report_info("%s: vCPU 0 spun %lu times, vCPU 1 %lu", mode_name[mode], spun(0),
			    spun(1));
}

/* @sender broadcasts SGI_BCAST @rounds times, each time waiting for every other vCPU. */
static void broadcast(unsigned int sender, unsigned int rounds)
{
	unsigned int cpu = smp_processor_id();
	uint64_t base[GUEST_MAX_VCPUS];
	bool all = true;

	if (cpu != sender)
		return;
	for (unsigned int c = 0; c < nr_cpus; c++)
		base[c] = count(c, SGI_BCAST);
	for (unsigned int r = 1; r <= rounds && all; r++) {
		gic_sgi_send_others(SGI_BCAST);
		for (unsigned int c = 0; c < nr_cpus; c++)
			if (c != cpu)
				all &= spin_until(count(c, SGI_BCAST) >= base[c] + r, 1000000);
	}
	/* A duplicate, or one to the sender, would show up by now. */
	delay_us(QUIET_US);
	for (unsigned int c = 0; c < nr_cpus; c++) {
		uint64_t got = count(c, SGI_BCAST) - base[c];

		if (c == cpu)
			report(got == 0, "IRM=1 broadcast from vCPU %u never reaches the sender (%lu)",
			       cpu, got);
		else
			report(got == rounds, "IRM=1 broadcast from vCPU %u reached vCPU %u %lu times of %u",
			       cpu, c, got, rounds);
	}
}

static void self_sgi(void)
{
	unsigned int cpu = smp_processor_id();
	uint64_t base = count(cpu, SGI_SELF);
	bool pend;

	/* IRQs unmasked: the trapped write makes it pending, and it is taken at once. */
	gic_sgi_send(SGI_SELF, 1u << cpu);
	report(spin_until(count(cpu, SGI_SELF) == base + 1, 10000),
	       "vCPU %u: SGI to itself by target list is taken once it is sent", cpu);

	/* Masked: it waits, pending, in the redistributor. */
	irq_disable();
	gic_sgi_send(SGI_SELF, 1u << cpu);
	delay_us(1000);
	pend = gic_irq_pending(SGI_SELF);
	report(count(cpu, SGI_SELF) == base + 1 && pend,
	       "vCPU %u: with PSTATE.I set the SGI to itself stays pending (GICR_ISPENDR0 %d)", cpu,
	       pend);
	irq_enable();
	report(spin_until(count(cpu, SGI_SELF) == base + 2, 10000) && !gic_irq_pending(SGI_SELF),
	       "vCPU %u: and is taken once when IRQs are unmasked", cpu);
	delay_us(QUIET_US);
	report(count(cpu, SGI_SELF) == base + 2, "vCPU %u: no SGI to itself taken twice (%lu of 2)",
	       cpu, count(cpu, SGI_SELF) - base);
}

static void run_phases(void)
{
	setup();
	vcpu_sync(1);

	pingpong(WAIT_POLL);
	vcpu_sync(2);
	pingpong(WAIT_WFI);
	vcpu_sync(3);

	broadcast(0, BCAST_ROUNDS);
	vcpu_sync(4);
	broadcast(nr_cpus - 1, 1);
	vcpu_sync(5);

	self_sgi();
	vcpu_sync(6);
}

static void secondary(void *arg)
{
	(void)arg;
	run_phases();
	irq_disable();
}

int main(void)
{
	unsigned int n = boot.nr_vcpus;

	nr_cpus = n;
	report(n >= 2, "%u vCPUs (at least 2)", n);
	if (n < 2)
		return report_summary();
	for (unsigned int cpu = 1; cpu < n; cpu++) {
		int32_t r = smp_start(cpu, secondary, NULL);

		report(r == PSCI_RET_SUCCESS, "vCPU %u started (%d)", cpu, r);
		if (r != PSCI_RET_SUCCESS)
			return report_summary();
	}
	run_phases();

	if (pcpu_known) {
		for (unsigned int cpu = 0; cpu < n; cpu++)
			report_info("vCPU %u runs on physical CPU %lu", cpu, pcpu_of[cpu]);
		report(pcpu_of[0] != pcpu_of[1],
		       "the ping-pong vCPUs 0 and 1 are on different physical CPUs (%lu, %lu)",
		       pcpu_of[0], pcpu_of[1]);
	} else {
		report_skip("HYPSCOPE_HVC_PCPU not supported: physical CPUs unknown");
	}

	/* Long after the last round trip: exactly as many as were sent on both sides. */
	delay_us(QUIET_US);
	report_pingpong(WAIT_POLL);
	report_pingpong(WAIT_WFI);
	report(count(0, SGI_PING) == 0 && count(1, SGI_PONG) == 0,
	       "PINGs and PONGs only reach their target (vCPU 0 PINGs %lu, vCPU 1 PONGs %lu)",
	       count(0, SGI_PING), count(1, SGI_PONG));
	for (unsigned int cpu = 0; cpu < n; cpu++)
		report(!other_irqs[cpu] && !spurious[cpu],
		       "vCPU %u: no other interrupt and no spurious acknowledge (%lu, %lu)", cpu,
		       other_irqs[cpu], spurious[cpu]);

	irq_disable();
	for (unsigned int cpu = 1; cpu < n; cpu++)
		report(smp_wait(cpu), "vCPU %u powered off", cpu);
	return report_summary();
}
