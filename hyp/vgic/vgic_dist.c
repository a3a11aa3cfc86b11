/*
 * The distributor (GICD) register frame, and the register-table machinery and
 * per-interrupt registers it shares with the redistributors' SGI frames.
 *
 * Register map and access sizes: IHI 0069, 12.9 "The GIC Distributor register
 * descriptions" and 12.1.3 "GIC memory-mapped register access". The VM sees
 * one Security state (DS = 1) with affinity routing (ARE = 1), so the
 * distributor's copies of the SGI/PPI registers, GICD_ITARGETSR, GICD_SGIR,
 * GICD_[CS]PENDSGIR, GICD_IGRPMODR and GICD_NSACR are RAZ/WI.
 */
#include "hyp/vgic/vgic.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- dispatch */

static const struct vgic_reg *find_reg(const struct vgic_reg *regs, size_t nr, uint64_t offset)
{
	for (size_t i = 0; i < nr; i++)
		if (offset >= regs[i].offset && offset - regs[i].offset < regs[i].len)
			return &regs[i];
	return NULL;
}

static bool access_ok(const struct vgic_reg *r, uint64_t offset, unsigned size)
{
	if (size == 0 || size > 8 || !(r->sizes & (1u << size)))
		return false;
	if (offset & (size - 1))
		return false; /* unaligned: UNPREDICTABLE, taken as RAZ/WI */
	return offset - r->offset + size <= r->len;
}

bool vgic_mmio_access(struct vgic_mmio_ctx *ctx, const struct vgic_reg *regs, size_t nr,
		      struct vgic_mmio_stats *stats, uint64_t offset, unsigned size, bool write,
		      uint64_t *val)
{
	const struct vgic_reg *r = find_reg(regs, nr, offset);
	struct vgic_vm *vm = ctx->vm;
	uint64_t mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
	uint32_t off, arg;

	spin_lock(&vm->lock);
	if (!r || !access_ok(r, offset, size)) {
		/* Reserved offset, or a width the register does not allow: RAZ/WI, counted. */
		uint64_t *count;

		if (!r)
			count = write ? &stats->unknown_writes : &stats->unknown_reads;
		else
			count = write ? &stats->bad_size_writes : &stats->bad_size_reads;
		(*count)++;
		spin_unlock(&vm->lock);
		if (!write)
			*val = 0;
		return true;
	}
	off = (uint32_t)(offset - r->offset);
	arg = r->bits_per_irq ? off * 8 / r->bits_per_irq : off;
	if (write) {
		if (r->write)
			r->write(ctx, arg, size, *val & mask);
	} else {
		*val = r->read ? r->read(ctx, arg, size) & mask : 0;
	}
	spin_unlock(&vm->lock);
	vgic_kick(vm, ctx->kicks);
	return true;
}

/* ---------------------------------------------------------------- per-interrupt registers */

static struct vgic_irq *ctx_irq(struct vgic_mmio_ctx *ctx, uint32_t intid)
{
	if (ctx->rd)
		return intid < VGIC_NR_PRIVATE ? &ctx->rd->private_irqs[intid] : NULL;
	/* With affinity routing the redistributors own SGIs and PPIs. */
	if (intid < VGIC_NR_PRIVATE)
		return NULL;
	return vgic_get_irq(ctx->vm, 0, intid);
}

typedef bool (*irq_get_fn)(const struct vgic_irq *irq);
/* Returns whether the interrupt's state changed. */
typedef bool (*irq_set_fn)(struct vgic_irq *irq, bool bit);

static uint64_t read_bits(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, irq_get_fn get)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size * 8; i++) {
		struct vgic_irq *irq = ctx_irq(ctx, intid + i);

		if (irq && get(irq))
			v |= 1ull << i;
	}
	return v;
}

/* ones_only: set/clear registers, where a 0 bit has no effect. */
static void write_bits(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val,
		       irq_set_fn set, bool ones_only)
{
	for (unsigned i = 0; i < size * 8; i++) {
		struct vgic_irq *irq = ctx_irq(ctx, intid + i);
		bool bit = (val >> i) & 1;

		if (!irq || (ones_only && !bit))
			continue;
		if (set(irq, bit))
			vgic_irq_update(ctx->vm, irq, &ctx->kicks);
	}
}

static bool get_group(const struct vgic_irq *irq)
{
	return irq->group1;
}

static bool set_group(struct vgic_irq *irq, bool bit)
{
	bool changed = irq->group1 != bit;

	irq->group1 = bit;
	return changed;
}

static bool get_enable(const struct vgic_irq *irq)
{
	return irq->enabled;
}

static bool set_enable(struct vgic_irq *irq, bool bit)
{
	bool changed = !irq->enabled;

	(void)bit;
	irq->enabled = true;
	return changed;
}

static bool clear_enable(struct vgic_irq *irq, bool bit)
{
	bool changed = irq->enabled;

	(void)bit;
	irq->enabled = false;
	return changed;
}

/*
 * Always a change: a new edge on an already pending interrupt is news too.
 * An earlier ICPENDR still recorded for an LR only drops the LR's copy; this
 * new latch survives fold either way.
 */
static bool set_pending(struct vgic_irq *irq, bool bit)
{
	(void)bit;
	irq->pending_latch = true;
	return true;
}

/* A level line still asserted keeps a level-sensitive interrupt pending. */
static bool clear_pending(struct vgic_irq *irq, bool bit)
{
	bool changed = vgic_irq_pending_view(irq);

	(void)bit;
	irq->pending_latch = false;
	if (irq->lr_vcpu != VGIC_NO_VCPU)
		irq->lr_req |= VGIC_LR_REQ_CLR_PEND;
	return changed;
}

/* While an LR holds it, the LR is the truth: the change is applied at fold. */
static bool set_active(struct vgic_irq *irq, bool bit)
{
	bool changed = !vgic_irq_active_view(irq);

	(void)bit;
	if (irq->lr_vcpu != VGIC_NO_VCPU)
		irq->lr_req = (uint8_t)((irq->lr_req & ~VGIC_LR_REQ_CLR_ACT) | VGIC_LR_REQ_SET_ACT);
	else
		irq->active = true;
	return changed;
}

static bool clear_active(struct vgic_irq *irq, bool bit)
{
	bool changed = vgic_irq_active_view(irq);

	(void)bit;
	if (irq->lr_vcpu != VGIC_NO_VCPU)
		irq->lr_req = (uint8_t)((irq->lr_req & ~VGIC_LR_REQ_SET_ACT) | VGIC_LR_REQ_CLR_ACT);
	else
		irq->active = false;
	return changed;
}

uint64_t vgic_read_group(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size)
{
	return read_bits(ctx, intid, size, get_group);
}

void vgic_write_group(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	write_bits(ctx, intid, size, val, set_group, false);
}

uint64_t vgic_read_enable(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size)
{
	return read_bits(ctx, intid, size, get_enable);
}

void vgic_write_senable(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	write_bits(ctx, intid, size, val, set_enable, true);
}

void vgic_write_cenable(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	write_bits(ctx, intid, size, val, clear_enable, true);
}

uint64_t vgic_read_pending(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size)
{
	return read_bits(ctx, intid, size, vgic_irq_pending_view);
}

void vgic_write_spending(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	write_bits(ctx, intid, size, val, set_pending, true);
}

void vgic_write_cpending(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	write_bits(ctx, intid, size, val, clear_pending, true);
}

uint64_t vgic_read_active(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size)
{
	return read_bits(ctx, intid, size, vgic_irq_active_view);
}

void vgic_write_sactive(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	write_bits(ctx, intid, size, val, set_active, true);
}

void vgic_write_cactive(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	write_bits(ctx, intid, size, val, clear_active, true);
}

/* IPRIORITYR: a byte per interrupt; the unimplemented low bits are RAZ/WI. */
uint64_t vgic_read_priority(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		struct vgic_irq *irq = ctx_irq(ctx, intid + i);

		if (irq)
			v |= (uint64_t)irq->priority << (8 * i);
	}
	return v;
}

void vgic_write_priority(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	for (unsigned i = 0; i < size; i++) {
		struct vgic_irq *irq = ctx_irq(ctx, intid + i);
		uint8_t prio = (uint8_t)(val >> (8 * i)) & VGIC_PRI_MASK;

		if (!irq || irq->priority == prio)
			continue;
		irq->priority = prio;
		vgic_irq_update(ctx->vm, irq, &ctx->kicks);
	}
}

/* ICFGR: two bits per interrupt, Int_config in the upper one (1 = edge). SGIs are RO edge. */
uint64_t vgic_read_config(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size * 4; i++) {
		struct vgic_irq *irq = ctx_irq(ctx, intid + i);

		if (irq && irq->edge)
			v |= 2ull << (2 * i);
	}
	return v;
}

void vgic_write_config(struct vgic_mmio_ctx *ctx, uint32_t intid, unsigned size, uint64_t val)
{
	for (unsigned i = 0; i < size * 4; i++) {
		struct vgic_irq *irq = ctx_irq(ctx, intid + i);
		bool edge = (val >> (2 * i + 1)) & 1;

		if (!irq || irq->intid < VGIC_NR_SGIS || irq->edge == edge)
			continue;
		irq->edge = edge;
		vgic_irq_update(ctx->vm, irq, &ctx->kicks);
	}
}

/* ---------------------------------------------------------------- identification */

/*
 * IMPLEMENTATION DEFINED values: Arm's JEP106 code (0x43b) as other software
 * GICs report it, product 0x48. Drivers only look at PIDR2.ArchRev.
 */
#define VGIC_PRODUCT_ID 0x48u

uint32_t vgic_iidr(void)
{
	return VGIC_PRODUCT_ID << 24 | 0x43bu; /* ProductID [31:24], Implementer [11:0] */
}

/* PIDR4, PIDR5..7, PIDR0..3, CIDR0..3, from offset 0xffd0. */
static const uint8_t id_regs[VGIC_ID_REGS_LEN / 4] = {
	0x04,             /* PIDR4: JEP106 continuation code 4, one 4 KiB block count */
	0x00, 0x00, 0x00, /* PIDR5..7 */
	VGIC_PRODUCT_ID,  /* PIDR0: part number [7:0] */
	0xb0,             /* PIDR1: JEP106 identity [3:0] = 0xb, part number [11:8] = 0 */
	0x3b,             /* PIDR2: ArchRev [7:4] = 3 (GICv3), JEDEC, JEP106 identity [6:4] = 3 */
	0x00,             /* PIDR3 */
	0x0d, 0xf0, 0x05, 0xb1, /* CIDR0..3: component identification preamble */
};

uint64_t vgic_read_id(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	(void)ctx;
	(void)size;
	return id_regs[off / 4];
}

/* ---------------------------------------------------------------- GICD registers */

#define GICD_TYPER_IDBITS(n)  ((uint32_t)((n) - 1) << 19)
#define GICD_TYPER_NO1N       (1u << 25)
#define GICD_IROUTER_AFF_MASK 0x000000ff00ffffffull /* Aff3 [39:32], Aff2..Aff0 [23:0] */

static uint64_t read_ctlr(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	(void)off;
	(void)size;
	/* ARE and DS are RAO/WI; RWP stays 0: every write takes effect at once. */
	return ctx->vm->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
}

static void write_ctlr(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val)
{
	uint32_t ctlr = (uint32_t)val & (GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);

	(void)off;
	(void)size;
	if (ctlr == ctx->vm->ctlr)
		return;
	ctx->vm->ctlr = ctlr;
	vgic_update_all(ctx->vm, &ctx->kicks);
}

static uint64_t read_typer(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	(void)ctx;
	(void)off;
	(void)size;
	/*
	 * ITLinesNumber: SPIs up to 32 * (N + 1) - 1. IDbits: 14 bits of
	 * INTID, LPIs (LPIS = 1) through the ITS, no MBIS, no extended SPIs, single
	 * Security state (SecurityExtn = 0), Aff3 not supported (A3V = 0),
	 * no 1-of-N routing (No1N = 1).
	 */
	return (VGIC_NR_IRQS / 32 - 1) | GICD_TYPER_IDBITS(VGIC_ID_BITS) | GICD_TYPER_LPIS |
	       GICD_TYPER_NO1N;
}

static uint64_t read_iidr(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	(void)ctx;
	(void)off;
	(void)size;
	return vgic_iidr();
}

/* GICD_IROUTER<n> for n >= 32, at 0x6000 + 8n; 32-bit halves allowed. arg: offset from 0x6100. */
static uint64_t read_irouter(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	struct vgic_irq *irq = ctx_irq(ctx, VGIC_NR_PRIVATE + off / 8);
	uint64_t v = irq ? irq->irouter : 0;

	return size == 8 ? v : v >> ((off & 4) * 8);
}

static void write_irouter(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val)
{
	struct vgic_irq *irq = ctx_irq(ctx, VGIC_NR_PRIVATE + off / 8);
	uint64_t r;

	if (!irq)
		return;
	if (size == 8)
		r = val;
	else if (off & 4)
		r = (irq->irouter & 0xffffffffull) | val << 32;
	else
		r = (irq->irouter & ~0xffffffffull) | val;
	/* IRM is RAZ/WI (No1N); the target follows the affinity at once. */
	irq->irouter = r & GICD_IROUTER_AFF_MASK;
	irq->target = vgic_route(ctx->vm, irq->irouter);
	vgic_irq_update(ctx->vm, irq, &ctx->kicks);
}

#define R32 VGIC_ACC_32
#define R8_32 (VGIC_ACC_8 | VGIC_ACC_32)
#define R32_64 (VGIC_ACC_32 | VGIC_ACC_64)

static const struct vgic_reg gicd_regs[] = {
	/* offset  len     bits  sizes   read                 write */
	{0x0000, 4,      0, R32,    read_ctlr,           write_ctlr},          /* CTLR */
	{0x0004, 4,      0, R32,    read_typer,          NULL},                /* TYPER */
	{0x0008, 4,      0, R32,    read_iidr,           NULL},                /* IIDR */
	{0x000c, 4,      0, R32,    NULL,                NULL},                /* TYPER2 */
	{0x0010, 4,      0, R32,    NULL,                NULL},                /* STATUSR */
	{0x0080, 0x80,   1, R32,    vgic_read_group,     vgic_write_group},    /* IGROUPR */
	{0x0100, 0x80,   1, R32,    vgic_read_enable,    vgic_write_senable},  /* ISENABLER */
	{0x0180, 0x80,   1, R32,    vgic_read_enable,    vgic_write_cenable},  /* ICENABLER */
	{0x0200, 0x80,   1, R32,    vgic_read_pending,   vgic_write_spending}, /* ISPENDR */
	{0x0280, 0x80,   1, R32,    vgic_read_pending,   vgic_write_cpending}, /* ICPENDR */
	{0x0300, 0x80,   1, R32,    vgic_read_active,    vgic_write_sactive},  /* ISACTIVER */
	{0x0380, 0x80,   1, R32,    vgic_read_active,    vgic_write_cactive},  /* ICACTIVER */
	{0x0400, 0x3fc,  8, R8_32,  vgic_read_priority,  vgic_write_priority}, /* IPRIORITYR */
	{0x0800, 0x3fc,  8, R8_32,  NULL,                NULL},                /* ITARGETSR */
	{0x0c00, 0x100,  2, R32,    vgic_read_config,    vgic_write_config},   /* ICFGR */
	{0x0d00, 0x80,   1, R32,    NULL,                NULL},                /* IGRPMODR */
	{0x0e00, 0x100,  2, R32,    NULL,                NULL},                /* NSACR */
	{0x0f00, 4,      0, R32,    NULL,                NULL},                /* SGIR */
	{0x0f10, 0x10,   8, R8_32,  NULL,                NULL},                /* CPENDSGIR */
	{0x0f20, 0x10,   8, R8_32,  NULL,                NULL},                /* SPENDSGIR */
	{0x6100, 0x1ee0, 0, R32_64, read_irouter,        write_irouter},       /* IROUTER32..1019 */
	{VGIC_ID_REGS_OFFSET, VGIC_ID_REGS_LEN, 0, R32, vgic_read_id, NULL},   /* PIDR/CIDR */
};

bool vgic_dist_mmio(struct vgic_vm *vm, unsigned vcpu_id, uint64_t offset, unsigned size,
		    bool write, uint64_t *val)
{
	struct vgic_mmio_ctx ctx = {.vm = vm};

	/* No GICD register is banked per vCPU with affinity routing. */
	(void)vcpu_id;
	if (offset >= VGIC_DIST_SIZE || !val)
		return false;
	return vgic_mmio_access(&ctx, gicd_regs, ARRAY_LEN(gicd_regs), &vm->dist_stats, offset,
				size, write, val);
}
