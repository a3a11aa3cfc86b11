/*
 * ESR_EL2 decoders. Freestanding: linked into the EL2 image as well as the
 * host tools, so no libc beyond <string.h>.
 *
 * Field positions are those of the Arm ARM register description of ESR_EL2
 * and its "ISS encoding for an exception from ..." sections.
 */
#include "formats/esr.h"

#include <stddef.h>

#include "formats/exits.h"

#define ISS_BIT(iss, n)       (((iss) >> (n)) & 1u)
#define ISS_FIELD(iss, lo, w) (((iss) >> (lo)) & ((1u << (w)) - 1u))
#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))

struct class_text {
	const char *name;
	const char *desc;
};

/*
 * Every EC has an entry, so a name is a plain load at EL2. Unallocated
 * classes get a stable name built from their number.
 */
#define UNALLOCATED(ec) [ec] = { "EC_" #ec, "unallocated exception class" }

static const struct class_text ec_text[ESR_EC_COUNT] = {
	[0x00] = { "UNKNOWN", "unknown reason (UNDEFINED instruction or unreported trap)" },
	[0x01] = { "WFX", "trapped WFI, WFE, WFIT or WFET" },
	UNALLOCATED(0x02),
	[0x03] = { "CP15_32", "trapped AArch32 MCR or MRC, coproc 15" },
	[0x04] = { "CP15_64", "trapped AArch32 MCRR or MRRC, coproc 15" },
	[0x05] = { "CP14_MR", "trapped AArch32 MCR or MRC, coproc 14" },
	[0x06] = { "CP14_LS", "trapped AArch32 LDC or STC, coproc 14" },
	[0x07] = { "FP_ASIMD", "trapped SVE, Advanced SIMD or floating-point access" },
	[0x08] = { "CP10_ID", "trapped AArch32 VMRS of an ID register" },
	[0x09] = { "PAC", "trapped pointer authentication instruction" },
	[0x0a] = { "OTHER", "trapped LD64B, ST64B*, TSB CSYNC, PSB CSYNC or other instruction" },
	UNALLOCATED(0x0b),
	[0x0c] = { "CP14_64", "trapped AArch32 MRRC, coproc 14" },
	[0x0d] = { "BTI", "branch target exception" },
	[0x0e] = { "ILLEGAL_STATE", "illegal execution state" },
	UNALLOCATED(0x0f),
	UNALLOCATED(0x10),
	[0x11] = { "SVC32", "SVC from AArch32" },
	[0x12] = { "HVC32", "HVC from AArch32" },
	[0x13] = { "SMC32", "SMC from AArch32" },
	[0x14] = { "SYS128", "trapped MSRR, MRRS or 128-bit system instruction" },
	[0x15] = { "SVC64", "SVC from AArch64" },
	[0x16] = { "HVC64", "HVC from AArch64" },
	[0x17] = { "SMC64", "SMC from AArch64" },
	[0x18] = { "SYS64", "trapped MSR, MRS or system instruction" },
	[0x19] = { "SVE", "trapped SVE access" },
	[0x1a] = { "ERET", "trapped ERET, ERETAA or ERETAB" },
	[0x1b] = { "TSTART", "TSTART instruction (FEAT_TME)" },
	[0x1c] = { "FPAC", "pointer authentication failure" },
	[0x1d] = { "SME", "trapped SME access" },
	[0x1e] = { "GPC", "granule protection check (EL3 only)" },
	[0x1f] = { "IMPDEF_EL3", "IMPLEMENTATION DEFINED exception to EL3" },
	[0x20] = { "IABT_LOW", "instruction abort from a lower exception level" },
	[0x21] = { "IABT_CUR", "instruction abort at the same exception level" },
	[0x22] = { "PC_ALIGN", "PC alignment fault" },
	UNALLOCATED(0x23),
	[0x24] = { "DABT_LOW", "data abort from a lower exception level" },
	[0x25] = { "DABT_CUR", "data abort at the same exception level" },
	[0x26] = { "SP_ALIGN", "SP alignment fault" },
	[0x27] = { "MOPS", "memory copy or set instruction exception" },
	[0x28] = { "FP_EXC32", "trapped floating-point exception from AArch32" },
	UNALLOCATED(0x29),
	UNALLOCATED(0x2a),
	UNALLOCATED(0x2b),
	[0x2c] = { "FP_EXC64", "trapped floating-point exception from AArch64" },
	[0x2d] = { "GCS", "guarded control stack exception" },
	UNALLOCATED(0x2e),
	[0x2f] = { "SERROR", "SError exception" },
	[0x30] = { "BREAKPT_LOW", "breakpoint from a lower exception level" },
	[0x31] = { "BREAKPT_CUR", "breakpoint at the same exception level" },
	[0x32] = { "SOFTSTP_LOW", "software step from a lower exception level" },
	[0x33] = { "SOFTSTP_CUR", "software step at the same exception level" },
	[0x34] = { "WATCHPT_LOW", "watchpoint from a lower exception level" },
	[0x35] = { "WATCHPT_CUR", "watchpoint at the same exception level" },
	UNALLOCATED(0x36),
	UNALLOCATED(0x37),
	[0x38] = { "BKPT32", "BKPT from AArch32" },
	UNALLOCATED(0x39),
	[0x3a] = { "VECTOR_CATCH32", "vector catch from AArch32" },
	UNALLOCATED(0x3b),
	[0x3c] = { "BRK64", "BRK from AArch64" },
	[0x3d] = { "PROFILING", "profiling exception (PMU, SPE or TRBE)" },
	UNALLOCATED(0x3e),
	UNALLOCATED(0x3f),
};

const char *esr_class_name(unsigned ec)
{
	if (ec >= ARRAY_SIZE(ec_text))
		return "EC_INVALID";
	return ec_text[ec].name;
}

const char *esr_class_desc(unsigned ec)
{
	if (ec >= ARRAY_SIZE(ec_text))
		return "not an exception class";
	return ec_text[ec].desc;
}

/*
 * Exit classes above the ECs (formats/exits.h). HYP_EXIT_SERROR and EC 0x2f
 * are the same event seen from the vector and from ESR_EL2, hence one name.
 */
static const char *const async_exit_name[HYP_EXIT_CLASSES - HYP_EXIT_SYNC_LAST - 1] = {
	[HYP_EXIT_IRQ - HYP_EXIT_IRQ] = "IRQ",
	[HYP_EXIT_FIQ - HYP_EXIT_IRQ] = "FIQ",
	[HYP_EXIT_SERROR - HYP_EXIT_IRQ] = "SERROR",
	[HYP_EXIT_ILLEGAL - HYP_EXIT_IRQ] = "ILLEGAL",
};

const char *exit_class_name(unsigned cls)
{
	if (cls <= HYP_EXIT_SYNC_LAST)
		return esr_class_name(cls);
	if (cls < HYP_EXIT_CLASSES && async_exit_name[cls - HYP_EXIT_IRQ])
		return async_exit_name[cls - HYP_EXIT_IRQ];
	return "EXIT_INVALID";
}

/* ------------------------------------------------------- fault status */

#define FSC_UNALLOCATED(fsc) [fsc] = { "FSC_" #fsc, "unallocated fault status code" }

/* DFSC/IFSC, Arm ARM ESR_EL2 ISS for data and instruction aborts. */
static const struct class_text fsc_text[ESR_FSC_MASK + 1] = {
	[0x00] = { "ADDR_SIZE_L0", "address size fault, level 0 or TTBR" },
	[0x01] = { "ADDR_SIZE_L1", "address size fault, level 1" },
	[0x02] = { "ADDR_SIZE_L2", "address size fault, level 2" },
	[0x03] = { "ADDR_SIZE_L3", "address size fault, level 3" },
	[0x04] = { "TRANS_L0", "translation fault, level 0" },
	[0x05] = { "TRANS_L1", "translation fault, level 1" },
	[0x06] = { "TRANS_L2", "translation fault, level 2" },
	[0x07] = { "TRANS_L3", "translation fault, level 3" },
	[0x08] = { "ACCESS_L0", "access flag fault, level 0" },
	[0x09] = { "ACCESS_L1", "access flag fault, level 1" },
	[0x0a] = { "ACCESS_L2", "access flag fault, level 2" },
	[0x0b] = { "ACCESS_L3", "access flag fault, level 3" },
	[0x0c] = { "PERM_L0", "permission fault, level 0" },
	[0x0d] = { "PERM_L1", "permission fault, level 1" },
	[0x0e] = { "PERM_L2", "permission fault, level 2" },
	[0x0f] = { "PERM_L3", "permission fault, level 3" },
	[0x10] = { "SEA", "synchronous external abort, not on a table walk" },
	[0x11] = { "TAG_CHECK", "synchronous tag check fault" },
	[0x12] = { "SEA_TTW_L-2", "synchronous external abort on table walk, level -2" },
	[0x13] = { "SEA_TTW_L-1", "synchronous external abort on table walk, level -1" },
	[0x14] = { "SEA_TTW_L0", "synchronous external abort on table walk, level 0" },
	[0x15] = { "SEA_TTW_L1", "synchronous external abort on table walk, level 1" },
	[0x16] = { "SEA_TTW_L2", "synchronous external abort on table walk, level 2" },
	[0x17] = { "SEA_TTW_L3", "synchronous external abort on table walk, level 3" },
	[0x18] = { "ECC", "synchronous parity or ECC error, not on a table walk" },
	FSC_UNALLOCATED(0x19),
	FSC_UNALLOCATED(0x1a),
	[0x1b] = { "ECC_TTW_L-1", "synchronous parity or ECC error on table walk, level -1" },
	[0x1c] = { "ECC_TTW_L0", "synchronous parity or ECC error on table walk, level 0" },
	[0x1d] = { "ECC_TTW_L1", "synchronous parity or ECC error on table walk, level 1" },
	[0x1e] = { "ECC_TTW_L2", "synchronous parity or ECC error on table walk, level 2" },
	[0x1f] = { "ECC_TTW_L3", "synchronous parity or ECC error on table walk, level 3" },
	FSC_UNALLOCATED(0x20),
	[0x21] = { "ALIGNMENT", "alignment fault" },
	[0x22] = { "DEBUG", "debug exception" },
	[0x23] = { "GPF_TTW_L-1", "granule protection fault on table walk, level -1" },
	[0x24] = { "GPF_TTW_L0", "granule protection fault on table walk, level 0" },
	[0x25] = { "GPF_TTW_L1", "granule protection fault on table walk, level 1" },
	[0x26] = { "GPF_TTW_L2", "granule protection fault on table walk, level 2" },
	[0x27] = { "GPF_TTW_L3", "granule protection fault on table walk, level 3" },
	[0x28] = { "GPF", "granule protection fault, not on a table walk" },
	[0x29] = { "ADDR_SIZE_L-1", "address size fault, level -1" },
	[0x2a] = { "TRANS_L-2", "translation fault, level -2" },
	[0x2b] = { "TRANS_L-1", "translation fault, level -1" },
	[0x2c] = { "ADDR_SIZE_L-2", "address size fault, level -2" },
	FSC_UNALLOCATED(0x2d),
	FSC_UNALLOCATED(0x2e),
	FSC_UNALLOCATED(0x2f),
	[0x30] = { "TLB_CONFLICT", "TLB conflict abort" },
	[0x31] = { "HW_UPDATE", "unsupported atomic hardware update fault" },
	FSC_UNALLOCATED(0x32),
	FSC_UNALLOCATED(0x33),
	[0x34] = { "LOCKDOWN", "IMPLEMENTATION DEFINED fault (lockdown)" },
	[0x35] = { "EXCL_ATOMIC",
		   "IMPLEMENTATION DEFINED fault (unsupported exclusive or atomic access)" },
	FSC_UNALLOCATED(0x36),
	FSC_UNALLOCATED(0x37),
	FSC_UNALLOCATED(0x38),
	FSC_UNALLOCATED(0x39),
	FSC_UNALLOCATED(0x3a),
	FSC_UNALLOCATED(0x3b),
	FSC_UNALLOCATED(0x3c),
	FSC_UNALLOCATED(0x3d),
	FSC_UNALLOCATED(0x3e),
	FSC_UNALLOCATED(0x3f),
};

const char *esr_fsc_name(unsigned fsc)
{
	if (fsc >= ARRAY_SIZE(fsc_text))
		return "FSC_INVALID";
	return fsc_text[fsc].name;
}

const char *esr_fsc_desc(unsigned fsc)
{
	if (fsc >= ARRAY_SIZE(fsc_text))
		return "not a fault status code";
	return fsc_text[fsc].desc;
}

/* ---------------------------------------------------------- decoders */

void esr_dabt_decode(uint64_t esr, struct esr_dabt *out)
{
	uint32_t iss = esr_iss(esr);
	uint32_t iss2 = esr_iss2(esr);
	bool isv = ISS_BIT(iss, 24);

	out->isv = isv;
	out->access_size = isv ? (uint8_t)(1u << ISS_FIELD(iss, 22, 2)) : 0;
	out->sse = isv && ISS_BIT(iss, 21);
	out->srt = isv ? (uint8_t)ISS_FIELD(iss, 16, 5) : 0;
	out->sf = isv && ISS_BIT(iss, 15);
	out->ar = isv && ISS_BIT(iss, 14);
	out->vncr = ISS_BIT(iss, 13);
	out->set = (uint8_t)ISS_FIELD(iss, 11, 2);
	out->fnv = ISS_BIT(iss, 10);
	out->ea = ISS_BIT(iss, 9);
	out->cm = ISS_BIT(iss, 8);
	out->s1ptw = ISS_BIT(iss, 7);
	out->wnr = ISS_BIT(iss, 6);
	out->dfsc = (uint8_t)ISS_FIELD(iss, 0, 6);

	out->xs = (uint8_t)ISS_FIELD(iss2, 0, 5);
	out->dirty_bit = ISS_BIT(iss2, 5);
	out->overlay = ISS_BIT(iss2, 6);
	out->assured_only = ISS_BIT(iss2, 7);
	out->gcs = ISS_BIT(iss2, 8);
	out->tag_access = ISS_BIT(iss2, 9);
	out->tnd = ISS_BIT(iss2, 10);
	out->hdbssf = ISS_BIT(iss2, 11);
}

void esr_iabt_decode(uint64_t esr, struct esr_iabt *out)
{
	uint32_t iss = esr_iss(esr);

	out->ifsc = (uint8_t)ISS_FIELD(iss, 0, 6);
	out->set = (uint8_t)ISS_FIELD(iss, 11, 2);
	out->fnv = ISS_BIT(iss, 10);
	out->ea = ISS_BIT(iss, 9);
	out->s1ptw = ISS_BIT(iss, 7);
}

void esr_sysreg_decode(uint64_t esr, struct esr_sysreg *out)
{
	uint32_t iss = esr_iss(esr);

	out->key = iss & SYSREG_KEY_MASK;
	out->op0 = (uint8_t)ISS_FIELD(iss, 20, 2);
	out->op2 = (uint8_t)ISS_FIELD(iss, 17, 3);
	out->op1 = (uint8_t)ISS_FIELD(iss, 14, 3);
	out->crn = (uint8_t)ISS_FIELD(iss, 10, 4);
	out->rt = (uint8_t)ISS_FIELD(iss, 5, 5);
	out->crm = (uint8_t)ISS_FIELD(iss, 1, 4);
	out->is_read = ISS_BIT(iss, 0);
}

void esr_cp_decode(uint64_t esr, struct esr_cp *out)
{
	uint32_t iss = esr_iss(esr);
	unsigned ec = esr_ec(esr);
	bool is64 = ec == ESR_EC_CP15_64 || ec == ESR_EC_CP14_64;

	out->cv = ISS_BIT(iss, 24);
	out->cond = (uint8_t)ISS_FIELD(iss, 20, 4);
	out->rt = (uint8_t)ISS_FIELD(iss, 5, 5);
	out->crm = (uint8_t)ISS_FIELD(iss, 1, 4);
	out->is_read = ISS_BIT(iss, 0);
	if (is64) {
		/* MCRR/MRRC: Opc1 [19:16], Rt2 [14:10] */
		out->op1 = (uint8_t)ISS_FIELD(iss, 16, 4);
		out->rt2 = (uint8_t)ISS_FIELD(iss, 10, 5);
		out->op2 = 0;
		out->crn = 0;
	} else {
		out->op2 = (uint8_t)ISS_FIELD(iss, 17, 3);
		out->op1 = (uint8_t)ISS_FIELD(iss, 14, 3);
		out->crn = (uint8_t)ISS_FIELD(iss, 10, 4);
		out->rt2 = 0;
	}
}

void esr_wfx_decode(uint64_t esr, struct esr_wfx *out)
{
	uint32_t iss = esr_iss(esr);

	out->kind = (enum esr_wfx_kind)ISS_FIELD(iss, 0, 2);
	out->rv = ISS_BIT(iss, 2);
	out->rn = (uint8_t)ISS_FIELD(iss, 5, 5);
	out->cv = ISS_BIT(iss, 24);
	out->cond = (uint8_t)ISS_FIELD(iss, 20, 4);
}

static const char *const smtc_name[] = {
	[ESR_SMTC_SME_DISABLED] = "SME_DISABLED",
	[ESR_SMTC_STREAMING] = "STREAMING",
	[ESR_SMTC_NOT_STREAMING] = "NOT_STREAMING",
	[ESR_SMTC_ZA_INACTIVE] = "ZA_INACTIVE",
	[ESR_SMTC_ZT0_DISABLED] = "ZT0_DISABLED",
	[5] = "SMTC_5",
	[6] = "SMTC_6",
	[7] = "SMTC_7",
};

const char *esr_smtc_name(unsigned smtc)
{
	if (smtc >= ARRAY_SIZE(smtc_name))
		return "SMTC_INVALID";
	return smtc_name[smtc];
}

void esr_fp_exc_decode(uint64_t esr, struct esr_fp_exc *out)
{
	uint32_t iss = esr_iss(esr);

	out->tfv = ISS_BIT(iss, 23);
	out->vecitr = (uint8_t)ISS_FIELD(iss, 8, 3);
	out->idf = ISS_BIT(iss, 7);
	out->ixf = ISS_BIT(iss, 4);
	out->uff = ISS_BIT(iss, 3);
	out->off = ISS_BIT(iss, 2);
	out->dzf = ISS_BIT(iss, 1);
	out->iof = ISS_BIT(iss, 0);
}

void esr_softstep_decode(uint64_t esr, struct esr_softstep *out)
{
	uint32_t iss = esr_iss(esr);

	out->isv = ISS_BIT(iss, 24);
	out->ex = ISS_BIT(iss, 6);
	out->ifsc = (uint8_t)ISS_FIELD(iss, 0, 6);
}

void esr_watchpt_decode(uint64_t esr, struct esr_watchpt *out)
{
	uint32_t iss = esr_iss(esr);

	out->wpt = (uint8_t)ISS_FIELD(iss, 18, 6);
	out->wptv = ISS_BIT(iss, 17);
	out->wpf = ISS_BIT(iss, 16);
	out->fnp = ISS_BIT(iss, 15);
	out->vncr = ISS_BIT(iss, 13);
	out->fnv = ISS_BIT(iss, 10);
	out->cm = ISS_BIT(iss, 8);
	out->wnr = ISS_BIT(iss, 6);
	out->dfsc = (uint8_t)ISS_FIELD(iss, 0, 6);
}

void esr_serror_decode(uint64_t esr, struct esr_serror *out)
{
	uint32_t iss = esr_iss(esr);
	bool ids = ISS_BIT(iss, 24);

	out->ids = ids;
	out->impdef = ids ? ISS_FIELD(iss, 0, 24) : 0;
	out->iesb = !ids && ISS_BIT(iss, 13);
	out->aet = ids ? 0 : (uint8_t)ISS_FIELD(iss, 10, 3);
	out->ea = !ids && ISS_BIT(iss, 9);
	out->dfsc = ids ? 0 : (uint8_t)ISS_FIELD(iss, 0, 6);
}

static const char *const aet_name[] = {
	[ESR_AET_UC] = "UC", [ESR_AET_UEU] = "UEU", [ESR_AET_UEO] = "UEO",
	[ESR_AET_UER] = "UER", [4] = "AET_4", [5] = "AET_5",
	[ESR_AET_CE] = "CE", [7] = "AET_7",
};

const char *esr_aet_name(unsigned aet)
{
	if (aet >= ARRAY_SIZE(aet_name))
		return "AET_INVALID";
	return aet_name[aet];
}

const char *esr_serror_dfsc_name(unsigned dfsc)
{
	/* The only two DFSC values the Arm ARM defines for an SError. */
	if (dfsc == ESR_SERROR_DFSC_UNCATEGORIZED)
		return "UNCATEGORIZED";
	if (dfsc == ESR_SERROR_DFSC_ASYNC)
		return "ASYNC";
	return "RESERVED";
}
