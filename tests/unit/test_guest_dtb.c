/*
 * hyp/core/guest_dtb.c: the device tree a guest boots with, read back with
 * the host's libfdt: memory, CPUs with PSCI over HVC, the GICv3 with one
 * redistributor frame pair per vCPU, the architected timer's PPIs, the
 * PL011 with its clock, /chosen; and libfdt errors, not overflows, when the
 * buffer is too small.
 */
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hyp/include/guest_dtb.h"

#define RAM_IPA     0x40000000ull
#define RAM_SIZE    (64ull << 20)
#define GICD        0x08000000ull
#define GICR        0x080a0000ull
#define GICR_STRIDE 0x20000ull
#define UART        0x09000000ull
#define INITRD      0x41000000ull
#define INITRD_END  0x41234567ull

static uint8_t dtb[GUEST_DTB_MAX_SIZE];
static struct guest_dtb_params p;

static int setup(void **state)
{
	(void)state;
	memset(dtb, 0xa5, sizeof(dtb));
	p = (struct guest_dtb_params){
		.name = "demo",
		.serial = 42,
		.ram_ipa = RAM_IPA,
		.ram_size = RAM_SIZE,
		.nr_vcpus = 3,
		.cmdline = "console=ttyAMA0 earlycon rdinit=/init",
		.initrd_start = INITRD,
		.initrd_end = INITRD_END,
		.gicd = GICD,
		.gicr = GICR,
		.gicr_stride = GICR_STRIDE,
		.uart = UART,
		.uart_spi = 1,
		.uart_clock_hz = 24000000,
		.sdei = 1,
	};
	return 0;
}

static void build(void)
{
	assert_int_equal(guest_dtb_build(dtb, sizeof(dtb), &p), 0);
	assert_int_equal(fdt_check_header(dtb), 0);
	assert_int_equal(fdt_check_full(dtb, sizeof(dtb)), 0);
}

static int node(const char *path)
{
	int off = fdt_path_offset(dtb, path);

	if (off < 0)
		fail_msg("%s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(int off, const char *name, int expect_len)
{
	int len = -1;
	const void *v = fdt_getprop(dtb, off, name, &len);

	if (!v)
		fail_msg("no property %s", name);
	if (expect_len >= 0 && len != expect_len)
		fail_msg("%s: %d bytes, expected %d", name, len, expect_len);
	return v;
}

static uint32_t u32_at(const void *v, unsigned i)
{
	return fdt32_to_cpu(((const fdt32_t *)v)[i]);
}

static uint64_t u64_at(const void *v, unsigned i)
{
	fdt64_t x;

	memcpy(&x, (const uint8_t *)v + 8 * i, 8);
	return fdt64_to_cpu(x);
}

static uint32_t prop_u32(int off, const char *name)
{
	return u32_at(prop(off, name, 4), 0);
}

static void assert_prop_string(int off, const char *name, const char *expect)
{
	assert_string_equal(prop(off, name, (int)strlen(expect) + 1), expect);
}

static bool has_prop(int off, const char *name)
{
	return fdt_getprop(dtb, off, name, NULL) != NULL;
}

static void test_blob_is_valid_and_packed(void **state)
{
	(void)state;
	build();
	assert_true(fdt_totalsize(dtb) <= sizeof(dtb));
	/* Packed: no free space left at the end of the blob. */
	assert_int_equal(fdt_totalsize(dtb), fdt_off_dt_strings(dtb) + fdt_size_dt_strings(dtb));
	assert_int_equal(prop_u32(0, "#address-cells"), 2);
	assert_int_equal(prop_u32(0, "#size-cells"), 2);
	assert_prop_string(0, "compatible", "linux,dummy-virt");
}

static void test_memory_node_describes_guest_ram(void **state)
{
	const void *reg;
	int mem;

	(void)state;
	build();
	mem = node("/memory@40000000");
	assert_prop_string(mem, "device_type", "memory");
	reg = prop(mem, "reg", 16);
	assert_int_equal(u64_at(reg, 0), RAM_IPA);
	assert_int_equal(u64_at(reg, 1), RAM_SIZE);
}

static void test_one_cpu_node_per_vcpu_with_psci_enable_method(void **state)
{
	int cpus;

	(void)state;
	build();
	cpus = node("/cpus");
	assert_int_equal(prop_u32(cpus, "#address-cells"), 1);
	assert_int_equal(prop_u32(cpus, "#size-cells"), 0);
	for (unsigned i = 0; i < 3; i++) {
		char path[32];
		int cpu;

		snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
		cpu = node(path);
		assert_prop_string(cpu, "device_type", "cpu");
		assert_int_equal(prop_u32(cpu, "reg"), i); /* MPIDR Aff0 */
		assert_prop_string(cpu, "enable-method", "psci");
	}
	assert_true(fdt_path_offset(dtb, "/cpus/cpu@3") < 0);
}

static void test_psci_node_uses_hvc(void **state)
{
	int psci;

	(void)state;
	build();
	psci = node("/psci");
	assert_prop_string(psci, "method", "hvc");
	assert_int_equal(fdt_stringlist_count(dtb, psci, "compatible"), 2);
	assert_int_equal(fdt_stringlist_search(dtb, psci, "compatible", "arm,psci-1.0"), 0);
	assert_int_equal(fdt_stringlist_search(dtb, psci, "compatible", "arm,psci-0.2"), 1);
	/* Linux finds it by compatible. */
	assert_int_equal(fdt_node_offset_by_compatible(dtb, -1, "arm,psci-0.2"), psci);
}

static void test_sdei_node_under_firmware_uses_hvc(void **state)
{
	int sdei;

	(void)state;
	build();
	sdei = node("/firmware/sdei");
	assert_prop_string(sdei, "compatible", "arm,sdei-1.0");
	assert_prop_string(sdei, "method", "hvc");
	assert_int_equal(fdt_node_offset_by_compatible(dtb, -1, "arm,sdei-1.0"), sdei);
}

static void test_sdei_off_leaves_the_node_out(void **state)
{
	(void)state;
	p.sdei = 0;
	build();
	assert_true(fdt_path_offset(dtb, "/firmware") < 0);
	assert_true(fdt_node_offset_by_compatible(dtb, -1, "arm,sdei-1.0") < 0);
}

static void test_psci_node_uses_smc_for_a_guest_hypervisor(void **state)
{
	(void)state;
	p.psci_smc = 1; /* el2=on: HVC is the guest's own, to its virtual EL2 */
	build();
	assert_prop_string(node("/psci"), "method", "smc");
}

static void test_gic_node_covers_a_redistributor_per_vcpu(void **state)
{
	const void *reg;
	int gic;

	(void)state;
	build();
	gic = fdt_node_offset_by_compatible(dtb, -1, "arm,gic-v3");
	assert_true(gic > 0);
	assert_true(has_prop(gic, "interrupt-controller"));
	assert_int_equal(prop_u32(gic, "#interrupt-cells"), 3);
	assert_int_equal(prop_u32(gic, "#redistributor-regions"), 1);
	reg = prop(gic, "reg", 32);
	assert_int_equal(u64_at(reg, 0), GICD);
	assert_int_equal(u64_at(reg, 1), 0x10000);
	assert_int_equal(u64_at(reg, 2), GICR);
	assert_int_equal(u64_at(reg, 3), 3 * GICR_STRIDE);
	/* Everything's interrupt parent. */
	assert_int_equal(prop_u32(0, "interrupt-parent"), fdt_get_phandle(dtb, gic));
	assert_int_not_equal(fdt_get_phandle(dtb, gic), 0);
}

static void test_redistributor_region_scales_with_the_vcpu_count(void **state)
{
	int gic;

	(void)state;
	p.nr_vcpus = 1;
	build();
	gic = fdt_node_offset_by_compatible(dtb, -1, "arm,gic-v3");
	assert_int_equal(u64_at(prop(gic, "reg", 32), 3), GICR_STRIDE);
	assert_true(fdt_path_offset(dtb, "/cpus/cpu@1") < 0);
}

static void test_timer_has_the_four_architected_ppis(void **state)
{
	/* Secure physical, non-secure physical, virtual, hypervisor. */
	static const uint32_t ppis[4] = { 13, 14, 11, 10 };
	const void *irqs;
	int timer;

	(void)state;
	build();
	timer = fdt_node_offset_by_compatible(dtb, -1, "arm,armv8-timer");
	assert_true(timer > 0);
	irqs = prop(timer, "interrupts", 4 * 3 * 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(u32_at(irqs, 3 * i), 1); /* PPI */
		assert_int_equal(u32_at(irqs, 3 * i + 1), ppis[i]);
		assert_int_equal(u32_at(irqs, 3 * i + 2), 4); /* level high */
	}
}

static void test_pmu_node_has_ppi_7_level_when_offered(void **state)
{
	const void *irqs;
	int pmu;

	(void)state;
	build();
	assert_true(fdt_node_offset_by_compatible(dtb, -1, "arm,armv8-pmuv3") < 0);
	p.pmu = 1;
	build();
	pmu = node("/pmu");
	assert_prop_string(pmu, "compatible", "arm,armv8-pmuv3");
	irqs = prop(pmu, "interrupts", 3 * 4);
	assert_int_equal(u32_at(irqs, 0), 1); /* PPI */
	assert_int_equal(u32_at(irqs, 1), 7); /* INTID 23 */
	assert_int_equal(u32_at(irqs, 2), 4); /* level high */
}

static void test_pl011_node_has_reg_spi_and_clocks(void **state)
{
	const void *irq, *clocks;
	int uart, clk;

	(void)state;
	build();
	uart = fdt_node_offset_by_compatible(dtb, -1, "arm,pl011");
	assert_true(uart > 0);
	assert_int_equal(fdt_stringlist_search(dtb, uart, "compatible", "arm,primecell"), 1);
	assert_int_equal(u64_at(prop(uart, "reg", 16), 0), UART);
	assert_int_equal(u64_at(prop(uart, "reg", 16), 1), 0x1000);
	irq = prop(uart, "interrupts", 12);
	assert_int_equal(u32_at(irq, 0), 0); /* SPI */
	assert_int_equal(u32_at(irq, 1), 1);
	assert_int_equal(u32_at(irq, 2), 4);
	/* Both clocks are the 24 MHz fixed clock. */
	assert_int_equal(fdt_stringlist_count(dtb, uart, "clock-names"), 2);
	assert_int_equal(fdt_stringlist_search(dtb, uart, "clock-names", "uartclk"), 0);
	assert_int_equal(fdt_stringlist_search(dtb, uart, "clock-names", "apb_pclk"), 1);
	clocks = prop(uart, "clocks", 8);
	assert_int_equal(u32_at(clocks, 0), u32_at(clocks, 1));
	clk = fdt_node_offset_by_phandle(dtb, u32_at(clocks, 0));
	assert_true(clk > 0);
	assert_prop_string(clk, "compatible", "fixed-clock");
	assert_int_equal(prop_u32(clk, "clock-frequency"), 24000000);
	assert_int_equal(prop_u32(clk, "#clock-cells"), 0);
}

static void test_chosen_has_bootargs_initrd_and_stdout_path(void **state)
{
	const char *stdout_path;
	int chosen;

	(void)state;
	build();
	chosen = node("/chosen");
	assert_prop_string(chosen, "bootargs", "console=ttyAMA0 earlycon rdinit=/init");
	assert_int_equal(u64_at(prop(chosen, "linux,initrd-start", 8), 0), INITRD);
	assert_int_equal(u64_at(prop(chosen, "linux,initrd-end", 8), 0), INITRD_END);
	stdout_path = prop(chosen, "stdout-path", -1);
	/* It names the PL011 node. */
	assert_int_equal(fdt_path_offset(dtb, stdout_path),
			 fdt_node_offset_by_compatible(dtb, -1, "arm,pl011"));
	assert_string_equal(prop(node("/aliases"), "serial0", -1), stdout_path);
	assert_prop_string(chosen, "hypscope,vm-name", "demo");
	assert_int_equal(u64_at(prop(chosen, "hypscope,vm-serial", 8), 0), 42);
}

static void test_no_initrd_means_no_initrd_properties(void **state)
{
	int chosen;

	(void)state;
	p.initrd_start = 0;
	p.initrd_end = 0;
	p.cmdline = NULL;
	build();
	chosen = node("/chosen");
	assert_false(has_prop(chosen, "linux,initrd-start"));
	assert_false(has_prop(chosen, "linux,initrd-end"));
	/* No command line is an empty one. */
	assert_prop_string(chosen, "bootargs", "");
}

static void test_vcpu_count_out_of_range_is_refused(void **state)
{
	(void)state;
	p.nr_vcpus = 0;
	assert_int_equal(guest_dtb_build(dtb, sizeof(dtb), &p), -FDT_ERR_BADVALUE);
	p.nr_vcpus = 10;
	assert_int_equal(guest_dtb_build(dtb, sizeof(dtb), &p), -FDT_ERR_BADVALUE);
	p.nr_vcpus = 9;
	build();
	node("/cpus/cpu@8");
}

static void test_too_small_buffer_is_a_libfdt_error_not_an_overflow(void **state)
{
	size_t need;

	(void)state;
	build();
	need = fdt_totalsize(dtb);
	/* Every size short of what the tree needs while it is built fails
	 * cleanly; ASan watches the exact-size heap buffer for overruns. */
	for (size_t size = 0; size < need; size += (size < 128 ? 1 : 7)) {
		void *small = malloc(size ? size : 1);
		int ret;

		assert_non_null(small);
		ret = guest_dtb_build(small, size, &p);
		if (ret >= 0)
			fail_msg("built in %zu bytes, the tree is %zu", size, need);
		assert_true(ret == -FDT_ERR_NOSPACE || ret == -FDT_ERR_BADSTATE);
		free(small);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_blob_is_valid_and_packed, setup),
		cmocka_unit_test_setup(test_memory_node_describes_guest_ram, setup),
		cmocka_unit_test_setup(test_one_cpu_node_per_vcpu_with_psci_enable_method, setup),
		cmocka_unit_test_setup(test_psci_node_uses_hvc, setup),
		cmocka_unit_test_setup(test_sdei_node_under_firmware_uses_hvc, setup),
		cmocka_unit_test_setup(test_sdei_off_leaves_the_node_out, setup),
		cmocka_unit_test_setup(test_psci_node_uses_smc_for_a_guest_hypervisor, setup),
		cmocka_unit_test_setup(test_pmu_node_has_ppi_7_level_when_offered, setup),
		cmocka_unit_test_setup(test_gic_node_covers_a_redistributor_per_vcpu, setup),
		cmocka_unit_test_setup(test_redistributor_region_scales_with_the_vcpu_count, setup),
		cmocka_unit_test_setup(test_timer_has_the_four_architected_ppis, setup),
		cmocka_unit_test_setup(test_pl011_node_has_reg_spi_and_clocks, setup),
		cmocka_unit_test_setup(test_chosen_has_bootargs_initrd_and_stdout_path, setup),
		cmocka_unit_test_setup(test_no_initrd_means_no_initrd_properties, setup),
		cmocka_unit_test_setup(test_vcpu_count_out_of_range_is_refused, setup),
		cmocka_unit_test_setup(test_too_small_buffer_is_a_libfdt_error_not_an_overflow,
				       setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
