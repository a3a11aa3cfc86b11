/*
 * A guest hypervisor at virtual EL2 (hyp/include/nested.h, docs/nested.md):
 * its trapped EL2 registers, its ERET into L2, exceptions into virtual EL2,
 * and the decision for each L2 exit.
 *
 * The two contexts of a vCPU, and where each lives:
 *   L1 at vEL2 runs: real EL1 registers = L1's EL2 regime (SCTLR_EL1 from
 *     its SCTLR_EL2, VBAR_EL1 = its VBAR_EL2, ELR_EL1 = its ELR_EL2...);
 *     L2's EL1 registers are in the VNCR page, where L1 reads and writes them.
 *   L2 runs: real EL1 registers = L2's (loaded from the VNCR page); L1's
 *     live EL2 registers (ELR, SPSR, ESR, FAR, AFSR0/1, SP) wait in nv.el2[].
 * EL0 registers (TPIDR_EL0, SP_EL0...), PAR_EL1, TPIDR_EL1, CSSELR_EL1,
 * CNTKCTL_EL1 and the virtual timer are not switched by the architecture
 * between EL2 and EL1 either: they stay in the hardware, shared, as on a
 * real CPU, and L1 switches them itself.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "formats/esr.h"
#include "formats/exits.h"
#include "formats/trace.h"
#include "hyp/include/arch.h"
#include "hyp/include/inject.h"
#include "hyp/include/log.h"
#include "hyp/include/mm.h"
#include "hyp/include/nested.h"
#include "hyp/include/nested_s2.h"
#include "hyp/include/run.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

/* PSTATE / SPSR (Arm ARM C5.2.19) */
#define PSR_M_MASK   0x1full  /* M[4] (AArch32) and M[3:0] */
#define PSR_M_EL0t   0x0ull
#define PSR_M_EL1t   0x4ull
#define PSR_M_EL1h   0x5ull
#define PSR_M_EL2t   0x8ull
#define PSR_M_EL2h   0x9ull
#define PSR_M_SP     0x1ull   /* M[0]: SP_ELx */
#define PSR_M_RW32   0x10ull  /* M[4]: AArch32 */
#define PSR_DAIF     (0xfull << 6)
#define PSR_IL       (1ull << 20)

/* VBAR offsets (Arm ARM D1.3.1) */
#define VEC_CUR_SP0   0x000
#define VEC_CUR_SPX   0x200
#define VEC_LOWER_A64 0x400
#define VEC_KIND_SIZE 0x080

/* SCTLR_EL2 (E2H = 0) and SCTLR_EL1 (Arm ARM D23.2.118/.117) */
#define SCTLR_EL2_RESET   0x30c50830ull /* its RES1 bits, MMU and caches off */
#define SCTLR_SHARED_BITS ((1ull << 0) | (1ull << 1) | (1ull << 2) | (1ull << 3) | \
			   (1ull << 12) | (1ull << 19) | (1ull << 25)) /* M A C SA I WXN EE */
#define SCTLR_EL1_RES1    0x30d00800ull /* v8.0: 29, 28, 23 (SPAN), 22, 20, 11 */

/* TCR_EL2 (E2H = 0) fields and where TCR_EL1 keeps them (Arm ARM D23.2.139) */
#define TCR_EL2_T0_BITS  0xffffull      /* T0SZ, IRGN0, ORGN0, SH0, TG0 */
#define TCR_EL2_PS(t)    (((t) >> 16) & 7)
#define TCR_EL2_TBI      (1ull << 20)
#define TCR_EL1_EPD1     (1ull << 23)
#define TCR_EL1_IPS(ps)  ((uint64_t)(ps) << 32)
#define TCR_EL1_TBI0     (1ull << 37)

#define CPACR_FPEN (3ull << 20)
#define ID_AA64PFR0_EL2_AARCH64 (1ull << 8)

#define NV_HCR_VSE (1ull << 8)
#define NV_HCR_APK (1ull << 40)
#define NV_HCR_API (1ull << 41)
/* The vCPU's own HCR_EL2 bits, whichever level runs: a virtual SError
 * pending, its pointer-authentication keys loaded (arch_vcpu_pauth_trap()). */
#define NV_HCR_VCPU (NV_HCR_VSE | NV_HCR_API | NV_HCR_APK)

/* ------------------------------------------------------------ pure rules */

uint64_t nested_sctlr_el2_to_el1(uint64_t sctlr_el2)
{
	return (sctlr_el2 & SCTLR_SHARED_BITS) | SCTLR_EL1_RES1;
}

uint64_t nested_tcr_el2_to_el1(uint64_t tcr_el2)
{
	/* One range (TTBR0); TTBR1 walks are off. With HCR_EL2.NV1 the
	 * descriptors read as the EL2 regime's (bit 54 is XN, AP[1] ignored). */
	return (tcr_el2 & TCR_EL2_T0_BITS) | TCR_EL1_EPD1 | TCR_EL1_IPS(TCR_EL2_PS(tcr_el2)) |
	       ((tcr_el2 & TCR_EL2_TBI) ? TCR_EL1_TBI0 : 0);
}

int nested_eret_target(uint64_t spsr, uint64_t vhcr)
{
	uint64_t m = spsr & PSR_M_MASK;

	/* Guests are AArch64 only; EL3 and the reserved encodings (M[1] set,
	 * EL0 with SP_ELx) are illegal returns. */
	if (m & PSR_M_RW32)
		return -1;
	switch (m) {
	case PSR_M_EL2t:
	case PSR_M_EL2h:
		return 2;
	case PSR_M_EL1t:
	case PSR_M_EL1h:
		/* EL1 does not exist for the guest while HCR_EL2.TGE is set (E2H = 0). */
		return (vhcr & NV_HCR_TGE) ? -1 : 1;
	case PSR_M_EL0t:
		return 0;
	default:
		return -1;
	}
}

uint64_t nested_illegal_pstate(uint64_t spsr, uint64_t pstate)
{
	/* PSTATE.{EL, nRW, SP} unchanged, the rest from SPSR, IL set. */
	return (spsr & ~PSR_M_MASK) | (pstate & PSR_M_MASK) | PSR_IL;
}

uint64_t nested_vector_offset(unsigned kind, uint64_t mode)
{
	uint64_t base;

	switch (mode & PSR_M_MASK) {
	case PSR_M_EL2t: base = VEC_CUR_SP0; break;
	case PSR_M_EL2h: base = VEC_CUR_SPX; break;
	default: base = VEC_LOWER_A64; break; /* L2, AArch64 */
	}
	return base + (uint64_t)(kind & 3) * VEC_KIND_SIZE;
}

/* The EL1 registers that L1's HCR_EL2.TVM (writes) and TRVM (reads) trap. */
static bool is_vm_reg(const struct esr_sysreg *s)
{
	static const uint32_t keys[] = {
		SYSREG_KEY(3, 0, 1, 0, 0),  /* SCTLR_EL1 */
		SYSREG_KEY(3, 0, 2, 0, 0),  /* TTBR0_EL1 */
		SYSREG_KEY(3, 0, 2, 0, 1),  /* TTBR1_EL1 */
		SYSREG_KEY(3, 0, 2, 0, 2),  /* TCR_EL1 */
		SYSREG_KEY(3, 0, 5, 1, 0),  /* AFSR0_EL1 */
		SYSREG_KEY(3, 0, 5, 1, 1),  /* AFSR1_EL1 */
		SYSREG_KEY(3, 0, 5, 2, 0),  /* ESR_EL1 */
		SYSREG_KEY(3, 0, 6, 0, 0),  /* FAR_EL1 */
		SYSREG_KEY(3, 0, 10, 2, 0), /* MAIR_EL1 */
		SYSREG_KEY(3, 0, 10, 3, 0), /* AMAIR_EL1 */
		SYSREG_KEY(3, 0, 13, 0, 1), /* CONTEXTIDR_EL1 */
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i] == s->key)
			return true;
	return false;
}

uint64_t nested_sysreg_traps(const struct esr_sysreg *s, uint64_t vhcr)
{
	uint64_t asked = 0;

	if (s->op0 == 3) {
		if (is_vm_reg(s))
			asked |= s->is_read ? NV_HCR_TRVM : NV_HCR_TVM;
		if (s->op1 == 0 && s->crn == 0 && s->crm >= 1 && s->crm <= 7)
			asked |= NV_HCR_TID3;
		if (s->key == SYSREG_KEY(3, 0, 0, 0, 6) || s->key == SYSREG_KEY(3, 1, 0, 0, 7))
			asked |= NV_HCR_TID1; /* REVIDR_EL1, AIDR_EL1 */
		if (s->key == SYSREG_KEY(3, 3, 0, 0, 1) || s->key == SYSREG_KEY(3, 1, 0, 0, 0) ||
		    s->key == SYSREG_KEY(3, 1, 0, 0, 1) || s->key == SYSREG_KEY(3, 2, 0, 0, 0))
			asked |= NV_HCR_TID2; /* CTR_EL0, CCSIDR_EL1, CLIDR_EL1, CSSELR_EL1 */
		if (s->key == SYSREG_KEY(3, 0, 1, 0, 1))
			asked |= NV_HCR_TACR; /* ACTLR_EL1 */
		if (s->crn == 11 || s->crn == 15)
			asked |= NV_HCR_TIDCP; /* IMPLEMENTATION DEFINED */
	} else if (s->op0 == 1 && s->crn == 7) {
		if (s->op1 == 0 && s->op2 == 2 && (s->crm == 6 || s->crm == 10 || s->crm == 14))
			asked |= NV_HCR_TSW; /* DC ISW, CSW, CISW */
		if (s->op2 == 1 && (s->crm == 6 || s->crm == 10 || s->crm == 12 || s->crm == 14) &&
		    !(s->op1 == 3 && s->crm == 11))
			asked |= NV_HCR_TPCP; /* DC IVAC, CVAC, CVAP, CIVAC */
		if ((s->op1 == 0 && s->crm == 5 && s->op2 == 0) || (s->op1 == 0 && s->crm == 1) ||
		    (s->op1 == 3 && (s->crm == 5 || s->crm == 11) && s->op2 == 1))
			asked |= NV_HCR_TPU; /* IC IALLU(IS), IC IVAU, DC CVAU */
	} else if (s->op0 == 1 && s->op1 == 0 && s->crn == 8) {
		asked |= NV_HCR_TTLB; /* TLBI at EL1 */
	}
	return asked & vhcr;
}

struct nv_decision nested_decide(unsigned cls, uint64_t esr, uint64_t vhcr)
{
	struct nv_decision d = { TRACE_NV_L0, TRACE_NV_WHY_L0_OTHER, 0 };
	struct esr_sysreg s;
	struct esr_wfx w;

	switch (cls) {
	case ESR_EC_HVC64:
		/* An HVC at EL1 is a call to EL2: L2's EL2 is L1. */
		d.decision = TRACE_NV_REFLECTED;
		d.reason = TRACE_NV_WHY_HVC;
		return d;
	case ESR_EC_SMC64:
		d.detail = vhcr & NV_HCR_TSC;
		break;
	case ESR_EC_WFX:
		esr_wfx_decode(esr, &w);
		d.detail = vhcr & ((w.kind == ESR_WFX_WFI || w.kind == ESR_WFX_WFIT) ? NV_HCR_TWI
										  : NV_HCR_TWE);
		d.reason = TRACE_NV_WHY_NOT_ASKED;
		break;
	case ESR_EC_SYS64:
		esr_sysreg_decode(esr, &s);
		d.detail = nested_sysreg_traps(&s, vhcr);
		d.reason = TRACE_NV_WHY_NOT_ASKED;
		break;
	case ESR_EC_DABT_LOW:
	case ESR_EC_IABT_LOW:
		/*
		 * With L1's stage 2 off, L2 runs on L0's stage 2: a fault there
		 * is an access to an emulated device (or to nothing), which L1
		 * does not map: L0's. With it on, l2_exit() gives the abort to
		 * the shadow stage 2 (l2_s2_abort(), hyp/core/nested_s2.c),
		 * which classifies it against L1's tables, before this.
		 */
		d.reason = (vhcr & NV_HCR_VM) ? TRACE_NV_WHY_L0_STAGE2 : TRACE_NV_WHY_L0_DEVICE;
		return d;
	case HYP_EXIT_IRQ:
	case HYP_EXIT_FIQ:
		/* Physical interrupts are L0's (its timer, its devices, the
		 * vGIC's maintenance); virtual ones routed to L1 (vHCR.IMO)
		 * are not delivered to virtual EL2 yet (docs/nested.md). */
		d.reason = TRACE_NV_WHY_L0_IRQ;
		return d;
	default:
		return d;
	}
	if (d.detail) {
		d.decision = TRACE_NV_REFLECTED;
		d.reason = TRACE_NV_WHY_L1_TRAP;
	} else if (cls == ESR_EC_SMC64) {
		d.reason = TRACE_NV_WHY_L0_SMC;
	}
	return d;
}

/* ------------------------------------------------------------ trace */

static void trace_nv_eret(const struct vcpu *v, uint64_t pc, uint64_t spsr, int target)
{
	struct ring_slot s;
	struct trace_nv_eret *e = trace_vcpu_begin(v, TRACE_NV_ERET, sizeof(*e), &s);

	if (!e)
		return;
	e->pc = pc;
	e->spsr = spsr;
	e->hcr = v->nv.vncr[VNCR_HCR_EL2 / 8];
	e->vttbr = v->nv.vncr[VNCR_VTTBR_EL2 / 8];
	e->target = (uint8_t)(target < 0 ? 2 : target);
	e->illegal = target < 0;
	memset(e->reserved, 0, sizeof(e->reserved));
	trace_vcpu_commit(&s);
}

static void trace_nv_inject(const struct vcpu *v, unsigned kind, unsigned from_el)
{
	struct ring_slot s;
	struct trace_nv_inject *e = trace_vcpu_begin(v, TRACE_NV_INJECT, sizeof(*e), &s);

	if (!e)
		return;
	e->esr = vcpu_el1_read(v, ESR_EL1);
	e->far = vcpu_el1_read(v, FAR_EL1);
	e->hpfar = v->nv.el2[VEL2_HPFAR];
	e->elr = vcpu_el1_read(v, ELR_EL1);
	e->vector = v->regs.pc;
	e->kind = (uint8_t)kind;
	e->from_el = (uint8_t)from_el;
	memset(e->reserved, 0, sizeof(e->reserved));
	trace_vcpu_commit(&s);
}

void nested_trace_exit(const struct vcpu *v, unsigned cls, uint64_t esr, uint64_t elr,
		       uint64_t cost)
{
	struct ring_slot s;
	struct trace_nv_exit *e = trace_vcpu_begin(v, TRACE_NV_EXIT, sizeof(*e), &s);

	if (!e)
		return;
	e->esr = esr;
	e->elr = elr;
	e->detail = v->nv.last_detail;
	e->cost = cost;
	e->exit_class = (uint16_t)cls;
	e->decision = v->nv.last_decision;
	e->reason = v->nv.last_reason;
	e->l2_el = v->nv.last_l2_el;
	memset(e->reserved, 0, sizeof(e->reserved));
	trace_vcpu_commit(&s);
}

/* ------------------------------------------------------------ the two contexts */

/* The EL1 registers that belong to L2 while it runs and sit in the VNCR
 * page while L1 runs, with L1's value for each (its EL2 regime). */
#define NV_SWITCHED_EL1(X)                                                        \
	X(SCTLR_EL1, VNCR_SCTLR_EL1, nested_sctlr_el2_to_el1(nv->el2[VEL2_SCTLR])) \
	X(CPACR_EL1, VNCR_CPACR_EL1, CPACR_FPEN)                                  \
	X(TTBR0_EL1, VNCR_TTBR0_EL1, nv->el2[VEL2_TTBR0])                          \
	X(TTBR1_EL1, VNCR_TTBR1_EL1, 0)                                           \
	X(TCR_EL1, VNCR_TCR_EL1, nested_tcr_el2_to_el1(nv->el2[VEL2_TCR]))         \
	X(MAIR_EL1, VNCR_MAIR_EL1, nv->el2[VEL2_MAIR])                             \
	X(AMAIR_EL1, VNCR_AMAIR_EL1, nv->el2[VEL2_AMAIR])                          \
	X(VBAR_EL1, VNCR_VBAR_EL1, nv->el2[VEL2_VBAR])                             \
	X(CONTEXTIDR_EL1, VNCR_CONTEXTIDR_EL1, 0)                                 \
	X(ESR_EL1, VNCR_ESR_EL1, nv->el2[VEL2_ESR])                                \
	X(FAR_EL1, VNCR_FAR_EL1, nv->el2[VEL2_FAR])                                \
	X(AFSR0_EL1, VNCR_AFSR0_EL1, nv->el2[VEL2_AFSR0])                          \
	X(AFSR1_EL1, VNCR_AFSR1_EL1, nv->el2[VEL2_AFSR1])                          \
	X(SP_EL1, VNCR_SP_EL1, nv->el2[VEL2_SP])                                   \
	X(ELR_EL1, VNCR_ELR_EL1, nv->el2[VEL2_ELR])                                \
	X(SPSR_EL1, VNCR_SPSR_EL1, nv->el2[VEL2_SPSR])

/* L1's EL2 registers the hardware redirects to EL1 ones while L1 runs. */
#define NV_LIVE_EL2(X)             \
	X(VEL2_ELR, ELR_EL1)       \
	X(VEL2_SPSR, SPSR_EL1)     \
	X(VEL2_ESR, ESR_EL1)       \
	X(VEL2_FAR, FAR_EL1)       \
	X(VEL2_AFSR0, AFSR0_EL1)   \
	X(VEL2_AFSR1, AFSR1_EL1)   \
	X(VEL2_SP, SP_EL1)

static enum el1_reg live_el1_of(enum vel2_reg r)
{
	switch (r) {
#define CASE(vr, er) case vr: return er;
	NV_LIVE_EL2(CASE)
#undef CASE
	default: return NR_EL1_REGS;
	}
}

/* L1's EL2 register r, wherever it is now. */
static uint64_t vel2_read(const struct vcpu *v, enum vel2_reg r)
{
	if (r >= VEL2_FIRST_LIVE && !v->nv.in_l2)
		return vcpu_el1_read(v, live_el1_of(r));
	return v->nv.el2[r];
}

static void vel2_write(struct vcpu *v, enum vel2_reg r, uint64_t val)
{
	if (r >= VEL2_FIRST_LIVE && !v->nv.in_l2) {
		vcpu_el1_write(v, live_el1_of(r), val);
		return;
	}
	v->nv.el2[r] = val;
}

static uint64_t hcr_for_l1(const struct vcpu *v)
{
	return arch_vcpu_hcr() | NV_HCR_NV | NV_HCR_NV1 | NV_HCR_NV2 | (v->hcr & NV_HCR_VCPU);
}

static uint64_t hcr_for_l2(const struct vcpu *v)
{
	/* L0's own controls, plus the traps L1 asked for; no NV bits: L2 is a
	 * plain EL1. */
	return arch_vcpu_hcr() | (v->nv.vncr[VNCR_HCR_EL2 / 8] & NV_HCR_L1_TRAPS) |
	       (v->hcr & NV_HCR_VCPU);
}

/* The two regimes share the VMID: stage-1 entries of one must not serve
 * the other. Nothing to drop while both run with their MMU off. */
static void switch_tlb(const struct vcpu *v)
{
	if ((v->nv.vncr[VNCR_SCTLR_EL1 / 8] | v->nv.el2[VEL2_SCTLR]) & 1)
		arch_nv_flush_s1();
}

static void enter_l2(struct vcpu *v)
{
	struct nested_vcpu *nv = &v->nv;

#define SAVE_LIVE(vr, er) nv->el2[vr] = vcpu_el1_read(v, er);
	NV_LIVE_EL2(SAVE_LIVE)
#undef SAVE_LIVE
#define LOAD_L2(er, off, l1val) vcpu_el1_write(v, er, nv->vncr[(off) / 8]);
	NV_SWITCHED_EL1(LOAD_L2)
#undef LOAD_L2
	nv->in_l2 = true;
	v->hcr = hcr_for_l2(v);
	arch_vcpu_vmpidr(nv->vncr[VNCR_VMPIDR_EL2 / 8]); /* L1's VMPIDR_EL2 for L2 */
	switch_tlb(v);
}

static void enter_l1(struct vcpu *v)
{
	struct nested_vcpu *nv = &v->nv;

#define SAVE_L2(er, off, l1val) nv->vncr[(off) / 8] = vcpu_el1_read(v, er);
	NV_SWITCHED_EL1(SAVE_L2)
#undef SAVE_L2
#define LOAD_L1(er, off, l1val) vcpu_el1_write(v, er, l1val);
	NV_SWITCHED_EL1(LOAD_L1)
#undef LOAD_L1
	nv->in_l2 = false;
	if (nv->s2) {
		nested_s2_leave(&v->vm->ns2, v);
		nv->s2 = NULL;
	}
	v->hcr = hcr_for_l1(v);
	arch_vcpu_vmpidr(v->vmpidr);
	switch_tlb(v);
}

/* ------------------------------------------------------------ lifecycle */

int nested_vcpu_init(struct vcpu *v)
{
	v->nv.vncr = page_alloc(&hyp_pages);
	return v->nv.vncr ? 0 : -ENOMEM;
}

void nested_vcpu_free(struct vcpu *v)
{
	if (v->nv.vncr)
		page_free(&hyp_pages, v->nv.vncr);
	v->nv.vncr = NULL;
}

void nested_vcpu_reset(struct vcpu *v)
{
	struct nested_vcpu *nv = &v->nv;

	memset(nv->vncr, 0, VNCR_PAGE_SIZE);
	memset(nv->el2, 0, sizeof(nv->el2));
	nv->in_l2 = false;
	if (nv->s2) { /* reset while L2 ran on a shadow stage 2 */
		nested_s2_leave(&v->vm->ns2, v);
		nv->s2 = NULL;
	}
	nv->el2[VEL2_SCTLR] = SCTLR_EL2_RESET;
	nv->vncr[VNCR_VMPIDR_EL2 / 8] = v->vmpidr;
	nv->vncr[VNCR_SCTLR_EL1 / 8] = SCTLR_EL1_RES1;
	/* The vCPU's EL1 registers are L1's EL2 regime from the start. */
	v->el1[SCTLR_EL1] = nested_sctlr_el2_to_el1(nv->el2[VEL2_SCTLR]);
	v->el1[CPACR_EL1] = CPACR_FPEN;
	v->el1[TCR_EL1] = nested_tcr_el2_to_el1(0);
	v->hcr = hcr_for_l1(v);
}

uint64_t nested_id_reg(unsigned reg, uint64_t val)
{
	switch (reg) {
	case ID_PFR0:
		/* EL2, AArch64 only. */
		return (val & ~(0xfull << 8)) | ID_AA64PFR0_EL2_AARCH64;
	case ID_MMFR1:
		/* No VHE: the guest hypervisor runs with E2H = 0. */
		return val & ~(0xfull << 8);
	case ID_MMFR2:
		/* NV = 0: no nested virtualization inside (no recursion). */
		return val & ~(0xfull << 24);
	case ID_MMFR4:
		/* E2H0 = 0: HCR_EL2.E2H may be 0, the only mode offered. */
		return val & ~(0xfull << 24);
	default:
		return val;
	}
}

/* ------------------------------------------------------------ L1's traps */

struct vel2_desc {
	uint32_t key;
	uint8_t reg;    /* enum vel2_reg */
	bool raz_wi;
};

/* The EL2 registers L1 reaches that trap (EC 0x18) with E2H = 0. Others
 * (ICH_*, the EL2 timers, RVBAR...) are not offered yet: UNDEF. */
static const struct vel2_desc vel2_regs[] = {
	{ SYSREG_KEY(3, 4, 1, 0, 0), VEL2_SCTLR, false },
	{ SYSREG_KEY(3, 4, 1, 0, 1), VEL2_ACTLR, true },
	{ SYSREG_KEY(3, 4, 1, 1, 1), VEL2_MDCR, false },
	{ SYSREG_KEY(3, 4, 1, 1, 2), VEL2_CPTR, false },
	{ SYSREG_KEY(3, 4, 1, 1, 7), VEL2_HACR, true },
	{ SYSREG_KEY(3, 4, 2, 0, 0), VEL2_TTBR0, false },
	{ SYSREG_KEY(3, 4, 2, 0, 2), VEL2_TCR, false },
	{ SYSREG_KEY(3, 4, 4, 0, 0), VEL2_SPSR, false },
	{ SYSREG_KEY(3, 4, 4, 0, 1), VEL2_ELR, false },
	{ SYSREG_KEY(3, 4, 5, 1, 0), VEL2_AFSR0, false },
	{ SYSREG_KEY(3, 4, 5, 1, 1), VEL2_AFSR1, false },
	{ SYSREG_KEY(3, 4, 5, 2, 0), VEL2_ESR, false },
	{ SYSREG_KEY(3, 4, 6, 0, 0), VEL2_FAR, false },
	{ SYSREG_KEY(3, 4, 6, 0, 4), VEL2_HPFAR, false },
	{ SYSREG_KEY(3, 4, 10, 2, 0), VEL2_MAIR, false },
	{ SYSREG_KEY(3, 4, 10, 3, 0), VEL2_AMAIR, false },
	{ SYSREG_KEY(3, 4, 12, 0, 0), VEL2_VBAR, false },
	{ SYSREG_KEY(3, 4, 14, 1, 0), VEL2_CNTHCTL, false },
};

/* A write to an EL2 register whose value the real EL1 registers carry
 * while L1 runs. */
static void mirror_to_el1(struct vcpu *v, enum vel2_reg r)
{
	const struct nested_vcpu *nv = &v->nv;

	switch (r) {
	case VEL2_SCTLR: vcpu_el1_write(v, SCTLR_EL1, nested_sctlr_el2_to_el1(nv->el2[r])); break;
	case VEL2_TCR: vcpu_el1_write(v, TCR_EL1, nested_tcr_el2_to_el1(nv->el2[r])); break;
	case VEL2_TTBR0: vcpu_el1_write(v, TTBR0_EL1, nv->el2[r]); break;
	case VEL2_MAIR: vcpu_el1_write(v, MAIR_EL1, nv->el2[r]); break;
	case VEL2_AMAIR: vcpu_el1_write(v, AMAIR_EL1, nv->el2[r]); break;
	case VEL2_VBAR: vcpu_el1_write(v, VBAR_EL1, nv->el2[r]); break;
	default: break;
	}
}

static bool l1_sysreg(struct vcpu *v)
{
	enum ns2_tlbi_op op;
	uint64_t ipa, size;
	struct esr_sysreg s;
	const struct vel2_desc *d = NULL;
	uint64_t val;

	esr_sysreg_decode(v->fault.esr, &s);
	if (s.op1 != 4)
		return handle_exit_l0(v, EXIT_TYPE_SYNC); /* an EL1 register L0 traps */
	v->stat->exits[ESR_EC_SYS64]++;
	if (s.op0 == 1) {
		/* TLBI by L1 of its own EL2 regime or of its guest (CRn 8):
		 * both live in this VMID's EL1&0 entries. Address translation
		 * (AT S1E2*, S12E*) is not emulated yet. */
		if (s.crn != 8) {
			inject_undef(v);
			return true;
		}
		if (ns2_tlbi_decode(s.op1, s.crn, s.crm, s.op2, vcpu_get_reg(v, s.rt), &op, &ipa,
				    &size))
			nested_s2_tlbi(&v->vm->ns2, v, op, v->nv.vncr[VNCR_VTTBR_EL2 / 8], ipa, size);
		arch_nv_flush_s1();
		vcpu_skip_insn(v);
		return true;
	}
	for (size_t i = 0; i < sizeof(vel2_regs) / sizeof(vel2_regs[0]); i++)
		if (vel2_regs[i].key == s.key)
			d = &vel2_regs[i];
	if (!d || s.op0 != 3) {
		inject_undef(v);
		return true;
	}
	if (s.is_read) {
		val = d->raz_wi ? 0 : vel2_read(v, (enum vel2_reg)d->reg);
		vcpu_set_reg(v, s.rt, val);
	} else if (!d->raz_wi) {
		vel2_write(v, (enum vel2_reg)d->reg, vcpu_get_reg(v, s.rt));
		mirror_to_el1(v, (enum vel2_reg)d->reg);
	}
	vcpu_skip_insn(v);
	return true;
}

static bool l1_eret(struct vcpu *v)
{
	uint64_t spsr = vel2_read(v, VEL2_SPSR);
	uint64_t elr = vel2_read(v, VEL2_ELR);
	int target = nested_eret_target(spsr, v->nv.vncr[VNCR_HCR_EL2 / 8]);

	/* ERETAA/ERETAB (ISS[1]) are taken as ERET: L1 is not offered
	 * pointer authentication of its own returns yet. */
	if (target < 0) {
		v->regs.pstate = nested_illegal_pstate(spsr, v->regs.pstate);
		v->regs.pc = elr;
	} else if (target == 2) {
		/* Stays at virtual EL2: the real mode is EL1 with the same SP. */
		v->regs.pstate = (spsr & ~PSR_M_MASK) | (spsr & PSR_M_SP ? PSR_M_EL1h : PSR_M_EL1t);
		v->regs.pc = elr;
	} else {
		/*
		 * Into L2. Its stage 2 is chosen here: with L1's off (vHCR.VM
		 * clear) L2 runs on L0's, the VM's own (arch_vcpu_enter).
		 * With it on, the shadow stage 2 for L1's VTTBR_EL2
		 * (hyp/core/nested_s2.c) gives the root to load instead.
		 */
		if (v->nv.vncr[VNCR_HCR_EL2 / 8] & NV_HCR_VM)
			v->nv.s2 = nested_s2_enter(&v->vm->ns2, v, v->nv.vncr[VNCR_VTTBR_EL2 / 8],
						   v->nv.vncr[VNCR_VTCR_EL2 / 8]);
		enter_l2(v);
		v->regs.pstate = spsr;
		v->regs.pc = elr;
	}
	trace_nv_eret(v, elr, spsr, target);
	return true;
}

/* ------------------------------------------------------------ into virtual EL2 */

/* A synchronous exception of L2 goes to L1: its EL2 syndrome registers,
 * then its vector for "lower EL using AArch64". */
static void reflect_sync(struct vcpu *v)
{
	uint64_t pstate = v->regs.pstate, pc = v->regs.pc;

	enter_l1(v);
	vel2_write(v, VEL2_ESR, v->fault.esr);
	/* FAR_EL2 and HPFAR_EL2 are written by aborts only (UNKNOWN otherwise:
	 * left as they were). */
	if (esr_ec(v->fault.esr) == ESR_EC_DABT_LOW || esr_ec(v->fault.esr) == ESR_EC_IABT_LOW) {
		vel2_write(v, VEL2_FAR, v->fault.far);
		v->nv.el2[VEL2_HPFAR] = v->fault.hpfar;
	}
	vel2_write(v, VEL2_ELR, pc);
	vel2_write(v, VEL2_SPSR, pstate);
	v->regs.pc = v->nv.el2[VEL2_VBAR] + nested_vector_offset(TRACE_NV_INJ_SYNC, pstate);
	/* EL2h as L1 sees it (CurrentEL reads 2 with HCR_EL2.NV), all masked. */
	v->regs.pstate = PSR_M_EL1h | PSR_DAIF;
	v->injected = true;
	trace_nv_inject(v, TRACE_NV_INJ_SYNC, (pstate & PSR_M_MASK) == PSR_M_EL0t ? 0 : 1);
}

/*
 * A virtual interrupt pending while L2 runs, and L1 routes IRQs to itself
 * (its HCR_EL2.IMO): L1 takes it at virtual EL2, at its vector for IRQs
 * from a lower EL, and finds it in its GIC CPU interface (ICC_IAR1_EL1:
 * the vGIC's list registers serve whichever level runs).
 */
static bool route_irq(struct vcpu *v)
{
	uint64_t pstate = v->regs.pstate, pc = v->regs.pc;

	if (!(v->nv.vncr[VNCR_HCR_EL2 / 8] & NV_HCR_IMO) || !vgic_cpu_has_pending(&v->vgic))
		return false;
	enter_l1(v);
	vel2_write(v, VEL2_ELR, pc);
	vel2_write(v, VEL2_SPSR, pstate);
	v->regs.pc = v->nv.el2[VEL2_VBAR] + nested_vector_offset(TRACE_NV_INJ_IRQ, pstate);
	v->regs.pstate = PSR_M_EL1h | PSR_DAIF;
	v->injected = true;
	trace_nv_inject(v, TRACE_NV_INJ_IRQ, (pstate & PSR_M_MASK) == PSR_M_EL0t ? 0 : 1);
	return true;
}

void nested_vcpu_in(struct vcpu *v)
{
	/* What became pending while the vCPU was off its CPU (a WFI of L2's
	 * that L0 handled, a wake-up). */
	if (v->nv.in_l2)
		route_irq(v);
}

/* ------------------------------------------------------------ exits */

/*
 * A stage-2 abort of L2 while L1's stage 2 is on: the shadow stage 2 walks
 * L1's tables. Filled: L2 retries (L0's). L1's tables refuse: the abort L1
 * would have taken, into virtual EL2. An L1 mapping of one of L0's devices:
 * L0 emulates it at the L1 IPA. The exit's own syndrome stays as it was for
 * its trace record.
 */
static bool l2_s2_abort(struct vcpu *v, unsigned type, unsigned cls)
{
	struct vcpu_fault orig = v->fault;
	struct ns2_fault_info fi;
	bool cont = true;

	if (nested_s2_fault(&v->vm->ns2, v, v->nv.vncr[VNCR_VTCR_EL2 / 8],
			    v->nv.vncr[VNCR_VTTBR_EL2 / 8], orig.esr, orig.far, orig.hpfar, &fi))
		return handle_exit_l0(v, type);
	switch (fi.result) {
	case NS2_FILLED:
		v->nv.last_reason = TRACE_NV_WHY_L0_STAGE2;
		v->stat->exits[cls]++;
		break;
	case NS2_REFLECT:
		v->nv.last_decision = TRACE_NV_REFLECTED;
		v->nv.last_reason = TRACE_NV_WHY_L1_STAGE2;
		v->stat->exits[cls]++;
		v->fault = (struct vcpu_fault){ fi.syn.esr, fi.syn.far, fi.syn.hpfar };
		reflect_sync(v);
		break;
	default:
		v->nv.last_reason = TRACE_NV_WHY_L0_DEVICE;
		v->fault.hpfar = (fi.l1_ipa >> 12) << 4;
		cont = handle_exit_l0(v, type);
		break;
	}
	v->fault = orig;
	return cont;
}

static bool l2_exit(struct vcpu *v, unsigned type)
{
	unsigned cls = exit_class_of(type, v->fault.esr);
	struct nv_decision d = nested_decide(cls, v->fault.esr, v->nv.vncr[VNCR_HCR_EL2 / 8]);

	v->nv.last_decision = (uint8_t)d.decision;
	v->nv.last_reason = (uint8_t)d.reason;
	v->nv.last_detail = d.detail;
	v->nv.last_l2_el = (v->regs.pstate & PSR_M_MASK) == PSR_M_EL0t ? 0 : 1;
	if (v->nv.s2 && (cls == ESR_EC_DABT_LOW || cls == ESR_EC_IABT_LOW))
		return l2_s2_abort(v, type, cls);
	if (d.decision == TRACE_NV_L0) {
		bool cont = handle_exit_l0(v, type);

		/* An interrupt for L1 that L0's handling made pending (an L2
		 * SGI, a timer line): into virtual EL2 before L2 runs again. An
		 * exit for a physical interrupt that ends so is L1's. */
		if (v->nv.in_l2 && route_irq(v) && (cls == HYP_EXIT_IRQ || cls == HYP_EXIT_FIQ)) {
			v->nv.last_decision = TRACE_NV_REFLECTED;
			v->nv.last_reason = TRACE_NV_WHY_L1_IRQ;
			v->nv.last_detail = NV_HCR_IMO;
		}
		return cont;
	}
	v->stat->exits[cls]++;
	reflect_sync(v);
	return true;
}

bool nested_handle_exit(struct vcpu *v, unsigned type)
{
	/* The SError of the level that ran goes back to it (handle_exit_l0
	 * does the same for the exits it takes). */
	if (type & EXIT_TYPE_SERROR_SYNCED) {
		inject_serror(v);
		type &= ~EXIT_TYPE_SERROR_SYNCED;
	}
	if (v->nv.in_l2)
		return l2_exit(v, type);
	if ((type & EXIT_TYPE_MASK) == EXIT_TYPE_SYNC) {
		switch (exit_class_of(type, v->fault.esr)) {
		case ESR_EC_SYS64:
			return l1_sysreg(v);
		case ESR_EC_ERET:
			v->stat->exits[ESR_EC_ERET]++;
			return l1_eret(v);
		default:
			break;
		}
	}
	return handle_exit_l0(v, type);
}
