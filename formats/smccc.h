/*
 * SMC Calling Convention function identifiers (Arm DEN0028), PSCI (DEN0022),
 * TRNG (DEN0098), SDEI (DEN0054) and hypscope's own hypercalls.
 *
 * Freestanding: shared by the EL2 hypervisor and the host tools.
 *
 * A function identifier (W0 of an SMC or HVC) is:
 *   [31]    1 = fast call, 0 = yielding call
 *   [30]    1 = SMC64/HVC64 convention, 0 = SMC32/HVC32
 *   [29:24] owning entity (SMCCC_OWNER_*)
 *   [23:17] must be zero
 *   [16]    SVE live state hint (SMCCC v1.3): the caller has no live SVE state
 *   [15:0]  function number
 */
#ifndef FORMATS_SMCCC_H
#define FORMATS_SMCCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMCCC_FAST_CALL     (1u << 31)
#define SMCCC_CONV_64       (1u << 30)
#define SMCCC_OWNER_SHIFT   24
#define SMCCC_OWNER_MASK    0x3fu
#define SMCCC_MBZ_MASK      0x00fe0000u
#define SMCCC_SVE_HINT      (1u << 16)
#define SMCCC_FUNC_NUM_MASK 0xffffu

#define SMCCC_OWNER_ARCH       0
#define SMCCC_OWNER_CPU        1
#define SMCCC_OWNER_SIP        2
#define SMCCC_OWNER_OEM        3
#define SMCCC_OWNER_STD        4 /* standard secure services: PSCI, SDEI, TRNG, FF-A */
#define SMCCC_OWNER_STD_HYP    5
#define SMCCC_OWNER_VENDOR_HYP 6
#define SMCCC_OWNER_VENDOR_EL3 7
/* 8..47 reserved */
#define SMCCC_OWNER_TRUSTED_APP_FIRST 48
#define SMCCC_OWNER_TRUSTED_APP_LAST  49
#define SMCCC_OWNER_TRUSTED_OS_FIRST  50
#define SMCCC_OWNER_TRUSTED_OS_LAST   63

#define SMCCC_FID(fast, is64, owner, num)                                                       \
	(((fast) ? SMCCC_FAST_CALL : 0u) | ((is64) ? SMCCC_CONV_64 : 0u) |                      \
	 ((uint32_t)(owner) << SMCCC_OWNER_SHIFT) | (uint32_t)(num))

static inline bool smccc_is_fast(uint32_t fid)
{
	return fid & SMCCC_FAST_CALL;
}

static inline bool smccc_is_64(uint32_t fid)
{
	return fid & SMCCC_CONV_64;
}

static inline unsigned smccc_owner(uint32_t fid)
{
	return (fid >> SMCCC_OWNER_SHIFT) & SMCCC_OWNER_MASK;
}

static inline unsigned smccc_func_num(uint32_t fid)
{
	return fid & SMCCC_FUNC_NUM_MASK;
}

static inline bool smccc_sve_hint(uint32_t fid)
{
	return fid & SMCCC_SVE_HINT;
}

/* The identifier with the SVE hint cleared, as handlers dispatch on it. */
static inline uint32_t smccc_fid_base(uint32_t fid)
{
	return fid & ~SMCCC_SVE_HINT;
}

/* Fast calls must have bits [23:17] clear; anything else is not a valid id. */
static inline bool smccc_fid_is_wellformed(uint32_t fid)
{
	return !smccc_is_fast(fid) || !(fid & SMCCC_MBZ_MASK);
}

/* SMCCC return codes (in W0/X0) */
#define SMCCC_RET_SUCCESS           0
#define SMCCC_RET_NOT_SUPPORTED     (-1)
#define SMCCC_RET_NOT_REQUIRED      (-2)
#define SMCCC_RET_INVALID_PARAMETER (-3)

/* Arm architecture calls, owner 0 */
#define SMCCC_VERSION                   0x80000000u
#define SMCCC_ARCH_FEATURES             0x80000001u
#define SMCCC_ARCH_SOC_ID               0x80000002u
#define SMCCC_ARCH_SOC_ID_SMC64         0xc0000002u /* SoC name, SMCCC v1.6 */
#define SMCCC_ARCH_FEATURE_AVAILABILITY 0xc0000003u
#define SMCCC_ARCH_WORKAROUND_4         0x80000004u /* CVE-2024-7881 */
#define SMCCC_ARCH_WORKAROUND_3         0x80003fffu /* CVE-2022-23960, Spectre-BHB */
#define SMCCC_ARCH_WORKAROUND_2         0x80007fffu /* CVE-2018-3639, SSB */
#define SMCCC_ARCH_WORKAROUND_1         0x80008000u /* CVE-2017-5715, Spectre v2 */

/* Service queries present in every standard and vendor service range */
#define SMCCC_STD_CALL_COUNT 0x8400ff00u
#define SMCCC_STD_CALL_UID   0x8400ff01u
#define SMCCC_STD_REVISION   0x8400ff03u
#define SMCCC_STD_HYP_CALL_COUNT 0x8500ff00u
#define SMCCC_STD_HYP_CALL_UID   0x8500ff01u
#define SMCCC_STD_HYP_REVISION   0x8500ff03u

/* PSCI 1.1 (and the 1.3 additions), owner 4, functions 0x00..0x1f */
#define PSCI_VERSION                       0x84000000u
#define PSCI_CPU_SUSPEND_SMC32             0x84000001u
#define PSCI_CPU_SUSPEND_SMC64             0xc4000001u
#define PSCI_CPU_OFF                       0x84000002u
#define PSCI_CPU_ON_SMC32                  0x84000003u
#define PSCI_CPU_ON_SMC64                  0xc4000003u
#define PSCI_AFFINITY_INFO_SMC32           0x84000004u
#define PSCI_AFFINITY_INFO_SMC64           0xc4000004u
#define PSCI_MIGRATE_SMC32                 0x84000005u
#define PSCI_MIGRATE_SMC64                 0xc4000005u
#define PSCI_MIGRATE_INFO_TYPE             0x84000006u
#define PSCI_MIGRATE_INFO_UP_CPU_SMC32     0x84000007u
#define PSCI_MIGRATE_INFO_UP_CPU_SMC64     0xc4000007u
#define PSCI_SYSTEM_OFF                    0x84000008u
#define PSCI_SYSTEM_RESET                  0x84000009u
#define PSCI_FEATURES                      0x8400000au
#define PSCI_CPU_FREEZE                    0x8400000bu
#define PSCI_CPU_DEFAULT_SUSPEND_SMC32     0x8400000cu
#define PSCI_CPU_DEFAULT_SUSPEND_SMC64     0xc400000cu
#define PSCI_NODE_HW_STATE_SMC32           0x8400000du
#define PSCI_NODE_HW_STATE_SMC64           0xc400000du
#define PSCI_SYSTEM_SUSPEND_SMC32          0x8400000eu
#define PSCI_SYSTEM_SUSPEND_SMC64          0xc400000eu
#define PSCI_SET_SUSPEND_MODE              0x8400000fu
#define PSCI_STAT_RESIDENCY_SMC32          0x84000010u
#define PSCI_STAT_RESIDENCY_SMC64          0xc4000010u
#define PSCI_STAT_COUNT_SMC32              0x84000011u
#define PSCI_STAT_COUNT_SMC64              0xc4000011u
#define PSCI_SYSTEM_RESET2_SMC32           0x84000012u
#define PSCI_SYSTEM_RESET2_SMC64           0xc4000012u
#define PSCI_MEM_PROTECT                   0x84000013u
#define PSCI_MEM_PROTECT_CHECK_RANGE_SMC32 0x84000014u
#define PSCI_MEM_PROTECT_CHECK_RANGE_SMC64 0xc4000014u
#define PSCI_SYSTEM_OFF2_SMC32             0x84000015u /* PSCI 1.3 */
#define PSCI_SYSTEM_OFF2_SMC64             0xc4000015u
#define PSCI_CLEAN_INV_MEMREGION           0xc4000016u /* PSCI 1.3 */
#define PSCI_CLEAN_INV_MEMREGION_ATTRIBUTES 0x84000017u

/* PSCI return codes */
#define PSCI_RET_SUCCESS            0
#define PSCI_RET_NOT_SUPPORTED      (-1)
#define PSCI_RET_INVALID_PARAMETERS (-2)
#define PSCI_RET_DENIED             (-3)
#define PSCI_RET_ALREADY_ON         (-4)
#define PSCI_RET_ON_PENDING         (-5)
#define PSCI_RET_INTERNAL_FAILURE   (-6)
#define PSCI_RET_NOT_PRESENT        (-7)
#define PSCI_RET_DISABLED           (-8)
#define PSCI_RET_INVALID_ADDRESS    (-9)
#define PSCI_RET_TIMEOUT            (-10) /* PSCI 1.3 */
#define PSCI_RET_RATE_LIMITED       (-11)
#define PSCI_RET_BUSY               (-12)

/* PSCI_VERSION and SMCCC_VERSION results: major in [30:16], minor in [15:0] */
#define PSCI_VERSION_MAJOR(v) (((uint32_t)(v) >> 16) & 0x7fffu)
#define PSCI_VERSION_MINOR(v) ((uint32_t)(v) & 0xffffu)
#define PSCI_VERSION_OF(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define PSCI_VERSION_1_1  0x00010001u
#define SMCCC_VERSION_1_1 0x00010001u

/* AFFINITY_INFO answers */
#define PSCI_AFF_ON         0
#define PSCI_AFF_OFF        1
#define PSCI_AFF_ON_PENDING 2

/* MIGRATE_INFO_TYPE: no Trusted OS, so migration is not required. */
#define PSCI_MIGRATE_NOT_REQUIRED 2

/* SDEI 1.x (DEN0054), owner 4, all SMC64: function n is SDEI_FN(n). */
#define SDEI_FN(n)                     (0xc4000020u + (n))
#define SDEI_VERSION                   SDEI_FN(0x0)
#define SDEI_EVENT_REGISTER            SDEI_FN(0x1)
#define SDEI_EVENT_ENABLE              SDEI_FN(0x2)
#define SDEI_EVENT_DISABLE             SDEI_FN(0x3)
#define SDEI_EVENT_CONTEXT             SDEI_FN(0x4)
#define SDEI_EVENT_COMPLETE            SDEI_FN(0x5)
#define SDEI_EVENT_COMPLETE_AND_RESUME SDEI_FN(0x6)
#define SDEI_EVENT_UNREGISTER          SDEI_FN(0x7)
#define SDEI_EVENT_STATUS              SDEI_FN(0x8)
#define SDEI_EVENT_GET_INFO            SDEI_FN(0x9)
#define SDEI_EVENT_ROUTING_SET         SDEI_FN(0xa)
#define SDEI_PE_MASK                   SDEI_FN(0xb)
#define SDEI_PE_UNMASK                 SDEI_FN(0xc)
#define SDEI_INTERRUPT_BIND            SDEI_FN(0xd)
#define SDEI_INTERRUPT_RELEASE         SDEI_FN(0xe)
#define SDEI_EVENT_SIGNAL              SDEI_FN(0xf)
#define SDEI_FEATURES                  SDEI_FN(0x10)
#define SDEI_PRIVATE_RESET             SDEI_FN(0x11)
#define SDEI_SHARED_RESET              SDEI_FN(0x12)

/* SDEI error codes, returned in x0 as 64-bit values. */
#define SDEI_SUCCESS            0
#define SDEI_NOT_SUPPORTED      (-1)
#define SDEI_INVALID_PARAMETERS (-2)
#define SDEI_DENIED             (-3)
#define SDEI_PENDING            (-5)
#define SDEI_OUT_OF_RESOURCE    (-10)

/* EVENT_STATUS bits. */
#define SDEI_ST_REGISTERED (1u << 0)
#define SDEI_ST_ENABLED    (1u << 1)
#define SDEI_ST_RUNNING    (1u << 2)

/* EVENT_GET_INFO types; EVENT_REGISTER and ROUTING_SET routing modes. */
#define SDEI_INFO_TYPE         0
#define SDEI_INFO_SIGNALED     1
#define SDEI_INFO_PRIORITY     2
#define SDEI_INFO_ROUTING_MODE 3
#define SDEI_INFO_ROUTING_AFF  4
#define SDEI_RM_ANY            0u
#define SDEI_RM_PE             1u

/* TRNG firmware interface 1.0, owner 4 */
#define TRNG_VERSION      0x84000050u
#define TRNG_FEATURES     0x84000051u
#define TRNG_GET_UUID     0x84000052u
#define TRNG_RND_SMC32    0x84000053u
#define TRNG_RND_SMC64    0xc4000053u

#define TRNG_RET_SUCCESS            0
#define TRNG_RET_NOT_SUPPORTED      (-1)
#define TRNG_RET_INVALID_PARAMETERS (-2)
#define TRNG_RET_NO_ENTROPY         (-3)

/* Paravirtualized time (DEN0057), standard hypervisor service, owner 5 */
#define PV_TIME_FEATURES 0xc5000020u
#define PV_TIME_ST       0xc5000021u

/*
 * Name of a function id ("PSCI_CPU_ON_SMC64", "SMCCC_VERSION",
 * "HYPSCOPE_NOP"), with the SVE hint ignored. NULL when unknown.
 */
const char *smccc_name(uint32_t fid);
/* "ARCH", "CPU", "SIP", "OEM", "STD", "STD_HYP", "VENDOR_HYP", "VENDOR_EL3",
 * "TRUSTED_APP", "TRUSTED_OS", or "RESERVED". */
const char *smccc_owner_name(unsigned owner);
/* "SUCCESS", "NOT_SUPPORTED", ... or NULL for an undefined code. */
const char *psci_ret_name(int32_t ret);
/* "SUCCESS", "NOT_SUPPORTED", "NOT_REQUIRED", "INVALID_PARAMETER" or NULL. */
const char *smccc_ret_name(int32_t ret);

/* The name table itself, for listings and tests. */
struct smccc_fid_name {
	uint32_t fid;
	const char *name;
};

const struct smccc_fid_name *smccc_name_table(size_t *count);

#endif
