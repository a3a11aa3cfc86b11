/*
 * What every physical CPU does once it is up: pick a vCPU, take it onto the
 * CPU, run it until it blocks, stops or its slice ends, and idle when there
 * is nothing to run.
 */
#include <string.h>

#include "formats/esr.h"
#include "formats/ich_lr.h"
#include "hyp/include/arch.h"
#include "hyp/include/gdb.h"
#include "hyp/include/host_req.h"
#include "hyp/include/log.h"
#include "hyp/include/percpu.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/sdei.h"
#include "hyp/include/timer.h"
#include "hyp/include/trace.h"
#include "hyp/include/vm.h"

/* How often a CPU running a vCPU with SDEI handlers looks for host requests. */
#define HOST_POLL_HZ 100

struct vmid_allocator vmids;
struct hypcfg *hypcfg;
struct hypstat *hypstat;
unsigned stage2_ipa_bits;

void vcpu_kick(struct vcpu *v)
{
	/* On this CPU the run loop sees the change after the current exit. */
	if (v->pcpu != this_cpu_id())
		arch_kick_cpu(v->pcpu);
}

static bool keep_running(struct percpu *pc, const struct vcpu *v)
{
	return !READ_ONCE(pc->rq.need_resched) && READ_ONCE(v->run) == VCPU_RUNNABLE &&
	       !READ_ONCE(v->reset_pending) && !READ_ONCE(v->gdb.hold);
}

/* Why a vCPU left its CPU, for the trace. */
static unsigned sched_out_reason(const struct vcpu *v)
{
	if (v->vm->state != VM_RUNNING)
		return TRACE_SCHED_VM_END;
	if (READ_ONCE(v->gdb.hold))
		return TRACE_SCHED_DEBUG;
	switch (v->run) {
	case VCPU_BLOCKED: return TRACE_SCHED_WFI;
	case VCPU_STOPPED: return TRACE_SCHED_CPU_OFF;
	default: return TRACE_SCHED_SLICE;
	}
}

/*
 * Runs one exit's handler with its trace record: PC and trapping
 * instruction as they were at the exit, the handling cost in cycles. Made
 * twice from one body: level is a constant 0 for VMs without el2=on (no
 * nested work on their path), else the level that ran, taken before the
 * handling switches it, and an L2 exit gets its trace_nv_exit after.
 */
static inline __attribute__((always_inline)) bool traced_exit_at(struct vcpu *v, unsigned type,
								 unsigned level)
{
	unsigned cls = exit_class_of(type, v->fault.esr);
	uint64_t pc = v->regs.pc, esr = v->fault.esr, c0, cost;
	uint32_t insn = 0;
	bool insn_valid = false, cont;

	if (cls == ESR_EC_DABT_LOW || cls == ESR_EC_SYS64)
		insn_valid = arch_guest_insn(v, &insn);
	v->injected = false;
	c0 = arch_cycles();
	cont = level ? nested_handle_exit(v, type) : handle_exit_l0(v, type);
	cost = (uint32_t)(arch_cycles() - c0); /* a 32-bit event counter may wrap */
	trace_exit_level(v, pc, cls, insn, insn_valid, cost,
			 v->injected ? TRACE_EXIT_INJECTED : TRACE_EXIT_HANDLED, level);
	if (level == TRACE_EXIT_L2)
		nested_trace_exit(v, cls, esr, pc, cost);
	return cont;
}

static bool traced_exit(struct vcpu *v, unsigned type)
{
	if (unlikely(vcpu_nested(v)))
		return traced_exit_at(v, type, v->nv.in_l2 ? TRACE_EXIT_L2 : TRACE_EXIT_L1);
	return traced_exit_at(v, type, 0);
}

/* An exit of a vCPU whose VM a debugger attached: catchpoints and steps. */
static bool debugged_exit(struct vcpu *v, unsigned type)
{
	unsigned cls = exit_class_of(type, v->fault.esr);
	uint64_t pc = v->regs.pc;
	bool cont;

	gdb_exit_pre(v, cls);
	v->injected = false;
	cont = trace_on ? traced_exit(v, type) : handle_exit(v, type);
	return gdb_exit_post(v, cls, pc, cont);
}

static void vcpu_run(struct percpu *pc, struct vcpu *v)
{
	/* The time in, for the trace only (trace_on is set at boot). */
	uint64_t t_in = 0;
	/* sched_pick() left the queue's next event fresh: programmed at the
	 * first entry, then again whenever it changes. */
	bool cont, changed, first = true;

	/* Tested here: the reason and the time are not worked out for nothing. */
	if (trace_on) {
		t_in = arch_counter();
		if (v->blocked_at)
			trace_sched(TRACE_WFI_WAKE, v, t_in - v->blocked_at, v->wake_reason);
		trace_sched(TRACE_SCHED_IN, v, 0, TRACE_SCHED_START);
	}
	v->blocked_at = 0;
	timer_vcpu_load(v);
	arch_vcpu_load(v);
	timer_vcpu_loaded(v);
	if (unlikely(vcpu_nested(v)))
		nested_vcpu_in(v);
	do {
		uint64_t t_exit;
		unsigned type;
		/* Read once: both SDEI checks below see the same answer. */
		bool sdei = READ_ONCE(v->vm->sdei.nr_registered);

		uint64_t now = arch_counter();
		uint64_t next = sched_next_event_cached(&pc->rq, now, &changed);

		changed |= first;
		first = false;

		/* The emulated physical timer of the running vCPU: an EL2 timer
		 * event when its line is due to rise. */
		if (unlikely(v->timer.phys.ctl & CNT_CTL_ENABLE)) {
			uint64_t due = timer_ptimer_due(v);

			if (due && due < next) {
				next = due;
				changed = true;
			}
		}
		/* A VM with SDEI handlers may be poked from the host while it
		 * spins without exits: look at the control block every 10 ms. */
		if (unlikely(sdei)) {
			uint64_t poll = now + arch_counter_freq() / HOST_POLL_HZ;

			if (poll < next) {
				next = poll;
				changed = true;
			}
		}
		if (changed)
			arch_timer_set(next);
		host_requests_poll();
		/* SDEI: a pending event's handler is entered now, after the
		 * last exit's PC advance, before the interrupts are flushed. */
		if (unlikely(sdei) && sdei_dispatch(v) &&
		    unlikely(READ_ONCE(v->gdb.active)) && !gdb_sdei_dispatched(v))
			break; /* catch sdei: held at the handler's entry */
		arch_vgic_flush(v);
		if (trace_on)
			trace_entry(v);
		/* Moved on by every exit the fast path handles (handle_exit_fast). */
		v->entered_at = arch_counter();
		type = arch_vcpu_enter(v);
		arch_vgic_fold(v);
		/* A yield the exit vector answered, counted, timed and traced
		 * (handle_exit_fast): the CPU goes to the vCPU sched_yield_cpu()
		 * picked (or to a pick of its own when a reschedule was asked
		 * for). The timers' lines stay as this vCPU's last full
		 * exit left them, as after every exit the fast path answers,
		 * until its next load samples them (timer_vcpu_loaded). */
		if (type & EXIT_TYPE_HANDLED)
			break;
		/* After the fold, which the guest's time then includes: a yield
		 * the fast path answered has no use for it. */
		t_exit = arch_counter();
		/* The timers' lines as their outputs are now, before the exit
		 * is handled (a GICR_ISPENDR0 read, a WFI, ...). */
		timer_sync(v, t_exit);
		v->stat->guest_ticks += t_exit - v->entered_at;
		if (unlikely(READ_ONCE(v->gdb.active)))
			cont = debugged_exit(v, type);
		else
			cont = trace_on ? traced_exit(v, type) : handle_exit(v, type);
		v->stat->hyp_ticks += arch_counter() - t_exit;
	} while (cont && keep_running(pc, v));
	arch_vcpu_put(v); /* its virtual timer stopped too; a blocked vCPU's deadline is in wake_at */
	if (trace_on)
		trace_sched(TRACE_SCHED_OUT, v, arch_counter() - t_in, sched_out_reason(v));
}

__noreturn void cpu_run_loop(void)
{
	struct percpu *pc = this_cpu();
	struct vcpu *v = NULL; /* the vCPU the last turn ran, if any */

	for (;;) {
		/* Only a debugger holds vCPUs (gdb_enabled): the one it holds
		 * that just left this CPU is parked, then the FP/SIMD registers
		 * of one it holds go to memory. One test when there is none. */
		if (unlikely(gdb_enabled)) {
			if (v && READ_ONCE(v->gdb.hold))
				gdb_vcpu_parked(v);
			gdb_cpu_idle();
		}
		v = sched_pick(&pc->rq, arch_counter());
		if (!v) {
			arch_timer_set(sched_next_event(&pc->rq, arch_counter()));
			arch_idle();
			if (arch_handle_irqs() & IRQ_EV_TICK)
				sched_tick(&pc->rq, arch_counter());
			hypstat->heartbeat++;
			host_requests_poll();
			continue;
		}
		if (!vcpu_claim(v, pc->id)) {
			v = NULL;
			continue;
		}
		vcpu_run(pc, v);
		vcpu_unclaim(v);
	}
}

/* The vGIC debug dump of one vCPU: counters, and its LRs as last read back. */
static void print_vgic(const char *name, unsigned vcpu, const struct hypstat_vcpu *sv)
{
	char line[240];
	int n = fmt_snprintf(line, sizeof(line), "%s vcpu%u vgic: %llu flushes, %llu overflows,",
			     name, vcpu, (unsigned long long)sv->vgic_flushes,
			     (unsigned long long)sv->vgic_overflows);

	n += fmt_snprintf(line + n, sizeof(line) - n, " maintenance");
	for (unsigned c = 0; c < ICH_MISR_NR_CAUSES && n < (int)sizeof(line); c++)
		n += fmt_snprintf(line + n, sizeof(line) - n, " %s=%llu", ich_misr_cause_name(c),
				  (unsigned long long)sv->vgic_maint[c]);
	hyp_log("%s", line);
	n = fmt_snprintf(line, sizeof(line), "%s vcpu%u LRs:", name, vcpu);
	for (unsigned i = 0; i < sv->vgic_nr_lrs && i < 16 && n < (int)sizeof(line); i++) {
		struct ich_lr lr;

		ich_lr_decode(sv->vgic_lr[i], &lr);
		if (lr.state == ICH_LR_STATE_INVALID)
			n += fmt_snprintf(line + n, sizeof(line) - n, " [%u: -]", i);
		else if (lr.hw)
			n += fmt_snprintf(line + n, sizeof(line) - n, " [%u: %s v%u p%u pri 0x%x]", i,
					  ich_lr_state_str(lr.state), lr.vintid, lr.pintid,
					  lr.priority);
		else
			n += fmt_snprintf(line + n, sizeof(line) - n, " [%u: %s v%u pri 0x%x%s]", i,
					  ich_lr_state_str(lr.state), lr.vintid, lr.priority,
					  lr.eoi ? " eoi" : "");
	}
	hyp_log("%s", line);
}

static void print_summary(void)
{
	hyp_log("all VMs ended: %llu created, VMID generation %llu, %llu rollovers",
		(unsigned long long)hypstat->vms_created,
		(unsigned long long)vmid_generation_number(&vmids),
		(unsigned long long)vmids.rollovers);
	for (unsigned i = 0; i < hypcfg->nr_vms; i++) {
		const struct hypstat_vm *st = &hypstat->vms[i];

		for (unsigned c = 0; c < st->nr_vcpus; c++) {
			const struct hypstat_vcpu *sv = &st->vcpus[c];
			char line[200];
			int n = fmt_snprintf(line, sizeof(line), "%s vcpu%u exits:", hypcfg->vms[i].name,
					     c);

			for (unsigned cls = 0; cls < HYP_EXIT_CLASSES && n < (int)sizeof(line); cls++)
				if (sv->exits[cls])
					n += fmt_snprintf(line + n, sizeof(line) - n, " %s=%llu",
							  exit_class_name(cls),
							  (unsigned long long)sv->exits[cls]);
			hyp_log("%s", line);
			if (sv->vgic_flushes)
				print_vgic(hypcfg->vms[i].name, c, sv);
		}
	}
}

__noreturn void hyp_shutdown(void)
{
	hypstat->vmid_generation = vmid_generation_number(&vmids);
	hypstat->vmid_rollovers = vmids.rollovers;
	print_summary();
	hypstat->state = HYPSTAT_DONE;
	arch_system_off();
}
