/* tracer/lib/vmspec.c: --vm specs, sizes and counts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tracer/lib/vmspec.h"

static void assert_msg_has(const struct hs_err *e, const char *needle)
{
	if (!strstr(e->msg, needle))
		fail_msg("message '%s' does not contain '%s'", e->msg, needle);
}

static void test_size_suffixes_are_binary_units(void **state)
{
	struct hs_err e;
	uint64_t v;

	(void)state;
	assert_int_equal(hs_parse_size("mem=", "64M", &v, &e), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(hs_parse_size("mem=", "2048k", &v, &e), 0);
	assert_int_equal(v, 2048ull << 10);
	assert_int_equal(hs_parse_size("mem=", "1G", &v, &e), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(hs_parse_size("mem=", "3g", &v, &e), 0);
	assert_int_equal(v, 3ull << 30);
	assert_int_equal(hs_parse_size("mem=", "4194304", &v, &e), 0);
	assert_int_equal(v, 4194304);
}

static void test_bad_size_string_is_rejected_with_a_hint(void **state)
{
	static const char *const bad[] = { "12X", "", "M", "-1", "64MB", "1.5G", " 64M", "0x10" };
	struct hs_err e;
	uint64_t v = 12345;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		assert_int_equal(hs_parse_size("mem=", bad[i], &v, &e), -EINVAL);
		assert_msg_has(&e, "not a size");
		assert_msg_has(&e, "K, M or G");
		assert_int_equal(v, 12345);
	}
}

static void test_size_overflow_is_rejected(void **state)
{
	struct hs_err e;
	uint64_t v;

	(void)state;
	assert_int_equal(hs_parse_size("mem=", "17179869184G", &v, &e), -ERANGE);
	assert_msg_has(&e, "too large");
	assert_int_equal(hs_parse_size("mem=", "99999999999999999999", &v, &e), -ERANGE);
}

static void test_uint_range_is_enforced(void **state)
{
	unsigned long v;
	struct hs_err e;

	(void)state;
	assert_int_equal(hs_parse_uint("--cpus", "4", 1, 4, &v, &e), 0);
	assert_int_equal(v, 4);
	assert_int_equal(hs_parse_uint("--cpus", "5", 1, 4, &v, &e), -ERANGE);
	assert_msg_has(&e, "--cpus 5 is out of range: use 1 to 4");
	assert_int_equal(hs_parse_uint("--cpus", "0", 1, 4, &v, &e), -ERANGE);
	assert_int_equal(hs_parse_uint("--cpus", "2x", 1, 4, &v, &e), -EINVAL);
	assert_msg_has(&e, "not a number");
	assert_int_equal(hs_parse_uint("--cpus", "", 1, 4, &v, &e), -EINVAL);
	assert_int_equal(hs_parse_uint("--t", "99999999999999999999999", 1, 10, &v, &e), -ERANGE);
}

static void test_plain_image_gets_defaults_and_indexed_name(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("build/guests/demo.elf", 1, &vm, &e), 0);
	assert_string_equal(vm.image, "build/guests/demo.elf");
	assert_string_equal(vm.name, "demo1");
	assert_int_equal(vm.mem_size, 64ull << 20);
	assert_int_equal(vm.nr_vcpus, 1);
	assert_int_equal(vm.instances, 1);
	assert_string_equal(vm.initrd, "");
	assert_string_equal(vm.cmdline, "");
}

static void test_every_option_is_applied(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("/k/Image:vcpus=4,mem=256M,initrd=/k/rootfs.cpio,"
				      "instances=3,name=linux-a",
				      0, &vm, &e),
			 0);
	assert_string_equal(vm.image, "/k/Image");
	assert_int_equal(vm.nr_vcpus, 4);
	assert_int_equal(vm.mem_size, 256ull << 20);
	assert_string_equal(vm.initrd, "/k/rootfs.cpio");
	assert_int_equal(vm.instances, 3);
	assert_string_equal(vm.name, "linux-a");
}

static void test_sdei_key_sets_the_vm_flag(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("g.elf", 0, &vm, &e), 0);
	assert_int_equal(vm.flags & HYPCFG_VM_F_NO_SDEI, 0);
	assert_int_equal(vmspec_parse("g.elf:sdei=off,vcpus=2", 0, &vm, &e), 0);
	assert_int_equal(vm.flags & HYPCFG_VM_F_NO_SDEI, HYPCFG_VM_F_NO_SDEI);
	assert_int_equal(vmspec_parse("g.elf:sdei=on", 0, &vm, &e), 0);
	assert_int_equal(vm.flags & HYPCFG_VM_F_NO_SDEI, 0);
	assert_int_equal(vmspec_parse("g.elf:sdei=maybe", 0, &vm, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "sdei=on or sdei=off"));
	assert_int_equal(vmspec_parse("g.elf:sdei=off,sdei=on", 0, &vm, &e), -EINVAL);
}

static void test_el2_key_sets_the_vm_flag(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("g.elf", 0, &vm, &e), 0);
	assert_int_equal(vm.flags & HYPCFG_VM_F_EL2, 0);
	assert_int_equal(vmspec_parse("g.elf:el2=on,vcpus=2", 0, &vm, &e), 0);
	assert_int_equal(vm.flags & HYPCFG_VM_F_EL2, HYPCFG_VM_F_EL2);
	assert_int_equal(vm.nr_vcpus, 2);
	assert_string_equal(vm.image, "g.elf");
	assert_int_equal(vmspec_parse("g.elf:el2=off", 0, &vm, &e), 0);
	assert_int_equal(vm.flags & HYPCFG_VM_F_EL2, 0);
	assert_int_equal(vmspec_parse("g.elf:el2=yes", 0, &vm, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "el2=on or el2=off"));
	/* A digit does not start a key: "x:2=..." stays part of the image name. */
	assert_int_equal(vmspec_parse("dir:2=x/g.elf:vcpus=2", 0, &vm, &e), 0);
	assert_string_equal(vm.image, "dir:2=x/g.elf");
}

static void test_cmdline_takes_the_rest_with_commas(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("Image:mem=128M,cmdline=console=ttyAMA0,115200 root=/dev/ram "
				      "name=x",
				      0, &vm, &e),
			 0);
	assert_string_equal(vm.cmdline, "console=ttyAMA0,115200 root=/dev/ram name=x");
	assert_int_equal(vm.mem_size, 128ull << 20);
	assert_string_equal(vm.name, "Image0");
}

static void test_colon_without_key_stays_in_the_path(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("/a:b/c:d.elf:vcpus=2", 0, &vm, &e), 0);
	assert_string_equal(vm.image, "/a:b/c:d.elf");
	assert_int_equal(vm.nr_vcpus, 2);
	assert_int_equal(vmspec_parse("/a:b/g.elf", 0, &vm, &e), 0);
	assert_string_equal(vm.image, "/a:b/g.elf");
	assert_int_equal(vm.nr_vcpus, 1);
}

static void test_mem_must_be_a_multiple_of_2m(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("g.elf:mem=3M", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "mem=3M must be a multiple of 2 MiB");
	assert_int_equal(vmspec_parse("g.elf:mem=1M", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "too small: at least 2M");
	assert_int_equal(vmspec_parse("g.elf:mem=64", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "did you mean 64M?");
	assert_int_equal(vmspec_parse("g.elf:mem=8G", 0, &vm, &e), -ERANGE);
	assert_msg_has(&e, "at most 4G");
	assert_int_equal(vmspec_parse("g.elf:mem=2M", 0, &vm, &e), 0);
	assert_int_equal(vm.mem_size, 2ull << 20);
	assert_int_equal(vmspec_parse("g.elf:mem=64x", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "mem= '64x' is not a size");
}

static void test_vcpus_outside_1_to_4_are_rejected(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("g.elf:vcpus=0", 0, &vm, &e), -ERANGE);
	assert_msg_has(&e, "vcpus=0 is out of range: use 1 to 4");
	assert_int_equal(vmspec_parse("g.elf:vcpus=5", 0, &vm, &e), -ERANGE);
	assert_int_equal(vmspec_parse("g.elf:instances=0", 0, &vm, &e), -ERANGE);
}

static void test_unknown_duplicate_and_malformed_options_are_named(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("g.elf:vcpu=2", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "unknown --vm option 'vcpu'");
	assert_int_equal(vmspec_parse("g.elf:mem=4M,mem=8M", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "mem= is given twice");
	assert_int_equal(vmspec_parse("g.elf:mem=4M,fast", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "'fast' needs KEY=VALUE");
	assert_int_equal(vmspec_parse("g.elf:mem=", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "mem= needs a value");
	assert_int_equal(vmspec_parse(":mem=4M", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "names no image");
}

static void test_names_are_checked_and_defaults_fit(void **state)
{
	struct vmspec vm;
	struct hs_err e;

	(void)state;
	assert_int_equal(vmspec_parse("g.elf:name=a b", 0, &vm, &e), -EINVAL);
	assert_msg_has(&e, "use only letters");
	assert_int_equal(vmspec_parse("g.elf:name=0123456789012345678901234567890123", 0, &vm, &e),
			 -ENAMETOOLONG);
	assert_msg_has(&e, "at most 31 characters");

	assert_int_equal(vmspec_parse("/x/a very long guest image file name here.elf", 7, &vm, &e),
			 0);
	assert_int_equal(strlen(vm.name), HYPCFG_NAME_LEN - 1);
	assert_string_equal(vm.name, "a_very_long_guest_image_file_n7");
	assert_int_equal(vmspec_parse("/x/.hidden", 2, &vm, &e), 0);
	assert_string_equal(vm.name, ".hidden2");
}

static void test_set_needs_distinct_names_and_at_most_8(void **state)
{
	struct vmspec vms[HYPCFG_MAX_VMS + 1];
	struct hs_err e;
	unsigned int i;

	(void)state;
	for (i = 0; i < HYPCFG_MAX_VMS + 1; i++)
		assert_int_equal(vmspec_parse("g.elf", i, &vms[i], &e), 0);
	assert_int_equal(vmspec_check_all(vms, HYPCFG_MAX_VMS, &e), 0);
	assert_int_equal(vmspec_check_all(vms, HYPCFG_MAX_VMS + 1, &e), -E2BIG);
	assert_int_equal(vmspec_check_all(vms, 0, &e), -EINVAL);

	assert_int_equal(vmspec_parse("h.elf:name=g1", 0, &vms[0], &e), 0);
	assert_int_equal(vmspec_check_all(vms, 2, &e), -EINVAL);
	assert_msg_has(&e, "two VMs are named 'g1'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_suffixes_are_binary_units),
		cmocka_unit_test(test_bad_size_string_is_rejected_with_a_hint),
		cmocka_unit_test(test_size_overflow_is_rejected),
		cmocka_unit_test(test_uint_range_is_enforced),
		cmocka_unit_test(test_plain_image_gets_defaults_and_indexed_name),
		cmocka_unit_test(test_every_option_is_applied),
		cmocka_unit_test(test_sdei_key_sets_the_vm_flag),
		cmocka_unit_test(test_el2_key_sets_the_vm_flag),
		cmocka_unit_test(test_cmdline_takes_the_rest_with_commas),
		cmocka_unit_test(test_colon_without_key_stays_in_the_path),
		cmocka_unit_test(test_mem_must_be_a_multiple_of_2m),
		cmocka_unit_test(test_vcpus_outside_1_to_4_are_rejected),
		cmocka_unit_test(test_unknown_duplicate_and_malformed_options_are_named),
		cmocka_unit_test(test_names_are_checked_and_defaults_fit),
		cmocka_unit_test(test_set_needs_distinct_names_and_at_most_8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
