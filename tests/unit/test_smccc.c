/*
 * SMCCC function ids and their names: the field layout of DEN0028, the
 * PSCI/SDEI/TRNG numbering, hypscope's own hypercalls, return codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "formats/esr_fmt.h"
#include "formats/hypercall.h"
#include "formats/smccc.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ------------------------------------------------------------ fields */

static void test_fid_fields_of_psci_cpu_on_smc64(void **state)
{
	(void)state;
	assert_int_equal(PSCI_CPU_ON_SMC64, 0xc4000003u);
	assert_true(smccc_is_fast(PSCI_CPU_ON_SMC64));
	assert_true(smccc_is_64(PSCI_CPU_ON_SMC64));
	assert_int_equal(smccc_owner(PSCI_CPU_ON_SMC64), SMCCC_OWNER_STD);
	assert_int_equal(smccc_func_num(PSCI_CPU_ON_SMC64), 3);
	assert_false(smccc_is_64(PSCI_CPU_ON_SMC32));
}

static void test_fid_fields_of_hypscope_hypercalls(void **state)
{
	(void)state;
	assert_int_equal(smccc_owner(HYPSCOPE_HVC_NOP), SMCCC_OWNER_VENDOR_HYP);
	assert_true(smccc_is_64(HYPSCOPE_HVC_NOP));
	assert_true(smccc_is_fast(HYPSCOPE_HVC_NOP));
	assert_int_equal(smccc_func_num(HYPSCOPE_HVC_PCPU), 3);
	assert_int_equal(smccc_owner(HYPSCOPE_HVC_CALL_UID), SMCCC_OWNER_VENDOR_HYP);
	assert_false(smccc_is_64(HYPSCOPE_HVC_CALL_UID));
	assert_int_equal(smccc_func_num(HYPSCOPE_HVC_CALL_UID), 0xff01);
}

static void test_fid_macro_builds_ids_from_fields(void **state)
{
	(void)state;
	assert_int_equal(SMCCC_FID(1, 1, SMCCC_OWNER_STD, 3), PSCI_CPU_ON_SMC64);
	assert_int_equal(SMCCC_FID(1, 0, SMCCC_OWNER_STD, 0), PSCI_VERSION);
	assert_int_equal(SMCCC_FID(1, 0, SMCCC_OWNER_ARCH, 0x8000), SMCCC_ARCH_WORKAROUND_1);
	assert_int_equal(SMCCC_FID(1, 1, SMCCC_OWNER_VENDOR_HYP, 1), HYPSCOPE_HVC_EXIT);
	assert_int_equal(SMCCC_FID(0, 0, SMCCC_OWNER_TRUSTED_OS_FIRST, 5), 0x32000005u);
}

static void test_sve_hint_is_bit_16_and_wellformedness(void **state)
{
	(void)state;
	assert_true(smccc_sve_hint(PSCI_CPU_ON_SMC64 | (1u << 16)));
	assert_false(smccc_sve_hint(PSCI_CPU_ON_SMC64));
	assert_int_equal(smccc_fid_base(PSCI_CPU_ON_SMC64 | SMCCC_SVE_HINT), PSCI_CPU_ON_SMC64);
	assert_true(smccc_fid_is_wellformed(PSCI_CPU_ON_SMC64 | SMCCC_SVE_HINT));
	assert_false(smccc_fid_is_wellformed(0x84020000u)); /* bit 17 must be zero */
	assert_false(smccc_fid_is_wellformed(0x84800000u)); /* bit 23 must be zero */
	assert_true(smccc_fid_is_wellformed(0x04020000u));  /* yielding calls differ */
}

/* ------------------------------------------------------------- table */

static void test_table_is_sorted_with_unique_fids_and_names(void **state)
{
	const struct smccc_fid_name *t;
	size_t n, i, j;

	(void)state;
	t = smccc_name_table(&n);
	assert_true(n > 60);
	for (i = 1; i < n; i++)
		if (t[i - 1].fid >= t[i].fid)
			fail_msg("%s must come after %s", t[i - 1].name, t[i].name);
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			assert_string_not_equal(t[i].name, t[j].name);
}

/* Every named id is a well-formed fast call whose fields agree with its name. */
static void test_table_ids_agree_with_their_names(void **state)
{
	const struct smccc_fid_name *t;
	size_t n, i;

	(void)state;
	t = smccc_name_table(&n);
	for (i = 0; i < n; i++) {
		uint32_t fid = t[i].fid;
		const char *name = t[i].name;

		assert_true(smccc_is_fast(fid));
		assert_true(smccc_fid_is_wellformed(fid));
		assert_false(smccc_sve_hint(fid));
		if (ends_with(name, "_SMC64"))
			assert_true(smccc_is_64(fid));
		if (ends_with(name, "_SMC32"))
			assert_false(smccc_is_64(fid));
		if (starts_with(name, "PSCI_")) {
			assert_int_equal(smccc_owner(fid), SMCCC_OWNER_STD);
			assert_true(smccc_func_num(fid) < 0x20);
		} else if (starts_with(name, "SDEI_")) {
			assert_int_equal(smccc_owner(fid), SMCCC_OWNER_STD);
			assert_true(smccc_func_num(fid) >= 0x20 && smccc_func_num(fid) < 0x40);
			assert_true(smccc_is_64(fid));
		} else if (starts_with(name, "TRNG_")) {
			assert_int_equal(smccc_owner(fid), SMCCC_OWNER_STD);
			assert_true(smccc_func_num(fid) >= 0x50 && smccc_func_num(fid) < 0x60);
		} else if (starts_with(name, "SMCCC_ARCH_") || strcmp(name, "SMCCC_VERSION") == 0) {
			assert_int_equal(smccc_owner(fid), SMCCC_OWNER_ARCH);
		} else if (starts_with(name, "SMCCC_STD_HYP_") || starts_with(name, "PV_TIME_")) {
			assert_int_equal(smccc_owner(fid), SMCCC_OWNER_STD_HYP);
		} else if (starts_with(name, "SMCCC_STD_")) {
			assert_int_equal(smccc_owner(fid), SMCCC_OWNER_STD);
		} else if (starts_with(name, "HYPSCOPE_")) {
			assert_int_equal(smccc_owner(fid), SMCCC_OWNER_VENDOR_HYP);
		} else {
			fail_msg("%s belongs to no known service", name);
		}
	}
}

/* PSCI functions with both conventions differ only in bit 30. */
static void test_psci_smc32_and_smc64_pairs_differ_only_in_convention(void **state)
{
	static const uint32_t pairs[][2] = {
		{ PSCI_CPU_SUSPEND_SMC32, PSCI_CPU_SUSPEND_SMC64 },
		{ PSCI_CPU_ON_SMC32, PSCI_CPU_ON_SMC64 },
		{ PSCI_AFFINITY_INFO_SMC32, PSCI_AFFINITY_INFO_SMC64 },
		{ PSCI_MIGRATE_SMC32, PSCI_MIGRATE_SMC64 },
		{ PSCI_MIGRATE_INFO_UP_CPU_SMC32, PSCI_MIGRATE_INFO_UP_CPU_SMC64 },
		{ PSCI_CPU_DEFAULT_SUSPEND_SMC32, PSCI_CPU_DEFAULT_SUSPEND_SMC64 },
		{ PSCI_NODE_HW_STATE_SMC32, PSCI_NODE_HW_STATE_SMC64 },
		{ PSCI_SYSTEM_SUSPEND_SMC32, PSCI_SYSTEM_SUSPEND_SMC64 },
		{ PSCI_STAT_RESIDENCY_SMC32, PSCI_STAT_RESIDENCY_SMC64 },
		{ PSCI_STAT_COUNT_SMC32, PSCI_STAT_COUNT_SMC64 },
		{ PSCI_SYSTEM_RESET2_SMC32, PSCI_SYSTEM_RESET2_SMC64 },
		{ PSCI_MEM_PROTECT_CHECK_RANGE_SMC32, PSCI_MEM_PROTECT_CHECK_RANGE_SMC64 },
		{ PSCI_SYSTEM_OFF2_SMC32, PSCI_SYSTEM_OFF2_SMC64 },
		{ TRNG_RND_SMC32, TRNG_RND_SMC64 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		assert_int_equal(pairs[i][0] | SMCCC_CONV_64, pairs[i][1]);
}

/* ------------------------------------------------------------- names */

static void test_psci_1_1_function_names(void **state)
{
	(void)state;
	assert_string_equal(smccc_name(0x84000000), "PSCI_VERSION");
	assert_string_equal(smccc_name(0x84000001), "PSCI_CPU_SUSPEND_SMC32");
	assert_string_equal(smccc_name(0xc4000001), "PSCI_CPU_SUSPEND_SMC64");
	assert_string_equal(smccc_name(0x84000002), "PSCI_CPU_OFF");
	assert_string_equal(smccc_name(0xc4000003), "PSCI_CPU_ON_SMC64");
	assert_string_equal(smccc_name(0xc4000004), "PSCI_AFFINITY_INFO_SMC64");
	assert_string_equal(smccc_name(0x84000006), "PSCI_MIGRATE_INFO_TYPE");
	assert_string_equal(smccc_name(0x84000008), "PSCI_SYSTEM_OFF");
	assert_string_equal(smccc_name(0x84000009), "PSCI_SYSTEM_RESET");
	assert_string_equal(smccc_name(0x8400000a), "PSCI_FEATURES");
	assert_string_equal(smccc_name(0x8400000b), "PSCI_CPU_FREEZE");
	assert_string_equal(smccc_name(0xc400000c), "PSCI_CPU_DEFAULT_SUSPEND_SMC64");
	assert_string_equal(smccc_name(0xc400000d), "PSCI_NODE_HW_STATE_SMC64");
	assert_string_equal(smccc_name(0xc400000e), "PSCI_SYSTEM_SUSPEND_SMC64");
	assert_string_equal(smccc_name(0x8400000f), "PSCI_SET_SUSPEND_MODE");
	assert_string_equal(smccc_name(0xc4000010), "PSCI_STAT_RESIDENCY_SMC64");
	assert_string_equal(smccc_name(0xc4000011), "PSCI_STAT_COUNT_SMC64");
	assert_string_equal(smccc_name(0xc4000012), "PSCI_SYSTEM_RESET2_SMC64");
	assert_string_equal(smccc_name(0x84000013), "PSCI_MEM_PROTECT");
	assert_string_equal(smccc_name(0xc4000014), "PSCI_MEM_PROTECT_CHECK_RANGE_SMC64");
}

static void test_arch_trng_sdei_names(void **state)
{
	(void)state;
	assert_string_equal(smccc_name(0x80000000), "SMCCC_VERSION");
	assert_string_equal(smccc_name(0x80000001), "SMCCC_ARCH_FEATURES");
	assert_string_equal(smccc_name(0x80000002), "SMCCC_ARCH_SOC_ID");
	assert_string_equal(smccc_name(0x80008000), "SMCCC_ARCH_WORKAROUND_1");
	assert_string_equal(smccc_name(0x80007fff), "SMCCC_ARCH_WORKAROUND_2");
	assert_string_equal(smccc_name(0x80003fff), "SMCCC_ARCH_WORKAROUND_3");
	assert_string_equal(smccc_name(0x84000050), "TRNG_VERSION");
	assert_string_equal(smccc_name(0x84000051), "TRNG_FEATURES");
	assert_string_equal(smccc_name(0x84000052), "TRNG_GET_UUID");
	assert_string_equal(smccc_name(0xc4000053), "TRNG_RND_SMC64");
	assert_string_equal(smccc_name(0xc4000020), "SDEI_VERSION");
	assert_string_equal(smccc_name(0xc4000025), "SDEI_EVENT_COMPLETE");
	assert_string_equal(smccc_name(0xc4000032), "SDEI_SHARED_RESET");
}

static void test_hypscope_hypercalls_are_named(void **state)
{
	(void)state;
	assert_string_equal(smccc_name(HYPSCOPE_HVC_CALL_COUNT), "HYPSCOPE_HVC_CALL_COUNT");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_CALL_UID), "HYPSCOPE_HVC_CALL_UID");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_REVISION), "HYPSCOPE_HVC_REVISION");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_NOP), "HYPSCOPE_HVC_NOP");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_EXIT), "HYPSCOPE_HVC_EXIT");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_VM_INFO), "HYPSCOPE_HVC_VM_INFO");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_PCPU), "HYPSCOPE_HVC_PCPU");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_EL2_INSNS), "HYPSCOPE_HVC_EL2_INSNS");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_TRACE_EMIT), "HYPSCOPE_HVC_TRACE_EMIT");
	assert_string_equal(smccc_name(HYPSCOPE_HVC_YIELD), "HYPSCOPE_HVC_YIELD");
}

static void test_lookup_ignores_sve_hint_and_misses_unknown_ids(void **state)
{
	(void)state;
	assert_string_equal(smccc_name(PSCI_CPU_ON_SMC64 | SMCCC_SVE_HINT), "PSCI_CPU_ON_SMC64");
	assert_null(smccc_name(0x84000063)); /* FF-A version: not named here */
	assert_null(smccc_name(0x8400ff02)); /* reserved service query */
	assert_null(smccc_name(0xc6000007)); /* past the vendor calls hypscope has */
	assert_null(smccc_name(0));
	assert_null(smccc_name(0xffffffff));
}

static void test_owner_names_cover_every_range(void **state)
{
	(void)state;
	assert_string_equal(smccc_owner_name(0), "ARCH");
	assert_string_equal(smccc_owner_name(1), "CPU");
	assert_string_equal(smccc_owner_name(2), "SIP");
	assert_string_equal(smccc_owner_name(3), "OEM");
	assert_string_equal(smccc_owner_name(4), "STD");
	assert_string_equal(smccc_owner_name(5), "STD_HYP");
	assert_string_equal(smccc_owner_name(6), "VENDOR_HYP");
	assert_string_equal(smccc_owner_name(7), "VENDOR_EL3");
	assert_string_equal(smccc_owner_name(8), "RESERVED");
	assert_string_equal(smccc_owner_name(47), "RESERVED");
	assert_string_equal(smccc_owner_name(48), "TRUSTED_APP");
	assert_string_equal(smccc_owner_name(49), "TRUSTED_APP");
	assert_string_equal(smccc_owner_name(50), "TRUSTED_OS");
	assert_string_equal(smccc_owner_name(63), "TRUSTED_OS");
	assert_string_equal(smccc_owner_name(64), "RESERVED");
}

static void test_psci_return_code_names(void **state)
{
	(void)state;
	assert_string_equal(psci_ret_name(PSCI_RET_SUCCESS), "SUCCESS");
	assert_string_equal(psci_ret_name(-1), "NOT_SUPPORTED");
	assert_string_equal(psci_ret_name(-2), "INVALID_PARAMETERS");
	assert_string_equal(psci_ret_name(-3), "DENIED");
	assert_string_equal(psci_ret_name(-4), "ALREADY_ON");
	assert_string_equal(psci_ret_name(-5), "ON_PENDING");
	assert_string_equal(psci_ret_name(-6), "INTERNAL_FAILURE");
	assert_string_equal(psci_ret_name(-7), "NOT_PRESENT");
	assert_string_equal(psci_ret_name(-8), "DISABLED");
	assert_string_equal(psci_ret_name(PSCI_RET_INVALID_ADDRESS), "INVALID_ADDRESS");
	assert_string_equal(psci_ret_name(PSCI_RET_BUSY), "BUSY");
	assert_null(psci_ret_name(-13));
	assert_null(psci_ret_name(1));
	assert_null(psci_ret_name(INT32_MIN));
	assert_null(psci_ret_name(INT32_MAX));
}

static void test_smccc_return_code_names(void **state)
{
	(void)state;
	assert_string_equal(smccc_ret_name(SMCCC_RET_SUCCESS), "SUCCESS");
	assert_string_equal(smccc_ret_name(SMCCC_RET_NOT_SUPPORTED), "NOT_SUPPORTED");
	assert_string_equal(smccc_ret_name(SMCCC_RET_NOT_REQUIRED), "NOT_REQUIRED");
	assert_string_equal(smccc_ret_name(SMCCC_RET_INVALID_PARAMETER), "INVALID_PARAMETER");
	assert_null(smccc_ret_name(-4));
	assert_null(smccc_ret_name(INT32_MIN));
}

static void test_version_words_split_major_and_minor(void **state)
{
	(void)state;
	assert_int_equal(PSCI_VERSION_OF(1, 1), 0x10001);
	assert_int_equal(PSCI_VERSION_MAJOR(0x10003), 1);
	assert_int_equal(PSCI_VERSION_MINOR(0x10003), 3);
}

static void test_format_names_known_and_describes_unknown_ids(void **state)
{
	char buf[64];

	(void)state;
	smccc_format(buf, sizeof(buf), PSCI_CPU_ON_SMC64);
	assert_string_equal(buf, "PSCI_CPU_ON_SMC64");
	smccc_format(buf, sizeof(buf), PSCI_CPU_ON_SMC64 | SMCCC_SVE_HINT);
	assert_string_equal(buf, "PSCI_CPU_ON_SMC64 sve-hint");
	smccc_format(buf, sizeof(buf), 0x84000063);
	assert_string_equal(buf, "smc32 fast owner=STD fn=0x63");
	smccc_format(buf, sizeof(buf), 0x32000005);
	assert_string_equal(buf, "smc32 yielding owner=TRUSTED_OS fn=0x5");
	assert_int_equal(smccc_format(NULL, 0, HYPSCOPE_HVC_NOP), (int)strlen("HYPSCOPE_HVC_NOP"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fid_fields_of_psci_cpu_on_smc64),
		cmocka_unit_test(test_fid_fields_of_hypscope_hypercalls),
		cmocka_unit_test(test_fid_macro_builds_ids_from_fields),
		cmocka_unit_test(test_sve_hint_is_bit_16_and_wellformedness),
		cmocka_unit_test(test_table_is_sorted_with_unique_fids_and_names),
		cmocka_unit_test(test_table_ids_agree_with_their_names),
		cmocka_unit_test(test_psci_smc32_and_smc64_pairs_differ_only_in_convention),
		cmocka_unit_test(test_psci_1_1_function_names),
		cmocka_unit_test(test_arch_trng_sdei_names),
		cmocka_unit_test(test_hypscope_hypercalls_are_named),
		cmocka_unit_test(test_lookup_ignores_sve_hint_and_misses_unknown_ids),
		cmocka_unit_test(test_owner_names_cover_every_range),
		cmocka_unit_test(test_psci_return_code_names),
		cmocka_unit_test(test_smccc_return_code_names),
		cmocka_unit_test(test_version_words_split_major_and_minor),
		cmocka_unit_test(test_format_names_known_and_describes_unknown_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
