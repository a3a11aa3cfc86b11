/*
 * Exit handling: one table indexed by ESR_EL2.EC. A handler returns true to
 * go straight back into the guest, false when the vCPU gives up its CPU.
 * Whatever a guest does, the answer is an emulation, an injected exception
 * or an SMCCC error code; never a hypervisor panic.
 */
#include <stddef.h>

#include "formats/esr.h"
#include "formats/exits.h"
#include "hyp/include/arch.h"
#include "hyp/include/gdb.h"
#include "hyp/include/inject.h"
#include "hyp/include/mmio.h"
#include "hyp/include/percpu.h"
#include "hyp/include/psci.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/sdei.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/timer.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

typedef bool (*exit_handler_fn)(struct vcpu *v);

/* ---------------------------------------------------------------- WFx */

bool vcpu_wait_for_interrupt(struct vcpu *v, uint64_t deadline)
{
	uint64_t now = arch_counter();

	if (vgic_cpu_has_pending(&v->vgic) || sdei_has_pending(v))
		return true; /* an interrupt or SDEI event is there: WFI completes at once */
	deadline = deadline_earliest(deadline, timer_wake_deadline(v));
	if (deadline && deadline <= now) {
		/* A wake-up event is already there; the virtual timer's
		 * interrupt goes with it, even if the CPU is late raising it. */
		timer_vtimer_catch_up(v, now);
		return true;
	}
	sched_block(&percpu[v->pcpu].rq, v, deadline);
	/*
	 * An interrupt made pending on another CPU between the check above and
	 * the block saw this vCPU running and only kicked: look again. Full
	 * barrier: the BLOCKED store is visible before the pending state is
	 * read. Pairs with the one in vgic_kick_vcpu() (store pending, then
	 * read the run state): one side or the other sees the other's store.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vgic_cpu_has_pending(&v->vgic) || sdei_has_pending(v)) {
		sched_wake(&percpu[v->pcpu].rq, v);
		return true;
	}
	v->blocked_at = now;
	trace_sched(TRACE_WFI_BLOCK, v, 0, TRACE_SCHED_WFI);
	return false;
}

static bool handle_wfx(struct vcpu *v)
{
	struct esr_wfx w;
	uint64_t deadline = 0;

	esr_wfx_decode(v->fault.esr, &w);
	/* A trapped WFx returns to the instruction itself (Arm ARM D1.10.1). */
	vcpu_skip_insn(v);
	switch (w.kind) {
	case ESR_WFX_WFE:
	case ESR_WFX_WFET:
		/* WFE: give the CPU to someone else if anyone waits for it
		 * (a spinning vCPU is likely waiting for another vCPU). */
		return !sched_others_runnable(&percpu[v->pcpu].rq, v, arch_counter());
	case ESR_WFX_WFIT:
		/* WFIT's timeout compares with the virtual counter. */
		if (w.rv)
			deadline = vcpu_get_reg(v, w.rn) + v->vm->cntvoff;
		return vcpu_wait_for_interrupt(v, deadline ? deadline : 1);
	case ESR_WFX_WFI:
	default:
		return vcpu_wait_for_interrupt(v, 0);
	}
}

/* ---------------------------------------------------------------- aborts */

static uint64_t fault_ipa(const struct vcpu *v)
{
	/* HPFAR_EL2.FIPA holds IPA[47:12] in bits [43:4]; the page offset comes from FAR_EL2. */
	return ((v->fault.hpfar & 0x00000ffffffffff0ull) << 8) | (v->fault.far & 0xfff);
}

static bool handle_dabt(struct vcpu *v)
{
	struct esr_dabt d;
	const struct mmio_region *r;
	uint64_t ipa = fault_ipa(v);
	uint64_t val = 0;

	esr_dabt_decode(v->fault.esr, &d);
	/* Without a valid syndrome (ISV = 0: pairs, writeback, SIMD...) the
	 * access cannot be emulated, and a stage-1 walk outside RAM cannot be
	 * served either: the guest gets the abort a real bus would give. */
	r = (d.isv && !d.s1ptw) ? mmio_bus_find(&v->vm->bus, ipa, d.access_size) : NULL;
	if (!r) {
		trace_mmio(v, ipa, d.wnr ? vcpu_get_reg(v, d.srt) : 0, TRACE_DEV_NONE,
			   d.access_size, d.wnr, TRACE_MMIO_ABORT);
		inject_dabt(v, v->fault.far, d.wnr);
		return true;
	}
	if (d.wnr) {
		val = vcpu_get_reg(v, d.srt);
		if (d.access_size < 8)
			val &= (1ull << (8 * d.access_size)) - 1;
	}
	if (!r->handler(r->opaque, v, ipa - r->base, d.access_size, d.wnr, &val)) {
		trace_mmio(v, ipa, val, r->dev_id, d.access_size, d.wnr, TRACE_MMIO_ABORT);
		inject_dabt(v, v->fault.far, d.wnr);
		return true;
	}
	if (!d.wnr) {
		if (d.access_size < 8)
			val &= (1ull << (8 * d.access_size)) - 1;
		if (d.sse && d.access_size < 8) {
			unsigned shift = 64 - 8 * d.access_size;

			val = (uint64_t)((int64_t)(val << shift) >> shift);
		}
		if (!d.sf)
			val &= 0xffffffffull;
		vcpu_set_reg(v, d.srt, val);
	}
	trace_mmio(v, ipa, val, r->dev_id, d.access_size, d.wnr, TRACE_MMIO_OK);
	vcpu_skip_insn(v);
	return true;
}

static bool handle_iabt(struct vcpu *v)
{
	/* Only RAM is mapped executable: a fetch from anywhere else is a bus error. */
	inject_iabt(v, v->fault.far);
	return true;
}

/* ---------------------------------------------------------------- others */

static bool handle_hvc(struct vcpu *v)
{
	/* TEST ONLY: a known slowdown of the HVC path (`hypscope run --test-hvc-pad`). */
	if (hypcfg->flags & HYPCFG_F_TEST_HVC_PAD)
		arch_test_pad(hypcfg->test_hvc_pad);
	/* SMCCC uses HVC #0 only; other immediates are not calls we know. */
	if (esr_imm16(v->fault.esr) != 0) {
		v->regs.x[0] = (uint64_t)(int64_t)SMCCC_RET_NOT_SUPPORTED;
		return true;
	}
	return smccc_call(v, false);
}

static bool handle_smc(struct vcpu *v)
{
	/* A trapped SMC returns to the SMC itself (Arm ARM D1.10.1). */
	vcpu_skip_insn(v);
	return smccc_call(v, true);
}

static bool handle_fpsimd(struct vcpu *v)
{
	arch_fpsimd_switch(v);
	return true;
}

/* The vCPU's first PAuth instruction: its keys go in, and it runs again. */
static bool handle_pauth(struct vcpu *v)
{
	if (!arch_vcpu_pauth_trap(v))
		inject_undef(v);
	return true;
}

static bool handle_undef(struct vcpu *v)
{
	inject_undef(v);
	return true;
}

/* BRK, breakpoints, watchpoints and steps reach EL2 only for a debugged VM (MDCR_EL2.TDE). */
static bool handle_debug(struct vcpu *v)
{
	return gdb_debug_exit(v);
}

static const exit_handler_fn sync_handlers[ESR_EC_COUNT] = {
	[ESR_EC_WFX] = handle_wfx,
	[ESR_EC_FP_ASIMD] = handle_fpsimd,
	[ESR_EC_PAC] = handle_pauth,
	[ESR_EC_HVC64] = handle_hvc,
	[ESR_EC_SMC64] = handle_smc,
	[ESR_EC_SYS64] = handle_sysreg_trap,
	[ESR_EC_IABT_LOW] = handle_iabt,
	[ESR_EC_DABT_LOW] = handle_dabt,
	[ESR_EC_BREAKPT_LOW] = handle_debug,
	[ESR_EC_SOFTSTP_LOW] = handle_debug,
	[ESR_EC_WATCHPT_LOW] = handle_debug,
	[ESR_EC_BRK64] = handle_debug,
	/* Everything else a guest can cause here (SVE, SME, LS64, ERET with
	 * NV, ...) is a feature it was told it does not have: UNDEF. */
};

static bool handle_irq(struct vcpu *v)
{
	unsigned ev = arch_handle_irqs();
	struct runqueue *rq = &percpu[v->pcpu].rq;

	/*
	 * IRQ_EV_VTIMER: the virtual timer's output rose. Mostly timer_sync()
	 * gave it to the vGIC after this exit's fold; but when the exit was
	 * for another interrupt, the output can rise after that sample and its
	 * PPI be acknowledged here with the rest. Active, the PPI fires no
	 * more: sample again, or the guest waits for its next exit.
	 */
	if (ev & IRQ_EV_VTIMER)
		timer_sync(v, arch_counter());
	if (ev & IRQ_EV_PMU)
		vpmu_overflow(v);
	if (ev & IRQ_EV_TICK)
		sched_tick(rq, arch_counter());
	return !READ_ONCE(rq->need_resched);
}

static bool handle_serror(struct vcpu *v)
{
	/* An asynchronous abort caused by the guest's own access: hand it back
	 * as a virtual SError, which it takes when it unmasks PSTATE.A. */
	inject_serror(v);
	return true;
}

static inline __attribute__((always_inline)) bool exit_l0(struct vcpu *v, unsigned type)
{
	unsigned cls = exit_class_of(type, v->fault.esr);
	exit_handler_fn fn;

	v->stat->exits[cls]++;
	/*
	 * The guest's own SError, synchronised on the way out: it lands on
	 * this vCPU, which caused it, and not on whichever runs when it would
	 * otherwise have surfaced. Injected first: the exit's handler may
	 * itself inject (an abort), and then the SError waits for PSTATE.A.
	 */
	if (type & EXIT_TYPE_SERROR_SYNCED) {
		inject_serror(v);
	}
	switch (type & EXIT_TYPE_MASK) {
	case EXIT_TYPE_SYNC:
		fn = sync_handlers[cls];
		return (fn ? fn : handle_undef)(v);
	case EXIT_TYPE_IRQ:
	case EXIT_TYPE_FIQ:
		return handle_irq(v);
	case EXIT_TYPE_SERROR:
		return handle_serror(v);
	default:
		return handle_undef(v);
	}
}

bool handle_exit_l0(struct vcpu *v, unsigned type)
{
	return exit_l0(v, type);
}

bool handle_exit(struct vcpu *v, unsigned type)
{
	/* A guest hypervisor's exits are sorted by level first (nested.c). */
	if (unlikely(vcpu_nested(v)))
		return nested_handle_exit(v, type);
	return exit_l0(v, type);
}
