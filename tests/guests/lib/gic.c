/*
 * A GICv3 driver for the test guests (Arm IHI 0069, GICv3 and GICv4
 * architecture specification): affinity routing, one Security state as
 * both hypscope's vGIC and QEMU's virt board without EL3 present it, every
 * interrupt in Group 1, and the CPU interface through system registers.
 */
#include "libguest.h"

static struct spinlock dist_lock = SPINLOCK_INIT;
static bool dist_ready;
static uint64_t rd_base[GUEST_MAX_VCPUS];

/* Redistributor frames to look at before giving up when none says Last. */
#define GICR_MAX_FRAMES 8u

uint64_t gic_rd_base(unsigned int cpu)
{
	if (cpu < GUEST_MAX_VCPUS && rd_base[cpu])
		return rd_base[cpu];

	/*
	 * The frames are contiguous; GICR_TYPER[63:32] is the affinity of the
	 * PE a frame belongs to, and Last marks the final frame of the region.
	 */
	for (unsigned int i = 0; i < GICR_MAX_FRAMES; i++) {
		uint64_t rd = GUEST_GICR_IPA + i * GUEST_GICR_STRIDE;
		uint64_t typer = mmio_read64(rd + GICR_TYPER);

		if ((typer >> 32) == cpu) {
			if (cpu < GUEST_MAX_VCPUS)
				rd_base[cpu] = rd;
			return rd;
		}
		if (typer & GICR_TYPER_LAST)
			break;
	}
	return 0;
}

unsigned int gic_nr_irqs(void)
{
	unsigned int n = 32 * (GICD_TYPER_ITLINES(mmio_read32(GUEST_GICD_IPA + GICD_TYPER)) + 1);

	/* INTIDs 1020-1023 are special, whatever ITLinesNumber says. */
	return n > 1020 ? 1020 : n;
}

static void gicd_wait_rwp(void)
{
	/* GICD_CTLR.RWP: earlier writes to CTLR and ICENABLER have taken effect. */
	while (mmio_read32(GUEST_GICD_IPA + GICD_CTLR) & GICD_CTLR_RWP)
		cpu_relax();
}

static void gicr_wait_rwp(uint64_t rd)
{
	while (mmio_read32(rd + GICR_CTLR) & GICR_CTLR_RWP)
		cpu_relax();
}

static void dist_init(void)
{
	uint64_t d = GUEST_GICD_IPA;
	unsigned int nr = gic_nr_irqs();

	mmio_write32(d + GICD_CTLR, 0);
	gicd_wait_rwp();
	for (unsigned int intid = GIC_NR_PRIVATE; intid < nr; intid += 32) {
		unsigned int word = 4 * (intid / 32);

		mmio_write32(d + GICD_ICENABLER + word, ~0u);
		mmio_write32(d + GICD_ICPENDR + word, ~0u);
		mmio_write32(d + GICD_ICACTIVER + word, ~0u);
		mmio_write32(d + GICD_IGROUPR + word, ~0u);
	}
	gicd_wait_rwp();
	for (unsigned int intid = GIC_NR_PRIVATE; intid < nr; intid += 4)
		mmio_write32(d + GICD_IPRIORITYR + intid, GIC_PRIO_DEFAULT * 0x01010101u);
	/* Two configuration bits per INTID; 0 is level-sensitive. */
	for (unsigned int intid = GIC_NR_PRIVATE; intid < nr; intid += 16)
		mmio_write32(d + GICD_ICFGR + intid / 4, 0);
	for (unsigned int intid = GIC_NR_PRIVATE; intid < nr; intid++)
		mmio_write64(d + GICD_IROUTER + 8 * intid, 0);
	/*
	 * With one Security state (DS = 1) bit 1 is EnableGrp1 and ARE bit 4;
	 * ARE may be RAO/WI, which is fine.
	 */
	mmio_write32(d + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENGRP1);
	gicd_wait_rwp();
}

static void redist_init(uint64_t rd)
{
	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PSLEEP);
	while (mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CASLEEP)
		cpu_relax();

	mmio_write32(rd + GICR_ICENABLER0, ~0u);
	gicr_wait_rwp(rd);
	mmio_write32(rd + GICR_ICPENDR0, ~0u);
	mmio_write32(rd + GICR_ICACTIVER0, ~0u);
	mmio_write32(rd + GICR_IGROUPR0, ~0u);
	for (unsigned int intid = 0; intid < GIC_NR_PRIVATE; intid += 4)
		mmio_write32(rd + GICR_IPRIORITYR + intid, GIC_PRIO_DEFAULT * 0x01010101u);
	mmio_write32(rd + GICR_ICFGR1, 0);
}

static void cpuif_init(void)
{
	/* SRE first: the other ICC_* registers need it (IHI 0069, ICC_SRE_EL1). */
	write_sysreg_s(read_sysreg_s(SYS_ICC_SRE_EL1) | 1, SYS_ICC_SRE_EL1);
	isb();
	write_sysreg_s(0xff, SYS_ICC_PMR_EL1);
	/* Below the minimum: the interface sets the smallest binary point it has. */
	write_sysreg_s(0, SYS_ICC_BPR1_EL1);
	/* EOImode 0 (EOIR also deactivates), CBPR 0 (BPR1 applies to Group 1). */
	write_sysreg_s(read_sysreg_s(SYS_ICC_CTLR_EL1) & ~(uint64_t)(ICC_CTLR_EOIMODE | ICC_CTLR_CBPR),
		       SYS_ICC_CTLR_EL1);
	write_sysreg_s(1, SYS_ICC_IGRPEN1_EL1);
	isb();
}

bool gic_init(void)
{
	uint64_t rd;

	spin_lock(&dist_lock);
	if (!dist_ready) {
		dist_init();
		dist_ready = true;
	}
	spin_unlock(&dist_lock);

	rd = gic_rd_base(smp_processor_id());
	if (!rd)
		return false;
	redist_init(rd);
	cpuif_init();
	return true;
}

/*
 * The frame and byte offset of a per-interrupt register: SGIs and PPIs live
 * in the calling vCPU's SGI frame, SPIs in the distributor, at the same
 * offsets.
 */
static uint64_t irq_reg(unsigned int intid, uint32_t gicd_off)
{
	if (intid < GIC_NR_PRIVATE)
		return gic_rd_base(smp_processor_id()) + GICR_SGI_FRAME + gicd_off;
	return GUEST_GICD_IPA + gicd_off;
}

/* One bit per INTID: the word holding @intid's bit. */
static uint64_t irq_bit_reg(unsigned int intid, uint32_t base)
{
	return irq_reg(intid, base + 4 * (intid / 32));
}

static uint32_t irq_bit(unsigned int intid)
{
	return 1u << (intid % 32);
}

void gic_irq_enable(unsigned int intid)
{
	mmio_write32(irq_bit_reg(intid, GICD_ISENABLER), irq_bit(intid));
}

void gic_irq_disable(unsigned int intid)
{
	mmio_write32(irq_bit_reg(intid, GICD_ICENABLER), irq_bit(intid));
	if (intid < GIC_NR_PRIVATE)
		gicr_wait_rwp(gic_rd_base(smp_processor_id()));
	else
		gicd_wait_rwp();
}

void gic_irq_set_priority(unsigned int intid, uint8_t prio)
{
	/* IPRIORITYR is byte-accessible: one byte per INTID. */
	mmio_write8(irq_reg(intid, GICD_IPRIORITYR + intid), prio);
}

uint8_t gic_irq_priority(unsigned int intid)
{
	return mmio_read8(irq_reg(intid, GICD_IPRIORITYR + intid));
}

void gic_irq_set_edge(unsigned int intid, bool edge)
{
	uint64_t reg = irq_reg(intid, GICD_ICFGR + 4 * (intid / 16));
	uint32_t bit = 2u << (2 * (intid % 16)); /* Int_config[1]: edge */
	uint32_t v = mmio_read32(reg);

	mmio_write32(reg, edge ? v | bit : v & ~bit);
}

void gic_spi_route(unsigned int intid, uint64_t aff)
{
	mmio_write64(GUEST_GICD_IPA + GICD_IROUTER + 8 * intid, aff);
}

void gic_irq_set_pending(unsigned int intid)
{
	mmio_write32(irq_bit_reg(intid, GICD_ISPENDR), irq_bit(intid));
}

void gic_irq_clear_pending(unsigned int intid)
{
	mmio_write32(irq_bit_reg(intid, GICD_ICPENDR), irq_bit(intid));
}

bool gic_irq_pending(unsigned int intid)
{
	return mmio_read32(irq_bit_reg(intid, GICD_ISPENDR)) & irq_bit(intid);
}

bool gic_irq_active(unsigned int intid)
{
	return mmio_read32(irq_bit_reg(intid, GICD_ISACTIVER)) & irq_bit(intid);
}

void gic_irq_clear_active(unsigned int intid)
{
	mmio_write32(irq_bit_reg(intid, GICD_ICACTIVER), irq_bit(intid));
}

void gic_sgi1r(uint64_t value)
{
	/*
	 * The SGI may be how the target learns about data written just
	 * before: make those stores visible first. A DMB does not order them
	 * with a system register write; a DSB does.
	 */
	dsb(ish);
	write_sysreg_s(value, SYS_ICC_SGI1R_EL1);
	isb();
}

void gic_sgi_send(unsigned int intid, uint16_t targets)
{
	gic_sgi1r(ICC_SGI1R_INTID(intid) | ICC_SGI1R_TARGETS(targets));
}

void gic_sgi_send_others(unsigned int intid)
{
	gic_sgi1r(ICC_SGI1R_INTID(intid) | ICC_SGI1R_IRM);
}
