/*
 * hyp/core/timer.c: the EL1 virtual and emulated physical timers' lines
 * (PPIs 27 and 30) follow the timers' outputs as levels: up when the
 * condition is met while enabled and unmasked, down when the guest disables
 * the timer, sets IMASK or moves the compare value on; the physical PPI 27's
 * active state; ISTATUS; the WFI deadline; and the irq_line trace records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/ring.h"
#include "formats/trace.h"
#include "hyp/arch/fake/fake.h"
#include "hyp/include/timer.h"
#include "hyp/include/vm.h"
#include "hyp/vgic/vgic.h"

#define CNTVOFF 300u
#define RING_SIZE (64u * 1024u)

#define EN      CNT_CTL_ENABLE
#define IMASK   CNT_CTL_IMASK
#define ISTATUS CNT_CTL_ISTATUS

#define KEY_CNTP_TVAL SYSREG_KEY(3, 3, 14, 2, 0)
#define KEY_CNTP_CTL  SYSREG_KEY(3, 3, 14, 2, 1)
#define KEY_CNTP_CVAL SYSREG_KEY(3, 3, 14, 2, 2)

static struct vm tvm;
static struct vcpu *const v = &tvm.vcpus[0];
static struct vcpu *const v1 = &tvm.vcpus[1];
static void *ring_mem;
static struct ring ring;
static struct ring_consumer cons;

static int setup(void **state)
{
	(void)state;
	fake_reset();
	memset(&tvm, 0, sizeof(tvm));
	tvm.nr_vcpus = 2;
	tvm.cntvoff = CNTVOFF;
	vgic_vm_init(&tvm.vgic, 2, NULL, NULL);
	for (unsigned i = 0; i < 2; i++) {
		struct vcpu *c = &tvm.vcpus[i];

		c->id = i;
		c->vm = &tvm;
		assert_true(vgic_cpu_init(&tvm.vgic, &c->vgic, i));
		assert_true(timer_vcpu_init(c));
	}
	/* vCPU 0's records go to a ring the test reads back. */
	if (!ring_mem)
		ring_mem = aligned_alloc(4096, RING_SIZE);
	assert_non_null(ring_mem);
	assert_int_equal(ring_init(&ring, ring_mem, RING_SIZE, 0, RING_MODE_DROP), 0);
	assert_int_equal(ring_consumer_init(&cons, ring_mem, RING_SIZE, 0), 0);
	v->trace_ring = &ring;
	return 0;
}

static struct vgic_irq peek(const struct vcpu *c, unsigned intid)
{
	struct vgic_irq irq;

	assert_true(vgic_irq_peek(&tvm.vgic, c->id, intid, &irq));
	return irq;
}

/* GICR_ISPENDR0 as the guest reads it. */
static bool pending(const struct vcpu *c, unsigned intid)
{
	struct vgic_irq irq = peek(c, intid);

	return vgic_irq_pending_view(&irq);
}

/* The guest enables PPIs 27 and 30 at its redistributor, Group 1 at the distributor. */
static void enable_timer_ppis(struct vcpu *c)
{
	struct vgic_irq *irq;

	tvm.vgic.ctlr |= GICD_CTLR_ENABLE_G1;
	irq = vgic_get_irq(&tvm.vgic, c->id, VGIC_INTID_VTIMER);
	irq->enabled = true;
	irq->group1 = true;
	irq = vgic_get_irq(&tvm.vgic, c->id, VGIC_INTID_PTIMER);
	irq->enabled = true;
	irq->group1 = true;
}

/* The guest's virtual timer, as it sits in el1[] (not loaded: the fake keeps it in memory). */
static void vtimer(uint64_t ctl, uint64_t cval)
{
	v->el1[CNTV_CTL_EL0] = ctl;
	v->el1[CNTV_CVAL_EL0] = cval;
}

static void msr_cntp(struct vcpu *c, uint32_t key, uint64_t val)
{
	assert_int_equal(timer_sysreg_access(c, key, false, &val), 1);
}

static uint64_t mrs_cntp(struct vcpu *c, uint32_t key)
{
	uint64_t val = 0xdead;

	assert_int_equal(timer_sysreg_access(c, key, true, &val), 1);
	return val;
}

/* The next irq_line record in the ring: its vintid and level; false when none. */
static bool next_line(unsigned *vintid, bool *level)
{
	uint64_t buf[64];
	int n;

	while ((n = ring_consume(&cons, buf, sizeof(buf))) > 0) {
		const struct trace_irq_line *e = (const void *)buf;

		if (e->hdr.type != TRACE_IRQ_LINE)
			continue;
		assert_int_equal(n, sizeof(*e));
		assert_int_equal(e->source, TRACE_IRQ_SRC_TIMER);
		*vintid = e->vintid;
		*level = e->level;
		return true;
	}
	assert_int_equal(n, 0);
	return false;
}

static void expect_line(unsigned vintid, bool level)
{
	unsigned got_intid = 0;
	bool got_level = !level;

	assert_true(next_line(&got_intid, &got_level));
	assert_int_equal(got_intid, vintid);
	assert_int_equal(got_level, level);
}

static void expect_no_line(void)
{
	unsigned intid;
	bool level;

	assert_false(next_line(&intid, &level));
}

/* ------------------------------------------------------------ virtual timer */

static void test_vtimer_line_rises_when_the_virtual_count_reaches_cval(void **state)
{
	(void)state;
	vtimer(EN, 1000);
	timer_sync(v, CNTVOFF + 999);
	assert_false(pending(v, VGIC_INTID_VTIMER));
	expect_no_line();
	/* CNTVCT = CNTPCT - CNTVOFF reaches CVAL. */
	timer_sync(v, CNTVOFF + 1000);
	assert_true(pending(v, VGIC_INTID_VTIMER));
	assert_false(pending(v1, VGIC_INTID_VTIMER));
	expect_line(VGIC_INTID_VTIMER, true);
	/* Sampled again unchanged: nothing new. */
	timer_sync(v, CNTVOFF + 2000);
	expect_no_line();
}

static void test_vtimer_line_drops_on_disable_imask_and_cval_in_the_future(void **state)
{
	(void)state;
	vtimer(EN, 1000);
	timer_sync(v, CNTVOFF + 1500);
	assert_true(pending(v, VGIC_INTID_VTIMER));

	vtimer(0, 1000); /* disabled */
	timer_sync(v, CNTVOFF + 1600);
	assert_false(pending(v, VGIC_INTID_VTIMER));
	vtimer(EN, 1000); /* enabled again: up again */
	timer_sync(v, CNTVOFF + 1700);
	assert_true(pending(v, VGIC_INTID_VTIMER));

	vtimer(EN | IMASK, 1000); /* masked */
	timer_sync(v, CNTVOFF + 1800);
	assert_false(pending(v, VGIC_INTID_VTIMER));
	vtimer(EN, 1000);
	timer_sync(v, CNTVOFF + 1900);
	assert_true(pending(v, VGIC_INTID_VTIMER));

	vtimer(EN, 5000); /* CVAL moved into the future */
	timer_sync(v, CNTVOFF + 2000);
	assert_false(pending(v, VGIC_INTID_VTIMER));
	timer_sync(v, CNTVOFF + 5000); /* and reached */
	assert_true(pending(v, VGIC_INTID_VTIMER));

	expect_line(VGIC_INTID_VTIMER, true);
	for (unsigned i = 0; i < 3; i++) {
		expect_line(VGIC_INTID_VTIMER, false);
		expect_line(VGIC_INTID_VTIMER, true);
	}
	expect_no_line();
}

static void test_loaded_vtimer_uses_the_hardware_istatus(void **state)
{
	(void)state;
	/* Loaded, CNTV_CTL_EL0 is the hardware's, ISTATUS computed by it:
	 * the counter value given does not matter. */
	v->el1_loaded = true;
	vtimer(EN | ISTATUS, 1u << 30);
	timer_sync(v, 0);
	assert_true(pending(v, VGIC_INTID_VTIMER));
	vtimer(EN, 0);
	timer_sync(v, 1u << 31);
	assert_false(pending(v, VGIC_INTID_VTIMER));
	/* ISTATUS with IMASK: the condition holds, the output does not. */
	vtimer(EN | IMASK | ISTATUS, 0);
	timer_sync(v, 0);
	assert_false(pending(v, VGIC_INTID_VTIMER));
}

static void test_dropped_vtimer_leaves_the_list_registers(void **state)
{
	struct vgic_cpu *vc = &v->vgic;

	(void)state;
	enable_timer_ppis(v);
	vtimer(EN, 100);
	timer_sync(v, CNTVOFF + 100);
	assert_int_equal(vgic_flush(vc, 4), 1);
	assert_true(vc->hw.lr[0] & ICH_LR_HW);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_PENDING);
	/* The guest masks the timer without taking the interrupt; the next
	 * exit folds the LR back, then samples the line. */
	vgic_fold(vc, 0, 0);
	vtimer(EN | IMASK, 100);
	timer_sync(v, CNTVOFF + 200);
	assert_false(vgic_cpu_has_pending(vc));
	assert_int_equal(vgic_flush(vc, 4), 0);
	vgic_fold(vc, 0, 0);
	/* Unmasked: the same interrupt is back, once. */
	vtimer(EN, 100);
	timer_sync(v, CNTVOFF + 300);
	assert_true(vgic_cpu_has_pending(vc));
	assert_int_equal(vgic_flush(vc, 4), 1);
}

static void test_physical_ppi_is_released_when_the_line_drops_untaken(void **state)
{
	(void)state;
	enable_timer_ppis(v);
	vtimer(EN, 100);
	timer_sync(v, CNTVOFF + 100);
	/* The guest owns a pending PPI 27: the physical one is held active. */
	assert_true(fake.vtimer_ppi_active);
	/* Disabled before the guest took it: nothing else would deactivate it. */
	vtimer(0, 100);
	timer_sync(v, CNTVOFF + 200);
	assert_false(fake.vtimer_ppi_active);
}

static void test_physical_ppi_stays_active_while_the_guest_handles_it(void **state)
{
	struct vgic_irq *irq;

	(void)state;
	enable_timer_ppis(v);
	vtimer(EN, 100);
	timer_sync(v, CNTVOFF + 100);
	/* The guest acknowledged it: active. Its handler disables the timer;
	 * its EOI will deactivate the physical PPI through the HW link. */
	irq = vgic_get_irq(&tvm.vgic, 0, VGIC_INTID_VTIMER);
	irq->active = true;
	vtimer(0, 100);
	timer_sync(v, CNTVOFF + 200);
	assert_false(pending(v, VGIC_INTID_VTIMER));
	assert_true(fake.vtimer_ppi_active);
}

static void test_load_holds_the_physical_ppi_for_an_interrupt_the_guest_owns(void **state)
{
	(void)state;
	tvm.cntvoff = 777;
	timer_vcpu_load(v);
	assert_int_equal(fake.cntvoff, 777);
	assert_false(fake.vtimer_ppi_active);
	assert_int_equal(fake.vtimer_ppi_writes, 1);

	/* Its timer fired while it was off the CPU: up at load. */
	vtimer(EN, 50);
	fake.counter = 777 + 60;
	timer_vcpu_loaded(v);
	assert_true(pending(v, VGIC_INTID_VTIMER));
	/* Loaded again with the interrupt pending: the PPI is held from the start. */
	timer_vcpu_load(v);
	assert_true(fake.vtimer_ppi_active);
}

/* ------------------------------------------------------------ physical timer */

static void test_cntp_ctl_istatus_tells_the_truth(void **state)
{
	(void)state;
	msr_cntp(v, KEY_CNTP_CVAL, 5000);
	msr_cntp(v, KEY_CNTP_CTL, EN);
	fake.counter = 4999;
	assert_int_equal(mrs_cntp(v, KEY_CNTP_CTL), EN);
	fake.counter = 5000;
	assert_int_equal(mrs_cntp(v, KEY_CNTP_CTL), EN | ISTATUS);
	/* IMASK masks the interrupt, not the status. */
	msr_cntp(v, KEY_CNTP_CTL, EN | IMASK);
	assert_int_equal(mrs_cntp(v, KEY_CNTP_CTL), EN | IMASK | ISTATUS);
	/* CVAL in the future: the condition no longer holds. */
	msr_cntp(v, KEY_CNTP_CVAL, 9000);
	assert_int_equal(mrs_cntp(v, KEY_CNTP_CTL), EN | IMASK);
	/* Disabled: no status; ISTATUS cannot be written. */
	msr_cntp(v, KEY_CNTP_CVAL, 0);
	msr_cntp(v, KEY_CNTP_CTL, ISTATUS);
	assert_int_equal(mrs_cntp(v, KEY_CNTP_CTL), 0);
}

static void test_cntp_tval_is_a_signed_32_bit_distance(void **state)
{
	(void)state;
	msr_cntp(v, KEY_CNTP_CVAL, 5000);
	fake.counter = 4000;
	assert_int_equal(mrs_cntp(v, KEY_CNTP_TVAL), 1000);
	fake.counter = 6000;
	assert_int_equal(mrs_cntp(v, KEY_CNTP_TVAL), 0xfffffc18); /* -1000 */
	fake.counter = 1000;
	msr_cntp(v, KEY_CNTP_TVAL, 0xffffff9c); /* -100 */
	assert_int_equal(mrs_cntp(v, KEY_CNTP_CVAL), 900);
	msr_cntp(v, KEY_CNTP_TVAL, 0x100000010ull); /* only bits [31:0] count */
	assert_int_equal(mrs_cntp(v, KEY_CNTP_CVAL), 1016);
}

static void test_ptimer_line_follows_each_trapped_write(void **state)
{
	(void)state;
	fake.counter = 1000;
	msr_cntp(v, KEY_CNTP_CVAL, 500);
	assert_false(pending(v, VGIC_INTID_PTIMER)); /* not enabled yet */
	msr_cntp(v, KEY_CNTP_CTL, EN);
	assert_true(pending(v, VGIC_INTID_PTIMER));
	assert_false(pending(v1, VGIC_INTID_PTIMER));
	msr_cntp(v, KEY_CNTP_CTL, EN | IMASK);
	assert_false(pending(v, VGIC_INTID_PTIMER));
	msr_cntp(v, KEY_CNTP_CTL, EN);
	assert_true(pending(v, VGIC_INTID_PTIMER));
	msr_cntp(v, KEY_CNTP_TVAL, 100); /* due at 1100 */
	assert_false(pending(v, VGIC_INTID_PTIMER));
	msr_cntp(v, KEY_CNTP_CVAL, 1000);
	assert_true(pending(v, VGIC_INTID_PTIMER));
	msr_cntp(v, KEY_CNTP_CTL, 0);
	assert_false(pending(v, VGIC_INTID_PTIMER));

	expect_line(VGIC_INTID_PTIMER, true);
	for (unsigned i = 0; i < 2; i++) {
		expect_line(VGIC_INTID_PTIMER, false);
		expect_line(VGIC_INTID_PTIMER, true);
	}
	expect_line(VGIC_INTID_PTIMER, false);
	expect_no_line();
}

static void test_ptimer_due_is_when_its_line_will_rise(void **state)
{
	(void)state;
	fake.counter = 1000;
	assert_int_equal(timer_ptimer_due(v), 0);
	msr_cntp(v, KEY_CNTP_CVAL, 7777);
	msr_cntp(v, KEY_CNTP_CTL, EN);
	assert_int_equal(timer_ptimer_due(v), 7777);
	msr_cntp(v, KEY_CNTP_CTL, EN | IMASK);
	assert_int_equal(timer_ptimer_due(v), 0);
	msr_cntp(v, KEY_CNTP_CTL, EN);
	/* The counter reaches it while the guest runs: the exit's sample raises
	 * the line, and there is nothing left to wait for. */
	timer_sync(v, 7777);
	assert_true(pending(v, VGIC_INTID_PTIMER));
	assert_int_equal(timer_ptimer_due(v), 0);
}

static void test_wake_deadline_is_the_earlier_timer(void **state)
{
	(void)state;
	assert_int_equal(timer_wake_deadline(v), 0);
	vtimer(EN, 9000);
	assert_int_equal(timer_wake_deadline(v), 9000 + CNTVOFF);
	fake.counter = 0;
	msr_cntp(v, KEY_CNTP_CVAL, 4000);
	msr_cntp(v, KEY_CNTP_CTL, EN);
	assert_int_equal(timer_wake_deadline(v), 4000);
	msr_cntp(v, KEY_CNTP_CTL, EN | IMASK);
	assert_int_equal(timer_wake_deadline(v), 9000 + CNTVOFF);
	vtimer(EN | IMASK, 9000);
	assert_int_equal(timer_wake_deadline(v), 0);
	/* CVAL 0 is already due, not "no deadline". */
	msr_cntp(v, KEY_CNTP_CVAL, 0);
	msr_cntp(v, KEY_CNTP_CTL, EN);
	assert_int_equal(timer_wake_deadline(v), 1);
}

static void test_catch_up_raises_a_due_line_the_cpu_has_not_raised_yet(void **state)
{
	(void)state;
	enable_timer_ppis(v);
	v->el1_loaded = true;
	/* Due (CNTVCT 5000 >= CVAL 4000) but ISTATUS still 0: a late CPU. */
	vtimer(EN, 4000);
	fake.counter = CNTVOFF + 5000;
	timer_sync(v, CNTVOFF + 5000);
	assert_false(pending(v, VGIC_INTID_VTIMER));
	timer_vtimer_catch_up(v, CNTVOFF + 5000);
	assert_int_equal(fake.vtimer_refreshes, 1);
	assert_true(v->el1[CNTV_CTL_EL0] & ISTATUS);
	assert_true(pending(v, VGIC_INTID_VTIMER));
	assert_true(vgic_cpu_has_pending(&v->vgic));
	/* The physical PPI is held active, as when it fires at EL2. */
	assert_true(fake.vtimer_ppi_active);
	expect_line(VGIC_INTID_VTIMER, true);
	expect_no_line();
}

static void test_catch_up_leaves_a_timer_that_is_not_due_alone(void **state)
{
	(void)state;
	v->el1_loaded = true;
	/* Not due yet, masked, disabled, already up, not loaded: no refresh. */
	vtimer(EN, 6000);
	timer_vtimer_catch_up(v, CNTVOFF + 5999);
	vtimer(EN | IMASK, 10);
	timer_vtimer_catch_up(v, CNTVOFF + 5000);
	vtimer(0, 10);
	timer_vtimer_catch_up(v, CNTVOFF + 5000);
	vtimer(EN | ISTATUS, 10);
	timer_sync(v, CNTVOFF + 5000);
	timer_vtimer_catch_up(v, CNTVOFF + 5000);
	v->el1_loaded = false;
	vtimer(EN, 10);
	timer_vtimer_catch_up(v, CNTVOFF + 5000);
	assert_int_equal(fake.vtimer_refreshes, 0);
}

static void test_reset_disables_the_physical_timer_and_the_next_sample_drops_it(void **state)
{
	(void)state;
	fake.counter = 100;
	msr_cntp(v, KEY_CNTP_CTL, EN);
	assert_true(pending(v, VGIC_INTID_PTIMER));
	timer_vcpu_reset(v);
	assert_int_equal(mrs_cntp(v, KEY_CNTP_CTL), 0);
	timer_sync(v, 200);
	assert_false(pending(v, VGIC_INTID_PTIMER));
}

static void test_other_registers_are_not_the_timers(void **state)
{
	uint64_t val = 0;

	(void)state;
	assert_int_equal(timer_sysreg_access(v, SYSREG_KEY(3, 3, 14, 3, 1), true, &val), -1);
	assert_int_equal(timer_sysreg_access(v, SYSREG_KEY(3, 0, 1, 0, 1), false, &val), -1);
}

#define T(t) cmocka_unit_test_setup(t, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_vtimer_line_rises_when_the_virtual_count_reaches_cval),
		T(test_vtimer_line_drops_on_disable_imask_and_cval_in_the_future),
		T(test_loaded_vtimer_uses_the_hardware_istatus),
		T(test_dropped_vtimer_leaves_the_list_registers),
		T(test_physical_ppi_is_released_when_the_line_drops_untaken),
		T(test_physical_ppi_stays_active_while_the_guest_handles_it),
		T(test_load_holds_the_physical_ppi_for_an_interrupt_the_guest_owns),
		T(test_cntp_ctl_istatus_tells_the_truth),
		T(test_cntp_tval_is_a_signed_32_bit_distance),
		T(test_ptimer_line_follows_each_trapped_write),
		T(test_ptimer_due_is_when_its_line_will_rise),
		T(test_wake_deadline_is_the_earlier_timer),
		T(test_catch_up_raises_a_due_line_the_cpu_has_not_raised_yet),
		T(test_catch_up_leaves_a_timer_that_is_not_due_alone),
		T(test_reset_disables_the_physical_timer_and_the_next_sample_drops_it),
		T(test_other_registers_are_not_the_timers),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	free(ring_mem);
	return ret;
}
