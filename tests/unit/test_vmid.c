/*
 * hyp/core/vmid.c: VMID allocation with generations. Numbers are never 0,
 * a VM keeps its VMID while the generation is current, running out of
 * numbers starts a new generation with one TLB flush, the VMIDs running on
 * CPUs at that moment stay reserved, and the others are renewed lazily.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/vmid.h"
#include "hyp/arch/fake/fake.h"
#include "hyp/include/vmid.h"

#define BITS 3u
#define USABLE ((1u << BITS) - 1) /* number 0 is never handed out */

static struct vmid_allocator a;

static int setup(void **state)
{
	(void)state;
	fake_reset();
	vmid_allocator_init(&a, BITS);
	return 0;
}

static unsigned num(uint64_t v)
{
	return (unsigned)vmid_of(v, BITS);
}

static bool current(uint64_t v)
{
	return v && vmid_gen_current(v, a.generation, BITS);
}

/* Fills the generation: vm[0..n) each acquire once on cpu. */
static void acquire_all(uint64_t *vm, unsigned n, unsigned cpu)
{
	for (unsigned i = 0; i < n; i++)
		vmid_acquire(&a, &vm[i], cpu);
}

static void test_allocation_never_hands_out_number_zero(void **state)
{
	uint64_t vm[USABLE] = { 0 };
	unsigned seen = 0;

	(void)state;
	for (unsigned i = 0; i < USABLE; i++) {
		uint64_t v = vmid_acquire(&a, &vm[i], 0);

		assert_int_equal(v, vm[i]);
		assert_int_not_equal(num(v), 0);
		assert_true(current(v));
		assert_false(seen & (1u << num(v)));
		seen |= 1u << num(v);
	}
	/* All seven numbers, and nothing rolled over to get them. */
	assert_int_equal(seen, 0xfe);
	assert_int_equal(a.rollovers, 0);
	assert_int_equal(fake.tlb_flush_all, 0);
	assert_int_equal(a.in_use, USABLE); /* number 0 is not counted */
}

static void test_first_generation_is_not_zero(void **state)
{
	uint64_t vm = 0;

	(void)state;
	/* A zeroed VM must never look current. */
	assert_int_equal(vmid_generation_number(&a), 1);
	assert_false(vmid_gen_current(0, a.generation, BITS));
	vmid_acquire(&a, &vm, 0);
	assert_int_equal(vmid_gen_number(vm, BITS), 1);
}

static void test_vm_keeps_its_vmid_while_generation_is_current(void **state)
{
	uint64_t x = 0, y = 0, first;
	unsigned in_use;

	(void)state;
	first = vmid_acquire(&a, &x, 0);
	vmid_acquire(&a, &y, 1);
	in_use = a.in_use;
	for (unsigned i = 0; i < 20; i++) {
		assert_int_equal(vmid_acquire(&a, &x, i % HYP_MAX_CPUS), first);
		assert_int_equal(x, first);
	}
	/* The fast path took no new number. */
	assert_int_equal(a.in_use, in_use);
	assert_int_equal(a.active[3], first);
	assert_int_equal(a.rollovers, 0);
	assert_int_equal(fake.tlb_flush_all, 0);
}

/*
 * The VMID is acquired at a vCPU's load; each entry only tests that this
 * CPU's active VMID was not reset since (vmid_still_active()). Other CPUs'
 * acquisitions leave it; a rollover resets it, and the acquisition the
 * entry then makes keeps the running VM's number (reserved) in the new
 * generation.
 */
static void test_the_entry_sees_a_rollover_since_the_load(void **state)
{
	uint64_t loaded = 0, others[USABLE] = { 0 }, fast;
	uint64_t v;

	(void)state;
	v = vmid_acquire(&a, &loaded, 0); /* CPU 0 loads it */
	assert_true(vmid_still_active(&a.active[0]));
	/* Its second load, lock-free: the same VMID. */
	assert_true(vmid_acquire_fast(&a, &loaded, &a.active[0], &fast));
	assert_int_equal(fast, v);
	/* CPU 1 takes the other six numbers: no rollover, CPU 0's entries go on. */
	acquire_all(others, USABLE - 1, 1);
	assert_int_equal(a.rollovers, 0);
	assert_true(vmid_still_active(&a.active[0]));
	/* The eighth VM on CPU 1: numbers ran out, a new generation. */
	vmid_acquire(&a, &others[USABLE - 1], 1);
	assert_int_equal(a.rollovers, 1);
	assert_false(vmid_still_active(&a.active[0]));
	/* The lock-free way refuses the old generation. */
	assert_false(vmid_acquire_fast(&a, &loaded, &a.active[0], &fast));
	/* The entry acquires again: the same number, the new generation. */
	fast = vmid_acquire(&a, &loaded, 0);
	assert_int_equal(num(fast), num(v));
	assert_true(current(fast));
	assert_true(vmid_still_active(&a.active[0]));
	assert_int_not_equal(num(others[USABLE - 1]), num(v));
}

static void test_eighth_vm_rolls_over_once(void **state)
{
	uint64_t vm[USABLE + 1] = { 0 };
	uint64_t last_on_cpu0, v;

	(void)state;
	acquire_all(vm, USABLE, 0);
	last_on_cpu0 = vm[USABLE - 1];
	assert_int_equal(vmid_generation_number(&a), 1);

	v = vmid_acquire(&a, &vm[USABLE], 0);
	assert_int_equal(vmid_generation_number(&a), 2);
	assert_int_equal(vmid_gen_number(v, BITS), 2);
	assert_int_equal(fake.tlb_flush_all, 1);
	assert_int_equal(a.rollovers, 1);
	assert_int_equal(a.flushes, 1);
	assert_int_not_equal(num(v), 0);
	/* CPU 0 was running the seventh VM when the numbers ran out. */
	assert_int_not_equal(num(v), num(last_on_cpu0));
	/* The others were not touched: they find out at their next entry. */
	for (unsigned i = 0; i < USABLE; i++)
		assert_int_equal(vmid_gen_number(vm[i], BITS), 1);
	/* Every CPU's fast path is shut until it enters again (CPU 0 just did). */
	assert_int_equal(a.active[0], v);
	for (unsigned c = 1; c < HYP_MAX_CPUS; c++)
		assert_int_equal(a.active[c], 0);
	assert_int_equal(a.reserved[0], last_on_cpu0);
}

static void test_rollover_keeps_running_vmids_and_flushes_once(void **state)
{
	/* r[c]: running on CPU c at the rollover; idle[]: not running anywhere. */
	uint64_t r[HYP_MAX_CPUS] = { 0 }, idle[3] = { 0 }, newcomer = 0;
	uint64_t before[HYP_MAX_CPUS];
	unsigned taken = 0, n;

	(void)state;
	for (unsigned c = 1; c < HYP_MAX_CPUS; c++)
		vmid_acquire(&a, &r[c], c);
	acquire_all(idle, 3, 0);
	vmid_acquire(&a, &r[0], 0); /* the seventh number; CPU 0 runs r[0] */
	for (unsigned c = 0; c < HYP_MAX_CPUS; c++) {
		before[c] = r[c];
		taken |= 1u << num(r[c]);
	}

	n = num(vmid_acquire(&a, &newcomer, 1));
	assert_int_equal(a.rollovers, 1);
	assert_int_equal(fake.tlb_flush_all, 1);
	/* The newcomer took CPU 1 from r[1], which still has its number reserved. */
	assert_false(taken & (1u << n));
	taken |= 1u << n;
	/* The other CPUs' fast paths are shut until they enter again. */
	assert_int_equal(a.active[1], newcomer);
	for (unsigned c = 0; c < HYP_MAX_CPUS; c++) {
		assert_int_equal(a.reserved[c], before[c]);
		if (c != 1)
			assert_int_equal(a.active[c], 0);
	}

	/* The running VMs come back with the same number, new generation. */
	for (unsigned c = 0; c < HYP_MAX_CPUS; c++) {
		uint64_t v = vmid_acquire(&a, &r[c], c == 1 ? 2 : c);

		assert_int_equal(num(v), num(before[c]));
		assert_int_equal(vmid_gen_number(v, BITS), 2);
	}
	/* Two numbers are left for three idle VMs. */
	for (unsigned i = 0; i < 2; i++) {
		uint64_t v = vmid_acquire(&a, &idle[i], 0);

		assert_true(current(v));
		assert_false(taken & (1u << num(v)));
		taken |= 1u << num(v);
	}
	assert_int_equal(taken, 0xfe);
	assert_int_equal(a.rollovers, 1);
	assert_int_equal(fake.tlb_flush_all, 1);
}

static void test_reserved_number_is_not_handed_to_another_vm(void **state)
{
	uint64_t runner = 0, vm[16] = { 0 };
	unsigned reserved;

	(void)state;
	reserved = num(vmid_acquire(&a, &runner, 2));
	/* CPU 2 keeps running `runner` through two rollovers, never re-entering. */
	for (unsigned i = 0; i < 16; i++) {
		uint64_t v = vmid_acquire(&a, &vm[i], 0);

		assert_int_not_equal(num(v), reserved);
	}
	assert_true(a.rollovers >= 2);
	assert_false(current(runner));
	/* Its next entry renews it with the number it kept. */
	assert_int_equal(num(vmid_acquire(&a, &runner, 2)), reserved);
	assert_true(current(runner));
}

static void test_running_vm_renewed_on_another_cpu_keeps_its_number(void **state)
{
	uint64_t runner = 0, vm[USABLE] = { 0 }, v;
	unsigned reserved;

	(void)state;
	reserved = num(vmid_acquire(&a, &runner, 3));
	acquire_all(vm, USABLE, 0);
	assert_int_equal(a.rollovers, 1);
	/* A second vCPU of the same VM enters on CPU 1. */
	v = vmid_acquire(&a, &runner, 1);
	assert_int_equal(num(v), reserved);
	assert_true(current(v));
	/* Both CPUs now hold the renewed value: CPU 3's reservation followed it. */
	assert_int_equal(a.reserved[3], v);
	assert_int_equal(vmid_acquire(&a, &runner, 3), v);
}

static void test_stale_vm_keeps_its_old_number_when_free(void **state)
{
	uint64_t vm[USABLE + 1] = { 0 }, old, v;

	(void)state;
	acquire_all(vm, USABLE + 1, 0); /* the last one rolls over */
	old = vm[2];
	assert_false(current(old));
	v = vmid_acquire(&a, &vm[2], 1);
	/* Nobody took its number in the new generation yet. */
	assert_int_equal(num(v), num(old));
	assert_true(current(v));
	assert_int_equal(a.rollovers, 1);
}

static void test_stale_vms_get_new_vmids_lazily(void **state)
{
	uint64_t vm[USABLE] = { 0 }, extra[USABLE] = { 0 };
	unsigned taken = 0;

	(void)state;
	acquire_all(vm, USABLE, 0);
	/* Fresh VMs fill the next generation; vm[] are all stale now. */
	acquire_all(extra, USABLE - 1, 1);
	assert_int_equal(a.rollovers, 1);
	for (unsigned i = 0; i < USABLE; i++)
		assert_int_equal(vmid_gen_number(vm[i], BITS), 1);
	for (unsigned i = 0; i < USABLE - 1; i++) {
		assert_true(current(extra[i]));
		taken |= 1u << num(extra[i]);
	}
	/* The number CPU 0 still runs vm[6] with is the one extra[] did not get. */
	assert_int_equal(__builtin_popcount(taken), USABLE - 1);
	assert_false(taken & (1u << num(vm[USABLE - 1])));

	/* The one CPU 0 still runs comes back without a rollover. */
	vmid_acquire(&a, &vm[USABLE - 1], 0);
	assert_int_equal(a.rollovers, 1);
	/* vm[0] finds no free number: the next rollover. */
	vmid_acquire(&a, &vm[0], 2);
	assert_int_equal(a.rollovers, 2);
	assert_int_equal(fake.tlb_flush_all, 2);
	assert_true(current(vm[0]));
}

static void test_release_forgets_the_vm(void **state)
{
	uint64_t x = 0, y = 0, vx;

	(void)state;
	vx = vmid_acquire(&a, &x, 1);
	vmid_release(&a, &x);
	assert_int_equal(x, 0);
	/* CPU 1 no longer counts it as loaded. */
	assert_int_equal(a.active[1], 0);
	/* No per-VM TLB maintenance: the number waits for the rollover. */
	assert_int_equal(fake.tlb_flush_vmid, 0);
	assert_int_equal(fake.tlb_flush_all, 0);
	/* Its number is still taken in this generation. */
	assert_int_not_equal(num(vmid_acquire(&a, &y, 1)), num(vx));
}

static void test_released_number_stays_taken_until_rollover(void **state)
{
	uint64_t x = 0, vm[USABLE] = { 0 }, v;
	unsigned released;

	(void)state;
	released = num(vmid_acquire(&a, &x, 1));
	vmid_release(&a, &x);
	/* Six numbers are left: vm[0..5] take them, vm[6] rolls over. */
	for (unsigned i = 0; i < USABLE - 1; i++) {
		v = vmid_acquire(&a, &vm[i], 0);
		assert_int_not_equal(num(v), released);
	}
	assert_int_equal(a.rollovers, 0);
	vmid_acquire(&a, &vm[USABLE - 1], 0);
	assert_int_equal(a.rollovers, 1);
	/* After the flush only CPU 0's number survived: the search wraps
	 * around to the released number and hands it out again. */
	assert_int_equal(a.in_use, 2); /* CPU 0's reservation and vm[6] */
	assert_int_equal(num(vm[USABLE - 1]), released);
}

static void test_release_drops_a_cpu_reservation(void **state)
{
	uint64_t x = 0, vm[USABLE] = { 0 };

	(void)state;
	vmid_acquire(&a, &x, 2);
	acquire_all(vm, USABLE, 0); /* rolls over with x reserved for CPU 2 */
	assert_int_equal(a.rollovers, 1);
	assert_int_equal(num(a.reserved[2]), num(x));
	vmid_release(&a, &x);
	assert_int_equal(a.reserved[2], 0);
	/* Fresh VMs on CPU 0 until the second rollover: CPU 2 reserves nothing. */
	for (unsigned i = 0; i < 16 && a.rollovers < 2; i++) {
		uint64_t fresh = 0;

		vmid_acquire(&a, &fresh, 0);
	}
	assert_int_equal(a.rollovers, 2);
	assert_int_equal(a.reserved[2], 0);
	assert_int_equal(a.in_use, 2); /* CPU 0's reservation and the newcomer */
}

static void test_release_of_a_vm_that_never_ran_changes_nothing(void **state)
{
	uint64_t x = 0, y = 0, vy;
	struct vmid_allocator copy;

	(void)state;
	vy = vmid_acquire(&a, &y, 0);
	memcpy(&copy, &a, sizeof(a));
	vmid_release(&a, &x);
	assert_int_equal(x, 0);
	assert_memory_equal(&copy, &a, sizeof(a));
	assert_int_equal(vmid_acquire(&a, &y, 0), vy);
}

/* ------------------------------------------------------------ churn */

#define CHURN_VMS 24
#define CHURN_STEPS 4000

struct churn {
	bool live[CHURN_VMS];
	uint64_t vmid[CHURN_VMS];
	int on_cpu[HYP_MAX_CPUS];       /* VM running on each CPU, -1: idle */
	uint64_t entered[HYP_MAX_CPUS]; /* the VMID it entered with */
	uint64_t seed;
	unsigned bits;
};

static unsigned rnd(struct churn *s, unsigned n)
{
	s->seed = s->seed * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(s->seed >> 33) % n;
}

static unsigned cnum(const struct churn *s, uint64_t v)
{
	return (unsigned)vmid_of(v, s->bits);
}

static bool ccurrent(const struct churn *s, uint64_t v)
{
	return v && vmid_gen_current(v, a.generation, s->bits);
}

static void churn_check(const struct churn *s, unsigned step)
{
	/* No two live VMs of the current generation share a number. */
	for (unsigned i = 0; i < CHURN_VMS; i++) {
		if (!s->live[i] || !ccurrent(s, s->vmid[i]))
			continue;
		for (unsigned j = i + 1; j < CHURN_VMS; j++) {
			if (s->live[j] && ccurrent(s, s->vmid[j]) &&
			    cnum(s, s->vmid[i]) == cnum(s, s->vmid[j]))
				fail_msg("step %u: VMs %u and %u both hold VMID %u", step, i, j,
					 cnum(s, s->vmid[i]));
		}
	}
	for (unsigned c = 0; c < HYP_MAX_CPUS; c++) {
		int x = s->on_cpu[c];

		if (x < 0)
			continue;
		/* Two CPUs never run different VMs under one number ... */
		for (unsigned d = c + 1; d < HYP_MAX_CPUS; d++) {
			if (s->on_cpu[d] >= 0 && s->on_cpu[d] != x &&
			    cnum(s, s->entered[c]) == cnum(s, s->entered[d]))
				fail_msg("step %u: CPUs %u and %u run VMs %d and %d as VMID %u",
					 step, c, d, x, s->on_cpu[d], cnum(s, s->entered[c]));
		}
		/* ... and a number in use on a CPU is not another VM's meanwhile. */
		for (unsigned j = 0; j < CHURN_VMS; j++) {
			if ((int)j != x && s->live[j] && ccurrent(s, s->vmid[j]) &&
			    cnum(s, s->vmid[j]) == cnum(s, s->entered[c]))
				fail_msg("step %u: VM %u got VMID %u that CPU %u runs VM %d with",
					 step, j, cnum(s, s->vmid[j]), c, x);
		}
	}
}

static void churn(unsigned bits, uint64_t seed)
{
	static struct churn s;

	fake_reset();
	vmid_allocator_init(&a, bits);
	memset(&s, 0, sizeof(s));
	s.seed = seed;
	s.bits = bits;
	for (unsigned c = 0; c < HYP_MAX_CPUS; c++)
		s.on_cpu[c] = -1;

	for (unsigned step = 0; step < CHURN_STEPS; step++) {
		unsigned op = rnd(&s, 10), i = rnd(&s, CHURN_VMS), c = rnd(&s, HYP_MAX_CPUS);

		if (!s.live[i]) {
			/* Created: it has no VMID until it first runs. */
			s.live[i] = true;
			s.vmid[i] = 0;
		} else if (op == 0) {
			/* Destroyed once none of its vCPUs is on a CPU. */
			for (unsigned d = 0; d < HYP_MAX_CPUS; d++)
				if (s.on_cpu[d] == (int)i)
					s.on_cpu[d] = -1;
			vmid_release(&a, &s.vmid[i]);
			assert_int_equal(s.vmid[i], 0);
			s.live[i] = false;
		} else if (op == 1) {
			s.on_cpu[c] = -1; /* the CPU goes idle */
		} else {
			uint64_t v = vmid_acquire(&a, &s.vmid[i], c);

			assert_int_equal(v, s.vmid[i]);
			assert_int_not_equal(vmid_of(v, bits), 0);
			assert_true(vmid_gen_current(v, a.generation, bits));
			s.on_cpu[c] = (int)i;
			s.entered[c] = v;
		}
		churn_check(&s, step);
	}
	/* The run must have exercised rollovers, each with one flush. */
	assert_true(a.rollovers > 10);
	assert_int_equal(fake.tlb_flush_all, a.rollovers);
	assert_int_equal(a.flushes, a.rollovers);
}

static void test_churn_never_gives_one_vmid_to_two_live_vms(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++)
		churn(BITS, seed);
}

static void test_churn_with_four_bit_vmids(void **state)
{
	(void)state;
	for (uint64_t seed = 100; seed < 104; seed++)
		churn(4, seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_allocation_never_hands_out_number_zero, setup),
		cmocka_unit_test_setup(test_first_generation_is_not_zero, setup),
		cmocka_unit_test_setup(test_vm_keeps_its_vmid_while_generation_is_current, setup),
		cmocka_unit_test_setup(test_the_entry_sees_a_rollover_since_the_load, setup),
		cmocka_unit_test_setup(test_eighth_vm_rolls_over_once, setup),
		cmocka_unit_test_setup(test_rollover_keeps_running_vmids_and_flushes_once, setup),
		cmocka_unit_test_setup(test_reserved_number_is_not_handed_to_another_vm, setup),
		cmocka_unit_test_setup(test_running_vm_renewed_on_another_cpu_keeps_its_number,
				       setup),
		cmocka_unit_test_setup(test_stale_vm_keeps_its_old_number_when_free, setup),
		cmocka_unit_test_setup(test_stale_vms_get_new_vmids_lazily, setup),
		cmocka_unit_test_setup(test_release_forgets_the_vm, setup),
		cmocka_unit_test_setup(test_released_number_stays_taken_until_rollover, setup),
		cmocka_unit_test_setup(test_release_drops_a_cpu_reservation, setup),
		cmocka_unit_test_setup(test_release_of_a_vm_that_never_ran_changes_nothing, setup),
		cmocka_unit_test_setup(test_churn_never_gives_one_vmid_to_two_live_vms, setup),
		cmocka_unit_test_setup(test_churn_with_four_bit_vmids, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
