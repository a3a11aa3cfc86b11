/*
 * hyp/core/guest_debug.c with the fake arch: the lazy switch of a guest's
 * own debug registers (first touch, OS lock, double lock), the hardware
 * slots a debugged entry gives the guest next to the debugger's, and which
 * debug exceptions are re-delivered to the guest with which syndrome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "hyp/arch/fake/fake.h"
#include "hyp/include/guest_debug.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/vm.h"

#define PC0      0x40080000ull
#define VBAR     0x40100000ull
#define PSR_EL1H 0x5ull
#define PSR_D    (1ull << 9)
#define PSR_EL0T 0x0ull
#define PSR_SS   (1ull << 21)

#define BCR_EL1_EL0 (GDBG_CR_E | GDBG_CR_EL1 | GDBG_CR_EL0 | (0xfull << 5))
#define BCR_EL1     (GDBG_CR_E | GDBG_CR_EL1 | (0xfull << 5))
#define WCR_STORE_8 (GDBG_CR_E | GDBG_CR_EL1 | GDBG_CR_EL0 | GDBG_WCR_STORE | (0xffull << 5))

static struct vm svm;
static struct vcpu *const vc = svm.vcpus;

static uint64_t esr_sys(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
			bool read)
{
	return 0x18ull << 26 | 1ull << 25 | (uint64_t)op0 << 20 | (uint64_t)op2 << 17 |
	       (uint64_t)op1 << 14 | (uint64_t)crn << 10 | 3ull << 5 | (uint64_t)crm << 1 |
	       (read ? 1 : 0);
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	memset(&svm, 0, sizeof(svm));
	svm.nr_vcpus = 2;
	for (unsigned i = 0; i < 2; i++) {
		vc[i].id = i;
		vc[i].vm = &svm;
		vc[i].regs.pc = PC0;
		vc[i].regs.pstate = PSR_EL1H;
		vc[i].el1[VBAR_EL1] = VBAR;
	}
	/* The guest is told 6 breakpoints and 4 watchpoints. */
	guest_id_regs[ID_DFR0] = 6 | 5ull << 12 | 3ull << 20;
	return 0;
}

/* A trapped MSR x3 of @val; true when emulated (the PC moved on). */
static bool msr(struct vcpu *v, unsigned op0, unsigned op1, unsigned crn, unsigned crm,
		unsigned op2, uint64_t val)
{
	uint64_t pc = v->regs.pc;

	v->regs.x[3] = val;
	v->fault.esr = esr_sys(op0, op1, crn, crm, op2, false);
	assert_true(handle_sysreg_trap(v));
	return v->regs.pc == pc + 4;
}

#define MSR_MDSCR(v, val)   msr(v, 2, 0, 0, 2, 2, val)
#define MSR_DBGBCR0(v, val) msr(v, 2, 0, 0, 0, 5, val)
#define MSR_OSLAR(v, val)   msr(v, 2, 0, 1, 0, 4, val)
#define MSR_OSDLR(v, val)   msr(v, 2, 0, 1, 3, 4, val)
#define MSR_DBGPRCR(v, val) msr(v, 2, 0, 1, 4, 4, val)

static void test_first_touch_loads_the_registers_and_runs_the_access_again(void **state)
{
	(void)state;
	assert_false(MSR_MDSCR(&vc[0], GDBG_MDSCR_MDE));
	assert_int_equal(vc[0].regs.pc, PC0); /* the MSR runs again, on the hardware */
	assert_true(vc[0].dbg.loaded);
	assert_true(vc[0].dbg.in_hw);
	assert_true(vc[0].switch_extra); /* its switches move them (vm.h) */
	assert_int_equal(fake.debug_loads, 1);
	assert_int_equal(vc[0].dbg.mdscr, 0); /* not emulated */
	/* The other vCPU never touched debug: nothing of it is switched. */
	assert_false(vc[1].dbg.loaded);
	assert_false(vc[1].switch_extra);
	assert_false(guest_debug_may_load(&vc[1]));
	assert_true(guest_debug_may_load(&vc[0]));
}

static void test_os_lock_registers_trap_without_loading_anything(void **state)
{
	(void)state;
	assert_true(MSR_OSLAR(&vc[0], 0));
	assert_false(vc[0].dbg.loaded);
	assert_int_equal(fake.debug_loads, 0);
}

static void test_first_touch_under_the_os_lock_is_emulated_until_unlock(void **state)
{
	(void)state;
	assert_true(MSR_OSLAR(&vc[0], 1));
	assert_true(MSR_DBGBCR0(&vc[0], BCR_EL1_EL0));
	assert_int_equal(vc[0].dbg.bcr[0], BCR_EL1_EL0);
	assert_true(vc[0].dbg.loaded);
	assert_false(vc[0].dbg.in_hw);
	assert_int_equal(fake.debug_loads, 0);
	/* Unlocking puts them into the hardware. */
	assert_true(MSR_OSLAR(&vc[0], 0));
	assert_true(vc[0].dbg.in_hw);
	assert_int_equal(fake.debug_loads, 1);
}

static void test_locking_takes_loaded_registers_out_of_the_hardware(void **state)
{
	(void)state;
	assert_false(MSR_MDSCR(&vc[0], 0));
	assert_true(vc[0].dbg.in_hw);
	assert_true(MSR_OSLAR(&vc[0], 1));
	assert_false(vc[0].dbg.in_hw);
	assert_int_equal(fake.debug_saves, 1);
	assert_true(MSR_OSLAR(&vc[0], 0));
	assert_true(vc[0].dbg.in_hw);
}

static void test_double_lock_counts_only_without_a_powerdown_request(void **state)
{
	(void)state;
	assert_false(MSR_MDSCR(&vc[0], 0));
	assert_true(MSR_DBGPRCR(&vc[0], 1)); /* CORENPDRQ: DLK has no effect */
	assert_true(MSR_OSDLR(&vc[0], 1));
	assert_true(vc[0].dbg.in_hw);
	assert_true(MSR_DBGPRCR(&vc[0], 0));
	assert_false(vc[0].dbg.in_hw);
	assert_true(MSR_OSDLR(&vc[0], 0));
	assert_true(vc[0].dbg.in_hw);
}

/* Once loaded, an access that still traps (a debugger attached) is emulated. */
static void test_trapped_access_of_loaded_registers_is_emulated(void **state)
{
	(void)state;
	assert_false(MSR_MDSCR(&vc[0], 0));
	assert_true(MSR_MDSCR(&vc[0], GDBG_MDSCR_KDE));
	assert_int_equal(vc[0].dbg.mdscr, GDBG_MDSCR_KDE);
	assert_true(vc[0].dbg.in_hw); /* back in the hardware after it */
	assert_int_equal(fake.debug_saves, 1);
	assert_int_equal(fake.debug_loads, 2);
}

static void touch(struct vcpu *v, uint64_t mdscr)
{
	v->dbg.loaded = true;
	v->dbg.mdscr = mdscr;
}

static void test_merge_puts_the_guest_in_the_slots_the_debugger_leaves(void **state)
{
	struct vm_gdb_hw gdb = { 0 }, out;
	uint64_t mdscr;

	(void)state;
	gdb.bvr[0] = 0x1000;
	gdb.bcr[0] = BCR_EL1_EL0;
	gdb.bvr[1] = 0x2000;
	gdb.bcr[1] = BCR_EL1_EL0;
	gdb.nr_bp = 2;
	touch(&vc[0], GDBG_MDSCR_MDE | GDBG_MDSCR_KDE);
	vc[0].dbg.bvr[0] = 0x3000;
	vc[0].dbg.bcr[0] = BCR_EL1_EL0 | GDBG_CR_HMC_SSC; /* HMC/SSC: never to EL2 */
	vc[0].dbg.bvr[2] = 0x4000;
	vc[0].dbg.bcr[2] = BCR_EL1;
	vc[0].dbg.wvr[0] = 0x5000;
	vc[0].dbg.wcr[0] = WCR_STORE_8;
	mdscr = guest_debug_merge(&vc[0], &gdb, 6, 4, &out);
	assert_int_equal(mdscr, GDBG_MDSCR_MDE);
	assert_int_equal(out.bvr[0], 0x1000);
	assert_int_equal(out.bvr[1], 0x2000);
	assert_int_equal(out.bvr[2], 0x3000);
	assert_int_equal(out.bcr[2], BCR_EL1_EL0);
	assert_int_equal(out.bvr[3], 0x4000);
	assert_int_equal(out.nr_bp, 4);
	assert_int_equal(out.wvr[0], 0x5000);
	assert_int_equal(out.nr_wp, 1);
}

static void test_merge_keeps_only_the_els_the_guest_enables(void **state)
{
	struct vm_gdb_hw gdb = { 0 }, out;

	(void)state;
	/* MDE without KDE: EL0 only. */
	touch(&vc[0], GDBG_MDSCR_MDE);
	vc[0].dbg.bvr[0] = 0x3000;
	vc[0].dbg.bcr[0] = BCR_EL1_EL0;
	vc[0].dbg.bvr[1] = 0x4000;
	vc[0].dbg.bcr[1] = BCR_EL1;
	guest_debug_merge(&vc[0], &gdb, 6, 4, &out);
	assert_int_equal(out.nr_bp, 1);
	assert_int_equal(out.bcr[0], BCR_EL1_EL0 & ~GDBG_CR_EL1);
	/* No MDE, or the OS lock held: nothing. */
	touch(&vc[0], GDBG_MDSCR_KDE);
	assert_int_equal(guest_debug_merge(&vc[0], &gdb, 6, 4, &out), 0);
	assert_int_equal(out.nr_bp, 0);
	touch(&vc[0], GDBG_MDSCR_MDE | GDBG_MDSCR_KDE);
	vc[0].dbg.oslk = 1;
	assert_int_equal(guest_debug_merge(&vc[0], &gdb, 6, 4, &out), 0);
	assert_int_equal(out.nr_bp, 0);
}

static void test_merge_gives_up_guest_slots_when_the_hardware_is_full(void **state)
{
	struct vm_gdb_hw gdb = { 0 }, out;

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		gdb.wvr[i] = 0x1000 + 8 * i;
		gdb.wcr[i] = WCR_STORE_8;
	}
	gdb.nr_wp = 4;
	touch(&vc[0], GDBG_MDSCR_MDE | GDBG_MDSCR_KDE);
	vc[0].dbg.wvr[0] = 0x9000;
	vc[0].dbg.wcr[0] = WCR_STORE_8;
	assert_int_equal(guest_debug_merge(&vc[0], &gdb, 6, 4, &out), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(out.wvr[i], 0x1000 + 8 * i);
}

static void test_merge_adds_the_guest_step_unless_locked(void **state)
{
	struct vm_gdb_hw gdb = { 0 }, out;

	(void)state;
	touch(&vc[0], GDBG_MDSCR_SS);
	vc[0].regs.pstate = PSR_EL0T;
	assert_int_equal(guest_debug_merge(&vc[0], &gdb, 6, 4, &out), GDBG_MDSCR_SS);
	/* At EL1 too: the guest's own ERET to EL0 may arm it without an exit. */
	vc[0].regs.pstate = PSR_EL1H | PSR_D;
	assert_int_equal(guest_debug_merge(&vc[0], &gdb, 6, 4, &out), GDBG_MDSCR_SS);
	/* Not under the OS lock. */
	vc[0].dbg.oslk = 1;
	assert_int_equal(guest_debug_merge(&vc[0], &gdb, 6, 4, &out), 0);
}

static void exception(struct vcpu *v, unsigned ec, uint64_t iss, uint64_t far)
{
	v->fault.esr = (uint64_t)ec << ESR_EC_SHIFT | 1ull << 25 | iss;
	v->fault.far = far;
	v->gdb.active = true;
	guest_debug_exception(v);
}

static void test_guest_breakpoint_from_el0_is_injected_as_lower_el(void **state)
{
	(void)state;
	touch(&vc[0], GDBG_MDSCR_MDE);
	vc[0].dbg.bvr[1] = PC0;
	vc[0].dbg.bcr[1] = BCR_EL1_EL0;
	vc[0].regs.pstate = PSR_EL0T;
	exception(&vc[0], ESR_EC_BREAKPT_LOW, 0x22, 0);
	assert_int_equal(esr_ec(vc[0].el1[ESR_EL1]), ESR_EC_BREAKPT_LOW);
	assert_int_equal(vc[0].el1[ELR_EL1], PC0);
	assert_int_equal(vc[0].regs.pc, VBAR + 0x400);
	assert_false(vc[0].dbg.skip);
}

static void test_guest_breakpoint_at_el1_needs_kde_and_pstate_d_clear(void **state)
{
	(void)state;
	touch(&vc[0], GDBG_MDSCR_MDE | GDBG_MDSCR_KDE);
	vc[0].dbg.bvr[0] = PC0;
	vc[0].dbg.bcr[0] = BCR_EL1_EL0;
	vc[0].regs.pstate = PSR_EL1H | PSR_D;
	exception(&vc[0], ESR_EC_BREAKPT_LOW, 0x22, 0);
	assert_int_equal(vc[0].regs.pc, PC0); /* not the guest's now: stepped over */
	assert_true(vc[0].dbg.skip);
	vc[0].dbg.skip = false;
	vc[0].regs.pstate = PSR_EL1H;
	exception(&vc[0], ESR_EC_BREAKPT_LOW, 0x22, 0);
	assert_int_equal(esr_ec(vc[0].el1[ESR_EL1]), ESR_EC_BREAKPT_CUR);
	assert_int_equal(vc[0].el1[ESR_EL1] & 0x3f, 0x22);
	assert_int_equal(vc[0].regs.pc, VBAR + 0x200);
}

static void test_guest_watchpoint_sets_far_and_keeps_wnr(void **state)
{
	(void)state;
	touch(&vc[0], GDBG_MDSCR_MDE | GDBG_MDSCR_KDE);
	vc[0].dbg.wvr[3] = 0x40200000;
	vc[0].dbg.wcr[3] = WCR_STORE_8;
	exception(&vc[0], ESR_EC_WATCHPT_LOW, 1ull << 6 | 0x22, 0x40200004);
	assert_int_equal(esr_ec(vc[0].el1[ESR_EL1]), ESR_EC_WATCHPT_CUR);
	assert_true(vc[0].el1[ESR_EL1] & (1ull << 6));
	assert_int_equal(vc[0].el1[FAR_EL1], 0x40200004);
}

static void test_guest_watchpoint_for_stores_ignores_a_load(void **state)
{
	(void)state;
	touch(&vc[0], GDBG_MDSCR_MDE | GDBG_MDSCR_KDE);
	vc[0].dbg.wvr[0] = 0x40200000;
	vc[0].dbg.wcr[0] = WCR_STORE_8;
	exception(&vc[0], ESR_EC_WATCHPT_LOW, 0x22, 0x40200000);
	assert_int_equal(vc[0].regs.pc, PC0);
	assert_int_equal(vc[0].el1[FAR_EL1], 0);
	assert_true(vc[0].dbg.skip);
}

static void test_step_exits_clear_a_skip_or_reach_the_guest(void **state)
{
	(void)state;
	vc[0].dbg.skip = true;
	touch(&vc[0], GDBG_MDSCR_SS);
	vc[0].regs.pstate = PSR_EL0T;
	exception(&vc[0], ESR_EC_SOFTSTP_LOW, 1ull << 24 | 0x22, 0);
	assert_false(vc[0].dbg.skip);
	assert_int_equal(vc[0].regs.pc, PC0);
	exception(&vc[0], ESR_EC_SOFTSTP_LOW, 1ull << 24 | 0x22, 0);
	assert_int_equal(esr_ec(vc[0].el1[ESR_EL1]), ESR_EC_SOFTSTP_LOW);
	assert_int_equal(vc[0].el1[ELR_EL1], PC0);
	/* A step at EL1 the guest does not take (no KDE): one more instruction. */
	vc[1].regs.pstate = PSR_EL1H;
	touch(&vc[1], GDBG_MDSCR_SS);
	exception(&vc[1], ESR_EC_SOFTSTP_LOW, 1ull << 24 | 0x22, 0);
	assert_int_equal(vc[1].regs.pc, PC0);
	assert_int_equal(vc[1].regs.pstate, PSR_EL1H | PSR_SS);
	assert_int_equal(vc[1].el1[ESR_EL1], 0);
	/* A step left over after the guest dropped MDSCR_EL1.SS: nothing. */
	vc[1].regs.pstate = PSR_EL1H;
	vc[1].dbg.mdscr = 0;
	exception(&vc[1], ESR_EC_SOFTSTP_LOW, 1ull << 24 | 0x22, 0);
	assert_int_equal(vc[1].regs.pstate, PSR_EL1H);
}

/* Stepping the guest's own ERET that restores SPSR_EL1.SS: the step that
 * completes it is ours; the guest's step then runs one instruction first. */
static void test_stepped_eret_with_spsr_ss_hands_the_step_back(void **state)
{
	(void)state;
	touch(&vc[0], GDBG_MDSCR_SS);
	vc[0].regs.pstate = PSR_EL1H | PSR_D;
	vc[0].el1[SPSR_EL1] = PSR_EL0T | PSR_SS;
	fake.guest_insn = 0xd69f03e0; /* ERET */
	fake.guest_insn_valid = true;
	exception(&vc[0], ESR_EC_SOFTSTP_LOW, 0x22, 0);
	assert_true(vc[0].dbg.eret_ss);
	assert_true(vc[0].regs.pstate & PSR_SS);
	/* The ERET done: at EL0, its step exception (ISV 0) is not the guest's. */
	vc[0].regs.pstate = PSR_EL0T;
	vc[0].regs.pc = PC0 + 0x100;
	exception(&vc[0], ESR_EC_SOFTSTP_LOW, 0x22, 0);
	assert_false(vc[0].dbg.eret_ss);
	assert_int_equal(vc[0].regs.pstate, PSR_EL0T | PSR_SS);
	assert_int_equal(vc[0].el1[ESR_EL1], 0);
	/* The next one, after the EL0 instruction ran, is. */
	vc[0].regs.pstate = PSR_EL0T;
	vc[0].regs.pc = PC0 + 0x104;
	exception(&vc[0], ESR_EC_SOFTSTP_LOW, 1ull << 24 | 0x22, 0);
	assert_int_equal(esr_ec(vc[0].el1[ESR_EL1]), ESR_EC_SOFTSTP_LOW);
	assert_int_equal(vc[0].el1[ELR_EL1], PC0 + 0x104);
	/* An ERET to a context without SPSR.SS is just one more instruction. */
	vc[1].regs.pstate = PSR_EL1H | PSR_D;
	touch(&vc[1], GDBG_MDSCR_SS);
	exception(&vc[1], ESR_EC_SOFTSTP_LOW, 0x22, 0);
	assert_false(vc[1].dbg.eret_ss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_first_touch_loads_the_registers_and_runs_the_access_again,
				       setup),
		cmocka_unit_test_setup(test_os_lock_registers_trap_without_loading_anything, setup),
		cmocka_unit_test_setup(test_first_touch_under_the_os_lock_is_emulated_until_unlock,
				       setup),
		cmocka_unit_test_setup(test_locking_takes_loaded_registers_out_of_the_hardware, setup),
		cmocka_unit_test_setup(test_double_lock_counts_only_without_a_powerdown_request,
				       setup),
		cmocka_unit_test_setup(test_trapped_access_of_loaded_registers_is_emulated, setup),
		cmocka_unit_test_setup(test_merge_puts_the_guest_in_the_slots_the_debugger_leaves,
				       setup),
		cmocka_unit_test_setup(test_merge_keeps_only_the_els_the_guest_enables, setup),
		cmocka_unit_test_setup(test_merge_gives_up_guest_slots_when_the_hardware_is_full,
				       setup),
		cmocka_unit_test_setup(test_merge_adds_the_guest_step_unless_locked, setup),
		cmocka_unit_test_setup(test_guest_breakpoint_from_el0_is_injected_as_lower_el, setup),
		cmocka_unit_test_setup(test_guest_breakpoint_at_el1_needs_kde_and_pstate_d_clear,
				       setup),
		cmocka_unit_test_setup(test_guest_watchpoint_sets_far_and_keeps_wnr, setup),
		cmocka_unit_test_setup(test_guest_watchpoint_for_stores_ignores_a_load, setup),
		cmocka_unit_test_setup(test_step_exits_clear_a_skip_or_reach_the_guest, setup),
		cmocka_unit_test_setup(test_stepped_eret_with_spsr_ss_hands_the_step_back, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
