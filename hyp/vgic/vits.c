/*
 * The virtual ITS: GITS registers, command queue, translation. See vits.h
 * and docs/its.md.
 *
 * Table formats (IMPLEMENTATION DEFINED, 8-byte little-endian entries):
 *   device table entry,     index DeviceID:  Valid [63], ITT address [51:8], Size [4:0]
 *   collection table entry, index ICID:      Valid [63], target vCPU [15:0]
 *   interrupt translation entry, index EventID in the device's ITT:
 *                                            Valid [63], ICID [47:32], pINTID [31:0]
 * Every entry is read from guest memory each time it is needed (no cache),
 * so a guest that rewrites its tables behind the ITS's back sees the
 * effect at once, which the architecture allows (the tables are the ITS's
 * to use; their contents while in use are UNPREDICTABLE for software).
 */
#include <string.h>

#include "hyp/vgic/vits.h"

#define ENTRY_VALID (1ull << 63)

/* GITS_TYPER: Physical, ITT_entry_size [7:4], IDbits [12:8], Devbits [17:13]; PTA = 0 (processor numbers), HCC = 0, CIL = 0 (16-bit ICIDs). */
#define GITS_TYPER_VALUE                                                                    \
	(1ull | (uint64_t)(VITS_ENTRY_SIZE - 1) << 4 | (uint64_t)(VITS_EVENT_BITS - 1) << 8 | \
	 (uint64_t)(VITS_DEV_BITS - 1) << 13)

/* GITS_BASER<n> fields software writes: Valid, InnerCache, OuterCache, PA, Shareability, Page_Size, Size. */
#define GITS_BASER_RW                                                                        \
	(GITS_BASER_VALID | 0x3800000000000000ull | 0x00e0000000000000ull | GITS_BASER_PA_MASK | \
	 0xc00ull | 0x300ull | GITS_BASER_SIZE_MASK)
#define GITS_CBASER_RW                                                                       \
	(GITS_CBASER_VALID | 0x3800000000000000ull | 0x00e0000000000000ull |                    \
	 GITS_CBASER_PA_MASK | 0xc00ull | GITS_CBASER_SIZE_MASK)

static const uint8_t baser_types[VITS_NR_BASER] = {
	GITS_BASER_TYPE_DEVICE,
	GITS_BASER_TYPE_COLLECTION,
};

void vits_init(struct vits *its, struct vgic_vm *vgic, vits_event_fn on_event, void *opaque)
{
	memset(its, 0, sizeof(*its));
	its->vgic = vgic;
	its->on_event = on_event;
	its->opaque = opaque;
	for (unsigned n = 0; n < VITS_NR_BASER; n++)
		if (baser_types[n])
			its->baser[n] = (uint64_t)baser_types[n] << GITS_BASER_TYPE_SHIFT |
					(uint64_t)(VITS_ENTRY_SIZE - 1) << GITS_BASER_ESIZE_SHIFT;
}

/* ---------------------------------------------------------------- tables */

/* The flat table GITS_BASER<n> describes: base IPA and size in bytes. false when not valid. */
static bool table_of(const struct vits *its, unsigned n, uint64_t *base, uint64_t *size)
{
	uint64_t b = its->baser[n];
	static const uint64_t psz[4] = {0x1000, 0x4000, 0x10000, 0x10000};
	uint64_t page = psz[(b >> GITS_BASER_PSZ_SHIFT) & 3];

	if (!(b & GITS_BASER_VALID))
		return false;
	/* With 64 KiB pages, PA [15:12] hold PA [51:48]. */
	if (page == 0x10000)
		*base = (b & GITS_BASER_PA_MASK & ~0xffffull) | ((b >> 12) & 0xf) << 48;
	else
		*base = b & GITS_BASER_PA_MASK;
	*size = ((b & GITS_BASER_SIZE_MASK) + 1) * page;
	return true;
}

/* Entry index of table n: VITS_OK, or why not (beyond the table, table invalid or outside RAM). */
static enum vits_result entry_ipa(const struct vits *its, unsigned n, uint64_t index,
				  enum vits_result beyond, uint64_t *ipa)
{
	uint64_t base, size;

	if (!table_of(its, n, &base, &size))
		return VITS_ERR_TABLE;
	if (index >= size / VITS_ENTRY_SIZE)
		return beyond;
	*ipa = base + index * VITS_ENTRY_SIZE;
	return VITS_OK;
}

static bool read_entry(const struct vits *its, uint64_t ipa, uint64_t *e)
{
	uint8_t b[8];

	if (!vgic_mem_read(its->vgic, ipa, b, sizeof(b)))
		return false;
	*e = 0;
	for (unsigned i = 0; i < 8; i++)
		*e |= (uint64_t)b[i] << (8 * i);
	return true;
}

static bool write_entry(const struct vits *its, uint64_t ipa, uint64_t e)
{
	uint8_t b[8];

	for (unsigned i = 0; i < 8; i++)
		b[i] = (uint8_t)(e >> (8 * i));
	return vgic_mem_write(its->vgic, ipa, b, sizeof(b));
}

static enum vits_result dte_ipa(const struct vits *its, uint32_t device, uint64_t *ipa)
{
	if (device >= (1ull << VITS_DEV_BITS))
		return VITS_ERR_DEVICE_ID;
	return entry_ipa(its, 0, device, VITS_ERR_DEVICE_ID, ipa);
}

static enum vits_result cte_ipa(const struct vits *its, uint32_t icid, uint64_t *ipa)
{
	if (icid >= (1ull << VITS_ICID_BITS))
		return VITS_ERR_COLLECTION_ID;
	return entry_ipa(its, 1, icid, VITS_ERR_COLLECTION_ID, ipa);
}

/* A mapped collection's target vCPU. */
static enum vits_result find_collection(const struct vits *its, uint32_t icid, uint32_t *target)
{
	uint64_t ipa, cte;
	enum vits_result r = cte_ipa(its, icid, &ipa);

	if (r != VITS_OK)
		return r;
	if (!read_entry(its, ipa, &cte))
		return VITS_ERR_TABLE;
	if (!(cte & ENTRY_VALID))
		return VITS_ERR_UNMAPPED_COLLECTION;
	*target = (uint32_t)(cte & 0xffff);
	/* MAPC only writes existing vCPUs; anything else was written by the guest. */
	if (*target >= its->vgic->nr_vcpus)
		return VITS_ERR_TARGET;
	return VITS_OK;
}

/* The ITE slot of (device, event): its IPA, after checking the device is mapped and the event in range. */
static enum vits_result ite_ipa(const struct vits *its, uint32_t device, uint32_t event,
				uint64_t *ipa)
{
	uint64_t dipa, dte;
	enum vits_result r = dte_ipa(its, device, &dipa);

	if (r != VITS_OK)
		return r;
	if (!read_entry(its, dipa, &dte))
		return VITS_ERR_TABLE;
	if (!(dte & ENTRY_VALID))
		return VITS_ERR_UNMAPPED_DEVICE;
	if (event >= (2ull << (dte & 0x1f)))
		return VITS_ERR_EVENT_ID;
	*ipa = (dte & 0x000fffffffffff00ull) + (uint64_t)event * VITS_ENTRY_SIZE;
	return VITS_OK;
}

/* A mapped (device, event): the ITE's IPA, LPI and collection. */
static enum vits_result find_ite(const struct vits *its, uint32_t device, uint32_t event,
				 uint64_t *ipa, uint32_t *intid, uint32_t *icid)
{
	uint64_t ite;
	enum vits_result r = ite_ipa(its, device, event, ipa);

	if (r != VITS_OK)
		return r;
	if (!read_entry(its, *ipa, &ite))
		return VITS_ERR_TABLE;
	if (!(ite & ENTRY_VALID))
		return VITS_ERR_UNMAPPED_EVENT;
	*intid = (uint32_t)ite;
	*icid = (uint32_t)(ite >> 32) & 0xffff;
	return VITS_OK;
}

/* ---------------------------------------------------------------- commands */

struct cmd {
	uint64_t dw[4];
};

#define CMD_NUM(c)     ((unsigned)((c)->dw[0] & 0xff))
#define CMD_DEVICE(c)  ((uint32_t)((c)->dw[0] >> 32))
#define CMD_EVENT(c)   ((uint32_t)(c)->dw[1])
#define CMD_PINTID(c)  ((uint32_t)((c)->dw[1] >> 32))
#define CMD_SIZE(c)    ((unsigned)((c)->dw[1] & 0x1f))
#define CMD_ICID(c)    ((uint32_t)((c)->dw[2] & 0xffff))
#define CMD_ITT(c)     ((c)->dw[2] & 0x000fffffffffff00ull)
#define CMD_VALID(c)   (((c)->dw[2] >> 63) & 1)
/* RDbase [51:16]: with GITS_TYPER.PTA = 0, the target's processor number. */
#define CMD_RDBASE(c)  (((c)->dw[2] >> 16) & 0xfffffffffull)
#define CMD_RDBASE2(c) (((c)->dw[3] >> 16) & 0xfffffffffull)

/* The arguments each command has (the rest are traced as VITS_NONE). */
#define ARG_DEV   1u
#define ARG_EVENT 2u
#define ARG_ICID  4u
static const uint8_t cmd_args[16] = {
	[VITS_CMD_MOVI] = ARG_DEV | ARG_EVENT | ARG_ICID,
	[VITS_CMD_INT] = ARG_DEV | ARG_EVENT,
	[VITS_CMD_CLEAR] = ARG_DEV | ARG_EVENT,
	[VITS_CMD_MAPD] = ARG_DEV,
	[VITS_CMD_MAPC] = ARG_ICID,
	[VITS_CMD_MAPTI] = ARG_DEV | ARG_EVENT | ARG_ICID,
	[VITS_CMD_MAPI] = ARG_DEV | ARG_EVENT | ARG_ICID,
	[VITS_CMD_INV] = ARG_DEV | ARG_EVENT,
	[VITS_CMD_INVALL] = ARG_ICID,
	[VITS_CMD_DISCARD] = ARG_DEV | ARG_EVENT,
};

static void event_init(struct vits_event *e, unsigned cmd)
{
	*e = (struct vits_event){
		.cmd = (uint8_t)cmd, .device = VITS_NONE, .event = VITS_NONE,
		.intid = VITS_NONE, .icid = VITS_NO_ICID, .target = VITS_NO_TARGET,
	};
}

static bool rd_ok(const struct vits *its, uint64_t rd)
{
	return rd < its->vgic->nr_vcpus && its->vgic->cpus[rd];
}

static enum vits_result cmd_mapd(struct vits *its, const struct cmd *c, struct vits_event *e)
{
	uint64_t ipa;
	enum vits_result r = dte_ipa(its, e->device, &ipa);

	if (r != VITS_OK)
		return r;
	if (CMD_VALID(c) && CMD_SIZE(c) >= VITS_EVENT_BITS)
		return VITS_ERR_SIZE;
	if (!write_entry(its, ipa, CMD_VALID(c) ? ENTRY_VALID | CMD_ITT(c) | CMD_SIZE(c) : 0))
		return VITS_ERR_TABLE;
	return VITS_OK;
}

static enum vits_result cmd_mapc(struct vits *its, const struct cmd *c, struct vits_event *e)
{
	uint64_t ipa;
	enum vits_result r = cte_ipa(its, e->icid, &ipa);

	if (r != VITS_OK)
		return r;
	if (CMD_VALID(c)) {
		if (!rd_ok(its, CMD_RDBASE(c)))
			return VITS_ERR_TARGET;
		e->target = (uint32_t)CMD_RDBASE(c);
	}
	if (!write_entry(its, ipa, CMD_VALID(c) ? ENTRY_VALID | CMD_RDBASE(c) : 0))
		return VITS_ERR_TABLE;
	return VITS_OK;
}

static enum vits_result cmd_mapti(struct vits *its, struct vits_event *e)
{
	uint64_t ipa;
	enum vits_result r;

	if (!vgic_is_lpi(e->intid))
		return VITS_ERR_INTID;
	r = ite_ipa(its, e->device, e->event, &ipa);
	if (r != VITS_OK)
		return r;
	/* The collection need not be mapped yet, but must be one the table can hold. */
	r = cte_ipa(its, e->icid, &(uint64_t){0});
	if (r != VITS_OK)
		return r;
	if (!write_entry(its, ipa, ENTRY_VALID | (uint64_t)e->icid << 32 | e->intid))
		return VITS_ERR_TABLE;
	/* The LPI's configuration is read through its collection's redistributor. */
	if (find_collection(its, e->icid, &e->target) == VITS_OK)
		vgic_lpi_reload(its->vgic, e->intid, e->target);
	return VITS_OK;
}

/* Commands naming (device, event): find the mapping and its collection's target. */
static enum vits_result resolve(struct vits *its, struct vits_event *e, uint64_t *ipa)
{
	uint32_t icid;
	enum vits_result r = find_ite(its, e->device, e->event, ipa, &e->intid, &icid);

	if (r != VITS_OK)
		return r;
	e->icid = (uint16_t)icid;
	return find_collection(its, icid, &e->target);
}

static enum vits_result run_cmd(struct vits *its, const struct cmd *c, struct vits_event *e)
{
	uint64_t ipa;
	uint32_t to;
	enum vits_result r;

	switch (e->cmd) {
	case VITS_CMD_MAPD:
		return cmd_mapd(its, c, e);
	case VITS_CMD_MAPC:
		return cmd_mapc(its, c, e);
	case VITS_CMD_MAPTI:
		e->intid = CMD_PINTID(c);
		return cmd_mapti(its, e);
	case VITS_CMD_MAPI:
		e->intid = e->event;
		return cmd_mapti(its, e);
	case VITS_CMD_INT:
	case VITS_CMD_CLEAR:
	case VITS_CMD_INV:
	case VITS_CMD_DISCARD:
		r = resolve(its, e, &ipa);
		/* DISCARD needs no mapped collection: it only removes the mapping. */
		if (r != VITS_OK && !(e->cmd == VITS_CMD_DISCARD && e->icid != VITS_NO_ICID &&
				      (r == VITS_ERR_UNMAPPED_COLLECTION || r == VITS_ERR_TARGET)))
			return r;
		if (e->cmd == VITS_CMD_INT) {
			vgic_lpi_set_pending(its->vgic, e->intid, e->target);
			its->stats.lpis++;
		} else if (e->cmd == VITS_CMD_INV) {
			vgic_lpi_reload(its->vgic, e->intid, e->target);
		} else {
			vgic_lpi_clear_pending(its->vgic, e->intid);
			if (e->cmd == VITS_CMD_DISCARD && !write_entry(its, ipa, 0))
				return VITS_ERR_TABLE;
		}
		return VITS_OK;
	case VITS_CMD_MOVI:
		r = resolve(its, e, &ipa);
		if (r != VITS_OK)
			return r;
		r = find_collection(its, CMD_ICID(c), &to);
		if (r != VITS_OK)
			return r;
		e->icid = (uint16_t)CMD_ICID(c);
		e->target = to;
		if (!write_entry(its, ipa, ENTRY_VALID | (uint64_t)e->icid << 32 | e->intid))
			return VITS_ERR_TABLE;
		vgic_lpi_move(its->vgic, e->intid, to);
		return VITS_OK;
	case VITS_CMD_INVALL:
		r = find_collection(its, e->icid, &e->target);
		if (r != VITS_OK)
			return r;
		vgic_lpi_reload_all(its->vgic, e->target);
		return VITS_OK;
	case VITS_CMD_SYNC:
		/* Every command's effects are complete when it returns: nothing to wait for. */
		if (!rd_ok(its, CMD_RDBASE(c)))
			return VITS_ERR_TARGET;
		e->target = (uint32_t)CMD_RDBASE(c);
		return VITS_OK;
	case VITS_CMD_MOVALL:
		if (!rd_ok(its, CMD_RDBASE(c)) || !rd_ok(its, CMD_RDBASE2(c)))
			return VITS_ERR_TARGET;
		e->target = (uint32_t)CMD_RDBASE2(c);
		vgic_lpi_move_all(its->vgic, (unsigned)CMD_RDBASE(c), e->target);
		return VITS_OK;
	default:
		return VITS_ERR_UNKNOWN_CMD;
	}
}

static void emit(struct vits *its, unsigned vcpu_id, const struct vits_event *e)
{
	if (e->cmd < 16)
		its->stats.cmds[e->cmd]++;
	if (e->result < VITS_NR_RESULTS && e->result != VITS_OK)
		its->stats.errors[e->result]++;
	if (its->on_event)
		its->on_event(its->opaque, vcpu_id, e);
}

static uint64_t queue_size(const struct vits *its)
{
	return ((its->cbaser & GITS_CBASER_SIZE_MASK) + 1) * 0x1000;
}

/*
 * Run the commands from CREADR up to CWRITER (lock held). Bounded by the
 * queue: CWRITER is always inside it, so at most queue_size / 32 commands.
 */
static void process_queue(struct vits *its, unsigned vcpu_id)
{
	uint64_t base = its->cbaser & GITS_CBASER_PA_MASK, size = queue_size(its);

	if (!(its->ctlr & GITS_CTLR_ENABLED) || !(its->cbaser & GITS_CBASER_VALID))
		return;
	while (its->creadr != its->cwriter) {
		uint8_t raw[VITS_CMD_SIZE];
		struct cmd c = {{0}};
		struct vits_event e;

		if (vgic_mem_read(its->vgic, base + its->creadr, raw, sizeof(raw))) {
			uint8_t args;

			for (unsigned i = 0; i < VITS_CMD_SIZE; i++)
				c.dw[i / 8] |= (uint64_t)raw[i] << (8 * (i % 8));
			event_init(&e, CMD_NUM(&c));
			args = e.cmd < 16 ? cmd_args[e.cmd] : 0;
			if (args & ARG_DEV)
				e.device = CMD_DEVICE(&c);
			if (args & ARG_EVENT)
				e.event = CMD_EVENT(&c);
			if (args & ARG_ICID)
				e.icid = (uint16_t)CMD_ICID(&c);
			e.result = (uint8_t)run_cmd(its, &c, &e);
		} else {
			event_init(&e, 0);
			e.result = VITS_ERR_TABLE; /* the queue itself is outside guest memory */
		}
		emit(its, vcpu_id, &e);
		its->creadr = (its->creadr + VITS_CMD_SIZE) % size;
	}
}

/* ---------------------------------------------------------------- translation */

static enum vits_result translate_locked(struct vits *its, unsigned vcpu_id, uint32_t device,
					 uint32_t event)
{
	struct vits_event e;
	uint64_t ipa;
	enum vits_result r = VITS_ERR_DISABLED;

	event_init(&e, VITS_CMD_MSI);
	e.device = device;
	e.event = event;

	its->stats.msis++;
	if (its->ctlr & GITS_CTLR_ENABLED)
		r = resolve(its, &e, &ipa);
	if (r == VITS_OK) {
		vgic_lpi_set_pending(its->vgic, e.intid, e.target);
		its->stats.lpis++;
	}
	e.result = (uint8_t)r;
	emit(its, vcpu_id, &e);
	return r;
}

enum vits_result vits_translate(struct vits *its, unsigned vcpu_id, uint32_t device,
				uint32_t event)
{
	enum vits_result r;

	spin_lock(&its->lock);
	r = translate_locked(its, vcpu_id, device, event);
	spin_unlock(&its->lock);
	return r;
}

/* ---------------------------------------------------------------- registers */

static uint64_t write_half(uint64_t old, uint64_t offset, unsigned size, uint64_t val)
{
	if (size == 8)
		return val;
	if (offset & 4)
		return (old & 0xffffffffull) | (val << 32);
	return (old & ~0xffffffffull) | (val & 0xffffffffull);
}

static bool is_reg64(uint64_t off)
{
	return off == GITS_TYPER || off == GITS_CBASER || off == GITS_CWRITER ||
	       off == GITS_CREADR || (off >= GITS_BASER && off < GITS_BASER + 8 * VITS_NR_BASER);
}

static uint64_t read_reg(struct vits *its, uint64_t off)
{
	switch (off) {
	case GITS_CTLR:
		/* Commands run to completion inside the CWRITER write: quiescent unless a queue is left. */
		return its->ctlr | ((!(its->ctlr & GITS_CTLR_ENABLED) || its->creadr == its->cwriter)
					    ? GITS_CTLR_QUIESCENT : 0);
	case GITS_IIDR:
		return vgic_iidr();
	case GITS_TYPER:
		return GITS_TYPER_VALUE;
	case GITS_CBASER:
		return its->cbaser;
	case GITS_CWRITER:
		return its->cwriter;
	case GITS_CREADR:
		return its->creadr; /* never Stalled: command errors are ignored */
	default:
		if (off >= GITS_BASER && off < GITS_BASER + 8 * VITS_NR_BASER)
			return its->baser[(off - GITS_BASER) / 8];
		if (off >= VGIC_ID_REGS_OFFSET && off < VGIC_ID_REGS_OFFSET + VGIC_ID_REGS_LEN)
			return vgic_read_id(NULL, (uint32_t)(off - VGIC_ID_REGS_OFFSET), 4);
		its->stats.unknown_accesses++;
		return 0;
	}
}

static void write_reg(struct vits *its, unsigned vcpu_id, uint64_t off, uint64_t v)
{
	bool enabled = its->ctlr & GITS_CTLR_ENABLED;

	switch (off) {
	case GITS_CTLR:
		its->ctlr = (uint32_t)v & GITS_CTLR_ENABLED;
		process_queue(its, vcpu_id); /* commands written while disabled run now */
		return;
	case GITS_CBASER:
		/* UNPREDICTABLE while enabled: ignored. A write resets CREADR. */
		if (enabled)
			return;
		its->cbaser = v & GITS_CBASER_RW;
		its->creadr = 0;
		return;
	case GITS_CWRITER:
		/* An offset outside the queue would run past it: ignored, counted. */
		if ((v & GITS_QUEUE_OFFSET) >= queue_size(its)) {
			its->stats.bad_cwriter++;
			return;
		}
		its->cwriter = v & GITS_QUEUE_OFFSET;
		process_queue(its, vcpu_id);
		return;
	default:
		if (off >= GITS_BASER && off < GITS_BASER + 8 * VITS_NR_BASER) {
			unsigned n = (unsigned)(off - GITS_BASER) / 8;
			uint64_t ro = its->baser[n] & ~GITS_BASER_RW;

			/* Types we do not have are RAZ/WI; writes while enabled are ignored. */
			if (!baser_types[n] || enabled)
				return;
			/* Page_Size 0b11 is reserved: taken as 64 KiB. Indirect is RAZ/WI. */
			if (((v >> GITS_BASER_PSZ_SHIFT) & 3) == 3)
				v &= ~(1ull << GITS_BASER_PSZ_SHIFT);
			its->baser[n] = ro | (v & GITS_BASER_RW);
			return;
		}
		if (off != GITS_TYPER && off != GITS_CREADR && off != GITS_IIDR &&
		    !(off >= VGIC_ID_REGS_OFFSET && off < VGIC_ID_REGS_OFFSET + VGIC_ID_REGS_LEN))
			its->stats.unknown_accesses++;
		return;
	}
}

bool vits_mmio(struct vits *its, unsigned vcpu_id, uint64_t offset, unsigned size, bool write,
	       uint64_t *val)
{
	uint64_t reg = offset & ~7ull, v;

	if (!val || offset >= VITS_FRAME_SIZE)
		return false;
	spin_lock(&its->lock);
	if (offset == GITS_TRANSLATER && (size == 2 || size == 4)) {
		if (write)
			translate_locked(its, vcpu_id, VITS_CPU_DEVICE_ID, (uint32_t)*val);
		else
			*val = 0;
		spin_unlock(&its->lock);
		return true;
	}
	if (!is_reg64(reg))
		reg = offset & ~3ull;
	/* 32-bit anywhere aligned; 64-bit only to the 64-bit registers. */
	if ((size != 4 && size != 8) || (offset & (size - 1)) || (size == 8 && !is_reg64(offset))) {
		its->stats.unknown_accesses++;
		if (!write)
			*val = 0;
		spin_unlock(&its->lock);
		return true;
	}
	if (!write) {
		v = read_reg(its, reg);
		if (size == 4)
			v = (v >> ((offset - reg) * 8)) & 0xffffffffull;
		*val = v;
	} else if (is_reg64(reg)) {
		uint64_t old = read_reg(its, reg);

		/* CWRITER's top half is RES0: a 32-bit write of the low half still moves it. */
		write_reg(its, vcpu_id, reg, write_half(old, offset, size, *val));
	} else {
		write_reg(its, vcpu_id, reg, *val & 0xffffffffull);
	}
	spin_unlock(&its->lock);
	return true;
}
