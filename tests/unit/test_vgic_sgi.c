/*
 * hyp/vgic: SGIs from trapped ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1
 * writes: target lists, affinity and range selection, IRM broadcast, group
 * rules, and the kick callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/vgic/vgic.h"
#include "tests/vgic_model.h"

#define NR_VCPUS 4u

struct fx {
	struct vgic_vm vm;
	struct vgic_cpu cpu[NR_VCPUS];
	unsigned kicks[VGIC_MAX_VCPUS];
	unsigned log[32];
	unsigned nr_log;
	bool lock_free_at_kick;
};

static void record_kick(void *opaque, unsigned vcpu_id)
{
	struct fx *f = opaque;

	assert_true(vcpu_id < NR_VCPUS);
	f->kicks[vcpu_id]++;
	if (f->nr_log < 32)
		f->log[f->nr_log++] = vcpu_id;
	/* The callback may take the lock itself (it may inject, say). */
	f->lock_free_at_kick = f->vm.lock.v == 0;
}

static uint64_t sgi1r(unsigned intid, unsigned aff3, unsigned aff2, unsigned aff1, unsigned rs,
		      uint16_t list)
{
	return (uint64_t)aff3 << 48 | (uint64_t)rs << 44 | (uint64_t)aff2 << 32 |
	       (uint64_t)intid << 24 | (uint64_t)aff1 << 16 | list;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint64_t v;

	assert_non_null(f);
	vgic_vm_init(&f->vm, NR_VCPUS, record_kick, f);
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		assert_true(vgic_cpu_init(&f->vm, &f->cpu[i], i));
		/* Linux's setup: all SGIs enabled, Group 1. */
		v = 0xffff;
		assert_true(vgic_redist_mmio(&f->vm,
					     i * VGIC_REDIST_STRIDE + VGIC_SGI_FRAME + 0x100, 4,
					     true, &v));
	}
	v = GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1;
	assert_true(vgic_dist_mmio(&f->vm, 0, 0, 4, true, &v));
	memset(f->kicks, 0, sizeof(f->kicks));
	f->nr_log = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static bool sgi_pending(struct fx *f, unsigned vcpu, unsigned intid)
{
	struct vgic_irq irq;

	assert_true(vgic_irq_peek(&f->vm, vcpu, intid, &irq));
	return irq.pending_latch;
}

/* Pending SGI intid exactly on the vCPUs in mask. */
static void assert_pending_on(struct fx *f, unsigned intid, uint32_t mask)
{
	for (unsigned i = 0; i < NR_VCPUS; i++)
		assert_int_equal(sgi_pending(f, i, intid), (mask >> i) & 1);
}

static void assert_kicked(struct fx *f, uint32_t mask)
{
	for (unsigned i = 0; i < NR_VCPUS; i++)
		assert_int_equal(f->kicks[i], (mask >> i) & 1);
}

static void test_target_list_selects_aff0_values(void **state)
{
	struct fx *f = *state;

	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(5, 0, 0, 0, 0, 0x000a)), 0xa);
	assert_pending_on(f, 5, 0xa);
	assert_kicked(f, 0xa);
	assert_int_equal(f->nr_log, 2);
	assert_true(f->lock_free_at_kick);
}

static void test_self_in_target_list_is_a_target(void **state)
{
	struct fx *f = *state;

	assert_int_equal(vgic_sgi1r_write(&f->vm, 2, sgi1r(1, 0, 0, 0, 0, 0x0004)), 0x4);
	assert_pending_on(f, 1, 0x4);
	assert_kicked(f, 0x4);
}

static void test_target_bits_beyond_the_vcpus_are_ignored(void **state)
{
	struct fx *f = *state;

	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(3, 0, 0, 0, 0, 0xfff1)), 0x1);
	assert_pending_on(f, 3, 0x1);
	assert_kicked(f, 0x1);
}

static void test_other_aff1_cluster_reaches_nobody(void **state)
{
	struct fx *f = *state;

	/* Every vCPU is in cluster 0.0.0: Aff1 = 1 names PEs that do not exist. */
	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(2, 0, 0, 1, 0, 0x000f)), 0);
	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(2, 0, 1, 0, 0, 0x000f)), 0);
	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(2, 1, 0, 0, 0, 0x000f)), 0);
	assert_pending_on(f, 2, 0);
	assert_kicked(f, 0);
	/* Aff1 = 0 reaches them. */
	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(2, 0, 0, 0, 0, 0x000f)), 0xf);
	assert_pending_on(f, 2, 0xf);
}

static void test_range_selector_above_zero_reaches_nobody(void **state)
{
	struct fx *f = *state;

	/* RS = 1: TargetList bit n means Aff0 16 + n. */
	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(4, 0, 0, 0, 1, 0x000f)), 0);
	assert_pending_on(f, 4, 0);
	assert_kicked(f, 0);
}

static void test_irm_broadcasts_to_all_but_self(void **state)
{
	struct fx *f = *state;
	/* Affinity fields are ignored with IRM = 1. */
	uint64_t v = ICC_SGIR_IRM | sgi1r(7, 0, 0, 5, 0, 0);

	assert_int_equal(vgic_sgi1r_write(&f->vm, 1, v), 0xd);
	assert_pending_on(f, 7, 0xd);
	assert_kicked(f, 0xd);
	assert_int_equal(f->nr_log, 3);
}

static void test_disabled_sgi_is_pending_but_nobody_is_kicked(void **state)
{
	struct fx *f = *state;
	uint64_t v = 1u << 6;

	assert_true(vgic_redist_mmio(&f->vm, 3 * VGIC_REDIST_STRIDE + VGIC_SGI_FRAME + 0x180, 4,
				     true, &v)); /* ICENABLER0: SGI 6 on vCPU 3 */
	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(6, 0, 0, 0, 0, 0x000c)), 0xc);
	assert_pending_on(f, 6, 0xc);
	assert_kicked(f, 0x4);
	assert_int_equal(f->cpu[3].ap_count, 0);
	assert_int_equal(f->cpu[2].ap_count, 1);
}

static void test_sgi0r_and_asgi1r_reach_only_group0_sgis(void **state)
{
	struct fx *f = *state;
	uint64_t v = 0xfffffffe; /* SGI 0 in Group 0 on vCPU 1 only */

	assert_true(vgic_redist_mmio(&f->vm, 1 * VGIC_REDIST_STRIDE + VGIC_SGI_FRAME + 0x80, 4,
				     true, &v));
	assert_int_equal(vgic_sgi0r_write(&f->vm, 0, sgi1r(0, 0, 0, 0, 0, 0x0006)), 0x2);
	assert_pending_on(f, 0, 0x2);
	assert_kicked(f, 0x2);

	memset(f->kicks, 0, sizeof(f->kicks));
	assert_int_equal(vgic_asgi1r_write(&f->vm, 0, ICC_SGIR_IRM | sgi1r(0, 0, 0, 0, 0, 0)), 0x2);
	assert_kicked(f, 0x2);
	assert_pending_on(f, 0, 0x2);

	/* SGI1R reaches either group. */
	assert_int_equal(vgic_sgi1r_write(&f->vm, 0, sgi1r(0, 0, 0, 0, 0, 0x0006)), 0x6);
	assert_pending_on(f, 0, 0x6);
}

static void test_sgi_reaches_the_target_lrs_with_its_intid(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[3];
	uint64_t v = 0x00a00000; /* IPRIORITYR0 byte 2: SGI 2 priority 0xa0 */

	assert_true(vgic_redist_mmio(&f->vm, 3 * VGIC_REDIST_STRIDE + VGIC_SGI_FRAME + 0x400, 4,
				     true, &v));
	vgic_sgi1r_write(&f->vm, 0, sgi1r(2, 0, 0, 0, 0, 0x0008));
	assert_int_equal(vgic_flush(vc, 4), 1);
	/* Affinity routing: the vINTID is the SGI number, no source CPU bits. */
	assert_int_equal(vc->hw.lr[0], ICH_LR_PENDING_BIT | ICH_LR_GROUP | 0xa0ull << 48 | 2);
	assert_int_equal(vgic_flush(&f->cpu[0], 4), 0);
}

static void test_same_sgi_twice_before_delivery_is_one_pending(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[1];

	vgic_sgi1r_write(&f->vm, 0, sgi1r(9, 0, 0, 0, 0, 0x0002));
	vgic_sgi1r_write(&f->vm, 2, sgi1r(9, 0, 0, 0, 0, 0x0002));
	assert_int_equal(f->kicks[1], 2);
	assert_int_equal(vc->ap_count, 1);
	assert_int_equal(vgic_flush(vc, 4), 1);
}

static void test_sgi_while_active_in_a_running_lr_kicks_the_holder(void **state)
{
	struct fx *f = *state;
	struct vgic_cpu *vc = &f->cpu[1];

	vc->hw.vmcr = ICH_VMCR_VENG1 | ICH_VMCR_VPMR_MASK;
	vgic_sgi1r_write(&f->vm, 0, sgi1r(9, 0, 0, 0, 0, 0x0002));
	vgic_flush(vc, 4);
	assert_int_equal(vgic_vif_ack(&vc->hw), 9);
	memset(f->kicks, 0, sizeof(f->kicks));
	vgic_sgi1r_write(&f->vm, 0, sgi1r(9, 0, 0, 0, 0, 0x0002));
	assert_kicked(f, 0x2);
	vgic_fold(vc, vgic_vif_elrsr(&vc->hw), vgic_vif_eisr(&vc->hw));
	vgic_flush(vc, 4);
	assert_int_equal(ich_lr_get_state(vc->hw.lr[0]), ICH_LR_STATE_PENDING_ACTIVE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_target_list_selects_aff0_values),
		T(test_self_in_target_list_is_a_target),
		T(test_target_bits_beyond_the_vcpus_are_ignored),
		T(test_other_aff1_cluster_reaches_nobody),
		T(test_range_selector_above_zero_reaches_nobody),
		T(test_irm_broadcasts_to_all_but_self),
		T(test_disabled_sgi_is_pending_but_nobody_is_kicked),
		T(test_sgi0r_and_asgi1r_reach_only_group0_sgis),
		T(test_sgi_reaches_the_target_lrs_with_its_intid),
		T(test_same_sgi_twice_before_delivery_is_one_pending),
		T(test_sgi_while_active_in_a_running_lr_kicks_the_holder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
