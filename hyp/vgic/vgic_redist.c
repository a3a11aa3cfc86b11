/*
 * The redistributors: per vCPU an RD_base frame and an SGI_base frame, 64 KiB
 * each, contiguous in vCPU order (IHI 0069, 12.10 "The GIC Redistributor
 * register descriptions"). GICR_CTLR.EnableLPIs, PROPBASER and PENDBASER
 * are in vgic_lpi.c.
 */
#include "hyp/vgic/vgic.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t read_iidr(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	(void)ctx;
	(void)off;
	(void)size;
	return vgic_iidr();
}

/*
 * GICR_TYPER: Affinity_Value [63:32] is the vCPU's MPIDR affinity,
 * Processor_Number [23:8] its index, Last [4] set on the last frame of the
 * region. PLPIS = 1 (LPIs through the ITS), VLPIS = 0, DirectLPI = 0,
 * CommonLPIAff = 0 (one LPI configuration table for all), PPInum = 0.
 */
static uint64_t read_typer(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	struct vgic_cpu *vc = ctx->rd;
	uint64_t v = GICR_TYPER_AFF(vgic_affinity(vc->id)) | GICR_TYPER_PROCNUM(vc->id) |
		     GICR_TYPER_PLPIS;

	if (vc->id + 1 == ctx->vm->nr_vcpus)
		v |= GICR_TYPER_LAST;
	return size == 8 ? v : v >> ((off & 4) * 8);
}

/*
 * GICR_WAKER: software clears ProcessorSleep and polls ChildrenAsleep until
 * it reads 0 before using the redistributor; the virtual one has no
 * interface to quiesce, so ChildrenAsleep follows ProcessorSleep at once.
 */
static uint64_t read_waker(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	(void)off;
	(void)size;
	if (ctx->rd->waker & GICR_WAKER_PROCESSOR_SLEEP)
		return GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP;
	return 0;
}

static void write_waker(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val)
{
	(void)off;
	(void)size;
	ctx->rd->waker = (uint32_t)val & GICR_WAKER_PROCESSOR_SLEEP;
}

#define R32 VGIC_ACC_32
#define R8_32 (VGIC_ACC_8 | VGIC_ACC_32)
#define R32_64 (VGIC_ACC_32 | VGIC_ACC_64)
#define SGI VGIC_SGI_FRAME

/* Offsets within one vCPU's 128 KiB: RD_base frame, then SGI_base frame. */
static const struct vgic_reg gicr_regs[] = {
	/* offset      len   bits sizes   read                write */
	{0x0000,       4,    0, R32,    vgic_lpi_read_ctlr, vgic_lpi_write_ctlr},/* CTLR */
	{0x0004,       4,    0, R32,    read_iidr,          NULL},               /* IIDR */
	{0x0008,       8,    0, R32_64, read_typer,         NULL},               /* TYPER */
	{0x0010,       4,    0, R32,    NULL,               NULL},               /* STATUSR */
	{0x0014,       4,    0, R32,    read_waker,         write_waker},        /* WAKER */
	{0x0070,       8,    0, R32_64, vgic_lpi_read_propbaser, vgic_lpi_write_propbaser},
	{0x0078,       8,    0, R32_64, vgic_lpi_read_pendbaser, vgic_lpi_write_pendbaser},
	{0x00c0,       4,    0, R32,    NULL,               NULL},               /* SYNCR */
	{VGIC_ID_REGS_OFFSET, VGIC_ID_REGS_LEN, 0, R32, vgic_read_id, NULL},     /* PIDR/CIDR */
	{SGI + 0x0080, 4,    1, R32,    vgic_read_group,    vgic_write_group},   /* IGROUPR0 */
	{SGI + 0x0100, 4,    1, R32,    vgic_read_enable,   vgic_write_senable}, /* ISENABLER0 */
	{SGI + 0x0180, 4,    1, R32,    vgic_read_enable,   vgic_write_cenable}, /* ICENABLER0 */
	{SGI + 0x0200, 4,    1, R32,    vgic_read_pending,  vgic_write_spending},/* ISPENDR0 */
	{SGI + 0x0280, 4,    1, R32,    vgic_read_pending,  vgic_write_cpending},/* ICPENDR0 */
	{SGI + 0x0300, 4,    1, R32,    vgic_read_active,   vgic_write_sactive}, /* ISACTIVER0 */
	{SGI + 0x0380, 4,    1, R32,    vgic_read_active,   vgic_write_cactive}, /* ICACTIVER0 */
	{SGI + 0x0400, 0x20, 8, R8_32,  vgic_read_priority, vgic_write_priority},/* IPRIORITYR */
	{SGI + 0x0c00, 8,    2, R32,    vgic_read_config,   vgic_write_config},  /* ICFGR0-1 */
	{SGI + 0x0d00, 4,    1, R32,    NULL,               NULL},               /* IGRPMODR0 */
	{SGI + 0x0e00, 4,    2, R32,    NULL,               NULL},               /* NSACR */
};

bool vgic_redist_mmio(struct vgic_vm *vm, uint64_t offset_in_region, unsigned size, bool write,
		      uint64_t *val)
{
	uint64_t id = offset_in_region / VGIC_REDIST_STRIDE;
	struct vgic_mmio_ctx ctx = {.vm = vm};

	if (!val || id >= vm->nr_vcpus || !vm->cpus[id])
		return false;
	ctx.rd = vm->cpus[id];
	return vgic_mmio_access(&ctx, gicr_regs, ARRAY_LEN(gicr_regs), &vm->redist_stats,
				offset_in_region % VGIC_REDIST_STRIDE, size, write, val);
}
