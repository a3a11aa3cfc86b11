/*
 * hyp/core/vpmu.c: the guest PMUv3 on the fake arch. Trapped PMU register
 * accesses emulated on the vCPU's copy; the fake's PMU stands in for the
 * hardware counters (fake.pmu), which the tests move and overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/arch/fake/fake.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/vm.h"
#include "hyp/include/vpmu.h"
#include "hyp/vgic/vgic.h"

#define PC0  0x40080000ull
#define VBAR 0x40100000ull
#define PSR_EL1H_DAIF 0x3c5ull
#define NR_COUNTERS 4u

static struct vm svm;
static struct vcpu *const vc = svm.vcpus;

struct enc {
	unsigned op0, op1, crn, crm, op2;
};

#define PMCR       ((struct enc){ 3, 3, 9, 12, 0 })
#define PMCNTENSET ((struct enc){ 3, 3, 9, 12, 1 })
#define PMCNTENCLR ((struct enc){ 3, 3, 9, 12, 2 })
#define PMOVSCLR   ((struct enc){ 3, 3, 9, 12, 3 })
#define PMSWINC    ((struct enc){ 3, 3, 9, 12, 4 })
#define PMSELR     ((struct enc){ 3, 3, 9, 12, 5 })
#define PMCEID0    ((struct enc){ 3, 3, 9, 12, 6 })
#define PMCCNTR    ((struct enc){ 3, 3, 9, 13, 0 })
#define PMXEVTYPER ((struct enc){ 3, 3, 9, 13, 1 })
#define PMXEVCNTR  ((struct enc){ 3, 3, 9, 13, 2 })
#define PMUSERENR  ((struct enc){ 3, 3, 9, 14, 0 })
#define PMOVSSET   ((struct enc){ 3, 3, 9, 14, 3 })
#define PMINTENSET ((struct enc){ 3, 0, 9, 14, 1 })
#define PMINTENCLR ((struct enc){ 3, 0, 9, 14, 2 })
#define PMEVCNTR(n)  ((struct enc){ 3, 3, 14, 8 + ((n) >> 3), (n) & 7 })
#define PMEVTYPER(n) ((struct enc){ 3, 3, 14, 12 + ((n) >> 3), (n) & 7 })
#define PMCCFILTR  PMEVTYPER(31)

static uint64_t esr_sys(struct enc e, unsigned rt, bool read)
{
	return 0x18ull << 26 | 1ull << 25 | (uint64_t)e.op0 << 20 | (uint64_t)e.op2 << 17 |
	       (uint64_t)e.op1 << 14 | (uint64_t)e.crn << 10 | (uint64_t)rt << 5 |
	       (uint64_t)e.crm << 1 | (read ? 1 : 0);
}

static void reset_vcpu(struct vcpu *v, unsigned id)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->vm = &svm;
	assert_true(vgic_cpu_init(&svm.vgic, &v->vgic, id));
	v->regs.pc = PC0;
	v->regs.pstate = PSR_EL1H_DAIF;
	v->el1[VBAR_EL1] = VBAR;
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	memset(&svm, 0, sizeof(svm));
	svm.nr_vcpus = 2;
	vgic_vm_init(&svm.vgic, 2, NULL, NULL);
	reset_vcpu(&vc[0], 0);
	reset_vcpu(&vc[1], 1);
	vpmu_info.nr_counters = NR_COUNTERS;
	vpmu_info.pmcr_id = 0x41010000ull;
	vpmu_info.ceid0 = BIT(PMU_EVT_SW_INCR) | BIT(PMU_EVT_CPU_CYCLES) | BIT(PMU_EVT_CHAIN);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	memset(&vpmu_info, 0, sizeof(vpmu_info));
	return 0;
}

/* MRS/MSR on v: true when emulated (PC moved on). */
static bool mrs(struct vcpu *v, struct enc e, uint64_t *out)
{
	uint64_t pc = v->regs.pc;

	v->fault.esr = esr_sys(e, 7, true);
	assert_true(handle_sysreg_trap(v));
	if (v->regs.pc != pc + 4)
		return false;
	*out = v->regs.x[7];
	return true;
}

static bool msr(struct vcpu *v, struct enc e, uint64_t val)
{
	uint64_t pc = v->regs.pc;

	v->regs.x[9] = val;
	v->fault.esr = esr_sys(e, 9, false);
	assert_true(handle_sysreg_trap(v));
	return v->regs.pc == pc + 4;
}

static uint64_t rd(unsigned cpu, struct enc e)
{
	uint64_t val = 0;

	assert_true(mrs(&vc[cpu], e, &val));
	return val;
}

static void wr(unsigned cpu, struct enc e, uint64_t val)
{
	assert_true(msr(&vc[cpu], e, val));
}

static bool pmu_line(unsigned cpu)
{
	struct vgic_irq irq;

	assert_true(vgic_irq_peek(&svm.vgic, cpu, VGIC_INTID_PMU, &irq));
	return irq.line_level;
}

static void test_pmcr_reads_n_and_keeps_e_d_lc(void **state)
{
	(void)state;
	wr(0, PMCR, PMCR_E | PMCR_D | PMCR_LC | (1ull << 4) | (31ull << PMCR_N_SHIFT));
	assert_int_equal(rd(0, PMCR), 0x41010000ull | NR_COUNTERS << PMCR_N_SHIFT | PMCR_E |
					      PMCR_D | PMCR_LC);
	assert_int_equal(rd(0, PMCEID0), vpmu_info.ceid0);
}

static void test_counters_past_n_are_undefined(void **state)
{
	uint64_t v;

	(void)state;
	assert_false(mrs(&vc[0], PMEVCNTR(NR_COUNTERS), &v));
	assert_int_equal(vc[0].el1[ESR_EL1], 1ull << 25); /* UNDEF, EC 0 */
	reset_vcpu(&vc[0], 0);
	assert_false(msr(&vc[0], PMEVTYPER(30), 0));
	reset_vcpu(&vc[0], 0);
	wr(0, PMSELR, NR_COUNTERS);
	assert_false(mrs(&vc[0], PMXEVCNTR, &v));
	reset_vcpu(&vc[0], 0);
	/* PMSWINC is write-only, PMCEID0 read-only. */
	assert_false(mrs(&vc[0], PMSWINC, &v));
	reset_vcpu(&vc[0], 0);
	assert_false(msr(&vc[0], PMCEID0, 0));
}

static void test_no_pmu_shown_means_every_register_is_undefined(void **state)
{
	uint64_t v;

	(void)state;
	vpmu_info.nr_counters = 0;
	assert_false(mrs(&vc[0], PMCR, &v));
	reset_vcpu(&vc[0], 0);
	assert_false(msr(&vc[0], PMCNTENSET, 1));
}

static void test_set_and_clear_registers_keep_to_the_implemented_counters(void **state)
{
	(void)state;
	wr(0, PMCNTENSET, ~0ull);
	assert_int_equal(rd(0, PMCNTENSET), BIT(31) | 0xf);
	wr(0, PMCNTENCLR, 0x3);
	assert_int_equal(rd(0, PMCNTENCLR), BIT(31) | 0xc);
	wr(0, PMINTENSET, BIT(2) | BIT(20));
	assert_int_equal(rd(0, PMINTENCLR), BIT(2));
	wr(0, PMINTENCLR, BIT(2));
	assert_int_equal(rd(0, PMINTENSET), 0);
	wr(0, PMUSERENR, 0xff);
	assert_int_equal(rd(0, PMUSERENR), 0xf);
}

static void test_counters_go_to_the_hardware_only_while_something_counts(void **state)
{
	(void)state;
	wr(0, PMEVTYPER(1), PMU_EVT_CPU_CYCLES | PMEVTYPER_P);
	wr(0, PMEVCNTR(1), 0x1234);
	assert_int_equal(fake.pmu.loads, 0); /* nothing counts: the hardware is untouched */
	wr(0, PMCR, PMCR_E);
	wr(0, PMCNTENSET, BIT(1));
	assert_true(vc[0].pmu.loaded);
	assert_int_equal(fake.pmu.cntr[1], 0x1234);
	assert_int_equal(fake.pmu.type[1], PMU_EVT_CPU_CYCLES | PMEVTYPER_P);
	assert_int_equal(fake.pmu.cnten, BIT(1));
	assert_int_equal(fake.pmu.pmcr, PMCR_E);
	/* The hardware counts; a read sees it, 32 bits wide. */
	fake.pmu.cntr[1] = 0x1ffff0000ull;
	assert_int_equal(rd(0, PMEVCNTR(1)), 0xffff0000ull);
	/* Put: saved and the hardware stopped; load: back in. */
	vpmu_put(&vc[0]);
	assert_false(vc[0].pmu.loaded);
	assert_int_equal(fake.pmu.pmcr, 0);
	assert_int_equal(fake.pmu.cnten, 0);
	fake.pmu.cntr[1] = 0; /* another vCPU used it */
	vpmu_load(&vc[0]);
	assert_int_equal(fake.pmu.cntr[1], 0xffff0000ull);
	/* Disabled again: out of the hardware on the next put, not back on load. */
	wr(0, PMCNTENCLR, BIT(1));
	assert_false(vc[0].pmu.loaded);
	fake.pmu.loads = 0;
	vpmu_load(&vc[0]);
	assert_int_equal(fake.pmu.loads, 0);
}

/* The switch moves the PMU only for a vCPU marked switch_extra (vm.h). */
static void test_a_counter_left_live_marks_the_switch_extra(void **state)
{
	(void)state;
	wr(0, PMEVTYPER(1), PMU_EVT_CPU_CYCLES);
	wr(0, PMCNTENSET, BIT(1)); /* PMCR.E clear: nothing counts yet */
	assert_false(vc[0].switch_extra);
	wr(0, PMCR, PMCR_E);
	assert_true(vc[0].switch_extra);
	/* EL0 access granted counts as live too. */
	wr(1, PMUSERENR, 1);
	assert_true(vc[1].switch_extra);
}

static void test_a_vcpu_that_never_counts_costs_the_hardware_nothing(void **state)
{
	(void)state;
	vpmu_load(&vc[1]);
	vpmu_put(&vc[1]);
	assert_int_equal(fake.pmu.loads, 0);
	assert_false(vc[1].pmu.loaded);
}

static void test_pmcr_p_and_c_reset_the_counters(void **state)
{
	(void)state;
	wr(0, PMEVCNTR(0), 5);
	wr(0, PMEVCNTR(3), 6);
	wr(0, PMCCNTR, 7);
	wr(0, PMCR, PMCR_P);
	assert_int_equal(rd(0, PMEVCNTR(0)), 0);
	assert_int_equal(rd(0, PMEVCNTR(3)), 0);
	assert_int_equal(rd(0, PMCCNTR), 7);
	wr(0, PMCR, PMCR_C);
	assert_int_equal(rd(0, PMCCNTR), 0);
}

static void test_pmswinc_steps_enabled_sw_incr_counters_only(void **state)
{
	(void)state;
	wr(0, PMEVTYPER(0), PMU_EVT_SW_INCR);
	wr(0, PMEVTYPER(1), PMU_EVT_CPU_CYCLES);
	wr(0, PMEVTYPER(2), PMU_EVT_SW_INCR);
	wr(0, PMCNTENSET, BIT(0) | BIT(1));
	wr(0, PMSWINC, 0x7);
	assert_int_equal(rd(0, PMEVCNTR(0)), 0); /* PMCR.E clear: nothing counts */
	wr(0, PMCR, PMCR_E);
	wr(0, PMSWINC, 0x7);
	wr(0, PMSWINC, 0x7);
	assert_int_equal(rd(0, PMEVCNTR(0)), 2);
	assert_int_equal(rd(0, PMEVCNTR(1)), 0); /* not SW_INCR */
	assert_int_equal(rd(0, PMEVCNTR(2)), 0); /* not enabled */
}

static void test_overflow_drives_the_ppi_23_level(void **state)
{
	(void)state;
	wr(0, PMEVTYPER(0), PMU_EVT_SW_INCR);
	wr(0, PMEVCNTR(0), 0xffffffffull);
	wr(0, PMCR, PMCR_E);
	wr(0, PMCNTENSET, BIT(0));
	wr(0, PMSWINC, 1);
	assert_int_equal(rd(0, PMEVCNTR(0)), 0);
	assert_int_equal(rd(0, PMOVSSET), BIT(0));
	assert_false(pmu_line(0)); /* PMINTENSET clear */
	wr(0, PMINTENSET, BIT(0));
	assert_true(pmu_line(0));
	assert_false(pmu_line(1));
	/* PMCR.E off lowers it, on raises it again. */
	wr(0, PMCR, 0);
	assert_false(pmu_line(0));
	wr(0, PMCR, PMCR_E);
	assert_true(pmu_line(0));
	wr(0, PMOVSCLR, BIT(0));
	assert_false(pmu_line(0));
	assert_int_equal(rd(0, PMOVSSET), 0);
}

static void test_a_hardware_overflow_is_folded_in_by_the_interrupt(void **state)
{
	(void)state;
	wr(0, PMEVTYPER(2), PMU_EVT_CPU_CYCLES);
	wr(0, PMCCFILTR, ~0ull);
	assert_int_equal(rd(0, PMCCFILTR), PMEVTYPER_FILTERS);
	wr(0, PMINTENSET, BIT(31) | BIT(2));
	wr(0, PMCR, PMCR_E);
	wr(0, PMCNTENSET, BIT(31) | BIT(2));
	/* Every counting counter interrupts in the hardware, whatever the guest's PMINTENSET. */
	assert_int_equal(fake.pmu.inten, BIT(31) | BIT(2));
	fake.pmu.ovs = BIT(31);
	vpmu_overflow(&vc[0]);
	assert_true(pmu_line(0));
	assert_int_equal(rd(0, PMOVSSET), BIT(31));
	assert_int_equal(fake.pmu.ovs, 0); /* cleared in the hardware */
	assert_int_equal(fake.pmu.inten, BIT(31) | BIT(2)); /* enabled again */
}

static void test_chain_counts_the_even_counters_overflows(void **state)
{
	(void)state;
	wr(0, PMEVTYPER(2), PMU_EVT_CPU_CYCLES);
	wr(0, PMEVTYPER(3), PMU_EVT_CHAIN);
	wr(0, PMEVCNTR(3), 0xfffffffeull);
	wr(0, PMCR, PMCR_E);
	wr(0, PMCNTENSET, BIT(2) | BIT(3));
	/* The odd one is counted here, not by the hardware. */
	assert_int_equal(fake.pmu.cnten, BIT(2));
	fake.pmu.ovs = BIT(2);
	vpmu_overflow(&vc[0]);
	assert_int_equal(rd(0, PMEVCNTR(3)), 0xffffffffull);
	fake.pmu.ovs = BIT(2);
	vpmu_overflow(&vc[0]);
	/* The pair wrapped: both overflow flags. */
	assert_int_equal(rd(0, PMEVCNTR(3)), 0);
	assert_int_equal(rd(0, PMOVSSET), BIT(2) | BIT(3));
	/* A disabled odd counter does not step. */
	wr(0, PMCNTENCLR, BIT(3));
	fake.pmu.ovs = BIT(2);
	vpmu_overflow(&vc[0]);
	assert_int_equal(rd(0, PMEVCNTR(3)), 0);
}

static void test_pmswinc_overflow_steps_a_chained_counter(void **state)
{
	(void)state;
	wr(0, PMEVTYPER(0), PMU_EVT_SW_INCR);
	wr(0, PMEVTYPER(1), PMU_EVT_CHAIN);
	wr(0, PMEVCNTR(0), 0xffffffffull);
	wr(0, PMCR, PMCR_E);
	wr(0, PMCNTENSET, BIT(0) | BIT(1));
	wr(0, PMSWINC, BIT(0) | BIT(1)); /* bit 1 is no SW_INCR counter */
	assert_int_equal(rd(0, PMEVCNTR(0)), 0);
	assert_int_equal(rd(0, PMEVCNTR(1)), 1);
}

static void test_pmxev_registers_follow_pmselr(void **state)
{
	(void)state;
	wr(0, PMSELR, 2);
	wr(0, PMXEVTYPER, PMU_EVT_CPU_CYCLES | PMEVTYPER_NSH | 0xfc00ull);
	wr(0, PMXEVCNTR, 99);
	assert_int_equal(rd(0, PMEVTYPER(2)), PMU_EVT_CPU_CYCLES | PMEVTYPER_NSH);
	assert_int_equal(rd(0, PMEVCNTR(2)), 99);
	wr(0, PMSELR, 31);
	wr(0, PMXEVTYPER, PMEVTYPER_U);
	assert_int_equal(rd(0, PMCCFILTR), PMEVTYPER_U);
}

static void test_each_vcpu_has_its_own_counters(void **state)
{
	(void)state;
	wr(0, PMEVCNTR(0), 11);
	wr(1, PMEVCNTR(0), 22);
	wr(0, PMCR, PMCR_E);
	wr(1, PMUSERENR, 1);
	assert_int_equal(rd(0, PMEVCNTR(0)), 11);
	assert_int_equal(rd(1, PMEVCNTR(0)), 22);
	assert_int_equal(rd(1, PMCR) & PMCR_E, 0);
	assert_int_equal(rd(0, PMUSERENR), 0);
	/* EL0 access granted: its PMUSERENR goes to the hardware with it. */
	assert_true(vc[1].pmu.loaded);
	assert_int_equal(fake.pmu.userenr, 1);
}

static void test_el1_only_registers_are_undefined_from_el0(void **state)
{
	uint64_t v;

	(void)state;
	wr(0, PMUSERENR, 1);
	vc[0].regs.pstate = 0; /* EL0t */
	assert_true(mrs(&vc[0], PMCCNTR, &v));
	assert_true(mrs(&vc[0], PMUSERENR, &v));
	assert_int_equal(v, 1);
	assert_false(mrs(&vc[0], PMINTENSET, &v));
	vc[0].regs.pstate = 0;
	vc[0].regs.pc = PC0;
	assert_false(msr(&vc[0], PMUSERENR, 0));
	assert_int_equal(vc[0].pmu.userenr, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmcr_reads_n_and_keeps_e_d_lc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_past_n_are_undefined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_pmu_shown_means_every_register_is_undefined,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_set_and_clear_registers_keep_to_the_implemented_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_counters_go_to_the_hardware_only_while_something_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_vcpu_that_never_counts_costs_the_hardware_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_counter_left_live_marks_the_switch_extra, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pmcr_p_and_c_reset_the_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmswinc_steps_enabled_sw_incr_counters_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_drives_the_ppi_23_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_hardware_overflow_is_folded_in_by_the_interrupt,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_counts_the_even_counters_overflows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pmswinc_overflow_steps_a_chained_counter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pmxev_registers_follow_pmselr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_vcpu_has_its_own_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_el1_only_registers_are_undefined_from_el0, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
