/*
 * Exceptions injected into a guest (hyp/include/inject.h): synchronous ones
 * taken to EL1 exactly as the hardware would take them, and the virtual
 * SError, which the arch makes pending (HCR_EL2.VSE).
 */
#include "formats/esr.h"
#include "hyp/include/arch.h"
#include "hyp/include/inject.h"
#include "hyp/include/vm.h"

#define ESR_IL_BIT     (1ull << ESR_IL_SHIFT)
#define PSR_MODE_MASK  0xfull
#define PSR_MODE_EL0t  0x0ull
#define PSR_MODE_EL1t  0x4ull
#define PSR_MODE_EL1h  0x5ull
#define PSR_DAIF       (0xfull << 6)
#define PSR_PAN        (1ull << 22)
#define PSR_SSBS       (1ull << 12)
#define SCTLR_EL1_SPAN (1ull << 23)
#define SCTLR_EL1_DSSBS (1ull << 44)

/* VBAR_EL1 offsets by where the exception comes from (Arm ARM D1.3.1). */
#define VECTOR_CUR_SP0   0x000
#define VECTOR_CUR_SPX   0x200
#define VECTOR_LOWER_A64 0x400

static bool from_el0(const struct vcpu *v)
{
	return (v->regs.pstate & PSR_MODE_MASK) == PSR_MODE_EL0t;
}

static void enter_el1_sync(struct vcpu *v, uint64_t esr)
{
	v->injected = true;
	uint64_t old = v->regs.pstate;
	uint64_t sctlr = vcpu_el1_read(v, SCTLR_EL1);
	uint64_t offset, pstate;

	switch (old & PSR_MODE_MASK) {
	case PSR_MODE_EL1t: offset = VECTOR_CUR_SP0; break;
	case PSR_MODE_EL1h: offset = VECTOR_CUR_SPX; break;
	default: offset = VECTOR_LOWER_A64; break;
	}
	vcpu_el1_write(v, ESR_EL1, esr);
	vcpu_el1_write(v, ELR_EL1, v->regs.pc);
	/* A guest hypervisor at virtual EL2 reads EL2 in SPSR.M[3:2] (as the
	 * hardware writes it with HCR_EL2.{NV,NV2}: Arm ARM I_DBTLM). */
	if (unlikely(vcpu_nested(v)) && !v->nv.in_l2)
		vcpu_el1_write(v, SPSR_EL1, (old & ~0xcull) | 0x8ull);
	else
		vcpu_el1_write(v, SPSR_EL1, old);

	pstate = PSR_MODE_EL1h | PSR_DAIF;
	/* PAN is set on exception entry unless SCTLR_EL1.SPAN says keep it. */
	if (!(sctlr & SCTLR_EL1_SPAN))
		pstate |= PSR_PAN;
	else
		pstate |= old & PSR_PAN;
	/* SSBS takes SCTLR_EL1.DSSBS. */
	if (sctlr & SCTLR_EL1_DSSBS)
		pstate |= PSR_SSBS;
	v->regs.pstate = pstate;
	v->regs.pc = vcpu_el1_read(v, VBAR_EL1) + offset;
}

void inject_sync(struct vcpu *v, uint64_t esr)
{
	enter_el1_sync(v, esr);
}

void inject_undef(struct vcpu *v)
{
	enter_el1_sync(v, (uint64_t)ESR_EC_UNKNOWN << ESR_EC_SHIFT | ESR_IL_BIT);
}

void inject_dabt(struct vcpu *v, uint64_t addr, bool write)
{
	unsigned ec = from_el0(v) ? ESR_EC_DABT_LOW : ESR_EC_DABT_CUR;
	uint64_t iss = 0x10 | (write ? 1ull << 6 : 0); /* DFSC: synchronous external abort; WnR */

	vcpu_el1_write(v, FAR_EL1, addr);
	enter_el1_sync(v, (uint64_t)ec << ESR_EC_SHIFT | ESR_IL_BIT | iss);
}

void inject_iabt(struct vcpu *v, uint64_t addr)
{
	unsigned ec = from_el0(v) ? ESR_EC_IABT_LOW : ESR_EC_IABT_CUR;

	vcpu_el1_write(v, FAR_EL1, addr);
	enter_el1_sync(v, (uint64_t)ec << ESR_EC_SHIFT | ESR_IL_BIT | 0x10);
}

void inject_serror(struct vcpu *v)
{
	v->injected = true;
	arch_vcpu_pend_serror(v);
}
