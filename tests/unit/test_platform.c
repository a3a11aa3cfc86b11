/*
 * hyp/core/platform.c: reading the machine from QEMU's device tree. Trees
 * shaped like QEMU's virt board (built here with libfdt's sequential-write
 * API) are parsed field by field; trees missing what the hypervisor needs
 * fail with the message the boot code prints.
 */
#include <errno.h>
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/include/platform.h"

#define WHY_GIC    "no GICv3 (QEMU needs -M virt,gic-version=3)"
#define WHY_MEMORY "no /memory node"
#define WHY_FDT    "no valid device tree"
#define WHY_CPUS   "no CPUs under /cpus"
#define WHY_UART   "no PL011 console"

/* What the tree has; the defaults are QEMU's virt board with gic-version=3. */
struct shape {
	bool memory, gic, gic_redist, cpus, uart, second_uart, chosen;
	const char *gic_compat;
	const char *stdout_path;
	const char *psci_compat; /* string list ending in "\0", NULL: no /psci node */
	const char *psci_method; /* NULL: no method property */
	unsigned nr_cpus;
	unsigned cpu_addr_cells;
	bool cpu_map;            /* a cpu-map node under /cpus, as QEMU adds */
};

static const struct shape virt = {
	.memory = true,
	.gic = true,
	.gic_redist = true,
	.cpus = true,
	.uart = true,
	.chosen = true,
	.gic_compat = "arm,gic-v3",
	.stdout_path = "/pl011@9000000",
	.psci_compat = "arm,psci-1.0\0arm,psci-0.2\0arm,psci\0",
	.psci_method = "smc",
	.nr_cpus = 2,
	.cpu_addr_cells = 1,
	.cpu_map = true,
};

static uint8_t fdt[16384];
static struct platform plat;
static const char *why;

#define OK(e) assert_int_equal((e), 0)

static void reg2(const char *name, const uint64_t *cells, unsigned n)
{
	fdt64_t v[8];

	for (unsigned i = 0; i < n; i++)
		v[i] = cpu_to_fdt64(cells[i]);
	OK(fdt_property(fdt, name, v, (int)(n * sizeof(v[0]))));
}

static void add_uart(uint64_t base)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	char name[32];

	snprintf(name, sizeof(name), "pl011@%llx", (unsigned long long)base);
	OK(fdt_begin_node(fdt, name));
	OK(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	reg2("reg", (uint64_t[]){ base, 0x1000 }, 2);
	OK(fdt_end_node(fdt));
}

static void build(const struct shape *s)
{
	OK(fdt_create(fdt, sizeof(fdt)));
	OK(fdt_finish_reservemap(fdt));
	OK(fdt_begin_node(fdt, ""));
	OK(fdt_property_u32(fdt, "#address-cells", 2));
	OK(fdt_property_u32(fdt, "#size-cells", 2));
	OK(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));

	if (s->psci_compat) {
		size_t len = 0;

		/* A string list: up to the empty string after the last one. */
		while (s->psci_compat[len])
			len += strlen(s->psci_compat + len) + 1;
		OK(fdt_begin_node(fdt, "psci"));
		OK(fdt_property(fdt, "compatible", s->psci_compat, (int)len));
		if (s->psci_method)
			OK(fdt_property_string(fdt, "method", s->psci_method));
		OK(fdt_end_node(fdt));
	}
	if (s->memory) {
		OK(fdt_begin_node(fdt, "memory@40000000"));
		reg2("reg", (uint64_t[]){ 0x40000000, 0x80000000 }, 2);
		OK(fdt_property_string(fdt, "device_type", "memory"));
		OK(fdt_end_node(fdt));
	}
	if (s->uart)
		add_uart(0x9000000);
	if (s->second_uart)
		add_uart(0x9040000);
	if (s->gic) {
		OK(fdt_begin_node(fdt, "intc@8000000"));
		OK(fdt_property_string(fdt, "compatible", s->gic_compat));
		if (s->gic_redist)
			reg2("reg", (uint64_t[]){ 0x8000000, 0x10000, 0x80a0000, 0xf60000 }, 4);
		else
			reg2("reg", (uint64_t[]){ 0x8000000, 0x10000 }, 2);
		OK(fdt_property_u32(fdt, "#redistributor-regions", 1));
		OK(fdt_property(fdt, "interrupt-controller", NULL, 0));
		OK(fdt_end_node(fdt));
	}
	if (s->cpus) {
		OK(fdt_begin_node(fdt, "cpus"));
		OK(fdt_property_u32(fdt, "#address-cells", s->cpu_addr_cells));
		OK(fdt_property_u32(fdt, "#size-cells", 0));
		if (s->cpu_map) {
			OK(fdt_begin_node(fdt, "cpu-map"));
			OK(fdt_end_node(fdt));
		}
		for (unsigned i = 0; i < s->nr_cpus; i++) {
			/* Aff1 = cluster, Aff0 = core, as QEMU numbers 8-core clusters. */
			uint64_t mpidr = (i / 8) << 8 | (i % 8);
			char name[32];

			snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)mpidr);
			OK(fdt_begin_node(fdt, name));
			OK(fdt_property_string(fdt, "device_type", "cpu"));
			OK(fdt_property_string(fdt, "compatible", "arm,cortex-a57"));
			if (s->cpu_addr_cells == 2) {
				reg2("reg", &mpidr, 1);
			} else if (s->cpu_addr_cells == 1) {
				OK(fdt_property_u32(fdt, "reg", (uint32_t)mpidr));
			}
			OK(fdt_property_string(fdt, "enable-method", "psci"));
			OK(fdt_end_node(fdt));
		}
		OK(fdt_end_node(fdt));
	}
	if (s->chosen) {
		OK(fdt_begin_node(fdt, "chosen"));
		if (s->stdout_path)
			OK(fdt_property_string(fdt, "stdout-path", s->stdout_path));
		OK(fdt_end_node(fdt));
	}
	OK(fdt_end_node(fdt));
	OK(fdt_finish(fdt));
	assert_int_equal(fdt_check_full(fdt, sizeof(fdt)), 0);
}

static int parse(void)
{
	why = "(untouched)";
	memset(&plat, 0x5a, sizeof(plat)); /* parse must not depend on a zeroed struct */
	return platform_parse(fdt, &plat, &why);
}

static void assert_fails_with(const char *expect)
{
	assert_int_equal(parse(), -EINVAL);
	assert_string_equal(why, expect);
}

static void test_qemu_virt_tree_is_parsed_field_by_field(void **state)
{
	(void)state;
	build(&virt);
	assert_int_equal(parse(), 0);
	assert_string_equal(why, "(untouched)");
	assert_int_equal(plat.ram_base, 0x40000000);
	assert_int_equal(plat.ram_size, 0x80000000);
	assert_int_equal(plat.nr_cpus, 2);
	assert_int_equal(plat.mpidr[0], 0);
	assert_int_equal(plat.mpidr[1], 1);
	assert_int_equal(plat.mpidr[2], 0); /* the rest is cleared */
	assert_int_equal(plat.gicd, 0x8000000);
	assert_int_equal(plat.gicr, 0x80a0000);
	assert_int_equal(plat.gicr_size, 0xf60000);
	assert_int_equal(plat.uart, 0x9000000);
	assert_true(plat.have_psci);
	assert_true(plat.psci_smc);
}

static void test_psci_over_hvc_is_not_smc(void **state)
{
	struct shape s = virt;

	(void)state;
	s.psci_method = "hvc";
	build(&s);
	assert_int_equal(parse(), 0);
	assert_true(plat.have_psci);
	assert_false(plat.psci_smc);
}

static void test_psci_0_1_compatible_alone_is_found(void **state)
{
	struct shape s = virt;

	(void)state;
	s.psci_compat = "arm,psci\0";
	build(&s);
	assert_int_equal(parse(), 0);
	assert_true(plat.have_psci);
	assert_true(plat.psci_smc);
}

static void test_no_psci_node_means_no_psci(void **state)
{
	struct shape s = virt;

	(void)state;
	s.psci_compat = NULL;
	build(&s);
	assert_int_equal(parse(), 0);
	assert_false(plat.have_psci);
	assert_false(plat.psci_smc);
}

static void test_psci_without_a_method_is_unusable(void **state)
{
	struct shape s = virt;

	(void)state;
	s.psci_method = NULL;
	build(&s);
	assert_int_equal(parse(), 0);
	assert_false(plat.have_psci);
}

static void test_stdout_path_with_options_selects_that_uart(void **state)
{
	struct shape s = virt;

	(void)state;
	s.second_uart = true;
	s.stdout_path = "/pl011@9040000:115200n8";
	build(&s);
	assert_int_equal(parse(), 0);
	assert_int_equal(plat.uart, 0x9040000);
}

static void test_without_stdout_path_the_first_pl011_is_the_console(void **state)
{
	struct shape s = virt;

	(void)state;
	s.second_uart = true;
	s.stdout_path = NULL;
	build(&s);
	assert_int_equal(parse(), 0);
	assert_int_equal(plat.uart, 0x9000000);
	s.chosen = false;
	build(&s);
	assert_int_equal(parse(), 0);
	assert_int_equal(plat.uart, 0x9000000);
}

static void test_stdout_path_to_nowhere_falls_back_to_a_pl011(void **state)
{
	struct shape s = virt;

	(void)state;
	s.stdout_path = "/nonexistent@0";
	build(&s);
	assert_int_equal(parse(), 0);
	assert_int_equal(plat.uart, 0x9000000);
}

static void test_cpus_with_two_address_cells(void **state)
{
	struct shape s = virt;

	(void)state;
	s.cpu_addr_cells = 2;
	s.nr_cpus = 4;
	build(&s);
	assert_int_equal(parse(), 0);
	assert_int_equal(plat.nr_cpus, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(plat.mpidr[i], i);
}

static void test_cpus_beyond_what_the_hypervisor_runs_are_left_out(void **state)
{
	struct shape s = virt;

	(void)state;
	s.nr_cpus = 10;
	build(&s);
	assert_int_equal(parse(), 0);
	assert_int_equal(plat.nr_cpus, HYP_MAX_CPUS);
	for (unsigned i = 0; i < HYP_MAX_CPUS; i++)
		assert_int_equal(plat.mpidr[i], i);
}

static void test_missing_gic_fails(void **state)
{
	struct shape s = virt;

	(void)state;
	s.gic = false;
	build(&s);
	assert_fails_with(WHY_GIC);
}

static void test_gicv2_is_not_enough(void **state)
{
	struct shape s = virt;

	(void)state;
	s.gic_compat = "arm,cortex-a15-gic";
	build(&s);
	assert_fails_with(WHY_GIC);
}

static void test_gic_without_redistributors_fails(void **state)
{
	struct shape s = virt;

	(void)state;
	s.gic_redist = false;
	build(&s);
	assert_fails_with(WHY_GIC);
}

static void test_missing_memory_fails(void **state)
{
	struct shape s = virt;

	(void)state;
	s.memory = false;
	build(&s);
	assert_fails_with(WHY_MEMORY);
}

static void test_corrupt_header_fails(void **state)
{
	(void)state;
	build(&virt);
	fdt[0] ^= 0xff; /* magic */
	assert_fails_with(WHY_FDT);

	build(&virt);
	fdt_set_version(fdt, 1); /* too old to read */
	assert_fails_with(WHY_FDT);

	build(&virt);
	fdt_set_off_dt_struct(fdt, fdt_totalsize(fdt) + 64); /* structure outside the blob */
	assert_fails_with(WHY_FDT);

	memset(fdt, 0, sizeof(fdt));
	assert_fails_with(WHY_FDT);
}

static void test_missing_cpus_fail(void **state)
{
	struct shape s = virt;

	(void)state;
	s.cpus = false;
	build(&s);
	assert_fails_with(WHY_CPUS);
	s.cpus = true;
	s.nr_cpus = 0;
	build(&s);
	assert_fails_with(WHY_CPUS);
	/* A cpu node without a usable reg cannot be used. */
	s.nr_cpus = 2;
	s.cpu_addr_cells = 3;
	build(&s);
	assert_fails_with(WHY_CPUS);
}

static void test_missing_uart_fails(void **state)
{
	struct shape s = virt;

	(void)state;
	s.uart = false;
	build(&s);
	assert_fails_with(WHY_UART);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt_tree_is_parsed_field_by_field),
		cmocka_unit_test(test_psci_over_hvc_is_not_smc),
		cmocka_unit_test(test_psci_0_1_compatible_alone_is_found),
		cmocka_unit_test(test_no_psci_node_means_no_psci),
		cmocka_unit_test(test_psci_without_a_method_is_unusable),
		cmocka_unit_test(test_stdout_path_with_options_selects_that_uart),
		cmocka_unit_test(test_without_stdout_path_the_first_pl011_is_the_console),
		cmocka_unit_test(test_stdout_path_to_nowhere_falls_back_to_a_pl011),
		cmocka_unit_test(test_cpus_with_two_address_cells),
		cmocka_unit_test(test_cpus_beyond_what_the_hypervisor_runs_are_left_out),
		cmocka_unit_test(test_missing_gic_fails),
		cmocka_unit_test(test_gicv2_is_not_enough),
		cmocka_unit_test(test_gic_without_redistributors_fails),
		cmocka_unit_test(test_missing_memory_fails),
		cmocka_unit_test(test_corrupt_header_fails),
		cmocka_unit_test(test_missing_cpus_fail),
		cmocka_unit_test(test_missing_uart_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
