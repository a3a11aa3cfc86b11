/*
 * System register and system instruction names, by encoding.
 *
 * Freestanding (linked at EL2 too): no libc beyond <string.h>.
 *
 * The encodings are those of the Arm ARM register and instruction pages
 * ("Accessing <reg>": op0, op1, CRn, CRm, op2). The table holds every
 * register an EL1 guest can touch and EL2 can trap, the system instructions
 * EL2 can trap (DC/IC/AT/TLBI), and the EL2 registers a debugger shows.
 * EL3-only registers are left out: a guest's access to them never reaches
 * EL2. tests/unit/test_sysreg_names.c checks the order and uniqueness.
 */
#include "formats/sysreg_names.h"

#define SR(op0, op1, crn, crm, op2, name) { SYSREG_KEY(op0, op1, crn, crm, op2), name }

/* DBGB{V,C}R<n>_EL1, DBGW{V,C}R<n>_EL1: CRm = n, op2 = 4..7 */
#define SR_DBG(n)                                                                           \
	SR(2, 0, 0, n, 4, "DBGBVR" #n "_EL1"), SR(2, 0, 0, n, 5, "DBGBCR" #n "_EL1"),       \
		SR(2, 0, 0, n, 6, "DBGWVR" #n "_EL1"), SR(2, 0, 0, n, 7, "DBGWCR" #n "_EL1")

/* PMEVCNTR<n>_EL0: CRm = 0b10:n[4:3]; PMEVTYPER<n>_EL0: CRm = 0b11:n[4:3]; op2 = n[2:0] */
#define SR_PMEVCNTR(n)  SR(3, 3, 14, 8 + ((n) >> 3), (n) & 7, "PMEVCNTR" #n "_EL0")
#define SR_PMEVTYPER(n) SR(3, 3, 14, 12 + ((n) >> 3), (n) & 7, "PMEVTYPER" #n "_EL0")

/*
 * AMEV{CNTR,TYPER}0<n>_EL0 (n = 0..3, the architected counters) and
 * AMEV{CNTR,TYPER}1<n>_EL0 (n = 0..15, auxiliary): CRm = 0b01x or 0b11x with
 * n[3] as its low bit, op2 = n[2:0].
 */
#define SR_AMEVCNTR0(n)  SR(3, 3, 13, 4 + ((n) >> 3), (n) & 7, "AMEVCNTR0" #n "_EL0")
#define SR_AMEVTYPER0(n) SR(3, 3, 13, 6 + ((n) >> 3), (n) & 7, "AMEVTYPER0" #n "_EL0")
#define SR_AMEVCNTR1(n)  SR(3, 3, 13, 12 + ((n) >> 3), (n) & 7, "AMEVCNTR1" #n "_EL0")
#define SR_AMEVTYPER1(n) SR(3, 3, 13, 14 + ((n) >> 3), (n) & 7, "AMEVTYPER1" #n "_EL0")

/* ICH_LR<n>_EL2: CRm = 0b110:n[3], op2 = n[2:0] */
#define SR_ICH_LR(n) SR(3, 4, 12, 12 + ((n) >> 3), (n) & 7, "ICH_LR" #n "_EL2")

static const struct sysreg_name table[] = {
	/* ---- op0 = 1: system instructions, EL1 (op1 = 0) */
	SR(1, 0, 7, 1, 0, "IC IALLUIS"),
	SR(1, 0, 7, 5, 0, "IC IALLU"),
	SR(1, 0, 7, 6, 1, "DC IVAC"),
	SR(1, 0, 7, 6, 2, "DC ISW"),
	SR(1, 0, 7, 6, 3, "DC IGVAC"),
	SR(1, 0, 7, 6, 4, "DC IGSW"),
	SR(1, 0, 7, 6, 5, "DC IGDVAC"),
	SR(1, 0, 7, 6, 6, "DC IGDSW"),
	SR(1, 0, 7, 8, 0, "AT S1E1R"),
	SR(1, 0, 7, 8, 1, "AT S1E1W"),
	SR(1, 0, 7, 8, 2, "AT S1E0R"),
	SR(1, 0, 7, 8, 3, "AT S1E0W"),
	SR(1, 0, 7, 9, 0, "AT S1E1RP"),
	SR(1, 0, 7, 9, 1, "AT S1E1WP"),
	SR(1, 0, 7, 9, 2, "AT S1E1A"),
	SR(1, 0, 7, 10, 2, "DC CSW"),
	SR(1, 0, 7, 10, 4, "DC CGSW"),
	SR(1, 0, 7, 10, 6, "DC CGDSW"),
	SR(1, 0, 7, 14, 2, "DC CISW"),
	SR(1, 0, 7, 14, 4, "DC CIGSW"),
	SR(1, 0, 7, 14, 6, "DC CIGDSW"),
	SR(1, 0, 8, 1, 0, "TLBI VMALLE1OS"),
	SR(1, 0, 8, 1, 1, "TLBI VAE1OS"),
	SR(1, 0, 8, 1, 2, "TLBI ASIDE1OS"),
	SR(1, 0, 8, 1, 3, "TLBI VAAE1OS"),
	SR(1, 0, 8, 1, 5, "TLBI VALE1OS"),
	SR(1, 0, 8, 1, 7, "TLBI VAALE1OS"),
	SR(1, 0, 8, 2, 1, "TLBI RVAE1IS"),
	SR(1, 0, 8, 2, 3, "TLBI RVAAE1IS"),
	SR(1, 0, 8, 2, 5, "TLBI RVALE1IS"),
	SR(1, 0, 8, 2, 7, "TLBI RVAALE1IS"),
	SR(1, 0, 8, 3, 0, "TLBI VMALLE1IS"),
	SR(1, 0, 8, 3, 1, "TLBI VAE1IS"),
	SR(1, 0, 8, 3, 2, "TLBI ASIDE1IS"),
	SR(1, 0, 8, 3, 3, "TLBI VAAE1IS"),
	SR(1, 0, 8, 3, 5, "TLBI VALE1IS"),
	SR(1, 0, 8, 3, 7, "TLBI VAALE1IS"),
	SR(1, 0, 8, 5, 1, "TLBI RVAE1OS"),
	SR(1, 0, 8, 5, 3, "TLBI RVAAE1OS"),
	SR(1, 0, 8, 5, 5, "TLBI RVALE1OS"),
	SR(1, 0, 8, 5, 7, "TLBI RVAALE1OS"),
	SR(1, 0, 8, 6, 1, "TLBI RVAE1"),
	SR(1, 0, 8, 6, 3, "TLBI RVAAE1"),
	SR(1, 0, 8, 6, 5, "TLBI RVALE1"),
	SR(1, 0, 8, 6, 7, "TLBI RVAALE1"),
	SR(1, 0, 8, 7, 0, "TLBI VMALLE1"),
	SR(1, 0, 8, 7, 1, "TLBI VAE1"),
	SR(1, 0, 8, 7, 2, "TLBI ASIDE1"),
	SR(1, 0, 8, 7, 3, "TLBI VAAE1"),
	SR(1, 0, 8, 7, 5, "TLBI VALE1"),
	SR(1, 0, 8, 7, 7, "TLBI VAALE1"),
	/* FEAT_XS: the nXS forms are the same operations with CRn = 9 */
	SR(1, 0, 9, 1, 0, "TLBI VMALLE1OSNXS"),
	SR(1, 0, 9, 1, 1, "TLBI VAE1OSNXS"),
	SR(1, 0, 9, 1, 2, "TLBI ASIDE1OSNXS"),
	SR(1, 0, 9, 1, 3, "TLBI VAAE1OSNXS"),
	SR(1, 0, 9, 1, 5, "TLBI VALE1OSNXS"),
	SR(1, 0, 9, 1, 7, "TLBI VAALE1OSNXS"),
	SR(1, 0, 9, 2, 1, "TLBI RVAE1ISNXS"),
	SR(1, 0, 9, 2, 3, "TLBI RVAAE1ISNXS"),
	SR(1, 0, 9, 2, 5, "TLBI RVALE1ISNXS"),
	SR(1, 0, 9, 2, 7, "TLBI RVAALE1ISNXS"),
	SR(1, 0, 9, 3, 0, "TLBI VMALLE1ISNXS"),
	SR(1, 0, 9, 3, 1, "TLBI VAE1ISNXS"),
	SR(1, 0, 9, 3, 2, "TLBI ASIDE1ISNXS"),
	SR(1, 0, 9, 3, 3, "TLBI VAAE1ISNXS"),
	SR(1, 0, 9, 3, 5, "TLBI VALE1ISNXS"),
	SR(1, 0, 9, 3, 7, "TLBI VAALE1ISNXS"),
	SR(1, 0, 9, 5, 1, "TLBI RVAE1OSNXS"),
	SR(1, 0, 9, 5, 3, "TLBI RVAAE1OSNXS"),
	SR(1, 0, 9, 5, 5, "TLBI RVALE1OSNXS"),
	SR(1, 0, 9, 5, 7, "TLBI RVAALE1OSNXS"),
	SR(1, 0, 9, 6, 1, "TLBI RVAE1NXS"),
	SR(1, 0, 9, 6, 3, "TLBI RVAAE1NXS"),
	SR(1, 0, 9, 6, 5, "TLBI RVALE1NXS"),
	SR(1, 0, 9, 6, 7, "TLBI RVAALE1NXS"),
	SR(1, 0, 9, 7, 0, "TLBI VMALLE1NXS"),
	SR(1, 0, 9, 7, 1, "TLBI VAE1NXS"),
	SR(1, 0, 9, 7, 2, "TLBI ASIDE1NXS"),
	SR(1, 0, 9, 7, 3, "TLBI VAAE1NXS"),
	SR(1, 0, 9, 7, 5, "TLBI VALE1NXS"),
	SR(1, 0, 9, 7, 7, "TLBI VAALE1NXS"),

	/* ---- op0 = 1, op1 = 3: EL0-accessible maintenance */
	SR(1, 3, 7, 3, 4, "CFP RCTX"),
	SR(1, 3, 7, 3, 5, "DVP RCTX"),
	SR(1, 3, 7, 3, 6, "COSP RCTX"),
	SR(1, 3, 7, 3, 7, "CPP RCTX"),
	SR(1, 3, 7, 4, 1, "DC ZVA"),
	SR(1, 3, 7, 4, 3, "DC GVA"),
	SR(1, 3, 7, 4, 4, "DC GZVA"),
	SR(1, 3, 7, 5, 1, "IC IVAU"),
	SR(1, 3, 7, 10, 1, "DC CVAC"),
	SR(1, 3, 7, 10, 3, "DC CGVAC"),
	SR(1, 3, 7, 10, 5, "DC CGDVAC"),
	SR(1, 3, 7, 11, 1, "DC CVAU"),
	SR(1, 3, 7, 12, 1, "DC CVAP"),
	SR(1, 3, 7, 12, 3, "DC CGVAP"),
	SR(1, 3, 7, 12, 5, "DC CGDVAP"),
	SR(1, 3, 7, 13, 1, "DC CVADP"),
	SR(1, 3, 7, 13, 3, "DC CGVADP"),
	SR(1, 3, 7, 13, 5, "DC CGDVADP"),
	SR(1, 3, 7, 14, 1, "DC CIVAC"),
	SR(1, 3, 7, 14, 3, "DC CIGVAC"),
	SR(1, 3, 7, 14, 5, "DC CIGDVAC"),

	/* ---- op0 = 1, op1 = 4: EL2 address translation and TLB maintenance */
	SR(1, 4, 7, 8, 0, "AT S1E2R"),
	SR(1, 4, 7, 8, 1, "AT S1E2W"),
	SR(1, 4, 7, 8, 4, "AT S12E1R"),
	SR(1, 4, 7, 8, 5, "AT S12E1W"),
	SR(1, 4, 7, 8, 6, "AT S12E0R"),
	SR(1, 4, 7, 8, 7, "AT S12E0W"),
	SR(1, 4, 7, 9, 2, "AT S1E2A"),
	SR(1, 4, 8, 0, 1, "TLBI IPAS2E1IS"),
	SR(1, 4, 8, 0, 2, "TLBI RIPAS2E1IS"),
	SR(1, 4, 8, 0, 5, "TLBI IPAS2LE1IS"),
	SR(1, 4, 8, 0, 6, "TLBI RIPAS2LE1IS"),
	SR(1, 4, 8, 1, 0, "TLBI ALLE2OS"),
	SR(1, 4, 8, 1, 1, "TLBI VAE2OS"),
	SR(1, 4, 8, 1, 4, "TLBI ALLE1OS"),
	SR(1, 4, 8, 1, 5, "TLBI VALE2OS"),
	SR(1, 4, 8, 1, 6, "TLBI VMALLS12E1OS"),
	SR(1, 4, 8, 2, 1, "TLBI RVAE2IS"),
	SR(1, 4, 8, 2, 5, "TLBI RVALE2IS"),
	SR(1, 4, 8, 3, 0, "TLBI ALLE2IS"),
	SR(1, 4, 8, 3, 1, "TLBI VAE2IS"),
	SR(1, 4, 8, 3, 4, "TLBI ALLE1IS"),
	SR(1, 4, 8, 3, 5, "TLBI VALE2IS"),
	SR(1, 4, 8, 3, 6, "TLBI VMALLS12E1IS"),
	SR(1, 4, 8, 4, 0, "TLBI IPAS2E1OS"),
	SR(1, 4, 8, 4, 1, "TLBI IPAS2E1"),
	SR(1, 4, 8, 4, 2, "TLBI RIPAS2E1"),
	SR(1, 4, 8, 4, 3, "TLBI RIPAS2E1OS"),
	SR(1, 4, 8, 4, 4, "TLBI IPAS2LE1OS"),
	SR(1, 4, 8, 4, 5, "TLBI IPAS2LE1"),
	SR(1, 4, 8, 4, 6, "TLBI RIPAS2LE1"),
	SR(1, 4, 8, 4, 7, "TLBI RIPAS2LE1OS"),
	SR(1, 4, 8, 5, 1, "TLBI RVAE2OS"),
	SR(1, 4, 8, 5, 5, "TLBI RVALE2OS"),
	SR(1, 4, 8, 6, 1, "TLBI RVAE2"),
	SR(1, 4, 8, 6, 5, "TLBI RVALE2"),
	SR(1, 4, 8, 7, 0, "TLBI ALLE2"),
	SR(1, 4, 8, 7, 1, "TLBI VAE2"),
	SR(1, 4, 8, 7, 4, "TLBI ALLE1"),
	SR(1, 4, 8, 7, 5, "TLBI VALE2"),
	SR(1, 4, 8, 7, 6, "TLBI VMALLS12E1"),
	SR(1, 4, 9, 0, 1, "TLBI IPAS2E1ISNXS"),
	SR(1, 4, 9, 0, 2, "TLBI RIPAS2E1ISNXS"),
	SR(1, 4, 9, 0, 5, "TLBI IPAS2LE1ISNXS"),
	SR(1, 4, 9, 0, 6, "TLBI RIPAS2LE1ISNXS"),
	SR(1, 4, 9, 1, 0, "TLBI ALLE2OSNXS"),
	SR(1, 4, 9, 1, 1, "TLBI VAE2OSNXS"),
	SR(1, 4, 9, 1, 4, "TLBI ALLE1OSNXS"),
	SR(1, 4, 9, 1, 5, "TLBI VALE2OSNXS"),
	SR(1, 4, 9, 1, 6, "TLBI VMALLS12E1OSNXS"),
	SR(1, 4, 9, 2, 1, "TLBI RVAE2ISNXS"),
	SR(1, 4, 9, 2, 5, "TLBI RVALE2ISNXS"),
	SR(1, 4, 9, 3, 0, "TLBI ALLE2ISNXS"),
	SR(1, 4, 9, 3, 1, "TLBI VAE2ISNXS"),
	SR(1, 4, 9, 3, 4, "TLBI ALLE1ISNXS"),
	SR(1, 4, 9, 3, 5, "TLBI VALE2ISNXS"),
	SR(1, 4, 9, 3, 6, "TLBI VMALLS12E1ISNXS"),
	SR(1, 4, 9, 4, 0, "TLBI IPAS2E1OSNXS"),
	SR(1, 4, 9, 4, 1, "TLBI IPAS2E1NXS"),
	SR(1, 4, 9, 4, 2, "TLBI RIPAS2E1NXS"),
	SR(1, 4, 9, 4, 3, "TLBI RIPAS2E1OSNXS"),
	SR(1, 4, 9, 4, 4, "TLBI IPAS2LE1OSNXS"),
	SR(1, 4, 9, 4, 5, "TLBI IPAS2LE1NXS"),
	SR(1, 4, 9, 4, 6, "TLBI RIPAS2LE1NXS"),
	SR(1, 4, 9, 4, 7, "TLBI RIPAS2LE1OSNXS"),
	SR(1, 4, 9, 5, 1, "TLBI RVAE2OSNXS"),
	SR(1, 4, 9, 5, 5, "TLBI RVALE2OSNXS"),
	SR(1, 4, 9, 6, 1, "TLBI RVAE2NXS"),
	SR(1, 4, 9, 6, 5, "TLBI RVALE2NXS"),
	SR(1, 4, 9, 7, 0, "TLBI ALLE2NXS"),
	SR(1, 4, 9, 7, 1, "TLBI VAE2NXS"),
	SR(1, 4, 9, 7, 4, "TLBI ALLE1NXS"),
	SR(1, 4, 9, 7, 5, "TLBI VALE2NXS"),
	SR(1, 4, 9, 7, 6, "TLBI VMALLS12E1NXS"),

	/* ---- op0 = 2: debug */
	SR(2, 0, 0, 0, 2, "OSDTRRX_EL1"),
	SR_DBG(0),
	SR_DBG(1),
	SR(2, 0, 0, 2, 0, "MDCCINT_EL1"),
	SR(2, 0, 0, 2, 2, "MDSCR_EL1"),
	SR_DBG(2),
	SR(2, 0, 0, 3, 2, "OSDTRTX_EL1"),
	SR_DBG(3),
	SR_DBG(4),
	SR_DBG(5),
	SR(2, 0, 0, 6, 2, "OSECCR_EL1"),
	SR_DBG(6),
	SR_DBG(7),
	SR_DBG(8),
	SR_DBG(9),
	SR_DBG(10),
	SR_DBG(11),
	SR_DBG(12),
	SR_DBG(13),
	SR_DBG(14),
	SR_DBG(15),
	SR(2, 0, 1, 0, 0, "MDRAR_EL1"),
	SR(2, 0, 1, 0, 4, "OSLAR_EL1"),
	SR(2, 0, 1, 1, 4, "OSLSR_EL1"),
	SR(2, 0, 1, 3, 4, "OSDLR_EL1"),
	SR(2, 0, 1, 4, 4, "DBGPRCR_EL1"),
	SR(2, 0, 7, 8, 6, "DBGCLAIMSET_EL1"),
	SR(2, 0, 7, 9, 6, "DBGCLAIMCLR_EL1"),
	SR(2, 0, 7, 14, 6, "DBGAUTHSTATUS_EL1"),
	SR(2, 3, 0, 1, 0, "MDCCSR_EL0"),
	SR(2, 3, 0, 4, 0, "DBGDTR_EL0"),
	/* MRS reads DBGDTRRX_EL0, MSR writes DBGDTRTX_EL0 at this encoding. */
	SR(2, 3, 0, 5, 0, "DBGDTRRX_EL0"),
	SR(2, 4, 0, 7, 0, "DBGVCR32_EL2"),

	/* ---- op0 = 3, op1 = 0: identification */
	SR(3, 0, 0, 0, 0, "MIDR_EL1"),
	SR(3, 0, 0, 0, 5, "MPIDR_EL1"),
	SR(3, 0, 0, 0, 6, "REVIDR_EL1"),
	SR(3, 0, 0, 1, 0, "ID_PFR0_EL1"),
	SR(3, 0, 0, 1, 1, "ID_PFR1_EL1"),
	SR(3, 0, 0, 1, 2, "ID_DFR0_EL1"),
	SR(3, 0, 0, 1, 3, "ID_AFR0_EL1"),
	SR(3, 0, 0, 1, 4, "ID_MMFR0_EL1"),
	SR(3, 0, 0, 1, 5, "ID_MMFR1_EL1"),
	SR(3, 0, 0, 1, 6, "ID_MMFR2_EL1"),
	SR(3, 0, 0, 1, 7, "ID_MMFR3_EL1"),
	SR(3, 0, 0, 2, 0, "ID_ISAR0_EL1"),
	SR(3, 0, 0, 2, 1, "ID_ISAR1_EL1"),
	SR(3, 0, 0, 2, 2, "ID_ISAR2_EL1"),
	SR(3, 0, 0, 2, 3, "ID_ISAR3_EL1"),
	SR(3, 0, 0, 2, 4, "ID_ISAR4_EL1"),
	SR(3, 0, 0, 2, 5, "ID_ISAR5_EL1"),
	SR(3, 0, 0, 2, 6, "ID_MMFR4_EL1"),
	SR(3, 0, 0, 2, 7, "ID_ISAR6_EL1"),
	SR(3, 0, 0, 3, 0, "MVFR0_EL1"),
	SR(3, 0, 0, 3, 1, "MVFR1_EL1"),
	SR(3, 0, 0, 3, 2, "MVFR2_EL1"),
	SR(3, 0, 0, 3, 4, "ID_PFR2_EL1"),
	SR(3, 0, 0, 3, 5, "ID_DFR1_EL1"),
	SR(3, 0, 0, 3, 6, "ID_MMFR5_EL1"),
	SR(3, 0, 0, 4, 0, "ID_AA64PFR0_EL1"),
	SR(3, 0, 0, 4, 1, "ID_AA64PFR1_EL1"),
	SR(3, 0, 0, 4, 2, "ID_AA64PFR2_EL1"),
	SR(3, 0, 0, 4, 4, "ID_AA64ZFR0_EL1"),
	SR(3, 0, 0, 4, 5, "ID_AA64SMFR0_EL1"),
	SR(3, 0, 0, 4, 7, "ID_AA64FPFR0_EL1"),
	SR(3, 0, 0, 5, 0, "ID_AA64DFR0_EL1"),
	SR(3, 0, 0, 5, 1, "ID_AA64DFR1_EL1"),
	SR(3, 0, 0, 5, 2, "ID_AA64DFR2_EL1"),
	SR(3, 0, 0, 5, 4, "ID_AA64AFR0_EL1"),
	SR(3, 0, 0, 5, 5, "ID_AA64AFR1_EL1"),
	SR(3, 0, 0, 6, 0, "ID_AA64ISAR0_EL1"),
	SR(3, 0, 0, 6, 1, "ID_AA64ISAR1_EL1"),
	SR(3, 0, 0, 6, 2, "ID_AA64ISAR2_EL1"),
	SR(3, 0, 0, 6, 3, "ID_AA64ISAR3_EL1"),
	SR(3, 0, 0, 7, 0, "ID_AA64MMFR0_EL1"),
	SR(3, 0, 0, 7, 1, "ID_AA64MMFR1_EL1"),
	SR(3, 0, 0, 7, 2, "ID_AA64MMFR2_EL1"),
	SR(3, 0, 0, 7, 3, "ID_AA64MMFR3_EL1"),
	SR(3, 0, 0, 7, 4, "ID_AA64MMFR4_EL1"),

	/* ---- op0 = 3, op1 = 0: EL1 system control */
	SR(3, 0, 1, 0, 0, "SCTLR_EL1"),
	SR(3, 0, 1, 0, 1, "ACTLR_EL1"),
	SR(3, 0, 1, 0, 2, "CPACR_EL1"),
	SR(3, 0, 1, 0, 3, "SCTLR2_EL1"),
	SR(3, 0, 1, 0, 5, "RGSR_EL1"),
	SR(3, 0, 1, 0, 6, "GCR_EL1"),
	SR(3, 0, 1, 2, 0, "ZCR_EL1"),
	SR(3, 0, 1, 2, 1, "TRFCR_EL1"),
	SR(3, 0, 1, 2, 4, "SMPRI_EL1"),
	SR(3, 0, 1, 2, 6, "SMCR_EL1"),
	SR(3, 0, 2, 0, 0, "TTBR0_EL1"),
	SR(3, 0, 2, 0, 1, "TTBR1_EL1"),
	SR(3, 0, 2, 0, 2, "TCR_EL1"),
	SR(3, 0, 2, 0, 3, "TCR2_EL1"),
	SR(3, 0, 2, 1, 0, "APIAKeyLo_EL1"),
	SR(3, 0, 2, 1, 1, "APIAKeyHi_EL1"),
	SR(3, 0, 2, 1, 2, "APIBKeyLo_EL1"),
	SR(3, 0, 2, 1, 3, "APIBKeyHi_EL1"),
	SR(3, 0, 2, 2, 0, "APDAKeyLo_EL1"),
	SR(3, 0, 2, 2, 1, "APDAKeyHi_EL1"),
	SR(3, 0, 2, 2, 2, "APDBKeyLo_EL1"),
	SR(3, 0, 2, 2, 3, "APDBKeyHi_EL1"),
	SR(3, 0, 2, 3, 0, "APGAKeyLo_EL1"),
	SR(3, 0, 2, 3, 1, "APGAKeyHi_EL1"),
	SR(3, 0, 2, 5, 0, "GCSCR_EL1"),
	SR(3, 0, 2, 5, 1, "GCSPR_EL1"),
	SR(3, 0, 2, 5, 2, "GCSCRE0_EL1"),
	SR(3, 0, 4, 0, 0, "SPSR_EL1"),
	SR(3, 0, 4, 0, 1, "ELR_EL1"),
	SR(3, 0, 4, 1, 0, "SP_EL0"),
	SR(3, 0, 4, 2, 0, "SPSel"),
	SR(3, 0, 4, 2, 2, "CurrentEL"),
	SR(3, 0, 4, 2, 3, "PAN"),
	SR(3, 0, 4, 2, 4, "UAO"),
	SR(3, 0, 4, 3, 0, "ALLINT"),
	SR(3, 0, 4, 6, 0, "ICC_PMR_EL1"),
	SR(3, 0, 5, 1, 0, "AFSR0_EL1"),
	SR(3, 0, 5, 1, 1, "AFSR1_EL1"),
	SR(3, 0, 5, 2, 0, "ESR_EL1"),
	SR(3, 0, 5, 3, 0, "ERRIDR_EL1"),
	SR(3, 0, 5, 3, 1, "ERRSELR_EL1"),
	SR(3, 0, 5, 3, 2, "ERXGSR_EL1"),
	SR(3, 0, 5, 4, 0, "ERXFR_EL1"),
	SR(3, 0, 5, 4, 1, "ERXCTLR_EL1"),
	SR(3, 0, 5, 4, 2, "ERXSTATUS_EL1"),
	SR(3, 0, 5, 4, 3, "ERXADDR_EL1"),
	SR(3, 0, 5, 4, 4, "ERXPFGF_EL1"),
	SR(3, 0, 5, 4, 5, "ERXPFGCTL_EL1"),
	SR(3, 0, 5, 4, 6, "ERXPFGCDN_EL1"),
	SR(3, 0, 5, 5, 0, "ERXMISC0_EL1"),
	SR(3, 0, 5, 5, 1, "ERXMISC1_EL1"),
	SR(3, 0, 5, 5, 2, "ERXMISC2_EL1"),
	SR(3, 0, 5, 5, 3, "ERXMISC3_EL1"),
	SR(3, 0, 5, 6, 0, "TFSR_EL1"),
	SR(3, 0, 5, 6, 1, "TFSRE0_EL1"),
	SR(3, 0, 6, 0, 0, "FAR_EL1"),
	SR(3, 0, 6, 0, 5, "PFAR_EL1"),
	SR(3, 0, 7, 4, 0, "PAR_EL1"),
	SR(3, 0, 9, 9, 0, "PMSCR_EL1"),
	SR(3, 0, 9, 9, 1, "PMSNEVFR_EL1"),
	SR(3, 0, 9, 9, 2, "PMSICR_EL1"),
	SR(3, 0, 9, 9, 3, "PMSIRR_EL1"),
	SR(3, 0, 9, 9, 4, "PMSFCR_EL1"),
	SR(3, 0, 9, 9, 5, "PMSEVFR_EL1"),
	SR(3, 0, 9, 9, 6, "PMSLATFR_EL1"),
	SR(3, 0, 9, 9, 7, "PMSIDR_EL1"),
	SR(3, 0, 9, 10, 0, "PMBLIMITR_EL1"),
	SR(3, 0, 9, 10, 1, "PMBPTR_EL1"),
	SR(3, 0, 9, 10, 3, "PMBSR_EL1"),
	SR(3, 0, 9, 10, 7, "PMBIDR_EL1"),
	SR(3, 0, 9, 11, 0, "TRBLIMITR_EL1"),
	SR(3, 0, 9, 11, 1, "TRBPTR_EL1"),
	SR(3, 0, 9, 11, 2, "TRBBASER_EL1"),
	SR(3, 0, 9, 11, 3, "TRBSR_EL1"),
	SR(3, 0, 9, 11, 4, "TRBMAR_EL1"),
	SR(3, 0, 9, 11, 6, "TRBTRG_EL1"),
	SR(3, 0, 9, 11, 7, "TRBIDR_EL1"),
	SR(3, 0, 9, 14, 1, "PMINTENSET_EL1"),
	SR(3, 0, 9, 14, 2, "PMINTENCLR_EL1"),
	SR(3, 0, 9, 14, 5, "PMECR_EL1"),
	SR(3, 0, 9, 14, 6, "PMMIR_EL1"),
	SR(3, 0, 10, 2, 0, "MAIR_EL1"),
	SR(3, 0, 10, 2, 1, "MAIR2_EL1"),
	SR(3, 0, 10, 2, 2, "PIRE0_EL1"),
	SR(3, 0, 10, 2, 3, "PIR_EL1"),
	SR(3, 0, 10, 2, 4, "POR_EL1"),
	SR(3, 0, 10, 2, 5, "S2POR_EL1"),
	SR(3, 0, 10, 3, 0, "AMAIR_EL1"),
	SR(3, 0, 10, 3, 1, "AMAIR2_EL1"),
	SR(3, 0, 10, 4, 0, "LORSA_EL1"),
	SR(3, 0, 10, 4, 1, "LOREA_EL1"),
	SR(3, 0, 10, 4, 2, "LORN_EL1"),
	SR(3, 0, 10, 4, 3, "LORC_EL1"),
	SR(3, 0, 10, 4, 4, "MPAMIDR_EL1"),
	SR(3, 0, 10, 4, 7, "LORID_EL1"),
	SR(3, 0, 10, 5, 0, "MPAM1_EL1"),
	SR(3, 0, 10, 5, 1, "MPAM0_EL1"),
	SR(3, 0, 12, 0, 0, "VBAR_EL1"),
	SR(3, 0, 12, 0, 1, "RVBAR_EL1"),
	SR(3, 0, 12, 0, 2, "RMR_EL1"),
	SR(3, 0, 12, 1, 0, "ISR_EL1"),
	SR(3, 0, 12, 1, 1, "DISR_EL1"),
	SR(3, 0, 12, 8, 0, "ICC_IAR0_EL1"),
	SR(3, 0, 12, 8, 1, "ICC_EOIR0_EL1"),
	SR(3, 0, 12, 8, 2, "ICC_HPPIR0_EL1"),
	SR(3, 0, 12, 8, 3, "ICC_BPR0_EL1"),
	SR(3, 0, 12, 8, 4, "ICC_AP0R0_EL1"),
	SR(3, 0, 12, 8, 5, "ICC_AP0R1_EL1"),
	SR(3, 0, 12, 8, 6, "ICC_AP0R2_EL1"),
	SR(3, 0, 12, 8, 7, "ICC_AP0R3_EL1"),
	SR(3, 0, 12, 9, 0, "ICC_AP1R0_EL1"),
	SR(3, 0, 12, 9, 1, "ICC_AP1R1_EL1"),
	SR(3, 0, 12, 9, 2, "ICC_AP1R2_EL1"),
	SR(3, 0, 12, 9, 3, "ICC_AP1R3_EL1"),
	SR(3, 0, 12, 9, 5, "ICC_NMIAR1_EL1"),
	SR(3, 0, 12, 11, 1, "ICC_DIR_EL1"),
	SR(3, 0, 12, 11, 3, "ICC_RPR_EL1"),
	SR(3, 0, 12, 11, 5, "ICC_SGI1R_EL1"),
	SR(3, 0, 12, 11, 6, "ICC_ASGI1R_EL1"),
	SR(3, 0, 12, 11, 7, "ICC_SGI0R_EL1"),
	SR(3, 0, 12, 12, 0, "ICC_IAR1_EL1"),
	SR(3, 0, 12, 12, 1, "ICC_EOIR1_EL1"),
	SR(3, 0, 12, 12, 2, "ICC_HPPIR1_EL1"),
	SR(3, 0, 12, 12, 3, "ICC_BPR1_EL1"),
	SR(3, 0, 12, 12, 4, "ICC_CTLR_EL1"),
	SR(3, 0, 12, 12, 5, "ICC_SRE_EL1"),
	SR(3, 0, 12, 12, 6, "ICC_IGRPEN0_EL1"),
	SR(3, 0, 12, 12, 7, "ICC_IGRPEN1_EL1"),
	SR(3, 0, 13, 0, 1, "CONTEXTIDR_EL1"),
	SR(3, 0, 13, 0, 3, "RCWSMASK_EL1"),
	SR(3, 0, 13, 0, 4, "TPIDR_EL1"),
	SR(3, 0, 13, 0, 5, "ACCDATA_EL1"),
	SR(3, 0, 13, 0, 6, "RCWMASK_EL1"),
	SR(3, 0, 13, 0, 7, "SCXTNUM_EL1"),
	SR(3, 0, 14, 1, 0, "CNTKCTL_EL1"),

	/* ---- op0 = 3, op1 = 1, 2: cache identification */
	SR(3, 1, 0, 0, 0, "CCSIDR_EL1"),
	SR(3, 1, 0, 0, 1, "CLIDR_EL1"),
	SR(3, 1, 0, 0, 2, "CCSIDR2_EL1"),
	SR(3, 1, 0, 0, 4, "GMID_EL1"),
	SR(3, 1, 0, 0, 6, "SMIDR_EL1"),
	SR(3, 1, 0, 0, 7, "AIDR_EL1"),
	SR(3, 2, 0, 0, 0, "CSSELR_EL1"),

	/* ---- op0 = 3, op1 = 3: EL0-accessible */
	SR(3, 3, 0, 0, 1, "CTR_EL0"),
	SR(3, 3, 0, 0, 7, "DCZID_EL0"),
	SR(3, 3, 2, 4, 0, "RNDR"),
	SR(3, 3, 2, 4, 1, "RNDRRS"),
	SR(3, 3, 2, 5, 1, "GCSPR_EL0"),
	SR(3, 3, 4, 2, 0, "NZCV"),
	SR(3, 3, 4, 2, 1, "DAIF"),
	SR(3, 3, 4, 2, 2, "SVCR"),
	SR(3, 3, 4, 2, 5, "DIT"),
	SR(3, 3, 4, 2, 6, "SSBS"),
	SR(3, 3, 4, 2, 7, "TCO"),
	SR(3, 3, 4, 4, 0, "FPCR"),
	SR(3, 3, 4, 4, 1, "FPSR"),
	SR(3, 3, 4, 4, 2, "FPMR"),
	SR(3, 3, 4, 5, 0, "DSPSR_EL0"),
	SR(3, 3, 4, 5, 1, "DLR_EL0"),
	SR(3, 3, 9, 4, 0, "PMICNTR_EL0"),
	SR(3, 3, 9, 6, 0, "PMICFILTR_EL0"),
	SR(3, 3, 9, 12, 0, "PMCR_EL0"),
	SR(3, 3, 9, 12, 1, "PMCNTENSET_EL0"),
	SR(3, 3, 9, 12, 2, "PMCNTENCLR_EL0"),
	SR(3, 3, 9, 12, 3, "PMOVSCLR_EL0"),
	SR(3, 3, 9, 12, 4, "PMSWINC_EL0"),
	SR(3, 3, 9, 12, 5, "PMSELR_EL0"),
	SR(3, 3, 9, 12, 6, "PMCEID0_EL0"),
	SR(3, 3, 9, 12, 7, "PMCEID1_EL0"),
	SR(3, 3, 9, 13, 0, "PMCCNTR_EL0"),
	SR(3, 3, 9, 13, 1, "PMXEVTYPER_EL0"),
	SR(3, 3, 9, 13, 2, "PMXEVCNTR_EL0"),
	SR(3, 3, 9, 14, 0, "PMUSERENR_EL0"),
	SR(3, 3, 9, 14, 3, "PMOVSSET_EL0"),
	SR(3, 3, 10, 2, 4, "POR_EL0"),
	SR(3, 3, 13, 0, 2, "TPIDR_EL0"),
	SR(3, 3, 13, 0, 3, "TPIDRRO_EL0"),
	SR(3, 3, 13, 0, 5, "TPIDR2_EL0"),
	SR(3, 3, 13, 0, 7, "SCXTNUM_EL0"),
	SR(3, 3, 13, 2, 0, "AMCR_EL0"),
	SR(3, 3, 13, 2, 1, "AMCFGR_EL0"),
	SR(3, 3, 13, 2, 2, "AMCGCR_EL0"),
	SR(3, 3, 13, 2, 3, "AMUSERENR_EL0"),
	SR(3, 3, 13, 2, 4, "AMCNTENCLR0_EL0"),
	SR(3, 3, 13, 2, 5, "AMCNTENSET0_EL0"),
	SR(3, 3, 13, 2, 6, "AMCG1IDR_EL0"),
	SR(3, 3, 13, 3, 0, "AMCNTENCLR1_EL0"),
	SR(3, 3, 13, 3, 1, "AMCNTENSET1_EL0"),
	SR_AMEVCNTR0(0),
	SR_AMEVCNTR0(1),
	SR_AMEVCNTR0(2),
	SR_AMEVCNTR0(3),
	SR_AMEVTYPER0(0),
	SR_AMEVTYPER0(1),
	SR_AMEVTYPER0(2),
	SR_AMEVTYPER0(3),
	SR_AMEVCNTR1(0),
	SR_AMEVCNTR1(1),
	SR_AMEVCNTR1(2),
	SR_AMEVCNTR1(3),
	SR_AMEVCNTR1(4),
	SR_AMEVCNTR1(5),
	SR_AMEVCNTR1(6),
	SR_AMEVCNTR1(7),
	SR_AMEVCNTR1(8),
	SR_AMEVCNTR1(9),
	SR_AMEVCNTR1(10),
	SR_AMEVCNTR1(11),
	SR_AMEVCNTR1(12),
	SR_AMEVCNTR1(13),
	SR_AMEVCNTR1(14),
	SR_AMEVCNTR1(15),
	SR_AMEVTYPER1(0),
	SR_AMEVTYPER1(1),
	SR_AMEVTYPER1(2),
	SR_AMEVTYPER1(3),
	SR_AMEVTYPER1(4),
	SR_AMEVTYPER1(5),
	SR_AMEVTYPER1(6),
	SR_AMEVTYPER1(7),
	SR_AMEVTYPER1(8),
	SR_AMEVTYPER1(9),
	SR_AMEVTYPER1(10),
	SR_AMEVTYPER1(11),
	SR_AMEVTYPER1(12),
	SR_AMEVTYPER1(13),
	SR_AMEVTYPER1(14),
	SR_AMEVTYPER1(15),
	SR(3, 3, 14, 0, 0, "CNTFRQ_EL0"),
	SR(3, 3, 14, 0, 1, "CNTPCT_EL0"),
	SR(3, 3, 14, 0, 2, "CNTVCT_EL0"),
	SR(3, 3, 14, 0, 5, "CNTPCTSS_EL0"),
	SR(3, 3, 14, 0, 6, "CNTVCTSS_EL0"),
	SR(3, 3, 14, 2, 0, "CNTP_TVAL_EL0"),
	SR(3, 3, 14, 2, 1, "CNTP_CTL_EL0"),
	SR(3, 3, 14, 2, 2, "CNTP_CVAL_EL0"),
	SR(3, 3, 14, 3, 0, "CNTV_TVAL_EL0"),
	SR(3, 3, 14, 3, 1, "CNTV_CTL_EL0"),
	SR(3, 3, 14, 3, 2, "CNTV_CVAL_EL0"),
	SR_PMEVCNTR(0),
	SR_PMEVCNTR(1),
	SR_PMEVCNTR(2),
	SR_PMEVCNTR(3),
	SR_PMEVCNTR(4),
	SR_PMEVCNTR(5),
	SR_PMEVCNTR(6),
	SR_PMEVCNTR(7),
	SR_PMEVCNTR(8),
	SR_PMEVCNTR(9),
	SR_PMEVCNTR(10),
	SR_PMEVCNTR(11),
	SR_PMEVCNTR(12),
	SR_PMEVCNTR(13),
	SR_PMEVCNTR(14),
	SR_PMEVCNTR(15),
	SR_PMEVCNTR(16),
	SR_PMEVCNTR(17),
	SR_PMEVCNTR(18),
	SR_PMEVCNTR(19),
	SR_PMEVCNTR(20),
	SR_PMEVCNTR(21),
	SR_PMEVCNTR(22),
	SR_PMEVCNTR(23),
	SR_PMEVCNTR(24),
	SR_PMEVCNTR(25),
	SR_PMEVCNTR(26),
	SR_PMEVCNTR(27),
	SR_PMEVCNTR(28),
	SR_PMEVCNTR(29),
	SR_PMEVCNTR(30),
	SR_PMEVTYPER(0),
	SR_PMEVTYPER(1),
	SR_PMEVTYPER(2),
	SR_PMEVTYPER(3),
	SR_PMEVTYPER(4),
	SR_PMEVTYPER(5),
	SR_PMEVTYPER(6),
	SR_PMEVTYPER(7),
	SR_PMEVTYPER(8),
	SR_PMEVTYPER(9),
	SR_PMEVTYPER(10),
	SR_PMEVTYPER(11),
	SR_PMEVTYPER(12),
	SR_PMEVTYPER(13),
	SR_PMEVTYPER(14),
	SR_PMEVTYPER(15),
	SR_PMEVTYPER(16),
	SR_PMEVTYPER(17),
	SR_PMEVTYPER(18),
	SR_PMEVTYPER(19),
	SR_PMEVTYPER(20),
	SR_PMEVTYPER(21),
	SR_PMEVTYPER(22),
	SR_PMEVTYPER(23),
	SR_PMEVTYPER(24),
	SR_PMEVTYPER(25),
	SR_PMEVTYPER(26),
	SR_PMEVTYPER(27),
	SR_PMEVTYPER(28),
	SR_PMEVTYPER(29),
	SR_PMEVTYPER(30),
	SR(3, 3, 14, 15, 7, "PMCCFILTR_EL0"),

	/* ---- op0 = 3, op1 = 4: EL2 */
	SR(3, 4, 0, 0, 0, "VPIDR_EL2"),
	SR(3, 4, 0, 0, 5, "VMPIDR_EL2"),
	SR(3, 4, 1, 0, 0, "SCTLR_EL2"),
	SR(3, 4, 1, 0, 1, "ACTLR_EL2"),
	SR(3, 4, 1, 0, 3, "SCTLR2_EL2"),
	SR(3, 4, 1, 1, 0, "HCR_EL2"),
	SR(3, 4, 1, 1, 1, "MDCR_EL2"),
	SR(3, 4, 1, 1, 2, "CPTR_EL2"),
	SR(3, 4, 1, 1, 3, "HSTR_EL2"),
	SR(3, 4, 1, 1, 4, "HFGRTR_EL2"),
	SR(3, 4, 1, 1, 5, "HFGWTR_EL2"),
	SR(3, 4, 1, 1, 6, "HFGITR_EL2"),
	SR(3, 4, 1, 1, 7, "HACR_EL2"),
	SR(3, 4, 1, 2, 0, "ZCR_EL2"),
	SR(3, 4, 1, 2, 1, "TRFCR_EL2"),
	SR(3, 4, 1, 2, 2, "HCRX_EL2"),
	SR(3, 4, 1, 2, 5, "SMPRIMAP_EL2"),
	SR(3, 4, 1, 2, 6, "SMCR_EL2"),
	SR(3, 4, 1, 3, 1, "SDER32_EL2"),
	SR(3, 4, 2, 0, 0, "TTBR0_EL2"),
	SR(3, 4, 2, 0, 1, "TTBR1_EL2"),
	SR(3, 4, 2, 0, 2, "TCR_EL2"),
	SR(3, 4, 2, 0, 3, "TCR2_EL2"),
	SR(3, 4, 2, 1, 0, "VTTBR_EL2"),
	SR(3, 4, 2, 1, 2, "VTCR_EL2"),
	SR(3, 4, 2, 2, 0, "VNCR_EL2"),
	SR(3, 4, 2, 5, 0, "GCSCR_EL2"),
	SR(3, 4, 2, 5, 1, "GCSPR_EL2"),
	SR(3, 4, 2, 6, 0, "VSTTBR_EL2"),
	SR(3, 4, 2, 6, 2, "VSTCR_EL2"),
	SR(3, 4, 3, 0, 0, "DACR32_EL2"),
	SR(3, 4, 3, 1, 0, "HDFGRTR2_EL2"),
	SR(3, 4, 3, 1, 1, "HDFGWTR2_EL2"),
	SR(3, 4, 3, 1, 2, "HFGRTR2_EL2"),
	SR(3, 4, 3, 1, 3, "HFGWTR2_EL2"),
	SR(3, 4, 3, 1, 4, "HDFGRTR_EL2"),
	SR(3, 4, 3, 1, 5, "HDFGWTR_EL2"),
	SR(3, 4, 3, 1, 6, "HAFGRTR_EL2"),
	SR(3, 4, 3, 1, 7, "HFGITR2_EL2"),
	SR(3, 4, 4, 0, 0, "SPSR_EL2"),
	SR(3, 4, 4, 0, 1, "ELR_EL2"),
	SR(3, 4, 4, 1, 0, "SP_EL1"),
	SR(3, 4, 4, 3, 0, "SPSR_irq"),
	SR(3, 4, 4, 3, 1, "SPSR_abt"),
	SR(3, 4, 4, 3, 2, "SPSR_und"),
	SR(3, 4, 4, 3, 3, "SPSR_fiq"),
	SR(3, 4, 5, 0, 1, "IFSR32_EL2"),
	SR(3, 4, 5, 1, 0, "AFSR0_EL2"),
	SR(3, 4, 5, 1, 1, "AFSR1_EL2"),
	SR(3, 4, 5, 2, 0, "ESR_EL2"),
	SR(3, 4, 5, 2, 3, "VSESR_EL2"),
	SR(3, 4, 5, 3, 0, "FPEXC32_EL2"),
	SR(3, 4, 5, 6, 0, "TFSR_EL2"),
	SR(3, 4, 6, 0, 0, "FAR_EL2"),
	SR(3, 4, 6, 0, 4, "HPFAR_EL2"),
	SR(3, 4, 9, 9, 0, "PMSCR_EL2"),
	/* MAIR2_EL2 is at CRm 1, unlike MAIR2_EL1 */
	SR(3, 4, 10, 1, 1, "MAIR2_EL2"),
	SR(3, 4, 10, 2, 0, "MAIR_EL2"),
	SR(3, 4, 10, 2, 2, "PIRE0_EL2"),
	SR(3, 4, 10, 2, 3, "PIR_EL2"),
	SR(3, 4, 10, 2, 4, "POR_EL2"),
	SR(3, 4, 10, 2, 5, "S2PIR_EL2"),
	SR(3, 4, 10, 3, 0, "AMAIR_EL2"),
	SR(3, 4, 10, 3, 1, "AMAIR2_EL2"),
	SR(3, 4, 10, 4, 0, "MPAMHCR_EL2"),
	SR(3, 4, 10, 4, 1, "MPAMVPMV_EL2"),
	SR(3, 4, 10, 5, 0, "MPAM2_EL2"),
	SR(3, 4, 10, 6, 0, "MPAMVPM0_EL2"),
	SR(3, 4, 10, 6, 1, "MPAMVPM1_EL2"),
	SR(3, 4, 10, 6, 2, "MPAMVPM2_EL2"),
	SR(3, 4, 10, 6, 3, "MPAMVPM3_EL2"),
	SR(3, 4, 10, 6, 4, "MPAMVPM4_EL2"),
	SR(3, 4, 10, 6, 5, "MPAMVPM5_EL2"),
	SR(3, 4, 10, 6, 6, "MPAMVPM6_EL2"),
	SR(3, 4, 10, 6, 7, "MPAMVPM7_EL2"),
	SR(3, 4, 12, 0, 0, "VBAR_EL2"),
	SR(3, 4, 12, 0, 1, "RVBAR_EL2"),
	SR(3, 4, 12, 0, 2, "RMR_EL2"),
	SR(3, 4, 12, 1, 1, "VDISR_EL2"),
	SR(3, 4, 12, 8, 0, "ICH_AP0R0_EL2"),
	SR(3, 4, 12, 8, 1, "ICH_AP0R1_EL2"),
	SR(3, 4, 12, 8, 2, "ICH_AP0R2_EL2"),
	SR(3, 4, 12, 8, 3, "ICH_AP0R3_EL2"),
	SR(3, 4, 12, 9, 0, "ICH_AP1R0_EL2"),
	SR(3, 4, 12, 9, 1, "ICH_AP1R1_EL2"),
	SR(3, 4, 12, 9, 2, "ICH_AP1R2_EL2"),
	SR(3, 4, 12, 9, 3, "ICH_AP1R3_EL2"),
	SR(3, 4, 12, 9, 5, "ICC_SRE_EL2"),
	SR(3, 4, 12, 11, 0, "ICH_HCR_EL2"),
	SR(3, 4, 12, 11, 1, "ICH_VTR_EL2"),
	SR(3, 4, 12, 11, 2, "ICH_MISR_EL2"),
	SR(3, 4, 12, 11, 3, "ICH_EISR_EL2"),
	SR(3, 4, 12, 11, 5, "ICH_ELRSR_EL2"),
	SR(3, 4, 12, 11, 7, "ICH_VMCR_EL2"),
	SR_ICH_LR(0),
	SR_ICH_LR(1),
	SR_ICH_LR(2),
	SR_ICH_LR(3),
	SR_ICH_LR(4),
	SR_ICH_LR(5),
	SR_ICH_LR(6),
	SR_ICH_LR(7),
	SR_ICH_LR(8),
	SR_ICH_LR(9),
	SR_ICH_LR(10),
	SR_ICH_LR(11),
	SR_ICH_LR(12),
	SR_ICH_LR(13),
	SR_ICH_LR(14),
	SR_ICH_LR(15),
	SR(3, 4, 13, 0, 1, "CONTEXTIDR_EL2"),
	SR(3, 4, 13, 0, 2, "TPIDR_EL2"),
	SR(3, 4, 13, 0, 7, "SCXTNUM_EL2"),
	SR(3, 4, 14, 0, 3, "CNTVOFF_EL2"),
	SR(3, 4, 14, 0, 6, "CNTPOFF_EL2"),
	SR(3, 4, 14, 1, 0, "CNTHCTL_EL2"),
	SR(3, 4, 14, 2, 0, "CNTHP_TVAL_EL2"),
	SR(3, 4, 14, 2, 1, "CNTHP_CTL_EL2"),
	SR(3, 4, 14, 2, 2, "CNTHP_CVAL_EL2"),
	SR(3, 4, 14, 3, 0, "CNTHV_TVAL_EL2"),
	SR(3, 4, 14, 3, 1, "CNTHV_CTL_EL2"),
	SR(3, 4, 14, 3, 2, "CNTHV_CVAL_EL2"),
	SR(3, 4, 14, 4, 0, "CNTHVS_TVAL_EL2"),
	SR(3, 4, 14, 4, 1, "CNTHVS_CTL_EL2"),
	SR(3, 4, 14, 4, 2, "CNTHVS_CVAL_EL2"),
	SR(3, 4, 14, 5, 0, "CNTHPS_TVAL_EL2"),
	SR(3, 4, 14, 5, 1, "CNTHPS_CTL_EL2"),
	SR(3, 4, 14, 5, 2, "CNTHPS_CVAL_EL2"),

	/* ---- op0 = 3, op1 = 5: EL12/EL02 aliases used from EL2 with HCR_EL2.E2H */
	SR(3, 5, 1, 0, 0, "SCTLR_EL12"),
	SR(3, 5, 1, 0, 2, "CPACR_EL12"),
	SR(3, 5, 1, 0, 3, "SCTLR2_EL12"),
	SR(3, 5, 1, 2, 0, "ZCR_EL12"),
	SR(3, 5, 1, 2, 1, "TRFCR_EL12"),
	SR(3, 5, 1, 2, 6, "SMCR_EL12"),
	SR(3, 5, 2, 0, 0, "TTBR0_EL12"),
	SR(3, 5, 2, 0, 1, "TTBR1_EL12"),
	SR(3, 5, 2, 0, 2, "TCR_EL12"),
	SR(3, 5, 2, 0, 3, "TCR2_EL12"),
	SR(3, 5, 2, 5, 0, "GCSCR_EL12"),
	SR(3, 5, 2, 5, 1, "GCSPR_EL12"),
	SR(3, 5, 4, 0, 0, "SPSR_EL12"),
	SR(3, 5, 4, 0, 1, "ELR_EL12"),
	SR(3, 5, 5, 1, 0, "AFSR0_EL12"),
	SR(3, 5, 5, 1, 1, "AFSR1_EL12"),
	SR(3, 5, 5, 2, 0, "ESR_EL12"),
	SR(3, 5, 5, 6, 0, "TFSR_EL12"),
	SR(3, 5, 6, 0, 0, "FAR_EL12"),
	SR(3, 5, 10, 2, 0, "MAIR_EL12"),
	SR(3, 5, 10, 2, 2, "PIRE0_EL12"),
	SR(3, 5, 10, 2, 3, "PIR_EL12"),
	SR(3, 5, 10, 2, 4, "POR_EL12"),
	SR(3, 5, 10, 3, 0, "AMAIR_EL12"),
	SR(3, 5, 12, 0, 0, "VBAR_EL12"),
	SR(3, 5, 13, 0, 1, "CONTEXTIDR_EL12"),
	SR(3, 5, 14, 1, 0, "CNTKCTL_EL12"),
	SR(3, 5, 14, 2, 0, "CNTP_TVAL_EL02"),
	SR(3, 5, 14, 2, 1, "CNTP_CTL_EL02"),
	SR(3, 5, 14, 2, 2, "CNTP_CVAL_EL02"),
	SR(3, 5, 14, 3, 0, "CNTV_TVAL_EL02"),
	SR(3, 5, 14, 3, 1, "CNTV_CTL_EL02"),
	SR(3, 5, 14, 3, 2, "CNTV_CVAL_EL02"),
};

const struct sysreg_name *sysreg_name_table(size_t *count)
{
	*count = sizeof(table) / sizeof(table[0]);
	return table;
}

const char *sysreg_name(uint32_t key)
{
	uint32_t want = sysreg_key_order(key & SYSREG_KEY_MASK);
	size_t lo = 0;
	size_t hi = sizeof(table) / sizeof(table[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t at = sysreg_key_order(table[mid].key);

		if (at == want)
			return table[mid].name;
		if (at < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ----------------------------------------------- text, without libc */

struct text_out {
	char *buf;
	size_t len;
	size_t pos; /* as if the buffer were unbounded */
};

static void put_char(struct text_out *out, char c)
{
	if (out->pos + 1 < out->len)
		out->buf[out->pos] = c;
	out->pos++;
}

static void put_str(struct text_out *out, const char *s)
{
	while (*s)
		put_char(out, *s++);
}

static void put_uint(struct text_out *out, unsigned v)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_char(out, digits[--n]);
}

static int finish(struct text_out *out)
{
	if (out->len)
		out->buf[out->pos < out->len ? out->pos : out->len - 1] = '\0';
	return (int)out->pos;
}

int sysreg_format(char *buf, size_t len, uint32_t key)
{
	struct text_out out = { .buf = buf, .len = len };
	const char *name = sysreg_name(key);

	if (name) {
		put_str(&out, name);
		return finish(&out);
	}
	put_char(&out, 'S');
	put_uint(&out, sysreg_key_op0(key));
	put_char(&out, '_');
	put_uint(&out, sysreg_key_op1(key));
	put_str(&out, "_C");
	put_uint(&out, sysreg_key_crn(key));
	put_str(&out, "_C");
	put_uint(&out, sysreg_key_crm(key));
	put_char(&out, '_');
	put_uint(&out, sysreg_key_op2(key));
	return finish(&out);
}

static char to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool same_name(const char *a, const char *b)
{
	while (*a && to_upper(*a) == to_upper(*b)) {
		a++;
		b++;
	}
	return to_upper(*a) == to_upper(*b);
}

/* Reads a decimal number no larger than max; advances *s past it. */
static bool parse_uint(const char **s, unsigned max, unsigned *v)
{
	const char *p = *s;
	unsigned n = 0;

	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (unsigned)(*p - '0');
		if (n > max)
			return false;
		p++;
	}
	*s = p;
	*v = n;
	return true;
}

static bool expect(const char **s, const char *lit)
{
	const char *p = *s;

	while (*lit) {
		if (to_upper(*p) != *lit)
			return false;
		p++;
		lit++;
	}
	*s = p;
	return true;
}

/* "S<op0>_<op1>_C<n>_C<m>_<op2>", with op0 = 1..3 as the assemblers accept it */
static bool parse_generic(const char *s, uint32_t *key)
{
	unsigned op0, op1, crn, crm, op2;

	if (!expect(&s, "S") || !parse_uint(&s, 3, &op0) || op0 == 0 || !expect(&s, "_") ||
	    !parse_uint(&s, 7, &op1) || !expect(&s, "_C") || !parse_uint(&s, 15, &crn) ||
	    !expect(&s, "_C") || !parse_uint(&s, 15, &crm) || !expect(&s, "_") ||
	    !parse_uint(&s, 7, &op2) || *s)
		return false;
	*key = SYSREG_KEY(op0, op1, crn, crm, op2);
	return true;
}

bool sysreg_key_by_name(const char *name, uint32_t *key)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (same_name(name, table[i].name)) {
			*key = table[i].key;
			return true;
		}
	}
	return parse_generic(name, key);
}
