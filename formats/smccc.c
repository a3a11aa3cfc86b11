/*
 * Names of SMCCC function identifiers and return codes.
 *
 * Freestanding: linked at EL2 as well as into the host tools.
 */
#include "formats/smccc.h"

#include <stddef.h>

#include "formats/hypercall.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FID(name)     { name, #name }

/* Sorted by fid so lookups can bisect; the unit test keeps it so. */
static const struct smccc_fid_name fids[] = {
	FID(SMCCC_VERSION),
	FID(SMCCC_ARCH_FEATURES),
	FID(SMCCC_ARCH_SOC_ID),
	FID(SMCCC_ARCH_WORKAROUND_4),
	FID(SMCCC_ARCH_WORKAROUND_3),
	FID(SMCCC_ARCH_WORKAROUND_2),
	FID(SMCCC_ARCH_WORKAROUND_1),
	FID(PSCI_VERSION),
	FID(PSCI_CPU_SUSPEND_SMC32),
	FID(PSCI_CPU_OFF),
	FID(PSCI_CPU_ON_SMC32),
	FID(PSCI_AFFINITY_INFO_SMC32),
	FID(PSCI_MIGRATE_SMC32),
	FID(PSCI_MIGRATE_INFO_TYPE),
	FID(PSCI_MIGRATE_INFO_UP_CPU_SMC32),
	FID(PSCI_SYSTEM_OFF),
	FID(PSCI_SYSTEM_RESET),
	FID(PSCI_FEATURES),
	FID(PSCI_CPU_FREEZE),
	FID(PSCI_CPU_DEFAULT_SUSPEND_SMC32),
	FID(PSCI_NODE_HW_STATE_SMC32),
	FID(PSCI_SYSTEM_SUSPEND_SMC32),
	FID(PSCI_SET_SUSPEND_MODE),
	FID(PSCI_STAT_RESIDENCY_SMC32),
	FID(PSCI_STAT_COUNT_SMC32),
	FID(PSCI_SYSTEM_RESET2_SMC32),
	FID(PSCI_MEM_PROTECT),
	FID(PSCI_MEM_PROTECT_CHECK_RANGE_SMC32),
	FID(PSCI_SYSTEM_OFF2_SMC32),
	FID(PSCI_CLEAN_INV_MEMREGION_ATTRIBUTES),
	FID(TRNG_VERSION),
	FID(TRNG_FEATURES),
	FID(TRNG_GET_UUID),
	FID(TRNG_RND_SMC32),
	FID(SMCCC_STD_CALL_COUNT),
	FID(SMCCC_STD_CALL_UID),
	FID(SMCCC_STD_REVISION),
	FID(SMCCC_STD_HYP_CALL_COUNT),
	FID(SMCCC_STD_HYP_CALL_UID),
	FID(SMCCC_STD_HYP_REVISION),
	FID(HYPSCOPE_HVC_CALL_COUNT),
	FID(HYPSCOPE_HVC_CALL_UID),
	FID(HYPSCOPE_HVC_REVISION),
	FID(SMCCC_ARCH_SOC_ID_SMC64),
	FID(SMCCC_ARCH_FEATURE_AVAILABILITY),
	FID(PSCI_CPU_SUSPEND_SMC64),
	FID(PSCI_CPU_ON_SMC64),
	FID(PSCI_AFFINITY_INFO_SMC64),
	FID(PSCI_MIGRATE_SMC64),
	FID(PSCI_MIGRATE_INFO_UP_CPU_SMC64),
	FID(PSCI_CPU_DEFAULT_SUSPEND_SMC64),
	FID(PSCI_NODE_HW_STATE_SMC64),
	FID(PSCI_SYSTEM_SUSPEND_SMC64),
	FID(PSCI_STAT_RESIDENCY_SMC64),
	FID(PSCI_STAT_COUNT_SMC64),
	FID(PSCI_SYSTEM_RESET2_SMC64),
	FID(PSCI_MEM_PROTECT_CHECK_RANGE_SMC64),
	FID(PSCI_SYSTEM_OFF2_SMC64),
	FID(PSCI_CLEAN_INV_MEMREGION),
	FID(SDEI_VERSION),
	FID(SDEI_EVENT_REGISTER),
	FID(SDEI_EVENT_ENABLE),
	FID(SDEI_EVENT_DISABLE),
	FID(SDEI_EVENT_CONTEXT),
	FID(SDEI_EVENT_COMPLETE),
	FID(SDEI_EVENT_COMPLETE_AND_RESUME),
	FID(SDEI_EVENT_UNREGISTER),
	FID(SDEI_EVENT_STATUS),
	FID(SDEI_EVENT_GET_INFO),
	FID(SDEI_EVENT_ROUTING_SET),
	FID(SDEI_PE_MASK),
	FID(SDEI_PE_UNMASK),
	FID(SDEI_INTERRUPT_BIND),
	FID(SDEI_INTERRUPT_RELEASE),
	FID(SDEI_EVENT_SIGNAL),
	FID(SDEI_FEATURES),
	FID(SDEI_PRIVATE_RESET),
	FID(SDEI_SHARED_RESET),
	FID(TRNG_RND_SMC64),
	FID(PV_TIME_FEATURES),
	FID(PV_TIME_ST),
	FID(HYPSCOPE_HVC_NOP),
	FID(HYPSCOPE_HVC_EXIT),
	FID(HYPSCOPE_HVC_VM_INFO),
	FID(HYPSCOPE_HVC_PCPU),
};

const struct smccc_fid_name *smccc_name_table(size_t *count)
{
	*count = ARRAY_SIZE(fids);
	return fids;
}

const char *smccc_name(uint32_t fid)
{
	uint32_t want = smccc_fid_base(fid);
	size_t lo = 0;
	size_t hi = ARRAY_SIZE(fids);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fids[mid].fid == want)
			return fids[mid].name;
		if (fids[mid].fid < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *const owner_name[] = {
	[SMCCC_OWNER_ARCH] = "ARCH",
	[SMCCC_OWNER_CPU] = "CPU",
	[SMCCC_OWNER_SIP] = "SIP",
	[SMCCC_OWNER_OEM] = "OEM",
	[SMCCC_OWNER_STD] = "STD",
	[SMCCC_OWNER_STD_HYP] = "STD_HYP",
	[SMCCC_OWNER_VENDOR_HYP] = "VENDOR_HYP",
	[SMCCC_OWNER_VENDOR_EL3] = "VENDOR_EL3",
};

const char *smccc_owner_name(unsigned owner)
{
	if (owner < ARRAY_SIZE(owner_name))
		return owner_name[owner];
	if (owner >= SMCCC_OWNER_TRUSTED_APP_FIRST && owner <= SMCCC_OWNER_TRUSTED_APP_LAST)
		return "TRUSTED_APP";
	if (owner >= SMCCC_OWNER_TRUSTED_OS_FIRST && owner <= SMCCC_OWNER_TRUSTED_OS_LAST)
		return "TRUSTED_OS";
	return "RESERVED";
}

/* Indexed by -ret. */
static const char *const psci_ret[] = {
	"SUCCESS",          "NOT_SUPPORTED", "INVALID_PARAMETERS", "DENIED",
	"ALREADY_ON",       "ON_PENDING",    "INTERNAL_FAILURE",   "NOT_PRESENT",
	"DISABLED",         "INVALID_ADDRESS", "TIMEOUT",          "RATE_LIMITED",
	"BUSY",
};

const char *psci_ret_name(int32_t ret)
{
	if (ret > 0 || (uint32_t)-(int64_t)ret >= ARRAY_SIZE(psci_ret))
		return NULL;
	return psci_ret[-(int64_t)ret];
}

static const char *const smccc_ret[] = {
	"SUCCESS",
	"NOT_SUPPORTED",
	"NOT_REQUIRED",
	"INVALID_PARAMETER",
};

const char *smccc_ret_name(int32_t ret)
{
	if (ret > 0 || (uint32_t)-(int64_t)ret >= ARRAY_SIZE(smccc_ret))
		return NULL;
	return smccc_ret[-(int64_t)ret];
}
