/*
 * The physical GICv3 as the hypervisor uses it (GICv3 architecture
 * specification, IHI 0069): affinity routing on, every SGI and PPI in
 * group 1, EOImode = 1 so that priority drop (EOIR) and deactivation (DIR)
 * are separate - a guest's virtual timer interrupt stays active until the
 * vCPU leaves the CPU.
 */
#include <stdint.h>

#include "hyp/arch/aarch64/include/gic.h"
#include "hyp/arch/aarch64/include/sysreg.h"
#include "formats/ich_lr.h"
#include "hyp/include/compiler.h"
#include "hyp/include/percpu.h"
#include "hyp/include/platform.h"

#define GICD_CTLR       0x0000
#define GICD_CTLR_RWP   BIT(31)
#define GICD_CTLR_ARE   BIT(4)
#define GICD_CTLR_GRP1  BIT(1)
#define GICD_CTLR_GRP0  BIT(0)

#define GICR_TYPER        0x0008
#define GICR_TYPER_LAST   BIT(4)
#define GICR_TYPER_VLPIS  BIT(1)
#define GICR_WAKER        0x0014
#define GICR_WAKER_PSLEEP BIT(1)
#define GICR_WAKER_CASLEEP BIT(2)
#define GICR_IGROUPR0     0x0080
#define GICR_ISENABLER0   0x0100
#define GICR_ICENABLER0   0x0180
#define GICR_ICPENDR0     0x0280
#define GICR_IPRIORITYR0  0x0400
#define GICR_ICFGR1       0x0c04

#define ICC_SRE_ALL      0xfull /* SRE, DFB, DIB, Enable (lower ELs may use SRE) */
#define ICC_CTLR_EOIMODE BIT(1)

static inline uint32_t mmio_read32(uint64_t a)
{
	return *(volatile uint32_t *)(uintptr_t)a;
}

static inline uint64_t mmio_read64(uint64_t a)
{
	return *(volatile uint64_t *)(uintptr_t)a;
}

static inline void mmio_write32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)a = v;
}

static void gicd_wait_rwp(void)
{
	while (mmio_read32(platform.gicd + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

void gic_dist_init(void)
{
	mmio_write32(platform.gicd + GICD_CTLR, 0);
	gicd_wait_rwp();
	mmio_write32(platform.gicd + GICD_CTLR, GICD_CTLR_ARE);
	gicd_wait_rwp();
	mmio_write32(platform.gicd + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1 | GICD_CTLR_GRP0);
	gicd_wait_rwp();
}

static uint64_t mpidr_to_gicr_aff(uint64_t mpidr)
{
	return (mpidr & 0xffffffull) | (((mpidr >> 32) & 0xff) << 24);
}

static uint64_t find_redistributor(uint64_t mpidr)
{
	uint64_t rd = platform.gicr, end = platform.gicr + platform.gicr_size;

	while (rd < end) {
		uint64_t typer = mmio_read64(rd + GICR_TYPER);

		if ((typer >> 32) == mpidr_to_gicr_aff(mpidr))
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
		/* RD + SGI frames, plus VLPI + reserved frames with GICv4 */
		rd += (typer & GICR_TYPER_VLPIS) ? 0x40000 : 0x20000;
	}
	return 0;
}

int gic_cpu_init(struct percpu *pc)
{
	uint64_t rd = find_redistributor(pc->mpidr), sgi;

	if (!rd)
		return -1;
	pc->gicr_rd = rd;
	sgi = rd + GICR_SGI_FRAME;

	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PSLEEP);
	while (mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CASLEEP)
		;
	mmio_write32(sgi + GICR_ICENABLER0, ~0u);
	mmio_write32(sgi + GICR_ICPENDR0, ~0u);
	mmio_write32(sgi + GICR_ICACTIVER0, ~0u);
	mmio_write32(sgi + GICR_IGROUPR0, ~0u);
	for (unsigned i = 0; i < 32; i += 4)
		mmio_write32(sgi + GICR_IPRIORITYR0 + i, 0x80808080u);
	mmio_write32(sgi + GICR_ICFGR1, 0); /* PPIs level-sensitive */
	mmio_write32(sgi + GICR_ISENABLER0,
		     BIT(GIC_SGI_RESCHED) | BIT(GIC_PPI_MAINT) | BIT(GIC_PPI_HYP_TIMER) |
			     BIT(GIC_PPI_VTIMER) | BIT(GIC_PPI_PMU));

	write_sysreg(ICC_SRE_ALL, SYS_ICC_SRE_EL2);
	__asm__ volatile("isb" ::: "memory"); /* system register interface on before using it */
	write_sysreg(0xff, SYS_ICC_PMR_EL1);
	write_sysreg(0, SYS_ICC_BPR1_EL1);
	write_sysreg(ICC_CTLR_EOIMODE, SYS_ICC_CTLR_EL1);
	write_sysreg(1, SYS_ICC_IGRPEN1_EL1);
	/* The virtual CPU interface is on for every guest; no list registers yet. */
	write_sysreg(ICH_HCR_EN, SYS_ICH_HCR_EL2);
	write_sysreg(0, SYS_ICH_VMCR_EL2);
	__asm__ volatile("isb" ::: "memory");
	return 0;
}

#define GICD_IGROUPR     0x0080
#define GICD_ISENABLER   0x0100
#define GICD_IPRIORITYR  0x0400
#define GICD_ICFGR       0x0c00
#define GICD_IROUTER     0x6000

/* An SPI for the hypervisor itself: group 1, level, routed to one CPU, enabled. */
void gic_spi_enable(unsigned intid, uint64_t mpidr)
{
	uint64_t d = platform.gicd;
	uint64_t aff = (mpidr & 0xffffffull) | (((mpidr >> 32) & 0xff) << 32);

	mmio_write32(d + GICD_IGROUPR + intid / 32 * 4,
		     mmio_read32(d + GICD_IGROUPR + intid / 32 * 4) | BIT(intid % 32));
	*(volatile uint8_t *)(uintptr_t)(d + GICD_IPRIORITYR + intid) = 0x80;
	mmio_write32(d + GICD_ICFGR + intid / 16 * 4,
		     mmio_read32(d + GICD_ICFGR + intid / 16 * 4) & ~(2u << (intid % 16 * 2)));
	*(volatile uint64_t *)(uintptr_t)(d + GICD_IROUTER + intid * 8) = aff;
	gicd_wait_rwp();
	mmio_write32(d + GICD_ISENABLER + intid / 32 * 4, BIT(intid % 32));
}

void gic_send_sgi(uint64_t mpidr, unsigned intid)
{
	uint64_t v = ((mpidr >> 32) & 0xff) << 48 | ((mpidr >> 16) & 0xff) << 32 |
		     ((mpidr >> 8) & 0xff) << 16 | (uint64_t)intid << 24 | BIT(mpidr & 0xf);

	/* Memory writes made for the target (run queue state) are visible
	 * before the interrupt can be taken there. */
	__asm__ volatile("dsb ish" ::: "memory");
	write_sysreg(v, SYS_ICC_SGI1R_EL1);
	__asm__ volatile("isb" ::: "memory");
}

uint32_t gic_ack(void)
{
	return (uint32_t)read_sysreg(SYS_ICC_IAR1_EL1) & 0xffffff;
}

void gic_eoi(uint32_t intid)
{
	write_sysreg(intid, SYS_ICC_EOIR1_EL1);
}

void gic_deactivate(uint32_t intid)
{
	write_sysreg(intid, SYS_ICC_DIR_EL1);
}
