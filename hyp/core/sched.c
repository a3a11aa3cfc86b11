/*
 * The per-CPU run queues (hyp/include/sched.h). Every change of a vCPU's
 * run state happens here, under its queue's lock; a blocked vCPU's way out
 * is noted in wake_reason for the trace.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

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

void rq_init(struct runqueue *rq, uint64_t slice)
{
	memset(rq, 0, sizeof(*rq));
	rq->slice = slice;
	rq->cursor = RQ_MAX_VCPUS - 1;
	rq->event_stale = true;
}

int rq_attach(struct runqueue *rq, struct vcpu *v)
{
	spin_lock(&rq->lock);
	rq->event_stale = true;
	for (unsigned i = 0; i < RQ_MAX_VCPUS; i++) {
		if (!rq->vcpus[i]) {
			rq->vcpus[i] = v;
			v->rq_slot = (uint8_t)i;
			masks_update(rq, 1u << i, v);
			rq->nr++;
			if (i >= rq->top)
				rq->top = i + 1;
			spin_unlock(&rq->lock);
			return 0;
		}
	}
	spin_unlock(&rq->lock);
	return -ENOSPC;
}

void rq_detach(struct runqueue *rq, struct vcpu *v)
{
	spin_lock(&rq->lock);
	rq->event_stale = true;
	for (unsigned i = 0; i < RQ_MAX_VCPUS; i++) {
		if (rq->vcpus[i] == v) {
			rq->vcpus[i] = NULL;
			rq->runnable &= ~(1u << i);
			rq->timed &= ~(1u << i);
			rq->nr--;
		}
	}
	if (rq->yield_next == v)
		rq->yield_next = NULL;
	while (rq->top && !rq->vcpus[rq->top - 1])
		rq->top--;
	if (rq->current == v)
		rq->current = NULL;
	spin_unlock(&rq->lock);
}

unsigned sched_load(const struct runqueue *rq)
{
	return READ_ONCE(rq->nr);
}

static bool vcpu_deadline_passed(const struct vcpu *v, uint64_t now)
{
	return v->run == VCPU_BLOCKED && v->wake_at && now >= v->wake_at;
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
 */
static inline __attribute__((always_inline)) void pick_pass(struct runqueue *rq, uint64_t now,
							    uint32_t skip, struct pick *p)
{
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
			break;
		}
		cand &= ~(1u << i);
	}
	/* Another runnable vCPU besides next (self included): only
	 * pick_commit() reads it, and only with a next. */
	p->others = (rq->runnable & ~(1u << p->slot)) != 0;
}

/* The pass's vCPU becomes the queue's current, its slice starting now. */
static inline __attribute__((always_inline)) void pick_commit(struct runqueue *rq,
							       const struct pick *p, uint64_t now)
{
	uint64_t event = p->event;

	if (p->next)
		rq->cursor = p->slot;
	rq->switches += p->next != rq->current;
	rq->current = p->next;
	rq->need_resched = false;
	rq->slice_end = now + rq->slice;
	/* Time slicing only matters when someone else waits for the CPU. */
	if (p->next && p->others && rq->slice_end < event)
		event = rq->slice_end;
	rq->next_event = event;
	/* With no vCPU picked the idle CPU asks sched_next_event() again. */
	rq->event_stale = !p->next;
}

/*
 * The run loop programs the EL2 timer with the next event the pick leaves
 * at the new current's first entry, without taking the lock again.
 */
struct vcpu *sched_pick_pass(struct runqueue *rq, uint64_t now)
{
	struct pick p;

	spin_lock(&rq->lock);
	pick_pass(rq, now, 0, &p);
	pick_commit(rq, &p, now);
	spin_unlock(&rq->lock);
	return p.next;
}

bool sched_yield_cpu(struct runqueue *rq, const struct vcpu *self, uint64_t now)
{
	struct pick p;

	spin_lock(&rq->lock);
	/* A reschedule was asked for (by a debugger): the run loop does what
	 * it asks before its own pick. */
	if (rq->need_resched) {
		spin_unlock(&rq->lock);
		return true;
	}
	/* self runs on this CPU: it is attached here, in its slot. */
	pick_pass(rq, now, 1u << self->rq_slot, &p);
	if (p.next) {
		/* self, if runnable, is among the others: the slice counts. */
		pick_commit(rq, &p, now);
		rq->yield_next = p.next;
	} else {
		/* Nobody to give the CPU to: self goes on, its slice as it
		 * was; what the pass woke makes the next event stale. */
		rq->event_stale = true;
	}
	spin_unlock(&rq->lock);
	return p.next != NULL;
}

bool sched_make_runnable(struct runqueue *rq, struct vcpu *v)
{
	bool changed;

	spin_lock(&rq->lock);
	rq->event_stale = true;
	changed = v->run != VCPU_RUNNABLE;
	if (v->run == VCPU_BLOCKED)
		v->wake_reason = TRACE_SCHED_OTHER;
	set_run(rq, v, VCPU_RUNNABLE, 0);
	/* A vCPU that became runnable while its CPU idles or runs another
	 * vCPU is picked at the next reschedule; the caller kicks the CPU. */
	if (changed && !rq->current)
		rq->need_resched = true; /* never clears one a tick set */
	spin_unlock(&rq->lock);
	return changed;
}

bool sched_wake(struct runqueue *rq, struct vcpu *v)
{
	bool woken;

	spin_lock(&rq->lock);
	rq->event_stale = true;
	woken = v->run == VCPU_BLOCKED;
	if (woken) {
		set_run(rq, v, VCPU_RUNNABLE, 0);
		v->wake_reason = TRACE_SCHED_IRQ;
		if (!rq->current)
			rq->need_resched = true;
	}
	spin_unlock(&rq->lock);
	return woken;
}

void sched_block(struct runqueue *rq, struct vcpu *v, uint64_t deadline)
{
	spin_lock(&rq->lock);
	rq->event_stale = true;
	if (v->run == VCPU_RUNNABLE) {
		set_run(rq, v, VCPU_BLOCKED, deadline);
		v->wake_reason = TRACE_SCHED_OTHER; /* until something wakes it */
	}
	spin_unlock(&rq->lock);
}

void sched_release(struct runqueue *rq, struct vcpu *v)
{
	spin_lock(&rq->lock);
	rq->event_stale = true;
	if (v->run == VCPU_RUNNABLE && !rq->current)
		rq->need_resched = true;
	spin_unlock(&rq->lock);
}

void sched_force_resched(struct runqueue *rq)
{
	spin_lock(&rq->lock);
	rq->need_resched = true;
	spin_unlock(&rq->lock);
}

void sched_stop(struct runqueue *rq, struct vcpu *v)
{
	spin_lock(&rq->lock);
	rq->event_stale = true;
	set_run(rq, v, VCPU_STOPPED, 0);
	spin_unlock(&rq->lock);
}

bool sched_others_runnable(struct runqueue *rq, const struct vcpu *self, uint64_t now)
{
	bool found = false;

	spin_lock(&rq->lock);
	for (unsigned i = 0; i < rq->top && !found; i++) {
		struct vcpu *v = rq->vcpus[i];

		if (!v || v == self)
			continue;
		found = (v->run == VCPU_RUNNABLE || vcpu_deadline_passed(v, now)) &&
			!READ_ONCE(v->gdb.hold);
	}
	spin_unlock(&rq->lock);
	return found;
}

unsigned sched_nr_runnable(struct runqueue *rq, uint64_t now)
{
	unsigned n = 0;

	spin_lock(&rq->lock);
	for (unsigned i = 0; i < rq->top; i++) {
		struct vcpu *v = rq->vcpus[i];

		if (v && (v->run == VCPU_RUNNABLE || vcpu_deadline_passed(v, now)))
			n++;
	}
	spin_unlock(&rq->lock);
	return n;
}

bool sched_tick(struct runqueue *rq, uint64_t now)
{
	bool others = false;

	spin_lock(&rq->lock);
	rq->event_stale = true;
	for (unsigned i = 0; i < rq->top; i++) {
		struct vcpu *v = rq->vcpus[i];

		if (!v || v == rq->current)
			continue;
		if (vcpu_deadline_passed(v, now))
			wake_at_deadline(rq, v);
		if (v->run == VCPU_RUNNABLE)
			others = true;
	}
	if (others && (now >= rq->slice_end || !rq->current))
		rq->need_resched = true;
	spin_unlock(&rq->lock);
	return rq->need_resched;
}

static uint64_t next_event_locked(struct runqueue *rq, uint64_t now)
{
	uint64_t next = SCHED_NO_EVENT;
	bool others = false;

	for (unsigned i = 0; i < rq->top; i++) {
		struct vcpu *v = rq->vcpus[i];

		if (!v || v == rq->current)
			continue;
		if (v->run == VCPU_BLOCKED && v->wake_at && v->wake_at < next)
			next = v->wake_at;
		if (v->run == VCPU_RUNNABLE)
			others = true;
	}
	/* Time slicing only matters when someone else waits for the CPU. */
	if (others && rq->current) {
		uint64_t end = rq->slice_end > now ? rq->slice_end : now;

		if (end < next)
			next = end;
	}
	rq->next_event = next;
	rq->event_stale = false;
	return next;
}

uint64_t sched_next_event(struct runqueue *rq, uint64_t now)
{
	uint64_t next;

	spin_lock(&rq->lock);
	next = next_event_locked(rq, now);
	spin_unlock(&rq->lock);
	return next;
}
