/*
 * The only place that touches system registers. Everything else calls
 * read_sysreg()/write_sysreg() or the named helpers below; the fake arch
 * (hyp/arch/fake) provides the same interface on the host.
 */
#ifndef HYP_ARCH_SYSREG_H
#define HYP_ARCH_SYSREG_H

#include <stdint.h>

#define __stringify_1(x) #x
#define __stringify(x)   __stringify_1(x)

#define read_sysreg(r)                                                                             \
	({                                                                                         \
		uint64_t __v;                                                                      \
		__asm__ volatile("mrs %0, " __stringify(r) : "=r"(__v));                           \
		__v;                                                                               \
	})

#define write_sysreg(v, r)                                                                         \
	do {                                                                                       \
		uint64_t __v = (uint64_t)(v);                                                      \
		__asm__ volatile("msr " __stringify(r) ", %x0" : : "rZ"(__v));                     \
	} while (0)

/*
 * Registers the assembler may not know by name: the generic S<op0>_<op1>_C<n>_C<m>_<op2>
 * spelling encodes them directly (Arm ARM C5.3).
 */
#define SYS_ID_AA64ISAR2_EL1 S3_0_C0_C6_2
#define SYS_ID_AA64MMFR2_EL1 S3_0_C0_C7_2
#define SYS_VNCR_EL2         S3_4_C2_C2_0 /* FEAT_NV2: the VNCR page of the running vCPU */
#define SYS_ID_AA64MMFR3_EL1 S3_0_C0_C7_3
#define SYS_ID_AA64MMFR4_EL1 S3_0_C0_C7_4
#define SYS_ID_AA64PFR2_EL1  S3_0_C0_C4_2
#define SYS_ID_AA64ZFR0_EL1  S3_0_C0_C4_4
#define SYS_ID_AA64SMFR0_EL1 S3_0_C0_C4_5
#define SYS_ID_AA64DFR1_EL1  S3_0_C0_C5_1
#define SYS_HCRX_EL2         S3_4_C1_C2_2
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
/* FEAT_MTE2 (Arm ARM D23.2): switched per vCPU when guests get MTE */
#define SYS_RGSR_EL1         S3_0_C1_C0_5
#define SYS_GCR_EL1          S3_0_C1_C0_6
#define SYS_TFSR_EL1         S3_0_C5_C6_0
#define SYS_TFSRE0_EL1       S3_0_C5_C6_1

/* GICv3 CPU interface, physical (EL2 uses the EL1 names) and hypervisor control. */
#define SYS_ICC_SRE_EL2    S3_4_C12_C9_5
#define SYS_ICC_SRE_EL1    S3_0_C12_C12_5
#define SYS_ICC_PMR_EL1    S3_0_C4_C6_0
#define SYS_ICC_IAR1_EL1   S3_0_C12_C12_0
#define SYS_ICC_EOIR1_EL1  S3_0_C12_C12_1
#define SYS_ICC_DIR_EL1    S3_0_C12_C11_1
#define SYS_ICC_CTLR_EL1   S3_0_C12_C12_4
#define SYS_ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define SYS_ICC_BPR1_EL1   S3_0_C12_C12_3
#define SYS_ICC_SGI1R_EL1  S3_0_C12_C11_5
#define SYS_ICH_HCR_EL2    S3_4_C12_C11_0
#define SYS_ICH_VTR_EL2    S3_4_C12_C11_1
#define SYS_ICH_MISR_EL2   S3_4_C12_C11_2
#define SYS_ICH_EISR_EL2   S3_4_C12_C11_3
#define SYS_ICH_ELRSR_EL2  S3_4_C12_C11_5
#define SYS_ICH_VMCR_EL2   S3_4_C12_C11_7
#define SYS_ICH_AP0R0_EL2  S3_4_C12_C8_0
#define SYS_ICH_AP1R0_EL2  S3_4_C12_C9_0
#define SYS_ICH_LR0_EL2    S3_4_C12_C12_0
#define SYS_ICH_LR1_EL2    S3_4_C12_C12_1
#define SYS_ICH_LR2_EL2    S3_4_C12_C12_2
#define SYS_ICH_LR3_EL2    S3_4_C12_C12_3
#define SYS_ICH_LR4_EL2    S3_4_C12_C12_4
#define SYS_ICH_LR5_EL2    S3_4_C12_C12_5
#define SYS_ICH_LR6_EL2    S3_4_C12_C12_6
#define SYS_ICH_LR7_EL2    S3_4_C12_C12_7
#define SYS_ICH_LR8_EL2    S3_4_C12_C13_0
#define SYS_ICH_LR9_EL2    S3_4_C12_C13_1
#define SYS_ICH_LR10_EL2   S3_4_C12_C13_2
#define SYS_ICH_LR11_EL2   S3_4_C12_C13_3
#define SYS_ICH_LR12_EL2   S3_4_C12_C13_4
#define SYS_ICH_LR13_EL2   S3_4_C12_C13_5
#define SYS_ICH_LR14_EL2   S3_4_C12_C13_6
#define SYS_ICH_LR15_EL2   S3_4_C12_C13_7

/* HCR_EL2 (Arm ARM D23.2.53) */
#define HCR_VM    (1ull << 0)
#define HCR_SWIO  (1ull << 1)
#define HCR_FMO   (1ull << 3)
#define HCR_IMO   (1ull << 4)
#define HCR_AMO   (1ull << 5)
#define HCR_VF    (1ull << 6)
#define HCR_VI    (1ull << 7)
#define HCR_VSE   (1ull << 8)

#define ISR_EL1_A (1ull << 8) /* a physical SError is pending */
#define HCR_FB    (1ull << 9)
#define HCR_BSU_IS (1ull << 10)
#define HCR_TWI   (1ull << 13)
#define HCR_TWE   (1ull << 14)
#define HCR_TID3  (1ull << 18)
#define HCR_TSC   (1ull << 19)
#define HCR_TACR  (1ull << 21)
#define HCR_TSW   (1ull << 22)
#define HCR_RW    (1ull << 31)
#define HCR_TERR  (1ull << 36)
#define HCR_TLOR  (1ull << 35)
#define HCR_APK   (1ull << 40)
#define HCR_API   (1ull << 41)
#define HCR_ATA   (1ull << 56) /* EL1/EL0 may use allocation tags; 0 traps GCR/RGSR/TFSR* */

/* CPTR_EL2, non-VHE layout (Arm ARM D23.2.35) */
#define CPTR_EL2_RES1 0x000032ffull /* bits 13, 12 (TSM when SME is absent), 9, 7:0 */
#define CPTR_EL2_TZ   (1ull << 8)
#define CPTR_EL2_TFP  (1ull << 10)
#define CPTR_EL2_TSM  (1ull << 12)
#define CPTR_EL2_TTA  (1ull << 20)
#define CPTR_EL2_TAM  (1ull << 30)

/* MDCR_EL2 (Arm ARM D23.3.16) */
#define MDCR_TPMCR (1ull << 5)
#define MDCR_TPM   (1ull << 6)
#define MDCR_TDA   (1ull << 9)
#define MDCR_TDOSA (1ull << 10)
#define MDCR_TDRA  (1ull << 11)
#define MDCR_TDE   (1ull << 8)  /* debug exceptions from EL1/EL0 go to EL2 */
#define MDCR_HPME  (1ull << 7)  /* the counters from HPMN up (the hypervisor's) count */

/* MDSCR_EL1 (Arm ARM D19.2.76) and PSTATE.SS in SPSR_EL2 */
#define MDSCR_SS   (1ull << 0)
#define MDSCR_MDE  (1ull << 15)
#define PSR_SS     (1ull << 21)

/* CNTHCTL_EL2, non-VHE layout */
#define CNTHCTL_EL1PCTEN (1ull << 0)
#define CNTHCTL_EL1PCEN  (1ull << 1)

/* SCTLR_EL2 (non-VHE) */
#define SCTLR_EL2_RES1 0x30c50830ull
#define SCTLR_M        (1ull << 0)
#define SCTLR_A        (1ull << 1)
#define SCTLR_C        (1ull << 2)
#define SCTLR_SA       (1ull << 3)
#define SCTLR_I        (1ull << 12)
#define SCTLR_ATA      (1ull << 43) /* EL2 may access allocation tags (TCF stays 0: unchecked) */

/* SCTLR_EL1 as a guest finds it: MMU and caches off, RES1 bits of Armv8.0 set. */
#define SCTLR_EL1_RESET 0x30d00800ull

/* SPSR for a guest entering at EL1h with DAIF masked. */
#define SPSR_EL1H_DAIF 0x3c5ull


#endif
