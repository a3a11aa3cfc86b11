/*
 * Names of AArch64 system registers and system instructions, by encoding.
 *
 * Freestanding: shared by the EL2 hypervisor (trace and panic messages) and
 * the host tools. Keys are SYSREG_KEY() values from formats/esr.h, so the
 * ISS of a trapped MSR/MRS/SYS (EC 0x18) looks up directly:
 *
 *	name = sysreg_name(esr_sysreg_key(esr));
 */
#ifndef FORMATS_SYSREG_NAMES_H
#define FORMATS_SYSREG_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/esr.h"

struct sysreg_name {
	uint32_t key;
	const char *name; /* "CNTV_CTL_EL0", or "DC ISW" for an instruction */
};

/* The name of an encoding, or NULL when the table does not know it. */
const char *sysreg_name(uint32_t key);

/*
 * The name, or the generic form "S3_0_C15_C2_0" (the syntax assemblers
 * accept for any encoding). snprintf semantics: returns the length the full
 * text needs, writes at most len bytes including the terminating NUL.
 */
int sysreg_format(char *buf, size_t len, uint32_t key);

/*
 * Reverse lookup, case-insensitive: "cntv_ctl_el0", "dc isw" or the generic
 * form "s3_3_c14_c3_1". False when the text names no encoding.
 */
bool sysreg_key_by_name(const char *name, uint32_t *key);

/* The whole table, for listings and tests. */
const struct sysreg_name *sysreg_name_table(size_t *count);

/*
 * The table is sorted by encoding in the order the Arm ARM lists it:
 * op0, op1, CRn, CRm, op2. This maps a key to that order.
 */
static inline uint32_t sysreg_key_order(uint32_t key)
{
	return sysreg_key_op0(key) << 14 | sysreg_key_op1(key) << 11 | sysreg_key_crn(key) << 7 |
	       sysreg_key_crm(key) << 3 | sysreg_key_op2(key);
}

/* Encodings the hypervisor traps and dispatches on. */
#define SYSREG_MIDR_EL1        SYSREG_KEY(3, 0, 0, 0, 0)
#define SYSREG_MPIDR_EL1       SYSREG_KEY(3, 0, 0, 0, 5)
#define SYSREG_ID_AA64PFR0_EL1 SYSREG_KEY(3, 0, 0, 4, 0)
#define SYSREG_ID_AA64DFR0_EL1 SYSREG_KEY(3, 0, 0, 5, 0)
#define SYSREG_SCTLR_EL1       SYSREG_KEY(3, 0, 1, 0, 0)
#define SYSREG_ACTLR_EL1       SYSREG_KEY(3, 0, 1, 0, 1)
#define SYSREG_CTR_EL0         SYSREG_KEY(3, 3, 0, 0, 1)
#define SYSREG_MDSCR_EL1       SYSREG_KEY(2, 0, 0, 2, 2)
#define SYSREG_OSLAR_EL1       SYSREG_KEY(2, 0, 1, 0, 4)
#define SYSREG_OSLSR_EL1       SYSREG_KEY(2, 0, 1, 1, 4)
#define SYSREG_OSDLR_EL1       SYSREG_KEY(2, 0, 1, 3, 4)
#define SYSREG_DBGPRCR_EL1     SYSREG_KEY(2, 0, 1, 4, 4)
#define SYSREG_ICC_SGI1R_EL1   SYSREG_KEY(3, 0, 12, 11, 5)
#define SYSREG_ICC_ASGI1R_EL1  SYSREG_KEY(3, 0, 12, 11, 6)
#define SYSREG_ICC_SGI0R_EL1   SYSREG_KEY(3, 0, 12, 11, 7)
#define SYSREG_ICC_SRE_EL1     SYSREG_KEY(3, 0, 12, 12, 5)
#define SYSREG_PMCR_EL0        SYSREG_KEY(3, 3, 9, 12, 0)
#define SYSREG_PMUSERENR_EL0   SYSREG_KEY(3, 3, 9, 14, 0)
#define SYSREG_CNTPCT_EL0      SYSREG_KEY(3, 3, 14, 0, 1)
#define SYSREG_CNTP_TVAL_EL0   SYSREG_KEY(3, 3, 14, 2, 0)
#define SYSREG_CNTP_CTL_EL0    SYSREG_KEY(3, 3, 14, 2, 1)
#define SYSREG_CNTP_CVAL_EL0   SYSREG_KEY(3, 3, 14, 2, 2)
#define SYSREG_DC_ISW          SYSREG_KEY(1, 0, 7, 6, 2)
#define SYSREG_DC_CSW          SYSREG_KEY(1, 0, 7, 10, 2)
#define SYSREG_DC_CISW         SYSREG_KEY(1, 0, 7, 14, 2)

#endif
