/*
 * System register access and barriers for the test guests.
 *
 * The only place in the guests that spells mrs/msr for ordinary registers.
 * Registers that older assemblers may not know by name are given by their
 * S<op0>_<op1>_C<n>_C<m>_<op2> encoding (Arm ARM, "AArch64 System
 * Register Descriptions"), through read_sysreg_s()/write_sysreg_s().
 */
#ifndef GUEST_SYSREG_H
#define GUEST_SYSREG_H

#include <stdint.h>

#define __stringify_1(x) #x
#define __stringify(x)	 __stringify_1(x)

#define read_sysreg(r)                                                                             \
	({                                                                                         \
		uint64_t __v;                                                                      \
		asm volatile("mrs %0, " __stringify(r) : "=r"(__v)::"memory");                    \
		__v;                                                                               \
	})

#define write_sysreg(v, r)                                                                         \
	do {                                                                                       \
		uint64_t __v = (uint64_t)(v);                                                      \
		asm volatile("msr " __stringify(r) ", %x0" ::"rZ"(__v) : "memory");                \
	} while (0)

/* Same, for an encoding macro such as SYS_ID_AA64ISAR2_EL1. */
#define read_sysreg_s(r)     read_sysreg(r)
#define write_sysreg_s(v, r) write_sysreg(v, r)

/* Encodings of registers named by number. */
#define SYS_ID_AA64ISAR2_EL1 S3_0_C0_C6_2
#define SYS_ID_AA64PFR1_EL1  S3_0_C0_C4_1
#define SYS_APIAKEYLO_EL1    S3_0_C2_C1_0
#define SYS_APIAKEYHI_EL1    S3_0_C2_C1_1
#define SYS_APIBKEYLO_EL1    S3_0_C2_C1_2
#define SYS_APIBKEYHI_EL1    S3_0_C2_C1_3
#define SYS_APDAKEYLO_EL1    S3_0_C2_C2_0
#define SYS_APDAKEYHI_EL1    S3_0_C2_C2_1
#define SYS_APDBKEYLO_EL1    S3_0_C2_C2_2
#define SYS_APDBKEYHI_EL1    S3_0_C2_C2_3
#define SYS_APGAKEYLO_EL1    S3_0_C2_C3_0
#define SYS_APGAKEYHI_EL1    S3_0_C2_C3_1
#define SYS_ICC_PMR_EL1	     S3_0_C4_C6_0
#define SYS_ICC_SRE_EL1	     S3_0_C12_C12_5
#define SYS_ICC_IGRPEN1_EL1  S3_0_C12_C12_7
/* GICv3 CPU interface (IHI 0069, "AArch64 System register descriptions"). */
#define SYS_ICC_IAR0_EL1     S3_0_C12_C8_0
#define SYS_ICC_BPR0_EL1     S3_0_C12_C8_3
#define SYS_ICC_AP1R0_EL1    S3_0_C12_C9_0
#define SYS_ICC_DIR_EL1	     S3_0_C12_C11_1
#define SYS_ICC_RPR_EL1	     S3_0_C12_C11_3
#define SYS_ICC_SGI1R_EL1    S3_0_C12_C11_5
#define SYS_ICC_ASGI1R_EL1   S3_0_C12_C11_6
#define SYS_ICC_SGI0R_EL1    S3_0_C12_C11_7
#define SYS_ICC_IAR1_EL1     S3_0_C12_C12_0
#define SYS_ICC_EOIR1_EL1    S3_0_C12_C12_1
#define SYS_ICC_HPPIR1_EL1   S3_0_C12_C12_2
#define SYS_ICC_BPR1_EL1     S3_0_C12_C12_3
#define SYS_ICC_CTLR_EL1     S3_0_C12_C12_4
#define SYS_ICC_IGRPEN0_EL1  S3_0_C12_C12_6

/* Barriers: every caller says why it needs one. */
#define isb()	   asm volatile("isb" ::: "memory")
#define dsb(opt)   asm volatile("dsb " #opt ::: "memory")
#define dmb(opt)   asm volatile("dmb " #opt ::: "memory")
#define barrier()  asm volatile("" ::: "memory")
#define wfe()	   asm volatile("wfe" ::: "memory")
#define wfi()	   asm volatile("wfi" ::: "memory")
#define sev()	   asm volatile("sev" ::: "memory")
#define sevl()	   asm volatile("sevl" ::: "memory")
#define cpu_relax() asm volatile("yield" ::: "memory")

/* Extract an ID register field: bits [shift + 3 : shift]. */
#define ID_FIELD(reg, shift) (((reg) >> (shift)) & 0xfu)

/* ESR_ELx (Arm ARM, ESR_EL1). */
#define ESR_EC(esr)	     ((unsigned int)((esr) >> 26) & 0x3fu)
#define ESR_IL		     (1ull << 25)
#define ESR_ISS(esr)	     ((esr) & 0x1ffffffu)
#define ESR_EC_UNKNOWN	     0x00u
#define ESR_EC_DABT_CUR	     0x25u
#define ESR_DABT_DFSC(esr)   ((unsigned int)(esr) & 0x3fu)
#define ESR_DABT_WNR	     (1ull << 6)
#define ESR_DABT_FNV	     (1ull << 10)
#define DFSC_SYNC_EXT_ABORT  0x10u

/* CNTx_CTL_EL0 (Arm ARM, CNTV_CTL_EL0 and CNTP_CTL_EL0). */
#define CNT_CTL_ENABLE	(1u << 0)
#define CNT_CTL_IMASK	(1u << 1)
#define CNT_CTL_ISTATUS (1u << 2)

/* CPACR_EL1.FPEN = 0b11: no trapping of FP/SIMD at EL0 or EL1. */
#define CPACR_FPEN_ALL (3u << 20)

#endif
