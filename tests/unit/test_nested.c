/*
 * The guest hypervisor at virtual EL2 (hyp/core/nested.c): the decision
 * for each L2 exit, the illegal-return checks, the vector offsets, the
 * EL2 regime as EL1 registers, and the state changes of an ERET into L2,
 * an HVC reflected into virtual EL2 and L1's trapped EL2 registers, on a
 * vCPU built by hand over the fake arch; and an el2=on VM's VNCR pages
 * through its life (tests/hostvm.h).
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
#include "formats/trace.h"
#include "hyp/include/arch.h"
#include "hyp/include/nested.h"
#include "hyp/include/run.h"
#include "hyp/include/sysreg_emul.h"
#include "hyp/include/vm.h"
#include "hyp/arch/fake/fake.h"
#include "tests/hostvm.h"

#define EC(ec)      ((uint64_t)(ec) << ESR_EC_SHIFT | 1ull << ESR_IL_SHIFT)
#define ESR_WFI     EC(ESR_EC_WFX)
#define ESR_WFE     (EC(ESR_EC_WFX) | 1)
#define ESR_HVC(i)  (EC(ESR_EC_HVC64) | (i))
#define ESR_SMC     EC(ESR_EC_SMC64)
/* EC 0x18: the ISS holds the encoding where SYSREG_KEY puts it, Rt at
 * [9:5], the direction at [0] (1: read). */
#define ESR_SYS(key, rt, read) (EC(ESR_EC_SYS64) | (key) | (uint64_t)(rt) << 5 | (read))

#define KEY_SCTLR_EL1  SYSREG_KEY(3, 0, 1, 0, 0)
#define KEY_ID_PFR0    SYSREG_KEY(3, 0, 0, 4, 0)
#define KEY_VBAR_EL2   SYSREG_KEY(3, 4, 12, 0, 0)
#define KEY_SCTLR_EL2  SYSREG_KEY(3, 4, 1, 0, 0)
#define KEY_ICH_HCR    SYSREG_KEY(3, 4, 12, 11, 0)

#define SPSR_EL1H_DAIF 0x3c5ull
#define SPSR_EL2H_DAIF 0x3c9ull

static struct vcpu vcpu;
static struct hypstat_vcpu stat;
static uint64_t *vncr;

static int setup(void **state)
{
	(void)state;
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&stat, 0, sizeof(stat));
	vncr = aligned_alloc(4096, 4096);
	assert_non_null(vncr);
	vcpu.stat = &stat;
	vcpu.vmpidr = 0x80000000;
	vcpu.nv.vncr = vncr;
	vcpu.hcr = arch_vcpu_hcr();
	nested_vcpu_reset(&vcpu);
	vcpu.regs.pstate = SPSR_EL1H_DAIF; /* L1 at "EL2h": EL1h in the hardware */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vncr);
	return 0;
}

/* ------------------------------------------------------------ the decision table */

static void test_hvc_is_always_reflected(void **state)
{
	(void)state;
	struct nv_decision d = nested_decide(ESR_EC_HVC64, ESR_HVC(0), 0);

	assert_int_equal(d.decision, TRACE_NV_REFLECTED);
	assert_int_equal(d.reason, TRACE_NV_WHY_HVC);
	d = nested_decide(ESR_EC_HVC64, ESR_HVC(7), ~0ull);
	assert_int_equal(d.decision, TRACE_NV_REFLECTED);
}

static void test_wfi_follows_twi_and_wfe_twe(void **state)
{
	(void)state;
	struct nv_decision d = nested_decide(ESR_EC_WFX, ESR_WFI, NV_HCR_TWI);

	assert_int_equal(d.decision, TRACE_NV_REFLECTED);
	assert_int_equal(d.reason, TRACE_NV_WHY_L1_TRAP);
	assert_int_equal(d.detail, NV_HCR_TWI);
	d = nested_decide(ESR_EC_WFX, ESR_WFI, NV_HCR_TWE);
	assert_int_equal(d.decision, TRACE_NV_L0);
	assert_int_equal(d.reason, TRACE_NV_WHY_NOT_ASKED);
	d = nested_decide(ESR_EC_WFX, ESR_WFE, NV_HCR_TWE);
	assert_int_equal(d.decision, TRACE_NV_REFLECTED);
	assert_int_equal(d.detail, NV_HCR_TWE);
	d = nested_decide(ESR_EC_WFX, ESR_WFE, NV_HCR_TWI);
	assert_int_equal(d.decision, TRACE_NV_L0);
}

static void test_smc_follows_tsc(void **state)
{
	(void)state;
	struct nv_decision d = nested_decide(ESR_EC_SMC64, ESR_SMC, 0);

	assert_int_equal(d.decision, TRACE_NV_L0);
	assert_int_equal(d.reason, TRACE_NV_WHY_L0_SMC);
	d = nested_decide(ESR_EC_SMC64, ESR_SMC, NV_HCR_TSC | NV_HCR_TWI);
	assert_int_equal(d.decision, TRACE_NV_REFLECTED);
	assert_int_equal(d.reason, TRACE_NV_WHY_L1_TRAP);
	assert_int_equal(d.detail, NV_HCR_TSC);
}

static void test_sysreg_follows_tvm_trvm_tid3(void **state)
{
	(void)state;
	uint64_t wr = ESR_SYS(KEY_SCTLR_EL1, 1, 0), rd = ESR_SYS(KEY_SCTLR_EL1, 1, 1);
	struct nv_decision d = nested_decide(ESR_EC_SYS64, wr, NV_HCR_TVM);

	assert_int_equal(d.decision, TRACE_NV_REFLECTED);
	assert_int_equal(d.detail, NV_HCR_TVM);
	/* TVM traps writes only, TRVM reads only. */
	d = nested_decide(ESR_EC_SYS64, rd, NV_HCR_TVM);
	assert_int_equal(d.decision, TRACE_NV_L0);
	assert_int_equal(d.reason, TRACE_NV_WHY_NOT_ASKED);
	d = nested_decide(ESR_EC_SYS64, rd, NV_HCR_TRVM);
	assert_int_equal(d.decision, TRACE_NV_REFLECTED);
	assert_int_equal(d.detail, NV_HCR_TRVM);
	d = nested_decide(ESR_EC_SYS64, ESR_SYS(KEY_ID_PFR0, 0, 1), NV_HCR_TID3);
	assert_int_equal(d.decision, TRACE_NV_REFLECTED);
	assert_int_equal(d.detail, NV_HCR_TID3);
	d = nested_decide(ESR_EC_SYS64, ESR_SYS(KEY_ID_PFR0, 0, 1), NV_HCR_TVM | NV_HCR_TRVM);
	assert_int_equal(d.decision, TRACE_NV_L0);
}

static void test_aborts_and_irqs_stay_in_l0(void **state)
{
	(void)state;
	struct nv_decision d = nested_decide(ESR_EC_DABT_LOW, EC(ESR_EC_DABT_LOW), ~NV_HCR_VM);

	assert_int_equal(d.decision, TRACE_NV_L0);
	assert_int_equal(d.reason, TRACE_NV_WHY_L0_DEVICE);
	d = nested_decide(HYP_EXIT_IRQ, 0, NV_HCR_IMO);
	assert_int_equal(d.decision, TRACE_NV_L0);
	assert_int_equal(d.reason, TRACE_NV_WHY_L0_IRQ);
	d = nested_decide(ESR_EC_BRK64, EC(ESR_EC_BRK64), ~0ull);
	assert_int_equal(d.decision, TRACE_NV_L0);
	assert_int_equal(d.reason, TRACE_NV_WHY_L0_OTHER);
}

/* ------------------------------------------------------------ ERET and vectors */

static void test_eret_targets_and_illegal_returns(void **state)
{
	(void)state;
	assert_int_equal(nested_eret_target(0x5, 0), 1);  /* EL1h */
	assert_int_equal(nested_eret_target(0x4, 0), 1);  /* EL1t */
	assert_int_equal(nested_eret_target(0x0, 0), 0);  /* EL0t */
	assert_int_equal(nested_eret_target(0x9, 0), 2);  /* EL2h: stays */
	assert_int_equal(nested_eret_target(0x8, 0), 2);  /* EL2t */
	assert_int_equal(nested_eret_target(0xd, 0), -1); /* EL3h */
	assert_int_equal(nested_eret_target(0xc, 0), -1); /* EL3t */
	assert_int_equal(nested_eret_target(0x10, 0), -1); /* AArch32 */
	assert_int_equal(nested_eret_target(0x15, 0), -1);
	assert_int_equal(nested_eret_target(0x1, 0), -1); /* EL0 with SP_ELx */
	assert_int_equal(nested_eret_target(0x2, 0), -1); /* M[1] set: reserved */
	assert_int_equal(nested_eret_target(0x7, 0), -1);
	assert_int_equal(nested_eret_target(0xb, 0), -1);
	/* With TGE (E2H = 0) EL1 does not exist for the guest; EL0 does. */
	assert_int_equal(nested_eret_target(0x5, NV_HCR_TGE), -1);
	assert_int_equal(nested_eret_target(0x0, NV_HCR_TGE), 0);
	/* Only M matters: flags and masks ride along. */
	assert_int_equal(nested_eret_target(0xf00003c5ull, 0), 1);
}

static void test_illegal_pstate_keeps_mode_sets_il(void **state)
{
	(void)state;
	uint64_t p = nested_illegal_pstate(0xf00003cdull, 0x3c5);

	assert_int_equal(p & 0x1f, 0x5);          /* the mode it had */
	assert_int_equal(p & (1ull << 20), 1ull << 20); /* PSTATE.IL */
	assert_int_equal(p & 0xf0000000ull, 0xf0000000ull); /* NZCV from SPSR */
	assert_int_equal(p & 0x3c0, 0x3c0);       /* DAIF from SPSR */
}

static void test_vector_offsets(void **state)
{
	(void)state;
	assert_int_equal(nested_vector_offset(TRACE_NV_INJ_SYNC, 0x5), 0x400); /* from L2 EL1h */
	assert_int_equal(nested_vector_offset(TRACE_NV_INJ_SYNC, 0x0), 0x400); /* from L2 EL0 */
	assert_int_equal(nested_vector_offset(TRACE_NV_INJ_IRQ, 0x4), 0x480);
	assert_int_equal(nested_vector_offset(TRACE_NV_INJ_SYNC, 0x9), 0x200); /* EL2h */
	assert_int_equal(nested_vector_offset(TRACE_NV_INJ_IRQ, 0x9), 0x280);
	assert_int_equal(nested_vector_offset(TRACE_NV_INJ_SERROR, 0x9), 0x380);
	assert_int_equal(nested_vector_offset(TRACE_NV_INJ_FIQ, 0x8), 0x100);  /* EL2t */
	assert_int_equal(nested_vector_offset(TRACE_NV_INJ_SYNC, 0x8), 0x000);
}

static void test_el2_regime_as_el1_registers(void **state)
{
	(void)state;
	/* SCTLR_EL2 M, C, I, EE carried; EL1's RES1 bits set. */
	uint64_t s = nested_sctlr_el2_to_el1(0x30c50830ull | 1 | 4 | (1ull << 12) | (1ull << 25));

	assert_int_equal(s & 1, 1);
	assert_int_equal(s & 4, 4);
	assert_int_equal(s & (1ull << 12), 1ull << 12);
	assert_int_equal(s & (1ull << 25), 1ull << 25);
	assert_int_equal(s & 0x30d00800ull, 0x30d00800ull);
	assert_int_equal(nested_sctlr_el2_to_el1(0x30c50830ull) & 1, 0);
	/* TCR_EL2: T0SZ 25, 4K, PS 2 (40 bits), TBI -> TCR_EL1 T0SZ, IPS, TBI0, EPD1. */
	uint64_t t = nested_tcr_el2_to_el1(25 | (3ull << 12) | (2ull << 16) | (1ull << 20));

	assert_int_equal(t & 0x3f, 25);
	assert_int_equal((t >> 12) & 3, 3);
	assert_int_equal((t >> 32) & 7, 2);
	assert_int_equal(t & (1ull << 37), 1ull << 37);
	assert_int_equal(t & (1ull << 23), 1ull << 23);
	assert_int_equal(t & (7ull << 16), 0); /* nothing left where EL2 keeps PS */
}

static void test_id_registers_show_el2_without_nv_or_vhe(void **state)
{
	(void)state;
	assert_int_equal((nested_id_reg(ID_PFR0, 0x11) >> 8) & 0xf, 1);
	assert_int_equal(nested_id_reg(ID_PFR0, 0x11) & 0xff, 0x11);
	assert_int_equal((nested_id_reg(ID_MMFR2, 0x2ull << 24) >> 24) & 0xf, 0);
	assert_int_equal((nested_id_reg(ID_MMFR1, 0x2ull << 8) >> 8) & 0xf, 0);
	assert_int_equal((nested_id_reg(ID_MMFR4, 0xeull << 24) >> 24) & 0xf, 0); /* E2H0 */
	assert_int_equal(nested_id_reg(ID_ISAR0, 0x1234), 0x1234);
}

/* ------------------------------------------------------------ state changes */

static void test_reset_starts_at_virtual_el2(void **state)
{
	(void)state;
	assert_false(vcpu.nv.in_l2);
	assert_int_equal(vcpu.hcr & (NV_HCR_NV | NV_HCR_NV1 | NV_HCR_NV2),
			 NV_HCR_NV | NV_HCR_NV1 | NV_HCR_NV2);
	assert_int_equal(vcpu.hcr & NV_HCR_E2H, 0);
	assert_int_equal(vncr[VNCR_VMPIDR_EL2 / 8], 0x80000000);
	assert_int_equal(vcpu.el1[SCTLR_EL1] & 1, 0); /* L1's MMU off */
}

/* L1 sets up L2 and ERETs; L2 makes an HVC, which comes back to L1. */
static void test_eret_into_l2_then_hvc_reflected(void **state)
{
	(void)state;
	/* L1's side: VBAR_EL2, and ELR_EL2/SPSR_EL2 live in ELR_EL1/SPSR_EL1. */
	vcpu.nv.el2[VEL2_VBAR] = 0x40004000;
	vcpu.el1[VBAR_EL1] = 0x40004000;
	vcpu.el1[ELR_EL1] = 0x40001000;
	vcpu.el1[SPSR_EL1] = SPSR_EL1H_DAIF;
	vcpu.el1[SP_EL1] = 0x4000f000; /* L1's stack */
	/* L2's EL1 registers, written by L1 into the VNCR page. */
	vncr[VNCR_HCR_EL2 / 8] = (1ull << 31) | NV_HCR_TWI | NV_HCR_NV;
	vncr[VNCR_VBAR_EL1 / 8] = 0x40008000;
	vncr[VNCR_SP_EL1 / 8] = 0x4000e000;
	vncr[VNCR_ELR_EL1 / 8] = 0x777;
	vncr[VNCR_VMPIDR_EL2 / 8] = 0x80000000;
	vcpu.vmpidr = 0x80000003;

	vcpu.fault.esr = EC(ESR_EC_ERET);
	fake.nv_flushes = 0;
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_true(vcpu.nv.in_l2);
	assert_int_equal(fake.nv_flushes, 0); /* both MMUs off: nothing to drop */
	assert_int_equal(vcpu.regs.pc, 0x40001000);
	assert_int_equal(vcpu.regs.pstate, SPSR_EL1H_DAIF);
	assert_int_equal(vcpu.el1[VBAR_EL1], 0x40008000); /* L2's */
	assert_int_equal(vcpu.el1[SP_EL1], 0x4000e000);
	assert_int_equal(vcpu.el1[ELR_EL1], 0x777);
	assert_int_equal(vcpu.nv.el2[VEL2_ELR], 0x40001000); /* L1's, kept */
	assert_int_equal(vcpu.nv.el2[VEL2_SP], 0x4000f000);
	/* L2 reads the MPIDR L1 gave it (its VMPIDR_EL2, in the page). */
	assert_int_equal(fake.vmpidr, 0x80000000);
	/* L1's TWI merged in, no NV bits for L2 (L1's own NV ignored). */
	assert_int_equal(vcpu.hcr & NV_HCR_TWI, NV_HCR_TWI);
	assert_int_equal(vcpu.hcr & (NV_HCR_NV | NV_HCR_NV1 | NV_HCR_NV2), 0);
	assert_int_equal(stat.exits[ESR_EC_ERET], 1);

	/* L2's HVC #0x42, ELR_EL2 after it. */
	vcpu.regs.pc = 0x40001238;
	vcpu.regs.pstate = 0x800003c5ull;
	vcpu.el1[ELR_EL1] = 0x888; /* L2 changed its own */
	vcpu.fault.esr = ESR_HVC(0x42);
	vcpu.fault.far = 0xdead;
	vcpu.injected = false;
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_false(vcpu.nv.in_l2);
	assert_true(vcpu.injected);
	assert_int_equal(vcpu.nv.last_decision, TRACE_NV_REFLECTED);
	assert_int_equal(vcpu.nv.last_reason, TRACE_NV_WHY_HVC);
	assert_int_equal(vcpu.nv.last_l2_el, 1);
	assert_int_equal(vcpu.regs.pc, 0x40004000 + 0x400);
	assert_int_equal(vcpu.regs.pstate, SPSR_EL1H_DAIF);
	assert_int_equal(vcpu.el1[ESR_EL1], ESR_HVC(0x42)); /* vESR_EL2 */
	assert_int_equal(vcpu.el1[ELR_EL1], 0x40001238);    /* vELR_EL2 */
	assert_int_equal(vcpu.el1[SPSR_EL1], 0x800003c5ull); /* vSPSR_EL2 */
	assert_int_equal(vcpu.el1[FAR_EL1] == 0xdead, 0);  /* not an abort: FAR_EL2 untouched */
	assert_int_equal(vcpu.el1[VBAR_EL1], 0x40004000);
	assert_int_equal(vcpu.el1[SP_EL1], 0x4000f000);
	assert_int_equal(vncr[VNCR_ELR_EL1 / 8], 0x888);   /* L2's, saved */
	assert_int_equal(vcpu.hcr & NV_HCR_NV2, NV_HCR_NV2);
	assert_int_equal(fake.vmpidr, 0x80000003); /* L1's own again */
	assert_int_equal(stat.exits[ESR_EC_HVC64], 1);
}

/* HCR_EL2.API and APK: set for a vCPU once its keys are loaded
 * (arch_vcpu_pauth_trap()), whichever level runs, whatever L1 asks. */
#define HCR_PAUTH_LIVE ((1ull << 41) | (1ull << 40))

static void test_loaded_pauth_keys_stay_untrapped_across_levels(void **state)
{
	(void)state;
	vncr[VNCR_HCR_EL2 / 8] = 1ull << 31; /* L1 asks for no PAuth traps either way */
	vcpu.hcr |= HCR_PAUTH_LIVE;
	vcpu.el1[ELR_EL1] = 0x40001000;
	vcpu.fault.esr = EC(ESR_EC_ERET);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_true(vcpu.nv.in_l2);
	assert_int_equal(vcpu.hcr & HCR_PAUTH_LIVE, HCR_PAUTH_LIVE);
	vcpu.fault.esr = ESR_HVC(0);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_false(vcpu.nv.in_l2);
	assert_int_equal(vcpu.hcr & HCR_PAUTH_LIVE, HCR_PAUTH_LIVE);
	assert_int_equal(vcpu.hcr & NV_HCR_NV2, NV_HCR_NV2);
}

static void test_unloaded_pauth_keys_stay_trapped_across_levels(void **state)
{
	(void)state;
	vncr[VNCR_HCR_EL2 / 8] = (1ull << 31) | HCR_PAUTH_LIVE; /* L1's own wish is not L0's state */
	vcpu.el1[ELR_EL1] = 0x40001000;
	vcpu.fault.esr = EC(ESR_EC_ERET);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_true(vcpu.nv.in_l2);
	assert_int_equal(vcpu.hcr & HCR_PAUTH_LIVE, 0);
}

static void test_l2_wfi_without_twi_is_l0s(void **state)
{
	(void)state;
	vncr[VNCR_HCR_EL2 / 8] = 1ull << 31;
	vcpu.el1[ELR_EL1] = 0x40001000;
	vcpu.fault.esr = EC(ESR_EC_ERET);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_true(vcpu.nv.in_l2);
	assert_int_equal(vcpu.hcr & NV_HCR_TWI, 0);
	/* An L2 SMC without L1's TSC: PSCI in L0, L2 stays. */
	vcpu.fault.esr = ESR_SMC;
	vcpu.regs.x[0] = 0x84000000; /* PSCI_VERSION */
	vcpu.regs.pc = 0x40001100;
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_true(vcpu.nv.in_l2);
	assert_int_equal(vcpu.nv.last_decision, TRACE_NV_L0);
	assert_int_equal(vcpu.nv.last_reason, TRACE_NV_WHY_L0_SMC);
	assert_int_equal(vcpu.regs.pc, 0x40001104);
	assert_int_equal(vcpu.regs.x[0], 0x10001); /* PSCI 1.1 */
}

static void test_illegal_eret_stays_at_vel2(void **state)
{
	(void)state;
	vcpu.el1[ELR_EL1] = 0x40002000;
	vcpu.el1[SPSR_EL1] = 0x6000000dull; /* EL3h */
	vcpu.fault.esr = EC(ESR_EC_ERET);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_false(vcpu.nv.in_l2);
	assert_int_equal(vcpu.regs.pc, 0x40002000);
	assert_int_equal(vcpu.regs.pstate & 0x1f, 0x5);
	assert_int_equal(vcpu.regs.pstate & (1ull << 20), 1ull << 20);
	assert_int_equal(vcpu.regs.pstate & 0xf0000000ull, 0x60000000ull);
}

static void test_eret_to_el2h_stays_in_l1(void **state)
{
	(void)state;
	vcpu.el1[ELR_EL1] = 0x40003000;
	vcpu.el1[SPSR_EL1] = SPSR_EL2H_DAIF;
	vcpu.fault.esr = EC(ESR_EC_ERET);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_false(vcpu.nv.in_l2);
	assert_int_equal(vcpu.regs.pc, 0x40003000);
	assert_int_equal(vcpu.regs.pstate, SPSR_EL1H_DAIF); /* EL1h in the hardware */
}

static void test_vbar_el2_trapped_and_mirrored(void **state)
{
	(void)state;
	vcpu.regs.pc = 0x40000100;
	vcpu.regs.x[3] = 0x40005800;
	vcpu.fault.esr = ESR_SYS(KEY_VBAR_EL2, 3, 0);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_int_equal(vcpu.nv.el2[VEL2_VBAR], 0x40005800);
	assert_int_equal(vcpu.el1[VBAR_EL1], 0x40005800); /* L1's exceptions go there */
	assert_int_equal(vcpu.regs.pc, 0x40000104);
	vcpu.fault.esr = ESR_SYS(KEY_VBAR_EL2, 5, 1);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_int_equal(vcpu.regs.x[5], 0x40005800);
	/* SCTLR_EL2.M on: SCTLR_EL1 carries it. */
	vcpu.regs.x[4] = 0x30c50830ull | 1;
	vcpu.fault.esr = ESR_SYS(KEY_SCTLR_EL2, 4, 0);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_int_equal(vcpu.el1[SCTLR_EL1] & 1, 1);
	/* With L1's MMU on, entering L2 drops the VMID's stage-1 entries (the
	 * two regimes share it); with both off it did not (the tests above). */
	unsigned before = fake.nv_flushes;

	vcpu.el1[ELR_EL1] = 0x40001000;
	vcpu.el1[SPSR_EL1] = SPSR_EL1H_DAIF;
	vcpu.fault.esr = EC(ESR_EC_ERET);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_true(vcpu.nv.in_l2);
	assert_int_equal(fake.nv_flushes, before + 1);
	assert_int_equal(vcpu.el1[SCTLR_EL1] & 1, 0); /* L2's, MMU off */
}

static void test_unknown_el2_register_undefs_at_vel2(void **state)
{
	(void)state;
	vcpu.nv.el2[VEL2_VBAR] = 0x40004000;
	vcpu.el1[VBAR_EL1] = 0x40004000;
	vcpu.regs.pc = 0x40000200;
	vcpu.fault.esr = ESR_SYS(KEY_ICH_HCR, 1, 0);
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	/* Current EL with SP_ELx; SPSR_EL2 (SPSR_EL1 in the hardware) says EL2h. */
	assert_int_equal(vcpu.regs.pc, 0x40004000 + 0x200);
	assert_int_equal(vcpu.el1[ELR_EL1], 0x40000200);
	assert_int_equal(vcpu.el1[SPSR_EL1] & 0xf, 0x9);
	assert_int_equal(vcpu.el1[ESR_EL1] >> ESR_EC_SHIFT, ESR_EC_UNKNOWN);
}

static void test_tlbi_by_l1_flushes_stage1(void **state)
{
	(void)state;
	unsigned before = fake.nv_flushes;

	vcpu.regs.pc = 0x40000300;
	vcpu.fault.esr = ESR_SYS(SYSREG_KEY(1, 4, 8, 7, 0), 31, 0); /* TLBI ALLE2 */
	assert_true(nested_handle_exit(&vcpu, EXIT_TYPE_SYNC));
	assert_int_equal(fake.nv_flushes, before + 1);
	assert_int_equal(vcpu.regs.pc, 0x40000304);
}

/* ------------------------------------------------------------ the VM's life */

/* An el2=on VM gets a VNCR page per vCPU, starts each at virtual EL2 (CPU_ON
 * too) and gives the pages back when it ends. */
static void test_el2_vm_has_vncr_pages_and_frees_them(void **state)
{
	uint64_t plain;

	(void)state;
	hostvm_reset();
	hostvm.cfg.nr_vms = 3;
	hostvm_describe(&hostvm.cfg.vms[0], "plain", 2);
	hostvm_describe(&hostvm.cfg.vms[1], "nested", 2);
	hostvm.cfg.vms[1].flags = HYPCFG_VM_F_EL2;
	hostvm_describe(&hostvm.cfg.vms[2], "keeper", 1);
	assert_int_equal(vm_create(0), 0);
	plain = hyp_pages.used_pages - hostvm.pages_used0;
	assert_int_equal(vm_create(1), 0);
	/* The same stage-2 tables as the plain VM, plus one page per vCPU. */
	assert_int_equal(hyp_pages.used_pages - hostvm.pages_used0, 2 * plain + 2);
	assert_int_equal(vm_create(2), 0);
	assert_null(vms[0].vcpus[0].nv.vncr);
	assert_int_equal(vms[0].vcpus[0].hcr & NV_HCR_NV, 0);
	for (unsigned i = 0; i < 2; i++) {
		struct vcpu *v = &vms[1].vcpus[i];

		assert_non_null(v->nv.vncr);
		assert_false(v->nv.in_l2);
		assert_int_equal(v->hcr & (NV_HCR_NV | NV_HCR_NV1 | NV_HCR_NV2),
				 NV_HCR_NV | NV_HCR_NV1 | NV_HCR_NV2);
		assert_int_equal(v->nv.vncr[VNCR_VMPIDR_EL2 / 8], v->vmpidr);
	}
	assert_ptr_not_equal(vms[1].vcpus[0].nv.vncr, vms[1].vcpus[1].nv.vncr);
	/* CPU_ON of the second vCPU: reset at virtual EL2 again. */
	vms[1].vcpus[1].nv.in_l2 = true;
	assert_int_equal(vcpu_power_on(&vms[1].vcpus[1], GUEST_RAM_IPA, 0), 0);
	assert_true(vcpu_claim(&vms[1].vcpus[1], vms[1].vcpus[1].pcpu));
	assert_false(vms[1].vcpus[1].nv.in_l2);
	vcpu_unclaim(&vms[1].vcpus[1]);
	/* Ending it gives its pages back. */
	uint64_t before = hyp_pages.used_pages;

	vm_end(&vms[1], HYPSTAT_VM_OFF, 0);
	assert_int_equal(vms[1].state, VM_FREE);
	assert_int_equal(before - hyp_pages.used_pages, plain + 2);
	assert_null(vms[1].vcpus[0].nv.vncr);
	assert_null(vms[1].vcpus[1].nv.vncr);
	hostvm_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hvc_is_always_reflected),
		cmocka_unit_test(test_wfi_follows_twi_and_wfe_twe),
		cmocka_unit_test(test_smc_follows_tsc),
		cmocka_unit_test(test_sysreg_follows_tvm_trvm_tid3),
		cmocka_unit_test(test_aborts_and_irqs_stay_in_l0),
		cmocka_unit_test(test_eret_targets_and_illegal_returns),
		cmocka_unit_test(test_illegal_pstate_keeps_mode_sets_il),
		cmocka_unit_test(test_vector_offsets),
		cmocka_unit_test(test_el2_regime_as_el1_registers),
		cmocka_unit_test(test_id_registers_show_el2_without_nv_or_vhe),
		cmocka_unit_test_setup_teardown(test_reset_starts_at_virtual_el2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eret_into_l2_then_hvc_reflected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_loaded_pauth_keys_stay_untrapped_across_levels, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unloaded_pauth_keys_stay_trapped_across_levels, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_l2_wfi_without_twi_is_l0s, setup, teardown),
		cmocka_unit_test_setup_teardown(test_illegal_eret_stays_at_vel2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eret_to_el2h_stays_in_l1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vbar_el2_trapped_and_mirrored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_el2_register_undefs_at_vel2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tlbi_by_l1_flushes_stage1, setup, teardown),
		cmocka_unit_test(test_el2_vm_has_vncr_pages_and_frees_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
