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
#include "hyp/include/sched_pick.h"
#include "hyp/include/vm.h"

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

/*
 * The run loop programs the EL2 timer with the next event the pick leaves
 * at the new current's first entry, without taking the lock again.
 */
struct vcpu *sched_pick_pass(struct runqueue *rq, uint64_t now)
{
	struct pick p;
	bool found;

	spin_lock(&rq->lock);
	found = pick_pass(rq, now, 0, &p);
	pick_commit(rq, &p, found, now);
	rq->need_resched = false;
	spin_unlock(&rq->lock);
	return p.next;
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
