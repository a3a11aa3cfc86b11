/*
 * Per physical CPU run queues. Every vCPU is pinned to one physical CPU when
 * its VM is created (the least loaded one), so a run queue is the fixed set
 * of vCPUs pinned there; picking is round robin over the runnable ones. A
 * vCPU blocked in WFI carries a wake-up deadline (its timer); the queue's
 * next event is what the EL2 timer is programmed with.
 */
#ifndef HYP_SCHED_H
#define HYP_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/hypcfg.h"
#include "hyp/include/compiler.h"
#include "hyp/include/spinlock.h"

struct vcpu;

#define RQ_MAX_VCPUS (HYPCFG_MAX_VMS * HYPCFG_MAX_VCPUS)
#define SCHED_NO_EVENT UINT64_MAX

_Static_assert(RQ_MAX_VCPUS <= 32, "a run queue's slot masks are 32 bits");

struct runqueue {
	spinlock_t lock;
	struct vcpu *vcpus[RQ_MAX_VCPUS];
	unsigned nr;
	unsigned top;          /* every slot in use is below it: the loops stop there */
	unsigned cursor;       /* index of the vCPU picked last */
	/* Slots, a bit each, kept by every change of a run state (sched.c's
	 * set_run()): RUNNABLE vCPUs, and BLOCKED ones with a deadline. */
	uint32_t runnable;
	uint32_t timed;
	struct vcpu *current;  /* between load and put on this CPU */
	struct vcpu *yield_next; /* sched_yield_cpu()'s pick, for the next sched_pick() */
	bool need_resched;
	uint64_t slice;        /* counter ticks a vCPU may run while others wait */
	uint64_t slice_end;
	uint64_t switches;
	bool event_stale;      /* a change since next_event was computed */
	uint64_t next_event;
};

void rq_init(struct runqueue *rq, uint64_t slice);
int rq_attach(struct runqueue *rq, struct vcpu *v);
void rq_detach(struct runqueue *rq, struct vcpu *v);

/* The pass of sched_pick() under the queue's lock (sched.c). */
struct vcpu *sched_pick_pass(struct runqueue *rq, uint64_t now);
/*
 * The next vCPU to run (round robin), waking blocked ones whose deadline
 * passed. A vCPU sched_yield_cpu() picked is taken as it is, that pick
 * being this one, and without the lock: only this CPU sets yield_next
 * (its yields) and reads it here; another CPU only clears it, under the
 * lock (rq_detach()), which is as if it came just after this read, as it
 * could after sched_pick()'s unlock: vcpu_claim() then refuses the vCPU of
 * the VM that ended. A reschedule asked for since is answered by this pick,
 * as by the pass. Inline: the switch after every yield comes here.
 */
static inline struct vcpu *sched_pick(struct runqueue *rq, uint64_t now)
{
	/* Single accesses, at their offsets from rq: no address of their own
	 * that the run loop would keep, or spill, across its turns. */
	struct vcpu *v = READ_ONCE(rq->yield_next);

	if (!v)
		return sched_pick_pass(rq, now);
	WRITE_ONCE(rq->yield_next, NULL);
	WRITE_ONCE(rq->need_resched, false);
	return v;
}
/* The running vCPU yields: sched_yield_cpu(), inline in sched_pick.h. */
/* Power on (RUNNABLE) or wake (BLOCKED -> RUNNABLE); true when the state changed. */
bool sched_make_runnable(struct runqueue *rq, struct vcpu *v);
/*
 * A blocked vCPU becomes runnable (an interrupt for it); true when it was
 * blocked. Each way out of BLOCKED sets vcpu.wake_reason: TRACE_SCHED_IRQ
 * here, TRACE_SCHED_TIMER when the deadline passes, TRACE_SCHED_OTHER else.
 */
bool sched_wake(struct runqueue *rq, struct vcpu *v);
/* WFI: block the vCPU until deadline (0 = none) or a wake-up. */
void sched_block(struct runqueue *rq, struct vcpu *v, uint64_t deadline);
void sched_stop(struct runqueue *rq, struct vcpu *v);
/* A vCPU the debugger held (vcpu->gdb.hold, never picked) may run again;
 * the caller kicks its CPU. */
void sched_release(struct runqueue *rq, struct vcpu *v);
/* The running vCPU gives its CPU up at its next exit (the caller kicks). */
void sched_force_resched(struct runqueue *rq);
/* Another vCPU is runnable here: WFE and yield give the CPU away. */
bool sched_others_runnable(struct runqueue *rq, const struct vcpu *self, uint64_t now);
/* vCPUs here that are runnable (or whose deadline passed), the running one included. */
unsigned sched_nr_runnable(struct runqueue *rq, uint64_t now);
/* On a tick: whether the running vCPU must give the CPU up. */
bool sched_tick(struct runqueue *rq, uint64_t now);
/* When the EL2 timer must fire next: a blocked vCPU's deadline or the slice end. */
uint64_t sched_next_event(struct runqueue *rq, uint64_t now);
/*
 * The same, recomputed only when the queue changed since the last call
 * (anything that changes it marks it stale under the lock, and a change from
 * another CPU is followed by a kick). *changed says whether it was recomputed.
 */
static inline uint64_t sched_next_event_cached(struct runqueue *rq, uint64_t now, bool *changed)
{
	/* Relaxed peek: a change made on another CPU comes with a kick, and
	 * the exit it causes brings us back here. Inline: the run loop's
	 * every entry asks, and the answer is mostly "unchanged". A single
	 * access at its offset from rq (READ_ONCE), so that the run loop
	 * keeps no register for the flag's address. */
	*changed = READ_ONCE(rq->event_stale);
	return *changed ? sched_next_event(rq, now) : rq->next_event;
}
unsigned sched_load(const struct runqueue *rq);

#endif
