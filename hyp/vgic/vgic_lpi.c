/*
 * LPIs at the redistributors (IHI 0069, 5.1 "LPIs"): GICR_CTLR.EnableLPIs,
 * GICR_PROPBASER (the LPI configuration table: one byte per LPI, priority
 * [7:2] and enable [0]) and GICR_PENDBASER (the pending table), and the
 * calls the ITS (vits.c) makes to pend, clear, move and reload LPIs.
 *
 * Each LPI is a struct vgic_irq (edge-triggered, Group 1) in vm->lpis, so the
 * ap_list, flush and fold treat it as any other interrupt. Its target is the
 * vCPU the ITS last translated it for (its collection's redistributor).
 *
 * The configuration is cached: an LPI's byte is read when the ITS maps it or
 * is told to (INV, INVALL) and for every LPI when a redistributor's
 * EnableLPIs goes from 0 to 1, as the architecture lets a redistributor
 * cache it ("the effect of changing the table is not guaranteed until an INV
 * or INVALL"). The pending state lives here while EnableLPIs is 1; the pending
 * table is read once when EnableLPIs goes to 1 (unless PENDBASER.PTZ says it
 * is zero) and never written.
 */
#include <string.h>

#include "hyp/vgic/vgic.h"

/* ---------------------------------------------------------------- guest memory */

void vgic_set_guest_mem(struct vgic_vm *vm, void *base, uint64_t ipa, uint64_t size)
{
	spin_lock(&vm->lock);
	vm->mem.base = base;
	vm->mem.ipa = ipa;
	vm->mem.size = base ? size : 0;
	spin_unlock(&vm->lock);
}

static bool mem_range(const struct vgic_guest_mem *m, uint64_t ipa, uint64_t len)
{
	/* Written to overflow neither for ipa + len nor for ipa - m->ipa. */
	return m->base && len <= m->size && ipa >= m->ipa && ipa - m->ipa <= m->size - len;
}

bool vgic_mem_read(const struct vgic_vm *vm, uint64_t ipa, void *dst, uint64_t len)
{
	if (!mem_range(&vm->mem, ipa, len))
		return false;
	memcpy(dst, vm->mem.base + (ipa - vm->mem.ipa), len);
	return true;
}

bool vgic_mem_write(const struct vgic_vm *vm, uint64_t ipa, const void *src, uint64_t len)
{
	if (!mem_range(&vm->mem, ipa, len))
		return false;
	memcpy(vm->mem.base + (ipa - vm->mem.ipa), src, len);
	return true;
}

/* ---------------------------------------------------------------- configuration */

static struct vgic_cpu *rd_of(struct vgic_vm *vm, unsigned vcpu_id)
{
	if (vcpu_id >= vm->nr_vcpus)
		return NULL;
	return vm->cpus[vcpu_id];
}

/*
 * Read one LPI's configuration byte through the redistributor rd's
 * PROPBASER. An LPI beyond PROPBASER.IDbits, or a table outside guest
 * memory, reads as disabled (the latter counted).
 */
static void load_config(struct vgic_vm *vm, struct vgic_cpu *rd, struct vgic_irq *irq)
{
	unsigned bits = (unsigned)(rd->propbaser & GICR_PROPBASER_IDBITS) + 1;
	uint8_t prop = 0;

	irq->enabled = false;
	if (bits > VGIC_ID_BITS)
		bits = VGIC_ID_BITS;
	if (bits < VGIC_ID_BITS && irq->intid >= (1u << bits))
		return; /* IDbits below 14 leaves no LPI at all */
	if (!vgic_mem_read(vm, (rd->propbaser & GICR_BASER_PA_MASK) + (irq->intid - VGIC_LPI_BASE),
			   &prop, 1)) {
		vm->lpi_stats.config_faults++;
		return;
	}
	vm->lpi_stats.config_loads++;
	irq->priority = prop & LPI_PROP_PRIORITY_MASK & VGIC_PRI_MASK;
	irq->enabled = prop & LPI_PROP_ENABLE;
}

/* The redistributor whose table an LPI's configuration comes from. */
static struct vgic_cpu *config_rd(struct vgic_vm *vm, const struct vgic_irq *irq)
{
	struct vgic_cpu *rd = rd_of(vm, irq->target);

	/* GICR_TYPER.CommonLPIAff = 0: every redistributor shares one table. */
	return rd ? rd : rd_of(vm, 0);
}

static void reload_locked(struct vgic_vm *vm, struct vgic_irq *irq, uint32_t *kicks)
{
	struct vgic_cpu *rd = config_rd(vm, irq);

	if (!rd || !rd->lpis_enabled)
		irq->enabled = false;
	else
		load_config(vm, rd, irq);
	vgic_irq_update(vm, irq, kicks);
}

/* ---------------------------------------------------------------- the ITS's calls */

static struct vgic_irq *lpi(struct vgic_vm *vm, unsigned intid)
{
	return vgic_is_lpi(intid) ? &vm->lpis[intid - VGIC_LPI_BASE] : NULL;
}

static void retarget(struct vgic_vm *vm, struct vgic_irq *irq, unsigned vcpu_id, uint32_t *kicks)
{
	bool was_none = irq->target == VGIC_NO_VCPU;

	irq->target = (uint8_t)vcpu_id;
	/* First target: its configuration has not been read through any table yet. */
	if (was_none)
		reload_locked(vm, irq, kicks);
	else
		vgic_irq_update(vm, irq, kicks);
}

bool vgic_lpi_set_pending(struct vgic_vm *vm, unsigned intid, unsigned vcpu_id)
{
	struct vgic_irq *irq = lpi(vm, intid);
	uint32_t kicks = 0;

	if (!irq || !rd_of(vm, vcpu_id))
		return false;
	spin_lock(&vm->lock);
	irq->pending_latch = true;
	vm->lpi_stats.pending_set++;
	retarget(vm, irq, vcpu_id, &kicks);
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return true;
}

bool vgic_lpi_clear_pending(struct vgic_vm *vm, unsigned intid)
{
	struct vgic_irq *irq = lpi(vm, intid);
	uint32_t kicks = 0;

	if (!irq)
		return false;
	spin_lock(&vm->lock);
	irq->pending_latch = false;
	/* An LR may hold the pending state: fold drops it (as ICPENDR does). */
	if (irq->lr_vcpu != VGIC_NO_VCPU)
		irq->lr_req |= VGIC_LR_REQ_CLR_PEND;
	vgic_irq_update(vm, irq, &kicks);
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return true;
}

bool vgic_lpi_move(struct vgic_vm *vm, unsigned intid, unsigned vcpu_id)
{
	struct vgic_irq *irq = lpi(vm, intid);
	uint32_t kicks = 0;

	if (!irq || !rd_of(vm, vcpu_id))
		return false;
	spin_lock(&vm->lock);
	retarget(vm, irq, vcpu_id, &kicks);
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return true;
}

bool vgic_lpi_reload(struct vgic_vm *vm, unsigned intid, unsigned vcpu_id)
{
	struct vgic_irq *irq = lpi(vm, intid);
	uint32_t kicks = 0;

	if (!irq)
		return false;
	spin_lock(&vm->lock);
	if (irq->target == VGIC_NO_VCPU && rd_of(vm, vcpu_id))
		irq->target = (uint8_t)vcpu_id;
	reload_locked(vm, irq, &kicks);
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return true;
}

static void reload_all_locked(struct vgic_vm *vm, unsigned vcpu_id, uint32_t *kicks)
{
	for (unsigned i = 0; i < VGIC_NR_LPIS; i++) {
		struct vgic_irq *irq = &vm->lpis[i];

		if (irq->target == VGIC_NO_VCPU)
			continue;
		if (vcpu_id == VGIC_NO_VCPU || irq->target == vcpu_id)
			reload_locked(vm, irq, kicks);
	}
}

void vgic_lpi_reload_all(struct vgic_vm *vm, unsigned vcpu_id)
{
	uint32_t kicks = 0;

	spin_lock(&vm->lock);
	reload_all_locked(vm, vcpu_id, &kicks);
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
}

bool vgic_lpi_move_all(struct vgic_vm *vm, unsigned from, unsigned to)
{
	uint32_t kicks = 0;

	if (!rd_of(vm, from) || !rd_of(vm, to))
		return false;
	spin_lock(&vm->lock);
	for (unsigned i = 0; i < VGIC_NR_LPIS; i++) {
		struct vgic_irq *irq = &vm->lpis[i];

		if (irq->target == from) {
			irq->target = (uint8_t)to;
			vgic_irq_update(vm, irq, &kicks);
		}
	}
	spin_unlock(&vm->lock);
	vgic_kick(vm, kicks);
	return true;
}

/* ---------------------------------------------------------------- GICR registers */

uint64_t vgic_lpi_read_ctlr(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	(void)off;
	(void)size;
	/* RWP [3] stays 0: every change takes effect before the write returns. */
	return ctx->rd->lpis_enabled ? GICR_CTLR_ENABLE_LPIS : 0;
}

/*
 * EnableLPIs 0 -> 1: the pending table (unless PTZ) and the configuration of
 * every LPI are read. 1 -> 0 is allowed; pending LPIs stay pending but are
 * not delivered until it is set again.
 */
void vgic_lpi_write_ctlr(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val)
{
	struct vgic_cpu *rd = ctx->rd;
	struct vgic_vm *vm = ctx->vm;
	bool on = val & GICR_CTLR_ENABLE_LPIS;
	uint8_t pend[VGIC_NR_LPIS / 8];

	(void)off;
	(void)size;
	if (on == rd->lpis_enabled)
		return;
	rd->lpis_enabled = on;
	if (on && !(rd->pendbaser & GICR_PENDBASER_PTZ) &&
	    vgic_mem_read(vm, (rd->pendbaser & GICR_BASER_PA_MASK) + VGIC_LPI_BASE / 8, pend,
			  sizeof(pend))) {
		for (unsigned i = 0; i < VGIC_NR_LPIS; i++) {
			struct vgic_irq *irq = &vm->lpis[i];

			if (!(pend[i / 8] & (1u << (i % 8))))
				continue;
			irq->pending_latch = true;
			if (irq->target == VGIC_NO_VCPU)
				irq->target = (uint8_t)rd->id;
		}
	}
	if (on)
		reload_all_locked(vm, rd->id, &ctx->kicks);
	else
		vgic_update_all(vm, &ctx->kicks);
}

/* Writable fields of GICR_PROPBASER and GICR_PENDBASER: PA, cacheability, shareability, IDbits. */
#define PROPBASER_RW (0x0700000000000000ull | GICR_BASER_PA_MASK | 0xf80ull | GICR_PROPBASER_IDBITS)
#define PENDBASER_RW (0x0700000000000000ull | 0x000fffffffff0000ull | 0xf80ull)

static uint64_t read_half(uint64_t v, uint32_t off, unsigned size)
{
	return size == 8 ? v : v >> ((off & 4) * 8);
}

/*
 * Writes while EnableLPIs is 1 are UNPREDICTABLE in the architecture; here
 * they are ignored.
 */
static void write_half(struct vgic_cpu *rd, uint64_t *reg, uint64_t mask, uint32_t off,
		       unsigned size, uint64_t val)
{
	uint64_t v = *reg;

	if (rd->lpis_enabled)
		return;
	if (size == 8)
		v = val;
	else if (off & 4)
		v = (v & 0xffffffffull) | (val << 32);
	else
		v = (v & ~0xffffffffull) | (val & 0xffffffffull);
	*reg = v & mask;
}

uint64_t vgic_lpi_read_propbaser(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	return read_half(ctx->rd->propbaser, off, size);
}

void vgic_lpi_write_propbaser(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val)
{
	write_half(ctx->rd, &ctx->rd->propbaser, PROPBASER_RW, off, size, val);
}

/* PTZ is write-only (reads as zero); it only matters for the next EnableLPIs 0 -> 1. */
uint64_t vgic_lpi_read_pendbaser(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size)
{
	return read_half(ctx->rd->pendbaser & ~GICR_PENDBASER_PTZ, off, size);
}

void vgic_lpi_write_pendbaser(struct vgic_mmio_ctx *ctx, uint32_t off, unsigned size, uint64_t val)
{
	write_half(ctx->rd, &ctx->rd->pendbaser, PENDBASER_RW | GICR_PENDBASER_PTZ, off, size, val);
}
