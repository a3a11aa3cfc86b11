/*
 * A guest's own self-hosted debug: when its registers live in the hardware,
 * what a debugged entry loads for it, and which debug exceptions are its
 * own (hyp/include/guest_debug.h).
 */
#include "hyp/include/guest_debug.h"

#include "formats/esr.h"
#include "hyp/include/arch.h"
#include "hyp/include/compiler.h"
#include "hyp/include/inject.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/vm.h"

#define PSR_MODE_MASK 0xfull
#define PSR_D         (1ull << 9)
#define PSR_SS        (1ull << 21)
#define A64_ERET      0xd69f03e0u
#define ESR_WNR       (1ull << 6) /* watchpoint ISS: write not read */

static bool locked(const struct vcpu *v)
{
	/* OSLK, or the double lock (DLK without a powerdown request), Arm ARM D2.5 */
	return v->dbg.oslk ||
	       ((v->dbg.osdlr & GDBG_OSDLR_DLK) && !(v->dbg.dbgprcr & GDBG_DBGPRCR_NPDRQ));
}

bool guest_debug_may_load(const struct vcpu *v)
{
	return v->dbg.loaded && !locked(v);
}

bool guest_debug_access(struct vcpu *v)
{
	v->dbg.loaded = true;
	v->switch_extra = true; /* switched with the vCPU from now on */
	if (!v->dbg.in_hw && guest_debug_may_load(v)) {
		/* First touch (or the first since the lock was dropped): from
		 * now on the registers are the hardware's, the access included. */
		arch_debug_guest_load(v);
		return true;
	}
	/* Trapped although loaded: a debugger is attached (MDCR_EL2.TDE traps
	 * every access) or the OS lock is held. Emulate on struct vdebug. */
	if (v->dbg.in_hw)
		arch_debug_guest_save(v);
	return false;
}

void guest_debug_access_done(struct vcpu *v)
{
	if (guest_debug_may_load(v))
		arch_debug_guest_load(v);
}

void guest_debug_lock_changed(struct vcpu *v)
{
	/* Locking takes the registers out of the hardware (the lock's effect:
	 * no breakpoint, watchpoint or step); unlocking puts them back. */
	if (v->dbg.in_hw && !guest_debug_may_load(v))
		arch_debug_guest_save(v);
	else if (!v->dbg.in_hw && guest_debug_may_load(v))
		arch_debug_guest_load(v);
}

static bool at_el0(const struct vcpu *v)
{
	return (v->regs.pstate & PSR_MODE_MASK) == 0;
}

/* The ELs from which the guest's own debug exceptions are enabled
 * (GDBG_CR_EL0/EL1), PSTATE.D left aside (AArch64.GenerateDebugExceptionsFrom). */
static uint64_t enabled_els(const struct vcpu *v)
{
	if (!v->dbg.loaded || locked(v))
		return 0;
	return GDBG_CR_EL0 | (v->dbg.mdscr & GDBG_MDSCR_KDE ? GDBG_CR_EL1 : 0);
}

/* Whether the guest takes a debug exception at the vCPU's current EL now. */
static bool enabled_now(const struct vcpu *v)
{
	uint64_t els = enabled_els(v);

	if (at_el0(v))
		return els & GDBG_CR_EL0;
	return (els & GDBG_CR_EL1) && !(v->regs.pstate & PSR_D);
}

uint64_t guest_debug_merge(const struct vcpu *v, const struct vm_gdb_hw *gdb, unsigned brps,
			   unsigned wrps, struct vm_gdb_hw *out)
{
	uint64_t els = enabled_els(v), mdscr = 0;
	unsigned b = 0, w = 0;

	*out = *gdb;
	brps = MIN(brps, (unsigned)GDB_HW_SLOTS);
	wrps = MIN(wrps, (unsigned)GDB_HW_SLOTS);
	if (!(v->dbg.mdscr & GDBG_MDSCR_MDE))
		els = 0;
	for (unsigned i = 0; i < brps && els; i++) {
		uint64_t c = v->dbg.bcr[i];

		/* Unlinked address matches only: a linked or context breakpoint
		 * names other slots, which move here. */
		if (!(c & GDBG_CR_E) || GDBG_BCR_BT(c) != 0 || !(c & els))
			continue;
		while (b < brps && out->bcr[b])
			b++;
		if (b == brps)
			break; /* no room left: documented in docs/gdbstub.md */
		out->bvr[b] = v->dbg.bvr[i];
		out->bcr[b] = (c & ~GDBG_CR_HMC_SSC) & ~((GDBG_CR_EL0 | GDBG_CR_EL1) & ~els);
		b++;
	}
	for (unsigned i = 0; i < wrps && els; i++) {
		uint64_t c = v->dbg.wcr[i];

		if (!(c & GDBG_CR_E) || (c & GDBG_WCR_WT) || !(c & els))
			continue;
		while (w < wrps && out->wcr[w])
			w++;
		if (w == wrps)
			break;
		out->wvr[w] = v->dbg.wvr[i];
		out->wcr[w] = (c & ~GDBG_CR_HMC_SSC) & ~((GDBG_CR_EL0 | GDBG_CR_EL1) & ~els);
		w++;
	}
	out->nr_bp = MAX(gdb->nr_bp, b);
	out->nr_wp = MAX(gdb->nr_wp, w);
	for (unsigned i = 0; i < GDB_HW_SLOTS; i++) {
		if (out->bcr[i])
			out->nr_bp = MAX(out->nr_bp, i + 1);
		if (out->wcr[i])
			out->nr_wp = MAX(out->nr_wp, i + 1);
	}
	if (out->nr_bp > gdb->nr_bp || out->nr_wp > gdb->nr_wp)
		mdscr |= GDBG_MDSCR_MDE;
	/* The guest's step, wherever the vCPU resumes: its own ERET to EL0
	 * (no exit) may arm it. Where the guest does not take it, TDE still
	 * does: guest_debug_exception() runs such code one instruction a time. */
	if ((v->dbg.mdscr & GDBG_MDSCR_SS) && enabled_els(v))
		mdscr |= GDBG_MDSCR_SS;
	return mdscr;
}

/* Which EL the debug exception is enabled at, from the control's PMC/PAC. */
static bool cr_matches_el(const struct vcpu *v, uint64_t c)
{
	return at_el0(v) ? (c & GDBG_CR_EL0) : (c & GDBG_CR_EL1);
}

static bool guest_bp_hit(const struct vcpu *v)
{
	unsigned brps = MIN(FIELD(guest_id_regs[ID_DFR0], 15, 12) + 1, (unsigned)VDEBUG_MAX_BP);

	if (!(v->dbg.mdscr & GDBG_MDSCR_MDE))
		return false;
	for (unsigned i = 0; i < brps; i++) {
		uint64_t c = v->dbg.bcr[i];

		if ((c & GDBG_CR_E) && GDBG_BCR_BT(c) == 0 && cr_matches_el(v, c) &&
		    (v->dbg.bvr[i] & ~3ull) == (v->regs.pc & ~3ull))
			return true;
	}
	return false;
}

/* The bytes a watchpoint covers: [*lo, *hi). */
static void wp_range(uint64_t wvr, uint64_t wcr, uint64_t *lo, uint64_t *hi)
{
	unsigned mask = GDBG_WCR_MASK(wcr), bas = GDBG_WCR_BAS(wcr);

	if (mask >= 3) {
		*lo = wvr & ~((1ull << mask) - 1);
		*hi = *lo + (1ull << mask);
		return;
	}
	*lo = (wvr & ~7ull) + (bas ? (unsigned)__builtin_ctz(bas) : 0);
	*hi = (wvr & ~7ull) + (bas ? 32u - (unsigned)__builtin_clz(bas) : 0);
}

static bool guest_wp_hit(const struct vcpu *v, bool write)
{
	unsigned wrps = MIN(FIELD(guest_id_regs[ID_DFR0], 23, 20) + 1, (unsigned)VDEBUG_MAX_BP);
	/* FAR may be any address the access touched (Arm ARM D2.10.5):
	 * compare whole doublewords. */
	uint64_t dw = v->fault.far & ~7ull;

	if (!(v->dbg.mdscr & GDBG_MDSCR_MDE))
		return false;
	for (unsigned i = 0; i < wrps; i++) {
		uint64_t c = v->dbg.wcr[i], lo, hi;

		if (!(c & GDBG_CR_E) || (c & GDBG_WCR_WT) || !cr_matches_el(v, c))
			continue;
		if (!(c & (write ? GDBG_WCR_STORE : GDBG_WCR_LOAD)))
			continue;
		wp_range(v->dbg.wvr[i], c, &lo, &hi);
		if (dw < hi && dw + 8 > (lo & ~7ull))
			return true;
	}
	return false;
}

void guest_debug_exception(struct vcpu *v)
{
	uint64_t esr = v->fault.esr;
	unsigned cls = esr_ec(esr);
	/* The same class one up when taken from EL1 to EL1 (0x31, 0x33, 0x35). */
	uint64_t cur = at_el0(v) ? 0 : 1ull << ESR_EC_SHIFT;
	bool theirs = false;

	switch (cls) {
	case ESR_EC_BREAKPT_LOW:
		theirs = enabled_now(v) && guest_bp_hit(v);
		break;
	case ESR_EC_WATCHPT_LOW:
		theirs = enabled_now(v) && guest_wp_hit(v, esr & ESR_WNR);
		if (theirs)
			vcpu_el1_write(v, FAR_EL1, v->fault.far);
		break;
	case ESR_EC_SOFTSTP_LOW:
		if (v->dbg.skip) {
			v->dbg.skip = false; /* stepped over a spurious hit */
			return;
		}
		if (!(v->dbg.mdscr & GDBG_MDSCR_SS)) {
			v->dbg.eret_ss = false;
			return; /* a stale step (the guest dropped SS): resume */
		}
		if (v->dbg.eret_ss) {
			/* The guest's own ERET (stepped by us) restored its
			 * PSTATE.SS: its step is active-not-pending here, so the
			 * next instruction runs before its step exception. */
			v->dbg.eret_ss = false;
			v->regs.pstate |= PSR_SS;
			return;
		}
		theirs = enabled_now(v);
		if (!theirs) {
			uint32_t insn;

			/* Code where the guest's step is not enabled (EL1 without
			 * KDE, or PSTATE.D set) but TDE's is: one instruction
			 * (active-not-pending), until the guest's own ERET with
			 * SPSR_EL1.SS brings its step back. */
			v->dbg.eret_ss = arch_guest_insn(v, &insn) && insn == A64_ERET &&
					 (vcpu_el1_read(v, SPSR_EL1) & PSR_SS);
			v->regs.pstate |= PSR_SS;
			return;
		}
		break;
	default:
		return;
	}
	if (theirs) {
		v->dbg.skip = false;
		inject_sync(v, esr + cur);
		return;
	}
	/* Matched a slot loaded for the guest, at an EL or with PSTATE.D
	 * where the guest does not take it, or a slot since removed: run the
	 * instruction once with none loaded. Without a debugger nothing of
	 * this is loaded any more: the instruction simply runs again. */
	v->dbg.skip = READ_ONCE(v->gdb.active);
}
