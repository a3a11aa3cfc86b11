/*
 * The pick's pass over a run queue, and what keeps the queue's masks (every
 * change of a run state goes through set_run()): inline, for sched.c and for
 * the yield that the exit fast path answers (hyp/include/exit_fast.h), which
 * then calls nothing and needs no stack frame.
 */
#ifndef HYP_SCHED_PICK_H
#define HYP_SCHED_PICK_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/trace.h"
#include "hyp/include/sched.h"
#include "hyp/include/vm.h"

/* v's bit in the queue's slot masks; none if v is not attached to it. */
static inline uint32_t slot_bit(const struct runqueue *rq, const struct vcpu *v)
{
	return rq->vcpus[v->rq_slot] == v ? 1u << v->rq_slot : 0;
}

/* The masks' bits of one slot, from its vCPU's run state and deadline. */
static inline void masks_update(struct runqueue *rq, uint32_t bit, const struct vcpu *v)
{
	rq->runnable = v->run == VCPU_RUNNABLE ? rq->runnable | bit : rq->runnable & ~bit;
	rq->timed = v->run == VCPU_BLOCKED && v->wake_at ? rq->timed | bit : rq->timed & ~bit;
}

/*
 * The one way a vCPU's run state changes (under the queue's lock): its
 * deadline with it, and the queue's masks of runnable and timed slots.
 */
static inline void set_run(struct runqueue *rq, struct vcpu *v, enum vcpu_run_state run,
			   uint64_t wake_at)
{
	v->run = run;
	v->wake_at = wake_at;
	masks_update(rq, slot_bit(rq, v), v);
}

/* A blocked vCPU whose deadline passed: runnable again, woken by its timer. */
static inline void wake_at_deadline(struct runqueue *rq, struct vcpu *v)
{
	set_run(rq, v, VCPU_RUNNABLE, 0);
	v->wake_reason = TRACE_SCHED_TIMER;
}

/* What one pass over the queue found: the vCPU to run, and the next event. */
struct pick {
	struct vcpu *next;
	unsigned slot;   /* next's */
	uint64_t event;  /* the earliest deadline of a vCPU still blocked */
	bool others;     /* another vCPU runnable besides next */
};

/*
 * One look at the queue's masks, under its lock: blocked vCPUs whose
 * deadline passed are woken, the others' deadlines make the next event (as
 * next_event_locked() would for the new current), and the first runnable
 * vCPU after the last pick but those in the mask skip is picked, round robin.
 * true when it picked one (p->next): a test the compiler folds into the
 * loop's exits, where a test of the pointer would be one more.
 */
static inline __attribute__((always_inline)) bool pick_pass(struct runqueue *rq, uint64_t now,
							    uint32_t skip, struct pick *p)
{
	bool found = false;
	uint32_t cand;

	p->next = NULL;
	p->slot = rq->cursor;
	p->event = SCHED_NO_EVENT;
	for (uint32_t m = rq->timed; m; m &= m - 1) {
		struct vcpu *v = rq->vcpus[__builtin_ctz(m)];

		if (now < v->wake_at) {
			if (v->wake_at < p->event)
				p->event = v->wake_at;
			continue;
		}
		wake_at_deadline(rq, v);
	}
	cand = rq->runnable & ~skip;
	while (cand) {
		/* The slots after the cursor first, then from 0. */
		uint32_t after = cand & (~1u << rq->cursor);
		unsigned i = (unsigned)__builtin_ctz(after ? after : cand);
		struct vcpu *v = rq->vcpus[i];

		if (!READ_ONCE(v->gdb.hold)) {
			p->next = v;
			p->slot = i;
			found = true;
			break;
		}
		cand &= ~(1u << i);
	}
	/* Another runnable vCPU besides next (self included): only
	 * pick_commit() reads it, and only with a next. */
	p->others = (rq->runnable & ~(1u << p->slot)) != 0;
	return found;
}

/*
 * The pass's vCPU (found: pick_pass()'s answer) becomes the queue's current,
 * its slice starting now. need_resched is the caller's: it is answered.
 */
static inline __attribute__((always_inline)) void pick_commit(struct runqueue *rq,
							       const struct pick *p, bool found,
							       uint64_t now)
{
	uint64_t event = p->event;

	if (found)
		rq->cursor = p->slot;
	rq->switches += p->next != rq->current;
	rq->current = p->next;
	rq->slice_end = now + rq->slice;
	/* Time slicing only matters when someone else waits for the CPU. */
	if (found && p->others && rq->slice_end < event)
		event = rq->slice_end;
	rq->next_event = event;
	/* With no vCPU picked the idle CPU asks sched_next_event() again. */
	rq->event_stale = !found;
}

/*
 * The running vCPU self yields (HYPSCOPE_HVC_YIELD): true when it gives the
 * CPU away. The vCPU to run instead is picked now, in the same pass that
 * finds one, as sched_pick() would pick it (self comes last), and the run
 * loop's next sched_pick() returns it without a pass; or a reschedule was
 * asked for, and that sched_pick() makes it. false: nobody else waits for
 * the CPU, and self goes on.
 */
static inline __attribute__((always_inline)) bool
sched_yield_cpu(struct runqueue *rq, const struct vcpu *self, uint64_t now)
{
	struct pick p;
	bool found;

	spin_lock(&rq->lock);
	/* A reschedule was asked for (by a debugger): the run loop does what
	 * it asks before its own pick. */
	if (rq->need_resched) {
		spin_unlock(&rq->lock);
		return true;
	}
	/* self runs on this CPU: it is attached here, in its slot. */
	found = pick_pass(rq, now, 1u << self->rq_slot, &p);
	if (found) {
		/* self, if runnable, is among the others: the slice counts;
		 * need_resched was clear, as the commit leaves it. */
		pick_commit(rq, &p, found, now);
		rq->yield_next = p.next;
	} else {
		/* Nobody to give the CPU to: self goes on, its slice as it
		 * was; what the pass woke makes the next event stale. */
		rq->event_stale = true;
	}
	spin_unlock(&rq->lock);
	return found;
}

#endif
