/*
 * hyp/core/hypcfg.c: the validation of the control block the host writes.
 * A configuration shaped like the one `hypscope run` writes is accepted;
 * each field broken on its own (magic, version, counts, sizes, addresses
 * outside RAM or the staging area, misaligned, overlapping, wrapping the
 * address space) is refused with a sentence that names what is wrong, and
 * the refusal reaches the status block whole.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/hypcfg.h"
#include "hyp/include/boot.h"
#include "hyp/include/platform.h"

#define RAM_BASE   0x40000000ull
#define RAM_SIZE   (1ull << 30)          /* RAM ends at 0x80000000 */
#define TRACE_PA   0x44000000ull
#define TRACE_SIZE (1ull << 20)          /* per CPU, two CPUs */
#define IMAGE_PA   0x44200000ull
#define IMAGE_SIZE 0x10000ull
#define INITRD_PA  0x44400000ull
#define INITRD_SIZE 0x100000ull
#define MEM_64M    (64ull << 20)

static struct hypcfg cfg;
static struct platform plat;
static char why[256];

static void set_vm(struct hypcfg_vm *v, const char *name)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->image_pa = IMAGE_PA;
	v->image_size = IMAGE_SIZE;
	v->image_span = 0x20000;
	v->load_ipa = GUEST_RAM_IPA + 0x80000;
	v->entry_ipa = GUEST_RAM_IPA + 0x80000;
	v->mem_size = MEM_64M;
	v->nr_vcpus = 2;
	v->kind = HYPCFG_IMAGE_LINUX;
}

/* Two VMs sharing one staged image, the second with an initrd; tracing on. */
static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&plat, 0, sizeof(plat));
	plat.ram_base = RAM_BASE;
	plat.ram_size = RAM_SIZE;
	plat.nr_cpus = 2;
	cfg.magic = HYPCFG_MAGIC;
	cfg.version = HYPCFG_VERSION;
	cfg.size = sizeof(cfg);
	cfg.nr_vms = 2;
	cfg.status_pa = HYPSTAT_PA;
	cfg.trace_mode = HYPCFG_TRACE_DROP;
	cfg.trace_pa = TRACE_PA;
	cfg.trace_size = TRACE_SIZE;
	set_vm(&cfg.vms[0], "a");
	set_vm(&cfg.vms[1], "b");
	cfg.vms[1].initrd_pa = INITRD_PA;
	cfg.vms[1].initrd_size = INITRD_SIZE;
	memset(why, 0, sizeof(why));
	return 0;
}

static void expect_refusal(const char *words)
{
	assert_int_equal(hypcfg_check(&cfg, &plat, why, sizeof(why)), -EINVAL);
	if (!strstr(why, words))
		fail_msg("refusal \"%s\" does not say \"%s\"", why, words);
}

/* One test per broken field: the mutation, then the words the refusal must hold. */
#define REFUSED(test, words, ...)                  \
	static void test(void **state)             \
	{                                          \
		(void)state;                       \
		__VA_ARGS__;                       \
		expect_refusal(words);             \
	}

static void test_run_shaped_config_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(hypcfg_check(&cfg, &plat, why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

static void test_tracing_off_ignores_the_ring_fields(void **state)
{
	(void)state;
	cfg.trace_mode = HYPCFG_TRACE_OFF;
	cfg.trace_pa = 3;
	cfg.trace_size = 5;
	assert_int_equal(hypcfg_check(&cfg, &plat, why, sizeof(why)), 0);
}

static void test_limits_are_accepted(void **state)
{
	(void)state;
	cfg.nr_vms = HYPCFG_MAX_VMS;
	for (unsigned i = 2; i < HYPCFG_MAX_VMS; i++)
		set_vm(&cfg.vms[i], "more");
	cfg.vms[0].nr_vcpus = HYPCFG_MAX_VCPUS;
	cfg.vms[0].mem_size = 4ull << 30;
	cfg.vmid_bits = 3;
	cfg.slice_us = 1000000;
	cfg.trace_size = 256ull << 20;
	plat.ram_size = 8ull << 30;
	cfg.vms[0].image_pa = cfg.vms[1].image_pa = TRACE_PA + (512ull << 20);
	for (unsigned i = 2; i < HYPCFG_MAX_VMS; i++)
		cfg.vms[i].image_pa = cfg.vms[0].image_pa;
	cfg.vms[1].initrd_pa = cfg.vms[0].image_pa + (2ull << 20);
	assert_int_equal(hypcfg_check(&cfg, &plat, why, sizeof(why)), 0);
}

REFUSED(test_bad_magic_is_refused, "no configuration at 0x41000000", cfg.magic = 0)
REFUSED(test_other_version_is_refused, "rebuild hypscope and hyp.elf together", cfg.version = 3)
REFUSED(test_other_size_is_refused, "rebuild hypscope and hyp.elf together", cfg.size -= 8)
REFUSED(test_no_vms_is_refused, "configuration has 0 VMs: 1 to 8", cfg.nr_vms = 0)
REFUSED(test_nine_vms_are_refused, "configuration has 9 VMs: 1 to 8", cfg.nr_vms = 9)
REFUSED(test_huge_vm_count_is_refused, "VMs: 1 to 8", cfg.nr_vms = 0xffffffffu)
REFUSED(test_vmid_width_below_3_is_refused, "VMID width 2", cfg.vmid_bits = 2)
REFUSED(test_vmid_width_above_16_is_refused, "VMID width 17", cfg.vmid_bits = 17)
REFUSED(test_slice_over_a_second_is_refused, "time slice of 1000001 us", cfg.slice_us = 1000001)
REFUSED(test_status_elsewhere_is_refused, "status block at 0x41020000",
	cfg.status_pa = HYPSTAT_PA + 0x10000)
REFUSED(test_unknown_trace_mode_is_refused, "unknown trace mode 3", cfg.trace_mode = 3)
REFUSED(test_ram_below_staging_is_refused, "below the staging area", plat.ram_size = 64ull << 20)

REFUSED(test_tiny_trace_ring_is_refused, "64 KiB to 256 MiB", cfg.trace_size = 0x8000)
REFUSED(test_zero_trace_ring_is_refused, "64 KiB to 256 MiB", cfg.trace_size = 0)
REFUSED(test_huge_trace_ring_is_refused, "64 KiB to 256 MiB", cfg.trace_size = 512ull << 20)
REFUSED(test_partial_page_trace_ring_is_refused, "whole pages", cfg.trace_size = 0x10800)
REFUSED(test_misaligned_trace_rings_are_refused, "trace rings at 0x44000800 is not 4 KiB aligned",
	cfg.trace_pa = TRACE_PA + 0x800)
REFUSED(test_trace_rings_over_the_hypervisor_are_refused, "trace rings at 0x41100000",
	cfg.trace_pa = HYP_HEAP_PA)
REFUSED(test_trace_rings_at_zero_are_refused, "outside the staging area", cfg.trace_pa = 0)
REFUSED(test_trace_rings_past_ram_are_refused, "outside the staging area",
	cfg.trace_pa = RAM_BASE + RAM_SIZE - TRACE_SIZE)
REFUSED(test_trace_rings_wrapping_are_refused, "outside the staging area",
	cfg.trace_pa = 0xfffffffffff00000ull)

REFUSED(test_vm_without_vcpus_is_refused, "VM 1 (b): vCPU count must be 1 to 4",
	cfg.vms[1].nr_vcpus = 0)
REFUSED(test_vm_with_five_vcpus_is_refused, "VM 0 (a): vCPU count must be 1 to 4",
	cfg.vms[0].nr_vcpus = 5)
REFUSED(test_vm_without_memory_is_refused, "VM 0 (a): memory size", cfg.vms[0].mem_size = 0)
REFUSED(test_vm_memory_not_in_2m_is_refused, "memory size must be a multiple of 2 MiB",
	cfg.vms[0].mem_size = 3ull << 20)
REFUSED(test_vm_memory_over_4g_is_refused, "at most 4 GiB", cfg.vms[0].mem_size = 6ull << 30)
REFUSED(test_empty_image_is_refused, "VM 0 (a): image is empty", cfg.vms[0].image_size = 0)
REFUSED(test_unknown_image_kind_is_refused, "unknown image kind", cfg.vms[1].kind = 7)
REFUSED(test_image_below_guest_ram_is_refused, "image does not fit in guest RAM",
	cfg.vms[0].load_ipa = GUEST_RAM_IPA - 0x1000)
REFUSED(test_image_span_past_guest_ram_is_refused, "image does not fit in guest RAM",
	cfg.vms[0].image_span = MEM_64M)
REFUSED(test_image_size_past_guest_ram_is_refused, "image does not fit in guest RAM",
	cfg.vms[0].image_size = MEM_64M + 1)
REFUSED(test_entry_outside_guest_ram_is_refused, "entry point outside guest RAM",
	cfg.vms[0].entry_ipa = GUEST_RAM_IPA + MEM_64M)
REFUSED(test_entry_below_guest_ram_is_refused, "entry point outside guest RAM",
	cfg.vms[0].entry_ipa = 0x1000)
REFUSED(test_initrd_larger_than_guest_ram_is_refused, "initrd larger than guest RAM",
	cfg.vms[1].initrd_size = MEM_64M + 0x1000)

REFUSED(test_image_in_the_hypervisor_heap_is_refused, "VM 0 (a) image at 0x41100000",
	cfg.vms[0].image_pa = HYP_HEAP_PA)
REFUSED(test_image_past_ram_is_refused, "VM 1 (b) image at 0x80000000",
	cfg.vms[1].image_pa = RAM_BASE + RAM_SIZE)
REFUSED(test_image_ending_past_ram_is_refused, "outside the staging area",
	cfg.vms[0].image_pa = RAM_BASE + RAM_SIZE - 0x1000)
REFUSED(test_image_wrapping_is_refused, "outside the staging area",
	cfg.vms[0].image_pa = 0xfffffffffffff000ull)
REFUSED(test_misaligned_image_is_refused, "VM 0 (a) image at 0x44200010 is not 4 KiB aligned",
	cfg.vms[0].image_pa = IMAGE_PA + 0x10)
REFUSED(test_initrd_outside_ram_is_refused, "VM 1 (b) initrd at 0x1000",
	cfg.vms[1].initrd_pa = 0x1000)
REFUSED(test_initrd_over_an_image_is_refused, "VM 0 (a) image at 0x44200000 overlaps VM 1 (b) "
	"initrd at 0x44200000", cfg.vms[1].initrd_pa = IMAGE_PA)
REFUSED(test_images_overlapping_in_part_are_refused, "overlaps",
	cfg.vms[1].image_pa = IMAGE_PA + 0x1000)
REFUSED(test_same_address_other_size_is_refused, "overlaps",
	cfg.vms[1].image_size = IMAGE_SIZE * 2)
REFUSED(test_image_over_the_trace_rings_is_refused, "trace rings at 0x44000000 overlaps VM 0 (a) "
	"image", cfg.vms[0].image_pa = TRACE_PA + TRACE_SIZE)
REFUSED(test_image_exactly_the_rings_is_refused, "overlaps",
	cfg.vms[0].image_pa = TRACE_PA; cfg.vms[0].image_size = 2 * TRACE_SIZE)
REFUSED(test_vms_past_nr_vms_are_not_read_but_counted_ones_are, "VM 1 (b): vCPU count",
	cfg.vms[5].nr_vcpus = 0; cfg.vms[1].nr_vcpus = 9)

/*
 * VM 1 loaded in place: its 64 MiB of RAM at 0x48000000, the image at its
 * load address in it, the initrd on the first page above the image's span.
 */
#define IN_PLACE_RAM 0x48000000ull
static void load_vm1_in_place(void)
{
	struct hypcfg_vm *v = &cfg.vms[1];

	cfg.flags |= HYPCFG_F_RAM_ZEROED;
	v->ram_pa = IN_PLACE_RAM;
	v->image_pa = IN_PLACE_RAM + 0x80000;
	v->initrd_pa = IN_PLACE_RAM + 0xa0000; /* load 0x80000 + span 0x20000 */
	v->instances = 1;
}

static void test_vm_loaded_in_place_is_accepted(void **state)
{
	(void)state;
	load_vm1_in_place();
	assert_int_equal(hypcfg_check(&cfg, &plat, why, sizeof(why)), 0);
	assert_int_equal(hypcfg_initrd_ipa(GUEST_RAM_IPA + 0x80000, 0x10000, 0x20000),
			 GUEST_RAM_IPA + 0xa0000);
	assert_int_equal(hypcfg_initrd_ipa(GUEST_RAM_IPA, 0x1001, 0), GUEST_RAM_IPA + 0x2000);
}

REFUSED(test_in_place_without_fresh_ram_is_refused, "VM 1 (b): RAM loaded by the host needs RAM "
	"made afresh", load_vm1_in_place(); cfg.flags = 0)
REFUSED(test_in_place_ram_off_2m_is_refused, "not 2 MiB aligned", load_vm1_in_place();
	cfg.vms[1].ram_pa += 0x1000; cfg.vms[1].image_pa += 0x1000; cfg.vms[1].initrd_pa += 0x1000)
REFUSED(test_in_place_for_two_instances_is_refused, "serves one instance", load_vm1_in_place();
	cfg.vms[1].instances = 2)
REFUSED(test_in_place_image_off_its_load_address_is_refused, "image is not at its load address",
	load_vm1_in_place(); cfg.vms[1].image_pa = IN_PLACE_RAM)
REFUSED(test_in_place_initrd_elsewhere_is_refused, "initrd is not above the image",
	load_vm1_in_place(); cfg.vms[1].initrd_pa = INITRD_PA)
REFUSED(test_in_place_initrd_past_the_ram_is_refused, "initrd is not above the image",
	load_vm1_in_place(); cfg.vms[1].initrd_size = MEM_64M - 0x1000)
REFUSED(test_in_place_ram_over_a_staged_image_is_refused, "VM 0 (a) image at 0x48000000 overlaps "
	"VM 1 (b) RAM at 0x48000000", load_vm1_in_place(); cfg.vms[0].image_pa = IN_PLACE_RAM)
REFUSED(test_two_vms_in_one_ram_are_refused, "VM 0 (a) RAM at 0x48000000 overlaps VM 1 (b) RAM",
	load_vm1_in_place(); cfg.vms[0] = cfg.vms[1]; cfg.vms[0].name[0] = 'a')
REFUSED(test_staged_image_the_size_of_a_ram_is_not_shared_with_it, "overlaps",
	load_vm1_in_place(); cfg.vms[0].image_pa = IN_PLACE_RAM; cfg.vms[0].image_size = MEM_64M;
	cfg.vms[0].mem_size = 2 * MEM_64M)
REFUSED(test_in_place_ram_past_ram_is_refused, "VM 1 (b) RAM at 0x7e000000",
	load_vm1_in_place(); cfg.vms[1].ram_pa = RAM_BASE + RAM_SIZE - (32ull << 20);
	cfg.vms[1].image_pa = cfg.vms[1].ram_pa + 0x80000;
	cfg.vms[1].initrd_pa = cfg.vms[1].ram_pa + 0xa0000)

static void test_unterminated_name_stays_inside_its_field(void **state)
{
	(void)state;
	memset(cfg.vms[1].name, 'x', sizeof(cfg.vms[1].name));
	memset(cfg.vms[1].cmdline, 'y', sizeof(cfg.vms[1].cmdline));
	cfg.vms[1].nr_vcpus = 0;
	expect_refusal("VM 1 (xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx): vCPU count");
	assert_null(strstr(why, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")); /* 32 would be past it */
	assert_null(strchr(why, 'y'));
}

static void test_refusal_fits_a_small_buffer(void **state)
{
	char small[16];

	(void)state;
	memset(small, '#', sizeof(small));
	cfg.magic = 0;
	assert_int_equal(hypcfg_check(&cfg, &plat, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, "no configuratio", sizeof(small));
}

static void test_check_does_not_write_the_config(void **state)
{
	struct hypcfg before;

	(void)state;
	memset(cfg.vms[0].name, 'z', sizeof(cfg.vms[0].name));
	before = cfg;
	hypcfg_check(&cfg, &plat, why, sizeof(why));
	assert_memory_equal(&before, &cfg, sizeof(cfg));
}

static void test_refusal_reaches_the_status_block(void **state)
{
	static struct hypstat st;

	(void)state;
	memset(&st, 0xa5, sizeof(st));
	cfg.nr_vms = 0;
	assert_int_equal(hypcfg_check(&cfg, &plat, why, sizeof(why)), -EINVAL);
	hypstat_refuse(&st, why);
	assert_int_equal(st.magic, HYPSTAT_MAGIC);
	assert_int_equal(st.version, HYPCFG_VERSION);
	assert_int_equal(st.size, sizeof(st));
	assert_int_equal(st.state, HYPSTAT_BADCFG);
	assert_string_equal(st.message, "configuration has 0 VMs: 1 to 8");
	/* Nothing of what was there before survives. */
	assert_int_equal(st.vms[0].state, 0);
	assert_int_equal(st.req_done, 0);
}

static void test_long_refusal_is_cut_inside_the_message(void **state)
{
	static struct hypstat st;
	char long_why[600];

	(void)state;
	memset(long_why, 'w', sizeof(long_why) - 1);
	long_why[sizeof(long_why) - 1] = '\0';
	hypstat_refuse(&st, long_why);
	assert_int_equal(strlen(st.message), sizeof(st.message) - 1);
}

static void test_vm_check_names_each_problem(void **state)
{
	struct hypcfg_vm v;

	(void)state;
	set_vm(&v, "v");
	assert_null(hypcfg_check_vm(&v));
	v.nr_vcpus = 0;
	assert_string_equal(hypcfg_check_vm(&v), "vCPU count must be 1 to 4");
	set_vm(&v, "v");
	v.load_ipa = 0xffffffffffff0000ull; /* far past guest RAM: no wrap into it */
	assert_string_equal(hypcfg_check_vm(&v), "image does not fit in guest RAM");
	set_vm(&v, "v");
	v.entry_ipa = 0xffffffffffff0000ull;
	assert_string_equal(hypcfg_check_vm(&v), "entry point outside guest RAM");
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_run_shaped_config_is_accepted),
		T(test_tracing_off_ignores_the_ring_fields),
		T(test_limits_are_accepted),
		T(test_bad_magic_is_refused),
		T(test_other_version_is_refused),
		T(test_other_size_is_refused),
		T(test_no_vms_is_refused),
		T(test_nine_vms_are_refused),
		T(test_huge_vm_count_is_refused),
		T(test_vmid_width_below_3_is_refused),
		T(test_vmid_width_above_16_is_refused),
		T(test_slice_over_a_second_is_refused),
		T(test_status_elsewhere_is_refused),
		T(test_unknown_trace_mode_is_refused),
		T(test_ram_below_staging_is_refused),
		T(test_tiny_trace_ring_is_refused),
		T(test_zero_trace_ring_is_refused),
		T(test_huge_trace_ring_is_refused),
		T(test_partial_page_trace_ring_is_refused),
		T(test_misaligned_trace_rings_are_refused),
		T(test_trace_rings_over_the_hypervisor_are_refused),
		T(test_trace_rings_at_zero_are_refused),
		T(test_trace_rings_past_ram_are_refused),
		T(test_trace_rings_wrapping_are_refused),
		T(test_vm_without_vcpus_is_refused),
		T(test_vm_with_five_vcpus_is_refused),
		T(test_vm_without_memory_is_refused),
		T(test_vm_memory_not_in_2m_is_refused),
		T(test_vm_memory_over_4g_is_refused),
		T(test_empty_image_is_refused),
		T(test_unknown_image_kind_is_refused),
		T(test_image_below_guest_ram_is_refused),
		T(test_image_span_past_guest_ram_is_refused),
		T(test_image_size_past_guest_ram_is_refused),
		T(test_entry_outside_guest_ram_is_refused),
		T(test_entry_below_guest_ram_is_refused),
		T(test_initrd_larger_than_guest_ram_is_refused),
		T(test_image_in_the_hypervisor_heap_is_refused),
		T(test_image_past_ram_is_refused),
		T(test_image_ending_past_ram_is_refused),
		T(test_image_wrapping_is_refused),
		T(test_misaligned_image_is_refused),
		T(test_initrd_outside_ram_is_refused),
		T(test_initrd_over_an_image_is_refused),
		T(test_images_overlapping_in_part_are_refused),
		T(test_same_address_other_size_is_refused),
		T(test_image_over_the_trace_rings_is_refused),
		T(test_image_exactly_the_rings_is_refused),
		T(test_vms_past_nr_vms_are_not_read_but_counted_ones_are),
		T(test_vm_loaded_in_place_is_accepted),
		T(test_in_place_without_fresh_ram_is_refused),
		T(test_in_place_ram_off_2m_is_refused),
		T(test_in_place_for_two_instances_is_refused),
		T(test_in_place_image_off_its_load_address_is_refused),
		T(test_in_place_initrd_elsewhere_is_refused),
		T(test_in_place_initrd_past_the_ram_is_refused),
		T(test_in_place_ram_over_a_staged_image_is_refused),
		T(test_in_place_ram_past_ram_is_refused),
		T(test_two_vms_in_one_ram_are_refused),
		T(test_staged_image_the_size_of_a_ram_is_not_shared_with_it),
		T(test_unterminated_name_stays_inside_its_field),
		T(test_refusal_fits_a_small_buffer),
		T(test_check_does_not_write_the_config),
		T(test_refusal_reaches_the_status_block),
		T(test_long_refusal_is_cut_inside_the_message),
		T(test_vm_check_names_each_problem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
