/*
 * Trapped system registers (hyp/include/sysreg_emul.h): the ID registers a
 * guest sees (the hardware's, with what the hypervisor does not offer read
 * as zero), and the emulated registers a trapped MRS/MSR reaches.
 */
#include <stddef.h>

#include "formats/esr.h"
#include "hyp/include/arch.h"
#include "hyp/include/compiler.h"
#include "hyp/include/guest_debug.h"
#include "hyp/include/inject.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/timer.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"
#include "hyp/include/vpmu.h"

uint64_t guest_id_regs[NR_ID_REGS];

/* ------------------------------------------------------------ ID registers */

#define F GENMASK

/*
 * The fields each ID register keeps from the hardware (Arm ARM D23.2, the
 * ID_AA64*_EL1 descriptions); every other field reads as 0 (not implemented).
 */
static const uint64_t id_keep[NR_ID_REGS] = {
	/* FP, AdvSIMD, GIC, DIT, CSV2, CSV3 (GIC and CSV2 capped below); EL2, EL3, RAS, SVE,
	 * SEL2, MPAM, AMU, RME hidden (docs/world-switch.md says why, field by field) */
	[ID_PFR0] = F(19, 16) | F(23, 20) | F(27, 24) | F(51, 48) | F(59, 56) | F(63, 60),
	/* BT, SSBS, MTE and MTE_frac (FEAT_MTE2 and up only, see below), CSV2_frac (capped
	 * below); MTEX, SME, NMI, GCS, THE and the rest hidden */
	[ID_PFR1] = F(3, 0) | F(7, 4) | F(11, 8) | F(35, 32) | F(43, 40),
	/* DebugVer (capped below), PMUVer (capped below), BRPs, WRPs, CTX_CMPs, DoubleLock;
	 * SPE, trace, BRBE hidden */
	[ID_DFR0] = F(3, 0) | F(11, 8) | F(15, 12) | F(23, 20) | F(31, 28) | F(39, 36),
	/* instructions only; TME hidden */
	[ID_ISAR0] = ~F(27, 24),
	/* DPB, APA, API, JSCVT, FCMA, LRCPC, GPA, GPI, FRINTTS, SB, SPECRES, BF16, DGH, I8MM, XS;
	 * LS64 hidden (needs HCRX_EL2) */
	[ID_ISAR1] = F(59, 0),
	/* WFxT, RPRES, GPA3, APA3, BC, PAC_frac, CLRBHB, PRFMSLC, RPRFM, CSSC; MOPS and the
	 * 128-bit system registers hidden */
	[ID_ISAR2] = F(15, 0) | F(31, 20) | F(43, 40) | F(55, 48),
	/* PARange (capped below), ASIDBits, BigEnd, SNSMem, BigEndEL0, TGran16/64/4, ExS;
	 * stage-2 granules, FGT and ECV are EL2 matters */
	[ID_MMFR0] = F(31, 0) | F(47, 44),
	/* HAFDBS (capped below), HPDS, PAN, XNX, ETS, AFP, nTLBPA, ECBHB; VMIDBits, VH, LO,
	 * SpecSEI, TWED, HCX, TIDCP1, CMOW hidden */
	[ID_MMFR1] = F(3, 0) | F(15, 12) | F(23, 20) | F(31, 28) | F(39, 36) | F(51, 44) |
		     F(63, 60),
	/* all but NV, FWB and EVT */
	[ID_MMFR2] = ~(F(27, 24) | F(43, 40) | F(59, 56)),
};

#define ID_PFR0_EL0_AARCH64 (1ull << 0) /* EL0 and EL1: AArch64 only */
#define ID_PFR0_EL1_AARCH64 (1ull << 4)
#define ID_PFR1_MTE2 2ull
#define ID_DFR0_PMUVER_V8 1ull /* PMUv3 for Armv8.0: what vpmu.c emulates */

/*
 * Fields kept, but only up to a level whose added state or controls the
 * hypervisor provides (unsigned fields: a lower value is a subset).
 */
static const struct id_cap {
	uint8_t reg, shift, max;
} id_caps[] = {
	/* GIC: the virtual CPU interface is GICv3 (ICH_*), not 4.1. */
	{ ID_PFR0, 24, 1 },
	/* CSV2: CSV2_2 and up add SCXTNUM_EL0/EL1, neither switched nor
	 * enabled (HCR_EL2.EnSCXT = 0 traps them, and they UNDEF). */
	{ ID_PFR0, 56, 1 },
	/* CSV2_frac: 0b0010 (CSV2_1p2) adds SCXTNUM_ELx too. */
	{ ID_PFR1, 32, 1 },
	/* MTE: FEAT_MTE3 (asymmetric checks, no more state); shown only from
	 * FEAT_MTE2 on, see id_regs_sanitise(). */
	{ ID_PFR1, 8, 3 },
	/* DebugVer: v8.0; the later versions add registers that are not emulated. */
	{ ID_DFR0, 0, 6 },
	/* PARange: the guest's IPA space is the stage-2 size, at most 48 bits
	 * (hyp/arch/aarch64/cpu.c: no 52-bit stage-2 descriptors). */
	{ ID_MMFR0, 0, 5 },
	/* HAFDBS: 0b0011 (FEAT_HAFT) is enabled through TCR2_EL1, which is
	 * not switched (HCRX_EL2.TCR2En = 0 makes it UNDEFINED). */
	{ ID_MMFR1, 0, 2 },
};

void id_regs_sanitise(const uint64_t raw[NR_ID_REGS], uint64_t out[NR_ID_REGS])
{
	for (unsigned i = 0; i < NR_ID_REGS; i++)
		out[i] = raw[i] & id_keep[i];
	out[ID_PFR0] |= ID_PFR0_EL0_AARCH64 | ID_PFR0_EL1_AARCH64;
	for (size_t i = 0; i < ARRAY_SIZE(id_caps); i++) {
		const struct id_cap *c = &id_caps[i];
		uint64_t mask = 0xfull << c->shift;

		if (((out[c->reg] & mask) >> c->shift) > c->max)
			out[c->reg] = (out[c->reg] & ~mask) | ((uint64_t)c->max << c->shift);
	}
	/* MTE 1 is the instructions without tag memory (QEMU's max without
	 * mte=on): not claimed. 2 (FEAT_MTE2: tag memory, the MTE registers
	 * switched per vCPU) and 3 are shown, with MTE_frac (0: asynchronous faults). */
	if (FIELD(out[ID_PFR1], 11, 8) < ID_PFR1_MTE2)
		out[ID_PFR1] &= ~(F(11, 8) | F(43, 40));
	/* PMUv3 for Armv8.0 when guests get counters (0xf is an IMPLEMENTATION
	 * DEFINED PMU: none for them); the later versions add what is not emulated. */
	if (!vpmu_info.nr_counters || FIELD(out[ID_DFR0], 11, 8) == 0xf)
		out[ID_DFR0] &= ~F(11, 8);
	else if (FIELD(out[ID_DFR0], 11, 8) > ID_DFR0_PMUVER_V8)
		out[ID_DFR0] = (out[ID_DFR0] & ~F(11, 8)) | (ID_DFR0_PMUVER_V8 << 8);
}

/* ------------------------------------------------------------ handlers */

struct sysreg_desc;
typedef bool (*sysreg_read_fn)(struct vcpu *v, const struct sysreg_desc *d, uint64_t *val);
typedef bool (*sysreg_write_fn)(struct vcpu *v, const struct sysreg_desc *d, uint64_t val);

struct sysreg_desc {
	uint32_t key;
	sysreg_read_fn read;   /* NULL: reads are UNDEFINED */
	sysreg_write_fn write; /* NULL: writes are UNDEFINED */
	unsigned arg;
};

static bool read_id(struct vcpu *v, const struct sysreg_desc *d, uint64_t *val)
{
	*val = guest_id_regs[d->arg];
	if (unlikely(vcpu_nested(v)))
		*val = nested_id_reg(d->arg, *val);
	return true;
}

static bool read_zero(struct vcpu *v, const struct sysreg_desc *d, uint64_t *val)
{
	(void)v;
	(void)d;
	*val = 0;
	return true;
}

static bool write_ignore(struct vcpu *v, const struct sysreg_desc *d, uint64_t val)
{
	(void)v;
	(void)d;
	(void)val;
	return true;
}

/* Debug registers kept in struct vdebug, addressed by their offset in it. */
static uint64_t *vdebug_field(struct vcpu *v, unsigned offset)
{
	return (uint64_t *)((char *)&v->dbg + offset);
}

static bool read_vdebug(struct vcpu *v, const struct sysreg_desc *d, uint64_t *val)
{
	*val = *vdebug_field(v, d->arg);
	return true;
}

static bool write_vdebug(struct vcpu *v, const struct sysreg_desc *d, uint64_t val)
{
	*vdebug_field(v, d->arg) = val;
	return true;
}

static bool write_oslar(struct vcpu *v, const struct sysreg_desc *d, uint64_t val)
{
	(void)d;
	v->dbg.oslk = val & 1;
	guest_debug_lock_changed(v);
	return true;
}

/* OSDLR_EL1 and DBGPRCR_EL1: the double lock is their combination. */
static bool write_dbglock(struct vcpu *v, const struct sysreg_desc *d, uint64_t val)
{
	*vdebug_field(v, d->arg) = val & 1;
	guest_debug_lock_changed(v);
	return true;
}

static bool read_oslsr(struct vcpu *v, const struct sysreg_desc *d, uint64_t *val)
{
	(void)d;
	/* OSLM = 0b10: the OS Lock is implemented (OSLSR_EL1 bit 3); OSLK bit 1. */
	*val = (1ull << 3) | (v->dbg.oslk << 1);
	return true;
}

static bool write_claimset(struct vcpu *v, const struct sysreg_desc *d, uint64_t val)
{
	(void)d;
	v->dbg.claim |= val & 0xff;
	return true;
}

static bool write_claimclr(struct vcpu *v, const struct sysreg_desc *d, uint64_t val)
{
	(void)d;
	v->dbg.claim &= ~(val & 0xff);
	return true;
}

static bool read_claim(struct vcpu *v, const struct sysreg_desc *d, uint64_t *val)
{
	(void)d;
	*val = v->dbg.claim;
	return true;
}

/* SGIs: with HCR_EL2.IMO set, these writes trap (GICv3 12.x, ICC_SGI1R_EL1). */
static bool write_sgi(struct vcpu *v, const struct sysreg_desc *d, uint64_t val)
{
	uint32_t targets;

	switch (d->arg) {
	case 1: targets = vgic_sgi1r_write(&v->vm->vgic, v->id, val); break;
	case 2: targets = vgic_asgi1r_write(&v->vm->vgic, v->id, val); break;
	default: targets = vgic_sgi0r_write(&v->vm->vgic, v->id, val); break;
	}
	for (unsigned t = 0; t < v->vm->nr_vcpus; t++)
		if (targets & (1u << t))
			trace_irq_inject(&v->vm->vcpus[t], ICC_SGIR_INTID(val), TRACE_IRQ_SRC_SGI,
					 v->id);
	return true;
}

#define ID(crm, op2, idx) { SYSREG_KEY(3, 0, 0, crm, op2), read_id, NULL, idx }
#define RAZ_WI(key) { key, read_zero, write_ignore, 0 }
#define VDEBUG(key, field) { key, read_vdebug, write_vdebug, offsetof(struct vdebug, field) }

static const struct sysreg_desc sysreg_table[] = {
	ID(4, 0, ID_PFR0), ID(4, 1, ID_PFR1), ID(4, 2, ID_PFR2), ID(4, 4, ID_ZFR0),
	ID(4, 5, ID_SMFR0), ID(5, 0, ID_DFR0), ID(5, 1, ID_DFR1), ID(5, 4, ID_AFR0),
	ID(5, 5, ID_AFR1), ID(6, 0, ID_ISAR0), ID(6, 1, ID_ISAR1), ID(6, 2, ID_ISAR2),
	ID(7, 0, ID_MMFR0), ID(7, 1, ID_MMFR1), ID(7, 2, ID_MMFR2), ID(7, 3, ID_MMFR3),
	ID(7, 4, ID_MMFR4),

	RAZ_WI(SYSREG_KEY(3, 0, 1, 0, 1)), /* ACTLR_EL1 (HCR_EL2.TACR) */

	/* Debug (MDCR_EL2.TDA, TDOSA, TDRA); see guest_debug.h for when TDA is clear */
	VDEBUG(SYSREG_KEY(2, 0, 0, 2, 2), mdscr),    /* MDSCR_EL1 */
	VDEBUG(SYSREG_KEY(2, 0, 0, 2, 0), mdccint),  /* MDCCINT_EL1 */
	RAZ_WI(SYSREG_KEY(2, 3, 0, 1, 0)),           /* MDCCSR_EL0 */
	RAZ_WI(SYSREG_KEY(2, 3, 0, 4, 0)),           /* DBGDTR_EL0 */
	RAZ_WI(SYSREG_KEY(2, 3, 0, 5, 0)),           /* DBGDTRRX/TX_EL0 */
	RAZ_WI(SYSREG_KEY(2, 0, 1, 0, 0)),           /* MDRAR_EL1 */
	{ SYSREG_KEY(2, 0, 1, 0, 4), NULL, write_oslar, 0 },     /* OSLAR_EL1 */
	{ SYSREG_KEY(2, 0, 1, 1, 4), read_oslsr, NULL, 0 },      /* OSLSR_EL1 */
	{ SYSREG_KEY(2, 0, 1, 3, 4), read_vdebug, write_dbglock,
	  offsetof(struct vdebug, osdlr) },          /* OSDLR_EL1 */
	{ SYSREG_KEY(2, 0, 1, 4, 4), read_vdebug, write_dbglock,
	  offsetof(struct vdebug, dbgprcr) },        /* DBGPRCR_EL1 */
	{ SYSREG_KEY(2, 0, 7, 8, 6), read_claim, write_claimset, 0 },  /* DBGCLAIMSET_EL1 */
	{ SYSREG_KEY(2, 0, 7, 9, 6), read_claim, write_claimclr, 0 },  /* DBGCLAIMCLR_EL1 */
	{ SYSREG_KEY(2, 0, 7, 14, 6), read_zero, NULL, 0 },            /* DBGAUTHSTATUS_EL1 */

	/*
	 * Data cache maintenance by set/way (HCR_EL2.TSW): guest RAM is normal
	 * write-back memory at stage 2 and the hypervisor never maps it
	 * otherwise, so these have nothing to do beyond what a guest's own
	 * by-VA maintenance does.
	 */
	{ SYSREG_KEY(1, 0, 7, 6, 2), NULL, write_ignore, 0 },   /* DC ISW */
	{ SYSREG_KEY(1, 0, 7, 10, 2), NULL, write_ignore, 0 },  /* DC CSW */
	{ SYSREG_KEY(1, 0, 7, 14, 2), NULL, write_ignore, 0 },  /* DC CISW */

	/* RAS error records (HCR_EL2.TERR), hidden in ID_AA64PFR0_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 5, 3, 0)),  /* ERRIDR_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 5, 3, 1)),  /* ERRSELR_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 5, 4, 0)),  /* ERXFR_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 5, 4, 1)),  /* ERXCTLR_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 5, 4, 2)),  /* ERXSTATUS_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 5, 4, 3)),  /* ERXADDR_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 5, 5, 0)),  /* ERXMISC0_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 5, 5, 1)),  /* ERXMISC1_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 12, 1, 1)), /* DISR_EL1 */

	/* LORegions (HCR_EL2.TLOR), hidden in ID_AA64MMFR1_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 10, 4, 0)), /* LORSA_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 10, 4, 1)), /* LOREA_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 10, 4, 2)), /* LORN_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 10, 4, 3)), /* LORC_EL1 */
	RAZ_WI(SYSREG_KEY(3, 0, 10, 4, 7)), /* LORID_EL1 */

	/* SGIs: with HCR_EL2.IMO set, these writes trap (GICv3 12.1.x) */
	{ SYSREG_KEY(3, 0, 12, 11, 5), NULL, write_sgi, 1 }, /* ICC_SGI1R_EL1 */
	{ SYSREG_KEY(3, 0, 12, 11, 6), NULL, write_sgi, 2 }, /* ICC_ASGI1R_EL1 */
	{ SYSREG_KEY(3, 0, 12, 11, 7), NULL, write_sgi, 0 }, /* ICC_SGI0R_EL1 */
};

/* Breakpoint and watchpoint registers: op0 2, op1 0, CRn 0, CRm n, op2 4..7. */
static bool access_bp_wp(struct vcpu *v, const struct esr_sysreg *s, uint64_t *val)
{
	uint64_t *regs[4] = { v->dbg.bvr, v->dbg.bcr, v->dbg.wvr, v->dbg.wcr };

	/* ID_AA64DFR0_EL1.BRPs/WRPs as the guest sees them: the rest is UNDEFINED. */
	unsigned brps = FIELD(guest_id_regs[ID_DFR0], 15, 12) + 1;
	unsigned wrps = FIELD(guest_id_regs[ID_DFR0], 23, 20) + 1;

	if (s->op0 != 2 || s->op1 != 0 || s->crn != 0 || s->op2 < 4)
		return false;
	if (s->crm >= (s->op2 < 6 ? brps : wrps))
		return false;
	if (s->is_read)
		*val = regs[s->op2 - 4][s->crm];
	else
		regs[s->op2 - 4][s->crm] = *val;
	return true;
}

/* The rest of the ID space (op0 3, op1 0, CRn 0, CRm 1..7) is RAZ:
 * AArch32 ID registers (AArch32 is hidden) and unallocated encodings. */
static bool is_id_space(const struct esr_sysreg *s)
{
	return s->op0 == 3 && s->op1 == 0 && s->crn == 0 && s->crm >= 1 && s->crm <= 7;
}

/* AP{IA,IB,DA,DB,GA}Key{Lo,Hi}_EL1: op0 3, op1 0, CRn 2, CRm 1..3. */
static bool is_pauth_key(const struct esr_sysreg *s)
{
	return s->op0 == 3 && s->op1 == 0 && s->crn == 2 && s->crm >= 1 && s->crm <= 3 &&
	       (s->crm != 3 || s->op2 <= 1);
}

bool handle_sysreg_trap(struct vcpu *v)
{
	struct esr_sysreg s;
	const struct sysreg_desc *d = NULL;
	uint64_t val = 0;
	bool ok, debug;

	esr_sysreg_decode(v->fault.esr, &s);
	/* The guest's own debug registers (TDA: op0 2 but the OS lock's CRn 1):
	 * the first access loads them and runs again on the hardware. */
	debug = s.op0 == 2 && s.crn != 1;
	if (debug && guest_debug_access(v))
		return true;
	/* The pointer-authentication keys (HCR_EL2.APK): the first access
	 * loads them and runs again on the hardware. */
	if (is_pauth_key(&s) && arch_vcpu_pauth_trap(v))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(sysreg_table); i++) {
		if (sysreg_table[i].key == s.key) {
			d = &sysreg_table[i];
			break;
		}
	}
	if (!s.is_read)
		val = vcpu_get_reg(v, s.rt);

	if (d) {
		ok = s.is_read ? d->read && d->read(v, d, &val) : d->write && d->write(v, d, val);
	} else if (timer_sysreg_access(v, s.key, s.is_read, &val) >= 0) {
		ok = true; /* CNTP_CTL/CVAL/TVAL_EL0 (CNTHCTL_EL2.EL1PCEN = 0): hyp/core/timer.c */
	} else if (vpmu_is_reg(&s)) {
		ok = vpmu_access(v, &s, &val);
	} else if (is_id_space(&s)) {
		ok = s.is_read;
		val = 0;
	} else {
		ok = access_bp_wp(v, &s, &val);
	}
	if (debug)
		guest_debug_access_done(v);
	if (!ok) {
		inject_undef(v);
		return true;
	}
	if (s.is_read)
		vcpu_set_reg(v, s.rt, val);
	vcpu_skip_insn(v);
	return true;
}
