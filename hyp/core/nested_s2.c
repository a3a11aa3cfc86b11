/*
 * The shadow stage 2 of a nested guest (hyp/include/nested_s2.h): the walk
 * of L1's stage-2 tables, the stage-2 abort L1 gets when they refuse, and the
 * shadow tables L2 runs on.
 *
 * Arm ARM references: D8.2 (the translation table walk: granules, start
 * levels, concatenated tables), D8.3 (descriptor formats), D8.5 (stage-2
 * memory attributes and their combination), D19.2 (VTCR_EL2, VTTBR_EL2,
 * HPFAR_EL2, ESR_EL2 ISS for data and instruction aborts).
 */
#include <errno.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/trace.h"
#include "formats/vmid.h"
#include "hyp/include/arch.h"
#include "hyp/include/nested_s2.h"
#include "hyp/include/stage2.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"
#include "hyp/include/vmid.h"

#define GENMASK64(h, l) ((~0ull >> (63 - (h))) & (~0ull << (l)))
#define OA_MASK GENMASK64(47, 0) /* output addresses: 48 bits, no FEAT_LPA */

/* ------------------------------------------------------------------ walk */

static unsigned granule_shift(uint64_t vtcr)
{
	switch (VTCR_TG0(vtcr)) {
	case 1: return 16;
	case 2: return 14;
	default: return 12; /* 0, and the reserved 3 treated as 4 KiB */
	}
}

/* VTCR_EL2.PS: the output address size; 48 at most without FEAT_LPA. */
static unsigned ps_bits(uint64_t vtcr)
{
	static const unsigned bits[8] = { 32, 36, 40, 42, 44, 48, 48, 48 };

	return bits[VTCR_PS(vtcr)];
}

/* The start level VTCR_EL2.SL0 selects for the granule, or -1 when reserved. */
static int start_level(uint64_t vtcr, unsigned gshift)
{
	unsigned sl0 = VTCR_SL0(vtcr);

	if (gshift == 12)
		return sl0 == 3 ? -1 : 2 - (int)sl0; /* SL0 3 (level 3) needs FEAT_TTST */
	if (gshift == 16)
		return sl0 == 3 ? -1 : 3 - (int)sl0;
	return 3 - (int)sl0; /* 16 KiB: SL0 3 is level 0 */
}

static void walk_fault(struct ns2_walk *w, enum ns2_fault kind, unsigned level, uint64_t desc)
{
	w->fault = kind;
	w->level = level;
	w->desc = desc;
}

void ns2_walk(const struct ns2_l0 *l0, uint64_t vtcr, uint64_t vttbr, unsigned max_ipa_bits,
	      uint64_t ipa, struct ns2_walk *w)
{
	unsigned g = granule_shift(vtcr), stride = g - 3, in_bits = 64 - VTCR_T0SZ(vtcr);
	unsigned oa_bits = ps_bits(vtcr), first_block = g == 12 ? 1 : 2;
	int sl = start_level(vtcr, g);
	unsigned level, top, bottom;
	uint64_t base;

	memset(w, 0, sizeof(*w));
	/* An inconsistent VTCR_EL2 (input size against granule and start
	 * level), and an IPA beyond the input size, are stage-2 translation
	 * faults at level 0 (Arm ARM D8.2, "Translation table walk"). */
	if (sl < 0 || in_bits > 48 || in_bits > max_ipa_bits || in_bits < 25 ||
	    (ipa >> in_bits) != 0) {
		walk_fault(w, NS2_TRANSLATION, 0, 0);
		return;
	}
	level = (unsigned)sl;
	bottom = (3 - level) * stride + g;
	/* The start level resolves at least one bit and at most stride + 4
	 * (16 concatenated tables). */
	if (in_bits <= bottom || in_bits > bottom + stride + 4) {
		walk_fault(w, NS2_TRANSLATION, 0, 0);
		return;
	}
	/* The start table is 8 bytes per entry, aligned to its size. */
	base = VTTBR_BADDR(vttbr) & GENMASK64(47, 3 + in_bits - bottom);
	if (base >> oa_bits) {
		walk_fault(w, NS2_ADDR_SIZE, level, 0);
		return;
	}
	top = in_bits - 1;
	for (;;) {
		uint64_t desc, index;

		bottom = (3 - level) * stride + g;
		index = (ipa & GENMASK64(top, bottom)) >> bottom;
		if (l0->read(l0->ctx, base + index * 8, &desc)) {
			walk_fault(w, NS2_WALK_EXTERNAL, level, 0);
			return;
		}
		/* Invalid, or the reserved "block" encoding at level 3. */
		if (!(desc & 1) || ((desc & 3) == 1 && level == 3)) {
			walk_fault(w, NS2_TRANSLATION, level, desc);
			return;
		}
		if ((desc & 3) == 1 || level == 3) {
			w->desc = desc;
			break;
		}
		base = desc & OA_MASK & GENMASK64(47, g);
		if (base >> oa_bits) {
			walk_fault(w, NS2_ADDR_SIZE, level, desc);
			return;
		}
		level++;
		top = bottom - 1;
	}
	w->level = level;
	if (level < first_block) { /* a block where the granule has none */
		walk_fault(w, NS2_TRANSLATION, level, w->desc);
		return;
	}
	if ((w->desc & OA_MASK & GENMASK64(47, bottom)) >> oa_bits) {
		walk_fault(w, NS2_ADDR_SIZE, level, w->desc);
		return;
	}
	if (!(w->desc & S2_AF)) {
		walk_fault(w, NS2_ACCESS_FLAG, level, w->desc);
		return;
	}
	w->size = 1ull << bottom;
	w->out = (w->desc & GENMASK64(47, bottom)) | (ipa & (w->size - 1));
	w->r = w->desc & (1ull << 6);
	w->w = w->desc & (1ull << 7);
	w->x = !(w->desc & S2_XN);
}

/* ESR_EL2 fields of data and instruction aborts (Arm ARM D19.2, ISS encodings). */
#define ESR_IL      (1ull << 25)
#define ISS_ISV     (1ull << 24)
#define ISS_ISV_SYN GENMASK64(23, 14) /* SAS, SSE, SRT, SF, AR */
#define ISS_FNV     (1ull << 10)
#define ISS_CM      (1ull << 8)
#define ISS_S1PTW   (1ull << 7)
#define ISS_WNR     (1ull << 6)

bool ns2_access_ok(const struct ns2_walk *w, uint64_t esr)
{
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;

	/* A fault on L2's own stage-1 walk reads (or, with WnR, updates) a table. */
	if (esr & ISS_S1PTW)
		return w->r && (!(esr & ISS_WNR) || w->w);
	if (ec == ESR_EC_IABT_LOW)
		return w->x;
	/* Cache maintenance reports WnR set but needs read permission only. */
	if ((esr & ISS_WNR) && !(esr & ISS_CM))
		return w->w;
	return w->r;
}

unsigned ns2_fsc(enum ns2_fault kind, unsigned level)
{
	static const unsigned base[] = {
		[NS2_OK] = 0, [NS2_TRANSLATION] = 0x04, [NS2_ACCESS_FLAG] = 0x08,
		[NS2_PERMISSION] = 0x0c, [NS2_ADDR_SIZE] = 0x00, [NS2_WALK_EXTERNAL] = 0x14,
	};

	if (kind == NS2_OK || (unsigned)kind >= sizeof(base) / sizeof(base[0]))
		return 0;
	return base[kind] | (level & 3);
}

void ns2_syndrome(uint64_t esr, uint64_t far, uint64_t ipa, const struct ns2_walk *w,
		  struct ns2_syndrome *out)
{
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;
	uint64_t keep = ISS_FNV | ISS_S1PTW;

	if (ec == ESR_EC_DABT_LOW) {
		keep |= ISS_CM | ISS_WNR;
		if (esr & ISS_ISV)
			keep |= ISS_ISV | ISS_ISV_SYN;
	}
	out->esr = (esr & (GENMASK64(31, 26) | ESR_IL | keep)) | ns2_fsc(w->fault, w->level);
	out->far = far;
	/* HPFAR_EL2.FIPA, bits [39:4]: IPA[47:12]. */
	out->hpfar = (ipa & GENMASK64(47, 12)) >> 8;
}

/* ----------------------------------------------------------- the pool */

static uint64_t root_pa(const struct nested_s2 *ns, unsigned i)
{
	return ns->pool.base - (uint64_t)(NS2_MAX_SHADOWS - i) * PAGE_SIZE;
}

int nested_s2_init(struct nested_s2 *ns, uint64_t pool_pa, uint64_t pool_size,
		   unsigned ipa_bits, const struct ns2_l0 *l0)
{
	if ((pool_pa & (PAGE_SIZE - 1)) || pool_size / PAGE_SIZE < NS2_MIN_POOL ||
	    ipa_bits < 32 || ipa_bits > 48 || !l0 || !l0->read || !l0->translate)
		return -EINVAL;
	memset(ns, 0, sizeof(*ns));
	ns->l0 = *l0;
	ns->ipa_bits = ipa_bits;
	/* The first pages are the roots, fixed for the VM's life: a vCPU may
	 * run on a root while its contents are dropped, never on a freed page. */
	page_allocator_init(&ns->pool, pool_pa + NS2_MAX_SHADOWS * PAGE_SIZE,
			    pool_size - NS2_MAX_SHADOWS * PAGE_SIZE);
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++) {
		ns->sh[i].root_pa = root_pa(ns, i);
		ns->sh[i].start_level = s2_start_level(ipa_bits);
		memset(phys_to_virt(root_pa(ns, i)), 0, PAGE_SIZE);
	}
	return 0;
}

void nested_s2_destroy(struct nested_s2 *ns, struct vmid_allocator *vmids)
{
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++)
		if (vmids && ns->sh[i].vmid)
			vmid_release(vmids, &ns->sh[i].vmid);
}

/* L0's TLB entries of a shadow (its VMID, every CPU). */
static void flush_shadow(const struct nested_s2 *ns, const struct ns2_shadow *sh)
{
	(void)ns;
	if (sh->hw_vttbr)
		arch_tlb_flush_vmid(sh->hw_vttbr);
}

/*
 * Empties a shadow: its root's entries cleared, then L0's TLB entries for it
 * invalidated on every CPU (the flush's DSB completes the walks that might
 * still read the old tables), so its table pages may be reused after.
 */
static void empty_shadow(struct nested_s2 *ns, struct ns2_shadow *sh)
{
	memset(phys_to_virt(sh->root_pa), 0, PAGE_SIZE);
	flush_shadow(ns, sh);
	sh->entries = 0;
}

/* Every shadow emptied: the pool's pages are all free again. */
static void reset_pool(struct nested_s2 *ns)
{
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++)
		empty_shadow(ns, &ns->sh[i]);
	page_allocator_init(&ns->pool, ns->pool.base, ns->pool.end - ns->pool.base);
	ns->resets++;
}

static void trace_s2(const struct vcpu *v, unsigned type, uint64_t ipa, uint64_t out,
		     uint64_t vttbr, uint64_t size, unsigned count, unsigned result,
		     unsigned level, unsigned op)
{
	struct ring_slot s;
	struct trace_nv_s2 *e;

	if (!v)
		return;
	e = trace_vcpu_begin(v, type, sizeof(*e), &s);
	if (!e)
		return;
	e->ipa = ipa;
	e->out = out;
	e->vttbr = vttbr;
	e->size = size;
	e->count = count;
	e->result = (uint8_t)result;
	e->level = (uint8_t)level;
	e->op = (uint8_t)op;
	e->reserved = 0;
	trace_vcpu_commit(&s);
}

#define INVAL_OP_IPA   0
#define INVAL_OP_VMID  1
#define INVAL_OP_ALL   2
#define INVAL_OP_VTTBR 3

static struct ns2_shadow *find(struct nested_s2 *ns, uint64_t l1_vttbr)
{
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++)
		if (ns->sh[i].used && ns->sh[i].l1_vttbr == l1_vttbr)
			return &ns->sh[i];
	return NULL;
}

/* The shadow for L1's VTTBR and VTCR; the lock is held. */
static struct ns2_shadow *select_shadow(struct nested_s2 *ns, const struct vcpu *v,
					uint64_t l1_vttbr, uint64_t l1_vtcr)
{
	struct ns2_shadow *sh = find(ns, l1_vttbr), *victim = NULL;
	uint32_t me = v ? 1u << v->id : 0;

	if (sh) {
		if (sh->l1_vtcr != l1_vtcr) {
			/* Same tables, new geometry: nothing made before holds. */
			trace_s2(v, TRACE_NV_S2_INVAL, 0, 0, l1_vttbr, 0, sh->entries,
				 TRACE_NV_S2_DROPPED, 0, INVAL_OP_VTTBR);
			empty_shadow(ns, sh);
			sh->l1_vtcr = l1_vtcr;
		}
		sh->last_use = ++ns->clock;
		return sh;
	}
	/* A free slot, else the least recently used one no other vCPU runs on
	 * (there is one: fewer other vCPUs than slots). */
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++) {
		struct ns2_shadow *c = &ns->sh[i];

		if (!c->used) {
			victim = c;
			break;
		}
		if ((c->users & ~me) == 0 && (!victim || c->last_use < victim->last_use))
			victim = c;
	}
	if (!victim)
		victim = &ns->sh[0]; /* not reached with NS2_MAX_SHADOWS > vCPUs - 1 */
	if (victim->used) {
		trace_s2(v, TRACE_NV_S2_INVAL, 0, 0, victim->l1_vttbr, 0, victim->entries,
			 TRACE_NV_S2_DROPPED, 0, INVAL_OP_VTTBR);
		empty_shadow(ns, victim);
		ns->evictions++;
	}
	victim->used = true;
	victim->users = 0;
	victim->l1_vttbr = l1_vttbr;
	victim->l1_vtcr = l1_vtcr;
	victim->last_use = ++ns->clock;
	return victim;
}

struct ns2_shadow *nested_s2_enter(struct nested_s2 *ns, const struct vcpu *v,
				   uint64_t l1_vttbr, uint64_t l1_vtcr)
{
	struct ns2_shadow *sh;

	spin_lock(&ns->lock);
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++)
		ns->sh[i].users &= ~(1u << v->id);
	sh = select_shadow(ns, v, l1_vttbr, l1_vtcr);
	sh->users |= 1u << v->id;
	spin_unlock(&ns->lock);
	return sh;
}

void nested_s2_leave(struct nested_s2 *ns, const struct vcpu *v)
{
	spin_lock(&ns->lock);
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++)
		ns->sh[i].users &= ~(1u << v->id);
	spin_unlock(&ns->lock);
}

uint64_t nested_s2_vttbr(struct ns2_shadow *sh, struct vmid_allocator *vmids, unsigned cpu)
{
	uint64_t vmid = vmid_acquire(vmids, &sh->vmid, cpu);

	sh->hw_vttbr = sh->root_pa | vmid_of(vmid, vmids->bits) << 48;
	return sh->hw_vttbr;
}

int nested_s2_lookup(const struct ns2_shadow *sh, uint64_t ipa, uint64_t *pa, uint64_t *desc)
{
	struct s2_pgtable t = { sh->root_pa, sh->start_level };

	return s2_leaf(&t, ipa, pa, desc);
}

/* --------------------------------------------------------------- faults */

/* Stage-2 MemAttr[3:0] (Arm ARM D8.5.5): [3:2] 0 is Device with [1:0] its
 * kind, else Normal with [3:2] outer and [1:0] inner (1 NC, 2 WT, 3 WB). */
static uint64_t combine_memattr(uint64_t a, uint64_t b)
{
	unsigned x = (unsigned)(a >> 2) & 0xf, y = (unsigned)(b >> 2) & 0xf;
	unsigned outer, inner;

	if (!(x & 0xc) || !(y & 0xc)) { /* Device wins; the more restrictive kind */
		unsigned dx = x & 0xc ? 3 : x & 3, dy = y & 0xc ? 3 : y & 3;

		return (uint64_t)(dx < dy ? dx : dy) << 2;
	}
	outer = (x >> 2) < (y >> 2) ? x >> 2 : y >> 2;
	inner = (x & 3) && (y & 3) ? ((x & 3) < (y & 3) ? x & 3 : y & 3) : 1;
	/* Inner 0 with Normal outer is reserved: treat it as non-cacheable. */
	return (uint64_t)(outer << 2 | inner) << 2;
}

/* SH[9:8]: outer (2) over inner (3) over non-shareable (0). */
static uint64_t combine_sh(uint64_t a, uint64_t b)
{
	unsigned x = (unsigned)(a >> 8) & 3, y = (unsigned)(b >> 8) & 3;

	if (x == 2 || y == 2)
		return 2ull << 8;
	if (x == 3 || y == 3)
		return 3ull << 8;
	return 0;
}

/* The shadow descriptor of an L1 leaf over an L0 leaf: L0's PA page. */
static uint64_t shadow_desc(uint64_t l1, uint64_t l0, uint64_t pa)
{
	return (pa & PTE_ADDR_MASK) | combine_memattr(l1, l0) | combine_sh(l1, l0) |
	       (l1 & l0 & S2_AP_RW) | S2_AF | ((l1 | l0) & S2_XN) | PTE_TABLE;
}

/* Makes the shadow page for ipa; the lock is held. 0, or -ENOMEM. */
static int fill(struct nested_s2 *ns, struct ns2_shadow *sh, uint64_t ipa, uint64_t desc)
{
	struct s2_pgtable t = { sh->root_pa, sh->start_level };
	int err;
	uint64_t *e = s2_entry(&t, &ns->pool, ipa, 3, &err);

	if (!e)
		return err;
	if (*e == desc)
		return 0; /* another vCPU filled it first */
	if (*e & PTE_VALID) {
		/* Break before make (Arm ARM D8.16.1): a changed entry (L1
		 * raised a permission) is invalid and flushed before the new
		 * one goes in. */
		*e = 0;
		if (sh->hw_vttbr)
			arch_tlb_flush_ipa(sh->hw_vttbr, ipa, PAGE_SIZE);
	} else {
		sh->entries++;
	}
	/* The descriptor's page is L0's; the entry visible before L2 retries
	 * (pairs with the walker's read: the DSB on the way out of EL2). */
	__atomic_store_n(e, desc, __ATOMIC_RELEASE);
	return 0;
}

int nested_s2_fault(struct nested_s2 *ns, const struct vcpu *v, uint64_t l1_vtcr,
		    uint64_t l1_vttbr, uint64_t esr, uint64_t far, uint64_t hpfar,
		    struct ns2_fault_info *out)
{
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;
	struct ns2_shadow *sh;
	uint64_t pa, l0desc;
	unsigned count = 0;

	memset(out, 0, sizeof(*out));
	if (ec != ESR_EC_DABT_LOW && ec != ESR_EC_IABT_LOW)
		return -EINVAL;
	out->l2_ipa = ns2_fault_ipa(far, hpfar);

	spin_lock(&ns->lock);
	ns2_walk(&ns->l0, l1_vtcr, l1_vttbr, ns->ipa_bits, out->l2_ipa, &out->walk);
	if (out->walk.fault == NS2_OK && !ns2_access_ok(&out->walk, esr))
		out->walk.fault = NS2_PERMISSION;
	if (out->walk.fault != NS2_OK) {
		out->result = NS2_REFLECT;
		ns2_syndrome(esr, far, out->l2_ipa, &out->walk, &out->syn);
		ns->reflected++;
	} else if (ns->l0.translate(ns->l0.ctx, out->walk.out, &pa, &l0desc)) {
		out->result = NS2_MMIO;
		out->l1_ipa = out->walk.out;
		ns->l0_handled++;
	} else {
		uint64_t desc = shadow_desc(out->walk.desc, l0desc, pa);

		out->l1_ipa = out->walk.out;
		sh = select_shadow(ns, v, l1_vttbr, l1_vtcr);
		if (fill(ns, sh, out->l2_ipa, desc)) {
			/* The pool is dry: start over; one page's tables fit. */
			trace_s2(v, TRACE_NV_S2_INVAL, 0, 0, l1_vttbr, 0, 0,
				 TRACE_NV_S2_DROPPED, 0, INVAL_OP_ALL);
			reset_pool(ns);
			fill(ns, sh, out->l2_ipa, desc);
		}
		out->result = NS2_FILLED;
		count = 1;
		ns->fills++;
	}
	spin_unlock(&ns->lock);

	trace_s2(v, TRACE_NV_S2_FAULT, out->l2_ipa, out->result == NS2_REFLECT ? 0 : out->l1_ipa,
		 l1_vttbr, 0, count,
		 out->result == NS2_FILLED ? TRACE_NV_S2_FILLED :
		 out->result == NS2_REFLECT ? TRACE_NV_S2_REFLECTED : TRACE_NV_S2_L0,
		 out->walk.level, 0);
	return 0;
}

/* --------------------------------------------------------- invalidation */

bool ns2_tlbi_decode(unsigned op1, unsigned crn, unsigned crm, unsigned op2, uint64_t xt,
		     enum ns2_tlbi_op *op, uint64_t *ipa, uint64_t *size)
{
	/* TLBI encodings (Arm ARM C5.5): Op0 1, CRn 8 (9: the nXS forms). */
	static const struct { uint8_t op1, crm, op2, op; } table[] = {
		{ 4, 0, 1, NS2_TLBI_IPA },  /* IPAS2E1IS */
		{ 4, 0, 5, NS2_TLBI_IPA },  /* IPAS2LE1IS */
		{ 4, 4, 0, NS2_TLBI_IPA },  /* IPAS2E1OS */
		{ 4, 4, 1, NS2_TLBI_IPA },  /* IPAS2E1 */
		{ 4, 4, 4, NS2_TLBI_IPA },  /* IPAS2LE1OS */
		{ 4, 4, 5, NS2_TLBI_IPA },  /* IPAS2LE1 */
		{ 4, 1, 6, NS2_TLBI_VMALLS12 }, /* VMALLS12E1OS */
		{ 4, 3, 6, NS2_TLBI_VMALLS12 }, /* VMALLS12E1IS */
		{ 4, 7, 6, NS2_TLBI_VMALLS12 }, /* VMALLS12E1 */
		{ 4, 1, 4, NS2_TLBI_ALL },  /* ALLE1OS */
		{ 4, 3, 4, NS2_TLBI_ALL },  /* ALLE1IS */
		{ 4, 7, 4, NS2_TLBI_ALL },  /* ALLE1 */
		{ 0, 1, 0, NS2_TLBI_VMALLE1 }, /* VMALLE1OS */
		{ 0, 3, 0, NS2_TLBI_VMALLE1 }, /* VMALLE1IS */
		{ 0, 7, 0, NS2_TLBI_VMALLE1 }, /* VMALLE1 */
	};

	if (crn != 8 && crn != 9)
		return false;
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		unsigned ttl = (unsigned)(xt >> 44) & 0xf, g;

		if (table[i].op1 != op1 || table[i].crm != crm || table[i].op2 != op2)
			continue;
		*op = (enum ns2_tlbi_op)table[i].op;
		*ipa = 0;
		*size = 0;
		if (*op != NS2_TLBI_IPA)
			return true;
		/* Xt: IPA[47:12] at [35:0]; TTL at [47:44] (FEAT_TTL): [3:2]
		 * the granule (0: no hint), [1:0] the level of the leaf. */
		*ipa = (xt & GENMASK64(35, 0)) << 12;
		g = (ttl >> 2) == 1 ? 12 : (ttl >> 2) == 2 ? 14 : 16;
		if (ttl >> 2)
			*size = 1ull << ((3 - (ttl & 3)) * (g - 3) + g);
		return true;
	}
	return false;
}

/* Pages dropped by one invalidation: flushed one by one up to this many,
 * with the whole VMID past it. */
#define DROP_FLUSH_PAGES 16

struct dropped {
	unsigned n;
	uint64_t ipa[DROP_FLUSH_PAGES];
};

/* Clears the level-3 shadow entries in [lo, hi) under table at level. */
static void drop_range(uint64_t *table, unsigned level, uint64_t table_ipa, uint64_t lo,
		       uint64_t hi, struct dropped *d)
{
	unsigned shift = 12 + 9 * (3 - level);

	for (unsigned i = 0; i < 512; i++) {
		uint64_t start = table_ipa + ((uint64_t)i << shift), end = start + (1ull << shift);

		if (end <= lo || start >= hi || !(table[i] & PTE_VALID))
			continue;
		if (level == 3) {
			table[i] = 0;
			if (d->n < DROP_FLUSH_PAGES)
				d->ipa[d->n] = start;
			d->n++;
		} else if ((table[i] & 3) == PTE_TABLE) {
			drop_range(phys_to_virt(table[i] & PTE_ADDR_MASK), level + 1, start, lo, hi,
				   d);
		}
	}
}

/* The largest block L1's granule allows: what one IPA's entry may have covered. */
static uint64_t largest_block(uint64_t vtcr)
{
	unsigned g = granule_shift(vtcr);

	return g == 12 ? 1ull << 30 : 1ull << (2 * (g - 3) + g);
}

unsigned nested_s2_tlbi(struct nested_s2 *ns, const struct vcpu *v, enum ns2_tlbi_op op,
			uint64_t l1_vttbr, uint64_t ipa, uint64_t size)
{
	unsigned dropped = 0, trace_op;
	uint64_t lo = 0, hi = 0;

	spin_lock(&ns->lock);
	for (unsigned i = 0; i < NS2_MAX_SHADOWS; i++) {
		struct ns2_shadow *sh = &ns->sh[i];

		if (!sh->used || (op != NS2_TLBI_ALL &&
				  VTTBR_VMID(sh->l1_vttbr) != VTTBR_VMID(l1_vttbr)))
			continue;
		switch (op) {
		case NS2_TLBI_IPA: {
			uint64_t span = size ? size : largest_block(sh->l1_vtcr);

			if (span < PAGE_SIZE || (span & (span - 1)))
				span = largest_block(sh->l1_vtcr);
			lo = ipa & ~(span - 1);
			hi = lo + span;
			struct dropped d = { 0 };

			drop_range(phys_to_virt(sh->root_pa), sh->start_level, 0, lo, hi, &d);
			sh->entries -= d.n < sh->entries ? d.n : sh->entries;
			dropped += d.n;
			if (d.n > DROP_FLUSH_PAGES)
				flush_shadow(ns, sh);
			else
				for (unsigned k = 0; k < d.n && sh->hw_vttbr; k++)
					arch_tlb_flush_ipa(sh->hw_vttbr, d.ipa[k], PAGE_SIZE);
			break;
		}
		case NS2_TLBI_VMALLE1:
			flush_shadow(ns, sh); /* L2's stage-1 entries only */
			break;
		default:
			dropped += sh->entries;
			empty_shadow(ns, sh);
			break;
		}
	}
	/* Nothing left anywhere: the pool's table pages are all free again. */
	if (op == NS2_TLBI_ALL)
		page_allocator_init(&ns->pool, ns->pool.base, ns->pool.end - ns->pool.base);
	spin_unlock(&ns->lock);

	trace_op = op == NS2_TLBI_IPA ? INVAL_OP_IPA :
		   op == NS2_TLBI_ALL ? INVAL_OP_ALL : INVAL_OP_VMID;
	trace_s2(v, TRACE_NV_S2_INVAL, op == NS2_TLBI_IPA ? lo : 0, 0, l1_vttbr,
		 op == NS2_TLBI_IPA ? hi - lo : 0, dropped, TRACE_NV_S2_DROPPED, 0, trace_op);
	return dropped;
}

/* ------------------------------------------------------ L0's side for a VM */

static int vm_read(void *ctx, uint64_t l1_ipa, uint64_t *val)
{
	const struct vm *vm = ctx;
	uint64_t pa;

	if ((l1_ipa & 7) || !vm_ipa_is_ram(vm, l1_ipa, 8) || s2_translate(&vm->s2, l1_ipa, &pa))
		return -EFAULT;
	*val = __atomic_load_n((const uint64_t *)phys_to_virt(pa), __ATOMIC_RELAXED);
	return 0;
}

static int vm_translate(void *ctx, uint64_t l1_ipa, uint64_t *pa, uint64_t *desc)
{
	const struct vm *vm = ctx;

	if (!vm_ipa_is_ram(vm, l1_ipa & ~(PAGE_SIZE - 1), PAGE_SIZE))
		return -ENOENT;
	return s2_leaf(&vm->s2, l1_ipa, pa, desc) ? -ENOENT : 0;
}

void nested_s2_vm_l0(struct vm *vm, struct ns2_l0 *l0)
{
	l0->read = vm_read;
	l0->translate = vm_translate;
	l0->ctx = vm;
}

int nested_s2_vm_init(struct vm *vm, unsigned ipa_bits)
{
	struct ns2_l0 l0;

	nested_s2_vm_l0(vm, &l0);
	if (chunk_pool_alloc(&guest_pool, CHUNK_SIZE, &vm->ns2_pool))
		return -ENOMEM;
	if (nested_s2_init(&vm->ns2, vm->ns2_pool, CHUNK_SIZE, ipa_bits, &l0)) {
		chunk_pool_free(&guest_pool, vm->ns2_pool, CHUNK_SIZE);
		vm->ns2_pool = 0;
		return -EINVAL;
	}
	return 0;
}

void nested_s2_vm_free(struct vm *vm, struct vmid_allocator *vmids)
{
	if (!vm->ns2_pool)
		return;
	nested_s2_destroy(&vm->ns2, vmids);
	chunk_pool_free(&guest_pool, vm->ns2_pool, CHUNK_SIZE);
	vm->ns2_pool = 0;
}
