/*
 * The exit fast path, inline: the exit vector's C (hyp/arch/aarch64/vcpu.c,
 * __exit_fast()) runs it without a call, and the unit tests run the same
 * code on the host. Portable: it asks the hardware nothing but the arch
 * contract (hyp/include/arch.h).
 */
#ifndef HYP_EXIT_FAST_H
#define HYP_EXIT_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/esr.h"
#include "formats/hypercall.h"
#include "hyp/include/arch.h"
#include "hyp/include/percpu.h"
#include "hyp/include/psci.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/sched_pick.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

/*
 * The fast path (docs/exit-handling.md, "The fast path"): a null SMCCC call
 * over HVC #0 changes nothing the run loop looks at, so it is answered
 * straight from the exit vector and the guest re-entered without leaving the
 * world switch. Nothing is skipped that the call could need:
 *  - the list registers stay in the hardware, unfolded: the hypervisor
 *    changed none, and what the guest did to them (acknowledge, EOI) is
 *    folded at the next full exit, as it would be had the guest not exited;
 *  - the timers' lines are sampled at the next full exit, which comes at the
 *    latest when a timer's interrupt fires (it is routed to EL2), or, when a
 *    yield gives the CPU away, at the vCPU's next load;
 *  - whatever another CPU asks of this vCPU (reschedule, an interrupt, a
 *    debugger's hold) comes with a kick, an SGI that exits the guest as soon
 *    as it runs again, and the time slice ends with the EL2 timer's interrupt.
 * The exit is counted, timed and traced as every exit is: the same records,
 * in the same order, as the full path writes; t_exit, the counter read first
 * thing, ends the guest's time. `done` says what follows:
 * EXIT_FAST_RESUME re-enters the guest (and writes its entry record),
 * EXIT_FAST_SWITCH leaves the CPU to the run loop. traced is trace_on, read
 * once (the records' stores could alias it), and a constant for the null
 * calls: untraced, their answer calls nothing (handle_exit_fast()).
 */
static inline __attribute__((always_inline)) enum exit_fast
exit_fast_answer(struct vcpu *v, uint32_t fid, uint64_t ret, enum exit_fast done,
		 uint64_t t_exit, bool traced)
{
	uint64_t c0 = 0, t;
	struct hypstat_vcpu *st = v->stat;

	st->exits[ESR_EC_HVC64]++;
	if (traced)
		c0 = arch_cycles();
	/* TEST ONLY: the slowdown handle_hvc() adds (`hypscope run --test-hvc-pad`). */
	/* At least 2: the compiler then drops arch_test_pad()'s own test. */
	if (unlikely(v->test_pad >= 2))
		arch_test_pad(v->test_pad);
	v->regs.x[0] = ret;
	if (traced) {
		uint64_t pc = v->regs.pc;

		/* x1..x6 are the call's arguments still: these calls leave them. */
		trace_smccc(v, fid, &v->regs.x[1], false);
		trace_exit(v, pc, ESR_EC_HVC64, 0, false, (uint32_t)(arch_cycles() - c0),
			   TRACE_EXIT_HANDLED);
		if (done == EXIT_FAST_RESUME)
			trace_entry(v);
	}
	t = arch_counter();
	st->guest_ticks += t_exit - v->entered_at;
	st->hyp_ticks += t - t_exit;
	v->entered_at = t;
	return done;
}

/*
 * HYPSCOPE_HVC_YIELD (what a trapped WFE does): answered here too. With no
 * other vCPU waiting for this CPU the guest goes on at once; else the run
 * loop takes the vCPU off its CPU with no handler to run (EXIT_TYPE_HANDLED),
 * as handle_exit() would have it, and runs the vCPU sched_yield_cpu() picked
 * here. Made twice from one body, traced a constant, each out of line: the
 * null calls' code stays as it was without it, and untraced the pick and the
 * answer call nothing (no stack frame).
 */
static inline __attribute__((always_inline)) enum exit_fast exit_fast_yield_as(struct vcpu *v,
									       bool traced)
{
	/* The pick's time is the hypervisor's: the guest's ends before it. */
	uint64_t t_exit = arch_counter();
	/* v runs on this CPU, to which it is pinned: the queue is this CPU's. */
	bool away = sched_yield_cpu(&this_cpu()->rq, v, t_exit);

	return exit_fast_answer(v, HYPSCOPE_HVC_YIELD, SMCCC_RET_SUCCESS,
				away ? EXIT_FAST_SWITCH : EXIT_FAST_RESUME, t_exit, traced);
}

static __attribute__((noinline, unused)) enum exit_fast exit_fast_yield(struct vcpu *v)
{
	return exit_fast_yield_as(v, false);
}

static __attribute__((noinline, unused)) enum exit_fast exit_fast_yield_traced(struct vcpu *v)
{
	return exit_fast_yield_as(v, true);
}

/* The null calls, and the yield: anything else goes the full way. */
static inline __attribute__((always_inline)) enum exit_fast
handle_exit_fast_as(struct vcpu *v, bool traced)
{
	uint32_t fid = (uint32_t)v->regs.x[0];
	uint64_t ret;

	if (!smccc_null_call(fid, &ret))
		return unlikely(fid == HYPSCOPE_HVC_YIELD)
			       ? (traced ? exit_fast_yield_traced(v) : exit_fast_yield(v))
			       : EXIT_FAST_NONE;
	return exit_fast_answer(v, fid, ret, EXIT_FAST_RESUME, arch_counter(), traced);
}

/* Traced, out of line: untraced, the fast path calls nothing but the
 * yield's function (a tail call), and needs no stack frame. */
static __attribute__((noinline, unused)) enum exit_fast handle_exit_fast_traced(struct vcpu *v)
{
	return handle_exit_fast_as(v, true);
}

static inline enum exit_fast handle_exit_fast(struct vcpu *v)
{
	if (trace_on)
		return handle_exit_fast_traced(v);
	return handle_exit_fast_as(v, false);
}

#endif
