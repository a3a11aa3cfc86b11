/*
 * hyp/core/exit.c (with inject.c): what a guest exit does, from ESR_EL2
 * values built by hand from the Arm ARM's ISS layouts. MMIO emulation
 * through data aborts, external aborts and UNDEFs injected exactly as an
 * exception entry to EL1, HVC/SMC return addresses, WFI/WFE with the timers
 * and the vGIC's pending interrupts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/exits.h"
#include "hyp/arch/fake/fake.h"
#include "hyp/include/arch.h"
#include "hyp/include/exit_fast.h"
#include "hyp/include/mmio.h"
#include "hyp/include/percpu.h"
#include "hyp/include/psci.h"
#include "hyp/include/run.h"
#include "hyp/include/sched.h"
#include "hyp/include/vm.h"
#include "hyp/vgic/vgic.h"

#define PC0       0x40080000ull
#define VBAR      0x40100000ull
#define DEV_IPA   0x09000000ull
#define DEV_SIZE  0x1000ull
#define FAR_VA    0xffff800009000000ull /* the guest's VA of DEV_IPA */
#define SLICE     1000u

#define PSR_EL0T      0x000ull
#define PSR_EL1T_DAIF 0x3c4ull
#define PSR_EL1H      0x005ull
#define PSR_EL1H_DAIF 0x3c5ull
#define PSR_NZCV      (0xfull << 28)
#define PSR_PAN       (1ull << 22)
#define SCTLR_RESET   0x30d00800ull /* SPAN set */
#define SCTLR_SPAN    (1ull << 23)
#define HCR_VSE       FAKE_HCR_VSE /* what arch_vcpu_pend_serror() sets */

#define IL (1ull << 25)

static struct vm vm;
static struct hypstat_vcpu stat[2];
static struct hypcfg cfg;
static struct vcpu *v = &vm.vcpus[0];
static struct vcpu *other = &vm.vcpus[1];

/* The device: records the access, answers dev_answer / dev_ok. */
static struct {
	unsigned calls;
	uint64_t offset;
	unsigned size;
	bool write;
	uint64_t val;
	uint64_t answer;
	bool ok;
} dev;

static bool dev_mmio(void *opaque, struct vcpu *vcpu, uint64_t offset, unsigned size, bool write,
		     uint64_t *val)
{
	assert_ptr_equal(opaque, &dev);
	assert_ptr_equal(vcpu, v);
	dev.calls++;
	dev.offset = offset;
	dev.size = size;
	dev.write = write;
	dev.val = *val;
	if (!write)
		*val = dev.answer;
	return dev.ok;
}

static void init_vcpu(struct vcpu *c, unsigned id)
{
	c->vm = &vm;
	c->id = id;
	c->pcpu = 0;
	c->stat = &stat[id];
	c->run = VCPU_RUNNABLE;
	c->power = VCPU_POWER_ON;
	assert_true(vgic_cpu_init(&vm.vgic, &c->vgic, id));
	c->regs.pc = PC0;
	c->regs.pstate = PSR_EL1H_DAIF;
	c->el1[VBAR_EL1] = VBAR;
	c->el1[SCTLR_EL1] = SCTLR_RESET;
	for (unsigned i = 0; i < 31; i++)
		c->regs.x[i] = 0x5500000000000000ull | i;
	assert_int_equal(rq_attach(&percpu[0].rq, c), 0);
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	memset(&vm, 0, sizeof(vm));
	memset(stat, 0, sizeof(stat));
	memset(&dev, 0, sizeof(dev));
	memset(&cfg, 0, sizeof(cfg));
	hypcfg = &cfg;
	dev.ok = true;
	vm.state = VM_RUNNING;
	vm.nr_vcpus = 2;
	vm.cntvoff = 300;
	vgic_vm_init(&vm.vgic, 2, NULL, NULL);
	mmio_bus_init(&vm.bus);
	assert_int_equal(mmio_bus_add(&vm.bus, DEV_IPA, DEV_SIZE, "dev", 0, dev_mmio, &dev), 0);
	rq_init(&percpu[0].rq, SLICE);
	init_vcpu(v, 0);
	init_vcpu(other, 1);
	sched_block(&percpu[0].rq, other, 0); /* nobody else wants the CPU */
	assert_ptr_equal(sched_pick(&percpu[0].rq, fake.counter), v);
	return 0;
}

/* The guest's GIC setup: Group 1 on at the distributor, PPI intid enabled on vCPU 0. */
static void enable_ppi(unsigned intid)
{
	uint64_t val = GICD_CTLR_ENABLE_G1;

	assert_true(vgic_dist_mmio(&vm.vgic, 0, 0, 4, true, &val));
	val = 1ull << intid;
	assert_true(vgic_redist_mmio(&vm.vgic, VGIC_SGI_FRAME + 0x100, 4, true, &val));
}

/* --------------------------------------------------------- ESR builders */

/* Data abort from a lower EL (EC 0x24), a stage-2 translation fault at level 3. */
static uint64_t esr_dabt(bool isv, unsigned sas, bool sse, unsigned srt, bool sf, bool wnr)
{
	return 0x24ull << 26 | IL | (uint64_t)isv << 24 | (uint64_t)sas << 22 |
	       (uint64_t)sse << 21 | (uint64_t)srt << 16 | (uint64_t)sf << 15 |
	       (uint64_t)wnr << 6 | 0x07;
}

static uint64_t esr_of(unsigned ec, uint32_t iss)
{
	return (uint64_t)ec << 26 | IL | iss;
}

/* WFx ISS: TI [1:0], RV [2], Rn [9:5]. */
static uint64_t esr_wfx(unsigned ti, bool rv, unsigned rn)
{
	return esr_of(0x01, ti | (uint32_t)rv << 2 | rn << 5);
}

/* An access to ipa: HPFAR_EL2.FIPA carries IPA[47:12], FAR_EL2 the VA. */
static bool dabt_at(uint64_t ipa, uint64_t esr)
{
	v->fault.esr = esr;
	v->fault.hpfar = (ipa >> 12) << 4;
	v->fault.far = FAR_VA + (ipa - DEV_IPA);
	return handle_exit(v, EXIT_TYPE_SYNC);
}

/* The guest took a synchronous exception to EL1 with this ESR_EL1 from pc/pstate. */
static void assert_exception_entry(uint64_t esr, uint64_t pc, uint64_t pstate, uint64_t vector)
{
	assert_int_equal(v->el1[ESR_EL1], esr);
	assert_int_equal(v->el1[ELR_EL1], pc);
	assert_int_equal(v->el1[SPSR_EL1], pstate);
	assert_int_equal(v->regs.pstate, PSR_EL1H_DAIF);
	assert_int_equal(v->regs.pc, VBAR + vector);
}

/* ------------------------------------------------------------ counting */

static void test_exits_are_counted_per_class(void **state)
{
	(void)state;
	v->regs.x[0] = 0xc6000000; /* HYPSCOPE_HVC_NOP */
	v->fault.esr = esr_of(ESR_EC_HVC64, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	v->fault.esr = esr_of(ESR_EC_HVC64, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	v->fault.esr = esr_of(ESR_EC_SVE, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_true(handle_exit(v, EXIT_TYPE_IRQ));
	assert_true(handle_exit(v, EXIT_TYPE_FIQ));
	assert_true(handle_exit(v, EXIT_TYPE_SERROR));
	assert_int_equal(stat[0].exits[ESR_EC_HVC64], 2);
	assert_int_equal(stat[0].exits[ESR_EC_SVE], 1);
	assert_int_equal(stat[0].exits[HYP_EXIT_IRQ], 1);
	assert_int_equal(stat[0].exits[HYP_EXIT_FIQ], 1);
	assert_int_equal(stat[0].exits[HYP_EXIT_SERROR], 1);
	assert_int_equal(stat[1].exits[ESR_EC_HVC64], 0);
}

static void test_unexpected_exit_type_is_counted_illegal_and_undefs(void **state)
{
	(void)state;
	assert_true(handle_exit(v, 7));
	assert_int_equal(stat[0].exits[HYP_EXIT_ILLEGAL], 1);
	assert_exception_entry(IL, PC0, PSR_EL1H_DAIF, 0x200);
}

/* ------------------------------------------------------------ MMIO */

static void test_mmio_read_reaches_the_handler_and_the_register(void **state)
{
	(void)state;
	dev.answer = 0xaabbccdd;
	/* LDR w3, [..] at DEV_IPA + 0x18 */
	assert_true(dabt_at(DEV_IPA + 0x18, esr_dabt(true, 2, false, 3, false, false)));
	assert_int_equal(dev.calls, 1);
	assert_int_equal(dev.offset, 0x18);
	assert_int_equal(dev.size, 4);
	assert_false(dev.write);
	assert_int_equal(v->regs.x[3], 0xaabbccdd);
	assert_int_equal(v->regs.pc, PC0 + 4);
	assert_int_equal(v->el1[ESR_EL1], 0); /* nothing injected */
}

static void test_mmio_offset_combines_hpfar_page_and_far_offset(void **state)
{
	(void)state;
	v->fault.esr = esr_dabt(true, 0, false, 1, false, false);
	v->fault.hpfar = ((DEV_IPA + 0xf000) >> 12) << 4 | 0xf; /* bits [3:0] are not FIPA */
	v->fault.far = 0xffff000012345ffdull;
	assert_int_equal(mmio_bus_add(&vm.bus, DEV_IPA + 0xf000, 0x1000, "b", 0, dev_mmio, &dev),
			 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(dev.calls, 1);
	assert_int_equal(dev.offset, 0xffd);
	assert_int_equal(dev.size, 1);
}

static void test_mmio_read_sign_extends_with_sse(void **state)
{
	(void)state;
	/* LDRSB x3 */
	dev.answer = 0x80;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 0, true, 3, true, false)));
	assert_int_equal(v->regs.x[3], 0xffffffffffffff80ull);
	/* LDRSH x4 */
	dev.answer = 0x8001;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 1, true, 4, true, false)));
	assert_int_equal(v->regs.x[4], 0xffffffffffff8001ull);
	/* LDRSW x5 */
	dev.answer = 0x80000000;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 2, true, 5, true, false)));
	assert_int_equal(v->regs.x[5], 0xffffffff80000000ull);
	/* LDRSB x6 of a positive byte */
	dev.answer = 0x7f;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 0, true, 6, true, false)));
	assert_int_equal(v->regs.x[6], 0x7f);
	assert_int_equal(v->regs.pc, PC0 + 16);
}

static void test_mmio_read_into_a_w_register_is_truncated_to_32_bits(void **state)
{
	(void)state;
	/* LDRSB w3: sign-extended to 32 bits only, the top half zero. */
	dev.answer = 0x80;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 0, true, 3, false, false)));
	assert_int_equal(v->regs.x[3], 0xffffff80ull);
	/* LDRSH w4 */
	dev.answer = 0xfffe;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 1, true, 4, false, false)));
	assert_int_equal(v->regs.x[4], 0xfffffffeull);
}

static void test_mmio_read_keeps_only_the_accessed_bytes(void **state)
{
	(void)state;
	/* A device answering more than asked: only SAS bytes reach the register. */
	dev.answer = 0x123456789abcdef0ull;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 0, false, 3, true, false)));
	assert_int_equal(v->regs.x[3], 0xf0);
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 1, false, 3, true, false)));
	assert_int_equal(v->regs.x[3], 0xdef0);
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 3, false, 3, true, false)));
	assert_int_equal(v->regs.x[3], 0x123456789abcdef0ull);
}

static void test_mmio_write_passes_the_register_masked_to_the_access_size(void **state)
{
	static const uint64_t expect[4] = { 0x88, 0x7788, 0x55667788, 0x1122334455667788ull };

	(void)state;
	v->regs.x[5] = 0x1122334455667788ull;
	for (unsigned sas = 0; sas < 4; sas++) {
		assert_true(dabt_at(DEV_IPA + 8, esr_dabt(true, sas, false, 5, sas == 3, true)));
		assert_int_equal(dev.calls, sas + 1);
		assert_true(dev.write);
		assert_int_equal(dev.size, 1u << sas);
		assert_int_equal(dev.offset, 8);
		assert_int_equal(dev.val, expect[sas]);
	}
	assert_int_equal(v->regs.x[5], 0x1122334455667788ull);
	assert_int_equal(v->regs.pc, PC0 + 16);
}

static void test_xzr_is_zero_for_mmio(void **state)
{
	struct gp_regs before;

	(void)state;
	/* STR wzr */
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 2, false, 31, false, true)));
	assert_int_equal(dev.val, 0);
	/* LDR xzr: the value goes nowhere. */
	dev.answer = 0xffffffffffffffffull;
	memcpy(&before, &v->regs, sizeof(before));
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 3, false, 31, true, false)));
	assert_memory_equal(v->regs.x, before.x, sizeof(before.x));
	assert_int_equal(v->regs.pc, before.pc + 4);
}

/* ------------------------------------------------------------ aborts */

static void test_abort_outside_any_region_injects_an_external_abort(void **state)
{
	uint64_t old = PSR_EL1H_DAIF | PSR_NZCV;

	(void)state;
	v->regs.pstate = old;
	assert_true(dabt_at(0x05000000, esr_dabt(true, 2, false, 3, false, false)));
	assert_int_equal(dev.calls, 0);
	/* EC 0x25 (same EL), IL, DFSC 0x10, a read. */
	assert_exception_entry(0x25ull << 26 | IL | 0x10, PC0, old, 0x200);
	assert_int_equal(v->el1[FAR_EL1], FAR_VA + (0x05000000 - DEV_IPA));
	assert_int_equal(v->regs.x[3], 0x5500000000000003ull);
}

static void test_write_abort_sets_wnr(void **state)
{
	(void)state;
	assert_true(dabt_at(0x05000000, esr_dabt(true, 2, false, 3, false, true)));
	assert_int_equal(v->el1[ESR_EL1], 0x25ull << 26 | IL | 1ull << 6 | 0x10);
}

static void test_abort_from_el1t_uses_the_sp0_vector(void **state)
{
	(void)state;
	v->regs.pstate = PSR_EL1T_DAIF;
	assert_true(dabt_at(0x05000000, esr_dabt(true, 2, false, 3, false, false)));
	assert_exception_entry(0x25ull << 26 | IL | 0x10, PC0, PSR_EL1T_DAIF, 0x000);
}

static void test_abort_from_el0_uses_the_lower_el_vector(void **state)
{
	(void)state;
	v->regs.pstate = PSR_EL0T | PSR_NZCV;
	assert_true(dabt_at(0x05000000, esr_dabt(true, 0, false, 3, false, true)));
	/* EC 0x24 (lower EL). */
	assert_exception_entry(0x24ull << 26 | IL | 1ull << 6 | 0x10, PC0, PSR_EL0T | PSR_NZCV,
			       0x400);
}

static void test_abort_without_a_valid_syndrome_is_injected(void **state)
{
	(void)state;
	/* ISV = 0 (LDP, writeback, ...) inside the device: cannot be emulated. */
	assert_true(dabt_at(DEV_IPA, esr_dabt(false, 0, false, 0, false, false)));
	assert_int_equal(dev.calls, 0);
	assert_exception_entry(0x25ull << 26 | IL | 0x10, PC0, PSR_EL1H_DAIF, 0x200);
	assert_int_equal(v->el1[FAR_EL1], FAR_VA);
}

static void test_stage1_walk_into_a_device_is_injected(void **state)
{
	(void)state;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 3, false, 0, true, false) | 1ull << 7));
	assert_int_equal(dev.calls, 0);
	assert_int_equal(v->regs.pc, VBAR + 0x200);
}

static void test_access_straddling_the_region_end_is_injected(void **state)
{
	(void)state;
	assert_true(dabt_at(DEV_IPA + DEV_SIZE - 2, esr_dabt(true, 2, false, 1, false, false)));
	assert_int_equal(dev.calls, 0);
	assert_int_equal(v->regs.pc, VBAR + 0x200);
}

static void test_access_refused_by_the_device_is_injected(void **state)
{
	(void)state;
	dev.ok = false;
	dev.answer = 0x1234;
	assert_true(dabt_at(DEV_IPA, esr_dabt(true, 2, false, 3, false, false)));
	assert_int_equal(dev.calls, 1);
	assert_int_equal(v->regs.x[3], 0x5500000000000003ull);
	assert_exception_entry(0x25ull << 26 | IL | 0x10, PC0, PSR_EL1H_DAIF, 0x200);
}

static void test_exception_entry_sets_pan_unless_span(void **state)
{
	(void)state;
	v->el1[SCTLR_EL1] = SCTLR_RESET & ~SCTLR_SPAN;
	assert_true(dabt_at(0x05000000, esr_dabt(true, 2, false, 3, false, false)));
	assert_int_equal(v->regs.pstate, PSR_EL1H_DAIF | PSR_PAN);
	/* With SPAN set, PAN is what it was. */
	v->el1[SCTLR_EL1] = SCTLR_RESET;
	v->regs.pstate = PSR_EL1H | PSR_PAN;
	assert_true(dabt_at(0x05000000, esr_dabt(true, 2, false, 3, false, false)));
	assert_int_equal(v->regs.pstate, PSR_EL1H_DAIF | PSR_PAN);
}

static void test_instruction_abort_is_injected(void **state)
{
	(void)state;
	v->fault.esr = esr_of(ESR_EC_IABT_LOW, 0x07);
	v->fault.far = 0x08000000;
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_exception_entry(0x21ull << 26 | IL | 0x10, PC0, PSR_EL1H_DAIF, 0x200);
	assert_int_equal(v->el1[FAR_EL1], 0x08000000);
}

/* ------------------------------------------------------------ HVC, SMC, UNDEF */

static void test_hvc_with_a_nonzero_immediate_is_not_supported(void **state)
{
	(void)state;
	v->regs.x[0] = 0x80000000; /* SMCCC_VERSION, but with HVC #1 */
	v->fault.esr = esr_of(ESR_EC_HVC64, 1);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->regs.x[0], (uint64_t)-1);
	assert_int_equal(v->regs.x[1], 0x5500000000000001ull);
	assert_int_equal(v->regs.pc, PC0);
}

static void test_hvc_returns_past_itself_without_moving_the_pc(void **state)
{
	(void)state;
	/* ELR_EL2 already points after an HVC. */
	v->regs.x[0] = 0x80000000;
	v->fault.esr = esr_of(ESR_EC_HVC64, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->regs.x[0], SMCCC_VERSION_1_1);
	assert_int_equal(v->regs.pc, PC0);
}

/* The test-only boot option pads HVC exits, and only them, only when set. */
static void test_hvc_pad_runs_on_hvc_exits_only_when_enabled(void **state)
{
	(void)state;
	v->regs.x[0] = 0x80000000;
	v->fault.esr = esr_of(ESR_EC_HVC64, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(fake.test_pad_calls, 0);
	cfg.flags = HYPCFG_F_TEST_HVC_PAD;
	cfg.test_hvc_pad = 41;
	v->regs.x[0] = 0x80000000;
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(fake.test_pad_calls, 1);
	assert_int_equal(fake.test_pad_insns, 40);
	v->fault.esr = esr_of(ESR_EC_SMC64, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(fake.test_pad_calls, 1);
}

/* ------------------------------------------------------------ the fast path */

/* The null calls are answered as the full path answers them, counted and timed. */
static void test_fast_path_answers_null_calls_like_the_full_path(void **state)
{
	static const uint32_t fids[] = { 0x80000000 /* SMCCC_VERSION */, HYPSCOPE_HVC_NOP };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		uint64_t full;

		v->regs.x[0] = fids[i];
		v->fault.esr = esr_of(ESR_EC_HVC64, 0);
		assert_true(handle_exit(v, EXIT_TYPE_SYNC));
		full = v->regs.x[0];
		v->regs.x[0] = fids[i];
		assert_int_equal(handle_exit_fast(v), EXIT_FAST_RESUME);
		assert_int_equal(v->regs.x[0], full);
		assert_int_equal(v->regs.x[1], 0x5500000000000001ull); /* left as it was */
		assert_int_equal(v->regs.pc, PC0);
	}
	assert_int_equal(stat[0].exits[ESR_EC_HVC64], 4);
}

static void test_fast_path_counts_guest_and_hypervisor_time(void **state)
{
	(void)state;
	fake.counter = 5000;
	fake.counter_step = 0;
	v->entered_at = 4000;
	v->regs.x[0] = HYPSCOPE_HVC_NOP;
	assert_int_equal(handle_exit_fast(v), EXIT_FAST_RESUME);
	assert_int_equal(stat[0].guest_ticks, 1000);
	assert_int_equal(v->entered_at, 5000);
	fake.counter_step = 7; /* each read moves the counter on */
	fake.counter = 6000;
	v->regs.x[0] = HYPSCOPE_HVC_NOP;
	assert_int_equal(handle_exit_fast(v), EXIT_FAST_RESUME);
	assert_int_equal(stat[0].guest_ticks, 2000);
	assert_int_equal(stat[0].hyp_ticks, 7);
	assert_int_equal(v->entered_at, 6007);
}

/* Anything else is left untouched, for the full path. */
static void test_fast_path_leaves_other_calls_to_the_full_path(void **state)
{
	static const uint32_t fids[] = { 0x80000001 /* ARCH_FEATURES */, 0x84000000 /* PSCI */,
					 HYPSCOPE_HVC_EXIT, HYPSCOPE_HVC_EL2_INSNS, 0 };

	(void)state;
	v->entered_at = 1;
	for (unsigned i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		v->regs.x[0] = fids[i];
		assert_int_equal(handle_exit_fast(v), EXIT_FAST_NONE);
		assert_int_equal(v->regs.x[0], fids[i]);
	}
	assert_int_equal(stat[0].exits[ESR_EC_HVC64], 0);
	assert_int_equal(stat[0].guest_ticks, 0);
	assert_int_equal(v->entered_at, 1);
}

/* A yield with nobody else waiting: answered, and the guest goes on. */
static void test_fast_path_yield_alone_resumes_the_guest(void **state)
{
	(void)state;
	v->regs.x[0] = HYPSCOPE_HVC_YIELD;
	assert_int_equal(handle_exit_fast(v), EXIT_FAST_RESUME);
	assert_int_equal(v->regs.x[0], SMCCC_RET_SUCCESS);
	assert_int_equal(v->regs.pc, PC0);
	assert_int_equal(v->run, VCPU_RUNNABLE);
	assert_int_equal(stat[0].exits[ESR_EC_HVC64], 1);
}

/*
 * A yield with another vCPU runnable on this CPU: answered as the full path
 * answers it (handle_exit() gives the CPU up), counted, and the CPU goes to
 * the other vCPU; the one that yielded stays runnable.
 */
static void test_fast_path_yield_gives_the_cpu_to_a_waiting_vcpu(void **state)
{
	uint64_t full;

	(void)state;
	sched_make_runnable(&percpu[0].rq, other);
	v->regs.x[0] = HYPSCOPE_HVC_YIELD;
	v->fault.esr = esr_of(ESR_EC_HVC64, 0);
	assert_false(handle_exit(v, EXIT_TYPE_SYNC));
	full = v->regs.x[0];
	v->regs.x[0] = HYPSCOPE_HVC_YIELD;
	assert_int_equal(handle_exit_fast(v), EXIT_FAST_SWITCH);
	assert_int_equal(v->regs.x[0], full);
	assert_int_equal(v->regs.pc, PC0);
	assert_int_equal(v->run, VCPU_RUNNABLE);
	assert_int_equal(stat[0].exits[ESR_EC_HVC64], 2);
	assert_ptr_equal(sched_pick(&percpu[0].rq, fake.counter), other);
}

/* A debugger's hold makes the other vCPU no reason to yield. */
static void test_fast_path_yield_ignores_a_held_vcpu(void **state)
{
	(void)state;
	sched_make_runnable(&percpu[0].rq, other);
	other->gdb.hold = true;
	v->regs.x[0] = HYPSCOPE_HVC_YIELD;
	assert_int_equal(handle_exit_fast(v), EXIT_FAST_RESUME);
	other->gdb.hold = false;
}

static void test_fast_path_pads_when_the_test_option_is_set(void **state)
{
	(void)state;
	v->regs.x[0] = HYPSCOPE_HVC_NOP;
	assert_int_equal(handle_exit_fast(v), EXIT_FAST_RESUME);
	assert_int_equal(fake.test_pad_calls, 0);
	v->test_pad = 41; /* as the VM's creation sets it */
	v->regs.x[0] = HYPSCOPE_HVC_NOP;
	assert_int_equal(handle_exit_fast(v), EXIT_FAST_RESUME);
	assert_int_equal(fake.test_pad_calls, 1);
	assert_int_equal(fake.test_pad_insns, 40);
}

static void test_trapped_smc_is_stepped_over(void **state)
{
	(void)state;
	/* ELR_EL2 points at a trapped SMC itself. */
	v->regs.x[0] = 0x80000000;
	v->fault.esr = esr_of(ESR_EC_SMC64, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->regs.x[0], SMCCC_VERSION_1_1);
	assert_int_equal(v->regs.pc, PC0 + 4);
}

static void test_unknown_exception_class_injects_undef(void **state)
{
	static const unsigned ecs[] = { ESR_EC_SVE, ESR_EC_ERET, ESR_EC_SME, ESR_EC_UNKNOWN,
					ESR_EC_MOPS };

	(void)state;
	for (size_t i = 0; i < sizeof(ecs) / sizeof(ecs[0]); i++) {
		setup(NULL);
		v->regs.pstate = PSR_EL1H_DAIF | PSR_NZCV;
		v->fault.esr = esr_of(ecs[i], 0x1234);
		assert_true(handle_exit(v, EXIT_TYPE_SYNC));
		/* ESR_EL1: EC 0 (unknown reason), IL set, nothing else. */
		assert_exception_entry(IL, PC0, PSR_EL1H_DAIF | PSR_NZCV, 0x200);
	}
}

static void test_fpsimd_trap_switches_the_registers(void **state)
{
	(void)state;
	v->fault.esr = esr_of(ESR_EC_FP_ASIMD, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(fake.fpsimd_switches, 1);
	assert_int_equal(v->regs.pc, PC0); /* the instruction runs again */
}

static void test_first_pauth_instruction_loads_the_keys_and_runs_again(void **state)
{
	(void)state;
	fake.pauth = true;
	v->fault.esr = esr_of(ESR_EC_PAC, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(fake.pauth_traps, 1);
	assert_int_equal(v->regs.pc, PC0); /* the instruction runs again */
	assert_int_equal(v->stat->exits[ESR_EC_PAC], 1);
}

static void test_pauth_trap_without_keys_injects_undef(void **state)
{
	(void)state;
	v->regs.pstate = PSR_EL1H_DAIF;
	v->fault.esr = esr_of(ESR_EC_PAC, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(fake.pauth_traps, 1);
	assert_exception_entry(IL, PC0, PSR_EL1H_DAIF, 0x200);
}

static void test_serror_is_handed_back_as_a_virtual_serror(void **state)
{
	(void)state;
	assert_true(handle_exit(v, EXIT_TYPE_SERROR));
	assert_true(v->hcr & HCR_VSE);
	assert_int_equal(v->regs.pc, PC0);
}

/*
 * An SError the guest's access raised, taken in the exit's window: it lands
 * on the vCPU that exited, the exit itself is handled and counted as what it
 * was, and no other vCPU gets it.
 */
static void test_serror_synced_on_exit_lands_on_the_exiting_vcpu(void **state)
{
	(void)state;
	v->regs.x[0] = 0x80000000; /* SMCCC_VERSION */
	v->fault.esr = esr_of(ESR_EC_HVC64, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC | EXIT_TYPE_SERROR_SYNCED));
	assert_int_equal(v->regs.x[0], SMCCC_VERSION_1_1);
	assert_int_equal(v->regs.pc, PC0);
	assert_true(v->hcr & HCR_VSE);
	assert_true(v->injected);
	assert_false(other->hcr & HCR_VSE);
	assert_int_equal(stat[0].exits[ESR_EC_HVC64], 1);
	assert_int_equal(stat[0].exits[HYP_EXIT_SERROR], 0);

	/* With an abort injected by the same exit: both, the SError pending
	 * until the guest unmasks PSTATE.A. */
	setup(NULL);
	assert_false(v->hcr & HCR_VSE);
	v->fault.esr = esr_dabt(true, 2, false, 1, false, false);
	v->fault.hpfar = (0x7000000ull >> 12) << 4; /* outside any region */
	v->fault.far = 0x7000000;
	assert_true(handle_exit(v, EXIT_TYPE_SYNC | EXIT_TYPE_SERROR_SYNCED));
	assert_int_equal(stat[0].exits[ESR_EC_DABT_LOW], 1);
	assert_true(v->hcr & HCR_VSE);
	assert_int_equal(v->regs.pc, VBAR + 0x200);

	/* Without the flag nothing is injected. */
	setup(NULL);
	v->regs.x[0] = 0x80000000;
	v->fault.esr = esr_of(ESR_EC_HVC64, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_false(v->hcr & HCR_VSE);
	assert_int_equal(exit_class_of(EXIT_TYPE_IRQ | EXIT_TYPE_SERROR_SYNCED, 0), HYP_EXIT_IRQ);
}

/* ------------------------------------------------------------ WFx, IRQ */

static void test_wfi_with_the_virtual_timer_due_returns_at_once(void **state)
{
	(void)state;
	v->el1[CNTV_CTL_EL0] = 1; /* ENABLE */
	v->el1[CNTV_CVAL_EL0] = 100;
	fake.counter = 100 + vm.cntvoff; /* CNTVCT == CVAL */
	v->fault.esr = esr_wfx(0, false, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->run, VCPU_RUNNABLE);
	assert_int_equal(v->regs.pc, PC0 + 4);
}

static void test_wfi_with_the_virtual_timer_due_but_not_raised_takes_its_interrupt(void **state)
{
	(void)state;
	enable_ppi(VGIC_INTID_VTIMER);
	v->el1_loaded = true;
	v->el1[CNTV_CTL_EL0] = 1; /* ENABLE; the CPU has not set ISTATUS yet */
	v->el1[CNTV_CVAL_EL0] = 100;
	fake.counter = 200 + vm.cntvoff;
	v->fault.esr = esr_wfx(0, false, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->run, VCPU_RUNNABLE);
	/* Not a bare return into the same WFI: the interrupt is there. */
	assert_true(vgic_cpu_has_pending(&v->vgic));
	assert_int_equal(fake.vtimer_refreshes, 1);
}

static void test_wfi_with_an_interrupt_pending_returns_at_once(void **state)
{
	(void)state;
	enable_ppi(VGIC_INTID_PTIMER);
	assert_true(vgic_ptimer_set_level(&vm.vgic, 0, true));
	fake.counter = 1000; /* no timer deadline at all */
	v->fault.esr = esr_wfx(0, false, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->run, VCPU_RUNNABLE);
	assert_int_equal(v->regs.pc, PC0 + 4);
}

static void test_wfi_ignores_a_pending_interrupt_the_guest_disabled(void **state)
{
	(void)state;
	/* Pending but not enabled: not a wake-up event. */
	assert_true(vgic_ptimer_set_level(&vm.vgic, 0, true));
	v->fault.esr = esr_wfx(0, false, 0);
	assert_false(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->run, VCPU_BLOCKED);
}

static void test_wfi_with_a_future_deadline_blocks_until_cval_plus_cntvoff(void **state)
{
	(void)state;
	v->el1[CNTV_CTL_EL0] = 1;
	v->el1[CNTV_CVAL_EL0] = 5000;
	fake.counter = 1000;
	v->fault.esr = esr_wfx(0, false, 0);
	assert_false(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->run, VCPU_BLOCKED);
	assert_int_equal(v->wake_at, 5000 + vm.cntvoff);
	assert_int_equal(v->regs.pc, PC0 + 4);
	/* The scheduler wakes it then. */
	assert_null(sched_pick(&percpu[0].rq, 5000 + vm.cntvoff - 1));
	assert_ptr_equal(sched_pick(&percpu[0].rq, 5000 + vm.cntvoff), v);
}

static void test_wfi_with_a_masked_timer_blocks_without_deadline(void **state)
{
	(void)state;
	v->el1[CNTV_CTL_EL0] = 3; /* ENABLE | IMASK */
	v->el1[CNTV_CVAL_EL0] = 10;
	fake.counter = 1000000;
	v->fault.esr = esr_wfx(0, false, 0);
	assert_false(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->run, VCPU_BLOCKED);
	assert_int_equal(v->wake_at, 0);
}

static void test_wfi_wakes_at_the_earlier_of_the_two_timers(void **state)
{
	(void)state;
	v->el1[CNTV_CTL_EL0] = 1;
	v->el1[CNTV_CVAL_EL0] = 9000;
	v->timer.phys.ctl = 1;
	v->timer.phys.cval = 4000; /* physical: no offset */
	fake.counter = 1000;
	v->fault.esr = esr_wfx(0, false, 0);
	assert_false(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->wake_at, 4000);
}

static void test_wfit_wakes_at_its_register_deadline(void **state)
{
	(void)state;
	fake.counter = 1000;
	v->regs.x[2] = 4000; /* virtual count */
	v->fault.esr = esr_wfx(2, true, 2);
	assert_false(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->wake_at, 4000 + vm.cntvoff);
	/* A deadline already passed returns at once. */
	setup(NULL);
	fake.counter = 5000;
	v->regs.x[2] = 4000;
	v->fault.esr = esr_wfx(2, true, 2);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->run, VCPU_RUNNABLE);
	assert_int_equal(v->regs.pc, PC0 + 4);
}

static void test_wfe_keeps_the_cpu_when_nobody_else_is_runnable(void **state)
{
	(void)state;
	v->fault.esr = esr_wfx(1, false, 0);
	assert_true(handle_exit(v, EXIT_TYPE_SYNC));
	assert_int_equal(v->run, VCPU_RUNNABLE);
	assert_int_equal(v->regs.pc, PC0 + 4);
}

static void test_wfe_yields_when_another_vcpu_is_runnable(void **state)
{
	(void)state;
	sched_make_runnable(&percpu[0].rq, other);
	v->fault.esr = esr_wfx(1, false, 0);
	assert_false(handle_exit(v, EXIT_TYPE_SYNC));
	/* Yielding is not blocking: it stays runnable, the other one goes next. */
	assert_int_equal(v->run, VCPU_RUNNABLE);
	assert_int_equal(v->regs.pc, PC0 + 4);
	assert_ptr_equal(sched_pick(&percpu[0].rq, fake.counter), other);
}

static void test_virtual_timer_irq_makes_its_ppi_pending(void **state)
{
	struct vgic_irq irq;

	(void)state;
	enable_ppi(VGIC_INTID_VTIMER);
	/* The physical PPI 27 fired because the timer's output rose: the
	 * run loop samples it after the fold, then handles the exit. */
	v->el1[CNTV_CTL_EL0] = 1;
	v->el1[CNTV_CVAL_EL0] = 100;
	fake.counter = 100 + vm.cntvoff;
	timer_sync(v, fake.counter);
	fake.irq_events = IRQ_EV_VTIMER;
	assert_true(handle_exit(v, EXIT_TYPE_IRQ));
	assert_true(vgic_irq_peek(&vm.vgic, 0, VGIC_INTID_VTIMER, &irq));
	assert_true(irq.line_level);
	assert_true(vgic_cpu_has_pending(&v->vgic));
	assert_false(vgic_cpu_has_pending(&other->vgic));
	assert_int_equal(stat[0].exits[HYP_EXIT_IRQ], 1);
}

static void test_virtual_timer_rising_after_the_exit_sample_reaches_the_vgic(void **state)
{
	struct vgic_irq irq;

	(void)state;
	enable_ppi(VGIC_INTID_VTIMER);
	/* The exit is for another interrupt, and the run loop's sample after
	 * the fold finds the timer's output still low... */
	v->el1[CNTV_CTL_EL0] = 1;
	v->el1[CNTV_CVAL_EL0] = 100;
	fake.counter = 99 + vm.cntvoff;
	timer_sync(v, fake.counter);
	assert_false(vgic_cpu_has_pending(&v->vgic));
	/* ...then it rises, and the physical PPI 27 is acknowledged with the
	 * rest. Active, it will not fire again: the line goes up now. */
	fake.counter = 100 + vm.cntvoff;
	fake.irq_events = IRQ_EV_RESCHED | IRQ_EV_VTIMER;
	assert_true(handle_exit(v, EXIT_TYPE_IRQ));
	assert_true(vgic_irq_peek(&vm.vgic, 0, VGIC_INTID_VTIMER, &irq));
	assert_true(irq.line_level);
	assert_true(vgic_cpu_has_pending(&v->vgic));
	assert_true(fake.vtimer_ppi_active);
}

static void test_irq_exit_gives_up_the_cpu_only_when_the_tick_says_so(void **state)
{
	(void)state;
	sched_make_runnable(&percpu[0].rq, other);
	/* An interrupt that is not the tick: straight back in. */
	fake.irq_events = IRQ_EV_VTIMER;
	assert_true(handle_exit(v, EXIT_TYPE_IRQ));
	/* The tick within the slice: back in. */
	fake.irq_events = IRQ_EV_TICK;
	fake.counter += SLICE / 2;
	assert_true(handle_exit(v, EXIT_TYPE_IRQ));
	/* The tick after the slice, with another vCPU waiting: out. */
	fake.irq_events = IRQ_EV_TICK;
	fake.counter += SLICE;
	assert_false(handle_exit(v, EXIT_TYPE_IRQ));
	assert_int_equal(v->regs.pc, PC0);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_exits_are_counted_per_class),
		T(test_unexpected_exit_type_is_counted_illegal_and_undefs),
		T(test_mmio_read_reaches_the_handler_and_the_register),
		T(test_mmio_offset_combines_hpfar_page_and_far_offset),
		T(test_mmio_read_sign_extends_with_sse),
		T(test_mmio_read_into_a_w_register_is_truncated_to_32_bits),
		T(test_mmio_read_keeps_only_the_accessed_bytes),
		T(test_mmio_write_passes_the_register_masked_to_the_access_size),
		T(test_xzr_is_zero_for_mmio),
		T(test_abort_outside_any_region_injects_an_external_abort),
		T(test_write_abort_sets_wnr),
		T(test_abort_from_el1t_uses_the_sp0_vector),
		T(test_abort_from_el0_uses_the_lower_el_vector),
		T(test_abort_without_a_valid_syndrome_is_injected),
		T(test_stage1_walk_into_a_device_is_injected),
		T(test_access_straddling_the_region_end_is_injected),
		T(test_access_refused_by_the_device_is_injected),
		T(test_exception_entry_sets_pan_unless_span),
		T(test_instruction_abort_is_injected),
		T(test_hvc_with_a_nonzero_immediate_is_not_supported),
		T(test_hvc_returns_past_itself_without_moving_the_pc),
		T(test_hvc_pad_runs_on_hvc_exits_only_when_enabled),
		T(test_fast_path_answers_null_calls_like_the_full_path),
		T(test_fast_path_counts_guest_and_hypervisor_time),
		T(test_fast_path_leaves_other_calls_to_the_full_path),
		T(test_fast_path_yield_alone_resumes_the_guest),
		T(test_fast_path_yield_gives_the_cpu_to_a_waiting_vcpu),
		T(test_fast_path_yield_ignores_a_held_vcpu),
		T(test_fast_path_pads_when_the_test_option_is_set),
		T(test_trapped_smc_is_stepped_over),
		T(test_unknown_exception_class_injects_undef),
		T(test_fpsimd_trap_switches_the_registers),
		T(test_first_pauth_instruction_loads_the_keys_and_runs_again),
		T(test_pauth_trap_without_keys_injects_undef),
		T(test_serror_is_handed_back_as_a_virtual_serror),
		T(test_serror_synced_on_exit_lands_on_the_exiting_vcpu),
		T(test_wfi_with_the_virtual_timer_due_returns_at_once),
		T(test_wfi_with_the_virtual_timer_due_but_not_raised_takes_its_interrupt),
		T(test_wfi_with_an_interrupt_pending_returns_at_once),
		T(test_wfi_ignores_a_pending_interrupt_the_guest_disabled),
		T(test_wfi_with_a_future_deadline_blocks_until_cval_plus_cntvoff),
		T(test_wfi_with_a_masked_timer_blocks_without_deadline),
		T(test_wfi_wakes_at_the_earlier_of_the_two_timers),
		T(test_wfit_wakes_at_its_register_deadline),
		T(test_wfe_keeps_the_cpu_when_nobody_else_is_runnable),
		T(test_wfe_yields_when_another_vcpu_is_runnable),
		T(test_virtual_timer_irq_makes_its_ppi_pending),
		T(test_virtual_timer_rising_after_the_exit_sample_reaches_the_vgic),
	T(test_irq_exit_gives_up_the_cpu_only_when_the_tick_says_so),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
