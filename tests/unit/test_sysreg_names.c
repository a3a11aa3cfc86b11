/*
 * The system register name table: order, uniqueness, the rules the Arm ARM
 * encodings follow (EL12 aliases, nXS TLBIs, numbered register families),
 * the registers the hypervisor and the debugger need, and lookups both ways.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "formats/esr.h"
#include "formats/sysreg_names.h"

static const struct sysreg_name *table;
static size_t count;

static int setup(void **state)
{
	(void)state;
	table = sysreg_name_table(&count);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const struct sysreg_name *find(const char *name)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

static void assert_encoding(const char *name, unsigned op0, unsigned op1, unsigned crn,
			    unsigned crm, unsigned op2)
{
	uint32_t key;

	if (!sysreg_key_by_name(name, &key))
		fail_msg("%s is missing from the table", name);
	if (key != SYSREG_KEY(op0, op1, crn, crm, op2))
		fail_msg("%s is S%u_%u_C%u_C%u_%u, want S%u_%u_C%u_C%u_%u", name,
			 sysreg_key_op0(key), sysreg_key_op1(key), sysreg_key_crn(key),
			 sysreg_key_crm(key), sysreg_key_op2(key), op0, op1, crn, crm, op2);
}

/* ------------------------------------------------------------- shape */

static void test_table_is_sorted_by_encoding_without_duplicate_keys(void **state)
{
	size_t i;

	(void)state;
	assert_true(count > 700);
	for (i = 1; i < count; i++)
		if (sysreg_key_order(table[i - 1].key) >= sysreg_key_order(table[i].key))
			fail_msg("%s must come after %s", table[i - 1].name, table[i].name);
}

static void test_table_has_no_duplicate_names(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < count; i++)
		for (j = 0; j < i; j++)
			if (strcasecmp(table[i].name, table[j].name) == 0)
				fail_msg("%s appears twice", table[i].name);
}

static void test_every_key_is_a_valid_iss_encoding(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < count; i++) {
		assert_int_equal(table[i].key & ~SYSREG_KEY_MASK, 0);
		/* op0 = 0 is the hint/barrier/PSTATE space, never a register */
		assert_int_not_equal(sysreg_key_op0(table[i].key), 0);
	}
}

static void test_names_are_registers_or_instructions_by_op0(void **state)
{
	static const char *const insn_prefix[] = { "DC ", "IC ", "AT ", "TLBI ", "CFP ",
						   "DVP ", "COSP ", "CPP " };
	size_t i, p;

	(void)state;
	for (i = 0; i < count; i++) {
		const char *name = table[i].name;
		const char *c;

		for (c = name; *c; c++)
			assert_true(isalnum((unsigned char)*c) || *c == '_' || *c == ' ');
		if (sysreg_key_op0(table[i].key) != 1) {
			assert_null(strchr(name, ' '));
			continue;
		}
		for (p = 0; p < sizeof(insn_prefix) / sizeof(insn_prefix[0]); p++)
			if (strncmp(name, insn_prefix[p], strlen(insn_prefix[p])) == 0)
				break;
		if (p == sizeof(insn_prefix) / sizeof(insn_prefix[0]))
			fail_msg("%s has op0 = 1 but is not a system instruction", name);
	}
}

/* ------------------------------------------------ rules of the encodings */

/*
 * Op1 tells the lowest EL that can access a register (Arm ARM, "System
 * register encoding"): 0 EL1, 3 EL0, 4 EL2, 5 the EL12/EL02 aliases. The
 * suffix of the name must agree; the few registers named after a different
 * EL than the one accessing them are listed.
 */
static void test_el_suffix_agrees_with_op1(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < count; i++) {
		const char *name = table[i].name;
		unsigned op0 = sysreg_key_op0(table[i].key);
		unsigned op1 = sysreg_key_op1(table[i].key);

		if (op0 == 1)
			continue;
		if (ends_with(name, "_EL12") || ends_with(name, "_EL02"))
			assert_int_equal(op1, 5);
		else if (ends_with(name, "_EL2"))
			assert_int_equal(op1, 4);
		else if (strcmp(name, "SP_EL0") == 0)
			assert_int_equal(op1, 0); /* the EL0 stack pointer is an EL1 register */
		else if (ends_with(name, "_EL0"))
			assert_int_equal(op1, 3);
		else if (strcmp(name, "SP_EL1") == 0)
			assert_int_equal(op1, 4); /* the EL1 stack pointer is an EL2 register */
		else if (ends_with(name, "_EL1"))
			assert_true(op1 <= 2);
	}
}

/*
 * With HCR_EL2.E2H, <reg>_EL12 is <reg>_EL1's encoding with op1 = 5, and
 * <reg>_EL02 is <reg>_EL0's.
 */
static void test_el12_and_el02_aliases_mirror_their_registers(void **state)
{
	size_t i;
	unsigned aliases = 0;

	(void)state;
	for (i = 0; i < count; i++) {
		const char *name = table[i].name;
		char base[40];
		const struct sysreg_name *reg;
		size_t n = strlen(name);
		unsigned want_op1;

		if (ends_with(name, "_EL12")) {
			snprintf(base, sizeof(base), "%.*s_EL1", (int)(n - 5), name);
			want_op1 = 0;
		} else if (ends_with(name, "_EL02")) {
			snprintf(base, sizeof(base), "%.*s_EL0", (int)(n - 5), name);
			want_op1 = 3;
		} else {
			continue;
		}
		reg = find(base);
		if (!reg)
			fail_msg("%s has no %s", name, base);
		assert_int_equal(sysreg_key_op1(reg->key), want_op1);
		assert_int_equal(sysreg_key_op0(reg->key), sysreg_key_op0(table[i].key));
		assert_int_equal(sysreg_key_crn(reg->key), sysreg_key_crn(table[i].key));
		assert_int_equal(sysreg_key_crm(reg->key), sysreg_key_crm(table[i].key));
		assert_int_equal(sysreg_key_op2(reg->key), sysreg_key_op2(table[i].key));
		aliases++;
	}
	assert_true(aliases >= 30);
}

/* FEAT_XS: TLBI <op>NXS is TLBI <op> with CRn = 9 instead of 8. */
static void test_nxs_tlbis_mirror_their_tlbis(void **state)
{
	size_t i;
	unsigned pairs = 0;

	(void)state;
	for (i = 0; i < count; i++) {
		const char *name = table[i].name;
		char base[40];
		const struct sysreg_name *op;

		if (strncmp(name, "TLBI ", 5) != 0)
			continue;
		if (!ends_with(name, "NXS")) {
			assert_int_equal(sysreg_key_crn(table[i].key), 8);
			continue;
		}
		snprintf(base, sizeof(base), "%.*s", (int)strlen(name) - 3, name);
		op = find(base);
		if (!op)
			fail_msg("%s has no %s", name, base);
		assert_int_equal(table[i].key, op->key | SYSREG_KEY(0, 0, 1, 0, 0));
		pairs++;
	}
	assert_int_equal(pairs, 30 + 33); /* EL1 and EL2 operations */
}

/* Registers numbered <n> carry n in their encoding; check every member. */
static void test_numbered_families_encode_their_index(void **state)
{
	struct family {
		const char *fmt;
		unsigned count;
		unsigned op0, op1, crn;
		unsigned crm_base, op2_base; /* n spreads over op2 first, then CRm */
		unsigned per_crm;            /* members per CRm value */
	};
	static const struct family families[] = {
		{ "DBGBVR%u_EL1", 16, 2, 0, 0, 0, 4, 1 },
		{ "DBGBCR%u_EL1", 16, 2, 0, 0, 0, 5, 1 },
		{ "DBGWVR%u_EL1", 16, 2, 0, 0, 0, 6, 1 },
		{ "DBGWCR%u_EL1", 16, 2, 0, 0, 0, 7, 1 },
		{ "PMEVCNTR%u_EL0", 31, 3, 3, 14, 8, 0, 8 },
		{ "PMEVTYPER%u_EL0", 31, 3, 3, 14, 12, 0, 8 },
		{ "ICH_LR%u_EL2", 16, 3, 4, 12, 12, 0, 8 },
		{ "ICH_AP0R%u_EL2", 4, 3, 4, 12, 8, 0, 8 },
		{ "ICH_AP1R%u_EL2", 4, 3, 4, 12, 9, 0, 8 },
		{ "ICC_AP0R%u_EL1", 4, 3, 0, 12, 8, 4, 8 },
		{ "ICC_AP1R%u_EL1", 4, 3, 0, 12, 9, 0, 8 },
		{ "AMEVCNTR0%u_EL0", 4, 3, 3, 13, 4, 0, 8 },
		{ "AMEVTYPER0%u_EL0", 4, 3, 3, 13, 6, 0, 8 },
		{ "AMEVCNTR1%u_EL0", 16, 3, 3, 13, 12, 0, 8 },
		{ "AMEVTYPER1%u_EL0", 16, 3, 3, 13, 14, 0, 8 },
		{ "MPAMVPM%u_EL2", 8, 3, 4, 10, 6, 0, 8 },
		{ "ERXMISC%u_EL1", 4, 3, 0, 5, 5, 0, 8 },
	};
	size_t f;
	unsigned n;
	char name[40];

	(void)state;
	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		const struct family *fam = &families[f];

		for (n = 0; n < fam->count; n++) {
			snprintf(name, sizeof(name), fam->fmt, n);
			if (fam->per_crm == 1)
				assert_encoding(name, fam->op0, fam->op1, fam->crn, n,
						fam->op2_base);
			else
				assert_encoding(name, fam->op0, fam->op1, fam->crn,
						fam->crm_base + n / fam->per_crm,
						fam->op2_base + n % fam->per_crm);
		}
		/* and no member beyond the architected count */
		snprintf(name, sizeof(name), fam->fmt, fam->count);
		assert_null(find(name));
	}
}

/* ------------------------------------------------ what must be there */

/* Encodings as the Arm ARM lists them under "Accessing <register>". */
static void test_arm_arm_encodings_of_registers_guests_use(void **state)
{
	(void)state;
	assert_encoding("MIDR_EL1", 3, 0, 0, 0, 0);
	assert_encoding("MPIDR_EL1", 3, 0, 0, 0, 5);
	assert_encoding("REVIDR_EL1", 3, 0, 0, 0, 6);
	assert_encoding("ID_PFR0_EL1", 3, 0, 0, 1, 0);
	assert_encoding("ID_MMFR4_EL1", 3, 0, 0, 2, 6);
	assert_encoding("ID_ISAR6_EL1", 3, 0, 0, 2, 7);
	assert_encoding("MVFR2_EL1", 3, 0, 0, 3, 2);
	assert_encoding("ID_AA64PFR0_EL1", 3, 0, 0, 4, 0);
	assert_encoding("ID_AA64PFR1_EL1", 3, 0, 0, 4, 1);
	assert_encoding("ID_AA64PFR2_EL1", 3, 0, 0, 4, 2);
	assert_encoding("ID_AA64ZFR0_EL1", 3, 0, 0, 4, 4);
	assert_encoding("ID_AA64SMFR0_EL1", 3, 0, 0, 4, 5);
	assert_encoding("ID_AA64DFR0_EL1", 3, 0, 0, 5, 0);
	assert_encoding("ID_AA64DFR1_EL1", 3, 0, 0, 5, 1);
	assert_encoding("ID_AA64ISAR0_EL1", 3, 0, 0, 6, 0);
	assert_encoding("ID_AA64ISAR1_EL1", 3, 0, 0, 6, 1);
	assert_encoding("ID_AA64ISAR2_EL1", 3, 0, 0, 6, 2);
	assert_encoding("ID_AA64MMFR0_EL1", 3, 0, 0, 7, 0);
	assert_encoding("ID_AA64MMFR1_EL1", 3, 0, 0, 7, 1);
	assert_encoding("ID_AA64MMFR2_EL1", 3, 0, 0, 7, 2);
	assert_encoding("ID_AA64MMFR3_EL1", 3, 0, 0, 7, 3);
	assert_encoding("ID_AA64MMFR4_EL1", 3, 0, 0, 7, 4);
	assert_encoding("CCSIDR_EL1", 3, 1, 0, 0, 0);
	assert_encoding("CLIDR_EL1", 3, 1, 0, 0, 1);
	assert_encoding("AIDR_EL1", 3, 1, 0, 0, 7);
	assert_encoding("CSSELR_EL1", 3, 2, 0, 0, 0);
	assert_encoding("CTR_EL0", 3, 3, 0, 0, 1);
	assert_encoding("DCZID_EL0", 3, 3, 0, 0, 7);
	assert_encoding("SCTLR_EL1", 3, 0, 1, 0, 0);
	assert_encoding("ACTLR_EL1", 3, 0, 1, 0, 1);
	assert_encoding("CPACR_EL1", 3, 0, 1, 0, 2);
	assert_encoding("TTBR0_EL1", 3, 0, 2, 0, 0);
	assert_encoding("TTBR1_EL1", 3, 0, 2, 0, 1);
	assert_encoding("TCR_EL1", 3, 0, 2, 0, 2);
	assert_encoding("APIAKeyLo_EL1", 3, 0, 2, 1, 0);
	assert_encoding("APGAKeyHi_EL1", 3, 0, 2, 3, 1);
	assert_encoding("AFSR0_EL1", 3, 0, 5, 1, 0);
	assert_encoding("AFSR1_EL1", 3, 0, 5, 1, 1);
	assert_encoding("ESR_EL1", 3, 0, 5, 2, 0);
	assert_encoding("FAR_EL1", 3, 0, 6, 0, 0);
	assert_encoding("PAR_EL1", 3, 0, 7, 4, 0);
	assert_encoding("MAIR_EL1", 3, 0, 10, 2, 0);
	assert_encoding("AMAIR_EL1", 3, 0, 10, 3, 0);
	assert_encoding("VBAR_EL1", 3, 0, 12, 0, 0);
	assert_encoding("CONTEXTIDR_EL1", 3, 0, 13, 0, 1);
	assert_encoding("TPIDR_EL1", 3, 0, 13, 0, 4);
	assert_encoding("TPIDR_EL0", 3, 3, 13, 0, 2);
	assert_encoding("TPIDRRO_EL0", 3, 3, 13, 0, 3);
	assert_encoding("CNTKCTL_EL1", 3, 0, 14, 1, 0);
	assert_encoding("CNTFRQ_EL0", 3, 3, 14, 0, 0);
	assert_encoding("CNTPCT_EL0", 3, 3, 14, 0, 1);
	assert_encoding("CNTVCT_EL0", 3, 3, 14, 0, 2);
	assert_encoding("CNTP_TVAL_EL0", 3, 3, 14, 2, 0);
	assert_encoding("CNTP_CTL_EL0", 3, 3, 14, 2, 1);
	assert_encoding("CNTP_CVAL_EL0", 3, 3, 14, 2, 2);
	assert_encoding("CNTV_TVAL_EL0", 3, 3, 14, 3, 0);
	assert_encoding("CNTV_CTL_EL0", 3, 3, 14, 3, 1);
	assert_encoding("CNTV_CVAL_EL0", 3, 3, 14, 3, 2);
}

static void test_arm_arm_encodings_of_debug_pmu_gic_ras_lor(void **state)
{
	(void)state;
	assert_encoding("MDSCR_EL1", 2, 0, 0, 2, 2);
	assert_encoding("MDCCINT_EL1", 2, 0, 0, 2, 0);
	assert_encoding("OSLAR_EL1", 2, 0, 1, 0, 4);
	assert_encoding("OSLSR_EL1", 2, 0, 1, 1, 4);
	assert_encoding("OSDLR_EL1", 2, 0, 1, 3, 4);
	assert_encoding("DBGPRCR_EL1", 2, 0, 1, 4, 4);
	assert_encoding("MDCCSR_EL0", 2, 3, 0, 1, 0);
	assert_encoding("DBGCLAIMSET_EL1", 2, 0, 7, 8, 6);
	assert_encoding("DBGCLAIMCLR_EL1", 2, 0, 7, 9, 6);
	assert_encoding("DBGAUTHSTATUS_EL1", 2, 0, 7, 14, 6);
	assert_encoding("PMCR_EL0", 3, 3, 9, 12, 0);
	assert_encoding("PMCNTENSET_EL0", 3, 3, 9, 12, 1);
	assert_encoding("PMCNTENCLR_EL0", 3, 3, 9, 12, 2);
	assert_encoding("PMOVSCLR_EL0", 3, 3, 9, 12, 3);
	assert_encoding("PMSWINC_EL0", 3, 3, 9, 12, 4);
	assert_encoding("PMSELR_EL0", 3, 3, 9, 12, 5);
	assert_encoding("PMCEID0_EL0", 3, 3, 9, 12, 6);
	assert_encoding("PMCEID1_EL0", 3, 3, 9, 12, 7);
	assert_encoding("PMCCNTR_EL0", 3, 3, 9, 13, 0);
	assert_encoding("PMXEVTYPER_EL0", 3, 3, 9, 13, 1);
	assert_encoding("PMXEVCNTR_EL0", 3, 3, 9, 13, 2);
	assert_encoding("PMUSERENR_EL0", 3, 3, 9, 14, 0);
	assert_encoding("PMOVSSET_EL0", 3, 3, 9, 14, 3);
	assert_encoding("PMINTENSET_EL1", 3, 0, 9, 14, 1);
	assert_encoding("PMINTENCLR_EL1", 3, 0, 9, 14, 2);
	assert_encoding("PMCCFILTR_EL0", 3, 3, 14, 15, 7);
	assert_encoding("ICC_PMR_EL1", 3, 0, 4, 6, 0);
	assert_encoding("ICC_IAR0_EL1", 3, 0, 12, 8, 0);
	assert_encoding("ICC_EOIR0_EL1", 3, 0, 12, 8, 1);
	assert_encoding("ICC_HPPIR0_EL1", 3, 0, 12, 8, 2);
	assert_encoding("ICC_BPR0_EL1", 3, 0, 12, 8, 3);
	assert_encoding("ICC_DIR_EL1", 3, 0, 12, 11, 1);
	assert_encoding("ICC_RPR_EL1", 3, 0, 12, 11, 3);
	assert_encoding("ICC_SGI1R_EL1", 3, 0, 12, 11, 5);
	assert_encoding("ICC_ASGI1R_EL1", 3, 0, 12, 11, 6);
	assert_encoding("ICC_SGI0R_EL1", 3, 0, 12, 11, 7);
	assert_encoding("ICC_IAR1_EL1", 3, 0, 12, 12, 0);
	assert_encoding("ICC_EOIR1_EL1", 3, 0, 12, 12, 1);
	assert_encoding("ICC_HPPIR1_EL1", 3, 0, 12, 12, 2);
	assert_encoding("ICC_BPR1_EL1", 3, 0, 12, 12, 3);
	assert_encoding("ICC_CTLR_EL1", 3, 0, 12, 12, 4);
	assert_encoding("ICC_SRE_EL1", 3, 0, 12, 12, 5);
	assert_encoding("ICC_IGRPEN0_EL1", 3, 0, 12, 12, 6);
	assert_encoding("ICC_IGRPEN1_EL1", 3, 0, 12, 12, 7);
	assert_encoding("ERRIDR_EL1", 3, 0, 5, 3, 0);
	assert_encoding("ERRSELR_EL1", 3, 0, 5, 3, 1);
	assert_encoding("ERXFR_EL1", 3, 0, 5, 4, 0);
	assert_encoding("ERXCTLR_EL1", 3, 0, 5, 4, 1);
	assert_encoding("ERXSTATUS_EL1", 3, 0, 5, 4, 2);
	assert_encoding("ERXADDR_EL1", 3, 0, 5, 4, 3);
	assert_encoding("LORSA_EL1", 3, 0, 10, 4, 0);
	assert_encoding("LOREA_EL1", 3, 0, 10, 4, 1);
	assert_encoding("LORN_EL1", 3, 0, 10, 4, 2);
	assert_encoding("LORC_EL1", 3, 0, 10, 4, 3);
	assert_encoding("LORID_EL1", 3, 0, 10, 4, 7);
}

static void test_arm_arm_encodings_of_instructions_and_el2_registers(void **state)
{
	(void)state;
	assert_encoding("DC ISW", 1, 0, 7, 6, 2);
	assert_encoding("DC CSW", 1, 0, 7, 10, 2);
	assert_encoding("DC CISW", 1, 0, 7, 14, 2);
	assert_encoding("DC ZVA", 1, 3, 7, 4, 1);
	assert_encoding("DC CIVAC", 1, 3, 7, 14, 1);
	assert_encoding("IC IALLU", 1, 0, 7, 5, 0);
	assert_encoding("IC IVAU", 1, 3, 7, 5, 1);
	assert_encoding("AT S1E1R", 1, 0, 7, 8, 0);
	assert_encoding("AT S12E1R", 1, 4, 7, 8, 4);
	assert_encoding("TLBI VMALLE1IS", 1, 0, 8, 3, 0);
	assert_encoding("TLBI VAE1", 1, 0, 8, 7, 1);
	assert_encoding("TLBI IPAS2E1IS", 1, 4, 8, 0, 1);
	assert_encoding("TLBI VMALLS12E1IS", 1, 4, 8, 3, 6);
	assert_encoding("TLBI ALLE2", 1, 4, 8, 7, 0);
	assert_encoding("HCR_EL2", 3, 4, 1, 1, 0);
	assert_encoding("MDCR_EL2", 3, 4, 1, 1, 1);
	assert_encoding("CPTR_EL2", 3, 4, 1, 1, 2);
	assert_encoding("HSTR_EL2", 3, 4, 1, 1, 3);
	assert_encoding("VTTBR_EL2", 3, 4, 2, 1, 0);
	assert_encoding("VTCR_EL2", 3, 4, 2, 1, 2);
	assert_encoding("ESR_EL2", 3, 4, 5, 2, 0);
	assert_encoding("FAR_EL2", 3, 4, 6, 0, 0);
	assert_encoding("HPFAR_EL2", 3, 4, 6, 0, 4);
	assert_encoding("VBAR_EL2", 3, 4, 12, 0, 0);
	assert_encoding("ICH_HCR_EL2", 3, 4, 12, 11, 0);
	assert_encoding("ICH_VTR_EL2", 3, 4, 12, 11, 1);
	assert_encoding("ICH_MISR_EL2", 3, 4, 12, 11, 2);
	assert_encoding("ICH_ELRSR_EL2", 3, 4, 12, 11, 5);
	assert_encoding("ICH_VMCR_EL2", 3, 4, 12, 11, 7);
	assert_encoding("ICC_SRE_EL2", 3, 4, 12, 9, 5);
	assert_encoding("CNTHCTL_EL2", 3, 4, 14, 1, 0);
	assert_encoding("CNTVOFF_EL2", 3, 4, 14, 0, 3);
	assert_encoding("VPIDR_EL2", 3, 4, 0, 0, 0);
	assert_encoding("VMPIDR_EL2", 3, 4, 0, 0, 5);
	assert_encoding("SP_EL1", 3, 4, 4, 1, 0);
	/* an EL2 register whose encoding does not follow its EL1 twin */
	assert_encoding("MAIR2_EL2", 3, 4, 10, 1, 1);
	assert_encoding("MAIR2_EL1", 3, 0, 10, 2, 1);
}

static void test_hypervisor_dispatch_keys_name_their_registers(void **state)
{
	(void)state;
	assert_string_equal(sysreg_name(SYSREG_MIDR_EL1), "MIDR_EL1");
	assert_string_equal(sysreg_name(SYSREG_MPIDR_EL1), "MPIDR_EL1");
	assert_string_equal(sysreg_name(SYSREG_ID_AA64PFR0_EL1), "ID_AA64PFR0_EL1");
	assert_string_equal(sysreg_name(SYSREG_ID_AA64DFR0_EL1), "ID_AA64DFR0_EL1");
	assert_string_equal(sysreg_name(SYSREG_SCTLR_EL1), "SCTLR_EL1");
	assert_string_equal(sysreg_name(SYSREG_ACTLR_EL1), "ACTLR_EL1");
	assert_string_equal(sysreg_name(SYSREG_CTR_EL0), "CTR_EL0");
	assert_string_equal(sysreg_name(SYSREG_MDSCR_EL1), "MDSCR_EL1");
	assert_string_equal(sysreg_name(SYSREG_OSLAR_EL1), "OSLAR_EL1");
	assert_string_equal(sysreg_name(SYSREG_OSLSR_EL1), "OSLSR_EL1");
	assert_string_equal(sysreg_name(SYSREG_OSDLR_EL1), "OSDLR_EL1");
	assert_string_equal(sysreg_name(SYSREG_DBGPRCR_EL1), "DBGPRCR_EL1");
	assert_string_equal(sysreg_name(SYSREG_ICC_SGI1R_EL1), "ICC_SGI1R_EL1");
	assert_string_equal(sysreg_name(SYSREG_ICC_ASGI1R_EL1), "ICC_ASGI1R_EL1");
	assert_string_equal(sysreg_name(SYSREG_ICC_SGI0R_EL1), "ICC_SGI0R_EL1");
	assert_string_equal(sysreg_name(SYSREG_ICC_SRE_EL1), "ICC_SRE_EL1");
	assert_string_equal(sysreg_name(SYSREG_PMCR_EL0), "PMCR_EL0");
	assert_string_equal(sysreg_name(SYSREG_PMUSERENR_EL0), "PMUSERENR_EL0");
	assert_string_equal(sysreg_name(SYSREG_CNTPCT_EL0), "CNTPCT_EL0");
	assert_string_equal(sysreg_name(SYSREG_CNTP_TVAL_EL0), "CNTP_TVAL_EL0");
	assert_string_equal(sysreg_name(SYSREG_CNTP_CTL_EL0), "CNTP_CTL_EL0");
	assert_string_equal(sysreg_name(SYSREG_CNTP_CVAL_EL0), "CNTP_CVAL_EL0");
	assert_string_equal(sysreg_name(SYSREG_DC_ISW), "DC ISW");
	assert_string_equal(sysreg_name(SYSREG_DC_CSW), "DC CSW");
	assert_string_equal(sysreg_name(SYSREG_DC_CISW), "DC CISW");
}

/* ----------------------------------------------------------- lookups */

static void test_every_entry_looks_up_by_key_and_by_name(void **state)
{
	size_t i;
	uint32_t key;

	(void)state;
	for (i = 0; i < count; i++) {
		assert_string_equal(sysreg_name(table[i].key), table[i].name);
		assert_true(sysreg_key_by_name(table[i].name, &key));
		assert_int_equal(key, table[i].key);
	}
}

static void test_trapped_iss_looks_up_without_masking(void **state)
{
	/* mrs x1, cntv_ctl_el0: the whole ISS, Rt and direction included */
	uint64_t esr = 0x6232f827;

	(void)state;
	assert_string_equal(sysreg_name(esr_sysreg_key(esr)), "CNTV_CTL_EL0");
	assert_string_equal(sysreg_name(esr_iss(esr)), "CNTV_CTL_EL0");
}

static void test_unknown_encodings_have_no_name(void **state)
{
	(void)state;
	assert_null(sysreg_name(SYSREG_KEY(3, 0, 15, 2, 0))); /* IMPLEMENTATION DEFINED */
	assert_null(sysreg_name(SYSREG_KEY(3, 0, 0, 3, 3)));  /* reserved ID space */
	assert_null(sysreg_name(SYSREG_KEY(0, 0, 0, 0, 0)));
	assert_null(sysreg_name(SYSREG_KEY(3, 7, 15, 15, 7)));
}

static void test_format_prints_name_or_generic_encoding(void **state)
{
	char buf[32];
	int n;

	(void)state;
	n = sysreg_format(buf, sizeof(buf), SYSREG_KEY(3, 3, 14, 3, 1));
	assert_string_equal(buf, "CNTV_CTL_EL0");
	assert_int_equal(n, 12);
	n = sysreg_format(buf, sizeof(buf), SYSREG_KEY(3, 0, 15, 2, 0));
	assert_string_equal(buf, "S3_0_C15_C2_0");
	assert_int_equal(n, 13);
	sysreg_format(buf, sizeof(buf), SYSREG_KEY(1, 7, 11, 12, 7));
	assert_string_equal(buf, "S1_7_C11_C12_7");
}

static void test_format_truncates_like_snprintf(void **state)
{
	char buf[5];

	(void)state;
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(sysreg_format(buf, sizeof(buf), SYSREG_KEY(3, 0, 15, 2, 0)), 13);
	assert_string_equal(buf, "S3_0");
	assert_int_equal(sysreg_format(NULL, 0, SYSREG_KEY(3, 3, 14, 3, 1)), 12);
}

static void test_key_by_name_ignores_case_and_reads_generic_form(void **state)
{
	uint32_t key;

	(void)state;
	assert_true(sysreg_key_by_name("cntv_ctl_el0", &key));
	assert_int_equal(key, SYSREG_KEY(3, 3, 14, 3, 1));
	assert_true(sysreg_key_by_name("dc isw", &key));
	assert_int_equal(key, SYSREG_DC_ISW);
	assert_true(sysreg_key_by_name("apiakeylo_el1", &key));
	assert_int_equal(key, SYSREG_KEY(3, 0, 2, 1, 0));
	assert_true(sysreg_key_by_name("s3_3_c14_c3_1", &key));
	assert_int_equal(key, SYSREG_KEY(3, 3, 14, 3, 1));
	assert_true(sysreg_key_by_name("S3_0_C15_C2_0", &key));
	assert_int_equal(key, SYSREG_KEY(3, 0, 15, 2, 0));
}

static void test_key_by_name_rejects_what_names_no_encoding(void **state)
{
	uint32_t key = 0x1234;

	(void)state;
	assert_false(sysreg_key_by_name("", &key));
	assert_false(sysreg_key_by_name("bogus", &key));
	assert_false(sysreg_key_by_name("CNTV_CTL_EL0x", &key));
	assert_false(sysreg_key_by_name("CNTV_CTL", &key));
	assert_false(sysreg_key_by_name("S3_8_C0_C0_0", &key));  /* op1 > 7 */
	assert_false(sysreg_key_by_name("S3_0_C16_C0_0", &key)); /* CRn > 15 */
	assert_false(sysreg_key_by_name("S0_0_C0_C0_0", &key));  /* op0 = 0 */
	assert_false(sysreg_key_by_name("S3_0_C0_C0_", &key));
	assert_false(sysreg_key_by_name("S3_0_C0_C0_0_", &key));
	assert_int_equal(key, 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_sorted_by_encoding_without_duplicate_keys),
		cmocka_unit_test(test_table_has_no_duplicate_names),
		cmocka_unit_test(test_every_key_is_a_valid_iss_encoding),
		cmocka_unit_test(test_names_are_registers_or_instructions_by_op0),
		cmocka_unit_test(test_el_suffix_agrees_with_op1),
		cmocka_unit_test(test_el12_and_el02_aliases_mirror_their_registers),
		cmocka_unit_test(test_nxs_tlbis_mirror_their_tlbis),
		cmocka_unit_test(test_numbered_families_encode_their_index),
		cmocka_unit_test(test_arm_arm_encodings_of_registers_guests_use),
		cmocka_unit_test(test_arm_arm_encodings_of_debug_pmu_gic_ras_lor),
		cmocka_unit_test(test_arm_arm_encodings_of_instructions_and_el2_registers),
		cmocka_unit_test(test_hypervisor_dispatch_keys_name_their_registers),
		cmocka_unit_test(test_every_entry_looks_up_by_key_and_by_name),
		cmocka_unit_test(test_trapped_iss_looks_up_without_masking),
		cmocka_unit_test(test_unknown_encodings_have_no_name),
		cmocka_unit_test(test_format_prints_name_or_generic_encoding),
		cmocka_unit_test(test_format_truncates_like_snprintf),
		cmocka_unit_test(test_key_by_name_ignores_case_and_reads_generic_form),
		cmocka_unit_test(test_key_by_name_rejects_what_names_no_encoding),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
