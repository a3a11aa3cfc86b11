/*
 * System registers a hypervisor traps or emulates for its guests: the ID
 * registers (sanitised), MIDR/MPIDR, ACTLR_EL1, the OS lock and MDSCR_EL1,
 * the PMU (PMUv3; counters past PMCR_EL0.N UNDEF) and the EL1 physical timer (emulated per vCPU).
 * Field positions are from the Arm ARM's AArch64 system register descriptions.
 */
#include "libguest.h"

#define SYS_ID_AA64ZFR0_EL1  S3_0_C0_C4_4
#define SYS_ID_AA64SMFR0_EL1 S3_0_C0_C4_5
#define SYS_ID_UNALLOCATED   S3_0_C0_C7_7 /* ID space, no register allocated: RAZ */
#define SYS_OSDLR_EL1	     S2_0_C1_C3_4
#define SYS_PMCCNTR_EL0	     S3_3_C9_C13_0
#define SYS_PMCR_EL0	     S3_3_C9_C12_0
#define SYS_PMEVCNTR30_EL0   S3_3_C14_C11_6

#define OSLSR_OSLM_MASK	    0x9u /* OSLM[1] is bit 3, OSLM[0] is bit 0 */
#define OSLSR_OSLM_IMPL	    0x8u /* 0b10: OS lock implemented, OSLAR_EL1 writable */
#define OSLSR_OSLK	    (1u << 1)
#define MDSCR_TDCC	    (1u << 12)
#define MDSCR_KDE	    (1u << 13)
#define MDSCR_MDE	    (1u << 15)

struct id_field {
	const char *name;
	unsigned int shift;
};

static const struct id_field pfr0_hidden[] = {
	{ "RAS", 28 }, { "SVE", 32 }, { "MPAM", 40 }, { "AMU", 44 },
};

static const struct id_field pfr1_hidden[] = {
	{ "MTE", 8 }, { "RAS_frac", 12 }, { "MPAM_frac", 16 }, { "SME", 24 },
};

/* One accessor per ID register: mrs needs the name in the instruction. */
#define ID_READER(name)                                                                            \
	static uint64_t rd_##name(void)                                                            \
	{                                                                                          \
		return read_sysreg(name);                                                          \
	}
ID_READER(id_aa64pfr0_el1)
ID_READER(SYS_ID_AA64PFR1_EL1)
ID_READER(id_aa64dfr0_el1)
ID_READER(id_aa64dfr1_el1)
ID_READER(id_aa64isar0_el1)
ID_READER(id_aa64isar1_el1)
ID_READER(SYS_ID_AA64ISAR2_EL1)
ID_READER(id_aa64mmfr0_el1)
ID_READER(id_aa64mmfr1_el1)
ID_READER(id_aa64mmfr2_el1)
ID_READER(id_aa64afr0_el1)
ID_READER(SYS_ID_AA64ZFR0_EL1)
ID_READER(SYS_ID_AA64SMFR0_EL1)
ID_READER(SYS_ID_UNALLOCATED)

enum {
	PFR0, PFR1, DFR0, DFR1, ISAR0, ISAR1, ISAR2, MMFR0, MMFR1, MMFR2, AFR0, ZFR0, SMFR0, UNALLOC
};

static const struct {
	const char *name;
	uint64_t (*rd)(void);
} id_regs[] = {
	[PFR0] = { "ID_AA64PFR0_EL1", rd_id_aa64pfr0_el1 },
	[PFR1] = { "ID_AA64PFR1_EL1", rd_SYS_ID_AA64PFR1_EL1 },
	[DFR0] = { "ID_AA64DFR0_EL1", rd_id_aa64dfr0_el1 },
	[DFR1] = { "ID_AA64DFR1_EL1", rd_id_aa64dfr1_el1 },
	[ISAR0] = { "ID_AA64ISAR0_EL1", rd_id_aa64isar0_el1 },
	[ISAR1] = { "ID_AA64ISAR1_EL1", rd_id_aa64isar1_el1 },
	[ISAR2] = { "ID_AA64ISAR2_EL1", rd_SYS_ID_AA64ISAR2_EL1 },
	[MMFR0] = { "ID_AA64MMFR0_EL1", rd_id_aa64mmfr0_el1 },
	[MMFR1] = { "ID_AA64MMFR1_EL1", rd_id_aa64mmfr1_el1 },
	[MMFR2] = { "ID_AA64MMFR2_EL1", rd_id_aa64mmfr2_el1 },
	[AFR0] = { "ID_AA64AFR0_EL1", rd_id_aa64afr0_el1 },
	[ZFR0] = { "ID_AA64ZFR0_EL1", rd_SYS_ID_AA64ZFR0_EL1 },
	[SMFR0] = { "ID_AA64SMFR0_EL1", rd_SYS_ID_AA64SMFR0_EL1 },
	[UNALLOC] = { "S3_0_C0_C7_7 (unallocated)", rd_SYS_ID_UNALLOCATED },
};

static void check_id_registers(void)
{
	uint64_t v[ARRAY_SIZE(id_regs)], pfr0, pfr1, dfr0, zfr0, smfr0, unalloc;
	unsigned int trapped = 0;

	/* Every read must be answered: a trapped ID register is never UNDEF. */
	for (unsigned int i = 0; i < ARRAY_SIZE(id_regs); i++) {
		struct exception_info ex;

		expect_exception();
		v[i] = id_regs[i].rd();
		if (exception_taken(&ex)) {
			report(false, "%s read raised an exception (ESR_EL1 %#lx)", id_regs[i].name,
			       ex.esr);
			v[i] = 0;
			trapped++;
		}
	}
	report(!trapped, "%u ID registers read without an exception", (unsigned int)ARRAY_SIZE(v));
	pfr0 = v[PFR0];
	pfr1 = v[PFR1];
	dfr0 = v[DFR0];
	zfr0 = v[ZFR0];
	smfr0 = v[SMFR0];
	unalloc = v[UNALLOC];

	report_info("ID_AA64PFR0_EL1 %#lx, PFR1 %#lx, DFR0 %#lx", pfr0, pfr1, dfr0);
	for (unsigned int i = 0; i < ARRAY_SIZE(pfr0_hidden); i++)
		report(ID_FIELD(pfr0, pfr0_hidden[i].shift) == 0, "ID_AA64PFR0_EL1.%s is 0 (%lu)",
		       pfr0_hidden[i].name, ID_FIELD(pfr0, pfr0_hidden[i].shift));
	for (unsigned int i = 0; i < ARRAY_SIZE(pfr1_hidden); i++)
		report(ID_FIELD(pfr1, pfr1_hidden[i].shift) == 0, "ID_AA64PFR1_EL1.%s is 0 (%lu)",
		       pfr1_hidden[i].name, ID_FIELD(pfr1, pfr1_hidden[i].shift));
	report(ID_FIELD(dfr0, 8) == 1, "ID_AA64DFR0_EL1.PMUVer is 1, PMUv3 for Armv8.0 (%lu)",
	       ID_FIELD(dfr0, 8));
	report(ID_FIELD(dfr0, 0) >= 6, "ID_AA64DFR0_EL1.DebugVer still says Armv8 debug (%lu)",
	       ID_FIELD(dfr0, 0));
	report(zfr0 == 0, "ID_AA64ZFR0_EL1 is 0 with SVE hidden (%#lx)", zfr0);
	report(smfr0 == 0, "ID_AA64SMFR0_EL1 is 0 with SME hidden (%#lx)", smfr0);
	report(unalloc == 0, "unallocated ID register S3_0_C0_C7_7 reads as zero (%#lx)", unalloc);

	/* Shown only up to the level the hypervisor gives (docs/world-switch.md). */
	report(ID_FIELD(pfr0, 24) == 1, "ID_AA64PFR0_EL1.GIC is 1: GICv3 system registers (%lu)",
	       ID_FIELD(pfr0, 24));
	report(ID_FIELD(pfr0, 56) <= 1 && ID_FIELD(pfr1, 32) <= 1,
	       "CSV2 %lu, CSV2_frac %lu: no SCXTNUM_ELx promised", ID_FIELD(pfr0, 56),
	       ID_FIELD(pfr1, 32));
	report(ID_FIELD(v[MMFR0], 0) <= 5, "ID_AA64MMFR0_EL1.PARange %lu: at most 48 bits, the "
	       "stage-2 input size", ID_FIELD(v[MMFR0], 0));
	report(ID_FIELD(v[MMFR1], 0) <= 2, "ID_AA64MMFR1_EL1.HAFDBS %lu: no HAFT (TCR2_EL1 is not "
	       "offered)", ID_FIELD(v[MMFR1], 0));
}

static void check_midr(void)
{
	uint64_t midr = read_sysreg(midr_el1);

	/* Architecture 0xf: the CPUID scheme every Armv8 PE uses (implementer may be 0). */
	report(((midr >> 16) & 0xf) == 0xf, "MIDR_EL1 readable, architecture field 0xf (MIDR %#lx)",
	       midr);
	report(read_sysreg(midr_el1) == midr, "MIDR_EL1 is stable");
}

/* The vCPU id as the hypervisor sees it; this vCPU's Aff0 when VM_INFO is unavailable. */
static void check_mpidr(unsigned int expected_cpu)
{
	uint64_t mpidr = read_sysreg(mpidr_el1);
	struct vm_info info;

	report((mpidr & 0xff) == expected_cpu, "vCPU %u: MPIDR_EL1.Aff0 is %u (%#lx)", expected_cpu,
	       expected_cpu, mpidr);
	if (hypscope_vm_info(&info))
		report(info.vcpu == (mpidr & 0xff), "vCPU %u: MPIDR_EL1.Aff0 == VM_INFO vCPU id %lu",
		       expected_cpu, info.vcpu);
}

static void check_actlr(void)
{
	uint64_t before = read_sysreg(actlr_el1), after;

	write_sysreg(~0ull, actlr_el1);
	isb();
	after = read_sysreg(actlr_el1);
	report(before == 0, "ACTLR_EL1 reads as zero (%#lx)", before);
	report(after == 0, "ACTLR_EL1 ignores writes (%#lx after writing all ones)", after);
}

static void check_os_lock(void)
{
	uint64_t oslsr = read_sysreg(oslsr_el1), osdlr;

	report((oslsr & OSLSR_OSLM_MASK) == OSLSR_OSLM_IMPL,
	       "OSLSR_EL1.OSLM says the OS lock is implemented (%#lx)", oslsr);

	write_sysreg(1, oslar_el1);
	isb();
	oslsr = read_sysreg(oslsr_el1);
	report(oslsr & OSLSR_OSLK, "OSLAR_EL1 = 1 locks: OSLSR_EL1.OSLK = 1 (%#lx)", oslsr);

	write_sysreg(0, oslar_el1);
	isb();
	oslsr = read_sysreg(oslsr_el1);
	report(!(oslsr & OSLSR_OSLK), "OSLAR_EL1 = 0 unlocks: OSLSR_EL1.OSLK = 0 (%#lx)", oslsr);

	write_sysreg_s(0, SYS_OSDLR_EL1);
	isb();
	osdlr = read_sysreg_s(SYS_OSDLR_EL1);
	report((osdlr & 1) == 0, "OSDLR_EL1.DLK reads 0 after writing 0 (%#lx)", osdlr);
}

/*
 * MDSCR_EL1 values that enable nothing while PSTATE.D is set and no
 * breakpoint or watchpoint is programmed: SS stays clear.
 */
static const uint64_t mdscr_values[GUEST_MAX_VCPUS] = {
	MDSCR_MDE | MDSCR_KDE,
	MDSCR_MDE | MDSCR_TDCC,
	MDSCR_KDE | MDSCR_TDCC,
	MDSCR_MDE | MDSCR_KDE | MDSCR_TDCC,
};

static uint64_t cntp_cval_values(unsigned int cpu)
{
	/* Far in the future, distinct per vCPU. */
	return 0x00ff000000000000ull + ((uint64_t)cpu << 40) + 0x1234;
}

/* Write this vCPU's MDSCR_EL1 and CNTP_CVAL_EL0 patterns. */
static void per_vcpu_write(unsigned int cpu)
{
	write_sysreg(mdscr_values[cpu], mdscr_el1);
	write_sysreg(cntp_cval_values(cpu), cntp_cval_el0);
	isb();
}

/* Check them: another vCPU writing its own must not have changed ours. */
static void per_vcpu_check(unsigned int cpu, const char *when)
{
	uint64_t mdscr = read_sysreg(mdscr_el1), cval = read_sysreg(cntp_cval_el0);

	report(mdscr == mdscr_values[cpu], "vCPU %u: MDSCR_EL1 keeps %#lx %s (%#lx)", cpu,
	       mdscr_values[cpu], when, mdscr);
	report(cval == cntp_cval_values(cpu), "vCPU %u: CNTP_CVAL_EL0 keeps %#lx %s (%#lx)", cpu,
	       cntp_cval_values(cpu), when, cval);
}

static void check_pmu_regs(void)
{
	struct exception_info ex;
	uint64_t v;
	bool taken;

	expect_exception();
	v = read_sysreg_s(SYS_PMCR_EL0);
	taken = exception_taken(&ex);
	report(!taken, "PMCR_EL0 reads (%#lx)", v);

	/* 31 counters is more than any PMCR_EL0.N a guest is given. */
	expect_exception();
	v = read_sysreg_s(SYS_PMEVCNTR30_EL0);
	taken = exception_taken(&ex);
	report(taken && ESR_EC(ex.esr) == ESR_EC_UNKNOWN,
	       "PMEVCNTR30_EL0 read is UNDEF (%s, ESR_EL1 %#lx)", taken ? "trapped" : "no exception",
	       taken ? ex.esr : 0);
	(void)v;
	report(true, "execution continues after the injected UNDEF");
}

static void check_cntp(void)
{
	uint64_t freq = timer_freq(), now, cval, ctl, diff;
	/* Far enough to stay ahead while the checks run, near enough for TVAL's
	 * signed 32 bits: 100 s do not fit at QEMU max's 1 GHz counter. */
	uint64_t ahead = 100 * freq < 0x7fff0000ull ? 100 * freq : 0x7fff0000ull;
	int64_t tval;

	now = timer_now();
	cval = now + ahead;
	write_sysreg(cval, cntp_cval_el0);
	write_sysreg(CNT_CTL_ENABLE | CNT_CTL_IMASK, cntp_ctl_el0);
	isb();
	report(read_sysreg(cntp_cval_el0) == cval, "CNTP_CVAL_EL0 reads back %#lx", cval);
	ctl = read_sysreg(cntp_ctl_el0);
	report((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == (CNT_CTL_ENABLE | CNT_CTL_IMASK),
	       "CNTP_CTL_EL0 reads back ENABLE|IMASK (%#lx)", ctl);
	report(!(ctl & CNT_CTL_ISTATUS), "CNTP_CTL_EL0.ISTATUS clear before CVAL (%#lx)", ctl);

	/* CNTP_TVAL_EL0 reads as CVAL - CNTPCT, signed 32 bits (Arm ARM, CNTP_TVAL_EL0). */
	tval = (int32_t)read_sysreg(cntp_tval_el0);
	report(tval > 0 && (uint64_t)tval <= ahead, "CNTP_TVAL_EL0 counts down to CVAL (%ld)",
	       tval);

	write_sysreg(freq, cntp_tval_el0);
	isb();
	now = read_sysreg(cntpct_el0);
	cval = read_sysreg(cntp_cval_el0);
	diff = cval > now ? cval - now : 0;
	report(diff > freq / 2 && diff <= freq, "writing CNTP_TVAL_EL0 sets CVAL to now + TVAL (%lu)",
	       diff);

	write_sysreg(0, cntp_cval_el0);
	isb();
	ctl = read_sysreg(cntp_ctl_el0);
	report(ctl & CNT_CTL_ISTATUS, "CNTP_CTL_EL0.ISTATUS set once CVAL has passed (%#lx)", ctl);

	write_sysreg(0, cntp_ctl_el0);
	isb();
	report((read_sysreg(cntp_ctl_el0) & CNT_CTL_ENABLE) == 0, "CNTP_CTL_EL0 disabled again");
}

/* ------------------------------------------------------------ secondaries */

static uint32_t phase[GUEST_MAX_VCPUS];
static uint32_t go_check;

static void secondary_main(void *arg)
{
	unsigned int cpu = (unsigned int)(uintptr_t)arg;

	check_mpidr(cpu);
	per_vcpu_write(cpu);
	/* Pairs with the load_acquire32() in run_secondaries(). */
	store_release32(&phase[cpu], 1);
	smp_notify();
	while (!load_acquire32(&go_check))
		wfe();
	per_vcpu_check(cpu, "while other vCPUs wrote theirs");
	write_sysreg(0, mdscr_el1);
	write_sysreg(0, cntp_cval_el0);
}

static void run_secondaries(void)
{
	unsigned int n = boot.nr_vcpus;

	if (n < 2) {
		report_skip("one vCPU: per-vCPU MDSCR_EL1/CNTP_CVAL_EL0 not compared");
		return;
	}
	per_vcpu_write(0);
	for (unsigned int cpu = 1; cpu < n; cpu++) {
		int32_t r = smp_start(cpu, secondary_main, (void *)(uintptr_t)cpu);

		report(r == PSCI_RET_SUCCESS, "vCPU %u started (%d)", cpu, r);
		if (r != PSCI_RET_SUCCESS)
			return;
		while (!load_acquire32(&phase[cpu]))
			wfe();
	}
	per_vcpu_check(0, "after the other vCPUs wrote theirs");
	/* Pairs with the load_acquire32() in secondary_main(). */
	store_release32(&go_check, 1);
	smp_notify();
	for (unsigned int cpu = 1; cpu < n; cpu++)
		smp_wait(cpu);
	write_sysreg(0, mdscr_el1);
}

int main(void)
{
	check_id_registers();
	check_midr();
	check_mpidr(0);
	check_actlr();
	check_os_lock();
	check_pmu_regs();
	check_cntp();
	run_secondaries();
	return report_summary();
}
