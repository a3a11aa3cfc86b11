/*
 * ESR_EL2 decoding, shared by the EL2 hypervisor and the host tools.
 *
 * Freestanding: <stdint.h> <stddef.h> <stdbool.h> only.
 *
 * Layout of ESR_EL2 (Arm ARM, ESR_EL2):
 *   [55:32] ISS2   extra syndrome for some data aborts
 *   [31:26] EC     exception class: which of the ISS layouts below applies
 *   [25]    IL     1 = the trapped instruction was 32 bits wide
 *   [24:0]  ISS    instruction specific syndrome
 *
 * The EC values are plain numbers so that the exception vectors can use them
 * from assembly; everything else is hidden from the assembler.
 */
#ifndef FORMATS_ESR_H
#define FORMATS_ESR_H

/* Exception classes, ESR_EL2.EC. "LOW" = from a lower EL, "CUR" = from EL2 itself. */
#define ESR_EC_UNKNOWN        0x00 /* unknown reason, e.g. an UNDEFINED instruction */
#define ESR_EC_WFX            0x01 /* WFI, WFE, WFIT, WFET */
#define ESR_EC_CP15_32        0x03 /* AArch32 MCR/MRC, coproc 15 */
#define ESR_EC_CP15_64        0x04 /* AArch32 MCRR/MRRC, coproc 15 */
#define ESR_EC_CP14_MR        0x05 /* AArch32 MCR/MRC, coproc 14 */
#define ESR_EC_CP14_LS        0x06 /* AArch32 LDC/STC, coproc 14 */
#define ESR_EC_FP_ASIMD       0x07 /* SVE/SIMD/FP access, CPACR_EL1.FPEN or CPTR_EL2 */
#define ESR_EC_CP10_ID        0x08 /* AArch32 VMRS of an ID register, HCR_EL2.TID0/TID3 */
#define ESR_EC_PAC            0x09 /* pointer authentication instruction, HCR_EL2.API */
#define ESR_EC_OTHER          0x0a /* LD64B/ST64B*, TSB/PSB CSYNC and others */
#define ESR_EC_CP14_64        0x0c /* AArch32 MRRC, coproc 14 */
#define ESR_EC_BTI            0x0d /* branch target exception */
#define ESR_EC_ILLEGAL        0x0e /* illegal execution state (PSTATE.IL) */
#define ESR_EC_SVC32          0x11
#define ESR_EC_HVC32          0x12
#define ESR_EC_SMC32          0x13
#define ESR_EC_SYS128         0x14 /* MSRR/MRRS/SYSP, FEAT_SYSREG128 */
#define ESR_EC_SVC64          0x15
#define ESR_EC_HVC64          0x16
#define ESR_EC_SMC64          0x17
#define ESR_EC_SYS64          0x18 /* MSR, MRS or system instruction */
#define ESR_EC_SVE            0x19 /* SVE access, CPACR_EL1.ZEN or CPTR_EL2 */
#define ESR_EC_ERET           0x1a /* ERET/ERETAA/ERETAB, HCR_EL2.NV or HFGITR_EL2 */
#define ESR_EC_TSTART         0x1b /* TSTART, FEAT_TME */
#define ESR_EC_FPAC           0x1c /* pointer authentication failure, FEAT_FPAC */
#define ESR_EC_SME            0x1d /* SME access */
#define ESR_EC_GPC            0x1e /* granule protection check, reported to EL3 only */
#define ESR_EC_IMPDEF         0x1f /* IMPLEMENTATION DEFINED, reported to EL3 only */
#define ESR_EC_IABT_LOW       0x20
#define ESR_EC_IABT_CUR       0x21
#define ESR_EC_PC_ALIGN       0x22
#define ESR_EC_DABT_LOW       0x24
#define ESR_EC_DABT_CUR       0x25
#define ESR_EC_SP_ALIGN       0x26
#define ESR_EC_MOPS           0x27 /* memory copy/set instruction, FEAT_MOPS */
#define ESR_EC_FP_EXC32       0x28
#define ESR_EC_FP_EXC64       0x2c
#define ESR_EC_GCS            0x2d /* guarded control stack, FEAT_GCS */
#define ESR_EC_SERROR         0x2f
#define ESR_EC_BREAKPT_LOW    0x30
#define ESR_EC_BREAKPT_CUR    0x31
#define ESR_EC_SOFTSTP_LOW    0x32
#define ESR_EC_SOFTSTP_CUR    0x33
#define ESR_EC_WATCHPT_LOW    0x34
#define ESR_EC_WATCHPT_CUR    0x35
#define ESR_EC_BKPT32         0x38
#define ESR_EC_VECTOR_CATCH32 0x3a
#define ESR_EC_BRK64          0x3c
#define ESR_EC_PROFILING      0x3d /* PMU/SPE/TRBE exception, FEAT_EBEP and friends */
#define ESR_EC_COUNT          0x40

#define ESR_EC_SHIFT   26
#define ESR_IL_SHIFT   25
#define ESR_ISS2_SHIFT 32

#ifndef __ASSEMBLY__

#include <stdbool.h>
#include <stdint.h>

#define ESR_EC_MASK   0x3fu
#define ESR_ISS_MASK  0x1ffffffu
#define ESR_ISS2_MASK 0xffffffu

static inline unsigned esr_ec(uint64_t esr)
{
	return (unsigned)(esr >> ESR_EC_SHIFT) & ESR_EC_MASK;
}

/* True when the trapped instruction was 32 bits wide (always so for A64). */
static inline bool esr_il(uint64_t esr)
{
	return (esr >> ESR_IL_SHIFT) & 1;
}

static inline uint32_t esr_iss(uint64_t esr)
{
	return (uint32_t)esr & ESR_ISS_MASK;
}

static inline uint32_t esr_iss2(uint64_t esr)
{
	return (uint32_t)(esr >> ESR_ISS2_SHIFT) & ESR_ISS2_MASK;
}

/*
 * The 16-bit immediate of SVC/HVC/SMC (A64 and A32 HVC/SVC), the comment of
 * BRK and BKPT and the immediate of TSTART all live in ISS[15:0].
 */
static inline uint16_t esr_imm16(uint64_t esr)
{
	return (uint16_t)esr;
}

/* Short name ("DABT_LOW", "HVC64"); unallocated classes read "EC_0x0b". */
const char *esr_class_name(unsigned ec);
/* One-line description of the class, for help texts and verbose reports. */
const char *esr_class_desc(unsigned ec);
/*
 * Name of an exit class of formats/exits.h: an EC for synchronous exits,
 * "IRQ", "FIQ", "SERROR" or "ILLEGAL" for the others.
 */
const char *exit_class_name(unsigned cls);

/* ---------------------------------------------------------------- aborts */

/*
 * Fault status codes, ISS.DFSC/IFSC [5:0] of data and instruction aborts.
 * The level N variants are (base + N) for N = 0..3.
 */
#define ESR_FSC_ADDR_SIZE_L(n) (0x00u + (n))
#define ESR_FSC_TRANS_L(n)     (0x04u + (n))
#define ESR_FSC_ACCESS_L(n)    (0x08u + (n))
#define ESR_FSC_PERM_L(n)      (0x0cu + (n))
#define ESR_FSC_SEA            0x10u /* synchronous external abort, not on a walk */
#define ESR_FSC_TAG_CHECK      0x11u /* MTE synchronous tag check fault */
#define ESR_FSC_SEA_TTW_LM2    0x12u
#define ESR_FSC_SEA_TTW_LM1    0x13u
#define ESR_FSC_SEA_TTW_L(n)   (0x14u + (n))
#define ESR_FSC_ECC            0x18u /* parity/ECC error, not on a walk */
#define ESR_FSC_ECC_TTW_LM1    0x1bu
#define ESR_FSC_ECC_TTW_L(n)   (0x1cu + (n))
#define ESR_FSC_ALIGNMENT      0x21u
#define ESR_FSC_DEBUG          0x22u /* watchpoint, breakpoint, step */
#define ESR_FSC_GPF_TTW_LM1    0x23u
#define ESR_FSC_GPF_TTW_L(n)   (0x24u + (n))
#define ESR_FSC_GPF            0x28u /* granule protection fault, not on a walk */
#define ESR_FSC_ADDR_SIZE_LM1  0x29u
#define ESR_FSC_TRANS_LM2      0x2au
#define ESR_FSC_TRANS_LM1      0x2bu
#define ESR_FSC_ADDR_SIZE_LM2  0x2cu
#define ESR_FSC_TLB_CONFLICT   0x30u
#define ESR_FSC_HW_UPDATE      0x31u /* unsupported atomic hardware update */
#define ESR_FSC_LOCKDOWN       0x34u /* IMPLEMENTATION DEFINED */
#define ESR_FSC_EXCL_ATOMIC    0x35u /* unsupported exclusive or atomic access */
#define ESR_FSC_MASK           0x3fu

/* "TRANS_L3", "PERM_L1", "SEA_TTW_L0", "ALIGNMENT"; unallocated read "FSC_0x3f". */
const char *esr_fsc_name(unsigned fsc);
/* "translation fault, level 3" */
const char *esr_fsc_desc(unsigned fsc);

static inline bool esr_fsc_is_translation(unsigned fsc)
{
	return (fsc & 0x3cu) == 0x04u || fsc == ESR_FSC_TRANS_LM1 || fsc == ESR_FSC_TRANS_LM2;
}

static inline bool esr_fsc_is_permission(unsigned fsc)
{
	return (fsc & 0x3cu) == 0x0cu;
}

static inline bool esr_fsc_is_access_flag(unsigned fsc)
{
	return (fsc & 0x3cu) == 0x08u;
}

/* Data abort, EC 0x24/0x25 (Arm ARM, "ISS encoding for an exception from a Data Abort"). */
struct esr_dabt {
	/*
	 * ISV: the fields up to and including ar describe the access and can
	 * be used to emulate it. They read as zero when ISV is clear, because
	 * then the bits hold other (or no) information.
	 */
	bool isv;
	uint8_t access_size; /* SAS as bytes: 1, 2, 4 or 8 */
	bool sse;            /* sign-extend the loaded value */
	uint8_t srt;         /* transfer register; 31 is the zero register */
	bool sf;             /* the register is 64-bit (X), else 32-bit (W) */
	bool ar;             /* acquire/release semantics */

	bool vncr;   /* fault on a FEAT_NV2 access through VNCR_EL2 */
	uint8_t set; /* SET (RAS error type) or LST (FEAT_LS64), ISS[12:11] */
	bool fnv;    /* FAR_EL2 is not valid */
	bool ea;     /* external abort type, IMPLEMENTATION DEFINED */
	bool cm;     /* from a cache maintenance or address translation instruction */
	bool s1ptw;  /* stage 2 fault on a stage 1 translation table walk */
	bool wnr;    /* write, not read */
	uint8_t dfsc;

	/* ISS2 [55:32] */
	uint8_t xs;        /* Xs register of ST64BV/ST64BV0 */
	bool dirty_bit;    /* permission fault with DBM set (FEAT_THE) */
	bool overlay;      /* permission fault from an overlay (FEAT_S1POE/S2POE) */
	bool assured_only; /* permission fault from AssuredOnly (FEAT_THE) */
	bool gcs;          /* fault on a guarded control stack access */
	bool tag_access;   /* NoTagAccess fault (FEAT_MTE_PERM) */
	bool tnd;          /* permission fault on an allocation tag write */
	bool hdbssf;       /* caused by the HDBSS (FEAT_HDBSS) */
};

void esr_dabt_decode(uint64_t esr, struct esr_dabt *out);

/* Instruction abort, EC 0x20/0x21. */
struct esr_iabt {
	uint8_t ifsc;
	uint8_t set;
	bool fnv;
	bool ea;
	bool s1ptw;
};

void esr_iabt_decode(uint64_t esr, struct esr_iabt *out);

/* ------------------------------------------------------ system registers */

/*
 * A system register or system instruction encoding packed as ISS of
 * EC 0x18 packs it:
 *   [21:20] Op0  [19:17] Op2  [16:14] Op1  [13:10] CRn  [4:1] CRm
 * with Rt [9:5] and the direction [0] left out, so that the ISS of a trap,
 * masked with SYSREG_KEY_MASK, is the key of the register it accessed.
 */
#define SYSREG_KEY(op0, op1, crn, crm, op2)                                              \
	((uint32_t)(op0) << 20 | (uint32_t)(op2) << 17 | (uint32_t)(op1) << 14 |          \
	 (uint32_t)(crn) << 10 | (uint32_t)(crm) << 1)
#define SYSREG_KEY_MASK SYSREG_KEY(3, 7, 15, 15, 7)

static inline unsigned sysreg_key_op0(uint32_t key)
{
	return (key >> 20) & 3;
}

static inline unsigned sysreg_key_op1(uint32_t key)
{
	return (key >> 14) & 7;
}

static inline unsigned sysreg_key_crn(uint32_t key)
{
	return (key >> 10) & 15;
}

static inline unsigned sysreg_key_crm(uint32_t key)
{
	return (key >> 1) & 15;
}

static inline unsigned sysreg_key_op2(uint32_t key)
{
	return (key >> 17) & 7;
}

static inline uint32_t esr_sysreg_key(uint64_t esr)
{
	return (uint32_t)esr & SYSREG_KEY_MASK;
}

/* MSR/MRS/system instruction, EC 0x18. */
struct esr_sysreg {
	uint32_t key; /* SYSREG_KEY() of the accessed encoding */
	uint8_t op0;
	uint8_t op1;
	uint8_t crn;
	uint8_t crm;
	uint8_t op2;
	uint8_t rt;   /* 31 is the zero register */
	bool is_read; /* MRS or SYSL; false for MSR or SYS */
};

void esr_sysreg_decode(uint64_t esr, struct esr_sysreg *out);

/*
 * AArch32 MCR/MRC (EC 0x03, 0x05) and MCRR/MRRC (EC 0x04, 0x0c). For the
 * 64-bit forms only op1, crm, rt, rt2 and is_read are meaningful.
 */
struct esr_cp {
	bool cv;      /* cond is valid */
	uint8_t cond; /* condition code of the trapped instruction */
	uint8_t op1;
	uint8_t op2;
	uint8_t crn;
	uint8_t crm;
	uint8_t rt;
	uint8_t rt2;
	bool is_read; /* MRC/MRRC */
};

void esr_cp_decode(uint64_t esr, struct esr_cp *out);

/* -------------------------------------------------------------- WFx */

enum esr_wfx_kind {
	ESR_WFX_WFI = 0,
	ESR_WFX_WFE = 1,
	ESR_WFX_WFIT = 2, /* FEAT_WFxT: timeout in the register rn */
	ESR_WFX_WFET = 3,
};

struct esr_wfx {
	enum esr_wfx_kind kind; /* ISS.TI */
	bool rv;                /* rn is valid */
	uint8_t rn;             /* register with the WFxT timeout */
	bool cv;                /* AArch32 only: cond is valid */
	uint8_t cond;
};

void esr_wfx_decode(uint64_t esr, struct esr_wfx *out);

/* --------------------------------------------------- FP, SVE, SME, PAC */

/* SME trap, EC 0x1d: why the access was refused, ISS.SMTC [2:0]. */
enum esr_smtc {
	ESR_SMTC_SME_DISABLED = 0, /* CPACR_EL1.SMEN, CPTR_EL2.SMEN/TSM, CPTR_EL3.ESM */
	ESR_SMTC_STREAMING = 1,    /* SIMD/SVE instruction illegal in streaming mode */
	ESR_SMTC_NOT_STREAMING = 2, /* SME instruction while PSTATE.SM is 0 */
	ESR_SMTC_ZA_INACTIVE = 3,  /* ZA access while PSTATE.ZA is 0 */
	ESR_SMTC_ZT0_DISABLED = 4, /* ZT0 access while SMCR_ELx.EZT0 is 0 */
};

static inline unsigned esr_sme_smtc(uint64_t esr)
{
	return (unsigned)esr & 7;
}

/* "SME_DISABLED", ...; reserved values read "SMTC_5". */
const char *esr_smtc_name(unsigned smtc);

/* Trapped floating-point exception, EC 0x28/0x2c. */
struct esr_fp_exc {
	bool tfv;       /* the flag bits below are valid */
	uint8_t vecitr; /* AArch32: elements left in a vector operation */
	bool idf;       /* input denormal */
	bool ixf;       /* inexact */
	bool uff;       /* underflow */
	bool off;       /* overflow */
	bool dzf;       /* divide by zero */
	bool iof;       /* invalid operation */
};

void esr_fp_exc_decode(uint64_t esr, struct esr_fp_exc *out);

/* ERET trap, EC 0x1a: ISS[1] set for ERETAA/ERETAB, ISS[0] selects key B. */
static inline bool esr_eret_is_authenticated(uint64_t esr)
{
	return (esr >> 1) & 1;
}

static inline bool esr_eret_uses_key_b(uint64_t esr)
{
	return esr & 1;
}

/* FPAC, EC 0x1c: ISS[1] set for a data key, ISS[0] set for key B. */
static inline bool esr_fpac_is_data_key(uint64_t esr)
{
	return (esr >> 1) & 1;
}

static inline bool esr_fpac_uses_key_b(uint64_t esr)
{
	return esr & 1;
}

/* BTI, EC 0x0d: PSTATE.BTYPE of the faulting branch target. */
static inline unsigned esr_bti_btype(uint64_t esr)
{
	return (unsigned)esr & 3;
}

/* --------------------------------------------------------------- debug */

/* Software step, EC 0x32/0x33. */
struct esr_softstep {
	bool isv; /* ex is valid */
	bool ex;  /* the stepped instruction was a load-exclusive */
	uint8_t ifsc;
};

void esr_softstep_decode(uint64_t esr, struct esr_softstep *out);

/* Watchpoint, EC 0x34/0x35. */
struct esr_watchpt {
	bool wptv;   /* wpt is valid (FEAT_Debugv8p9) */
	uint8_t wpt; /* number of the watchpoint that matched */
	bool wpf;    /* the match may be a false positive */
	bool fnp;    /* FAR_EL2 is not precise */
	bool vncr;
	bool fnv;
	bool cm;
	bool wnr;
	uint8_t dfsc;
};

void esr_watchpt_decode(uint64_t esr, struct esr_watchpt *out);

/* Breakpoint and vector catch, EC 0x30/0x31/0x3a: only IFSC, always 0x22. */
static inline unsigned esr_breakpt_ifsc(uint64_t esr)
{
	return (unsigned)esr & ESR_FSC_MASK;
}

/* ------------------------------------------------------------- SError */

/* Asynchronous error type, ISS.AET [12:10] (FEAT_RAS). */
enum esr_aet {
	ESR_AET_UC = 0,  /* uncontainable */
	ESR_AET_UEU = 1, /* unrecoverable */
	ESR_AET_UEO = 2, /* restartable */
	ESR_AET_UER = 3, /* recoverable */
	ESR_AET_CE = 6,  /* corrected */
};

/* SError, EC 0x2f. When ids is set the rest of ISS is IMPLEMENTATION DEFINED. */
struct esr_serror {
	bool ids;
	uint32_t impdef; /* ISS[23:0], only when ids */
	bool iesb;       /* synchronized by an implicit error synchronization barrier */
	uint8_t aet;
	bool ea;
	uint8_t dfsc; /* ESR_SERROR_DFSC_* */
};

#define ESR_SERROR_DFSC_UNCATEGORIZED 0x00u
#define ESR_SERROR_DFSC_ASYNC         0x11u

void esr_serror_decode(uint64_t esr, struct esr_serror *out);

/* "UC", "UEU", "UEO", "UER", "CE"; reserved values read "AET_4". */
const char *esr_aet_name(unsigned aet);
/* "UNCATEGORIZED", "ASYNC"; any other value reads "RESERVED". */
const char *esr_serror_dfsc_name(unsigned dfsc);

#endif /* __ASSEMBLY__ */

#endif
