/*
 * hyp/core/sysreg.c: sanitised ID registers, and trapped MRS/MSR (EC 0x18):
 * ID reads, RAZ/WI registers, the OS lock, debug registers kept per vCPU,
 * the emulated EL1 physical timer's registers (reached through the trap;
 * its line is tests/unit/test_timer.c's), set/way maintenance, and UNDEF for
 * everything else.
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

#define PC0     0x40080000ull
#define VBAR    0x40100000ull
#define PSR_EL1H_DAIF 0x3c5ull
#define PSR_EL0T 0x0ull
#define SCTLR_SPAN (1ull << 23)

/* Two vCPUs of one VM (the VM matters for its vGIC: trapped SGIs). */
static struct vm svm;
static struct vcpu *const vc = svm.vcpus;

/* Arm ARM, ISS encoding for an exception from MSR, MRS or a system instruction. */
static uint64_t esr_sys(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
			unsigned rt, bool read)
{
	return 0x18ull << 26 | 1ull << 25 | (uint64_t)op0 << 20 | (uint64_t)op2 << 17 |
	       (uint64_t)op1 << 14 | (uint64_t)crn << 10 | (uint64_t)rt << 5 |
	       (uint64_t)crm << 1 | (read ? 1 : 0);
}

struct enc {
	unsigned op0, op1, crn, crm, op2;
};

#define MDSCR_EL1       ((struct enc){ 2, 0, 0, 2, 2 })
#define OSLAR_EL1       ((struct enc){ 2, 0, 1, 0, 4 })
#define OSLSR_EL1       ((struct enc){ 2, 0, 1, 1, 4 })
#define DBGCLAIMSET_EL1 ((struct enc){ 2, 0, 7, 8, 6 })
#define DBGCLAIMCLR_EL1 ((struct enc){ 2, 0, 7, 9, 6 })
#define ACTLR_EL1       ((struct enc){ 3, 0, 1, 0, 1 })
#define CNTP_CTL_EL0    ((struct enc){ 3, 3, 14, 2, 1 })
#define CNTP_CVAL_EL0   ((struct enc){ 3, 3, 14, 2, 2 })
#define CNTP_TVAL_EL0   ((struct enc){ 3, 3, 14, 2, 0 })
#define DC_ISW          ((struct enc){ 1, 0, 7, 6, 2 })
#define DC_CSW          ((struct enc){ 1, 0, 7, 10, 2 })
#define DC_CISW         ((struct enc){ 1, 0, 7, 14, 2 })
#define PMCCNTR_EL0     ((struct enc){ 3, 3, 9, 13, 0 })
#define ERRIDR_EL1      ((struct enc){ 3, 0, 5, 3, 0 })
#define LORID_EL1       ((struct enc){ 3, 0, 10, 4, 7 })
#define ICC_SGI1R_EL1   ((struct enc){ 3, 0, 12, 11, 5 })
#define ID_AA64PFR0_EL1 ((struct enc){ 3, 0, 0, 4, 0 })
#define ID_PFR0_EL1     ((struct enc){ 3, 0, 0, 1, 0 }) /* AArch32 */
#define DBGBVR(n)       ((struct enc){ 2, 0, 0, (n), 4 })
#define DBGBCR(n)       ((struct enc){ 2, 0, 0, (n), 5 })
#define DBGWVR(n)       ((struct enc){ 2, 0, 0, (n), 6 })
#define DBGWCR(n)       ((struct enc){ 2, 0, 0, (n), 7 })

static void reset_vcpu(struct vcpu *v, unsigned id)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->vm = &svm;
	assert_true(vgic_cpu_init(&svm.vgic, &v->vgic, id));
	v->regs.pc = PC0;
	v->regs.pstate = PSR_EL1H_DAIF;
	v->el1[VBAR_EL1] = VBAR;
	v->el1[SCTLR_EL1] = 0x30d00800ull; /* reset value, SPAN set */
	/* Debug registers already touched and loaded: an access that still
	 * traps (a debugger attached, MDCR_EL2.TDE) is emulated here. The
	 * first-touch switch itself is tested in test_guest_debug.c. */
	v->dbg.loaded = v->dbg.in_hw = true;
	for (unsigned i = 0; i < 31; i++)
		v->regs.x[i] = 0xa0a0a0a000000000ull | i;
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	memset(&vpmu_info, 0, sizeof(vpmu_info)); /* no PMU unless a test gives one */
	memset(&svm, 0, sizeof(svm));
	svm.nr_vcpus = 2;
	vgic_vm_init(&svm.vgic, 2, NULL, NULL);
	reset_vcpu(&vc[0], 0);
	reset_vcpu(&vc[1], 1);
	return 0;
}

/* MRS x<rt>, reg on v: true when emulated (PC moved on), the value in *out. */
static bool mrs(struct vcpu *v, struct enc e, unsigned rt, uint64_t *out)
{
	uint64_t pc = v->regs.pc;

	v->fault.esr = esr_sys(e.op0, e.op1, e.crn, e.crm, e.op2, rt, true);
	assert_true(handle_sysreg_trap(v));
	if (v->regs.pc != pc + 4)
		return false;
	if (out)
		*out = rt < 31 ? v->regs.x[rt] : 0;
	return true;
}

static bool msr(struct vcpu *v, struct enc e, unsigned rt, uint64_t val)
{
	uint64_t pc = v->regs.pc;

	if (rt < 31)
		v->regs.x[rt] = val;
	v->fault.esr = esr_sys(e.op0, e.op1, e.crn, e.crm, e.op2, rt, false);
	assert_true(handle_sysreg_trap(v));
	return v->regs.pc == pc + 4;
}

static uint64_t read_reg(struct enc e)
{
	uint64_t val = 0;

	assert_true(mrs(&vc[0], e, 7, &val));
	return val;
}

static void write_reg(struct enc e, uint64_t val)
{
	assert_true(msr(&vc[0], e, 9, val));
}

/* The guest took an UNDEF at `pc` from EL1h. */
static void assert_undef_at(const struct vcpu *v, uint64_t pc)
{
	assert_int_equal(v->el1[ESR_EL1], 1ull << 25); /* EC 0, IL */
	assert_int_equal(v->el1[ELR_EL1], pc);
	assert_int_equal(v->el1[SPSR_EL1], PSR_EL1H_DAIF);
	assert_int_equal(v->regs.pstate, PSR_EL1H_DAIF);
	assert_int_equal(v->regs.pc, VBAR + 0x200);
}

/* ------------------------------------------------------------ ID registers */

#define FLD(v, hi, lo) (((v) >> (lo)) & ((1ull << ((hi) - (lo) + 1)) - 1))

static void sanitise_all_ones(uint64_t out[NR_ID_REGS])
{
	uint64_t raw[NR_ID_REGS];

	memset(raw, 0xff, sizeof(raw));
	id_regs_sanitise(raw, out);
}

static void test_pfr0_hides_sve_amu_mpam_ras_el2_el3(void **state)
{
	uint64_t out[NR_ID_REGS];

	(void)state;
	sanitise_all_ones(out);
	assert_int_equal(FLD(out[ID_PFR0], 3, 0), 1);   /* EL0: AArch64 only */
	assert_int_equal(FLD(out[ID_PFR0], 7, 4), 1);   /* EL1: AArch64 only */
	assert_int_equal(FLD(out[ID_PFR0], 11, 8), 0);  /* EL2 */
	assert_int_equal(FLD(out[ID_PFR0], 15, 12), 0); /* EL3 */
	assert_int_equal(FLD(out[ID_PFR0], 31, 28), 0); /* RAS */
	assert_int_equal(FLD(out[ID_PFR0], 35, 32), 0); /* SVE */
	assert_int_equal(FLD(out[ID_PFR0], 39, 36), 0); /* SEL2 */
	assert_int_equal(FLD(out[ID_PFR0], 43, 40), 0); /* MPAM */
	assert_int_equal(FLD(out[ID_PFR0], 47, 44), 0); /* AMU */
	assert_int_equal(FLD(out[ID_PFR0], 55, 52), 0); /* RME */
	/* What a guest may use stays. */
	assert_int_equal(FLD(out[ID_PFR0], 19, 16), 0xf); /* FP */
	assert_int_equal(FLD(out[ID_PFR0], 23, 20), 0xf); /* AdvSIMD */
	assert_int_equal(FLD(out[ID_PFR0], 27, 24), 1);   /* GIC: v3 system registers */
	assert_int_equal(FLD(out[ID_PFR0], 63, 60), 0xf); /* CSV3 */
	assert_int_equal(FLD(out[ID_PFR0], 59, 56), 1);   /* CSV2: no SCXTNUM_ELx */
}

static void test_pfr0_forces_el0_and_el1_aarch64_only(void **state)
{
	uint64_t raw[NR_ID_REGS] = { 0 }, out[NR_ID_REGS];

	(void)state;
	raw[ID_PFR0] = 0x2222; /* AArch32 at every EL */
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_PFR0], 0x11);
	raw[ID_PFR0] = 0;
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_PFR0], 0x11);
}

static void test_pfr1_hides_sme_and_caps_mte_at_mte3(void **state)
{
	uint64_t out[NR_ID_REGS];

	(void)state;
	sanitise_all_ones(out);
	assert_int_equal(FLD(out[ID_PFR1], 11, 8), 3);  /* MTE: FEAT_MTE3 at most */
	assert_int_equal(FLD(out[ID_PFR1], 43, 40), 0xf); /* MTE_frac kept with it */
	assert_int_equal(FLD(out[ID_PFR1], 55, 52), 0); /* MTEX */
	assert_int_equal(FLD(out[ID_PFR1], 27, 24), 0); /* SME */
	assert_int_equal(FLD(out[ID_PFR1], 3, 0), 0xf); /* BT */
	assert_int_equal(FLD(out[ID_PFR1], 7, 4), 0xf); /* SSBS */
}

static void test_pfr1_shows_mte_only_with_tag_memory(void **state)
{
	uint64_t raw[NR_ID_REGS] = { 0 }, out[NR_ID_REGS];

	(void)state;
	/* FEAT_MTE, instructions only (QEMU's max without mte=on): hidden, MTE_frac too */
	raw[ID_PFR1] = (1ull << 8) | (0xfull << 40);
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_PFR1], 0);
	/* FEAT_MTE2 with asynchronous faults, FEAT_MTE3: shown as they are */
	raw[ID_PFR1] = 2ull << 8;
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_PFR1], 2ull << 8);
	raw[ID_PFR1] = (3ull << 8) | (0xfull << 40) | (1ull << 52);
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_PFR1], (3ull << 8) | (0xfull << 40)); /* MTEX hidden */
}

static void test_dfr0_hides_pmu_and_spe_and_caps_debug_version(void **state)
{
	uint64_t raw[NR_ID_REGS] = { 0 }, out[NR_ID_REGS];

	(void)state;
	sanitise_all_ones(out);
	assert_int_equal(FLD(out[ID_DFR0], 11, 8), 0);   /* PMUVer */
	assert_int_equal(FLD(out[ID_DFR0], 35, 32), 0);  /* PMSVer (SPE) */
	assert_int_equal(FLD(out[ID_DFR0], 7, 4), 0);    /* TraceVer */
	assert_int_equal(FLD(out[ID_DFR0], 3, 0), 6);    /* DebugVer capped at v8.0 */
	assert_int_equal(FLD(out[ID_DFR0], 15, 12), 0xf); /* BRPs */
	assert_int_equal(FLD(out[ID_DFR0], 23, 20), 0xf); /* WRPs */

	raw[ID_DFR0] = 0x9 | 0x1ull << 8 | 0x5ull << 12;  /* Armv8.4 debug, PMUv3, 6 BRPs */
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_DFR0], 0x6 | 0x5ull << 12);
	raw[ID_DFR0] = 0x6;
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_DFR0], 0x6);
}

static void test_dfr0_shows_pmuv3_for_armv8_0_when_guests_get_counters(void **state)
{
	uint64_t raw[NR_ID_REGS] = { 0 }, out[NR_ID_REGS];

	(void)state;
	vpmu_info.nr_counters = 4;
	raw[ID_DFR0] = 0x6 | 0x6ull << 8; /* PMUv3 for Armv8.5 */
	id_regs_sanitise(raw, out);
	assert_int_equal(FLD(out[ID_DFR0], 11, 8), 1);
	raw[ID_DFR0] = 0x6 | 0x1ull << 8;
	id_regs_sanitise(raw, out);
	assert_int_equal(FLD(out[ID_DFR0], 11, 8), 1);
	raw[ID_DFR0] = 0x6 | 0xfull << 8; /* IMPLEMENTATION DEFINED: not PMUv3 */
	id_regs_sanitise(raw, out);
	assert_int_equal(FLD(out[ID_DFR0], 11, 8), 0);
	vpmu_info.nr_counters = 0;
	raw[ID_DFR0] = 0x6 | 0x6ull << 8;
	id_regs_sanitise(raw, out);
	assert_int_equal(FLD(out[ID_DFR0], 11, 8), 0);
}

static void test_isar_hides_ls64_mops_and_tme(void **state)
{
	uint64_t out[NR_ID_REGS];

	(void)state;
	sanitise_all_ones(out);
	assert_int_equal(FLD(out[ID_ISAR1], 63, 60), 0); /* LS64 */
	assert_int_equal(FLD(out[ID_ISAR1], 59, 0), (1ull << 60) - 1);
	assert_int_equal(FLD(out[ID_ISAR2], 19, 16), 0); /* MOPS */
	assert_int_equal(FLD(out[ID_ISAR2], 3, 0), 0xf); /* WFxT */
	assert_int_equal(FLD(out[ID_ISAR0], 27, 24), 0); /* TME */
	assert_int_equal(FLD(out[ID_ISAR0], 7, 4), 0xf); /* AES */
}

static void test_mmfr2_hides_nv_fwb_and_evt(void **state)
{
	uint64_t out[NR_ID_REGS];

	(void)state;
	sanitise_all_ones(out);
	assert_int_equal(FLD(out[ID_MMFR2], 27, 24), 0); /* NV */
	assert_int_equal(FLD(out[ID_MMFR2], 43, 40), 0); /* FWB */
	assert_int_equal(FLD(out[ID_MMFR2], 59, 56), 0); /* EVT */
	assert_int_equal(FLD(out[ID_MMFR2], 3, 0), 0xf); /* CnP */
	assert_int_equal(FLD(out[ID_MMFR2], 63, 60), 0xf); /* E0PD */
}

static void test_registers_of_hidden_features_read_zero(void **state)
{
	uint64_t out[NR_ID_REGS];

	(void)state;
	sanitise_all_ones(out);
	assert_int_equal(out[ID_MMFR3], 0);
	assert_int_equal(out[ID_MMFR4], 0);
	assert_int_equal(out[ID_ZFR0], 0);
	assert_int_equal(out[ID_SMFR0], 0);
	assert_int_equal(out[ID_PFR2], 0);
	assert_int_equal(out[ID_DFR1], 0);
	assert_int_equal(out[ID_AFR0], 0);
	assert_int_equal(out[ID_AFR1], 0);
	/* EL2 matters in MMFR0/MMFR1: FGT, ECV; VMIDBits, VH, LO. */
	assert_int_equal(FLD(out[ID_MMFR0], 63, 56), 0);
	assert_int_equal(FLD(out[ID_MMFR0], 3, 0), 5); /* PARange: 48 bits at most */
	assert_int_equal(FLD(out[ID_MMFR1], 11, 4), 0);
	assert_int_equal(FLD(out[ID_MMFR1], 19, 16), 0);
}

/*
 * QEMU 10.0 -cpu max as the hypervisor reads it at EL2 (logged at boot,
 * -M virt,virtualization=on,gic-version=3): every feature field checked
 * against what the world switch switches (docs/world-switch.md).
 */
static const uint64_t max_raw[NR_ID_REGS] = {
	[ID_PFR0] = 0x1301001121110222ull,  [ID_PFR1] = 0x0000001001000121ull,
	[ID_ZFR0] = 0x0110110100210021ull,  [ID_SMFR0] = 0x80f100fd00000000ull,
	[ID_DFR0] = 0x100000001030560aull,  [ID_ISAR0] = 0x1221111110212120ull,
	[ID_ISAR1] = 0x0111211110211502ull, [ID_ISAR2] = 0x0000000000110012ull,
	[ID_MMFR0] = 0x2100032310201126ull, [ID_MMFR1] = 0x0110112010312122ull,
	[ID_MMFR2] = 0x1221011112011011ull, [ID_MMFR3] = 0x1000000000000000ull,
};

static void test_cpu_max_id_registers_show_only_what_is_switched(void **state)
{
	uint64_t out[NR_ID_REGS];

	(void)state;
	id_regs_sanitise(max_raw, out);
	/* CSV3 1, CSV2 3 -> 1, DIT 1, GIC 1, AdvSIMD 1, FP 1, EL1/EL0 AArch64;
	 * RAS 2, SVE 1, SEL2 1, EL2 2 hidden. */
	assert_int_equal(out[ID_PFR0], 0x1101000001110011ull);
	/* SSBS 2, BT 1; MTE 1, SME 1, NMI 1 hidden. */
	assert_int_equal(out[ID_PFR1], 0x21);
	/* BRPs 6, WRPs 4, CTX_CMPs 2, DebugVer 0xa -> 6; PMUVer 6, HPMN0 hidden. */
	assert_int_equal(out[ID_DFR0], 0x10305006ull);
	/* Instructions only: all of ISAR0 and ISAR1; ISAR2 without MOPS. */
	assert_int_equal(out[ID_ISAR0], 0x1221111110212120ull);
	assert_int_equal(out[ID_ISAR1], 0x0111211110211502ull);
	assert_int_equal(out[ID_ISAR2], 0x0000000000100012ull);
	/* PARange 52 -> 48 bits; FGT, ECV and the stage-2 granules hidden. */
	assert_int_equal(out[ID_MMFR0], 0x0000000010201125ull);
	/* HAFDBS 2, HPDS 2, PAN 3, XNX, ETS 2, AFP; VMIDBits, VH, LO, HCX, TIDCP1, CMOW hidden. */
	assert_int_equal(out[ID_MMFR1], 0x0000102010302002ull);
	/* NV 2, FWB 1, EVT 2 hidden. */
	assert_int_equal(out[ID_MMFR2], 0x1021001110011011ull);
	/* SVE, SME, Spec_FPACC (MMFR3) and the rest: nothing. */
	assert_int_equal(out[ID_ZFR0], 0);
	assert_int_equal(out[ID_SMFR0], 0);
	assert_int_equal(out[ID_MMFR3], 0);
	assert_int_equal(out[ID_PFR2], 0);
	assert_int_equal(out[ID_DFR1], 0);
}

static void test_capped_fields_keep_lower_values(void **state)
{
	uint64_t raw[NR_ID_REGS] = { 0 }, out[NR_ID_REGS];

	(void)state;
	raw[ID_PFR0] = 0x3ull << 24 | 0x2ull << 56; /* GICv4.1 sysregs, CSV2_2 */
	raw[ID_PFR1] = 0x2ull << 32;                /* CSV2_1p2 */
	raw[ID_MMFR0] = 0x6;                         /* 52-bit PA */
	raw[ID_MMFR1] = 0x3;                         /* HAFT */
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_PFR0], 0x1ull << 24 | 0x1ull << 56 | 0x11);
	assert_int_equal(out[ID_PFR1], 0x1ull << 32);
	assert_int_equal(out[ID_MMFR0], 0x5);
	assert_int_equal(out[ID_MMFR1], 0x2);
	/* At or below the cap: unchanged. */
	raw[ID_PFR0] = 0x1ull << 24 | 0x1ull << 56;
	raw[ID_MMFR0] = 0x2; /* 40-bit PA (cortex-a57 has 44: 0x4) */
	raw[ID_MMFR1] = 0x1;
	id_regs_sanitise(raw, out);
	assert_int_equal(out[ID_PFR0], 0x1ull << 24 | 0x1ull << 56 | 0x11);
	assert_int_equal(out[ID_MMFR0], 0x2);
	assert_int_equal(out[ID_MMFR1], 0x1);
}

static void test_sanitise_never_adds_a_feature(void **state)
{
	uint64_t raw[NR_ID_REGS] = { 0 }, out[NR_ID_REGS];

	(void)state;
	id_regs_sanitise(raw, out);
	for (unsigned i = 0; i < NR_ID_REGS; i++)
		assert_int_equal(out[i], i == ID_PFR0 ? 0x11 : 0);
}

/* ------------------------------------------------------------ ID traps */

static void test_id_register_reads_return_the_sanitised_values(void **state)
{
	static const struct {
		unsigned crm, op2, idx;
	} ids[] = {
		{ 4, 0, ID_PFR0 },  { 4, 1, ID_PFR1 },  { 4, 2, ID_PFR2 },  { 4, 4, ID_ZFR0 },
		{ 4, 5, ID_SMFR0 }, { 5, 0, ID_DFR0 },  { 5, 1, ID_DFR1 },  { 5, 4, ID_AFR0 },
		{ 5, 5, ID_AFR1 },  { 6, 0, ID_ISAR0 }, { 6, 1, ID_ISAR1 }, { 6, 2, ID_ISAR2 },
		{ 7, 0, ID_MMFR0 }, { 7, 1, ID_MMFR1 }, { 7, 2, ID_MMFR2 }, { 7, 3, ID_MMFR3 },
		{ 7, 4, ID_MMFR4 },
	};

	(void)state;
	for (unsigned i = 0; i < NR_ID_REGS; i++)
		guest_id_regs[i] = 0x1000000000000000ull * (i + 1) + i;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		uint64_t val = 0;

		assert_true(mrs(&vc[0], (struct enc){ 3, 0, 0, ids[i].crm, ids[i].op2 }, 2, &val));
		assert_int_equal(val, guest_id_regs[ids[i].idx]);
	}
	assert_int_equal(vc[0].regs.pc, PC0 + 4 * NR_ID_REGS);
}

static void test_id_register_write_is_undefined(void **state)
{
	(void)state;
	guest_id_regs[ID_PFR0] = 0x11;
	assert_false(msr(&vc[0], ID_AA64PFR0_EL1, 3, 0xffff));
	assert_undef_at(&vc[0], PC0);
	assert_int_equal(guest_id_regs[ID_PFR0], 0x11);
}

static void test_rest_of_the_id_space_reads_as_zero(void **state)
{
	(void)state;
	assert_int_equal(read_reg(ID_PFR0_EL1), 0);
	assert_int_equal(read_reg(((struct enc){ 3, 0, 0, 3, 7 })), 0); /* unallocated */
	assert_int_equal(read_reg(((struct enc){ 3, 0, 0, 7, 7 })), 0);
	assert_false(msr(&vc[0], ID_PFR0_EL1, 1, 5));
	assert_undef_at(&vc[0], PC0 + 12);
}

/* ------------------------------------------------------------ others */

static void test_actlr_reads_as_zero_and_ignores_writes(void **state)
{
	(void)state;
	write_reg(ACTLR_EL1, 0xffffffffffffffffull);
	assert_int_equal(read_reg(ACTLR_EL1), 0);
	assert_int_equal(read_reg(ERRIDR_EL1), 0);
	assert_int_equal(read_reg(LORID_EL1), 0);
}

/* AP{IA,IB,DA,DB,GA}Key{Lo,Hi}_EL1, trapped until the vCPU first uses them. */
static const struct enc pauth_keys[] = {
	{ 3, 0, 2, 1, 0 }, { 3, 0, 2, 1, 1 }, { 3, 0, 2, 1, 2 }, { 3, 0, 2, 1, 3 },
	{ 3, 0, 2, 2, 0 }, { 3, 0, 2, 2, 1 }, { 3, 0, 2, 2, 2 }, { 3, 0, 2, 2, 3 },
	{ 3, 0, 2, 3, 0 }, { 3, 0, 2, 3, 1 },
};

static void test_first_pauth_key_access_loads_the_keys_and_runs_again(void **state)
{
	(void)state;
	fake.pauth = true;
	for (size_t i = 0; i < ARRAY_SIZE(pauth_keys); i++) {
		bool read = i & 1;

		vc[0].fault.esr = esr_sys(pauth_keys[i].op0, pauth_keys[i].op1, pauth_keys[i].crn,
					  pauth_keys[i].crm, pauth_keys[i].op2, 3, read);
		assert_true(handle_sysreg_trap(&vc[0]));
		assert_int_equal(fake.pauth_traps, i + 1);
		assert_int_equal(vc[0].regs.pc, PC0); /* the access runs again, on the hardware */
	}
}

static void test_pauth_keys_without_pauth_are_undefined(void **state)
{
	(void)state;
	assert_false(msr(&vc[0], pauth_keys[0], 3, 0x1234));
	assert_int_equal(fake.pauth_traps, 1);
	assert_undef_at(&vc[0], PC0);
}

static void test_neighbours_of_the_pauth_keys_are_not_keys(void **state)
{
	(void)state;
	fake.pauth = true;
	/* APGAKey has no op2 2 and 3; CRm 0 and 4 of CRn 2 are other registers. */
	static const struct enc others[] = { { 3, 0, 2, 3, 2 }, { 3, 0, 2, 4, 0 },
					     { 3, 0, 2, 0, 3 }, { 3, 1, 2, 1, 0 } };

	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
		vc[0].fault.esr = esr_sys(others[i].op0, others[i].op1, others[i].crn,
					  others[i].crm, others[i].op2, 3, true);
		assert_true(handle_sysreg_trap(&vc[0]));
	}
	assert_int_equal(fake.pauth_traps, 0);
}

static void test_os_lock_is_set_and_cleared_through_oslar(void **state)
{
	(void)state;
	assert_int_equal(read_reg(OSLSR_EL1), 0x8); /* OSLM = 0b10, unlocked */
	write_reg(OSLAR_EL1, 1);
	assert_int_equal(read_reg(OSLSR_EL1), 0xa); /* OSLK */
	assert_int_equal(vc[1].dbg.oslk, 0);
	write_reg(OSLAR_EL1, 0xfffffffe); /* only bit 0 counts */
	assert_int_equal(read_reg(OSLSR_EL1), 0x8);
	/* OSLAR is write-only, OSLSR read-only. */
	assert_false(mrs(&vc[1], OSLAR_EL1, 1, NULL));
	assert_undef_at(&vc[1], PC0);
	reset_vcpu(&vc[1], 1);
	assert_false(msr(&vc[1], OSLSR_EL1, 1, 1));
	assert_undef_at(&vc[1], PC0);
}

static void test_mdscr_keeps_its_value_per_vcpu(void **state)
{
	uint64_t val = 1;

	(void)state;
	assert_true(msr(&vc[0], MDSCR_EL1, 4, 0x8000));
	assert_true(mrs(&vc[1], MDSCR_EL1, 4, &val));
	assert_int_equal(val, 0);
	assert_true(mrs(&vc[0], MDSCR_EL1, 5, &val));
	assert_int_equal(val, 0x8000);
	assert_int_equal(vc[0].dbg.mdscr, 0x8000);
}

/* ID_AA64DFR0_EL1 as the guest sees it, with BRPs and WRPs as counts. */
static void advertise_debug(unsigned brps, unsigned wrps)
{
	guest_id_regs[ID_DFR0] = 6 | (uint64_t)(brps - 1) << 12 | (uint64_t)(wrps - 1) << 20;
}

/* Breakpoint n exists only for n < BRPs in ID_AA64DFR0_EL1 (watchpoints: WRPs). */
static void test_debug_registers_past_the_advertised_count_are_undefined(void **state)
{
	uint64_t pc = vc[0].regs.pc;

	(void)state;
	advertise_debug(6, 4);
	assert_true(msr(&vc[0], DBGBVR(5), 1, 0x1000));
	assert_true(msr(&vc[0], DBGWCR(3), 1, 0x1ff7));
	pc = vc[0].regs.pc;
	assert_false(msr(&vc[0], DBGBVR(6), 1, 0x1000));
	assert_undef_at(&vc[0], pc);
	vc[0].regs.pc = pc;
	vc[0].regs.pstate = PSR_EL1H_DAIF;
	assert_false(mrs(&vc[0], DBGWVR(4), 2, NULL));
	assert_undef_at(&vc[0], pc);
}

static void test_breakpoint_and_watchpoint_registers_keep_their_values(void **state)
{
	static const unsigned ns[] = { 0, 5, 15 };

	(void)state;
	advertise_debug(16, 16);
	for (size_t i = 0; i < 3; i++) {
		unsigned n = ns[i];

		write_reg(DBGBVR(n), 0xffff000000001000ull + n);
		write_reg(DBGBCR(n), 0x1e7 + n);
		write_reg(DBGWVR(n), 0xffff000000002000ull + n);
		write_reg(DBGWCR(n), 0x1ff7 + n);
	}
	for (size_t i = 0; i < 3; i++) {
		unsigned n = ns[i];

		assert_int_equal(read_reg(DBGBVR(n)), 0xffff000000001000ull + n);
		assert_int_equal(read_reg(DBGBCR(n)), 0x1e7 + n);
		assert_int_equal(read_reg(DBGWVR(n)), 0xffff000000002000ull + n);
		assert_int_equal(read_reg(DBGWCR(n)), 0x1ff7 + n);
		assert_int_equal(vc[0].dbg.bvr[n], 0xffff000000001000ull + n);
		assert_int_equal(vc[0].dbg.wcr[n], 0x1ff7 + n);
	}
	/* Untouched numbers and the other vCPU read zero. */
	assert_int_equal(read_reg(DBGBVR(1)), 0);
	for (size_t i = 0; i < 3; i++) {
		uint64_t val = 1;

		assert_true(mrs(&vc[1], DBGBCR(ns[i]), 0, &val));
		assert_int_equal(val, 0);
	}
}

static void test_claim_tags_set_and_clear(void **state)
{
	(void)state;
	write_reg(DBGCLAIMSET_EL1, 0x105);
	assert_int_equal(read_reg(DBGCLAIMSET_EL1), 0x05);
	assert_int_equal(read_reg(DBGCLAIMCLR_EL1), 0x05);
	write_reg(DBGCLAIMCLR_EL1, 0x1);
	assert_int_equal(read_reg(DBGCLAIMCLR_EL1), 0x04);
}

static void test_cntp_ctl_istatus_follows_the_counter(void **state)
{
	(void)state;
	write_reg(CNTP_CVAL_EL0, 5000);
	write_reg(CNTP_CTL_EL0, 1); /* ENABLE */
	fake.counter = 4999;
	assert_int_equal(read_reg(CNTP_CTL_EL0), 1);
	fake.counter = 5000;
	assert_int_equal(read_reg(CNTP_CTL_EL0), 5);
	/* IMASK masks the interrupt, not the status. */
	write_reg(CNTP_CTL_EL0, 3);
	assert_int_equal(read_reg(CNTP_CTL_EL0), 7);
	/* Disabled: no status. */
	write_reg(CNTP_CTL_EL0, 0);
	assert_int_equal(read_reg(CNTP_CTL_EL0), 0);
	/* ISTATUS is read-only. */
	write_reg(CNTP_CTL_EL0, 4);
	assert_int_equal(read_reg(CNTP_CTL_EL0), 0);
	assert_int_equal(read_reg(CNTP_CVAL_EL0), 5000);
}

static void test_cntp_tval_is_a_signed_32_bit_distance(void **state)
{
	(void)state;
	write_reg(CNTP_CVAL_EL0, 5000);
	fake.counter = 4000;
	assert_int_equal(read_reg(CNTP_TVAL_EL0), 1000);
	fake.counter = 6000;
	assert_int_equal(read_reg(CNTP_TVAL_EL0), 0xfffffc18); /* -1000, bits [63:32] zero */

	fake.counter = 1000;
	write_reg(CNTP_TVAL_EL0, 500);
	assert_int_equal(vc[0].timer.phys.cval, 1500);
	write_reg(CNTP_TVAL_EL0, 0xffffff9c); /* -100 */
	assert_int_equal(vc[0].timer.phys.cval, 900);
	write_reg(CNTP_TVAL_EL0, 0x100000010ull); /* only bits [31:0] count */
	assert_int_equal(vc[0].timer.phys.cval, 1016);
	assert_int_equal(read_reg(CNTP_CVAL_EL0), 1016);
}

static void test_set_way_maintenance_is_accepted(void **state)
{
	(void)state;
	write_reg(DC_ISW, 0x80000001);
	write_reg(DC_CSW, 0);
	write_reg(DC_CISW, 0x42);
	assert_int_equal(vc[0].regs.pc, PC0 + 12);
	assert_int_equal(vc[0].el1[ESR_EL1], 0);
}

static void test_unknown_register_is_undefined(void **state)
{
	uint64_t x7 = vc[0].regs.x[7];

	(void)state;
	assert_false(mrs(&vc[0], PMCCNTR_EL0, 7, NULL));
	assert_undef_at(&vc[0], PC0);
	assert_int_equal(vc[0].regs.x[7], x7); /* the destination is untouched */
	reset_vcpu(&vc[0], 0);
	assert_false(msr(&vc[0], PMCCNTR_EL0, 7, 1));
	assert_undef_at(&vc[0], PC0);
}

static void test_undef_from_el0_goes_to_the_lower_el_vector(void **state)
{
	(void)state;
	vc[0].regs.pstate = PSR_EL0T;
	assert_false(mrs(&vc[0], PMCCNTR_EL0, 1, NULL));
	assert_int_equal(vc[0].regs.pc, VBAR + 0x400);
	assert_int_equal(vc[0].el1[SPSR_EL1], PSR_EL0T);
	assert_int_equal(vc[0].el1[ELR_EL1], PC0);
	assert_int_equal(vc[0].regs.pstate, PSR_EL1H_DAIF);
}

static void test_read_into_xzr_changes_no_register(void **state)
{
	struct gp_regs before;

	(void)state;
	vc[0].dbg.mdscr = 0x1234;
	memcpy(&before, &vc[0].regs, sizeof(before));
	assert_true(mrs(&vc[0], MDSCR_EL1, 31, NULL));
	assert_memory_equal(vc[0].regs.x, before.x, sizeof(before.x));
	assert_int_equal(vc[0].regs.pc, PC0 + 4);
}

static void test_write_from_xzr_writes_zero(void **state)
{
	(void)state;
	vc[0].dbg.mdscr = 0x1234;
	assert_true(msr(&vc[0], MDSCR_EL1, 31, 0));
	assert_int_equal(vc[0].dbg.mdscr, 0);
}

/* ICC_SGI1R_EL1: INTID [27:24], TargetList [15:0] (Aff3..1 = 0, RS = 0). */
static void test_sgi_write_makes_the_sgi_pending_on_its_targets(void **state)
{
	struct vgic_irq irq;

	(void)state;
	write_reg(ICC_SGI1R_EL1, 3ull << 24 | 0x2);
	assert_true(vgic_irq_peek(&svm.vgic, 1, 3, &irq));
	assert_true(irq.pending_latch);
	assert_true(vgic_irq_peek(&svm.vgic, 0, 3, &irq));
	assert_false(irq.pending_latch);
	/* IRM: everyone but the sender. */
	write_reg(ICC_SGI1R_EL1, 1ull << 40 | 5ull << 24);
	assert_true(vgic_irq_peek(&svm.vgic, 1, 5, &irq));
	assert_true(irq.pending_latch);
	assert_true(vgic_irq_peek(&svm.vgic, 0, 5, &irq));
	assert_false(irq.pending_latch);
	/* It is write-only. */
	assert_false(mrs(&vc[0], ICC_SGI1R_EL1, 0, NULL));
	assert_undef_at(&vc[0], PC0 + 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pfr0_hides_sve_amu_mpam_ras_el2_el3, setup),
		cmocka_unit_test_setup(test_pfr0_forces_el0_and_el1_aarch64_only, setup),
		cmocka_unit_test_setup(test_pfr1_hides_sme_and_caps_mte_at_mte3, setup),
		cmocka_unit_test_setup(test_pfr1_shows_mte_only_with_tag_memory, setup),
		cmocka_unit_test_setup(test_dfr0_hides_pmu_and_spe_and_caps_debug_version, setup),
		cmocka_unit_test_setup(test_dfr0_shows_pmuv3_for_armv8_0_when_guests_get_counters,
				       setup),
		cmocka_unit_test_setup(test_isar_hides_ls64_mops_and_tme, setup),
		cmocka_unit_test_setup(test_mmfr2_hides_nv_fwb_and_evt, setup),
		cmocka_unit_test_setup(test_registers_of_hidden_features_read_zero, setup),
		cmocka_unit_test_setup(test_cpu_max_id_registers_show_only_what_is_switched, setup),
		cmocka_unit_test_setup(test_capped_fields_keep_lower_values, setup),
		cmocka_unit_test_setup(test_sanitise_never_adds_a_feature, setup),
		cmocka_unit_test_setup(test_id_register_reads_return_the_sanitised_values, setup),
		cmocka_unit_test_setup(test_id_register_write_is_undefined, setup),
		cmocka_unit_test_setup(test_rest_of_the_id_space_reads_as_zero, setup),
		cmocka_unit_test_setup(test_actlr_reads_as_zero_and_ignores_writes, setup),
		cmocka_unit_test_setup(test_first_pauth_key_access_loads_the_keys_and_runs_again, setup),
		cmocka_unit_test_setup(test_pauth_keys_without_pauth_are_undefined, setup),
		cmocka_unit_test_setup(test_neighbours_of_the_pauth_keys_are_not_keys, setup),
		cmocka_unit_test_setup(test_os_lock_is_set_and_cleared_through_oslar, setup),
		cmocka_unit_test_setup(test_mdscr_keeps_its_value_per_vcpu, setup),
		cmocka_unit_test_setup(test_breakpoint_and_watchpoint_registers_keep_their_values,
				       setup),
		cmocka_unit_test_setup(test_debug_registers_past_the_advertised_count_are_undefined,
				       setup),
		cmocka_unit_test_setup(test_claim_tags_set_and_clear, setup),
		cmocka_unit_test_setup(test_cntp_ctl_istatus_follows_the_counter, setup),
		cmocka_unit_test_setup(test_cntp_tval_is_a_signed_32_bit_distance, setup),
		cmocka_unit_test_setup(test_set_way_maintenance_is_accepted, setup),
		cmocka_unit_test_setup(test_unknown_register_is_undefined, setup),
		cmocka_unit_test_setup(test_undef_from_el0_goes_to_the_lower_el_vector, setup),
		cmocka_unit_test_setup(test_read_into_xzr_changes_no_register, setup),
		cmocka_unit_test_setup(test_write_from_xzr_writes_zero, setup),
		cmocka_unit_test_setup(test_sgi_write_makes_the_sgi_pending_on_its_targets, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
