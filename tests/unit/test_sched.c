/*
 * hyp/core/sched.c: per-CPU run queues. Round-robin picking over runnable
 * vCPUs, WFI wake-ups when the counter reaches a deadline or an interrupt
 * arrives, the time slice (only enforced when someone else waits), and the
 * EL2 timer's next event, computed again only when the queue changed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/trace.h"
#include "hyp/arch/fake/fake.h"
#include "hyp/include/arch.h"
#include "hyp/include/sched.h"
#include "hyp/include/sched_pick.h"
#include "hyp/include/vm.h"

#define SLICE 1000u
#define NR 4u

static struct runqueue rq;
static struct vcpu vc[RQ_MAX_VCPUS + 1];

/* vc[0..NR) attached and runnable; the counter at 1000. */
static int setup(void **state)
{
	(void)state;
	fake_reset();
	memset(vc, 0, sizeof(vc));
	rq_init(&rq, SLICE);
	for (unsigned i = 0; i < RQ_MAX_VCPUS + 1; i++)
		vc[i].id = i;
	for (unsigned i = 0; i < NR; i++) {
		vc[i].run = VCPU_RUNNABLE;
		assert_int_equal(rq_attach(&rq, &vc[i]), 0);
	}
	return 0;
}

static struct vcpu *pick(void)
{
	return sched_pick(&rq, arch_counter());
}

static void test_pick_is_round_robin_over_runnable_vcpus(void **state)
{
	(void)state;
	for (unsigned round = 0; round < 3; round++)
		for (unsigned i = 0; i < NR; i++)
			assert_ptr_equal(pick(), &vc[i]);
}

static void test_pick_skips_blocked_and_stopped_vcpus(void **state)
{
	(void)state;
	sched_block(&rq, &vc[1], 0);
	sched_stop(&rq, &vc[2]);
	for (unsigned round = 0; round < 3; round++) {
		assert_ptr_equal(pick(), &vc[0]);
		assert_ptr_equal(pick(), &vc[3]);
	}
}

static void test_only_runnable_vcpu_is_picked_again(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	assert_ptr_equal(pick(), &vc[0]);
	assert_ptr_equal(pick(), &vc[0]);
	assert_ptr_equal(rq.current, &vc[0]);
}

static void test_stopped_vcpu_is_never_picked(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR; i++)
		sched_stop(&rq, &vc[i]);
	/* Even with a stale deadline: only BLOCKED vCPUs wake on time. */
	vc[2].wake_at = 5;
	fake.counter = 1000000;
	for (unsigned i = 0; i < 2 * NR; i++)
		assert_null(pick());
	for (unsigned i = 0; i < NR; i++)
		assert_int_equal(vc[i].run, VCPU_STOPPED);
	assert_null(rq.current);
}

static void test_blocked_vcpu_wakes_when_counter_reaches_wake_at(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_stop(&rq, &vc[i]);
	sched_block(&rq, &vc[0], 2000);
	assert_int_equal(vc[0].run, VCPU_BLOCKED);
	assert_int_equal(vc[0].wake_at, 2000);

	fake.counter = 1999;
	assert_null(pick());
	assert_int_equal(vc[0].run, VCPU_BLOCKED);
	fake.counter = 2000;
	assert_ptr_equal(pick(), &vc[0]);
	assert_int_equal(vc[0].run, VCPU_RUNNABLE);
	assert_int_equal(vc[0].wake_at, 0);
}

static void test_blocked_vcpu_without_deadline_waits_for_a_wakeup(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_stop(&rq, &vc[i]);
	sched_block(&rq, &vc[0], 0);
	fake.counter = UINT64_MAX - 1;
	assert_null(pick());
	assert_true(sched_make_runnable(&rq, &vc[0]));
	assert_ptr_equal(pick(), &vc[0]);
}

static void test_block_only_applies_to_a_runnable_vcpu(void **state)
{
	(void)state;
	sched_stop(&rq, &vc[1]);
	sched_block(&rq, &vc[1], 1500);
	assert_int_equal(vc[1].run, VCPU_STOPPED);
	assert_int_equal(vc[1].wake_at, 0);
	/* A second block does not move an existing deadline. */
	sched_block(&rq, &vc[2], 1500);
	sched_block(&rq, &vc[2], 9000);
	assert_int_equal(vc[2].wake_at, 1500);
}

static void test_make_runnable_reports_whether_state_changed(void **state)
{
	(void)state;
	assert_false(sched_make_runnable(&rq, &vc[0]));
	sched_block(&rq, &vc[1], 5000);
	assert_true(sched_make_runnable(&rq, &vc[1]));
	assert_int_equal(vc[1].run, VCPU_RUNNABLE);
	assert_int_equal(vc[1].wake_at, 0);
	sched_stop(&rq, &vc[2]);
	assert_true(sched_make_runnable(&rq, &vc[2]));
	assert_false(sched_make_runnable(&rq, &vc[2]));
}

static void test_wakeup_on_an_idle_cpu_requests_a_reschedule(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	assert_null(pick());
	assert_false(rq.need_resched);
	assert_true(sched_make_runnable(&rq, &vc[2]));
	assert_true(rq.need_resched);
}

static void test_wakeup_while_another_vcpu_runs_does_not_preempt_it(void **state)
{
	(void)state;
	sched_block(&rq, &vc[1], 0);
	assert_ptr_equal(pick(), &vc[0]);
	assert_true(sched_make_runnable(&rq, &vc[1]));
	/* The slice decides, at the next tick. */
	assert_false(rq.need_resched);
}

/*
 * Waking a vCPU while another runs must not clear a reschedule that
 * sched_tick() requested because the running vCPU's slice was over. */
static void test_wakeup_keeps_a_pending_reschedule(void **state)
{
	(void)state;
	sched_block(&rq, &vc[2], 0);
	sched_block(&rq, &vc[3], 0);
	assert_ptr_equal(pick(), &vc[0]); /* slice ends at 1000 + SLICE */
	assert_true(sched_tick(&rq, 1000 + SLICE));
	assert_true(sched_make_runnable(&rq, &vc[2]));
	assert_true(rq.need_resched);
	/* The same through an interrupt's wake-up. */
	assert_true(sched_tick(&rq, 1000 + SLICE));
	assert_true(sched_wake(&rq, &vc[3]));
	assert_true(rq.need_resched);
}

static void test_wake_makes_only_a_blocked_vcpu_runnable(void **state)
{
	(void)state;
	sched_block(&rq, &vc[1], 5000);
	assert_true(sched_wake(&rq, &vc[1]));
	assert_int_equal(vc[1].run, VCPU_RUNNABLE);
	assert_int_equal(vc[1].wake_at, 0);
	assert_false(sched_wake(&rq, &vc[1]));
	/* An interrupt for a vCPU that is off does not power it on. */
	sched_stop(&rq, &vc[2]);
	assert_false(sched_wake(&rq, &vc[2]));
	assert_int_equal(vc[2].run, VCPU_STOPPED);
}

static void test_wake_on_an_idle_cpu_requests_a_reschedule(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	assert_null(pick());
	assert_true(sched_wake(&rq, &vc[1]));
	assert_true(rq.need_resched);
}

static void test_cached_next_event_is_kept_until_the_queue_changes(void **state)
{
	bool changed = false;

	(void)state;
	sched_block(&rq, &vc[1], 0);
	sched_block(&rq, &vc[2], 0);
	sched_block(&rq, &vc[3], 3000);
	assert_ptr_equal(pick(), &vc[0]);
	/* The pick worked it out under its lock: nothing to compute again. */
	assert_int_equal(sched_next_event_cached(&rq, 1000, &changed), 3000);
	assert_false(changed);
	assert_int_equal(sched_next_event_cached(&rq, 1200, &changed), 3000);
	assert_false(changed);
	/* A change: recomputed, and the new answer. */
	sched_make_runnable(&rq, &vc[1]);
	assert_int_equal(sched_next_event_cached(&rq, 1200, &changed), 1000 + SLICE);
	assert_true(changed);
	assert_int_equal(sched_next_event_cached(&rq, 1300, &changed), 1000 + SLICE);
	assert_false(changed);
	/* The uncached query agrees and leaves nothing stale behind. */
	assert_int_equal(sched_next_event(&rq, 1300), 1000 + SLICE);
	sched_next_event_cached(&rq, 1300, &changed);
	assert_false(changed);
}

/* Every operation that can change the answer must invalidate the cache. */
static void test_every_queue_change_invalidates_the_cached_event(void **state)
{
	bool changed;
	unsigned step;

	(void)state;
	for (step = 0; step < 9; step++) {
		setup(NULL);
		sched_block(&rq, &vc[3], 4000);
		assert_ptr_equal(pick(), &vc[0]);
		sched_next_event_cached(&rq, 1000, &changed);
		sched_next_event_cached(&rq, 1000, &changed);
		assert_false(changed);
		switch (step) {
		case 0: sched_block(&rq, &vc[1], 2500); break;
		case 1: sched_stop(&rq, &vc[1]); break;
		case 2: sched_wake(&rq, &vc[3]); break;
		case 3: sched_make_runnable(&rq, &vc[3]); break;
		case 4: sched_tick(&rq, 4000); break;
		case 5: sched_release(&rq, &vc[1]); break;
		case 6: rq_detach(&rq, &vc[3]); break;
		case 7: assert_int_equal(rq_attach(&rq, &vc[NR]), 0); break;
		default: sched_block(&rq, &vc[0], 1500); break;
		}
		sched_next_event_cached(&rq, 1000, &changed);
		if (!changed)
			fail_msg("change %u left the cached event in place", step);
	}
}

/*
 * A pick leaves the queue's next event as next_event_locked() would work it
 * out for its pick: the earliest deadline of the blocked, the slice end when
 * another vCPU waits, none on an idle CPU (which asks again).
 */
static void test_pick_leaves_the_next_event_of_its_pick(void **state)
{
	bool changed;

	(void)state;
	for (unsigned step = 0; step < 6; step++) {
		struct vcpu *got;
		uint64_t cached;

		setup(NULL);
		switch (step) {
		case 0: break; /* all runnable: the slice end */
		case 1: /* alone, two deadlines: the earlier one */
			sched_block(&rq, &vc[1], 0);
			sched_block(&rq, &vc[2], 5000);
			sched_block(&rq, &vc[3], 4000);
			break;
		case 2: /* a deadline before the slice end */
			sched_block(&rq, &vc[3], 1500);
			break;
		case 3: /* a passed deadline wakes its vCPU: it waits, the slice counts */
			for (unsigned i = 1; i < NR; i++)
				sched_block(&rq, &vc[i], i == 2 ? 900 : 0);
			break;
		case 4: /* the other runnable one is held by a debugger: still waiting */
			sched_block(&rq, &vc[2], 0);
			sched_block(&rq, &vc[3], 0);
			vc[1].gdb.hold = true;
			break;
		default: /* nobody to run */
			for (unsigned i = 0; i < NR; i++)
				sched_block(&rq, &vc[i], 7000 + i);
			break;
		}
		got = pick();
		cached = sched_next_event_cached(&rq, 1000, &changed);
		if (step == 5) {
			assert_null(got);
			assert_true(changed); /* stale: the idle CPU asks again */
		} else {
			assert_non_null(got);
			if (changed)
				fail_msg("step %u: the pick left the next event stale", step);
		}
		rq.event_stale = true;
		assert_int_equal(cached, sched_next_event(&rq, 1000));
	}
}

static void test_pick_starts_a_new_slice(void **state)
{
	(void)state;
	rq.need_resched = true;
	fake.counter = 4242;
	assert_ptr_equal(pick(), &vc[0]);
	assert_false(rq.need_resched);
	assert_int_equal(rq.slice_end, 4242 + SLICE);
}

static void test_pick_counts_switches(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	pick();
	assert_int_equal(rq.switches, 1);
	pick(); /* vc[0] again: no switch */
	assert_int_equal(rq.switches, 1);
	sched_make_runnable(&rq, &vc[1]);
	pick();
	assert_int_equal(rq.switches, 2);
	sched_block(&rq, &vc[0], 0);
	sched_block(&rq, &vc[1], 0);
	assert_null(pick());
	assert_int_equal(rq.switches, 3);
}

static void test_tick_requests_reschedule_only_after_the_slice(void **state)
{
	(void)state;
	assert_ptr_equal(pick(), &vc[0]); /* at 1000: slice until 2000 */
	assert_false(sched_tick(&rq, 1999));
	assert_false(rq.need_resched);
	assert_true(sched_tick(&rq, 2000));
	assert_true(rq.need_resched);
}

static void test_tick_leaves_a_lone_vcpu_running_past_its_slice(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	assert_ptr_equal(pick(), &vc[0]);
	assert_false(sched_tick(&rq, 1000 + 100 * SLICE));
	/* A stopped vCPU waits for nothing either. */
	sched_stop(&rq, &vc[1]);
	assert_false(sched_tick(&rq, 1000 + 200 * SLICE));
}

static void test_tick_wakes_a_vcpu_whose_deadline_passed(void **state)
{
	(void)state;
	sched_block(&rq, &vc[1], 1500);
	sched_block(&rq, &vc[2], 0);
	sched_block(&rq, &vc[3], 0);
	assert_ptr_equal(pick(), &vc[0]); /* slice until 2000 */

	/* Woken, but vc[0]'s slice still runs. */
	assert_false(sched_tick(&rq, 1600));
	assert_int_equal(vc[1].run, VCPU_RUNNABLE);
	assert_int_equal(vc[1].wake_at, 0);
	assert_true(sched_tick(&rq, 2000));
	assert_ptr_equal(pick(), &vc[1]);
}

static void test_tick_on_an_idle_cpu_with_runnable_vcpus_reschedules(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	assert_null(pick());
	vc[3].run = VCPU_RUNNABLE; /* as if woken behind the scheduler's back */
	assert_true(sched_tick(&rq, 1001));
}

static void test_tick_ignores_the_current_vcpus_own_state(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	assert_ptr_equal(pick(), &vc[0]);
	/* The running vCPU blocks with a deadline: it is no "other". */
	sched_block(&rq, &vc[0], 1500);
	assert_false(sched_tick(&rq, 5000));
	assert_int_equal(vc[0].run, VCPU_BLOCKED);
}

static void test_others_runnable_excludes_self(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	assert_false(sched_others_runnable(&rq, &vc[0], 1000));
	assert_true(sched_others_runnable(&rq, &vc[1], 1000));
	sched_stop(&rq, &vc[2]);
	assert_false(sched_others_runnable(&rq, &vc[0], 1000));
	sched_make_runnable(&rq, &vc[3]);
	assert_true(sched_others_runnable(&rq, &vc[0], 1000));
}

static void test_others_runnable_counts_a_due_deadline(void **state)
{
	(void)state;
	sched_block(&rq, &vc[1], 0);
	sched_block(&rq, &vc[2], 3000);
	sched_block(&rq, &vc[3], 0);
	assert_false(sched_others_runnable(&rq, &vc[0], 2999));
	assert_true(sched_others_runnable(&rq, &vc[0], 3000));
	/* Asking does not wake it: that is the pick's or the tick's job. */
	assert_int_equal(vc[2].run, VCPU_BLOCKED);
}

/* A yield picks the next vCPU as the run loop's pick would, and that pick takes it. */
static void test_yield_picks_the_next_for_the_run_loops_pick(void **state)
{
	uint64_t switches;

	(void)state;
	assert_ptr_equal(pick(), &vc[0]);
	switches = rq.switches;
	assert_true(sched_yield_cpu(&rq, &vc[0], 1100));
	assert_ptr_equal(rq.current, &vc[1]);
	assert_int_equal(rq.switches, switches + 1);
	assert_int_equal(rq.slice_end, 1100 + SLICE); /* vc[0] still waits: sliced */
	assert_int_equal(rq.next_event, 1100 + SLICE);
	/* Taken as it is, even when the queue changed since: no second pass. */
	sched_block(&rq, &vc[2], 0);
	assert_ptr_equal(sched_pick(&rq, 1200), &vc[1]);
	assert_int_equal(rq.slice_end, 1100 + SLICE);
	/* Then round robin goes on after it, the yielder last. */
	assert_ptr_equal(pick(), &vc[3]);
	assert_ptr_equal(pick(), &vc[0]);
}

static void test_yield_alone_goes_on_with_its_slice(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_block(&rq, &vc[i], i == 2 ? 3000 : 0);
	assert_ptr_equal(pick(), &vc[0]);
	assert_false(sched_yield_cpu(&rq, &vc[0], 1500));
	assert_ptr_equal(rq.current, &vc[0]);
	assert_int_equal(rq.slice_end, 1000 + SLICE);
	/* A held vCPU is nobody to give the CPU to either. */
	vc[1].gdb.hold = true;
	assert_true(sched_make_runnable(&rq, &vc[1]));
	assert_false(sched_yield_cpu(&rq, &vc[0], 1500));
	/* A deadline that passed wakes its vCPU, which gets the CPU. */
	assert_true(sched_yield_cpu(&rq, &vc[0], 3000));
	assert_int_equal(vc[2].run, VCPU_RUNNABLE);
	assert_int_equal(vc[2].wake_reason, TRACE_SCHED_TIMER);
	assert_ptr_equal(pick(), &vc[2]);
}

/* A reschedule asked for (a debugger's): the CPU goes back to the run loop's own pass. */
static void test_yield_leaves_a_requested_reschedule_to_the_pick(void **state)
{
	(void)state;
	assert_ptr_equal(pick(), &vc[0]);
	sched_force_resched(&rq);
	assert_true(sched_yield_cpu(&rq, &vc[0], 1100));
	assert_null(rq.yield_next);
	assert_ptr_equal(rq.current, &vc[0]);
	vc[1].gdb.hold = true;
	assert_ptr_equal(pick(), &vc[2]);
	assert_false(rq.need_resched);
}

/* The yield's pick ends with its VM: the run loop's pick never sees it. */
static void test_yield_pick_of_a_detached_vcpu_is_dropped(void **state)
{
	(void)state;
	assert_ptr_equal(pick(), &vc[0]);
	assert_true(sched_yield_cpu(&rq, &vc[0], 1100));
	rq_detach(&rq, &vc[1]);
	assert_ptr_equal(pick(), &vc[2]);
}

static void test_next_event_is_the_earliest_wakeup_when_nobody_waits(void **state)
{
	(void)state;
	assert_ptr_equal(pick(), &vc[0]); /* slice until 2000 */
	sched_block(&rq, &vc[1], 5000);
	sched_block(&rq, &vc[2], 3000);
	sched_block(&rq, &vc[3], 0); /* no deadline: not an event */
	assert_int_equal(sched_next_event(&rq, 1000), 3000);
}

static void test_next_event_is_slice_end_when_others_are_runnable(void **state)
{
	(void)state;
	assert_ptr_equal(pick(), &vc[0]); /* slice until 2000 */
	sched_block(&rq, &vc[1], 5000);
	sched_block(&rq, &vc[2], 1500);
	/* vc[3] waits: the slice end counts, but an earlier wake-up wins. */
	assert_int_equal(sched_next_event(&rq, 1000), 1500);
	sched_make_runnable(&rq, &vc[2]);
	sched_block(&rq, &vc[2], 2500);
	assert_int_equal(sched_next_event(&rq, 1000), 2000);
	/* A slice already over means "now". */
	assert_int_equal(sched_next_event(&rq, 2300), 2300);
}

static void test_next_event_is_none_without_deadlines(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR; i++)
		sched_block(&rq, &vc[i], 0);
	assert_ptr_equal(pick(), &vc[0]);
	assert_int_equal(sched_next_event(&rq, 1000), SCHED_NO_EVENT);
	/* The running vCPU's own deadline is not the queue's to track. */
	vc[0].wake_at = 1200;
	assert_int_equal(sched_next_event(&rq, 1000), SCHED_NO_EVENT);
}

static void test_next_event_ignores_the_slice_on_an_idle_cpu(void **state)
{
	(void)state;
	sched_block(&rq, &vc[0], 9000);
	/* Runnable vCPUs but nothing running: no slice to end. */
	assert_int_equal(sched_next_event(&rq, 1000), 9000);
}

static void test_attach_fails_when_the_queue_is_full(void **state)
{
	(void)state;
	for (unsigned i = NR; i < RQ_MAX_VCPUS; i++)
		assert_int_equal(rq_attach(&rq, &vc[i]), 0);
	assert_int_equal(sched_load(&rq), RQ_MAX_VCPUS);
	assert_int_equal(rq_attach(&rq, &vc[RQ_MAX_VCPUS]), -ENOSPC);
	assert_int_equal(sched_load(&rq), RQ_MAX_VCPUS);
	/* Detaching one makes room. */
	rq_detach(&rq, &vc[5]);
	assert_int_equal(sched_load(&rq), RQ_MAX_VCPUS - 1);
	assert_int_equal(rq_attach(&rq, &vc[RQ_MAX_VCPUS]), 0);
	assert_int_equal(sched_load(&rq), RQ_MAX_VCPUS);
}

static void test_detached_vcpu_is_never_picked(void **state)
{
	(void)state;
	rq_detach(&rq, &vc[1]);
	assert_int_equal(sched_load(&rq), NR - 1);
	for (unsigned i = 0; i < 3 * NR; i++)
		assert_ptr_not_equal(pick(), &vc[1]);
	/* Detaching what is not attached changes nothing. */
	rq_detach(&rq, &vc[1]);
	assert_int_equal(sched_load(&rq), NR - 1);
}

static void test_detaching_the_current_vcpu_clears_current(void **state)
{
	(void)state;
	assert_ptr_equal(pick(), &vc[0]);
	rq_detach(&rq, &vc[0]);
	assert_null(rq.current);
	assert_ptr_equal(pick(), &vc[1]);
}

/* The loops stop at the highest slot in use: detaching the last ones lowers
 * it, and a vCPU attached past it (or into a hole below) is picked in turn. */
static void test_pick_follows_the_slots_in_use_as_they_change(void **state)
{
	(void)state;
	assert_int_equal(rq.top, NR);
	rq_detach(&rq, &vc[NR - 1]);
	rq_detach(&rq, &vc[NR - 2]);
	assert_int_equal(rq.top, NR - 2);
	for (unsigned round = 0; round < 2; round++)
		for (unsigned i = 0; i < NR - 2; i++)
			assert_ptr_equal(pick(), &vc[i]);
	rq_detach(&rq, &vc[0]); /* a hole below top: top stays */
	assert_int_equal(rq.top, NR - 2);
	assert_ptr_equal(pick(), &vc[1]);
	assert_ptr_equal(pick(), &vc[1]);
	vc[NR].run = VCPU_RUNNABLE;
	assert_int_equal(rq_attach(&rq, &vc[NR]), 0); /* into the hole, slot 0 */
	vc[NR + 1].run = VCPU_RUNNABLE;
	assert_int_equal(rq_attach(&rq, &vc[NR + 1]), 0); /* slot 2: top grows */
	assert_int_equal(rq.top, 3);
	assert_ptr_equal(pick(), &vc[NR + 1]);
	assert_ptr_equal(pick(), &vc[NR]);
	assert_ptr_equal(pick(), &vc[1]);
	assert_true(sched_others_runnable(&rq, &vc[1], arch_counter()));
	assert_int_equal(sched_nr_runnable(&rq, arch_counter()), 3);
}

/* WFI_WAKE's reason: each way out of BLOCKED says which it was. */
static void test_wake_reason_says_timer_interrupt_or_other(void **state)
{
	(void)state;
	sched_block(&rq, &vc[0], 1500);
	sched_block(&rq, &vc[1], 0);
	sched_block(&rq, &vc[2], 5000);
	sched_block(&rq, &vc[3], 0);
	assert_int_equal(vc[0].wake_reason, TRACE_SCHED_OTHER); /* nothing woke it yet */

	assert_true(sched_wake(&rq, &vc[1]));
	assert_int_equal(vc[1].wake_reason, TRACE_SCHED_IRQ);
	assert_true(sched_make_runnable(&rq, &vc[3]));
	assert_int_equal(vc[3].wake_reason, TRACE_SCHED_OTHER);

	fake.counter = 1500; /* vc[0]'s deadline, found by a pick */
	assert_non_null(pick());
	assert_int_equal(vc[0].wake_reason, TRACE_SCHED_TIMER);
	sched_tick(&rq, 5000); /* vc[2]'s, found by a tick */
	assert_int_equal(vc[2].run, VCPU_RUNNABLE);
	assert_int_equal(vc[2].wake_reason, TRACE_SCHED_TIMER);

	/* An interrupt before the deadline: the interrupt woke it. */
	sched_block(&rq, &vc[2], 9000);
	assert_true(sched_wake(&rq, &vc[2]));
	sched_tick(&rq, 9000);
	assert_int_equal(vc[2].wake_reason, TRACE_SCHED_IRQ);
}

/* The trace's `runnable`: every runnable vCPU of the queue, and due deadlines. */
static void test_nr_runnable_counts_runnable_and_due_vcpus(void **state)
{
	(void)state;
	assert_int_equal(sched_nr_runnable(&rq, 1000), NR);
	sched_block(&rq, &vc[1], 0);
	sched_stop(&rq, &vc[2]);
	sched_block(&rq, &vc[3], 3000);
	assert_int_equal(sched_nr_runnable(&rq, 1000), 1);
	assert_int_equal(sched_nr_runnable(&rq, 3000), 2);
	assert_true(sched_wake(&rq, &vc[1]));
	assert_int_equal(sched_nr_runnable(&rq, 1000), 2);
	rq_detach(&rq, &vc[0]);
	assert_int_equal(sched_nr_runnable(&rq, 1000), 1);
}

/* A vCPU the debugger holds is passed over, and the next runnable one picked. */
static void test_pick_skips_a_held_vcpu_for_the_next_runnable(void **state)
{
	(void)state;
	vc[1].gdb.hold = true;
	assert_ptr_equal(pick(), &vc[0]);
	assert_ptr_equal(pick(), &vc[2]);
	assert_ptr_equal(pick(), &vc[3]);
	assert_ptr_equal(pick(), &vc[0]);
	/* The yield's pick the same: self and the held one passed over. */
	assert_true(sched_yield_cpu(&rq, &vc[0], 1000));
	assert_ptr_equal(pick(), &vc[2]);
}

/* The slot masks the pass reads follow every change of a run state. */
static void test_slot_masks_follow_every_run_state_change(void **state)
{
	(void)state;
	assert_int_equal(rq.runnable, 0xf);
	assert_int_equal(rq.timed, 0);
	sched_block(&rq, &vc[1], 0);    /* blocked, no deadline: in neither */
	sched_block(&rq, &vc[2], 3000); /* blocked with one: timed */
	sched_stop(&rq, &vc[3]);
	assert_int_equal(rq.runnable, 0x1);
	assert_int_equal(rq.timed, 0x4);
	assert_true(sched_wake(&rq, &vc[1]));
	assert_int_equal(rq.runnable, 0x3);
	assert_true(sched_make_runnable(&rq, &vc[3]));
	assert_int_equal(rq.runnable, 0xb);
	/* The pass wakes vc[2] on time. */
	fake.counter = 3000;
	pick();
	assert_int_equal(rq.runnable, 0xf);
	assert_int_equal(rq.timed, 0);
	sched_block(&rq, &vc[0], 5000);
	rq_detach(&rq, &vc[0]);
	rq_detach(&rq, &vc[1]);
	assert_int_equal(rq.runnable, 0xc);
	assert_int_equal(rq.timed, 0);
	/* A detached vCPU's changes touch no slot's bits. */
	sched_stop(&rq, &vc[2]);
	assert_true(sched_make_runnable(&rq, &vc[0]));
	assert_int_equal(rq.runnable, 0x8);
	/* Attached, a vCPU brings its state along. */
	assert_int_equal(rq_attach(&rq, &vc[0]), 0);
	assert_int_equal(rq.runnable, 0x9);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pick_is_round_robin_over_runnable_vcpus),
		T(test_pick_skips_blocked_and_stopped_vcpus),
		T(test_only_runnable_vcpu_is_picked_again),
		T(test_stopped_vcpu_is_never_picked),
		T(test_blocked_vcpu_wakes_when_counter_reaches_wake_at),
		T(test_blocked_vcpu_without_deadline_waits_for_a_wakeup),
		T(test_block_only_applies_to_a_runnable_vcpu),
		T(test_make_runnable_reports_whether_state_changed),
		T(test_wakeup_on_an_idle_cpu_requests_a_reschedule),
		T(test_wakeup_while_another_vcpu_runs_does_not_preempt_it),
		T(test_wakeup_keeps_a_pending_reschedule),
		T(test_wake_makes_only_a_blocked_vcpu_runnable),
		T(test_wake_on_an_idle_cpu_requests_a_reschedule),
		T(test_cached_next_event_is_kept_until_the_queue_changes),
		T(test_every_queue_change_invalidates_the_cached_event),
		T(test_pick_leaves_the_next_event_of_its_pick),
		T(test_pick_starts_a_new_slice),
		T(test_pick_counts_switches),
		T(test_pick_follows_the_slots_in_use_as_they_change),
		T(test_tick_requests_reschedule_only_after_the_slice),
		T(test_tick_leaves_a_lone_vcpu_running_past_its_slice),
		T(test_tick_wakes_a_vcpu_whose_deadline_passed),
		T(test_tick_on_an_idle_cpu_with_runnable_vcpus_reschedules),
		T(test_tick_ignores_the_current_vcpus_own_state),
		T(test_others_runnable_excludes_self),
		T(test_others_runnable_counts_a_due_deadline),
		T(test_yield_picks_the_next_for_the_run_loops_pick),
		T(test_yield_alone_goes_on_with_its_slice),
		T(test_yield_leaves_a_requested_reschedule_to_the_pick),
		T(test_yield_pick_of_a_detached_vcpu_is_dropped),
		T(test_next_event_is_the_earliest_wakeup_when_nobody_waits),
		T(test_next_event_is_slice_end_when_others_are_runnable),
		T(test_next_event_is_none_without_deadlines),
		T(test_next_event_ignores_the_slice_on_an_idle_cpu),
		T(test_attach_fails_when_the_queue_is_full),
		T(test_detached_vcpu_is_never_picked),
		T(test_detaching_the_current_vcpu_clears_current),
		T(test_wake_reason_says_timer_interrupt_or_other),
		T(test_nr_runnable_counts_runnable_and_due_vcpus),
		T(test_pick_skips_a_held_vcpu_for_the_next_runnable),
		T(test_slot_masks_follow_every_run_state_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
