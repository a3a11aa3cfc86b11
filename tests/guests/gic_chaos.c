/*
 * A guest that programs nonsense into its vGIC. Nothing it does may crash or
 * hang the hypervisor or disturb another VM: the e2e test runs it beside a
 * guest that must still pass, on the same physical CPUs.
 *
 *  1. Registers the architecture pins down, written with nonsense: SPIs
 *     beyond GICD_TYPER.ITLinesNumber are RAZ/WI, the SGIs' GICR_ICFGR0 is
 *     read-only (edge), GICD_TYPER and GICR_TYPER are read-only, IROUTER.IRM
 *     is RAZ/WI with No1N, an SPI routed to a vCPU that does not exist goes
 *     nowhere until routed to one that does (IHI 0069, chapter 12).
 *  2. The storm: both vCPUs at once write random values to every offset of
 *     the distributor and of every redistributor frame (RD and SGI), with
 *     every access width at every aligned offset (an unaligned access to
 *     Device memory faults at EL1 and never reaches the hypervisor), and
 *     read every word back; reserved and read-only registers included.
 *     Each vCPU takes a slice of the distributor and the redistributor of
 *     the next vCPU. Then thousands of random
 *     ICC_SGI1R/ASGI1R/SGI0R values (any target list, affinity, IRM, RS).
 *  3. Random values in the CPU interface's control registers (PMR, BPR0/1,
 *     CTLR, IGRPEN0/1) and EOIs/deactivations of interrupts never taken.
 *  4. It still works: after a clean re-initialisation an SGI to itself and
 *     one to the other vCPU are taken once each, PSCI answers, the ID
 *     registers are unchanged.
 *  5. Last, acknowledges and EOIs at random (PSTATE.I set, so through
 *     ICC_IAR1_EL1 only) with random interrupts pending and active.
 * PSTATE.I stays set except in step 4. The storm yields with WFE now and
 * then, a busy guest being polite, so the neighbour gets its CPU share.
 */
#include "libguest.h"

#define NR_CHAOS_VCPUS	2u
#define FRAME		0x10000u
#define SGI_FLOOD	20000u
#define ICC_ROUNDS	5000u
#define ACK_ROUNDS	20000u
#define YIELD_EVERY	256u /* offsets between two WFEs */
#define SGI_CHECK	5u

static uint64_t rng[GUEST_MAX_VCPUS];
static uint64_t accesses[GUEST_MAX_VCPUS];
static uint32_t storm_done[GUEST_MAX_VCPUS], clean_done[GUEST_MAX_VCPUS];
static uint32_t sanity_done[GUEST_MAX_VCPUS];
static volatile uint64_t sgi_taken[GUEST_MAX_VCPUS][GIC_NR_SGIS], other_irqs[GUEST_MAX_VCPUS];
static unsigned int nr_cpus;

static uint64_t rnd(void)
{
	uint64_t *s = &rng[smp_processor_id()];

	/* xorshift64 */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void seed(void)
{
	struct vm_info info;

	hypscope_vm_info(&info);
	rng[smp_processor_id()] = mix64(timer_now() ^ info.serial << 32 ^ smp_processor_id()) | 1;
}

/* Set this vCPU's flag in @flags, then wait for every chaos vCPU's. */
static void wait_all(uint32_t *flags)
{
	store_release32(&flags[smp_processor_id()], 1);
	smp_notify();
	for (unsigned int c = 0; c < nr_cpus; c++)
		while (!load_acquire32(&flags[c]))
			wfe();
}

/* ------------------------------------------------------------ 1: pinned registers */

static void check_pinned(void)
{
	uint64_t d = GUEST_GICD_IPA, rd = gic_rd_base(0);
	uint32_t typer = mmio_read32(d + GICD_TYPER), nr = gic_nr_irqs(), v;
	uint64_t rtyper = mmio_read64(rd + GICR_TYPER), route;
	bool ok = true;

	report_info("GICD_TYPER %#x: %u INTIDs, GICD_IIDR %#x", typer, nr,
		    mmio_read32(d + GICD_IIDR));
	report(((mmio_read32(d + GICD_PIDR2) >> 4) & 0xf) == 3 &&
		       ((mmio_read32(rd + GICR_PIDR2) >> 4) & 0xf) == 3,
	       "GICD_PIDR2 and GICR_PIDR2 say GICv3 (ArchRev 3)");

	mmio_write32(d + GICD_TYPER, ~typer);
	mmio_write64(rd + GICR_TYPER, ~rtyper);
	report(mmio_read32(d + GICD_TYPER) == typer && mmio_read64(rd + GICR_TYPER) == rtyper,
	       "GICD_TYPER and GICR_TYPER are read-only");

	/* The word of enable bits, priority byte and router just past the last SPI. */
	if (nr + 32 <= 1020) {
		mmio_write32(d + GICD_ISENABLER + nr / 8, ~0u);
		mmio_write32(d + GICD_ISPENDR + nr / 8, ~0u);
		mmio_write8(d + GICD_IPRIORITYR + nr, 0x80);
		mmio_write64(d + GICD_IROUTER + 8 * nr, 0);
		ok = !mmio_read32(d + GICD_ISENABLER + nr / 8) &&
		     !mmio_read32(d + GICD_ISPENDR + nr / 8) &&
		     !mmio_read8(d + GICD_IPRIORITYR + nr) &&
		     !mmio_read64(d + GICD_IROUTER + 8 * nr);
		report(ok, "INTIDs %u.. beyond ITLinesNumber are RAZ/WI", nr);
	}

	mmio_write32(rd + GICR_ICFGR0, 0);
	v = mmio_read32(rd + GICR_ICFGR0);
	report(v == 0xaaaaaaaau, "GICR_ICFGR0: SGIs stay edge-triggered, read-only (%#x)", v);

	if (typer & (1u << 25)) { /* No1N: 1-of-N routing not supported */
		mmio_write64(d + GICD_IROUTER + 8 * 40, 1ull << 31);
		route = mmio_read64(d + GICD_IROUTER + 8 * 40);
		report(!(route & (1ull << 31)), "GICD_TYPER.No1N: IROUTER.IRM is RAZ/WI (%#lx)",
		       route);
	}

	/*
	 * SPI 40 routed to Aff0 = 9, a vCPU this VM does not have: pending and
	 * enabled, it goes nowhere. Routed to vCPU 0 it shows up there.
	 */
	gic_irq_set_priority(40, 0x80);
	gic_spi_route(40, 9);
	route = mmio_read64(d + GICD_IROUTER + 8 * 40);
	report_info("GICD_IROUTER40 written 9 reads %#lx", route);
	gic_irq_enable(40);
	gic_irq_set_pending(40);
	delay_us(1000);
	report(gic_hppir() != 40 && gic_irq_pending(40),
	       "SPI 40 routed to a vCPU that does not exist: pending, not at vCPU 0 (HPPIR %u)",
	       gic_hppir());
	gic_spi_route(40, 0);
	report(spin_until(gic_hppir() == 40, 10000),
	       "routed to vCPU 0, it becomes its highest pending interrupt (%u)", gic_hppir());
	gic_irq_clear_pending(40);
	gic_irq_disable(40);
	report(gic_hppir() == GIC_INTID_SPURIOUS, "cleared and disabled, it is gone (%u)",
	       gic_hppir());
}

/* ------------------------------------------------------------ 2: the storm */

/*
 * Every aligned offset in [from, to) gets a random write at every width that
 * fits there; every word is read back once.
 */
static void storm_range(uint64_t base, uint32_t from, uint32_t to)
{
	uint64_t n = 0;

	for (uint32_t off = from; off < to; off++) {
		uint64_t a = base + off, v = rnd();

		mmio_write8(a, (uint8_t)v);
		n++;
		if (!(off & 1)) {
			mmio_write16(a, (uint16_t)(v >> 8));
			n++;
		}
		if (!(off & 3)) {
			mmio_write32(a, (uint32_t)(v >> 16));
			n++;
		}
		if (!(off & 7)) {
			mmio_write64(a, rnd());
			n++;
		}
		if ((off & 3) == 3) {
			(void)mmio_read32(a & ~3ull);
			n++;
		}
		if (!(off % YIELD_EVERY))
			wfe();
	}
	accesses[smp_processor_id()] += n;
}

static void sgi_flood(void)
{
	for (unsigned int i = 0; i < SGI_FLOOD; i++) {
		uint64_t v = rnd();

		switch (v & 3) {
		case 0:
			/* Mostly plausible: our own Aff3.Aff2.Aff1 = 0, RS 0, no IRM. */
			write_sysreg_s(v & (ICC_SGI1R_INTID(0xf) | 0xffff), SYS_ICC_SGI1R_EL1);
			break;
		case 1:
			write_sysreg_s(v, SYS_ICC_SGI1R_EL1);
			break;
		case 2:
			write_sysreg_s(v, SYS_ICC_ASGI1R_EL1);
			break;
		default:
			write_sysreg_s(v, SYS_ICC_SGI0R_EL1);
			break;
		}
		if (!(i % YIELD_EVERY))
			wfe();
	}
	isb();
	accesses[smp_processor_id()] += SGI_FLOOD;
}

static void storm(void)
{
	unsigned int cpu = smp_processor_id(), peer = (cpu + 1) % nr_cpus;
	uint32_t share = FRAME / nr_cpus;

	/* A slice of the distributor, and the next vCPU's redistributor frames. */
	storm_range(GUEST_GICD_IPA, cpu * share, (cpu + 1) * share);
	storm_range(GUEST_GICR_IPA + peer * GUEST_GICR_STRIDE, 0, 2 * FRAME);
	sgi_flood();
}

/* ------------------------------------------------------------ 3: the CPU interface */

static void icc_nonsense(void)
{
	for (unsigned int i = 0; i < ICC_ROUNDS; i++) {
		uint64_t v = rnd();

		switch (v % 8) {
		case 0: write_sysreg_s(v >> 8, SYS_ICC_PMR_EL1); break;
		case 1: write_sysreg_s(v >> 8, SYS_ICC_BPR0_EL1); break;
		case 2: write_sysreg_s(v >> 8, SYS_ICC_BPR1_EL1); break;
		case 3: write_sysreg_s(v >> 8, SYS_ICC_CTLR_EL1); break;
		case 4: write_sysreg_s(v >> 8, SYS_ICC_IGRPEN0_EL1); break;
		case 5: write_sysreg_s(v >> 8, SYS_ICC_IGRPEN1_EL1); break;
		/* EOIs and deactivations of interrupts that were never taken. */
		case 6: write_sysreg_s((v >> 8) & 0xffffff, SYS_ICC_EOIR1_EL1); break;
		default: write_sysreg_s((v >> 8) & 0xffffff, SYS_ICC_DIR_EL1); break;
		}
	}
	isb();
	accesses[smp_processor_id()] += ICC_ROUNDS;
}

/* ------------------------------------------------------------ 4: still working */

static void chaos_handler(void)
{
	unsigned int cpu = smp_processor_id();
	uint32_t intid = gic_ack();

	if (intid == GIC_INTID_SPURIOUS)
		return;
	if (intid < GIC_NR_SGIS)
		sgi_taken[cpu][intid]++;
	else
		other_irqs[cpu]++;
	gic_eoi(intid);
}

/* Everything the storm may have left: off, inactive, not pending, sane routing. */
static void gic_clean(void)
{
	unsigned int cpu = smp_processor_id();
	uint64_t rd = gic_rd_base(cpu), d = GUEST_GICD_IPA;

	if (cpu == 0) {
		for (unsigned int intid = GIC_NR_PRIVATE; intid < gic_nr_irqs(); intid += 32) {
			mmio_write32(d + GICD_ICENABLER + intid / 8, ~0u);
			mmio_write32(d + GICD_ICPENDR + intid / 8, ~0u);
			mmio_write32(d + GICD_ICACTIVER + intid / 8, ~0u);
		}
		mmio_write32(d + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENGRP1);
	}
	mmio_write32(rd + GICR_WAKER, 0);
	mmio_write32(rd + GICR_ICENABLER0, ~0u);
	mmio_write32(rd + GICR_ICPENDR0, ~0u);
	mmio_write32(rd + GICR_ICACTIVER0, ~0u);
	mmio_write32(rd + GICR_IGROUPR0, ~0u);
	for (unsigned int intid = 0; intid < GIC_NR_PRIVATE; intid += 4)
		mmio_write32(rd + GICR_IPRIORITYR + intid, GIC_PRIO_DEFAULT * 0x01010101u);

	/* The CPU interface: no active priorities left by EOIs of nothing. */
	write_sysreg_s(0, SYS_ICC_AP1R0_EL1);
	write_sysreg_s(0, SYS_ICC_CTLR_EL1);
	write_sysreg_s(0xff, SYS_ICC_PMR_EL1);
	write_sysreg_s(0, SYS_ICC_BPR1_EL1);
	write_sysreg_s(0, SYS_ICC_IGRPEN0_EL1);
	write_sysreg_s(1, SYS_ICC_IGRPEN1_EL1);
	isb();
	for (unsigned int sgi = 0; sgi < GIC_NR_SGIS; sgi++)
		gic_irq_enable(sgi);
}

static void sanity(void)
{
	unsigned int cpu = smp_processor_id(), peer = (cpu + 1) % nr_cpus;
	bool self_ok, peer_ok;

	gic_clean();
	irq_set_handler(chaos_handler);
	/* Every vCPU clean before any sends anything. */
	wait_all(clean_done);

	irq_enable();
	gic_sgi_send(SGI_CHECK, 1u << cpu);
	self_ok = spin_until(sgi_taken[cpu][SGI_CHECK] >= 1, 100000);
	gic_sgi_send(SGI_CHECK + 1, 1u << peer);
	peer_ok = spin_until(sgi_taken[peer][SGI_CHECK + 1] >= 1, 1000000);
	delay_us(10000);
	irq_disable();
	/* Nobody starts the acknowledge storm (which sends SGIs too) while
	 * another vCPU still counts what it takes here. */
	wait_all(sanity_done);
	report(self_ok && sgi_taken[cpu][SGI_CHECK] == 1,
	       "vCPU %u: after the storm and a clean-up, an SGI to itself is taken once (%lu)", cpu,
	       sgi_taken[cpu][SGI_CHECK]);
	report(peer_ok && sgi_taken[peer][SGI_CHECK + 1] == 1,
	       "vCPU %u: and one to vCPU %u is taken there once (%lu)", cpu, peer,
	       sgi_taken[peer][SGI_CHECK + 1]);
	report(psci_version() > 0, "vCPU %u: PSCI still answers (version %#x)", cpu,
	       psci_version());
}

/* ------------------------------------------------------------ 5: acknowledges at random */

static void ack_nonsense(void)
{
	uint64_t rd = gic_rd_base(smp_processor_id()), d = GUEST_GICD_IPA;
	uint32_t acked[8] = { 0 };

	mmio_write32(rd + GICR_ISENABLER0, ~0u);
	mmio_write32(d + GICD_ISENABLER + 4, ~0u);
	for (unsigned int i = 0; i < ACK_ROUNDS; i++) {
		uint64_t v = rnd();

		switch (v % 6) {
		case 0:
			acked[(v >> 8) & 7] = (uint32_t)read_sysreg_s(SYS_ICC_IAR1_EL1) & 0xffffff;
			break;
		case 1:
			write_sysreg_s(acked[(v >> 8) & 7], SYS_ICC_EOIR1_EL1);
			break;
		case 2:
			mmio_write32(rd + GICR_ISPENDR0, (uint32_t)(v >> 16));
			break;
		case 3:
			mmio_write32(d + GICD_ISPENDR + 4, (uint32_t)(v >> 16));
			break;
		case 4:
			mmio_write32(rd + GICR_ISACTIVER0, (uint32_t)(v >> 16));
			break;
		default:
			write_sysreg_s(v & (ICC_SGI1R_INTID(0xf) | 0x3), SYS_ICC_SGI1R_EL1);
			break;
		}
	}
	isb();
	accesses[smp_processor_id()] += ACK_ROUNDS;
}

/* ------------------------------------------------------------ the vCPUs */

static void chaos_vcpu(void)
{
	seed();
	gic_rd_base(smp_processor_id());
	storm();
	icc_nonsense();
	/* Nobody cleans up while another vCPU still storms. */
	wait_all(storm_done);
	sanity();
}

static void secondary(void *arg)
{
	(void)arg;
	chaos_vcpu();
	ack_nonsense();
}

int main(void)
{
	uint32_t pidr_d, pidr_r;
	uint64_t total = 0;
	bool ok;

	nr_cpus = boot.nr_vcpus < NR_CHAOS_VCPUS ? boot.nr_vcpus : NR_CHAOS_VCPUS;
	ok = gic_init();
	report(ok, "GIC redistributor found and woken");
	if (!ok)
		return report_summary();
	for (unsigned int cpu = 1; cpu < nr_cpus; cpu++)
		report(smp_start(cpu, secondary, NULL) == PSCI_RET_SUCCESS, "vCPU %u started", cpu);
	pidr_d = mmio_read32(GUEST_GICD_IPA + GICD_PIDR2);
	pidr_r = mmio_read32(gic_rd_base(0) + GICR_PIDR2);

	check_pinned();
	chaos_vcpu();
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
		total += accesses[cpu];
	report(true, "gic_chaos: survived %lu accesses to the GIC by %u vCPUs", total, nr_cpus);
	report(mmio_read32(GUEST_GICD_IPA + GICD_PIDR2) == pidr_d &&
		       mmio_read32(gic_rd_base(0) + GICR_PIDR2) == pidr_r,
	       "the ID registers are what they were");
	report(!other_irqs[0], "vCPU 0: no interrupt but the SGIs sent (%lu)", other_irqs[0]);

	ack_nonsense();
	report(true, "gic_chaos: survived random acknowledges and EOIs");
	for (unsigned int cpu = 1; cpu < nr_cpus; cpu++)
		report(smp_wait(cpu), "vCPU %u powered off", cpu);
	return report_summary();
}
